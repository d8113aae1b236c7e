/* certacl: certificate fields and the identity derived from them. Every string
 * taken from a certificate is converted to UTF-8 and refused when it holds a NUL
 * (the classic "CN=admin\0.evil" trick), invalid UTF-8 or is too long. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include "certacl/identity.h"

/* Longest field copied out of a certificate; identities must still fit
 * CERTACL_IDENTITY_MAX, but a DN for display may be longer. */
#define FIELD_MAX 4096

static const struct { const char *name; certacl_id_field field; } id_names[] = {
	{ "cn", CERTACL_ID_CN }, { "dn", CERTACL_ID_DN },
	{ "san-dns", CERTACL_ID_SAN_DNS }, { "san-email", CERTACL_ID_SAN_EMAIL },
	{ "san-uri", CERTACL_ID_SAN_URI }, { "serial", CERTACL_ID_SERIAL },
	{ "sha256", CERTACL_ID_SHA256 },
};

bool id_spec_parse(const char *s, certacl_id_spec *out)
{
	for(size_t i = 0; i < sizeof(id_names) / sizeof(id_names[0]); i++){
		size_t n = strlen(id_names[i].name);
		if(strncmp(s, id_names[i].name, n) != 0) continue;
		out->field = id_names[i].field;
		out->san_index = 0;
		if(s[n] == '\0') return true;
		bool san = (out->field == CERTACL_ID_SAN_DNS || out->field == CERTACL_ID_SAN_EMAIL
				|| out->field == CERTACL_ID_SAN_URI);
		if(!san || s[n] != ':' || !isdigit((unsigned char)s[n+1])) return false;
		char *end;
		unsigned long idx = strtoul(s + n + 1, &end, 10);
		if(*end != '\0' || idx < 1 || idx > 64) return false;
		out->san_index = (unsigned)idx - 1;
		return true;
	}
	return false;
}

const char *id_spec_name(const certacl_id_spec *spec)
{
	for(size_t i = 0; i < sizeof(id_names) / sizeof(id_names[0]); i++){
		if(id_names[i].field == spec->field) return id_names[i].name;
	}
	return "?";
}

/* Copy an ASN.1 string as UTF-8 into out; NULL or a reason. */
static const char *asn1_to_utf8(const ASN1_STRING *as, char *out, size_t outsz)
{
	unsigned char *utf8 = NULL;
	int n = ASN1_STRING_to_UTF8(&utf8, as);
	if(n < 0) return "cannot be converted to UTF-8";
	const char *why = NULL;
	if(n == 0) why = "is empty";
	else if(memchr(utf8, '\0', (size_t)n)) why = "contains a NUL byte";
	else if(!certacl_utf8_valid((const char *)utf8, (size_t)n)) why = "is not valid UTF-8";
	else if((size_t)n >= outsz) why = "is too long";
	else{
		memcpy(out, utf8, (size_t)n);
		out[n] = '\0';
	}
	OPENSSL_free(utf8);
	return why;
}

/* The idx-th subject entry of type nid; *count gets how many there are. */
static const char *subject_entry(X509 *cert, int nid, char *out, size_t outsz, unsigned *count)
{
	const X509_NAME *name = X509_get_subject_name(cert);
	int first = -1, pos = -1;
	unsigned n = 0;
	while((pos = X509_NAME_get_index_by_NID(name, nid, pos)) >= 0){
		if(first < 0) first = pos;
		n++;
	}
	if(count) *count = n;
	if(first < 0) return "is missing";
	const X509_NAME_ENTRY *e = X509_NAME_get_entry(name, first);
	return asn1_to_utf8(X509_NAME_ENTRY_get_data(e), out, outsz);
}

const char *cert_name_rfc2253(const X509_NAME *name, char *out, size_t outsz)
{
	BIO *b = BIO_new(BIO_s_mem());
	if(!b) return "out of memory";
	const char *why = NULL;
	if(X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) < 0){
		why = "cannot be printed";
	}else{
		char *data;
		long n = BIO_get_mem_data(b, &data);
		if(n <= 0) why = "is empty";
		else if((size_t)n >= outsz) why = "is too long";
		else if(memchr(data, '\0', (size_t)n)) why = "contains a NUL byte";
		else if(!certacl_utf8_valid(data, (size_t)n)) why = "is not valid UTF-8";
		else{
			memcpy(out, data, (size_t)n);
			out[n] = '\0';
		}
	}
	BIO_free(b);
	return why;
}

