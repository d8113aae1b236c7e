/* certacl ctl: talk to a running broker's certacl over its admin API
 * ($CONTROL/certacl/v1) with a client certificate, over MQTT v5 and TLS
 * (libmosquitto, options like mosquitto_sub's). One request, one answer,
 * printed as text or, with --json, as it came. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mosquitto.h>

#include "cli_args.h"
#include "commands.h"

#define CTL_TOPIC "$CONTROL/certacl/v1"
#define CTL_RESPONSE CTL_TOPIC "/response"
/* MQTT v5 "not authorized" (mqtt_protocol.h moved in 2.1: not included) */
#define RC_NOT_AUTHORIZED 0x87

static const char ctl_help[] =
"Usage: certacl ctl [CONNECTION OPTIONS] COMMAND [COMMAND OPTIONS]\n"
"\n"
"Ask a running broker's certacl, over MQTT with a client certificate whose user may\n"
"write $CONTROL/certacl/# (an ACL rule such as 'topic readwrite $CONTROL/certacl/#').\n"
"\n"
"Connection (as mosquitto_sub's):\n"
"  -h HOST  -p PORT (8883)  --cafile FILE  --capath DIR  --cert FILE  --key FILE\n"
"  -i CLIENT_ID  --timeout SECONDS (10)  --json (print the answer as it came)\n"
"\n"
"Commands:\n"
"  listClients [--username U] [--group G] [--clientid C] [--offset N] [--count N]\n"
"  explain (--username U | --clientid C) --topic T --access read|write|subscribe\n"
"          [--qos N] [--retain]\n"
"  getStatus\n"
"  reload       re-read certacl's files, as SIGHUP does (connected clients are\n"
"               re-authenticated only by a SIGHUP)\n"
"  listSessions [--username U] [--clientid C] [--offset N] [--count N]\n"
"               offline persistent sessions whose owner is kept\n"
"  releaseClientId --clientid C\n"
"               forget the owner of C's offline session: any user may then use C\n"
"\n"
"Exit status: 0 answered (explain: allowed); 1 the command failed (explain: denied);\n"
"2 usage error, no connection, or the request was refused.\n";

typedef struct ctl_state {
	const char *request;
	char *answer;
	const char *failure; /* why there will be no answer */
	bool subscribed, done;
} ctl_state;

static void on_connect(struct mosquitto *m, void *arg, int rc, int flags, const mosquitto_property *p)
{
	ctl_state *st = arg;
	(void)flags;
	(void)p;
	if(rc){
		st->failure = rc == RC_NOT_AUTHORIZED || rc == 5 ? "connection refused: not authorized"
			: "connection refused by the broker";
		st->done = true;
		return;
	}
	mosquitto_subscribe_v5(m, NULL, CTL_RESPONSE, 1, 0, NULL);
}

static void on_subscribe(struct mosquitto *m, void *arg, int mid, int n, const int *granted,
		const mosquitto_property *p)
{
	ctl_state *st = arg;
	(void)mid;
	(void)p;
	if(n < 1 || granted[0] > 2){
		st->failure = "not authorized to read " CTL_RESPONSE;
		st->done = true;
		return;
	}
	st->subscribed = true;
	mosquitto_publish_v5(m, NULL, CTL_TOPIC, (int)strlen(st->request), st->request, 1, false, NULL);
}

static void on_publish(struct mosquitto *m, void *arg, int mid, int reason, const mosquitto_property *p)
{
	ctl_state *st = arg;
	(void)m;
	(void)mid;
	(void)p;
	if(reason >= 0x80){
		st->failure = reason == RC_NOT_AUTHORIZED ? "request refused: not authorized to write "
			CTL_TOPIC : "request refused by the broker";
		st->done = true;
	}
}

static void on_message(struct mosquitto *m, void *arg, const struct mosquitto_message *msg,
		const mosquitto_property *p)
{
	ctl_state *st = arg;
	(void)m;
	(void)p;
	if(strcmp(msg->topic, CTL_RESPONSE) != 0 || st->answer) return;
	st->answer = strndup(msg->payload, (size_t)msg->payloadlen);
	st->done = true;
}

typedef struct ctl_conn {
	const char *host, *cafile, *capath, *cert, *key, *id;
	int port, timeout;
	bool json;
} ctl_conn;

