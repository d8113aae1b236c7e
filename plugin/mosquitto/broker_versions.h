/* certacl plugin glue: the one place that knows how mosquitto versions differ.
 *
 * Build time (the headers decide; a #if nowhere else in the glue):
 *   - 2.0.x headers: <mosquitto.h>, <mosquitto_broker.h>, <mosquitto_plugin.h>,
 *     in that order (2.0.11's plugin header does not include the broker one);
 *     2.1 moved them under <mosquitto/...>, brought in by <mosquitto.h>, and
 *     the old names only print a #warning;
 *   - the TICK struct (2.0: next_ns, ignored; 2.1: next_ms, honoured), the
 *     CONNECT and CLIENT_OFFLINE events and mosquitto_plugin_set_info exist
 *     only in 2.1 headers.
 * Run time (the broker decides; a plugin built on Debian 12 also runs in a
 * 2.1 broker):
 *   - RELOAD's answer: 2.0.x expects MOSQ_ERR_PLUGIN_DEFER so that later
 *     plugins and the built-in files reload too; 2.1 takes any answer but
 *     MOSQ_ERR_SUCCESS as an error and stops the broker. */
#ifndef CERTACL_BROKER_VERSIONS_H
#define CERTACL_BROKER_VERSIONS_H

#include <stdbool.h>

#include <mosquitto.h>
#if LIBMOSQUITTO_VERSION_NUMBER < 2001000
#include <mosquitto_broker.h>
#include <mosquitto_plugin.h>
#endif

/* What the running broker is, found at init. */
typedef struct certacl_broker {
	bool v21;          /* the broker knows 2.1's events (so: 2.1 RELOAD rules) */
} certacl_broker;

struct certacl_plugin;

/* Probe the running broker (2.0.x refuses events it does not know), name the
 * plugin to 2.1, and register 2.1's CONNECT and CLIENT_OFFLINE when this build
 * has them. False if a registration the broker accepts fails. */
bool broker_init(struct certacl_plugin *pl);
/* Unregister what broker_init registered. */
void broker_cleanup(struct certacl_plugin *pl);
/* The answer to RELOAD that keeps this broker running and lets the next
 * plugin reload as well. */
int broker_reload_result(const struct certacl_plugin *pl);
/* DISCONNECT: does the broker keep this client's session? 2.1 sends
 * DISCONNECT only when the session ends (CLIENT_OFFLINE when it is kept);
 * 2.0.x sends it for every connection and tells a plugin nothing of the
 * session, so it is taken to be kept when CONNECT asked for one (clean start
 * false; an MQTT 5 session expiry set with clean start true is not seen). */
struct certacl_conn;
bool broker_disconnect_keeps_session(const struct certacl_plugin *pl, const struct certacl_conn *conn);
/* Ask to be ticked again in about `seconds` (2.1; 2.0.x ticks every loop). */
void broker_tick_again(void *tick_event_data, unsigned seconds);
/* The broker's line for "built against" in the start-up log. */
const char *broker_headers_name(void);

#endif
