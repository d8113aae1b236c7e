/* Unit tests of plugin/core/acl_parse.c: mosquitto's acl_file syntax plus
 * certacl's groups and placeholders, every error reported as "file:line: ...". */
#include <stdio.h>

#include "certacl/topic.h"
#include "unit_util.h"

#define RW (CERTACL_READ | CERTACL_WRITE)

typedef struct {
	unsigned line;
	const char *text;
	const char *filter;
	uint8_t perms;
	bool deny;
	certacl_section section;
	const char *section_name; /* NULL for anon/pattern */
	bool has_vars;
} rule_expect;

static void check_rule(const certacl_rule *r, size_t i, const char *file, const rule_expect *e)
{
	assert_non_null(r);
	assert_string_equal(r->file, file);
	if(r->line != e->line || strcmp(r->text, e->text) != 0){
		print_error("rule %zu: line %u '%s', expected line %u '%s'\n", i, r->line, r->text,
				e->line, e->text);
		fail();
	}
	assert_string_equal(r->filter, e->filter);
	assert_int_equal(r->perms, e->perms);
	assert_int_equal(r->deny, e->deny);
	assert_int_equal(r->section, e->section);
	if(e->section_name) assert_string_equal(r->section_name, e->section_name);
	else assert_null(r->section_name);
	assert_int_equal(r->has_vars, e->has_vars);
	assert_int_equal(r->seq, i);
	assert_int_equal(r->max_qos, 2);                 /* no limit */
	assert_int_equal(r->retain, CERTACL_RETAIN_ANY);
}

static void check_rules(const certacl_policy *p, const char *file, const rule_expect *e, size_t n)
{
	assert_int_equal(policy_rule_count(p), n);
	for(size_t i = 0; i < n; i++) check_rule(policy_rule_at(p, i), i, file, &e[i]);
}

/* Load text; expect failure with exactly "name:LINE: " then `what`. */
static void expect_error(const char *text, size_t len, unsigned line, const char *what)
{
	certacl_policy *p = policy_new();
	assert_non_null(p);
	certacl_error err;
	memset(&err, 0, sizeof(err));
	if(len == (size_t)-1) len = strlen(text);
	bool ok = policy_add_text(p, "bad.acl", text, len, &err);
	policy_free(p);
	if(ok){
		print_error("accepted, expected error at line %u (%s): %.200s\n", line, what, text);
		fail();
	}
	char prefix[64];
	snprintf(prefix, sizeof(prefix), "bad.acl:%u: ", line);
	if(strncmp(err.text, prefix, strlen(prefix)) != 0){
		print_error("error '%s' does not start with '%s'\n", err.text, prefix);
		fail();
	}
	assert_contains(err.text + strlen(prefix), what);
}

/* ---- valid files ---- */

static void test_seed_file(void **state)
{
	(void)state;
	static const char seed[] = TU_SEED_ACL;
	static const rule_expect e[] = {
		{ 2, "topic read STATE/+", "STATE/+", CERTACL_READ, false, CERTACL_SECTION_USER, "MyEACM", false },
		{ 3, "topic readwrite spBv1.0/#", "spBv1.0/#", RW, false, CERTACL_SECTION_USER, "MyEACM", false },
		{ 6, "topic read STATE/+", "STATE/+", CERTACL_READ, false, CERTACL_SECTION_USER, "SparkplugViewer", false },
		{ 7, "topic read spBv1.0/#", "spBv1.0/#", CERTACL_READ, false, CERTACL_SECTION_USER, "SparkplugViewer", false },
		{ 10, "topic readwrite STATE/+", "STATE/+", RW, false, CERTACL_SECTION_USER, "HMI", false },
		{ 11, "topic readwrite spBv1.0/#", "spBv1.0/#", RW, false, CERTACL_SECTION_USER, "HMI", false },
	};
	certacl_error err;
	certacl_policy *p = tu_policy("seed.acl", seed, &err);
	assert_non_null(p);
	check_rules(p, "seed.acl", e, sizeof(e) / sizeof(e[0]));
	assert_true(policy_has_user(p, "MyEACM"));
	assert_true(policy_has_user(p, "SparkplugViewer"));
	assert_true(policy_has_user(p, "HMI"));
	policy_free(p);
}

