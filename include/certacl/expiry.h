/* certacl: certificates that expire while their connection lives. Mosquitto
 * checks a certificate only at the TLS handshake; a connection can outlive it
 * by weeks. This decides, from the values captured at CONNECT, which live
 * clients are past their certificate's notAfter (to be disconnected or logged),
 * which are close to it (one warning per client per day), and the counts that
 * are published under $SYS. No mosquitto header: the glue acts on the result. */
#ifndef CERTACL_EXPIRY_H
#define CERTACL_EXPIRY_H

#include "certacl/clients.h"

#define CERTACL_DAY 86400

/* Live certificates by time left, for $SYS/broker/certacl/certificates/. */
typedef struct certacl_expiry_counts {
	unsigned long within_1d, within_7d, within_30d; /* expired ones included */
	int64_t earliest; /* earliest notAfter of a live certificate; 0: none */
} certacl_expiry_counts;

/* What one scan found: counts, and the live clients to act on. */
typedef struct certacl_expiry_scan {
	certacl_expiry_counts counts;
	certacl_conn **expired; /* past notAfter and not acted on before */
	size_t nexpired;
	certacl_conn **warn;    /* within warn_days, not yet warned today */
	size_t nwarn;
} certacl_expiry_scan;

/* Scan the live clients at time `now` (seconds since the epoch). Marks each
 * client listed in `expired` as handled and each in `warn` as warned today, so
 * that the next scan lists it no more (a client that reconnects is new). The
 * lists point into `c`: use them before anything changes `c`, then free them
 * with expiry_scan_free. False on out-of-memory (nothing is marked then). */
bool expiry_scan(certacl_conns *c, int64_t now, unsigned warn_days, certacl_expiry_scan *out);
void expiry_scan_free(certacl_expiry_scan *s);

/* True when a client with these certificate values is past its notAfter. */
bool cert_expired(const certacl_cert_values *v, int64_t now);

/* "2026-12-04T16:00:00Z" for a time in seconds since the epoch. */
void expiry_time_text(int64_t when, char *out, size_t outsz);

#endif
