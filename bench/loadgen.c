/* bench_loadgen: the load generator of bench/broker_bench.py. Many MQTT clients,
 * each over TLS with its own client certificate, driven by one thread and one
 * poll() loop through libmosquitto's mosquitto_loop_read/write (no thread per
 * client: the generator then needs about as much CPU as the broker it loads,
 * both being dominated by TLS records and socket system calls).
 *
 * Protocol with the driver (stdout lines / stdin lines):
 *   connects every client, subscribes, then prints  READY ...
 *   waits for a line GO, publishes for --duration seconds (at most --window
 *   expected deliveries outstanding; with --rate R, R messages a second in
 *   total, else as fast as the window allows), waits for the outstanding
 *   deliveries, then
 *   prints  DONE published=N expected=N delivered=N elapsed=S ...
 *   waits for a line QUIT (or end of input), disconnects and exits 0.
 * Any failure prints  ERROR text  and exits 1.
 *
 * Clients: publishers PUBPREFIX000.. (edge nodes) publish Sparkplug topics
 * spBv1.0/GROUP/DDATA/<node>/dev<K> (and NDATA every 32nd message);
 * subscribers SUBPREFIX000.. subscribe, in --mode one, to
 * spBv1.0/GROUP/+/<node i>/# (each message goes to one subscriber) or, in
 * --mode fanout, to spBv1.0/# (each message goes to every subscriber).
 * Certificates: CERTDIR/<client id>.pem and .key, CA CERTDIR/ca.pem.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <mosquitto.h>

typedef struct client {
	struct mosquitto *m;
	char id[64];
	bool is_pub;
	bool connected;
	int connack_rc;
	bool subacked;
	bool sub_refused;
	bool failed;
	unsigned long events;   /* callbacks seen: progress of a read */
	unsigned long received; /* messages delivered to this subscriber */
	unsigned long acked;    /* PUBACKs received by this publisher (QoS 1) */
	unsigned long seq;      /* messages published by this publisher */
} client;

static struct {
	const char *host;
	int port;
	const char *certdir;
	int npubs, nsubs;
	const char *pub_prefix, *sub_prefix, *group;
	int qos;
	bool fanout;
	double duration;
	unsigned long window;
	int payload_len;
	int devices;
	double timeout;
	int nodelay;
	double rate;
} opt = {
	.host = "127.0.0.1", .port = 8883, .certdir = "certs", .npubs = 100, .nsubs = 100,
	.pub_prefix = "node", .sub_prefix = "host", .group = "G", .qos = 0, .fanout = false,
	.duration = 5, .window = 5000, .payload_len = 64, .devices = 31, .timeout = 60, .nodelay = 1, .rate = 0,
};

