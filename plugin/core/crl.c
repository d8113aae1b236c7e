/* certacl: certificate revocation lists (see crl.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>

#include "certacl/crl.h"
#include "certacl/identity.h"

#define CRL_FILE_MAX (64u << 20) /* bytes: a CRL of a million serials is ~40 MB */

typedef struct crl_entry {
	X509_CRL *crl;
	char *file;
} crl_entry;

struct certacl_crls {
	crl_entry *items;
	size_t n;
};

void crls_free(certacl_crls *l)
{
	if(!l) return;
	for(size_t i = 0; i < l->n; i++){
		X509_CRL_free(l->items[i].crl);
		free(l->items[i].file);
	}
	free(l->items);
	free(l);
}

size_t crls_count(const certacl_crls *l)
{
	return l ? l->n : 0;
}

/* A name for a message: its RFC 2253 form, or "?" when it has none usable. */
static const char *name_text(const X509_NAME *name, char *out, size_t outsz)
{
	if(cert_name_rfc2253(name, out, outsz)) snprintf(out, outsz, "?");
	return out;
}

/* A CA certificate of `cas` that is the CRL's issuer and signed it. */
static bool signed_by_ca(X509_CRL *crl, STACK_OF(X509) *cas)
{
	for(int i = 0; cas && i < sk_X509_num(cas); i++){
		X509 *ca = sk_X509_value(cas, i);
		if(X509_NAME_cmp(X509_get_subject_name(ca), X509_CRL_get_issuer(crl)) != 0) continue;
		EVP_PKEY *key = X509_get0_pubkey(ca);
		if(key && X509_CRL_verify(crl, key) == 1) return true;
	}
	ERR_clear_error();
	return false;
}

static bool add_crl(certacl_crls *l, X509_CRL *crl, const char *path)
{
	crl_entry *ni = realloc(l->items, (l->n + 1) * sizeof(*ni));
	if(!ni) return false;
	l->items = ni;
	if(!(ni[l->n].file = strdup(path))) return false;
	ni[l->n].crl = crl;
	l->n++;
	return true;
}

/* The CRLs of one file's bytes: PEM blocks, or else one DER CRL. */
static size_t parse_file(certacl_crls *l, const char *path, const char *text, size_t len,
		STACK_OF(X509) *cas, certacl_error *err)
{
	size_t found = 0, at = l->n;
	BIO *b = BIO_new_mem_buf(text, (int)len);
	X509_CRL *crl;
	while(b && (crl = PEM_read_bio_X509_CRL(b, NULL, NULL, NULL)) != NULL){
		if(!add_crl(l, crl, path)){
			X509_CRL_free(crl);
			break;
		}
		found++;
	}
	BIO_free(b);
	ERR_clear_error();
	if(found == 0){
		const unsigned char *p = (const unsigned char *)text;
		crl = d2i_X509_CRL(NULL, &p, (long)len);
		if(crl && p == (const unsigned char *)text + len && add_crl(l, crl, path)) found = 1;
		else X509_CRL_free(crl);
		ERR_clear_error();
	}
	if(found == 0){
		certacl_error_set(err, path, 0, "no certificate revocation list (PEM or DER) in this file");
		return 0;
	}
	for(size_t i = at; i < l->n; i++){
		if(!signed_by_ca(l->items[i].crl, cas)){
			char issuer[300];
			certacl_error_set(err, path, 0, "CRL %zu of this file (issuer '%s') is not signed by "
					"a CA certificate of plugin_opt_ca_file", i - at + 1,
					name_text(X509_CRL_get_issuer(l->items[i].crl), issuer, sizeof(issuer)));
			return 0;
		}
	}
	return found;
}

certacl_crls *crls_load(char *const *paths, size_t npaths, STACK_OF(X509) *cas, certacl_error *err)
{
	certacl_crls *l = calloc(1, sizeof(*l));
	if(!l){
		certacl_error_set(err, "certacl", 0, "out of memory");
		return NULL;
	}
	for(size_t i = 0; i < npaths; i++){
		size_t len;
		char *text = certacl_read_file(paths[i], CRL_FILE_MAX, "CRL file", &len, err);
		size_t found = text ? parse_file(l, paths[i], text, len, cas, err) : 0;
		free(text);
		if(!found){
			crls_free(l);
			return NULL;
		}
	}
	return l;
}

/* True when the CRL's nextUpdate is missing or has passed at `now`. */
static bool crl_stale(X509_CRL *crl, time_t now)
{
	const ASN1_TIME *next = X509_CRL_get0_nextUpdate(crl);
	return !next || X509_cmp_time(next, &now) <= 0;
}

const char *crls_check(const certacl_crls *l, X509 *cert, certacl_crl_stale stale, time_t now,
		char *why, size_t whysz)
{
	const X509_NAME *issuer = X509_get_issuer_name(cert);
	size_t mine = 0, fresh = 0;
	char name[300];
	for(size_t i = 0; i < l->n; i++){
		X509_CRL *crl = l->items[i].crl;
		if(X509_NAME_cmp(X509_CRL_get_issuer(crl), issuer) != 0) continue;
		mine++;
		if(!crl_stale(crl, now)) fresh++;
		X509_REVOKED *rev = NULL;
		if(X509_CRL_get0_by_cert(crl, &rev, cert) == 1){
			snprintf(why, whysz, "certificate is revoked by the CRL of '%s' (%s)",
					name_text(issuer, name, sizeof(name)), l->items[i].file);
			return why;
		}
	}
	if(mine == 0){
		snprintf(why, whysz, "no CRL of its issuer '%s' in plugin_opt_crl_file: cannot tell "
				"whether it is revoked", name_text(issuer, name, sizeof(name)));
		return why;
	}
	if(fresh == 0 && stale == CERTACL_CRL_STALE_DENY){
		snprintf(why, whysz, "the CRL of its issuer '%s' is past its nextUpdate "
				"(plugin_opt_crl_stale deny)", name_text(issuer, name, sizeof(name)));
		return why;
	}
	return NULL;
}

size_t crls_each_stale(const certacl_crls *l, time_t now,
		void (*fn)(const char *file, const char *issuer, const char *next_update, void *arg),
		void *arg)
{
	size_t n = 0;
	for(size_t i = 0; l && i < l->n; i++){
		X509_CRL *crl = l->items[i].crl;
		if(!crl_stale(crl, now)) continue;
		char issuer[300], next[64] = "none";
		const ASN1_TIME *t = X509_CRL_get0_nextUpdate(crl);
		BIO *b = t ? BIO_new(BIO_s_mem()) : NULL;
		if(b && ASN1_TIME_print(b, t)){
			int k = BIO_read(b, next, (int)sizeof(next) - 1);
			next[k > 0 ? k : 0] = '\0';
		}
		BIO_free(b);
		fn(l->items[i].file, name_text(X509_CRL_get_issuer(crl), issuer, sizeof(issuer)), next, arg);
		n++;
	}
	return n;
}
