/* certacl fuzzers: a small, deliberately naive reference for MQTT topic rules,
 * written from the MQTT 3.1.1 / 5.0 text (section 4.7), independent of
 * plugin/core/topic.c. Topics and filters are split into arrays of levels and
 * compared level by level.
 *
 *  - A topic name is 1..65535 bytes of valid UTF-8 without NUL, '+' or '#'.
 *  - A filter is the same except that '+' may be a whole level and '#' may be
 *    the whole last level.
 *  - '+' matches exactly one level (also an empty one); '#' matches any number
 *    of levels including none, so "a/#" matches "a".
 *  - A filter whose first level is a wildcard never matches a topic whose first
 *    level starts with '$'.
 *  - Overlap and coverage quantify over valid topic names: the empty topic ""
 *    (one empty level) never counts, so "a/#" matches its parent "a" but "/#"
 *    does not match "" and "+/#" covers "#".
 */
#ifndef CERTACL_FUZZ_REF_TOPIC_H
#define CERTACL_FUZZ_REF_TOPIC_H

#include "fuzz_util.h"

/* Strict UTF-8 (shortest form, no surrogates, at most U+10FFFF), no U+0000. */
static inline bool ref_utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	for(size_t i = 0; i < len; ){
		unsigned c = p[i], cp, need;
		if(c == 0) return false;
		if(c < 0x80){ i++; continue; }
		if((c & 0xE0) == 0xC0){ need = 1; cp = c & 0x1F; }
		else if((c & 0xF0) == 0xE0){ need = 2; cp = c & 0x0F; }
		else if((c & 0xF8) == 0xF0){ need = 3; cp = c & 0x07; }
		else return false;
		if(i + need >= len) return false;
		for(unsigned k = 1; k <= need; k++){
			if((p[i+k] & 0xC0) != 0x80) return false;
			cp = (cp << 6) | (p[i+k] & 0x3F);
		}
		static const unsigned min_cp[4] = { 0, 0x80, 0x800, 0x10000 };
		if(cp < min_cp[need]) return false;          /* overlong */
		if(cp > 0x10FFFF) return false;
		if(cp >= 0xD800 && cp <= 0xDFFF) return false; /* surrogate */
		i += need + 1;
	}
	return true;
}

typedef struct rlevels {
	size_t n;
	const char **p;
	size_t *len;
} rlevels;

static inline void rl_split(rlevels *L, const char *s, size_t slen)
{
	size_t n = 1;
	for(size_t i = 0; i < slen; i++) if(s[i] == '/') n++;
	L->n = n;
	L->p = malloc(n * sizeof(*L->p));
	L->len = malloc(n * sizeof(*L->len));
	if(!L->p || !L->len) abort();
	size_t k = 0, start = 0;
	for(size_t i = 0; i <= slen; i++){
		if(i == slen || s[i] == '/'){
			L->p[k] = s + start;
			L->len[k] = i - start;
			k++;
			start = i + 1;
		}
	}
}

static inline void rl_free(rlevels *L)
{
	free(L->p);
	free(L->len);
	L->p = NULL;
	L->len = NULL;
	L->n = 0;
}

static inline bool lv_is(const rlevels *L, size_t i, const char *lit)
{
	size_t n = strlen(lit);
	return L->len[i] == n && memcmp(L->p[i], lit, n) == 0;
}

static inline bool lv_eq(const rlevels *A, size_t i, const rlevels *B, size_t j)
{
	return A->len[i] == B->len[j] && memcmp(A->p[i], B->p[j], A->len[i]) == 0;
}

static inline bool lv_wild(const rlevels *L, size_t i)
{
	return lv_is(L, i, "+") || lv_is(L, i, "#");
}

static inline bool lv_dollar(const rlevels *L, size_t i)
{
	return L->len[i] > 0 && L->p[i][0] == '$';
}

static inline bool ref_name_valid(const char *s, size_t len)
{
	if(len == 0 || len > 65535 || !ref_utf8_valid(s, len)) return false;
	for(size_t i = 0; i < len; i++) if(s[i] == '+' || s[i] == '#') return false;
	return true;
}

static inline bool ref_filter_valid(const char *s, size_t len)
{
	if(len == 0 || len > 65535 || !ref_utf8_valid(s, len)) return false;
	rlevels L;
	rl_split(&L, s, len);
	bool ok = true;
	for(size_t i = 0; i < L.n && ok; i++){
		bool wild = memchr(L.p[i], '+', L.len[i]) || memchr(L.p[i], '#', L.len[i]);
		if(!wild) continue;
		if(lv_is(&L, i, "+")) continue;
		if(lv_is(&L, i, "#") && i == L.n - 1) continue;
		ok = false;
	}
	rl_free(&L);
	return ok;
}

