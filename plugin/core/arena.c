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

void *arena_alloc(arena *a, size_t n)
{
	size_t need = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
	if(need < n || need > SIZE_MAX - sizeof(arena_chunk)) return NULL; /* overflow */
	arena_chunk *c = a->head;
	if(!c || c->cap - c->used < need){
		size_t cap = need > ARENA_CHUNK ? need : ARENA_CHUNK;
		c = calloc(1, sizeof(*c) + cap);
		if(!c) return NULL;
		c->cap = cap;
		c->next = a->head;
		a->head = c;
		a->bytes += sizeof(*c) + cap;
	}
	void *p = c->data + c->used;
	c->used += need;
	return p;
}

char *arena_strndup(arena *a, const char *s, size_t n)
{
	if(n == SIZE_MAX) return NULL;
	char *d = arena_alloc(a, n + 1);
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
