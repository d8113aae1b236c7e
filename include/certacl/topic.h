/* certacl: MQTT topic names and filters. The only place that knows MQTT topic rules. */
#ifndef CERTACL_TOPIC_H
#define CERTACL_TOPIC_H

#include "certacl/common.h"

#define CERTACL_TOPIC_MAX 65535
/* ACL rule filters may have at most this many levels (bounds the trie depth):
 * mosquitto refuses an ACL line whose filter has more than 200 '/'. */
#define CERTACL_RULE_MAX_LEVELS 201

/* One level of a topic: s[0..len). */
typedef struct topic_level {
	const char *s;
	size_t len;
} topic_level;

/* Why s[0..len) is not a valid topic name (no wildcards) or NULL if it is. */
const char *topic_name_problem(const char *s, size_t len);
/* The same check, which also stores the first `max` levels in levels[] and
 * the number of all levels in *count (set only when the name is valid). */
const char *topic_name_levels(const char *s, size_t len, topic_level *levels, size_t max,
		size_t *count);
/* Why s[0..len) is not a valid subscription filter, or NULL if it is. */
const char *topic_filter_problem(const char *s, size_t len);
/* Why mosquitto refuses s[0..len) as the filter of an ACL line, or NULL: the
 * wildcards as in a filter, at most CERTACL_RULE_MAX_LEVELS levels; any bytes
 * but NUL (a filter that is not UTF-8 loads, and never matches a topic). */
const char *topic_acl_filter_problem(const char *s, size_t len);

/* Number of levels of a topic or filter ("a/b" = 2, "" = 1, "/" = 2). */
size_t topic_level_count(const char *s, size_t len);

/* True when topic name `topic` matches filter `filter` (both NUL-terminated and
 * valid). Filters starting with a wildcard never match topics starting with '$'. */
bool topic_matches(const char *filter, const char *topic);

/* True when some topic name matches both filters a and b. */
bool filter_overlaps(const char *a, const char *b);

/* True when every topic name matching `inner` also matches `outer`. */
bool filter_covers(const char *outer, const char *inner);

/* For "$share/GROUP/FILTER" return a pointer to FILTER and set *group and *group_len;
 * for any other filter return the filter itself with *group = NULL. Returns NULL
 * when a "$share/" filter is malformed (empty group, wildcard in group, no filter). */
const char *topic_strip_share(const char *filter, const char **group, size_t *group_len);

#endif
