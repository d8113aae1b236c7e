/* certacl lint: build the snapshot exactly as the plugin does at start (an
 * error there is what would stop the broker), then report lint_snapshot()'s
 * warnings. */
#include <string.h>

#include "certacl/lint.h"
#include "cli_args.h"
#include "commands.h"

static const char lint_help[] =
"Usage: certacl lint [OPTIONS]\n"
"\n"
"Load the configuration and every file it names exactly as the plugin does at\n"
"broker start, then look for rules that load but probably do not do what was meant.\n"
"An error is printed as 'file:line: message' (the broker would refuse to start);\n"
"a warning as 'file:line: warning: message [check]'; a note, which only explains\n"
"(e.g. the scope of a group's patterns) and does not change the exit status, as\n"
"'file:line: note: message [check]'.\n"
"\n"
"Options:\n"
"  --ignore CHECK          do not report this check (repeatable)\n"
"\n"
"%s"
"\n"
"Checks:\n"
"%s"
"\n"
"Exit status: 0 no error and no warning, 1 warnings only, 2 an error (or a usage\n"
"error).\n";

/* The help text, with the list of checks from the core. */
static void print_help(void)
{
	char checks[4096] = "";
	size_t off = 0;
	for(const certacl_lint_check *c = certacl_lint_checks; c->name && off < sizeof(checks); c++){
		off += (size_t)snprintf(checks + off, sizeof(checks) - off, "  %-26s %s\n",
				c->name, c->summary);
	}
	printf(lint_help, cli_options_help, checks);
}

/* Was this check named by --ignore? */
static bool ignored(const cli_args *a, const char *check)
{
	for(size_t i = 0; i < a->nlist[CLI_IGNORES]; i++){
		if(strcmp(a->list[CLI_IGNORES][i], check) == 0) return true;
	}
	return false;
}

/* Every --ignore must name a check: a typo would silently ignore nothing. */
static bool check_ignores(const cli_args *a)
{
	for(size_t i = 0; i < a->nlist[CLI_IGNORES]; i++){
		const certacl_lint_check *c = certacl_lint_checks;
		while(c->name && strcmp(c->name, a->list[CLI_IGNORES][i]) != 0) c++;
		if(!c->name){
			cli_usage_error(a, "--ignore: no check is called '%s'", a->list[CLI_IGNORES][i]);
			return false;
		}
	}
	return true;
}

/* One warning as JSON, with the rules it names. */
static cJSON *warning_json(const certacl_lint_warning *w)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "file", w->file);
	cJSON_AddNumberToObject(o, "line", w->line);
	cJSON_AddStringToObject(o, "check", w->check);
	cJSON_AddStringToObject(o, "message", w->message);
	cJSON_AddItemToObject(o, "rule", cli_rule_json(w->rule));
	cJSON_AddItemToObject(o, "other", cli_rule_json(w->other));
	return o;
}

/* What was loaded, for the summary. */
static void add_loaded_json(cJSON *doc, const certacl_snapshot *s)
{
	cJSON *files = cJSON_AddArrayToObject(doc, "acl_files");
	for(size_t i = 0; i < s->opts.nacl_files; i++){
		cJSON_AddItemToArray(files, cJSON_CreateString(s->opts.acl_files[i]));
	}
	cJSON_AddNumberToObject(doc, "rules", (double)policy_rule_count(s->policy));
	if(s->opts.identity_map) cJSON_AddStringToObject(doc, "identity_map", s->opts.identity_map);
	else cJSON_AddNullToObject(doc, "identity_map");
	cJSON_AddNumberToObject(doc, "map_entries", s->map ? (double)idmap_count(s->map) : 0);
}

