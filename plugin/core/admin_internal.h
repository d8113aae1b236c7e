/* certacl: what the admin API's command files share (admin_args.c): reading a
 * command's members, writing optional values, and listing client records
 * sorted by client id, a page at a time. Not part of the public headers. */
#ifndef CERTACL_ADMIN_INTERNAL_H
#define CERTACL_ADMIN_INTERNAL_H

#include <cjson/cJSON.h>

#include "certacl/admin.h"

/* A string member, or NULL when absent; *bad when present but not a string. */
const char *admin_opt_str(const cJSON *cmd, const char *key, bool *bad);
/* A whole-number member in [0, max], or `dflt` when absent; *bad otherwise. */
long admin_opt_uint(const cJSON *cmd, const char *key, long dflt, long max, bool *bad);
/* o[key] = value, or null when value is NULL. */
void admin_add_string(cJSON *o, const char *key, const char *value);
/* o[key] = the UTC time text of `when`, or null when it is 0. */
void admin_add_time(cJSON *o, const char *key, int64_t when);

/* Records gathered for a list command (filters: NULL matches any). */
typedef struct admin_list {
	const certacl_conn **items;
	size_t n, cap;
	const char *username, *clientid;
	bool nomem;
} admin_list;

/* Add r when it passes the username and client-id filters. */
void admin_list_add(admin_list *l, const certacl_conn *r);
/* Answer a list command from l (freed here): {"totalCount": N, KEY: [...]},
 * sorted by client id, `count` items from `offset`, each made by item(). */
const char *admin_list_page(admin_list *l, const cJSON *cmd, const char *key,
		cJSON *(*item)(const certacl_admin_ctx *ctx, const certacl_conn *r),
		const certacl_admin_ctx *ctx, cJSON **data);

/* listSessions and releaseClientId (admin_sessions.c). */
const char *admin_list_sessions(const certacl_admin_ctx *ctx, const cJSON *cmd, cJSON **data);
const char *admin_release_client_id(const certacl_admin_ctx *ctx, const cJSON *cmd, cJSON **data);

#endif
