/* Unit tests of plugin/core/clients.c: the client table (client-id owners,
 * values captured at CONNECT, offline records and their eviction). */
#include <stdio.h>

#include "certacl/clients.h"
#include "certacl/owners.h"
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
	conns_disconnect(c, "cert-1", &hcert, false, 1);
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
	conns_disconnect(c, "id", &h1, false, 1);
	assert_int_equal(conns_live_count(c), 1);
	assert_ptr_equal(conns_find(c, "id")->live, &h2);
	/* nor does an unknown id, or a NULL handle */
	conns_disconnect(c, "nobody", &h1, false, 1);
	conns_disconnect(c, NULL, &h1, false, 1);
	conns_disconnect(c, "id", NULL, false, 1);
	assert_int_equal(conns_live_count(c), 1);
	conns_disconnect(c, "id", &h2, false, 1);
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
		conns_disconnect(c, id, &h[i], false, 1);
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
	conns_disconnect(c, "c6", &h6, false, 1);
	assert_int_equal(conns_count(c), 4); /* c3 live, c4 c5 c6 offline */
	assert_non_null(conns_find(c, "c4"));
	int h7;
	assert_true(conns_connect(c, "c7", &h7, "u", NULL, 0, NULL));
	conns_disconnect(c, "c7", &h7, false, 1);
	assert_null(conns_find(c, "c4"));   /* oldest offline dropped */
	assert_non_null(conns_find(c, "c3")); /* live: never dropped */
	/* drop every offline record (reload) */
	conns_forget_offline_values(c);
	assert_int_equal(conns_count(c), 1);
	assert_non_null(conns_find(c, "c3"));
	conns_free(c);

	/* offline_max 0: nothing is kept offline */
	c = conns_new(0);
	int hz;
	assert_true(conns_connect(c, "z", &hz, "u", NULL, 0, NULL));
	conns_disconnect(c, "z", &hz, false, 1);
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
		conns_disconnect(c, id, &handles[i], false, 1);
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

/* A persistent session that goes offline stays its user's: another user is
 * not the owner, the same user is; a plain offline record owns nothing; the
 * owner coming back makes it live again. */
static void test_kept_session_owner(void **state)
{
	(void)state;
	certacl_conns *c = conns_new(4);
	int h1, h2, h3;
	certacl_cert_values v = values("S1");
	assert_true(conns_connect(c, "sess-1", &h1, "alice", NULL, 0, &v));
	conns_set_persists(c, "sess-1", &h1, true);
	conns_disconnect(c, "sess-1", &h1, true, 500);
	const certacl_conn *o = conns_owner(c, "sess-1", 600);
	assert_non_null(o);
	assert_string_equal(o->username, "alice");
	assert_null(o->live);
	assert_true(o->session_kept);
	assert_int_equal(o->offline_since, 500);
	assert_null(conns_holder(c, "sess-1", 600)); /* not live */
	assert_int_equal(conns_owner_counts(c).kept, 1);

	/* a session that ended owns nothing */
	assert_true(conns_connect(c, "plain-1", &h2, "bob", NULL, 0, NULL));
	conns_disconnect(c, "plain-1", &h2, false, 500);
	assert_null(conns_owner(c, "plain-1", 600));
	assert_non_null(conns_find(c, "plain-1")); /* its values are kept, for the will */

	/* reload: plain records go, kept sessions stay without their values */
	conns_forget_offline_values(c);
	assert_null(conns_find(c, "plain-1"));
	o = conns_owner(c, "sess-1", 700);
	assert_non_null(o);
	assert_null(o->cert.cn);
	assert_string_equal(o->username, "alice");

	/* only a kept session can be released */
	assert_false(conns_release_owner(c, "nobody"));
	assert_false(conns_release_owner(c, NULL));
	int hr;
	assert_true(conns_connect(c, "live-r", &hr, "eve", NULL, 0, NULL));
	assert_false(conns_release_owner(c, "live-r"));
	conns_disconnect(c, "live-r", &hr, true, 650);
	assert_int_equal(conns_owner_counts(c).kept, 2);
	assert_true(conns_release_owner(c, "live-r"));
	assert_null(conns_find(c, "live-r"));
	assert_int_equal(conns_owner_counts(c).kept, 1);

	/* the owner comes back: live again, not kept */
	assert_true(conns_connect(c, "sess-1", &h3, "alice", NULL, 0, NULL));
	o = conns_owner(c, "sess-1", 800);
	assert_ptr_equal(o->live, &h3);
	assert_false(o->session_kept);
	assert_int_equal(conns_owner_counts(c).kept, 0);
	/* it leaves with a clean session: the id is free */
	conns_disconnect(c, "sess-1", &h3, false, 900);
	assert_null(conns_owner(c, "sess-1", 901));
	conns_free(c);
}