static void test_every_rule_form(void **state)
{
	(void)state;
	static const char text[] =
		"# a comment\n"                          /* 1 */
		"topic anon/rw\n"                        /* 2 no keyword: readwrite */
		"topic read anon/r\n"                    /* 3 */
		"topic write anon/w\n"                   /* 4 */
		"topic readwrite anon/rw2\n"             /* 5 */
		"topic deny anon/secret\n"               /* 6 */
		"pattern read p/%u/#\n"                  /* 7 pattern before any user */
		"user alice\n"                           /* 8 */
		"topic deny a/secret/#\n"                /* 9 */
		"pattern write c/%c\n"                   /* 10 pattern inside a user section */
		"topic a/#\n"                            /* 11 still alice's */
		"pattern %{cn}/%{ou}/%{o}/%{serial}\n"   /* 12 no keyword */
		"pattern deny %{san.dns}/%{san.email}/%{san.uri}\n" /* 13 */
		"pattern read fixed/topic\n"             /* 14 a pattern with no placeholder */
		"group operators\n"                      /* 15 */
		"topic readwrite ops/#\n"                /* 16 */
		"topic read a b/c d\n"                   /* 17 spaces belong to the filter */
		"topic read read\n"                      /* 18 a filter that looks like a keyword */
		"topic readx\n"                          /* 19 one word: the filter "readx" */
		"topic read x%u/%{foo}\n"                /* 20 topic lines never substitute */
		"topic read\n"                           /* 21 one word: the topic "read", readwrite */
		"pattern deny\n"                         /* 22 one word: the topic "deny", readwrite;
		                                            inside a group: scoped to it */
		"pattern write prefix-%c/data\n"         /* 23 a placeholder inside a level loads */
		"topic read\ta/b\n";                      /* 24 one word to mosquitto: "read\ta/b" */
	static const rule_expect e[] = {
		{ 2, "topic anon/rw", "anon/rw", RW, false, CERTACL_SECTION_ANON, NULL, false },
		{ 3, "topic read anon/r", "anon/r", CERTACL_READ, false, CERTACL_SECTION_ANON, NULL, false },
		{ 4, "topic write anon/w", "anon/w", CERTACL_WRITE, false, CERTACL_SECTION_ANON, NULL, false },
		{ 5, "topic readwrite anon/rw2", "anon/rw2", RW, false, CERTACL_SECTION_ANON, NULL, false },
		{ 6, "topic deny anon/secret", "anon/secret", 0, true, CERTACL_SECTION_ANON, NULL, false },
		{ 7, "pattern read p/%u/#", "p/%u/#", CERTACL_READ, false, CERTACL_SECTION_PATTERN, NULL, true },
		{ 9, "topic deny a/secret/#", "a/secret/#", 0, true, CERTACL_SECTION_USER, "alice", false },
		{ 10, "pattern write c/%c", "c/%c", CERTACL_WRITE, false, CERTACL_SECTION_PATTERN, NULL, true },
		{ 11, "topic a/#", "a/#", RW, false, CERTACL_SECTION_USER, "alice", false },
		{ 12, "pattern %{cn}/%{ou}/%{o}/%{serial}", "%{cn}/%{ou}/%{o}/%{serial}", RW, false,
			CERTACL_SECTION_PATTERN, NULL, true },
		{ 13, "pattern deny %{san.dns}/%{san.email}/%{san.uri}", "%{san.dns}/%{san.email}/%{san.uri}",
			0, true, CERTACL_SECTION_PATTERN, NULL, true },
		{ 14, "pattern read fixed/topic", "fixed/topic", CERTACL_READ, false, CERTACL_SECTION_PATTERN, NULL, false },
		{ 16, "topic readwrite ops/#", "ops/#", RW, false, CERTACL_SECTION_GROUP, "operators", false },
		{ 17, "topic read a b/c d", "a b/c d", CERTACL_READ, false, CERTACL_SECTION_GROUP, "operators", false },
		{ 18, "topic read read", "read", CERTACL_READ, false, CERTACL_SECTION_GROUP, "operators", false },
		{ 19, "topic readx", "readx", RW, false, CERTACL_SECTION_GROUP, "operators", false },
		{ 20, "topic read x%u/%{foo}", "x%u/%{foo}", CERTACL_READ, false, CERTACL_SECTION_GROUP, "operators", false },
		{ 21, "topic read", "read", RW, false, CERTACL_SECTION_GROUP, "operators", false },
		{ 22, "pattern deny", "deny", RW, false, CERTACL_SECTION_PATTERN, "operators", false },
		{ 23, "pattern write prefix-%c/data", "prefix-%c/data", CERTACL_WRITE, false,
			CERTACL_SECTION_PATTERN, "operators", false },
		{ 24, "topic read\ta/b", "read\ta/b", RW, false, CERTACL_SECTION_GROUP, "operators", false },
	};
	certacl_error err;
	certacl_policy *p = tu_policy("forms.acl", text, &err);
	if(!p){
		print_error("%s\n", err.text);
		fail();
	}
	check_rules(p, "forms.acl", e, sizeof(e) / sizeof(e[0]));
	assert_true(policy_has_group(p, "operators"));
	assert_false(policy_has_user(p, "operators"));
	policy_free(p);
}

