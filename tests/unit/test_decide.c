/* Unit tests of plugin/core/decide.c: one decision (who, topic, access) ->
 * allow/deny and the deciding rule. SPEC section 3. */
#include <stdio.h>

#include "certacl/topic.h"
#include "unit_util.h"

enum { R = CERTACL_READ, W = CERTACL_WRITE, S = CERTACL_SUBSCRIBE, U = CERTACL_UNSUBSCRIBE };

typedef struct {
	const char *user;      /* NULL: anonymous */
	const char *clientid;
	int access;
	const char *topic;
	bool allowed;
	certacl_reason reason;
	unsigned line;         /* deciding rule's line, 0: no rule */
} dcase;

/* For a granted SUBSCRIBE the code reports the first readable rule it finds
 * that overlaps the filter (not necessarily the earliest in the file): a case
 * with line ANY accepts any such rule. */
#define ANY 0xFFFFu

static bool subscribe_justified(const certacl_rule *r, const char *filter)
{
	if(!r || r->deny || !(r->perms & CERTACL_READ)) return false;
	const char *group;
	size_t glen;
	const char *f = topic_strip_share(filter, &group, &glen);
	if(!f) return false;
	/* placeholder rules: the placeholders are not wildcards; accept them */
	return r->has_vars || filter_overlaps(r->filter, f);
}

static void run_cases(const certacl_policy *p, const char *file, const dcase *c, size_t n)
{
	unsigned failures = 0;
	for(size_t i = 0; i < n; i++){
		certacl_decision d = tu_decide_u(p, c[i].user, c[i].clientid, (certacl_access)c[i].access,
				c[i].topic);
		unsigned line = d.rule ? d.rule->line : 0;
		unsigned want = c[i].line;
		if(want == ANY && subscribe_justified(d.rule, c[i].topic)) want = line;
		if(d.allowed != c[i].allowed || d.reason != c[i].reason || line != want
				|| (d.rule && strcmp(d.rule->file, file) != 0)){
			print_error("case %zu: user %s client %s %s '%s': got %s/%s line %u, "
					"expected %s/%s line %u\n", i,
					c[i].user ? c[i].user : "(null)", c[i].clientid ? c[i].clientid : "(null)",
					certacl_access_name((certacl_access)c[i].access), c[i].topic,
					d.allowed ? "allow" : "deny", certacl_reason_text(d.reason), line,
					c[i].allowed ? "allow" : "deny", certacl_reason_text(c[i].reason), c[i].line);
			failures++;
		}
	}
	assert_int_equal(failures, 0);
}

#define RUN(p, file, cases) run_cases((p), (file), (cases), sizeof(cases) / sizeof((cases)[0]))

static certacl_policy *load(const char *file, const char *text)
{
	certacl_error err;
	certacl_policy *p = tu_policy(file, text, &err);
	if(!p){
		print_error("%s\n", err.text);
		fail();
	}
	return p;
}

#define ALLOW(line) true, CERTACL_ALLOWED_BY_RULE, line
#define DENY_RULE(line) false, CERTACL_DENIED_BY_RULE, line
#define NO_RULE false, CERTACL_DENIED_NO_RULE, 0
#define BAD false, CERTACL_DENIED_BAD_TOPIC, 0
#define SHARE false, CERTACL_DENIED_SHARE, 0
#define UNSUB true, CERTACL_ALLOWED_UNSUBSCRIBE, 0

/* ---- SPEC section 1: the seed file ---- */

static const char seed_text[] = TU_SEED_ACL;

static void test_seed_decisions(void **state)
{
	(void)state;
	static const dcase cases[] = {
		/* MyEACM: read STATE, readwrite spBv1.0 */
		{ "MyEACM", "eacm", R, "STATE/x", ALLOW(2) },
		{ "MyEACM", "eacm", W, "STATE/x", NO_RULE },
		{ "MyEACM", "eacm", S, "STATE/x", ALLOW(2) },
		{ "MyEACM", "eacm", S, "STATE/+", ALLOW(2) },
		{ "MyEACM", "eacm", S, "STATE/#", ALLOW(2) },
		{ "MyEACM", "eacm", R, "STATE", NO_RULE },
		{ "MyEACM", "eacm", R, "STATE/x/y", NO_RULE },
		{ "MyEACM", "eacm", R, "spBv1.0/G/NDATA/E", ALLOW(3) },
		{ "MyEACM", "eacm", W, "spBv1.0/G/NDATA/E", ALLOW(3) },
		{ "MyEACM", "eacm", W, "spBv1.0/G/NCMD/E", ALLOW(3) },
		{ "MyEACM", "eacm", W, "spBv1.0", ALLOW(3) },
		{ "MyEACM", "eacm", W, "spBv1.0/STATE/host", ALLOW(3) },
		{ "MyEACM", "eacm", S, "spBv1.0/#", ALLOW(3) },
		{ "MyEACM", "eacm", S, "spBv1.0/+/NDATA/+", ALLOW(3) },
		{ "MyEACM", "eacm", R, "other/topic", NO_RULE },
		{ "MyEACM", "eacm", W, "other/topic", NO_RULE },
		{ "MyEACM", "eacm", S, "other/#", NO_RULE },
		{ "MyEACM", "eacm", S, "$SYS/#", NO_RULE },
		{ "MyEACM", "eacm", R, "$SYS/broker/load", NO_RULE },
		{ "MyEACM", "eacm", R, "spbv1.0/G/NDATA/E", NO_RULE },    /* case matters */
		/* SparkplugViewer: read only */
		{ "SparkplugViewer", "v", R, "STATE/x", ALLOW(6) },
		{ "SparkplugViewer", "v", W, "STATE/x", NO_RULE },
		{ "SparkplugViewer", "v", R, "spBv1.0/G/NDATA/E", ALLOW(7) },
		{ "SparkplugViewer", "v", W, "spBv1.0/G/NDATA/E", NO_RULE },
		{ "SparkplugViewer", "v", W, "spBv1.0/G/NCMD/E", NO_RULE },
		{ "SparkplugViewer", "v", S, "spBv1.0/G/#", ALLOW(7) },
		{ "SparkplugViewer", "v", S, "#", ALLOW(ANY) },           /* overlaps both rules */
		{ "SparkplugViewer", "v", W, "other", NO_RULE },
		/* HMI: readwrite both */
		{ "HMI", "hmi", R, "STATE/x", ALLOW(10) },
		{ "HMI", "hmi", W, "STATE/x", ALLOW(10) },
		{ "HMI", "hmi", R, "spBv1.0/G/NDATA/E", ALLOW(11) },
		{ "HMI", "hmi", W, "spBv1.0/G/NDATA/E", ALLOW(11) },
		{ "HMI", "hmi", S, "STATE/+", ALLOW(10) },
		{ "HMI", "hmi", W, "other/topic", NO_RULE },
		{ "HMI", "hmi", R, "other/topic", NO_RULE },
		{ "HMI", "hmi", W, "STATE", NO_RULE },
		/* an unknown user: nothing */
		{ "Mallory", "m", R, "STATE/x", NO_RULE },
		{ "Mallory", "m", W, "spBv1.0/G/NDATA/E", NO_RULE },
		{ "Mallory", "m", S, "#", NO_RULE },
		{ "hmi", "m", W, "STATE/x", NO_RULE },
		/* anonymous (no username, or an empty one): nothing */
		{ NULL, "anon", R, "STATE/x", NO_RULE },
		{ NULL, NULL, W, "spBv1.0/G/NDATA/E", NO_RULE },
		{ NULL, "anon", S, "#", NO_RULE },
		{ "", "anon", R, "STATE/x", NO_RULE },
		/* a client id naming a user gives nothing */
		{ NULL, "HMI", W, "STATE/x", NO_RULE },
		{ "Mallory", "MyEACM", R, "STATE/x", NO_RULE },
		/* unsubscribe is always allowed */
		{ "Mallory", "m", U, "STATE/x", UNSUB },
		{ NULL, NULL, U, "#", UNSUB },
	};
	certacl_policy *p = load("seed.acl", seed_text);
	RUN(p, "seed.acl", cases);
	policy_free(p);
}

/* ---- deny wins over any allow, in any section ---- */

