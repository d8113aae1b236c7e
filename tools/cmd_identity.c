/* certacl identity: a certificate's fields, and what the plugin would make of
 * it at CONNECT (auth_decide(), the plugin's own decision): the identity, the
 * username and groups, or why it would be refused. */
#include <arpa/inet.h>
#include <string.h>

#include <openssl/x509v3.h>

#include "certacl/auth.h"
#include "cli_args.h"
#include "commands.h"

static const char identity_help[] =
"Usage: certacl identity CERT.pem [OPTIONS]\n"
"\n"
"Show a client certificate's fields (subject, issuer, serial, SHA-256, CN, OU, O,\n"
"subjectAltNames, validity), the identity taken from the configured field, the\n"
"username and groups it maps to, and whether the plugin would accept it at CONNECT\n"
"(or why not). The chain is not verified here: the broker checks it against its\n"
"cafile before the plugin sees the certificate. Without an ACL file only the\n"
"identity and the mapping are shown.\n"
"\n"
"Options:\n"
"  --client-id ID          the client id the client would connect with\n"
"\n"
"%s"
"\n"
"Exit status: 0 accepted, 1 refused at CONNECT, 2 usage error or unreadable input.\n";

/* Everything shown about one certificate. */
typedef struct id_report {
	const char *path;
	certacl_cert_values v;
	cJSON *sans; /* {"dns": [...], "email": [...], "uri": [...], "ip": [...]} */
	char not_before[64], not_after[64];
	certacl_auth_result res;
} id_report;

/* A certificate time as OpenSSL prints it ("Jan  2 03:04:05 2030 GMT"). */
static void time_text(const ASN1_TIME *t, char *out, size_t n)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *data;
	long len = 0;
	snprintf(out, n, "?");
	if(b && ASN1_TIME_print(b, t)) len = BIO_get_mem_data(b, &data);
	if(len > 0) snprintf(out, n, "%.*s", (int)len, data);
	BIO_free(b);
}

/* One subjectAltName entry for display (control characters escaped). */
static void add_san(cJSON *sans, const GENERAL_NAME *g)
{
	char text[600];
	const char *kind = NULL;
	if(g->type == GEN_DNS || g->type == GEN_EMAIL || g->type == GEN_URI){
		kind = g->type == GEN_DNS ? "dns" : g->type == GEN_EMAIL ? "email" : "uri";
		certacl_escape((const char *)ASN1_STRING_get0_data(g->d.ia5),
				(size_t)ASN1_STRING_length(g->d.ia5), text, sizeof(text));
	}else if(g->type == GEN_IPADD){
		int len = ASN1_STRING_length(g->d.ip);
		kind = "ip";
		if(!inet_ntop(len == 16 ? AF_INET6 : AF_INET, ASN1_STRING_get0_data(g->d.ip),
				text, sizeof(text)) || (len != 4 && len != 16)){
			snprintf(text, sizeof(text), "?");
		}
	}
	if(kind) cJSON_AddItemToArray(cJSON_GetObjectItem(sans, kind), cJSON_CreateString(text));
}

/* Every subjectAltName entry, by type (the core keeps only the first of each). */
static cJSON *san_lists(X509 *cert)
{
	cJSON *sans = cJSON_CreateObject();
	cJSON_AddArrayToObject(sans, "dns");
	cJSON_AddArrayToObject(sans, "email");
	cJSON_AddArrayToObject(sans, "uri");
	cJSON_AddArrayToObject(sans, "ip");
	GENERAL_NAMES *names = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
	for(int i = 0; names && i < sk_GENERAL_NAME_num(names); i++){
		add_san(sans, sk_GENERAL_NAME_value(names, i));
	}
	GENERAL_NAMES_free(names);
	return sans;
}

/* A string member, or null when the value is absent. */
static void add_str(cJSON *o, const char *key, const char *value)
{
	if(value) cJSON_AddStringToObject(o, key, value);
	else cJSON_AddNullToObject(o, key);
}

/* The CONNECT verdict as JSON names it. */
static const char *verdict_name(certacl_auth_verdict v)
{
	return v == CERTACL_AUTH_ALLOW ? "accept" : v == CERTACL_AUTH_DEFER ? "defer" : "refuse";
}

