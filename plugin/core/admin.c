/* certacl: the admin API (see admin.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "certacl/admin.h"
#include "certacl/expiry.h"

#include "admin_internal.h"

/* Add one command's answer: data (taken) or an error text. */
static void respond(cJSON *responses, const char *command, const cJSON *corr, cJSON *data,
		const char *error)
{
	cJSON *r = cJSON_CreateObject();
	if(!r){
		cJSON_Delete(data);
		return;
	}
	cJSON_AddStringToObject(r, "command", command);
	if(error) cJSON_AddStringToObject(r, "error", error);
	else cJSON_AddItemToObject(r, "data", data ? data : cJSON_CreateObject());
	if(cJSON_IsString(corr)) cJSON_AddStringToObject(r, "correlationData", corr->valuestring);
	cJSON_AddItemToArray(responses, r);
}

/* An admin_list of connected clients, filtered by group too. */
typedef struct client_filter {
	admin_list list;
	const char *group;
} client_filter;

static bool in_groups(const certacl_conn *c, const char *group)
{
	for(size_t i = 0; i < c->ngroups; i++) if(strcmp(c->groups[i], group) == 0) return true;
	return false;
}

static void collect(certacl_conn *c, void *arg)
{
	client_filter *f = arg;
	if(c->claimed_at) return; /* an unconfirmed password client is not listed */
	if(f->group && !in_groups(c, f->group)) return;
	admin_list_add(&f->list, c);
}

static cJSON *client_json(const certacl_admin_ctx *ctx, const certacl_conn *c)
{
	cJSON *o = cJSON_CreateObject();
	if(!o) return NULL;
	cJSON_AddStringToObject(o, "clientid", c->client_id);
	cJSON_AddStringToObject(o, "username", c->username);
	cJSON *g = cJSON_AddArrayToObject(o, "groups");
	for(size_t i = 0; g && i < c->ngroups; i++) cJSON_AddItemToArray(g, cJSON_CreateString(c->groups[i]));
	admin_add_string(o, "address", ctx->address ? ctx->address(c->live) : NULL);
	admin_add_string(o, "serial", c->cert.serial);
	admin_add_string(o, "sha256", c->cert.sha256);
	admin_add_string(o, "issuer", c->cert.issuer_dn);
	char when[32];
	expiry_time_text(c->cert.not_after, when, sizeof(when));
	admin_add_string(o, "notAfter", c->cert.not_after > 0 ? when : NULL);
	return o;
}

/* listClients: connected clients, sorted by client id; filters username,
 * group, clientid; paging with offset and count. */
static const char *list_clients(const certacl_admin_ctx *ctx, const cJSON *cmd, cJSON **data)
{
	bool bad = false;
	client_filter f = {
		.list = {
			.username = admin_opt_str(cmd, "username", &bad),
			.clientid = admin_opt_str(cmd, "clientid", &bad),
		},
		.group = admin_opt_str(cmd, "group", &bad),
	};
	if(bad) return "username, group and clientid must be strings";
	conns_each_live(ctx->conns, collect, &f);
	return admin_list_page(&f.list, cmd, "clients", client_json, ctx, data);
}

/* explain: the live policy's answer for a connected client (its groups and
 * certificate values) or for a username, with the deciding rule. */
