/* certacl plugin glue: version, init, cleanup. Reads plugin_opt_* lines, builds
 * the first snapshot (refusing to start on any error) and registers callbacks. */
#include <stdlib.h>
#include <string.h>

#include "certacl/lint.h"
#include "glue.h"

/* Offline clients without a kept session whose captured values are kept for
 * their will (oldest dropped first). */
#define CERTACL_OFFLINE_MAX 100000

static const struct {
	int event;
	MOSQ_FUNC_generic_callback cb;
} callbacks[] = {
	{ MOSQ_EVT_BASIC_AUTH, on_basic_auth },
	{ MOSQ_EVT_ACL_CHECK, on_acl_check },
	{ MOSQ_EVT_RELOAD, on_reload },
	{ MOSQ_EVT_DISCONNECT, on_disconnect },
	{ MOSQ_EVT_TICK, on_tick },
};
#define NCALLBACKS (sizeof(callbacks) / sizeof(callbacks[0]))

static void unregister_all(certacl_plugin *pl)
{
	for(size_t i = 0; i < NCALLBACKS; i++){
		mosquitto_callback_unregister(pl->id, callbacks[i].event, callbacks[i].cb, NULL);
	}
	mosquitto_callback_unregister(pl->id, MOSQ_EVT_CONTROL, on_control, CERTACL_CONTROL_TOPIC);
	broker_cleanup(pl);
}

/* The admin API: a broker built without $CONTROL support, or a second
 * instance on the same options (per_listener_settings), goes without it. */
static void register_control(certacl_plugin *pl)
{
	int rc = mosquitto_callback_register(pl->id, MOSQ_EVT_CONTROL, on_control, CERTACL_CONTROL_TOPIC, pl);
	if(rc != MOSQ_ERR_SUCCESS){
		/* (no mosquitto_strerror: 2.0.21's broker does not export it) */
		mosquitto_log_printf(MOSQ_LOG_WARNING, "certacl: no admin API on %s (error %d)",
				CERTACL_CONTROL_TOPIC, rc);
	}
}

int mosquitto_plugin_version(int supported_version_count, const int *supported_versions)
{
	for(int i = 0; i < supported_version_count; i++){
		if(supported_versions[i] == 5) return 5;
	}
	return -1;
}

static void plugin_free(certacl_plugin *pl)
{
	if(!pl) return;
	snapshot_free(pl->snap);
	conns_free(pl->conns);
	for(size_t i = 0; i < pl->nopts; i++){
		free((char *)pl->opts[i].key);
		free((char *)pl->opts[i].value);
	}
	free(pl->opts);
	free(pl);
}

/* Keep a copy of the options: the broker does not pass them again on reload. */
static bool keep_options(certacl_plugin *pl, struct mosquitto_opt *options, int count)
{
	pl->opts = calloc(count > 0 ? (size_t)count : 1, sizeof(*pl->opts));
	if(!pl->opts) return false;
	for(int i = 0; i < count; i++){
		pl->opts[i].key = strdup(options[i].key ? options[i].key : "");
		pl->opts[i].value = strdup(options[i].value ? options[i].value : "");
		pl->nopts++;
		if(!pl->opts[i].key || !pl->opts[i].value) return false;
	}
	return true;
}

/* At most this many load warnings are logged; certacl lint lists them all. */
#define LOAD_WARNINGS_LOGGED 20

/* Lines that load, as in mosquitto, but are almost surely a mistake (a
 * one-word topic line, a placeholder inside a level, a pattern without
 * placeholder): one warning line each at start. */
static void log_load_warnings(const certacl_snapshot *s)
{
	certacl_lint l;
	if(!lint_load_warnings(s, &l)) return;
	for(size_t i = 0; i < l.n && i < LOAD_WARNINGS_LOGGED; i++){
		const certacl_lint_warning *w = &l.items[i];
		mosquitto_log_printf(MOSQ_LOG_WARNING, "certacl: %s:%u: warning: %s [%s]",
				w->file, w->line, w->message, w->check);
	}
	if(l.n > LOAD_WARNINGS_LOGGED){
		mosquitto_log_printf(MOSQ_LOG_WARNING, "certacl: %zu more warnings: run certacl lint",
				l.n - LOAD_WARNINGS_LOGGED);
	}
	lint_free(&l);
}

