/* certacl: policy lint. Warnings about a configuration that loads fine but
 * probably does not mean what its author meant: a pattern without placeholder,
 * a rule shadowed by another, a deny that can never matter, a user no
 * certificate can become, ... The lint reads the same compiled snapshot that
 * the plugin decides from, so it sees exactly what the plugin sees. */
#ifndef CERTACL_LINT_H
#define CERTACL_LINT_H

#include "certacl/config.h"

/* One warning. `file`/`line` point at the rule (or map entry) concerned; line 0
 * means the whole configuration ("file" then names the option). Strings live as
 * long as the snapshot, except `message`, owned by the lint result. */
typedef struct certacl_lint_warning {
	const char *file;
	unsigned line;
	const char *check;         /* stable name of the check, e.g. "shadowed" */
	const certacl_rule *rule;  /* the rule concerned, or NULL */
	const certacl_rule *other; /* the rule it is compared with, or NULL */
	char *message;             /* what is wrong and what to do */
	size_t order;              /* sort key: load order of the rule or entry */
	bool note;                 /* only explains (e.g. a pattern's scope): not a warning */
} certacl_lint_warning;

typedef struct certacl_lint {
	certacl_lint_warning *items;
	size_t n, cap;
} certacl_lint;

/* One check: its stable name (for --ignore and JSON) and what it looks for. */
typedef struct certacl_lint_check {
	const char *name;
	const char *summary;
} certacl_lint_check;

/* Every check, terminated by { NULL, NULL }. */
extern const certacl_lint_check certacl_lint_checks[];

/* Lint a snapshot into `out` (initialised here), warnings sorted in load order
 * (ACL files in order, then the identity map, then the configuration). Returns
 * false on out-of-memory (out is then freed). */
bool lint_snapshot(const certacl_snapshot *s, certacl_lint *out);
/* Only the warnings about lines that load, as in mosquitto, but are almost
 * surely a mistake (one-word-topic, placeholder-in-level,
 * pattern-no-placeholder, filter-not-utf8), in load order: what the plugin
 * logs at start. */
bool lint_load_warnings(const certacl_snapshot *s, certacl_lint *out);
void lint_free(certacl_lint *l);

#endif
