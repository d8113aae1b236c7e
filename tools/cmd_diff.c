/* certacl diff: which decisions two configurations answer differently. Both
 * are loaded as the plugin loads them; every identity either knows is asked
 * about every topic class either names (survey.h), through cli_decide(), and
 * each answer that changes is listed with the deciding rule on both sides. */
#include <stdlib.h>
#include <string.h>

#include "cli_args.h"
#include "cli_decide.h"
#include "commands.h"
#include "survey.h"

static const char diff_help[] =
"Usage: certacl diff [OPTIONS] OLD.acl NEW.acl\n"
"       certacl diff [OPTIONS] --old [OPTIONS] --new [OPTIONS]\n"
"\n"
"Load two configurations as the plugin would and list every decision that changes:\n"
"what becomes allowed and what becomes denied, with the deciding rule of each side.\n"
"Options before --old apply to both sides; those after --old or --new to that side\n"
"only (e.g. --old --acl-file plant.acl --new --acl-file plant.acl.new).\n"
"\n"
"Asked: every identity of either side (identity-map entries, user sections, a member\n"
"of each group no other identity is in, a client without username when there are\n"
"rules for it, and the certificates given) about every topic class either side's\n"
"rules name: a pattern's placeholders filled with the identity's values (the client\n"
"id is unknown, as in explain without --client-id), each wildcard level of a read or\n"
"write topic standing as the level 'any'. Read and write are asked at QoS 0, 1 and 2,\n"
"retained and not; subscribe with the filter itself.\n"
"\n"
"Options:\n"
"  --cert CERT.pem         also ask about this certificate (before --old)\n"
"  --certs DIR             also ask about every client certificate (*.pem) of DIR\n"
"                          (CA certificates and server-only ones are left out)\n"
"\n"
"%s"
"\n"
"Exit status: 0 nothing becomes allowed, 1 something becomes allowed (access widens),\n"
"2 usage error, or a configuration that cannot be loaded.\n";

/* Where the argument list of each side starts and ends. */
typedef struct diff_argv {
	char *shared[256], *old[256], *new[256];
	int nshared, nold, nnew;
} diff_argv;

/* Split argv at --old and --new; without them two positional ACL files are
 * the sides. Each side's list is the shared arguments, then its own. */
static bool split_sides(int argc, char **argv, diff_argv *d, const char **problem)
{
	int *n = &d->nshared;
	char **list = d->shared;
	bool sides = false;
	memset(d, 0, sizeof(*d));
	for(int i = 0; i < argc; i++){
		if(strcmp(argv[i], "--old") == 0 || strcmp(argv[i], "--new") == 0){
			bool old = argv[i][2] == 'o';
			if((old ? d->nold : d->nnew) || (old && sides) || (!old && !sides)){
				*problem = "give --old once, then --new once";
				return false;
			}
			sides = true;
			list = old ? d->old : d->new;
			n = old ? &d->nold : &d->nnew;
			*n = d->nshared;
			memcpy(list, d->shared, (size_t)d->nshared * sizeof(*list));
			continue;
		}
		if(*n >= 255){
			*problem = "too many arguments";
			return false;
		}
		list[(*n)++] = argv[i];
	}
	if(sides && !d->nnew){
		*problem = "--old needs a --new after it";
		return false;
	}
	return true;
}

/* One changed answer: an identity, a topic, an access, the variants (QoS,
 * retain) whose answer changed, and both answers of the first of them. */
typedef struct diff_change {
	size_t id;
	char *filter;      /* the class filled in for the identity (owned) */
	char *topic;       /* what was asked: the filter, or its topic (owned) */
	cli_question q;    /* q.topic is set to `topic` once every question is asked */
	unsigned variants; /* bit v: variant v changed */
	cli_answer old, new;
} diff_change;

typedef struct diff_run {
	const certacl_snapshot *old, *new;
	survey sv;
	diff_change *changes;
	size_t nchanges, cap, nwidened, nnarrowed, questions;
	bool oom;
} diff_run;