static client *clients;
static int nclients;
static unsigned long g_delivered, g_acked;

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_s(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6
		+ (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;
	printf("ERROR ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	exit(1);
}

static void on_connect(struct mosquitto *m, void *obj, int rc)
{
	client *c = obj;
	(void)m;
	c->events++;
	c->connack_rc = rc;
	if(rc == 0) c->connected = true;
	else c->failed = true;
}

static void on_disconnect(struct mosquitto *m, void *obj, int rc)
{
	client *c = obj;
	(void)m;
	c->events++;
	c->connected = false;
	if(rc != 0) c->failed = true;
}

static void on_subscribe(struct mosquitto *m, void *obj, int mid, int n, const int *granted)
{
	client *c = obj;
	(void)m;
	(void)mid;
	c->events++;
	c->subacked = true;
	for(int i = 0; i < n; i++){
		if(granted[i] > 2) c->sub_refused = true;
	}
}

static void on_message(struct mosquitto *m, void *obj, const struct mosquitto_message *msg)
{
	client *c = obj;
	(void)m;
	(void)msg;
	c->events++;
	c->received++;
	g_delivered++;
}

static void on_publish(struct mosquitto *m, void *obj, int mid)
{
	client *c = obj;
	(void)m;
	(void)mid;
	c->events++;
	if(opt.qos > 0){
		c->acked++;
		g_acked++;
	}
}

/* Read everything available on a client: libmosquitto reads about one packet
 * per call, so call again while callbacks show progress. */
static void client_read(client *c)
{
	for(int i = 0; i < 512; i++){
		unsigned long before = c->events;
		int rc = mosquitto_loop_read(c->m, 1);
		if(rc != MOSQ_ERR_SUCCESS){
			if(!c->failed) fprintf(stderr, "%s: read: %s\n", c->id, mosquitto_strerror(rc));
			c->failed = true;
			return;
		}
		if(c->events == before) return;
	}
}

/* One round of the event loop: poll every socket for at most timeout_ms. */
static void loop_once(struct pollfd *fds, int timeout_ms)
{
	for(int i = 0; i < nclients; i++){
		int s = mosquitto_socket(clients[i].m);
		fds[i].fd = clients[i].failed ? -1 : s;
		fds[i].events = POLLIN | (mosquitto_want_write(clients[i].m) ? POLLOUT : 0);
		fds[i].revents = 0;
	}
	int n = poll(fds, (nfds_t)nclients, timeout_ms);
	if(n < 0){
		if(errno == EINTR) return;
		die("poll: %s", strerror(errno));
	}
	for(int i = 0; i < nclients && n > 0; i++){
		if(!fds[i].revents) continue;
		n--;
		client *c = &clients[i];
		if(fds[i].revents & (POLLIN | POLLERR | POLLHUP)) client_read(c);
		if(!c->failed && (fds[i].revents & POLLOUT)){
			int rc = mosquitto_loop_write(c->m, 1);
			if(rc != MOSQ_ERR_SUCCESS){
				fprintf(stderr, "%s: write: %s\n", c->id, mosquitto_strerror(rc));
				c->failed = true;
			}
		}
	}
}

static void misc_all(void)
{
	for(int i = 0; i < nclients; i++){
		if(!clients[i].failed) mosquitto_loop_misc(clients[i].m);
	}
}

static int count(bool (*pred)(const client *))
{
	int n = 0;
	for(int i = 0; i < nclients; i++) n += pred(&clients[i]);
	return n;
}

static bool is_connected(const client *c) { return c->connected; }
static bool is_failed(const client *c) { return c->failed; }
static bool is_subacked(const client *c) { return c->is_pub || c->subacked; }

static void first_failure(char *out, size_t outsz)
{
	for(int i = 0; i < nclients; i++){
		if(clients[i].failed){
			snprintf(out, outsz, "%s (connack %d: %s)", clients[i].id, clients[i].connack_rc,
					mosquitto_connack_string(clients[i].connack_rc));
			return;
		}
	}
	snprintf(out, outsz, "-");
}

static void usage(void)
{
	fprintf(stderr, "usage: bench_loadgen --port P --certdir DIR [--host H] [--pubs N] [--subs N]\n"
			"  [--pub-prefix node] [--sub-prefix host] [--group G] [--qos 0|1]\n"
			"  [--mode one|fanout] [--duration S] [--window N] [--payload BYTES]\n"
			"  [--devices N] [--timeout S] [--nodelay 1|0] [--rate MSGS_PER_S]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	for(int i = 1; i < argc; i++){
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if(!v) usage();
		i++;
		if(!strcmp(a, "--host")) opt.host = v;
		else if(!strcmp(a, "--port")) opt.port = atoi(v);
		else if(!strcmp(a, "--certdir")) opt.certdir = v;
		else if(!strcmp(a, "--pubs")) opt.npubs = atoi(v);
		else if(!strcmp(a, "--subs")) opt.nsubs = atoi(v);
		else if(!strcmp(a, "--pub-prefix")) opt.pub_prefix = v;
		else if(!strcmp(a, "--sub-prefix")) opt.sub_prefix = v;
		else if(!strcmp(a, "--group")) opt.group = v;
		else if(!strcmp(a, "--qos")) opt.qos = atoi(v);
		else if(!strcmp(a, "--mode")) opt.fanout = !strcmp(v, "fanout");
		else if(!strcmp(a, "--duration")) opt.duration = atof(v);
		else if(!strcmp(a, "--window")) opt.window = strtoul(v, NULL, 10);
		else if(!strcmp(a, "--payload")) opt.payload_len = atoi(v);
		else if(!strcmp(a, "--devices")) opt.devices = atoi(v);
		else if(!strcmp(a, "--timeout")) opt.timeout = atof(v);
		else if(!strcmp(a, "--nodelay")) opt.nodelay = atoi(v);
		else if(!strcmp(a, "--rate")) opt.rate = atof(v);
		else usage();
	}
	if(opt.npubs < 1 || opt.nsubs < 0 || opt.npubs > 1000 || opt.nsubs > 1000
			|| opt.qos < 0 || opt.qos > 1 || opt.duration <= 0 || opt.duration > 600
			|| opt.window < 1 || opt.payload_len < 0 || opt.payload_len > 65536
			|| opt.devices < 1 || opt.rate < 0){
		usage();
	}
	unsigned long per_msg = opt.fanout ? (unsigned long)opt.nsubs : 1;
	if(opt.nsubs == 0) per_msg = 0;
	if(!opt.fanout && opt.nsubs > 0 && opt.nsubs != opt.npubs){
		die("--mode one needs as many subscribers as publishers");
	}

	mosquitto_lib_init();
	nclients = opt.npubs + opt.nsubs;
	clients = calloc((size_t)nclients, sizeof(*clients));
	struct pollfd *fds = calloc((size_t)nclients, sizeof(*fds));
	if(!clients || !fds) die("out of memory");

	char ca[4096], cert[4096], key[4096];
	snprintf(ca, sizeof(ca), "%s/ca.pem", opt.certdir);
	/* subscribers first, so that they are ready before anything is published */
	for(int i = 0; i < nclients; i++){
		client *c = &clients[i];
		c->is_pub = i >= opt.nsubs;
		int idx = c->is_pub ? i - opt.nsubs : i;
		snprintf(c->id, sizeof(c->id), "%s%03d", c->is_pub ? opt.pub_prefix : opt.sub_prefix, idx);
		snprintf(cert, sizeof(cert), "%s/%s.pem", opt.certdir, c->id);
		snprintf(key, sizeof(key), "%s/%s.key", opt.certdir, c->id);
		c->m = mosquitto_new(c->id, true, c);
		if(!c->m) die("mosquitto_new failed");
		int rc = mosquitto_tls_set(c->m, ca, NULL, cert, key, NULL);
		if(rc) die("tls_set %s: %s", c->id, mosquitto_strerror(rc));
		mosquitto_max_inflight_messages_set(c->m, 0); /* the window limits instead */
		mosquitto_int_option(c->m, MOSQ_OPT_TCP_NODELAY, opt.nodelay);
		mosquitto_connect_callback_set(c->m, on_connect);
		mosquitto_disconnect_callback_set(c->m, on_disconnect);
		mosquitto_subscribe_callback_set(c->m, on_subscribe);
		mosquitto_message_callback_set(c->m, on_message);
		mosquitto_publish_callback_set(c->m, on_publish);
	}

	/* connect (TCP + TLS handshake + CONNECT/CONNACK), a few at a time */
	double deadline = now_s() + opt.timeout;
	int started = 0;
	while(count(is_connected) < nclients){
		while(started < nclients && started - count(is_connected) < 16){
			client *c = &clients[started++];
			int rc = mosquitto_connect(c->m, opt.host, opt.port, 60);
			if(rc) die("connect %s: %s", c->id, mosquitto_strerror(rc));
		}
		loop_once(fds, 10);
		if(count(is_failed)){
			char f[200];
			first_failure(f, sizeof(f));
			die("connect refused or failed: %s", f);
		}
		if(now_s() > deadline) die("timeout: %d of %d clients connected", count(is_connected), nclients);
	}

	/* subscribe */
	for(int i = 0; i < opt.nsubs; i++){
		char filter[256];
		if(opt.fanout) snprintf(filter, sizeof(filter), "spBv1.0/#");
		else snprintf(filter, sizeof(filter), "spBv1.0/%s/+/%s%03d/#", opt.group, opt.pub_prefix, i);
		int rc = mosquitto_subscribe(clients[i].m, NULL, filter, opt.qos);
		if(rc) die("subscribe %s: %s", clients[i].id, mosquitto_strerror(rc));
	}
	while(count(is_subacked) < nclients){
		loop_once(fds, 10);
		if(count(is_failed)) die("a client failed while subscribing");
		if(now_s() > deadline) die("timeout waiting for SUBACKs");
	}
	for(int i = 0; i < opt.nsubs; i++){
		if(clients[i].sub_refused) die("subscription of %s refused", clients[i].id);
	}
	printf("READY clients=%d pubs=%d subs=%d qos=%d mode=%s\n", nclients, opt.npubs, opt.nsubs,
			opt.qos, opt.fanout ? "fanout" : "one");
	fflush(stdout);

	char line[256];
	if(!fgets(line, sizeof(line), stdin) || strncmp(line, "GO", 2) != 0) die("expected GO");

	/* measured phase */
	char *payload = malloc((size_t)opt.payload_len + 1);
	for(int i = 0; i < opt.payload_len; i++) payload[i] = (char)('a' + i % 26);
	unsigned long published = 0, pub_errors = 0;
	double c0 = cpu_s(), t0 = now_s(), end = t0 + opt.duration, last_misc = t0;
	int next = 0;
	char topic[256];
	for(;;){
		double t = now_s();
		if(t >= end) break;
		/* publish while the window (and the rate, if paced) allows, one message
		 * per publisher in turn */
		unsigned long due = opt.rate > 0 ? (unsigned long)((t - t0) * opt.rate) + 1 : ULONG_MAX;
		for(int b = 0; b < 4 * opt.npubs && published < due; b++){
			if(published * per_msg - g_delivered + per_msg > opt.window && per_msg) break;
			client *c = &clients[opt.nsubs + next];
			next = (next + 1) % opt.npubs;
			if(c->failed) continue;
			unsigned long s = c->seq++;
			if(s % 32 == 0){
				snprintf(topic, sizeof(topic), "spBv1.0/%s/NDATA/%s", opt.group, c->id);
			}else{
				snprintf(topic, sizeof(topic), "spBv1.0/%s/DDATA/%s/dev%lu", opt.group, c->id,
						s % (unsigned long)opt.devices);
			}
			int rc = mosquitto_publish(c->m, NULL, topic, opt.payload_len, payload, opt.qos, false);
			if(rc) pub_errors++;
			else published++;
		}
		loop_once(fds, 1);
		if(t - last_misc > 1.0){
			misc_all();
			last_misc = t;
		}
		if(count(is_failed)) die("a client failed during the run");
	}
	double t_pub_end = now_s();
	/* drain: wait for what is outstanding (QoS 0 may be dropped: stop when
	 * nothing arrives for 0.5 s) */
	unsigned long expected = published * per_msg;
	double last_progress = now_s();
	unsigned long last_seen = g_delivered + g_acked;
	while(g_delivered < expected || (opt.qos > 0 && g_acked < published)){
		loop_once(fds, 5);
		double t = now_s();
		if(g_delivered + g_acked != last_seen){
			last_seen = g_delivered + g_acked;
			last_progress = t;
		}
		if(t - last_progress > 0.5 || t - t_pub_end > 30) break;
	}
	double elapsed = now_s() - t0, cpu = cpu_s() - c0;
	printf("DONE published=%lu expected=%lu delivered=%lu acked=%lu pub_errors=%lu "
			"elapsed=%.4f publish_time=%.4f loadgen_cpu=%.4f\n",
			published, expected, g_delivered, g_acked, pub_errors, elapsed, t_pub_end - t0, cpu);
	fflush(stdout);

	if(!fgets(line, sizeof(line), stdin)) line[0] = '\0';
	for(int i = 0; i < nclients; i++) mosquitto_disconnect(clients[i].m);
	double stop = now_s() + 2;
	while(now_s() < stop){
		bool pending = false;
		for(int i = 0; i < nclients; i++) pending |= !clients[i].failed && mosquitto_want_write(clients[i].m);
		if(!pending) break;
		loop_once(fds, 10);
	}
	for(int i = 0; i < nclients; i++) mosquitto_destroy(clients[i].m);
	mosquitto_lib_cleanup();
	free(payload);
	free(fds);
	free(clients);
	return 0;
}
