/* certacl: the CONNECT decision (see auth.h). One function so that the plugin,
 * the CLI's `identity` command and the tests all refuse for the same reasons.
 * Checks run from the cheapest and most certain refusal to the last. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/x509v3.h>

#include "certacl/auth.h"

static void refuse(certacl_auth_result *out, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void refuse(certacl_auth_result *out, const char *fmt, ...)
{
	va_list ap;
	out->verdict = CERTACL_AUTH_REFUSE;
	va_start(ap, fmt);
	vsnprintf(out->why, sizeof(out->why), fmt, ap);
	va_end(ap);
}

/* Characters that may follow the username in a client id under "prefix". */
#define CLIENTID_SEPARATORS "-_.:/@"

/* Client-id binding. "owned": an id held by a live connection of another user
 * cannot be taken (stock mosquitto would disconnect the holder and fire its
 * will), nor can the kept session of another user while it is offline (it
 * would be resumed, or wiped by a clean start). "equal"/"prefix": the id must
 * be the username, or start with it followed by a separator (so user "edge1"
 * cannot use "edge10" or "edge1é", which belong to users "edge10" and "edge1é"). */
const char *clientid_problem(const certacl_snapshot *s, const certacl_conns *conns,
		const char *client_id, const char *username, const void *live)
{
	size_t ul = username ? strlen(username) : 0;
	if(!client_id) return NULL; /* not known (the CLI without --client-id) */
	switch(s->opts.clientid){
	case CERTACL_CLIENTID_ANY:
		return NULL;
	case CERTACL_CLIENTID_EQUAL:
		return username && strcmp(client_id, username) == 0 ? NULL
			: "client id must equal the username (plugin_opt_clientid equal)";
	case CERTACL_CLIENTID_PREFIX: {
		/* The username, then nothing or a separator: "edge1", "edge1-a". */
		bool ok = ul && strncmp(client_id, username, ul) == 0
			&& (client_id[ul] == '\0' || strchr(CLIENTID_SEPARATORS, client_id[ul]));
		return ok ? NULL : "client id must be the username, or start with it followed by "
			"one of '" CLIENTID_SEPARATORS "' (plugin_opt_clientid prefix)";
	}
	case CERTACL_CLIENTID_OWNED: {
		const certacl_conn *owner = conns ? conns_owner(conns, client_id, (int64_t)time(NULL)) : NULL;
		if(!owner || owner->live == live || (username && strcmp(owner->username, username) == 0)){
			return NULL;
		}
		return owner->live ? "client id is in use by a live connection of another user "
			"(takeover refused; plugin_opt_clientid owned)"
			: "client id belongs to another user's persistent session, kept while it is "
			"offline (plugin_opt_clientid owned)";
	}
	}
	return "unknown client id binding";
}

/* Does the certificate's issuer satisfy `pin` (a DN, or sha256 of a CA in
 * ca_file that actually signed it)? */
static bool pin_matches(const certacl_snapshot *s, const char *pin, X509 *cert,
		const certacl_cert_values *v)
{
	if(strncmp(pin, "sha256:", 7) == 0){
		X509 *ca = snapshot_ca_by_pin(s, pin);
		EVP_PKEY *key = ca ? X509_get0_pubkey(ca) : NULL;
		return key && X509_check_issued(ca, cert) == X509_V_OK && X509_verify(cert, key) == 1;
	}
	return v->issuer_dn && strcmp(v->issuer_dn, pin) == 0;
}

static bool issuer_allowed(const certacl_snapshot *s, X509 *cert, const certacl_cert_values *v)
{
	if(s->opts.nissuers == 0) return true;
	for(size_t i = 0; i < s->opts.nissuers; i++){
		if(pin_matches(s, s->opts.issuers[i], cert, v)) return true;
	}
	return false;
}

/* Groups: those of the map entry, then the subject's OU and/or O entries. */
static void collect_groups(const certacl_snapshot *s, X509 *cert, certacl_auth_result *out)
{
	for(size_t g = 0; out->entry && g < out->entry->ngroups && out->ngroups < CERTACL_MAX_GROUPS; g++){
		char *copy = strdup(out->entry->groups[g]);
		if(copy) out->groups[out->ngroups++] = copy;
	}
	if(s->opts.groups_from_ou){
		out->ngroups += cert_subject_all(cert, "ou", out->groups + out->ngroups,
				CERTACL_MAX_GROUPS - out->ngroups);
	}
	if(s->opts.groups_from_o){
		out->ngroups += cert_subject_all(cert, "o", out->groups + out->ngroups,
				CERTACL_MAX_GROUPS - out->ngroups);
	}
}