/* The configuration does not load: one error, as the plugin would log it. */
static int report_error(const cli_args *a, const certacl_error *err)
{
	if(!a->json){
		printf("%s\n", err->text);
		printf("certacl lint: 1 error: the broker would refuse to start\n");
		return CLI_ERROR;
	}
	cJSON *doc = cJSON_CreateObject();
	cJSON_AddBoolToObject(doc, "ok", false);
	cJSON *errs = cJSON_AddArrayToObject(doc, "errors");
	cJSON_AddItemToArray(errs, cli_error_json(err->text));
	cJSON_AddArrayToObject(doc, "warnings");
	cli_json_out(doc);
	return CLI_ERROR;
}

/* Warnings as "file:line: warning: message [check]" (notes as "note:") and a
 * summary line; returns how many warnings were shown (notes do not count). */
static size_t report_plain(const cli_args *a, const certacl_snapshot *s, const certacl_lint *l)
{
	size_t shown = 0, notes = 0;
	for(size_t i = 0; i < l->n; i++){
		const certacl_lint_warning *w = &l->items[i];
		if(ignored(a, w->check)) continue;
		if(w->note) notes++; else shown++;
		const char *kind = w->note ? "note" : "warning";
		if(w->line) printf("%s:%u: %s: %s [%s]\n", w->file, w->line, kind, w->message, w->check);
		else printf("%s: %s: %s [%s]\n", w->file, kind, w->message, w->check);
	}
	size_t nrules = policy_rule_count(s->policy);
	printf("certacl lint: %s%zu warning%s", shown ? "" : "ok, ", shown, shown == 1 ? "" : "s");
	if(notes) printf(", %zu note%s", notes, notes == 1 ? "" : "s");
	printf("; %zu rule%s in %zu ACL file%s", nrules, nrules == 1 ? "" : "s",
			s->opts.nacl_files, s->opts.nacl_files == 1 ? "" : "s");
	if(s->map) printf(", %zu identity-map entries", idmap_count(s->map));
	printf("\n");
	return shown;
}

/* Warnings (and, apart, notes) as one JSON document; returns how many
 * warnings were shown. */
static size_t report_json(const cli_args *a, const certacl_snapshot *s, const certacl_lint *l)
{
	size_t shown = 0;
	cJSON *doc = cJSON_CreateObject();
	cJSON *warns = cJSON_CreateArray(), *notes = cJSON_CreateArray();
	for(size_t i = 0; i < l->n; i++){
		if(ignored(a, l->items[i].check)) continue;
		cJSON_AddItemToArray(l->items[i].note ? notes : warns, warning_json(&l->items[i]));
		if(!l->items[i].note) shown++;
	}
	cJSON_AddBoolToObject(doc, "ok", shown == 0);
	cJSON_AddArrayToObject(doc, "errors");
	cJSON_AddItemToObject(doc, "warnings", warns);
	cJSON_AddItemToObject(doc, "notes", notes);
	add_loaded_json(doc, s);
	cli_json_out(doc);
	return shown;
}

/* certacl lint: exit 0 clean, 1 warnings only, 2 an error. */
int cmd_lint(int argc, char **argv)
{
	cli_args a;
	certacl_error err;
	int rc = CLI_ERROR;
	if(!cli_parse(&a, "lint", argc, argv, F_IGNORE)) goto out;
	if(a.seen & F_HELP){
		print_help();
		rc = CLI_OK;
		goto out;
	}
	if(a.npos){
		rc = cli_usage_error(&a, "unexpected argument '%s'", a.pos[0]);
		goto out;
	}
	if(!check_ignores(&a)) goto out;
	certacl_snapshot *s = cli_snapshot(&a, true, &err);
	if(!s){
		rc = report_error(&a, &err);
		goto out;
	}
	certacl_lint l;
	if(!lint_snapshot(s, &l)){
		rc = cli_fail(&a, "certacl lint: out of memory");
	}else{
		size_t shown = a.json ? report_json(&a, s, &l) : report_plain(&a, s, &l);
		rc = shown ? CLI_NO : CLI_OK;
		lint_free(&l);
	}
	snapshot_free(s);
out:
	cli_args_free(&a);
	return rc;
}
