/* bench_decide: throughput and latency of acl_decide() for generated policies of
 * 10 .. 1M rules (see bench_policies.h), READ / WRITE / SUBSCRIBE, over a cold
 * set of requests (many users and topics, drawn at random across the whole
 * policy: cache-unfriendly) and a warm set (16 requests repeated).
 *
 * Timing: the decisions run in batches of 64; each batch is timed with one
 * clock_gettime (so timer overhead is < 1%). decisions/s = decisions / CPU
 * time of the thread (CLOCK_THREAD_CPUTIME_ID: time when another process had
 * the core is not counted; column "cpu" = CPU time / wall time, below ~90% the
 * figure was disturbed); median and p99 are over the per-batch mean latency
 * (batch wall time / 64), so they show the spread between batches, not the
 * single slowest call.
 *
 * Flushed ("flsh" rows, --flushed N, default 300): N single decisions from the
 * cold set, each timed alone after writing a 32 MiB buffer (4x the last-level
 * cache here): the latency of a decision whose data was evicted by other work,
 * as in a broker between two checks. It grows with the number of distinct
 * cache lines a decision touches.
 *
 * Allocation: malloc/calloc/realloc are wrapped in this program (they call
 * glibc's __libc_* functions and count), and the count plus mallinfo2()'s
 * in-use bytes are compared around every timed loop: "allocs" must be 0.
 *
 * Baselines in the same run, on the same rules (read back with policy_rule_at)
 * and the same requests, with certacl's meaning (deny wins) so that results
 * can be compared request by request (column "mism" = disagreements):
 *   linear   every rule in one array, deny rules first, topic_matches() on each
 *            (what a naive acl_file check does);
 *   peruser  mosquitto's acl_file structure: the client's own rules (found once
 *            per connection, not per check) then every pattern, deny rules
 *            first, first allow wins; patterns are substituted per check.
 *
 * Usage: bench_decide [--sizes 10,1000,100000,1000000] [--policies
 *        sparkplug,pattern,deny] [--time SECONDS] [--cold N] [--baseline-max N]
 *        [--no-baseline] [--flushed N]
 */
#define _GNU_SOURCE
#include <malloc.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "certacl/policy.h"
#include "certacl/topic.h"

#include "bench_policies.h"
#include "bench_util.h"

/* ------------------------------------------------------------------ malloc count */

/* Under AddressSanitizer the allocator belongs to the sanitizer: no wrappers,
 * and "allocs" stays 0 (use a normal build to check allocations). */
#if defined(__SANITIZE_ADDRESS__)
#define BENCH_COUNT_ALLOCS 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define BENCH_COUNT_ALLOCS 0
#endif
#endif
#ifndef BENCH_COUNT_ALLOCS
#define BENCH_COUNT_ALLOCS 1
#endif

static unsigned long g_allocs;

#if BENCH_COUNT_ALLOCS
extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t n, size_t sz);
extern void *__libc_realloc(void *p, size_t n);
extern void __libc_free(void *p);

void *malloc(size_t n)
{
	g_allocs++;
	return __libc_malloc(n);
}

void *calloc(size_t n, size_t sz)
{
	g_allocs++;
	return __libc_calloc(n, sz);
}

void *realloc(void *p, size_t n)
{
	g_allocs++;
	return __libc_realloc(p, n);
}

void free(void *p)
{
	__libc_free(p);
}
#endif

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if(!p){
		fprintf(stderr, "out of memory (%zu bytes)\n", n);
		exit(1);
	}
	return p;
}

/* ------------------------------------------------------------------ requests */

#define NACCESS 3
static const certacl_access accesses[NACCESS] = { CERTACL_READ, CERTACL_WRITE, CERTACL_SUBSCRIBE };
#define PATTERN_USERS 100000u /* user population of pattern-policy requests */
#define TOPIC_MAX 96

typedef struct breq {
	const certacl_subject *who;
	uint32_t user; /* index into the subject array (for the baselines) */
	certacl_request req;
} breq;

typedef struct subjects {
	certacl_subject *s;
	size_t n;
	char *names; /* every name, NUL-terminated */
} subjects;

