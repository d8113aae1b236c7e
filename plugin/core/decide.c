/* certacl: one decision. Walks the tries of the sections that apply to the
 * client (its user or the anonymous section, its groups, the patterns) along the
 * topic's levels. Nothing here allocates or parses rule text. */
#include <string.h>

#include "certacl/topic.h"
#include "policy_internal.h"

/* A topic name is split into levels once per decision, each with its label
 * hash (policy_label_hash), so that every section walk reuses them. Only the
 * first CERTACL_RULE_MAX_LEVELS levels are kept: no rule reaches deeper. */
#define STORED_LEVELS CERTACL_RULE_MAX_LEVELS

typedef struct walk {
	const topic_level *lv;    /* READ/WRITE: the topic's levels ... */
	const uint32_t *lh;       /* ... and their label hashes */
	size_t nlv;
	int8_t var_ok[CERTACL_VAR_COUNT]; /* 0: not checked yet, 1: usable, -1: not */
	uint16_t var_len[CERTACL_VAR_COUNT];
	const certacl_policy *p;
	const certacl_subject *who;
	const certacl_request *req;
	const char *topic;       /* topic or filter being decided ($share stripped) */
	unsigned need;           /* CERTACL_READ or CERTACL_WRITE */
	const certacl_rule *allow;   /* earliest allow that matched within limits */
	const certacl_rule *deny;    /* earliest deny that matched */
	const certacl_rule *limited; /* earliest allow refused by its limits */
	bool patterns_deny_only; /* the client's patterns may deny, never allow */
	/* SUBSCRIBE: the sections, the witness topic being built, how many more
	 * readable rules may be tried, and the deny that refused a witness */
	const uint32_t *roots;
	size_t nroots;
	struct witness *wit;
	unsigned witness_budget;  /* witness topics that may still be tried */
	const certacl_rule *witness_deny;
} walk;

/* mosquitto gives nothing from `pattern` lines to a client whose username or
 * client id holds '+' or '#' (2.0.x and 2.1.x alike); certacl keeps their
 * denies (a deny never weakens). */
static bool client_name_has_wildcard(const certacl_subject *who)
{
	for(int v = CERTACL_VAR_USERNAME; v <= CERTACL_VAR_CLIENTID; v++){
		if(who->vars[v] && strpbrk(who->vars[v], "+#")) return true;
	}
	return false;
}

static const certacl_rule *earliest(const certacl_rule *a, const certacl_rule *b)
{
	if(!a) return b;
	if(!b) return a;
	return a->seq <= b->seq ? a : b;
}

/* The value a placeholder stands for, if it may be used as a topic level at
 * depth `first` (0 = first level); NULL when it grants nothing: unknown,
 * empty, unsafe, starting with '$' at the first level, or a placeholder that
 * does not fill its level. */
static const char *var_value(walk *w, uint32_t var, bool first, size_t *len)
{
	if(var >= CERTACL_VAR_COUNT) return NULL; /* VAR_EMBEDDED: never filled */
	const char *v = w->who->vars[var];
	if(!v) return NULL;
	if(w->var_ok[var] == 0){ /* checked once per decision */
		size_t n = strlen(v);
		w->var_ok[var] = certacl_name_problem(v, n, true) ? -1 : 1;
		w->var_len[var] = (uint16_t)n; /* <= CERTACL_IDENTITY_MAX when usable */
	}
	if(w->var_ok[var] < 0) return NULL;
	if(first && v[0] == '$') return NULL;
	*len = w->var_len[var];
	return v;
}

static bool limits_allow(const certacl_rule *r, const certacl_request *req)
{
	if(req->qos > r->max_qos) return false;
	if(r->retain == CERTACL_RETAIN_NEVER && req->retain) return false;
	if(r->retain == CERTACL_RETAIN_ONLY && !req->retain) return false;
	return true;
}

/* A topic ends at `node`: record what its rules say about the access (only
 * their denies, below a placeholder whose value is unknown or unsafe). */
