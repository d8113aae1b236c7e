/* certacl: the CONNECT decision (see auth.h). One function so that the plugin,
 * the CLI's `identity` command and the tests all refuse for the same reasons. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

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

void auth_decide(const certacl_snapshot *s, X509 *cert,
		const char *client_id, certacl_auth_result *out)
{
	const certacl_options *o = &s->opts;
	char shown[300];
	const char *why;
	(void)client_id;

	memset(out, 0, sizeof(*out));
	if(!cert){
		if(o->no_cert == CERTACL_NOCERT_DEFER){
			out->verdict = CERTACL_AUTH_DEFER;
			snprintf(out->why, sizeof(out->why),
					"no client certificate: deferring to password_file or other plugins");
		}else{
			refuse(out, "no client certificate (plugin_opt_no_cert deny)");
		}
		return;
	}
	why = identity_from_cert(cert, &o->identity, out->identity, sizeof(out->identity));
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
	}else if(o->unmapped == CERTACL_UNMAPPED_DENY){
		refuse(out, "identity '%s' is not in the identity map%s", shown,
				" (plugin_opt_unmapped deny)");
		return;
	}
	if((why = certacl_name_problem(username, strlen(username), true))){
		certacl_escape(username, strlen(username), shown, sizeof(shown));
		refuse(out, "username '%s' %s (map the identity to a safe username)", shown, why);
		return;
	}
	snprintf(out->username, sizeof(out->username), "%s", username);
	out->verdict = CERTACL_AUTH_ALLOW;
}