static void to_hex(const unsigned char *d, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";
	for(size_t i = 0; i < n; i++){
		out[2*i] = hex[d[i] >> 4];
		out[2*i+1] = hex[d[i] & 15];
	}
	out[2*n] = '\0';
}

static const char *serial_hex(X509 *cert, char *out, size_t outsz)
{
	BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), NULL);
	if(!bn) return "cannot be read";
	char *h = BN_bn2hex(bn);
	BN_free(bn);
	if(!h) return "out of memory";
	const char *why = NULL;
	if(strlen(h) >= outsz) why = "is too long";
	else{
		size_t i;
		for(i = 0; h[i]; i++) out[i] = (char)tolower((unsigned char)h[i]);
		out[i] = '\0';
	}
	OPENSSL_free(h);
	return why;
}

static const char *sha256_hex(X509 *cert, char *out, size_t outsz)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	if(!X509_digest(cert, EVP_sha256(), md, &n)) return "cannot be computed";
	if((size_t)n * 2 >= outsz) return "is too long";
	to_hex(md, n, out);
	return NULL;
}

/* The index-th subjectAltName entry of GENERAL_NAME type `type`. */
static const char *san_entry(X509 *cert, int type, unsigned index, char *out, size_t outsz)
{
	GENERAL_NAMES *names = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
	if(!names) return "is missing (no subjectAltName)";
	const char *why = "is missing";
	unsigned seen = 0;
	for(int i = 0; i < sk_GENERAL_NAME_num(names); i++){
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(names, i);
		if(g->type != type) continue;
		if(seen++ != index) continue;
		why = asn1_to_utf8(g->d.ia5, out, outsz);
		break;
	}
	GENERAL_NAMES_free(names);
	return why;
}

const char *identity_from_cert(X509 *cert, const certacl_id_spec *spec,
		char *out, size_t outsz)
{
	const char *why;
	unsigned count = 0;

	if(!cert) return "no client certificate";
	switch(spec->field){
	case CERTACL_ID_CN:
		why = subject_entry(cert, NID_commonName, out, outsz, &count);
		if(!why && count > 1) return "certificate subject has several CN entries";
		if(why) return strcmp(why, "is missing") == 0
			? "certificate subject has no CN" : "certificate CN is unusable (empty, NUL, invalid UTF-8 or too long)";
		break;
	case CERTACL_ID_DN:
		why = cert_name_rfc2253(X509_get_subject_name(cert), out, outsz);
		if(why) return "certificate subject DN is unusable (empty, NUL, invalid UTF-8 or too long)";
		break;
	case CERTACL_ID_SAN_DNS:
	case CERTACL_ID_SAN_EMAIL:
	case CERTACL_ID_SAN_URI: {
		int type = spec->field == CERTACL_ID_SAN_DNS ? GEN_DNS
			: spec->field == CERTACL_ID_SAN_EMAIL ? GEN_EMAIL : GEN_URI;
		why = san_entry(cert, type, spec->san_index, out, outsz);
		if(why) return strncmp(why, "is missing", 10) == 0
			? "certificate has no subjectAltName entry of the configured type and index"
			: "certificate subjectAltName entry is unusable (empty, NUL, invalid UTF-8 or too long)";
		break;
	}
	case CERTACL_ID_SERIAL:
		if(serial_hex(cert, out, outsz)) return "certificate serial is unusable";
		break;
	case CERTACL_ID_SHA256:
		if(sha256_hex(cert, out, outsz)) return "certificate fingerprint cannot be computed";
		break;
	default:
		return "unknown identity field";
	}
	if(strlen(out) > CERTACL_IDENTITY_MAX) return "identity is longer than 256 bytes";
	return NULL;
}

