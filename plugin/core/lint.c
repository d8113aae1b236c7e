/* certacl: policy lint (see lint.h). Each check is one function. Rule
 * comparisons walk the same tries that decide.c walks, so "covers" and
 * "overlaps" mean here what they mean to a decision, and a policy of a million
 * rules is linted in O(rules x levels), not O(rules^2). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "certacl/lint.h"
#include "certacl/topic.h"
#include "policy_internal.h"

const certacl_lint_check certacl_lint_checks[] = {
	{ "empty-policy", "the ACL files hold no rule: every request is denied" },
	{ "pattern-no-placeholder", "a pattern line without placeholder gives every client the same topic" },
	{ "placeholder-in-level", "a placeholder that does not fill a whole level grants nothing (a/x%u)" },
	{ "one-word-topic", "'topic read' alone is the topic 'read' with readwrite access" },
	{ "filter-not-utf8", "a filter that is not UTF-8 (a file saved as Latin-1?) matches no topic" },
	{ "placeholder-in-topic", "%u, %c or %{...} in a topic line is literal text (only patterns substitute)" },
	{ "space-in-filter", "a topic filter with a space: usually a misspelled access keyword" },
	{ "duplicate", "the same rule twice in one section" },
	{ "shadowed", "a rule that grants or denies nothing more than an earlier or broader rule" },
	{ "allow-always-denied", "an allow rule whose every topic a deny rule denies" },
	{ "deny-no-effect", "a deny rule matching no topic that anything allows to the same clients" },
	{ "read-all", "read on '#' in a section that also has narrower read rules" },
	{ "clientid-pattern", "%c in a pattern: the client chooses its own client id" },
	{ "anonymous-unreachable", "rules for clients without username, which never connect (no_cert deny)" },
	{ "user-unsafe-name", "a user section whose name is never given to a certificate client" },
	{ "user-unmapped", "a user section that no identity-map entry produces (unmapped deny)" },
	{ "group-unreachable", "a group section that no map entry names (and no groups_from)" },
	{ "map-user-no-rights", "an identity-map entry whose user gets no rule at all" },
	{ "unmapped-deny-without-map", "unmapped deny without an identity map refuses every certificate" },
	{ "group-pattern", "(a note) a pattern inside a group section applies only to that group's members" },
	{ NULL, NULL },
};

typedef struct lint_ctx {
	const certacl_snapshot *s;
	const certacl_policy *p;
	certacl_lint *out;
	bool oom;
	uint32_t *found; /* rule indices collected by cover_walk */
	size_t nfound, found_cap;
} lint_ctx;

/* How cover_walk reads the filter it compares with the trie. */
typedef struct walk_opts {
	const char *user; /* follow '%u' children where a level equals it; NULL: never */
	bool placeholders; /* the filter is a pattern's: its '%u' levels are placeholders */
} walk_opts;

/* Append one warning; `order` places it in load order. */
static void vwarn_at(lint_ctx *c, const char *file, unsigned line, size_t order,
		const certacl_rule *rule, const certacl_rule *other, const char *check,
		const char *fmt, va_list ap) __attribute__((format(printf, 8, 0)));

/* Is `check` one that only explains (a note), never a warning? */
static bool check_is_note(const char *check)
{
	return strcmp(check, "group-pattern") == 0;
}

static void vwarn_at(lint_ctx *c, const char *file, unsigned line, size_t order,
		const certacl_rule *rule, const certacl_rule *other, const char *check,
		const char *fmt, va_list ap)
{
	certacl_lint *l = c->out;
	if(c->oom) return;
	if(!certacl_grow((void **)&l->items, &l->cap, l->n, sizeof(*l->items))){
		c->oom = true;
		return;
	}
	va_list aq;
	va_copy(aq, ap);
	int len = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	char *msg = len >= 0 ? malloc((size_t)len + 1) : NULL;
	if(!msg){ c->oom = true; return; }
	vsnprintf(msg, (size_t)len + 1, fmt, ap);
	l->items[l->n++] = (certacl_lint_warning){ .file = file, .line = line, .check = check,
		.rule = rule, .other = other, .message = msg, .order = order,
		.note = check_is_note(check) };
}

