/* certacl fuzzer: topic names, filters, matching, overlap and coverage.
 *
 * The input is two strings separated by the first '\n'. Both are checked with
 * topic_name_problem / topic_filter_problem against the reference in
 * ref_topic.h; for valid ones topic_matches, filter_overlaps and filter_covers
 * are compared with a brute force over candidate topics (built per level from
 * the literals of both filters plus a fresh level), and the structural
 * reference used by fuzz_acl is checked against the same brute force. Any
 * disagreement aborts. Also: topic_strip_share, topic_level_count,
 * certacl_utf8_valid, certacl_name_problem and certacl_escape. */
#include "certacl/common.h"
#include "certacl/topic.h"
#include "fuzz_util.h"
#include "ref_topic.h"

/* Brute force is exponential in the number of levels: only for small filters. */
#define BF_MAX_LEVELS 7
#define BF_MAX_TOPICS 20000

typedef struct bf_result {
	bool overlaps, a_covers_b, b_covers_a;
} bf_result;

/* A level that is no literal of either filter at position i, and not '$'. */
static void fresh_level(const rlevels *A, const rlevels *B, size_t i, char *out, size_t outsz)
{
	size_t n = 2;
	for(;;){
		if(n + 1 > outsz) abort();
		memset(out, '~', n);
		out[n] = '\0';
		bool clash = (i < A->n && A->len[i] == n && memcmp(A->p[i], out, n) == 0)
			|| (i < B->n && B->len[i] == n && memcmp(B->p[i], out, n) == 0);
		if(!clash) return;
		n++;
	}
}

/* Candidate values of level i: the literals of A and B at i, and a fresh one. */
typedef struct cand {
	const char *p[3];
	size_t len[3];
	size_t n;
	char fresh[64];
} cand;

static void cand_add(cand *c, const char *p, size_t len)
{
	for(size_t k = 0; k < c->n; k++){
		if(c->len[k] == len && memcmp(c->p[k], p, len) == 0) return;
	}
	c->p[c->n] = p;
	c->len[c->n] = len;
	c->n++;
}

/* Enumerate every candidate topic of 1..max(levels)+1 levels; for each, compare
 * topic_matches with ref_match and accumulate overlap / cover by definition. */
static bool brute_force(const char *a, const rlevels *A, const char *b, const rlevels *B,
		bf_result *res)
{
	size_t maxl = (A->n > B->n ? A->n : B->n) + 1;
	cand c[BF_MAX_LEVELS + 2];
	size_t total = 0, prod = 1;

	for(size_t i = 0; i < maxl; i++){
		c[i].n = 0;
		if(i < A->n && !lv_wild(A, i)) cand_add(&c[i], A->p[i], A->len[i]);
		if(i < B->n && !lv_wild(B, i)) cand_add(&c[i], B->p[i], B->len[i]);
		fresh_level(A, B, i, c[i].fresh, sizeof(c[i].fresh));
		cand_add(&c[i], c[i].fresh, strlen(c[i].fresh));
		prod *= c[i].n;
		total += prod;
		if(total > BF_MAX_TOPICS) return false;
	}

	res->overlaps = false;
	res->a_covers_b = true;
	res->b_covers_a = true;

	size_t tlen_max = 0;
	for(size_t i = 0; i < maxl; i++){
		size_t m = 0;
		for(size_t k = 0; k < c[i].n; k++) if(c[i].len[k] > m) m = c[i].len[k];
		tlen_max += m + 1;
	}
	char *topic = malloc(tlen_max + 1);
	if(!topic) abort();

	for(size_t L = 1; L <= maxl; L++){
		size_t idx[BF_MAX_LEVELS + 2] = {0};
		for(;;){
			size_t o = 0;
			for(size_t i = 0; i < L; i++){
				if(i) topic[o++] = '/';
				memcpy(topic + o, c[i].p[idx[i]], c[i].len[idx[i]]);
				o += c[i].len[idx[i]];
			}
			topic[o] = '\0';
			if(o > 0){ /* "" is no topic name */
				FUZZ_CHECK(ref_name_valid(topic, o), "candidate %s invalid", fz_show(topic));
				FUZZ_CHECK(topic_name_problem(topic, o) == NULL,
						"topic_name_problem(%s) refuses a valid topic", fz_show(topic));
				rlevels T;
				rl_split(&T, topic, o);
				bool ma = ref_match(A, &T), mb = ref_match(B, &T);
				rl_free(&T);
				bool ca = topic_matches(a, topic), cb = topic_matches(b, topic);
				FUZZ_CHECK(ca == ma, "topic_matches(%s, %s) = %d, expected %d",
						fz_show(a), fz_show(topic), ca, ma);
				FUZZ_CHECK(cb == mb, "topic_matches(%s, %s) = %d, expected %d",
						fz_show(b), fz_show(topic), cb, mb);
				if(ma && mb) res->overlaps = true;
				if(mb && !ma) res->a_covers_b = false;
				if(ma && !mb) res->b_covers_a = false;
			}
			/* next index vector */
			size_t i = 0;
			while(i < L && ++idx[i] == c[i].n){ idx[i] = 0; i++; }
			if(i == L) break;
		}
	}
	free(topic);
	return true;
}

