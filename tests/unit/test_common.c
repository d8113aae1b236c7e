/* Unit tests of plugin/core/common.c: strict UTF-8, name safety, escaping for
 * log lines, and "file:line: message" errors. */
#include <stdio.h>

#include "unit_util.h"

#define L(lit) lit, sizeof(lit) - 1

typedef struct {
	const char *s;
	size_t len;
	bool valid;
} utf8_case;

static void test_utf8_valid(void **state)
{
	(void)state;
	static const utf8_case cases[] = {
		{ "", 0, true },
		{ L("plain ascii /+#$"), true },
		{ L("\x7f"), true },                  /* DEL is valid UTF-8 */
		{ L("\xc2\x80"), true },              /* U+0080, smallest 2-byte */
		{ L("\xc3\xa9"), true },              /* é */
		{ L("\xdf\xbf"), true },              /* U+07FF */
		{ L("\xe0\xa0\x80"), true },          /* U+0800, smallest 3-byte */
		{ L("\xe2\x82\xac"), true },          /* € */
		{ L("\xed\x9f\xbf"), true },          /* U+D7FF, just below surrogates */
		{ L("\xee\x80\x80"), true },          /* U+E000, just above */
		{ L("\xef\xbf\xbf"), true },          /* U+FFFF */
		{ L("\xf0\x90\x80\x80"), true },      /* U+10000, smallest 4-byte */
		{ L("\xf0\x9f\x98\x80"), true },      /* emoji */
		{ L("\xf4\x8f\xbf\xbf"), true },      /* U+10FFFF, the largest */
		{ L("a\0b"), false },                 /* NUL inside */
		{ L("\0"), false },
		{ L("\xc0\x80"), false },             /* overlong NUL */
		{ L("\xc0\xaf"), false },             /* overlong '/' */
		{ L("\xc1\xbf"), false },             /* overlong */
		{ L("\xe0\x80\xaf"), false },         /* overlong '/', 3 bytes */
		{ L("\xe0\x9f\xbf"), false },         /* overlong U+07FF */
		{ L("\xf0\x80\x80\xaf"), false },     /* overlong '/', 4 bytes */
		{ L("\xf0\x8f\xbf\xbf"), false },     /* overlong U+FFFF */
		{ L("\xed\xa0\x80"), false },         /* U+D800 */
		{ L("\xed\xaf\xbf"), false },         /* U+DBFF */
		{ L("\xed\xb0\x80"), false },         /* U+DC00 */
		{ L("\xed\xbf\xbf"), false },         /* U+DFFF */
		{ L("\xed\xa0\xbd\xed\xb8\x80"), false }, /* CESU-8 surrogate pair */
		{ L("\xf4\x90\x80\x80"), false },     /* U+110000 */
		{ L("\xf5\x80\x80\x80"), false },
		{ L("\xf8\x88\x80\x80\x80"), false }, /* 5-byte form */
		{ L("\xfe"), false },
		{ L("\xff"), false },
		{ L("\x80"), false },                 /* lone continuation */
		{ L("\xbf"), false },
		{ L("\xc3"), false },                 /* truncated */
		{ L("\xe2\x82"), false },
		{ L("\xf0\x9f\x98"), false },
		{ L("\xc3\x28"), false },             /* bad continuation */
		{ L("\xe2\x28\xa1"), false },
		{ L("\xe2\x82\x28"), false },
		{ L("\xf0\x9f\x28\x80"), false },
		{ L("ok\xc3\xa9ok\xff"), false },     /* bad byte at the end */
	};
	for(size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++){
		bool got = certacl_utf8_valid(cases[i].s, cases[i].len);
		if(got != cases[i].valid){
			print_error("certacl_utf8_valid case %zu = %d, expected %d\n", i, got, cases[i].valid);
			fail();
		}
	}
	/* the length bounds the check: a sequence cut by len is invalid */
	assert_false(certacl_utf8_valid("\xc3\xa9", 1));
	assert_true(certacl_utf8_valid("ab\xff", 2));
	assert_false(certacl_utf8_valid("\xf0\x9f\x98\x80", 3));
}

