/* certacl: options -> a complete snapshot. Options come from plugin_opt_* lines
 * or a JSON file (plugin_opt_config) holding the same keys; every value is
 * checked here so the plugin can refuse to start with a precise message. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/stat.h>

#include <cjson/cJSON.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "certacl/clients.h"
#include "certacl/config.h"

#define CONFIG_FILE_MAX (16u * 1024u * 1024u)

enum {
	SET_IDENTITY = 1, SET_MAP = 2, SET_UNMAPPED = 4, SET_NO_CERT = 8, SET_CONFIG = 16,
	SET_CLIENTID = 32, SET_DENY_LIST = 64, SET_CA_FILE = 128, SET_GROUPS_FROM = 256,
	SET_LOG_ALLOWED = 512, SET_STATS = 1024, SET_LOG_PER_CLIENT = 2048, SET_EXPIRED = 4096,
	SET_EXPIRY_WARN = 8192, SET_CRL_STALE = 16384, SET_OWNERS_MAX = 32768,
	SET_OWNERS_PER_USER = 65536, SET_OWNERS_FILE = 131072,
};

void options_init(certacl_options *o)
{
	memset(o, 0, sizeof(*o));
	o->identity.field = CERTACL_ID_CN;
	o->stats_interval = 10;
	o->log_per_client = 10;
	o->expiry_warn_days = 30;
	o->session_owners_max = CERTACL_OWNERS_MAX;
	o->session_owners_per_user = CERTACL_OWNERS_PER_USER;
}

void options_free(certacl_options *o)
{
	for(size_t i = 0; i < o->nacl_files; i++) free(o->acl_files[i]);
	free(o->acl_files);
	free(o->identity_map);
	free(o->deny_list);
	free(o->config);
	free(o->ca_file);
	for(size_t i = 0; i < o->nissuers; i++) free(o->issuers[i]);
	free(o->issuers);
	for(size_t i = 0; i < o->ncrl_files; i++) free(o->crl_files[i]);
	free(o->crl_files);
	free(o->session_owners_file);
	idmap_free(o->inline_map);
	memset(o, 0, sizeof(*o));
}

/* Append each comma-separated, blank-trimmed path of `value`. */
static bool add_acl_files(certacl_options *o, const char *value, const char *where,
		certacl_error *err)
{
	const char *p = value;
	for(;;){
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		const char *s = p;
		while(n && (*s == ' ' || *s == '\t')){ s++; n--; }
		while(n && (s[n-1] == ' ' || s[n-1] == '\t')) n--;
		if(n == 0){
			certacl_error_set(err, where, 0, "acl_file: empty path in '%s'", value);
			return false;
		}
		char **na = realloc(o->acl_files, (o->nacl_files + 1) * sizeof(char *));
		if(!na) goto oom;
		o->acl_files = na;
		if(!(o->acl_files[o->nacl_files] = strndup(s, n))) goto oom;
		o->nacl_files++;
		if(!comma) return true;
		p = comma + 1;
	}
oom:
	certacl_error_set(err, where, 0, "out of memory");
	return false;
}

static bool set_string(char **dst, const char *value, const char *key, const char *where,
		certacl_error *err)
{
	if(value[0] == '\0'){
		certacl_error_set(err, where, 0, "%s: empty value", key);
		return false;
	}
	free(*dst);
	if(!(*dst = strdup(value))){
		certacl_error_set(err, where, 0, "out of memory");
		return false;
	}
	return true;
}

/* One key may be given once (plugin_opt lines or the JSON file, not both). */
static bool mark_set(certacl_options *o, unsigned bit, const char *key, const char *where,
		certacl_error *err)
{
	if(o->set_mask & bit){
		certacl_error_set(err, where, 0, "%s is set more than once", key);
		return false;
	}
	o->set_mask |= bit;
	return true;
}

/* Index of value in the NULL-terminated list `words`, or -1 with err set. */
static int pick(const char *key, const char *value, const char *const *words,
		const char *where, certacl_error *err)
{
	char known[200] = "";
	for(int i = 0; words[i]; i++){
		if(strcmp(value, words[i]) == 0) return i;
		snprintf(known + strlen(known), sizeof(known) - strlen(known), "%s%s",
				i ? ", " : "", words[i]);
	}
	certacl_error_set(err, where, 0, "%s: '%s' is not one of: %s", key, value, known);
	return -1;
}

