/* certacl: ACL files -> rules. mosquitto's acl_file syntax (user, topic, pattern)
 * plus certacl's `group` sections and placeholders, parsed paranoidly: every
 * problem is reported as "file:line: what to fix", and a file with any problem
 * is rejected whole. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "certacl/topic.h"
#include "policy_internal.h"

/* Largest ACL file read (a 1M-rule policy is ~50 MB). */
#define ACL_FILE_MAX (1024u * 1024u * 1024u)

typedef struct parse_state {
	certacl_policy *p;
	const char *file; /* arena copy */
	unsigned line;
	certacl_section section; /* section of the following topic lines */
	const char *section_name;
	uint32_t section_root;
	certacl_error *err;
	char *scratch; /* CERTACL_LINE_MAX + 1 bytes: the filter while its limits are parsed */
} parse_state;

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Split the first blank-separated word off *s; returns its length and moves *s
 * to the first non-blank character after it. */
static size_t take_word(const char **s, const char **word)
{
	const char *p = *s;
	while(is_blank(*p)) p++;
	*word = p;
	size_t n = 0;
	while(p[n] && !is_blank(p[n])) n++;
	const char *rest = p + n;
	while(is_blank(*rest)) rest++;
	*s = rest;
	return n;
}

static bool word_is(const char *w, size_t n, const char *lit)
{
	return strlen(lit) == n && memcmp(w, lit, n) == 0;
}

/* `user NAME` / `group NAME`: the rest of the line is the name (mosquitto keeps
 * inner spaces), and it starts a new section for the following topic lines. */
static bool parse_section(parse_state *st, certacl_section kind, const char *rest)
{
	const char *what = kind == CERTACL_SECTION_USER ? "user" : "group";
	size_t len = strlen(rest);
	const char *problem = certacl_name_problem(rest, len, false);
	if(problem){
		certacl_error_set(st->err, st->file, st->line, "%s name %s (write '%s NAME')",
				what, problem, what);
		return false;
	}
	char *name = arena_strndup(&st->p->mem, rest, len);
	uint32_t root = name ? policy_section_get(st->p, kind, name) : NODE_NONE;
	if(root == NODE_NONE){
		certacl_error_set(st->err, st->file, st->line, "out of memory");
		return false;
	}
	st->section = kind;
	st->section_name = name;
	st->section_root = root;
	return true;
}

/* Check a rule's filter: a valid MQTT filter, not too deep, and in patterns every
 * placeholder fills a whole level (*has_vars: the pattern has at least one). */
static bool check_filter(parse_state *st, const char *filter, bool pattern, bool *has_vars)
{
	size_t len = strlen(filter);
	const char *problem = topic_filter_problem(filter, len);
	if(problem){
		certacl_error_set(st->err, st->file, st->line, "invalid topic filter '%.200s': %s",
				filter, problem);
		return false;
	}
	if(topic_level_count(filter, len) > CERTACL_RULE_MAX_LEVELS){
		certacl_error_set(st->err, st->file, st->line,
				"topic filter has more than %d levels", CERTACL_RULE_MAX_LEVELS);
		return false;
	}
	*has_vars = false;
	if(!pattern) return true;
	for(const char *s = filter; ; ){
		size_t n = strcspn(s, "/");
		int var = policy_level_var(s, n);
		if(var >= 0) *has_vars = true;
		if(var == -2){
			certacl_error_set(st->err, st->file, st->line,
					"placeholder in '%.*s' must fill a whole topic level and be one of "
					"%%u, %%c, %%{cn}, %%{ou}, %%{o}, %%{serial}, %%{san.dns}, "
					"%%{san.email}, %%{san.uri} (write 'a/%%u/b', not 'a/x%%u')",
					(int)(n > 200 ? 200 : n), s);
			return false;
		}
		if(s[n] != '/') break;
		s += n + 1;
	}
	return true;
}

