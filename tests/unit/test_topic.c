/* Unit tests of plugin/core/topic.c: topic names and filters, matching,
 * filter-vs-filter overlap and cover, shared subscriptions. */
#include <stdio.h>

#include "certacl/topic.h"
#include "unit_util.h"

/* ---- topic_name_problem / topic_filter_problem ---- */

typedef struct {
	const char *s;
	size_t len; /* 0: strlen(s) unless s is "" */
	const char *why; /* NULL: valid; otherwise a word of the expected message */
} name_case;

#define L(lit) lit, sizeof(lit) - 1

static void check_names(const name_case *cases, size_t n, bool filter)
{
	for(size_t i = 0; i < n; i++){
		const char *got = filter ? topic_filter_problem(cases[i].s, cases[i].len)
			: topic_name_problem(cases[i].s, cases[i].len);
		if(!cases[i].why){
			if(got){
				print_error("case %zu (%.*s): unexpected problem '%s'\n", i,
						(int)cases[i].len, cases[i].s, got);
				fail();
			}
		}else{
			if(!got){
				print_error("case %zu (%.*s): accepted, expected '%s'\n", i,
						(int)cases[i].len, cases[i].s, cases[i].why);
				fail();
			}
			assert_contains(got, cases[i].why);
		}
	}
}

static void test_topic_name_problem(void **state)
{
	(void)state;
	static const name_case cases[] = {
		{ L("a"), NULL },
		{ L("a/b/c"), NULL },
		{ L("/"), NULL },
		{ L("a/"), NULL },
		{ L("/a"), NULL },
		{ L("a//b"), NULL },
		{ L("$SYS/broker/load"), NULL },
		{ L("$share/g/a"), NULL }, /* a valid name; decide.c refuses it */
		{ L("a b"), NULL },
		{ L("spBv1.0/G/NDATA/E"), NULL },
		{ L("\xc3\xa9t\xc3\xa9/\xe2\x82\xac/\xf0\x9f\x98\x80"), NULL }, /* é, €, emoji */
		{ "", 0, "empty" },
		{ L("a\0b"), "NUL" },
		{ L("\0"), "NUL" },
		{ L("a+"), "wildcard" },
		{ L("+"), "wildcard" },
		{ L("a/#"), "wildcard" },
		{ L("#"), "wildcard" },
		{ L("a/+/b"), "wildcard" },
		{ L("\xc0\xaf"), "UTF-8" },           /* overlong '/' */
		{ L("a/\xe0\x80\xaf"), "UTF-8" },     /* overlong, 3 bytes */
		{ L("\xf0\x80\x80\xaf"), "UTF-8" },   /* overlong, 4 bytes */
		{ L("\xed\xa0\x80"), "UTF-8" },       /* surrogate U+D800 */
		{ L("\xed\xbf\xbf"), "UTF-8" },       /* surrogate U+DFFF */
		{ L("\xf4\x90\x80\x80"), "UTF-8" },   /* above U+10FFFF */
		{ L("\xff"), "UTF-8" },
		{ L("a\xc3"), "UTF-8" },              /* truncated sequence */
		{ L("\x80"), "UTF-8" },               /* lone continuation byte */
	};
	check_names(cases, sizeof(cases) / sizeof(cases[0]), false);
	assert_non_null(topic_name_problem(NULL, 0));
	assert_non_null(topic_name_problem(NULL, 3));
	/* The length given is what counts: "a/b" cut at 1 is "a". */
	assert_null(topic_name_problem("a+", 1));
}

static void test_topic_length_limit(void **state)
{
	(void)state;
	char *big = malloc(CERTACL_TOPIC_MAX + 2);
	assert_non_null(big);
	memset(big, 'x', CERTACL_TOPIC_MAX + 1);
	big[CERTACL_TOPIC_MAX + 1] = '\0';
	assert_null(topic_name_problem(big, CERTACL_TOPIC_MAX));
	assert_null(topic_filter_problem(big, CERTACL_TOPIC_MAX));
	assert_non_null(topic_name_problem(big, CERTACL_TOPIC_MAX + 1));
	assert_non_null(topic_filter_problem(big, CERTACL_TOPIC_MAX + 1));
	free(big);
}