static void test_deny_wins(void **state)
{
	(void)state;
	static const char text[] =
		"topic readwrite open/#\n"           /* 1 anon allow */
		"pattern deny secret/%u\n"           /* 2 pattern deny */
		"pattern readwrite data/#\n"         /* 3 pattern allow */
		"user alice\n"                       /* 4 */
		"topic readwrite secret/#\n"         /* 5 user allow, beaten by line 2 */
		"topic readwrite both/#\n"           /* 6 */
		"topic deny both/x\n"                /* 7 deny after the allow in the same section */
		"user bob\n"                         /* 8 */
		"topic deny data/private\n"          /* 9 user deny beats pattern allow (3) */
		"topic deny #\n"                     /* 10 */
		"topic readwrite bob/#\n"            /* 11 beaten by 10 */
		"group g\n"                          /* 12 */
		"topic deny secret/shared\n"         /* 13 group deny beats user allow (5) */
		"user carol\n"                       /* 14 */
		"topic deny data/private\n"          /* 15 */
		"topic deny data/private\n"          /* 16 same deny twice: the earliest reported */
		"topic read data/private\n";         /* 17 */
	static const dcase cases[] = {
		{ "alice", NULL, W, "secret/alice", DENY_RULE(2) },
		{ "alice", NULL, R, "secret/alice", DENY_RULE(2) },
		{ "alice", NULL, W, "secret/bob", ALLOW(5) },
		{ "alice", NULL, W, "secret/alice/x", ALLOW(5) },
		{ "alice", NULL, W, "both/y", ALLOW(6) },
		{ "alice", NULL, W, "both/x", DENY_RULE(7) },
		{ "alice", NULL, R, "data/private", ALLOW(3) },   /* bob's deny is bob's */
		{ "bob", NULL, R, "data/private", DENY_RULE(9) }, /* 9 precedes 10 */
		{ "bob", NULL, R, "data/public", DENY_RULE(10) },
		{ "bob", NULL, W, "bob/x", DENY_RULE(10) },
		{ "bob", NULL, W, "secret/bob", DENY_RULE(2) },   /* earliest deny */
		{ "bob", NULL, W, "$SYS/x", NO_RULE },            /* '#' does not reach '$' */
		{ "carol", NULL, R, "data/private", DENY_RULE(15) },
		{ "carol", NULL, R, "data/public", ALLOW(3) },
		{ NULL, NULL, W, "open/x", ALLOW(1) },
		{ NULL, NULL, W, "data/x", ALLOW(3) },
		/* subscriptions: covered by a deny -> refused */
		{ "bob", NULL, S, "bob/#", DENY_RULE(10) },
		{ "alice", NULL, S, "secret/alice", DENY_RULE(2) },
		{ "alice", NULL, S, "secret/+", ALLOW(5) },       /* not covered by secret/alice */
		{ "alice", NULL, S, "both/x", DENY_RULE(7) },
	};
	certacl_policy *p = load("deny.acl", text);
	RUN(p, "deny.acl", cases);

	/* group deny beats the user's own allow */
	static const char *const groups[] = { "g" };
	certacl_subject who = tu_subject("alice", NULL);
	who.groups = groups;
	who.ngroups = 1;
	certacl_decision d = tu_decide(p, &who, CERTACL_WRITE, "secret/shared");
	assert_false(d.allowed);
	assert_int_equal(d.reason, CERTACL_DENIED_BY_RULE);
	assert_int_equal(d.rule->line, 13);
	assert_true(d.rule->deny);
	assert_string_equal(d.rule->text, "topic deny secret/shared");
	assert_string_equal(d.rule->section_name, "g");
	d = tu_decide(p, &who, CERTACL_WRITE, "secret/other");
	assert_true(d.allowed);
	policy_free(p);
}

/* Order inside and across sections does not change the outcome, only which
 * rule is reported (the earliest). A rule without the needed access does not
 * stop the search (mosquitto does the same). */
static void test_rule_reporting(void **state)
{
	(void)state;
	static const char text[] =
		"pattern read a/#\n"                 /* 1 */
		"user u\n"                           /* 2 */
		"topic read a/b\n"                   /* 3 */
		"topic read a/+\n"                   /* 4 */
		"topic write a/b\n"                  /* 5 */
		"topic read x/#\n"                   /* 6 read only ... */
		"topic write x/y\n"                  /* 7 ... write found further on */
		"topic deny d/#\n"                   /* 8 */
		"topic deny d/+\n"                   /* 9 */
		"topic readwrite d/x\n";             /* 10 */
	static const dcase cases[] = {
		{ "u", NULL, R, "a/b", ALLOW(1) },
		{ "u", NULL, R, "a/c", ALLOW(1) },
		{ "u", NULL, W, "a/b", ALLOW(5) },
		{ "u", NULL, W, "a/c", NO_RULE },
		{ "u", NULL, W, "x/y", ALLOW(7) },
		{ "u", NULL, R, "x/y", ALLOW(6) },
		{ "u", NULL, W, "d/x", DENY_RULE(8) },
		{ "u", NULL, R, "d", DENY_RULE(8) },          /* d/# matches d */
		{ "v", NULL, R, "a/b", ALLOW(1) },
		{ NULL, NULL, R, "a", ALLOW(1) },
	};
	certacl_policy *p = load("order.acl", text);
	RUN(p, "order.acl", cases);
	certacl_decision d = tu_decide_u(p, "u", NULL, CERTACL_WRITE, "a/b");
	assert_string_equal(d.rule->text, "topic write a/b");
	assert_string_equal(d.rule->section_name, "u");
	assert_int_equal(d.rule->section, CERTACL_SECTION_USER);
	d = tu_decide_u(p, "u", NULL, CERTACL_READ, "a/b");
	assert_int_equal(d.rule->section, CERTACL_SECTION_PATTERN);
	assert_null(d.rule->section_name);
	policy_free(p);
}

/* ---- the anonymous section ---- */

static void test_anonymous_section(void **state)
{
	(void)state;
	static const char text[] =
		"topic read public/#\n"              /* 1 */
		"topic deny public/secret\n"         /* 2 */
		"topic write anon/in\n"              /* 3 */
		"pattern read everyone/#\n"          /* 4 */
		"user alice\n"                       /* 5 */
		"topic read alice/#\n"               /* 6 */
		"topic read public/secret\n";        /* 7 */
	static const dcase cases[] = {
		{ NULL, "c1", R, "public/x", ALLOW(1) },
		{ "", "c1", R, "public/x", ALLOW(1) },          /* "" counts as no username */
		{ NULL, "c1", W, "anon/in", ALLOW(3) },
		{ "", NULL, W, "anon/in", ALLOW(3) },
		{ NULL, "c1", R, "public/secret", DENY_RULE(2) },
		{ NULL, "c1", R, "alice/x", NO_RULE },
		{ NULL, "c1", R, "everyone/x", ALLOW(4) },      /* patterns apply to all */
		{ "alice", "c1", R, "public/x", NO_RULE },      /* anon rules are not alice's */
		{ "alice", "c1", W, "anon/in", NO_RULE },
		{ "alice", "c1", R, "public/secret", ALLOW(7) },/* the anon deny is not alice's */
		{ "alice", "c1", R, "alice/x", ALLOW(6) },
		{ "alice", "c1", R, "everyone/x", ALLOW(4) },
		{ "bob", "c1", R, "public/x", NO_RULE },        /* unknown user: not anonymous */
		{ "bob", "c1", R, "everyone/x", ALLOW(4) },
		{ NULL, NULL, S, "public/#", ALLOW(1) },
		{ "bob", NULL, S, "public/#", NO_RULE },
	};
	certacl_policy *p = load("anon.acl", text);
	RUN(p, "anon.acl", cases);
	policy_free(p);
}

/* ---- patterns: %u, %c and certificate placeholders ---- */

static void test_patterns_username_clientid(void **state)
{
	(void)state;
	static const char text[] =
		"pattern readwrite users/%u/#\n"     /* 1 */
		"pattern read clients/%c\n"          /* 2 */
		"pattern write both/%u/%c\n"         /* 3 */
		"pattern read %u/first\n";           /* 4 */
	static const dcase cases[] = {
		{ "alice", "c1", R, "users/alice/x", ALLOW(1) },
		{ "alice", "c1", W, "users/alice", ALLOW(1) },
		{ "alice", "c1", R, "users/bob/x", NO_RULE },
		{ "alice", "c1", R, "users/alicex/y", NO_RULE },   /* whole level only */
		{ "alice", "c1", R, "users/alic/y", NO_RULE },
		{ "alice", "c1", R, "users/%u/x", NO_RULE },       /* no literal placeholder */
		{ "alice", "c1", R, "clients/c1", ALLOW(2) },
		{ "alice", "c1", R, "clients/c2", NO_RULE },
		{ "alice", "c1", W, "both/alice/c1", ALLOW(3) },
		{ "alice", "c1", W, "both/c1/alice", NO_RULE },
		{ "alice", "c1", R, "alice/first", ALLOW(4) },
		{ "bob", "c2", R, "bob/first", ALLOW(4) },
		/* anonymous: %u grants nothing, %c still applies (as in mosquitto) */
		{ NULL, "c9", R, "clients/c9", ALLOW(2) },
		{ NULL, "c9", R, "users//x", NO_RULE },
		{ "", "c9", R, "users//x", NO_RULE },
		{ NULL, "c9", W, "both//c9", NO_RULE },
		/* NULL or empty client id grants nothing */
		{ "alice", NULL, R, "clients/", NO_RULE },
		{ "alice", "", R, "clients/", NO_RULE },
		/* values with '/', '+', '#' grant nothing (no extra levels, no wildcards) */
		{ "alice/x", "c1", R, "users/alice/x/y", NO_RULE },
		{ "alice/x", "c1", R, "users/alice/x", NO_RULE },
		{ "a", "c/d", R, "clients/c/d", NO_RULE },
		{ "+", "c1", R, "users/anyone/x", NO_RULE },
		{ "#", "c1", R, "users/anyone/x", NO_RULE },
		{ "a+b", "c1", R, "users/a+b/x", BAD },            /* not even a valid name */
		{ "a", "+", R, "clients/x", NO_RULE },
		{ "a", "#", R, "clients/x", NO_RULE },
		/* control characters, invalid UTF-8 */
		{ "a\nb", "c1", R, "users/a\nb/x", NO_RULE },
		{ "a", "c\x01", R, "clients/c\x01", NO_RULE },
		/* a '$' value cannot open a '$' topic */
		{ "$SYS", "c1", R, "$SYS/first", NO_RULE },
		{ "$SYS", "c1", R, "users/$SYS/x", ALLOW(1) },     /* deeper levels are fine */
		/* but the same user still gets its other rules */
		{ "alice/x", "c1", R, "clients/c1", ALLOW(2) },
	};
	certacl_policy *p = load("pat.acl", text);
	RUN(p, "pat.acl", cases);

	/* a 257-byte username grants nothing; 256 bytes is fine */
	char name[CERTACL_IDENTITY_MAX + 2], topic[400];
	memset(name, 'n', sizeof(name));
	name[CERTACL_IDENTITY_MAX] = '\0';
	snprintf(topic, sizeof(topic), "users/%s/x", name);
	assert_true(tu_decide_u(p, name, NULL, CERTACL_READ, topic).allowed);
	name[CERTACL_IDENTITY_MAX] = 'n';
	name[CERTACL_IDENTITY_MAX + 1] = '\0';
	snprintf(topic, sizeof(topic), "users/%s/x", name);
	assert_false(tu_decide_u(p, name, NULL, CERTACL_READ, topic).allowed);
	/* invalid UTF-8 username: nothing, and the topic is refused anyway */
	assert_false(tu_decide_u(p, "\xc0\xaf", NULL, CERTACL_READ, "users/x").allowed);
	policy_free(p);
}

