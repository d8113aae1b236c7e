/* bench_owners: what keeping the owners of offline persistent sessions costs
 * (plugin_opt_clientid owned; plugin/core/clients.c, owners.c).
 *
 * For each size N (Sparkplug-style ids "G007-node012345", usernames
 * "node012345", 1 session per user):
 *   memory      RSS growth per offline session: kept (the owner stays) and,
 *               as the baseline in the same run, plain (session ended);
 *   disconnect  time per conns_connect + conns_disconnect: kept vs plain;
 *   save        owners_save of the N owners (what TICK does at most every
 *               10 s when an owner changed, and shutdown), against the
 *               baseline of writing the same bytes with fwrite + fsync;
 *   load        owners_load of that file (broker start).
 * malloc_trim(0) runs after every free so that RSS deltas do not include
 * memory freed by the previous step.
 *
 * Usage: bench_owners [--sizes 10000,100000,1000000] [--dir DIR]
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "certacl/clients.h"
#include "certacl/owners.h"

#include "bench_util.h"

typedef struct fill_result {
	double seconds;
	size_t rss_bytes;
} fill_result;

/* N clients connect and leave, their sessions kept or not. */
static fill_result fill(certacl_conns *c, size_t n, bool kept)
{
	char id[32], user[32];
	static int handle;
	size_t rss0 = bench_rss_bytes();
	uint64_t t0 = bench_now_ns();
	for(size_t i = 0; i < n; i++){
		snprintf(id, sizeof(id), "G%03zu-node%06zu", i % 1000, i);
		snprintf(user, sizeof(user), "node%06zu", i);
		if(!conns_connect(c, id, &handle, user, NULL, 0, NULL)){
			fprintf(stderr, "out of memory\n");
			exit(1);
		}
		conns_disconnect(c, id, &handle, kept, 1733300000 + (int64_t)i);
	}
	fill_result r = { (double)(bench_now_ns() - t0) / 1e9, bench_rss_bytes() - rss0 };
	return r;
}

/* Baseline: write `path`'s bytes to another file with fwrite + fsync. */
static double raw_write_seconds(const char *path, const char *dir)
{
	char out[4096];
	struct stat st;
	if(stat(path, &st) != 0) return 0;
	char *buf = malloc((size_t)st.st_size + 1);
	FILE *in = fopen(path, "rb");
	size_t got = in && buf ? fread(buf, 1, (size_t)st.st_size, in) : 0;
	if(in) fclose(in);
	snprintf(out, sizeof(out), "%s/raw.tmp", dir);
	uint64_t t0 = bench_now_ns();
	FILE *f = fopen(out, "wb");
	if(!f || fwrite(buf, 1, got, f) != got || fflush(f) != 0 || fsync(fileno(f)) != 0){
		fprintf(stderr, "cannot write %s\n", out);
		exit(1);
	}
	fclose(f);
	double s = (double)(bench_now_ns() - t0) / 1e9;
	unlink(out);
	free(buf);
	return s;
}

static void run(size_t n, const char *dir)
{
	char path[4096];
	size_t saved, too_long, loaded;
	certacl_error err;
	snprintf(path, sizeof(path), "%s/owners", dir);

	certacl_conns *plain = conns_new(n);
	fill_result p = fill(plain, n, false);
	conns_free(plain);
	malloc_trim(0);

	certacl_conns *c = conns_new(n);
	conns_set_owner_bounds(c, n, 1000);
	fill_result k = fill(c, n, true);
	uint64_t t0 = bench_now_ns();
	if(!owners_save(c, path, &saved, &too_long, &err)){
		fprintf(stderr, "%s\n", err.text);
		exit(1);
	}
	double save_s = (double)(bench_now_ns() - t0) / 1e9;
	conns_free(c);
	malloc_trim(0);
	double raw_s = raw_write_seconds(path, dir);
	struct stat st;
	stat(path, &st);

	c = conns_new(n);
	conns_set_owner_bounds(c, n, 1000);
	t0 = bench_now_ns();
	if(!owners_load(c, path, &loaded, &err) || loaded != n){
		fprintf(stderr, "load: %s (%zu of %zu)\n", err.text, loaded, n);
		exit(1);
	}
	double load_s = (double)(bench_now_ns() - t0) / 1e9;
	conns_free(c);
	malloc_trim(0);
	unlink(path);

	printf("%9zu | %6.0f B | %6.0f B | %6.2f | %6.0f ns | %6.0f ns | %5.2f | %8.1f ms | %7.1f ms | %5.1f | %8.1f ms | %6.1f MB\n",
			n, (double)k.rss_bytes / (double)n, (double)p.rss_bytes / (double)n,
			(double)k.rss_bytes / (double)(p.rss_bytes ? p.rss_bytes : 1),
			k.seconds * 1e9 / (double)n, p.seconds * 1e9 / (double)n,
			k.seconds / (p.seconds > 0 ? p.seconds : 1e-9),
			save_s * 1e3, raw_s * 1e3, save_s / (raw_s > 0 ? raw_s : 1e-9),
			load_s * 1e3, (double)st.st_size / 1048576.0);
}

int main(int argc, char **argv)
{
	const char *sizes = "10000,100000,1000000";
	const char *dir = NULL;
	char tmpl[] = "/tmp/bench-owners-XXXXXX";
	for(int i = 1; i + 1 < argc; i += 2){
		if(strcmp(argv[i], "--sizes") == 0) sizes = argv[i + 1];
		else if(strcmp(argv[i], "--dir") == 0) dir = argv[i + 1];
		else{
			fprintf(stderr, "usage: bench_owners [--sizes N,N,...] [--dir DIR]\n");
			return 2;
		}
	}
	bool made = !dir;
	if(!dir && !(dir = mkdtemp(tmpl))){
		perror("mkdtemp");
		return 1;
	}
	printf("bench_owners: %s\n", bench_machine());
	printf("        N | kept/own | plain/own | ratio | kept disc | plain disc | ratio | save | raw write | ratio | load | file\n");
	for(const char *s = sizes; *s; ){
		size_t n = strtoul(s, NULL, 10);
		if(n) run(n, dir);
		s = strchr(s, ',');
		if(!s) break;
		s++;
	}
	if(made) rmdir(dir);
	return 0;
}