/* Was this (identity, access, filter) already asked (from another class)? */
static bool already_listed(const diff_run *r, size_t id, certacl_access acc, const char *filter)
{
	for(size_t i = 0; i < r->nchanges; i++){
		const diff_change *c = &r->changes[i];
		if(c->id == id && c->q.access == acc && c->filter && strcmp(c->filter, filter) == 0) return true;
	}
	return false;
}

/* Ask one question of both sides; keep the answers when they differ. The
 * answers are freed unless kept. */
static void ask(diff_run *r, size_t id, const char *filter, certacl_access acc, unsigned v,
		diff_change *c)
{
	cli_question q;
	char topic[CERTACL_TOPIC_MAX + 1];
	cli_answer o, n;
	survey_question(&r->sv.ids[id], acc, v, filter, topic, sizeof(topic), &q);
	r->questions++;
	bool asked = cli_decide(r->old, &q, &o) && cli_decide(r->new, &q, &n);
	if(!asked || o.allowed == n.allowed){
		cli_answer_free(&o);
		if(asked) cli_answer_free(&n);
		return;
	}
	if(!c->variants){
		c->q = q;
		c->topic = strdup(q.topic);
		if(!c->topic) r->oom = true;
		c->old = o;
		c->new = n;
	}else{
		cli_answer_free(&o);
		cli_answer_free(&n);
	}
	c->variants |= 1u << v;
}

/* Every variant of one access for one identity and filter. */
static void ask_access(diff_run *r, size_t id, const char *filter, certacl_access acc)
{
	if(already_listed(r, id, acc, filter) || r->oom) return;
	if(!certacl_grow((void **)&r->changes, &r->cap, r->nchanges, sizeof(*r->changes))){
		r->oom = true;
		return;
	}
	diff_change *c = &r->changes[r->nchanges];
	memset(c, 0, sizeof(*c));
	c->id = id;
	unsigned nv = acc == CERTACL_SUBSCRIBE ? 1 : SURVEY_VARIANTS;
	for(unsigned v = 0; v < nv; v++) ask(r, id, filter, acc, v, c);
	if(!c->variants) return;
	c->filter = strdup(filter);
	if(!c->filter) r->oom = true;
	if(c->new.allowed) r->nwidened++; else r->nnarrowed++;
	r->nchanges++;
}

/* Ask every identity about every class, as each side fills it in; then
 * point each change's question at its own topic (the array no longer moves). */
static void ask_all(diff_run *r)
{
	static const certacl_access accs[] = { CERTACL_READ, CERTACL_WRITE, CERTACL_SUBSCRIBE };
	const certacl_snapshot *sides[] = { r->old, r->new };
	char filter[CERTACL_TOPIC_MAX + 1];
	for(size_t i = 0; i < r->sv.nids; i++){
		for(size_t k = 0; k < r->sv.nclasses; k++){
			for(size_t s = 0; s < 2; s++){
				if(!survey_filter(sides[s], &r->sv.ids[i], &r->sv.classes[k], filter, sizeof(filter))) continue;
				for(size_t a = 0; a < sizeof(accs) / sizeof(accs[0]); a++) ask_access(r, i, filter, accs[a]);
			}
		}
	}
	for(size_t i = 0; i < r->nchanges; i++) r->changes[i].q.topic = r->changes[i].topic;
}

/* The variants of a change in words: " (qos 0, qos 1 retained)"; nothing
 * when every variant changed (or for subscribe, which has one). */
static void variants_text(const diff_change *c, char *out, size_t n)
{
	size_t o = 0;
	out[0] = '\0';
	if(c->q.access == CERTACL_SUBSCRIBE || c->variants == (1u << SURVEY_VARIANTS) - 1) return;
	for(unsigned v = 0; v < SURVEY_VARIANTS && o < n; v++){
		if(!(c->variants & (1u << v))) continue;
		int k = snprintf(out + o, n - o, "%sqos %u%s", o ? ", " : " (", v / 2, v % 2 ? " retained" : "");
		if(k < 0) break;
		o += (size_t)k;
	}
	if(o && o + 1 < n) snprintf(out + o, n - o, ")");
}

