/* Unit tests of plugin/core/idmap.c: the identity map (file format, exact and
 * glob entries, first match wins, groups, issuer pins, errors) and glob_match. */
#include <stdio.h>

#include "certacl/identity.h"
#include "unit_util.h"

static certacl_idmap *load(const char *text)
{
	certacl_error err;
	certacl_idmap *m = idmap_load_text("map.txt", text, strlen(text), &err);
	if(!m){
		print_error("map failed to load: %s\n", err.text);
		fail();
	}
	return m;
}

/* Expect a load error "map.txt:LINE: ..." containing `what`. */
static void expect_error(const char *text, size_t len, unsigned line, const char *what)
{
	certacl_error err;
	memset(&err, 0, sizeof(err));
	if(len == (size_t)-1) len = strlen(text);
	certacl_idmap *m = idmap_load_text("map.txt", text, len, &err);
	if(m){
		idmap_free(m);
		print_error("accepted, expected error at line %u (%s): %.200s\n", line, what, text);
		fail();
	}
	char prefix[64];
	snprintf(prefix, sizeof(prefix), "map.txt:%u: ", line);
	if(strncmp(err.text, prefix, strlen(prefix)) != 0){
		print_error("error '%s' does not start with '%s'\n", err.text, prefix);
		fail();
	}
	assert_contains(err.text + strlen(prefix), what);
}

/* Lookup: username (NULL = identity kept), or "-" for no entry. */
static void expect_map(const certacl_idmap *m, const char *identity, const char *username,
		unsigned line)
{
	const certacl_map_entry *e = idmap_lookup(m, identity);
	if(strcmp(username, "-") == 0){
		if(e){
			print_error("'%s' mapped by line %u, expected no entry\n", identity, e->line);
			fail();
		}
		return;
	}
	if(!e){
		print_error("'%s' not mapped, expected line %u\n", identity, line);
		fail();
	}
	if(e->line != line){
		print_error("'%s' mapped by line %u, expected line %u\n", identity, e->line, line);
		fail();
	}
	if(username[0] == '*' && username[1] == '\0') assert_null(e->username);
	else assert_string_equal(e->username, username);
	assert_string_equal(e->file, "map.txt");
}

static void test_formats(void **state)
{
	(void)state;
	certacl_idmap *m = load(
		"# identity map\n"                                    /* 1 */
		"   # indented comment\n"                             /* 2 */
		"\n"                                                  /* 3 */
		"device-01 alice\n"                                   /* 4 */
		"\"CN=Dev 2,O=Acme\" bob ops viewers\n"               /* 5 */
		"dev-* devices sparkplug\n"                           /* 6 */
		"plant?-hmi hmi\n"                                    /* 7 */
		"exact\\*star star\n"                                 /* 8 */
		"\"quoted \\\"q\\\" \\\\ back\" quser\n"              /* 9 */
		"sensor-* *\n"                                        /* 10 */
		"\tGer\xc3\xa4t-1 \t geraet\t\r\n"                    /* 11 */
		"mix\"ed wo\"rd mixed\n"                              /* 12 */
		"keep *  g1\n");                                      /* 13 */
	assert_int_equal(idmap_count(m), 10);
	expect_map(m, "device-01", "alice", 4);
	expect_map(m, "CN=Dev 2,O=Acme", "bob", 5);
	expect_map(m, "dev-9", "devices", 6);
	expect_map(m, "dev-", "devices", 6);
	expect_map(m, "plant1-hmi", "hmi", 7);
	expect_map(m, "plant12-hmi", "-", 0);
	expect_map(m, "plant-hmi", "-", 0);
	expect_map(m, "exact*star", "star", 8);
	expect_map(m, "exactXstar", "-", 0);
	expect_map(m, "exact\\*star", "-", 0);
	expect_map(m, "quoted \"q\" \\ back", "quser", 9);
	expect_map(m, "sensor-7", "*", 10);
	expect_map(m, "Ger\xc3\xa4t-1", "geraet", 11);
	expect_map(m, "mixed word", "mixed", 12);
	expect_map(m, "keep", "*", 13);
	expect_map(m, "device-1", "-", 0);
	expect_map(m, "DEVICE-01", "-", 0);
	expect_map(m, "", "-", 0);

	const certacl_map_entry *e = idmap_lookup(m, "CN=Dev 2,O=Acme");
	assert_int_equal(e->ngroups, 2);
	assert_string_equal(e->groups[0], "ops");
	assert_string_equal(e->groups[1], "viewers");
	assert_false(e->is_glob);
	assert_null(e->issuer);
	e = idmap_lookup(m, "dev-x");
	assert_true(e->is_glob);
	assert_string_equal(e->pattern, "dev-*");
	assert_int_equal(e->ngroups, 1);
	assert_string_equal(e->groups[0], "sparkplug");
	e = idmap_lookup(m, "exact*star");
	assert_false(e->is_glob);
	assert_string_equal(e->pattern, "exact*star");
	e = idmap_lookup(m, "keep");
	assert_int_equal(e->ngroups, 1);
	assert_string_equal(e->groups[0], "g1");
	e = idmap_lookup(m, "device-01");
	assert_int_equal(e->ngroups, 0);

	/* entries in file order */
	static const unsigned lines[] = { 4, 5, 6, 7, 8, 9, 10, 11, 12, 13 };
	for(size_t i = 0; i < 10; i++) assert_int_equal(idmap_entry_at(m, i)->line, lines[i]);
	assert_null(idmap_entry_at(m, 10));
	idmap_free(m);
	idmap_free(NULL);
}