static void visit_rules(walk *w, uint32_t node, bool deny_only)
{
	const certacl_policy *p = w->p;
	for(uint32_t r = p->nodes[node].rule_head; r; r = p->rrefs[r].next){
		const certacl_rule *rule = &p->rules[p->rrefs[r].rule];
		if(rule->deny){
			w->deny = earliest(w->deny, rule);
		}else if(!deny_only && (rule->perms & w->need)){
			if(limits_allow(rule, w->req)) w->allow = earliest(w->allow, rule);
			else w->limited = earliest(w->limited, rule);
		}
	}
}

/* Match the topic's levels from level i on (i == w->nlv: the topic is
 * consumed) against the subtree of `node`. A placeholder whose value is
 * unknown or unsafe grants nothing, but the denies below it still apply, as if
 * it were '+': a deny never weakens because a value is missing. Only the first
 * CERTACL_RULE_MAX_LEVELS levels are stored: no rule reaches deeper, except
 * through '#', which needs no level. */
static void walk_levels(walk *w, uint32_t node, size_t i, bool deny_only)
{
	const pnode *n = &w->p->nodes[node];
	bool dollar = i == 0 && w->lv[0].len > 0 && w->lv[0].s[0] == '$';

	if(n->hash && !dollar) visit_rules(w, n->hash, deny_only); /* "a/#" also matches "a" */
	if(i == w->nlv){
		if(n->rule_head) visit_rules(w, node, deny_only);
		return;
	}
	const topic_level *l = &w->lv[i];
	if(n->first_lit){
		uint32_t c = policy_child_h(w->p, node, w->lh[i], l->s, l->len);
		if(c) walk_levels(w, c, i + 1, deny_only);
	}
	if(n->plus && !dollar) walk_levels(w, n->plus, i + 1, deny_only);
	for(uint32_t v = n->var_head; v; v = w->p->vedges[v].next){
		size_t vl;
		const char *val = var_value(w, w->p->vedges[v].var, i == 0, &vl);
		if(val && vl == l->len && memcmp(val, l->s, vl) == 0){
			walk_levels(w, w->p->vedges[v].child, i + 1, deny_only);
		}else if(!val && !dollar){
			walk_levels(w, w->p->vedges[v].child, i + 1, true);
		}
	}
}

/* Where a filter walk stands: no level matched yet, only an empty first level
 * matched (the topic so far is "", not a valid name), or anything else. A '#'
 * matching "the parent level" matches nothing in the first two states. */
typedef enum { AT_ROOT, AT_EMPTY_PREFIX, AT_LEVEL } walk_pos;

static walk_pos pos_after(walk_pos pos, size_t level_len)
{
	return pos == AT_ROOT && level_len == 0 ? AT_EMPTY_PREFIX : AT_LEVEL;
}

/* Does a deny rule at or below `node` cover every topic that the rest of the
 * filter `f` matches? Records the earliest such deny in w->deny. */
static void walk_deny_cover(walk *w, uint32_t node, const char *f, walk_pos pos)
{
	const pnode *n = &w->p->nodes[node];
	bool first = (pos == AT_ROOT);
	bool dollar = first && f && f[0] == '$';

	if(n->hash && !dollar) visit_rules(w, n->hash, true);
	if(!f){
		visit_rules(w, node, true);
		return;
	}
	size_t len = strcspn(f, "/");
	const char *next = f[len] == '/' ? f + len + 1 : NULL;
	if(len == 1 && f[0] == '#'){
		/* Only '#' covers '#' — except where '#' cannot match the parent
		 * level (no valid topic is ""): there "+/#" covers it too. */
		if(pos != AT_LEVEL && n->plus && w->p->nodes[n->plus].hash){
			visit_rules(w, w->p->nodes[n->plus].hash, true);
		}
		return;
	}
	if(len == 1 && f[0] == '+'){
		if(n->plus) walk_deny_cover(w, n->plus, next, AT_LEVEL);
		for(uint32_t v = n->var_head; v; v = w->p->vedges[v].next){
			size_t vl;
			if(!var_value(w, w->p->vedges[v].var, first, &vl)){
				walk_deny_cover(w, w->p->vedges[v].child, next, AT_LEVEL);
			}
		}
		return;
	}
	walk_pos np = pos_after(pos, len);
	uint32_t c = policy_child(w->p, node, f, len);
	if(c) walk_deny_cover(w, c, next, np);
	if(n->plus && !dollar) walk_deny_cover(w, n->plus, next, np);
	for(uint32_t v = n->var_head; v; v = w->p->vedges[v].next){
		size_t vl;
		const char *val = var_value(w, w->p->vedges[v].var, first, &vl);
		/* an unknown or unsafe value: its denies act as '+' (see walk_levels) */
		if((val && vl == len && memcmp(val, f, len) == 0) || (!val && !dollar)){
			walk_deny_cover(w, w->p->vedges[v].child, next, np);
		}
	}
}