/* One side's answer in a line: "allowed by FILE:LINE 'RULE'", or the verdict,
 * the reason and the deciding rule if any. */
static void print_side(const char *side, const cli_answer *ans)
{
	const certacl_rule *rule = ans->refused || ans->broker_refusal ? NULL : ans->d.rule;
	if(ans->allowed && rule) printf("    %s: allowed by", side);
	else printf("    %s: %s: %s", side, ans->allowed ? "allowed" : "denied", cli_reason_words(ans));
	if(rule) printf(" %s:%u '%s'", rule->file, rule->line, rule->text);
	printf("\n");
}

/* What becomes allowed (+), then what becomes denied (-), each with both
 * sides' answers; then the counts. */
static void print_plain(const diff_run *r)
{
	char vars[200], topic[600];
	for(int widened = 1; widened >= 0; widened--){
		for(size_t i = 0; i < r->nchanges; i++){
			const diff_change *c = &r->changes[i];
			if(c->new.allowed != (widened == 1)) continue;
			variants_text(c, vars, sizeof(vars));
			certacl_escape(c->q.topic, strlen(c->q.topic), topic, sizeof(topic));
			printf("%s %s: %s '%s'%s\n", widened ? "+" : "-", r->sv.ids[c->id].label,
					certacl_access_name(c->q.access), topic, vars);
			print_side("old", &c->old);
			print_side("new", &c->new);
		}
	}
	printf("certacl diff: %zu change%s: %zu become%s allowed, %zu become%s denied "
			"(%zu identities, %zu topic classes, %zu questions)\n", r->nchanges,
			r->nchanges == 1 ? "" : "s", r->nwidened, r->nwidened == 1 ? "s" : "",
			r->nnarrowed, r->nnarrowed == 1 ? "s" : "", r->sv.nids, r->sv.nclasses, r->questions);
}

/* One change as JSON: identity, access, topic, variants, both answers. */
static cJSON *change_json(const diff_run *r, const diff_change *c)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "identity", r->sv.ids[c->id].label);
	cJSON_AddStringToObject(o, "access", certacl_access_name(c->q.access));
	cJSON_AddStringToObject(o, "topic", c->q.topic);
	cJSON *vs = cJSON_AddArrayToObject(o, "variants");
	for(unsigned v = 0; c->q.access != CERTACL_SUBSCRIBE && v < SURVEY_VARIANTS; v++){
		if(!(c->variants & (1u << v))) continue;
		cJSON *x = cJSON_CreateObject();
		cJSON_AddNumberToObject(x, "qos", v / 2);
		cJSON_AddBoolToObject(x, "retain", v % 2);
		cJSON_AddItemToArray(vs, x);
	}
	cJSON_AddItemToObject(o, "old", cli_answer_json(&c->q, &c->old));
	cJSON_AddItemToObject(o, "new", cli_answer_json(&c->q, &c->new));
	return o;
}

/* The changes as {"allowed": [...], "denied": [...]} with the counts. */
static void print_json(const diff_run *r)
{
	cJSON *doc = cJSON_CreateObject();
	cJSON *wid = cJSON_AddArrayToObject(doc, "allowed");
	cJSON *nar = cJSON_AddArrayToObject(doc, "denied");
	for(size_t i = 0; i < r->nchanges; i++){
		const diff_change *c = &r->changes[i];
		cJSON_AddItemToArray(c->new.allowed ? wid : nar, change_json(r, c));
	}
	cJSON_AddBoolToObject(doc, "widens", r->nwidened > 0);
	cJSON_AddNumberToObject(doc, "identities", (double)r->sv.nids);
	cJSON_AddNumberToObject(doc, "topic_classes", (double)r->sv.nclasses);
	cJSON_AddNumberToObject(doc, "questions", (double)r->questions);
	cli_json_out(doc);
}

