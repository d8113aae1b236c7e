/* certacl fuzzer: identity extraction from arbitrary DER certificates.
 *
 * The input is DER. When d2i_X509 parses it: cert_values_capture /
 * cert_values_free, identity_from_cert for every field (and SAN indexes 0 and
 * 1) into a full-size buffer and into a small one, and auth_decide with a
 * minimal snapshot. What identity.c promises, asserted exactly:
 *
 *   - identity_from_cert returns NULL or a reason; on NULL `out` is
 *     NUL-terminated inside the buffer, non-empty, valid UTF-8 without NUL
 *     (certacl_utf8_valid and the reference), and at most 256 bytes; serial and
 *     sha256 are lower-case hex (sha256 64 digits). Control characters, '+',
 *     '#' and '/' are NOT refused there (the caller checks the final name).
 *   - every captured value is a NUL-free valid UTF-8 string; cn is NULL when the
 *     subject has several CNs; a captured value and identity_from_cert agree.
 *   - auth_decide ALLOWs only a username that certacl_name_problem accepts for
 *     topic use (no control characters, '+', '#', '/', <= 256 bytes), and its
 *     groups (map, OU, O) are usable names; cert_subject_all likewise.
 */
#include <openssl/x509.h>

#include "certacl/auth.h"
#include "certacl/config.h"
#include "certacl/identity.h"
#include "fuzz_util.h"
#include "ref_topic.h"

#define OUTSZ (CERTACL_IDENTITY_MAX * 4 + 1) /* what auth_decide uses */

static const struct { const char *name; certacl_id_field field; unsigned index; } specs[] = {
	{ "cn", CERTACL_ID_CN, 0 }, { "dn", CERTACL_ID_DN, 0 },
	{ "san-dns", CERTACL_ID_SAN_DNS, 0 }, { "san-dns:2", CERTACL_ID_SAN_DNS, 1 },
	{ "san-email", CERTACL_ID_SAN_EMAIL, 0 }, { "san-email:2", CERTACL_ID_SAN_EMAIL, 1 },
	{ "san-uri", CERTACL_ID_SAN_URI, 0 }, { "san-uri:2", CERTACL_ID_SAN_URI, 1 },
	{ "serial", CERTACL_ID_SERIAL, 0 }, { "sha256", CERTACL_ID_SHA256, 0 },
};
#define NSPECS (sizeof(specs) / sizeof(specs[0]))

static void check_value(const char *what, const char *v)
{
	if(!v) return;
	size_t n = strlen(v);
	FUZZ_CHECK(certacl_utf8_valid(v, n) && ref_utf8_valid(v, n),
			"cert_values_capture: %s %s is not valid UTF-8", what, fz_show(v));
}

