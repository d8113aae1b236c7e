/* certacl: the admin API's commands on offline persistent sessions whose owner
 * is kept (plugin_opt_clientid owned; see clients.h). */
#include <string.h>

#include "admin_internal.h"

static cJSON *session_json(const certacl_admin_ctx *ctx, const certacl_conn *r)
{
	(void)ctx;
	cJSON *o = cJSON_CreateObject();
	if(!o) return NULL;
	cJSON_AddStringToObject(o, "clientid", r->client_id);
	cJSON_AddStringToObject(o, "username", r->username);
	admin_add_time(o, "offlineSince", r->offline_since);
	return o;
}

static void collect_kept(const certacl_conn *r, void *arg)
{
	if(!r->live) admin_list_add(arg, r);
}

/* listSessions: offline persistent sessions whose owner is kept, sorted by
 * client id; filters username, clientid; paging with offset and count. */
const char *admin_list_sessions(const certacl_admin_ctx *ctx, const cJSON *cmd, cJSON **data)
{
	bool bad = false;
	admin_list l = {
		.username = admin_opt_str(cmd, "username", &bad),
		.clientid = admin_opt_str(cmd, "clientid", &bad),
	};
	if(bad) return "username and clientid must be strings";
	conns_each_owner(ctx->conns, collect_kept, &l);
	return admin_list_page(&l, cmd, "sessions", session_json, ctx, data);
}

/* releaseClientId: forget who owns an offline persistent session, so that
 * another user may take its client id (a device given a new identity). The
 * broker's session itself is untouched. */
const char *admin_release_client_id(const certacl_admin_ctx *ctx, const cJSON *cmd, cJSON **data)
{
	bool bad = false;
	const char *clientid = admin_opt_str(cmd, "clientid", &bad);
	if(bad || !clientid) return "releaseClientId needs \"clientid\"";
	const certacl_conn *r = conns_find(ctx->conns, clientid);
	if(!r || !r->session_kept){
		return r && r->live ? "this client is connected: its id is held by its connection"
			: "no offline persistent session with this clientid has an owner";
	}
	*data = session_json(ctx, r);
	conns_release_owner(ctx->conns, clientid);
	return NULL;
}
