/* certacl explain: decide one request with acl_decide(), the plugin's own
 * decision, and show the deciding rule. With a certificate the username,
 * groups and certificate placeholders come from auth_decide() and
 * cert_values_capture(), as the plugin takes them at CONNECT. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char explain_help[] =
"Usage: certacl explain [OPTIONS] [--user U | --cert CERT.pem] [--client-id ID]\n"
"                       --topic T --access read|write|subscribe|unsubscribe\n"
"                       [--qos N] [--retain]\n"
"       certacl explain [OPTIONS] --batch FILE\n"
"\n"
"Decide one request as the plugin would, and show the rule that decided it (file,\n"
"line, text) or that no rule matched.\n"
"\n"
"Question:\n"
"  --user U                the client's username (as the plugin set it at CONNECT)\n"
"  --group G               with --user (or no user): a group the user is in (repeatable)\n"
"  --cert CERT.pem         take username, groups and certificate placeholders from this\n"
"                          certificate, as the plugin does at CONNECT (a certificate\n"
"                          refused at CONNECT is reported as denied)\n"
"                          (neither --user nor --cert: a client without a username)\n"
"  --client-id ID          the client id (%%c); without it %%c rules grant nothing\n"
"  --topic T               topic name (read, write) or filter (subscribe, unsubscribe)\n"
"  --access A              read (delivery to the client), write (publish), subscribe,\n"
"                          unsubscribe\n"
"  --qos N                 0, 1 or 2 (default 0)\n"
"  --retain                the message is retained\n"
"\n"
"Batch (regression-test a policy in CI):\n"
"  --batch FILE            one question a line ('-': standard input):\n"
"                            EXPECT [user=U | cert=PATH] [client=ID] [group=G ...]\n"
"                                   access=A topic=T [qos=N] [retain=0|1]\n"
"                          EXPECT is allow or deny; a value may be \"double quoted\"\n"
"                          (\\\" and \\\\ inside); '#' starts a comment line; a relative\n"
"                          cert path is relative to FILE's directory. Prints a line per\n"
"                          question that is not decided as expected, then 'N passed,\n"
"                          N failed'. --verbose prints every question.\n"
"\n"
"%s"
"\n"
"Exit status: 0 allowed (batch: every line as expected), 1 denied (batch: some line\n"
"not as expected), 2 usage error, or a configuration, policy or input that cannot be\n"
"loaded.\n";

/* The CONNECT step for a certificate question, as the plugin takes it:
 * username, groups (map entry, then OU/O) and the certificate values that
 * placeholders use, all from auth_decide(). Client-id ownership ("owned")
 * needs live connections: not checked here. */
static bool connect_cert(const certacl_snapshot *s, const cli_question *q, cli_answer *out,
		certacl_subject *who)
{
	X509 *cert = cli_load_cert(q->cert, out->error, sizeof(out->error));
	if(!cert) return false;
	certacl_connect c = { .cert = cert, .client_id = q->client_id };
	auth_decide(s, &c, &out->auth);
	X509_free(cert);
	out->have_auth = true;
	out->refused = out->auth.verdict != CERTACL_AUTH_ALLOW;
	if(out->refused) return true;
	cert_values_to_subject(&out->auth.cert, who);
	who->vars[CERTACL_VAR_USERNAME] = out->auth.username;
	who->groups = (const char *const *)out->auth.groups;
	who->ngroups = out->auth.ngroups;
	return true;
}

/* Ask the core one question exactly as the broker and plugin would: first
 * what mosquitto refuses before any ACL ($SYS writes, $share topics), then
 * ACL_CHECK with the username, client id, groups and certificate values the
 * plugin would have captured at CONNECT. */
bool cli_decide(const certacl_snapshot *s, const cli_question *q, cli_answer *out)
{
	certacl_subject who;
	memset(out, 0, sizeof(*out));
	memset(&who, 0, sizeof(who));
	if(q->cert){
		if(!connect_cert(s, q, out, &who)) return false;
		if(out->refused) return true;
	}else{
		who.vars[CERTACL_VAR_USERNAME] = q->user;
		who.groups = q->groups;
		who.ngroups = q->ngroups;
	}
	who.vars[CERTACL_VAR_CLIENTID] = q->client_id;
	certacl_request req = {
		.access = q->access, .topic = q->topic, .topic_len = strlen(q->topic),
		.qos = q->qos, .retain = q->retain,
	};
	out->broker_refusal = acl_broker_refusal(&req);
	if(out->broker_refusal) return true;
	acl_decide(s->policy, &who, &req, &out->d);
	out->allowed = out->d.allowed;
	return true;
}