/* An unconfirmed password claim by the owner's username does not free the
 * kept session: wrong password or right, the session stays that user's. */
static void test_claim_keeps_owner(void **state)
{
	(void)state;
	certacl_conns *c = conns_new(4);
	int h1, h2;
	const int64_t t0 = 1000000;
	assert_true(conns_connect(c, "pw-s", &h1, "carol", NULL, 0, NULL));
	conns_disconnect(c, "pw-s", &h1, true, t0);
	assert_true(conns_claim(c, "pw-s", &h2, "carol", t0 + 1));
	/* long after the claim lapsed, carol still owns it */
	const certacl_conn *o = conns_owner(c, "pw-s", t0 + 1000);
	assert_non_null(o);
	assert_string_equal(o->username, "carol");
	/* the refused client goes: the session is kept again */
	conns_disconnect(c, "pw-s", &h2, false, t0 + 2);
	o = conns_owner(c, "pw-s", t0 + 1000);
	assert_non_null(o);
	assert_true(o->session_kept);
	/* a confirmed claim is a live owner like any other */
	assert_true(conns_claim(c, "pw-s", &h2, "carol", t0 + 3));
	assert_non_null(conns_confirm(c, "pw-s", &h2, "carol"));
	conns_disconnect(c, "pw-s", &h2, false, t0 + 4);
	assert_null(conns_owner(c, "pw-s", t0 + 5));
	conns_free(c);
}

/* Past session_owners_per_user a user's own oldest kept session is dropped;
 * past session_owners_max the oldest of all. Both are counted. */
static void test_owner_bounds(void **state)
{
	(void)state;
	certacl_conns *c = conns_new(4);
	int h[10];
	char id[16];
	conns_set_owner_bounds(c, 4, 2);
	for(int i = 0; i < 3; i++){ /* alice: a0 a1 a2 -> a0 dropped */
		snprintf(id, sizeof(id), "a%d", i);
		assert_true(conns_connect(c, id, &h[i], "alice", NULL, 0, NULL));
		conns_disconnect(c, id, &h[i], true, 10 + i);
	}
	assert_null(conns_owner(c, "a0", 20));
	assert_non_null(conns_owner(c, "a1", 20));
	assert_non_null(conns_owner(c, "a2", 20));
	certacl_owner_counts n = conns_owner_counts(c);
	assert_int_equal(n.kept, 2);
	assert_int_equal(n.dropped_user, 1);
	assert_int_equal(n.dropped_max, 0);
	for(int i = 0; i < 3; i++){ /* bob b0 b1, carol c0: 5 > 4 -> a1 (oldest) dropped */
		snprintf(id, sizeof(id), i < 2 ? "b%d" : "c%d", i < 2 ? i : 0);
		assert_true(conns_connect(c, id, &h[3 + i], i < 2 ? "bob" : "carol", NULL, 0, NULL));
		conns_disconnect(c, id, &h[3 + i], true, 20 + i);
	}
	n = conns_owner_counts(c);
	assert_int_equal(n.kept, 4);
	assert_int_equal(n.dropped_max, 1);
	assert_null(conns_owner(c, "a1", 30));
	assert_non_null(conns_owner(c, "a2", 30));
	assert_non_null(conns_owner(c, "c0", 30));
	/* lowering the bounds applies at once */
	conns_set_owner_bounds(c, 4, 1);  /* bob keeps b1 */
	assert_null(conns_owner(c, "b0", 30));
	assert_non_null(conns_owner(c, "b1", 30));
	conns_set_owner_bounds(c, 0, 1);
	assert_int_equal(conns_owner_counts(c).kept, 0);
	assert_int_equal(conns_count(c), 0);
	conns_free(c);
}

typedef struct saved_list {
	char text[512];
} saved_list;

static void list_owner(const certacl_conn *r, void *arg)
{
	saved_list *l = arg;
	size_t n = strlen(l->text);
	snprintf(l->text + n, sizeof(l->text) - n, "%s=%s%s ", r->client_id, r->username,
			r->live ? "(live)" : "");
}

