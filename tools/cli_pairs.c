/* certacl command-line tool: plugin options as (key, value, where) pairs. */
#include <stdlib.h>
#include <string.h>

#include "cli_pairs.h"

/* Append a copy of (key[0..keylen), value) and where it was written. */
bool cli_pairs_add(cli_pairs *p, const char *key, size_t keylen, const char *value,
		const char *where)
{
	if(p->n == p->cap){
		size_t ncap = p->cap ? p->cap * 2 : 16;
		certacl_opt_pair *nv = realloc(p->v, ncap * sizeof(*nv));
		if(nv) p->v = nv;
		char **nw = nv ? realloc(p->where, ncap * sizeof(*nw)) : NULL;
		if(!nw) return false;
		p->where = nw;
		p->cap = ncap;
	}
	char *k = strndup(key, keylen), *v = strdup(value), *w = strdup(where);
	if(!k || !v || !w){
		free(k); free(v); free(w);
		return false;
	}
	p->v[p->n] = (certacl_opt_pair){ k, v };
	p->where[p->n++] = w;
	return true;
}

/* Free every pair and the arrays. */
void cli_pairs_free(cli_pairs *p)
{
	for(size_t i = 0; i < p->n; i++){
		free((char *)p->v[i].key);
		free((char *)p->v[i].value);
		free(p->where[i]);
	}
	free(p->v);
	free(p->where);
	memset(p, 0, sizeof(*p));
}