/* `topic` lines never substitute (as in mosquitto): "%u" there is literal text. */
/* A client whose username or client id holds '+' or '#' gets nothing from
 * pattern lines, even from those without placeholders (as in mosquitto 2.0
 * and 2.1); its user rules still apply, and pattern denies still deny. */
static void test_patterns_wildcard_clients(void **state)
{
	(void)state;
	static const char text[] =
		"user alice\n"                     /* 1 */
		"topic read own/#\n"               /* 2 */
		"user a+b\n"                       /* 3 */
		"topic read plus/#\n"              /* 4 */
		"pattern readwrite home/%u/#\n"    /* 5 */
		"pattern read public/#\n"          /* 6 no placeholder */
		"pattern deny own/secret\n";       /* 7 */
	static const dcase cases[] = {
		{ "alice", "c1", W, "home/alice/x", ALLOW(5) },
		{ "alice", "c1", R, "public/x", ALLOW(6) },
		{ "alice", "a+1", W, "home/alice/x", NO_RULE },    /* the issue's example */
		{ "alice", "a+1", R, "public/x", NO_RULE },
		{ "alice", "a#", R, "public/x", NO_RULE },
		{ "alice", "a+1", R, "own/x", ALLOW(2) },          /* user rules still apply */
		{ "alice", "a+1", R, "own/secret", DENY_RULE(7) }, /* pattern denies too */
		{ "alice", "a+1", S, "public/#", NO_RULE },
		{ "alice", "a+1", S, "own/#", ALLOW(2) },
		{ "a+b", "c1", R, "plus/x", ALLOW(4) },
		{ "a+b", "c1", R, "public/x", NO_RULE },
		{ NULL, "x#y", R, "public/x", NO_RULE },
		{ NULL, "xy", R, "public/x", ALLOW(6) },
		{ "a/b", "c1", R, "public/x", ALLOW(6) },          /* '/' only spoils %u */
	};
	certacl_policy *p = load("wild.acl", text);
	RUN(p, "wild.acl", cases);
	policy_free(p);
}

/* A placeholder that does not fill its level grants nothing (mosquitto 2.1
 * reads it as literal text, 2.0 substituted it) and stands for '+' in a deny. */
static void test_placeholder_inside_level(void **state)
{
	(void)state;
	static const char text[] =
		"pattern write prefix-%c/data\n"   /* 1 */
		"pattern readwrite mixed/%u-%c\n"  /* 2 */
		"pattern readwrite own/%u/#\n"     /* 3 */
		"pattern deny own/%u/x%c\n"        /* 4 */
		"pattern read lit/%{foo}\n";       /* 5 unknown placeholder */
	static const dcase cases[] = {
		{ "u", "c", W, "prefix-c/data", NO_RULE },        /* 2.0 substituted */
		{ "u", "c", W, "prefix-%c/data", NO_RULE },       /* 2.1 literal */
		{ "u", "c", W, "mixed/u-c", NO_RULE },
		{ "u", "c", W, "mixed/%u-%c", NO_RULE },
		{ "u", "c", W, "own/u/y/z", ALLOW(3) },
		{ "u", "c", W, "own/u/xc", DENY_RULE(4) },
		{ "u", "c", W, "own/u/anything", DENY_RULE(4) },  /* the deny acts as '+' */
		{ "u", "c", R, "lit/%{foo}", NO_RULE },
		{ "u", "c", S, "prefix-%c/data", NO_RULE },
	};
	certacl_policy *p = load("inlevel.acl", text);
	RUN(p, "inlevel.acl", cases);
	assert_false(policy_uses_connection_values(p));
	policy_free(p);
}

/* What mosquitto refuses before any ACL is asked (acl__check_dollar). */
static void test_broker_refusal(void **state)
{
	(void)state;
	static const struct { int access; const char *topic; bool refused; } cases[] = {
		{ W, "$SYS/broker/load", true },
		{ W, "$SYS", true },
		{ W, "$SYSTEM/x", true },                          /* a prefix, as mosquitto compares */
		{ W, "$SYS/broker/connection/b1/state", false },
		{ W, "$SYS/broker/connection/b1/state/x", true },
		{ R, "$SYS/broker/load", false },
		{ S, "$SYS/#", false },
		{ W, "$share/g/a", true },
		{ R, "$share/g/a", true },
		{ R, "$shared/a", true },
		{ S, "$share/g/a", false },
		{ U, "$share/g/a", false },
		{ W, "$CONTROL/x", false },
		{ W, "a/$SYS", false },
		{ W, "plain", false },
	};
	for(size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++){
		certacl_request req = { .access = (certacl_access)cases[i].access,
			.topic = cases[i].topic, .topic_len = strlen(cases[i].topic) };
		const char *why = acl_broker_refusal(&req);
		if((why != NULL) != cases[i].refused){
			print_error("case %zu: %s '%s': %s\n", i, certacl_access_name(req.access),
					req.topic, why ? why : "not refused");
			fail();
		}
	}
}

static void test_topic_lines_are_literal(void **state)
{
	(void)state;
	static const char text[] =
		"user alice\n"                      /* 1 */
		"topic read lit/%u\n"               /* 2 */
		"topic read lit/%c/x\n";            /* 3 */
	static const dcase cases[] = {
		{ "alice", "c1", R, "lit/%u", ALLOW(2) },
		{ "alice", "c1", R, "lit/alice", NO_RULE },
		{ "alice", "c1", R, "lit/%c/x", ALLOW(3) },
		{ "alice", "c1", R, "lit/c1/x", NO_RULE },
		{ "alice", "c1", S, "lit/+", ALLOW(2) },
	};
	certacl_policy *p = load("lit.acl", text);
	RUN(p, "lit.acl", cases);
	policy_free(p);
}

/* A deny never weakens because a value is missing or unsafe: its placeholder
 * level then acts as '+' (a user "a/b" is kept out of "private/a/b/x", which
 * the deny meant for it, and a client without a username out of private/+/#),
 * while an allow with such a value grants nothing. */
static void test_patterns_unsafe_deny(void **state)
{
	(void)state;
	static const char text[] =
		"pattern deny private/%u/#\n"        /* 1 */
		"pattern read private/#\n";          /* 2 */
	certacl_policy *p = load("pd.acl", text);
	static const dcase cases[] = {
		{ "alice", NULL, R, "private/alice/x", DENY_RULE(1) },
		{ "alice", NULL, R, "private/bob/x", ALLOW(2) },
		{ "a/b", NULL, R, "private/a/b/x", DENY_RULE(1) },
		{ NULL, NULL, R, "private/x", DENY_RULE(1) },
		{ NULL, NULL, R, "public/x", NO_RULE },
		{ "a/b", NULL, S, "private/#", ALLOW(2) },
		{ "a/b", NULL, S, "private/+/#", DENY_RULE(1) },
		{ "alice", NULL, S, "private/alice/#", DENY_RULE(1) },
		{ "alice", NULL, S, "private/+/#", ALLOW(2) },
	};
	RUN(p, "pd.acl", cases);
	policy_free(p);
}

