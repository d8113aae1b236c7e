/* Unit tests of plugin/core/clients.c: the client table (client-id owners,
 * values captured at CONNECT, offline records and their eviction). */
#include <stdio.h>

#include "certacl/clients.h"
#include "unit_util.h"

/* Certificate values with recognisable strings (owned by the caller until
 * conns_connect takes them). */
static certacl_cert_values values(const char *cn)
{
	certacl_cert_values v;
	memset(&v, 0, sizeof(v));
	v.cn = strdup(cn);
	v.ou = strdup("OU-1");
	v.serial = strdup("0a1b");
	v.cn_count = 1;
	assert_non_null(v.cn);
	return v;
}

static void test_connect_find_get(void **state)
{
	(void)state;
	certacl_conns *c = conns_new(4);
	assert_non_null(c);
	int h1, h2;
	static const char *const groups[] = { "ops", "view" };
	certacl_cert_values v = values("E1");
	assert_true(conns_connect(c, "client-1", &h1, "alice", groups, 2, &v));
	assert_null(v.cn); /* ownership taken */
	assert_null(v.ou);
	assert_true(conns_connect(c, "client-2", &h2, "bob", NULL, 0, NULL));
	assert_int_equal(conns_count(c), 2);
	assert_int_equal(conns_live_count(c), 2);

	const certacl_conn *r = conns_find(c, "client-1");
	assert_non_null(r);
	assert_string_equal(r->client_id, "client-1");
	assert_string_equal(r->username, "alice");
	assert_int_equal(r->ngroups, 2);
	assert_string_equal(r->groups[1], "view");
	assert_ptr_not_equal(r->groups[0], groups[0]); /* copied */
	assert_string_equal(r->cert.cn, "E1");
	assert_ptr_equal(r->live, &h1);
	assert_null(conns_find(c, "client-3"));
	assert_null(conns_find(c, NULL));
	assert_null(conns_find(c, "CLIENT-1"));

	assert_non_null(conns_get(c, "client-1", "alice"));
	assert_null(conns_get(c, "client-1", "bob"));    /* not bob's record */
	assert_null(conns_get(c, "client-1", NULL));
	assert_null(conns_get(c, NULL, "alice"));
	assert_null(conns_get(c, "nobody", "alice"));
	conns_free(c);
	conns_free(NULL);
}

static void test_fill_subject(void **state)
{
	(void)state;
	certacl_conns *c = conns_new(4);
	int h, h2;
	static const char *const groups[] = { "edge" };
	certacl_cert_values v = values("E7");
	assert_true(conns_connect(c, "node-7", &h, "edge7", groups, 1, &v));

	certacl_subject who = tu_subject("edge7", "node-7");
	const certacl_conn *r = conns_confirm(c, "node-7", &h, "edge7");
	assert_non_null(r);
	conn_fill_subject(r, &who);
	assert_int_equal(who.ngroups, 1);
	assert_string_equal(who.groups[0], "edge");
	assert_string_equal(who.vars[CERTACL_VAR_CN], "E7");
	assert_string_equal(who.vars[CERTACL_VAR_OU], "OU-1");
	assert_string_equal(who.vars[CERTACL_VAR_SERIAL], "0a1b");
	assert_null(who.vars[CERTACL_VAR_SAN_DNS]);
	assert_string_equal(who.vars[CERTACL_VAR_USERNAME], "edge7");
	assert_string_equal(who.vars[CERTACL_VAR_CLIENTID], "node-7");

	/* the record of the same user from another (e.g. offline) connection:
	 * still that user's values (its will, queued messages) */
	assert_ptr_equal(conns_confirm(c, "node-7", &h2, "edge7"), r);
	/* a record of another user gives nothing (a client id reused by someone
	 * else must not inherit groups or certificate values) */
	certacl_subject other = tu_subject("mallory", "node-7");
	r = conns_confirm(c, "node-7", &h, "mallory");
	assert_null(r);
	conn_fill_subject(r, &other);
	assert_int_equal(other.ngroups, 0);
	assert_null(other.groups);
	assert_null(other.vars[CERTACL_VAR_CN]);
	assert_null(conns_confirm(c, "node-7", &h, NULL));
	assert_null(conns_confirm(c, "node-8", &h, "edge7"));

	/* decisions with the filled subject */
	certacl_policy *p = tu_policy_ok("pattern read spBv1.0/%{ou}/NCMD/%{cn}\n"
			"group edge\ntopic write edge/#\n");
	assert_true(tu_decide(p, &who, CERTACL_READ, "spBv1.0/OU-1/NCMD/E7").allowed);
	assert_true(tu_decide(p, &who, CERTACL_WRITE, "edge/x").allowed);
	assert_false(tu_decide(p, &other, CERTACL_READ, "spBv1.0/OU-1/NCMD/E7").allowed);
	assert_false(tu_decide(p, &other, CERTACL_WRITE, "edge/x").allowed);
	policy_free(p);
	conns_free(c);
}

