/* Unit tests of plugin/core/lint.c: one case that triggers each check and one
 * that must not, on snapshots built from temporary files. */
#include <stdio.h>

#include "certacl/lint.h"
#include "unit_util.h"

typedef struct lint_run {
	tu_dir dir;
	certacl_snapshot *s;
	certacl_lint lint;
	const char *acl;
	const char *map;
} lint_run;

/* Build a snapshot from an ACL text, an optional map text and options, then lint. */
static void run(lint_run *r, const char *acl, const char *map, const certacl_opt_pair *extra,
		size_t nextra)
{
	memset(r, 0, sizeof(*r));
	tu_dir_make(&r->dir);
	r->acl = tu_dir_write(&r->dir, "policy.acl", acl, (size_t)-1);
	certacl_opt_pair opts[8];
	size_t n = 0;
	opts[n++] = (certacl_opt_pair){ "acl_file", r->acl };
	if(map){
		r->map = tu_dir_write(&r->dir, "ids.map", map, (size_t)-1);
		opts[n++] = (certacl_opt_pair){ "identity_map", r->map };
	}
	for(size_t i = 0; i < nextra && n < 8; i++) opts[n++] = extra[i];
	certacl_error err;
	r->s = snapshot_build(opts, n, "test", &err);
	if(!r->s){
		print_error("snapshot: %s\n", err.text);
		fail();
	}
	assert_true(lint_snapshot(r->s, &r->lint));
}

static void done(lint_run *r)
{
	lint_free(&r->lint);
	assert_int_equal(r->lint.n, 0);
	snapshot_free(r->s);
	tu_dir_remove(&r->dir);
}

static void dump(const lint_run *r)
{
	for(size_t i = 0; i < r->lint.n; i++){
		const certacl_lint_warning *w = &r->lint.items[i];
		print_message("  %s:%u [%s] %s\n", w->file, w->line, w->check, w->message);
	}
}

/* How many warnings of `check` (at `line`, unless line is 0). */
static size_t count(const lint_run *r, const char *check, unsigned line)
{
	size_t n = 0;
	for(size_t i = 0; i < r->lint.n; i++){
		const certacl_lint_warning *w = &r->lint.items[i];
		if(strcmp(w->check, check) == 0 && (line == 0 || w->line == line)) n++;
	}
	return n;
}

static void expect(lint_run *r, const char *check, unsigned line)
{
	if(count(r, check, line) != 1){
		print_error("expected exactly one '%s' warning at line %u; got:\n", check, line);
		dump(r);
		done(r);
		fail();
	}
}

static void expect_none(lint_run *r, const char *check)
{
	if(count(r, check, 0) != 0){
		print_error("expected no '%s' warning; got:\n", check);
		dump(r);
		done(r);
		fail();
	}
}

static void expect_clean(lint_run *r)
{
	if(r->lint.n != 0){
		print_error("expected no warning; got:\n");
		dump(r);
		done(r);
		fail();
	}
}

static void test_check_list(void **state)
{
	(void)state;
	size_t n = 0;
	for(; certacl_lint_checks[n].name; n++){
		assert_non_null(certacl_lint_checks[n].summary);
		for(size_t k = 0; k < n; k++){
			assert_string_not_equal(certacl_lint_checks[k].name, certacl_lint_checks[n].name);
		}
	}
	assert_true(n >= 16);
	assert_null(certacl_lint_checks[n].summary);
}

static const char seed[] = TU_SEED_ACL;

static void test_seed_is_clean(void **state)
{
	(void)state;
	lint_run r;
	run(&r, seed, NULL, NULL, 0);
	expect_clean(&r);
	done(&r);
	/* with a map that produces every user */
	run(&r, seed, "eacm MyEACM\nviewer SparkplugViewer\nhmi HMI\n",
			(certacl_opt_pair[]){ { "unmapped", "deny" } }, 1);
	expect_clean(&r);
	done(&r);
}

static void test_empty_policy(void **state)
{
	(void)state;
	lint_run r;
	run(&r, "# nothing yet\n", NULL, NULL, 0);
	expect(&r, "empty-policy", 0);
	assert_string_equal(r.lint.items[0].file, r.acl);
	done(&r);
}

