/* Unit tests of plugin/core/identity.c: identity from a client certificate made
 * in the test with OpenSSL, certificate values for placeholders, id specs. */
#include <stdio.h>

#include <openssl/x509v3.h>

#include "certacl/identity.h"
#include "unit_util.h"

#define OUTSZ (CERTACL_IDENTITY_MAX * 4 + 1)

static int teardown_key(void **state)
{
	(void)state;
	tu_key_free();
	return 0;
}

/* The reference certificate: O, OU, CN; SANs of every type, two of some. */
static X509 *make_reference(void)
{
	X509 *x = tu_cert_new();
	tu_cert_name(x, NID_countryName, V_ASN1_PRINTABLESTRING, "DE", -1);
	tu_cert_name(x, NID_organizationName, V_ASN1_UTF8STRING, "Acme, Inc.", -1);
	tu_cert_name(x, NID_organizationalUnitName, V_ASN1_UTF8STRING, "Line1", -1);
	tu_cert_cn(x, "device-01");
	static const tu_san sans[] = {
		{ GEN_DNS, "dev1.example", -1 },
		{ GEN_EMAIL, "dev1@example.com", -1 },
		{ GEN_URI, "urn:dev:1", -1 },
		{ GEN_DNS, "dev1b.example", -1 },
		{ GEN_URI, "spiffe://plant/edge/1", -1 },
	};
	tu_cert_sans(x, sans, sizeof(sans) / sizeof(sans[0]));
	tu_cert_serial_hex(x, "0A1B2C3D4E");
	tu_cert_sign(x);
	return x;
}

static const char *id_of(X509 *x, const char *spec_text, char *out)
{
	certacl_id_spec spec;
	assert_true(id_spec_parse(spec_text, &spec));
	memset(out, '#', OUTSZ);
	return identity_from_cert(x, &spec, out, OUTSZ);
}

static void expect_id(X509 *x, const char *spec_text, const char *expect)
{
	char out[OUTSZ];
	const char *why = id_of(x, spec_text, out);
	if(why){
		print_error("%s: refused: %s (expected '%s')\n", spec_text, why, expect);
		fail();
	}
	if(strcmp(out, expect) != 0){
		print_error("%s: '%s', expected '%s'\n", spec_text, out, expect);
		fail();
	}
}

static void expect_refused(X509 *x, const char *spec_text, const char *what)
{
	char out[OUTSZ];
	const char *why = id_of(x, spec_text, out);
	if(!why){
		print_error("%s: accepted '%s', expected refusal (%s)\n", spec_text, out, what);
		fail();
	}
	assert_contains(why, what);
}

static void test_reference_fields(void **state)
{
	(void)state;
	X509 *x = make_reference();
	char sha[65];
	tu_cert_sha256_hex(x, sha);

	expect_id(x, "cn", "device-01");
	expect_id(x, "dn", "CN=device-01,OU=Line1,O=Acme\\, Inc.,C=DE");
	expect_id(x, "san-dns", "dev1.example");
	expect_id(x, "san-dns:1", "dev1.example");
	expect_id(x, "san-dns:2", "dev1b.example");
	expect_id(x, "san-email", "dev1@example.com");
	expect_id(x, "san-uri", "urn:dev:1");
	expect_id(x, "san-uri:2", "spiffe://plant/edge/1"); /* '/' is the caller's business */
	expect_id(x, "serial", "0a1b2c3d4e");
	expect_id(x, "sha256", sha);
	assert_int_equal(strlen(sha), 64);

	expect_refused(x, "san-dns:3", "no subjectAltName entry");
	expect_refused(x, "san-email:2", "no subjectAltName entry");
	expect_refused(x, "san-uri:64", "no subjectAltName entry");
	X509_free(x);
}

static void test_serial_forms(void **state)
{
	(void)state;
	static const struct { const char *hex; const char *expect; } cases[] = {
		{ "1", "01" },
		{ "ABCDEF", "abcdef" },
		{ "0F", "0f" },
		{ "7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF", "7fffffffffffffffffffffffffffffffffffffff" },
		{ "1000", "1000" },
	};
	for(size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++){
		X509 *x = tu_cert_new();
		tu_cert_cn(x, "s");
		tu_cert_serial_hex(x, cases[i].hex);
		tu_cert_sign(x);
		expect_id(x, "serial", cases[i].expect);
		X509_free(x);
	}
}

