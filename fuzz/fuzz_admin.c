/* certacl fuzzer: the admin API's requests (admin_handle), what any client with
 * write on $CONTROL/certacl/# can send. The input is the request payload as it
 * arrives (not NUL-terminated), against a small policy and three clients, one
 * of them an unconfirmed password claim. Checks: no crash or leak; the answer
 * is JSON {"responses": [...]} with one entry per command of a well-formed
 * request, else one error entry; the reload callback leaves the policy as it
 * was. */
#include <cjson/cJSON.h>

#include "certacl/admin.h"
#include "fuzz_util.h"

static const char ACL[] = "user alice\ntopic readwrite a/#\ngroup ops\ntopic read $SYS/#\n"
		"pattern read dev/%c/#\ntopic deny a/secret\n";

static bool reload_refused(void *arg, char *why, size_t whysz)
{
	(void)arg;
	snprintf(why, whysz, "reload refused by the fuzzer");
	return false;
}

static const char *no_address(const void *live)
{
	(void)live;
	return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static certacl_snapshot *snap;
	static certacl_conns *conns;
	static size_t rules;
	static int h1, h2, h3;
	if(!snap){
		certacl_error err;
		snap = calloc(1, sizeof(*snap));
		options_init(&snap->opts);
		snap->policy = policy_new();
		FUZZ_CHECK(policy_add_text(snap->policy, "fuzz.acl", ACL, sizeof(ACL) - 1, &err)
				&& policy_finish(snap->policy, &err), "%s", err.text);
		rules = policy_rule_count(snap->policy);
		conns = conns_new(8);
		static const char *const groups[] = { "ops" };
		conns_connect(conns, "c1", &h1, "alice", groups, 1, NULL);
		conns_connect(conns, "c2", &h2, "bob", NULL, 0, NULL);
		conns_claim(conns, "c3", &h3, "carol", 1);
	}
	/* an offline persistent session for listSessions, back for every input
	 * (releaseClientId forgets it) */
	if(!conns_find(conns, "s1")) FUZZ_CHECK(conns_restore_owner(conns, "s1", "dave", 1796300000), "restore");
	certacl_reload_state reloads = { .loaded_at = 1796400000 };
	static const char *const names[] = { "connects/allowed" };
	static const unsigned long values[] = { 7 };
	certacl_admin_ctx ctx = {
		.snap = &snap, .conns = conns, .reloads = &reloads, .now = 1796400000,
		.counter_names = names, .counter_values = values, .ncounters = 1,
		.address = no_address, .reload = reload_refused,
	};
	char summary[300];
	char *answer = admin_handle(&ctx, data, size, summary, sizeof(summary));
	FUZZ_CHECK(answer, "no answer");
	FUZZ_CHECK(memchr(summary, '\0', sizeof(summary)), "summary not terminated");
	cJSON *doc = cJSON_Parse(answer);
	const cJSON *responses = cJSON_GetObjectItemCaseSensitive(doc, "responses");
	FUZZ_CHECK(cJSON_IsArray(responses), "answer without responses: %s", fz_show(answer));
	cJSON *req = size <= CERTACL_ADMIN_REQUEST_MAX ? cJSON_ParseWithLength((const char *)data, size) : NULL;
	const cJSON *cmds = cJSON_GetObjectItemCaseSensitive(req, "commands");
	int want = cJSON_IsObject(req) && cJSON_IsArray(cmds) && cJSON_GetArraySize(cmds) <= CERTACL_ADMIN_COMMANDS_MAX
		? cJSON_GetArraySize(cmds) : 1;
	FUZZ_CHECK(cJSON_GetArraySize(responses) == want, "%d answers for %d commands", cJSON_GetArraySize(responses), want);
	FUZZ_CHECK(policy_rule_count(snap->policy) == rules, "the policy changed");
	cJSON_Delete(req);
	cJSON_Delete(doc);
	free(answer);
	return 0;
}