static void test_placeholders(void **state)
{
	(void)state;
	lint_run r;
	run(&r,
		"user a\n"                          /* 1 */
		"topic read x/%u\n"                 /* 2 placeholder-in-topic */
		"pattern read fixed/topic\n"        /* 3 pattern-no-placeholder */
		"pattern read own/%u/#\n"           /* 4 fine */
		"pattern read cid/%c\n",            /* 5 clientid-pattern (clientid owned) */
		NULL, NULL, 0);
	expect(&r, "placeholder-in-topic", 2);
	expect(&r, "pattern-no-placeholder", 3);
	expect(&r, "clientid-pattern", 5);
	assert_int_equal(count(&r, "placeholder-in-topic", 0), 1);
	assert_int_equal(count(&r, "pattern-no-placeholder", 0), 1);
	done(&r);
	/* %c is fine when client ids are bound to the username */
	run(&r, "pattern read cid/%c\n", NULL, (certacl_opt_pair[]){ { "clientid", "equal" } }, 1);
	expect_none(&r, "clientid-pattern");
	done(&r);
}

/* Lines that load as in mosquitto but are almost surely a mistake: lint and
 * lint_load_warnings (what the plugin logs at start) report the same. */
static void test_load_traps(void **state)
{
	(void)state;
	static const char acl[] =
		"user a\n"                           /* 1 */
		"topic read\n"                       /* 2 one-word-topic */
		"topic deny\n"                       /* 3 one-word-topic */
		"pattern write\n"                    /* 4 one-word-topic, pattern-no-placeholder */
		"topic read\tx/y\n"                  /* 5 one-word-topic (a tab is no separator) */
		"topic readx\n"                      /* 6 fine: a topic called readx */
		"pattern write prefix-%c/data\n"     /* 7 placeholder-in-level */
		"pattern readwrite mixed/%u-%c\n"    /* 8 placeholder-in-level */
		"pattern read fixed\n"               /* 9 pattern-no-placeholder */
		"pattern read own/%u/#\n"            /* 10 fine */
		"topic read Ger\xe4t/#\n";           /* 11 filter-not-utf8 (Latin-1) */
	lint_run r;
	run(&r, acl, NULL, NULL, 0);
	expect(&r, "one-word-topic", 2);
	expect(&r, "one-word-topic", 3);
	expect(&r, "one-word-topic", 4);
	expect(&r, "one-word-topic", 5);
	expect(&r, "pattern-no-placeholder", 4);
	expect(&r, "placeholder-in-level", 7);
	expect(&r, "placeholder-in-level", 8);
	expect(&r, "pattern-no-placeholder", 9);
	assert_int_equal(count(&r, "one-word-topic", 0), 4);
	assert_int_equal(count(&r, "placeholder-in-level", 0), 2);
	assert_int_equal(count(&r, "pattern-no-placeholder", 0), 2);
	expect(&r, "filter-not-utf8", 11);
	assert_int_equal(count(&r, "space-in-filter", 5), 0);   /* one warning for line 5 */
	certacl_lint load;
	assert_true(lint_load_warnings(r.s, &load));
	assert_int_equal(load.n, 9);
	for(size_t i = 0; i + 1 < load.n; i++) assert_true(load.items[i].order <= load.items[i + 1].order);
	assert_int_equal(load.items[0].line, 2);
	assert_string_equal(load.items[0].check, "one-word-topic");
	assert_contains(load.items[0].message, "the topic 'read' with readwrite access");
	lint_free(&load);
	done(&r);
}

static void test_spaces(void **state)
{
	(void)state;
	lint_run r;
	run(&r, "user a\ntopic reed\tx/y\ntopic read a b\ntopic read ok\n", NULL, NULL, 0);
	expect(&r, "space-in-filter", 2);
	expect(&r, "space-in-filter", 3);
	assert_int_equal(count(&r, "space-in-filter", 0), 2);
	assert_contains(r.lint.items[0].message, "reed");
	done(&r);
}