static void test_empty_map(void **state)
{
	(void)state;
	certacl_idmap *m = load("");
	assert_int_equal(idmap_count(m), 0);
	assert_null(idmap_lookup(m, "x"));
	idmap_free(m);
	m = load("# only comments\n\n   \n");
	assert_int_equal(idmap_count(m), 0);
	idmap_free(m);
}

static void test_first_match_wins(void **state)
{
	(void)state;
	certacl_idmap *m = load(
		"dev-* group-a\n"     /* 1 */
		"dev-1 special\n"     /* 2: never reached, the glob above wins */
		"*-2 late\n"          /* 3 */
		"other-2 exact2\n"    /* 4: "*-2" above wins */
		"x exact-x\n"         /* 5 */
		"? any-one\n"         /* 6 */
		"* fallback\n");      /* 7 */
	expect_map(m, "dev-1", "group-a", 1);
	expect_map(m, "dev-2", "group-a", 1);
	expect_map(m, "other-2", "late", 3);
	expect_map(m, "x", "exact-x", 5);       /* exact before the globs that match it */
	expect_map(m, "y", "any-one", 6);
	expect_map(m, "yy", "fallback", 7);
	idmap_free(m);

	m = load(
		"dev-1 special\n"     /* 1 */
		"dev-* generic\n"     /* 2 */
		"dev-3 three\n");     /* 3: after the glob: unreachable */
	expect_map(m, "dev-1", "special", 1);
	expect_map(m, "dev-2", "generic", 2);
	expect_map(m, "dev-3", "generic", 2);
	idmap_free(m);
}

static void test_issuer_pins(void **state)
{
	(void)state;
	char text[512];
	snprintf(text, sizeof(text),
			"dev-1 u1 issuer=\"CN=Plant CA,O=Example\"\n"
			"dev-2 u2 g1 g2 \"issuer=CN=Other CA\"\n"
			"dev-3 u3 issuer=sha256:%s\n"
			"dev-4 u4 issuer=sha256:%s\n",
			"00112233445566778899aabbccddeeff00112233445566778899AABBCCDDEEFF",
			"00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff:00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff");
	certacl_idmap *m = load(text);
	const certacl_map_entry *e = idmap_lookup(m, "dev-1");
	assert_string_equal(e->issuer, "CN=Plant CA,O=Example");
	assert_int_equal(e->ngroups, 0);
	e = idmap_lookup(m, "dev-2");
	assert_string_equal(e->issuer, "CN=Other CA");
	assert_int_equal(e->ngroups, 2);
	assert_string_equal(e->groups[1], "g2");
	e = idmap_lookup(m, "dev-3");
	assert_non_null(e->issuer);
	assert_memory_equal(e->issuer, "sha256:", 7);
	assert_non_null(idmap_lookup(m, "dev-4")->issuer);
	idmap_free(m);

	expect_error("a u issuer=nonsense\n", (size_t)-1, 1, "issuer pin");
	expect_error("a u issuer=sha256:0011\n", (size_t)-1, 1, "64 hex digits");
	expect_error("# x\na u g issuer=sha256:zz112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n",
			(size_t)-1, 2, "hex");
	expect_error("a u \"issuer=CN=bad\x01\"\n", (size_t)-1, 1, "control");
}

