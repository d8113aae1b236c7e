/* load_reload_clients: the client side of bench/load_reload.py. N MQTT v5 clients,
 * each over TLS with its own client certificate (CERTDIR/<id>.pem/.key, CA
 * CERTDIR/ca.pem), driven by one thread and one poll() loop through libmosquitto's
 * mosquitto_loop_read/write (no thread per client).
 *
 * Client i (id PREFIX%04d) subscribes QoS 1 to load/<id i>/in and publishes QoS 1 to
 * load/<id of client i+1 mod N>/in, payload "<i> <seq>", RATE messages a second,
 * spread evenly over all clients. Every PUBACK reason code and every delivery is
 * counted per client: at the end each message acknowledged with success must have
 * been received once (duplicates are counted apart) by its addressee.
 *
 * Protocol with the driver (stdout lines / stdin lines):
 *   connects and subscribes every client, then prints  READY ...
 *   waits for a line GO; publishes for --duration seconds, printing a TICK line every
 *   second; then waits (at most --drain s) for outstanding PUBACKs and deliveries;
 *   prints  DONE key=value ...  and up to 20  BAD ...  lines (clients with a problem);
 *   waits for a line QUIT (or end of input), disconnects and exits 0.
 * A client refused at CONNECT or failing before READY: ERROR ... and exit 1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <mosquitto.h>
#include <mqtt_protocol.h>

#define SLOTS 256 /* PUBACK mid -> seq map; inflight stays far below this */

typedef struct client {
	struct mosquitto *m;
	int idx;
	char id[32];
	char in_topic[64], out_topic[64];
	bool started, connected, subacked, sub_refused, failed, ever_connected;
	int connack_rc;
	int disconnects;
	unsigned long events;
	/* publishing */
	unsigned long seq;          /* messages published (mosquitto_publish ok) */
	unsigned long pub_errors;   /* mosquitto_publish failed */
	unsigned long acked_ok, acked_denied;
	int slot_mid[SLOTS];
	unsigned long slot_seq[SLOTS];
	unsigned char *acked;       /* seq -> 1 when PUBACK ok */
	/* receiving (from client idx-1) */
	unsigned long received, dups, foreign;
	unsigned char *seen;        /* seq -> 1 when received */
	size_t cap;                 /* size of acked/seen */
} client;

static struct {
	const char *host, *certdir, *prefix;
	int port, n, keepalive;
	double rate, duration, drain, timeout;
	int payload_pad;
} opt = {
	.host = "127.0.0.1", .certdir = "certs", .prefix = "lr", .port = 8883, .n = 2000,
	.keepalive = 60, .rate = 1.0, .duration = 60, .drain = 30, .timeout = 300, .payload_pad = 32,
};

static client *cl;
static bool quitting; /* the final DISCONNECTs: not failures */
static int g_connected, g_subacked;
static unsigned long g_pub, g_ok, g_denied, g_recv, g_disc;

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
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

static bool grow(client *c, unsigned long seq)
{
	if(seq < c->cap) return true;
	size_t ncap = c->cap ? c->cap : 64;
	while(ncap <= seq) ncap *= 2;
	unsigned char *a = realloc(c->acked, ncap), *s = realloc(c->seen, ncap);
	if(a) c->acked = a;
	if(s) c->seen = s;
	if(!a || !s) return false;
	memset(c->acked + c->cap, 0, ncap - c->cap);
	memset(c->seen + c->cap, 0, ncap - c->cap);
	c->cap = ncap;
	return true;
}

static void on_connect(struct mosquitto *m, void *obj, int rc, int flags, const mosquitto_property *p)
{
	client *c = obj;
	(void)m; (void)flags; (void)p;
	c->events++;
	c->connack_rc = rc;
	if(rc == 0){
		c->connected = true;
		c->ever_connected = true;
		g_connected++;
	}else{
		c->failed = true;
	}
}

