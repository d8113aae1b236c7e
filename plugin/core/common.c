/* certacl: error formatting and name checks shared by every parser. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "certacl/common.h"

void certacl_error_set(certacl_error *err, const char *file, unsigned line,
		const char *fmt, ...)
{
	char msg[sizeof(err->text)];
	va_list ap;

	if(!err) return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if(line > 0){
		snprintf(err->text, sizeof(err->text), "%s:%u: %s", file ? file : "?", line, msg);
	}else{
		snprintf(err->text, sizeof(err->text), "%s: %s", file ? file : "?", msg);
	}
}

/* Strict UTF-8 as MQTT requires: shortest form, no surrogates, nothing above
 * U+10FFFF, and no U+0000 (an MQTT string may not hold NUL). */
bool certacl_utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while(i < len){
		unsigned c = p[i];
		unsigned cp;
		size_t n;

		if(c == 0) return false;
		if(c < 0x80){ i++; continue; }
		if(c >= 0xC2 && c <= 0xDF){ n = 1; cp = c & 0x1F; }
		else if(c >= 0xE0 && c <= 0xEF){ n = 2; cp = c & 0x0F; }
		else if(c >= 0xF0 && c <= 0xF4){ n = 3; cp = c & 0x07; }
		else return false;
		if(len - i <= n) return false;
		for(size_t k = 1; k <= n; k++){
			if((p[i+k] & 0xC0) != 0x80) return false;
			cp = (cp << 6) | (p[i+k] & 0x3F);
		}
		if(n == 2 && cp < 0x800) return false;
		if(n == 3 && (cp < 0x10000 || cp > 0x10FFFF)) return false;
		if(cp >= 0xD800 && cp <= 0xDFFF) return false;
		i += n + 1;
	}
	return true;
}

/* A name is safe to put on a connection or into a topic level only if it is
 * short, valid UTF-8, free of control characters, and (for topic use) free of
 * the characters that would change a filter's meaning. */
const char *certacl_name_problem(const char *s, size_t len, bool topic_safe)
{
	if(!s || len == 0) return "is empty";
	if(len > CERTACL_IDENTITY_MAX) return "is longer than 256 bytes";
	if(memchr(s, '\0', len)) return "contains a NUL byte";
	if(!certacl_utf8_valid(s, len)) return "is not valid UTF-8";
	for(size_t i = 0; i < len; i++){
		unsigned char c = (unsigned char)s[i];
		if(c < 0x20 || c == 0x7F) return "contains a control character";
		if(topic_safe && (c == '+' || c == '#' || c == '/')){
			return "contains an MQTT wildcard or level separator ('+', '#' or '/')";
		}
	}
	/* C1 control characters U+0080..U+009F are encoded as C2 80..C2 9F. */
	for(size_t i = 0; i + 1 < len; i++){
		if((unsigned char)s[i] == 0xC2 && (unsigned char)s[i+1] >= 0x80
				&& (unsigned char)s[i+1] <= 0x9F){
			return "contains a control character";
		}
	}
	return NULL;
}

bool certacl_reserve(void **arr, size_t *cap, size_t want, size_t size)
{
	if(want <= *cap) return true;
	if(want > SIZE_MAX / size) return false;
	void *na = realloc(*arr, want * size);
	if(!na) return false;
	*arr = na;
	*cap = want;
	return true;
}

bool certacl_grow(void **arr, size_t *cap, size_t n, size_t size)
{
	return n < *cap || certacl_reserve(arr, cap, *cap ? *cap * 2 : 64, size);
}

/* Length of the well-formed UTF-8 sequence at s[0..len) that is safe to show
 * as is, or 0: C1 controls (U+0080..U+009F) and the line and paragraph
 * separators (U+2028, U+2029) count as unsafe, since log readers may take them
 * for line breaks. */
static size_t shown_utf8_len(const unsigned char *s, size_t len)
{
	size_t n = s[0] >= 0xF0 ? 4 : s[0] >= 0xE0 ? 3 : s[0] >= 0xC0 ? 2 : 0;
	if(n == 0 || n > len || !certacl_utf8_valid((const char *)s, n)) return 0;
	if(s[0] == 0xC2 && s[1] <= 0x9F) return 0;
	if(s[0] == 0xE2 && s[1] == 0x80 && (s[2] == 0xA8 || s[2] == 0xA9)) return 0;
	return n;
}

void certacl_escape(const char *in, size_t len, char *out, size_t outsz)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *u = (const unsigned char *)in;
	size_t o = 0, i = 0;
	if(outsz == 0) return;
	while(i < len){
		unsigned char c = u[i];
		size_t n = c >= 0x80 ? shown_utf8_len(u + i, len - i) : 1;
		bool esc = n == 0 || c < 0x20 || c == 0x7F || c == '\\' || c == '\'';
		size_t need = esc ? 4 : n;
		if(o + need + 4 > outsz) break; /* keep room for "..." and NUL */
		if(esc){
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
			i++;
		}else{
			memcpy(out + o, in + i, n);
			o += n;
			i += n;
		}
	}
	if(i < len && o + 4 <= outsz){
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
}

char *certacl_read_file(const char *path, size_t max, const char *what, size_t *len,
		certacl_error *err)
{
	FILE *f = fopen(path, "rb");
	if(!f){
		certacl_error_set(err, path, 0, "cannot open %s: %s", what, strerror(errno));
		return NULL;
	}
	/* Start at the file's size (one read, no copies); grow if it grows. */
	struct stat st;
	size_t cap = 65536, n = 0;
	if(fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0
			&& (uint64_t)st.st_size < (uint64_t)max){
		cap = (size_t)st.st_size + 1;
	}
	char *buf = malloc(cap + 1);
	while(buf){
		size_t got = fread(buf + n, 1, cap - n, f);
		n += got;
		if(got == 0 || n < cap) break;
		if(cap >= max){
			n = max + 1; /* too large */
			break;
		}
		size_t ncap = cap * 2 > max ? max : cap * 2;
		char *nb = realloc(buf, ncap + 1);
		if(!nb){
			free(buf);
			buf = NULL;
			break;
		}
		buf = nb;
		cap = ncap;
	}
	int ioerr = ferror(f);
	fclose(f);
	if(!buf){
		certacl_error_set(err, path, 0, "out of memory reading %s", what);
		return NULL;
	}
	if(ioerr || n > max){
		certacl_error_set(err, path, 0, ioerr ? "cannot read %s" : "%s is larger than %zu bytes",
				what, max);
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

bool certacl_each_line(const char *name, const char *text, size_t len, certacl_line_fn fn,
		void *ctx, certacl_error *err)
{
	char *line = malloc(CERTACL_LINE_MAX + 1);
	unsigned lineno = 0;
	bool ok = true;
	if(!line){
		certacl_error_set(err, name, 0, "out of memory");
		return false;
	}
	for(size_t pos = 0; ok && pos < len; ){
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - text) : len, n = end - pos;
		lineno++;
		if(n > CERTACL_LINE_MAX){
			certacl_error_set(err, name, lineno, "line is longer than %u bytes", CERTACL_LINE_MAX);
			ok = false;
			break;
		}
		if(memchr(text + pos, '\0', n)){
			certacl_error_set(err, name, lineno, "line contains a NUL byte");
			ok = false;
			break;
		}
		memcpy(line, text + pos, n);
		while(n > 0 && (line[n-1] == '\r' || line[n-1] == ' ' || line[n-1] == '\t')) n--;
		line[n] = '\0';
		ok = fn(ctx, lineno, line);
		pos = end + 1;
	}
	free(line);
	return ok;
}