/* Is `w` (n bytes) a limit word, i.e. does it start like one? */
static bool is_limit_word(const char *w, size_t n)
{
	return (n >= 4 && (strncmp(w, "qos<", 4) == 0 || strncmp(w, "qos=", 4) == 0))
		|| (n >= 7 && strncmp(w, "retain=", 7) == 0);
}

/* Parse one limit word into the rule: "qos<=N" (N = 0, 1, 2) or
 * "retain=no|only|any". */
static bool parse_limit(parse_state *st, const char *w, size_t n, certacl_rule *rule)
{
	if(n == 6 && strncmp(w, "qos<=", 5) == 0 && w[5] >= '0' && w[5] <= '2'){
		rule->max_qos = (uint8_t)(w[5] - '0');
		return true;
	}
	if(strncmp(w, "retain=", 7) == 0){
		const char *v = w + 7;
		size_t vl = n - 7;
		if(vl == 2 && strncmp(v, "no", 2) == 0){ rule->retain = CERTACL_RETAIN_NEVER; return true; }
		if(vl == 4 && strncmp(v, "only", 4) == 0){ rule->retain = CERTACL_RETAIN_ONLY; return true; }
		if(vl == 3 && strncmp(v, "any", 3) == 0){ rule->retain = CERTACL_RETAIN_ANY; return true; }
	}
	certacl_error_set(st->err, st->file, st->line, "invalid limit '%.*s' (write qos<=0, "
			"qos<=1 or qos<=2, and retain=no, retain=only or retain=any)",
			(int)(n > 64 ? 64 : n), w);
	return false;
}

/* Take limit words off the end of `filter` (modified in place). */
static bool parse_limits(parse_state *st, char *filter, certacl_rule *rule)
{
	bool seen_qos = false, seen_retain = false;
	for(;;){
		size_t len = strlen(filter);
		size_t b = len;
		while(b > 0 && !is_blank(filter[b-1])) b--;
		if(!is_limit_word(filter + b, len - b)) return true;
		if(b == 0){
			certacl_error_set(st->err, st->file, st->line, "missing topic filter before '%.64s'",
					filter);
			return false;
		}
		bool q = filter[b] == 'q';
		if((q && seen_qos) || (!q && seen_retain)){
			certacl_error_set(st->err, st->file, st->line, "%s limit given twice",
					q ? "qos" : "retain");
			return false;
		}
		if(!parse_limit(st, filter + b, len - b, rule)) return false;
		if(q) seen_qos = true; else seen_retain = true;
		while(b > 0 && is_blank(filter[b-1])) b--;
		filter[b] = '\0';
	}
}

/* `topic [ACCESS] FILTER [LIMIT...]` or `pattern [ACCESS] FILTER [LIMIT...]`.
 * As in mosquitto the filter is the rest of the line (inner spaces kept) and no
 * keyword means readwrite; certacl's limit words (qos<=N, retain=no|only|any)
 * may follow the filter. Unlike
 * mosquitto, `topic read` with nothing after it is an error, not a rule for a
 * topic called "read". */
