/* certacl: deny list of revoked serials and fingerprints (see denylist.h).
 * Values are normalised (lower case, no colons, serials without leading zeros)
 * so that any common spelling of the same certificate matches. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <uthash.h>

#include "certacl/denylist.h"
#include "arena.h"

#define DENYLIST_FILE_MAX (256u * 1024u * 1024u)

typedef struct deny_entry {
	const char *key; /* "s:<hex>" or "f:<hex>" */
	unsigned line;
	UT_hash_handle hh;
} deny_entry;

struct certacl_denylist {
	arena mem;
	const char *file;
	deny_entry *set;
	size_t n;
};

/* Normalise hex into out: lower case, colons dropped, and (for serials)
 * leading zeros dropped. False if anything but hex digits and colons. */
static bool norm_hex(const char *in, bool serial, char *out, size_t outsz)
{
	size_t o = 0, digits = 0;
	for(const char *p = in; *p; p++){
		if(*p == ':') continue;
		if(!isxdigit((unsigned char)*p)) return false;
		digits++;
		if(serial && o == 0 && *p == '0') continue;
		if(o + 1 >= outsz) return false;
		out[o++] = (char)tolower((unsigned char)*p);
	}
	if(o == 0){
		if(!serial || digits == 0 || outsz < 2) return false;
		out[o++] = '0'; /* serial zero */
	}
	out[o] = '\0';
	return true;
}

static bool lookup(const certacl_denylist *d, char kind, const char *hex, unsigned *line)
{
	char key[300];
	deny_entry *e;
	snprintf(key, sizeof(key), "%c:%s", kind, hex);
	HASH_FIND_STR(d->set, key, e);
	if(e) *line = e->line;
	return e != NULL;
}

/* One line: keyword, then (after blanks, '=' or " Fingerprint=") the hex. */
static bool parse_line(certacl_denylist *d, unsigned line, const char *s, certacl_error *err)
{
	bool serial;
	size_t kw;
	if(strncasecmp(s, "serial", 6) == 0){ serial = true; kw = 6; }
	else if(strncasecmp(s, "sha256", 6) == 0){ serial = false; kw = 6; }
	else{
		certacl_error_set(err, d->file, line, "expected 'serial HEX' or 'sha256 HEX'");
		return false;
	}
	s += kw;
	while(*s == ' ' || *s == '\t') s++;
	if(!serial && strncasecmp(s, "Fingerprint", 11) == 0) s += 11;
	if(*s == '=') s++;
	while(*s == ' ' || *s == '\t') s++;
	char hex[260], key[264];
	if(!norm_hex(s, serial, hex, sizeof(hex)) || (!serial && strlen(hex) != 64)){
		certacl_error_set(err, d->file, line, serial
				? "serial must be hex digits (colons allowed), at most 256"
				: "sha256 fingerprint must be 64 hex digits (colons allowed)");
		return false;
	}
	snprintf(key, sizeof(key), "%c:%s", serial ? 's' : 'f', hex);
	deny_entry *e;
	HASH_FIND_STR(d->set, key, e);
	if(e) return true; /* listed twice: harmless */
	e = arena_alloc(&d->mem, sizeof(*e));
	char *k = e ? arena_strndup(&d->mem, key, strlen(key)) : NULL;
	if(!k){
		certacl_error_set(err, d->file, line, "out of memory");
		return false;
	}
	e->key = k;
	e->line = line;
	HASH_ADD_KEYPTR(hh, d->set, k, strlen(k), e);
	d->n++;
	return true;
}

certacl_denylist *denylist_load_text(const char *name, const char *text, size_t len,
		certacl_error *err)
{
	certacl_denylist *d = calloc(1, sizeof(*d));
	char *line = malloc(CERTACL_LINE_MAX + 1);
	if(!d || !line || !(d->file = arena_strndup(&d->mem, name, strlen(name)))){
		certacl_error_set(err, name, 0, "out of memory");
		goto fail;
	}
	unsigned lineno = 0;
	for(size_t pos = 0; pos < len; ){
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - text) : len, n = end - pos;
		lineno++;
		if(n > CERTACL_LINE_MAX || memchr(text + pos, '\0', n)){
			certacl_error_set(err, d->file, lineno, "line is too long or contains a NUL byte");
			goto fail;
		}
		memcpy(line, text + pos, n);
		while(n && (line[n-1] == '\r' || line[n-1] == ' ' || line[n-1] == '\t')) n--;
		line[n] = '\0';
		pos = end + 1;
		const char *s = line;
		while(*s == ' ' || *s == '\t') s++;
		if(*s == '\0' || *s == '#') continue;
		if(!parse_line(d, lineno, s, err)) goto fail;
	}
	free(line);
	return d;
fail:
	free(line);
	denylist_free(d);
	return NULL;
}

certacl_denylist *denylist_load_file(const char *path, certacl_error *err)
{
	FILE *f = fopen(path, "rb");
	if(!f){
		certacl_error_set(err, path, 0, "cannot open deny list: %s", strerror(errno));
		return NULL;
	}
	size_t cap = 65536, len = 0;
	char *text = malloc(cap);
	while(text){
		if(len == cap){
			char *nt = cap < DENYLIST_FILE_MAX ? realloc(text, cap * 2) : NULL;
			if(!nt){ free(text); text = NULL; break; }
			text = nt;
			cap *= 2;
		}
		size_t got = fread(text + len, 1, cap - len, f);
		len += got;
		if(got == 0) break;
	}
	certacl_denylist *d = NULL;
	if(!text) certacl_error_set(err, path, 0, "deny list is too large or out of memory");
	else if(ferror(f)) certacl_error_set(err, path, 0, "cannot read deny list: %s", strerror(errno));
	else d = denylist_load_text(path, text, len, err);
	fclose(f);
	free(text);
	return d;
}

void denylist_free(certacl_denylist *d)
{
	if(!d) return;
	HASH_CLEAR(hh, d->set);
	arena_free(&d->mem);
	free(d);
}

size_t denylist_count(const certacl_denylist *d)
{
	return d->n;
}

bool denylist_match(const certacl_denylist *d, const certacl_cert_values *v, char *why,
		size_t whysz)
{
	char hex[260];
	unsigned line = 0;
	if(v->serial && norm_hex(v->serial, true, hex, sizeof(hex)) && lookup(d, 's', hex, &line)){
		snprintf(why, whysz, "certificate serial %s is on the deny list (%s:%u)", hex, d->file, line);
		return true;
	}
	if(v->sha256 && norm_hex(v->sha256, false, hex, sizeof(hex)) && lookup(d, 'f', hex, &line)){
		snprintf(why, whysz, "certificate sha256 %s is on the deny list (%s:%u)", hex, d->file, line);
		return true;
	}
	return false;
}