/* Free what the CONNECT step of a certificate question allocated. */
void cli_answer_free(cli_answer *ans)
{
	if(ans->have_auth) auth_result_free(&ans->auth);
	ans->have_auth = false;
}

/* A stable name for each reason, for JSON. */
static const char *reason_code(const cli_answer *ans)
{
	if(ans->refused) return "refused-at-connect";
	if(ans->broker_refusal) return "refused-by-mosquitto";
	switch(ans->d.reason){
	case CERTACL_ALLOWED_BY_RULE: return "allowed-by-rule";
	case CERTACL_ALLOWED_UNSUBSCRIBE: return "unsubscribe";
	case CERTACL_DENIED_BY_RULE: return "denied-by-rule";
	case CERTACL_DENIED_NO_RULE: return "no-rule-matched";
	case CERTACL_DENIED_LIMIT: return "limit";
	case CERTACL_DENIED_BAD_TOPIC: return "bad-topic";
	case CERTACL_DENIED_SHARE: return "share-topic";
	case CERTACL_DENIED_TOO_MANY_GROUPS: return "too-many-groups";
	case CERTACL_DENIED_TOO_COMPLEX: return "too-complex";
	}
	return "other";
}

/* The reason in words, as the plugin logs it. */
const char *cli_reason_words(const cli_answer *ans)
{
	if(ans->broker_refusal) return "refused by mosquitto before any ACL";
	return ans->refused ? "refused at CONNECT" : certacl_reason_text(ans->d.reason);
}

/* The username the question ends up with. */
static const char *asked_user(const cli_question *q, const cli_answer *ans)
{
	if(q->cert) return ans->refused ? NULL : ans->auth.username;
	return q->user;
}

/* One line saying who asks what (values escaped for a terminal). */
void cli_question_text(const cli_question *q, char *out, size_t n)
{
	char topic[300], name[300], who[400];
	certacl_escape(q->topic, strlen(q->topic), topic, sizeof(topic));
	if(q->cert){
		snprintf(who, sizeof(who), "certificate %s", q->cert);
	}else if(q->user){
		certacl_escape(q->user, strlen(q->user), name, sizeof(name));
		snprintf(who, sizeof(who), "user '%s'", name);
	}else{
		snprintf(who, sizeof(who), "a client without username");
	}
	int k = snprintf(out, n, "%s '%s' by %s", certacl_access_name(q->access), topic, who);
	if(q->client_id && k >= 0 && (size_t)k < n){
		certacl_escape(q->client_id, strlen(q->client_id), name, sizeof(name));
		k += snprintf(out + k, n - (size_t)k, " (client id '%s')", name);
	}
	if(k >= 0 && (size_t)k < n){
		snprintf(out + k, n - (size_t)k, ", qos %d%s", q->qos, q->retain ? ", retained" : "");
	}
}

/* allowed/denied, the question, the reason and the deciding rule. */
void cli_answer_print(const cli_question *q, const cli_answer *ans, const char *indent)
{
	char text[1000];
	cli_question_text(q, text, sizeof(text));
	if(q->cert && !ans->refused){
		printf("%scertificate %s: identity '%s' -> user '%s'", indent, q->cert,
				ans->auth.identity, ans->auth.username);
		for(size_t i = 0; i < ans->auth.ngroups; i++){
			printf("%s%s", i ? ", " : ", groups ", ans->auth.groups[i]);
		}
		printf("\n");
	}
	printf("%s%s: %s\n", indent, ans->allowed ? "allowed" : "denied", text);
	if(ans->refused){
		printf("%s  reason: refused at CONNECT: %s\n", indent, ans->auth.why);
		return;
	}
	if(ans->broker_refusal){
		printf("%s  reason: refused by mosquitto before any ACL: %s\n", indent, ans->broker_refusal);
		return;
	}
	printf("%s  reason: %s\n", indent, cli_reason_words(ans));
	const certacl_rule *r = ans->d.rule;
	if(r) printf("%s  rule: %s:%u: %s\n", indent, r->file, r->line, r->text);
}

