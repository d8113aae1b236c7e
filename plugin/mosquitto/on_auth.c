/* certacl plugin glue, BASIC_AUTH: certificate -> username, or a refusal. The
 * broker calls this at CONNECT and again for every connected client after a
 * reload (then with the username we set and no password). */
#include <string.h>

#include <openssl/x509.h>

#include "glue.h"

int on_basic_auth(int event, void *event_data, void *userdata)
{
	struct mosquitto_evt_basic_auth *ed = event_data;
	certacl_plugin *pl = userdata;
	certacl_auth_result res;
	const char *client_id = mosquitto_client_id(ed->client);
	char shown_id[300], shown_sent[300];
	(void)event;

	X509 *cert = mosquitto_client_certificate(ed->client);
	auth_decide(pl->snap, cert, client_id, &res);
	X509_free(cert);

	certacl_escape(client_id ? client_id : "", client_id ? strlen(client_id) : 0,
			shown_id, sizeof(shown_id));
	switch(res.verdict){
	case CERTACL_AUTH_DEFER:
		mosquitto_log_printf(MOSQ_LOG_DEBUG, "certacl: client '%s': %s", shown_id, res.why);
		return MOSQ_ERR_PLUGIN_DEFER;
	case CERTACL_AUTH_REFUSE:
		mosquitto_log_printf(MOSQ_LOG_NOTICE,
				"certacl: refused CONNECT from client '%s' (address %s): %s", shown_id,
				mosquitto_client_address(ed->client) ? mosquitto_client_address(ed->client) : "?",
				res.why);
		return MOSQ_ERR_AUTH;
	case CERTACL_AUTH_ALLOW:
		break;
	}
	/* The username a certificate client sends grants nothing: note it, then
	 * replace it (ed->username dies with mosquitto_set_username). */
	if(ed->username && strcmp(ed->username, res.username) != 0){
		certacl_escape(ed->username, strlen(ed->username), shown_sent, sizeof(shown_sent));
		mosquitto_log_printf(MOSQ_LOG_DEBUG, "certacl: client '%s' sent username '%s'; "
				"using '%s' from its certificate", shown_id, shown_sent, res.username);
	}
	if(mosquitto_set_username(ed->client, res.username) != MOSQ_ERR_SUCCESS){
		mosquitto_log_printf(MOSQ_LOG_ERR, "certacl: refused CONNECT from client '%s': "
				"cannot set username (out of memory)", shown_id);
		return MOSQ_ERR_AUTH;
	}
	return MOSQ_ERR_SUCCESS;
}
