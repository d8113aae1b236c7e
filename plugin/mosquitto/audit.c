/* certacl plugin glue: the audit log. One line per refused CONNECT and per
 * denied decision (and per allowed one with plugin_opt_log_allowed true), rate
 * limited so that a flood cannot fill a disk: each client may write
 * log_per_client lines per 10 s window, everyone together 100 lines a second;
 * what is dropped is counted and summarised. */
#include <stdio.h>
#include <string.h>

#include "glue.h"

#define AUDIT_WINDOW 10         /* seconds of a client's window */
#define AUDIT_GLOBAL_PER_SECOND 100

/* Global limit: true if one more line may be written this second. */
static bool global_allows(certacl_plugin *pl)
{
	time_t now = time(NULL);
	if(now != pl->log_second){
		if(pl->log_suppressed){
			mosquitto_log_printf(MOSQ_LOG_NOTICE, "certacl: %lu audit lines suppressed "
					"(more than %d a second)", pl->log_suppressed, AUDIT_GLOBAL_PER_SECOND);
		}
		pl->log_second = now;
		pl->log_lines = 0;
		pl->log_suppressed = 0;
	}
	if(pl->log_lines >= AUDIT_GLOBAL_PER_SECOND){
		pl->log_suppressed++;
		return false;
	}
	pl->log_lines++;
	return true;
}

static void summarise(const certacl_conn *conn)
{
	char id[300];
	certacl_escape(conn->client_id, strlen(conn->client_id), id, sizeof(id));
	mosquitto_log_printf(MOSQ_LOG_NOTICE, "certacl: client '%s' user '%s': %lu further "
			"audit lines suppressed", id, conn->username, conn->audit_suppressed);
}

/* Per-client limit: true if the client may log one more line now. */
static bool client_allows(certacl_plugin *pl, certacl_conn *conn)
{
	if(!conn) return true;
	int64_t now = (int64_t)time(NULL);
	if(now - conn->audit_window >= AUDIT_WINDOW){
		if(conn->audit_suppressed) summarise(conn);
		conn->audit_window = now;
		conn->audit_lines = 0;
		conn->audit_suppressed = 0;
	}
	if(conn->audit_lines >= pl->snap->opts.log_per_client){
		conn->audit_suppressed++;
		return false;
	}
	conn->audit_lines++;
	return true;
}

void audit_client_gone(certacl_conn *conn)
{
	if(conn && conn->audit_suppressed){
		summarise(conn);
		conn->audit_suppressed = 0;
	}
}

void audit_refused(certacl_plugin *pl, struct mosquitto *client, const char *why)
{
	const char *id = mosquitto_client_id(client);
	const char *addr = mosquitto_client_address(client);
	char shown_id[300];
	if(!global_allows(pl)) return;
	certacl_escape(id ? id : "", id ? strlen(id) : 0, shown_id, sizeof(shown_id));
	mosquitto_log_printf(MOSQ_LOG_NOTICE,
			"certacl: refused CONNECT from client '%s' (address %s): %s",
			shown_id, addr ? addr : "?", why);
}

void audit_decision(certacl_plugin *pl, struct mosquitto *client, const certacl_subject *who,
		const certacl_request *req, const certacl_decision *d)
{
	const char *u = who->vars[CERTACL_VAR_USERNAME];
	const char *c = who->vars[CERTACL_VAR_CLIENTID];
	const char *addr = mosquitto_client_address(client);
	char user[300], id[300], topic[300], why[700];

	certacl_conn *conn = conns_get(pl->conns, c, u);
	if(!client_allows(pl, conn) || !global_allows(pl)) return;
	certacl_escape(u ? u : "", u ? strlen(u) : 0, user, sizeof(user));
	certacl_escape(c ? c : "", c ? strlen(c) : 0, id, sizeof(id));
	certacl_escape(req->topic, req->topic_len, topic, sizeof(topic));
	if(d->rule){
		snprintf(why, sizeof(why), "%s %s:%u '%s'", certacl_reason_text(d->reason),
				d->rule->file, d->rule->line, d->rule->text);
	}else{
		snprintf(why, sizeof(why), "%s", certacl_reason_text(d->reason));
	}
	/* Deliveries filtered on a wide subscription are routine: debug level. */
	int level = (d->allowed || req->access == CERTACL_READ) ? MOSQ_LOG_DEBUG : MOSQ_LOG_NOTICE;
	if(d->allowed && pl->snap->opts.log_allowed) level = MOSQ_LOG_NOTICE;
	mosquitto_log_printf(level, "certacl: %s %s on '%s' qos %d%s for user '%s' client '%s' "
			"(address %s): %s", d->allowed ? "allowed" : "denied",
			certacl_access_name(req->access), topic, req->qos, req->retain ? " retained" : "",
			u ? user : "(none)", id, addr ? addr : "?", why);
}