static char *dup_field(const char *why, const char *buf)
{
	return why ? NULL : strdup(buf);
}

/* The certificate's notAfter in seconds since the epoch, or 0 when it cannot
 * be read (then nothing expires it on a live connection). */
static int64_t not_after_epoch(X509 *cert)
{
	struct tm tm;
	const ASN1_TIME *t = X509_get0_notAfter(cert);
	memset(&tm, 0, sizeof(tm));
	if(!t || !ASN1_TIME_to_tm(t, &tm)) return 0;
	time_t when = timegm(&tm);
	return when > 0 ? (int64_t)when : 0;
}

bool cert_values_capture(X509 *cert, certacl_cert_values *v)
{
	char *buf = malloc(FIELD_MAX);
	memset(v, 0, sizeof(*v));
	if(!buf) return false;
	v->cn = dup_field(subject_entry(cert, NID_commonName, buf, FIELD_MAX, &v->cn_count), buf);
	v->ou = dup_field(subject_entry(cert, NID_organizationalUnitName, buf, FIELD_MAX, NULL), buf);
	v->o = dup_field(subject_entry(cert, NID_organizationName, buf, FIELD_MAX, NULL), buf);
	v->dn = dup_field(cert_name_rfc2253(X509_get_subject_name(cert), buf, FIELD_MAX), buf);
	v->issuer_dn = dup_field(cert_name_rfc2253(X509_get_issuer_name(cert), buf, FIELD_MAX), buf);
	v->serial = dup_field(serial_hex(cert, buf, FIELD_MAX), buf);
	v->sha256 = dup_field(sha256_hex(cert, buf, FIELD_MAX), buf);
	v->san_dns = dup_field(san_entry(cert, GEN_DNS, 0, buf, FIELD_MAX), buf);
	v->san_email = dup_field(san_entry(cert, GEN_EMAIL, 0, buf, FIELD_MAX), buf);
	v->san_uri = dup_field(san_entry(cert, GEN_URI, 0, buf, FIELD_MAX), buf);
	v->not_after = not_after_epoch(cert);
	free(buf);
	/* Several CNs make %{cn} ambiguous: treat it as unknown. */
	if(v->cn_count > 1){
		free(v->cn);
		v->cn = NULL;
	}
	return true;
}

void cert_values_free(certacl_cert_values *v)
{
	free(v->cn); free(v->dn); free(v->ou); free(v->o);
	free(v->serial); free(v->sha256);
	free(v->san_dns); free(v->san_email); free(v->san_uri);
	free(v->issuer_dn);
	memset(v, 0, sizeof(*v));
}

size_t cert_subject_all(X509 *cert, const char *field, char **out, size_t max)
{
	int nid = strcmp(field, "ou") == 0 ? NID_organizationalUnitName : NID_organizationName;
	const X509_NAME *name = X509_get_subject_name(cert);
	char buf[CERTACL_IDENTITY_MAX + 1];
	size_t n = 0;
	for(int pos = -1; n < max && (pos = X509_NAME_get_index_by_NID(name, nid, pos)) >= 0; ){
		const X509_NAME_ENTRY *e = X509_NAME_get_entry(name, pos);
		if(asn1_to_utf8(X509_NAME_ENTRY_get_data(e), buf, sizeof(buf))) continue;
		if(certacl_name_problem(buf, strlen(buf), false)) continue;
		if(!(out[n] = strdup(buf))) break;
		n++;
	}
	return n;
}

void cert_values_to_subject(const certacl_cert_values *v, certacl_subject *who)
{
	who->vars[CERTACL_VAR_CN] = v->cn;
	who->vars[CERTACL_VAR_OU] = v->ou;
	who->vars[CERTACL_VAR_O] = v->o;
	who->vars[CERTACL_VAR_SERIAL] = v->serial;
	who->vars[CERTACL_VAR_SAN_DNS] = v->san_dns;
	who->vars[CERTACL_VAR_SAN_EMAIL] = v->san_email;
	who->vars[CERTACL_VAR_SAN_URI] = v->san_uri;
}
