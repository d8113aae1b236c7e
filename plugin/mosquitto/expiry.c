/* certacl plugin glue: certificates that expire while their connection lives
 * (the decisions are in plugin/core/expiry.c). From TICK, every few seconds: a
 * client past its certificate's notAfter is disconnected with its will, as for
 * any broken connection (plugin_opt_expired disconnect), or only logged (log);
 * a client within plugin_opt_expiry_warn_days gets one log line a day; the
 * counts go to $SYS. Kicking is safe from TICK: no client's packet is being
 * handled then. Where the broker sends no TICK (2.0.11 with
 * per_listener_settings true), expired clients are denied every ACL check
 * instead (expiry_denies). */
#include <stdlib.h>
#include <string.h>

#include "certacl/expiry.h"
#include "glue.h"

#define EXPIRY_SCAN_SECONDS 5
/* No TICK this long after start, while clients are checked: the broker sends none. */
#define EXPIRY_NO_TICK_SECONDS 15

/* One audit line about conn's certificate (`what`: "expired", "expires"). */
static void log_expiry(certacl_conn *conn, const char *what, const char *then)
{
	char id[300], when[32];
	const char *addr = conn->live ? mosquitto_client_address((struct mosquitto *)conn->live) : NULL;
	certacl_escape(conn->client_id, strlen(conn->client_id), id, sizeof(id));
	expiry_time_text(conn->cert.not_after, when, sizeof(when));
	mosquitto_log_printf(MOSQ_LOG_NOTICE, "certacl: client '%s' user '%s' (address %s, certificate "
			"serial %s): certificate %s at %s (notAfter)%s", id, conn->username, addr ? addr : "?",
			conn->cert.serial ? conn->cert.serial : "?", what, when, then);
}

void expiry_tick(certacl_plugin *pl, time_t now)
{
	certacl_expiry_scan scan;
	pl->tick_seen = true;
	if(now < pl->expiry_next) return;
	pl->expiry_next = now + EXPIRY_SCAN_SECONDS;
	if(!expiry_scan(pl->conns, (int64_t)now, pl->snap->opts.expiry_warn_days, &scan)){
		mosquitto_log_printf(MOSQ_LOG_ERR, "certacl: out of memory checking certificate expiry");
		return;
	}
	pl->stats.expiring_1d = scan.counts.within_1d;
	pl->stats.expiring_7d = scan.counts.within_7d;
	pl->stats.expiring_30d = scan.counts.within_30d;
	pl->stats.earliest_not_after = (unsigned long)scan.counts.earliest;
	for(size_t i = 0; i < scan.nwarn; i++){
		log_expiry(scan.warn[i], "expires", "");
	}
	bool cut = pl->snap->opts.expired == CERTACL_EXPIRED_DISCONNECT;
	char **kick = cut && scan.nexpired ? calloc(scan.nexpired, sizeof(char *)) : NULL;
	size_t nkick = 0;
	for(size_t i = 0; i < scan.nexpired; i++){
		if(cut && !(kick && (kick[nkick] = strdup(scan.expired[i]->client_id)))){
			scan.expired[i]->expiry_handled = false; /* out of memory: the next scan retries */
			continue;
		}
		nkick += cut;
		log_expiry(scan.expired[i], "expired", cut ? ": disconnecting"
				: ": still connected (plugin_opt_expired log)");
	}
	expiry_scan_free(&scan);
	/* After the scan: a kick ends the connection at once (DISCONNECT event),
	 * which changes the client table. */
	for(size_t i = 0; i < nkick; i++){
		if(mosquitto_kick_client_by_clientid(kick[i], true) == MOSQ_ERR_SUCCESS){
			pl->stats.expired_disconnected++;
		}
		free(kick[i]);
	}
	free(kick);
}

bool expiry_denies(certacl_plugin *pl, struct mosquitto *client, const char *client_id)
{
	time_t now = time(NULL);
	if(pl->tick_seen || pl->snap->opts.expired != CERTACL_EXPIRED_DISCONNECT) return false;
	if(now - pl->started < EXPIRY_NO_TICK_SECONDS) return false;
	if(!pl->no_tick_logged){
		pl->no_tick_logged = true;
		mosquitto_log_printf(MOSQ_LOG_WARNING, "certacl: the broker sends no TICK event "
				"(mosquitto 2.0.11 with per_listener_settings true): a client whose certificate "
				"expires is denied every publish, subscription and delivery instead of being "
				"disconnected");
	}
	certacl_conn *conn = conns_live(pl->conns, client_id, client);
	if(!conn || !cert_expired(&conn->cert, (int64_t)now)) return false;
	if(!conn->expiry_handled){
		conn->expiry_handled = true;
		log_expiry(conn, "expired", ": every ACL check denied from now on");
	}
	return true;
}