static void warn_at(lint_ctx *c, const char *file, unsigned line, size_t order,
		const char *check, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* A warning about a map entry or the configuration as a whole. */
static void warn_at(lint_ctx *c, const char *file, unsigned line, size_t order,
		const char *check, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vwarn_at(c, file, line, order, NULL, NULL, check, fmt, ap);
	va_end(ap);
}

static void warn(lint_ctx *c, const certacl_rule *r, const certacl_rule *other,
		const char *check, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* A warning about rule `r` (compared with `other`, if any). */
static void warn(lint_ctx *c, const certacl_rule *r, const certacl_rule *other,
		const char *check, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vwarn_at(c, r->file, r->line, r->seq, r, other, check, fmt, ap);
	va_end(ap);
}

/* "file:line 'text'" of a rule, for messages naming another rule. */
static const char *where(const certacl_rule *r, char *buf, size_t n)
{
	snprintf(buf, n, "%s:%u '%.120s'", r->file, r->line, r->text);
	return buf;
}

/* Who a section is for, in words. */
static const char *section_words(const certacl_rule *r, char *buf, size_t n)
{
	switch(r->section){
	case CERTACL_SECTION_USER: snprintf(buf, n, "user '%.100s'", r->section_name); break;
	case CERTACL_SECTION_GROUP: snprintf(buf, n, "group '%.100s'", r->section_name); break;
	case CERTACL_SECTION_ANON: snprintf(buf, n, "clients without a username"); break;
	default:
		if(r->section_name) snprintf(buf, n, "the members of group '%.100s' (pattern)", r->section_name);
		else snprintf(buf, n, "every client (pattern)");
		break;
	}
	return buf;
}

/* Same section: same kind and (for users and groups) the same name. */
static bool same_section(const certacl_rule *a, const certacl_rule *b)
{
	if(a->section != b->section) return false;
	if(!a->section_name || !b->section_name) return a->section_name == b->section_name;
	return strcmp(a->section_name, b->section_name) == 0;
}

/* The same rule written twice: same section, filter, access and limits. */
static bool identical(const certacl_rule *a, const certacl_rule *b)
{
	return same_section(a, b) && a->deny == b->deny && a->perms == b->perms
		&& a->max_qos == b->max_qos && a->retain == b->retain
		&& strcmp(a->filter, b->filter) == 0;
}

/* Does allow rule `a` grant at least as much as `b` within its limits? */
static bool limits_within(const certacl_rule *a, const certacl_rule *b)
{
	return a->max_qos >= b->max_qos
		&& (a->retain == CERTACL_RETAIN_ANY || a->retain == b->retain);
}

/* The trie root of the section a rule was loaded into. */
static uint32_t section_root(const certacl_policy *p, const certacl_rule *r)
{
	return policy_section_root(p, (certacl_section)r->section, r->section_name);
}

/* The placeholder child `var` of a node, or NODE_NONE. */
static uint32_t var_child(const certacl_policy *p, uint32_t node, int var)
{
	for(uint32_t v = p->nodes[node].var_head; v; v = p->vedges[v].next){
		if(p->vedges[v].var == (uint32_t)var) return p->vedges[v].child;
	}
	return NODE_NONE;
}

/* Remember every rule ending at `node`. */
static void collect(lint_ctx *c, uint32_t node)
{
	for(uint32_t r = c->p->nodes[node].rule_head; r; r = c->p->rrefs[r].next){
		if(!certacl_grow((void **)&c->found, &c->found_cap, c->nfound, sizeof(*c->found))){
			c->oom = true;
			return;
		}
		c->found[c->nfound++] = c->p->rrefs[r].rule;
	}
}

/* Collect the rules of the trie below `node` whose filter covers the rest `f`
 * of a filter (NULL: it ended): '#' covers what remains (also nothing: "a/#"
 * covers "a"), '+' one level of anything but '#', a literal only itself.
 * Wildcards at the first level never cover a '$' level. */
static void cover_walk(lint_ctx *c, uint32_t node, const char *f, bool first,
		const walk_opts *o)
{
	const pnode *n = &c->p->nodes[node];
	bool dollar = first && f && f[0] == '$';

	if(n->hash && !dollar) collect(c, n->hash);
	if(!f){
		collect(c, node);
		return;
	}
	size_t len = strcspn(f, "/");
	const char *next = f[len] == '/' ? f + len + 1 : NULL;
	if(len == 1 && f[0] == '#') return;
	if(n->plus && !dollar) cover_walk(c, n->plus, next, false, o);
	if(len == 1 && f[0] == '+') return;

	int var = o->placeholders ? policy_level_var(f, len) : -1;
	if(var >= 0){
		uint32_t v = var_child(c->p, node, var);
		if(v) cover_walk(c, v, next, false, o);
		return;
	}
	uint32_t ch = policy_child(c->p, node, f, len);
	if(ch) cover_walk(c, ch, next, false, o);
	if(o->user && !dollar && strlen(o->user) == len && memcmp(o->user, f, len) == 0){
		uint32_t v = var_child(c->p, node, CERTACL_VAR_USERNAME);
		if(v) cover_walk(c, v, next, false, o);
	}
}

/* Gather every rule that covers `b` and applies to (at least) b's clients:
 * rules of b's own section, the global patterns (with %u = the user's name),
 * and for a group's rule that group's patterns too. */
static void gather_covering(lint_ctx *c, const certacl_rule *b)
{
	bool pattern = b->section == CERTACL_SECTION_PATTERN;
	walk_opts own = { NULL, pattern };
	c->nfound = 0;
	cover_walk(c, section_root(c->p, b), b->filter, true, &own);
	if(pattern && !b->section_name) return;
	if(pattern){ /* a group's pattern: the global patterns apply to its members */
		cover_walk(c, NODE_PATTERN_ROOT, b->filter, true, &own);
		return;
	}
	if(b->section == CERTACL_SECTION_GROUP){
		uint32_t gp = policy_section_root(c->p, CERTACL_SECTION_PATTERN, b->section_name);
		walk_opts literal = { NULL, false };
		if(gp) cover_walk(c, gp, b->filter, true, &literal);
	}
	walk_opts pat = { NULL, false };
	if(b->section == CERTACL_SECTION_USER
			&& !certacl_name_problem(b->section_name, strlen(b->section_name), true)){
		pat.user = b->section_name;
	}
	cover_walk(c, NODE_PATTERN_ROOT, b->filter, true, &pat);
}

/* Does `a` (found covering `b`) make `b` useless? The same rule written twice
 * makes only the later one useless; a broader rule makes `b` useless wherever
 * it stands. */
static bool supersedes(const certacl_rule *a, const certacl_rule *b)
{
	return a != b && (!identical(a, b) || a->seq < b->seq);
}

/* Which covering rule to name: the same line written earlier (a duplicate)
 * first, then one that grants all of b's access, then any. */
static int allow_rank(const certacl_rule *a, const certacl_rule *b)
{
	if(identical(a, b)) return 0;
	return (a->perms & b->perms) == b->perms ? 1 : 2;
}

/* The best-ranked, then earliest, allow among the gathered rules that grants
 * `bit` to b's clients as far as b does. */
static const certacl_rule *best_allow(lint_ctx *c, const certacl_rule *b, unsigned bit)
{
	const certacl_rule *best = NULL;
	for(size_t i = 0; i < c->nfound; i++){
		const certacl_rule *a = &c->p->rules[c->found[i]];
		if(a->deny || !(a->perms & bit) || !limits_within(a, b) || !supersedes(a, b)) continue;
		if(!best || allow_rank(a, b) < allow_rank(best, b)
				|| (allow_rank(a, b) == allow_rank(best, b) && a->seq < best->seq)){
			best = a;
		}
	}
	return best;
}

/* The earliest deny among the gathered rules that makes `b` useless (deny
 * wins wherever it stands, so order only matters between identical lines). */
static const certacl_rule *earliest_deny(lint_ctx *c, const certacl_rule *b)
{
	const certacl_rule *best = NULL;
	for(size_t i = 0; i < c->nfound; i++){
		const certacl_rule *a = &c->p->rules[c->found[i]];
		if(!a->deny || !supersedes(a, b)) continue;
		if(!best || a->seq < best->seq) best = a;
	}
	return best;
}

/* An allow rule is useless when a deny covers it (deny always wins) or when
 * other allows already grant each of its accesses on every topic it names. */
static void judge_allow(lint_ctx *c, const certacl_rule *b)
{
	char w1[300], w2[300];
	const certacl_rule *d = earliest_deny(c, b);
	if(d){
		warn(c, b, d, "allow-always-denied", "this rule grants nothing: every topic it "
				"matches is denied by %s (a deny wins wherever it stands); remove this "
				"line, or narrow the deny", where(d, w1, sizeof(w1)));
		return;
	}
	const certacl_rule *r = (b->perms & CERTACL_READ) ? best_allow(c, b, CERTACL_READ) : NULL;
	const certacl_rule *w = (b->perms & CERTACL_WRITE) ? best_allow(c, b, CERTACL_WRITE) : NULL;
	if(((b->perms & CERTACL_READ) && !r) || ((b->perms & CERTACL_WRITE) && !w)) return;
	const certacl_rule *a = r ? r : w;
	if(r && w && r != w){
		warn(c, b, r, "shadowed", "this rule grants nothing more than %s and %s together; "
				"remove it (or narrow those rules if it was meant to be the only grant)",
				where(r, w1, sizeof(w1)), where(w, w2, sizeof(w2)));
	}else if(identical(a, b)){
		warn(c, b, a, "duplicate", "duplicate of %s; remove this line",
				where(a, w1, sizeof(w1)));
	}else{
		warn(c, b, a, "shadowed", "this rule grants nothing more than the %s rule %s; "
				"remove it (or narrow the broader rule if only this topic was meant)",
				a->seq < b->seq ? "earlier" : "broader", where(a, w1, sizeof(w1)));
	}
}

/* Does a rule ending at `node` allow anything? */
static bool node_has_allow(const certacl_policy *p, uint32_t node)
{
	for(uint32_t r = p->nodes[node].rule_head; r; r = p->rrefs[r].next){
		if(!p->rules[p->rrefs[r].rule].deny) return true;
	}
	return false;
}

/* Is anything allowed at or below `node`? At the first level, '$' literals are
 * skipped (a '#' deny there does not match them). Stops at the first allow. */
static bool any_allow_below(const certacl_policy *p, uint32_t node, bool first)
{
	const pnode *n = &p->nodes[node];
	if(node_has_allow(p, node)) return true;
	if(n->hash && any_allow_below(p, n->hash, false)) return true;
	if(n->plus && any_allow_below(p, n->plus, false)) return true;
	for(uint32_t ch = n->first_lit; ch; ch = p->nodes[ch].next_sib){
		if(first && (p->nodes[ch].flags & NODE_DOLLAR_LABEL)) continue;
		if(any_allow_below(p, ch, false)) return true;
	}
	for(uint32_t v = n->var_head; v; v = p->vedges[v].next){
		if(p->vedges[v].var == VAR_EMBEDDED) continue; /* grants nothing */
		if(any_allow_below(p, p->vedges[v].child, false)) return true;
	}
	return false;
}

/* Does some allow rule below `node` match a topic that the rest `f` of a deny
 * filter matches? Placeholder levels (trie or filter) stand for any level that
 * does not start with '$' at the first level. */
static bool allow_overlaps(const certacl_policy *p, uint32_t node, const char *f,
		bool first, bool placeholders)
{
	const pnode *n = &p->nodes[node];
	bool dollar = first && f && f[0] == '$';

	if(n->hash && !dollar && node_has_allow(p, n->hash)) return true;
	if(!f) return node_has_allow(p, node);
	size_t len = strcspn(f, "/");
	const char *next = f[len] == '/' ? f + len + 1 : NULL;
	if(len == 1 && f[0] == '#') return any_allow_below(p, node, first);
	bool wild = (len == 1 && f[0] == '+') || (placeholders && policy_level_var(f, len) >= 0);

	if(n->plus && !dollar && allow_overlaps(p, n->plus, next, false, placeholders)) return true;
	if(wild){
		for(uint32_t ch = n->first_lit; ch; ch = p->nodes[ch].next_sib){
			if(first && (p->nodes[ch].flags & NODE_DOLLAR_LABEL)) continue;
			if(allow_overlaps(p, ch, next, false, placeholders)) return true;
		}
	}else{
		uint32_t ch = policy_child(p, node, f, len);
		if(ch && allow_overlaps(p, ch, next, false, placeholders)) return true;
	}
	if(dollar) return false;
	for(uint32_t v = n->var_head; v; v = p->vedges[v].next){
		if(p->vedges[v].var == VAR_EMBEDDED) continue; /* grants nothing */
		if(allow_overlaps(p, p->vedges[v].child, next, false, placeholders)) return true;
	}
	return false;
}

/* allow_overlaps over every section root hanging below a pseudo-root. */
static bool overlaps_below(const certacl_policy *p, uint32_t pseudo, const certacl_rule *b)
{
	bool ph = b->section == CERTACL_SECTION_PATTERN;
	for(uint32_t ch = p->nodes[pseudo].first_lit; ch; ch = p->nodes[ch].next_sib){
		if(allow_overlaps(p, ch, b->filter, true, ph)) return true;
	}
	return false;
}

/* Can deny `b` ever refuse something? Only if some rule that applies to the
 * same clients allows a topic it matches (groups may hold any user, so a
 * group's or pattern's deny is compared with every section, and every
 * client may be in a group that has patterns). */
static bool deny_has_effect(const certacl_policy *p, const certacl_rule *b)
{
	bool ph = b->section == CERTACL_SECTION_PATTERN;
	if(allow_overlaps(p, NODE_PATTERN_ROOT, b->filter, true, ph)) return true;
	if(overlaps_below(p, NODE_GROUPS, b)) return true;
	if(overlaps_below(p, NODE_GROUP_PATTERNS, b)) return true;
	if(b->section == CERTACL_SECTION_USER || b->section == CERTACL_SECTION_ANON){
		return allow_overlaps(p, section_root(p, b), b->filter, true, ph);
	}
	return allow_overlaps(p, NODE_ANON_ROOT, b->filter, true, ph)
		|| overlaps_below(p, NODE_USERS, b);
}

/* A deny is useless when another deny already covers it, or when nothing that
 * applies to its clients allows any topic it matches (denied anyway). */
static void judge_deny(lint_ctx *c, const certacl_rule *b)
{
	char w1[300], who[200];
	const certacl_rule *d = earliest_deny(c, b);
	if(d && identical(d, b)){
		warn(c, b, d, "duplicate", "duplicate of %s; remove this line", where(d, w1, sizeof(w1)));
	}else if(d){
		warn(c, b, d, "shadowed", "this deny adds nothing: %s already denies every topic "
				"it matches; remove this line", where(d, w1, sizeof(w1)));
	}else if(!deny_has_effect(c->p, b)){
		warn(c, b, NULL, "deny-no-effect", "this deny never changes a decision: no rule "
				"that applies to %s allows any topic it matches, so those topics are "
				"denied anyway; check the filter, or remove the line",
				section_words(b, who, sizeof(who)));
	}
}

/* Shadowed, duplicate and useless rules, one rule at a time. */
static void check_cover(lint_ctx *c)
{
	for(size_t i = 0; i < c->p->nrules && !c->oom; i++){
		const certacl_rule *b = &c->p->rules[i];
		gather_covering(c, b);
		if(c->oom) return;
		if(b->deny) judge_deny(c, b);
		else judge_allow(c, b);
	}
}

/* The placeholder kinds used in a filter's levels: bit v for policy_level_var
 * v, bit 31 for a placeholder that does not fill its level. */
static uint32_t filter_vars(const char *filter)
{
	uint32_t bits = 0;
	for(const char *s = filter; ; ){
		size_t n = strcspn(s, "/");
		int v = policy_level_var(s, n);
		if(v >= 0) bits |= 1u << v;
		else if(v == -2) bits |= 1u << 31;
		if(s[n] != '/') break;
		s += n + 1;
	}
	return bits;
}

/* True when the rule's text has no access keyword: the filter follows the
 * first word directly (limit words may follow the filter). */
static bool no_keyword(const certacl_rule *r)
{
	const char *t = r->text + strcspn(r->text, " \t");
	t += strspn(t, " \t");
	size_t n = strlen(r->filter);
	return strncmp(t, r->filter, n) == 0 && (t[n] == '\0' || t[n] == ' ' || t[n] == '\t');
}

/* A filter that is an access keyword alone, or one followed by a tab: the
 * line was `topic read` (or `topic read<TAB>a/b`), one word to mosquitto. */
static bool keyword_as_filter(const certacl_rule *r)
{
	static const char *const access[] = { "read", "write", "readwrite", "deny" };
	size_t n = strcspn(r->filter, "\t");
	for(size_t i = 0; i < sizeof(access) / sizeof(access[0]); i++){
		if(strlen(access[i]) == n && strncmp(r->filter, access[i], n) == 0) return no_keyword(r);
	}
	return false;
}

/* Lines that load (as in mosquitto) but are almost surely a mistake; the
 * plugin logs these at start (lint_load_warnings). A filter that is not
 * UTF-8 is not shown: the message would carry its bytes into the log. */
static void check_load_traps(lint_ctx *c)
{
	for(size_t i = 0; i < c->p->nrules; i++){
		const certacl_rule *r = &c->p->rules[i];
		const char *kw = r->section == CERTACL_SECTION_PATTERN ? "pattern" : "topic";
		uint32_t vars = filter_vars(r->filter);
		if(!certacl_utf8_valid(r->filter, strlen(r->filter))){
			warn(c, r, NULL, "filter-not-utf8", "the filter is not UTF-8 (was the file saved "
					"as Latin-1?): no topic ever matches it, in mosquitto as in certacl; save "
					"the file as UTF-8");
		}
		if(keyword_as_filter(r)){
			warn(c, r, NULL, "one-word-topic", "'%.200s' is one word, so (as in mosquitto) it "
					"is the topic '%.200s' with readwrite access, not an access keyword; "
					"write '%s ACCESS FILTER'", r->text, r->filter, kw);
		}
		if(r->section != CERTACL_SECTION_PATTERN) continue;
		if(vars & (1u << 31)){
			warn(c, r, NULL, "placeholder-in-level", "'%.200s' has a placeholder that does not "
					"fill a whole level (or is unknown): that level grants nothing (mosquitto "
					"2.1 reads it as literal text, 2.0 substituted inside the level), and in a "
					"deny it stands for '+'; write 'a/%%u/b', not 'a/x%%u'", r->filter);
		}else if(!vars && r->section_name){
			warn(c, r, NULL, "pattern-no-placeholder", "pattern without placeholder: "
					"'%.200s' is the same topic for every member of group '%.100s'; add "
					"%%u, %%c or a certificate placeholder, or write it as a 'topic' line "
					"of the group", r->filter, r->section_name);
		}else if(!vars){
			warn(c, r, NULL, "pattern-no-placeholder", "pattern without placeholder: "
					"'%.200s' is the same topic for every client, with or without a "
					"username; add %%u, %%c or a certificate placeholder, or write it as a "
					"'topic' line in the sections that need it", r->filter);
		}
	}
}

/* Lines that do not substitute what their author probably meant to. */
static void check_placeholders(lint_ctx *c)
{
	bool cid_free = c->s->opts.clientid == CERTACL_CLIENTID_OWNED
		|| c->s->opts.clientid == CERTACL_CLIENTID_ANY;
	for(size_t i = 0; i < c->p->nrules; i++){
		const certacl_rule *r = &c->p->rules[i];
		uint32_t vars = filter_vars(r->filter);
		if(r->section != CERTACL_SECTION_PATTERN && vars){
			warn(c, r, NULL, "placeholder-in-topic", "'%.200s' is taken literally: only "
					"'pattern' lines substitute %%u, %%c and %%{...} (mosquitto does the "
					"same); write 'pattern ...' (%s) or spell out the name", r->filter,
					r->section == CERTACL_SECTION_GROUP
					? "here it applies to the group's members only" : "it applies to every client");
		}
		if(r->section == CERTACL_SECTION_PATTERN && cid_free
				&& (vars & (1u << CERTACL_VAR_CLIENTID))){
			warn(c, r, NULL, "clientid-pattern", "%%c is the client id, which the client "
					"chooses: any client may connect with the id it needs to reach these "
					"topics; use %%u or a certificate placeholder, or bind client ids with "
					"plugin_opt_clientid equal or prefix");
		}
	}
}

/* A space in a filter is legal MQTT but nearly always a typo. */
static void check_spaces(lint_ctx *c)
{
	for(size_t i = 0; i < c->p->nrules; i++){
		const certacl_rule *r = &c->p->rules[i];
		if(!strchr(r->filter, ' ') && !strchr(r->filter, '\t')) continue;
		if(keyword_as_filter(r)) continue; /* one-word-topic says it better */
		size_t w = strcspn(r->filter, " \t");
		if(no_keyword(r)){
			warn(c, r, NULL, "space-in-filter", "topic filter '%.200s' contains a space: "
					"if '%.*s' is a misspelled access keyword (read, write, readwrite, "
					"deny), fix it; as written this is a readwrite rule for a topic with "
					"a space", r->filter, (int)(w > 40 ? 40 : w), r->filter);
		}else{
			warn(c, r, NULL, "space-in-filter", "topic filter '%.200s' contains a space; "
					"MQTT allows it, but check that the line says what you meant", r->filter);
		}
	}
}

/* The earliest allow-READ rule below `node`, skipping node `skip`. */
static const certacl_rule *first_read_below(const certacl_policy *p, uint32_t node,
		uint32_t skip, const certacl_rule *best)
{
	if(node == skip) return best;
	const pnode *n = &p->nodes[node];
	for(uint32_t r = n->rule_head; r; r = p->rrefs[r].next){
		const certacl_rule *rule = &p->rules[p->rrefs[r].rule];
		if(!rule->deny && (rule->perms & CERTACL_READ) && (!best || rule->seq < best->seq)){
			best = rule;
		}
	}
	if(n->hash) best = first_read_below(p, n->hash, skip, best);
	if(n->plus) best = first_read_below(p, n->plus, skip, best);
	for(uint32_t ch = n->first_lit; ch; ch = p->nodes[ch].next_sib){
		best = first_read_below(p, ch, skip, best);
	}
	for(uint32_t v = n->var_head; v; v = p->vedges[v].next){
		best = first_read_below(p, p->vedges[v].child, skip, best);
	}
	return best;
}

/* `topic read #` beside narrower read rules: the narrow rules suggest the
 * section was meant to read only those topics. */
static void check_read_all(lint_ctx *c)
{
	char w1[300], who[200];
	for(size_t i = 0; i < c->p->nrules; i++){
		const certacl_rule *r = &c->p->rules[i];
		if(r->deny || !(r->perms & CERTACL_READ) || strcmp(r->filter, "#") != 0
				|| r->section == CERTACL_SECTION_PATTERN){
			continue;
		}
		uint32_t root = section_root(c->p, r);
		const certacl_rule *narrow = first_read_below(c->p, root, c->p->nodes[root].hash, NULL);
		if(!narrow) continue;
		warn(c, r, narrow, "read-all", "%s may read every topic ('#'), which makes its "
				"narrower read rules (e.g. %s) meaningless; if it should read only those, "
				"remove this line", section_words(r, who, sizeof(who)),
				where(narrow, w1, sizeof(w1)));
	}
}

/* The first rule (in load order) of the section rooted at `node`. */
static const certacl_rule *first_rule_below(const certacl_policy *p, uint32_t node,
		const certacl_rule *best)
{
	const pnode *n = &p->nodes[node];
	for(uint32_t r = n->rule_head; r; r = p->rrefs[r].next){
		const certacl_rule *rule = &p->rules[p->rrefs[r].rule];
		if(!best || rule->seq < best->seq) best = rule;
	}
	if(n->hash) best = first_rule_below(p, n->hash, best);
	if(n->plus) best = first_rule_below(p, n->plus, best);
	for(uint32_t ch = n->first_lit; ch; ch = p->nodes[ch].next_sib){
		best = first_rule_below(p, ch, best);
	}
	for(uint32_t v = n->var_head; v; v = p->vedges[v].next){
		best = first_rule_below(p, p->vedges[v].child, best);
	}
	return best;
}

/* qsort/bsearch order of C strings (through pointers). */
static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Sorted usernames that map entries give explicitly (NULL on oom; *n = 0
 * and a non-NULL result for an empty map). */
static const char **mapped_usernames(const certacl_idmap *m, size_t *n)
{
	size_t total = idmap_count(m), k = 0;
	const char **names = malloc((total ? total : 1) * sizeof(*names));
	if(!names) return NULL;
	for(size_t i = 0; i < total; i++){
		const certacl_map_entry *e = idmap_entry_at(m, i);
		if(e->username) names[k++] = e->username;
	}
	qsort(names, k, sizeof(*names), cmp_str);
	*n = k;
	return names;
}

/* Can some certificate become user `name` through the map? Either an entry
 * names it, or the identity `name` itself first matches a "*" entry. */
static bool user_producible(const certacl_idmap *m, const char **names, size_t n,
		const char *name)
{
	if(bsearch(&name, names, n, sizeof(*names), cmp_str)) return true;
	const certacl_map_entry *e = idmap_lookup(m, name);
	return e && !e->username;
}

/* User sections that no certificate client can ever be given. */
static void check_users(lint_ctx *c)
{
	const certacl_policy *p = c->p;
	const certacl_options *o = &c->s->opts;
	bool map_only = c->s->map && o->unmapped == CERTACL_UNMAPPED_DENY;
	size_t n = 0;
	const char **names = map_only ? mapped_usernames(c->s->map, &n) : NULL;
	if(map_only && !names){ c->oom = true; return; }

	for(uint32_t u = p->nodes[NODE_USERS].first_lit; u; u = p->nodes[u].next_sib){
		const certacl_rule *r = first_rule_below(p, u, NULL);
		if(!r) continue;
		const char *name = r->section_name;
		const char *why = certacl_name_problem(name, strlen(name), true);
		if(why && o->no_cert == CERTACL_NOCERT_DENY){
			warn(c, r, NULL, "user-unsafe-name", "the rules of user '%.100s' (from this "
					"line on) never apply: the name %s, and certacl refuses such a username "
					"at CONNECT; rename the section", name, why);
		}else if(map_only && !user_producible(c->s->map, names, n, name)){
			warn(c, r, NULL, "user-unmapped", "no identity-map entry gives the username "
					"'%.100s' and plugin_opt_unmapped is deny, so the rules of this user "
					"(from this line on) never apply; add a map line 'IDENTITY %.100s' or "
					"remove the section", name, name);
		}
	}
	free(names);
}

/* Sorted group names that map entries give (NULL on oom). */
static const char **mapped_groups(const certacl_idmap *m, size_t *n)
{
	size_t total = 0, k = 0;
	for(size_t i = 0; m && i < idmap_count(m); i++) total += idmap_entry_at(m, i)->ngroups;
	const char **names = malloc((total ? total : 1) * sizeof(*names));
	if(!names) return NULL;
	for(size_t i = 0; m && i < idmap_count(m); i++){
		const certacl_map_entry *e = idmap_entry_at(m, i);
		for(size_t g = 0; g < e->ngroups; g++) names[k++] = e->groups[g];
	}
	qsort(names, k, sizeof(*names), cmp_str);
	*n = k;
	return names;
}

/* The first rule (topic or pattern) of group `name`, or NULL. */
static const certacl_rule *first_group_rule(const certacl_policy *p, const char *name)
{
	const certacl_rule *best = NULL;
	uint32_t root = policy_section_root(p, CERTACL_SECTION_GROUP, name);
	if(root) best = first_rule_below(p, root, best);
	root = policy_section_root(p, CERTACL_SECTION_PATTERN, name);
	if(root) best = first_rule_below(p, root, best);
	return best;
}

/* Group sections no client can be in: groups come only from map entries and,
 * with plugin_opt_groups_from, from the certificate's OU/O. A group is named
 * once, at its first rule, whether that is a topic or a pattern line. */
static void check_groups(lint_ctx *c)
{
	const certacl_policy *p = c->p;
	if(c->s->opts.groups_from_ou || c->s->opts.groups_from_o) return;
	size_t n = 0;
	const char **names = mapped_groups(c->s->map, &n);
	if(!names){ c->oom = true; return; }
	static const uint32_t pseudo[] = { NODE_GROUPS, NODE_GROUP_PATTERNS };
	for(size_t k = 0; k < sizeof(pseudo) / sizeof(pseudo[0]); k++){
		for(uint32_t g = p->nodes[pseudo[k]].first_lit; g; g = p->nodes[g].next_sib){
			const certacl_rule *r = first_rule_below(p, g, NULL);
			if(!r || first_group_rule(p, r->section_name) != r
					|| bsearch(&r->section_name, names, n, sizeof(*names), cmp_str)){
				continue;
			}
			warn(c, r, NULL, "group-unreachable", "no client is ever in group '%.100s' (from "
					"this line on): no identity-map entry names it and plugin_opt_groups_from "
					"is none; add it to map entries, set plugin_opt_groups_from ou or o, or "
					"remove the section", r->section_name);
		}
	}
	free(names);
}

/* Patterns inside a group section: say once per group, at its first pattern,
 * that they apply to the group's members only (in mosquitto a pattern applies
 * to every client wherever it stands). */
static void check_group_patterns(lint_ctx *c)
{
	const certacl_policy *p = c->p;
	for(uint32_t g = p->nodes[NODE_GROUP_PATTERNS].first_lit; g; g = p->nodes[g].next_sib){
		const certacl_rule *r = first_rule_below(p, g, NULL);
		if(!r) continue;
		warn(c, r, NULL, "group-pattern", "the pattern lines of group '%.100s' (this one "
				"and those after it in its sections) apply only to the members of that "
				"group; a pattern before the first 'group' line, or after a 'user' line, "
				"applies to every client", r->section_name);
	}
}

/* Does the entry's user get any rule: its user section or one of its groups'
 * sections? (Callers check pattern allows once for all entries.) */
static bool entry_has_section(const certacl_policy *p, const certacl_map_entry *e)
{
	if(policy_has_user(p, e->username)) return true;
	for(size_t g = 0; g < e->ngroups; g++){
		if(policy_has_group(p, e->groups[g])) return true;
	}
	return false;
}

/* Map entries that give a username the ACL files never mention. */
static void check_map(lint_ctx *c)
{
	const certacl_idmap *m = c->s->map;
	if(!m || any_allow_below(c->p, NODE_PATTERN_ROOT, false)) return;
	for(size_t i = 0; i < idmap_count(m); i++){
		const certacl_map_entry *e = idmap_entry_at(m, i);
		if(!e->username || entry_has_section(c->p, e)) continue;
		warn_at(c, e->file, e->line, c->p->nrules + i, "map-user-no-rights",
				"'%.100s' maps to user '%.100s', which gets no rule: there is no 'user "
				"%.100s' section, none of its groups has a section, and no pattern allows "
				"anything; check the spelling, or add the section", e->pattern, e->username,
				e->username);
	}
}

/* Configuration choices that make whole parts of the policy unreachable. */
static void check_config(lint_ctx *c)
{
	const certacl_options *o = &c->s->opts;
	size_t end = c->p->nrules + (c->s->map ? idmap_count(c->s->map) : 0);
	if(c->p->nrules == 0){
		warn_at(c, o->nacl_files ? o->acl_files[0] : "acl_file", 0, end, "empty-policy",
				"the ACL files hold no rule: every publish and subscription is denied; "
				"add 'user NAME' sections with 'topic' lines");
	}
	if(o->unmapped == CERTACL_UNMAPPED_DENY && !c->s->map){
		warn_at(c, "plugin_opt_unmapped", 0, end + 1, "unmapped-deny-without-map",
				"unmapped deny without plugin_opt_identity_map refuses every certificate; "
				"set an identity map, or unmapped allow");
	}
	const certacl_rule *r = first_rule_below(c->p, NODE_ANON_ROOT, NULL);
	if(r && o->no_cert == CERTACL_NOCERT_DENY){
		warn(c, r, NULL, "anonymous-unreachable", "topic lines before the first 'user' "
				"line (from this one on) are for clients without a username, but with "
				"plugin_opt_no_cert deny every client has a certificate and so a username: "
				"they never apply; move them under a 'user' or 'group' line, or use "
				"plugin_opt_no_cert defer");
	}
}

/* Load order first; warnings about the same line sort by check name, so the
 * output is the same on every run. */
static int cmp_warning(const void *a, const void *b)
{
	const certacl_lint_warning *x = a, *y = b;
	if(x->order != y->order) return x->order < y->order ? -1 : 1;
	return strcmp(x->check, y->check);
}

/* Run every check, then sort the warnings into load order. The checks only
 * read the snapshot: linting never changes what the plugin would decide. */
bool lint_snapshot(const certacl_snapshot *s, certacl_lint *out)
{
	lint_ctx c = { .s = s, .p = s->policy, .out = out };
	memset(out, 0, sizeof(*out));
	check_config(&c);
	check_load_traps(&c);
	check_placeholders(&c);
	check_spaces(&c);
	check_read_all(&c);
	check_cover(&c);
	check_users(&c);
	check_groups(&c);
	check_group_patterns(&c);
	check_map(&c);
	free(c.found);
	if(c.oom){
		lint_free(out);
		return false;
	}
	if(out->n) qsort(out->items, out->n, sizeof(*out->items), cmp_warning);
	return true;
}

/* Only the checks of lines that load but are almost surely a mistake: cheap
 * enough for every start and reload. */
bool lint_load_warnings(const certacl_snapshot *s, certacl_lint *out)
{
	lint_ctx c = { .s = s, .p = s->policy, .out = out };
	memset(out, 0, sizeof(*out));
	check_load_traps(&c);
	if(c.oom){
		lint_free(out);
		return false;
	}
	return true;
}

/* Free the warnings (their strings) and reset the result. */
void lint_free(certacl_lint *l)
{
	for(size_t i = 0; i < l->n; i++) free(l->items[i].message);
	free(l->items);
	memset(l, 0, sizeof(*l));
}