static void test_patterns_certificate_values(void **state)
{
	(void)state;
	static const char text[] =
		"pattern read spBv1.0/%{ou}/NCMD/%{cn}\n"            /* 1 */
		"pattern write spBv1.0/%{ou}/NDATA/%{cn}\n"          /* 2 */
		"pattern read v/o/%{o}\n"                            /* 3 */
		"pattern read v/serial/%{serial}\n"                  /* 4 */
		"pattern read v/dns/%{san.dns}\n"                    /* 5 */
		"pattern read v/email/%{san.email}\n"                /* 6 */
		"pattern read v/uri/%{san.uri}\n"                    /* 7 */
		"pattern read v/cn/%{cn}\n"                          /* 8 */
		"pattern read v/ou/%{ou}\n";                         /* 9 */
	certacl_policy *p = load("cert.acl", text);
	certacl_subject who = tu_subject("edge", "edge-client");
	who.vars[CERTACL_VAR_CN] = "E1";
	who.vars[CERTACL_VAR_OU] = "G1";
	who.vars[CERTACL_VAR_O] = "Acme";
	who.vars[CERTACL_VAR_SERIAL] = "0a1b";
	who.vars[CERTACL_VAR_SAN_DNS] = "e1.example";
	who.vars[CERTACL_VAR_SAN_EMAIL] = "e1@example.com";
	who.vars[CERTACL_VAR_SAN_URI] = "urn:e1";
	static const struct { certacl_access a; const char *topic; bool ok; unsigned line; } cases[] = {
		{ CERTACL_READ, "spBv1.0/G1/NCMD/E1", true, 1 },
		{ CERTACL_WRITE, "spBv1.0/G1/NCMD/E1", false, 0 },
		{ CERTACL_WRITE, "spBv1.0/G1/NDATA/E1", true, 2 },
		{ CERTACL_WRITE, "spBv1.0/G1/NDATA/E2", false, 0 },
		{ CERTACL_WRITE, "spBv1.0/G2/NDATA/E1", false, 0 },
		{ CERTACL_READ, "spBv1.0/E1/NCMD/G1", false, 0 },  /* values in the wrong places */
		{ CERTACL_READ, "v/o/Acme", true, 3 },
		{ CERTACL_READ, "v/serial/0a1b", true, 4 },
		{ CERTACL_READ, "v/serial/0A1B", false, 0 },
		{ CERTACL_READ, "v/dns/e1.example", true, 5 },
		{ CERTACL_READ, "v/email/e1@example.com", true, 6 },
		{ CERTACL_READ, "v/uri/urn:e1", true, 7 },
		{ CERTACL_READ, "v/cn/E1", true, 8 },
		{ CERTACL_READ, "v/ou/G1", true, 9 },
		{ CERTACL_READ, "v/cn/G1", false, 0 },
		{ CERTACL_READ, "v/o/edge", false, 0 },
		{ CERTACL_SUBSCRIBE, "spBv1.0/G1/NCMD/E1", true, 1 },
		{ CERTACL_SUBSCRIBE, "spBv1.0/G1/NCMD/#", true, 1 },
		{ CERTACL_SUBSCRIBE, "spBv1.0/G2/NCMD/#", false, 0 },
		{ CERTACL_SUBSCRIBE, "spBv1.0/+/NCMD/+", true, 1 },
	};
	for(size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++){
		certacl_decision d = tu_decide(p, &who, cases[i].a, cases[i].topic);
		if(d.allowed != cases[i].ok || (d.rule ? d.rule->line : 0) != cases[i].line){
			print_error("case %zu %s: got %d line %u\n", i, cases[i].topic, d.allowed,
					d.rule ? d.rule->line : 0);
			fail();
		}
	}
	/* unknown (NULL) certificate values: the rules that need them grant nothing,
	 * e.g. for a will decided without the certificate */
	certacl_subject nocert = tu_subject("edge", "edge-client");
	assert_false(tu_decide(p, &nocert, CERTACL_READ, "spBv1.0/G1/NCMD/E1").allowed);
	assert_false(tu_decide(p, &nocert, CERTACL_SUBSCRIBE, "spBv1.0/+/NCMD/+").allowed);
	/* one value unknown is enough */
	who.vars[CERTACL_VAR_CN] = NULL;
	assert_false(tu_decide(p, &who, CERTACL_READ, "spBv1.0/G1/NCMD/E1").allowed);
	/* unsafe certificate values grant nothing */
	static const char *const unsafe[] = { "E/1", "E+", "#", "", "E\x01" };
	for(size_t i = 0; i < sizeof(unsafe) / sizeof(unsafe[0]); i++){
		who.vars[CERTACL_VAR_CN] = unsafe[i];
		char topic[64];
		snprintf(topic, sizeof(topic), "v/cn/%s", unsafe[i]);
		certacl_decision d = tu_decide(p, &who, CERTACL_READ, topic);
		assert_false(d.allowed);
		snprintf(topic, sizeof(topic), "spBv1.0/G1/NCMD/%s", unsafe[i]);
		d = tu_decide(p, &who, CERTACL_READ, topic);
		assert_false(d.allowed);
	}
	policy_free(p);
}

/* ---- '$' topics ---- */

static void test_dollar_topics(void **state)
{
	(void)state;
	static const char text[] =
		"topic readwrite #\n"                /* 1 */
		"topic readwrite +/status\n"         /* 2 */
		"topic read $SYS/broker/#\n"         /* 3 */
		"pattern readwrite %c/#\n"           /* 4 */
		"user u\n"                           /* 5 */
		"topic read +/+/#\n"                 /* 6 */
		"topic read $CONTROL/+\n";           /* 7 */
	static const dcase cases[] = {
		{ NULL, NULL, R, "$SYS/broker/load", ALLOW(3) },
		{ NULL, NULL, W, "$SYS/broker/load", NO_RULE },   /* '#' does not match '$' */
		{ NULL, NULL, R, "$SYS/status", NO_RULE },        /* nor '+' */
		{ NULL, NULL, R, "$SYS", NO_RULE },
		{ NULL, NULL, W, "$foo/x", NO_RULE },
		{ NULL, NULL, R, "a/status", ALLOW(1) },
		{ NULL, NULL, R, "a/$x", ALLOW(1) },              /* only the first level counts */
		{ NULL, NULL, W, "a/$SYS/x", ALLOW(1) },
		{ NULL, NULL, S, "#", ALLOW(ANY) },
		{ NULL, NULL, S, "$SYS/#", ALLOW(3) },
		{ NULL, NULL, S, "$SYS/broker/+", ALLOW(3) },
		{ NULL, NULL, S, "$SYS/other/#", NO_RULE },
		{ NULL, NULL, S, "+/broker/#", ALLOW(ANY) },      /* overlaps '#' (non-$) */
		{ NULL, "$SYS", W, "$SYS/x", NO_RULE },           /* %c = "$SYS" opens nothing */
		{ NULL, "$SYS", W, "a/b", ALLOW(1) },
		{ "u", "$SYS", R, "$SYS/x/y", NO_RULE },
		{ "u", NULL, R, "$CONTROL/x", ALLOW(7) },
		{ "u", NULL, R, "a/b/c", ALLOW(6) },
		{ "u", NULL, S, "$CONTROL/#", ALLOW(7) },
		{ "u", NULL, S, "$SYS/#", NO_RULE },
		{ "u", NULL, S, "+/+/x", ALLOW(ANY) },
	};
	certacl_policy *p = load("dollar.acl", text);
	RUN(p, "dollar.acl", cases);
	policy_free(p);

	/* only '$'-rules: "#" and "+/..." subscriptions overlap nothing readable */
	p = load("sys.acl", "topic read $SYS/#\n");
	static const dcase sys[] = {
		{ NULL, NULL, S, "#", NO_RULE },
		{ NULL, NULL, S, "+/#", NO_RULE },
		{ NULL, NULL, S, "+/broker/load", NO_RULE },
		{ NULL, NULL, S, "$SYS/#", ALLOW(1) },
		{ NULL, NULL, S, "$SYS", ALLOW(1) },
		{ NULL, NULL, R, "$SYS/x", ALLOW(1) },
		{ NULL, NULL, R, "$SYS", ALLOW(1) },
	};
	RUN(p, "sys.acl", sys);
	policy_free(p);
}

/* ---- SUBSCRIBE / UNSUBSCRIBE / $share ---- */

static const char sub_text[] =
	"user s\n"                           /* 1 */
	"topic read a/b/c\n"                 /* 2 */
	"topic read x/#\n"                   /* 3 */
	"topic write w/#\n"                  /* 4 */
	"topic deny x/secret/#\n"            /* 5 */
	"topic read d/+\n"                   /* 6 */
	"topic deny d/+\n"                   /* 7 */
	"topic read e/+/f\n"                 /* 8 */
	"topic deny e/+/f\n";                /* 9 */

static void test_subscribe(void **state)
{
	(void)state;
	static const dcase cases[] = {
		{ "s", NULL, S, "a/b/c", ALLOW(2) },
		{ "s", NULL, S, "a/+/c", ALLOW(2) },
		{ "s", NULL, S, "a/#", ALLOW(2) },
		{ "s", NULL, S, "+/b/#", ALLOW(ANY) },
		{ "s", NULL, S, "+/+/+", ALLOW(ANY) },
		{ "s", NULL, S, "#", ALLOW(ANY) },
		{ "s", NULL, S, "a/b", NO_RULE },
		{ "s", NULL, S, "a/b/d", NO_RULE },
		{ "s", NULL, S, "a/b/c/d", NO_RULE },
		{ "s", NULL, S, "+/+", ALLOW(ANY) },          /* x/y is readable */
		{ "s", NULL, S, "+", ALLOW(3) },              /* x is readable (x/# matches x) */
		{ "s", NULL, S, "+/b", ALLOW(ANY) },          /* d/b, x/b */
		{ "s", NULL, S, "y/#", NO_RULE },
		{ "s", NULL, S, "a/+/c/#", ALLOW(2) },
		{ "s", NULL, S, "w/#", NO_RULE },             /* write-only is not readable */
		{ "s", NULL, S, "w/x", NO_RULE },
		{ "s", NULL, S, "x/#", ALLOW(3) },            /* only partly denied */
		{ "s", NULL, S, "x/+", ALLOW(3) },
		{ "s", NULL, S, "x", ALLOW(3) },
		{ "s", NULL, S, "x/secret/#", DENY_RULE(5) }, /* entirely denied */
		{ "s", NULL, S, "x/secret", DENY_RULE(5) },
		{ "s", NULL, S, "x/secret/a/+", DENY_RULE(5) },
		{ "s", NULL, S, "d/+", DENY_RULE(7) },
		{ "s", NULL, S, "d/x", DENY_RULE(7) },
		/* "d/#" overlaps the readable rule "d/+" and no single deny covers all
		 * of "d/#", but every topic that "d/+" grants is denied: refused (issue 12) */
		{ "s", NULL, S, "d/#", DENY_RULE(7) },
		{ "s", NULL, S, "e/+/f", DENY_RULE(9) },
		{ "s", NULL, S, "e/x/f", DENY_RULE(9) },
		{ "s", NULL, S, "e/#", DENY_RULE(9) },
		/* $share/GROUP/FILTER is decided as FILTER */
		{ "s", NULL, S, "$share/g/a/b/c", ALLOW(2) },
		{ "s", NULL, S, "$share/grp/x/#", ALLOW(3) },
		{ "s", NULL, S, "$share/g/w/#", NO_RULE },
		{ "s", NULL, S, "$share/g/x/secret/#", DENY_RULE(5) },
		{ "s", NULL, S, "$share/g/#", ALLOW(ANY) },
		{ "s", NULL, S, "$share/g", BAD },
		{ "s", NULL, S, "$share/g/", BAD },
		{ "s", NULL, S, "$share//a/b/c", BAD },
		{ "s", NULL, S, "$share/+/a/b/c", BAD },
		{ "s", NULL, S, "$share/#", BAD },
		{ "s", NULL, S, "$share/g+/a/b/c", BAD },
		/* publish/read of $share topics is refused */
		{ "s", NULL, R, "$share/g/a/b/c", SHARE },
		{ "s", NULL, W, "$share/g/w/x", SHARE },
		{ "s", NULL, W, "$share", SHARE },
		{ "s", NULL, R, "$share/x", SHARE },
		/* unsubscribe: any valid filter */
		{ "s", NULL, U, "a/b/c", UNSUB },
		{ "s", NULL, U, "x/secret/#", UNSUB },
		{ "s", NULL, U, "nothing/+/#", UNSUB },
		{ "s", NULL, U, "$share/g/a/#", UNSUB },
		{ "nobody", NULL, U, "#", UNSUB },
		{ "s", NULL, U, "a+", BAD },
		{ "s", NULL, U, "a/#/b", BAD },
		{ "s", NULL, U, "$share/g", BAD },
		{ "s", NULL, U, "", BAD },
		/* invalid filters */
		{ "s", NULL, S, "a/b/c#", BAD },
		{ "s", NULL, S, "a/#/c", BAD },
		{ "s", NULL, S, "", BAD },
		{ "s", NULL, S, "a/\xc0\xaf", BAD },
	};
	certacl_policy *p = load("sub.acl", sub_text);
	RUN(p, "sub.acl", cases);
	policy_free(p);
}

