/* certacl command-line tool: who and what `diff` and `matrix` ask about (see
 * survey.h). Collects identities and topic classes from loaded snapshots; the
 * decisions themselves are cli_decide()'s. */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/x509v3.h>

#include "cli_args.h"
#include "survey.h"

/* Where the topic of a read or write question puts a wildcard level. */
static const char ANY_LEVEL[] = "any";

/* Is an identity with this username (and no certificate) already listed? */
static survey_identity *find_user(survey *sv, const char *user)
{
	for(size_t i = 0; i < sv->nids; i++){
		if(!sv->ids[i].cert && sv->ids[i].user && strcmp(sv->ids[i].user, user) == 0) return &sv->ids[i];
	}
	return NULL;
}

/* Append an identity (strings copied); NULL at the limit or on out-of-memory. */
static survey_identity *add_identity(survey *sv, const char *label, const char *user,
		const char *cert)
{
	if(sv->nids == SURVEY_MAX_IDENTITIES) return NULL;
	survey_identity *ni = realloc(sv->ids, (sv->nids + 1) * sizeof(*ni));
	if(!ni) return NULL;
	sv->ids = ni;
	survey_identity *id = &sv->ids[sv->nids];
	memset(id, 0, sizeof(*id));
	id->label = strdup(label);
	id->user = user ? strdup(user) : NULL;
	id->cert = cert ? strdup(cert) : NULL;
	if(!id->label || (user && !id->user) || (cert && !id->cert)){
		free(id->label); free(id->user); free(id->cert);
		return NULL;
	}
	sv->nids++;
	return id;
}

/* Add `group` to a user identity's groups (once). */
static void add_group(survey_identity *id, const char *group)
{
	for(size_t g = 0; g < id->ngroups; g++){
		if(strcmp(id->groups[g], group) == 0) return;
	}
	if(id->ngroups < sizeof(id->groups) / sizeof(id->groups[0])) id->groups[id->ngroups++] = group;
}

/* A username with the groups the map gives it (its first entry wins, as at
 * CONNECT). */
static bool add_user(survey *sv, const char *user, const char *const *groups, size_t ngroups)
{
	survey_identity *id = find_user(sv, user);
	if(!id){
		char label[400];
		snprintf(label, sizeof(label), "user '%.300s'", user);
		id = add_identity(sv, label, user, NULL);
		if(!id) return false;
		for(size_t g = 0; g < ngroups; g++) add_group(id, groups[g]);
	}
	return true;
}

/* Does some listed identity already have group `g`? */
static bool group_covered(const survey *sv, const char *g)
{
	for(size_t i = 0; i < sv->nids; i++){
		for(size_t k = 0; k < sv->ids[i].ngroups; k++){
			if(strcmp(sv->ids[i].groups[k], g) == 0) return true;
		}
	}
	return false;
}

/* Map entries that give a username: their user with their groups. A "*" entry
 * counts only when its identity is exact (then it is the username). */
static bool collect_map(survey *sv, const certacl_snapshot *s)
{
	for(size_t i = 0; s->map && i < idmap_count(s->map); i++){
		const certacl_map_entry *e = idmap_entry_at(s->map, i);
		const char *user = e->username ? e->username : e->is_glob ? NULL : e->pattern;
		if(user && !add_user(sv, user, e->groups, e->ngroups)) return false;
	}
	return true;
}

/* User sections, the anonymous section, and a member for every group no
 * listed identity is in (username "~GROUP", in no user section). */
static bool collect_sections(survey *sv, const certacl_snapshot *s)
{
	const certacl_policy *p = s->policy;
	for(size_t i = 0; i < policy_rule_count(p); i++){
		const certacl_rule *r = policy_rule_at(p, i);
		if(r->section == CERTACL_SECTION_USER && !add_user(sv, r->section_name, NULL, 0)) return false;
		if(r->section == CERTACL_SECTION_ANON && !find_user(sv, "")){
			/* the empty name marks the client without username (never a section) */
			survey_identity *id = add_identity(sv, "client without username", "", NULL);
			if(!id) return false;
		}
	}
	for(size_t i = 0; i < policy_rule_count(p); i++){
		const certacl_rule *r = policy_rule_at(p, i);
		bool grouped = r->section == CERTACL_SECTION_GROUP
			|| (r->section == CERTACL_SECTION_PATTERN && r->section_name);
		if(!grouped || group_covered(sv, r->section_name)) continue;
		char user[300], label[400];
		snprintf(user, sizeof(user), "~%.250s", r->section_name);
		snprintf(label, sizeof(label), "member of group '%.250s'", r->section_name);
		survey_identity *id = add_identity(sv, label, user, NULL);
		if(!id) return false;
		add_group(id, r->section_name);
	}
	return true;
}

