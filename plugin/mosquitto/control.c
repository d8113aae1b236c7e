/* certacl plugin glue: the admin API on $CONTROL/certacl/v1 (the requests are
 * answered by plugin/core/admin.c). mosquitto checks that the client may
 * write the request topic (an ACL rule such as `topic readwrite
 * $CONTROL/certacl/#`) before it calls this; the answer goes to that client
 * alone on $CONTROL/certacl/v1/response, and an audit line names the client
 * and the commands. */
#include <stdlib.h>
#include <string.h>

#include "glue.h"

static const char *live_address(const void *live)
{
	return mosquitto_client_address((const struct mosquitto *)live);
}

static bool admin_reload(void *arg, char *why, size_t whysz)
{
	return plugin_reload(arg, why, whysz);
}

int on_control(int event, void *event_data, void *userdata)
{
	struct mosquitto_evt_control *ed = event_data;
	certacl_plugin *pl = userdata;
	const char *names[STATS_COUNT];
	unsigned long values[STATS_COUNT];
	char summary[300], id[300];
	(void)event;

	stats_values(pl, names, values);
	certacl_admin_ctx ctx = {
		.snap = &pl->snap, .conns = pl->conns, .reloads = &pl->reloads, .now = (int64_t)time(NULL),
		.counter_names = names, .counter_values = values, .ncounters = STATS_COUNT,
		.address = live_address, .reload = admin_reload, .reload_arg = pl,
	};
	char *answer = admin_handle(&ctx, ed->payload, ed->payloadlen, summary, sizeof(summary));
	const char *client_id = mosquitto_client_id(ed->client);
	const char *username = mosquitto_client_username(ed->client);
	certacl_escape(client_id ? client_id : "", client_id ? strlen(client_id) : 0, id, sizeof(id));
	mosquitto_log_printf(MOSQ_LOG_NOTICE, "certacl: admin request from client '%s' user '%s': %s",
			id, username ? username : "(none)", summary);
	if(!answer) return MOSQ_ERR_NOMEM;
	mosquitto_broker_publish_copy(client_id, CERTACL_CONTROL_TOPIC "/response", (int)strlen(answer),
			answer, 0, false, NULL);
	free(answer);
	return MOSQ_ERR_SUCCESS;
}
