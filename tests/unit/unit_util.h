/* certacl unit tests: shared helpers (temporary files, policies built from text,
 * certificates made in memory with OpenSSL). Linked into every unit test. */
#ifndef CERTACL_UNIT_UTIL_H
#define CERTACL_UNIT_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "certacl/common.h"
#include "certacl/policy.h"

/* The ACL file of SPEC section 1 (acl-examples/seed/acl), with line numbers. */
#define TU_SEED_ACL \
	"user MyEACM\n"                  /* 1 */ \
	"topic read STATE/+\n"           /* 2 */ \
	"topic readwrite spBv1.0/#\n"    /* 3 */ \
	"\n" \
	"user SparkplugViewer\n"         /* 5 */ \
	"topic read STATE/+\n"           /* 6 */ \
	"topic read spBv1.0/#\n"         /* 7 */ \
	"\n" \
	"user HMI\n"                     /* 9 */ \
	"topic readwrite STATE/+\n"      /* 10 */ \
	"topic readwrite spBv1.0/#\n"    /* 11 */

/* Error text contains `needle` (prints both on failure). */
#define assert_contains(hay, needle) \
	tu_assert_contains((hay), (needle), __FILE__, __LINE__)
void tu_assert_contains(const char *hay, const char *needle, const char *file, int line);

/* ---- isolation, for tests of known memory bugs ---- */
/* Run fn(arg) in a child process (fn ends it with _exit(code)); returns the
 * child's exit code, or 128 + signal when a signal killed it (a crash). */
int tu_in_child(void (*fn)(void *arg), void *arg);
/* A copy of s whose terminating NUL is the last readable byte: the next page is
 * unreadable, so reading past the string crashes (even without a sanitizer).
 * Free with tu_guarded_free. */
char *tu_guarded_strdup(const char *s);
void tu_guarded_free(char *s);

/* ---- temporary files ---- */
typedef struct tu_dir {
	char path[256];
	char *files[64];
	size_t nfiles;
} tu_dir;

void tu_dir_make(tu_dir *d);
/* Write `text` (len bytes; strlen when len == (size_t)-1) to dir/name; returns
 * the full path (owned by d). */
const char *tu_dir_write(tu_dir *d, const char *name, const char *text, size_t len);
/* A path inside d that is never created. */
const char *tu_dir_path(tu_dir *d, const char *name);
void tu_dir_remove(tu_dir *d);

/* ---- policies ---- */
/* Build and finish a policy from one text; NULL (with err set) on error. */
certacl_policy *tu_policy(const char *name, const char *text, certacl_error *err);
/* Same, failing the test on error. */
certacl_policy *tu_policy_ok(const char *text);

/* A subject with a username and client id (NULL allowed). */
certacl_subject tu_subject(const char *user, const char *clientid);
certacl_decision tu_decide(const certacl_policy *p, const certacl_subject *who,
		certacl_access access, const char *topic);
/* Shortcut: decision for user/clientid. */
certacl_decision tu_decide_u(const certacl_policy *p, const char *user, const char *clientid,
		certacl_access access, const char *topic);

/* ---- certificates ---- */
/* A key shared by every certificate of a test program (EC P-256), freed by
 * tu_key_free() at the end. */
EVP_PKEY *tu_key(void);
void tu_key_free(void);
/* A v3 certificate with the shared key, serial 1, valid now; empty subject. */
X509 *tu_cert_new(void);
/* Add a subject entry of ASN.1 string type `type` (V_ASN1_UTF8STRING, ...) with
 * exactly `len` bytes (strlen when len < 0): no validation by OpenSSL. */
void tu_cert_name(X509 *x, int nid, int type, const char *bytes, int len);
/* Shortcut: UTF8String subject entry. */
void tu_cert_cn(X509 *x, const char *cn);
typedef struct tu_san {
	int type; /* GEN_DNS, GEN_EMAIL, GEN_URI */
	const char *bytes;
	int len; /* < 0: strlen */
} tu_san;
void tu_cert_sans(X509 *x, const tu_san *sans, size_t n);
void tu_cert_serial_hex(X509 *x, const char *hex);
/* Sign with the shared key; the issuer is "CN=" TU_ISSUER_CN unless already
 * set. Call after setting names and extensions. */
#define TU_ISSUER_CN "certacl unit CA"
void tu_cert_sign(X509 *x);
/* Same, but a certificate OpenSSL cannot encode (e.g. a subject string that is
 * not valid UTF-8: OpenSSL refuses to DER-encode or parse it) stays unsigned and
 * in memory, which is enough for reading its fields. True when signed. */
bool tu_cert_try_sign(X509 *x);
/* Lower-case hex SHA-256 of the certificate's DER, computed independently. */
void tu_cert_sha256_hex(X509 *x, char out[65]);

#endif