static void log_stale_crl(const char *file, const char *issuer, const char *next_update, void *arg)
{
	const certacl_snapshot *s = arg;
	mosquitto_log_printf(MOSQ_LOG_WARNING, "certacl: %s: the CRL of '%s' is past its nextUpdate "
			"(%s): %s", file, issuer, next_update, s->opts.crl_stale == CERTACL_CRL_STALE_DENY
			? "its issuer's certificates are refused (plugin_opt_crl_stale deny)"
			: "still used (plugin_opt_crl_stale warn)");
}

void log_snapshot_warnings(const certacl_snapshot *s)
{
	log_load_warnings(s);
	crls_each_stale(s->crls, time(NULL), log_stale_crl, (void *)s);
}

int mosquitto_plugin_init(mosquitto_plugin_id_t *identifier, void **userdata,
		struct mosquitto_opt *options, int option_count)
{
	certacl_plugin *pl = calloc(1, sizeof(*pl));
	certacl_error err;
	memset(&err, 0, sizeof(err));

	if(!pl || !keep_options(pl, options, option_count)){
		mosquitto_log_printf(MOSQ_LOG_ERR, "certacl: out of memory");
		plugin_free(pl);
		return MOSQ_ERR_NOMEM;
	}
	pl->id = identifier;
	pl->started = time(NULL);
	pl->conns = conns_new(CERTACL_OFFLINE_MAX);
	if(!pl->conns){
		mosquitto_log_printf(MOSQ_LOG_ERR, "certacl: out of memory");
		plugin_free(pl);
		return MOSQ_ERR_NOMEM;
	}
	pl->snap = snapshot_build(pl->opts, pl->nopts, "mosquitto.conf plugin_opt", &err);
	if(!pl->snap || !sessions_init(pl, &err)){
		mosquitto_log_printf(MOSQ_LOG_ERR, "certacl: %s", err.text);
		mosquitto_log_printf(MOSQ_LOG_ERR, "certacl: refusing to start: fix the error above");
		plugin_free(pl);
		return MOSQ_ERR_INVAL;
	}
	bool registered = true;
	for(size_t i = 0; registered && i < NCALLBACKS; i++){
		registered = mosquitto_callback_register(identifier, callbacks[i].event, callbacks[i].cb,
				NULL, pl) == MOSQ_ERR_SUCCESS;
	}
	if(!registered || !broker_init(pl)){
		mosquitto_log_printf(MOSQ_LOG_ERR, "certacl: cannot register callbacks");
		unregister_all(pl);
		plugin_free(pl);
		return MOSQ_ERR_UNKNOWN;
	}
	register_control(pl);
	pl->reloads.loaded_at = (int64_t)pl->started;
	*userdata = pl;
	mosquitto_log_printf(MOSQ_LOG_INFO, "certacl: loaded %zu rules from %zu ACL file(s); "
			"identity from %s; built with %s, running in a mosquitto %s broker",
			policy_rule_count(pl->snap->policy), pl->snap->opts.nacl_files,
			id_spec_name(&pl->snap->opts.identity), broker_headers_name(),
			pl->broker.v21 ? "2.1" : "2.0");
	log_snapshot_warnings(pl->snap);
	return MOSQ_ERR_SUCCESS;
}

int mosquitto_plugin_cleanup(void *userdata, struct mosquitto_opt *options, int option_count)
{
	certacl_plugin *pl = userdata;
	(void)options;
	(void)option_count;
	if(!pl) return MOSQ_ERR_SUCCESS;
	unregister_all(pl);
	sessions_cleanup(pl);
	plugin_free(pl);
	return MOSQ_ERR_SUCCESS;
}
