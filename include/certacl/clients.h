/* certacl: what is known about each client id: who owns it (for client-id
 * binding) and the values captured at CONNECT (groups, certificate fields) that
 * later decisions need, including the will and queued messages of a client that
 * has gone offline, when no certificate is at hand. */
#ifndef CERTACL_CLIENTS_H
#define CERTACL_CLIENTS_H

#include "certacl/identity.h"
#include "certacl/policy.h"

typedef struct certacl_conn {
	char *client_id;
	char *username;
	char **groups;
	size_t ngroups;
	certacl_cert_values cert;
	const void *live; /* the broker's handle while connected; NULL when offline */
	int64_t claimed_at; /* unconfirmed password client: when it claimed the id */
	/* Audit-log rate limit of this client: window start, lines written in it,
	 * lines suppressed in it. */
	int64_t audit_window;
	unsigned audit_lines;
	unsigned long audit_suppressed;
	/* Certificate expiry on this connection: the day it was last warned about
	 * (days since the epoch plus one; 0: never), and whether its expiry was
	 * already acted on. */
	int64_t expiry_warned_day;
	bool expiry_handled;
} certacl_conn;

typedef struct certacl_conns certacl_conns;

/* `offline_max`: how many offline clients keep their values (oldest dropped
 * first; a dropped client's rules that need groups or certificate values then
 * grant nothing). */
certacl_conns *conns_new(size_t offline_max);
void conns_free(certacl_conns *c);

const certacl_conn *conns_find(const certacl_conns *c, const char *client_id);
/* The record of client_id while the connection `live` holds it, or NULL. */
certacl_conn *conns_live(certacl_conns *c, const char *client_id, const void *live);
/* The record of client_id if it belongs to `username` (for per-client state). */
certacl_conn *conns_get(certacl_conns *c, const char *client_id, const char *username);
/* Record a successful CONNECT (or re-authentication): replaces whatever was
 * known about client_id. Takes ownership of `cert` values (zeroed on return);
 * copies username and groups. False on out-of-memory. */
bool conns_connect(certacl_conns *c, const char *client_id, const void *live,
		const char *username, const char *const *groups, size_t ngroups,
		certacl_cert_values *cert);
/* A client without certificate was left to the password file: record that
 * `live` claims client_id for the username it sent, unless a live connection
 * already holds it. mosquitto 2.0 sends no event when that password check
 * passes or fails, so the claim holds the id for CERTACL_CLAIM_GRACE seconds,
 * and for good once the client's first ACL check confirms it (conns_confirm). */
#define CERTACL_CLAIM_GRACE 10
bool conns_claim(certacl_conns *c, const char *client_id, const void *live,
		const char *username, int64_t now);
/* The record of client_id if a live connection holds it at time `now`. */
const certacl_conn *conns_holder(const certacl_conns *c, const char *client_id, int64_t now);
/* The connection `live` of client_id has gone: keep its values as offline. */
void conns_disconnect(certacl_conns *c, const char *client_id, const void *live);
/* Forget every offline client (on reload: their groups came from the old map;
 * until they reconnect, rules that need groups or certificate values grant
 * them nothing). */
void conns_drop_offline(certacl_conns *c);
size_t conns_live_count(const certacl_conns *c);
/* Call fn(record, arg) for every live connection. fn must not add or remove
 * records (collect what to change, then change it). */
void conns_each_live(certacl_conns *c, void (*fn)(certacl_conn *conn, void *arg), void *arg);
size_t conns_count(const certacl_conns *c);

/* The connection `live` of client_id made an ACL check as `username`: it is
 * connected, so a claim it made is confirmed. Returns its record (or NULL if
 * the record is not that user's), for conn_fill_subject. */
const certacl_conn *conns_confirm(certacl_conns *c, const char *client_id, const void *live,
		const char *username);
/* Groups and certificate values of `who` from a client's record. */
void conn_fill_subject(const certacl_conn *r, certacl_subject *who);

#endif
