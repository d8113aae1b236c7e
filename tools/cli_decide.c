/* certacl command-line tool: decide one question with acl_decide(), the
 * plugin's own decision, and show the answer. With a certificate the username,
 * groups and certificate placeholders come from auth_decide() and
 * cert_values_capture(), as the plugin takes them at CONNECT. Used by explain,
 * its batch mode, diff and matrix. */
#include <stdio.h>
#include <string.h>

#include "cli_args.h"
#include "cli_decide.h"

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