static void test_issuer_pin_valid(void **state)
{
	(void)state;
	static const struct { const char *pin; bool ok; } cases[] = {
		{ "CN=Plant CA", true },
		{ "CN=Plant CA,O=Example", true },
		{ "sha256:00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff", true },
		{ "sha256:00112233445566778899AABBCCDDEEFF00112233445566778899AABBCCDDEEFF", true },
		{ "sha256:00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff:00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff", true },
		{ "sha256:", false },
		{ "sha256:0011", false },
		{ "sha256:00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff00", false },
		{ "sha256:g0112233445566778899aabbccddeeff00112233445566778899aabbccddeeff", false },
		{ "Plant CA", false },                /* not a DN */
		{ "", false },
		{ "CN=a\x01", false },
	};
	for(size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++){
		const char *why = NULL;
		bool ok = issuer_pin_valid(cases[i].pin, &why);
		if(ok != cases[i].ok){
			print_error("issuer_pin_valid('%s') = %d\n", cases[i].pin, ok);
			fail();
		}
		if(!ok) assert_non_null(why);
	}
}

static void test_errors(void **state)
{
	(void)state;
	expect_error("a u1\nb u2\na u3\n", (size_t)-1, 3, "already mapped at line 1");
	expect_error("x\\*y u1\n\"x\\\\*y\" u2\n", (size_t)-1, 2, "already mapped at line 1");
	expect_error("ok u\n\"abc u1\n", (size_t)-1, 2, "unterminated");
	expect_error("a u\nlonely\n", (size_t)-1, 2, "expected 'IDENTITY USERNAME");
	expect_error("\"\" u\n", (size_t)-1, 1, "identity is empty");
	expect_error("id a/b\n", (size_t)-1, 1, "username 'a/b'");
	expect_error("id a+b\n", (size_t)-1, 1, "username 'a+b'");
	expect_error("id #\n", (size_t)-1, 1, "username '#'");
	expect_error("id \"\"\n", (size_t)-1, 1, "username");
	expect_error("id \"a\x01\"\n", (size_t)-1, 1, "control");
	expect_error("\"a\tb\" u\n", (size_t)-1, 1, "identity contains a control character");
	expect_error("a u\n\"\xff\" u\n", (size_t)-1, 2, "identity is not valid UTF-8");
	expect_error("a u good \"bad\x7f\"\n", (size_t)-1, 1, "group name");
	expect_error("a u\r\nb u\r\na v\r\n", (size_t)-1, 3, "already mapped");

	/* NUL byte, over-long line */
	static const char nul[] = "a u\nb\0c u\n";
	expect_error(nul, sizeof(nul) - 1, 2, "NUL");
	size_t n = CERTACL_LINE_MAX + 10;
	char *big = malloc(n);
	assert_non_null(big);
	memcpy(big, "a u\n", 4);
	memset(big + 4, 'x', n - 4);
	expect_error(big, n, 2, "longer than");
	free(big);
	/* a user name longer than 256 bytes */
	char longname[400];
	snprintf(longname, sizeof(longname), "id %0300d\n", 1);
	expect_error(longname, (size_t)-1, 1, "256");
}

static void test_group_counts(void **state)
{
	(void)state;
	char text[2048];
	size_t o = (size_t)sprintf(text, "id user");
	for(int g = 0; g < CERTACL_MAX_GROUPS; g++) o += (size_t)sprintf(text + o, " g%d", g);
	sprintf(text + o, "\n");
	certacl_idmap *m = load(text);
	assert_int_equal(idmap_lookup(m, "id")->ngroups, CERTACL_MAX_GROUPS);
	assert_string_equal(idmap_lookup(m, "id")->groups[CERTACL_MAX_GROUPS - 1], "g63");
	idmap_free(m);
	sprintf(text + o, " g64\n");
	expect_error(text, (size_t)-1, 1, "more than 64 groups");
	o += (size_t)sprintf(text + o, " g64 g65 g66 g67 g68");
	sprintf(text + o, "\n");
	expect_error(text, (size_t)-1, 1, "too many words");
}