static bool parse_rule(parse_state *st, bool pattern, const char *text, const char *rest)
{
	certacl_rule rule = {0};
	const char *word;
	const char *after = rest;
	size_t n = take_word(&after, &word);

	rule.max_qos = 2;
	rule.perms = CERTACL_READ | CERTACL_WRITE;
	if(word_is(word, n, "read")) rule.perms = CERTACL_READ;
	else if(word_is(word, n, "write")) rule.perms = CERTACL_WRITE;
	else if(word_is(word, n, "readwrite")) rule.perms = CERTACL_READ | CERTACL_WRITE;
	else if(word_is(word, n, "deny")){ rule.perms = 0; rule.deny = true; }
	else after = rest; /* no access keyword: the whole rest is the filter */

	const char *kw = pattern ? "pattern" : "topic";
	if(*after == '\0'){
		if(after == rest){
			certacl_error_set(st->err, st->file, st->line,
					"missing topic filter (write '%s [read|write|readwrite|deny] FILTER')", kw);
		}else{
			certacl_error_set(st->err, st->file, st->line,
					"missing topic filter after '%.*s' (write '%s %.*s FILTER')",
					(int)n, word, kw, (int)n, word);
		}
		return false;
	}
	size_t alen = strlen(after);
	char *filter = st->scratch;
	memcpy(filter, after, alen + 1);
	rule.text = arena_strndup(&st->p->mem, text, strlen(text));
	if(!rule.text){
		certacl_error_set(st->err, st->file, st->line, "out of memory");
		return false;
	}
	if(!parse_limits(st, filter, &rule)) return false;
	/* Without limits the filter is the end of the line: share the text. */
	if(strlen(filter) == alen) filter = (char *)rule.text + (after - text);
	else if(!(filter = arena_strndup(&st->p->mem, filter, strlen(filter)))){
		certacl_error_set(st->err, st->file, st->line, "out of memory");
		return false;
	}
	if(rule.deny && (rule.max_qos != 2 || rule.retain != CERTACL_RETAIN_ANY)){
		certacl_error_set(st->err, st->file, st->line,
				"a deny rule takes no qos/retain limit (it denies every message)");
		return false;
	}
	if(!check_filter(st, filter, pattern, &rule.has_vars)) return false;
	rule.file = st->file;
	rule.line = st->line;
	rule.filter = filter;
	uint32_t root;
	if(pattern){
		rule.section = CERTACL_SECTION_PATTERN;
		root = NODE_PATTERN_ROOT;
	}else{
		rule.section = (uint8_t)st->section;
		rule.section_name = st->section_name;
		root = st->section_root;
	}
	if(!policy_insert(st->p, root, &rule)){
		certacl_error_set(st->err, st->file, st->line, "out of memory");
		return false;
	}
	return true;
}

/* One line, already without its line ending and trailing blanks. */
static bool parse_line(parse_state *st, char *line)
{
	while(is_blank(*line)) line++;
	if(*line == '\0' || *line == '#') return true;

	const char *rest = line, *word;
	size_t n = take_word(&rest, &word);
	if(word_is(word, n, "user")) return parse_section(st, CERTACL_SECTION_USER, rest);
	if(word_is(word, n, "group")) return parse_section(st, CERTACL_SECTION_GROUP, rest);
	if(word_is(word, n, "topic")) return parse_rule(st, false, line, rest);
	if(word_is(word, n, "pattern")) return parse_rule(st, true, line, rest);
	certacl_error_set(st->err, st->file, st->line,
			"unknown keyword '%.*s' (expected user, group, topic or pattern)",
			(int)(n > 64 ? 64 : n), word);
	return false;
}

static bool parse_line_cb(void *ctx, unsigned line, char *text)
{
	parse_state *st = ctx;
	st->line = line;
	return parse_line(st, text);
}

bool policy_add_text(certacl_policy *p, const char *name, const char *text,
		size_t len, certacl_error *err)
{
	parse_state st = {
		.p = p, .err = err, .section = CERTACL_SECTION_ANON,
		.section_root = NODE_ANON_ROOT,
	};
	st.file = arena_strndup(&p->mem, name, strlen(name));
	st.scratch = malloc(CERTACL_LINE_MAX + 1);
	if(!st.file || !st.scratch){
		free(st.scratch);
		certacl_error_set(err, name, 0, "out of memory");
		return false;
	}
	size_t lines = 1;
	for(const char *c = text; (c = memchr(c, '\n', len - (size_t)(c - text))) != NULL; c++) lines++;
	policy_reserve(p, lines);
	bool ok = certacl_each_line(st.file, text, len, parse_line_cb, &st, err);
	free(st.scratch);
	return ok;
}

bool policy_add_file(certacl_policy *p, const char *path, certacl_error *err)
{
	size_t len;
	char *text = certacl_read_file(path, ACL_FILE_MAX, "ACL file", &len, err);
	if(!text) return false;
	bool ok = policy_add_text(p, path, text, len, err);
	free(text);
	return ok;
}
