/* certacl: the policy's data model, shared by acl_parse.c (building), policy.c
 * (storage) and decide.c (walking). Not part of the public API.
 *
 * Every section (the anonymous rules, each user, each group, the patterns) is a
 * trie of topic levels. All tries live in one node array; literal children are
 * found through one open-addressing edge table keyed by (parent node, label), so
 * a step down costs one hash probe whatever the fan-out. User and group sections,
 * and the patterns of each group, hang below three pseudo-roots, keyed by name
 * through the same table. */
#ifndef CERTACL_POLICY_INTERNAL_H
#define CERTACL_POLICY_INTERNAL_H

#include "certacl/policy.h"
#include "certacl/topic.h"
#include "arena.h"

enum {
	NODE_NONE = 0,
	NODE_ANON_ROOT = 1,
	NODE_PATTERN_ROOT = 2,
	NODE_USERS = 3,  /* children: one root per user, labelled by user name */
	NODE_GROUPS = 4, /* children: one root per group */
	NODE_GROUP_PATTERNS = 5, /* children: one root per group with pattern lines */
	NODE_FIRST_FREE = 6,
};

#define NODE_SUBTREE_READ 1u /* some rule at or below grants READ */
#define NODE_DOLLAR_LABEL 2u /* a literal child whose label starts with '$' */
#define NODE_EMPTY_LABEL 4u  /* a literal child whose label is "" (as in "/a") */
#define NODE_PATTERN_SECTION 8u /* the root of a pattern section (global or a group's) */

typedef struct pnode {
	uint32_t plus;      /* '+' child */
	uint32_t hash;      /* '#' child */
	uint32_t first_lit; /* first literal child (list through next_sib) */
	uint32_t next_sib;
	uint32_t var_head;  /* placeholder children (index into vedges) */
	uint32_t rule_head; /* rules ending here (index into rrefs) */
	uint32_t lh;        /* hash of the label of the edge to this node (rehashing) */
	uint32_t flags;
} pnode;

typedef struct vedge {
	uint32_t child;
	uint32_t next;
	uint32_t var; /* certacl_var */
} vedge;

typedef struct rref {
	uint32_t rule;
	uint32_t next;
} rref;

/* 16 bytes, four to a cache line. The label is not copied: it points into the
 * stored rule filter (ending at '/' or NUL) or section name (ending at NUL). */
typedef struct edge {
	const char *label;
	uint32_t parent;
	uint32_t child; /* 0: empty slot */
} edge;

struct certacl_policy {
	arena mem;
	certacl_rule *rules;
	size_t nrules, rules_cap;
	pnode *nodes;
	size_t nnodes, nodes_cap;
	vedge *vedges;
	size_t nvedges, vedges_cap;
	rref *rrefs;
	size_t nrrefs, rrefs_cap;
	edge *edges;
	size_t nedges, edges_mask; /* table size = mask + 1, a power of two */
	bool finished;
	uint32_t max_depth; /* levels of the deepest rule filter */
	size_t ndenies;     /* deny rules */
	bool uses_connection_values; /* group sections or certificate placeholders */
	/* policy_insert's memory of the previous rule: consecutive rules of a
	 * section share prefixes ("spBv1.0/G1/..."), walked again without lookups */
	uint32_t ins_root, ins_depth;
	const char *ins_filter;
	uint32_t ins_path[CERTACL_RULE_MAX_LEVELS];
};

/* Literal child of `parent` labelled s[0..len), or NODE_NONE. */
uint32_t policy_child(const certacl_policy *p, uint32_t parent, const char *s, size_t len);
/* The same with the label's hash already computed (policy_label_hash). */
uint32_t policy_child_h(const certacl_policy *p, uint32_t parent, uint32_t lh,
		const char *s, size_t len);
uint32_t policy_label_hash(const char *s, size_t len);
/* Root of a user's / group's section, or of a group's patterns (kind
 * CERTACL_SECTION_PATTERN with a name; NULL: the global patterns), or NODE_NONE. */
uint32_t policy_section_root(const certacl_policy *p, certacl_section kind, const char *name);

/* Building (acl_parse.c): find or create a section's root, add a rule. The
 * rule's strings must already live in p->mem. Returns false on out-of-memory. */
uint32_t policy_section_get(certacl_policy *p, certacl_section kind, const char *name);
bool policy_insert(certacl_policy *p, uint32_t root, const certacl_rule *rule);
/* Make room for about `lines` more rules at once (fewer reallocations and
 * rehashes while loading a large file). */
void policy_reserve(certacl_policy *p, size_t lines);

/* Parse a placeholder level ("%u", "%c", "%{cn}", ...) of length len:
 * returns the var, -1 if the level holds no '%' placeholder, -2 if it holds one
 * that does not fill the level or is unknown. */
int policy_level_var(const char *s, size_t len);

/* The var of a pattern level that holds a placeholder without filling it
 * ("prefix-%c"): no value ever fills it, so it grants nothing and its denies
 * act as '+' (mosquitto 2.0 substituted inside a level, 2.1 takes it as
 * literal text; certacl is never more permissive than either). */
#define VAR_EMBEDDED CERTACL_VAR_COUNT

#endif
