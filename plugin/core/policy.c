/* certacl: storage of a compiled policy: the node array, the edge table and the
 * rule list (see policy_internal.h for the model). */
#include <stdlib.h>
#include <string.h>

#include "policy_internal.h"

static const char *const var_names[CERTACL_VAR_COUNT] = {
	"%u", "%c", "%{cn}", "%{ou}", "%{o}", "%{serial}",
	"%{san.dns}", "%{san.email}", "%{san.uri}",
};

const char *certacl_var_name(certacl_var v)
{
	return (unsigned)v < CERTACL_VAR_COUNT ? var_names[v] : "?";
}

int policy_level_var(const char *s, size_t len)
{
	if(!memchr(s, '%', len)) return -1;
	for(int v = 0; v < CERTACL_VAR_COUNT; v++){
		if(strlen(var_names[v]) == len && memcmp(var_names[v], s, len) == 0) return v;
	}
	/* '%' followed by u, c or '{' is a placeholder that does not fill the level
	 * (or is unknown); any other '%' is a literal character. */
	for(size_t i = 0; i + 1 < len; i++){
		if(s[i] == '%' && (s[i+1] == 'u' || s[i+1] == 'c' || s[i+1] == '{')) return -2;
	}
	return -1;
}

/* Resize the edge table to `nsize` slots (a power of two) and re-insert. */
static bool edges_resize(certacl_policy *p, size_t nsize);

void policy_reserve(certacl_policy *p, size_t lines)
{
	/* A rule line adds at most one rule, and in practice about two to three
	 * trie edges and nodes; failures here only mean growing later. */
	certacl_reserve((void **)&p->rules, &p->rules_cap, p->nrules + lines, sizeof(certacl_rule));
	certacl_reserve((void **)&p->rrefs, &p->rrefs_cap, p->nrrefs + lines + 1, sizeof(rref));
	certacl_reserve((void **)&p->nodes, &p->nodes_cap, p->nnodes + 3 * lines, sizeof(pnode));
	size_t want = (p->nedges + 2 * lines) * 10 / 7 + 1, size = p->edges_mask + 1;
	while(size < want && size < ((size_t)1 << 31)) size *= 2;
	if(size > p->edges_mask + 1) edges_resize(p, size);
}

certacl_policy *policy_new(void)
{
	certacl_policy *p = calloc(1, sizeof(*p));
	if(!p) return NULL;
	p->edges_mask = 1023;
	p->edges = calloc(p->edges_mask + 1, sizeof(edge));
	p->nodes_cap = 1024;
	p->nodes = calloc(p->nodes_cap, sizeof(pnode));
	if(!p->edges || !p->nodes){
		policy_free(p);
		return NULL;
	}
	p->nnodes = NODE_FIRST_FREE;
	p->nodes[NODE_PATTERN_ROOT].flags |= NODE_PATTERN_SECTION;
	return p;
}

void policy_free(certacl_policy *p)
{
	if(!p) return;
	arena_free(&p->mem);
	free(p->rules);
	free(p->nodes);
	free(p->vedges);
	free(p->rrefs);
	free(p->edges);
	free(p);
}

/* Hash of a label, 8 bytes at a time; computed once per topic level by a
 * decision and combined with each parent by edge_hash_h(). */