/* Does filter F match topic T (both valid, as levels)? */
static inline bool ref_match(const rlevels *F, const rlevels *T)
{
	if(lv_dollar(T, 0) && lv_wild(F, 0)) return false;
	for(size_t i = 0; i < F->n; i++){
		if(lv_is(F, i, "#")) return true; /* the rest, including nothing */
		if(i >= T->n) return false;
		if(lv_is(F, i, "+")) continue;
		if(!lv_eq(F, i, T, i)) return false;
	}
	return T->n == F->n;
}

/* Per-length view of a filter, for overlap and coverage: does F match some
 * topic of exactly L levels, and what does it ask of level p (< L) of it? */
static inline bool ref_len_ok(const rlevels *F, size_t L)
{
	if(lv_is(F, F->n - 1, "#")) return L >= F->n - 1 && L >= 1;
	return L == F->n;
}

/* Level p is free (any value; at p == 0 any value not starting with '$') when F
 * has '+' there or its '#' has been reached; otherwise it must equal F[p]. */
static inline bool ref_free_at(const rlevels *F, size_t p)
{
	if(p >= F->n - 1 && lv_is(F, F->n - 1, "#")) return true;
	return lv_is(F, p, "+");
}

/* Does some valid topic name match both A and B? A topic is a non-empty
 * string: the one-level topic "" does not count (so "/#" and "+" do not
 * overlap). Checked length by length, 1 .. max(levels) + 1 (longer topics
 * behave like max + 1). */
static inline bool ref_overlaps(const rlevels *A, const rlevels *B)
{
	size_t maxl = (A->n > B->n ? A->n : B->n) + 1;
	for(size_t L = 1; L <= maxl; L++){
		if(!ref_len_ok(A, L) || !ref_len_ok(B, L)) continue;
		bool ok = true;
		for(size_t p = 0; p < L && ok; p++){
			bool fa = ref_free_at(A, p), fb = ref_free_at(B, p);
			if(!fa && !fb) ok = lv_eq(A, p, B, p);
			else if(!fa) ok = !(p == 0 && lv_dollar(A, 0));  /* wildcard skips '$' */
			else if(!fb) ok = !(p == 0 && lv_dollar(B, 0));
			/* both free: pick a fresh non-empty level not starting with '$' */
			if(ok && L == 1 && (!fa || !fb)){
				/* the whole topic is that one level: "" is no topic */
				ok = !fa ? A->len[0] > 0 : B->len[0] > 0;
			}
		}
		if(ok) return true;
	}
	return false;
}

/* Does every valid topic name matching I also match O? */
static inline bool ref_covers(const rlevels *O, const rlevels *I)
{
	size_t maxl = (O->n > I->n ? O->n : I->n) + 1;
	for(size_t L = 1; L <= maxl; L++){
		if(!ref_len_ok(I, L)) continue;
		bool fi0 = ref_free_at(I, 0);
		if(L == 1 && !fi0 && I->len[0] == 0) continue; /* only "": no topic */
		if(!ref_len_ok(O, L)) return false;
		for(size_t p = 0; p < L; p++){
			bool fo = ref_free_at(O, p), fi = ref_free_at(I, p);
			if(fi){
				if(!fo) return false;        /* many values vs one literal */
			}else if(fo){
				if(p == 0 && lv_dollar(I, 0)) return false; /* wildcard skips '$' */
			}else if(!lv_eq(O, p, I, p)){
				return false;
			}
		}
	}
	return true;
}

/* String versions (s NUL-terminated, valid). */
static inline bool ref_match_s(const char *filter, const char *topic)
{
	rlevels F, T;
	rl_split(&F, filter, strlen(filter));
	rl_split(&T, topic, strlen(topic));
	bool r = ref_match(&F, &T);
	rl_free(&F);
	rl_free(&T);
	return r;
}

static inline bool ref_overlaps_s(const char *a, const char *b)
{
	rlevels A, B;
	rl_split(&A, a, strlen(a));
	rl_split(&B, b, strlen(b));
	bool r = ref_overlaps(&A, &B);
	rl_free(&A);
	rl_free(&B);
	return r;
}

static inline bool ref_covers_s(const char *outer, const char *inner)
{
	rlevels O, I;
	rl_split(&O, outer, strlen(outer));
	rl_split(&I, inner, strlen(inner));
	bool r = ref_covers(&O, &I);
	rl_free(&O);
	rl_free(&I);
	return r;
}

/* "$share/GROUP/FILTER" -> FILTER (group non-empty, without '+' '#', filter
 * non-empty); other filters unchanged; NULL when malformed. */
static inline const char *ref_strip_share(const char *f, const char **group, size_t *glen)
{
	*group = NULL;
	*glen = 0;
	if(strncmp(f, "$share/", 7) != 0) return f;
	const char *g = f + 7;
	size_t n = 0;
	while(g[n] && g[n] != '/') n++;
	if(g[n] != '/' || n == 0) return NULL;
	for(size_t i = 0; i < n; i++) if(g[i] == '+' || g[i] == '#') return NULL;
	if(g[n+1] == '\0') return NULL;
	*group = g;
	*glen = n;
	return g + n + 1;
}

#endif