/* Certificates differing in one byte have different fingerprints; the same
 * certificate always the same. */
static void test_sha256_distinct(void **state)
{
	(void)state;
	X509 *a = tu_cert_new();
	tu_cert_cn(a, "same");
	tu_cert_sign(a);
	X509 *b = tu_cert_new();
	tu_cert_cn(b, "same");
	tu_cert_serial_hex(b, "2");
	tu_cert_sign(b);
	char ia[OUTSZ], ib[OUTSZ], ia2[OUTSZ];
	assert_null(id_of(a, "sha256", ia));
	assert_null(id_of(b, "sha256", ib));
	assert_null(id_of(a, "sha256", ia2));
	assert_string_not_equal(ia, ib);
	assert_string_equal(ia, ia2);
	for(const char *c = ia; *c; c++) assert_non_null(strchr("0123456789abcdef", *c));
	X509_free(a);
	X509_free(b);
}

static void test_cn_refusals(void **state)
{
	(void)state;
	char out[OUTSZ];
	certacl_id_spec cn = { CERTACL_ID_CN, 0 };

	/* no certificate */
	const char *why = identity_from_cert(NULL, &cn, out, sizeof(out));
	assert_non_null(why);
	assert_contains(why, "no client certificate");

	/* no CN at all */
	X509 *x = tu_cert_new();
	tu_cert_name(x, NID_organizationName, V_ASN1_UTF8STRING, "Acme", -1);
	tu_cert_sign(x);
	expect_refused(x, "cn", "no CN");
	X509_free(x);

	/* two CNs */
	x = tu_cert_new();
	tu_cert_cn(x, "first");
	tu_cert_cn(x, "second");
	tu_cert_sign(x);
	expect_refused(x, "cn", "several CN");
	X509_free(x);

	/* the same CN twice is still ambiguous */
	x = tu_cert_new();
	tu_cert_cn(x, "twin");
	tu_cert_cn(x, "twin");
	tu_cert_sign(x);
	expect_refused(x, "cn", "several CN");
	X509_free(x);

	/* unusable CNs */
	static const struct { const char *bytes; int len; int type; const char *what; } bad[] = {
		{ "admin\0.evil.example", 19, V_ASN1_UTF8STRING, "NUL" },       /* the classic trick */
		{ "admin\0", 6, V_ASN1_UTF8STRING, "NUL" },
		{ "", 0, V_ASN1_UTF8STRING, "empty" },
		{ "\xff\xfe" "abc", 5, V_ASN1_UTF8STRING, "UTF-8" },
		{ "\xc0\xaf", 2, V_ASN1_UTF8STRING, "UTF-8" },                   /* overlong '/' */
		{ "a\xed\xa0\x80", 4, V_ASN1_UTF8STRING, "UTF-8" },              /* surrogate */
		{ "\xe2\x82", 2, V_ASN1_UTF8STRING, "UTF-8" },                   /* truncated */
		{ "\0a\0\0", 4, V_ASN1_BMPSTRING, "NUL" },                       /* UTF-16 with U+0000 */
	};
	for(size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++){
		x = tu_cert_new();
		tu_cert_name(x, NID_commonName, bad[i].type, bad[i].bytes, bad[i].len);
		(void)tu_cert_try_sign(x);
		why = identity_from_cert(x, &cn, out, sizeof(out));
		if(!why){
			print_error("bad CN %zu accepted as '%s'\n", i, out);
			fail();
		}
		assert_contains(why, "CN");
		X509_free(x);
	}
}