/* Every distinct rule filter (with whether it is a pattern's). */
static bool collect_classes(survey *sv, const certacl_snapshot *s)
{
	const certacl_policy *p = s->policy;
	for(size_t i = 0; i < policy_rule_count(p); i++){
		const certacl_rule *r = policy_rule_at(p, i);
		bool pattern = r->section == CERTACL_SECTION_PATTERN, seen = false;
		for(size_t k = 0; k < sv->nclasses && !seen; k++){
			seen = sv->classes[k].pattern == pattern && strcmp(sv->classes[k].filter, r->filter) == 0;
		}
		if(seen) continue;
		if(sv->nclasses == SURVEY_MAX_CLASSES) return false;
		survey_class *nc = realloc(sv->classes, (sv->nclasses + 1) * sizeof(*nc));
		if(!nc) return false;
		sv->classes = nc;
		sv->classes[sv->nclasses++] = (survey_class){ r->filter, pattern };
	}
	return true;
}

/* A certificate file as an identity; with `clients_only`, CA certificates and
 * those whose key usage excludes TLS clients (a server's) are left out. */
static bool add_cert(survey *sv, const char *path, bool clients_only, char *err, size_t errsz)
{
	X509 *x = cli_load_cert(path, err, errsz);
	if(!x) return false;
	bool client = X509_check_ca(x) <= 0 && X509_check_purpose(x, X509_PURPOSE_SSL_CLIENT, 0) == 1;
	X509_free(x);
	if(!client && clients_only) return true;
	char label[4200];
	snprintf(label, sizeof(label), "cert %.4000s", path);
	if(!add_identity(sv, label, NULL, path)){
		snprintf(err, errsz, "certacl: out of memory, or more than %d identities",
				SURVEY_MAX_IDENTITIES);
		return false;
	}
	return true;
}

int survey_cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every client certificate (*.pem) of `dir`, in name order. */
static bool add_cert_dir(survey *sv, const char *dir, char *err, size_t errsz)
{
	DIR *d = opendir(dir);
	if(!d){
		snprintf(err, errsz, "%s: cannot open the certificate directory", dir);
		return false;
	}
	char *names[SURVEY_MAX_IDENTITIES];
	size_t n = 0;
	bool ok = true;
	for(struct dirent *e; ok && (e = readdir(d)) != NULL; ){
		size_t len = strlen(e->d_name), size = strlen(dir) + len + 2;
		if(len < 5 || strcmp(e->d_name + len - 4, ".pem") != 0) continue;
		if(n == SURVEY_MAX_IDENTITIES || !(names[n] = malloc(size))){
			snprintf(err, errsz, "%s: too many certificates, or out of memory", dir);
			ok = false;
			break;
		}
		snprintf(names[n++], size, "%s/%s", dir, e->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), survey_cmp_names);
	for(size_t i = 0; i < n; i++){
		if(ok) ok = add_cert(sv, names[i], true, err, errsz);
		free(names[i]);
	}
	return ok;
}

bool survey_collect(survey *sv, const certacl_snapshot *const *sides, size_t nsides,
		const char *cert, const char *certs_dir, char *err, size_t errsz)
{
	memset(sv, 0, sizeof(*sv));
	if(cert && !add_cert(sv, cert, false, err, errsz)) return false;
	if(certs_dir && !add_cert_dir(sv, certs_dir, err, errsz)) return false;
	bool ok = true;
	for(size_t i = 0; ok && i < nsides; i++) ok = collect_map(sv, sides[i]);
	for(size_t i = 0; ok && i < nsides; i++) ok = collect_sections(sv, sides[i]) && collect_classes(sv, sides[i]);
	if(!ok) snprintf(err, errsz, "certacl: out of memory, or more than %d identities or "
			"topic classes", SURVEY_MAX_IDENTITIES);
	return ok;
}

