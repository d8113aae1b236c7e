/* certacl plugin glue, RELOAD (SIGHUP): build a whole new snapshot from the
 * options kept at init; swap it in, or keep the last good one and say why. */
#include <string.h>

#include "glue.h"

int on_reload(int event, void *event_data, void *userdata)
{
	certacl_plugin *pl = userdata;
	certacl_error err;
	memset(&err, 0, sizeof(err));
	(void)event;
	(void)event_data;

	certacl_snapshot *next = snapshot_build(pl->opts, pl->nopts, "mosquitto.conf plugin_opt", &err);
	if(!next){
		pl->stats.reloads_failed++;
		mosquitto_log_printf(MOSQ_LOG_ERR,
				"certacl: reload failed, keeping the previous policy: %s", err.text);
	}else{
		snapshot_free(pl->snap);
		pl->snap = next;
		pl->stats.reloads_ok++;
		/* Live clients are re-authenticated by the broker right after this;
		 * offline ones cannot be, so what they had is forgotten. */
		conns_drop_offline(pl->conns);
		mosquitto_log_printf(MOSQ_LOG_NOTICE, "certacl: reloaded %zu rules from %zu ACL file(s)",
				policy_rule_count(next->policy), next->opts.nacl_files);
	}
	/* Defer, so that other plugins and the broker's own checks reload too. */
	return MOSQ_ERR_PLUGIN_DEFER;
}