static bool is_lower_hex(const char *s, bool allow_minus)
{
	if(allow_minus && *s == '-') s++;
	if(!*s) return false;
	for(; *s; s++) if(!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f'))) return false;
	return true;
}

/* identity_from_cert into a buffer of exactly outsz bytes (ASan sees overflows). */
static const char *identity(X509 *cert, size_t k, size_t outsz, char **outp)
{
	certacl_id_spec spec = { .field = specs[k].field, .san_index = specs[k].index };
	char *out = malloc(outsz);
	if(!out) abort();
	memset(out, 0xA5, outsz);
	const char *why = identity_from_cert(cert, &spec, out, outsz);
	if(why){
		FUZZ_CHECK(why[0] != '\0', "identity_from_cert(%s) gave an empty reason", specs[k].name);
		free(out);
		*outp = NULL;
		return why;
	}
	size_t n = strnlen(out, outsz);
	FUZZ_CHECK(n < outsz, "identity_from_cert(%s, outsz %zu): identity not NUL-terminated",
			specs[k].name, outsz);
	FUZZ_CHECK(n > 0, "identity_from_cert(%s): empty identity accepted", specs[k].name);
	FUZZ_CHECK(n <= CERTACL_IDENTITY_MAX, "identity_from_cert(%s): %zu bytes accepted",
			specs[k].name, n);
	FUZZ_CHECK(certacl_utf8_valid(out, n) && ref_utf8_valid(out, n),
			"identity_from_cert(%s): %s is not valid UTF-8", specs[k].name, fz_show_n(out, n));
	if(specs[k].field == CERTACL_ID_SHA256){
		FUZZ_CHECK(n == 64 && is_lower_hex(out, false), "sha256 identity %s", fz_show(out));
	}
	if(specs[k].field == CERTACL_ID_SERIAL){
		FUZZ_CHECK(is_lower_hex(out, true), "serial identity %s is not lower-case hex", fz_show(out));
	}
	*outp = out;
	return NULL;
}

/* A captured value and the identity of the same field must agree. */
static void agree(const char *field, const char *captured, const char *why, const char *id)
{
	if(!why){
		FUZZ_CHECK(captured && strcmp(captured, id) == 0,
				"identity %s = %s but captured %s = %s", field, fz_show(id), field, fz_show(captured));
	}else if(captured && strlen(captured) <= CERTACL_IDENTITY_MAX){
		FUZZ_FAIL("captured %s = %s but identity_from_cert refuses it: %s", field,
				fz_show(captured), why);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const unsigned char *p = data;
	X509 *cert = d2i_X509(NULL, &p, (long)size);
	if(!cert) return 0;

	certacl_cert_values v;
	FUZZ_CHECK(cert_values_capture(cert, &v), "cert_values_capture failed");
	check_value("cn", v.cn);
	check_value("dn", v.dn);
	check_value("ou", v.ou);
	check_value("o", v.o);
	check_value("serial", v.serial);
	check_value("sha256", v.sha256);
	check_value("san_dns", v.san_dns);
	check_value("san_email", v.san_email);
	check_value("san_uri", v.san_uri);
	check_value("issuer_dn", v.issuer_dn);
	FUZZ_CHECK(!(v.cn && v.cn_count != 1), "cn %s kept with %u CN entries", fz_show(v.cn), v.cn_count);

	const char *captured[NSPECS] = {
		v.cn_count == 1 ? v.cn : NULL, v.dn, v.san_dns, NULL, v.san_email, NULL,
		v.san_uri, NULL, v.serial, v.sha256,
	};
	/* A small buffer too: the result must still be NUL-terminated inside it. */
	size_t small = 1 + size % 70;
	for(size_t k = 0; k < NSPECS; k++){
		char *id = NULL, *id_small = NULL;
		const char *why = identity(cert, k, OUTSZ, &id);
		if(specs[k].index == 0) agree(specs[k].name, captured[k], why, id);
		const char *why_small = identity(cert, k, small, &id_small);
		if(!why_small){
			FUZZ_CHECK(id && strcmp(id, id_small) == 0, "identity_from_cert(%s) differs with outsz %zu: "
					"%s vs %s", specs[k].name, small, fz_show(id), fz_show(id_small));
		}
		free(id);
		free(id_small);
	}
	cert_values_free(&v);

	/* OU / O entries as groups: only usable names, at most max. */
	for(int f = 0; f < 2; f++){
		char *gs[3];
		size_t ng = cert_subject_all(cert, f ? "o" : "ou", gs, 3);
		FUZZ_CHECK(ng <= 3, "cert_subject_all returned %zu > max", ng);
		for(size_t g = 0; g < ng; g++){
			FUZZ_CHECK(gs[g] && certacl_name_problem(gs[g], strlen(gs[g]), false) == NULL,
					"cert_subject_all gave unusable group %s", fz_show(gs[g]));
			free(gs[g]);
		}
	}

	/* The CONNECT decision: an allowed username is always a safe name, and the
	 * groups are usable names. Once without a map, once with a map whose glob
	 * keeps the identity as username and adds a group. */
	certacl_snapshot s;
	certacl_error err;
	memset(&s, 0, sizeof(s));
	options_init(&s.opts);
	s.opts.groups_from_ou = s.opts.groups_from_o = true;
	s.policy = policy_new();
	FUZZ_CHECK(s.policy && policy_finish(s.policy, &err), "empty policy");
	static const char map_text[] = "* * fleet\n";
	for(int withmap = 0; withmap < 2; withmap++){
		s.map = withmap ? idmap_load_text("fuzz.map", map_text, sizeof(map_text) - 1, &err) : NULL;
		FUZZ_CHECK(!withmap || s.map, "map: %s", err.text);
		for(size_t k = 0; k < NSPECS; k++){
			certacl_auth_result r;
			certacl_connect c = { .cert = cert, .client_id = "client-1", .username = "admin" };
			s.opts.identity.field = specs[k].field;
			s.opts.identity.san_index = specs[k].index;
			auth_decide(&s, &c, &r);
			FUZZ_CHECK(memchr(r.why, '\0', sizeof(r.why)), "auth_decide: why not terminated");
			if(r.verdict == CERTACL_AUTH_ALLOW){
				size_t n = strnlen(r.username, sizeof(r.username));
				FUZZ_CHECK(n < sizeof(r.username), "auth_decide: username not terminated");
				FUZZ_CHECK(certacl_name_problem(r.username, n, true) == NULL,
						"auth_decide(%s) allowed unsafe username %s", specs[k].name,
						fz_show(r.username));
				FUZZ_CHECK(r.ngroups <= CERTACL_MAX_GROUPS, "auth_decide: %zu groups", r.ngroups);
				for(size_t g = 0; g < r.ngroups; g++){
					FUZZ_CHECK(r.groups[g] && certacl_name_problem(r.groups[g],
								strlen(r.groups[g]), false) == NULL,
							"auth_decide(%s) gave unusable group %s", specs[k].name,
							fz_show(r.groups[g]));
				}
			}else{
				FUZZ_CHECK(r.verdict == CERTACL_AUTH_REFUSE && r.why[0],
						"auth_decide(%s): verdict %d without a reason", specs[k].name, r.verdict);
			}
			auth_result_free(&r);
		}
		idmap_free(s.map);
		s.map = NULL;
	}
	policy_free(s.policy);
	options_free(&s.opts);
	X509_free(cert);
	return 0;
}