/* groups_from: "none", "ou", "o" or "ou,o". */
static bool set_groups_from(certacl_options *o, const char *value, const char *where,
		certacl_error *err)
{
	static const char *const words[] = { "none", "ou", "o", "ou,o", "o,ou", NULL };
	int i = pick("groups_from", value, words, where, err);
	if(i < 0) return false;
	o->groups_from_ou = (i == 1 || i == 3 || i == 4);
	o->groups_from_o = (i == 2 || i == 3 || i == 4);
	return true;
}

/* Append one value to a repeatable option (issuer, crl_file). */
static bool add_value(char ***list, size_t *n, const char *key, const char *value,
		const char *where, certacl_error *err)
{
	if(!value[0]){
		certacl_error_set(err, where, 0, "%s: empty value", key);
		return false;
	}
	char **nl = realloc(*list, (*n + 1) * sizeof(char *));
	if(!nl || !(nl[*n] = strdup(value))){
		if(nl) *list = nl;
		certacl_error_set(err, where, 0, "out of memory");
		return false;
	}
	*list = nl;
	(*n)++;
	return true;
}

static bool add_issuer(certacl_options *o, const char *value, const char *where,
		certacl_error *err)
{
	const char *why;
	if(!issuer_pin_valid(value, &why)){
		certacl_error_set(err, where, 0, "issuer: %s", why);
		return false;
	}
	return add_value(&o->issuers, &o->nissuers, "issuer", value, where, err);
}

/* A whole number in [0, max]. */
static bool set_uint(unsigned *dst, const char *key, const char *value, unsigned max,
		const char *where, certacl_error *err)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(value, &end, 10);
	if(!value[0] || *end || errno || value[0] == '-' || v > max){
		certacl_error_set(err, where, 0, "%s: '%s' is not a whole number from 0 to %u",
				key, value, max);
		return false;
	}
	*dst = (unsigned)v;
	return true;
}

