/* certacl explain --batch FILE: many questions, each with the result it is
 * expected to get, so that a policy can be regression-tested in CI. Each line:
 *
 *     EXPECT [user=U | cert=PATH] [client=ID] [group=G ...] access=A topic=T
 *            [qos=N] [retain=0|1]
 *
 * EXPECT is allow or deny. A value may be "double quoted" (with \" and \\). A
 * line starting with '#' is a comment ('#' elsewhere is part of a value, as in
 * topic=a/#). Decisions come from cli_decide(), the plugin's own. */
#include <errno.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli_args.h"
#include "cli_decide.h"
#include "cmd_batch.h"

typedef struct batch {
	cli_args *a;
	const certacl_snapshot *s;
	const char *name;      /* the batch file, for messages */
	char dir[4096];        /* its directory: relative cert paths start there */
	char cert[8192];       /* the current line's certificate path */
	size_t passed, failed, errors;
	cJSON *results, *error_lines; /* with --json */
	char why[300];         /* a parse problem that names what was written */
} batch;

/* One parsed line. */
typedef struct batch_line {
	bool expect_allow;
	cli_question q;
	bool has[8];           /* keys seen (index into batch_keys) */
} batch_line;

static const char *const batch_keys[] = {
	"user", "cert", "client", "group", "access", "topic", "qos", "retain",
};
enum { K_USER, K_CERT, K_CLIENT, K_GROUP, K_ACCESS, K_TOPIC, K_QOS, K_RETAIN, K_COUNT };

