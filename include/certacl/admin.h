/* certacl: the admin API on $CONTROL/certacl/v1, in the JSON style of
 * mosquitto's dynamic-security plugin. A request is
 *   {"commands": [{"command": "listClients", ...}, ...]}
 * and its answer, one entry per command, in order,
 *   {"responses": [{"command": "listClients", "data": {...}}
 *                  | {"command": "...", "error": "..."}]}
 * (each echoing the command's "correlationData" when it has one). Commands:
 * listClients, explain, getStatus, reload, listSessions, releaseClientId.
 * No mosquitto header: the glue
 * passes the request, the plugin's state and a way to reload. */
#ifndef CERTACL_ADMIN_H
#define CERTACL_ADMIN_H

#include "certacl/clients.h"
#include "certacl/config.h"

#define CERTACL_ADMIN_REQUEST_MAX 65536 /* bytes of one request */
#define CERTACL_ADMIN_COMMANDS_MAX 100  /* commands in one request */
#define CERTACL_ADMIN_PAGE_MAX 1000     /* clients or sessions in one list answer */

/* What the last (re)load did. */
typedef struct certacl_reload_state {
	int64_t loaded_at;  /* when the current policy was built (seconds since the epoch) */
	int64_t last_at;    /* when a reload was last tried; 0: never */
	bool last_ok;
	char last_error[1024];
} certacl_reload_state;

typedef struct certacl_admin_ctx {
	certacl_snapshot *const *snap;    /* the current policy (a reload replaces it) */
	certacl_conns *conns;
	const certacl_reload_state *reloads;
	int64_t now;
	const char *const *counter_names; /* the $SYS counters, for getStatus */
	const unsigned long *counter_values;
	size_t ncounters;
	/* The address of a live connection ("127.0.0.1:50211"), or NULL. */
	const char *(*address)(const void *live);
	/* Rebuild the policy from its files, as SIGHUP does; false with why set. */
	bool (*reload)(void *arg, char *why, size_t whysz);
	void *reload_arg;
} certacl_admin_ctx;

/* Answer one request (payload[0..len), not NUL-terminated). Returns the JSON
 * answer (free it), or NULL when out of memory. `summary` gets the commands
 * asked, for the audit log ("listClients, explain"). */
char *admin_handle(const certacl_admin_ctx *ctx, const void *payload, size_t len,
		char *summary, size_t summarysz);

#endif