/* ---- SUBSCRIBE: is some topic of the filter readable, the denies counted? ----
 * For a readable rule that overlaps the filter, the topics both match share
 * their literal levels; where both leave a level open, a witness topic puts
 * FRESH there, a value no rule literal or safe value equals (a control
 * character). A deny that matches the witness has a wildcard wherever the
 * witness is open, so it denies every topic of that shape: the filter has a
 * readable topic exactly when some witness is denied by nothing. Where both
 * end in '#' (or one in '#' where the other goes on), witnesses of every length
 * up to the deepest rule plus one are tried. */

/* A level no rule literal or safe value equals. */
static const char FRESH[] = "\x01";

/* At most this many witness topics are tried for one SUBSCRIBE: bounds the cost
 * of '#' against a policy whose readable rules are all denied (then refused:
 * CERTACL_DENIED_TOO_COMPLEX). */
#define WITNESS_MAX 4096

typedef struct witness {
	topic_level lv[STORED_LEVELS];
	uint32_t lh[STORED_LEVELS];
	size_t n;   /* levels (only the first STORED_LEVELS are kept) */
	size_t len; /* bytes of the topic */
} witness;

/* Append level s[0..len) to the witness topic (its hash too, for the walk). */
static void witness_add(witness *t, const char *s, size_t len)
{
	if(t->n < STORED_LEVELS){
		t->lv[t->n] = (topic_level){ s, len };
		t->lh[t->n] = policy_label_hash(s, len);
	}
	t->len += len + (t->n ? 1 : 0);
	t->n++;
}

/* One level of a filter or a rule, read for this subject. */
typedef enum { LV_END, LV_LITERAL, LV_PLUS, LV_HASH, LV_NONE } lv_kind;

typedef struct level_cursor {
	const char *s;  /* the rest of the filter, NULL at its end */
	const char *text;
	size_t len;
	lv_kind kind;
} level_cursor;

/* Read the level at c->s: a pattern's placeholder becomes its value, or
 * LV_NONE when it has none it may use (such a rule grants nothing). */
static void cursor_read(walk *w, level_cursor *c, const certacl_rule *rule, bool first)
{
	if(!c->s){
		c->kind = LV_END;
		return;
	}
	size_t n = strcspn(c->s, "/");
	c->text = c->s;
	c->len = n;
	c->kind = n == 1 && c->s[0] == '+' ? LV_PLUS : n == 1 && c->s[0] == '#' ? LV_HASH : LV_LITERAL;
	int var = c->kind == LV_LITERAL && rule && rule->section == CERTACL_SECTION_PATTERN
		? policy_level_var(c->s, n) : -1;
	if(var == -2) c->kind = LV_NONE;
	if(var >= 0){
		c->text = var_value(w, (uint32_t)var, first, &c->len);
		if(!c->text) c->kind = LV_NONE;
	}
}

/* Step past the level just read (c->s must not be at the end). */
static void cursor_next(level_cursor *c)
{
	size_t n = strcspn(c->s, "/");
	c->s = c->s[n] == '/' ? c->s + n + 1 : NULL;
}

/* Build into t the levels shared by the topics that both the filter and `rule`
 * match; *open_tail when any number of further levels may follow. False when
 * no topic matches both. */