/* What mosquitto accepts around words: blank lines, leading spaces before
 * the keyword, runs of spaces, trailing spaces, tabs, CR, VT and FF, CRLF,
 * blanks around the filter and the name, and no final newline. */
static void test_whitespace_and_line_endings(void **state)
{
	(void)state;
	static const char text[] =
		"\r\n"                                  /* 1 */
		"   \t  \r\n"                           /* 2 */
		"#comment\r\n"                          /* 3 */
		"\t\n"                                  /* 4 */
		"user \tbob\t \r\n"                     /* 5 */
		"  topic read \tA/b \t\v\f\r\n"          /* 6 */
		"  topic   write    C/d\n"              /* 7 */
		"topic deny E/f\r";                     /* 8: a final CR, no newline */
	static const rule_expect e[] = {
		{ 6, "topic read \tA/b", "A/b", CERTACL_READ, false, CERTACL_SECTION_USER, "bob", false },
		{ 7, "topic   write    C/d", "C/d", CERTACL_WRITE, false, CERTACL_SECTION_USER, "bob", false },
		{ 8, "topic deny E/f", "E/f", 0, true, CERTACL_SECTION_USER, "bob", false },
	};
	certacl_error err;
	certacl_policy *p = tu_policy("ws.acl", text, &err);
	if(!p){
		print_error("%s\n", err.text);
		fail();
	}
	check_rules(p, "ws.acl", e, sizeof(e) / sizeof(e[0]));
	assert_true(policy_has_user(p, "bob"));
	policy_free(p);

	/* no final newline at all, and an empty file */
	p = tu_policy_ok("user x\ntopic read last");
	assert_int_equal(policy_rule_count(p), 1);
	assert_string_equal(policy_rule_at(p, 0)->filter, "last");
	policy_free(p);
	p = tu_policy_ok("\n\n\n");
	assert_int_equal(policy_rule_count(p), 0);
	policy_free(p);
}

static void test_user_names(void **state)
{
	(void)state;
	certacl_policy *p = tu_policy_ok(
		"user John Smith\n"
		"topic read js\n"
		"user   Ger\xc3\xa4t  42  \n"
		"topic read g\n"
		"user a+b/#\n"               /* allowed in the file (password users may have it) */
		"topic read odd\n");
	assert_true(policy_has_user(p, "John Smith"));
	assert_true(policy_has_user(p, "Ger\xc3\xa4t  42"));
	assert_true(policy_has_user(p, "a+b/#"));
	assert_string_equal(policy_rule_at(p, 0)->section_name, "John Smith");
	assert_string_equal(policy_rule_at(p, 1)->section_name, "Ger\xc3\xa4t  42");
	certacl_decision d = tu_decide_u(p, "John Smith", NULL, CERTACL_READ, "js");
	assert_true(d.allowed);
	d = tu_decide_u(p, "John", NULL, CERTACL_READ, "js");
	assert_false(d.allowed);
	policy_free(p);
}