/* One subject per possible user: username, client id and CN. */
static void subjects_make(subjects *sj, bench_policy k, size_t n)
{
	sj->n = n;
	sj->s = xmalloc(n * sizeof(*sj->s));
	sj->names = xmalloc(n * 48);
	memset(sj->s, 0, n * sizeof(*sj->s));
	for(size_t i = 0; i < n; i++){
		char *u = sj->names + i * 48, *c = u + 24;
		switch(k){
		case POL_SPARKPLUG:
			snprintf(u, 24, "node%zu", i);
			snprintf(c, 24, "node%zu", i);
			break;
		case POL_PATTERN:
			snprintf(u, 24, "dev%zu", i);
			snprintf(c, 24, "cdev%zu", i);
			break;
		default:
			snprintf(u, 24, "u%zu", i);
			snprintf(c, 24, "cu%zu", i);
			break;
		}
		sj->s[i].vars[CERTACL_VAR_USERNAME] = u;
		sj->s[i].vars[CERTACL_VAR_CLIENTID] = c;
		sj->s[i].vars[CERTACL_VAR_CN] = u;
	}
}

static void subjects_free(subjects *sj)
{
	free(sj->s);
	free(sj->names);
}

static uint32_t other(rng *r, uint32_t n, uint32_t not)
{
	if(n < 2) return not + 1; /* a user that does not exist */
	uint32_t o = rng_below(r, n - 1);
	return o >= not ? o + 1 : o;
}

/* Write one request topic/filter for user u into buf; returns its length.
 * nusers: users (or tenants for `pattern`) to draw "other" values from. */
static size_t gen_topic(bench_policy k, certacl_access a, rng *r, uint32_t u,
		uint32_t nusers, uint32_t ntenants, char *buf)
{
	unsigned v = rng_below(r, 4);
	int n = 0;
	switch(k){
	case POL_SPARKPLUG: {
		unsigned g = u / 100, m = other(r, nusers, u), gm = m / 100, d = rng_below(r, 50);
		if(a == CERTACL_WRITE){
			if(v == 0) n = snprintf(buf, TOPIC_MAX, "spBv1.0/G%u/NDATA/node%u", g, u);
			else if(v == 1) n = snprintf(buf, TOPIC_MAX, "spBv1.0/G%u/DDATA/node%u/dev%u", g, u, d);
			else if(v == 2) n = snprintf(buf, TOPIC_MAX, "spBv1.0/G%u/NCMD/node%u", g, u);
			else n = snprintf(buf, TOPIC_MAX, "spBv1.0/G%u/NDATA/node%u", gm, m);
		}else if(a == CERTACL_READ){
			if(v == 0) n = snprintf(buf, TOPIC_MAX, "spBv1.0/G%u/NCMD/node%u", g, u);
			else if(v == 1) n = snprintf(buf, TOPIC_MAX, "spBv1.0/G%u/DCMD/node%u/dev%u", g, u, d);
			else if(v == 2) n = snprintf(buf, TOPIC_MAX, "STATE/host%u", d);
			else n = snprintf(buf, TOPIC_MAX, "spBv1.0/G%u/NDATA/node%u", gm, m);
		}else{
			if(v == 0) n = snprintf(buf, TOPIC_MAX, "spBv1.0/G%u/NCMD/node%u/#", g, u);
			else if(v == 1) n = snprintf(buf, TOPIC_MAX, "spBv1.0/G%u/DCMD/node%u/+", g, u);
			else if(v == 2) n = snprintf(buf, TOPIC_MAX, "spBv1.0/STATE/+");
			else n = snprintf(buf, TOPIC_MAX, "spBv1.0/G%u/NDATA/+", gm);
		}
		break;
	}
	case POL_PATTERN: {
		unsigned t = rng_below(r, ntenants), o = other(r, PATTERN_USERS, u);
		if(a == CERTACL_WRITE){
			if(v == 0) n = snprintf(buf, TOPIC_MAX, "tenant%u/dev%u/telemetry/temp", t, u);
			else if(v == 1) n = snprintf(buf, TOPIC_MAX, "tenant%u/devices/dev%u/state", t, u);
			else if(v == 2) n = snprintf(buf, TOPIC_MAX, "tenant%u/dev%u/telemetry/secret", t, u);
			else n = snprintf(buf, TOPIC_MAX, "tenant%u/dev%u/telemetry/temp", t, o);
		}else if(a == CERTACL_READ){
			if(v == 0) n = snprintf(buf, TOPIC_MAX, "tenant%u/dev%u/cmd/reboot", t, u);
			else if(v == 1) n = snprintf(buf, TOPIC_MAX, "tenant%u/cdev%u/config", t, u);
			else if(v == 2) n = snprintf(buf, TOPIC_MAX, "tenant%u/devices/dev%u/state", t, u);
			else n = snprintf(buf, TOPIC_MAX, "tenant%u/devices/dev%u/state", t, o);
		}else{
			if(v == 0) n = snprintf(buf, TOPIC_MAX, "tenant%u/dev%u/cmd/+", t, u);
			else if(v == 1) n = snprintf(buf, TOPIC_MAX, "tenant%u/cdev%u/config", t, u);
			else if(v == 2) n = snprintf(buf, TOPIC_MAX, "tenant%u/dev%u/telemetry/secret", t, u);
			else n = snprintf(buf, TOPIC_MAX, "tenant%u/dev%u/cmd/#", t, o);
		}
		break;
	}
	default: {
		unsigned ar = u / 100, x = rng_below(r, 1000);
		if(a == CERTACL_WRITE){
			if(v == 0) n = snprintf(buf, TOPIC_MAX, "site/%u/u%u/data/x%u", ar, u, x);
			else if(v == 1) n = snprintf(buf, TOPIC_MAX, "site/%u/u%u/locked/door%u", ar, u, x);
			else if(v == 2) n = snprintf(buf, TOPIC_MAX, "log/u%u/app%u", u, x);
			else n = snprintf(buf, TOPIC_MAX, "log/u%u/audit", u);
		}else if(a == CERTACL_READ){
			if(v == 0) n = snprintf(buf, TOPIC_MAX, "site/%u/shared/news%u", ar, x);
			else if(v == 1) n = snprintf(buf, TOPIC_MAX, "site/%u/shared/u%u/private", ar, u);
			else if(v == 2) n = snprintf(buf, TOPIC_MAX, "site/%u/shared/x%u/secrets/k", ar, x);
			else n = snprintf(buf, TOPIC_MAX, "cfg/%u/name%u", ar, x);
		}else{
			if(v == 0) n = snprintf(buf, TOPIC_MAX, "site/%u/u%u/#", ar, u);
			else if(v == 1) n = snprintf(buf, TOPIC_MAX, "site/%u/u%u/admin/#", ar, u);
			else if(v == 2) n = snprintf(buf, TOPIC_MAX, "site/%u/shared/+", ar);
			else n = snprintf(buf, TOPIC_MAX, "cfg/%u/keys", ar);
		}
		break;
	}
	}
	return (size_t)n;
}

