/* certacl benchmarks: generated policies (see bench_policies.h). */
#include <string.h>

#include "bench_policies.h"

static const char *const names[POL_COUNT] = { "sparkplug", "pattern", "deny" };

const char *bench_policy_name(bench_policy k)
{
	return (unsigned)k < POL_COUNT ? names[k] : "?";
}

int bench_policy_parse(const char *s)
{
	for(int k = 0; k < POL_COUNT; k++){
		if(strcmp(s, names[k]) == 0) return k;
	}
	return -1;
}

size_t bench_policy_users(bench_policy k, size_t nrules)
{
	size_t per = k == POL_PATTERN ? 5 : 10;
	size_t n = (nrules + per - 1) / per;
	return n ? n : 1;
}

static void sparkplug_user(strbuf *b, unsigned n)
{
	unsigned g = n / 100;
	sb_appendf(b,
		"user node%u\n"
		"topic write spBv1.0/G%u/NBIRTH/node%u\n"
		"topic write spBv1.0/G%u/NDATA/node%u\n"
		"topic write spBv1.0/G%u/NDEATH/node%u\n"
		"topic write spBv1.0/G%u/DBIRTH/node%u/+\n"
		"topic write spBv1.0/G%u/DDATA/node%u/+\n"
		"topic write spBv1.0/G%u/DDEATH/node%u/+\n"
		"topic read spBv1.0/G%u/NCMD/node%u\n"
		"topic read spBv1.0/G%u/DCMD/node%u/+\n"
		"topic read STATE/+\n"
		"topic read spBv1.0/STATE/+\n\n",
		n, g, n, g, n, g, n, g, n, g, n, g, n, g, n, g, n);
}

static void deny_user(strbuf *b, unsigned n)
{
	unsigned a = n / 100;
	sb_appendf(b,
		"user u%u\n"
		"topic readwrite site/%u/u%u/#\n"
		"topic deny site/%u/u%u/locked/+\n"
		"topic deny site/%u/u%u/admin/#\n"
		"topic read site/%u/shared/#\n"
		"topic deny site/%u/shared/u%u/private\n"
		"topic deny site/%u/shared/+/secrets/#\n"
		"topic write log/u%u/#\n"
		"topic deny log/u%u/audit\n"
		"topic read cfg/%u/+\n"
		"topic deny cfg/%u/keys\n\n",
		n, a, n, a, n, a, n, a, a, n, a, n, n, a, a);
}

static void pattern_rule(strbuf *b, size_t i)
{
	size_t k = i / 5;
	switch(i % 5){
	case 0: sb_appendf(b, "pattern write tenant%zu/%%u/telemetry/#\n", k); break;
	case 1: sb_appendf(b, "pattern read tenant%zu/%%u/cmd/+\n", k); break;
	case 2: sb_appendf(b, "pattern read tenant%zu/%%c/config\n", k); break;
	case 3: sb_appendf(b, "pattern readwrite tenant%zu/devices/%%{cn}/state\n", k); break;
	case 4: sb_appendf(b, "pattern deny tenant%zu/%%u/telemetry/secret\n", k); break;
	}
}

size_t bench_policy_text(bench_policy k, size_t nrules, strbuf *out)
{
	size_t users = bench_policy_users(k, nrules);
	switch(k){
	case POL_SPARKPLUG:
		for(size_t n = 0; n < users; n++) sparkplug_user(out, (unsigned)n);
		return users * 10;
	case POL_DENY:
		for(size_t n = 0; n < users; n++) deny_user(out, (unsigned)n);
		return users * 10;
	case POL_PATTERN:
		for(size_t i = 0; i < users * 5; i++) pattern_rule(out, i);
		return users * 5;
	case POL_COUNT:
		break;
	}
	return 0;
}