static void test_duplicates_and_shadows(void **state)
{
	(void)state;
	lint_run r;
	run(&r,
		"user a\n"                    /* 1 */
		"topic read x\n"              /* 2 */
		"topic read x\n"              /* 3 duplicate of 2 */
		"topic read y/#\n"            /* 4 */
		"topic read y/z\n"            /* 5 shadowed by 4 (earlier) */
		"topic read w/v\n"            /* 6 shadowed by 7 (broader) */
		"topic read w/+\n"            /* 7 */
		"topic readwrite q/#\n"       /* 8 */
		"topic write q/r\n"           /* 9 shadowed by 8 */
		"topic write s/#\n"           /* 10 */
		"topic read s/t\n",           /* 11 not shadowed: 10 is write only */
		NULL, NULL, 0);
	expect(&r, "duplicate", 3);
	expect(&r, "shadowed", 5);
	expect(&r, "shadowed", 6);
	expect(&r, "shadowed", 9);
	assert_int_equal(count(&r, "duplicate", 0), 1);
	assert_int_equal(count(&r, "shadowed", 0), 3);
	/* the warning names the other rule */
	for(size_t i = 0; i < r.lint.n; i++){
		if(r.lint.items[i].line == 3){
			assert_non_null(r.lint.items[i].other);
			assert_int_equal(r.lint.items[i].other->line, 2);
			assert_non_null(r.lint.items[i].rule);
			assert_int_equal(r.lint.items[i].rule->line, 3);
		}
	}
	done(&r);
	/* the same filter in two users' sections is no duplicate */
	run(&r, "user a\ntopic read x\nuser b\ntopic read x\n", NULL, NULL, 0);
	expect_none(&r, "duplicate");
	expect_none(&r, "shadowed");
	done(&r);
	/* limits: a narrower limit does not shadow a wider grant */
	run(&r, "user a\ntopic read x/# qos<=0\ntopic read x/y\n", NULL, NULL, 0);
	expect_none(&r, "shadowed");
	done(&r);
}

static void test_denies(void **state)
{
	(void)state;
	lint_run r;
	run(&r,
		"user a\n"                    /* 1 */
		"topic deny x/#\n"            /* 2 */
		"topic read x/y\n"            /* 3 allow-always-denied */
		"topic read y\n"              /* 4 */
		"topic deny z\n"              /* 5 deny-no-effect */
		"topic deny x/y/z\n"          /* 6 shadowed by 2 */
		"topic deny x/#\n",           /* 7 duplicate of 2 */
		NULL, NULL, 0);
	expect(&r, "allow-always-denied", 3);
	expect(&r, "deny-no-effect", 5);
	expect(&r, "shadowed", 6);
	expect(&r, "duplicate", 7);
	assert_int_equal(count(&r, "deny-no-effect", 0), 1); /* line 2 denies x/y */
	assert_int_equal(r.lint.n, 4);
	done(&r);
}

static void test_read_all(void **state)
{
	(void)state;
	lint_run r;
	run(&r, "user a\ntopic read #\ntopic read x\n", NULL, NULL, 0);
	expect(&r, "read-all", 2);
	done(&r);
	run(&r, "user a\ntopic read #\ntopic write x\n", NULL, NULL, 0);
	expect_none(&r, "read-all");
	done(&r);
}

static void test_anonymous(void **state)
{
	(void)state;
	lint_run r;
	run(&r, "topic read pub/#\nuser a\ntopic read x\n", NULL, NULL, 0);
	expect(&r, "anonymous-unreachable", 1);
	done(&r);
	run(&r, "topic read pub/#\nuser a\ntopic read x\n", NULL,
			(certacl_opt_pair[]){ { "no_cert", "defer" } }, 1);
	expect_none(&r, "anonymous-unreachable");
	done(&r);
}

static void test_users_and_groups(void **state)
{
	(void)state;
	lint_run r;
	run(&r, "user a/b\ntopic read x\nuser ok\ntopic read y\n", NULL, NULL, 0);
	expect(&r, "user-unsafe-name", 2);
	assert_int_equal(count(&r, "user-unsafe-name", 0), 1);
	done(&r);

	run(&r,
		"user edge1\ntopic read a\n"         /* 1-2: produced by the map */
		"user ghost\ntopic read b\n"         /* 3-4: user-unmapped */
		"user dev-9\ntopic read c\n"         /* 5-6: produced by "dev-* *" */
		"group ops\ntopic read d\n"          /* 7-8: named by the map */
		"group nobody\ntopic read e\n",      /* 9-10: group-unreachable */
		"device-01 edge1 ops\ndev-* *\n",
		(certacl_opt_pair[]){ { "unmapped", "deny" } }, 1);
	expect(&r, "user-unmapped", 4);
	assert_int_equal(count(&r, "user-unmapped", 0), 1);
	expect(&r, "group-unreachable", 10);
	assert_int_equal(count(&r, "group-unreachable", 0), 1);
	done(&r);

	/* groups from the certificate: no group is unreachable */
	run(&r, "group nobody\ntopic read e\n", NULL,
			(certacl_opt_pair[]){ { "groups_from", "ou" } }, 1);
	expect_none(&r, "group-unreachable");
	done(&r);
}