uint32_t policy_label_hash(const char *s, size_t len)
{
	uint64_t h = 0x9E3779B97F4A7C15ull ^ (uint64_t)len;
	while(len >= 8){
		uint64_t w;
		memcpy(&w, s, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdull;
		h ^= h >> 29;
		s += 8;
		len -= 8;
	}
	if(len){
		uint64_t w = 0;
		for(size_t i = 0; i < len; i++) w |= (uint64_t)(unsigned char)s[i] << (8 * i);
		h = (h ^ w) * 0xc4ceb9fe1a85ec53ull;
	}
	return (uint32_t)(h ^ (h >> 32)); /* the high half depends on every byte */
}

/* Slot hash of (parent, label): Fibonacci hashing, whose high bits mix both. */
static inline uint32_t edge_hash_h(uint32_t parent, uint32_t lh)
{
	return (uint32_t)(((((uint64_t)parent << 32) | lh) * 0x9E3779B97F4A7C15ull) >> 32);
}

/* Are the children of `parent` section roots labelled by a user or group name
 * (which may hold '/'), rather than topic levels? */
static inline bool labels_are_names(uint32_t parent)
{
	return parent == NODE_USERS || parent == NODE_GROUPS || parent == NODE_GROUP_PATTERNS;
}

/* Does the stored label equal s[0..len)? A stored label ends at NUL, or at '/'
 * when it is a topic level (user and group names may hold '/'). Compared byte
 * by byte: the stored label may be shorter than len, and the first mismatch
 * stops before its end. */
static inline bool label_eq(const char *label, uint32_t parent, const char *s, size_t len)
{
	for(size_t i = 0; i < len; i++){
		if(label[i] != s[i]) return false;
	}
	char end = label[len];
	return end == '\0' || (end == '/' && !labels_are_names(parent));
}

uint32_t policy_child_h(const certacl_policy *p, uint32_t parent, uint32_t lh,
		const char *s, size_t len)
{
	size_t i = edge_hash_h(parent, lh) & p->edges_mask;
	for(;;){
		const edge *e = &p->edges[i];
		if(e->child == NODE_NONE) return NODE_NONE;
		if(e->parent == parent && label_eq(e->label, parent, s, len)) return e->child;
		i = (i + 1) & p->edges_mask;
	}
}

uint32_t policy_child(const certacl_policy *p, uint32_t parent, const char *s, size_t len)
{
	return policy_child_h(p, parent, policy_label_hash(s, len), s, len);
}

static bool edges_grow(certacl_policy *p)
{
	return edges_resize(p, (p->edges_mask + 1) * 2);
}

static bool edges_resize(certacl_policy *p, size_t nsize)
{
	edge *ne = calloc(nsize, sizeof(edge));
	if(!ne) return false;
	for(size_t i = 0; i <= p->edges_mask; i++){
		edge *e = &p->edges[i];
		/* The label hashes are read in random node order: ask for them early. */
		if(i + 16 <= p->edges_mask) __builtin_prefetch(&p->nodes[p->edges[i + 16].child].lh);
		if(e->child == NODE_NONE) continue;
		size_t j = edge_hash_h(e->parent, p->nodes[e->child].lh) & (nsize - 1);
		while(ne[j].child != NODE_NONE) j = (j + 1) & (nsize - 1);
		ne[j] = *e;
	}
	free(p->edges);
	p->edges = ne;
	p->edges_mask = nsize - 1;
	return true;
}

static uint32_t node_new(certacl_policy *p)
{
	if(p->nnodes >= UINT32_MAX - 1) return NODE_NONE;
	if(!certacl_grow((void **)&p->nodes, &p->nodes_cap, p->nnodes, sizeof(pnode))) return NODE_NONE;
	memset(&p->nodes[p->nnodes], 0, sizeof(pnode));
	return (uint32_t)p->nnodes++;
}

/* Literal child of parent labelled s[0..len), created when missing. `s` must
 * live in p->mem and end the label at '/' or NUL (it becomes the label). */
static uint32_t child_get(certacl_policy *p, uint32_t parent, const char *s, size_t len)
{
	uint32_t lh = policy_label_hash(s, len);
	uint32_t c = p->nodes[parent].first_lit ? policy_child_h(p, parent, lh, s, len) : NODE_NONE;
	if(c != NODE_NONE) return c;
	if((p->nedges + 1) * 10 > (p->edges_mask + 1) * 7 && !edges_grow(p)) return NODE_NONE;
	c = node_new(p);
	if(c == NODE_NONE) return NODE_NONE;
	p->nodes[c].lh = lh;
	size_t i = edge_hash_h(parent, lh) & p->edges_mask;
	while(p->edges[i].child != NODE_NONE) i = (i + 1) & p->edges_mask;
	p->edges[i] = (edge){ .label = s, .parent = parent, .child = c };
	p->nedges++;
	if(len > 0 && s[0] == '$') p->nodes[c].flags |= NODE_DOLLAR_LABEL;
	if(len == 0) p->nodes[c].flags |= NODE_EMPTY_LABEL;
	p->nodes[c].next_sib = p->nodes[parent].first_lit;
	p->nodes[parent].first_lit = c;
	return c;
}

static uint32_t var_child_get(certacl_policy *p, uint32_t parent, int var)
{
	for(uint32_t v = p->nodes[parent].var_head; v; v = p->vedges[v].next){
		if(p->vedges[v].var == (uint32_t)var) return p->vedges[v].child;
	}
	if(p->nvedges == 0) p->nvedges = 1; /* index 0 means "none" */
	if(!certacl_grow((void **)&p->vedges, &p->vedges_cap, p->nvedges, sizeof(vedge))) return NODE_NONE;
	uint32_t c = node_new(p);
	if(c == NODE_NONE) return NODE_NONE;
	uint32_t v = (uint32_t)p->nvedges++;
	p->vedges[v] = (vedge){ .child = c, .next = p->nodes[parent].var_head, .var = (uint32_t)var };
	p->nodes[parent].var_head = v;
	return c;
}

uint32_t policy_section_root(const certacl_policy *p, certacl_section kind, const char *name)
{
	switch(kind){
	case CERTACL_SECTION_ANON: return NODE_ANON_ROOT;
	case CERTACL_SECTION_PATTERN:
		return name ? policy_child(p, NODE_GROUP_PATTERNS, name, strlen(name)) : NODE_PATTERN_ROOT;
	case CERTACL_SECTION_USER: return policy_child(p, NODE_USERS, name, strlen(name));
	case CERTACL_SECTION_GROUP: return policy_child(p, NODE_GROUPS, name, strlen(name));
	}
	return NODE_NONE;
}

uint32_t policy_section_get(certacl_policy *p, certacl_section kind, const char *name)
{
	if(kind == CERTACL_SECTION_USER) return child_get(p, NODE_USERS, name, strlen(name));
	if(kind == CERTACL_SECTION_GROUP) return child_get(p, NODE_GROUPS, name, strlen(name));
	if(kind == CERTACL_SECTION_PATTERN && name){
		uint32_t root = child_get(p, NODE_GROUP_PATTERNS, name, strlen(name));
		if(root != NODE_NONE) p->nodes[root].flags |= NODE_PATTERN_SECTION;
		return root;
	}
	return policy_section_root(p, kind, name);
}

/* Add one rule: walk (creating) the trie of `root` along the rule's filter and
 * attach the rule to the last node. Placeholder levels become var children only
 * in the pattern section (a level with a placeholder inside: VAR_EMBEDDED);
 * elsewhere they are literal text, as in mosquitto. */
bool policy_insert(certacl_policy *p, uint32_t root, const certacl_rule *rule)
{
	if(!certacl_grow((void **)&p->rules, &p->rules_cap, p->nrules, sizeof(certacl_rule))) return false;
	uint32_t ri = (uint32_t)p->nrules;
	p->rules[ri] = *rule;
	p->rules[ri].seq = ri;
	/* A filter that is not UTF-8 loads (as in mosquitto) but matches no topic
	 * and overlaps no filter: it stays out of the tries. */
	if(!certacl_utf8_valid(rule->filter, strlen(rule->filter))){
		p->nrules++;
		return true;
	}

	uint32_t n = root, depth = 0;
	const char *s = rule->filter;
	const char *prev = p->ins_filter && p->ins_root == root ? p->ins_filter : NULL;
	for(;;){
		size_t len = strcspn(s, "/");
		if(prev){
			size_t plen = strcspn(prev, "/");
			if(depth < p->ins_depth && plen == len && memcmp(prev, s, len) == 0){
				n = p->ins_path[depth];
				prev = prev[plen] == '/' ? prev + plen + 1 : NULL;
				goto next;
			}
			prev = NULL;
		}
		int var = rule->section == CERTACL_SECTION_PATTERN ? policy_level_var(s, len) : -1;
		if(len == 1 && s[0] == '+'){
			if(!p->nodes[n].plus){
				uint32_t c = node_new(p);
				if(c == NODE_NONE) return false;
				p->nodes[n].plus = c;
			}
			n = p->nodes[n].plus;
		}else if(len == 1 && s[0] == '#'){
			if(!p->nodes[n].hash){
				uint32_t c = node_new(p);
				if(c == NODE_NONE) return false;
				p->nodes[n].hash = c;
			}
			n = p->nodes[n].hash;
		}else if(var >= 0){
			n = var_child_get(p, n, var);
		}else if(var == -2){
			n = var_child_get(p, n, VAR_EMBEDDED);
		}else{
			n = child_get(p, n, s, len);
		}
		if(n == NODE_NONE){
			p->ins_filter = NULL;
			return false;
		}
next:
		if(depth < CERTACL_RULE_MAX_LEVELS) p->ins_path[depth++] = n;
		if(s[len] != '/') break;
		s += len + 1;
	}
	p->ins_root = root;
	p->ins_filter = rule->filter;
	p->ins_depth = depth;
	if(depth > p->max_depth) p->max_depth = depth;
	if(rule->deny) p->ndenies++;
	/* Mark the path of a READ grant, so that SUBSCRIBE checks can skip
	 * subtrees with nothing readable. */
	if(!rule->deny && (rule->perms & CERTACL_READ)){
		p->nodes[root].flags |= NODE_SUBTREE_READ;
		for(uint32_t d = 0; d < depth; d++) p->nodes[p->ins_path[d]].flags |= NODE_SUBTREE_READ;
	}
	if(p->nrrefs == 0) p->nrrefs = 1;
	if(!certacl_grow((void **)&p->rrefs, &p->rrefs_cap, p->nrrefs, sizeof(rref))) return false;
	uint32_t r = (uint32_t)p->nrrefs++;
	p->rrefs[r] = (rref){ .rule = ri, .next = p->nodes[n].rule_head };
	p->nodes[n].rule_head = r;
	p->nrules++;
	return true;
}

static void shrink(void **arr, size_t *cap, size_t n, size_t sz)
{
	if(n == 0 || n >= *cap) return;
	void *na = realloc(*arr, n * sz);
	if(na){
		*arr = na;
		*cap = n;
	}
}

/* Freeze the policy: from now on it is only read. */
bool policy_finish(certacl_policy *p, certacl_error *err)
{
	(void)err;
	p->uses_connection_values = p->nodes[NODE_GROUPS].first_lit != NODE_NONE;
	for(size_t v = 1; v < p->nvedges; v++){
		uint32_t var = p->vedges[v].var;
		if(var >= CERTACL_VAR_CN && var < CERTACL_VAR_COUNT) p->uses_connection_values = true;
	}
	/* Give back the unused tails (the arrays grew by doubling or reserve). */
	shrink((void **)&p->nodes, &p->nodes_cap, p->nnodes, sizeof(pnode));
	shrink((void **)&p->rules, &p->rules_cap, p->nrules, sizeof(certacl_rule));
	shrink((void **)&p->rrefs, &p->rrefs_cap, p->nrrefs, sizeof(rref));
	p->finished = true;
	return true;
}

size_t policy_rule_count(const certacl_policy *p)
{
	return p->nrules;
}

const certacl_rule *policy_rule_at(const certacl_policy *p, size_t i)
{
	return i < p->nrules ? &p->rules[i] : NULL;
}

bool policy_has_user(const certacl_policy *p, const char *name)
{
	return policy_section_root(p, CERTACL_SECTION_USER, name) != NODE_NONE;
}

bool policy_has_group(const certacl_policy *p, const char *name)
{
	return policy_section_root(p, CERTACL_SECTION_GROUP, name) != NODE_NONE;
}

bool policy_uses_connection_values(const certacl_policy *p)
{
	return p->uses_connection_values;
}

size_t policy_memory(const certacl_policy *p)
{
	return sizeof(*p) + p->mem.bytes
		+ p->rules_cap * sizeof(certacl_rule)
		+ p->nodes_cap * sizeof(pnode)
		+ p->vedges_cap * sizeof(vedge)
		+ p->rrefs_cap * sizeof(rref)
		+ (p->edges_mask + 1) * sizeof(edge);
}