static bool intersect(walk *w, const certacl_rule *rule, witness *t, bool *open_tail)
{
	level_cursor f = { .s = w->topic }, r = { .s = rule->filter };
	bool wild_first = false;
	*open_tail = false;
	t->n = t->len = 0;
	for(;;){
		bool first = t->n == 0;
		cursor_read(w, &f, NULL, first);
		cursor_read(w, &r, rule, first);
		if(f.kind == LV_NONE || r.kind == LV_NONE) return false;
		if(f.kind == LV_HASH && r.kind == LV_HASH){
			*open_tail = true;
			break;
		}
		if(f.kind == LV_END || r.kind == LV_END){
			/* the other ended too, or its '#' matches the parent level */
			if(f.kind != r.kind && f.kind != LV_HASH && r.kind != LV_HASH) return false;
			break;
		}
		/* a '#' stays while the other side's levels are taken */
		const level_cursor *lit = f.kind == LV_LITERAL ? &f : r.kind == LV_LITERAL ? &r : NULL;
		if(f.kind == LV_LITERAL && r.kind == LV_LITERAL
				&& (f.len != r.len || memcmp(f.text, r.text, f.len) != 0)){
			return false;
		}
		if(first) wild_first = f.kind != LV_LITERAL || r.kind != LV_LITERAL;
		if(lit) witness_add(t, lit->text, lit->len);
		else witness_add(t, FRESH, 1);
		if(f.kind != LV_HASH) cursor_next(&f);
		if(r.kind != LV_HASH) cursor_next(&r);
	}
	/* a wildcard first level matches no '$' topic */
	return !(t->n > 0 && wild_first && t->lv[0].len > 0 && t->lv[0].s[0] == '$');
}

/* Is the witness topic t denied for this subject? Remembers the first deny;
 * past the budget every witness counts as denied. */
static bool witness_denied(walk *w, const witness *t)
{
	if(w->witness_budget == 0) return true;
	w->witness_budget--;
	w->lv = t->lv;
	w->lh = t->lh;
	w->nlv = t->n;
	w->need = CERTACL_READ;
	w->deny = NULL;
	for(size_t i = 0; i < w->nroots && !w->deny; i++) walk_levels(w, w->roots[i], 0, true);
	const certacl_rule *deny = w->deny;
	w->deny = NULL;
	w->lv = NULL;
	if(deny && !w->witness_deny) w->witness_deny = deny;
	return deny != NULL;
}

/* Does `rule` (readable) grant some topic of the filter that no deny denies? */
static bool rule_has_readable_topic(walk *w, const certacl_rule *rule)
{
	witness *t = w->wit;
	bool open_tail;
	if(!intersect(w, rule, t, &open_tail)) return false;
	size_t base = t->n;
	size_t extra = open_tail ? (w->p->max_depth > base ? w->p->max_depth - base : 0) + 1 : 0;
	for(size_t k = 0; k <= extra; k++){
		if(k > 0) witness_add(t, FRESH, 1);
		if(t->n == 0 || (t->n == 1 && t->len == 0) || t->len > CERTACL_TOPIC_MAX) continue;
		if(!witness_denied(w, t)) return true;
	}
	return false;
}

/* Record a READ grant of `node` itself that gives the filter a topic no deny
 * denies (limits are not checked at subscribe time: they apply to each
 * delivered message). */
static bool node_grants_read(walk *w, uint32_t node)
{
	for(uint32_t r = w->p->nodes[node].rule_head; r; r = w->p->rrefs[r].next){
		const certacl_rule *rule = &w->p->rules[w->p->rrefs[r].rule];
		if(rule->deny || !(rule->perms & CERTACL_READ)) continue;
		if(w->p->ndenies > 0 && !rule_has_readable_topic(w, rule)) continue;
		w->allow = earliest(w->allow, rule);
		return true;
	}
	return false;
}

/* Is anything readable at or below `node` (for a filter level '#')? At the first
 * level, '$' children are skipped: '#' does not match '$' topics. The node's
 * own rules count only where the topic so far is a valid name (`self`). Stops
 * at the first grant found. */
static bool any_readable(walk *w, uint32_t node, bool first, bool self)
{
	const pnode *n = &w->p->nodes[node];
	if(!(n->flags & NODE_SUBTREE_READ)) return false;
	if(self && node_grants_read(w, node)) return true;
	if(n->hash && any_readable(w, n->hash, false, true)) return true;
	if(n->plus && any_readable(w, n->plus, false, true)) return true;
	for(uint32_t c = n->first_lit; c; c = w->p->nodes[c].next_sib){
		if(first && (w->p->nodes[c].flags & NODE_DOLLAR_LABEL)) continue;
		if(any_readable(w, c, false, true)) return true;
	}
	for(uint32_t v = n->var_head; v; v = w->p->vedges[v].next){
		size_t vl;
		if(var_value(w, w->p->vedges[v].var, first, &vl)
				&& any_readable(w, w->p->vedges[v].child, false, true)){
			return true;
		}
	}
	return false;
}