static void batch_error(batch *b, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* A line that cannot be asked: counted as an error (exit 2), reported. */
static void batch_error(batch *b, unsigned line, const char *fmt, ...)
{
	char msg[1300];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	b->errors++;
	if(b->error_lines){
		cJSON *e = cJSON_CreateObject();
		cJSON_AddNumberToObject(e, "line", line);
		cJSON_AddStringToObject(e, "message", msg);
		cJSON_AddItemToArray(b->error_lines, e);
	}else if(line){
		printf("%s:%u: error: %s\n", b->name, line, msg);
	}else{
		printf("%s: error: %s\n", b->name, msg);
	}
}

/* Split off the next word at *p into `out` (quotes and escapes resolved). A
 * KEY=VALUE word sets *eq to the '=' position in `out`. NULL at the end of the
 * line; *why set on a malformed word. */
static char *next_word(const char **p, char *out, char **eq, const char **why)
{
	const char *s = *p;
	char *o = out;
	*eq = NULL;
	while(*s == ' ' || *s == '\t') s++;
	if(*s == '\0') return NULL;
	while(*s && *s != ' ' && *s != '\t'){
		if(*s == '=' && !*eq){
			*eq = o;
			*o++ = *s++;
			if(*s != '"') continue;
			for(s++; *s && *s != '"'; ){
				if(*s == '\\' && (s[1] == '"' || s[1] == '\\')) s++;
				*o++ = *s++;
			}
			if(*s != '"'){ *why = "unterminated quoted value"; return NULL; }
			s++;
			if(*s && *s != ' ' && *s != '\t'){ *why = "text right after a closing quote"; return NULL; }
			break;
		}
		*o++ = *s++;
	}
	*o++ = '\0';
	*p = s;
	return out;
}

/* Index of a batch key in batch_keys, or -1. */
static int key_index(const char *key)
{
	for(int k = 0; k < K_COUNT; k++){
		if(strcmp(batch_keys[k], key) == 0) return k;
	}
	return -1;
}

/* A relative certificate path is relative to the batch file's directory. */
static const char *cert_path(batch *b, const char *value)
{
	if(value[0] == '/' || !b->dir[0]) return value;
	snprintf(b->cert, sizeof(b->cert), "%s/%s", b->dir, value);
	return b->cert;
}

/* Apply KEY=VALUE to the question; NULL or why it is wrong. */
static const char *apply_key(batch *b, batch_line *bl, int k, const char *v)
{
	cli_question *q = &bl->q;
	if(k != K_GROUP && bl->has[k]) return "key given twice";
	bl->has[k] = true;
	switch(k){
	case K_USER: q->user = v; return v[0] ? NULL : "empty (omit user= for a client without username)";
	case K_CERT: q->cert = cert_path(b, v); return NULL;
	case K_CLIENT: q->client_id = v; return NULL;
	case K_GROUP:
		if(q->ngroups == sizeof(q->groups) / sizeof(q->groups[0])) return "too many groups";
		q->groups[q->ngroups++] = v;
		return NULL;
	case K_ACCESS: return certacl_access_parse(v, &q->access) ? NULL
		: "expected read, write, subscribe or unsubscribe";
	case K_TOPIC: q->topic = v; return NULL;
	case K_QOS:
		if(strlen(v) != 1 || v[0] < '0' || v[0] > '2') return "expected 0, 1 or 2";
		q->qos = v[0] - '0';
		return NULL;
	case K_RETAIN:
		if(!strcmp(v, "1") || !strcmp(v, "true") || !strcmp(v, "yes")) q->retain = true;
		else if(strcmp(v, "0") && strcmp(v, "false") && strcmp(v, "no")) return "expected 0 or 1";
		return NULL;
	}
	return "unknown key";
}

/* Parse one question line into bl (strings written into buf); NULL or why. */
static const char *parse_line(batch *b, const char *line, char *buf, batch_line *bl)
{
	const char *p = line, *why = NULL;
	char *eq;
	memset(bl, 0, sizeof(*bl));
	char *w = next_word(&p, buf, &eq, &why);
	if(!w || eq) return why ? why : "expected 'allow' or 'deny' first";
	if(strcmp(w, "allow") && strcmp(w, "deny")) return "expected 'allow' or 'deny' first";
	bl->expect_allow = strcmp(w, "allow") == 0;
	buf += strlen(w) + 1;
	while((w = next_word(&p, buf, &eq, &why))){
		buf += strlen(w) + 1;
		if(!eq) return "expected KEY=VALUE (keys: user, cert, client, group, access, topic, qos, retain)";
		*eq = '\0';
		int k = key_index(w);
		if(k < 0){
			snprintf(b->why, sizeof(b->why), "unknown key '%.100s' (keys: user, cert, client, "
					"group, access, topic, qos, retain)", w);
			return b->why;
		}
		if((why = apply_key(b, bl, k, eq + 1))){
			snprintf(b->why, sizeof(b->why), "%s: %s", batch_keys[k], why);
			return b->why;
		}
	}
	if(why) return why;
	if(!bl->has[K_ACCESS] || !bl->has[K_TOPIC]) return "access= and topic= are required";
	if(bl->q.user && bl->q.cert) return "user= and cert= exclude each other";
	if(bl->q.cert && bl->q.ngroups) return "with cert= the groups come from the certificate: drop group=";
	return NULL;
}

/* Record one decided question: a line for a mismatch (or every line with
 * --verbose), a result object with --json. */
static void record(batch *b, unsigned line, const batch_line *bl, const cli_answer *ans)
{
	bool ok = ans->allowed == bl->expect_allow;
	const char *expected = bl->expect_allow ? "allow" : "deny";
	if(ok) b->passed++;
	else b->failed++;
	if(b->results){
		cJSON *r = cli_answer_json(&bl->q, ans);
		cJSON_AddNumberToObject(r, "line", line);
		cJSON_AddStringToObject(r, "expected", expected);
		cJSON_AddBoolToObject(r, "ok", ok);
		cJSON_AddItemToArray(b->results, r);
		return;
	}
	if(ok && !b->a->verbose) return;
	if(ok) printf("%s:%u: ok: expected %s\n", b->name, line, expected);
	else printf("%s:%u: FAILED: expected %s, got %s\n", b->name, line, expected,
			ans->allowed ? "allow" : "deny");
	cli_answer_print(&bl->q, ans, "  ");
}

/* One line of the batch file. */
static void batch_one(batch *b, unsigned lineno, const char *line)
{
	while(*line == ' ' || *line == '\t') line++;
	if(*line == '\0' || *line == '#') return;
	char *buf = malloc(strlen(line) + 2);
	batch_line bl;
	cli_answer ans;
	const char *why;
	if(!buf){
		batch_error(b, lineno, "out of memory");
	}else if((why = parse_line(b, line, buf, &bl))){
		batch_error(b, lineno, "%s", why);
	}else if(!cli_decide(b->s, &bl.q, &ans)){
		batch_error(b, lineno, "%s", ans.error);
	}else{
		record(b, lineno, &bl, &ans);
		cli_answer_free(&ans);
	}
	free(buf);
}

/* Every line of the file; a NUL byte in a line is an error of that line. */
static bool read_batch(batch *b, FILE *f)
{
	char *line = NULL;
	size_t cap = 0;
	unsigned lineno = 0;
	for(ssize_t n; (n = getline(&line, &cap, f)) >= 0; ){
		lineno++;
		while(n > 0 && (line[n-1] == '\n' || line[n-1] == '\r' || line[n-1] == ' '
					|| line[n-1] == '\t')){
			line[--n] = '\0';
		}
		if(strlen(line) != (size_t)n) batch_error(b, lineno, "line contains a NUL byte");
		else batch_one(b, lineno, line);
	}
	free(line);
	return !ferror(f);
}

/* The closing summary ("N passed, N failed") and the exit status: 2 when a
 * line could not be asked, 1 when one was not decided as expected. */
static int summary(batch *b)
{
	int rc = b->errors ? CLI_ERROR : b->failed ? CLI_NO : CLI_OK;
	if(b->results){
		cJSON *doc = cJSON_CreateObject();
		cJSON_AddStringToObject(doc, "file", b->name);
		cJSON_AddNumberToObject(doc, "passed", (double)b->passed);
		cJSON_AddNumberToObject(doc, "failed", (double)b->failed);
		cJSON_AddNumberToObject(doc, "errors", (double)b->errors);
		cJSON_AddItemToObject(doc, "results", b->results);
		cJSON_AddItemToObject(doc, "error_lines", b->error_lines);
		cli_json_out(doc);
	}else if(b->errors){
		printf("%zu passed, %zu failed, %zu error%s\n", b->passed, b->failed, b->errors,
				b->errors == 1 ? "" : "s");
	}else{
		printf("%zu passed, %zu failed\n", b->passed, b->failed);
	}
	return rc;
}

/* explain --batch FILE: read and decide every question of FILE. */
int cmd_batch(cli_args *a, const certacl_snapshot *s)
{
	batch b = { .a = a, .s = s, .name = a->batch };
	bool from_stdin = strcmp(a->batch, "-") == 0;
	FILE *f = from_stdin ? stdin : fopen(a->batch, "r");
	if(!f){
		char msg[1200];
		snprintf(msg, sizeof(msg), "%s: cannot open batch file: %s", a->batch, strerror(errno));
		return cli_fail(a, msg);
	}
	if(from_stdin){
		b.name = "(stdin)";
	}else{
		char copy[sizeof(b.dir)];
		snprintf(copy, sizeof(copy), "%s", a->batch);
		snprintf(b.dir, sizeof(b.dir), "%s", dirname(copy));
	}
	if(a->json){
		b.results = cJSON_CreateArray();
		b.error_lines = cJSON_CreateArray();
	}
	bool ok = read_batch(&b, f);
	if(!from_stdin) fclose(f);
	if(!ok) batch_error(&b, 0, "read error");
	if(b.passed + b.failed + b.errors == 0) batch_error(&b, 0, "no questions in the file");
	return summary(&b);
}