static void on_disconnect(struct mosquitto *m, void *obj, int rc, const mosquitto_property *p)
{
	client *c = obj;
	(void)m; (void)p;
	c->events++;
	if(c->connected && !quitting){
		g_connected--;
		c->disconnects++;
		g_disc++;
		fprintf(stderr, "%s: disconnected (rc %d: %s)\n", c->id, rc, mosquitto_reason_string(rc));
	}
	c->connected = false;
	c->failed = true;
}

static void on_subscribe(struct mosquitto *m, void *obj, int mid, int n, const int *granted,
		const mosquitto_property *p)
{
	client *c = obj;
	(void)m; (void)mid; (void)p;
	c->events++;
	if(!c->subacked) g_subacked++;
	c->subacked = true;
	for(int i = 0; i < n; i++){
		if(granted[i] > 2) c->sub_refused = true;
	}
}

static void on_publish(struct mosquitto *m, void *obj, int mid, int reason, const mosquitto_property *p)
{
	client *c = obj;
	(void)m; (void)p;
	c->events++;
	int s = mid % SLOTS;
	if(c->slot_mid[s] != mid){
		fprintf(stderr, "%s: PUBACK for unknown mid %d\n", c->id, mid);
		return;
	}
	c->slot_mid[s] = -1;
	unsigned long seq = c->slot_seq[s];
	if(reason < 0x80){
		c->acked_ok++;
		g_ok++;
		if(grow(c, seq)) c->acked[seq] = 1;
	}else{
		c->acked_denied++;
		g_denied++;
		if(c->acked_denied <= 3) fprintf(stderr, "%s: PUBACK reason 0x%02x for seq %lu\n", c->id, reason, seq);
	}
}

static void on_message(struct mosquitto *m, void *obj, const struct mosquitto_message *msg,
		const mosquitto_property *p)
{
	client *c = obj;
	(void)m; (void)p;
	c->events++;
	int from = -1;
	unsigned long seq = 0;
	char buf[64];
	int len = msg->payloadlen < 63 ? msg->payloadlen : 63;
	memcpy(buf, msg->payload, (size_t)len);
	buf[len] = '\0';
	if(sscanf(buf, "%d %lu", &from, &seq) != 2 || from != (c->idx + opt.n - 1) % opt.n
			|| strcmp(msg->topic, c->in_topic) != 0){
		c->foreign++;
		return;
	}
	if(!grow(c, seq)) return;
	if(c->seen[seq]) c->dups++;
	else{
		c->seen[seq] = 1;
		c->received++;
		g_recv++;
	}
}

static void client_read(client *c)
{
	for(int i = 0; i < 256; i++){
		unsigned long before = c->events;
		int rc = mosquitto_loop_read(c->m, 1);
		if(rc != MOSQ_ERR_SUCCESS){
			if(c->connected){
				c->connected = false;
				g_connected--;
				c->disconnects++;
				g_disc++;
				fprintf(stderr, "%s: read: %s\n", c->id, mosquitto_strerror(rc));
			}
			c->failed = true;
			return;
		}
		if(c->events == before) return;
	}
}

static void loop_once(struct pollfd *fds, int timeout_ms)
{
	for(int i = 0; i < opt.n; i++){
		int s = mosquitto_socket(cl[i].m);
		fds[i].fd = cl[i].failed || !cl[i].started ? -1 : s;
		fds[i].events = POLLIN | (mosquitto_want_write(cl[i].m) ? POLLOUT : 0);
		fds[i].revents = 0;
	}
	int n = poll(fds, (nfds_t)opt.n, timeout_ms);
	if(n < 0){
		if(errno == EINTR) return;
		die("poll: %s", strerror(errno));
	}
	for(int i = 0; i < opt.n && n > 0; i++){
		if(!fds[i].revents) continue;
		n--;
		client *c = &cl[i];
		if(fds[i].revents & (POLLIN | POLLERR | POLLHUP)) client_read(c);
		if(!c->failed && (fds[i].revents & POLLOUT)){
			int rc = mosquitto_loop_write(c->m, 1);
			if(rc != MOSQ_ERR_SUCCESS){
				fprintf(stderr, "%s: write: %s\n", c->id, mosquitto_strerror(rc));
				if(c->connected){
					c->connected = false;
					g_connected--;
					c->disconnects++;
					g_disc++;
				}
				c->failed = true;
			}
		}
	}
}

