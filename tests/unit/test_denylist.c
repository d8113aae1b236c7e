/* Unit tests of plugin/core/denylist.c: revoked serials and fingerprints. */
#include <stdio.h>

#include "certacl/denylist.h"
#include "unit_util.h"

static const char fp[] = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

static certacl_denylist *load(const char *text)
{
	certacl_error err;
	certacl_denylist *d = denylist_load_text("deny.txt", text, strlen(text), &err);
	if(!d){
		print_error("deny list failed to load: %s\n", err.text);
		fail();
	}
	return d;
}

static void expect_error(const char *text, size_t len, unsigned line, const char *what)
{
	certacl_error err;
	memset(&err, 0, sizeof(err));
	if(len == (size_t)-1) len = strlen(text);
	certacl_denylist *d = denylist_load_text("deny.txt", text, len, &err);
	if(d){
		denylist_free(d);
		print_error("accepted, expected error at line %u: %.100s\n", line, text);
		fail();
	}
	char prefix[64];
	snprintf(prefix, sizeof(prefix), "deny.txt:%u: ", line);
	if(strncmp(err.text, prefix, strlen(prefix)) != 0){
		print_error("error '%s' does not start with '%s'\n", err.text, prefix);
		fail();
	}
	assert_contains(err.text, what);
}

/* Does a certificate with this serial / fingerprint match? `line` gets the
 * listed line from the reason text. */
static bool matches(const certacl_denylist *d, const char *serial, const char *sha256, char *why)
{
	certacl_cert_values v;
	memset(&v, 0, sizeof(v));
	v.serial = (char *)serial;
	v.sha256 = (char *)sha256;
	why[0] = '\0';
	return denylist_match(d, &v, why, 512);
}

static void test_formats(void **state)
{
	(void)state;
	char text[2048];
	char upper_colons[200];
	size_t o = 0;
	for(int i = 0; i < 64; i += 2){
		o += (size_t)snprintf(upper_colons + o, sizeof(upper_colons) - o, "%s%c%c", i ? ":" : "",
				"FFEEDDCCBBAA99887766554433221100FFEEDDCCBBAA99887766554433221100"[i],
				"FFEEDDCCBBAA99887766554433221100FFEEDDCCBBAA99887766554433221100"[i+1]);
	}
	snprintf(text, sizeof(text),
			"# revoked certificates\n"                  /* 1 */
			"\n"                                        /* 2 */
			"serial 0A1B2C\n"                           /* 3 */
			"serial=DEAD\n"                             /* 4: openssl x509 -serial */
			"  SERIAL  00:be:ef  \r\n"                  /* 5 */
			"sha256 %s\n"                               /* 6 */
			"sha256 Fingerprint=%s\n"                   /* 7: openssl -fingerprint -sha256 */
			"\t# indented comment\n"                    /* 8 */
			"serial 0000\n"                             /* 9: serial zero */
			"serial 0A1B2C",                            /* 10: listed twice, no newline */
			fp, upper_colons);
	certacl_denylist *d = load(text);
	assert_int_equal(denylist_count(d), 6);
	char why[512];

	/* serials: case, colons and leading zeros do not matter */
	assert_true(matches(d, "0a1b2c", NULL, why));
	assert_contains(why, "deny.txt:3");
	assert_true(matches(d, "a1b2c", NULL, why));
	assert_true(matches(d, "dead", NULL, why));
	assert_contains(why, "deny.txt:4");
	assert_true(matches(d, "00dead", NULL, why));
	assert_true(matches(d, "beef", NULL, why));
	assert_contains(why, "deny.txt:5");
	assert_true(matches(d, "0", NULL, why));
	assert_contains(why, "deny.txt:9");
	assert_true(matches(d, "00", NULL, why));
	assert_false(matches(d, "0a1b2d", NULL, why));
	assert_false(matches(d, "0a1b2c00", NULL, why));
	assert_false(matches(d, "1", NULL, why));
	/* fingerprints */
	assert_true(matches(d, "99", fp, why));
	assert_contains(why, "deny.txt:6");
	assert_contains(why, "sha256");
	assert_true(matches(d, NULL, "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100", why));
	assert_contains(why, "deny.txt:7");
	assert_false(matches(d, "99", "10112233445566778899aabbccddeeff00112233445566778899aabbccddeeff", why));
	assert_false(matches(d, NULL, NULL, why));
	/* a serial is not a fingerprint and the other way round */
	assert_false(matches(d, fp, NULL, why));
	assert_false(matches(d, NULL, "0a1b2c", why));
	denylist_free(d);
	denylist_free(NULL);
}