static const char *explain(const certacl_admin_ctx *ctx, const cJSON *cmd, cJSON **data)
{
	bool bad = false;
	const char *username = admin_opt_str(cmd, "username", &bad);
	const char *clientid = admin_opt_str(cmd, "clientid", &bad);
	const char *topic = admin_opt_str(cmd, "topic", &bad);
	const char *access = admin_opt_str(cmd, "access", &bad);
	long qos = admin_opt_uint(cmd, "qos", 0, 2, &bad);
	const cJSON *retain = cJSON_GetObjectItemCaseSensitive(cmd, "retain");
	certacl_request req = { .qos = (int)qos, .retain = cJSON_IsTrue(retain) };
	if(bad || !topic || (retain && !cJSON_IsBool(retain)) || !certacl_access_parse(access, &req.access)){
		return "explain needs \"topic\", \"access\" (read, write, subscribe or unsubscribe) and "
				"\"username\" or the \"clientid\" of a connected client; \"qos\" 0-2 and "
				"\"retain\" true/false are optional";
	}
	certacl_subject who;
	memset(&who, 0, sizeof(who));
	const certacl_conn *c = clientid ? conns_find(ctx->conns, clientid) : NULL;
	if(c && c->live && !c->claimed_at && (!username || strcmp(username, c->username) == 0)){
		who.vars[CERTACL_VAR_USERNAME] = c->username;
		conn_fill_subject(c, &who);
	}else if(username){
		who.vars[CERTACL_VAR_USERNAME] = username;
	}else{
		return "no connected client has this clientid: give a username";
	}
	who.vars[CERTACL_VAR_CLIENTID] = clientid;
	req.topic = topic;
	req.topic_len = strlen(topic);
	*data = cJSON_CreateObject();
	cJSON_AddStringToObject(*data, "username", who.vars[CERTACL_VAR_USERNAME]);
	const char *refusal = acl_broker_refusal(&req);
	if(refusal){
		cJSON_AddBoolToObject(*data, "allowed", false);
		cJSON_AddStringToObject(*data, "reason", "refused by mosquitto before any ACL");
		cJSON_AddStringToObject(*data, "brokerRefusal", refusal);
		return NULL;
	}
	certacl_decision d;
	acl_decide((*ctx->snap)->policy, &who, &req, &d);
	cJSON_AddBoolToObject(*data, "allowed", d.allowed);
	cJSON_AddStringToObject(*data, "reason", certacl_reason_text(d.reason));
	if(d.rule){
		cJSON *r = cJSON_AddObjectToObject(*data, "rule");
		cJSON_AddStringToObject(r, "file", d.rule->file);
		cJSON_AddNumberToObject(r, "line", d.rule->line);
		cJSON_AddStringToObject(r, "text", d.rule->text);
	}else{
		cJSON_AddNullToObject(*data, "rule");
	}
	return NULL;
}

/* getStatus: files, when the policy was loaded, the last reload, counters. */
static cJSON *status(const certacl_admin_ctx *ctx)
{
	const certacl_snapshot *s = *ctx->snap;
	const certacl_options *o = &s->opts;
	cJSON *d = cJSON_CreateObject();
	cJSON *files = cJSON_AddArrayToObject(d, "aclFiles");
	for(size_t i = 0; files && i < o->nacl_files; i++) cJSON_AddItemToArray(files, cJSON_CreateString(o->acl_files[i]));
	admin_add_string(d, "identityMap", o->identity_map);
	admin_add_string(d, "denyList", o->deny_list);
	cJSON *crls = cJSON_AddArrayToObject(d, "crlFiles");
	for(size_t i = 0; crls && i < o->ncrl_files; i++) cJSON_AddItemToArray(crls, cJSON_CreateString(o->crl_files[i]));
	cJSON_AddNumberToObject(d, "rules", (double)policy_rule_count(s->policy));
	admin_add_time(d, "loadedAt", ctx->reloads->loaded_at);
	cJSON *r = cJSON_AddObjectToObject(d, "lastReload");
	admin_add_time(r, "at", ctx->reloads->last_at);
	if(ctx->reloads->last_at){
		cJSON_AddBoolToObject(r, "ok", ctx->reloads->last_ok);
		if(!ctx->reloads->last_ok) cJSON_AddStringToObject(r, "error", ctx->reloads->last_error);
	}
	cJSON_AddNumberToObject(d, "clientsConnected", (double)conns_live_count(ctx->conns));
	cJSON *k = cJSON_AddObjectToObject(d, "counters");
	for(size_t i = 0; k && i < ctx->ncounters; i++){
		cJSON_AddNumberToObject(k, ctx->counter_names[i], (double)ctx->counter_values[i]);
	}
	return d;
}