/* Repeated `user` sections merge (as in mosquitto). */
static void test_repeated_sections_merge(void **state)
{
	(void)state;
	certacl_policy *p = tu_policy_ok(
		"user a\n"
		"topic read x\n"
		"user b\n"
		"topic read y\n"
		"user a\n"
		"topic write z\n"
		"group g\n"
		"topic read g1\n"
		"group g\n"
		"topic read g2\n");
	assert_int_equal(policy_rule_count(p), 5);
	assert_string_equal(policy_rule_at(p, 2)->section_name, "a");
	assert_true(tu_decide_u(p, "a", NULL, CERTACL_READ, "x").allowed);
	assert_true(tu_decide_u(p, "a", NULL, CERTACL_WRITE, "z").allowed);
	assert_false(tu_decide_u(p, "a", NULL, CERTACL_READ, "y").allowed);
	assert_false(tu_decide_u(p, "b", NULL, CERTACL_WRITE, "z").allowed);
	const char *groups[] = { "g" };
	certacl_subject who = tu_subject("u", NULL);
	who.groups = groups;
	who.ngroups = 1;
	assert_true(tu_decide(p, &who, CERTACL_READ, "g1").allowed);
	assert_true(tu_decide(p, &who, CERTACL_READ, "g2").allowed);
	policy_free(p);
}

/* Several files in one policy: each starts in the anonymous section, keeps its
 * own name in rules and errors, and sections of the same user merge. */
static void test_several_files(void **state)
{
	(void)state;
	certacl_policy *p = policy_new();
	certacl_error err;
	static const char one[] = "user a\ntopic read one/#\n";
	static const char two[] = "topic read anon-two\nuser a\ntopic write two/#\n";
	assert_true(policy_add_text(p, "one.acl", one, strlen(one), &err));
	assert_true(policy_add_text(p, "two.acl", two, strlen(two), &err));
	assert_true(policy_finish(p, &err));
	assert_int_equal(policy_rule_count(p), 3);
	const certacl_rule *r = policy_rule_at(p, 1);
	assert_string_equal(r->file, "two.acl");
	assert_int_equal(r->line, 1);
	assert_int_equal(r->section, CERTACL_SECTION_ANON);
	assert_null(r->section_name);
	r = policy_rule_at(p, 2);
	assert_string_equal(r->file, "two.acl");
	assert_int_equal(r->line, 3);
	assert_true(tu_decide_u(p, "a", NULL, CERTACL_READ, "one/x").allowed);
	assert_true(tu_decide_u(p, "a", NULL, CERTACL_WRITE, "two/x").allowed);
	assert_false(tu_decide_u(p, "a", NULL, CERTACL_READ, "anon-two").allowed);
	assert_true(tu_decide_u(p, NULL, NULL, CERTACL_READ, "anon-two").allowed);
	policy_free(p);

	/* an error in the second file names that file and its own line */
	p = policy_new();
	assert_true(policy_add_text(p, "one.acl", one, strlen(one), &err));
	static const char bad[] = "\n\nuser b\ntopic read a+\n";
	assert_false(policy_add_text(p, "two.acl", bad, strlen(bad), &err));
	assert_contains(err.text, "two.acl:4: ");
	policy_free(p);
}

/* Limits of the format: exactly 201 levels and a 65536-byte line are fine. */
static void test_limits_accepted(void **state)
{
	(void)state;
	char *text = malloc(CERTACL_LINE_MAX + 2048);
	assert_non_null(text);
	/* 201 levels (200 '/', the most mosquitto accepts) */
	size_t o = (size_t)sprintf(text, "topic read ");
	for(int i = 0; i < CERTACL_RULE_MAX_LEVELS; i++) o += (size_t)sprintf(text + o, i ? "/l" : "l");
	text[o++] = '\n';
	/* a line of exactly CERTACL_LINE_MAX bytes */
	size_t start = o;
	o += (size_t)sprintf(text + o, "topic read ");
	memset(text + o, 'x', CERTACL_LINE_MAX - (o - start));
	o = start + CERTACL_LINE_MAX;
	text[o] = '\0';
	certacl_policy *p = policy_new();
	certacl_error err;
	if(!policy_add_text(p, "limits.acl", text, o, &err)){
		print_error("%s\n", err.text);
		fail();
	}
	assert_int_equal(policy_rule_count(p), 2);
	assert_int_equal(topic_level_count(policy_rule_at(p, 0)->filter,
			strlen(policy_rule_at(p, 0)->filter)), CERTACL_RULE_MAX_LEVELS);
	assert_int_equal(strlen(policy_rule_at(p, 1)->text), CERTACL_LINE_MAX);
	policy_free(p);
	free(text);
}