static void decide_no_cert(const certacl_snapshot *s, const certacl_connect *c,
		certacl_auth_result *out)
{
	if(s->opts.no_cert != CERTACL_NOCERT_DEFER){
		refuse(out, "no client certificate (plugin_opt_no_cert deny)");
		return;
	}
	/* The password check comes later and may fail, but an id held by another
	 * user's live connection is refused whatever the password says. */
	if(s->opts.clientid == CERTACL_CLIENTID_OWNED){
		const char *why = clientid_problem(s, c->conns, c->client_id, c->username, c->live);
		if(why){
			refuse(out, "%s", why);
			return;
		}
	}
	out->verdict = CERTACL_AUTH_DEFER;
	snprintf(out->why, sizeof(out->why),
			"no client certificate: deferring to password_file or other plugins");
}

void auth_decide(const certacl_snapshot *s, const certacl_connect *c, certacl_auth_result *out)
{
	const certacl_options *o = &s->opts;
	char shown[300];
	const char *why;

	memset(out, 0, sizeof(*out));
	if(!c->cert){
		decide_no_cert(s, c, out);
		return;
	}
	if(!cert_values_capture(c->cert, &out->cert)){
		refuse(out, "out of memory reading the certificate");
		return;
	}
	out->have_cert = true;
	if(s->deny && denylist_match(s->deny, &out->cert, out->why, sizeof(out->why))){
		out->verdict = CERTACL_AUTH_REFUSE;
		return;
	}
	if(s->crls && crls_check(s->crls, c->cert, o->crl_stale, time(NULL), out->why, sizeof(out->why))){
		out->verdict = CERTACL_AUTH_REFUSE;
		return;
	}
	if(!issuer_allowed(s, c->cert, &out->cert)){
		refuse(out, "certificate issuer '%s' is not one of the pinned issuers (plugin_opt_issuer)",
				out->cert.issuer_dn ? out->cert.issuer_dn : "?");
		return;
	}
	why = identity_from_cert(c->cert, &o->identity, out->identity, sizeof(out->identity));
	if(why){
		refuse(out, "%s (identity field %s)", why, id_spec_name(&o->identity));
		return;
	}
	size_t ilen = strlen(out->identity);
	certacl_escape(out->identity, ilen, shown, sizeof(shown));
	if((why = certacl_name_problem(out->identity, ilen, false))){
		refuse(out, "identity '%s' %s", shown, why);
		return;
	}
	const char *username = out->identity;
	if(s->map) out->entry = idmap_lookup(s->map, out->identity);
	if(out->entry){
		if(out->entry->username) username = out->entry->username;
		if(out->entry->issuer && !pin_matches(s, out->entry->issuer, c->cert, &out->cert)){
			refuse(out, "identity '%s' must be issued by '%s' (%s:%u) but its issuer is '%s'",
					shown, out->entry->issuer, out->entry->file, out->entry->line,
					out->cert.issuer_dn ? out->cert.issuer_dn : "?");
			return;
		}
	}else if(o->unmapped == CERTACL_UNMAPPED_DENY){
		refuse(out, "identity '%s' is not in the identity map (plugin_opt_unmapped deny)", shown);
		return;
	}
	if((why = certacl_name_problem(username, strlen(username), true))){
		certacl_escape(username, strlen(username), shown, sizeof(shown));
		refuse(out, "username '%s' %s (map the identity to a safe username)", shown, why);
		return;
	}
	snprintf(out->username, sizeof(out->username), "%s", username);
	if((why = clientid_problem(s, c->conns, c->client_id, out->username, c->live))){
		refuse(out, "%s", why);
		return;
	}
	collect_groups(s, c->cert, out);
	out->verdict = CERTACL_AUTH_ALLOW;
}

void auth_result_free(certacl_auth_result *r)
{
	for(size_t g = 0; g < r->ngroups; g++) free(r->groups[g]);
	r->ngroups = 0;
	cert_values_free(&r->cert);
	r->have_cert = false;
}
