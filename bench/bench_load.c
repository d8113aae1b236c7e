/* bench_load: how long a policy takes to load and how much memory it holds, for
 * 10k, 100k and 1M rules, and what a reload costs.
 *
 * For each size (Sparkplug-style policy, see bench_policies.h):
 *   text    policy_new + policy_add_text + policy_finish on text in memory;
 *   file    snapshot_build() with plugin_opt_acl_file pointing at the same text
 *           written to a file (what the plugin does at start and on SIGHUP:
 *           read the file, parse, build);
 *   reload  with that snapshot alive, build a second one from the same file
 *           (the plugin's on_reload), then free the first; RSS with both alive.
 * Memory: RSS delta (/proc/self/statm) across the build, and policy_memory().
 * Times: wall clock and CPU time of the process (user + system, so page faults
 * count); on a shared machine the CPU time is the steadier figure.
 * malloc_trim(0) runs after every free so that RSS deltas of a step do not
 * include memory freed by the previous one.
 * The pattern and deny policies are loaded from text too (one row each).
 *
 * Usage: bench_load [--sizes 10000,100000,1000000] [--dir DIR] [--repeat N]
 */
#define _GNU_SOURCE
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "certacl/config.h"
#include "certacl/policy.h"

#include "bench_policies.h"
#include "bench_util.h"

#define MB(x) ((double)(x) / 1048576.0)

static double secs_since(uint64_t t0)
{
	return (double)(bench_now_ns() - t0) / 1e9;
}

/* CPU time of this process (user + system, incl. page faults), in ns. */
static uint64_t cpu_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static double cpu_since(uint64_t c0)
{
	return (double)(cpu_ns() - c0) / 1e9;
}

static long rss_delta(size_t before)
{
	return (long)bench_rss_bytes() - (long)before;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return v[n / 2];
}

/* One load of a policy from text in memory: wall and CPU seconds, RSS growth
 * and policy_memory(). False (after printing why) if the text does not load. */
static bool load_text_once(const char *text, size_t len, double *wall, double *cpu,
		long *rss, size_t *mem)
{
	certacl_error err;
	malloc_trim(0);
	size_t r0 = bench_rss_bytes();
	uint64_t t0 = bench_now_ns(), c0 = cpu_ns();
	certacl_policy *p = policy_new();
	if(!p || !policy_add_text(p, "bench", text, len, &err) || !policy_finish(p, &err)){
		fprintf(stderr, "policy: %s\n", p ? err.text : "out of memory");
		policy_free(p);
		return false;
	}
	*wall = secs_since(t0);
	*cpu = cpu_since(c0);
	*rss = rss_delta(r0);
	*mem = policy_memory(p);
	policy_free(p);
	return true;
}