/* idmap_new/idmap_add: what the JSON map uses. */
static void test_add_api(void **state)
{
	(void)state;
	certacl_idmap *m = idmap_new();
	assert_non_null(m);
	certacl_error err;
	static const char *const groups[] = { "ops", "view" };
	assert_true(idmap_add(m, "cfg.json", 3, "dev-1", "alice", groups, 2, NULL, &err));
	assert_true(idmap_add(m, "cfg.json", 4, "dev-*", NULL, NULL, 0, "CN=CA", &err));
	assert_true(idmap_add(m, "cfg.json", 5, "keep", "*", NULL, 0, NULL, &err));
	assert_false(idmap_add(m, "cfg.json", 6, "dev-1", "bob", NULL, 0, NULL, &err));
	assert_contains(err.text, "cfg.json:6: ");
	assert_contains(err.text, "already mapped at line 3");
	assert_false(idmap_add(m, "cfg.json", 7, "x", "a/b", NULL, 0, NULL, &err));
	assert_contains(err.text, "cfg.json:7: ");
	assert_false(idmap_add(m, "cfg.json", 8, "x", "ok", NULL, 0, "not-a-pin", &err));
	assert_contains(err.text, "cfg.json:8: ");
	static const char *const bad_groups[] = { "ok", "" };
	assert_false(idmap_add(m, "cfg.json", 9, "x", "ok", bad_groups, 2, NULL, &err));
	assert_contains(err.text, "group name");
	const char *many[CERTACL_MAX_GROUPS + 1];
	for(int i = 0; i <= CERTACL_MAX_GROUPS; i++) many[i] = "g";
	assert_false(idmap_add(m, "cfg.json", 10, "x", "ok", many, CERTACL_MAX_GROUPS + 1, NULL, &err));
	assert_contains(err.text, "more than 64 groups");
	assert_int_equal(idmap_count(m), 3);

	const certacl_map_entry *e = idmap_lookup(m, "dev-1");
	assert_string_equal(e->username, "alice");
	assert_string_equal(e->file, "cfg.json");
	assert_int_equal(e->ngroups, 2);
	assert_string_equal(e->groups[1], "view");
	e = idmap_lookup(m, "dev-2");
	assert_null(e->username);
	assert_string_equal(e->issuer, "CN=CA");
	assert_true(e->is_glob);
	assert_null(idmap_lookup(m, "keep")->username);
	idmap_free(m);
}

static void test_load_file(void **state)
{
	(void)state;
	tu_dir d;
	tu_dir_make(&d);
	const char *good = tu_dir_write(&d, "good.map", "dev-1 alice ops\n", (size_t)-1);
	const char *bad = tu_dir_write(&d, "bad.map", "dev-1 alice\n\ndev-2 a/b\n", (size_t)-1);
	const char *missing = tu_dir_path(&d, "missing.map");
	certacl_error err;
	certacl_idmap *m = idmap_load_file(good, &err);
	assert_non_null(m);
	const certacl_map_entry *e = idmap_lookup(m, "dev-1");
	assert_string_equal(e->username, "alice");
	assert_string_equal(e->file, good);
	idmap_free(m);
	assert_null(idmap_load_file(bad, &err));
	char expect[600];
	snprintf(expect, sizeof(expect), "%s:3: username 'a/b'", bad);
	assert_contains(err.text, expect);
	assert_null(idmap_load_file(missing, &err));
	snprintf(expect, sizeof(expect), "%s: cannot open identity map", missing);
	assert_contains(err.text, expect);
	tu_dir_remove(&d);
}

