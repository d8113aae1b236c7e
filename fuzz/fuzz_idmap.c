/* certacl fuzzer: the identity map parser and lookup.
 *
 * The input is a mapping file. A map that loads is checked entry by entry, then
 * looked up with fixed identities, each entry's own pattern (and variants that
 * its globs match), and the first lines of the input used as identities. Every
 * lookup is compared with a linear scan in file order ("first match wins")
 * using a reference glob matcher (dynamic programming over the pattern's
 * tokens), and glob_match itself is compared with that reference. */
#include "certacl/identity.h"
#include "fuzz_util.h"
#include "ref_topic.h"

/* Reference glob: '*' any run, '?' one byte, '\' escapes '*', '?' and '\'
 * (any other backslash is literal). */
static bool ref_glob(const char *pat, const char *s)
{
	size_t pl = strlen(pat), sl = strlen(s);
	/* tokens: -1 star, -2 any byte, else a literal byte */
	int *tok = malloc((pl + 1) * sizeof(int));
	size_t nt = 0;
	if(!tok) abort();
	for(size_t i = 0; i < pl; i++){
		if(pat[i] == '*') tok[nt++] = -1;
		else if(pat[i] == '?') tok[nt++] = -2;
		else if(pat[i] == '\\' && (pat[i+1] == '*' || pat[i+1] == '?' || pat[i+1] == '\\')){
			tok[nt++] = (unsigned char)pat[++i];
		}else tok[nt++] = (unsigned char)pat[i];
	}
	/* m[i][j]: tokens i.. match s[j..] */
	bool *m = calloc((nt + 1) * (sl + 1), sizeof(bool));
	if(!m) abort();
#define M(i, j) m[(i) * (sl + 1) + (j)]
	M(nt, sl) = true;
	for(size_t i = nt; i-- > 0; ){
		for(size_t j = sl + 1; j-- > 0; ){
			if(tok[i] == -1) M(i, j) = M(i + 1, j) || (j < sl && M(i, j + 1));
			else if(tok[i] == -2) M(i, j) = j < sl && M(i + 1, j + 1);
			else M(i, j) = j < sl && (unsigned char)s[j] == tok[i] && M(i + 1, j + 1);
		}
	}
	bool r = M(0, 0);
#undef M
	free(m);
	free(tok);
	return r;
}

static const certacl_map_entry *ref_lookup(const certacl_idmap *m, const char *id)
{
	for(size_t i = 0; i < idmap_count(m); i++){
		const certacl_map_entry *e = idmap_entry_at(m, i);
		if(e->is_glob ? ref_glob(e->pattern, id) : strcmp(e->pattern, id) == 0) return e;
	}
	return NULL;
}

static void lookup(const certacl_idmap *m, const char *id)
{
	const certacl_map_entry *got = idmap_lookup(m, id), *want = ref_lookup(m, id);
	FUZZ_CHECK(got == want, "idmap_lookup(%s) = entry at line %u (%s), expected line %u (%s)",
			fz_show(id), got ? got->line : 0, got ? fz_show(got->pattern) : "none",
			want ? want->line : 0, want ? fz_show(want->pattern) : "none");
	for(size_t i = 0; i < idmap_count(m) && i < 32; i++){
		const certacl_map_entry *e = idmap_entry_at(m, i);
		if(!e->is_glob) continue;
		bool g = glob_match(e->pattern, id), r = ref_glob(e->pattern, id);
		FUZZ_CHECK(g == r, "glob_match(%s, %s) = %d, expected %d", fz_show(e->pattern),
				fz_show(id), g, r);
	}
}

/* Something that glob `pat` should match: '*' -> "xyz", '?' -> "q", escapes resolved. */
static void glob_instance(const char *pat, char *out, size_t cap, const char *star)
{
	size_t o = 0, sl = strlen(star);
	for(size_t i = 0; pat[i] && o + sl + 2 < cap; i++){
		if(pat[i] == '*'){ memcpy(out + o, star, sl); o += sl; }
		else if(pat[i] == '?') out[o++] = 'q';
		else if(pat[i] == '\\' && (pat[i+1] == '*' || pat[i+1] == '?' || pat[i+1] == '\\')){
			out[o++] = pat[++i];
		}else out[o++] = pat[i];
	}
	out[o] = '\0';
}

static void check_entry(const certacl_map_entry *e, size_t i)
{
	FUZZ_CHECK(e && e->pattern && e->file && e->line >= 1, "entry %zu incomplete", i);
	FUZZ_CHECK(e->pattern[0] != '\0', "entry at line %u has an empty identity", e->line);
	FUZZ_CHECK(ref_utf8_valid(e->pattern, strlen(e->pattern)),
			"entry at line %u: identity %s is not UTF-8", e->line, fz_show(e->pattern));
	if(e->username){
		/* The username goes on the connection and into topics via %u. */
		FUZZ_CHECK(certacl_name_problem(e->username, strlen(e->username), true) == NULL,
				"entry at line %u: unsafe username %s", e->line, fz_show(e->username));
	}
	FUZZ_CHECK(e->ngroups <= CERTACL_MAX_GROUPS, "entry at line %u: %zu groups", e->line, e->ngroups);
	for(size_t g = 0; g < e->ngroups; g++){
		FUZZ_CHECK(e->groups && e->groups[g]
				&& certacl_name_problem(e->groups[g], strlen(e->groups[g]), false) == NULL,
				"entry at line %u: bad group %zu", e->line, g);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	certacl_error err;
	memset(&err, 0, sizeof(err));
	certacl_idmap *m = idmap_load_text("fuzz.map", (const char *)data, size, &err);
	if(!m){
		FUZZ_CHECK(memchr(err.text, '\0', sizeof(err.text)) && strncmp(err.text, "fuzz.map", 8) == 0,
				"idmap_load_text failed with error text %s", fz_show(err.text));
		return 0;
	}
	size_t n = idmap_count(m);
	for(size_t i = 0; i < n; i++) check_entry(idmap_entry_at(m, i), i);
	FUZZ_CHECK(idmap_entry_at(m, n) == NULL, "idmap_entry_at past the end");

	static const char *const fixed[] = {
		"alice", "bob", "CN=alice,O=acme", "node-1.plant.example", "a", "*", "?", "\\",
		"\\*", "x*y", "", "sha256:00", "urn:dev:1", "\xc3\xa9t\xc3\xa9",
	};
	for(size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) lookup(m, fixed[i]);
	for(size_t i = 0; i < n && i < 16; i++){
		const certacl_map_entry *e = idmap_entry_at(m, i);
		char buf[1024];
		lookup(m, e->pattern);
		glob_instance(e->pattern, buf, sizeof(buf), "xyz");
		lookup(m, buf);
		glob_instance(e->pattern, buf, sizeof(buf), "");
		lookup(m, buf);
		if(e->username) lookup(m, e->username);
	}
	/* The first lines of the input, as identities (at most 300 bytes). */
	size_t pos = 0;
	for(int k = 0; k < 8 && pos < size; k++){
		const uint8_t *nl = memchr(data + pos, '\n', size - pos);
		size_t end = nl ? (size_t)(nl - data) : size;
		if(end - pos <= 300){
			char *id = fz_strndup(data + pos, end - pos);
			lookup(m, id);
			free(id);
		}
		pos = end + 1;
	}
	idmap_free(m);
	return 0;
}