/* TLS may hold decrypted bytes that poll() cannot see: read every client now and
 * then, and run the keepalive logic. */
static void sweep(bool misc)
{
	for(int i = 0; i < opt.n; i++){
		if(cl[i].failed || !cl[i].started) continue;
		client_read(&cl[i]);
		if(misc && !cl[i].failed) mosquitto_loop_misc(cl[i].m);
	}
}

static void publish_one(client *c)
{
	char payload[128];
	unsigned long seq = c->seq;
	int len = snprintf(payload, sizeof(payload), "%d %lu %.*s", c->idx, seq, opt.payload_pad,
			"................................................................");
	int mid = 0;
	int s;
	if(!grow(c, seq)) die("out of memory");
	int rc = mosquitto_publish_v5(c->m, &mid, c->out_topic, len, payload, 1, false, NULL);
	if(rc != MOSQ_ERR_SUCCESS){
		c->pub_errors++;
		return;
	}
	s = mid % SLOTS;
	if(c->slot_mid[s] != -1) fprintf(stderr, "%s: slot %d still in use (mid %d)\n", c->id, s, c->slot_mid[s]);
	c->slot_mid[s] = mid;
	c->slot_seq[s] = seq;
	c->seq++;
	g_pub++;
}

static unsigned long outstanding_acks(void)
{
	unsigned long n = 0;
	for(int i = 0; i < opt.n; i++){
		if(!cl[i].failed) n += cl[i].seq - cl[i].acked_ok - cl[i].acked_denied;
	}
	return n;
}

/* acknowledged-with-success messages of sender s that its addressee has not received */
static unsigned long missing_of(int s)
{
	client *snd = &cl[s], *rcv = &cl[(s + 1) % opt.n];
	unsigned long miss = 0;
	for(unsigned long q = 0; q < snd->seq && q < snd->cap; q++){
		if(snd->acked[q] && (q >= rcv->cap || !rcv->seen[q])) miss++;
	}
	return miss;
}

