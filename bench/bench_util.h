/* certacl benchmarks: small helpers shared by the bench programs (timing,
 * resident memory, a growable text buffer, a fast deterministic RNG). */
#ifndef CERTACL_BENCH_UTIL_H
#define CERTACL_BENCH_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t bench_now_ns(void);
/* Resident set size of this process from /proc/self/statm, in bytes. */
size_t bench_rss_bytes(void);
/* Peak resident set size (VmHWM from /proc/self/status), in bytes. */
size_t bench_peak_rss_bytes(void);

/* A growable, NUL-terminated text buffer. Exits on out-of-memory. */
typedef struct strbuf {
	char *s;
	size_t len, cap;
} strbuf;

void sb_appendf(strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_free(strbuf *b);

/* xorshift64*: deterministic and fast. */
typedef struct rng {
	uint64_t s;
} rng;

static inline uint64_t rng_next(rng *r)
{
	uint64_t x = r->s;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	r->s = x;
	return x * 0x2545F4914F6CDD1DULL;
}

/* Uniform in [0, n) (n > 0; the tiny modulo bias does not matter here). */
static inline uint32_t rng_below(rng *r, uint32_t n)
{
	return (uint32_t)((rng_next(r) >> 11) % n);
}

/* Sort v[0..n) ascending (in place) and return the value at quantile q (0..1). */
double bench_quantile(double *v, size_t n, double q);

/* Machine description for the report: "N cpus, MODEL". */
const char *bench_machine(void);

#endif
