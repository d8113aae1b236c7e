/* certacl: a compiled ACL policy and the decisions made from it.
 *
 * A policy is built from one or more ACL files in mosquitto's acl_file syntax
 * (plus certacl's extensions) and is immutable once built: a reload builds a new
 * one and swaps a pointer. Decisions walk per-section tries of topic levels, so a
 * decision costs O(topic levels) whatever the number of rules, and allocates
 * nothing. */
#ifndef CERTACL_POLICY_H
#define CERTACL_POLICY_H

#include "certacl/common.h"

/* Values a `pattern` line may substitute. Username and client id are mosquitto's
 * %u and %c; the others are %{cn}, %{ou}, ... taken from the client certificate. */
typedef enum certacl_var {
	CERTACL_VAR_USERNAME = 0, /* %u */
	CERTACL_VAR_CLIENTID,     /* %c */
	CERTACL_VAR_CN,           /* %{cn} */
	CERTACL_VAR_OU,           /* %{ou} */
	CERTACL_VAR_O,            /* %{o} */
	CERTACL_VAR_SERIAL,       /* %{serial} */
	CERTACL_VAR_SAN_DNS,      /* %{san.dns} */
	CERTACL_VAR_SAN_EMAIL,    /* %{san.email} */
	CERTACL_VAR_SAN_URI,      /* %{san.uri} */
	CERTACL_VAR_COUNT
} certacl_var;

/* Placeholder text of a variable as written in a pattern ("%u", "%{cn}"). */
const char *certacl_var_name(certacl_var v);

typedef enum certacl_access {
	CERTACL_READ = 1,
	CERTACL_WRITE = 2,
	CERTACL_SUBSCRIBE = 4,
	CERTACL_UNSUBSCRIBE = 8,
} certacl_access;

const char *certacl_access_name(certacl_access a);
/* The access named `s` (certacl_access_name's words); false for any other. */
bool certacl_access_parse(const char *s, certacl_access *out);

typedef enum certacl_section {
	CERTACL_SECTION_ANON = 0, /* topic lines before the first user/group line */
	CERTACL_SECTION_USER,
	CERTACL_SECTION_GROUP,
	CERTACL_SECTION_PATTERN, /* pattern lines: every client, or (inside a `group`
	                          * section) the members of that group */
} certacl_section;

/* Retain limit of a rule (certacl extension). */
typedef enum certacl_retain_limit {
	CERTACL_RETAIN_ANY = 0,
	CERTACL_RETAIN_NEVER, /* retain=no: only messages without the retain flag */
	CERTACL_RETAIN_ONLY,  /* retain=only: only retained messages */
} certacl_retain_limit;

/* One line of an ACL file, as loaded. Pointers stay valid for the policy's life. */
typedef struct certacl_rule {
	const char *file;    /* path as given to the loader */
	unsigned line;       /* 1-based line number */
	const char *text;    /* the line as written, without surrounding blanks */
	const char *section_name; /* user or group name (a pattern's: the group it is
	                           * scoped to); NULL for anonymous and global patterns */
	const char *filter;  /* the topic filter, placeholders as written */
	uint32_t seq;        /* position in load order (0 = first rule loaded) */
	uint8_t section;     /* certacl_section */
	uint8_t perms;       /* CERTACL_READ | CERTACL_WRITE; 0 for deny */
	bool deny;
	uint8_t max_qos;     /* 2 = no limit */
	uint8_t retain;      /* certacl_retain_limit */
	bool has_vars;       /* a pattern with at least one placeholder */
} certacl_rule;

typedef struct certacl_policy certacl_policy;

/* Create an empty policy to add files to. NULL on out-of-memory. */
certacl_policy *policy_new(void);
/* Parse one ACL file into the policy. On error returns false with err set to
 * "file:line: what is wrong"; the policy must then be freed, never used. */