/* Add " 'CLIENTID'" (escaped) to the audit summary. */
static void note_client_id(const cJSON *cmd, char *summary, size_t summarysz)
{
	bool bad = false;
	const char *id = admin_opt_str(cmd, "clientid", &bad);
	char shown[100];
	size_t used = strlen(summary);
	if(!id) return;
	certacl_escape(id, strlen(id), shown, sizeof(shown));
	snprintf(summary + used, summarysz - used, " '%s'", shown);
}

/* One command; its answer is added to `responses`. */
static void handle_command(const certacl_admin_ctx *ctx, const cJSON *cmd, cJSON *responses,
		char *summary, size_t summarysz)
{
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(cmd, "command");
	const cJSON *corr = cJSON_GetObjectItemCaseSensitive(cmd, "correlationData");
	const char *command = cJSON_IsString(name) && name->valuestring ? name->valuestring : "";
	size_t used = strlen(summary);
	snprintf(summary + used, summarysz - used, "%s%.40s", used ? ", " : "", command[0] ? command : "?");
	cJSON *data = NULL;
	const char *error = NULL;
	char why[1024];
	if(!cJSON_IsObject(cmd) || !command[0]){
		error = "each command must be an object with a \"command\" string";
	}else if(strcmp(command, "listClients") == 0){
		error = list_clients(ctx, cmd, &data);
	}else if(strcmp(command, "explain") == 0){
		error = explain(ctx, cmd, &data);
	}else if(strcmp(command, "getStatus") == 0){
		data = status(ctx);
	}else if(strcmp(command, "reload") == 0){
		if(ctx->reload(ctx->reload_arg, why, sizeof(why))) data = status(ctx);
		else error = why;
	}else if(strcmp(command, "listSessions") == 0){
		error = admin_list_sessions(ctx, cmd, &data);
	}else if(strcmp(command, "releaseClientId") == 0){
		/* the audit line names the session released */
		if(!(error = admin_release_client_id(ctx, cmd, &data))) note_client_id(cmd, summary, summarysz);
	}else{
		error = "unknown command (known: listClients, explain, getStatus, reload, listSessions, "
			"releaseClientId)";
	}
	respond(responses, command, corr, data, error);
}

char *admin_handle(const certacl_admin_ctx *ctx, const void *payload, size_t len,
		char *summary, size_t summarysz)
{
	cJSON *answer = cJSON_CreateObject();
	cJSON *responses = answer ? cJSON_AddArrayToObject(answer, "responses") : NULL;
	if(!responses){
		cJSON_Delete(answer);
		return NULL;
	}
	summary[0] = '\0';
	cJSON *req = NULL;
	const cJSON *cmds = NULL;
	if(len > CERTACL_ADMIN_REQUEST_MAX){
		snprintf(summary, summarysz, "oversized request");
		respond(responses, "", NULL, NULL, "request larger than 65536 bytes");
	}else if(!(req = cJSON_ParseWithLength(payload, len)) || !cJSON_IsObject(req)
			|| !cJSON_IsArray(cmds = cJSON_GetObjectItemCaseSensitive(req, "commands"))){
		snprintf(summary, summarysz, "malformed request");
		respond(responses, "", NULL, NULL, "request must be a JSON object {\"commands\": [...]}");
	}else if(cJSON_GetArraySize(cmds) > CERTACL_ADMIN_COMMANDS_MAX){
		snprintf(summary, summarysz, "too many commands");
		respond(responses, "", NULL, NULL, "more than 100 commands in one request");
	}else{
		for(const cJSON *c = cmds->child; c; c = c->next) handle_command(ctx, c, responses, summary, summarysz);
	}
	cJSON_Delete(req);
	char *text = cJSON_PrintUnformatted(answer);
	cJSON_Delete(answer);
	return text;
}