static void usage(void)
{
	fprintf(stderr, "usage: load_reload_clients --port P --certdir DIR [--host H] [--prefix lr]\n"
			"  [--clients N] [--rate MSGS_PER_CLIENT_PER_S] [--duration S] [--drain S]\n"
			"  [--timeout S] [--keepalive S]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	for(int i = 1; i < argc; i++){
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if(!v) usage();
		i++;
		if(!strcmp(a, "--host")) opt.host = v;
		else if(!strcmp(a, "--port")) opt.port = atoi(v);
		else if(!strcmp(a, "--certdir")) opt.certdir = v;
		else if(!strcmp(a, "--prefix")) opt.prefix = v;
		else if(!strcmp(a, "--clients")) opt.n = atoi(v);
		else if(!strcmp(a, "--rate")) opt.rate = atof(v);
		else if(!strcmp(a, "--duration")) opt.duration = atof(v);
		else if(!strcmp(a, "--drain")) opt.drain = atof(v);
		else if(!strcmp(a, "--timeout")) opt.timeout = atof(v);
		else if(!strcmp(a, "--keepalive")) opt.keepalive = atoi(v);
		else usage();
	}
	if(opt.n < 2 || opt.n > 100000 || opt.rate <= 0 || opt.duration <= 0 || opt.duration > 3600){
		usage();
	}
	struct rlimit rl;
	if(getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)opt.n + 64){
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
		getrlimit(RLIMIT_NOFILE, &rl);
		if(rl.rlim_cur < (rlim_t)opt.n + 64) die("RLIMIT_NOFILE %lu is too low for %d clients",
				(unsigned long)rl.rlim_cur, opt.n);
	}

	mosquitto_lib_init();
	cl = calloc((size_t)opt.n, sizeof(*cl));
	struct pollfd *fds = calloc((size_t)opt.n, sizeof(*fds));
	if(!cl || !fds) die("out of memory");
	char ca[4096], cert[4096], key[4096];
	snprintf(ca, sizeof(ca), "%s/ca.pem", opt.certdir);
	for(int i = 0; i < opt.n; i++){
		client *c = &cl[i];
		c->idx = i;
		snprintf(c->id, sizeof(c->id), "%s%04d", opt.prefix, i);
		snprintf(c->in_topic, sizeof(c->in_topic), "load/%s/in", c->id);
		snprintf(c->out_topic, sizeof(c->out_topic), "load/%s%04d/in", opt.prefix, (i + 1) % opt.n);
		for(int s = 0; s < SLOTS; s++) c->slot_mid[s] = -1;
		snprintf(cert, sizeof(cert), "%s/%s.pem", opt.certdir, c->id);
		snprintf(key, sizeof(key), "%s/%s.key", opt.certdir, c->id);
		c->m = mosquitto_new(c->id, true, c);
		if(!c->m) die("mosquitto_new failed");
		mosquitto_int_option(c->m, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5);
		int rc = mosquitto_tls_set(c->m, ca, NULL, cert, key, NULL);
		if(rc) die("tls_set %s: %s", c->id, mosquitto_strerror(rc));
		mosquitto_int_option(c->m, MOSQ_OPT_TCP_NODELAY, 1);
		mosquitto_connect_v5_callback_set(c->m, on_connect);
		mosquitto_disconnect_v5_callback_set(c->m, on_disconnect);
		mosquitto_subscribe_v5_callback_set(c->m, on_subscribe);
		mosquitto_message_v5_callback_set(c->m, on_message);
		mosquitto_publish_v5_callback_set(c->m, on_publish);
	}

	/* connect: a few TLS handshakes in flight at a time */
	double t0 = now_s(), deadline = t0 + opt.timeout, last_sweep = t0;
	int started = 0;
	while(g_connected < opt.n){
		while(started < opt.n && started - g_connected < 32){
			client *c = &cl[started++];
			c->started = true;
			int rc = mosquitto_connect(c->m, opt.host, opt.port, opt.keepalive);
			if(rc) die("connect %s: %s", c->id, mosquitto_strerror(rc));
		}
		loop_once(fds, 10);
		for(int i = 0; i < started; i++){
			if(cl[i].failed) die("client %s refused or failed at CONNECT (connack %d: %s)", cl[i].id,
					cl[i].connack_rc, mosquitto_reason_string(cl[i].connack_rc));
		}
		if(now_s() - last_sweep > 0.2){
			sweep(false);
			last_sweep = now_s();
		}
		if(now_s() > deadline) die("timeout: %d of %d clients connected", g_connected, opt.n);
	}
	double t_conn = now_s() - t0;
	for(int i = 0; i < opt.n; i++){
		int rc = mosquitto_subscribe_v5(cl[i].m, NULL, cl[i].in_topic, 1, 0, NULL);
		if(rc) die("subscribe %s: %s", cl[i].id, mosquitto_strerror(rc));
	}
	while(g_subacked < opt.n){
		loop_once(fds, 10);
		if(now_s() - last_sweep > 0.2){
			sweep(false);
			last_sweep = now_s();
		}
		if(g_disc) die("a client was disconnected while subscribing");
		if(now_s() > deadline) die("timeout waiting for SUBACKs (%d of %d)", g_subacked, opt.n);
	}
	for(int i = 0; i < opt.n; i++){
		if(cl[i].sub_refused) die("subscription of %s refused", cl[i].id);
	}
	printf("READY clients=%d connect_seconds=%.2f\n", opt.n, t_conn);
	fflush(stdout);

	char line[256];
	if(!fgets(line, sizeof(line), stdin) || strncmp(line, "GO", 2) != 0) die("expected GO");

	/* publish phase: message k goes out at t_start + k / (n * rate), from client k % n */
	double t_start = now_s(), t_end = t_start + opt.duration, last_tick = t_start, last_misc = t_start;
	unsigned long k = 0;
	for(;;){
		double t = now_s();
		if(t >= t_end) break;
		unsigned long target = (unsigned long)((t - t_start) * opt.n * opt.rate);
		for(; k < target; k++){
			client *c = &cl[k % (unsigned long)opt.n];
			if(!c->failed) publish_one(c);
		}
		loop_once(fds, 2);
		if(t - last_sweep > 0.1){
			sweep(t - last_misc > 1.0);
			if(t - last_misc > 1.0) last_misc = t;
			last_sweep = t;
		}
		if(t - last_tick >= 1.0){
			printf("TICK t=%.1f published=%lu acked_ok=%lu denied=%lu received=%lu connected=%d "
					"disconnects=%lu\n", t - t_start, g_pub, g_ok, g_denied, g_recv, g_connected, g_disc);
			fflush(stdout);
			last_tick = t;
		}
	}
	double t_pub_end = now_s();
	/* drain */
	while(now_s() - t_pub_end < opt.drain){
		if(outstanding_acks() == 0 && g_recv >= g_ok) break;
		loop_once(fds, 5);
		if(now_s() - last_sweep > 0.1){
			sweep(false);
			last_sweep = now_s();
		}
	}
	/* let late duplicates or stragglers arrive */
	double settle = now_s() + 0.5;
	while(now_s() < settle){
		loop_once(fds, 5);
		sweep(false);
	}

	unsigned long missing = 0, dups = 0, foreign = 0, pub_errors = 0, unacked = 0;
	int bad = 0, nbad_clients = 0;
	for(int i = 0; i < opt.n; i++){
		client *c = &cl[i];
		unsigned long miss = missing_of(i);
		unsigned long una = c->seq - c->acked_ok - c->acked_denied;
		missing += miss;
		dups += cl[(i + 1) % opt.n].dups;
		foreign += c->foreign;
		pub_errors += c->pub_errors;
		unacked += una;
		if(miss || una || c->acked_denied || c->disconnects || c->pub_errors || c->foreign){
			nbad_clients++;
			if(bad++ < 20){
				printf("BAD client=%s published=%lu acked_ok=%lu denied=%lu unacked=%lu missing_at_peer=%lu "
						"disconnects=%d pub_errors=%lu foreign=%lu\n", c->id, c->seq, c->acked_ok,
						c->acked_denied, una, miss, c->disconnects, c->pub_errors, c->foreign);
			}
		}
	}
	printf("DONE clients=%d published=%lu acked_ok=%lu denied=%lu unacked=%lu received=%lu "
			"missing=%lu duplicates=%lu foreign=%lu pub_errors=%lu disconnects=%lu bad_clients=%d "
			"still_connected=%d publish_seconds=%.2f drain_seconds=%.2f\n",
			opt.n, g_pub, g_ok, g_denied, unacked, g_recv, missing, dups, foreign, pub_errors, g_disc,
			nbad_clients, g_connected, t_pub_end - t_start, now_s() - t_pub_end);
	fflush(stdout);

	if(!fgets(line, sizeof(line), stdin)) line[0] = '\0';
	quitting = true;
	for(int i = 0; i < opt.n; i++) mosquitto_disconnect(cl[i].m);
	double stop = now_s() + 3;
	while(now_s() < stop){
		bool pending = false;
		for(int i = 0; i < opt.n; i++) pending |= !cl[i].failed && mosquitto_want_write(cl[i].m);
		if(!pending) break;
		loop_once(fds, 10);
	}
	for(int i = 0; i < opt.n; i++){
		mosquitto_destroy(cl[i].m);
		free(cl[i].acked);
		free(cl[i].seen);
	}
	mosquitto_lib_cleanup();
	free(fds);
	free(cl);
	return 0;
}