static void check_filters(const char *a, const char *b)
{
	rlevels A, B;
	rl_split(&A, a, strlen(a));
	rl_split(&B, b, strlen(b));

	bool ov = filter_overlaps(a, b), ov2 = filter_overlaps(b, a);
	bool cab = filter_covers(a, b), cba = filter_covers(b, a);
	bool rov = ref_overlaps(&A, &B), rcab = ref_covers(&A, &B), rcba = ref_covers(&B, &A);

	if(A.n <= BF_MAX_LEVELS && B.n <= BF_MAX_LEVELS){
		bf_result bf;
		if(brute_force(a, &A, b, &B, &bf)){
			/* The reference itself must agree with the definition. */
			FUZZ_CHECK(rov == bf.overlaps, "REFERENCE BUG: ref_overlaps(%s, %s) = %d, brute force %d",
					fz_show(a), fz_show(b), rov, bf.overlaps);
			FUZZ_CHECK(rcab == bf.a_covers_b, "REFERENCE BUG: ref_covers(%s, %s) = %d, brute force %d",
					fz_show(a), fz_show(b), rcab, bf.a_covers_b);
			FUZZ_CHECK(rcba == bf.b_covers_a, "REFERENCE BUG: ref_covers(%s, %s) = %d, brute force %d",
					fz_show(b), fz_show(a), rcba, bf.b_covers_a);
		}
	}
	FUZZ_CHECK(ov == rov, "filter_overlaps(%s, %s) = %d, expected %d", fz_show(a), fz_show(b), ov, rov);
	FUZZ_CHECK(ov2 == rov, "filter_overlaps(%s, %s) = %d, expected %d", fz_show(b), fz_show(a), ov2, rov);
	FUZZ_CHECK(cab == rcab, "filter_covers(%s, %s) = %d, expected %d",
			fz_show(a), fz_show(b), cab, rcab);
	FUZZ_CHECK(cba == rcba, "filter_covers(%s, %s) = %d, expected %d",
			fz_show(b), fz_show(a), cba, rcba);
	/* Every valid filter matches some valid topic, so it overlaps and covers itself. */
	FUZZ_CHECK(filter_covers(a, a), "filter_covers(%s, itself) is false", fz_show(a));
	FUZZ_CHECK(filter_overlaps(a, a), "filter_overlaps(%s, itself) is false", fz_show(a));

	rl_free(&A);
	rl_free(&B);
}

static void check_share(const char *f)
{
	const char *g = (const char *)1, *rg;
	size_t gl = 12345, rgl;
	const char *r = topic_strip_share(f, &g, &gl);
	const char *e = ref_strip_share(f, &rg, &rgl);
	FUZZ_CHECK(r == e, "topic_strip_share(%s) = %s, expected %s", fz_show(f),
			r ? fz_show(r) : "NULL", e ? fz_show(e) : "NULL");
	if(r){
		FUZZ_CHECK(g == rg && gl == rgl, "topic_strip_share(%s): group %s/%zu, expected %s/%zu",
				fz_show(f), g ? fz_show_n(g, gl) : "NULL", gl, rg ? fz_show_n(rg, rgl) : "NULL", rgl);
		/* What is left of a valid filter is a valid filter. */
		if(ref_filter_valid(f, strlen(f))){
			FUZZ_CHECK(topic_filter_problem(r, strlen(r)) == NULL,
					"topic_strip_share(%s) left an invalid filter %s", fz_show(f), fz_show(r));
		}
	}
}

