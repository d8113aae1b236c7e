/* certacl plugin glue: client sessions. Keeps the client table in step with
 * the broker (CONNECT, DISCONNECT, 2.1's CLIENT_OFFLINE) and, with
 * plugin_opt_clientid owned, the owners of persistent sessions while they are
 * offline: bounded by session_owners_max / session_owners_per_user (a drop is
 * logged and counted), kept across reloads, and saved to
 * plugin_opt_session_owners_file for broker restarts: read at start, written
 * from TICK when changed and at shutdown. Writing blocks the broker (about
 * 0.1 s for 100000 owners, bench/bench_owners), so it happens at most every
 * OWNERS_SAVE_SECONDS, and never more than 1/OWNERS_SAVE_SHARE of the time.
 * Whether a session outlives its connection is the broker's to say
 * (CLIENT_OFFLINE, or broker_disconnect_keeps_session). */
#include <string.h>

#include "certacl/owners.h"
#include "glue.h"

#define OWNERS_SAVE_SECONDS 10
#define OWNERS_SAVE_SHARE 50

/* Log owners dropped past a bound since the last call. */
static void log_owner_drops(certacl_plugin *pl)
{
	certacl_owner_counts n = conns_owner_counts(pl->conns);
	const certacl_options *o = &pl->snap->opts;
	if(n.dropped_max > pl->owners_logged.dropped_max){
		mosquitto_log_printf(MOSQ_LOG_WARNING, "certacl: more than %u offline persistent "
				"sessions (plugin_opt_session_owners_max): the owner of the %lu oldest was "
				"forgotten; their client ids are free to any user", o->session_owners_max,
				n.dropped_max - pl->owners_logged.dropped_max);
	}
	if(n.dropped_user > pl->owners_logged.dropped_user){
		mosquitto_log_printf(MOSQ_LOG_WARNING, "certacl: a user had more than %u offline "
				"persistent sessions (plugin_opt_session_owners_per_user): the owner of its %lu "
				"oldest was forgotten; their client ids are free to any user",
				o->session_owners_per_user, n.dropped_user - pl->owners_logged.dropped_user);
	}
	pl->owners_logged = n;
}

/* Write the owners file now (no file configured: nothing to do). */
static void save_owners(certacl_plugin *pl)
{
	const char *path = pl->snap->opts.session_owners_file;
	size_t saved, too_long;
	certacl_error err;
	if(!path) return;
	unsigned long changes = conns_owner_counts(pl->conns).changes;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	bool ok = owners_save(pl->conns, path, &saved, &too_long, &err);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double took = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	if(took * OWNERS_SAVE_SHARE > OWNERS_SAVE_SECONDS){
		pl->owners_next_save = time(NULL) + (time_t)(took * OWNERS_SAVE_SHARE);
	}
	if(!ok){
		mosquitto_log_printf(MOSQ_LOG_ERR, "certacl: %s", err.text);
		return;
	}
	pl->owners_saved_changes = changes;
	if(too_long){
		mosquitto_log_printf(MOSQ_LOG_WARNING, "certacl: %s: %zu session owner(s) not saved: "
				"client id or username too long", path, too_long);
	}
}

bool sessions_init(certacl_plugin *pl, certacl_error *err)
{
	const certacl_options *o = &pl->snap->opts;
	size_t loaded = 0;
	conns_set_owner_bounds(pl->conns, o->session_owners_max, o->session_owners_per_user);
	if(o->session_owners_file){
		if(!owners_load(pl->conns, o->session_owners_file, &loaded, err)) return false;
		mosquitto_log_printf(MOSQ_LOG_INFO, "certacl: %zu offline persistent session owner(s) "
				"read from %s", loaded, o->session_owners_file);
	}
	log_owner_drops(pl);
	pl->owners_saved_changes = conns_owner_counts(pl->conns).changes;
	return true;
}

void sessions_reloaded(certacl_plugin *pl)
{
	const certacl_options *o = &pl->snap->opts;
	conns_forget_offline_values(pl->conns);
	conns_set_owner_bounds(pl->conns, o->session_owners_max, o->session_owners_per_user);
	log_owner_drops(pl);
}

/* Has an owner changed since the file was last written? */
static bool owners_unsaved(const certacl_plugin *pl)
{
	return conns_owner_counts(pl->conns).changes != pl->owners_saved_changes;
}

void sessions_tick(certacl_plugin *pl, time_t now)
{
	if(now < pl->owners_next_save) return;
	pl->owners_next_save = now + OWNERS_SAVE_SECONDS;
	if(owners_unsaved(pl)) save_owners(pl);
}

void sessions_cleanup(certacl_plugin *pl)
{
	if(owners_unsaved(pl)) save_owners(pl);
}

void client_persists(certacl_plugin *pl, struct mosquitto *client, const char *client_id)
{
	conns_set_persists(pl->conns, client_id, client, !mosquitto_client_clean_session(client));
}

void client_connected(certacl_plugin *pl, struct mosquitto *client)
{
	const char *username = mosquitto_client_username(client);
	conns_confirm(pl->conns, mosquitto_client_id(client), client, username ? username : "");
}

void client_gone(certacl_plugin *pl, struct mosquitto *client, bool session_kept)
{
	const char *id = mosquitto_client_id(client);
	audit_client_gone(conns_live(pl->conns, id, client));
	conns_disconnect(pl->conns, id, client, session_kept, (int64_t)time(NULL));
	log_owner_drops(pl);
	if(!pl->tick_seen) sessions_tick(pl, time(NULL));
}

int on_disconnect(int event, void *event_data, void *userdata)
{
	struct mosquitto_evt_disconnect *ed = event_data;
	certacl_plugin *pl = userdata;
	(void)event;
	const certacl_conn *conn = conns_live(pl->conns, mosquitto_client_id(ed->client), ed->client);
	client_gone(pl, ed->client, broker_disconnect_keeps_session(pl, conn));
	return MOSQ_ERR_SUCCESS;
}
