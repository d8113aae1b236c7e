/* certacl plugin glue: counters under $SYS/broker/certacl/, published from the
 * TICK event every plugin_opt_stats_interval seconds (only values that
 * changed). mosquitto 2.0.11 sends no TICK with per_listener_settings true:
 * then nothing is published. 2.1 ticks only when asked to. */
#include <stdio.h>
#include <string.h>

#include "glue.h"

static void publish(const char *topic, unsigned long value)
{
	char payload[32];
	int n = snprintf(payload, sizeof(payload), "%lu", value);
	mosquitto_broker_publish_copy(NULL, topic, n, payload, 0, true, NULL);
}

static void publish_changed(const char *topic, unsigned long now, unsigned long *last, bool all)
{
	if(all || now != *last) publish(topic, now);
	*last = now;
}

int on_tick(int event, void *event_data, void *userdata)
{
	static const char *const access[4] = { "read", "write", "subscribe", "unsubscribe" };
	certacl_plugin *pl = userdata;
	certacl_stats *s = &pl->stats, *p = &pl->stats_published;
	time_t now = time(NULL);
	char topic[128];
	(void)event;

	broker_tick_again(event_data, 1);
	expiry_tick(pl, now);
	unsigned interval = pl->snap->opts.stats_interval;
	if(interval == 0 || now < pl->stats_next) return MOSQ_ERR_SUCCESS;
	bool all = pl->stats_next == 0; /* first time: publish everything */
	pl->stats_next = now + interval;
	s->rules = policy_rule_count(pl->snap->policy);
	s->clients_live = conns_live_count(pl->conns);

	publish_changed("$SYS/broker/certacl/connects/allowed", s->connects_allowed, &p->connects_allowed, all);
	publish_changed("$SYS/broker/certacl/connects/refused", s->connects_refused, &p->connects_refused, all);
	publish_changed("$SYS/broker/certacl/connects/deferred", s->connects_deferred, &p->connects_deferred, all);
	for(int i = 0; i < 4; i++){
		snprintf(topic, sizeof(topic), "$SYS/broker/certacl/decisions/%s/allowed", access[i]);
		publish_changed(topic, s->allowed[i], &p->allowed[i], all);
		snprintf(topic, sizeof(topic), "$SYS/broker/certacl/decisions/%s/denied", access[i]);
		publish_changed(topic, s->denied[i], &p->denied[i], all);
	}
	publish_changed("$SYS/broker/certacl/reloads/ok", s->reloads_ok, &p->reloads_ok, all);
	publish_changed("$SYS/broker/certacl/reloads/failed", s->reloads_failed, &p->reloads_failed, all);
	publish_changed("$SYS/broker/certacl/policy/rules", s->rules, &p->rules, all);
	publish_changed("$SYS/broker/certacl/clients/live", s->clients_live, &p->clients_live, all);
	publish_changed("$SYS/broker/certacl/certificates/expiring/1d", s->expiring_1d, &p->expiring_1d, all);
	publish_changed("$SYS/broker/certacl/certificates/expiring/7d", s->expiring_7d, &p->expiring_7d, all);
	publish_changed("$SYS/broker/certacl/certificates/expiring/30d", s->expiring_30d, &p->expiring_30d, all);
	publish_changed("$SYS/broker/certacl/certificates/earliest_not_after", s->earliest_not_after,
			&p->earliest_not_after, all);
	publish_changed("$SYS/broker/certacl/certificates/expired_disconnected",
			s->expired_disconnected, &p->expired_disconnected, all);
	return MOSQ_ERR_SUCCESS;
}
