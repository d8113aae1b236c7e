/* certacl plugin glue: counters under $SYS/broker/certacl/, published from the
 * TICK event every plugin_opt_stats_interval seconds (only values that
 * changed), and read by the admin API's getStatus. mosquitto 2.0.11 sends no
 * TICK with per_listener_settings true: then nothing is published. 2.1 ticks
 * only when asked to. */
#include <stdio.h>
#include <string.h>

#include "glue.h"

void stats_values(certacl_plugin *pl, const char *names[STATS_COUNT], unsigned long values[STATS_COUNT])
{
	static const char *const decision_names[8] = {
		"decisions/read/allowed", "decisions/read/denied", "decisions/write/allowed",
		"decisions/write/denied", "decisions/subscribe/allowed", "decisions/subscribe/denied",
		"decisions/unsubscribe/allowed", "decisions/unsubscribe/denied",
	};
	certacl_stats *s = &pl->stats;
	size_t n = 0;
#define COUNTER(name, value) do { names[n] = (name); values[n] = (value); n++; } while(0)
	COUNTER("connects/allowed", s->connects_allowed);
	COUNTER("connects/refused", s->connects_refused);
	COUNTER("connects/deferred", s->connects_deferred);
	for(size_t i = 0; i < 4; i++){
		COUNTER(decision_names[2 * i], s->allowed[i]);
		COUNTER(decision_names[2 * i + 1], s->denied[i]);
	}
	COUNTER("reloads/ok", s->reloads_ok);
	COUNTER("reloads/failed", s->reloads_failed);
	COUNTER("policy/rules", policy_rule_count(pl->snap->policy));
	COUNTER("clients/live", conns_live_count(pl->conns));
	COUNTER("certificates/expiring/1d", s->expiring_1d);
	COUNTER("certificates/expiring/7d", s->expiring_7d);
	COUNTER("certificates/expiring/30d", s->expiring_30d);
	COUNTER("certificates/earliest_not_after", s->earliest_not_after);
	COUNTER("certificates/expired_disconnected", s->expired_disconnected);
	certacl_owner_counts owners = conns_owner_counts(pl->conns);
	COUNTER("sessions/kept_offline", owners.kept);
	COUNTER("sessions/owners_dropped", owners.dropped_max + owners.dropped_user);
#undef COUNTER
}

int on_tick(int event, void *event_data, void *userdata)
{
	certacl_plugin *pl = userdata;
	time_t now = time(NULL);
	const char *names[STATS_COUNT];
	unsigned long values[STATS_COUNT];
	char topic[128], payload[32];
	(void)event;

	broker_tick_again(event_data, 1);
	expiry_tick(pl, now);
	sessions_tick(pl, now);
	unsigned interval = pl->snap->opts.stats_interval;
	if(interval == 0 || now < pl->stats_next) return MOSQ_ERR_SUCCESS;
	bool all = pl->stats_next == 0; /* first time: publish everything */
	pl->stats_next = now + interval;
	stats_values(pl, names, values);
	for(size_t i = 0; i < STATS_COUNT; i++){
		if(!all && values[i] == pl->stats_published[i]) continue;
		pl->stats_published[i] = values[i];
		snprintf(topic, sizeof(topic), "$SYS/broker/certacl/%s", names[i]);
		int n = snprintf(payload, sizeof(payload), "%lu", values[i]);
		mosquitto_broker_publish_copy(NULL, topic, n, payload, 0, true, NULL);
	}
	return MOSQ_ERR_SUCCESS;
}