/* Every code point encodes to valid UTF-8, except surrogates and U+0000. */
static void test_utf8_all_code_points(void **state)
{
	(void)state;
	unsigned char b[4];
	for(unsigned cp = 0; cp <= 0x10FFFF; cp++){
		size_t n;
		if(cp < 0x80){ b[0] = (unsigned char)cp; n = 1; }
		else if(cp < 0x800){ b[0] = (unsigned char)(0xC0 | (cp >> 6)); b[1] = (unsigned char)(0x80 | (cp & 0x3F)); n = 2; }
		else if(cp < 0x10000){
			b[0] = (unsigned char)(0xE0 | (cp >> 12)); b[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
			b[2] = (unsigned char)(0x80 | (cp & 0x3F)); n = 3;
		}else{
			b[0] = (unsigned char)(0xF0 | (cp >> 18)); b[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
			b[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F)); b[3] = (unsigned char)(0x80 | (cp & 0x3F)); n = 4;
		}
		bool expect = cp != 0 && !(cp >= 0xD800 && cp <= 0xDFFF);
		if(certacl_utf8_valid((const char *)b, n) != expect){
			print_error("code point U+%04X: got %d\n", cp, !expect);
			fail();
		}
	}
}

static void test_name_problem(void **state)
{
	(void)state;
	char name[CERTACL_IDENTITY_MAX + 2];
	memset(name, 'n', sizeof(name));

	assert_null(certacl_name_problem(L("alice"), true));
	assert_null(certacl_name_problem(L("John Smith"), true));
	assert_null(certacl_name_problem(L("$SYS"), true));
	assert_null(certacl_name_problem(L("Ger\xc3\xa4t-\xe2\x82\xac"), true));
	assert_null(certacl_name_problem(L("CN=a,O=b"), true));
	assert_null(certacl_name_problem(name, CERTACL_IDENTITY_MAX, true));
	assert_contains(certacl_name_problem(name, CERTACL_IDENTITY_MAX + 1, true), "256");
	assert_contains(certacl_name_problem("", 0, true), "empty");
	assert_contains(certacl_name_problem(NULL, 0, false), "empty");
	assert_contains(certacl_name_problem(L("a\0b"), false), "NUL");
	assert_contains(certacl_name_problem(L("a\xffz"), false), "UTF-8");
	assert_contains(certacl_name_problem(L("\xc0\xaf"), false), "UTF-8");
	assert_contains(certacl_name_problem(L("\xed\xa0\x80"), false), "UTF-8");
	static const char *const controls[] = { "\x01", "a\nb", "tab\there", "cr\r", "\x1f", "del\x7f",
		"c1\xc2\x80", "c1\xc2\x85", "c1\xc2\x9f", "\x1b[31m" };
	for(size_t i = 0; i < sizeof(controls) / sizeof(controls[0]); i++){
		const char *why = certacl_name_problem(controls[i], strlen(controls[i]), false);
		if(!why || !strstr(why, "control")){
			print_error("control case %zu: %s\n", i, why ? why : "accepted");
			fail();
		}
	}
	/* U+00A0 (C2 A0) is not a control character */
	assert_null(certacl_name_problem(L("nb\xc2\xa0sp"), true));
	/* topic_safe decides about '+', '#' and '/' only */
	static const char *const unsafe[] = { "a/b", "/", "+", "a+b", "#", "a#", "evil+#/x" };
	for(size_t i = 0; i < sizeof(unsafe) / sizeof(unsafe[0]); i++){
		assert_null(certacl_name_problem(unsafe[i], strlen(unsafe[i]), false));
		const char *why = certacl_name_problem(unsafe[i], strlen(unsafe[i]), true);
		assert_non_null(why);
		assert_contains(why, "wildcard");
	}
}

/* ---- certacl_escape ---- */

static void escape_eq(const char *in, size_t len, size_t outsz, const char *expect)
{
	char out[512];
	memset(out, '@', sizeof(out));
	assert_true(outsz <= sizeof(out) - 8);
	certacl_escape(in, len, out, outsz);
	if(strcmp(out, expect) != 0){
		print_error("certacl_escape('%.*s', outsz %zu) = '%s', expected '%s'\n",
				(int)len, in, outsz, out, expect);
		fail();
	}
	for(size_t i = outsz; i < sizeof(out); i++) assert_int_equal(out[i], '@');
}

static void test_escape(void **state)
{
	(void)state;
	escape_eq(L("alice"), 64, "alice");
	escape_eq("", 0, 64, "");
	escape_eq(L("a\nb"), 64, "a\\x0ab");
	escape_eq(L("\x01\x1f\x7f"), 64, "\\x01\\x1f\\x7f");
	/* C1 controls, line/paragraph separators and broken UTF-8 cannot forge a
	 * log line; ordinary UTF-8 is shown as is */
	escape_eq(L("ab\xc2\x85" "cd"), 64, "ab\\xc2\\x85cd");
	escape_eq(L("a\xe2\x80\xa8" "b\xe2\x80\xa9"), 64, "a\\xe2\\x80\\xa8b\\xe2\\x80\\xa9");
	escape_eq(L("x\xff\xc3"), 64, "x\\xff\\xc3");
	escape_eq(L("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"), 64, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
	escape_eq(L("back\\slash"), 64, "back\\x5cslash");
	escape_eq(L("it's"), 64, "it\\x27s");
	escape_eq(L("a\0b"), 64, "a\\x00b");           /* NUL inside len is shown */
	escape_eq(L("Ger\xc3\xa4t"), 64, "Ger\xc3\xa4t"); /* UTF-8 kept */
	escape_eq(L("evil+#/x"), 64, "evil+#/x");
	escape_eq("abc", 2, 64, "ab");                  /* only len bytes */
	/* too long: a prefix, then "...", within outsz (a escape is never cut) */
	static const struct { const char *in; size_t outsz; const char *full; } cut[] = {
		{ "abcdefghijklmnopqrstuvwxyz", 10, "abcdefghijklmnopqrstuvwxyz" },
		{ "\n\n\n\n\n\n", 13, "\\x0a\\x0a\\x0a\\x0a\\x0a\\x0a" },
		{ "ab\ncd", 9, "ab\\x0acd" },
	};
	for(size_t i = 0; i < sizeof(cut) / sizeof(cut[0]); i++){
		char out[64];
		memset(out, '@', sizeof(out));
		certacl_escape(cut[i].in, strlen(cut[i].in), out, cut[i].outsz);
		size_t n = strlen(out);
		assert_true(n < cut[i].outsz);
		assert_true(n >= 3);
		assert_string_equal(out + n - 3, "...");
		assert_memory_equal(out, cut[i].full, n - 3);
		/* the kept part is the escape of a prefix of the input (no escape cut) */
		bool found = false;
		for(size_t k = 0; k <= strlen(cut[i].in) && !found; k++){
			char pre[128];
			certacl_escape(cut[i].in, k, pre, sizeof(pre));
			found = strlen(pre) == n - 3 && memcmp(pre, out, n - 3) == 0;
		}
		assert_true(found);
	}
}

/* Whatever the input and size, the output is NUL-terminated inside outsz, is a
 * prefix of the full escape (plus "..." when cut), and nothing past outsz is
 * written. */
static void test_escape_bounds(void **state)
{
	(void)state;
	static const char in[] = "ab\ncd'\\ef\x01gh\xc3\xa9ij\x7fkl";
	const size_t len = sizeof(in) - 1;
	char full[256];
	certacl_escape(in, len, full, sizeof(full));
	assert_string_equal(full, "ab\\x0acd\\x27\\x5cef\\x01gh\xc3\xa9ij\\x7fkl");
	for(size_t outsz = 4; outsz < 60; outsz++){
		char out[80];
		memset(out, '@', sizeof(out));
		certacl_escape(in, len, out, outsz);
		for(size_t i = outsz; i < sizeof(out); i++) assert_int_equal(out[i], '@');
		size_t n = strnlen(out, outsz);
		assert_true(n < outsz);
		if(strcmp(out, full) == 0) continue;
		/* cut: some prefix of `full` then possibly "..." */
		size_t k = 0;
		while(k < n && out[k] == full[k]) k++;
		if(k < n) assert_string_equal(out + k, "...");
	}
}

/* Regression test (fixed in a1ec5b2): before it, the "..." of certacl_escape (common.c)
 * was wrong at the edges.
 * 1. It is appended whenever fewer than 5 bytes are left in `out` after the
 *    loop, even when the whole input was copied: certacl_escape("abcde", 5,
 *    out, 10) gives "abcde..." instead of "abcde" (the condition
 *    `if(o + 5 >= outsz && len > 0 && ...)` does not check that input is left,
 *    i < len).
 * 2. It is left out when exactly 4 bytes are left: escaping six "\n" into 12
 *    bytes gives "\x0a\x0a" (cut, no "...") although "\x0a\x0a..." fits in
 *    12 bytes with its NUL (the guard `o < outsz - 4` should be o + 3 < outsz). */
static void test_escape_ellipsis_edges(void **state)
{
	(void)state;
	escape_eq(L("abcde"), 10, "abcde");
	escape_eq(L("abcdefgh"), 16, "abcdefgh");
	escape_eq(L("x"), 5, "x");
	escape_eq(L("\n\n\n\n\n\n"), 12, "\\x0a\\x0a...");
	escape_eq(L("abcdefghij"), 4, "...");
	/* any cut text ends with "..." once there is room for it (outsz >= 4) */
	static const char in[] = "ab\ncd'\\ef\x01gh\xc3\xa9ij\x7fkl";
	for(size_t outsz = 4; outsz < 40; outsz++){
		char out[64], full[128];
		certacl_escape(in, sizeof(in) - 1, full, sizeof(full));
		certacl_escape(in, sizeof(in) - 1, out, outsz);
		if(strcmp(out, full) == 0) continue;
		size_t n = strlen(out);
		if(n < 3 || strcmp(out + n - 3, "...") != 0){
			print_error("outsz %zu: cut without '...': '%s'\n", outsz, out);
			fail();
		}
	}
}

/* Regression test (fixed in a1ec5b2): before it, certacl_escape wrote past `out` when
 * outsz was 1, 2 or 3: the guard `o < outsz - 4` underflowed (size_t) so "..."
 * (3 bytes) and the NUL were written at out[0..3]. The test uses guard bytes (not a short buffer) so that
 * the bug shows as an assertion, not as a sanitizer abort. */
static void test_escape_tiny_buffer(void **state)
{
	(void)state;
	for(size_t outsz = 1; outsz <= 4; outsz++){
		char out[16];
		memset(out, '@', sizeof(out));
		certacl_escape(L("abcdef"), out, outsz);
		assert_true(memchr(out, '\0', outsz) != NULL);
		for(size_t i = outsz; i < sizeof(out); i++){
			if(out[i] != '@'){
				print_error("outsz %zu: byte %zu written ('%c')\n", outsz, i, out[i]);
				fail();
			}
		}
	}
	char one = '@';
	certacl_escape("", 0, &one, 1);
	assert_int_equal(one, '\0');
	char zero = '@';
	certacl_escape("abc", 3, &zero, 0); /* nothing may be written */
	assert_int_equal(zero, '@');
}

/* ---- certacl_error_set ---- */

static void test_error_set(void **state)
{
	(void)state;
	certacl_error err;
	certacl_error_set(&err, "acl.conf", 12, "bad %s %d", "thing", 7);
	assert_string_equal(err.text, "acl.conf:12: bad thing 7");
	certacl_error_set(&err, "acl.conf", 0, "cannot open");
	assert_string_equal(err.text, "acl.conf: cannot open");
	certacl_error_set(&err, NULL, 3, "x");
	assert_string_equal(err.text, "?:3: x");
	certacl_error_set(NULL, "f", 1, "ignored"); /* no crash */

	char big[3000];
	memset(big, 'm', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	certacl_error_set(&err, "f", 1, "%s", big);
	assert_int_equal(strlen(err.text), sizeof(err.text) - 1);
	assert_memory_equal(err.text, "f:1: mmm", 8);
	certacl_error_set(&err, big, 1, "tail");
	assert_int_equal(strlen(err.text), sizeof(err.text) - 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utf8_valid),
		cmocka_unit_test(test_utf8_all_code_points),
		cmocka_unit_test(test_name_problem),
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_escape_bounds),
		cmocka_unit_test(test_escape_ellipsis_edges),
		cmocka_unit_test(test_escape_tiny_buffer),
		cmocka_unit_test(test_error_set),
	};
	return cmocka_run_group_tests_name("common", tests, NULL, NULL);
}
