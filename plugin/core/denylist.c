/* certacl: deny list of revoked serials and fingerprints (see denylist.h).
 * Values are normalised (lower case, no colons, serials without leading zeros)
 * so that any common spelling of the same certificate matches. */
#include <ctype.h>
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

typedef struct deny_parse {
	certacl_denylist *d;
	certacl_error *err;
} deny_parse;

static bool deny_line(void *ctx, unsigned line, char *text)
{
	deny_parse *dp = ctx;
	while(*text == ' ' || *text == '\t') text++;
	if(*text == '\0' || *text == '#') return true;
	return parse_line(dp->d, line, text, dp->err);
}

certacl_denylist *denylist_load_text(const char *name, const char *text, size_t len,
		certacl_error *err)
{
	certacl_denylist *d = calloc(1, sizeof(*d));
	if(!d || !(d->file = arena_strndup(&d->mem, name, strlen(name)))){
		certacl_error_set(err, name, 0, "out of memory");
		denylist_free(d);
		return NULL;
	}
	deny_parse dp = { d, err };
	if(certacl_each_line(d->file, text, len, deny_line, &dp, err)) return d;
	denylist_free(d);
	return NULL;
}

certacl_denylist *denylist_load_file(const char *path, certacl_error *err)
{
	size_t len;
	char *text = certacl_read_file(path, DENYLIST_FILE_MAX, "deny list", &len, err);
	if(!text) return NULL;
	certacl_denylist *d = denylist_load_text(path, text, len, err);
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
