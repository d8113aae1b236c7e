/* certacl plugin glue, ACL_CHECK: broker event -> acl_decide() -> result, plus a
 * rate-limited audit line for each denial. */
#include <string.h>

#include "glue.h"

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
	 * certificate here (there is none for wills and offline sessions). The
	 * lookup also confirms a password client's claim on its client id; a
	 * policy without groups or certificate placeholders and without password
	 * clients needs none of it. */
	if(policy_uses_connection_values(pl->snap->policy) || pl->snap->opts.no_cert == CERTACL_NOCERT_DEFER){
		conn_fill_subject(conns_confirm(pl->conns, who.vars[CERTACL_VAR_CLIENTID], ed->client,
				who.vars[CERTACL_VAR_USERNAME]), &who);
	}
	if(expiry_denies(pl, ed->client, who.vars[CERTACL_VAR_CLIENTID])){
		return MOSQ_ERR_ACL_DENIED;
	}
	acl_decide(pl->snap->policy, &who, &req, &d);
	unsigned bit = req.access == CERTACL_READ ? 0 : req.access == CERTACL_WRITE ? 1
		: req.access == CERTACL_SUBSCRIBE ? 2 : 3;
	if(d.allowed){
		pl->stats.allowed[bit]++;
		if(pl->snap->opts.log_allowed) audit_decision(pl, ed->client, &who, &req, &d);
		return MOSQ_ERR_SUCCESS;
	}
	pl->stats.denied[bit]++;
	audit_decision(pl, ed->client, &who, &req, &d);
	return MOSQ_ERR_ACL_DENIED;
}