/* Send one request and wait (at most c->timeout seconds) for its answer. */
static char *exchange(const ctl_conn *c, const char *request)
{
	ctl_state st = { .request = request };
	mosquitto_lib_init();
	struct mosquitto *m = mosquitto_new(c->id, true, &st);
	if(!m){
		fprintf(stderr, "certacl ctl: out of memory\n");
		return NULL;
	}
	mosquitto_int_option(m, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5);
	mosquitto_connect_v5_callback_set(m, on_connect);
	mosquitto_subscribe_v5_callback_set(m, on_subscribe);
	mosquitto_publish_v5_callback_set(m, on_publish);
	mosquitto_message_v5_callback_set(m, on_message);
	int rc = (c->cafile || c->capath) ? mosquitto_tls_set(m, c->cafile, c->capath, c->cert, c->key, NULL)
		: MOSQ_ERR_SUCCESS;
	if(rc == MOSQ_ERR_SUCCESS) rc = mosquitto_connect_bind_v5(m, c->host, c->port, 30, NULL, NULL);
	if(rc != MOSQ_ERR_SUCCESS){
		fprintf(stderr, "certacl ctl: cannot connect to %s:%d: %s\n", c->host, c->port,
				rc == MOSQ_ERR_ERRNO ? strerror(errno) : mosquitto_strerror(rc));
	}
	time_t deadline = time(NULL) + c->timeout;
	while(rc == MOSQ_ERR_SUCCESS && !st.done && time(NULL) < deadline){
		rc = mosquitto_loop(m, 200, 1);
	}
	if(!st.done && !st.failure){
		st.failure = rc != MOSQ_ERR_SUCCESS ? "connection lost (TLS or certificate refused?)"
			: "no answer in time (is certacl loaded, with its admin API?)";
	}
	if(st.failure && rc == MOSQ_ERR_SUCCESS) fprintf(stderr, "certacl ctl: %s\n", st.failure);
	else if(st.failure) fprintf(stderr, "certacl ctl: %s: %s\n", st.failure, mosquitto_strerror(rc));
	mosquitto_disconnect(m);
	mosquitto_destroy(m);
	mosquitto_lib_cleanup();
	return st.answer;
}

/* The one command object of the request, from the command-line words. */
static cJSON *command_from_args(int argc, char **argv)
{
	static const char *const string_opts[] = { "username", "group", "clientid", "topic", "access" };
	static const char *const number_opts[] = { "offset", "count", "qos" };
	cJSON *cmd = cJSON_CreateObject();
	cJSON_AddStringToObject(cmd, "command", argv[0]);
	for(int i = 1; i < argc; i++){
		const char *a = argv[i];
		bool known = false;
		if(strcmp(a, "--retain") == 0){
			cJSON_AddTrueToObject(cmd, "retain");
			continue;
		}
		for(size_t k = 0; !known && k < sizeof(string_opts) / sizeof(*string_opts); k++){
			if(strncmp(a, "--", 2) == 0 && strcmp(a + 2, string_opts[k]) == 0 && i + 1 < argc){
				cJSON_AddStringToObject(cmd, string_opts[k], argv[++i]);
				known = true;
			}
		}
		for(size_t k = 0; !known && k < sizeof(number_opts) / sizeof(*number_opts); k++){
			char *end;
			if(strncmp(a, "--", 2) == 0 && strcmp(a + 2, number_opts[k]) == 0 && i + 1 < argc){
				long v = strtol(argv[i + 1], &end, 10);
				if(*end || !argv[i + 1][0]) break;
				cJSON_AddNumberToObject(cmd, number_opts[k], (double)v);
				i++;
				known = true;
			}
		}
		if(!known){
			fprintf(stderr, "certacl ctl: %s: unknown option or missing value '%s'\n", argv[0], a);
			cJSON_Delete(cmd);
			return NULL;
		}
	}
	return cmd;
}

static const char *str_or(const cJSON *o, const char *key, const char *dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsString(v) ? v->valuestring : dflt;
}