/* With certificates made in the test, through cert_values_capture. */
static void test_with_certificates(void **state)
{
	(void)state;
	X509 *a = tu_cert_new();
	tu_cert_cn(a, "a");
	tu_cert_serial_hex(a, "01F4");
	tu_cert_sign(a);
	X509 *b = tu_cert_new();
	tu_cert_cn(b, "b");
	tu_cert_serial_hex(b, "01F5");
	tu_cert_sign(b);
	char fpb[65], text[300];
	tu_cert_sha256_hex(b, fpb);
	snprintf(text, sizeof(text), "serial 1f4\nsha256 %s\n", fpb);
	certacl_denylist *d = load(text);
	certacl_cert_values va, vb;
	assert_true(cert_values_capture(a, &va));
	assert_true(cert_values_capture(b, &vb));
	char why[512];
	assert_true(denylist_match(d, &va, why, sizeof(why)));
	assert_contains(why, "serial 1f4");
	assert_true(denylist_match(d, &vb, why, sizeof(why)));
	assert_contains(why, "deny.txt:2");
	cert_values_free(&va);
	cert_values_free(&vb);
	denylist_free(d);
	d = load("serial 1f6\n");
	assert_true(cert_values_capture(a, &va));
	assert_false(denylist_match(d, &va, why, sizeof(why)));
	cert_values_free(&va);
	denylist_free(d);
	X509_free(a);
	X509_free(b);
	tu_key_free();
}

static void test_errors(void **state)
{
	(void)state;
	expect_error("serial 01\nrevoke 02\n", (size_t)-1, 2, "expected 'serial HEX' or 'sha256 HEX'");
	expect_error("serial xyz\n", (size_t)-1, 1, "serial must be hex");
	expect_error("# c\nserial 01 02\n", (size_t)-1, 2, "hex");
	expect_error("sha256 0011\n", (size_t)-1, 1, "64 hex digits");
	expect_error("sha256\n", (size_t)-1, 1, "64 hex digits");
	expect_error("sha1 00\n", (size_t)-1, 1, "expected");
	char text[300];
	snprintf(text, sizeof(text), "sha256 %s00\n", fp);
	expect_error(text, (size_t)-1, 1, "64 hex digits");
	snprintf(text, sizeof(text), "sha256 %.63sg\n", fp);
	expect_error(text, (size_t)-1, 1, "64 hex digits");
	/* a serial of more than 256 hex digits */
	char big[400];
	memset(big, 'a', sizeof(big));
	memcpy(big, "serial ", 7);
	big[7 + 300] = '\n';
	expect_error(big, 7 + 301, 1, "at most 256");
	static const char nul[] = "serial 01\nserial 0\0 2\n";
	expect_error(nul, sizeof(nul) - 1, 2, "NUL");
	size_t n = CERTACL_LINE_MAX + 20;
	char *lng = malloc(n);
	assert_non_null(lng);
	memset(lng, '0', n);
	memcpy(lng, "serial ", 7);
	expect_error(lng, n, 1, "longer than 65536 bytes");
	free(lng);
}

/* A `serial` line without a value is an error, not serial 0.
 * Regression test (fixed in a1ec5b2): before it, denylist.c norm_hex() turned an empty
 * serial into "0", so "serial", "serial=" or "serial :" loaded without error. */
static void test_empty_serial(void **state)
{
	(void)state;
	expect_error("serial\n", (size_t)-1, 1, "serial");
	expect_error("# c\nserial=\n", (size_t)-1, 2, "serial");
	expect_error("serial :\n", (size_t)-1, 1, "serial");
}

static void test_load_file(void **state)
{
	(void)state;
	tu_dir d;
	tu_dir_make(&d);
	const char *good = tu_dir_write(&d, "deny.txt", "serial 0a\n", (size_t)-1);
	const char *bad = tu_dir_write(&d, "bad.txt", "serial 0a\n\nserial q\n", (size_t)-1);
	const char *missing = tu_dir_path(&d, "missing.txt");
	certacl_error err;
	certacl_denylist *dl = denylist_load_file(good, &err);
	assert_non_null(dl);
	char why[512];
	assert_true(matches(dl, "0a", NULL, why));
	assert_contains(why, good);
	denylist_free(dl);
	assert_null(denylist_load_file(bad, &err));
	char expect[600];
	snprintf(expect, sizeof(expect), "%s:3: ", bad);
	assert_contains(err.text, expect);
	assert_null(denylist_load_file(missing, &err));
	snprintf(expect, sizeof(expect), "%s: cannot open deny list", missing);
	assert_contains(err.text, expect);
	tu_dir_remove(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_formats),
		cmocka_unit_test(test_with_certificates),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_empty_serial),
		cmocka_unit_test(test_load_file),
	};
	return cmocka_run_group_tests_name("denylist", tests, NULL, NULL);
}