static void test_topic_filter_problem(void **state)
{
	(void)state;
	static const name_case cases[] = {
		{ L("a"), NULL },
		{ L("#"), NULL },
		{ L("+"), NULL },
		{ L("a/#"), NULL },
		{ L("a/+"), NULL },
		{ L("+/+"), NULL },
		{ L("+/#"), NULL },
		{ L("/+/"), NULL },
		{ L("a/+/b/#"), NULL },
		{ L("/#"), NULL },
		{ L("$SYS/#"), NULL },
		{ L("$share/g/a/#"), NULL },
		{ L("a//b"), NULL },
		{ L("\xc3\xa9/+"), NULL },
		{ "", 0, "empty" },
		{ L("a\0/#"), "NUL" },
		{ L("a+"), "'+'" },
		{ L("+a"), "'+'" },
		{ L("a/+b/c"), "'+'" },
		{ L("++"), "'+'" },
		{ L("a/#/b"), "'#'" },
		{ L("#/a"), "'#'" },
		{ L("#a"), "'#'" },
		{ L("a#"), "'#'" },
		{ L("a/b#"), "'#'" },
		{ L("##"), "'#'" },
		{ L("a/#/"), "'#'" },
		{ L("\xc0\xaf/#"), "UTF-8" },
		{ L("\xed\xa0\x80/+"), "UTF-8" },
		{ L("+/\xf8\x88\x80\x80\x80"), "UTF-8" },
	};
	check_names(cases, sizeof(cases) / sizeof(cases[0]), true);
	assert_non_null(topic_filter_problem(NULL, 0));
}

static void test_topic_level_count(void **state)
{
	(void)state;
	assert_int_equal(topic_level_count(L("a")), 1);
	assert_int_equal(topic_level_count(L("a/b")), 2);
	assert_int_equal(topic_level_count("", 0), 1);
	assert_int_equal(topic_level_count(L("/")), 2);
	assert_int_equal(topic_level_count(L("a//b/")), 4);
	assert_int_equal(topic_level_count(L("+/+/#")), 3);
	assert_int_equal(topic_level_count("a/b/c", 3), 2); /* only len bytes count */
}

/* ---- topic_matches ---- */

typedef struct {
	const char *a, *b;
	bool expect;
} pair_case;

static void test_topic_matches_table(void **state)
{
	(void)state;
	static const pair_case cases[] = {
		/* filter, topic, matches */
		{ "a/b", "a/b", true },
		{ "a/b", "a/c", false },
		{ "a/b", "a", false },
		{ "a", "a/b", false },
		{ "A", "a", false },
		{ "a/+", "a/b", true },
		{ "a/+", "a/b/c", false },
		{ "a/+", "a", false },
		{ "a/+", "a/", true },      /* '+' matches an empty level */
		{ "+/+", "/", true },
		{ "+", "/", false },
		{ "+/a", "/a", true },
		{ "a/+/c", "a//c", true },
		{ "+/+/+", "a/b", false },
		{ "a/#", "a", true },       /* '#' also matches the parent level */
		{ "a/#", "a/", true },
		{ "a/#", "a/b/c/d", true },
		{ "a/#", "ab", false },
		{ "a/#", "b/a", false },
		{ "a/b/#", "a", false },
		{ "#", "a", true },
		{ "#", "a/b/c", true },
		{ "#", "/", true },
		{ "/#", "/a/b", true },
		{ "/#", "a", false },
		{ "/a", "/a", true },
		{ "/a", "a", false },
		{ "a/", "a", false },
		{ "a", "a/", false },
		{ "a/b", "a/b/", false },
		{ "+/#", "a", true },
		/* '$' topics: wildcards in the first level never match them */
		{ "#", "$SYS/x", false },
		{ "#", "$SYS", false },
		{ "#", "$", false },
		{ "+/x", "$SYS/x", false },
		{ "+/#", "$SYS", false },
		{ "+/#", "$SYS/broker/load", false },
		{ "+", "$x", false },
		{ "$SYS/#", "$SYS/x", true },
		{ "$SYS/#", "$SYS", true },
		{ "$SYS/+", "$SYS/x", true },
		{ "$SYS/+/load", "$SYS/broker/load", true },
		{ "$SYS/x", "$SYS/x", true },
		{ "a/+", "a/$x", true },    /* '$' only matters in the first level */
		{ "a/#", "a/$x/y", true },
		{ "#", "a/$x", true },
		{ "+/$x", "a/$x", true },
		{ "STATE/+", "STATE/host1", true },
		{ "STATE/+", "STATE/host1/x", false },
		{ "spBv1.0/#", "spBv1.0/G/NDATA/E", true },
	};
	for(size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++){
		bool got = topic_matches(cases[i].a, cases[i].b);
		if(got != cases[i].expect){
			print_error("topic_matches('%s', '%s') = %d, expected %d\n",
					cases[i].a, cases[i].b, got, cases[i].expect);
			fail();
		}
	}
}