/* Print one answer as text; the exit status it means. */
static int print_text(const char *command, const cJSON *r)
{
	const cJSON *data = cJSON_GetObjectItemCaseSensitive(r, "data");
	if(cJSON_GetObjectItemCaseSensitive(r, "error")){
		fprintf(stderr, "certacl ctl: %s: %s\n", command, str_or(r, "error", "?"));
		return CLI_NO;
	}
	if(strcmp(command, "listClients") == 0){
		const cJSON *c;
		printf("%-28s %-20s %-24s %-16s %-20s %s\n", "CLIENT ID", "USERNAME", "GROUPS", "ADDRESS",
				"NOT AFTER", "SERIAL");
		cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(data, "clients")){
			char groups[256] = "";
			const cJSON *g;
			cJSON_ArrayForEach(g, cJSON_GetObjectItemCaseSensitive(c, "groups")){
				size_t n = strlen(groups);
				snprintf(groups + n, sizeof(groups) - n, "%s%s", n ? "," : "", g->valuestring);
			}
			printf("%-28s %-20s %-24s %-16s %-20s %s\n", str_or(c, "clientid", "-"), str_or(c, "username", "-"),
					groups[0] ? groups : "-", str_or(c, "address", "-"), str_or(c, "notAfter", "-"),
					str_or(c, "serial", "-"));
		}
		printf("%d of %d connected clients\n", cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(data, "clients")),
				(int)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(data, "totalCount")));
		return CLI_OK;
	}
	if(strcmp(command, "explain") == 0){
		bool allowed = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(data, "allowed"));
		const cJSON *rule = cJSON_GetObjectItemCaseSensitive(data, "rule");
		printf("%s: %s", allowed ? "allowed" : "denied", str_or(data, "reason", "?"));
		if(cJSON_IsObject(rule)){
			printf(" (%s:%d '%s')", str_or(rule, "file", "?"),
					(int)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(rule, "line")), str_or(rule, "text", ""));
		}
		if(str_or(data, "brokerRefusal", NULL)) printf(": %s", str_or(data, "brokerRefusal", ""));
		printf("\n");
		return allowed ? CLI_OK : CLI_NO;
	}
	char *text = cJSON_Print(data); /* getStatus, reload, listSessions, releaseClientId: indented */
	printf("%s\n", text ? text : "{}");
	free(text);
	return CLI_OK;
}

int cmd_ctl(int argc, char **argv)
{
	ctl_conn c = { .host = "localhost", .port = 8883, .timeout = 10 };
	int i = 0;
	for(; i < argc && argv[i][0] == '-'; i++){
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if(strcmp(a, "--help") == 0){
			fputs(ctl_help, stdout);
			return CLI_OK;
		}
		if(strcmp(a, "--json") == 0){ c.json = true; continue; }
		if(!v){
			fprintf(stderr, "certacl ctl: %s needs a value (see 'certacl ctl --help')\n", a);
			return CLI_ERROR;
		}
		if(strcmp(a, "-h") == 0 || strcmp(a, "--host") == 0) c.host = v;
		else if(strcmp(a, "-p") == 0 || strcmp(a, "--port") == 0) c.port = atoi(v);
		else if(strcmp(a, "--cafile") == 0) c.cafile = v;
		else if(strcmp(a, "--capath") == 0) c.capath = v;
		else if(strcmp(a, "--cert") == 0) c.cert = v;
		else if(strcmp(a, "--key") == 0) c.key = v;
		else if(strcmp(a, "-i") == 0 || strcmp(a, "--id") == 0) c.id = v;
		else if(strcmp(a, "--timeout") == 0) c.timeout = atoi(v);
		else{
			fprintf(stderr, "certacl ctl: unknown option '%s' (see 'certacl ctl --help')\n", a);
			return CLI_ERROR;
		}
		i++;
	}
	if(i >= argc || c.port <= 0 || c.port > 65535 || c.timeout <= 0 || c.timeout > 600){
		fputs(ctl_help, stderr);
		return CLI_ERROR;
	}
	cJSON *cmd = command_from_args(argc - i, argv + i);
	cJSON *req = cmd ? cJSON_CreateObject() : NULL;
	if(!req){
		cJSON_Delete(cmd);
		return CLI_ERROR;
	}
	cJSON_AddItemToArray(cJSON_AddArrayToObject(req, "commands"), cmd);
	char *request = cJSON_PrintUnformatted(req);
	cJSON_Delete(req);
	char *answer = request ? exchange(&c, request) : NULL;
	free(request);
	if(!answer) return CLI_ERROR;
	cJSON *doc = cJSON_Parse(answer);
	const cJSON *r = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(doc, "responses"), 0);
	int status = CLI_ERROR;
	if(!cJSON_IsObject(r)){
		fprintf(stderr, "certacl ctl: the answer is not what certacl sends: %.200s\n", answer);
	}else if(c.json){
		printf("%s\n", answer);
		bool denied = strcmp(argv[i], "explain") == 0
			&& !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(r, "data"), "allowed"));
		status = cJSON_GetObjectItemCaseSensitive(r, "error") || denied ? CLI_NO : CLI_OK;
	}else{
		status = print_text(argv[i], r);
	}
	cJSON_Delete(doc);
	free(answer);
	return status;
}
