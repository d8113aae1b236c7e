/* certacl plugin glue: state shared by the broker-facing files. Only files in
 * plugin/mosquitto/ include mosquitto headers. */
#ifndef CERTACL_GLUE_H
#define CERTACL_GLUE_H

#include <time.h>

#include <mosquitto.h>
#include <mosquitto_broker.h>
#include <mosquitto_plugin.h>

#include "certacl/auth.h"
#include "certacl/config.h"

/* Everything the plugin knows lives here (the plugin's userdata): with
 * per_listener_settings the broker initialises one instance per listener. */
typedef struct certacl_plugin {
	mosquitto_plugin_id_t *id;
	certacl_opt_pair *opts; /* plugin_opt_* as given at init, kept for reloads */
	size_t nopts;
	certacl_snapshot *snap; /* current policy: replaced whole, never edited */
	certacl_conns *conns;   /* client ids: owner and values captured at CONNECT */
	time_t log_second;      /* denial-log rate limit: current second ... */
	unsigned log_lines;     /* ... lines written in it ... */
	unsigned long log_suppressed; /* ... and lines dropped */
} certacl_plugin;

int on_basic_auth(int event, void *event_data, void *userdata);
int on_acl_check(int event, void *event_data, void *userdata);
int on_reload(int event, void *event_data, void *userdata);
int on_disconnect(int event, void *event_data, void *userdata);

/* Rate-limited log line (at most CERTACL_LOG_PER_SECOND a second, then one
 * summary of what was dropped). */
void plugin_log_limited(certacl_plugin *pl, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