typedef struct reqset {
	breq *r;
	size_t n;
	char *topics;
	uint8_t *expect; /* certacl's answer per request (for the baselines) */
} reqset;

static void reqset_make(reqset *rs, size_t n, bench_policy k, certacl_access a,
		const subjects *sj, uint32_t nusers, uint32_t ntenants, uint64_t seed)
{
	rng r = { seed * 0x9E3779B97F4A7C15ULL + 12345 };
	rs->n = n;
	rs->r = xmalloc(n * sizeof(*rs->r));
	rs->topics = xmalloc(n * TOPIC_MAX);
	rs->expect = xmalloc(n);
	for(size_t i = 0; i < n; i++){
		uint32_t u = rng_below(&r, nusers);
		char *t = rs->topics + i * TOPIC_MAX;
		size_t len = gen_topic(k, a, &r, u, k == POL_PATTERN ? PATTERN_USERS : sj->n, ntenants, t);
		rs->r[i] = (breq){ .who = &sj->s[u], .user = u,
			.req = { .access = a, .topic = t, .topic_len = len, .qos = 0, .retain = false } };
	}
}

static void reqset_free(reqset *rs)
{
	free(rs->r);
	free(rs->topics);
	free(rs->expect);
}

/* ------------------------------------------------------------------ baselines */

typedef struct brule {
	const char *filter;
	const char *section_name;
	uint8_t section;
	uint8_t perms;
	bool deny;
	bool has_vars;
} brule;

typedef struct rulelist {
	brule *deny, *allow;
	size_t ndeny, nallow, cap_deny, cap_allow;
} rulelist;

static void rl_add(rulelist *l, const brule *r)
{
	brule **arr = r->deny ? &l->deny : &l->allow;
	size_t *n = r->deny ? &l->ndeny : &l->nallow;
	size_t *cap = r->deny ? &l->cap_deny : &l->cap_allow;
	if(*n == *cap){
		*cap = *cap ? *cap * 2 : 8;
		*arr = realloc(*arr, *cap * sizeof(brule));
		if(!*arr){
			fprintf(stderr, "out of memory\n");
			exit(1);
		}
	}
	(*arr)[(*n)++] = *r;
}

static void rl_free(rulelist *l)
{
	free(l->deny);
	free(l->allow);
}

typedef struct userent {
	const char *name;
	rulelist rules;
} userent;

typedef struct baseline {
	rulelist all;      /* linear: every rule */
	userent *users;    /* peruser: open addressing by name */
	size_t users_mask;
	rulelist anon, patterns;
	userent **of_subject; /* the subject's entry, looked up once ("at connect") */
} baseline;

