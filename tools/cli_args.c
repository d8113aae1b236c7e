/* certacl command-line tool: argument parsing, plugin options (and their help
 * text) and the snapshot they build, error reporting and JSON helpers shared by
 * the subcommands. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>

#include "cli_args.h"
#include "cli_pairs.h"
#include "mosqconf.h"

/* The tool's own flags. Every other --KEY VALUE is a plugin option. */
static const struct {
	const char *name;
	unsigned flag;
	bool value;
} tool_flags[] = {
	{ "json", F_JSON, false }, { "help", F_HELP, false },
	{ "mosquitto-conf", F_MOSQ_CONF, true }, { "user", F_USER, true },
	{ "cert", F_CERT, true }, { "client-id", F_CLIENT_ID, true },
	{ "topic", F_TOPIC, true }, { "access", F_ACCESS, true }, { "qos", F_QOS, true },
	{ "retain", F_RETAIN, false }, { "batch", F_BATCH, true },
	{ "group", F_GROUP, true }, { "ignore", F_IGNORE, true },
	{ "verbose", F_VERBOSE, false }, { "certs", F_CERTS, true },
	{ "format", F_FORMAT, true },
};

/* The help text of the plugin options and the flags every subcommand accepts. */
const char cli_options_help[] =
"Plugin options (the broker's plugin_opt_KEY lines; KEY's '_' written as '-'):\n"
"  --acl-file FILE         an ACL file (repeatable, or FILE,FILE,...)\n"
"  --identity FIELD        cn, dn, san-dns, san-email, san-uri[:N], serial, sha256\n"
"  --identity-map FILE     identity -> username [groups] mapping file\n"
"  --unmapped allow|deny   identities missing from the map: as-is, or refused\n"
"  --no-cert deny|defer    clients without a certificate\n"
"  --config FILE.json      a JSON file holding any of these options\n"
"  --KEY VALUE             any other plugin_opt_KEY, passed on as it is\n"
"  --mosquitto-conf FILE   read the plugin_opt_* lines that follow the certacl.so\n"
"                          'plugin' line of a broker configuration (include_dir is\n"
"                          followed); an option also given on the command line\n"
"                          replaces the configuration's values for that key\n"
"  --json                  machine-readable output (a JSON document on stdout)\n"
"  -h, --help              this text\n";

/* Free what cli_parse allocated (the plugin options). */
void cli_args_free(cli_args *a)
{
	cli_pairs_free(&a->plugin);
}