/* certacl's per-rule limits: qos<=N and retain=no|only|any after the filter. */
static void test_limits(void **state)
{
	(void)state;
	certacl_policy *p = tu_policy_ok(
		"user host\n"                                          /* 1 */
		"topic readwrite STATE/+ retain=only qos<=1\n"         /* 2 */
		"topic write spBv1.0/+/NCMD/# qos<=0 retain=no\n"      /* 3 */
		"topic read a b qos<=2\n"                              /* 4: filter "a b" */
		"topic read x\tretain=any\n"                          /* 5 */
		"pattern write d/%u retain=no\n"                       /* 6 */
		"topic read qos/retain=x\n"                            /* 7: no limit word */
		"topic read y/qos<=1\n");                              /* 8: part of the filter */
	static const struct { const char *filter; uint8_t qos; uint8_t retain; } want[] = {
		{ "STATE/+", 1, CERTACL_RETAIN_ONLY },
		{ "spBv1.0/+/NCMD/#", 0, CERTACL_RETAIN_NEVER },
		{ "a b", 2, CERTACL_RETAIN_ANY },
		{ "x", 2, CERTACL_RETAIN_ANY },
		{ "d/%u", 2, CERTACL_RETAIN_NEVER },
		{ "qos/retain=x", 2, CERTACL_RETAIN_ANY },
		{ "y/qos<=1", 2, CERTACL_RETAIN_ANY },
	};
	assert_int_equal(policy_rule_count(p), 7);
	for(size_t i = 0; i < 7; i++){
		const certacl_rule *r = policy_rule_at(p, i);
		assert_string_equal(r->filter, want[i].filter);
		assert_int_equal(r->max_qos, want[i].qos);
		assert_int_equal(r->retain, want[i].retain);
	}
	/* the rule text keeps the limits as written */
	assert_string_equal(policy_rule_at(p, 0)->text, "topic readwrite STATE/+ retain=only qos<=1");
	assert_true(policy_rule_at(p, 4)->has_vars);
	policy_free(p);

	static const struct { const char *text; const char *what; } bad[] = {
		{ "topic read a qos<=3\n", "invalid limit 'qos<=3'" },
		{ "topic read a qos=1\n", "invalid limit" },
		{ "topic read a qos<1\n", "invalid limit" },
		{ "topic read a qos<=\n", "invalid limit" },
		{ "topic read a qos<=11\n", "invalid limit" },
		{ "topic read a retain=maybe\n", "invalid limit 'retain=maybe'" },
		{ "topic read a retain=\n", "invalid limit" },
		{ "topic read a qos<=1 qos<=2\n", "qos limit given twice" },
		{ "topic read a retain=no retain=only\n", "retain limit given twice" },
		{ "topic qos<=1 retain=no\n", "invalid access 'qos<=1'" },
		{ "topic deny a qos<=1\n", "deny rule takes no qos/retain limit" },
		{ "topic deny a retain=only\n", "deny rule takes no qos/retain limit" },
		{ "pattern deny %u retain=no\n", "deny rule" },
		{ "topic read a+ qos<=1\n", "invalid topic filter 'a+'" },
	};
	for(size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++){
		char text[200];
		snprintf(text, sizeof(text), "user u\n%s", bad[i].text);
		expect_error(text, (size_t)-1, 2, bad[i].what);
	}
	/* deny rules may say retain=any (no limit) */
	p = tu_policy_ok("topic deny a retain=any\n");
	assert_true(policy_rule_at(p, 0)->deny);
	policy_free(p);
}

/* ---- invalid files ---- */

