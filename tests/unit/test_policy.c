/* Unit tests of plugin/core/policy.c: placeholders, sections, rule storage,
 * growth of the edge table, memory accounting. */
#include <stdio.h>

#include "policy_internal.h"
#include "unit_util.h"

static void test_var_names(void **state)
{
	(void)state;
	static const char *const names[CERTACL_VAR_COUNT] = {
		"%u", "%c", "%{cn}", "%{ou}", "%{o}", "%{serial}", "%{san.dns}", "%{san.email}",
		"%{san.uri}",
	};
	for(int v = 0; v < CERTACL_VAR_COUNT; v++){
		assert_string_equal(certacl_var_name((certacl_var)v), names[v]);
		/* and the parser's view of that level */
		assert_int_equal(policy_level_var(names[v], strlen(names[v])), v);
	}
	assert_string_equal(certacl_var_name(CERTACL_VAR_COUNT), "?");
	assert_string_equal(certacl_var_name((certacl_var)-1), "?");
}

static void test_level_var(void **state)
{
	(void)state;
	static const struct { const char *s; int v; } cases[] = {
		{ "abc", -1 }, { "", -1 }, { "100%", -1 }, { "%", -1 }, { "%%", -1 }, { "%x", -1 },
		{ "a%b", -1 }, { "%U", -1 }, { "%C", -1 },
		{ "x%u", -2 }, { "%ux", -2 }, { "%u%c", -2 }, { "%c-", -2 }, { "%{foo}", -2 },
		{ "%{cn", -2 }, { "%{CN}", -2 }, { "%{}", -2 }, { "pre%{cn}", -2 }, { "%%u", -2 },
		{ "%{san}", -2 }, { "%{san.ip}", -2 },
	};
	for(size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++){
		int got = policy_level_var(cases[i].s, strlen(cases[i].s));
		if(got != cases[i].v){
			print_error("policy_level_var('%s') = %d, expected %d\n", cases[i].s, got, cases[i].v);
			fail();
		}
	}
	/* only `len` bytes are looked at */
	assert_int_equal(policy_level_var("%u/x", 2), CERTACL_VAR_USERNAME);
}

static void test_sections(void **state)
{
	(void)state;
	certacl_policy *p = tu_policy_ok(
		"topic read anon/#\n"
		"user alice\n"
		"topic read a/#\n"
		"group ops\n"
		"topic read o/#\n"
		"user John Smith\n"
		"topic read j\n"
		"user empty-section\n"
		"group empty-group\n");
	assert_true(policy_has_user(p, "alice"));
	assert_true(policy_has_user(p, "John Smith"));
	assert_true(policy_has_user(p, "empty-section"));
	assert_false(policy_has_user(p, "bob"));
	assert_false(policy_has_user(p, "ops"));       /* a group, not a user */
	assert_false(policy_has_user(p, "Alice"));     /* case matters */
	assert_false(policy_has_user(p, "John"));
	assert_true(policy_has_group(p, "ops"));
	assert_true(policy_has_group(p, "empty-group"));
	assert_false(policy_has_group(p, "alice"));
	assert_false(policy_has_group(p, "nobody"));
	assert_int_equal(policy_rule_count(p), 4);
	assert_null(policy_rule_at(p, 4));
	assert_null(policy_rule_at(p, (size_t)-1));
	for(size_t i = 0; i < 4; i++) assert_int_equal(policy_rule_at(p, i)->seq, i);
	policy_free(p);
	policy_free(NULL);
}

static void test_empty_policy(void **state)
{
	(void)state;
	certacl_policy *p = tu_policy_ok("");
	assert_int_equal(policy_rule_count(p), 0);
	assert_null(policy_rule_at(p, 0));
	assert_false(policy_has_user(p, "x"));
	/* no rules: every publish/read/subscribe is denied */
	static const certacl_access acc[] = { CERTACL_READ, CERTACL_WRITE, CERTACL_SUBSCRIBE };
	for(size_t i = 0; i < 3; i++){
		certacl_decision d = tu_decide_u(p, "x", "c", acc[i], "a/b");
		assert_false(d.allowed);
		assert_int_equal(d.reason, CERTACL_DENIED_NO_RULE);
		assert_null(d.rule);
		d = tu_decide_u(p, NULL, NULL, acc[i], "a/b");
		assert_false(d.allowed);
	}
	policy_free(p);
}

/* Many users and many levels: the edge table and node array grow and every
 * rule is still found. */
/* Whether decisions need the values captured at CONNECT (the plugin skips the
 * client-table lookup when they do not). */
static void test_uses_connection_values(void **state)
{
	(void)state;
	static const struct { const char *text; bool uses; } cases[] = {
		{ "topic read a/#\n", false },
		{ "pattern read d/%u/#\npattern write c/%c\n", false },
		{ "pattern read d/%{cn}\n", true },
		{ "pattern read spBv1.0/%{ou}/NCMD/%u\n", true },
		{ "group ops\ntopic read o/#\n", true },
		{ "topic read %{cn}\n", false }, /* literal text outside patterns */
	};
	for(size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++){
		certacl_policy *p = tu_policy_ok(cases[i].text);
		bool got = policy_uses_connection_values(p);
		policy_free(p);
		if(got != cases[i].uses){
			print_error("case %zu: '%s' -> %d\n", i, cases[i].text, got);
			fail();
		}
	}
}

static void test_growth(void **state)
{
	(void)state;
	const size_t nusers = 5000;
	size_t cap = nusers * 96;
	char *text = malloc(cap);
	assert_non_null(text);
	size_t o = 0;
	for(size_t i = 0; i < nusers; i++){
		o += (size_t)snprintf(text + o, cap - o,
				"user u%zu\ntopic write t/%zu/x\ntopic read t/%zu/y/#\n", i, i, i);
	}
	certacl_policy *p = policy_new();
	assert_non_null(p);
	size_t mem0 = policy_memory(p);
	certacl_error err;
	assert_true(policy_add_text(p, "big.acl", text, o, &err));
	assert_true(policy_finish(p, &err));
	assert_int_equal(policy_rule_count(p), 2 * nusers);
	assert_true(policy_memory(p) > mem0);
	for(size_t i = 0; i < nusers; i++){
		char user[32], topic[64];
		snprintf(user, sizeof(user), "u%zu", i);
		assert_true(policy_has_user(p, user));
		snprintf(topic, sizeof(topic), "t/%zu/x", i);
		certacl_decision d = tu_decide_u(p, user, NULL, CERTACL_WRITE, topic);
		assert_true(d.allowed);
		assert_non_null(d.rule);
		assert_int_equal(d.rule->line, 3 * i + 2);
		/* another user's topic */
		snprintf(topic, sizeof(topic), "t/%zu/x", (i + 1) % nusers);
		d = tu_decide_u(p, user, NULL, CERTACL_WRITE, topic);
		assert_false(d.allowed);
	}
	const certacl_rule *r = policy_rule_at(p, 2 * nusers - 1);
	assert_string_equal(r->section_name, "u4999");
	assert_string_equal(r->filter, "t/4999/y/#");
	policy_free(p);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_var_names),
		cmocka_unit_test(test_level_var),
		cmocka_unit_test(test_sections),
		cmocka_unit_test(test_empty_policy),
		cmocka_unit_test(test_growth),
		cmocka_unit_test(test_uses_connection_values),
	};
	return cmocka_run_group_tests_name("policy", tests, NULL, NULL);
}
