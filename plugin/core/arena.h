/* certacl: a chunked bump allocator. Everything a policy or map owns lives in
 * one arena, so loading is fast, pointers stay stable, and freeing is one call. */
#ifndef CERTACL_ARENA_H
#define CERTACL_ARENA_H

#include <stddef.h>

typedef struct arena_chunk arena_chunk;

typedef struct arena {
	arena_chunk *head;
	size_t bytes; /* total bytes reserved from malloc */
} arena;

/* NULL on out-of-memory. Memory is zeroed and aligned for any type. */
void *arena_alloc(arena *a, size_t n);
/* Copy s[0..n) and add a NUL. */
char *arena_strndup(arena *a, const char *s, size_t n);
void arena_free(arena *a);

#endif
