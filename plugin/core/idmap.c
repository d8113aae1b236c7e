/* certacl: the identity map, identity (exact or glob) -> username and groups.
 *
 * File format, one entry a line, first match wins:
 *     IDENTITY  USERNAME  [GROUP ...]  [issuer=PIN]
 * Words are separated by blanks; a word or part of one may be double-quoted
 * ("CN=a b,O=c", issuer="CN=Plant CA") with \" and \\ escapes. IDENTITY may
 * hold the globs '*' and '?' ('\' escapes them). USERNAME "*" keeps the identity itself as the username. '#' starts a comment
 * line. Exact identities are found through a hash table, so a map of 100k
 * devices costs one lookup plus a scan of the (few) globs. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <uthash.h>

#include "certacl/identity.h"
#include "arena.h"

#define IDMAP_FILE_MAX (256u * 1024u * 1024u)

typedef struct exact_entry {
	const char *key;
	size_t index;
	UT_hash_handle hh;
} exact_entry;

struct certacl_idmap {
	arena mem;
	certacl_map_entry *entries;
	size_t n, cap;
	size_t *globs; /* indices of glob entries, in file order */
	size_t nglobs;
	exact_entry *exact; /* uthash head */
};

static bool is_glob_escape(const char *p)
{
	return p[0] == '\\' && (p[1] == '*' || p[1] == '?' || p[1] == '\\');
}

/* '*' matches any run, '?' one byte; '\' escapes '*', '?' and '\' (any other
 * backslash is literal, as in RFC 2253 DNs like "CN=a\,b"). */
bool glob_match(const char *pat, const char *s)
{
	const char *star_p = NULL, *star_s = NULL;
	while(*s){
		if(*pat == '*'){
			star_p = ++pat;
			star_s = s;
			continue;
		}
		if(is_glob_escape(pat)){
			if(pat[1] == *s){ pat += 2; s++; continue; }
		}else if(*pat == '?' || (*pat && *pat == *s)){
			pat++; s++;
			continue;
		}
		if(!star_p) return false;
		pat = star_p;
		s = ++star_s;
	}
	while(*pat == '*') pat++;
	return *pat == '\0';
}

/* True when the pattern holds an unescaped '*' or '?'. */
static bool has_glob(const char *s)
{
	for(; *s; s++){
		if(is_glob_escape(s)){ s++; continue; }
		if(*s == '*' || *s == '?') return true;
	}
	return false;
}

/* An exact entry written with glob escapes means the unescaped text. */
static void unescape_exact(char *s)
{
	char *o = s;
	for(; *s; s++){
		if(is_glob_escape(s)) s++;
		*o++ = *s;
	}
	*o = '\0';
}

/* Split one line into words (quotes and escapes resolved) written into `buf`;
 * returns the word count, or -1 with *why set. As in a shell, a word may mix
 * plain and double-quoted parts: `issuer="CN=Plant CA"` is one word. */
static int split_words(const char *line, char *buf, char **words, int maxw, const char **why)
{
	int n = 0;
	const char *p = line;
	char *o = buf;
	for(;;){
		while(*p == ' ' || *p == '\t') p++;
		if(*p == '\0') return n;
		if(n == maxw){ *why = "too many words on the line"; return -1; }
		words[n++] = o;
		while(*p && *p != ' ' && *p != '\t'){
			if(*p != '"'){
				*o++ = *p++;
				continue;
			}
			p++;
			while(*p && *p != '"'){
				if(*p == '\\' && (p[1] == '"' || p[1] == '\\')) p++;
				*o++ = *p++;
			}
			if(*p != '"'){ *why = "unterminated quoted word"; return -1; }
			p++;
		}
		*o++ = '\0';
	}
}

bool issuer_pin_valid(const char *pin, const char **why)
{
	if(strncmp(pin, "sha256:", 7) == 0){
		size_t n = 0;
		for(const char *p = pin + 7; *p; p++){
			if(*p == ':') continue;
			if(!isxdigit((unsigned char)*p)){
				*why = "sha256 pin must be hex digits (colons allowed)";
				return false;
			}
			n++;
		}
		if(n != 64){
			*why = "sha256 pin must have 64 hex digits";
			return false;
		}
		return true;
	}
	if(!strchr(pin, '=')){
		*why = "issuer pin must be 'sha256:HEX' or a DN such as 'CN=Plant CA,O=Example'";
		return false;
	}
	if((*why = certacl_name_problem(pin, strlen(pin), false))) return false;
	return true;
}

certacl_idmap *idmap_new(void)
{
	return calloc(1, sizeof(certacl_idmap));
}

static const char *arena_copy(arena *a, const char *s)
{
	return s ? arena_strndup(a, s, strlen(s)) : NULL;
}