static void test_cn_lengths_and_encodings(void **state)
{
	(void)state;
	char name[301];
	memset(name, 'c', 300);
	name[300] = '\0';
	/* 256 bytes: fine; 257 and 300: refused */
	for(int len = 255; len <= 257; len++){
		X509 *x = tu_cert_new();
		tu_cert_name(x, NID_commonName, V_ASN1_UTF8STRING, name, len);
		tu_cert_sign(x);
		char out[OUTSZ];
		const char *why = id_of(x, "cn", out);
		if(len <= CERTACL_IDENTITY_MAX){
			assert_null(why);
			assert_int_equal(strlen(out), (size_t)len);
		}else{
			assert_non_null(why);
		}
		X509_free(x);
	}
	X509 *x = tu_cert_new();
	tu_cert_name(x, NID_commonName, V_ASN1_UTF8STRING, name, 300);
	tu_cert_sign(x);
	expect_refused(x, "cn", "256");
	/* a buffer too small for the field: refused, not cut */
	certacl_id_spec cn = { CERTACL_ID_CN, 0 };
	char small[16];
	assert_non_null(identity_from_cert(x, &cn, small, sizeof(small)));
	X509_free(x);

	/* a multi-byte CN: 128 x "é" = 256 bytes is fine, 129 is too long */
	char wide[2 * 129 + 1];
	for(int i = 0; i < 129; i++){ wide[2*i] = (char)0xc3; wide[2*i+1] = (char)0xa9; }
	wide[2 * 129] = '\0';
	x = tu_cert_new();
	tu_cert_name(x, NID_commonName, V_ASN1_UTF8STRING, wide, 256);
	tu_cert_sign(x);
	char out[OUTSZ];
	assert_null(id_of(x, "cn", out));
	assert_memory_equal(out, wide, 256);
	X509_free(x);
	x = tu_cert_new();
	tu_cert_name(x, NID_commonName, V_ASN1_UTF8STRING, wide, 258);
	tu_cert_sign(x);
	assert_non_null(id_of(x, "cn", out));
	X509_free(x);

	/* other string types are converted to UTF-8 */
	x = tu_cert_new();
	tu_cert_name(x, NID_commonName, V_ASN1_BMPSTRING, "\0d\0e\0v\0\xe9", 8); /* "devé" */
	tu_cert_sign(x);
	expect_id(x, "cn", "dev\xc3\xa9");
	X509_free(x);
	x = tu_cert_new();
	tu_cert_name(x, NID_commonName, V_ASN1_PRINTABLESTRING, "Printable 1", -1);
	tu_cert_sign(x);
	expect_id(x, "cn", "Printable 1");
	X509_free(x);
	/* a UTF-8 CN with characters the caller will refuse is passed on as is */
	x = tu_cert_new();
	tu_cert_cn(x, "a/b+c#\x01");
	tu_cert_sign(x);
	expect_id(x, "cn", "a/b+c#\x01");
	X509_free(x);
}

static void test_dn(void **state)
{
	(void)state;
	X509 *x = tu_cert_new();
	tu_cert_name(x, NID_organizationName, V_ASN1_UTF8STRING, "Gr\xc3\xbcn GmbH", -1);
	tu_cert_cn(x, "Ger\xc3\xa4t+1");
	tu_cert_sign(x);
	/* RFC 2253: last RDN first, UTF-8 kept as is, '+' escaped */
	expect_id(x, "dn", "CN=Ger\xc3\xa4t\\+1,O=Gr\xc3\xbcn GmbH");
	X509_free(x);

	/* an empty subject has no DN */
	x = tu_cert_new();
	tu_cert_sign(x);
	expect_refused(x, "dn", "DN");
	expect_refused(x, "cn", "no CN");
	X509_free(x);

	/* a NUL or control byte inside a CN/OU is escaped in the DN, so the DN stays
	 * usable and cannot be confused with the CN cut at the NUL */
	x = tu_cert_new();
	tu_cert_name(x, NID_organizationalUnitName, V_ASN1_UTF8STRING, "a\x01" "b", 3);
	tu_cert_name(x, NID_commonName, V_ASN1_UTF8STRING, "admin\0.evil", 11);
	tu_cert_sign(x);
	expect_id(x, "dn", "CN=admin\\00.evil,OU=a\\01b");
	X509_free(x);

	/* a DN longer than 256 bytes is refused as an identity */
	char longou[200];
	memset(longou, 'o', sizeof(longou) - 1);
	longou[sizeof(longou) - 1] = '\0';
	x = tu_cert_new();
	tu_cert_name(x, NID_organizationalUnitName, V_ASN1_UTF8STRING, longou, -1);
	tu_cert_cn(x, longou);
	tu_cert_sign(x);
	expect_refused(x, "dn", "256");
	X509_free(x);
}