/* An array of strings. */
static cJSON *strings_json(const char *const *v, size_t n)
{
	cJSON *g = cJSON_CreateArray();
	for(size_t i = 0; i < n; i++) cJSON_AddItemToArray(g, cJSON_CreateString(v[i]));
	return g;
}

/* The identity-map entry that matched, or null. */
static cJSON *entry_json(const certacl_map_entry *e)
{
	if(!e) return cJSON_CreateNull();
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "file", e->file);
	cJSON_AddNumberToObject(o, "line", e->line);
	cJSON_AddStringToObject(o, "pattern", e->pattern);
	add_str(o, "username", e->username);
	cJSON_AddItemToObject(o, "groups", strings_json(e->groups, e->ngroups));
	add_str(o, "issuer", e->issuer);
	return o;
}

/* The report as one JSON object. */
static void print_json(const id_report *r, const certacl_snapshot *s, bool no_policy)
{
	const certacl_cert_values *v = &r->v;
	bool ok = r->res.verdict == CERTACL_AUTH_ALLOW;
	cJSON *doc = cJSON_CreateObject();
	cJSON_AddStringToObject(doc, "certificate", r->path);
	add_str(doc, "subject", v->dn);
	add_str(doc, "issuer", v->issuer_dn);
	add_str(doc, "serial", v->serial);
	add_str(doc, "sha256", v->sha256);
	cJSON_AddStringToObject(doc, "not_before", r->not_before);
	cJSON_AddStringToObject(doc, "not_after", r->not_after);
	add_str(doc, "cn", v->cn);
	add_str(doc, "ou", v->ou);
	add_str(doc, "o", v->o);
	cJSON_AddItemToObject(doc, "san", cJSON_Duplicate(r->sans, true));
	cJSON_AddStringToObject(doc, "identity_field", id_spec_name(&s->opts.identity));
	add_str(doc, "identity", r->res.identity[0] ? r->res.identity : NULL);
	cJSON_AddItemToObject(doc, "map_entry", entry_json(r->res.entry));
	add_str(doc, "username", ok ? r->res.username : NULL);
	cJSON_AddItemToObject(doc, "groups", strings_json((const char *const *)r->res.groups,
			ok ? r->res.ngroups : 0));
	if(ok && !no_policy) cJSON_AddBoolToObject(doc, "user_section", policy_has_user(s->policy, r->res.username));
	else cJSON_AddNullToObject(doc, "user_section");
	cJSON_AddStringToObject(doc, "verdict", verdict_name(r->res.verdict));
	add_str(doc, "why", ok ? NULL : r->res.why);
	cli_json_out(doc);
}

/* "label   value" with the value's control characters escaped. */
static void line(const char *label, const char *value)
{
	char shown[1200];
	if(!value){
		printf("%-13s (none)\n", label);
		return;
	}
	certacl_escape(value, strlen(value), shown, sizeof(shown));
	printf("%-13s %s\n", label, shown);
}

/* Every subjectAltName on one line: "DNS:a, email:b". */
static void print_sans(const cJSON *sans)
{
	static const char *const kinds[] = { "dns", "email", "uri", "ip" };
	static const char *const shown[] = { "DNS", "email", "URI", "IP" };
	bool any = false;
	printf("%-13s ", "SAN");
	for(size_t k = 0; k < 4; k++){
		const cJSON *it;
		cJSON_ArrayForEach(it, cJSON_GetObjectItem(sans, kinds[k])){
			printf("%s%s:%s", any ? ", " : "", shown[k], it->valuestring);
			any = true;
		}
	}
	printf("%s\n", any ? "" : "(none)");
}

/* The mapping step in words. */
static void print_mapping(const id_report *r, const certacl_snapshot *s)
{
	const certacl_map_entry *e = r->res.entry;
	if(!r->res.identity[0]) return; /* refused before the mapping step */
	if(e){
		printf("%-13s %s:%u: '%s' -> %s\n", "map entry", e->file, e->line, e->pattern,
				e->username ? e->username : "* (the identity itself)");
	}else if(!s->map){
		printf("%-13s (no identity map: the identity is the username)\n", "map entry");
	}else{
		printf("%-13s (none matches: %s)\n", "map entry", s->opts.unmapped == CERTACL_UNMAPPED_DENY
				? "refused, plugin_opt_unmapped deny" : "the identity is the username");
	}
}