/* A big map: exact entries found through the hash, globs still first-match. */
static void test_many_entries(void **state)
{
	(void)state;
	const size_t n = 20000;
	size_t cap = n * 40 + 64;
	char *text = malloc(cap);
	assert_non_null(text);
	size_t o = (size_t)snprintf(text, cap, "gw-* gateways\n");
	for(size_t i = 0; i < n; i++) o += (size_t)snprintf(text + o, cap - o, "node-%zu user-%zu g%zu\n", i, i, i % 7);
	certacl_error err;
	certacl_idmap *m = idmap_load_text("big.map", text, o, &err);
	free(text);
	assert_non_null(m);
	assert_int_equal(idmap_count(m), n + 1);
	for(size_t i = 0; i < n; i++){
		char id[32], user[32], group[8];
		snprintf(id, sizeof(id), "node-%zu", i);
		snprintf(user, sizeof(user), "user-%zu", i);
		snprintf(group, sizeof(group), "g%zu", i % 7);
		const certacl_map_entry *e = idmap_lookup(m, id);
		assert_non_null(e);
		assert_string_equal(e->username, user);
		assert_int_equal(e->line, i + 2);
		assert_string_equal(e->groups[0], group);
	}
	assert_null(idmap_lookup(m, "node-20000"));
	assert_string_equal(idmap_lookup(m, "gw-17")->username, "gateways");
	idmap_free(m);
}

/* ---- glob_match ---- */

static void test_glob_match(void **state)
{
	(void)state;
	static const struct { const char *pat, *s; bool match; } cases[] = {
		{ "", "", true },
		{ "", "a", false },
		{ "abc", "abc", true },
		{ "abc", "abd", false },
		{ "abc", "ab", false },
		{ "ab", "abc", false },
		{ "*", "", true },
		{ "*", "abc", true },
		{ "**", "abc", true },
		{ "?", "", false },
		{ "?", "a", true },
		{ "?", "ab", false },
		{ "??", "a", false },
		{ "a*", "a", true },
		{ "a*", "abc", true },
		{ "a*", "ba", false },
		{ "*a", "ba", true },
		{ "*a", "ab", false },
		{ "a*b", "ab", true },
		{ "a*b", "axxb", true },
		{ "a*b", "axxbc", false },
		{ "a*b", "abab", true },
		{ "*b", "abb", true },
		{ "a?c", "abc", true },
		{ "a?c", "ac", false },
		{ "*a*b*", "xaybz", true },
		{ "*a*b*", "xbya", false },
		{ "*.example.com", "dev.example.com", true },
		{ "*.example.com", "example.com", false },
		{ "CN=*,O=Acme", "CN=x,O=Acme", true },
		{ "CN=*,O=Acme", "CN=x,O=Acme2", false },
		{ "\\*", "*", true },
		{ "\\*", "a", false },
		{ "\\*", "", false },
		{ "\\?", "?", true },
		{ "\\?", "x", false },
		{ "\\\\", "\\", true },
		{ "\\\\*", "\\abc", true },
		{ "a\\,b", "a\\,b", true },          /* other backslashes are literal */
		{ "a\\,b", "a,b", false },
		{ "a\\", "a\\", true },
		{ "*\\*", "ab*", true },
		{ "*\\*", "ab", false },
		{ "*\\?x", "a?x", true },
		{ "*\\?x", "abx", false },
		{ "\xc3\xa4*", "\xc3\xa4rger", true },
		{ "?", "\xc3\xa4", false },          /* '?' is one byte */
		{ "??", "\xc3\xa4", true },
	};
	for(size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++){
		bool got = glob_match(cases[i].pat, cases[i].s);
		if(got != cases[i].match){
			print_error("glob_match('%s', '%s') = %d, expected %d\n", cases[i].pat, cases[i].s,
					got, cases[i].match);
			fail();
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_formats),
		cmocka_unit_test(test_empty_map),
		cmocka_unit_test(test_first_match_wins),
		cmocka_unit_test(test_issuer_pins),
		cmocka_unit_test(test_issuer_pin_valid),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_group_counts),
		cmocka_unit_test(test_add_api),
		cmocka_unit_test(test_load_file),
		cmocka_unit_test(test_many_entries),
		cmocka_unit_test(test_glob_match),
	};
	return cmocka_run_group_tests_name("idmap", tests, NULL, NULL);
}
