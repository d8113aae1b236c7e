/* certacl benchmarks: generated ACL policies (mosquitto acl_file syntax).
 *
 *  sparkplug  10 rules per edge node user "nodeN" (group "G<N/100>"): the
 *             least-privilege Sparkplug B rules of SPEC section 4
 *             (write N/D BIRTH/DATA/DEATH of itself, read its NCMD/DCMD and
 *             STATE). Users = rules / 10.
 *  pattern    only `pattern` lines, 5 families per tenant K (K = i / 5):
 *             tenantK/%u/telemetry/# (write), tenantK/%u/cmd/+ (read),
 *             tenantK/%c/config (read), tenantK/devices/%{cn}/state
 *             (readwrite), tenantK/%u/telemetry/secret (deny).
 *  deny       10 rules per user "uN" (area A = N/100), half of them deny:
 *             readwrite site/A/uN/#, deny site/A/uN/locked/+, deny
 *             site/A/uN/admin/#, read site/A/shared/#, deny
 *             site/A/shared/uN/private, deny site/A/shared/+/secrets/#,
 *             write log/uN/#, deny log/uN/audit, read cfg/A/+, deny cfg/A/keys.
 */
#ifndef CERTACL_BENCH_POLICIES_H
#define CERTACL_BENCH_POLICIES_H

#include <stddef.h>

#include "bench_util.h"

typedef enum bench_policy {
	POL_SPARKPLUG = 0,
	POL_PATTERN,
	POL_DENY,
	POL_COUNT
} bench_policy;

const char *bench_policy_name(bench_policy k);
/* Parse a policy name; -1 if unknown. */
int bench_policy_parse(const char *s);

/* Append the text of a policy of `nrules` rules (rounded up to whole users of
 * 10 rules, or 5 patterns for `pattern`) to out. Returns the number of rules. */
size_t bench_policy_text(bench_policy k, size_t nrules, strbuf *out);

/* Users (sections) in a policy of nrules rules; for `pattern` the number of
 * tenants (the user population of requests is independent of it). */
size_t bench_policy_users(bench_policy k, size_t nrules);

#endif
