/* certacl: certificate revocation lists (plugin_opt_crl_file). Each CRL is
 * checked against the CA certificates of plugin_opt_ca_file when it is loaded;
 * at CONNECT (and at the re-authentication after a reload) a certificate
 * listed by its issuer's CRL is refused. Uses OpenSSL, nothing of mosquitto. */
#ifndef CERTACL_CRL_H
#define CERTACL_CRL_H

#include <time.h>

#include <openssl/x509.h>

#include "certacl/common.h"

/* A CRL past its nextUpdate: log it (warn) or refuse its issuer's certificates. */
typedef enum { CERTACL_CRL_STALE_WARN = 0, CERTACL_CRL_STALE_DENY } certacl_crl_stale;

typedef struct certacl_crls certacl_crls;

/* Load every CRL of the files `paths` (PEM: one or many per file; or one DER
 * CRL), each signed by a certificate of `cas` whose subject is the CRL's
 * issuer. NULL with err set (naming the file) when a file cannot be read,
 * holds no CRL, or holds one that no CA of `cas` signed. */
certacl_crls *crls_load(char *const *paths, size_t npaths, STACK_OF(X509) *cas, certacl_error *err);
void crls_free(certacl_crls *l);
size_t crls_count(const certacl_crls *l);

/* Why `cert` is refused at time `now`, written to why[0..whysz), or NULL if
 * the CRLs let it through: its issuer has no CRL (cannot tell: refused, as
 * mosquitto's crlfile does), a CRL of its issuer lists its serial, or every
 * CRL of its issuer is past nextUpdate and `stale` is deny. */
const char *crls_check(const certacl_crls *l, X509 *cert, certacl_crl_stale stale, time_t now,
		char *why, size_t whysz);

/* Call fn for each CRL past its nextUpdate at `now` (for a log line after a
 * load); returns how many. */
size_t crls_each_stale(const certacl_crls *l, time_t now,
		void (*fn)(const char *file, const char *issuer, const char *next_update, void *arg),
		void *arg);

#endif
