/* certacl plugin glue, RELOAD (SIGHUP) and the admin API's reload: build a
 * whole new snapshot from the options kept at init; swap it in, or keep the
 * last good one and say why. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "glue.h"

/* One SIGHUP can bring several RELOADs: one per listener when the plugin is
 * configured per listener (2.0.x per_listener_settings; 2.1 plugin_use on N
 * listeners). A call within a second that
 * would read exactly the same files is skipped: at a million rules a rebuild
 * blocks the broker for a noticeable time. */
static bool duplicate_reload(certacl_plugin *pl, uint64_t stamp, bool have)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	double since = (double)(now.tv_sec - pl->last_reload.tv_sec)
		+ (double)(now.tv_nsec - pl->last_reload.tv_nsec) / 1e9;
	return have && pl->have_stamp && stamp == pl->inputs_stamp && since < 1.0;
}

bool plugin_reload(certacl_plugin *pl, char *why, size_t whysz)
{
	certacl_error err;
	memset(&err, 0, sizeof(err));
	certacl_snapshot *next = snapshot_build(pl->opts, pl->nopts, "mosquitto.conf plugin_opt", &err);
	pl->reloads.last_at = (int64_t)time(NULL);
	pl->reloads.last_ok = next != NULL;
	snprintf(pl->reloads.last_error, sizeof(pl->reloads.last_error), "%s", next ? "" : err.text);
	if(!next){
		pl->stats.reloads_failed++;
		mosquitto_log_printf(MOSQ_LOG_ERR,
				"certacl: reload failed, keeping the previous policy: %s", err.text);
		snprintf(why, whysz, "reload failed, keeping the previous policy: %s", err.text);
		return false;
	}
	snapshot_free(pl->snap);
	pl->snap = next;
	pl->reloads.loaded_at = pl->reloads.last_at;
	pl->stats.reloads_ok++;
	/* Live clients are re-authenticated by the broker after a SIGHUP; offline
	 * ones cannot be, so what they had is forgotten (their owners stay). */
	sessions_reloaded(pl);
	mosquitto_log_printf(MOSQ_LOG_NOTICE, "certacl: reloaded %zu rules from %zu ACL file(s)",
			policy_rule_count(next->policy), next->opts.nacl_files);
	log_snapshot_warnings(next);
	return true;
}

int on_reload(int event, void *event_data, void *userdata)
{
	certacl_plugin *pl = userdata;
	char why[1024];
	uint64_t stamp = 0;
	(void)event;
	(void)event_data;

	bool have = snapshot_inputs_stamp(pl->opts, pl->nopts, &stamp);
	if(duplicate_reload(pl, stamp, have)){
		mosquitto_log_printf(MOSQ_LOG_DEBUG, "certacl: reload: same files as a moment ago, skipped");
		return broker_reload_result(pl);
	}

	plugin_reload(pl, why, sizeof(why));
	pl->inputs_stamp = stamp;
	pl->have_stamp = have;
	clock_gettime(CLOCK_MONOTONIC, &pl->last_reload);
	/* A failed reload keeps the last good policy and must not stop the broker
	 * (2.1 exits on a RELOAD error); other plugins reload too. */
	return broker_reload_result(pl);
}
