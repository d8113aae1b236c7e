/* certacl plugin glue: state shared by the broker-facing files. Only files in
 * plugin/mosquitto/ include mosquitto headers. */
#ifndef CERTACL_GLUE_H
#define CERTACL_GLUE_H

#include <time.h>

#include "certacl/admin.h"
#include "certacl/auth.h"
#include "certacl/config.h"
#include "certacl/clients.h"
#include "certacl/expiry.h"

#include "broker_versions.h"

/* Counts kept by the glue for $SYS/broker/certacl/ (index by certacl_access
 * bit position: read, write, subscribe, unsubscribe); stats_values adds what
 * it reads from the policy and the client table. */
typedef struct certacl_stats {
	unsigned long connects_allowed, connects_refused, connects_deferred;
	unsigned long allowed[4], denied[4];
	unsigned long reloads_ok, reloads_failed;
	/* live certificates expiring within 1, 7, 30 days, and the earliest notAfter
	 * (seconds since the epoch; 0: none); clients cut at expiry */
	unsigned long expiring_1d, expiring_7d, expiring_30d, earliest_not_after;
	unsigned long expired_disconnected;
} certacl_stats;
#define STATS_COUNT 22 /* counters published (stats_values) */

/* Everything the plugin knows lives here (the plugin's userdata): with
 * per_listener_settings the broker initialises one instance per listener. */
typedef struct certacl_plugin {
	mosquitto_plugin_id_t *id;
	certacl_broker broker;  /* which mosquitto this is (broker_versions.c) */
	certacl_opt_pair *opts; /* plugin_opt_* as given at init, kept for reloads */
	size_t nopts;
	certacl_snapshot *snap; /* current policy: replaced whole, never edited */
	certacl_conns *conns;   /* client ids: owner and values captured at CONNECT */
	uint64_t inputs_stamp;  /* files as they were at the last build attempt ... */
	bool have_stamp;
	struct timespec last_reload; /* ... and when it ended (monotonic) */
	certacl_reload_state reloads; /* for the admin API's getStatus */
	time_t log_second;      /* global audit rate limit: current second ... */
	unsigned log_lines;     /* ... lines written in it ... */
	unsigned long log_suppressed; /* ... and lines dropped */
	certacl_stats stats;
	unsigned long stats_published[STATS_COUNT]; /* as last published under $SYS */
	time_t stats_next;      /* when to publish next */
	time_t started;         /* when the plugin was initialised */
	time_t expiry_next;     /* when to look for expired certificates next */
	bool tick_seen;         /* the broker sends TICK events */
	bool no_tick_logged;
	certacl_owner_counts owners_logged; /* session owner drops already logged */
	unsigned long owners_saved_changes; /* conns changes when the owners file was written */
	time_t owners_next_save; /* when the owners file may be written next */
} certacl_plugin;

int on_basic_auth(int event, void *event_data, void *userdata);
int on_acl_check(int event, void *event_data, void *userdata);
int on_reload(int event, void *event_data, void *userdata);
int on_disconnect(int event, void *event_data, void *userdata);
int on_tick(int event, void *event_data, void *userdata);
/* The admin API (control.c): requests on this topic, answers on TOPIC/response. */
#define CERTACL_CONTROL_TOPIC "$CONTROL/certacl/v1"
int on_control(int event, void *event_data, void *userdata);

/* Rebuild the policy from its files and swap it in (SIGHUP, admin reload); on
 * an error keep the last good one, log it, and say why. */
bool plugin_reload(certacl_plugin *pl, char *why, size_t whysz);

/* The counters, named as under $SYS/broker/certacl/ (stats.c). */
void stats_values(certacl_plugin *pl, const char *names[STATS_COUNT], unsigned long values[STATS_COUNT]);

/* Sessions (sessions.c). At start: apply the owner bounds and read the owners
 * file (false with err set: refuse to start). After a reload: apply the new
 * bounds, forget offline values. From TICK and at shutdown: save the owners
 * file when it changed. */
bool sessions_init(certacl_plugin *pl, certacl_error *err);
void sessions_reloaded(certacl_plugin *pl);
void sessions_tick(certacl_plugin *pl, time_t now);
void sessions_cleanup(certacl_plugin *pl);
/* A client was recorded at BASIC_AUTH: note whether its session outlives the
 * connection (clean start false). */
void client_persists(certacl_plugin *pl, struct mosquitto *client, const char *client_id);
/* A client passed every authentication step (2.1's CONNECT event): a client
 * certacl deferred to the password file now holds its client id for good. */
void client_connected(certacl_plugin *pl, struct mosquitto *client);
/* A client's connection has gone (DISCONNECT, or 2.1's CLIENT_OFFLINE): its
 * values are kept as offline; with `session_kept` (the broker keeps its
 * session) its client id stays its user's. */
void client_gone(certacl_plugin *pl, struct mosquitto *client, bool session_kept);

/* What a policy that loaded should still be told about, logged after each
 * (re)load (plugin.c): lines that are almost surely a mistake, stale CRLs. */
void log_snapshot_warnings(const certacl_snapshot *s);

/* Certificate expiry on live connections (expiry.c): from TICK, disconnect or
 * log clients past notAfter, warn about those close to it, count them. */
void expiry_tick(certacl_plugin *pl, time_t now);
/* Without TICK: true when `client`'s certificate has expired (then deny). */
bool expiry_denies(certacl_plugin *pl, struct mosquitto *client, const char *client_id);

/* Audit lines (audit.c): rate-limited per client and globally, each naming the
 * user, client id, address, topic, access and deciding rule. */
void audit_refused(certacl_plugin *pl, struct mosquitto *client, const char *why);
void audit_decision(certacl_plugin *pl, struct mosquitto *client, const certacl_subject *who,
		const certacl_request *req, const certacl_decision *d);
/* Say how many lines of a client were suppressed, when it goes away. */
void audit_client_gone(certacl_conn *conn);

#endif
