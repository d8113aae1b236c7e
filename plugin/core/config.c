/* certacl: options -> a complete snapshot. Options come from plugin_opt_* lines
 * or a JSON file (plugin_opt_config) holding the same keys; every value is
 * checked here so the plugin can refuse to start with a precise message. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "certacl/config.h"

#define CONFIG_FILE_MAX (16u * 1024u * 1024u)

enum { SET_IDENTITY = 1, SET_MAP = 2, SET_UNMAPPED = 4, SET_NO_CERT = 8, SET_CONFIG = 16 };

void options_init(certacl_options *o)
{
	memset(o, 0, sizeof(*o));
	o->identity.field = CERTACL_ID_CN;
}

void options_free(certacl_options *o)
{
	for(size_t i = 0; i < o->nacl_files; i++) free(o->acl_files[i]);
	free(o->acl_files);
	free(o->identity_map);
	free(o->deny_list);
	free(o->config);
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

bool options_set(certacl_options *o, const char *key, const char *value,
		const char *where, certacl_error *err)
{
	if(!value) value = "";
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
			"identity_map, unmapped, no_cert, config)", key);
	return false;
}

static char *read_small_file(const char *path, size_t max, certacl_error *err)
{
	FILE *f = fopen(path, "rb");
	if(!f){
		certacl_error_set(err, path, 0, "cannot open: %s", strerror(errno));
		return NULL;
	}
	char *buf = malloc(max + 1);
	size_t n = buf ? fread(buf, 1, max + 1, f) : 0;
	bool bad = !buf || ferror(f) || n > max;
	fclose(f);
	if(bad){
		certacl_error_set(err, path, 0, buf ? "cannot read, or larger than %zu bytes"
				: "out of memory", max);
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	return buf;
}

/* Line number of byte offset `off` in text (for JSON syntax errors). */
static unsigned line_of(const char *text, size_t off)
{
	unsigned line = 1;
	for(size_t i = 0; i < off && text[i]; i++) if(text[i] == '\n') line++;
	return line;
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
		if(cJSON_IsArray(it) && strcmp(it->string, "acl_file") == 0){
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
		char *text = read_small_file(o->config, CONFIG_FILE_MAX, err);
		bool ok = text && options_apply_json(o, o->config, text, err);
		free(text);
		if(!ok) return false;
	}
	if(o->nacl_files == 0){
		certacl_error_set(err, "certacl", 0,
				"no ACL file: set plugin_opt_acl_file (or acl_file in the JSON config)");
		return false;
	}
	return true;
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
	options_init(o);
	for(size_t i = 0; i < n; i++){
		if(!options_set(o, opts[i].key, opts[i].value, where, err)) goto fail;
	}
	if(!options_finish(o, err)) goto fail;
	if(!(s->policy = policy_new())){
		certacl_error_set(err, "certacl", 0, "out of memory");
		goto fail;
	}
	for(size_t i = 0; i < o->nacl_files; i++){
		if(!policy_add_file(s->policy, o->acl_files[i], err)) goto fail;
	}
	if(!policy_finish(s->policy, err)) goto fail;
	if(o->identity_map && !(s->map = idmap_load_file(o->identity_map, err))) goto fail;
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
	free(s);
}
