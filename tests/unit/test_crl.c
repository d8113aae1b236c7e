/* Unit tests of plugin/core/crl.c: CRLs in PEM (one or many per file) and DER,
 * their signatures checked against the CA certificates, and the CONNECT-time
 * answer: revoked, not revoked, no CRL of the issuer, a CRL past nextUpdate. */
#include <openssl/pem.h>

#include "certacl/crl.h"
#include "unit_util.h"

#define NOW ((time_t)1796400000)

/* A CA certificate with the shared key (subject CN=`cn`, self-issued). */
static X509 *ca_cert(const char *cn)
{
	X509 *ca = tu_cert_new();
	tu_cert_cn(ca, cn);
	X509_set_issuer_name(ca, X509_get_subject_name(ca));
	tu_cert_sign(ca);
	return ca;
}

/* A leaf certificate issued by CN=`issuer` with serial `hex`. */
static X509 *leaf(const char *issuer, const char *hex)
{
	X509 *x = tu_cert_new();
	tu_cert_cn(x, "E1");
	X509_NAME *n = X509_NAME_new();
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, (const unsigned char *)issuer, -1, -1, 0);
	X509_set_issuer_name(x, n);
	X509_NAME_free(n);
	tu_cert_serial_hex(x, hex);
	tu_cert_sign(x);
	return x;
}

/* A CRL of CN=`issuer`, valid until NOW + next_in seconds, revoking `hex`
 * (NULL: none), signed with the shared key. */
static X509_CRL *crl_of(const char *issuer, time_t next_in, const char *hex)
{
	X509_CRL *crl = X509_CRL_new();
	X509_NAME *n = X509_NAME_new();
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, (const unsigned char *)issuer, -1, -1, 0);
	X509_CRL_set_issuer_name(crl, n);
	X509_NAME_free(n);
	ASN1_TIME *t = ASN1_TIME_set(NULL, NOW - 3600);
	X509_CRL_set1_lastUpdate(crl, t);
	ASN1_TIME_set(t, NOW + next_in);
	X509_CRL_set1_nextUpdate(crl, t);
	ASN1_TIME_free(t);
	if(hex){
		X509_REVOKED *r = X509_REVOKED_new();
		BIGNUM *bn = NULL;
		BN_hex2bn(&bn, hex);
		ASN1_INTEGER *serial = BN_to_ASN1_INTEGER(bn, NULL);
		X509_REVOKED_set_serialNumber(r, serial);
		ASN1_TIME *when = ASN1_TIME_set(NULL, NOW - 60);
		X509_REVOKED_set_revocationDate(r, when);
		X509_CRL_add0_revoked(crl, r);
		ASN1_TIME_free(when);
		ASN1_INTEGER_free(serial);
		BN_free(bn);
	}
	X509_CRL_sort(crl);
	assert_true(X509_CRL_sign(crl, tu_key(), EVP_sha256()) > 0);
	return crl;
}

/* The PEM text of one or two CRLs. */
static char *pem_of(X509_CRL *a, X509_CRL *b, size_t *len)
{
	BIO *bio = BIO_new(BIO_s_mem());
	assert_true(PEM_write_bio_X509_CRL(bio, a));
	if(b) assert_true(PEM_write_bio_X509_CRL(bio, b));
	char *data;
	long n = BIO_get_mem_data(bio, &data);
	char *out = malloc((size_t)n + 1);
	memcpy(out, data, (size_t)n);
	out[n] = '\0';
	*len = (size_t)n;
	BIO_free(bio);
	return out;
}

static void count_stale(const char *file, const char *issuer, const char *next_update, void *arg)
{
	assert_non_null(strstr(file, "both.pem"));
	assert_string_equal(issuer, "CN=Old CA");
	assert_true(strlen(next_update) > 0);
	(*(int *)arg)++;
}