/* "#" and "+/#" match the same topic names (there is no empty topic), so a
 * subscription "#" is entirely covered by `topic deny +/#` and cannot receive
 * anything: refused (DENIED_BY_RULE, line 2).
 * Regression test (fixed in a1ec5b2): before it, decide.c walk_deny_cover returned at once
 * for a filter level '#' ("only a '#' rule covers '#'") and granted it. */
/* SUBSCRIBE is refused when every topic it could read is denied, even by
 * several denies none of which covers the whole filter (issue 12, item 5). */
static void test_subscribe_exact(void **state)
{
	(void)state;
	static const char text[] =
		"user s\n"               /* 1 */
		"topic read d/+\n"       /* 2 */
		"topic deny d/+\n"       /* 3 */
		"topic read e/#\n"       /* 4 */
		"topic deny e\n"         /* 5 */
		"topic deny e/+\n"       /* 6 */
		"topic read f/+/g\n"     /* 7 */
		"topic deny f/a/g\n"     /* 8 */
		"pattern read h/%u/#\n"  /* 9 */
		"pattern deny h/+/#\n";  /* 10 */
	static const dcase cases[] = {
		{ "s", NULL, S, "d/#", DENY_RULE(3) },
		{ "s", NULL, S, "#", ALLOW(ANY) },         /* e/x/y, f/b/g are readable */
		{ "s", NULL, S, "e/+", DENY_RULE(6) },
		{ "s", NULL, S, "e/#", ALLOW(4) },
		{ "s", NULL, S, "e/+/+", ALLOW(4) },
		{ "s", NULL, S, "f/+/g", ALLOW(7) },       /* f/b/g is readable */
		{ "s", NULL, S, "f/a/+", DENY_RULE(8) },
		{ "s", NULL, S, "h/#", DENY_RULE(10) },
		{ "s", NULL, S, "h/s/x", DENY_RULE(10) },
	};
	certacl_policy *p = load("exact.acl", text);
	RUN(p, "exact.acl", cases);
	policy_free(p);

	/* every readable rule denied: the tries stop at a budget and refuse */
	size_t cap = 8000 * 24, o = 0;
	char *big = malloc(cap);
	assert_non_null(big);
	o += (size_t)snprintf(big + o, cap - o, "topic deny x/+\n");
	for(int i = 0; i < 6000; i++) o += (size_t)snprintf(big + o, cap - o, "topic read x/%d\n", i);
	p = load("big.acl", big);
	free(big);
	certacl_decision d = tu_decide_u(p, NULL, NULL, CERTACL_SUBSCRIBE, "#");
	assert_false(d.allowed);
	assert_int_equal(d.reason, CERTACL_DENIED_TOO_COMPLEX);
	d = tu_decide_u(p, NULL, NULL, CERTACL_SUBSCRIBE, "x/7");
	assert_int_equal(d.reason, CERTACL_DENIED_BY_RULE);
	policy_free(p);
}

static void test_subscribe_hash_covered_by_plus_hash(void **state)
{
	(void)state;
	certacl_policy *p = load("ph.acl", "topic read a\ntopic deny +/#\n");
	assert_false(tu_decide_u(p, NULL, NULL, CERTACL_READ, "a").allowed);
	certacl_decision d = tu_decide_u(p, NULL, NULL, CERTACL_SUBSCRIBE, "#");
	policy_free(p);
	assert_false(d.allowed);
	assert_int_equal(d.reason, CERTACL_DENIED_BY_RULE);
}

/* Regression (fixed): SUBSCRIBE "/#" is granted by `topic read +`, though no
 * topic name matches both ("+" matches one level, "/#" at least two: its '#'
 * would match the parent level only for the empty topic "", which is no topic
 * name; topic.c filter_overlaps("+", "/#") is false since a1ec5b2).
 * decide.c walk_overlap: for the filter level '#' it returns
 * any_readable(w, node, first), which counts the rules ending at `node` itself
 * (here "+", reached through the empty level of "/#") even when pos is
 * AT_EMPTY_PREFIX, where '#' cannot match the parent level. Expected:
 * DENIED_NO_RULE. (Found by test_brute_force_against_topic_relations.) */
static void test_subscribe_empty_prefix_hash(void **state)
{
	(void)state;
	certacl_policy *p = load("ep.acl", "topic read +\n");
	certacl_decision d = tu_decide_u(p, NULL, NULL, CERTACL_SUBSCRIBE, "/#");
	certacl_decision d2 = tu_decide_u(p, NULL, NULL, CERTACL_SUBSCRIBE, "+/#");
	policy_free(p);
	assert_true(d2.allowed); /* "+/#" and "+" share "a" */
	assert_false(d.allowed);
	assert_int_equal(d.reason, CERTACL_DENIED_NO_RULE);
}

/* ---- invalid topics and requests ---- */

static void test_invalid_requests(void **state)
{
	(void)state;
	certacl_policy *p = load("all.acl", "topic readwrite #\nuser u\ntopic readwrite #\n");
	certacl_subject who = tu_subject(NULL, NULL);
	certacl_decision d;
	/* sanity: the valid forms are allowed */
	assert_true(tu_decide(p, &who, CERTACL_WRITE, "a/b").allowed);
	assert_true(tu_decide(p, &who, CERTACL_READ, "a/b").allowed);

	static const char *const bad_names[] = { "a/+", "a/#", "+", "#", "a+", "", "\xc0\xaf",
		"a/\xed\xa0\x80", "\xff" };
	for(size_t i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++){
		for(int a = 0; a < 2; a++){
			d = tu_decide(p, &who, a ? CERTACL_READ : CERTACL_WRITE, bad_names[i]);
			if(d.allowed || d.reason != CERTACL_DENIED_BAD_TOPIC || d.rule){
				print_error("'%s' (%d): allowed %d reason %d\n", bad_names[i], a, d.allowed, d.reason);
				fail();
			}
		}
	}
	/* topic_len must be the string length: an embedded NUL, or a length that
	 * does not match, is refused */
	static const struct { const char *t; size_t len; certacl_access a; } lens[] = {
		{ "a/b\0evil", 8, CERTACL_WRITE },
		{ "a\0", 2, CERTACL_READ },
		{ "a/b", 2, CERTACL_WRITE },
		{ "a/b", 4, CERTACL_WRITE },
		{ "a/b", 0, CERTACL_WRITE },
		{ "a/#\0x", 5, CERTACL_SUBSCRIBE },
		{ "a/#", 2, CERTACL_SUBSCRIBE },
		{ "a/#\0x", 5, CERTACL_UNSUBSCRIBE },
	};
	for(size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++){
		certacl_request req = { .access = lens[i].a, .topic = lens[i].t, .topic_len = lens[i].len };
		acl_decide(p, &who, &req, &d);
		if(d.allowed || d.reason != CERTACL_DENIED_BAD_TOPIC){
			print_error("len case %zu: allowed %d reason %d\n", i, d.allowed, d.reason);
			fail();
		}
	}
	/* NULL topic */
	certacl_request req = { .access = CERTACL_WRITE, .topic = NULL, .topic_len = 0 };
	acl_decide(p, &who, &req, &d);
	assert_false(d.allowed);
	/* an access that is not one of the four */
	static const int accs[] = { 0, 3, 5, 16, 255 };
	for(size_t i = 0; i < sizeof(accs) / sizeof(accs[0]); i++){
		d = tu_decide(p, &who, (certacl_access)accs[i], "a/b");
		assert_false(d.allowed);
	}
	/* a 65535-byte topic is decided, a longer one refused */
	char *big = malloc(CERTACL_TOPIC_MAX + 2);
	memset(big, 'x', CERTACL_TOPIC_MAX + 1);
	big[CERTACL_TOPIC_MAX] = '\0';
	assert_true(tu_decide(p, &who, CERTACL_WRITE, big).allowed);
	big[CERTACL_TOPIC_MAX] = 'x';
	big[CERTACL_TOPIC_MAX + 1] = '\0';
	d = tu_decide(p, &who, CERTACL_WRITE, big);
	assert_false(d.allowed);
	assert_int_equal(d.reason, CERTACL_DENIED_BAD_TOPIC);
	free(big);
	policy_free(p);
}

