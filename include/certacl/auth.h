/* certacl: the CONNECT decision. Certificate -> identity -> username and
 * groups, or a refusal with one sentence saying why. No mosquitto header: the
 * plugin glue feeds it, and the CLI's `identity` command asks the same. */
#ifndef CERTACL_AUTH_H
#define CERTACL_AUTH_H

#include <openssl/x509.h>

#include "certacl/clients.h"
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
	char *groups[CERTACL_MAX_GROUPS]; /* map entry groups, then OU/O groups */
	size_t ngroups;
	certacl_cert_values cert; /* captured certificate values (owned) */
	bool have_cert;
	char why[768];
} certacl_auth_result;

/* Who is connecting, as the broker knows it. */
typedef struct certacl_connect {
	X509 *cert;              /* verified peer certificate, or NULL */
	const char *client_id;
	const char *username;    /* as sent by the client (never trusted) */
	const void *live;        /* broker handle of this connection */
	const certacl_conns *conns; /* live client ids, or NULL to skip "owned" */
} certacl_connect;

/* Decide a CONNECT. Free the result with auth_result_free. */
void auth_decide(const certacl_snapshot *s, const certacl_connect *c, certacl_auth_result *out);
void auth_result_free(certacl_auth_result *r);

/* Why `client_id` may not be used by `username` under the snapshot's client-id
 * binding, or NULL if it may (or if client_id is NULL: not known). */
const char *clientid_problem(const certacl_snapshot *s, const certacl_conns *conns,
		const char *client_id, const char *username, const void *live);

#endif