bool options_set(certacl_options *o, const char *key, const char *value,
		const char *where, certacl_error *err)
{
	static const char *const clientid_words[] = { "owned", "equal", "prefix", "any", NULL };
	static const char *const bool_words[] = { "false", "true", NULL };
	static const char *const expired_words[] = { "disconnect", "log", NULL };
	static const char *const stale_words[] = { "warn", "deny", NULL };
	int i;
	if(!value) value = "";
	if(strcmp(key, "log_allowed") == 0){
		if(!mark_set(o, SET_LOG_ALLOWED, key, where, err)) return false;
		if((i = pick(key, value, bool_words, where, err)) < 0) return false;
		o->log_allowed = i == 1;
		return true;
	}
	if(strcmp(key, "stats_interval") == 0){
		return mark_set(o, SET_STATS, key, where, err)
			&& set_uint(&o->stats_interval, key, value, 86400, where, err);
	}
	if(strcmp(key, "log_per_client") == 0){
		return mark_set(o, SET_LOG_PER_CLIENT, key, where, err)
			&& set_uint(&o->log_per_client, key, value, 1000000, where, err);
	}
	if(strcmp(key, "expired") == 0){
		if(!mark_set(o, SET_EXPIRED, key, where, err)) return false;
		if((i = pick(key, value, expired_words, where, err)) < 0) return false;
		o->expired = (certacl_expired)i;
		return true;
	}
	if(strcmp(key, "expiry_warn_days") == 0){
		return mark_set(o, SET_EXPIRY_WARN, key, where, err)
			&& set_uint(&o->expiry_warn_days, key, value, 3650, where, err);
	}
	if(strcmp(key, "session_owners_max") == 0){
		return mark_set(o, SET_OWNERS_MAX, key, where, err)
			&& set_uint(&o->session_owners_max, key, value, 100000000, where, err);
	}
	if(strcmp(key, "session_owners_per_user") == 0){
		return mark_set(o, SET_OWNERS_PER_USER, key, where, err)
			&& set_uint(&o->session_owners_per_user, key, value, 100000000, where, err);
	}
	if(strcmp(key, "session_owners_file") == 0){
		return mark_set(o, SET_OWNERS_FILE, key, where, err)
			&& set_string(&o->session_owners_file, value, key, where, err);
	}
	if(strcmp(key, "crl_file") == 0){
		return add_value(&o->crl_files, &o->ncrl_files, key, value, where, err);
	}
	if(strcmp(key, "crl_stale") == 0){
		if(!mark_set(o, SET_CRL_STALE, key, where, err)) return false;
		if((i = pick(key, value, stale_words, where, err)) < 0) return false;
		o->crl_stale = (certacl_crl_stale)i;
		return true;
	}
	if(strcmp(key, "issuer") == 0) return add_issuer(o, value, where, err);
	if(strcmp(key, "groups_from") == 0){
		return mark_set(o, SET_GROUPS_FROM, key, where, err)
			&& set_groups_from(o, value, where, err);
	}
	if(strcmp(key, "clientid") == 0){
		if(!mark_set(o, SET_CLIENTID, key, where, err)) return false;
		if((i = pick(key, value, clientid_words, where, err)) < 0) return false;
		o->clientid = (certacl_clientid)i;
		return true;
	}
	if(strcmp(key, "deny_list") == 0){
		return mark_set(o, SET_DENY_LIST, key, where, err)
			&& set_string(&o->deny_list, value, key, where, err);
	}
	if(strcmp(key, "ca_file") == 0){
		return mark_set(o, SET_CA_FILE, key, where, err)
			&& set_string(&o->ca_file, value, key, where, err);
	}
	if(strcmp(key, "acl_file") == 0) return add_acl_files(o, value, where, err);
	if(strcmp(key, "identity") == 0){
		if(!mark_set(o, SET_IDENTITY, key, where, err)) return false;
		if(!id_spec_parse(value, &o->identity)){
			certacl_error_set(err, where, 0, "identity: unknown field '%s' (expected cn, dn, "
					"san-dns, san-email, san-uri (optionally :N), serial or sha256)", value);
			return false;
		}
		return true;
	}
	if(strcmp(key, "identity_map") == 0){
		return mark_set(o, SET_MAP, key, where, err)
			&& set_string(&o->identity_map, value, key, where, err);
	}
	if(strcmp(key, "unmapped") == 0){
		if(!mark_set(o, SET_UNMAPPED, key, where, err)) return false;
		if(strcmp(value, "allow") == 0) o->unmapped = CERTACL_UNMAPPED_ALLOW;
		else if(strcmp(value, "deny") == 0) o->unmapped = CERTACL_UNMAPPED_DENY;
		else{
			certacl_error_set(err, where, 0, "unmapped: '%s' is not allow or deny", value);
			return false;
		}
		return true;
	}
	if(strcmp(key, "no_cert") == 0){
		if(!mark_set(o, SET_NO_CERT, key, where, err)) return false;
		if(strcmp(value, "deny") == 0) o->no_cert = CERTACL_NOCERT_DENY;
		else if(strcmp(value, "defer") == 0) o->no_cert = CERTACL_NOCERT_DEFER;
		else{
			certacl_error_set(err, where, 0, "no_cert: '%s' is not deny or defer", value);
			return false;
		}
		return true;
	}
	if(strcmp(key, "config") == 0){
		return mark_set(o, SET_CONFIG, key, where, err)
			&& set_string(&o->config, value, key, where, err);
	}
	certacl_error_set(err, where, 0, "unknown option '%s' (known: acl_file, identity, "
			"identity_map, unmapped, no_cert, clientid, deny_list, issuer, ca_file, "
			"groups_from, log_allowed, log_per_client, stats_interval, expired, "
			"expiry_warn_days, crl_file, crl_stale, session_owners_max, "
			"session_owners_per_user, session_owners_file, config)", key);
	return false;
}

/* Line number of byte offset `off` in text (for JSON syntax errors). */
static unsigned line_of(const char *text, size_t off)
{
	unsigned line = 1;
	for(size_t i = 0; i < off && text[i]; i++) if(text[i] == '\n') line++;
	return line;
}

/* Approximate line of a JSON item: cJSON keeps no positions, so find the
 * n-th occurrence of the item's identity string in the text. */