/* ---- groups ---- */

static void test_groups(void **state)
{
	(void)state;
	static const char text[] =
		"group operators\n"                  /* 1 */
		"topic readwrite ops/#\n"            /* 2 */
		"topic deny ops/secret\n"            /* 3 */
		"group viewers\n"                    /* 4 */
		"topic read view/#\n"                /* 5 */
		"user alice\n"                       /* 6 */
		"topic read alice/#\n"               /* 7 */
		"topic readwrite ops/secret\n";      /* 8 */
	certacl_policy *p = load("groups.acl", text);
	static const char *const ops[] = { "operators" };
	static const char *const both[] = { "nosuchgroup", "viewers", "operators" };
	certacl_subject a_ops = tu_subject("alice", NULL);
	a_ops.groups = ops;
	a_ops.ngroups = 1;
	certacl_subject a_none = tu_subject("alice", NULL);
	certacl_subject b_both = tu_subject("bob", NULL);
	b_both.groups = both;
	b_both.ngroups = 3;
	certacl_decision d;

	d = tu_decide(p, &a_ops, CERTACL_WRITE, "ops/x");
	assert_true(d.allowed);
	assert_int_equal(d.rule->line, 2);
	assert_string_equal(d.rule->section_name, "operators");
	assert_int_equal(d.rule->section, CERTACL_SECTION_GROUP);
	d = tu_decide(p, &a_ops, CERTACL_READ, "ops/secret");   /* group deny beats user allow */
	assert_false(d.allowed);
	assert_int_equal(d.rule->line, 3);
	assert_false(tu_decide(p, &a_ops, CERTACL_READ, "view/x").allowed);
	assert_true(tu_decide(p, &a_ops, CERTACL_READ, "alice/x").allowed);
	assert_false(tu_decide(p, &a_none, CERTACL_WRITE, "ops/x").allowed);
	assert_true(tu_decide(p, &a_none, CERTACL_READ, "ops/secret").allowed);
	assert_true(tu_decide(p, &b_both, CERTACL_READ, "view/x").allowed);
	assert_true(tu_decide(p, &b_both, CERTACL_WRITE, "ops/x").allowed);
	assert_false(tu_decide(p, &b_both, CERTACL_WRITE, "view/x").allowed);
	assert_false(tu_decide(p, &b_both, CERTACL_READ, "alice/x").allowed);
	d = tu_decide(p, &b_both, CERTACL_SUBSCRIBE, "view/#");
	assert_true(d.allowed);
	assert_int_equal(d.rule->line, 5);
	d = tu_decide(p, &b_both, CERTACL_SUBSCRIBE, "ops/secret");
	assert_false(d.allowed);
	assert_int_equal(d.reason, CERTACL_DENIED_BY_RULE);
	/* a group name is not a user name */
	assert_false(tu_decide_u(p, "operators", NULL, CERTACL_WRITE, "ops/x").allowed);

	/* up to CERTACL_MAX_GROUPS groups are honoured (the last one counts too);
	 * more are refused outright, as they could hide a group's deny */
	const char *many[CERTACL_MAX_GROUPS + 1];
	char names[CERTACL_MAX_GROUPS + 1][16];
	for(int i = 0; i < CERTACL_MAX_GROUPS + 1; i++){
		snprintf(names[i], sizeof(names[i]), "g%d", i);
		many[i] = names[i];
	}
	many[CERTACL_MAX_GROUPS - 1] = "viewers";
	certacl_subject m = tu_subject("bob", NULL);
	m.groups = many;
	m.ngroups = CERTACL_MAX_GROUPS;
	assert_true(tu_decide(p, &m, CERTACL_READ, "view/x").allowed);
	many[CERTACL_MAX_GROUPS - 1] = "operators";
	assert_false(tu_decide(p, &m, CERTACL_READ, "ops/secret").allowed);
	many[CERTACL_MAX_GROUPS] = "viewers";
	m.ngroups = CERTACL_MAX_GROUPS + 1;
	assert_false(tu_decide(p, &m, CERTACL_READ, "view/x").allowed);
	policy_free(p);
}

/* A certificate client: username, client id and CN `cn`, OU `ou`, in `groups`. */
static certacl_subject cert_subject(const char *cn, const char *ou,
		const char *const *groups, size_t ngroups)
{
	certacl_subject who = tu_subject(cn, cn);
	who.vars[CERTACL_VAR_CN] = cn;
	who.vars[CERTACL_VAR_OU] = ou;
	who.groups = groups;
	who.ngroups = ngroups;
	return who;
}

/* A pattern inside a group section applies to that group's members only;
 * a pattern before the first group, or after a user line, to every client. */
static void test_group_patterns(void **state)
{
	(void)state;
	static const char text[] =
		"pattern read all/%u\n"                          /* 1 every client */
		"pattern write open/%u\n"                        /* 2 every client */
		"group edge\n"                                   /* 3 */
		"topic read STATE/+\n"                           /* 4 */
		"pattern write spBv1.0/%{ou}/NDATA/%{cn}\n"      /* 5 edge members only */
		"group host\n"                                   /* 6 */
		"pattern readwrite spBv1.0/STATE/%{cn} retain=only\n" /* 7 host members only */
		"user alice\n"                                   /* 8 */
		"pattern read after-user/%u\n"                   /* 9 every client again */
		"group edge\n"                                   /* 10 the section reopened */
		"pattern read spBv1.0/%{ou}/NCMD/%{cn}\n"        /* 11 edge members only */
		"group muted\n"                                  /* 12 */
		"pattern deny open/%u\n";                        /* 13 muted members only */
	certacl_policy *p = load("gpat.acl", text);
	static const char *const edge[] = { "edge" };
	static const char *const host[] = { "host" };
	static const char *const muted_edge[] = { "muted", "edge" };
	certacl_subject e1 = cert_subject("E1", "G1", edge, 1);
	certacl_subject e1_alone = cert_subject("E1", "G1", NULL, 0);
	certacl_subject h = cert_subject("scada1", "G1", host, 1);
	certacl_decision d;

	d = tu_decide(p, &e1, CERTACL_WRITE, "spBv1.0/G1/NDATA/E1");
	assert_true(d.allowed);
	assert_int_equal(d.rule->line, 5);
	assert_int_equal(d.rule->section, CERTACL_SECTION_PATTERN);
	assert_string_equal(d.rule->section_name, "edge");
	d = tu_decide(p, &e1, CERTACL_READ, "spBv1.0/G1/NCMD/E1");   /* reopened section */
	assert_true(d.allowed);
	assert_int_equal(d.rule->line, 11);
	d = tu_decide(p, &e1, CERTACL_SUBSCRIBE, "spBv1.0/G1/NCMD/E1/#");
	assert_true(d.allowed);
	assert_int_equal(d.rule->line, 11);
	assert_false(tu_decide(p, &e1, CERTACL_WRITE, "spBv1.0/G1/NDATA/E2").allowed);
	/* the host's pattern is not the edge node's, whatever its values */
	d = tu_decide(p, &e1, CERTACL_WRITE, "spBv1.0/STATE/E1");
	assert_false(d.allowed);
	assert_int_equal(d.reason, CERTACL_DENIED_NO_RULE);
	assert_false(tu_decide(p, &e1, CERTACL_SUBSCRIBE, "spBv1.0/STATE/E1").allowed);

	/* no group: only the global patterns */
	d = tu_decide(p, &e1_alone, CERTACL_WRITE, "spBv1.0/G1/NDATA/E1");
	assert_false(d.allowed);
	assert_int_equal(d.reason, CERTACL_DENIED_NO_RULE);
	assert_false(tu_decide(p, &e1_alone, CERTACL_SUBSCRIBE, "spBv1.0/G1/NCMD/E1/#").allowed);
	assert_int_equal(tu_decide(p, &e1_alone, CERTACL_READ, "all/E1").rule->line, 1);
	d = tu_decide(p, &e1_alone, CERTACL_READ, "after-user/E1");
	assert_true(d.allowed);
	assert_null(d.rule->section_name);

	/* the host: its own STATE (retained), no edge topic even with an OU */
	certacl_request st = { .access = CERTACL_WRITE, .topic = "spBv1.0/STATE/scada1",
		.topic_len = strlen("spBv1.0/STATE/scada1"), .qos = 1, .retain = true };
	acl_decide(p, &h, &st, &d);
	assert_true(d.allowed);
	assert_int_equal(d.rule->line, 7);
	st.retain = false;
	acl_decide(p, &h, &st, &d);
	assert_int_equal(d.reason, CERTACL_DENIED_LIMIT);
	assert_false(tu_decide(p, &h, CERTACL_WRITE, "spBv1.0/G1/NDATA/scada1").allowed);

	/* a group's pattern deny: its members only */
	d = tu_decide(p, &e1, CERTACL_WRITE, "open/E1");
	assert_true(d.allowed);
	assert_int_equal(d.rule->line, 2);
	certacl_subject muted = e1;
	muted.groups = muted_edge;
	muted.ngroups = 2;
	d = tu_decide(p, &muted, CERTACL_WRITE, "open/E1");
	assert_false(d.allowed);
	assert_int_equal(d.rule->line, 13);
	assert_string_equal(d.rule->section_name, "muted");
	assert_true(tu_decide(p, &muted, CERTACL_WRITE, "spBv1.0/G1/NDATA/E1").allowed);

	/* a wildcard in the username or client id: a group's patterns grant
	 * nothing (as the global ones), its topic rules and denies still apply */
	certacl_subject wild = e1;
	wild.vars[CERTACL_VAR_CLIENTID] = "E1#";
	assert_false(tu_decide(p, &wild, CERTACL_WRITE, "spBv1.0/G1/NDATA/E1").allowed);
	assert_false(tu_decide(p, &wild, CERTACL_SUBSCRIBE, "spBv1.0/G1/NCMD/E1/#").allowed);
	assert_true(tu_decide(p, &wild, CERTACL_READ, "STATE/scada1").allowed);
	wild.groups = muted_edge;
	wild.ngroups = 2;
	d = tu_decide(p, &wild, CERTACL_WRITE, "open/E1");
	assert_int_equal(d.reason, CERTACL_DENIED_BY_RULE);
	assert_int_equal(d.rule->line, 13);
	policy_free(p);
}