static uint32_t str_hash(const char *s)
{
	uint32_t h = 2166136261u;
	for(; *s; s++){
		h ^= (unsigned char)*s;
		h *= 16777619u;
	}
	return h;
}

static userent *user_slot(baseline *b, const char *name, bool create)
{
	size_t i = str_hash(name) & b->users_mask;
	for(;;){
		userent *e = &b->users[i];
		if(!e->name){
			if(!create) return NULL;
			e->name = name;
			return e;
		}
		if(strcmp(e->name, name) == 0) return e;
		i = (i + 1) & b->users_mask;
	}
}

static void baseline_build(baseline *b, const certacl_policy *p, const subjects *sj)
{
	memset(b, 0, sizeof(*b));
	size_t n = policy_rule_count(p);
	size_t slots = 16;
	while(slots < n * 2) slots *= 2;
	b->users = xmalloc(slots * sizeof(userent));
	memset(b->users, 0, slots * sizeof(userent));
	b->users_mask = slots - 1;
	for(size_t i = 0; i < n; i++){
		const certacl_rule *r = policy_rule_at(p, i);
		brule br = { r->filter, r->section_name, r->section, r->perms, r->deny, r->has_vars };
		rl_add(&b->all, &br);
		if(r->section == CERTACL_SECTION_USER) rl_add(&user_slot(b, r->section_name, true)->rules, &br);
		else if(r->section == CERTACL_SECTION_ANON) rl_add(&b->anon, &br);
		else if(r->section == CERTACL_SECTION_PATTERN && !r->section_name) rl_add(&b->patterns, &br);
		/* group sections and their patterns: the generated policies have none */
	}
	b->of_subject = xmalloc(sj->n * sizeof(userent *));
	for(size_t i = 0; i < sj->n; i++){
		b->of_subject[i] = user_slot(b, sj->s[i].vars[CERTACL_VAR_USERNAME], false);
	}
}

static void baseline_free(baseline *b)
{
	rl_free(&b->all);
	for(size_t i = 0; i <= b->users_mask; i++) if(b->users[i].name) rl_free(&b->users[i].rules);
	free(b->users);
	rl_free(&b->anon);
	rl_free(&b->patterns);
	free(b->of_subject);
}

/* Substitute the placeholder levels of a pattern filter; false when a value is
 * unknown or unsafe (the rule grants nothing), as certacl does. */
static bool substitute(const char *f, const certacl_subject *who, char *out, size_t outsz)
{
	size_t o = 0;
	bool first = true;
	for(;;){
		size_t len = strcspn(f, "/");
		const char *val = f;
		size_t vlen = len;
		if(len >= 2 && f[0] == '%'){
			for(int v = 0; v < CERTACL_VAR_COUNT; v++){
				const char *name = certacl_var_name((certacl_var)v);
				if(strlen(name) == len && memcmp(name, f, len) == 0){
					val = who->vars[v];
					if(!val) return false;
					vlen = strlen(val);
					if(certacl_name_problem(val, vlen, true)) return false;
					if(first && val[0] == '$') return false;
					break;
				}
			}
		}
		if(o + vlen + 2 > outsz) return false;
		memcpy(out + o, val, vlen);
		o += vlen;
		if(f[len] != '/') break;
		out[o++] = '/';
		f += len + 1;
		first = false;
	}
	out[o] = '\0';
	return true;
}

static bool rule_matches(const brule *r, const certacl_subject *who, const certacl_request *req)
{
	char buf[512];
	const char *f = r->filter;
	if(r->section == CERTACL_SECTION_PATTERN && r->has_vars){
		if(!substitute(f, who, buf, sizeof(buf))) return false;
		f = buf;
	}
	if(req->access == CERTACL_SUBSCRIBE){
		return r->deny ? filter_covers(f, req->topic) : filter_overlaps(f, req->topic);
	}
	return topic_matches(f, req->topic);
}

static bool rule_applies(const brule *r, const certacl_subject *who)
{
	const char *u = who->vars[CERTACL_VAR_USERNAME];
	switch(r->section){
	case CERTACL_SECTION_PATTERN: return !r->section_name; /* a group's: no groups here */
	case CERTACL_SECTION_ANON: return !u || !u[0];
	case CERTACL_SECTION_USER: return u && u[0] && strcmp(r->section_name, u) == 0;
	default: return false;
	}
}

static unsigned need_of(const certacl_request *req)
{
	return req->access == CERTACL_WRITE ? CERTACL_WRITE : CERTACL_READ;
}

