/* certacl plugin glue: what differs between mosquitto 2.0.x and 2.1.x (see
 * broker_versions.h). Every #if on the mosquitto version is in this file. */
#include "glue.h"

/* mosquitto 2.1's event numbers: 2.0.x answers MOSQ_ERR_NOT_SUPPORTED to a
 * registration above MOSQ_EVT_DISCONNECT (10), which is how a 2.1 broker is
 * told apart at run time whatever headers this plugin was built with. */
#define EVT_CONNECT_21 11

static int probe_cb(int event, void *event_data, void *userdata)
{
	(void)event;
	(void)event_data;
	(void)userdata;
	return MOSQ_ERR_SUCCESS;
}

static bool broker_knows_21_events(mosquitto_plugin_id_t *id)
{
	if(mosquitto_callback_register(id, EVT_CONNECT_21, probe_cb, NULL, NULL) != MOSQ_ERR_SUCCESS){
		return false;
	}
	mosquitto_callback_unregister(id, EVT_CONNECT_21, probe_cb, NULL);
	return true;
}

#if LIBMOSQUITTO_VERSION_NUMBER >= 2001000

/* CONNECT (2.1): the client passed every authentication step, ours or
 * another's (the password file, for a client certacl deferred). */
static int on_connect(int event, void *event_data, void *userdata)
{
	struct mosquitto_evt_connect *ed = event_data;
	(void)event;
	client_connected(userdata, ed->client);
	return MOSQ_ERR_SUCCESS;
}

/* CLIENT_OFFLINE (2.1): a client with a persistent session went away; 2.1
 * sends this instead of DISCONNECT. */
static int on_client_offline(int event, void *event_data, void *userdata)
{
	struct mosquitto_evt_client_offline *ed = event_data;
	(void)event;
	client_gone(userdata, ed->client, true);
	return MOSQ_ERR_SUCCESS;
}

static bool register_sessions(certacl_plugin *pl)
{
	if(mosquitto_callback_register(pl->id, MOSQ_EVT_CONNECT, on_connect, NULL, pl)
			|| mosquitto_callback_register(pl->id, MOSQ_EVT_CLIENT_OFFLINE, on_client_offline, NULL, pl)){
		return false;
	}
	return true;
}

static void unregister_sessions(certacl_plugin *pl)
{
	mosquitto_callback_unregister(pl->id, MOSQ_EVT_CONNECT, on_connect, NULL);
	mosquitto_callback_unregister(pl->id, MOSQ_EVT_CLIENT_OFFLINE, on_client_offline, NULL);
}

void broker_tick_again(void *tick_event_data, unsigned seconds)
{
	struct mosquitto_evt_tick *ed = tick_event_data;
	ed->next_s = seconds;
	ed->next_ms = 0;
}

static void set_info(mosquitto_plugin_id_t *id)
{
	mosquitto_plugin_set_info(id, "certacl", CERTACL_VERSION);
}

const char *broker_headers_name(void)
{
	return "mosquitto 2.1 headers";
}

#else /* mosquitto 2.0.x headers */

static bool register_sessions(certacl_plugin *pl)
{
	/* A 2.1 broker, a plugin built for 2.0: it works, but persistent sessions
	 * that go offline are never seen to go (no CLIENT_OFFLINE handler). */
	mosquitto_log_printf(MOSQ_LOG_WARNING, "certacl: built against mosquitto 2.0 headers "
			"but running in mosquitto 2.1: rebuild it against 2.1's libmosquitto-dev");
	(void)pl;
	return true;
}

static void unregister_sessions(certacl_plugin *pl)
{
	(void)pl;
}

void broker_tick_again(void *tick_event_data, unsigned seconds)
{
	/* 2.0.x ignores next_*: it ticks on every main-loop pass (at least every
	 * 100 ms). */
	(void)tick_event_data;
	(void)seconds;
}

static void set_info(mosquitto_plugin_id_t *id)
{
	(void)id;
}

const char *broker_headers_name(void)
{
	return "mosquitto 2.0 headers";
}

#endif

bool broker_init(certacl_plugin *pl)
{
	pl->broker.v21 = broker_knows_21_events(pl->id);
	if(!pl->broker.v21) return true;
	set_info(pl->id);
	return register_sessions(pl);
}

void broker_cleanup(certacl_plugin *pl)
{
	if(pl->broker.v21) unregister_sessions(pl);
}

int broker_reload_result(const certacl_plugin *pl)
{
	return pl->broker.v21 ? MOSQ_ERR_SUCCESS : MOSQ_ERR_PLUGIN_DEFER;
}

bool broker_disconnect_keeps_session(const certacl_plugin *pl, const certacl_conn *conn)
{
	return !pl->broker.v21 && conn && conn->session_persists;
}