static void test_errors(void **state)
{
	(void)state;
	static const struct { const char *text; unsigned line; const char *what; } cases[] = {
		{ "frobnicate x\n", 1, "unknown keyword 'frobnicate'" },
		{ "user a\ntopic read x\nTopic read y\n", 3, "unknown keyword 'Topic'" },
		{ "user a\n\n\nusers b\n", 4, "unknown keyword 'users'" },
		{ "user a\r\ntopic read x\r\nacl x\r\n", 3, "unknown keyword" },
		{ "topic\n", 1, "missing topic filter" },
		{ "topic   \t\n", 1, "missing topic filter" },
		{ "pattern\n", 1, "missing topic filter" },
		{ "topic my topic\n", 1, "invalid access 'my'" },
		{ "topic READ a\n", 1, "invalid access 'READ'" },
		{ "topic readonly a/b\n", 1, "invalid access 'readonly'" },
		{ "User a\n", 1, "keywords are lower case" },
		{ "TOPIC read a\n", 1, "keywords are lower case" },
		{ "topic\tread a/b\n", 1, "tab" },
		{ "\ttopic read a/b\n", 1, "tab" },
		{ "user\tbob\n", 1, "tab" },
		{ "topic read a\n  # indented comment\n", 2, "first column" },
		{ "\t# indented comment\n", 1, "tab" },
		{ "\xEF\xBB\xBFtopic read a\n", 1, "byte order mark" },
		{ "\xEF\xBB\xBF# comment\n", 1, "byte order mark" },
		{ "topic read a/b+/c\n", 1, "invalid topic filter" },
		{ "user a\ntopic read a+\n", 2, "invalid topic filter 'a+'" },
		{ "topic read a/#/b\n", 1, "invalid topic filter" },
		{ "topic read #a\n", 1, "invalid topic filter" },
		{ "topic read a#\n", 1, "invalid topic filter" },
		{ "topic read +a/b\n", 1, "invalid topic filter" },
		{ "topic read a/b # trailing comment\n", 1, "invalid topic filter" },
		{ "user\n", 1, "user name is empty" },
		{ "user   \t \n", 1, "user name is empty" },
		{ "topic read x\nuser\r\n", 2, "user name is empty" },
		{ "group\n", 1, "group name is empty" },
	};
	for(size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++){
		expect_error(cases[i].text, (size_t)-1, cases[i].line, cases[i].what);
	}
}

/* Lines mosquitto loads that certacl once refused: names and filters with any
 * bytes (they never match a valid name or topic), placeholders inside a level
 * (they grant nothing), a limit word alone as the filter. */
static void test_mosquitto_accepts(void **state)
{
	(void)state;
	char longname[400];
	snprintf(longname, sizeof(longname), "user %0300d\ntopic read a\n", 7);
	const char *const texts[] = {
		"topic read \xc0\xaf\n", "topic read a/\xed\xa0\x80\n", "topic read \xff\n",
		"pattern read a/x%u\n", "pattern read a/%ux/b\n", "pattern read %u%c\n",
		"pattern read %{foo}/a\n", "pattern read a/%{cn\n", "pattern read a/%{CN}\n",
		"user a\x01" "b\ntopic read x\n", "group g\x1b\n", "user \xff\xfe\n",
		"user a\rb\n", "topic read qos<=1\n", "user bob # not a comment\n", longname,
	};
	for(size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++){
		certacl_policy *p = tu_policy_ok(texts[i]);
		policy_free(p);
	}
	certacl_policy *p = tu_policy_ok("user a\rb\nuser bob # not a comment\n");
	assert_true(policy_has_user(p, "a\rb"));
	assert_true(policy_has_user(p, "bob # not a comment"));
	policy_free(p);
}

static void test_error_first_problem_wins(void **state)
{
	(void)state;
	expect_error("user a\ntopic read ok\ntopic read a+\nbogus\n", (size_t)-1, 3, "invalid topic filter");
}

static void test_error_nul_byte(void **state)
{
	(void)state;
	static const char text[] = "user a\ntopic read x\ntopic read a\0b\ntopic read y\n";
	expect_error(text, sizeof(text) - 1, 3, "NUL");
	static const char text2[] = "\0";
	expect_error(text2, 1, 1, "NUL");
}