static bool linear_decide(const baseline *b, const breq *q)
{
	const rulelist *l = &b->all;
	for(size_t i = 0; i < l->ndeny; i++){
		if(rule_applies(&l->deny[i], q->who) && rule_matches(&l->deny[i], q->who, &q->req)) return false;
	}
	unsigned need = need_of(&q->req);
	for(size_t i = 0; i < l->nallow; i++){
		const brule *r = &l->allow[i];
		if((r->perms & need) && rule_applies(r, q->who) && rule_matches(r, q->who, &q->req)) return true;
	}
	return false;
}

static bool list_denies(const rulelist *l, const breq *q)
{
	for(size_t i = 0; i < l->ndeny; i++){
		if(rule_matches(&l->deny[i], q->who, &q->req)) return true;
	}
	return false;
}

static bool list_allows(const rulelist *l, const breq *q)
{
	unsigned need = need_of(&q->req);
	for(size_t i = 0; i < l->nallow; i++){
		if((l->allow[i].perms & need) && rule_matches(&l->allow[i], q->who, &q->req)) return true;
	}
	return false;
}

static bool peruser_decide(const baseline *b, const breq *q)
{
	const char *u = q->who->vars[CERTACL_VAR_USERNAME];
	const userent *ue = b->of_subject[q->user];
	const rulelist *own = (u && u[0]) ? (ue ? &ue->rules : NULL) : &b->anon;
	if(own && list_denies(own, q)) return false;
	if(list_denies(&b->patterns, q)) return false;
	if(own && list_allows(own, q)) return true;
	return list_allows(&b->patterns, q);
}

/* ------------------------------------------------------------------ timing */

#define BATCH 64

typedef struct result {
	double rate;       /* decisions per CPU second of this thread */
	double cpu_share;  /* thread CPU time / wall time of the run (< 0.9: disturbed) */
	double median_ns;  /* per decision, over batches */
	double p99_ns;
	double allowed;    /* fraction allowed */
	unsigned long decisions;
	unsigned long allocs;
	long heap_delta;   /* mallinfo2 in-use bytes after - before */
	unsigned long mismatches;
	unsigned long checked;
} result;

typedef enum { ENGINE_CERTACL, ENGINE_LINEAR, ENGINE_PERUSER } engine;

static double *g_times;

/* CPU time of this thread: the rate does not count time when another process
 * had the core (the machine is shared). */
static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
static size_t g_times_cap;

static inline bool decide_one(engine e, const certacl_policy *p, const baseline *b, const breq *q)
{
	if(e == ENGINE_CERTACL){
		certacl_decision d;
		acl_decide(p, q->who, &q->req, &d);
		return d.allowed;
	}
	return e == ENGINE_LINEAR ? linear_decide(b, q) : peruser_decide(b, q);
}

/* Run the set cyclically for at least min_s seconds (at most max_s for slow
 * baselines). batch: decisions per timed batch. */
static result measure(engine e, const certacl_policy *p, const baseline *b, const reqset *rs,
		double min_s, double max_s, size_t batch, bool check)
{
	result res = {0};
	uint64_t min_ns = (uint64_t)(min_s * 1e9), max_ns = (uint64_t)(max_s * 1e9);
	size_t nb = 0, i = 0;
	unsigned long allowed = 0, mism = 0, checked = 0;

	/* warm-up: a short run (does not make a cold set warm: it is far larger) */
	uint64_t w0 = bench_now_ns();
	for(size_t k = 0; k < rs->n && bench_now_ns() - w0 < 20000000u; k++){
		(void)decide_one(e, p, b, &rs->r[k]);
	}

	struct mallinfo2 mi0 = mallinfo2();
	unsigned long a0 = g_allocs;
	uint64_t cpu0 = thread_cpu_ns();
	uint64_t start = bench_now_ns(), t0 = start, t1 = start;
	for(;;){
		for(size_t k = 0; k < batch; k++){
			bool ok = decide_one(e, p, b, &rs->r[i]);
			allowed += ok;
			if(check){
				checked++;
				mism += ok != rs->expect[i];
			}
			if(++i == rs->n) i = 0;
		}
		t1 = bench_now_ns();
		if(nb < g_times_cap) g_times[nb++] = (double)(t1 - t0) / (double)batch;
		t0 = t1;
		if(t1 - start >= min_ns && (nb >= 16 || t1 - start >= max_ns)) break;
		if(t1 - start >= max_ns) break;
		if(nb == g_times_cap) break;
	}
	uint64_t cpu1 = thread_cpu_ns();
	unsigned long a1 = g_allocs;
	struct mallinfo2 mi1 = mallinfo2();

	res.decisions = (unsigned long)nb * batch;
	res.rate = (double)res.decisions / ((double)(cpu1 - cpu0) / 1e9);
	res.cpu_share = (double)(cpu1 - cpu0) / (double)(t1 - start);
	res.median_ns = bench_quantile(g_times, nb, 0.5);
	res.p99_ns = bench_quantile(g_times, nb, 0.99);
	res.allowed = (double)allowed / (double)res.decisions;
	res.allocs = a1 - a0;
	res.heap_delta = (long)mi1.uordblks - (long)mi0.uordblks;
	res.mismatches = mism;
	res.checked = checked;
	return res;
}