static void test_san_refusals(void **state)
{
	(void)state;
	/* no SAN extension at all */
	X509 *x = tu_cert_new();
	tu_cert_cn(x, "nosan");
	tu_cert_sign(x);
	expect_refused(x, "san-dns", "subjectAltName");
	expect_refused(x, "san-email", "subjectAltName");
	expect_refused(x, "san-uri", "subjectAltName");
	X509_free(x);

	/* SANs of another type only */
	x = tu_cert_new();
	static const tu_san dns_only[] = { { GEN_DNS, "only.dns", -1 } };
	tu_cert_sans(x, dns_only, 1);
	tu_cert_sign(x);
	expect_id(x, "san-dns", "only.dns");
	expect_refused(x, "san-email", "subjectAltName");
	expect_refused(x, "san-uri", "subjectAltName");
	X509_free(x);

	/* unusable entries: NUL inside, empty */
	static const tu_san bad[] = {
		{ GEN_DNS, "good.example\0.evil.example", 26 },
		{ GEN_EMAIL, "", 0 },
		{ GEN_URI, "urn:x\0y", 7 },
	};
	x = tu_cert_new();
	tu_cert_sans(x, bad, 3);
	tu_cert_sign(x);
	expect_refused(x, "san-dns", "unusable");
	expect_refused(x, "san-email", "unusable");
	expect_refused(x, "san-uri", "unusable");
	X509_free(x);

	/* an unusable first entry is not skipped in favour of the second */
	static const tu_san two[] = { { GEN_DNS, "a\0b", 3 }, { GEN_DNS, "second.example", -1 } };
	x = tu_cert_new();
	tu_cert_sans(x, two, 2);
	tu_cert_sign(x);
	expect_refused(x, "san-dns", "unusable");
	expect_id(x, "san-dns:2", "second.example");
	X509_free(x);

	/* a SAN longer than 256 bytes */
	char longdns[301];
	memset(longdns, 'd', 300);
	longdns[300] = '\0';
	static tu_san lng[1];
	lng[0] = (tu_san){ GEN_DNS, longdns, 300 };
	x = tu_cert_new();
	tu_cert_sans(x, lng, 1);
	tu_cert_sign(x);
	expect_refused(x, "san-dns", "256");
	X509_free(x);
}

static void test_unknown_field(void **state)
{
	(void)state;
	X509 *x = make_reference();
	certacl_id_spec spec = { (certacl_id_field)99, 0 };
	char out[OUTSZ];
	assert_non_null(identity_from_cert(x, &spec, out, sizeof(out)));
	X509_free(x);
}

/* ---- id_spec_parse / id_spec_name ---- */

static void test_id_spec(void **state)
{
	(void)state;
	static const struct { const char *s; certacl_id_field f; unsigned idx; } good[] = {
		{ "cn", CERTACL_ID_CN, 0 },
		{ "dn", CERTACL_ID_DN, 0 },
		{ "san-dns", CERTACL_ID_SAN_DNS, 0 },
		{ "san-dns:1", CERTACL_ID_SAN_DNS, 0 },
		{ "san-dns:3", CERTACL_ID_SAN_DNS, 2 },
		{ "san-email", CERTACL_ID_SAN_EMAIL, 0 },
		{ "san-email:64", CERTACL_ID_SAN_EMAIL, 63 },
		{ "san-uri", CERTACL_ID_SAN_URI, 0 },
		{ "san-uri:2", CERTACL_ID_SAN_URI, 1 },
		{ "san-uri:02", CERTACL_ID_SAN_URI, 1 },
		{ "serial", CERTACL_ID_SERIAL, 0 },
		{ "sha256", CERTACL_ID_SHA256, 0 },
	};
	for(size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++){
		certacl_id_spec spec = { (certacl_id_field)77, 77 };
		if(!id_spec_parse(good[i].s, &spec)){
			print_error("'%s' refused\n", good[i].s);
			fail();
		}
		assert_int_equal(spec.field, good[i].f);
		assert_int_equal(spec.san_index, good[i].idx);
	}
	static const char *const bad[] = { "", "CN", "Cn", "cn ", " cn", "cn:1", "dn:1", "serial:1",
		"sha256:1", "san-dns:", "san-dns:0", "san-dns:65", "san-dns:x", "san-dns:1x",
		"san-dns:-1", "san-dns:+1", "san-dns: 1", "san-dns:99999999999999999999999",
		"san-dns1", "san", "san-ip", "sha1", "dns", "cnx", "subject", "fingerprint" };
	for(size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++){
		certacl_id_spec spec;
		if(id_spec_parse(bad[i], &spec)){
			print_error("'%s' accepted\n", bad[i]);
			fail();
		}
	}
	static const char *const names[] = { "cn", "dn", "san-dns", "san-email", "san-uri", "serial",
		"sha256" };
	for(size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++){
		certacl_id_spec spec;
		assert_true(id_spec_parse(names[i], &spec));
		assert_string_equal(id_spec_name(&spec), names[i]);
	}
	certacl_id_spec odd = { (certacl_id_field)99, 0 };
	assert_string_equal(id_spec_name(&odd), "?");
}