static unsigned json_item_line(const char *text, const char *needle, unsigned nth)
{
	const char *p = text;
	for(unsigned i = 0; p && i <= nth; i++){
		const char *q = strstr(p, needle);
		if(!q) break;
		if(i == nth) return line_of(text, (size_t)(q - text));
		p = q + 1;
	}
	return 0;
}

static const char *json_str(const cJSON *obj, const char *key, bool *bad)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	if(!v) return NULL;
	if(!cJSON_IsString(v)){
		*bad = true;
		return NULL;
	}
	return v->valuestring;
}

/* "identity_map": [ {"identity": "...", "username": "...", "groups": [...],
 * "issuer": "..."}, ... ] — the same data as the text map, in file order. */
static bool json_identity_map(certacl_options *o, const char *path, const char *text,
		const cJSON *arr, certacl_error *err)
{
	if(o->inline_map || (o->set_mask & SET_MAP)){
		certacl_error_set(err, path, 0, "identity_map is set more than once");
		return false;
	}
	o->set_mask |= SET_MAP;
	if(!(o->inline_map = idmap_new())){
		certacl_error_set(err, path, 0, "out of memory");
		return false;
	}
	unsigned idx = 0;
	for(const cJSON *e = arr->child; e; e = e->next, idx++){
		bool bad = false;
		const char *groups[CERTACL_MAX_GROUPS];
		size_t ng = 0;
		const char *identity = cJSON_IsObject(e) ? json_str(e, "identity", &bad) : NULL;
		unsigned line = identity ? json_item_line(text, identity, 0) : 0;
		const cJSON *g = cJSON_IsObject(e) ? cJSON_GetObjectItemCaseSensitive(e, "groups") : NULL;
		if(g && !cJSON_IsArray(g)) bad = true;
		for(const cJSON *gi = g ? g->child : NULL; gi && !bad; gi = gi->next){
			if(!cJSON_IsString(gi) || ng == CERTACL_MAX_GROUPS) bad = true;
			else groups[ng++] = gi->valuestring;
		}
		const char *username = cJSON_IsObject(e) ? json_str(e, "username", &bad) : NULL;
		const char *issuer = cJSON_IsObject(e) ? json_str(e, "issuer", &bad) : NULL;
		if(!identity || bad){
			certacl_error_set(err, path, line, "identity_map entry %u: expected {\"identity\": "
					"STRING, \"username\": STRING, \"groups\": [STRING...], \"issuer\": STRING}"
					" (at most %d groups)", idx + 1, CERTACL_MAX_GROUPS);
			return false;
		}
		if(!idmap_add(o->inline_map, path, line, identity, username, groups, ng, issuer, err)){
			return false;
		}
	}
	return true;
}

/* Apply the JSON config: an object whose keys are option names without the
 * plugin_opt_ prefix; acl_file may be a string or an array of strings. */
bool options_apply_json(certacl_options *o, const char *path, const char *text,
		certacl_error *err)
{
	const char *end = NULL;
	cJSON *root = cJSON_ParseWithOpts(text, &end, true);
	bool ok = false;
	if(!root){
		size_t off = end ? (size_t)(end - text) : 0;
		certacl_error_set(err, path, line_of(text, off), "invalid JSON near here");
		goto out;
	}
	if(!cJSON_IsObject(root)){
		certacl_error_set(err, path, 1, "the JSON config must be an object of options");
		goto out;
	}
	for(cJSON *it = root->child; it; it = it->next){
		char where[1100];
		snprintf(where, sizeof(where), "%s: key '%s'", path, it->string);
		if(strcmp(it->string, "config") == 0){
			certacl_error_set(err, path, 0, "key 'config' cannot appear inside a config file");
			goto out;
		}
		if(cJSON_IsArray(it) && strcmp(it->string, "identity_map") == 0){
			if(!json_identity_map(o, path, text, it, err)) goto out;
			continue;
		}
		if(cJSON_IsArray(it) && (strcmp(it->string, "acl_file") == 0
					|| strcmp(it->string, "issuer") == 0 || strcmp(it->string, "crl_file") == 0)){
			for(cJSON *e = it->child; e; e = e->next){
				if(!cJSON_IsString(e)){
					certacl_error_set(err, where, 0, "array items must be strings");
					goto out;
				}
				if(!options_set(o, it->string, e->valuestring, path, err)) goto out;
			}
			continue;
		}
		if(!cJSON_IsString(it)){
			certacl_error_set(err, where, 0, "value must be a string");
			goto out;
		}
		if(!options_set(o, it->string, it->valuestring, path, err)) goto out;
	}
	ok = true;
out:
	cJSON_Delete(root);
	return ok;
}