/* Cache-flushed latency: before each decision, write a buffer four times the
 * size of the last-level cache, then time that one decision. This is what a
 * decision costs when the broker's other work (TLS, sockets, other processes)
 * has evicted the policy between two checks: the number of cache lines a
 * decision touches times the memory latency. */
#define FLUSH_BYTES (32u << 20)
static unsigned char *g_flush;

static void flush_caches(void)
{
	for(size_t i = 0; i < FLUSH_BYTES; i += 64) g_flush[i]++;
}

static __attribute__((noinline)) int empty_call(const void *x)
{
	__asm__ volatile("" : : "r"(x) : "memory");
	return 0;
}

/* The floor of a flushed measurement: the same timing around an empty call. */
static double flushed_floor(size_t n)
{
	double *lat = xmalloc(n * sizeof(double));
	for(size_t i = 0; i < n; i++){
		flush_caches();
		uint64_t t0 = bench_now_ns();
		empty_call(lat);
		lat[i] = (double)(bench_now_ns() - t0);
	}
	double m = bench_quantile(lat, n, 0.5);
	free(lat);
	return m;
}

static void measure_flushed(const certacl_policy *p, const reqset *rs, size_t n, double *median,
		double *p99)
{
	double *lat = xmalloc(n * sizeof(double));
	for(size_t i = 0; i < n; i++){
		const breq *q = &rs->r[(i * 7919) % rs->n];
		certacl_decision d;
		flush_caches();
		uint64_t t0 = bench_now_ns();
		acl_decide(p, q->who, &q->req, &d);
		lat[i] = (double)(bench_now_ns() - t0);
	}
	*median = bench_quantile(lat, n, 0.5);
	*p99 = bench_quantile(lat, n, 0.99);
	free(lat);
}

/* ------------------------------------------------------------------ main */

#define MAX_SIZES 8

typedef struct summary_key {
	double rate[POL_COUNT][NACCESS][2][MAX_SIZES];
	double base[POL_COUNT][NACCESS][2][MAX_SIZES]; /* peruser, linear (cold set) */
	double flushed[POL_COUNT][NACCESS][MAX_SIZES]; /* median ns, cache flushed */
} summary_t;

static summary_t summary;

static size_t parse_list(const char *s, size_t *out, size_t max)
{
	size_t n = 0;
	while(*s && n < max){
		char *end;
		out[n++] = strtoull(s, &end, 10);
		if(*end == ',') end++;
		s = end;
	}
	return n;
}

static void usage(void)
{
	fprintf(stderr, "usage: bench_decide [--sizes 10,1000,100000,1000000] "
			"[--policies sparkplug,pattern,deny] [--time SECONDS] [--cold N] "
			"[--baseline-max RULES] [--no-baseline] [--flushed N]\n");
	exit(2);
}

static const char *fmt_rate(double r, char *buf)
{
	if(r >= 1e6) sprintf(buf, "%.2fM", r / 1e6);
	else if(r >= 1e3) sprintf(buf, "%.1fk", r / 1e3);
	else sprintf(buf, "%.1f", r);
	return buf;
}