/* Validate and store one entry; exact identities also go into the hash. */
bool idmap_add(certacl_idmap *m, const char *file, unsigned line, const char *identity,
		const char *username, const char *const *groups, size_t ngroups,
		const char *issuer, certacl_error *err)
{
	const char *why;
	char *pattern;
	if(ngroups > CERTACL_MAX_GROUPS){
		certacl_error_set(err, file, line, "more than %d groups", CERTACL_MAX_GROUPS);
		return false;
	}
	if((why = certacl_name_problem(identity, strlen(identity), false))){
		certacl_error_set(err, file, line, "identity %s", why);
		return false;
	}
	bool keep = !username || strcmp(username, "*") == 0;
	if(!keep && (why = certacl_name_problem(username, strlen(username), true))){
		certacl_error_set(err, file, line, "username '%.100s' %s", username, why);
		return false;
	}
	for(size_t g = 0; g < ngroups; g++){
		if((why = certacl_name_problem(groups[g], strlen(groups[g]), false))){
			certacl_error_set(err, file, line, "group name '%.100s' %s", groups[g], why);
			return false;
		}
	}
	if(issuer && !issuer_pin_valid(issuer, &why)){
		certacl_error_set(err, file, line, "%s", why);
		return false;
	}
	if(!certacl_grow((void **)&m->entries, &m->cap, m->n, sizeof(*m->entries))) goto oom;
	certacl_map_entry *e = &m->entries[m->n];
	memset(e, 0, sizeof(*e));
	e->file = arena_copy(&m->mem, file);
	e->line = line;
	e->is_glob = has_glob(identity);
	e->pattern = pattern = arena_strndup(&m->mem, identity, strlen(identity));
	e->username = keep ? NULL : arena_copy(&m->mem, username);
	e->issuer = arena_copy(&m->mem, issuer);
	e->ngroups = ngroups;
	if(!e->file || !pattern || (!keep && !e->username) || (issuer && !e->issuer)) goto oom;
	if(!e->is_glob) unescape_exact(pattern);
	if(ngroups){
		const char **gs = arena_alloc(&m->mem, ngroups * sizeof(char *));
		if(!gs) goto oom;
		for(size_t g = 0; g < ngroups; g++){
			if(!(gs[g] = arena_copy(&m->mem, groups[g]))) goto oom;
		}
		e->groups = gs;
	}
	if(e->is_glob){
		size_t *ng = realloc(m->globs, (m->nglobs + 1) * sizeof(size_t));
		if(!ng) goto oom;
		m->globs = ng;
		m->globs[m->nglobs++] = m->n;
	}else{
		exact_entry *x;
		HASH_FIND_STR(m->exact, e->pattern, x);
		if(x){
			certacl_error_set(err, file, line, "identity '%.100s' is already mapped at line %u",
					e->pattern, m->entries[x->index].line);
			return false;
		}
		x = arena_alloc(&m->mem, sizeof(*x));
		if(!x) goto oom;
		x->key = e->pattern;
		x->index = m->n;
		HASH_ADD_KEYPTR(hh, m->exact, x->key, strlen(x->key), x);
	}
	m->n++;
	return true;
oom:
	certacl_error_set(err, file, line, "out of memory");
	return false;
}

/* One line's words: IDENTITY USERNAME [GROUP ...] [issuer=PIN]. */
static bool add_words(certacl_idmap *m, const char *file, unsigned line, char **w, int nw,
		certacl_error *err)
{
	const char *issuer = NULL;
	if(nw >= 2 && strncmp(w[nw-1], "issuer=", 7) == 0){
		issuer = w[nw-1] + 7;
		nw--;
	}
	if(nw < 2){
		certacl_error_set(err, file, line,
				"expected 'IDENTITY USERNAME [GROUP ...] [issuer=PIN]'");
		return false;
	}
	return idmap_add(m, file, line, w[0], w[1], (const char *const *)(w + 2),
			(size_t)(nw - 2), issuer, err);
}

typedef struct map_parse {
	certacl_idmap *m;
	const char *file;
	char *buf; /* words of the current line */
	certacl_error *err;
} map_parse;

static bool map_line(void *ctx, unsigned line, char *text)
{
	map_parse *mp = ctx;
	while(*text == ' ' || *text == '\t') text++;
	if(*text == '\0' || *text == '#') return true;
	char *words[CERTACL_MAX_GROUPS + 4];
	const char *why = NULL;
	int nw = split_words(text, mp->buf, words, CERTACL_MAX_GROUPS + 4, &why);
	if(nw < 0){
		certacl_error_set(mp->err, mp->file, line, "%s", why);
		return false;
	}
	return add_words(mp->m, mp->file, line, words, nw, mp->err);
}

certacl_idmap *idmap_load_text(const char *name, const char *text, size_t len,
		certacl_error *err)
{
	map_parse mp = { .m = idmap_new(), .file = name, .buf = malloc(CERTACL_LINE_MAX + 1),
		.err = err };
	bool ok = mp.m && mp.buf;
	if(!ok) certacl_error_set(err, name, 0, "out of memory");
	else ok = certacl_each_line(name, text, len, map_line, &mp, err);
	free(mp.buf);
	if(ok) return mp.m;
	idmap_free(mp.m);
	return NULL;
}

certacl_idmap *idmap_load_file(const char *path, certacl_error *err)
{
	size_t len;
	char *text = certacl_read_file(path, IDMAP_FILE_MAX, "identity map", &len, err);
	if(!text) return NULL;
	certacl_idmap *m = idmap_load_text(path, text, len, err);
	free(text);
	return m;
}

void idmap_free(certacl_idmap *m)
{
	if(!m) return;
	HASH_CLEAR(hh, m->exact);
	arena_free(&m->mem);
	free(m->entries);
	free(m->globs);
	free(m);
}

/* First match in file order: the exact entry (if any) competes with the globs
 * that stand before it. */
const certacl_map_entry *idmap_lookup(const certacl_idmap *m, const char *identity)
{
	exact_entry *x;
	size_t best = SIZE_MAX;
	HASH_FIND_STR(m->exact, identity, x);
	if(x) best = x->index;
	for(size_t g = 0; g < m->nglobs && m->globs[g] < best; g++){
		if(glob_match(m->entries[m->globs[g]].pattern, identity)){
			best = m->globs[g];
			break;
		}
	}
	return best == SIZE_MAX ? NULL : &m->entries[best];
}

size_t idmap_count(const certacl_idmap *m)
{
	return m->n;
}

const certacl_map_entry *idmap_entry_at(const certacl_idmap *m, size_t i)
{
	return i < m->n ? &m->entries[i] : NULL;
}