/* "l/l/.../l" with n levels (caller frees). */
static char *repeat_levels(const char *level, size_t n)
{
	size_t ll = strlen(level);
	char *s = malloc(n * (ll + 1) + 1);
	assert_non_null(s);
	char *o = s;
	for(size_t i = 0; i < n; i++){
		if(i) *o++ = '/';
		memcpy(o, level, ll);
		o += ll;
	}
	*o = '\0';
	return s;
}

static void test_topic_matches_deep(void **state)
{
	(void)state;
	char *topic = repeat_levels("lvl", 1000);
	char *plus1000 = repeat_levels("+", 1000);
	char *plus999 = repeat_levels("+", 999);
	char *plus1001 = repeat_levels("+", 1001);
	char *lit999 = repeat_levels("lvl", 999);
	size_t l999 = strlen(lit999);
	char *lit999hash = malloc(l999 + 3);
	assert_non_null(lit999hash);
	memcpy(lit999hash, lit999, l999);
	memcpy(lit999hash + l999, "/#", 3);

	assert_null(topic_name_problem(topic, strlen(topic)));
	assert_int_equal(topic_level_count(topic, strlen(topic)), 1000);
	assert_true(topic_matches(topic, topic));
	assert_true(topic_matches("#", topic));
	assert_true(topic_matches("lvl/#", topic));
	assert_true(topic_matches(plus1000, topic));
	assert_false(topic_matches(plus999, topic));
	assert_false(topic_matches(plus1001, topic));
	assert_true(topic_matches(lit999hash, topic));
	assert_true(topic_matches(lit999hash, lit999)); /* '#' matches the parent */
	assert_false(topic_matches(lit999, topic));
	assert_false(topic_matches(topic, lit999));
	/* a difference in the very last level */
	topic[strlen(topic) - 1] = 'X';
	char *orig = repeat_levels("lvl", 1000);
	assert_false(topic_matches(orig, topic));
	assert_true(topic_matches(plus1000, topic));
	assert_true(filter_overlaps(plus1000, orig));
	assert_true(filter_covers(plus1000, orig));
	assert_false(filter_covers(orig, plus1000));
	assert_true(filter_covers("#", plus1000));
	free(orig);
	free(topic);
	free(plus1000);
	free(plus999);
	free(plus1001);
	free(lit999);
	free(lit999hash);
}

/* ---- filter_overlaps / filter_covers ---- */

static void test_filter_overlaps_table(void **state)
{
	(void)state;
	static const pair_case cases[] = {
		{ "a/b", "a/b", true },
		{ "a/b", "a/c", false },
		{ "a/+", "a/b", true },
		{ "+/+", "a/#", true },
		{ "+/b", "a/+", true },
		{ "#", "a", true },
		{ "#", "#", true },
		{ "#", "+", true },
		{ "a/#", "a", true },
		{ "a/#", "a/", true },
		{ "a/", "a/+", true },
		{ "/+", "+/", true },
		{ "x/#", "+/y/z", true },
		{ "a/+", "a", false },
		{ "a/+/#", "a", false },
		{ "a/+", "a/b/c", false },
		{ "a/#", "b/#", false },
		{ "+", "a/b", false },
		{ "a/b/c", "a/+/d", false },
		{ "a", "a/b", false },
		{ "a/b", "a/b/+", false },
		/* '$' */
		{ "#", "$SYS/x", false },
		{ "#", "$SYS/#", false },
		{ "+/#", "$SYS/#", false },
		{ "$SYS/+", "+/+", false },
		{ "$SYS", "#", false },
		{ "$SYS", "+", false },
		{ "$SYS", "$SYS", true },
		{ "$SYS/#", "$SYS/x", true },
		{ "$SYS/#", "$SYS", true },
		{ "$SYS/+", "$SYS/#", true },
		{ "$SYS/#", "$other/#", false },
		{ "a/$x", "a/+", true },
		{ "a/#", "a/$x/y", true },
		{ "STATE/+", "STATE/#", true },
		{ "spBv1.0/#", "spBv1.0/+/NCMD/+", true },
		{ "STATE/+", "spBv1.0/#", false },
	};
	for(size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++){
		bool ab = filter_overlaps(cases[i].a, cases[i].b);
		bool ba = filter_overlaps(cases[i].b, cases[i].a);
		if(ab != cases[i].expect || ba != cases[i].expect){
			print_error("filter_overlaps('%s', '%s') = %d / reversed %d, expected %d\n",
					cases[i].a, cases[i].b, ab, ba, cases[i].expect);
			fail();
		}
	}
}