/* ---- cert_values_capture ---- */

static void test_values_capture(void **state)
{
	(void)state;
	X509 *x = make_reference();
	char sha[65];
	tu_cert_sha256_hex(x, sha);
	certacl_cert_values v;
	memset(&v, 0x5A, sizeof(v));
	assert_true(cert_values_capture(x, &v));
	assert_string_equal(v.cn, "device-01");
	assert_int_equal(v.cn_count, 1);
	assert_string_equal(v.ou, "Line1");
	assert_string_equal(v.o, "Acme, Inc.");
	assert_string_equal(v.dn, "CN=device-01,OU=Line1,O=Acme\\, Inc.,C=DE");
	assert_string_equal(v.issuer_dn, "CN=" TU_ISSUER_CN);
	assert_string_equal(v.serial, "0a1b2c3d4e");
	assert_string_equal(v.sha256, sha);
	assert_string_equal(v.san_dns, "dev1.example");       /* first of each type */
	assert_string_equal(v.san_email, "dev1@example.com");
	assert_string_equal(v.san_uri, "urn:dev:1");

	certacl_subject who = tu_subject("user", "client");
	cert_values_to_subject(&v, &who);
	assert_string_equal(who.vars[CERTACL_VAR_USERNAME], "user");   /* untouched */
	assert_string_equal(who.vars[CERTACL_VAR_CLIENTID], "client");
	assert_ptr_equal(who.vars[CERTACL_VAR_CN], v.cn);
	assert_ptr_equal(who.vars[CERTACL_VAR_OU], v.ou);
	assert_ptr_equal(who.vars[CERTACL_VAR_O], v.o);
	assert_ptr_equal(who.vars[CERTACL_VAR_SERIAL], v.serial);
	assert_ptr_equal(who.vars[CERTACL_VAR_SAN_DNS], v.san_dns);
	assert_ptr_equal(who.vars[CERTACL_VAR_SAN_EMAIL], v.san_email);
	assert_ptr_equal(who.vars[CERTACL_VAR_SAN_URI], v.san_uri);

	/* and a pattern decides with them */
	certacl_policy *p = tu_policy_ok("pattern read spBv1.0/%{ou}/NCMD/%{cn}\n");
	certacl_decision d = tu_decide(p, &who, CERTACL_READ, "spBv1.0/Line1/NCMD/device-01");
	assert_true(d.allowed);
	policy_free(p);

	cert_values_free(&v);
	assert_null(v.cn);
	assert_null(v.dn);
	assert_int_equal(v.cn_count, 0);
	cert_values_free(&v); /* twice is harmless */
	X509_free(x);
}

