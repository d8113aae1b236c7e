/* certacl: MQTT topic rules (MQTT 3.1.1 / 5.0 section 4.7). The only file that
 * knows how levels, wildcards, '$' topics and shared subscriptions work. */
#include <string.h>

#include "certacl/topic.h"

/* A topic name is non-empty, at most 65535 bytes, valid UTF-8 without NUL, and
 * has no wildcard characters. One pass checks it and cuts it into levels (the
 * full UTF-8 check runs only when a byte is not ASCII); the problems are
 * reported in the same order whatever byte comes first. */
const char *topic_name_levels(const char *s, size_t len, topic_level *levels, size_t max,
		size_t *count)
{
	size_t k = 0, start = 0;
	unsigned char hi = 0;
	bool nul = false, wild = false;

	if(!s || len == 0) return "topic is empty";
	if(len > CERTACL_TOPIC_MAX) return "topic is longer than 65535 bytes";
	for(size_t i = 0; i < len; i++){
		unsigned char c = (unsigned char)s[i];
		hi |= c;
		if(c > '/') continue; /* NUL, '#', '+' and '/' all sort below '0' */
		if(c == '/'){
			if(k < max) levels[k] = (topic_level){ s + start, i - start };
			k++;
			start = i + 1;
		}else if(c == 0){
			nul = true;
		}else if(c == '+' || c == '#'){
			wild = true;
		}
	}
	if(k < max) levels[k] = (topic_level){ s + start, len - start };
	k++;
	if(nul) return "topic contains a NUL byte";
	if((hi & 0x80) && !certacl_utf8_valid(s, len)) return "topic is not valid UTF-8";
	if(wild) return "topic name contains a wildcard ('+' or '#')";
	*count = k;
	return NULL;
}

const char *topic_name_problem(const char *s, size_t len)
{
	size_t n;
	return topic_name_levels(s, len, NULL, 0, &n);
}

/* Where the wildcards of a filter may stand: '+' fills a whole level and '#'
 * fills the whole last level. */
static const char *wildcard_problem(const char *s, size_t len)
{
	for(size_t i = 0; i < len; i++){
		bool starts = (i == 0 || s[i-1] == '/');
		bool ends = (i + 1 == len || s[i+1] == '/');
		if(s[i] == '+' && !(starts && ends)){
			return "'+' must fill a whole level (write 'a/+/b', not 'a/x+')";
		}
		if(s[i] == '#' && !(starts && i + 1 == len)){
			return "'#' must be the whole last level (write 'a/#')";
		}
	}
	return NULL;
}

/* A filter is a topic in which the wildcards stand where they may. */
const char *topic_filter_problem(const char *s, size_t len)
{
	if(!s || len == 0) return "filter is empty";
	if(len > CERTACL_TOPIC_MAX) return "filter is longer than 65535 bytes";
	if(memchr(s, '\0', len)) return "filter contains a NUL byte";
	if(!certacl_utf8_valid(s, len)) return "filter is not valid UTF-8";
	return wildcard_problem(s, len);
}

/* What mosquitto's ACL file loader checks (mosquitto_sub_topic_check, the same
 * in 2.0.x and 2.1.x): no UTF-8 check, but at most 200 '/'. */
const char *topic_acl_filter_problem(const char *s, size_t len)
{
	if(!s || len == 0) return "filter is empty";
	if(len > CERTACL_TOPIC_MAX) return "filter is longer than 65535 bytes";
	if(memchr(s, '\0', len)) return "filter contains a NUL byte";
	if(topic_level_count(s, len) > CERTACL_RULE_MAX_LEVELS){
		return "filter has more than 201 levels (mosquitto refuses more than 200 '/')";
	}
	return wildcard_problem(s, len);
}

size_t topic_level_count(const char *s, size_t len)
{
	size_t n = 1;
	for(size_t i = 0; i < len; i++){
		if(s[i] == '/') n++;
	}
	return n;
}

/* Length of the level starting at s (up to '/' or NUL). */
static size_t level_len(const char *s)
{
	size_t n = 0;
	while(s[n] && s[n] != '/') n++;
	return n;
}

/* Advance past a level of length n; return the next level or NULL at the end. */
static const char *next_level(const char *s, size_t n)
{
	return s[n] == '/' ? s + n + 1 : NULL;
}