/* ---- QoS / retain limits ---- */

static certacl_decision decide_qr(const certacl_policy *p, const char *user, certacl_access a,
		const char *topic, int qos, bool retain)
{
	certacl_subject who = tu_subject(user, NULL);
	certacl_request req = { .access = a, .topic = topic, .topic_len = strlen(topic),
		.qos = qos, .retain = retain };
	certacl_decision d;
	acl_decide(p, &who, &req, &d);
	return d;
}

/* A rule without limits allows any QoS and retain flag. */
static void test_no_limits_by_default(void **state)
{
	(void)state;
	certacl_policy *p = load("lim.acl", "topic readwrite t/#\n");
	for(int qos = 0; qos <= 2; qos++){
		for(int retain = 0; retain <= 1; retain++){
			for(int a = 0; a < 2; a++){
				certacl_decision d = decide_qr(p, NULL, a ? CERTACL_READ : CERTACL_WRITE, "t/x",
						qos, retain);
				assert_true(d.allowed);
				assert_int_equal(d.reason, CERTACL_ALLOWED_BY_RULE);
			}
		}
	}
	policy_free(p);
}

static void test_limits(void **state)
{
	(void)state;
	static const char text[] =
		"user host\n"                                         /* 1 */
		"topic readwrite STATE/+ retain=only qos<=1\n"        /* 2 */
		"topic write data/# retain=no qos<=0\n"               /* 3 */
		"topic write data/free/# \n"                          /* 4: no limit */
		"topic read cmd/# qos<=1\n"                           /* 5 */
		"topic write cmd/# retain=no\n"                       /* 6 */
		"topic deny cmd/secret\n"                             /* 7 */
		"topic read cmd/x qos<=0\n";                          /* 8 */
	certacl_policy *p = load("lim.acl", text);
	static const struct {
		certacl_access a; const char *topic; int qos; bool retain;
		bool ok; certacl_reason why; unsigned line;
	} cases[] = {
		{ CERTACL_WRITE, "STATE/h", 1, true, true, CERTACL_ALLOWED_BY_RULE, 2 },
		{ CERTACL_WRITE, "STATE/h", 0, true, true, CERTACL_ALLOWED_BY_RULE, 2 },
		{ CERTACL_WRITE, "STATE/h", 2, true, false, CERTACL_DENIED_LIMIT, 2 },
		{ CERTACL_WRITE, "STATE/h", 1, false, false, CERTACL_DENIED_LIMIT, 2 },
		{ CERTACL_READ, "STATE/h", 1, true, true, CERTACL_ALLOWED_BY_RULE, 2 },
		{ CERTACL_READ, "STATE/h", 0, false, false, CERTACL_DENIED_LIMIT, 2 },
		{ CERTACL_WRITE, "data/x", 0, false, true, CERTACL_ALLOWED_BY_RULE, 3 },
		{ CERTACL_WRITE, "data/x", 0, true, false, CERTACL_DENIED_LIMIT, 3 },
		{ CERTACL_WRITE, "data/x", 1, false, false, CERTACL_DENIED_LIMIT, 3 },
		/* another allow without the limit decides */
		{ CERTACL_WRITE, "data/free/x", 2, true, true, CERTACL_ALLOWED_BY_RULE, 4 },
		{ CERTACL_WRITE, "data/free/x", 0, false, true, CERTACL_ALLOWED_BY_RULE, 3 },
		{ CERTACL_READ, "cmd/a", 1, false, true, CERTACL_ALLOWED_BY_RULE, 5 },
		{ CERTACL_READ, "cmd/a", 2, false, false, CERTACL_DENIED_LIMIT, 5 },
		{ CERTACL_READ, "cmd/x", 2, true, false, CERTACL_DENIED_LIMIT, 5 },  /* earliest limited */
		{ CERTACL_WRITE, "cmd/a", 2, false, true, CERTACL_ALLOWED_BY_RULE, 6 },
		{ CERTACL_WRITE, "cmd/a", 2, true, false, CERTACL_DENIED_LIMIT, 6 },
		/* deny wins over limits */
		{ CERTACL_READ, "cmd/secret", 0, false, false, CERTACL_DENIED_BY_RULE, 7 },
		/* a matching rule of the other access is no limit */
		{ CERTACL_READ, "data/x", 0, false, false, CERTACL_DENIED_NO_RULE, 0 },
	};
	for(size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++){
		certacl_decision d = decide_qr(p, "host", cases[i].a, cases[i].topic, cases[i].qos,
				cases[i].retain);
		unsigned line = d.rule ? d.rule->line : 0;
		if(d.allowed != cases[i].ok || d.reason != cases[i].why || line != cases[i].line){
			print_error("limit case %zu (%s %s qos %d retain %d): %d/%s line %u\n", i,
					certacl_access_name(cases[i].a), cases[i].topic, cases[i].qos, cases[i].retain,
					d.allowed, certacl_reason_text(d.reason), line);
			fail();
		}
	}
	/* SUBSCRIBE does not check limits: they apply to each delivered message */
	certacl_decision d = decide_qr(p, "host", CERTACL_SUBSCRIBE, "cmd/#", 2, false);
	assert_true(d.allowed);
	d = decide_qr(p, "host", CERTACL_SUBSCRIBE, "STATE/+", 2, false);
	assert_true(d.allowed);
	policy_free(p);
}

/* ---- scale: 10k users in memory ---- */

static void test_many_users(void **state)
{
	(void)state;
	const size_t n = 10000;
	size_t cap = n * 128 + 256;
	char *text = malloc(cap);
	assert_non_null(text);
	size_t o = (size_t)snprintf(text, cap, "pattern read shared/%%u/#\n");  /* line 1 */
	for(size_t i = 0; i < n; i++){
		/* user i: lines 2 + 4i .. 5 + 4i */
		o += (size_t)snprintf(text + o, cap - o,
				"user user-%zu\ntopic readwrite dev/%zu/#\ntopic deny dev/%zu/secret\ntopic read fleet/+/status\n",
				i, i, i);
	}
	certacl_policy *p = policy_new();
	certacl_error err;
	assert_true(policy_add_text(p, "many.acl", text, o, &err));
	assert_true(policy_finish(p, &err));
	free(text);
	assert_int_equal(policy_rule_count(p), 1 + 3 * n);
	unsigned bad = 0;
	for(size_t i = 0; i < n; i++){
		char user[32], t[64];
		snprintf(user, sizeof(user), "user-%zu", i);
		snprintf(t, sizeof(t), "dev/%zu/x", i);
		certacl_decision d = tu_decide_u(p, user, NULL, CERTACL_WRITE, t);
		if(!d.allowed || d.rule->line != 3 + 4 * i) bad++;
		snprintf(t, sizeof(t), "dev/%zu/secret", i);
		d = tu_decide_u(p, user, NULL, CERTACL_READ, t);
		if(d.allowed || d.reason != CERTACL_DENIED_BY_RULE || d.rule->line != 4 + 4 * i) bad++;
		snprintf(t, sizeof(t), "dev/%zu/x", (i + 7) % n);
		d = tu_decide_u(p, user, NULL, CERTACL_WRITE, t);
		if(d.allowed || d.reason != CERTACL_DENIED_NO_RULE) bad++;
		d = tu_decide_u(p, user, NULL, CERTACL_READ, "fleet/x/status");
		if(!d.allowed || d.rule->line != 5 + 4 * i) bad++;
		snprintf(t, sizeof(t), "shared/%s/x", user);
		d = tu_decide_u(p, user, NULL, CERTACL_READ, t);
		if(!d.allowed || d.rule->line != 1) bad++;
		if(i % 100 == 0){
			snprintf(t, sizeof(t), "dev/%zu/#", i);
			d = tu_decide_u(p, user, NULL, CERTACL_SUBSCRIBE, t);
			if(!d.allowed) bad++;
			snprintf(t, sizeof(t), "dev/%zu/#", (i + 1) % n);
			d = tu_decide_u(p, user, NULL, CERTACL_SUBSCRIBE, t);
			if(d.allowed) bad++;
		}
	}
	assert_int_equal(bad, 0);
	/* not in the policy */
	assert_false(tu_decide_u(p, "user-10000", NULL, CERTACL_WRITE, "dev/10000/x").allowed);
	assert_false(tu_decide_u(p, NULL, NULL, CERTACL_WRITE, "dev/1/x").allowed);
	policy_free(p);
}

/* ---- deep topics ---- */