static void test_filter_covers_table(void **state)
{
	(void)state;
	static const pair_case cases[] = {
		/* outer, inner */
		{ "#", "a", true },
		{ "#", "a/#", true },
		{ "#", "#", true },
		{ "#", "+/+", true },
		{ "+", "+", true },
		{ "+", "a", true },
		{ "+", "#", false },
		{ "+", "a/b", false },
		{ "a/#", "a", true },
		{ "a/#", "a/#", true },
		{ "a/#", "a/b/+", true },
		{ "a/#", "#", false },
		{ "a/#", "+/b", false },
		{ "a", "a/#", false },
		{ "a", "+", false },
		{ "a/+", "a/b", true },
		{ "a/+", "a/+", true },
		{ "a/+", "a/", true },
		{ "a/+", "a/#", false },
		{ "a/+", "a", false },
		{ "a/b", "a/+", false },
		{ "a/b", "a/b", true },
		{ "a/b", "a/b/c", false },
		{ "a/b/c", "a/b", false },
		{ "+/+", "a/#", false },
		{ "+/#", "/a", true },
		{ "+/#", "a", true },
		{ "a/+/#", "a/b", true },
		{ "a/+/#", "a", false },
		/* '$' */
		{ "#", "$SYS/x", false },
		{ "#", "$SYS/#", false },
		{ "+/#", "$SYS/#", false },
		{ "+", "$SYS", false },
		{ "+/+", "$SYS/x", false },
		{ "$SYS/#", "$SYS/a/+", true },
		{ "$SYS/#", "$SYS", true },
		{ "$SYS/+", "$SYS/x", true },
		{ "$SYS/x", "$SYS/+", false },
		{ "#", "a/$x", true },
		{ "+/+", "a/$x", true },
	};
	for(size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++){
		bool got = filter_covers(cases[i].a, cases[i].b);
		if(got != cases[i].expect){
			print_error("filter_covers('%s', '%s') = %d, expected %d\n",
					cases[i].a, cases[i].b, got, cases[i].expect);
			fail();
		}
		/* covering implies overlapping */
		if(got) assert_true(filter_overlaps(cases[i].a, cases[i].b));
	}
}

/* Brute force: every filter of up to 3 levels over {a, "", $s, +, #} against
 * every topic of up to 4 levels over {a, "", $s, z}. overlaps(a, b) must equal
 * "some topic matches both"; covers(o, i) must equal "every topic matching i
 * matches o". A fourth topic level and the fresh literal z are enough to find a
 * counterexample for filters of three levels. */
#define NTOPICS_MAX 400
#define NFILTERS_MAX 300

static size_t gen(char (*out)[32], size_t max, const char *const *alpha, size_t nalpha,
		size_t levels, bool filters)
{
	size_t n = 0;
	size_t idx[4];
	for(size_t depth = 1; depth <= levels; depth++){
		size_t total = 1;
		for(size_t d = 0; d < depth; d++) total *= nalpha;
		for(size_t k = 0; k < total; k++){
			size_t v = k;
			for(size_t d = 0; d < depth; d++){ idx[d] = v % nalpha; v /= nalpha; }
			char buf[32] = "";
			bool ok = true;
			for(size_t d = 0; d < depth; d++){
				const char *lv = alpha[idx[d]];
				if(strcmp(lv, "#") == 0 && d + 1 != depth) ok = false;
				if(d) strcat(buf, "/");
				strcat(buf, lv);
			}
			if(!ok || buf[0] == '\0') continue; /* "" is neither a name nor a filter */
			if(filters) assert_null(topic_filter_problem(buf, strlen(buf)));
			else assert_null(topic_name_problem(buf, strlen(buf)));
			assert_true(n < max);
			strcpy(out[n++], buf);
		}
	}
	return n;
}

static void test_filter_relations_brute_force(void **state)
{
	(void)state;
	static const char *const falpha[] = { "a", "", "$s", "+", "#" };
	static const char *const talpha[] = { "a", "", "$s", "z" };
	char (*filters)[32] = calloc(NFILTERS_MAX, 32);
	char (*topics)[32] = calloc(NTOPICS_MAX, 32);
	bool *m = calloc((size_t)NFILTERS_MAX * NTOPICS_MAX, sizeof(bool));
	assert_non_null(filters);
	assert_non_null(topics);
	assert_non_null(m);
	size_t nf = gen(filters, NFILTERS_MAX, falpha, 5, 3, true);
	size_t nt = gen(topics, NTOPICS_MAX, talpha, 4, 4, false);
	for(size_t f = 0; f < nf; f++){
		for(size_t t = 0; t < nt; t++) m[f * nt + t] = topic_matches(filters[f], topics[t]);
	}
	unsigned failures = 0;
	for(size_t a = 0; a < nf; a++){
		for(size_t b = 0; b < nf; b++){
			bool some = false, all = true;
			for(size_t t = 0; t < nt; t++){
				bool ma = m[a * nt + t], mb = m[b * nt + t];
				if(ma && mb) some = true;
				if(mb && !ma) all = false;
			}
			bool ov = filter_overlaps(filters[a], filters[b]);
			bool cv = filter_covers(filters[a], filters[b]);
			if(ov != some && failures++ < 10){
				print_error("filter_overlaps('%s', '%s') = %d, brute force %d\n",
						filters[a], filters[b], ov, some);
			}
			if(cv != all && failures++ < 10){
				print_error("filter_covers('%s', '%s') = %d, brute force %d\n",
						filters[a], filters[b], cv, all);
			}
		}
	}
	free(filters);
	free(topics);
	free(m);
	assert_int_equal(failures, 0);
}

