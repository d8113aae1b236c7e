/* certacl: the admin API's shared readers and writers (see admin_internal.h). */
#include <stdlib.h>
#include <string.h>

#include "certacl/expiry.h"

#include "admin_internal.h"

const char *admin_opt_str(const cJSON *cmd, const char *key, bool *bad)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(cmd, key);
	if(!v) return NULL;
	if(!cJSON_IsString(v) || !v->valuestring){
		*bad = true;
		return NULL;
	}
	return v->valuestring;
}

long admin_opt_uint(const cJSON *cmd, const char *key, long dflt, long max, bool *bad)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(cmd, key);
	if(!v) return dflt;
	if(!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > (double)max
			|| v->valuedouble != (double)(long)v->valuedouble){
		*bad = true;
		return dflt;
	}
	return (long)v->valuedouble;
}

void admin_add_string(cJSON *o, const char *key, const char *value)
{
	if(value) cJSON_AddStringToObject(o, key, value);
	else cJSON_AddNullToObject(o, key);
}

void admin_add_time(cJSON *o, const char *key, int64_t when)
{
	char text[32];
	expiry_time_text(when, text, sizeof(text));
	admin_add_string(o, key, when > 0 ? text : NULL);
}

void admin_list_add(admin_list *l, const certacl_conn *r)
{
	if(l->nomem) return;
	if(l->username && strcmp(r->username, l->username) != 0) return;
	if(l->clientid && strcmp(r->client_id, l->clientid) != 0) return;
	if(!certacl_grow((void **)&l->items, &l->cap, l->n, sizeof(*l->items))){
		l->nomem = true;
		return;
	}
	l->items[l->n++] = r;
}

static int by_client_id(const void *a, const void *b)
{
	return strcmp((*(const certacl_conn *const *)a)->client_id, (*(const certacl_conn *const *)b)->client_id);
}

const char *admin_list_page(admin_list *l, const cJSON *cmd, const char *key,
		cJSON *(*item)(const certacl_admin_ctx *ctx, const certacl_conn *r),
		const certacl_admin_ctx *ctx, cJSON **data)
{
	bool bad = false;
	long offset = admin_opt_uint(cmd, "offset", 0, 1L << 30, &bad);
	long count = admin_opt_uint(cmd, "count", 100, CERTACL_ADMIN_PAGE_MAX, &bad);
	const char *error = bad ? "offset and count must be whole numbers (count at most 1000)"
		: l->nomem ? "out of memory" : NULL;
	if(!error){
		if(l->n) qsort(l->items, l->n, sizeof(*l->items), by_client_id);
		*data = cJSON_CreateObject();
		cJSON_AddNumberToObject(*data, "totalCount", (double)l->n);
		cJSON *arr = cJSON_AddArrayToObject(*data, key);
		for(size_t i = (size_t)offset; arr && i < l->n && i < (size_t)offset + (size_t)count; i++){
			cJSON_AddItemToArray(arr, item(ctx, l->items[i]));
		}
	}
	free(l->items);
	l->items = NULL;
	return error;
}