bool options_finish(certacl_options *o, certacl_error *err)
{
	if(o->config){
		size_t len;
		char *text = certacl_read_file(o->config, CONFIG_FILE_MAX, "JSON config", &len, err);
		bool ok = text && options_apply_json(o, o->config, text, err);
		free(text);
		if(!ok) return false;
	}
	if(o->nacl_files == 0){
		certacl_error_set(err, "certacl", 0,
				"no ACL file: set plugin_opt_acl_file (or acl_file in the JSON config)");
		return false;
	}
	if(o->session_owners_file && o->clientid != CERTACL_CLIENTID_OWNED){
		certacl_error_set(err, "certacl", 0, "plugin_opt_session_owners_file needs "
				"plugin_opt_clientid owned (the default): only then are sessions owned");
		return false;
	}
	if(o->ncrl_files && !o->ca_file){
		certacl_error_set(err, "certacl", 0, "plugin_opt_crl_file needs plugin_opt_ca_file: "
				"the CA certificates whose signatures the CRLs must carry");
		return false;
	}
	return true;
}

bool options_load(certacl_options *o, const certacl_opt_pair *opts, size_t n,
		const char *where, certacl_error *err)
{
	options_init(o);
	for(size_t i = 0; i < n; i++){
		if(!options_set(o, opts[i].key, opts[i].value, where, err)) return false;
	}
	return options_finish(o, err);
}

/* Read every certificate of ca_file (PEM): the candidates for sha256 pins. */
static bool load_cas(certacl_snapshot *s, certacl_error *err)
{
	if(!s->opts.ca_file) return true;
	FILE *f = fopen(s->opts.ca_file, "r");
	if(!f){
		certacl_error_set(err, s->opts.ca_file, 0, "cannot open CA file: %s", strerror(errno));
		return false;
	}
	s->cas = sk_X509_new_null();
	X509 *x;
	while(s->cas && (x = PEM_read_X509(f, NULL, NULL, NULL)) != NULL){
		if(!sk_X509_push(s->cas, x)) X509_free(x);
	}
	ERR_clear_error();
	fclose(f);
	if(!s->cas || sk_X509_num(s->cas) == 0){
		certacl_error_set(err, s->opts.ca_file, 0, "no PEM certificate found in CA file");
		return false;
	}
	return true;
}

/* Every sha256 pin must name a CA of ca_file: otherwise no certificate could
 * ever match it, which is surely a mistake. */
static bool check_pin(const certacl_snapshot *s, const char *pin, const char *file,
		unsigned line, certacl_error *err)
{
	if(strncmp(pin, "sha256:", 7) != 0) return true;
	if(!s->cas){
		certacl_error_set(err, file, line, "issuer pin '%.100s' needs plugin_opt_ca_file "
				"(the CA certificates to compare fingerprints with)", pin);
		return false;
	}
	if(!snapshot_ca_by_pin(s, pin)){
		certacl_error_set(err, file, line, "issuer pin '%.100s' matches no certificate in %s",
				pin, s->opts.ca_file);
		return false;
	}
	return true;
}

static bool check_pins(const certacl_snapshot *s, certacl_error *err)
{
	for(size_t i = 0; i < s->opts.nissuers; i++){
		if(!check_pin(s, s->opts.issuers[i], "plugin_opt_issuer", 0, err)) return false;
	}
	for(size_t i = 0; s->map && i < idmap_count(s->map); i++){
		const certacl_map_entry *e = idmap_entry_at(s->map, i);
		if(e->issuer && !check_pin(s, e->issuer, e->file, e->line, err)) return false;
	}
	return true;
}