/* A usage error: "certacl CMD: what is wrong (see --help)", exit 2. */
int cli_usage_error(const cli_args *a, const char *fmt, ...)
{
	char msg[1024], text[1200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(text, sizeof(text), "certacl %s: %s (see 'certacl %s --help')",
			a->cmd, msg, a->cmd);
	return cli_fail(a, text);
}

/* Store a tool flag's value; a single-valued flag may be given once. */
static bool set_flag(cli_args *a, unsigned flag, const char *name, const char *value)
{
	const char **slot = NULL;
	size_t list = 2;
	switch(flag){
	case F_JSON: a->json = true; return true;
	case F_RETAIN: a->retain = true; return true;
	case F_VERBOSE: a->verbose = true; return true;
	case F_MOSQ_CONF: slot = &a->mosquitto_conf; break;
	case F_USER: slot = &a->user; break;
	case F_CERT: slot = &a->cert; break;
	case F_CLIENT_ID: slot = &a->client_id; break;
	case F_TOPIC: slot = &a->topic; break;
	case F_ACCESS: slot = &a->access; break;
	case F_QOS: slot = &a->qos; break;
	case F_BATCH: slot = &a->batch; break;
	case F_CERTS: slot = &a->certs; break;
	case F_FORMAT: slot = &a->format; break;
	case F_GROUP: list = CLI_GROUPS; break;
	case F_IGNORE: list = CLI_IGNORES; break;
	default: return true;
	}
	if(list < 2){
		if(a->nlist[list] == sizeof(a->list[list]) / sizeof(a->list[list][0])){
			cli_usage_error(a, "too many --%s flags", name);
			return false;
		}
		a->list[list][a->nlist[list]++] = value;
		return true;
	}
	if(*slot){
		cli_usage_error(a, "--%s is given more than once", name);
		return false;
	}
	*slot = value;
	return true;
}

/* --KEY VALUE that is not a tool flag: the plugin option KEY with '-' as '_'. */
static bool add_plugin_option(cli_args *a, const char *name, size_t len, const char *value)
{
	char key[128], where[200];
	if(len == 0 || len >= sizeof(key) || strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789-_") < len){
		cli_usage_error(a, "unknown flag '--%.*s'", (int)(len > 100 ? 100 : len), name);
		return false;
	}
	for(size_t i = 0; i < len; i++) key[i] = name[i] == '-' ? '_' : name[i];
	snprintf(where, sizeof(where), "command line (--%.*s)", (int)len, name);
	if(!cli_pairs_add(&a->plugin, key, len, value, where)){
		cli_fail(a, "certacl: out of memory");
		return false;
	}
	return true;
}

/* One "--name[=value]" argument at argv[*i]; takes the next argument as the
 * value when the flag needs one and none was given with '='. */
static bool parse_flag(cli_args *a, int argc, char **argv, int *i, unsigned allowed)
{
	const char *name = argv[*i] + 2, *eq = strchr(name, '=');
	size_t len = eq ? (size_t)(eq - name) : strlen(name);
	const char *value = eq ? eq + 1 : NULL;
	size_t k;
	for(k = 0; k < sizeof(tool_flags) / sizeof(tool_flags[0]); k++){
		if(strlen(tool_flags[k].name) == len && memcmp(tool_flags[k].name, name, len) == 0) break;
	}
	bool tool = k < sizeof(tool_flags) / sizeof(tool_flags[0]);
	if(tool && !(tool_flags[k].flag & allowed)){
		cli_usage_error(a, "--%s is not an option of '%s'", tool_flags[k].name, a->cmd);
		return false;
	}
	if(tool && !tool_flags[k].value){
		if(value){
			cli_usage_error(a, "--%s takes no value", tool_flags[k].name);
			return false;
		}
		a->seen |= tool_flags[k].flag;
		return set_flag(a, tool_flags[k].flag, tool_flags[k].name, NULL);
	}
	if(!value){
		if(*i + 1 >= argc || strncmp(argv[*i + 1], "--", 2) == 0){
			cli_usage_error(a, "--%.*s needs a value", (int)len, name);
			return false;
		}
		value = argv[++*i];
	}
	if(!tool) return add_plugin_option(a, name, len, value);
	a->seen |= tool_flags[k].flag;
	return set_flag(a, tool_flags[k].flag, tool_flags[k].name, value);
}

/* Flags of the tool, plugin options (--KEY VALUE) and positional arguments,
 * in command-line order; "--" ends the flags. */
bool cli_parse(cli_args *a, const char *cmd, int argc, char **argv, unsigned allowed)
{
	memset(a, 0, sizeof(*a));
	a->cmd = cmd;
	allowed |= F_JSON | F_HELP | F_MOSQ_CONF;
	/* --json changes how errors are reported: know it before the first one. */
	for(int i = 0; i < argc && strcmp(argv[i], "--") != 0; i++){
		if(strcmp(argv[i], "--json") == 0) a->json = true;
	}
	bool opts_done = false;
	for(int i = 0; i < argc; i++){
		const char *s = argv[i];
		if(!opts_done && strcmp(s, "--") == 0){
			opts_done = true;
		}else if(!opts_done && (strcmp(s, "-h") == 0 || strcmp(s, "--help") == 0)){
			a->seen |= F_HELP;
		}else if(!opts_done && strncmp(s, "--", 2) == 0){
			if(!parse_flag(a, argc, argv, &i, allowed)) return false;
		}else if(!opts_done && s[0] == '-' && s[1] != '\0'){
			cli_usage_error(a, "unknown flag '%s' (flags are long: --name)", s);
			return false;
		}else if(a->npos == sizeof(a->pos) / sizeof(a->pos[0])){
			cli_usage_error(a, "too many arguments");
			return false;
		}else{
			a->pos[a->npos++] = s;
		}
	}
	return true;
}

/* Is `key` among the pairs? */
static bool has_key(const cli_pairs *p, const char *key)
{
	for(size_t i = 0; i < p->n; i++){
		if(strcmp(p->v[i].key, key) == 0) return true;
	}
	return false;
}

/* The options in the order the plugin would see them: those of the broker's
 * configuration, then the command line's. A key given on the command line
 * replaces every value the configuration gives it. */
static bool gather_options(cli_args *a, cli_pairs *all, certacl_error *err)
{
	cli_pairs conf = {0};
	bool ok = true;
	if(a->mosquitto_conf && !mosqconf_read(a->mosquitto_conf, &conf, err)) ok = false;
	for(size_t i = 0; ok && i < conf.n; i++){
		if(has_key(&a->plugin, conf.v[i].key)) continue;
		ok = cli_pairs_add(all, conf.v[i].key, strlen(conf.v[i].key), conf.v[i].value,
				conf.where[i]);
	}
	for(size_t i = 0; ok && i < a->plugin.n; i++){
		ok = cli_pairs_add(all, a->plugin.v[i].key, strlen(a->plugin.v[i].key),
				a->plugin.v[i].value, a->plugin.where[i]);
	}
	if(!ok && !err->text[0]) certacl_error_set(err, "certacl", 0, "out of memory");
	cli_pairs_free(&conf);
	return ok;
}

/* Check each option on its own first, so that an error names where the
 * option was written (the core's own checks: options_set). */
static bool check_each(const cli_pairs *all, certacl_error *err)
{
	certacl_options tmp;
	bool ok = true;
	options_init(&tmp);
	for(size_t i = 0; ok && i < all->n; i++){
		ok = options_set(&tmp, all->v[i].key, all->v[i].value, all->where[i], err);
	}
	options_free(&tmp);
	return ok;
}

/* The options as the plugin would get them, checked one by one (so an error
 * names where the option was written), then snapshot_build(): the same call
 * the plugin makes at start. */
certacl_snapshot *cli_snapshot(cli_args *a, bool need_policy, certacl_error *err)
{
	cli_pairs all = {0};
	certacl_snapshot *s = NULL;
	memset(err, 0, sizeof(*err));
	if(!gather_options(a, &all, err) || !check_each(&all, err)) goto out;
	if(!need_policy && !has_key(&all, "acl_file") && !has_key(&all, "config")){
		if(!cli_pairs_add(&all, "acl_file", 8, "/dev/null", "certacl")){
			certacl_error_set(err, "certacl", 0, "out of memory");
			goto out;
		}
		a->no_policy = true;
	}
	s = snapshot_build(all.v, all.n, "options", err);
out:
	cli_pairs_free(&all);
	return s;
}

/* certacl_error holds one formatted text; JSON users want its parts. */
void cli_split_error(const char *text, char *file, size_t fsz, unsigned *line,
		const char **message)
{
	*line = 0;
	*message = text;
	snprintf(file, fsz, "%s", "");
	/* The first ": " preceded by ":DIGITS" ends "file:line"; else the first
	 * ": " ends "file". */
	for(const char *p = strstr(text, ": "); p; p = strstr(p + 1, ": ")){
		const char *d = p;
		while(d > text && d[-1] >= '0' && d[-1] <= '9') d--;
		if(d < p && d > text && d[-1] == ':'){
			snprintf(file, fsz, "%.*s", (int)(d - 1 - text), text);
			*line = (unsigned)strtoul(d, NULL, 10);
			*message = p + 2;
			return;
		}
	}
	const char *p = strstr(text, ": ");
	if(p){
		snprintf(file, fsz, "%.*s", (int)(p - text), text);
		*message = p + 2;
	}
}

/* An error text as {"text", "file", "line", "message"}. */
cJSON *cli_error_json(const char *text)
{
	char file[1024];
	unsigned line;
	const char *msg;
	cli_split_error(text, file, sizeof(file), &line, &msg);
	cJSON *e = cJSON_CreateObject();
	cJSON_AddStringToObject(e, "text", text);
	if(file[0]) cJSON_AddStringToObject(e, "file", file);
	else cJSON_AddNullToObject(e, "file");
	cJSON_AddNumberToObject(e, "line", line);
	cJSON_AddStringToObject(e, "message", msg);
	return e;
}

/* Errors go where the output goes: JSON on stdout with --json (machines read
 * one stream), else plain text on stderr. */
int cli_fail(const cli_args *a, const char *text)
{
	if(a->json){
		cJSON *doc = cJSON_CreateObject();
		cJSON_AddItemToObject(doc, "error", cli_error_json(text));
		cli_json_out(doc);
	}else{
		fprintf(stderr, "%s\n", text);
	}
	return CLI_ERROR;
}

/* Print and free a JSON document. */
void cli_json_out(cJSON *doc)
{
	char *s = cJSON_Print(doc);
	if(s){
		fputs(s, stdout);
		fputc('\n', stdout);
		free(s);
	}else{
		fputs("{\"error\": {\"text\": \"out of memory\"}}\n", stdout);
	}
	cJSON_Delete(doc);
}

X509 *cli_load_cert(const char *path, char *why, size_t whysz)
{
	BIO *b = BIO_new_file(path, "rb");
	if(!b){
		snprintf(why, whysz, "%s: cannot open certificate: %s", path, strerror(errno));
		return NULL;
	}
	X509 *cert = PEM_read_bio_X509(b, NULL, NULL, NULL);
	if(!cert && BIO_reset(b) == 0) cert = d2i_X509_bio(b, NULL);
	BIO_free(b);
	if(!cert) snprintf(why, whysz, "%s: no certificate found (expected PEM or DER)", path);
	return cert;
}

/* The section kind of a rule as JSON names it. */
const char *cli_section_name(const certacl_rule *r)
{
	switch(r->section){
	case CERTACL_SECTION_USER: return "user";
	case CERTACL_SECTION_GROUP: return "group";
	case CERTACL_SECTION_ANON: return "anonymous";
	default: return "pattern";
	}
}

/* A rule as JSON: where it is, what it says, whose section it is in. */
cJSON *cli_rule_json(const certacl_rule *r)
{
	if(!r) return cJSON_CreateNull();
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "file", r->file);
	cJSON_AddNumberToObject(o, "line", r->line);
	cJSON_AddStringToObject(o, "text", r->text);
	cJSON_AddStringToObject(o, "section", cli_section_name(r));
	if(r->section_name) cJSON_AddStringToObject(o, "name", r->section_name);
	else cJSON_AddNullToObject(o, "name");
	cJSON_AddStringToObject(o, "filter", r->filter);
	cJSON_AddStringToObject(o, "access", r->deny ? "deny"
			: r->perms == CERTACL_READ ? "read" : r->perms == CERTACL_WRITE ? "write" : "readwrite");
	return o;
}
