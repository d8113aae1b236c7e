/* certacl: what is known about each client id: who owns it (for client-id
 * binding) and the values captured at CONNECT (groups, certificate fields) that
 * later decisions need, including the will and queued messages of a client that
 * has gone offline, when no certificate is at hand.
 *
 * Three kinds of record: live (a connection holds the id); offline with a kept
 * session (the broker keeps the session, so the id stays its owner's until the
 * owner comes back, or the record is dropped past a bound); plain offline (the
 * session ended: only the values are kept, for the will, and the id is free). */
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
	/* The session outlives this connection as far as CONNECT told (clean
	 * start false): saved as owned by conns_each_owner while live. */
	bool session_persists;
	/* Offline, and the broker keeps the session: the id stays `username`'s. */
	bool session_kept;
	int64_t offline_since; /* when it went offline (seconds since the epoch) */
} certacl_conn;

typedef struct certacl_conns certacl_conns;

/* `offline_max`: how many offline clients without a kept session keep their
 * values (oldest dropped first; a dropped client's rules that need groups or
 * certificate values then grant nothing). Kept sessions have their own bounds
 * (conns_set_owner_bounds), CERTACL_OWNERS_MAX and CERTACL_OWNERS_PER_USER
 * until set. */
#define CERTACL_OWNERS_MAX 100000
#define CERTACL_OWNERS_PER_USER 1000
certacl_conns *conns_new(size_t offline_max);
void conns_free(certacl_conns *c);
/* How many offline kept sessions keep their owner, all together and per
 * username. Past either bound the oldest is dropped (the user's own oldest
 * for the per-user bound, so that one identity cannot push out the sessions
 * of others): its id is free again, and the drop is counted. Applied at once. */
void conns_set_owner_bounds(certacl_conns *c, size_t max, size_t per_user);

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
/* The record whose user owns client_id at time `now`: the live holder, or
 * the owner of the kept session (also while that owner's password client
 * claims it back, unconfirmed). NULL when the id is free. */
const certacl_conn *conns_owner(const certacl_conns *c, const char *client_id, int64_t now);
/* The connection `live` of client_id has gone at `now`: keep its values as
 * offline; with `session_kept` (the broker keeps the session) the id stays
 * its user's. An unconfirmed claim owns nothing. */
void conns_disconnect(certacl_conns *c, const char *client_id, const void *live,
		bool session_kept, int64_t now);
/* Mark whether the session of the live record of client_id outlives the
 * connection, as CONNECT told (for conns_each_owner). */
void conns_set_persists(certacl_conns *c, const char *client_id, const void *live, bool persists);
/* On reload: forget every plain offline client, and the values of kept
 * sessions (their groups came from the old map; until they reconnect, rules
 * that need groups or certificate values grant them nothing). Owners stay. */
void conns_forget_offline_values(certacl_conns *c);
/* A kept session read back after a broker restart: client_id is `username`'s,
 * offline since `since`. Ignored when client_id is already known. False on
 * out-of-memory. Bounds apply. */
bool conns_restore_owner(certacl_conns *c, const char *client_id, const char *username,
		int64_t since);
/* Forget the owner of client_id's kept session (the admin API's
 * releaseClientId: a device given another identity). False when client_id
 * has no kept session. */
bool conns_release_owner(certacl_conns *c, const char *client_id);
/* Call fn(record, arg) for every record whose owner a restart must remember:
 * kept sessions, and live confirmed connections whose session persists. */
void conns_each_owner(const certacl_conns *c, void (*fn)(const certacl_conn *r, void *arg), void *arg);
typedef struct certacl_owner_counts {
	size_t kept;                 /* offline sessions whose owner is kept */
	unsigned long dropped_max;   /* owners dropped past the total bound ... */
	unsigned long dropped_user;  /* ... and past the per-user bound */
	unsigned long changes;       /* grows whenever conns_each_owner would differ */
} certacl_owner_counts;
certacl_owner_counts conns_owner_counts(const certacl_conns *c);
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