/* Only valid topic names count: the empty topic "" does not exist, so "#" and
 * "+/#" match exactly the same names, "/#" and "/+/#" too, and "+" (one level)
 * shares no name with "/#" (at least two levels).
 * Regression test (fixed in a1ec5b2): topic.c before it let '#' match its parent level
 * even when that parent is the empty topic "" (filter_overlaps("+", "/#") was
 * true; filter_covers("+/#", "#"), ("/+/#", "/#"), ("+/+/#", "/#") false). */
static void test_filter_relations_empty_topic(void **state)
{
	(void)state;
	/* sanity of the model: "+/#" and "#" match the same valid names */
	static const char *const names[] = { "a", "/", "a/b", "/x", "a/b/c" };
	for(size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++){
		assert_int_equal(topic_matches("#", names[i]), topic_matches("+/#", names[i]));
		assert_int_equal(topic_matches("/#", names[i]), topic_matches("/+/#", names[i]));
		assert_false(topic_matches("+", names[i]) && topic_matches("/#", names[i]));
	}
	assert_true(filter_covers("+/#", "#"));
	assert_true(filter_covers("/+/#", "/#"));
	assert_true(filter_covers("+/+/#", "/#"));
	assert_false(filter_overlaps("+", "/#"));
	assert_false(filter_overlaps("/#", "+"));
}

/* ---- topic_strip_share ---- */

static void test_topic_strip_share(void **state)
{
	(void)state;
	const char *group = (const char *)1;
	size_t glen = 99;
	const char *f;

	f = topic_strip_share("$share/g/a/b", &group, &glen);
	assert_non_null(f);
	assert_string_equal(f, "a/b");
	assert_non_null(group);
	assert_int_equal(glen, 1);
	assert_memory_equal(group, "g", 1);

	f = topic_strip_share("$share/group-1/#", &group, &glen);
	assert_string_equal(f, "#");
	assert_int_equal(glen, 7);
	assert_memory_equal(group, "group-1", 7);

	f = topic_strip_share("$share/g/$SYS/#", &group, &glen);
	assert_string_equal(f, "$SYS/#");

	f = topic_strip_share("$share/g//x", &group, &glen);
	assert_string_equal(f, "/x");

	/* not shared: the filter itself, no group */
	static const char *const plain[] = { "a/b", "#", "$SYS/#", "$sharex/g/a", "$SHARE/g/a",
		"x/$share/g/a", "$share" };
	for(size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++){
		group = (const char *)1;
		glen = 99;
		f = topic_strip_share(plain[i], &group, &glen);
		assert_ptr_equal(f, plain[i]);
		assert_null(group);
		assert_int_equal(glen, 0);
	}

	/* malformed */
	static const char *const bad[] = { "$share/", "$share/g", "$share//a", "$share/g/",
		"$share/+/a", "$share/#/a", "$share/g+/a", "$share/a#/b" };
	for(size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++){
		group = (const char *)1;
		f = topic_strip_share(bad[i], &group, &glen);
		if(f){
			print_error("topic_strip_share('%s') accepted: '%s'\n", bad[i], f);
			fail();
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_topic_name_problem),
		cmocka_unit_test(test_topic_length_limit),
		cmocka_unit_test(test_topic_filter_problem),
		cmocka_unit_test(test_topic_level_count),
		cmocka_unit_test(test_topic_matches_table),
		cmocka_unit_test(test_topic_matches_deep),
		cmocka_unit_test(test_filter_overlaps_table),
		cmocka_unit_test(test_filter_covers_table),
		cmocka_unit_test(test_filter_relations_brute_force),
		cmocka_unit_test(test_filter_relations_empty_topic),
		cmocka_unit_test(test_topic_strip_share),
	};
	return cmocka_run_group_tests_name("topic", tests, NULL, NULL);
}
