/* certacl: saving and reading the owners of kept sessions (see owners.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "certacl/owners.h"

/* Largest owners file read: 100 million owners of short ids. */
#define OWNERS_FILE_MAX ((size_t)16 << 30)

typedef struct load_state {
	certacl_conns *c;
	const char *path;
	size_t loaded;
	certacl_error *err;
} load_state;

/* A string member of a line's object that can name a client or a user. */
static const char *name_member(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	if(!cJSON_IsString(v) || !v->valuestring[0]) return NULL;
	size_t len = strlen(v->valuestring);
	return len <= 65535 && certacl_utf8_valid(v->valuestring, len) ? v->valuestring : NULL;
}

/* One line: the header first, then one owner per line. */
static bool load_line(void *ctx, unsigned line, char *text)
{
	load_state *st = ctx;
	if(line == 1){
		if(strcmp(text, CERTACL_OWNERS_HEADER) == 0) return true;
		certacl_error_set(st->err, st->path, line, "not a certacl session owners file "
				"(expected '%s')", CERTACL_OWNERS_HEADER);
		return false;
	}
	if(!text[0]) return true;
	cJSON *o = cJSON_Parse(text);
	const char *id = o ? name_member(o, "clientid") : NULL;
	const char *user = o ? name_member(o, "username") : NULL;
	const cJSON *since = o ? cJSON_GetObjectItemCaseSensitive(o, "offline_since") : NULL;
	bool ok = id && user && cJSON_IsNumber(since) && since->valuedouble >= 0
		&& since->valuedouble < 1e15;
	if(!ok){
		certacl_error_set(st->err, st->path, line, "expected {\"clientid\": \"...\", "
				"\"username\": \"...\", \"offline_since\": SECONDS}");
	}else if(!(ok = conns_restore_owner(st->c, id, user, (int64_t)since->valuedouble))){
		certacl_error_set(st->err, st->path, line, "out of memory");
	}else{
		st->loaded++;
	}
	cJSON_Delete(o);
	return ok;
}

bool owners_load(certacl_conns *c, const char *path, size_t *loaded, certacl_error *err)
{
	size_t len;
	*loaded = 0;
	if(access(path, F_OK) != 0 && errno == ENOENT) return true;
	char *text = certacl_read_file(path, OWNERS_FILE_MAX, "session owners file", &len, err);
	if(!text) return false;
	load_state st = { .c = c, .path = path, .err = err };
	bool ok = len == 0 || certacl_each_line(path, text, len, load_line, &st, err);
	free(text);
	*loaded = st.loaded;
	return ok;
}

typedef struct save_state {
	FILE *f;
	size_t saved, too_long;
	bool failed;
} save_state;

static void save_one(const certacl_conn *r, void *arg)
{
	save_state *st = arg;
	cJSON *o = cJSON_CreateObject();
	bool built = o && cJSON_AddStringToObject(o, "clientid", r->client_id)
		&& cJSON_AddStringToObject(o, "username", r->username)
		&& cJSON_AddNumberToObject(o, "offline_since", r->live ? 0.0 : (double)r->offline_since);
	char *line = built ? cJSON_PrintUnformatted(o) : NULL;
	cJSON_Delete(o);
	if(!line){
		st->failed = true;
		return;
	}
	if(strlen(line) >= CERTACL_LINE_MAX) st->too_long++;
	else if(fprintf(st->f, "%s\n", line) < 0) st->failed = true;
	else st->saved++;
	free(line);
}

bool owners_save(const certacl_conns *c, const char *path, size_t *saved, size_t *too_long,
		certacl_error *err)
{
	char tmp[4096];
	*saved = *too_long = 0;
	if(snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)){
		certacl_error_set(err, path, 0, "path too long");
		return false;
	}
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if(!f){
		certacl_error_set(err, tmp, 0, "cannot write the session owners file: %s", strerror(errno));
		if(fd >= 0) close(fd);
		return false;
	}
	save_state st = { .f = f };
	fprintf(f, "%s\n", CERTACL_OWNERS_HEADER);
	conns_each_owner(c, save_one, &st);
	bool ok = !st.failed && fflush(f) == 0 && fsync(fileno(f)) == 0;
	int saved_errno = errno;
	ok = fclose(f) == 0 && ok;
	if(ok && rename(tmp, path) != 0){
		saved_errno = errno;
		ok = false;
	}
	if(!ok){
		unlink(tmp);
		certacl_error_set(err, path, 0, "cannot write the session owners file: %s",
				st.failed ? "out of memory or write error" : strerror(saved_errno));
		return false;
	}
	*saved = st.saved;
	*too_long = st.too_long;
	return true;
}
