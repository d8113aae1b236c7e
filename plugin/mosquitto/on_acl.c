/* certacl plugin glue, ACL_CHECK: broker event -> acl_decide() -> result, plus a
 * rate-limited audit line for each denial. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "glue.h"

#define CERTACL_LOG_PER_SECOND 20

void plugin_log_limited(certacl_plugin *pl, int level, const char *fmt, ...)
{
	time_t now = time(NULL);
	if(now != pl->log_second){
		if(pl->log_suppressed){
			mosquitto_log_printf(MOSQ_LOG_NOTICE, "certacl: %lu log lines suppressed "
					"(more than %d a second)", pl->log_suppressed, CERTACL_LOG_PER_SECOND);
		}
		pl->log_second = now;
		pl->log_lines = 0;
		pl->log_suppressed = 0;
	}
	if(pl->log_lines >= CERTACL_LOG_PER_SECOND){
		pl->log_suppressed++;
		return;
	}
	pl->log_lines++;
	char line[1536];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	mosquitto_log_printf(level, "%s", line);
}

static certacl_access access_from_mosq(int access)
{
	switch(access){
	case MOSQ_ACL_READ: return CERTACL_READ;
	case MOSQ_ACL_WRITE: return CERTACL_WRITE;
	case MOSQ_ACL_SUBSCRIBE: return CERTACL_SUBSCRIBE;
	case MOSQ_ACL_UNSUBSCRIBE: return CERTACL_UNSUBSCRIBE;
	}
	return 0;
}

static void log_denial(certacl_plugin *pl, const certacl_subject *who,
		const certacl_request *req, const certacl_decision *d)
{
	char user[300], id[300], topic[300], why[600];
	const char *u = who->vars[CERTACL_VAR_USERNAME];
	const char *c = who->vars[CERTACL_VAR_CLIENTID];

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
	plugin_log_limited(pl, req->access == CERTACL_READ ? MOSQ_LOG_DEBUG : MOSQ_LOG_NOTICE,
			"certacl: denied %s on '%s' for user '%s' client '%s': %s",
			certacl_access_name(req->access), topic, u ? user : "(none)", id, why);
}

int on_acl_check(int event, void *event_data, void *userdata)
{
	struct mosquitto_evt_acl_check *ed = event_data;
	certacl_plugin *pl = userdata;
	certacl_subject who;
	memset(&who, 0, sizeof(who));
	certacl_decision d;
	(void)event;

	if(!ed->topic) return MOSQ_ERR_ACL_DENIED;
	certacl_request req = {
		.access = access_from_mosq(ed->access),
		.topic = ed->topic,
		.topic_len = strlen(ed->topic),
		.qos = ed->qos,
		.retain = ed->retain,
	};
	who.vars[CERTACL_VAR_USERNAME] = mosquitto_client_username(ed->client);
	who.vars[CERTACL_VAR_CLIENTID] = mosquitto_client_id(ed->client);
	/* Groups and certificate values captured at CONNECT: never read the
	 * certificate here (there is none for wills and offline sessions). */
	conns_fill_subject(pl->conns, who.vars[CERTACL_VAR_CLIENTID],
			who.vars[CERTACL_VAR_USERNAME], &who);
	acl_decide(pl->snap->policy, &who, &req, &d);
	if(d.allowed) return MOSQ_ERR_SUCCESS;
	log_denial(pl, &who, &req, &d);
	return MOSQ_ERR_ACL_DENIED;
}