/* Properties of one raw string (may hold NULs). */
static void check_one(const char *s, size_t len)
{
	bool rname = ref_name_valid(s, len), rfilter = ref_filter_valid(s, len);
	const char *pn = topic_name_problem(s, len), *pf = topic_filter_problem(s, len);
	FUZZ_CHECK((pn == NULL) == rname, "topic_name_problem(%s) = %s, expected %s",
			fz_show_n(s, len), pn ? pn : "NULL", rname ? "NULL (valid)" : "a problem");
	FUZZ_CHECK((pf == NULL) == rfilter, "topic_filter_problem(%s) = %s, expected %s",
			fz_show_n(s, len), pf ? pf : "NULL", rfilter ? "NULL (valid)" : "a problem");

	bool u = certacl_utf8_valid(s, len), ru = ref_utf8_valid(s, len);
	FUZZ_CHECK(u == ru, "certacl_utf8_valid(%s) = %d, expected %d", fz_show_n(s, len), u, ru);

	size_t nl = 1;
	for(size_t i = 0; i < len; i++) if(s[i] == '/') nl++;
	FUZZ_CHECK(topic_level_count(s, len) == nl, "topic_level_count(%s) = %zu, expected %zu",
			fz_show_n(s, len), topic_level_count(s, len), nl);

	/* certacl_name_problem: non-empty, <= 256 bytes, UTF-8, no C0/DEL/C1 controls,
	 * and for topic use none of '+', '#', '/'. */
	for(int ts = 0; ts < 2; ts++){
		bool ok = len > 0 && len <= CERTACL_IDENTITY_MAX && ru;
		for(size_t i = 0; ok && i < len; i++){
			unsigned char c = (unsigned char)s[i];
			if(c < 0x20 || c == 0x7F) ok = false;
			if(ts && (c == '+' || c == '#' || c == '/')) ok = false;
			if(c == 0xC2 && i + 1 < len && (unsigned char)s[i+1] >= 0x80
					&& (unsigned char)s[i+1] <= 0x9F) ok = false;
		}
		const char *p = certacl_name_problem(s, len, ts);
		FUZZ_CHECK((p == NULL) == ok, "certacl_name_problem(%s, topic_safe=%d) = %s, expected %s",
				fz_show_n(s, len), ts, p ? p : "NULL", ok ? "NULL" : "a problem");
	}
}

/* certacl_escape into buffers of exactly outsz bytes (ASan sees overflows):
 * NUL-terminated, no control characters, and a lossless copy when it fits. */
static void check_escape(const char *s, size_t len)
{
	size_t sizes[] = { 1, 2, 3, 4, 5, 6, 7, 9, 16, 33, len * 4 + 6 };
	for(size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++){
		size_t outsz = sizes[k];
		char *out = malloc(outsz);
		if(!out) abort();
		certacl_escape(s, len, out, outsz);
		size_t n = strnlen(out, outsz);
		FUZZ_CHECK(n < outsz, "certacl_escape(%s, %zu) not NUL-terminated", fz_show_n(s, len), outsz);
		for(size_t i = 0; i < n; i++){
			unsigned char c = (unsigned char)out[i];
			FUZZ_CHECK(c >= 0x20 && c != 0x7F, "certacl_escape(%s) output holds control 0x%02x",
					fz_show_n(s, len), c);
		}
		if(outsz >= len * 4 + 6){
			/* Undo the escapes: must give the input back. */
			char *back = malloc(len + 1);
			size_t b = 0;
			if(!back) abort();
			for(size_t i = 0; i < n; ){
				if(out[i] == '\\' && i + 3 < n && out[i+1] == 'x'){
					back[b++] = (char)strtoul((char[]){ out[i+2], out[i+3], 0 }, NULL, 16);
					i += 4;
				}else{
					back[b++] = out[i++];
				}
				FUZZ_CHECK(b <= len, "certacl_escape(%s) = %s is longer than the input",
						fz_show_n(s, len), fz_show(out));
			}
			FUZZ_CHECK(b == len && memcmp(back, s, len) == 0,
					"certacl_escape(%s) = %s does not unescape to the input",
					fz_show_n(s, len), fz_show(out));
			free(back);
		}
		free(out);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size);
	size_t alen = nl ? (size_t)(nl - data) : size;
	size_t blen = nl ? size - alen - 1 : 0;
	char *a = fz_strndup(data, alen);
	char *b = fz_strndup(nl ? nl + 1 : data + size, blen);

	check_one(a, alen);
	check_one(b, blen);
	if(alen <= 300) check_escape(a, alen);

	/* The differential checks need C strings: only for strings without NUL. */
	bool a_c = strlen(a) == alen, b_c = strlen(b) == blen;
	bool fa = a_c && ref_filter_valid(a, alen), fb = b_c && ref_filter_valid(b, blen);
	bool na = a_c && ref_name_valid(a, alen), nb = b_c && ref_name_valid(b, blen);

	if(fa && nb){
		bool m = topic_matches(a, b), e = ref_match_s(a, b);
		FUZZ_CHECK(m == e, "topic_matches(%s, %s) = %d, expected %d", fz_show(a), fz_show(b), m, e);
	}
	if(fb && na){
		bool m = topic_matches(b, a), e = ref_match_s(b, a);
		FUZZ_CHECK(m == e, "topic_matches(%s, %s) = %d, expected %d", fz_show(b), fz_show(a), m, e);
	}
	if(fa && fb) check_filters(a, b);
	if(a_c) check_share(a);
	if(b_c) check_share(b);
	if(fa && fb){
		/* A shared subscription is checked as its filter. */
		const char *g1, *g2;
		size_t l1, l2;
		const char *sa = topic_strip_share(a, &g1, &l1), *sb = topic_strip_share(b, &g2, &l2);
		if(sa && sb && (sa != a || sb != b)) check_filters(sa, sb);
	}
	free(a);
	free(b);
	return 0;
}
