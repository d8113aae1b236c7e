/* certacl: certificates that expire on a live connection (see expiry.h). */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "certacl/expiry.h"

bool cert_expired(const certacl_cert_values *v, int64_t now)
{
	return v->not_after > 0 && now >= v->not_after;
}

void expiry_time_text(int64_t when, char *out, size_t outsz)
{
	struct tm tm;
	time_t t = (time_t)when;
	if(outsz == 0) return;
	if(!gmtime_r(&t, &tm) || !strftime(out, outsz, "%Y-%m-%dT%H:%M:%SZ", &tm)) out[0] = '\0';
}

typedef struct scan_state {
	certacl_expiry_scan *out;
	int64_t now;
	int64_t warn_seconds;
	size_t cap_expired, cap_warn;
	bool nomem;
} scan_state;

/* Append conn to a growing list; false on out-of-memory. */
static bool list_add(certacl_conn ***list, size_t *n, size_t *cap, certacl_conn *conn)
{
	if(!certacl_grow((void **)list, cap, *n, sizeof(**list))) return false;
	(*list)[(*n)++] = conn;
	return true;
}

/* Count one live client, and list it when it is expired or due a warning. */
static void scan_one(certacl_conn *conn, void *arg)
{
	scan_state *st = arg;
	certacl_expiry_counts *k = &st->out->counts;
	int64_t na = conn->cert.not_after;
	if(na <= 0 || st->nomem) return; /* no certificate (password client), or unreadable */
	int64_t left = na - st->now;
	if(left <= CERTACL_DAY) k->within_1d++;
	if(left <= 7 * CERTACL_DAY) k->within_7d++;
	if(left <= 30 * CERTACL_DAY) k->within_30d++;
	if(k->earliest == 0 || na < k->earliest) k->earliest = na;
	if(left <= 0){
		if(!conn->expiry_handled && !list_add(&st->out->expired, &st->out->nexpired,
				&st->cap_expired, conn)) st->nomem = true;
	}else if(left <= st->warn_seconds && conn->expiry_warned_day != st->now / CERTACL_DAY + 1){
		if(!list_add(&st->out->warn, &st->out->nwarn, &st->cap_warn, conn)) st->nomem = true;
	}
}

bool expiry_scan(certacl_conns *c, int64_t now, unsigned warn_days, certacl_expiry_scan *out)
{
	scan_state st = { .out = out, .now = now, .warn_seconds = (int64_t)warn_days * CERTACL_DAY };
	memset(out, 0, sizeof(*out));
	conns_each_live(c, scan_one, &st);
	if(st.nomem){
		expiry_scan_free(out);
		return false;
	}
	/* Marked only now, so that a failed scan leaves every client to the next. */
	for(size_t i = 0; i < out->nexpired; i++) out->expired[i]->expiry_handled = true;
	for(size_t i = 0; i < out->nwarn; i++) out->warn[i]->expiry_warned_day = now / CERTACL_DAY + 1;
	return true;
}

void expiry_scan_free(certacl_expiry_scan *s)
{
	free(s->expired);
	free(s->warn);
	memset(s, 0, sizeof(*s));
}
