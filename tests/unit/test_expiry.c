/* Unit tests of plugin/core/expiry.c: which live clients are past their
 * certificate's notAfter, which are due a warning (once a day), and the counts
 * published under $SYS; notAfter as captured from a real certificate. */
#include <stdio.h>

#include "certacl/expiry.h"
#include "unit_util.h"

#define NOW ((int64_t)1796400000) /* 2026-12-04T16:00:00Z */

static int handles[8];

/* A live client `id` whose certificate expires at `not_after` (0: a client
 * without certificate values, e.g. a password client). */
static void connect_at(certacl_conns *c, int i, const char *id, int64_t not_after)
{
	certacl_cert_values v;
	memset(&v, 0, sizeof(v));
	v.serial = strdup("0a1b");
	v.not_after = not_after;
	assert_true(conns_connect(c, id, &handles[i], id, NULL, 0, &v));
}

static bool listed(certacl_conn **list, size_t n, const char *id)
{
	for(size_t i = 0; i < n; i++) if(strcmp(list[i]->client_id, id) == 0) return true;
	return false;
}

static void test_scan_counts_and_lists(void **state)
{
	(void)state;
	certacl_conns *c = conns_new(4);
	assert_non_null(c);
	connect_at(c, 0, "expired", NOW - 5);
	connect_at(c, 1, "at-now", NOW);              /* notAfter reached: expired */
	connect_at(c, 2, "in-1h", NOW + 3600);
	connect_at(c, 3, "in-3d", NOW + 3 * CERTACL_DAY);
	connect_at(c, 4, "in-20d", NOW + 20 * CERTACL_DAY);
	connect_at(c, 5, "in-90d", NOW + 90 * CERTACL_DAY);
	connect_at(c, 6, "password", 0);              /* no certificate: never expires here */
	connect_at(c, 7, "offline", NOW - 100);
	conns_disconnect(c, "offline", &handles[7], false, 1);  /* offline: not acted on */

	certacl_expiry_scan s;
	assert_true(expiry_scan(c, NOW, 30, &s));
	assert_int_equal(s.counts.within_1d, 3);
	assert_int_equal(s.counts.within_7d, 4);
	assert_int_equal(s.counts.within_30d, 5);
	assert_true(s.counts.earliest == NOW - 5);
	assert_int_equal(s.nexpired, 2);
	assert_true(listed(s.expired, s.nexpired, "expired"));
	assert_true(listed(s.expired, s.nexpired, "at-now"));
	assert_int_equal(s.nwarn, 3);
	assert_true(listed(s.warn, s.nwarn, "in-1h"));
	assert_true(listed(s.warn, s.nwarn, "in-3d"));
	assert_true(listed(s.warn, s.nwarn, "in-20d"));
	expiry_scan_free(&s);

	/* Acted on once: the next scan, the same day, lists nobody (counts stay). */
	assert_true(expiry_scan(c, NOW + 60, 30, &s));
	assert_int_equal(s.nexpired, 0);
	assert_int_equal(s.nwarn, 0);
	assert_int_equal(s.counts.within_1d, 3);
	expiry_scan_free(&s);

	/* The next day: warned again; the expired ones still not listed again. */
	assert_true(expiry_scan(c, NOW + CERTACL_DAY, 30, &s));
	assert_int_equal(s.nexpired, 1); /* in-1h expired meanwhile */
	assert_true(listed(s.expired, s.nexpired, "in-1h"));
	assert_int_equal(s.nwarn, 2);
	expiry_scan_free(&s);

	/* A client that reconnects (new certificate or not) is a new connection. */
	connect_at(c, 0, "expired", NOW - 5);
	assert_true(expiry_scan(c, NOW + CERTACL_DAY, 30, &s));
	assert_int_equal(s.nexpired, 1);
	assert_true(listed(s.expired, s.nexpired, "expired"));
	expiry_scan_free(&s);
	conns_free(c);
}

static void test_warn_days_zero_and_empty(void **state)
{
	(void)state;
	certacl_conns *c = conns_new(4);
	certacl_expiry_scan s;
	assert_true(expiry_scan(c, NOW, 30, &s));
	assert_int_equal(s.counts.within_30d, 0);
	assert_true(s.counts.earliest == 0);
	assert_int_equal(s.nexpired + s.nwarn, 0);
	expiry_scan_free(&s);
	connect_at(c, 0, "in-1h", NOW + 3600);
	assert_true(expiry_scan(c, NOW, 0, &s)); /* expiry_warn_days 0: no warnings */
	assert_int_equal(s.nwarn, 0);
	assert_int_equal(s.counts.within_1d, 1);
	expiry_scan_free(&s);
	conns_free(c);
}

static void test_cert_expired_and_text(void **state)
{
	(void)state;
	certacl_cert_values v;
	memset(&v, 0, sizeof(v));
	assert_false(cert_expired(&v, NOW)); /* unknown notAfter */
	v.not_after = NOW;
	assert_true(cert_expired(&v, NOW));
	assert_false(cert_expired(&v, NOW - 1));
	char text[32];
	expiry_time_text(NOW, text, sizeof(text));
	assert_string_equal(text, "2026-12-04T16:00:00Z");
	expiry_time_text(NOW, text, 5); /* too small: empty, not cut */
	assert_string_equal(text, "");
}

/* notAfter as cert_values_capture reads it from a certificate. */
static void test_capture_not_after(void **state)
{
	(void)state;
	X509 *cert = tu_cert_new();
	tu_cert_cn(cert, "Shortlived");
	time_t when = (time_t)NOW;
	assert_non_null(X509_time_adj_ex(X509_getm_notAfter(cert), 0, 0, &when));
	tu_cert_sign(cert);
	certacl_cert_values v;
	assert_true(cert_values_capture(cert, &v));
	assert_true(v.not_after == NOW);
	cert_values_free(&v);
	X509_free(cert);
	tu_key_free();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scan_counts_and_lists),
		cmocka_unit_test(test_warn_days_zero_and_empty),
		cmocka_unit_test(test_cert_expired_and_text),
		cmocka_unit_test(test_capture_not_after),
	};
	return cmocka_run_group_tests_name("expiry", tests, NULL, NULL);
}