X509 *snapshot_ca_by_pin(const certacl_snapshot *s, const char *pin)
{
	char want[65], have[65];
	size_t n = 0;
	for(const char *p = pin + 7; *p && n < 64; p++){
		if(*p != ':') want[n++] = (char)tolower((unsigned char)*p);
	}
	want[n] = '\0';
	for(int i = 0; s->cas && i < sk_X509_num(s->cas); i++){
		X509 *ca = sk_X509_value(s->cas, i);
		unsigned char md[EVP_MAX_MD_SIZE];
		unsigned int len = 0;
		if(!X509_digest(ca, EVP_sha256(), md, &len) || len != 32) continue;
		for(unsigned k = 0; k < 32; k++) snprintf(have + 2*k, 3, "%02x", md[k]);
		if(strcmp(want, have) == 0) return ca;
	}
	return NULL;
}

certacl_snapshot *snapshot_build(const certacl_opt_pair *opts, size_t n,
		const char *where, certacl_error *err)
{
	certacl_snapshot *s = calloc(1, sizeof(*s));
	if(!s){
		certacl_error_set(err, "certacl", 0, "out of memory");
		return NULL;
	}
	certacl_options *o = &s->opts;
	if(!options_load(o, opts, n, where, err)) goto fail;
	if(!(s->policy = policy_new())){
		certacl_error_set(err, "certacl", 0, "out of memory");
		goto fail;
	}
	for(size_t i = 0; i < o->nacl_files; i++){
		if(!policy_add_file(s->policy, o->acl_files[i], err)) goto fail;
	}
	if(!policy_finish(s->policy, err)) goto fail;
	if(o->inline_map){
		s->map = o->inline_map;
		o->inline_map = NULL;
	}else if(o->identity_map && !(s->map = idmap_load_file(o->identity_map, err))){
		goto fail;
	}
	if(o->deny_list && !(s->deny = denylist_load_file(o->deny_list, err))) goto fail;
	if(!load_cas(s, err) || !check_pins(s, err)) goto fail;
	if(o->ncrl_files && !(s->crls = crls_load(o->crl_files, o->ncrl_files, s->cas, err))) goto fail;
	return s;
fail:
	snapshot_free(s);
	return NULL;
}

void snapshot_free(certacl_snapshot *s)
{
	if(!s) return;
	options_free(&s->opts);
	policy_free(s->policy);
	idmap_free(s->map);
	denylist_free(s->deny);
	sk_X509_pop_free(s->cas, X509_free);
	crls_free(s->crls);
	free(s);
}

/* Mix one file's identity into the stamp (FNV-1a over its stat fields). */
static uint64_t stamp_file(uint64_t h, const char *path)
{
	struct stat st;
	uint64_t v[6] = {0};
	if(!path) return h;
	if(stat(path, &st) == 0){
		v[0] = (uint64_t)st.st_dev;
		v[1] = (uint64_t)st.st_ino;
		v[2] = (uint64_t)st.st_size;
		v[3] = (uint64_t)st.st_mtim.tv_sec;
		v[4] = (uint64_t)st.st_mtim.tv_nsec;
		v[5] = (uint64_t)st.st_ctim.tv_nsec;
	}else{
		v[0] = (uint64_t)errno;
	}
	for(const char *c = path; *c; c++) h = (h ^ (unsigned char)*c) * 1099511628211u;
	for(size_t i = 0; i < 6; i++) h = (h ^ v[i]) * 1099511628211u;
	return h;
}

bool snapshot_inputs_stamp(const certacl_opt_pair *opts, size_t n, uint64_t *stamp)
{
	certacl_options o;
	certacl_error err;
	bool ok = options_load(&o, opts, n, "", &err);
	if(ok){
		uint64_t h = 14695981039346656037u;
		for(size_t i = 0; i < o.nacl_files; i++) h = stamp_file(h, o.acl_files[i]);
		h = stamp_file(h, o.identity_map);
		h = stamp_file(h, o.deny_list);
		h = stamp_file(h, o.ca_file);
		for(size_t i = 0; i < o.ncrl_files; i++) h = stamp_file(h, o.crl_files[i]);
		h = stamp_file(h, o.config);
		*stamp = h;
	}
	options_free(&o);
	return ok;
}