static void test_error_long_line(void **state)
{
	(void)state;
	size_t n = CERTACL_LINE_MAX + 100;
	char *text = malloc(n + 1);
	assert_non_null(text);
	size_t o = (size_t)sprintf(text, "user a\n# fine\ntopic read ");
	memset(text + o, 'x', n - o - 1);
	text[n - 1] = '\n';
	text[n] = '\0';
	expect_error(text, n, 3, "longer than 65536");
	/* one byte over the limit */
	o = (size_t)sprintf(text, "topic read ");
	memset(text + o, 'x', CERTACL_LINE_MAX + 1 - o);
	expect_error(text, CERTACL_LINE_MAX + 1, 1, "longer than 65536");
	free(text);
}

static void test_error_too_many_levels(void **state)
{
	(void)state;
	char text[2048];
	size_t o = (size_t)sprintf(text, "user a\ntopic read ");
	for(int i = 0; i <= CERTACL_RULE_MAX_LEVELS; i++) o += (size_t)sprintf(text + o, i ? "/+" : "+");
	text[o++] = '\n';
	text[o] = '\0';
	expect_error(text, o, 2, "more than 201 levels");
	/* also in patterns */
	o = (size_t)sprintf(text, "pattern read %%u");
	for(int i = 0; i < CERTACL_RULE_MAX_LEVELS; i++) o += (size_t)sprintf(text + o, "/x");
	expect_error(text, o, 1, "more than 201 levels");
}

/* A failing file leaves the error where the caller can show it; the caller
 * frees the policy (never half-used). Loading from a path reports open errors
 * with line 0 ("path: ..."). */
static void test_add_file(void **state)
{
	(void)state;
	tu_dir d;
	tu_dir_make(&d);
	const char *good = tu_dir_write(&d, "good.acl", "user u\ntopic read t/#\n", (size_t)-1);
	const char *bad = tu_dir_write(&d, "bad.acl", "user u\n\ntopic read t/#/x\n", (size_t)-1);
	const char *missing = tu_dir_path(&d, "missing.acl");
	certacl_error err;

	certacl_policy *p = policy_new();
	assert_true(policy_add_file(p, good, &err));
	assert_true(policy_finish(p, &err));
	assert_string_equal(policy_rule_at(p, 0)->file, good);
	assert_true(tu_decide_u(p, "u", NULL, CERTACL_READ, "t/x").allowed);
	policy_free(p);

	p = policy_new();
	assert_false(policy_add_file(p, bad, &err));
	char expect[600];
	snprintf(expect, sizeof(expect), "%s:3: invalid topic filter", bad);
	assert_contains(err.text, expect);
	policy_free(p);

	p = policy_new();
	assert_false(policy_add_file(p, missing, &err));
	snprintf(expect, sizeof(expect), "%s: cannot open ACL file", missing);
	assert_contains(err.text, expect);
	policy_free(p);

	/* a directory cannot be read as a file */
	p = policy_new();
	assert_false(policy_add_file(p, d.path, &err));
	assert_contains(err.text, d.path);
	policy_free(p);
	tu_dir_remove(&d);
}

/* Decisions need policy_finish(): before it, everything is refused. */
static void test_unfinished_policy_denies(void **state)
{
	(void)state;
	certacl_policy *p = policy_new();
	certacl_error err;
	static const char text[] = "topic readwrite #\n";
	assert_true(policy_add_text(p, "t.acl", text, strlen(text), &err));
	certacl_decision d = tu_decide_u(p, NULL, NULL, CERTACL_WRITE, "a");
	assert_false(d.allowed);
	assert_true(policy_finish(p, &err));
	d = tu_decide_u(p, NULL, NULL, CERTACL_WRITE, "a");
	assert_true(d.allowed);
	policy_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seed_file),
		cmocka_unit_test(test_every_rule_form),
		cmocka_unit_test(test_whitespace_and_line_endings),
		cmocka_unit_test(test_user_names),
		cmocka_unit_test(test_repeated_sections_merge),
		cmocka_unit_test(test_several_files),
		cmocka_unit_test(test_limits_accepted),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_mosquitto_accepts),
		cmocka_unit_test(test_error_first_problem_wins),
		cmocka_unit_test(test_error_nul_byte),
		cmocka_unit_test(test_error_long_line),
		cmocka_unit_test(test_error_too_many_levels),
		cmocka_unit_test(test_add_file),
		cmocka_unit_test(test_unfinished_policy_denies),
	};
	return cmocka_run_group_tests_name("acl_parse", tests, NULL, NULL);
}