static void test_deep_topics(void **state)
{
	(void)state;
	/* a rule of 201 '+' levels (the most mosquitto loads), a rule "deep/#" and
	 * a 1000-level topic */
	char *text = malloc(4096);
	size_t o = (size_t)sprintf(text, "topic read deep/#\ntopic write ");
	for(int i = 0; i < CERTACL_RULE_MAX_LEVELS; i++) o += (size_t)sprintf(text + o, i ? "/+" : "+");
	text[o++] = '\n';
	text[o] = '\0';
	certacl_policy *p = load("deep.acl", text);
	free(text);

	char *topic = malloc(1000 * 2 + 8);
	o = (size_t)sprintf(topic, "deep");
	for(int i = 1; i < 1000; i++) o += (size_t)sprintf(topic + o, "/l");
	certacl_decision d = tu_decide_u(p, NULL, NULL, CERTACL_READ, topic);
	assert_true(d.allowed);
	assert_int_equal(d.rule->line, 1);
	assert_false(tu_decide_u(p, NULL, NULL, CERTACL_WRITE, topic).allowed);
	assert_true(tu_decide_u(p, NULL, NULL, CERTACL_SUBSCRIBE, topic).allowed);
	/* 201 levels exactly: writable; 200 or 202: not */
	o = (size_t)sprintf(topic, "a");
	for(int i = 1; i < CERTACL_RULE_MAX_LEVELS; i++) o += (size_t)sprintf(topic + o, "/l");
	assert_true(tu_decide_u(p, NULL, NULL, CERTACL_WRITE, topic).allowed);
	o += (size_t)sprintf(topic + o, "/l");
	assert_false(tu_decide_u(p, NULL, NULL, CERTACL_WRITE, topic).allowed);
	topic[o - 4] = '\0';
	assert_false(tu_decide_u(p, NULL, NULL, CERTACL_WRITE, topic).allowed);
	free(topic);
	policy_free(p);
}

/* ---- brute force against topic.c ----
 * Policies of one read rule R (as a user's topic line, or as a pattern with %u
 * where R has the level "a", for user "a") and optionally one deny D. Then,
 * for every filter F and topic T of a small universe:
 *   READ T: denied by D if D matches T; else allowed iff R matches T;
 *   SUBSCRIBE F: denied by D if D covers F; else allowed iff some topic of
 *   the universe matches F and R and not D (the universe has a level "z" that
 *   no filter names, and enough levels for every witness); else denied by D
 *   when R overlaps F, else no rule (policy.h's definition), with
 *   topic_matches / filter_covers / filter_overlaps as the reference
 *   (test_topic checks those by brute force). */
static size_t gen_filters(char (*out)[16], size_t max, const char *const *alpha, size_t na,
		size_t levels, bool names)
{
	size_t n = 0;
	for(size_t depth = 1; depth <= levels; depth++){
		size_t total = 1;
		for(size_t d = 0; d < depth; d++) total *= na;
		for(size_t k = 0; k < total; k++){
			char buf[16] = "";
			size_t v = k;
			bool ok = true;
			for(size_t d = 0; d < depth; d++){
				const char *lv = alpha[v % na];
				v /= na;
				if(strcmp(lv, "#") == 0 && d + 1 != depth) ok = false;
				if(d) strcat(buf, "/");
				strcat(buf, lv);
			}
			if(!ok || !buf[0]) continue;
			if(names ? topic_name_problem(buf, strlen(buf)) : topic_filter_problem(buf, strlen(buf))){
				continue;
			}
			assert_true(n < max);
			strcpy(out[n++], buf);
		}
	}
	return n;
}

/* R with each level "a" written as %u (or NULL if R has no such level). */
static bool as_pattern(const char *r, char *out, size_t outsz)
{
	bool any = false;
	size_t o = 0;
	for(const char *s = r; ; ){
		size_t n = strcspn(s, "/");
		const char *lv = (n == 1 && s[0] == 'a') ? "%u" : s;
		size_t ln = (n == 1 && s[0] == 'a') ? 2 : n;
		if(n == 1 && s[0] == 'a') any = true;
		assert_true(o + ln + 2 < outsz);
		memcpy(out + o, lv, ln);
		o += ln;
		if(s[n] != '/') break;
		out[o++] = '/';
		s += n + 1;
	}
	out[o] = '\0';
	return any;
}

/* Left out of the brute force: pinned by test_subscribe_empty_prefix_hash. */
static bool known_empty_prefix_bug(const char *rule, const char *filter)
{
	return strcmp(rule, "+") == 0 && strcmp(filter, "/#") == 0;
}

static void test_brute_force_against_topic_relations(void **state)
{
	(void)state;
	static const char *const falpha[] = { "a", "", "$s", "+", "#" };
	static const char *const talpha[] = { "a", "", "$s", "z" };
	static char rules[256][16], filters[256][16], topics[128][16];
	size_t nr = gen_filters(rules, 256, falpha, 5, 3, false);
	size_t nd = gen_filters(rules, 256, falpha, 5, 2, false); /* denies: the first nd rules */
	nr = gen_filters(rules, 256, falpha, 5, 3, false);
	size_t nf = gen_filters(filters, 256, falpha, 5, 3, false);
	size_t nt = gen_filters(topics, 128, talpha, 4, 3, true);
	unsigned failures = 0;
	for(int mode = 0; mode < 2; mode++){
		for(size_t ri = 0; ri < nr; ri++){
			char rtext[40];
			if(mode == 1){
				char pat[40];
				if(!as_pattern(rules[ri], pat, sizeof(pat))) continue;
				snprintf(rtext, sizeof(rtext), "pattern read %s\n", pat);
			}else{
				snprintf(rtext, sizeof(rtext), "topic read %s\n", rules[ri]);
			}
			/* two-level rules with every deny; longer rules alone (speed) */
			for(size_t di = ri < nd ? 0 : nd; di <= nd; di++){
				const char *deny = di < nd ? rules[di] : NULL;
				char text[120];
				snprintf(text, sizeof(text), "user a\n%s%s%s%s", rtext, deny ? "topic deny " : "",
						deny ? deny : "", deny ? "\n" : "");
				certacl_error err;
				certacl_policy *p = tu_policy("bf.acl", text, &err);
				assert_non_null(p);
				certacl_subject who = tu_subject("a", "client");
				for(size_t t = 0; t < nt; t++){
					certacl_decision d = tu_decide(p, &who, CERTACL_READ, topics[t]);
					bool denied = deny && topic_matches(deny, topics[t]);
					bool want = !denied && topic_matches(rules[ri], topics[t]);
					if(d.allowed != want || (denied && d.reason != CERTACL_DENIED_BY_RULE)){
						if(failures++ < 10) print_error("%sREAD '%s': allowed %d, expected %d\n",
								text, topics[t], d.allowed, want);
					}
				}
				for(size_t f = 0; f < nf; f++){
					if(known_empty_prefix_bug(rules[ri], filters[f])) continue;
					certacl_decision d = tu_decide(p, &who, CERTACL_SUBSCRIBE, filters[f]);
					bool covered = deny && filter_covers(deny, filters[f]);
					bool readable = false;
					for(size_t t = 0; t < nt && !covered && !readable; t++){
						readable = topic_matches(filters[f], topics[t])
							&& topic_matches(rules[ri], topics[t])
							&& !(deny && topic_matches(deny, topics[t]));
					}
					bool want = !covered && readable;
					bool overlap = filter_overlaps(rules[ri], filters[f]);
					certacl_reason why = want ? CERTACL_ALLOWED_BY_RULE
						: covered || (overlap && deny) ? CERTACL_DENIED_BY_RULE
						: CERTACL_DENIED_NO_RULE;
					if(d.allowed != want || d.reason != why){
						if(failures++ < 10) print_error("%sSUBSCRIBE '%s': %s, expected %s\n",
								text, filters[f], certacl_reason_text(d.reason), certacl_reason_text(why));
					}
				}
				policy_free(p);
			}
		}
	}
	assert_int_equal(failures, 0);
}

/* ---- names of accesses and reasons ---- */

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(certacl_access_name(CERTACL_READ), "read");
	assert_string_equal(certacl_access_name(CERTACL_WRITE), "write");
	assert_string_equal(certacl_access_name(CERTACL_SUBSCRIBE), "subscribe");
	assert_string_equal(certacl_access_name(CERTACL_UNSUBSCRIBE), "unsubscribe");
	assert_string_equal(certacl_access_name((certacl_access)3), "?");
	for(int r = CERTACL_ALLOWED_BY_RULE; r <= CERTACL_DENIED_SHARE; r++){
		const char *t = certacl_reason_text((certacl_reason)r);
		assert_non_null(t);
		assert_string_not_equal(t, "?");
		for(int q = CERTACL_ALLOWED_BY_RULE; q < r; q++){
			assert_string_not_equal(t, certacl_reason_text((certacl_reason)q));
		}
	}
	assert_string_equal(certacl_reason_text((certacl_reason)99), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seed_decisions),
		cmocka_unit_test(test_deny_wins),
		cmocka_unit_test(test_rule_reporting),
		cmocka_unit_test(test_anonymous_section),
		cmocka_unit_test(test_patterns_username_clientid),
		cmocka_unit_test(test_patterns_unsafe_deny),
		cmocka_unit_test(test_patterns_wildcard_clients),
		cmocka_unit_test(test_placeholder_inside_level),
		cmocka_unit_test(test_broker_refusal),
		cmocka_unit_test(test_topic_lines_are_literal),
		cmocka_unit_test(test_patterns_certificate_values),
		cmocka_unit_test(test_dollar_topics),
		cmocka_unit_test(test_subscribe),
		cmocka_unit_test(test_subscribe_exact),
		cmocka_unit_test(test_subscribe_hash_covered_by_plus_hash),
		cmocka_unit_test(test_subscribe_empty_prefix_hash),
		cmocka_unit_test(test_invalid_requests),
		cmocka_unit_test(test_groups),
		cmocka_unit_test(test_group_patterns),
		cmocka_unit_test(test_no_limits_by_default),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_many_users),
		cmocka_unit_test(test_deep_topics),
		cmocka_unit_test(test_brute_force_against_topic_relations),
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests_name("decide", tests, NULL, NULL);
}
