/* certacl: the CONNECT decision. Certificate -> identity -> username, or a refusal
 * with one sentence saying why. No mosquitto header: the plugin glue feeds it. */
#ifndef CERTACL_AUTH_H
#define CERTACL_AUTH_H

#include <openssl/x509.h>

#include "certacl/config.h"

typedef enum certacl_auth_verdict {
	CERTACL_AUTH_ALLOW = 0, /* set `username` on the connection */
	CERTACL_AUTH_REFUSE,    /* CONNACK not authorized; `why` says why */
	CERTACL_AUTH_DEFER,     /* no certificate and no_cert defer: let others decide */
} certacl_auth_verdict;

typedef struct certacl_auth_result {
	certacl_auth_verdict verdict;
	char identity[CERTACL_IDENTITY_MAX * 4 + 1]; /* as derived (may be unsafe) */
	char username[CERTACL_IDENTITY_MAX + 1];
	const certacl_map_entry *entry; /* map entry used, or NULL */
	char why[512];
} certacl_auth_result;

/* Decide a CONNECT. `cert` is the verified peer certificate or NULL. */
void auth_decide(const certacl_snapshot *s, X509 *cert,
		const char *client_id, certacl_auth_result *out);

#endif