bool topic_matches(const char *filter, const char *topic)
{
	const char *f = filter, *t = topic;

	/* Wildcards in the first level never match '$' topics. */
	if(topic[0] == '$' && (filter[0] == '+' || filter[0] == '#')) return false;
	while(f){
		size_t fl = level_len(f);
		if(fl == 1 && f[0] == '#') return true; /* also matches the parent level */
		if(!t) return false;
		size_t tl = level_len(t);
		if(!(fl == 1 && f[0] == '+') && (fl != tl || memcmp(f, t, fl) != 0)){
			return false;
		}
		f = next_level(f, fl);
		t = next_level(t, tl);
	}
	return t == NULL;
}

/* Does a filter level `al` overlap level `bl`? '+' overlaps anything but the
 * end of a filter; literals only overlap when equal. */
static bool level_overlaps(const char *a, size_t al, const char *b, size_t bl)
{
	bool aplus = (al == 1 && a[0] == '+');
	bool bplus = (bl == 1 && b[0] == '+');
	if(aplus || bplus) return true;
	return al == bl && memcmp(a, b, al) == 0;
}

/* The topic built from the levels matched so far is the empty string (which is
 * not a valid topic name) when no level was matched yet, or only one level that
 * is itself empty. A '#' that would match "the parent level" there matches
 * nothing. */
static bool prefix_is_empty(size_t k, bool first_empty)
{
	return k == 0 || (k == 1 && first_empty);
}

bool filter_overlaps(const char *a, const char *b)
{
	size_t k = 0;
	bool first_empty = false;

	/* A wildcard first level matches no '$' topic. */
	if((a[0] == '$' && (b[0] == '+' || b[0] == '#'))
			|| (b[0] == '$' && (a[0] == '+' || a[0] == '#'))){
		return false;
	}
	while(a && b){
		size_t al = level_len(a), bl = level_len(b);
		/* '#' against any remaining level(s): some non-empty level fits. */
		if((al == 1 && a[0] == '#') || (bl == 1 && b[0] == '#')) return true;
		if(!level_overlaps(a, al, b, bl)) return false;
		if(k == 0) first_empty = (al == 0 || bl == 0);
		k++;
		a = next_level(a, al);
		b = next_level(b, bl);
	}
	if(!a && !b) return !prefix_is_empty(k, first_empty);
	/* One ended: the other overlaps only if what remains is exactly "#"
	 * ("a/#" matches "a"), and the parent is a valid topic. */
	const char *rest = a ? a : b;
	return rest[0] == '#' && rest[1] == '\0' && !prefix_is_empty(k, first_empty);
}

bool filter_covers(const char *outer, const char *inner)
{
	const char *o = outer, *i = inner;
	size_t k = 0;
	bool first_empty = false;

	/* '$' topics are matched by inner's first level only if it is a '$'
	 * literal; then outer must name it too (wildcards skip '$'). */
	if(inner[0] == '$' && (outer[0] == '+' || outer[0] == '#')) return false;
	while(o){
		size_t ol = level_len(o);
		if(ol == 1 && o[0] == '#') return true;
		if(!i) return false; /* inner ends earlier: outer has more levels */
		size_t il = level_len(i);
		if(il == 1 && i[0] == '#'){
			/* inner matches the parent (if a valid topic) and one or more
			 * further levels; outer (not '#') never matches the parent, and
			 * only "+/#" matches every one-or-more remainder. */
			return prefix_is_empty(k, first_empty) && strcmp(o, "+/#") == 0;
		}
		if(ol == 1 && o[0] == '+'){
			/* covers any single level, literal or '+' */
		}else if(il != ol || memcmp(o, i, ol) != 0){
			return false; /* a literal covers only the same literal */
		}
		if(k == 0) first_empty = (il == 0);
		k++;
		o = next_level(o, ol);
		i = next_level(i, il);
	}
	return i == NULL;
}

const char *topic_strip_share(const char *filter, const char **group, size_t *group_len)
{
	static const char prefix[] = "$share/";
	const size_t plen = sizeof(prefix) - 1;

	*group = NULL;
	*group_len = 0;
	if(strncmp(filter, prefix, plen) != 0) return filter;
	const char *g = filter + plen;
	const char *slash = strchr(g, '/');
	if(!slash || slash == g) return NULL;
	for(const char *c = g; c < slash; c++){
		if(*c == '+' || *c == '#') return NULL;
	}
	if(slash[1] == '\0') return NULL;
	*group = g;
	*group_len = (size_t)(slash - g);
	return slash + 1;
}