/* Does some readable rule's filter overlap the rest of filter `f`? */
static bool walk_overlap(walk *w, uint32_t node, const char *f, walk_pos pos)
{
	const pnode *n = &w->p->nodes[node];
	if(!(n->flags & NODE_SUBTREE_READ)) return false;
	bool first = (pos == AT_ROOT);
	bool dollar = first && f && f[0] == '$';

	/* A rule's '#' here matches the rest of f, or (f consumed) the parent
	 * level, which is no topic when the prefix is "". */
	if(n->hash && !dollar && (f || pos == AT_LEVEL) && node_grants_read(w, n->hash)) return true;
	if(!f) return node_grants_read(w, node);

	size_t len = strcspn(f, "/");
	const char *next = f[len] == '/' ? f + len + 1 : NULL;
	if(len == 1 && f[0] == '#') return any_readable(w, node, first, pos == AT_LEVEL);
	bool plus = (len == 1 && f[0] == '+');

	/* f's '+' against the rule's '+' can be any non-empty level. */
	if(n->plus && !dollar && walk_overlap(w, n->plus, next, plus ? AT_LEVEL : pos_after(pos, len))){
		return true;
	}
	if(plus){
		for(uint32_t c = n->first_lit; c; c = w->p->nodes[c].next_sib){
			if(first && (w->p->nodes[c].flags & NODE_DOLLAR_LABEL)) continue;
			walk_pos np = first && (w->p->nodes[c].flags & NODE_EMPTY_LABEL) ? AT_EMPTY_PREFIX : AT_LEVEL;
			if(walk_overlap(w, c, next, np)) return true;
		}
	}else{
		uint32_t c = policy_child(w->p, node, f, len);
		if(c && walk_overlap(w, c, next, pos_after(pos, len))) return true;
	}
	for(uint32_t v = n->var_head; v; v = w->p->vedges[v].next){
		size_t vl;
		const char *val = var_value(w, w->p->vedges[v].var, first, &vl);
		if(val && (plus || (vl == len && memcmp(val, f, len) == 0))
				&& walk_overlap(w, w->p->vedges[v].child, next, AT_LEVEL)){
			return true;
		}
	}
	return false;
}

/* A root without children holds no rule (a filter has at least one level). */
static bool node_is_leaf(const certacl_policy *p, uint32_t node)
{
	const pnode *n = &p->nodes[node];
	return !n->first_lit && !n->plus && !n->hash && !n->var_head;
}

/* Does this client get nothing but denies from the section rooted at `root`?
 * True for pattern sections (global or a group's) of a client whose username
 * or client id holds a wildcard. */
static bool section_deny_only(const walk *w, uint32_t root)
{
	return w->patterns_deny_only && (w->p->nodes[root].flags & NODE_PATTERN_SECTION);
}

/* The roots of every section that applies to `who`, in a fixed order: its
 * user (or the anonymous) section, the global patterns, then per group its
 * section and its patterns. Returns how many were written (capped at `max`). */
static size_t section_roots(const certacl_policy *p, const certacl_subject *who,
		uint32_t *roots, size_t max)
{
	size_t n = 0;
	const char *user = who->vars[CERTACL_VAR_USERNAME];
	if(user && user[0]){
		uint32_t r = p->nodes[NODE_USERS].first_lit
			? policy_section_root(p, CERTACL_SECTION_USER, user) : NODE_NONE;
		if(r) roots[n++] = r;
	}else if(!node_is_leaf(p, NODE_ANON_ROOT)){
		roots[n++] = NODE_ANON_ROOT;
	}
	if(!node_is_leaf(p, NODE_PATTERN_ROOT)) roots[n++] = NODE_PATTERN_ROOT;
	bool group_patterns = p->nodes[NODE_GROUP_PATTERNS].first_lit != NODE_NONE;
	for(size_t g = 0; g < who->ngroups && n < max && p->nodes[NODE_GROUPS].first_lit; g++){
		uint32_t r = policy_section_root(p, CERTACL_SECTION_GROUP, who->groups[g]);
		if(r) roots[n++] = r;
		r = group_patterns && n < max
			? policy_section_root(p, CERTACL_SECTION_PATTERN, who->groups[g]) : NODE_NONE;
		if(r) roots[n++] = r;
	}
	return n;
}

