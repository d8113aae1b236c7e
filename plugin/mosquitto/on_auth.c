/* certacl plugin glue, BASIC_AUTH: certificate -> username (or a refusal),
 * recorded in the client table (sessions.c follows it from there). The broker calls
 * BASIC_AUTH at CONNECT and again for every connected client after a reload
 * (then with the username we set and no password): a client whose certificate
 * is now denied or unmapped is refused, which disconnects it. */
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

	if(!client_id){
		pl->stats.connects_refused++;
		audit_refused(pl, ed->client, "no client id");
		return MOSQ_ERR_AUTH;
	}
	certacl_escape(client_id, strlen(client_id), shown_id, sizeof(shown_id));
	X509 *cert = mosquitto_client_certificate(ed->client);
	certacl_connect c = {
		.cert = cert, .client_id = client_id, .username = ed->username,
		.live = ed->client, .conns = pl->conns,
	};
	auth_decide(pl->snap, &c, &res);
	X509_free(cert);

	int rc = MOSQ_ERR_AUTH;
	switch(res.verdict){
	case CERTACL_AUTH_DEFER:
		mosquitto_log_printf(MOSQ_LOG_DEBUG, "certacl: client '%s': %s", shown_id, res.why);
		pl->stats.connects_deferred++;
		rc = MOSQ_ERR_PLUGIN_DEFER;
		if(!conns_claim(pl->conns, client_id, ed->client, ed->username, (int64_t)time(NULL))){
			pl->stats.connects_refused++;
			audit_refused(pl, ed->client, "out of memory");
			rc = MOSQ_ERR_AUTH;
			break;
		}
		client_persists(pl, ed->client, client_id);
		break;
	case CERTACL_AUTH_REFUSE:
		pl->stats.connects_refused++;
		audit_refused(pl, ed->client, res.why);
		break;
	case CERTACL_AUTH_ALLOW:
		/* The username a certificate client sends grants nothing: note it, then
		 * replace it (ed->username dies with mosquitto_set_username). */
		if(ed->username && strcmp(ed->username, res.username) != 0){
			certacl_escape(ed->username, strlen(ed->username), shown_sent, sizeof(shown_sent));
			mosquitto_log_printf(MOSQ_LOG_DEBUG, "certacl: client '%s' sent username '%s'; "
					"using '%s' from its certificate", shown_id, shown_sent, res.username);
		}
		if(mosquitto_set_username(ed->client, res.username) != MOSQ_ERR_SUCCESS
				|| !conns_connect(pl->conns, client_id, ed->client, res.username,
					(const char *const *)res.groups, res.ngroups, &res.cert)){
			pl->stats.connects_refused++;
			audit_refused(pl, ed->client, "out of memory");
			break;
		}
		client_persists(pl, ed->client, client_id);
		pl->stats.connects_allowed++;
		rc = MOSQ_ERR_SUCCESS;
		break;
	}
	auth_result_free(&res);
	return rc;
}