/* Password clients claim their id at BASIC_AUTH: the claim holds for
 * CERTACL_CLAIM_GRACE seconds, and for good once confirmed by an ACL check. */
static void test_claims(void **state)
{
	(void)state;
	certacl_conns *c = conns_new(4);
	int hp, hq, hcert;
	const int64_t t0 = 1000000;

	assert_true(conns_claim(c, "pw-1", &hp, "pwuser", t0));
	const certacl_conn *r = conns_holder(c, "pw-1", t0);
	assert_non_null(r);
	assert_string_equal(r->username, "pwuser");
	assert_ptr_equal(r->live, &hp);
	assert_non_null(conns_holder(c, "pw-1", t0 + CERTACL_CLAIM_GRACE - 1));
	assert_null(conns_holder(c, "pw-1", t0 + CERTACL_CLAIM_GRACE));   /* expired */
	assert_null(conns_holder(c, "nobody", t0));

	/* another connection cannot claim a held id; it can once the claim expired */
	assert_true(conns_claim(c, "pw-1", &hq, "other", t0 + 1));
	assert_string_equal(conns_find(c, "pw-1")->username, "pwuser");
	assert_true(conns_claim(c, "pw-1", &hq, "other", t0 + CERTACL_CLAIM_GRACE + 1));
	r = conns_find(c, "pw-1");
	assert_string_equal(r->username, "other");
	assert_ptr_equal(r->live, &hq);

	/* a confirmed claim holds for good */
	assert_non_null(conns_confirm(c, "pw-1", &hq, "other"));
	assert_non_null(conns_holder(c, "pw-1", t0 + 1000000));
	/* re-authentication of the same connection and user keeps the record */
	assert_true(conns_claim(c, "pw-1", &hq, "other", t0 + 2000000));
	assert_non_null(conns_holder(c, "pw-1", t0 + 3000000));

	/* a confirmation by another connection confirms nothing */
	assert_true(conns_claim(c, "pw-2", &hp, "pwuser", t0));
	assert_non_null(conns_confirm(c, "pw-2", &hq, "pwuser"));
	assert_null(conns_holder(c, "pw-2", t0 + CERTACL_CLAIM_GRACE));

	/* certificate clients (conns_connect) hold their id without a time limit */
	assert_true(conns_connect(c, "cert-1", &hcert, "edge", NULL, 0, NULL));
	assert_non_null(conns_holder(c, "cert-1", INT64_MAX / 2));
	/* an id taken offline is held by nobody */
	conns_disconnect(c, "cert-1", &hcert);
	assert_null(conns_holder(c, "cert-1", t0));
	/* a NULL username claims as "" */
	int hn;
	assert_true(conns_claim(c, "anon-1", &hn, NULL, t0));
	assert_string_equal(conns_find(c, "anon-1")->username, "");
	conns_free(c);
}

/* A new CONNECT with the same client id replaces the record. */
static void test_replace(void **state)
{
	(void)state;
	certacl_conns *c = conns_new(4);
	int h1, h2;
	certacl_cert_values v1 = values("first"), v2 = values("second");
	assert_true(conns_connect(c, "id", &h1, "alice", NULL, 0, &v1));
	assert_true(conns_connect(c, "id", &h2, "bob", NULL, 0, &v2));
	assert_int_equal(conns_count(c), 1);
	assert_int_equal(conns_live_count(c), 1);
	const certacl_conn *r = conns_find(c, "id");
	assert_string_equal(r->username, "bob");
	assert_string_equal(r->cert.cn, "second");
	assert_ptr_equal(r->live, &h2);
	/* the old connection going away does not touch the new owner */
	conns_disconnect(c, "id", &h1);
	assert_int_equal(conns_live_count(c), 1);
	assert_ptr_equal(conns_find(c, "id")->live, &h2);
	/* nor does an unknown id, or a NULL handle */
	conns_disconnect(c, "nobody", &h1);
	conns_disconnect(c, NULL, &h1);
	conns_disconnect(c, "id", NULL);
	assert_int_equal(conns_live_count(c), 1);
	conns_disconnect(c, "id", &h2);
	assert_int_equal(conns_live_count(c), 0);
	assert_int_equal(conns_count(c), 1);
	r = conns_find(c, "id");
	assert_null(r->live);
	assert_string_equal(r->cert.cn, "second"); /* kept for its will / queued messages */
	/* an offline record replaced by a new CONNECT */
	int h3;
	assert_true(conns_connect(c, "id", &h3, "carol", NULL, 0, NULL));
	assert_int_equal(conns_count(c), 1);
	assert_int_equal(conns_live_count(c), 1);
	assert_null(conns_find(c, "id")->cert.cn);
	conns_free(c);
}

