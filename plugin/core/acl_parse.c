/* certacl: ACL files -> rules. mosquitto's acl_file syntax (user, topic, pattern)
 * plus certacl's `group` sections and placeholders, parsed paranoidly: every
 * problem is reported as "file:line: what to fix", and a file with any problem
 * is rejected whole. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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
	uint32_t group_pattern_root; /* patterns of the current group; NODE_NONE: not made yet */
	certacl_error *err;
	char *scratch; /* CERTACL_LINE_MAX + 1 bytes: the filter while its limits are parsed */
} parse_state;

/* Blanks between a filter and its limit words (certacl's extension). */
static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* What mosquitto trims (isspace) at the end of a line and at both ends of a
 * name or filter. Words before them are separated by ' ' only. */
static bool is_space(char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

/* s without the is_space() characters at its ends; *len is its length. */
static const char *trim(const char *s, size_t *len)
{
	while(is_space(*s)) s++;
	size_t n = strlen(s);
	while(n > 0 && is_space(s[n-1])) n--;
	*len = n;
	return s;
}

static bool word_is(const char *w, size_t n, const char *lit)
{
	return strlen(lit) == n && memcmp(w, lit, n) == 0;
}

/* `user NAME` / `group NAME`: the rest of the line, blanks trimmed, is the name
 * (as mosquitto reads it: inner spaces kept, any bytes), and it starts a new
 * section for the following topic lines. */
static bool parse_section(parse_state *st, certacl_section kind, const char *rest)
{
	const char *what = kind == CERTACL_SECTION_USER ? "user" : "group";
	size_t len;
	const char *start = trim(rest, &len);
	if(len == 0){
		certacl_error_set(st->err, st->file, st->line, "%s name is empty (write '%s NAME')",
				what, what);
		return false;
	}
	char *name = arena_strndup(&st->p->mem, start, len);
	uint32_t root = name ? policy_section_get(st->p, kind, name) : NODE_NONE;
	if(root == NODE_NONE){
		certacl_error_set(st->err, st->file, st->line, "out of memory");
		return false;
	}
	st->section = kind;
	st->section_name = name;
	st->section_root = root;
	st->group_pattern_root = NODE_NONE;
	return true;
}

/* The trie root a `pattern` line goes to: inside a `group` section, that
 * group's patterns (they apply to its members only); elsewhere the global
 * patterns (every client, as in mosquitto, also after a `user` line). */
static uint32_t pattern_root(parse_state *st)
{
	if(st->section != CERTACL_SECTION_GROUP) return NODE_PATTERN_ROOT;
	if(st->group_pattern_root == NODE_NONE){
		st->group_pattern_root = policy_section_get(st->p, CERTACL_SECTION_PATTERN, st->section_name);
	}
	return st->group_pattern_root;
}

/* Check a rule's filter as mosquitto does (wildcards, at most 201 levels);
 * *has_vars: a pattern with a placeholder that fills a whole level. A
 * placeholder inside a level loads (lint and the start-up log warn): that
 * level grants nothing. */
static bool check_filter(parse_state *st, const char *filter, bool pattern, bool *has_vars)
{
	size_t len = strlen(filter);
	const char *problem = topic_acl_filter_problem(filter, len);
	if(problem){
		certacl_error_set(st->err, st->file, st->line, "invalid topic filter '%.200s': %s",
				filter, problem);
		return false;
	}
	*has_vars = false;
	if(!pattern) return true;
	for(const char *s = filter; ; ){
		size_t n = strcspn(s, "/");
		if(policy_level_var(s, n) >= 0) *has_vars = true;
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
		/* a limit word alone is the filter, as mosquitto reads it */
		if(!is_limit_word(filter + b, len - b) || b == 0) return true;
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

/* The access keyword of a rule into rule->perms / rule->deny; false when w is
 * none of read, write, readwrite, deny. */
static bool parse_access(const char *w, size_t n, certacl_rule *rule)
{
	if(word_is(w, n, "read")) rule->perms = CERTACL_READ;
	else if(word_is(w, n, "write")) rule->perms = CERTACL_WRITE;
	else if(word_is(w, n, "readwrite")) rule->perms = CERTACL_READ | CERTACL_WRITE;
	else if(word_is(w, n, "deny")){ rule->perms = 0; rule->deny = true; }
	else return false;
	return true;
}

/* `topic [ACCESS] FILTER [LIMIT...]` or `pattern [ACCESS] FILTER [LIMIT...]`,
 * read as mosquitto reads it: the word after the keyword alone is the filter
 * with readwrite access (`topic read` is the topic "read"); otherwise that
 * word is the access and the rest of the line, blanks trimmed, the filter
 * (inner spaces kept). certacl's limit words (qos<=N, retain=no|only|any) may
 * follow the filter. */
static bool parse_rule(parse_state *st, bool pattern, const char *text, const char *rest)
{
	certacl_rule rule = { .max_qos = 2, .perms = CERTACL_READ | CERTACL_WRITE };
	const char *kw = pattern ? "pattern" : "topic";
	const char *word = rest;
	while(*word == ' ') word++;
	size_t n = strcspn(word, " "), flen;
	if(n == 0){
		certacl_error_set(st->err, st->file, st->line,
				"missing topic filter (write '%s [read|write|readwrite|deny] FILTER')", kw);
		return false;
	}
	const char *fstart = word;
	flen = n;
	if(word[n] != '\0'){
		if(!parse_access(word, n, &rule)){
			certacl_error_set(st->err, st->file, st->line, "invalid access '%.*s' (write "
					"'%s [read|write|readwrite|deny] FILTER'; mosquitto refuses this line too)",
					(int)(n > 64 ? 64 : n), word, kw);
			return false;
		}
		fstart = trim(word + n + 1, &flen);
	}
	char *filter = st->scratch;
	memcpy(filter, fstart, flen);
	filter[flen] = '\0';
	rule.text = arena_strndup(&st->p->mem, text, strlen(text));
	if(!rule.text){
		certacl_error_set(st->err, st->file, st->line, "out of memory");
		return false;
	}
	if(fstart != word && !parse_limits(st, filter, &rule)) return false;
	/* Without limits the filter is the end of the line: share the text. */
	if(strlen(filter) == flen) filter = (char *)rule.text + (fstart - text);
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
		if(st->section == CERTACL_SECTION_GROUP) rule.section_name = st->section_name;
		root = pattern_root(st);
	}else{
		rule.section = (uint8_t)st->section;
		rule.section_name = st->section_name;
		root = st->section_root;
	}
	if(root == NODE_NONE || !policy_insert(st->p, root, &rule)){
		certacl_error_set(st->err, st->file, st->line, "out of memory");
		return false;
	}
	return true;
}

/* A first word that is no keyword: say what mosquitto would not accept either. */
static bool keyword_error(parse_state *st, const char *w, size_t n)
{
	static const char *const keywords[] = { "user", "group", "topic", "pattern" };
	const char *hint = "expected user, group, topic or pattern";
	if(w[0] == '#') hint = "a comment must start in the first column: mosquitto refuses a '#' after blanks";
	else if(n >= 3 && memcmp(w, "\xEF\xBB\xBF", 3) == 0) hint = "the line starts with a UTF-8 byte "
		"order mark, which mosquitto refuses: save the file without BOM";
	else if(memchr(w, '\t', n)) hint = "words are separated by spaces: mosquitto refuses a tab "
		"before or after the keyword";
	for(size_t k = 0; k < sizeof(keywords) / sizeof(keywords[0]); k++){
		if(strlen(keywords[k]) == n && strncasecmp(w, keywords[k], n) == 0){
			hint = "keywords are lower case: user, group, topic, pattern";
		}
	}
	certacl_error_set(st->err, st->file, st->line, "unknown keyword '%.*s' (%s)",
			(int)(n > 64 ? 64 : n), w, hint);
	return false;
}

/* One line, without its line ending. As in mosquitto: trailing blanks (and
 * CR) go, a '#' in the first column starts a comment, leading spaces (not
 * tabs) before the keyword are skipped, and one space ends the keyword. */
static bool parse_line(parse_state *st, char *line)
{
	size_t len = strlen(line);
	while(len > 0 && is_space(line[len-1])) line[--len] = '\0';
	if(line[0] == '#') return true;
	const char *s = line;
	while(*s == ' ') s++;
	if(*s == '\0') return true;

	size_t n = strcspn(s, " ");
	const char *rest = s[n] ? s + n + 1 : s + n;
	if(word_is(s, n, "user")) return parse_section(st, CERTACL_SECTION_USER, rest);
	if(word_is(s, n, "group")) return parse_section(st, CERTACL_SECTION_GROUP, rest);
	if(word_is(s, n, "topic")) return parse_rule(st, false, s, rest);
	if(word_is(s, n, "pattern")) return parse_rule(st, true, s, rest);
	return keyword_error(st, s, n);
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
