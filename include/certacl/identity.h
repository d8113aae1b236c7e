/* certacl: identity from a client certificate, and the identity map.
 * Uses OpenSSL's X509 but nothing of mosquitto. */
#ifndef CERTACL_IDENTITY_H
#define CERTACL_IDENTITY_H

#include <openssl/x509.h>

#include "certacl/common.h"
#include "certacl/policy.h"

/* Which certificate field becomes the identity (plugin_opt_identity). */
typedef enum certacl_id_field {
	CERTACL_ID_CN = 0,
	CERTACL_ID_DN,        /* RFC 2253 subject */
	CERTACL_ID_SAN_DNS,
	CERTACL_ID_SAN_EMAIL,
	CERTACL_ID_SAN_URI,
	CERTACL_ID_SERIAL,    /* lower-case hex, no separators */
	CERTACL_ID_SHA256,    /* lower-case hex of the DER's SHA-256 */
} certacl_id_field;

typedef struct certacl_id_spec {
	certacl_id_field field;
	unsigned san_index; /* for SAN fields: 0 = first entry of that type */
} certacl_id_spec;

/* Parse "cn", "dn", "san-dns", "san-email", "san-uri" (optionally ":N" for the
 * N-th entry, 1-based), "serial", "sha256". False if unknown. */
bool id_spec_parse(const char *s, certacl_id_spec *out);
const char *id_spec_name(const certacl_id_spec *spec);

/* Values of one certificate, captured at CONNECT. NULL members are absent or
 * unusable: each present one is a NUL-free, valid UTF-8 copy. */
typedef struct certacl_cert_values {
	char *cn, *dn, *ou, *o, *serial, *sha256;
	char *san_dns, *san_email, *san_uri; /* first entry of each type */
	char *issuer_dn;      /* RFC 2253 issuer */
	unsigned cn_count;    /* number of CN entries in the subject */
	int64_t not_after;    /* notAfter, seconds since the epoch; 0: unreadable */
} certacl_cert_values;

bool cert_values_capture(X509 *cert, certacl_cert_values *out);
/* The RFC 2253 form of a name into out, UTF-8 kept as is (not \XX escaped).
 * NULL on success, or why it gives no usable text (too long, NUL, not UTF-8). */
const char *cert_name_rfc2253(const X509_NAME *name, char *out, size_t outsz);
void cert_values_free(certacl_cert_values *v);
/* Copy every subject entry of type `field` ("ou" or "o") that is a usable name
 * (certacl_name_problem) into out[0..max); returns how many. Free each. */
size_t cert_subject_all(X509 *cert, const char *field, char **out, size_t max);

/* Point subject->vars at the certificate values (CN, OU, O, serial, SANs). */
void cert_values_to_subject(const certacl_cert_values *v, certacl_subject *who);

/* Derive the identity from `cert` per `spec` into out (NUL-terminated). Returns
 * NULL on success or a sentence saying why the certificate gives no usable
 * identity (missing field, several CNs, invalid UTF-8, NUL, too long, ...).
 * Characters '+', '#', '/' are NOT refused here: the map may still give a safe
 * username; the caller checks the final username. */
const char *identity_from_cert(X509 *cert, const certacl_id_spec *spec,
		char *out, size_t outsz);

/* The identity map: identity (exact or glob with '*' and '?') -> username and
 * groups. First match wins. */
typedef struct certacl_map_entry {
	const char *file;
	unsigned line;
	const char *pattern;  /* identity or glob */
	const char *username; /* NULL: the identity itself is the username */
	const char *const *groups;
	size_t ngroups;
	const char *issuer; /* issuer pin ("sha256:HEX" or an RFC 2253 DN), or NULL */
	bool is_glob;
} certacl_map_entry;

typedef struct certacl_idmap certacl_idmap;

certacl_idmap *idmap_new(void);
/* Add one entry (what one line of the file says). `username` NULL or "*" keeps
 * the identity; `issuer` may be NULL. False with err set on invalid values. */
bool idmap_add(certacl_idmap *m, const char *file, unsigned line, const char *identity,
		const char *username, const char *const *groups, size_t ngroups,
		const char *issuer, certacl_error *err);
certacl_idmap *idmap_load_file(const char *path, certacl_error *err);
certacl_idmap *idmap_load_text(const char *name, const char *text, size_t len,
		certacl_error *err);
void idmap_free(certacl_idmap *m);
const certacl_map_entry *idmap_lookup(const certacl_idmap *m, const char *identity);
size_t idmap_count(const certacl_idmap *m);
const certacl_map_entry *idmap_entry_at(const certacl_idmap *m, size_t i);

/* Issuer pins. A pin is "sha256:HEX" (fingerprint of the issuing CA
 * certificate, which must be in the CA file given with plugin_opt_ca_file) or
 * an RFC 2253 DN compared with the certificate's issuer DN. */
bool issuer_pin_valid(const char *pin, const char **why);

/* Glob match: '*' any run, '?' one byte, '\' escapes the next character. */
bool glob_match(const char *pattern, const char *s);

#endif
