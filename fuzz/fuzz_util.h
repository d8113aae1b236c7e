/* certacl fuzzers: shared helpers (checks that abort with a readable message). */
#ifndef CERTACL_FUZZ_UTIL_H
#define CERTACL_FUZZ_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Print a failed check and abort: libFuzzer saves the input as a crash. */
#define FUZZ_FAIL(...) do{ \
	fprintf(stderr, "\n*** certacl fuzz check failed at %s:%d: ", __FILE__, __LINE__); \
	fprintf(stderr, __VA_ARGS__); \
	fputc('\n', stderr); \
	abort(); \
}while(0)

#define FUZZ_CHECK(cond, ...) do{ if(!(cond)) FUZZ_FAIL(__VA_ARGS__); }while(0)

/* A C-escaped, quoted copy of s[0..n) for failure messages. Rotates between a
 * few static buffers so that one message may show several strings. */
static inline const char *fz_show_n(const char *s, size_t n)
{
	static char bufs[4][1200];
	static unsigned which;
	char *out = bufs[which++ % 4];
	size_t o = 0;
	if(!s) return "(null)";
	out[o++] = '"';
	for(size_t i = 0; i < n && o < sizeof(bufs[0]) - 8; i++){
		unsigned char c = (unsigned char)s[i];
		if(c == '"' || c == '\\'){ out[o++] = '\\'; out[o++] = (char)c; }
		else if(c < 0x20 || c >= 0x7F){ o += (size_t)snprintf(out + o, 5, "\\x%02x", c); }
		else out[o++] = (char)c;
	}
	if(n > 0 && o >= sizeof(bufs[0]) - 8){ memcpy(out + o, "...", 3); o += 3; }
	out[o++] = '"';
	out[o] = '\0';
	return out;
}

static inline const char *fz_show(const char *s)
{
	return s ? fz_show_n(s, strlen(s)) : "(null)";
}

/* A NUL-terminated heap copy of data[0..n). */
static inline char *fz_strndup(const uint8_t *data, size_t n)
{
	char *s = malloc(n + 1);
	if(!s) abort();
	if(n) memcpy(s, data, n);
	s[n] = '\0';
	return s;
}

/* True when the check `name` is listed in $CERTACL_FUZZ_SKIP (comma-separated):
 * a way to keep fuzzing past a known, reported bug until it is fixed. The
 * regression inputs (fuzz/regressions/) are always replayed without it. */
static inline bool fz_skip(const char *name)
{
	const char *list = getenv("CERTACL_FUZZ_SKIP");
	size_t n = strlen(name);
	for(const char *p = list; p && *p; ){
		const char *comma = strchr(p, ',');
		size_t l = comma ? (size_t)(comma - p) : strlen(p);
		if(l == n && memcmp(p, name, n) == 0) return true;
		p = comma ? comma + 1 : NULL;
	}
	return false;
}

#endif