bool policy_add_file(certacl_policy *p, const char *path, certacl_error *err);
/* Same for text held in memory; `name` is used in error messages and rules. */
bool policy_add_text(certacl_policy *p, const char *name, const char *text,
		size_t len, certacl_error *err);
/* Freeze the policy after the last file: required before any decision. */
bool policy_finish(certacl_policy *p, certacl_error *err);
void policy_free(certacl_policy *p);

size_t policy_rule_count(const certacl_policy *p);
const certacl_rule *policy_rule_at(const certacl_policy *p, size_t i);
/* True when the policy has a `user NAME` / `group NAME` section. */
bool policy_has_user(const certacl_policy *p, const char *name);
bool policy_has_group(const certacl_policy *p, const char *name);
/* True when a decision may need what only the connection knows: groups (the
 * policy has `group` sections) or certificate values (%{cn}, %{ou}, ...). */
bool policy_uses_connection_values(const certacl_policy *p);
/* Bytes of memory held by the policy (for benchmarks and counters). */
size_t policy_memory(const certacl_policy *p);

/* Who asks: the values known for one connection. vars[CERTACL_VAR_USERNAME] is
 * NULL (or "") for a client without a username; a NULL certificate value is
 * unknown and any rule that needs it grants nothing. */
#define CERTACL_MAX_GROUPS 64

typedef struct certacl_subject {
	const char *vars[CERTACL_VAR_COUNT];
	const char *const *groups;
	size_t ngroups;
} certacl_subject;

/* What is asked. For CERTACL_SUBSCRIBE/UNSUBSCRIBE `topic` is a filter. */
typedef struct certacl_request {
	certacl_access access;
	const char *topic;
	size_t topic_len;
	int qos;
	bool retain;
} certacl_request;

typedef enum certacl_reason {
	CERTACL_ALLOWED_BY_RULE = 0, /* rule = the earliest allow that matched */
	CERTACL_ALLOWED_UNSUBSCRIBE, /* unsubscribing a valid filter is always allowed */
	CERTACL_DENIED_BY_RULE,      /* rule = the earliest deny that matched */
	CERTACL_DENIED_NO_RULE,      /* nothing grants this access */
	CERTACL_DENIED_LIMIT,        /* rule matched but its QoS/retain limit refuses */
	CERTACL_DENIED_BAD_TOPIC,    /* topic/filter invalid for this access */
	CERTACL_DENIED_SHARE,        /* publish/read of a $share/ topic */
	CERTACL_DENIED_TOO_MANY_GROUPS, /* more than CERTACL_MAX_GROUPS groups */
	CERTACL_DENIED_TOO_COMPLEX,  /* SUBSCRIBE: too many denied witnesses to try */
} certacl_reason;

typedef struct certacl_decision {
	bool allowed;
	certacl_reason reason;
	const certacl_rule *rule; /* deciding rule, or NULL. READ/WRITE: the earliest
	                           * matching deny, else the earliest allow; SUBSCRIBE:
	                           * the earliest covering deny, else a readable rule
	                           * with a topic of the filter no deny denies, else a
	                           * deny that denied such a topic */
} certacl_decision;

const char *certacl_reason_text(certacl_reason r);

/* Decide one request: deny wins over every allow that matches; otherwise the
 * request is allowed when some rule grants the access (within its limits);
 * otherwise denied. SUBSCRIBE is allowed when some topic the filter (for
 * "$share/G/F", F) matches is readable and denied by no deny rule. */
void acl_decide(const certacl_policy *p, const certacl_subject *who,
		const certacl_request *req, certacl_decision *out);

/* Why mosquitto itself refuses the request before it asks any plugin or its
 * acl_file (acl__check_dollar, the same in 2.0.11, 2.0.21 and 2.1.2), or NULL:
 * WRITE to a topic beginning "$SYS" other than $SYS/broker/connection/+/state,
 * and READ or WRITE of a topic beginning "$share". The plugin never sees
 * these; the CLI answers them as the broker does. */
const char *acl_broker_refusal(const certacl_request *req);

#endif