int main(int argc, char **argv)
{
	size_t sizes[8] = { 10000, 100000, 1000000 };
	size_t nsizes = 3;
	const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	int repeat = 3;

	for(int i = 1; i < argc; i++){
		if(strcmp(argv[i], "--sizes") == 0 && i + 1 < argc){
			nsizes = 0;
			for(char *s = argv[++i]; *s && nsizes < 8; ){
				char *end;
				sizes[nsizes++] = strtoull(s, &end, 10);
				s = *end == ',' ? end + 1 : end;
			}
		}else if(strcmp(argv[i], "--dir") == 0 && i + 1 < argc){
			dir = argv[++i];
		}else if(strcmp(argv[i], "--repeat") == 0 && i + 1 < argc){
			repeat = atoi(argv[++i]);
			if(repeat < 1 || repeat > 50) repeat = 3;
		}else{
			fprintf(stderr, "usage: bench_load [--sizes 10000,100000,1000000] [--dir DIR] [--repeat N]\n");
			return 2;
		}
	}

	printf("bench_load: policy load time, memory and reload (times: median of %d runs)\n", repeat);
	printf("machine: %s\n\n", bench_machine());
	printf("%-9s %8s %-7s %9s %9s %10s %11s %12s %s\n", "policy", "rules", "step", "wall_s",
			"cpu_s", "rss_MB", "policy_MB", "file_MB", "note");

	for(size_t si = 0; si < nsizes; si++){
		/* ---- sparkplug: text, file, reload ---- */
		strbuf text = {0};
		size_t nrules = bench_policy_text(POL_SPARKPLUG, sizes[si], &text);
		char path[4096];
		snprintf(path, sizeof(path), "%s/certacl-bench-load-%ld-%zu.acl", dir, (long)getpid(), nrules);
		FILE *f = fopen(path, "wb");
		if(!f || fwrite(text.s, 1, text.len, f) != text.len || fclose(f) != 0){
			fprintf(stderr, "cannot write %s\n", path);
			return 1;
		}
		double file_mb = MB(text.len);

		double t_text[50], t_file[50], t_reload[50], t_free[50];
		double c_text[50], c_file[50], c_reload[50], c_free[50];
		long rss_text = 0, rss_file = 0, rss_both = 0;
		size_t mem_text = 0, mem_file = 0;
		for(int rep = 0; rep < repeat; rep++){
			certacl_error err;
			if(!load_text_once(text.s, text.len, &t_text[rep], &c_text[rep], &rss_text, &mem_text)){
				return 1;
			}
			malloc_trim(0);

			certacl_opt_pair opt = { "acl_file", path };
			size_t r0 = bench_rss_bytes();
			uint64_t t0 = bench_now_ns(), c0 = cpu_ns();
			certacl_snapshot *a = snapshot_build(&opt, 1, "bench", &err);
			if(!a){
				fprintf(stderr, "snapshot: %s\n", err.text);
				return 1;
			}
			t_file[rep] = secs_since(t0);
			c_file[rep] = cpu_since(c0);
			rss_file = rss_delta(r0);
			mem_file = policy_memory(a->policy);

			/* reload: the new snapshot is built while the old one serves */
			t0 = bench_now_ns();
			c0 = cpu_ns();
			certacl_snapshot *b = snapshot_build(&opt, 1, "bench", &err);
			if(!b){
				fprintf(stderr, "snapshot: %s\n", err.text);
				return 1;
			}
			t_reload[rep] = secs_since(t0);
			c_reload[rep] = cpu_since(c0);
			rss_both = rss_delta(r0);
			t0 = bench_now_ns();
			c0 = cpu_ns();
			snapshot_free(a);
			t_free[rep] = secs_since(t0);
			c_free[rep] = cpu_since(c0);
			snapshot_free(b);
			malloc_trim(0);
		}
		printf("%-9s %8zu %-7s %9.3f %9.3f %10.1f %11.1f %12.1f %s\n", "sparkplug", nrules, "text",
				median(t_text, repeat), median(c_text, repeat), MB(rss_text), MB(mem_text), file_mb,
				"policy_add_text + policy_finish");
		printf("%-9s %8zu %-7s %9.3f %9.3f %10.1f %11.1f %12.1f %s\n", "sparkplug", nrules, "file",
				median(t_file, repeat), median(c_file, repeat), MB(rss_file), MB(mem_file), file_mb,
				"snapshot_build (read file + parse + build)");
		printf("%-9s %8zu %-7s %9.3f %9.3f %10.1f %11s %12s %s\n", "sparkplug", nrules, "reload",
				median(t_reload, repeat), median(c_reload, repeat), MB(rss_both), "", "",
				"2nd snapshot_build while the 1st is alive; rss = both alive");
		printf("%-9s %8zu %-7s %9.3f %9.3f %10s %11s %12s %s\n", "sparkplug", nrules, "free",
				median(t_free, repeat), median(c_free, repeat), "", "", "",
				"snapshot_free of the old snapshot");
		unlink(path);
		sb_free(&text);

		/* ---- the other policies, from text ---- */
		for(int k = POL_PATTERN; k < POL_COUNT; k++){
			strbuf t2 = {0};
			size_t n2 = bench_policy_text((bench_policy)k, sizes[si], &t2);
			double tt[50], ct[50];
			long rss2 = 0;
			size_t mem2 = 0;
			for(int rep = 0; rep < repeat; rep++){
				if(!load_text_once(t2.s, t2.len, &tt[rep], &ct[rep], &rss2, &mem2)) return 1;
			}
			printf("%-9s %8zu %-7s %9.3f %9.3f %10.1f %11.1f %12.1f %s\n", bench_policy_name((bench_policy)k),
					n2, "text", median(tt, repeat), median(ct, repeat), MB(rss2), MB(mem2), MB(t2.len),
					"policy_add_text + policy_finish");
			sb_free(&t2);
			malloc_trim(0);
		}
		fflush(stdout);
	}
	printf("\npeak RSS of this process: %.1f MB (includes the generated text)\n",
			MB(bench_peak_rss_bytes()));
	return 0;
}