#define MAX_SECTIONS (2 + 2 * CERTACL_MAX_GROUPS)

/* SUBSCRIBE: refused when a deny covers the whole filter, or when no topic of
 * the filter is readable (the denies counted); else granted. */
static void decide_subscribe(walk *w, const uint32_t *roots, size_t nroots,
		certacl_decision *out)
{
	witness wit;
	for(size_t i = 0; i < nroots; i++) walk_deny_cover(w, roots[i], w->topic, AT_ROOT);
	if(w->deny){
		*out = (certacl_decision){ false, CERTACL_DENIED_BY_RULE, w->deny };
		return;
	}
	w->roots = roots;
	w->nroots = nroots;
	w->wit = &wit;
	w->witness_budget = WITNESS_MAX;
	for(size_t i = 0; i < nroots; i++){
		if(section_deny_only(w, roots[i])) continue;
		if(walk_overlap(w, roots[i], w->topic, AT_ROOT)) break;
	}
	if(w->allow) *out = (certacl_decision){ true, CERTACL_ALLOWED_BY_RULE, w->allow };
	else if(w->witness_budget == 0) *out = (certacl_decision){ false, CERTACL_DENIED_TOO_COMPLEX, NULL };
	else if(w->witness_deny) *out = (certacl_decision){ false, CERTACL_DENIED_BY_RULE, w->witness_deny };
	else *out = (certacl_decision){ false, CERTACL_DENIED_NO_RULE, NULL };
}

/* READ or WRITE of one topic name: split, checked and hashed once, then every
 * section walks the same levels. */
static void decide_message(walk *w, certacl_decision *out)
{
	const certacl_request *req = w->req;
	topic_level lv[STORED_LEVELS];
	uint32_t lh[STORED_LEVELS];
	uint32_t roots[MAX_SECTIONS];
	size_t nlv = 0;

	/* The topic must end at topic_len (a shorter C string holds a NUL); that
	 * byte is read only once [0, topic_len) held no NUL, so it exists. */
	if(topic_name_levels(req->topic, req->topic_len, lv, STORED_LEVELS, &nlv)
			|| req->topic[req->topic_len] != '\0'){
		return;
	}
	for(size_t i = 0; i < nlv && i < STORED_LEVELS; i++) lh[i] = policy_label_hash(lv[i].s, lv[i].len);
	if(lv[0].len == 6 && memcmp(lv[0].s, "$share", 6) == 0){
		*out = (certacl_decision){ false, CERTACL_DENIED_SHARE, NULL };
		return;
	}
	w->lv = lv;
	w->lh = lh;
	w->nlv = nlv;
	w->need = req->access;
	size_t nroots = section_roots(w->p, w->who, roots, MAX_SECTIONS);
	for(size_t i = 0; i < nroots; i++){
		walk_levels(w, roots[i], 0, section_deny_only(w, roots[i]));
	}
	w->lv = NULL;

	if(w->deny) *out = (certacl_decision){ false, CERTACL_DENIED_BY_RULE, w->deny };
	else if(w->allow) *out = (certacl_decision){ true, CERTACL_ALLOWED_BY_RULE, w->allow };
	else if(w->limited) *out = (certacl_decision){ false, CERTACL_DENIED_LIMIT, w->limited };
	else *out = (certacl_decision){ false, CERTACL_DENIED_NO_RULE, NULL };
}

