/* certacl: the client table (see clients.h). A hash by client id, plus a list
 * of offline records in the order they went offline, so the oldest can be
 * dropped when there are too many. */
#include <stdlib.h>
#include <string.h>

#include <uthash.h>

#include "certacl/clients.h"

typedef struct conn_rec {
	certacl_conn c;
	struct conn_rec *older, *newer; /* offline list links */
	UT_hash_handle hh;
} conn_rec;

struct certacl_conns {
	conn_rec *by_id;
	conn_rec *oldest_offline, *newest_offline;
	size_t offline, offline_max, live;
};

certacl_conns *conns_new(size_t offline_max)
{
	certacl_conns *c = calloc(1, sizeof(*c));
	if(c) c->offline_max = offline_max;
	return c;
}

static void offline_unlink(certacl_conns *c, conn_rec *r)
{
	if(r->older) r->older->newer = r->newer;
	else c->oldest_offline = r->newer;
	if(r->newer) r->newer->older = r->older;
	else c->newest_offline = r->older;
	r->older = r->newer = NULL;
	c->offline--;
}

static void rec_free(conn_rec *r)
{
	free(r->c.client_id);
	free(r->c.username);
	for(size_t i = 0; i < r->c.ngroups; i++) free(r->c.groups[i]);
	free(r->c.groups);
	cert_values_free(&r->c.cert);
	free(r);
}

static void rec_remove(certacl_conns *c, conn_rec *r)
{
	HASH_DEL(c->by_id, r);
	if(r->c.live) c->live--;
	else offline_unlink(c, r);
	rec_free(r);
}

void conns_free(certacl_conns *c)
{
	if(!c) return;
	conn_rec *r, *tmp;
	HASH_ITER(hh, c->by_id, r, tmp){
		HASH_DEL(c->by_id, r);
		rec_free(r);
	}
	free(c);
}

const certacl_conn *conns_find(const certacl_conns *c, const char *client_id)
{
	conn_rec *r;
	if(!client_id) return NULL;
	HASH_FIND_STR(c->by_id, client_id, r);
	return r ? &r->c : NULL;
}

certacl_conn *conns_live(certacl_conns *c, const char *client_id, const void *live)
{
	conn_rec *r;
	if(!client_id || !live) return NULL;
	HASH_FIND_STR(c->by_id, client_id, r);
	return r && r->c.live == live ? &r->c : NULL;
}

certacl_conn *conns_get(certacl_conns *c, const char *client_id, const char *username)
{
	conn_rec *r;
	if(!client_id || !username) return NULL;
	HASH_FIND_STR(c->by_id, client_id, r);
	return r && strcmp(r->c.username, username) == 0 ? &r->c : NULL;
}

bool conns_connect(certacl_conns *c, const char *client_id, const void *live,
		const char *username, const char *const *groups, size_t ngroups,
		certacl_cert_values *cert)
{
	conn_rec *r = calloc(1, sizeof(*r));
	if(!r) return false;
	r->c.client_id = strdup(client_id);
	r->c.username = strdup(username);
	r->c.groups = ngroups ? calloc(ngroups, sizeof(char *)) : NULL;
	bool ok = r->c.client_id && r->c.username && (!ngroups || r->c.groups);
	for(size_t i = 0; ok && i < ngroups; i++){
		ok = (r->c.groups[i] = strdup(groups[i])) != NULL;
		r->c.ngroups = i + 1;
	}
	if(!ok){
		rec_free(r);
		return false;
	}
	if(cert){
		r->c.cert = *cert;
		memset(cert, 0, sizeof(*cert));
	}
	r->c.live = live;
	conn_rec *old;
	HASH_FIND_STR(c->by_id, client_id, old);
	if(old) rec_remove(c, old);
	HASH_ADD_KEYPTR(hh, c->by_id, r->c.client_id, strlen(r->c.client_id), r);
	c->live++;
	return true;
}

const certacl_conn *conns_holder(const certacl_conns *c, const char *client_id, int64_t now)
{
	const certacl_conn *r = conns_find(c, client_id);
	if(!r || !r->live) return NULL;
	if(r->claimed_at && now - r->claimed_at >= CERTACL_CLAIM_GRACE) return NULL;
	return r;
}

bool conns_claim(certacl_conns *c, const char *client_id, const void *live,
		const char *username, int64_t now)
{
	const certacl_conn *r0 = conns_find(c, client_id);
	if(!username) username = "";
	if(r0 && r0->live == live && strcmp(r0->username, username) == 0) return true; /* re-auth */
	const certacl_conn *h = conns_holder(c, client_id, now);
	if(h && h->live != live) return true; /* held by another: refused before this */
	if(!conns_connect(c, client_id, live, username, NULL, 0, NULL)) return false;
	conn_rec *r;
	HASH_FIND_STR(c->by_id, client_id, r);
	r->c.claimed_at = now > 0 ? now : 1;
	return true;
}

const certacl_conn *conns_confirm(certacl_conns *c, const char *client_id, const void *live,
		const char *username)
{
	certacl_conn *r = conns_get(c, client_id, username);
	if(r && r->live == live) r->claimed_at = 0;
	return r;
}

void conns_disconnect(certacl_conns *c, const char *client_id, const void *live)
{
	conn_rec *r;
	if(!client_id) return;
	HASH_FIND_STR(c->by_id, client_id, r);
	/* Only the connection that owns the record takes it offline: a client
	 * refused at CONNECT, or one taken over, must not affect the owner. */
	if(!r || r->c.live != live || !live) return;
	r->c.live = NULL;
	c->live--;
	r->older = c->newest_offline;
	if(c->newest_offline) c->newest_offline->newer = r;
	else c->oldest_offline = r;
	c->newest_offline = r;
	c->offline++;
	while(c->offline > c->offline_max && c->oldest_offline){
		rec_remove(c, c->oldest_offline);
	}
}

void conns_drop_offline(certacl_conns *c)
{
	while(c->oldest_offline) rec_remove(c, c->oldest_offline);
}

size_t conns_live_count(const certacl_conns *c)
{
	return c->live;
}

void conns_each_live(certacl_conns *c, void (*fn)(certacl_conn *conn, void *arg), void *arg)
{
	conn_rec *r, *tmp;
	HASH_ITER(hh, c->by_id, r, tmp){
		if(r->c.live) fn(&r->c, arg);
	}
}

size_t conns_count(const certacl_conns *c)
{
	return HASH_COUNT(c->by_id);
}

void conn_fill_subject(const certacl_conn *r, certacl_subject *who)
{
	if(!r) return;
	who->groups = (const char *const *)r->groups;
	who->ngroups = r->ngroups;
	cert_values_to_subject(&r->cert, who);
}