/* The owners file: what conns_each_owner lists is written and read back in
 * the same order; unconfirmed claims and clean sessions are not saved. */
static void test_owners_file(void **state)
{
	(void)state;
	tu_dir d;
	tu_dir_make(&d);
	const char *path = tu_dir_path(&d, "owners");
	tu_dir_path(&d, "owners.tmp");
	certacl_conns *c = conns_new(4);
	int h[5];
	assert_true(conns_connect(c, "old", &h[0], "u1", NULL, 0, NULL));
	conns_disconnect(c, "old", &h[0], true, 100);
	assert_true(conns_connect(c, "new \"quoted\"\xc3\xa9", &h[1], "u2", NULL, 0, NULL));
	conns_disconnect(c, "new \"quoted\"\xc3\xa9", &h[1], true, 200);
	assert_true(conns_connect(c, "live-p", &h[2], "u3", NULL, 0, NULL));
	conns_set_persists(c, "live-p", &h[2], true);
	assert_true(conns_connect(c, "live-clean", &h[3], "u4", NULL, 0, NULL));
	assert_true(conns_claim(c, "claim", &h[4], "u5", 100));
	saved_list before = { "" };
	conns_each_owner(c, list_owner, &before);
	assert_string_equal(before.text, "old=u1 new \"quoted\"\xc3\xa9=u2 live-p=u3(live) ");

	size_t saved, too_long, loaded;
	certacl_error err;
	assert_true(owners_save(c, path, &saved, &too_long, &err));
	assert_int_equal(saved, 3);
	assert_int_equal(too_long, 0);
	conns_free(c);

	c = conns_new(4);
	assert_true(owners_load(c, path, &loaded, &err));
	assert_int_equal(loaded, 3);
	saved_list after = { "" };
	conns_each_owner(c, list_owner, &after);
	assert_string_equal(after.text, "old=u1 new \"quoted\"\xc3\xa9=u2 live-p=u3 ");
	assert_int_equal(conns_find(c, "old")->offline_since, 100);
	assert_string_equal(conns_owner(c, "live-p", 0)->username, "u3");
	conns_free(c);

	/* a missing file is an empty one */
	c = conns_new(4);
	assert_true(owners_load(c, tu_dir_path(&d, "missing"), &loaded, &err));
	assert_int_equal(loaded, 0);
	/* anything else that cannot be read is an error naming file and line */
	static const struct { const char *text, *error; } bad[] = {
		{ "{\"clientid\":\"a\",\"username\":\"b\",\"offline_since\":1}\n", "owners:1: not a certacl session owners file" },
		{ CERTACL_OWNERS_HEADER "\n{\"clientid\":\"a\",\"username\":\"b\"}\n", "owners:2: expected" },
		{ CERTACL_OWNERS_HEADER "\n\n{\"clientid\":\"\",\"username\":\"b\",\"offline_since\":1}\n", "owners:3: expected" },
		{ CERTACL_OWNERS_HEADER "\n{\"clientid\":\"a\",\"username\":\"\\u00ff\\ud800\",\"offline_since\":1}\n", "owners:2: expected" },
		{ CERTACL_OWNERS_HEADER "\n{\"clientid\":\"a\",\"username\":\"b\",\"offline_since\":-1}\n", "owners:2: expected" },
		{ CERTACL_OWNERS_HEADER "\nnot json\n", "owners:2: expected" },
		{ CERTACL_OWNERS_HEADER "\n{\"clientid\":\"a\",\"use", "owners:2: expected" },
	};
	for(size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++){
		const char *p = tu_dir_write(&d, "owners", bad[i].text, (size_t)-1);
		assert_false(owners_load(c, p, &loaded, &err));
		assert_contains(err.text, bad[i].error);
	}
	conns_free(c);
	/* a file that cannot be written leaves an error and no temporary file */
	c = conns_new(4);
	assert_false(owners_save(c, tu_dir_path(&d, "no-such-dir/owners"), &saved, &too_long, &err));
	assert_contains(err.text, "cannot write the session owners file");
	conns_free(c);
	tu_dir_remove(&d);
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
		cmocka_unit_test(test_kept_session_owner),
		cmocka_unit_test(test_claim_keeps_owner),
		cmocka_unit_test(test_owner_bounds),
		cmocka_unit_test(test_owners_file),
	};
	return cmocka_run_group_tests_name("clients", tests, NULL, NULL);
}
