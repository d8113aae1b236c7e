/* certacl: shared definitions of the core library (no mosquitto header here). */
#ifndef CERTACL_COMMON_H
#define CERTACL_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Longest identity / username / client id the core accepts (SPEC section 2). */
#define CERTACL_IDENTITY_MAX 256
/* Longest line read from any ACL, map or deny-list file. */
#define CERTACL_LINE_MAX 65536

/* An error always names where it was found: "file:line: message". line 0 means
 * the problem concerns the whole file (e.g. it cannot be opened). */
typedef struct certacl_error {
	char text[1024];
} certacl_error;

/* Format an error as "file:line: message" (or "file: message" when line == 0). */
void certacl_error_set(certacl_error *err, const char *file, unsigned line,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* True when s[0..len) is well-formed UTF-8 without NUL, surrogates or overlong forms. */
bool certacl_utf8_valid(const char *s, size_t len);

/* Why a name (identity, username, client id, substituted value) is unsafe, or NULL
 * when it is safe: non-empty, at most CERTACL_IDENTITY_MAX bytes, valid UTF-8, no
 * control characters, and none of '+', '#', '/' when topic_safe is true. */
const char *certacl_name_problem(const char *s, size_t len, bool topic_safe);

/* Make room in *arr (elements of `size` bytes, *cap allocated) for `want`
 * elements at once. False on out-of-memory or overflow (*arr unchanged). New
 * elements are not initialised (pages stay untouched until used). */
bool certacl_reserve(void **arr, size_t *cap, size_t want, size_t size);
/* Make room for element n (n <= *cap): double the capacity (64 at first). */
bool certacl_grow(void **arr, size_t *cap, size_t n, size_t size);

/* Read a whole file of at most `max` bytes; returns a malloc'd buffer with a
 * NUL after the `*len` bytes read, or NULL with err set ("PATH: cannot open
 * WHAT: reason"). */
char *certacl_read_file(const char *path, size_t max, const char *what, size_t *len,
		certacl_error *err);

/* Call fn for each line of text[0..len): the line without its ending (LF or
 * CRLF) and trailing blanks, with its 1-based number. Stops at the first false
 * from fn; refuses lines longer than CERTACL_LINE_MAX or holding a NUL byte
 * (err: "name:line: ..."). */
typedef bool (*certacl_line_fn)(void *ctx, unsigned line, char *text);
bool certacl_each_line(const char *name, const char *text, size_t len, certacl_line_fn fn,
		void *ctx, certacl_error *err);

/* Copy s[0..len) into out for a log line: control characters (C0 and C1),
 * U+2028/U+2029, bytes that are not well-formed UTF-8, backslash and quote
 * become \xNN, and a text that does not fit ends with "...". */
void certacl_escape(const char *s, size_t len, char *out, size_t outsz);

#endif