/* At most offline_max offline records, the oldest dropped first. */
static void test_offline_eviction(void **state)
{
	(void)state;
	certacl_conns *c = conns_new(3);
	int h[6];
	char id[16];
	for(int i = 0; i < 6; i++){
		snprintf(id, sizeof(id), "c%d", i);
		certacl_cert_values v = values(id);
		assert_true(conns_connect(c, id, &h[i], "u", NULL, 0, &v));
	}
	assert_int_equal(conns_live_count(c), 6);
	for(int i = 0; i < 6; i++){
		snprintf(id, sizeof(id), "c%d", i);
		conns_disconnect(c, id, &h[i]);
	}
	assert_int_equal(conns_live_count(c), 0);
	assert_int_equal(conns_count(c), 3);
	assert_null(conns_find(c, "c0"));
	assert_null(conns_find(c, "c2"));
	assert_non_null(conns_find(c, "c3"));
	assert_non_null(conns_find(c, "c5"));
	/* a client reconnecting leaves the offline list */
	assert_true(conns_connect(c, "c3", &h[3], "u", NULL, 0, NULL));
	int h6;
	assert_true(conns_connect(c, "c6", &h6, "u", NULL, 0, NULL));
	conns_disconnect(c, "c6", &h6);
	assert_int_equal(conns_count(c), 4); /* c3 live, c4 c5 c6 offline */
	assert_non_null(conns_find(c, "c4"));
	int h7;
	assert_true(conns_connect(c, "c7", &h7, "u", NULL, 0, NULL));
	conns_disconnect(c, "c7", &h7);
	assert_null(conns_find(c, "c4"));   /* oldest offline dropped */
	assert_non_null(conns_find(c, "c3")); /* live: never dropped */
	/* drop every offline record (reload) */
	conns_drop_offline(c);
	assert_int_equal(conns_count(c), 1);
	assert_non_null(conns_find(c, "c3"));
	conns_free(c);

	/* offline_max 0: nothing is kept offline */
	c = conns_new(0);
	int hz;
	assert_true(conns_connect(c, "z", &hz, "u", NULL, 0, NULL));
	conns_disconnect(c, "z", &hz);
	assert_int_equal(conns_count(c), 0);
	conns_free(c);
}

/* Many clients: the hash keeps every record findable. */
static void test_many(void **state)
{
	(void)state;
	const int n = 20000;
	certacl_conns *c = conns_new((size_t)n);
	static char handles[20000];
	char id[32], user[32];
	for(int i = 0; i < n; i++){
		snprintf(id, sizeof(id), "client-%d", i);
		snprintf(user, sizeof(user), "user-%d", i % 100);
		assert_true(conns_connect(c, id, &handles[i], user, NULL, 0, NULL));
	}
	assert_int_equal(conns_live_count(c), (size_t)n);
	for(int i = 0; i < n; i += 2){
		snprintf(id, sizeof(id), "client-%d", i);
		conns_disconnect(c, id, &handles[i]);
	}
	assert_int_equal(conns_live_count(c), (size_t)n / 2);
	assert_int_equal(conns_count(c), (size_t)n);
	for(int i = 0; i < n; i++){
		snprintf(id, sizeof(id), "client-%d", i);
		snprintf(user, sizeof(user), "user-%d", i % 100);
		const certacl_conn *r = conns_find(c, id);
		assert_non_null(r);
		assert_string_equal(r->username, user);
		assert_true((r->live == NULL) == (i % 2 == 0));
	}
	conns_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_connect_find_get),
		cmocka_unit_test(test_fill_subject),
		cmocka_unit_test(test_claims),
		cmocka_unit_test(test_replace),
		cmocka_unit_test(test_offline_eviction),
		cmocka_unit_test(test_many),
	};
	return cmocka_run_group_tests_name("clients", tests, NULL, NULL);
}
