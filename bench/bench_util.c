/* certacl benchmarks: helpers (see bench_util.h). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench_util.h"

uint64_t bench_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

size_t bench_rss_bytes(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	unsigned long size = 0, resident = 0;
	if(!f) return 0;
	if(fscanf(f, "%lu %lu", &size, &resident) != 2) resident = 0;
	fclose(f);
	return (size_t)resident * (size_t)sysconf(_SC_PAGESIZE);
}

size_t bench_peak_rss_bytes(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	size_t kb = 0;
	if(!f) return 0;
	while(fgets(line, sizeof(line), f)){
		if(strncmp(line, "VmHWM:", 6) == 0){
			kb = strtoull(line + 6, NULL, 10);
			break;
		}
	}
	fclose(f);
	return kb * 1024;
}

void sb_appendf(strbuf *b, const char *fmt, ...)
{
	va_list ap;
	for(;;){
		size_t room = b->cap - b->len;
		va_start(ap, fmt);
		int n = vsnprintf(b->s ? b->s + b->len : NULL, room, fmt, ap);
		va_end(ap);
		if(n < 0){
			fprintf(stderr, "vsnprintf failed\n");
			exit(1);
		}
		if((size_t)n < room){
			b->len += (size_t)n;
			return;
		}
		size_t ncap = b->cap ? b->cap * 2 : 1 << 16;
		while(ncap - b->len <= (size_t)n) ncap *= 2;
		char *ns = realloc(b->s, ncap);
		if(!ns){
			fprintf(stderr, "out of memory\n");
			exit(1);
		}
		b->s = ns;
		b->cap = ncap;
	}
}

void sb_free(strbuf *b)
{
	free(b->s);
	b->s = NULL;
	b->len = b->cap = 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

double bench_quantile(double *v, size_t n, double q)
{
	if(n == 0) return 0;
	qsort(v, n, sizeof(*v), cmp_double);
	size_t i = (size_t)(q * (double)(n - 1) + 0.5);
	if(i >= n) i = n - 1;
	return v[i];
}

const char *bench_machine(void)
{
	static char out[300];
	char model[200] = "?";
	char line[512];
	FILE *f = fopen("/proc/cpuinfo", "r");
	if(f){
		while(fgets(line, sizeof(line), f)){
			if(strncmp(line, "model name", 10) == 0){
				char *c = strchr(line, ':');
				if(c){
					c++;
					while(*c == ' ') c++;
					c[strcspn(c, "\n")] = '\0';
					snprintf(model, sizeof(model), "%s", c);
				}
				break;
			}
		}
		fclose(f);
	}
	snprintf(out, sizeof(out), "%ld cpus online, %s", sysconf(_SC_NPROCESSORS_ONLN), model);
	return out;
}