static void print_row(const char *engine_name, const char *pol, size_t rules, const char *acc,
		const char *set, const result *r, const char *note)
{
	char rb[32];
	printf("%-8s %-9s %8zu %-9s %-4s %9s %9.0f %9.0f %7.1f%% %4.0f%% %6lu %7ld %6lu/%-7lu %s\n",
			engine_name, pol, rules, acc, set, fmt_rate(r->rate, rb), r->median_ns, r->p99_ns,
			r->allowed * 100, r->cpu_share * 100, r->allocs, r->heap_delta, r->mismatches,
			r->checked, note);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	size_t sizes[MAX_SIZES] = { 10, 1000, 100000, 1000000 };
	size_t nsizes = 4;
	bool pols[POL_COUNT] = { true, true, true };
	double min_s = 0.25;
	size_t ncold = 1u << 18;
	size_t baseline_max = 100000; /* linear scan up to this many rules */
	bool baselines = true;
	size_t nflushed = 300;

	for(int i = 1; i < argc; i++){
		if(strcmp(argv[i], "--sizes") == 0 && i + 1 < argc){
			nsizes = parse_list(argv[++i], sizes, MAX_SIZES);
		}else if(strcmp(argv[i], "--policies") == 0 && i + 1 < argc){
			memset(pols, 0, sizeof(pols));
			char *list = strdup(argv[++i]);
			for(char *t = strtok(list, ","); t; t = strtok(NULL, ",")){
				int k = bench_policy_parse(t);
				if(k < 0) usage();
				pols[k] = true;
			}
			free(list);
		}else if(strcmp(argv[i], "--time") == 0 && i + 1 < argc){
			min_s = atof(argv[++i]);
		}else if(strcmp(argv[i], "--cold") == 0 && i + 1 < argc){
			ncold = strtoull(argv[++i], NULL, 10);
		}else if(strcmp(argv[i], "--baseline-max") == 0 && i + 1 < argc){
			baseline_max = strtoull(argv[++i], NULL, 10);
		}else if(strcmp(argv[i], "--no-baseline") == 0){
			baselines = false;
		}else if(strcmp(argv[i], "--flushed") == 0 && i + 1 < argc){
			nflushed = strtoull(argv[++i], NULL, 10);
		}else{
			usage();
		}
	}
	if(nsizes == 0 || ncold < 64 || min_s <= 0) usage();

	g_times_cap = 1u << 22;
	g_times = xmalloc(g_times_cap * sizeof(double));
	g_flush = xmalloc(FLUSH_BYTES);
	memset(g_flush, 1, FLUSH_BYTES);

	printf("bench_decide: acl_decide() throughput and latency, one thread\n");
	printf("machine: %s\n", bench_machine());
	printf("cold set: %zu requests at random over the whole policy; warm set: 16 requests; "
			"%.2f s per figure; batches of %d\n", ncold, min_s, BATCH);
	{
		uint64_t t0 = bench_now_ns();
		for(int k = 0; k < 1000000; k++) (void)bench_now_ns();
		if(!BENCH_COUNT_ALLOCS) printf("allocation counting is off in a sanitizer build\n");
	printf("clock_gettime overhead: %.1f ns per call\n",
				(double)(bench_now_ns() - t0) / 1e6);
	}
	printf("\n%-8s %-9s %8s %-9s %-4s %9s %9s %9s %8s %5s %6s %7s %14s\n",
			"engine", "policy", "rules", "access", "set", "dec/s", "med_ns", "p99_ns",
			"allowed", "cpu", "allocs", "heap+", "mism/checked");

	for(int k = 0; k < POL_COUNT; k++){
		if(!pols[k]) continue;
		for(size_t si = 0; si < nsizes; si++){
			strbuf text = {0};
			size_t nrules = bench_policy_text((bench_policy)k, sizes[si], &text);
			certacl_error err;
			certacl_policy *p = policy_new();
			uint64_t t0 = bench_now_ns();
			if(!p || !policy_add_text(p, "bench", text.s, text.len, &err)
					|| !policy_finish(p, &err)){
				fprintf(stderr, "policy: %s\n", p ? err.text : "out of memory");
				return 1;
			}
			double load_s = (double)(bench_now_ns() - t0) / 1e9;
			sb_free(&text);

			size_t nusers = bench_policy_users((bench_policy)k, nrules);
			subjects sj;
			subjects_make(&sj, (bench_policy)k, k == POL_PATTERN ? PATTERN_USERS : nusers);
			uint32_t pop = (uint32_t)(k == POL_PATTERN ? PATTERN_USERS : nusers);
			uint32_t ntenants = (uint32_t)(k == POL_PATTERN ? nusers : 1);
			fprintf(stderr, "# %s %zu rules: built in %.2f s, %.1f MB (policy_memory)\n",
					bench_policy_name((bench_policy)k), nrules, load_s,
					(double)policy_memory(p) / 1048576.0);

			baseline bl;
			bool do_base = baselines;
			if(do_base) baseline_build(&bl, p, &sj);

			for(int a = 0; a < NACCESS; a++){
				for(int set = 0; set < 2; set++){
					reqset rs;
					if(set == 0){
						reqset_make(&rs, ncold, (bench_policy)k, accesses[a], &sj, pop, ntenants,
								(uint64_t)(k * 100 + a + 1));
					}else{
						reqset_make(&rs, 16, (bench_policy)k, accesses[a], &sj,
								pop < 2 ? pop : 2, 1, (uint64_t)(k * 100 + a + 50));
					}
					for(size_t q = 0; q < rs.n; q++){
						certacl_decision d;
						acl_decide(p, rs.r[q].who, &rs.r[q].req, &d);
						rs.expect[q] = d.allowed;
					}
					const char *acc = certacl_access_name(accesses[a]);
					const char *setname = set == 0 ? "cold" : "warm";
					result r = measure(ENGINE_CERTACL, p, NULL, &rs, min_s, min_s * 4, BATCH, false);
					print_row("certacl", bench_policy_name((bench_policy)k), nrules, acc, setname, &r,
							r.allocs ? "ALLOCATES" : "");
					summary.rate[k][a][set][si] = r.rate;
					if(set == 0 && nflushed > 0){
						double med, p99;
						measure_flushed(p, &rs, nflushed, &med, &p99);
						summary.flushed[k][a][si] = med;
						printf("%-8s %-9s %8zu %-9s %-4s %9s %9.0f %9.0f  (one decision after evicting "
								"the caches)\n", "certacl", bench_policy_name((bench_policy)k), nrules, acc,
								"flsh", "-", med, p99);
					}

					if(do_base && set == 0){
						/* Slow baselines: one decision per timed batch. */
						size_t per_user = k == POL_PATTERN ? nrules : 10;
						size_t bb = per_user >= 10000 ? 1 : BATCH;
						result rb = measure(ENGINE_PERUSER, p, &bl, &rs, min_s, min_s * 4, bb, true);
						print_row("peruser", bench_policy_name((bench_policy)k), nrules, acc, setname,
								&rb, "");
						summary.base[k][a][0][si] = rb.rate;
						if(nrules <= baseline_max){
							size_t lb = nrules >= 10000 ? 1 : BATCH;
							result rl = measure(ENGINE_LINEAR, p, &bl, &rs, min_s, min_s * 4, lb, true);
							print_row("linear", bench_policy_name((bench_policy)k), nrules, acc, setname,
									&rl, "");
							summary.base[k][a][1][si] = rl.rate;
						}
					}
					reqset_free(&rs);
				}
			}
			if(do_base) baseline_free(&bl);
			subjects_free(&sj);
			policy_free(p);
		}
	}

	/* Summary: how much throughput changes from the smallest to the largest
	 * policy, and certacl against the baselines. */
	printf("\nsummary: certacl decisions/s, smallest -> largest policy (ratio = smallest/largest; "
			"target < 2), and certacl / baseline on the cold set\n");
	printf("%-9s %-9s %-4s", "policy", "access", "set");
	for(size_t si = 0; si < nsizes; si++) printf(" %9zu", sizes[si]);
	printf(" %7s", "ratio");
	for(size_t si = 0; si < nsizes; si++) printf("  x/peru@%-7zu", sizes[si]);
	for(size_t si = 0; si < nsizes; si++) printf("  x/lin@%-8zu", sizes[si]);
	printf("\n");
	for(int k = 0; k < POL_COUNT; k++){
		if(!pols[k]) continue;
		for(int a = 0; a < NACCESS; a++){
			for(int set = 0; set < 2; set++){
				char rb[32];
				printf("%-9s %-9s %-4s", bench_policy_name((bench_policy)k),
						certacl_access_name(accesses[a]), set == 0 ? "cold" : "warm");
				for(size_t si = 0; si < nsizes; si++) printf(" %9s", fmt_rate(summary.rate[k][a][set][si], rb));
				double lo = summary.rate[k][a][set][nsizes - 1];
				printf(" %7.2f", lo > 0 ? summary.rate[k][a][set][0] / lo : 0);
				for(int which = 0; which < 2; which++){
					for(size_t si = 0; si < nsizes; si++){
						double bv = summary.base[k][a][which][si];
						if(set == 0 && bv > 0) printf("  %-14.1f", summary.rate[k][a][set][si] / bv);
						else printf("  %-14s", "-");
					}
				}
				printf("\n");
			}
		}
	}
	if(nflushed > 0){
		printf("\nsummary: median latency (ns) of one decision after evicting the caches "
				"(what a check costs when other work ran in between); floor (empty call, "
				"same timing) %.0f ns\n", flushed_floor(nflushed));
		printf("%-9s %-9s", "policy", "access");
		for(size_t si = 0; si < nsizes; si++) printf(" %9zu", sizes[si]);
		printf("\n");
		for(int k = 0; k < POL_COUNT; k++){
			if(!pols[k]) continue;
			for(int a = 0; a < NACCESS; a++){
				printf("%-9s %-9s", bench_policy_name((bench_policy)k), certacl_access_name(accesses[a]));
				for(size_t si = 0; si < nsizes; si++) printf(" %9.0f", summary.flushed[k][a][si]);
				printf("\n");
			}
		}
	}
	free(g_flush);
	free(g_times);
	return 0;
}