/* The report as "label value" lines, ending with the CONNECT result. */
static void print_plain(const id_report *r, const certacl_snapshot *s, bool no_policy)
{
	const certacl_cert_values *v = &r->v;
	char buf[600];
	line("certificate", r->path);
	line("subject", v->dn);
	line("issuer", v->issuer_dn);
	line("serial", v->serial);
	line("sha256", v->sha256);
	printf("%-13s %s to %s\n", "valid", r->not_before, r->not_after);
	line("CN", v->cn_count > 1 ? "(several CN entries)" : v->cn);
	line("OU", v->ou);
	line("O", v->o);
	print_sans(r->sans);
	snprintf(buf, sizeof(buf), "%s (field %s)", r->res.identity[0] ? r->res.identity : "(none)",
			id_spec_name(&s->opts.identity));
	line("identity", buf);
	print_mapping(r, s);
	if(r->res.verdict != CERTACL_AUTH_ALLOW){
		printf("%-13s refused at CONNECT: %s\n", "result", r->res.why);
		return;
	}
	line("username", r->res.username);
	printf("%-13s ", "groups");
	for(size_t i = 0; i < r->res.ngroups; i++) printf("%s%s", i ? ", " : "", r->res.groups[i]);
	printf("%s\n", r->res.ngroups ? "" : "(none)");
	if(no_policy) printf("%-13s (no ACL file given)\n", "acl");
	else if(policy_has_user(s->policy, r->res.username)) printf("%-13s section 'user %s'\n", "acl", r->res.username);
	else printf("%-13s no 'user %s' section: only group and pattern rules apply\n", "acl", r->res.username);
	printf("%-13s accepted at CONNECT as user '%s'\n", "result", r->res.username);
}

/* Load the certificate, ask the core, print. */
static int identify(cli_args *a, const certacl_snapshot *s)
{
	id_report r = { .path = a->pos[0] };
	char why[1200];
	X509 *cert = cli_load_cert(r.path, why, sizeof(why));
	if(!cert) return cli_fail(a, why);
	if(!cert_values_capture(cert, &r.v)){
		X509_free(cert);
		return cli_fail(a, "certacl identity: out of memory");
	}
	r.sans = san_lists(cert);
	time_text(X509_get0_notBefore(cert), r.not_before, sizeof(r.not_before));
	time_text(X509_get0_notAfter(cert), r.not_after, sizeof(r.not_after));
	/* Client-id ownership needs live connections: not checked here. */
	certacl_connect c = { .cert = cert, .client_id = a->client_id };
	auth_decide(s, &c, &r.res);
	if(a->json) print_json(&r, s, a->no_policy);
	else print_plain(&r, s, a->no_policy);
	int rc = r.res.verdict == CERTACL_AUTH_ALLOW ? CLI_OK : CLI_NO;
	auth_result_free(&r.res);
	cJSON_Delete(r.sans);
	cert_values_free(&r.v);
	X509_free(cert);
	return rc;
}

/* certacl identity CERT.pem: the options (an ACL file is optional here). */
int cmd_identity(int argc, char **argv)
{
	cli_args a;
	certacl_error err;
	int rc = CLI_ERROR;
	if(!cli_parse(&a, "identity", argc, argv, F_CLIENT_ID)) goto out;
	if(a.seen & F_HELP){
		printf(identity_help, cli_options_help);
		rc = CLI_OK;
		goto out;
	}
	if(a.npos != 1){
		rc = cli_usage_error(&a, "%s", a.npos ? "one certificate at a time" : "no certificate given");
		goto out;
	}
	certacl_snapshot *s = cli_snapshot(&a, false, &err);
	if(!s){
		rc = cli_fail(&a, err.text);
		goto out;
	}
	rc = identify(&a, s);
	snapshot_free(s);
out:
	cli_args_free(&a);
	return rc;
}