/* Free the identities (their strings) and the class list. */
void survey_free(survey *sv)
{
	for(size_t i = 0; i < sv->nids; i++){
		free(sv->ids[i].label);
		free(sv->ids[i].user);
		free(sv->ids[i].cert);
	}
	free(sv->ids);
	free(sv->classes);
	memset(sv, 0, sizeof(*sv));
}

/* The values an identity gives placeholders under snapshot s: a certificate's
 * from the CONNECT step (auth, to be freed by the caller), else its username.
 * The client id stays unknown, as in `explain` without --client-id. False when
 * the certificate is refused or unreadable. */
static bool identity_values(const certacl_snapshot *s, const survey_identity *id,
		certacl_auth_result *auth, bool *have_auth, certacl_subject *who)
{
	memset(who, 0, sizeof(*who));
	*have_auth = false;
	if(!id->cert){
		who->vars[CERTACL_VAR_USERNAME] = id->user && id->user[0] ? id->user : NULL;
		return true;
	}
	char why[300];
	X509 *x = cli_load_cert(id->cert, why, sizeof(why));
	if(!x) return false;
	certacl_connect c = { .cert = x };
	auth_decide(s, &c, auth);
	X509_free(x);
	*have_auth = true;
	if(auth->verdict != CERTACL_AUTH_ALLOW) return false;
	cert_values_to_subject(&auth->cert, who);
	who->vars[CERTACL_VAR_USERNAME] = auth->username;
	return true;
}

/* Append level s[0..len) (with its '/') to out; false when it does not fit. */
static bool put_level(char *out, size_t n, size_t *o, const char *s, size_t len)
{
	if(*o + len + 2 > n) return false;
	if(*o) out[(*o)++] = '/';
	memcpy(out + *o, s, len);
	*o += len;
	out[*o] = '\0';
	return true;
}

bool survey_filter(const certacl_snapshot *s, const survey_identity *id,
		const survey_class *c, char *out, size_t n)
{
	certacl_auth_result auth;
	bool have_auth, ok = true;
	certacl_subject who;
	bool known = identity_values(s, id, &auth, &have_auth, &who);
	size_t o = 0;
	out[0] = '\0';
	for(const char *l = c->filter; ok; ){
		size_t len = strcspn(l, "/");
		const char *val = l;
		size_t vlen = len;
		for(int v = 0; c->pattern && v < CERTACL_VAR_COUNT; v++){
			const char *name = certacl_var_name((certacl_var)v);
			if(strlen(name) != len || memcmp(name, l, len) != 0) continue;
			val = known ? who.vars[v] : NULL;
			vlen = val ? strlen(val) : 0;
			ok = val && vlen && !certacl_name_problem(val, vlen, true);
		}
		ok = ok && put_level(out, n, &o, val, vlen);
		if(l[len] != '/') break;
		l += len + 1;
	}
	if(have_auth) auth_result_free(&auth);
	return ok;
}

void survey_question(const survey_identity *id, certacl_access access, unsigned v,
		const char *filter, char *topic_buf, size_t n, cli_question *q)
{
	memset(q, 0, sizeof(*q));
	q->cert = id->cert;
	q->user = id->cert || !id->user || !id->user[0] ? NULL : id->user;
	q->ngroups = id->cert ? 0 : id->ngroups;
	memcpy(q->groups, id->groups, q->ngroups * sizeof(q->groups[0]));
	q->access = access;
	q->topic = filter;
	if(access == CERTACL_SUBSCRIBE) return;
	size_t o = 0;
	topic_buf[0] = '\0';
	for(const char *l = filter; ; ){
		size_t len = strcspn(l, "/");
		bool wild = len == 1 && (l[0] == '+' || l[0] == '#');
		if(!put_level(topic_buf, n, &o, wild ? ANY_LEVEL : l, wild ? strlen(ANY_LEVEL) : len)) break;
		if(l[len] != '/') break;
		l += len + 1;
	}
	q->topic = topic_buf;
	q->qos = (int)(v / 2);
	q->retain = v % 2 == 1;
}
