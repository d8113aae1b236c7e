/* certacl: the deny list of revoked certificates (serials and SHA-256
 * fingerprints), checked at CONNECT and again for every client on reload. */
#ifndef CERTACL_DENYLIST_H
#define CERTACL_DENYLIST_H

#include "certacl/common.h"
#include "certacl/identity.h"

typedef struct certacl_denylist certacl_denylist;

/* File format, one entry a line ('#' comments, case-insensitive keywords,
 * colons between hex digits allowed), so that openssl's own output can be
 * appended to it:
 *     serial 0A1B2C            serial=0A1B2C        (openssl x509 -serial)
 *     sha256 AB:CD:...         sha256 Fingerprint=AB:CD:...  (-fingerprint -sha256) */
certacl_denylist *denylist_load_file(const char *path, certacl_error *err);
certacl_denylist *denylist_load_text(const char *name, const char *text, size_t len,
		certacl_error *err);
void denylist_free(certacl_denylist *d);
size_t denylist_count(const certacl_denylist *d);

/* Why the certificate is on the list ("serial 0a1b listed at file:line"), or
 * NULL. `why` must hold 512 bytes. */
bool denylist_match(const certacl_denylist *d, const certacl_cert_values *v, char *why,
		size_t whysz);

#endif
