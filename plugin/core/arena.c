/* certacl: chunked bump allocator (see arena.h). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"

#define ARENA_CHUNK 65536u
#define ARENA_ALIGN 16u

struct arena_chunk {
	arena_chunk *next;
	size_t used, cap;
	_Alignas(16) unsigned char data[];
};

static void *arena_alloc_align(arena *a, size_t n, size_t align)
{
	size_t need = (n + align - 1) & ~(size_t)(align - 1);
	if(need < n || need > SIZE_MAX - sizeof(arena_chunk)) return NULL; /* overflow */
	arena_chunk *c = a->head;
	size_t used = c ? (c->used + align - 1) & ~(size_t)(align - 1) : 0;
	if(!c || used > c->cap || c->cap - used < need){
		size_t cap = need > ARENA_CHUNK ? need : ARENA_CHUNK;
		c = calloc(1, sizeof(*c) + cap);
		if(!c) return NULL;
		c->cap = cap;
		c->next = a->head;
		a->head = c;
		a->bytes += sizeof(*c) + cap;
		used = 0;
	}
	void *p = c->data + used;
	c->used = used + need;
	return p;
}

void *arena_alloc(arena *a, size_t n)
{
	return arena_alloc_align(a, n, ARENA_ALIGN);
}

char *arena_strndup(arena *a, const char *s, size_t n)
{
	if(n == SIZE_MAX) return NULL;
	char *d = arena_alloc_align(a, n + 1, 1); /* text needs no alignment */
	if(!d) return NULL;
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

void arena_free(arena *a)
{
	arena_chunk *c = a->head;
	while(c){
		arena_chunk *next = c->next;
		free(c);
		c = next;
	}
	a->head = NULL;
	a->bytes = 0;
}