static void test_values_capture_unusable(void **state)
{
	(void)state;
	/* several CNs: %{cn} unknown; bad OU: unknown; no SAN: unknown */
	X509 *x = tu_cert_new();
	tu_cert_cn(x, "one");
	tu_cert_cn(x, "two");
	tu_cert_name(x, NID_organizationalUnitName, V_ASN1_UTF8STRING, "\xff", 1);
	tu_cert_name(x, NID_organizationName, V_ASN1_UTF8STRING, "O\0x", 3);
	bool signed_ok = tu_cert_try_sign(x); /* invalid UTF-8: stays in memory */
	certacl_cert_values v;
	assert_true(cert_values_capture(x, &v));
	assert_null(v.cn);
	assert_int_equal(v.cn_count, 2);
	assert_null(v.ou);
	assert_null(v.o);
	assert_null(v.san_dns);
	assert_null(v.san_email);
	assert_null(v.san_uri);
	assert_non_null(v.serial);
	if(signed_ok) assert_non_null(v.sha256);
	/* every captured string is NUL-free valid UTF-8 */
	const char *all[] = { v.dn, v.issuer_dn, v.serial, v.sha256 };
	for(size_t i = 0; i < 4; i++){
		if(all[i]) assert_true(certacl_utf8_valid(all[i], strlen(all[i])));
	}
	certacl_subject who = tu_subject("u", "c");
	cert_values_to_subject(&v, &who);
	assert_null(who.vars[CERTACL_VAR_CN]);
	cert_values_free(&v);
	X509_free(x);

	/* the CN NUL trick: %{cn} unknown */
	x = tu_cert_new();
	tu_cert_name(x, NID_commonName, V_ASN1_UTF8STRING, "admin\0.evil", 11);
	static const tu_san sans[] = { { GEN_DNS, "ok.example", -1 }, { GEN_URI, "u\0v", 3 } };
	tu_cert_sans(x, sans, 2);
	tu_cert_sign(x);
	assert_true(cert_values_capture(x, &v));
	assert_null(v.cn);
	assert_int_equal(v.cn_count, 1);
	assert_string_equal(v.san_dns, "ok.example");
	assert_null(v.san_uri);
	cert_values_free(&v);
	X509_free(x);

	/* several OUs: the first one */
	x = tu_cert_new();
	tu_cert_name(x, NID_organizationalUnitName, V_ASN1_UTF8STRING, "ou-first", -1);
	tu_cert_name(x, NID_organizationalUnitName, V_ASN1_UTF8STRING, "ou-second", -1);
	tu_cert_sign(x);
	assert_true(cert_values_capture(x, &v));
	assert_string_equal(v.ou, "ou-first");
	assert_null(v.cn);
	assert_int_equal(v.cn_count, 0);
	cert_values_free(&v);
	X509_free(x);
}

/* Every usable OU / O entry, in subject order, for groups. */
static void test_subject_all(void **state)
{
	(void)state;
	X509 *x = tu_cert_new();
	tu_cert_name(x, NID_organizationalUnitName, V_ASN1_UTF8STRING, "ou-1", -1);
	tu_cert_name(x, NID_organizationName, V_ASN1_UTF8STRING, "Acme", -1);
	tu_cert_name(x, NID_organizationalUnitName, V_ASN1_UTF8STRING, "bad\x01", -1);
	tu_cert_name(x, NID_organizationalUnitName, V_ASN1_UTF8STRING, "", 0);
	tu_cert_name(x, NID_organizationalUnitName, V_ASN1_UTF8STRING, "nul\0x", 5);
	tu_cert_name(x, NID_organizationalUnitName, V_ASN1_BMPSTRING, "\0o\0u\0-\0" "2", 8);
	tu_cert_name(x, NID_organizationalUnitName, V_ASN1_UTF8STRING, "a/b", -1); /* group names may hold '/' */
	tu_cert_cn(x, "x");
	tu_cert_sign(x);
	char *out[8];
	size_t n = cert_subject_all(x, "ou", out, 8);
	static const char *const want[] = { "ou-1", "ou-2", "a/b" };
	assert_int_equal(n, 3);
	for(size_t i = 0; i < n; i++){
		assert_string_equal(out[i], want[i]);
		free(out[i]);
	}
	n = cert_subject_all(x, "o", out, 8);
	assert_int_equal(n, 1);
	assert_string_equal(out[0], "Acme");
	free(out[0]);
	/* at most `max` */
	n = cert_subject_all(x, "ou", out, 2);
	assert_int_equal(n, 2);
	free(out[0]);
	free(out[1]);
	assert_int_equal(cert_subject_all(x, "ou", out, 0), 0);
	X509_free(x);
	/* none */
	x = tu_cert_new();
	tu_cert_cn(x, "x");
	tu_cert_sign(x);
	assert_int_equal(cert_subject_all(x, "o", out, 8), 0);
	X509_free(x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reference_fields),
		cmocka_unit_test(test_serial_forms),
		cmocka_unit_test(test_sha256_distinct),
		cmocka_unit_test(test_cn_refusals),
		cmocka_unit_test(test_cn_lengths_and_encodings),
		cmocka_unit_test(test_dn),
		cmocka_unit_test(test_san_refusals),
		cmocka_unit_test(test_unknown_field),
		cmocka_unit_test(test_id_spec),
		cmocka_unit_test(test_values_capture),
		cmocka_unit_test(test_values_capture_unusable),
		cmocka_unit_test(test_subject_all),
	};
	return cmocka_run_group_tests_name("identity", tests, NULL, teardown_key);
}