/* SUBSCRIBE or UNSUBSCRIBE of one filter ("$share/G/F" decided as F). */
static void decide_filter(walk *w, certacl_decision *out)
{
	const certacl_request *req = w->req;
	uint32_t roots[MAX_SECTIONS];
	const char *group;
	size_t glen;

	/* A C string shorter than topic_len holds a NUL: never valid. */
	if(topic_filter_problem(req->topic, req->topic_len)
			|| strlen(req->topic) != req->topic_len){
		return;
	}
	w->topic = topic_strip_share(req->topic, &group, &glen);
	if(!w->topic) return;
	if(req->access == CERTACL_UNSUBSCRIBE){
		*out = (certacl_decision){ true, CERTACL_ALLOWED_UNSUBSCRIBE, NULL };
		return;
	}
	size_t nroots = section_roots(w->p, w->who, roots, MAX_SECTIONS);
	decide_subscribe(w, roots, nroots, out);
}

void acl_decide(const certacl_policy *p, const certacl_subject *who,
		const certacl_request *req, certacl_decision *out)
{
	walk w = { .p = p, .who = who, .req = req, .topic = req->topic,
		.patterns_deny_only = client_name_has_wildcard(who) };

	*out = (certacl_decision){ false, CERTACL_DENIED_BAD_TOPIC, NULL };
	if(!req->topic || !p->finished) return;
	/* More groups than a decision can hold could hide a group's deny: refuse. */
	if(who->ngroups > CERTACL_MAX_GROUPS){
		out->reason = CERTACL_DENIED_TOO_MANY_GROUPS;
		return;
	}
	switch(req->access){
	case CERTACL_READ:
	case CERTACL_WRITE:
		decide_message(&w, out);
		return;
	case CERTACL_SUBSCRIBE:
	case CERTACL_UNSUBSCRIBE:
		decide_filter(&w, out);
		return;
	}
}

/* The refusals mosquitto makes before any ACL is asked (see policy.h). */
const char *acl_broker_refusal(const certacl_request *req)
{
	const char *t = req->topic;
	if(!t || t[0] != '$') return NULL;
	if(strncmp(t, "$SYS", 4) == 0 && req->access == CERTACL_WRITE){
		if(!topic_name_problem(t, req->topic_len)
				&& topic_matches("$SYS/broker/connection/+/state", t)){
			return NULL;
		}
		return "a publish to a topic beginning '$SYS' is refused "
			"(only $SYS/broker/connection/+/state may be published)";
	}
	if(strncmp(t, "$share", 6) == 0
			&& (req->access == CERTACL_READ || req->access == CERTACL_WRITE)){
		return "a topic beginning '$share' can be neither published nor read "
			"(only subscribe and unsubscribe reach the ACL)";
	}
	return NULL;
}

const char *certacl_access_name(certacl_access a)
{
	switch(a){
	case CERTACL_READ: return "read";
	case CERTACL_WRITE: return "write";
	case CERTACL_SUBSCRIBE: return "subscribe";
	case CERTACL_UNSUBSCRIBE: return "unsubscribe";
	}
	return "?";
}

bool certacl_access_parse(const char *s, certacl_access *out)
{
	static const certacl_access all[] = {
		CERTACL_READ, CERTACL_WRITE, CERTACL_SUBSCRIBE, CERTACL_UNSUBSCRIBE,
	};
	for(size_t i = 0; s && i < sizeof(all) / sizeof(all[0]); i++){
		if(strcmp(s, certacl_access_name(all[i])) == 0){
			*out = all[i];
			return true;
		}
	}
	return false;
}

const char *certacl_reason_text(certacl_reason r)
{
	switch(r){
	case CERTACL_ALLOWED_BY_RULE: return "allowed by rule";
	case CERTACL_ALLOWED_UNSUBSCRIBE: return "unsubscribe is always allowed";
	case CERTACL_DENIED_BY_RULE: return "denied by rule";
	case CERTACL_DENIED_NO_RULE: return "no rule matched";
	case CERTACL_DENIED_LIMIT: return "rule matched but its QoS/retain limit refuses";
	case CERTACL_DENIED_BAD_TOPIC: return "invalid topic or filter";
	case CERTACL_DENIED_SHARE: return "$share topics cannot be published or read";
	case CERTACL_DENIED_TOO_MANY_GROUPS: return "client has more groups than a decision can hold";
	case CERTACL_DENIED_TOO_COMPLEX: return "the filter overlaps too many readable rules whose "
		"topics are denied to check them all";
	}
	return "?";
}