/* Load one side; its --cert/--certs must be the shared ones. */
static certacl_snapshot *load_side(cli_args *a, const char *name, int argc, char **argv,
		const cli_args *shared, int *rc)
{
	certacl_error err;
	char what[40];
	snprintf(what, sizeof(what), "diff (%s)", name);
	if(!cli_parse(a, "diff", argc, argv, F_CERT | F_CERTS)) return NULL;
	if(a->cert != shared->cert || a->certs != shared->certs){
		*rc = cli_usage_error(a, "--cert and --certs go before --old (both sides are asked about them)");
		return NULL;
	}
	certacl_snapshot *s = cli_snapshot(a, true, &err);
	if(!s){
		char text[1300];
		snprintf(text, sizeof(text), "%s side: %s", name, err.text);
		*rc = cli_fail(a, text);
	}
	return s;
}

/* certacl diff OLD NEW: exit 0 nothing widens, 1 something becomes allowed, 2 error. */
int cmd_diff(int argc, char **argv)
{
	diff_argv d;
	cli_args shared, ao, an;
	const char *problem = NULL;
	int rc = CLI_ERROR;
	char acl_old[4200], acl_new[4200];
	memset(&ao, 0, sizeof(ao));
	memset(&an, 0, sizeof(an));
	bool split = split_sides(argc, argv, &d, &problem);
	/* the shared part alone: --help, --json, the certificates, the positional files */
	if(!cli_parse(&shared, "diff", d.nshared, d.shared, F_CERT | F_CERTS)) goto out;
	for(int i = 0; i < argc; i++) shared.json |= strcmp(argv[i], "--json") == 0; /* either side's */
	if(shared.seen & F_HELP){
		printf(diff_help, cli_options_help);
		rc = CLI_OK;
		goto out;
	}
	if(!split){
		rc = cli_usage_error(&shared, "%s", problem);
		goto out;
	}
	if(!d.nold){
		if(shared.npos != 2){
			rc = cli_usage_error(&shared, "expected OLD.acl NEW.acl, or --old ... --new ...");
			goto out;
		}
		snprintf(acl_old, sizeof(acl_old), "--acl-file=%s", shared.pos[0]);
		snprintf(acl_new, sizeof(acl_new), "--acl-file=%s", shared.pos[1]);
		int k = 0;
		for(int i = 0; i < d.nshared; i++){
			if(d.shared[i] != shared.pos[0] && d.shared[i] != shared.pos[1]) d.old[k++] = d.shared[i];
		}
		memcpy(d.new, d.old, (size_t)k * sizeof(*d.new));
		d.old[k] = acl_old;
		d.new[k] = acl_new;
		d.nold = d.nnew = k + 1;
	}else if(shared.npos){
		rc = cli_usage_error(&shared, "unexpected argument '%s'", shared.pos[0]);
		goto out;
	}
	diff_run r = { 0 };
	r.old = load_side(&ao, "old", d.nold, d.old, &shared, &rc);
	r.new = r.old ? load_side(&an, "new", d.nnew, d.new, &shared, &rc) : NULL;
	char err[1300] = "";
	if(r.new && !survey_collect(&r.sv, (const certacl_snapshot *const[]){ r.old, r.new }, 2,
			shared.cert, shared.certs, err, sizeof(err))){
		rc = cli_fail(&shared, err);
	}else if(r.new){
		ask_all(&r);
		if(r.oom) rc = cli_fail(&shared, "certacl diff: out of memory");
		else{
			if(shared.json) print_json(&r); else print_plain(&r);
			rc = r.nwidened ? CLI_NO : CLI_OK;
		}
	}
	for(size_t i = 0; i < r.nchanges; i++){
		cli_answer_free(&r.changes[i].old);
		cli_answer_free(&r.changes[i].new);
		free(r.changes[i].filter);
		free(r.changes[i].topic);
	}
	free(r.changes);
	survey_free(&r.sv);
	if(r.old) snapshot_free((certacl_snapshot *)r.old);
	if(r.new) snapshot_free((certacl_snapshot *)r.new);
out:
	cli_args_free(&shared);
	cli_args_free(&ao);
	cli_args_free(&an);
	return rc;
}