/* Patterns inside a group section: one note per group (at its first
 * pattern), never a warning; they count for the group's reachability, for
 * shadowing within the group, and for the effect of denies. */
static void test_group_patterns(void **state)
{
	(void)state;
	lint_run r;
	run(&r,
		"pattern read all/%u\n"                      /* 1 every client: no note */
		"group edge\n"                               /* 2 */
		"pattern write d/%{ou}/%{cn}\n"              /* 3 note */
		"pattern write d/%{ou}/%{cn}\n"              /* 4 duplicate within the group */
		"pattern read all/%u\n"                      /* 5 shadowed by the global 1 */
		"group host\n"                               /* 6 */
		"pattern write d/%{ou}/%{cn}\n"              /* 7 note; another group: no duplicate */
		"user u\n"                                   /* 8 */
		"pattern read u/%u\n"                        /* 9 every client: no note */
		"topic deny d/+/+\n"                         /* 10 has effect: group patterns allow */
		"group ghost\n"                              /* 11 */
		"pattern read g/%u\n",                       /* 12 group-unreachable, note */
		"E1 E1 edge\nH1 H1 host\n", NULL, 0);
	expect(&r, "group-pattern", 3);
	expect(&r, "group-pattern", 7);
	expect(&r, "group-pattern", 12);
	assert_int_equal(count(&r, "group-pattern", 0), 3);
	expect(&r, "duplicate", 4);
	expect(&r, "shadowed", 5);
	assert_int_equal(count(&r, "duplicate", 7) + count(&r, "shadowed", 7), 0);
	expect_none(&r, "deny-no-effect");
	expect(&r, "group-unreachable", 12);
	for(size_t i = 0; i < r.lint.n; i++){
		const certacl_lint_warning *w = &r.lint.items[i];
		assert_int_equal(w->note, strcmp(w->check, "group-pattern") == 0);
		if(w->note) assert_non_null(strstr(w->message, w->line == 7 ? "group 'host'" : "group '"));
	}
	done(&r);

	/* plain mosquitto files have no group: no note */
	run(&r, "pattern read all/%u\nuser u\npattern read u/%u\n", NULL, NULL, 0);
	expect_none(&r, "group-pattern");
	done(&r);
}

static void test_map_checks(void **state)
{
	(void)state;
	lint_run r;
	run(&r, "user edge1\ntopic read a\n", "device-01 edge1\ndevice-02 edge2\ndevice-03 edge3 g\n",
			NULL, 0);
	expect(&r, "map-user-no-rights", 2);
	expect(&r, "map-user-no-rights", 3);
	for(size_t i = 0; i < r.lint.n; i++){
		if(strcmp(r.lint.items[i].check, "map-user-no-rights") == 0){
			assert_string_equal(r.lint.items[i].file, r.map);
		}
	}
	done(&r);
	/* a pattern that allows something gives every user rights */
	run(&r, "pattern read own/%u\n", "device-02 edge2\n", NULL, 0);
	expect_none(&r, "map-user-no-rights");
	done(&r);

	run(&r, seed, NULL, (certacl_opt_pair[]){ { "unmapped", "deny" } }, 1);
	expect(&r, "unmapped-deny-without-map", 0);
	done(&r);
}

/* Warnings come in load order: ACL files, then the map, then the configuration. */
static void test_order(void **state)
{
	(void)state;
	lint_run r;
	run(&r, "user a\ntopic read x\ntopic read x\npattern read fixed\n",
			"device-01 nosuchuser\n", (certacl_opt_pair[]){ { "unmapped", "deny" } }, 1);
	assert_true(r.lint.n >= 3);
	size_t last = 0;
	for(size_t i = 0; i < r.lint.n; i++){
		assert_true(r.lint.items[i].order >= last);
		last = r.lint.items[i].order;
	}
	done(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check_list),
		cmocka_unit_test(test_seed_is_clean),
		cmocka_unit_test(test_empty_policy),
		cmocka_unit_test(test_placeholders),
		cmocka_unit_test(test_load_traps),
		cmocka_unit_test(test_spaces),
		cmocka_unit_test(test_duplicates_and_shadows),
		cmocka_unit_test(test_denies),
		cmocka_unit_test(test_read_all),
		cmocka_unit_test(test_anonymous),
		cmocka_unit_test(test_users_and_groups),
		cmocka_unit_test(test_group_patterns),
		cmocka_unit_test(test_map_checks),
		cmocka_unit_test(test_order),
	};
	return cmocka_run_group_tests_name("lint", tests, NULL, NULL);
}