/* The answer and the question as one JSON object. */
cJSON *cli_answer_json(const cli_question *q, const cli_answer *ans)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddBoolToObject(o, "allowed", ans->allowed);
	cJSON_AddStringToObject(o, "reason", reason_code(ans));
	const char *why = ans->refused ? ans->auth.why : ans->broker_refusal;
	cJSON_AddStringToObject(o, "reason_text", why ? why : cli_reason_words(ans));
	cJSON_AddItemToObject(o, "rule", cli_rule_json(why ? NULL : ans->d.rule));
	const char *user = asked_user(q, ans);
	if(user) cJSON_AddStringToObject(o, "user", user);
	else cJSON_AddNullToObject(o, "user");
	if(q->cert) cJSON_AddStringToObject(o, "cert", q->cert);
	if(q->cert) cJSON_AddStringToObject(o, "identity", ans->auth.identity);
	if(q->client_id) cJSON_AddStringToObject(o, "client_id", q->client_id);
	else cJSON_AddNullToObject(o, "client_id");
	cJSON *g = cJSON_AddArrayToObject(o, "groups");
	for(size_t i = 0; q->cert && !ans->refused && i < ans->auth.ngroups; i++){
		cJSON_AddItemToArray(g, cJSON_CreateString(ans->auth.groups[i]));
	}
	for(size_t i = 0; !q->cert && i < q->ngroups; i++) cJSON_AddItemToArray(g, cJSON_CreateString(q->groups[i]));
	cJSON_AddStringToObject(o, "access", certacl_access_name(q->access));
	cJSON_AddStringToObject(o, "topic", q->topic);
	cJSON_AddNumberToObject(o, "qos", q->qos);
	cJSON_AddBoolToObject(o, "retain", q->retain);
	return o;
}

/* Why the command line does not ask one well-formed question, or NULL. */
static const char *question_problem(const cli_args *a)
{
	if(a->user && a->cert) return "--user and --cert exclude each other";
	if(a->cert && a->nlist[CLI_GROUPS]) return "with --cert the groups come from the certificate: drop --group";
	if(!a->topic) return "--topic is required";
	if(!a->access) return "--access is required";
	certacl_access acc;
	if(!certacl_access_parse(a->access, &acc)) return "--access: expected read, write, subscribe or unsubscribe";
	if(a->qos && (strlen(a->qos) != 1 || a->qos[0] < '0' || a->qos[0] > '2')) return "--qos: expected 0, 1 or 2";
	return NULL;
}

/* The single question of the command line, or a usage error. */
static bool question_from_args(const cli_args *a, cli_question *q)
{
	const char *problem = question_problem(a);
	memset(q, 0, sizeof(*q));
	if(problem){
		cli_usage_error(a, "%s", problem);
		return false;
	}
	certacl_access_parse(a->access, &q->access);
	q->qos = a->qos ? a->qos[0] - '0' : 0;
	q->user = a->user;
	q->cert = a->cert;
	q->client_id = a->client_id;
	q->topic = a->topic;
	q->retain = a->retain;
	q->ngroups = a->nlist[CLI_GROUPS];
	memcpy(q->groups, a->list[CLI_GROUPS], q->ngroups * sizeof(q->groups[0]));
	return true;
}

/* One question from the command line: decide, print, exit 0 or 1. */
static int explain_one(cli_args *a, const certacl_snapshot *s)
{
	cli_question q;
	cli_answer ans;
	if(!question_from_args(a, &q)) return CLI_ERROR;
	if(!cli_decide(s, &q, &ans)) return cli_fail(a, ans.error);
	if(a->json) cli_json_out(cli_answer_json(&q, &ans));
	else cli_answer_print(&q, &ans, "");
	cli_answer_free(&ans);
	return ans.allowed ? CLI_OK : CLI_NO;
}

/* certacl explain: one question from the flags, or a batch file. */
int cmd_explain(int argc, char **argv)
{
	cli_args a;
	certacl_error err;
	int rc = CLI_ERROR;
	unsigned question = F_USER | F_CERT | F_CLIENT_ID | F_TOPIC | F_ACCESS | F_QOS
		| F_RETAIN | F_GROUP;
	if(!cli_parse(&a, "explain", argc, argv, question | F_BATCH | F_VERBOSE)) goto out;
	if(a.seen & F_HELP){
		printf(explain_help, cli_options_help);
		rc = CLI_OK;
		goto out;
	}
	if(a.npos){
		rc = cli_usage_error(&a, "unexpected argument '%s'", a.pos[0]);
		goto out;
	}
	if(a.batch && (a.seen & question)){
		rc = cli_usage_error(&a, "--batch takes its questions from the file only");
		goto out;
	}
	certacl_snapshot *s = cli_snapshot(&a, true, &err);
	if(!s){
		rc = cli_fail(&a, err.text);
		goto out;
	}
	rc = a.batch ? cmd_batch(&a, s) : explain_one(&a, s);
	snapshot_free(s);
out:
	cli_args_free(&a);
	return rc;
}