static void test_revoked_fresh_stale_unknown(void **state)
{
	(void)state;
	tu_dir d;
	tu_dir_make(&d);
	STACK_OF(X509) *cas = sk_X509_new_null();
	sk_X509_push(cas, ca_cert("Plant CA"));
	sk_X509_push(cas, ca_cert("Old CA"));
	X509_CRL *plant = crl_of("Plant CA", 86400, "7a01");
	X509_CRL *old = crl_of("Old CA", -60, NULL); /* past nextUpdate */
	size_t len;
	char *pem = pem_of(plant, old, &len);
	char *paths[1] = { (char *)tu_dir_write(&d, "both.pem", pem, len) };
	certacl_error err;
	certacl_crls *l = crls_load(paths, 1, cas, &err);
	assert_non_null(l);
	assert_int_equal(crls_count(l), 2);

	char why[512];
	X509 *revoked = leaf("Plant CA", "7a01"), *good = leaf("Plant CA", "7a02");
	X509 *old_leaf = leaf("Old CA", "01"), *stranger = leaf("Other CA", "01");
	const char *w = crls_check(l, revoked, CERTACL_CRL_STALE_WARN, NOW, why, sizeof(why));
	assert_non_null(w);
	assert_non_null(strstr(w, "revoked by the CRL of 'CN=Plant CA'"));
	assert_non_null(strstr(w, "both.pem"));
	assert_null(crls_check(l, good, CERTACL_CRL_STALE_DENY, NOW, why, sizeof(why)));
	/* stale: used (warn) or refused (deny) */
	assert_null(crls_check(l, old_leaf, CERTACL_CRL_STALE_WARN, NOW, why, sizeof(why)));
	w = crls_check(l, old_leaf, CERTACL_CRL_STALE_DENY, NOW, why, sizeof(why));
	assert_non_null(w);
	assert_non_null(strstr(w, "past its nextUpdate"));
	/* the Plant CA CRL goes stale a day later */
	assert_non_null(crls_check(l, good, CERTACL_CRL_STALE_DENY, NOW + 86400, why, sizeof(why)));
	/* no CRL of the issuer: cannot tell, refused */
	w = crls_check(l, stranger, CERTACL_CRL_STALE_WARN, NOW, why, sizeof(why));
	assert_non_null(w);
	assert_non_null(strstr(w, "no CRL of its issuer 'CN=Other CA'"));

	int stale = 0;
	assert_int_equal(crls_each_stale(l, NOW, count_stale, &stale), 1);
	assert_int_equal(stale, 1);
	crls_free(l);
	X509_free(revoked); X509_free(good); X509_free(old_leaf); X509_free(stranger);
	X509_CRL_free(plant); X509_CRL_free(old);
	free(pem);
	sk_X509_pop_free(cas, X509_free);
	tu_dir_remove(&d);
	tu_key_free();
}

/* One DER CRL per file; files that hold no CRL, a CRL no CA signed, or none. */
static void test_der_and_load_errors(void **state)
{
	(void)state;
	tu_dir d;
	tu_dir_make(&d);
	STACK_OF(X509) *cas = sk_X509_new_null();
	sk_X509_push(cas, ca_cert("Plant CA"));
	X509_CRL *plant = crl_of("Plant CA", 86400, "7a01");
	unsigned char *der = NULL;
	int n = i2d_X509_CRL(plant, &der);
	assert_true(n > 0);
	char *paths[1] = { (char *)tu_dir_write(&d, "plant.crl", (const char *)der, (size_t)n) };
	certacl_error err;
	certacl_crls *l = crls_load(paths, 1, cas, &err);
	assert_non_null(l);
	assert_int_equal(crls_count(l), 1);
	char why[512];
	X509 *revoked = leaf("Plant CA", "7a01");
	assert_non_null(crls_check(l, revoked, CERTACL_CRL_STALE_WARN, NOW, why, sizeof(why)));
	crls_free(l);

	/* DER with a byte missing, or trailing garbage: not a CRL */
	paths[0] = (char *)tu_dir_write(&d, "cut.crl", (const char *)der, (size_t)n - 1);
	assert_null(crls_load(paths, 1, cas, &err));
	assert_non_null(strstr(err.text, "cut.crl"));
	assert_non_null(strstr(err.text, "no certificate revocation list"));
	paths[0] = (char *)tu_dir_write(&d, "text.crl", "not a CRL\n", (size_t)-1);
	assert_null(crls_load(paths, 1, cas, &err));
	assert_non_null(strstr(err.text, "no certificate revocation list"));
	paths[0] = (char *)tu_dir_path(&d, "missing.crl");
	assert_null(crls_load(paths, 1, cas, &err));
	assert_non_null(strstr(err.text, "missing.crl"));

	/* a CRL whose issuer is not among the CAs, or signed by another key */
	sk_X509_pop_free(cas, X509_free);
	cas = sk_X509_new_null();
	sk_X509_push(cas, ca_cert("Other CA"));
	paths[0] = (char *)tu_dir_write(&d, "plant2.crl", (const char *)der, (size_t)n);
	assert_null(crls_load(paths, 1, cas, &err));
	assert_non_null(strstr(err.text, "not signed by a CA certificate of plugin_opt_ca_file"));
	assert_non_null(strstr(err.text, "CN=Plant CA"));
	X509 *impostor = tu_cert_new(); /* CN=Plant CA, but its key is not the CRL's signer */
	tu_cert_cn(impostor, "Plant CA");
	EVP_PKEY *other = EVP_EC_gen("P-256");
	assert_non_null(other);
	X509_set_pubkey(impostor, other);
	tu_cert_sign(impostor);
	sk_X509_push(cas, impostor);
	assert_null(crls_load(paths, 1, cas, &err));
	assert_non_null(strstr(err.text, "not signed"));
	assert_null(crls_load(paths, 1, NULL, &err));

	EVP_PKEY_free(other);
	X509_free(revoked);
	X509_CRL_free(plant);
	OPENSSL_free(der);
	sk_X509_pop_free(cas, X509_free);
	tu_dir_remove(&d);
	tu_key_free();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_revoked_fresh_stale_unknown),
		cmocka_unit_test(test_der_and_load_errors),
	};
	return cmocka_run_group_tests_name("crl", tests, NULL, NULL);
}
