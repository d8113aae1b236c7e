/* bench_allow_plugin: a mosquitto plugin that allows every CONNECT and every ACL
 * check, doing only what any ACL plugin must do per check (read the client's
 * username and id). At shutdown it logs how many checks of each kind it saw. broker_bench.py's "allowall" configuration loads it to
 * separate the broker's own cost of calling an ACL plugin from the cost of
 * certacl's decision. Not for production: it authorizes everything. */
#include <stddef.h>

#include "broker_versions.h" /* mosquitto's plugin headers, as this version has them */

static mosquitto_plugin_id_t *plugin_id;
static unsigned long checks[16]; /* ACL checks by access (MOSQ_ACL_*) */

int mosquitto_plugin_version(int n, const int *versions)
{
	for(int i = 0; i < n; i++){
		if(versions[i] == 5) return 5;
	}
	return -1;
}

static int on_basic_auth(int event, void *event_data, void *userdata)
{
	(void)event;
	(void)event_data;
	(void)userdata;
	return MOSQ_ERR_SUCCESS;
}

static int on_acl_check(int event, void *event_data, void *userdata)
{
	struct mosquitto_evt_acl_check *ed = event_data;
	(void)event;
	(void)userdata;
	const char *u = mosquitto_client_username(ed->client);
	const char *c = mosquitto_client_id(ed->client);
	(void)u;
	(void)c;
	checks[ed->access & 15]++;
	return MOSQ_ERR_SUCCESS;
}

int mosquitto_plugin_init(mosquitto_plugin_id_t *identifier, void **userdata,
		struct mosquitto_opt *options, int option_count)
{
	(void)userdata;
	(void)options;
	(void)option_count;
	plugin_id = identifier;
	if(mosquitto_callback_register(plugin_id, MOSQ_EVT_BASIC_AUTH, on_basic_auth, NULL, NULL)
			|| mosquitto_callback_register(plugin_id, MOSQ_EVT_ACL_CHECK, on_acl_check, NULL, NULL)){
		return MOSQ_ERR_UNKNOWN;
	}
	return MOSQ_ERR_SUCCESS;
}

int mosquitto_plugin_cleanup(void *userdata, struct mosquitto_opt *options, int option_count)
{
	(void)userdata;
	(void)options;
	(void)option_count;
	mosquitto_log_printf(MOSQ_LOG_NOTICE, "bench_allow_plugin: ACL checks: read %lu write %lu "
			"subscribe %lu unsubscribe %lu", checks[MOSQ_ACL_READ], checks[MOSQ_ACL_WRITE],
			checks[MOSQ_ACL_SUBSCRIBE], checks[MOSQ_ACL_UNSUBSCRIBE]);
	mosquitto_callback_unregister(plugin_id, MOSQ_EVT_BASIC_AUTH, on_basic_auth, NULL);
	mosquitto_callback_unregister(plugin_id, MOSQ_EVT_ACL_CHECK, on_acl_check, NULL);
	return MOSQ_ERR_SUCCESS;
}
