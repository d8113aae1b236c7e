/* certacl: the client table (see clients.h). A hash by client id; offline
 * records are also in one of two lists in the order they went offline (plain,
 * and kept sessions), so the oldest can be dropped when there are too many, and
 * a kept session is also in its user's list, for the per-user bound. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <uthash.h>

#include "certacl/clients.h"

typedef struct conn_rec conn_rec;
typedef struct rec_links { conn_rec *older, *newer; } rec_links;
typedef struct rec_list { conn_rec *oldest, *newest; size_t n; } rec_list;

/* The kept sessions of one username, oldest first. */
typedef struct user_sessions {
	char *username;
	rec_list kept;
	UT_hash_handle hh;
} user_sessions;

struct conn_rec {
	certacl_conn c;
	rec_links by_age;      /* in plain or kept, while offline */
	rec_links by_user;     /* in user->kept, while a kept session */
	user_sessions *user;
	bool owner_kept;       /* an unconfirmed claim that replaced its user's kept session */
	UT_hash_handle hh;
};

struct certacl_conns {
	conn_rec *by_id;
	user_sessions *users;
	rec_list plain, kept;
	size_t offline_max, owners_max, owners_per_user, live;
	unsigned long dropped_max, dropped_user, changes;
};

/* Lists are threaded through one of two link fields (by_age, by_user). */
static rec_links *links(conn_rec *r, size_t field)
{
	return (rec_links *)((char *)r + field);
}

static void list_append(rec_list *l, conn_rec *r, size_t field)
{
	links(r, field)->older = l->newest;
	links(r, field)->newer = NULL;
	if(l->newest) links(l->newest, field)->newer = r;
	else l->oldest = r;
	l->newest = r;
	l->n++;
}

static void list_unlink(rec_list *l, conn_rec *r, size_t field)
{
	rec_links *k = links(r, field);
	if(k->older) links(k->older, field)->newer = k->newer;
	else l->oldest = k->newer;
	if(k->newer) links(k->newer, field)->older = k->older;
	else l->newest = k->older;
	k->older = k->newer = NULL;
	l->n--;
}

certacl_conns *conns_new(size_t offline_max)
{
	certacl_conns *c = calloc(1, sizeof(*c));
	if(!c) return NULL;
	c->offline_max = offline_max;
	c->owners_max = CERTACL_OWNERS_MAX;
	c->owners_per_user = CERTACL_OWNERS_PER_USER;
	return c;
}

static void values_free(certacl_conn *v)
{
	for(size_t i = 0; i < v->ngroups; i++) free(v->groups[i]);
	free(v->groups);
	v->groups = NULL;
	v->ngroups = 0;
	cert_values_free(&v->cert);
}

static void rec_free(conn_rec *r)
{
	free(r->c.client_id);
	free(r->c.username);
	values_free(&r->c);
	free(r);
}

/* Does the owners file keep this record (conns_each_owner)? */
static bool rec_saved(const conn_rec *r)
{
	return r->c.session_kept || r->owner_kept || (r->c.live && r->c.session_persists && !r->c.claimed_at);
}

/* Take a kept session out of its lists (it stays in the hash). */
static void kept_unlink(certacl_conns *c, conn_rec *r)
{
	list_unlink(&c->kept, r, offsetof(conn_rec, by_age));
	list_unlink(&r->user->kept, r, offsetof(conn_rec, by_user));
	if(!r->user->kept.n){
		HASH_DEL(c->users, r->user);
		free(r->user->username);
		free(r->user);
	}
	r->user = NULL;
	r->c.session_kept = false;
}

static void rec_remove(certacl_conns *c, conn_rec *r)
{
	if(rec_saved(r)) c->changes++;
	HASH_DEL(c->by_id, r);
	if(r->c.live) c->live--;
	else if(r->c.session_kept) kept_unlink(c, r);
	else list_unlink(&c->plain, r, offsetof(conn_rec, by_age));
	rec_free(r);
}

/* Drop the user's oldest kept sessions past the per-user bound (u is freed
 * with its last session: counted down, never read after). */
static void trim_user(certacl_conns *c, user_sessions *u)
{
	for(size_t n = u->kept.n; n > c->owners_per_user; n--){
		rec_remove(c, u->kept.oldest);
		c->dropped_user++;
	}
}

/* Drop the oldest kept sessions of all past the total bound. */
static void trim_all(certacl_conns *c)
{
	while(c->kept.n > c->owners_max){
		rec_remove(c, c->kept.oldest);
		c->dropped_max++;
	}
}

/* Make an offline record a kept session of its user. False on out-of-memory
 * (then it stays a plain offline record). */
static bool kept_link(certacl_conns *c, conn_rec *r)
{
	user_sessions *u;
	HASH_FIND_STR(c->users, r->c.username, u);
	if(!u){
		if(!(u = calloc(1, sizeof(*u))) || !(u->username = strdup(r->c.username))){
			free(u);
			return false;
		}
		HASH_ADD_KEYPTR(hh, c->users, u->username, strlen(u->username), u);
	}
	r->user = u;
	r->c.session_kept = true;
	list_append(&c->kept, r, offsetof(conn_rec, by_age));
	list_append(&u->kept, r, offsetof(conn_rec, by_user));
	c->changes++;
	trim_user(c, u);
	trim_all(c);
	return true;
}

void conns_set_owner_bounds(certacl_conns *c, size_t max, size_t per_user)
{
	c->owners_max = max;
	c->owners_per_user = per_user;
	user_sessions *u, *tmp;
	HASH_ITER(hh, c->users, u, tmp) trim_user(c, u);
	trim_all(c);
}

void conns_free(certacl_conns *c)
{
	if(!c) return;
	conn_rec *r, *tmp;
	HASH_ITER(hh, c->by_id, r, tmp){
		HASH_DEL(c->by_id, r);
		rec_free(r);
	}
	user_sessions *u, *utmp;
	HASH_ITER(hh, c->users, u, utmp){
		HASH_DEL(c->users, u);
		free(u->username);
		free(u);
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

const certacl_conn *conns_owner(const certacl_conns *c, const char *client_id, int64_t now)
{
	conn_rec *r;
	if(!client_id) return NULL;
	HASH_FIND_STR(c->by_id, client_id, r);
	if(r && (r->c.session_kept || r->owner_kept)) return &r->c;
	return conns_holder(c, client_id, now);
}

bool conns_claim(certacl_conns *c, const char *client_id, const void *live,
		const char *username, int64_t now)
{
	conn_rec *r;
	HASH_FIND_STR(c->by_id, client_id, r);
	if(!username) username = "";
	if(r && r->c.live == live && strcmp(r->c.username, username) == 0) return true; /* re-auth */
	const certacl_conn *h = conns_holder(c, client_id, now);
	if(h && h->live != live) return true; /* held by another: refused before this */
	/* The owner's password client claiming its kept session back: until the
	 * password is seen to pass, the session stays the owner's. */
	bool owner_kept = r && (r->c.session_kept || r->owner_kept) && strcmp(r->c.username, username) == 0;
	if(!conns_connect(c, client_id, live, username, NULL, 0, NULL)) return false;
	HASH_FIND_STR(c->by_id, client_id, r);
	r->c.claimed_at = now > 0 ? now : 1;
	r->owner_kept = owner_kept; /* (replacing the kept record counted as a change) */
	return true;
}

/* r was changed: count it when that changed whether conns_each_owner lists it. */
static void note_saved(certacl_conns *c, const conn_rec *r, bool was_saved)
{
	if(was_saved != rec_saved(r)) c->changes++;
}

const certacl_conn *conns_confirm(certacl_conns *c, const char *client_id, const void *live,
		const char *username)
{
	certacl_conn *found = conns_get(c, client_id, username);
	if(found && found->live == live && found->claimed_at){
		conn_rec *r = (conn_rec *)found;
		bool saved = rec_saved(r);
		r->c.claimed_at = 0;
		r->owner_kept = false;
		note_saved(c, r, saved);
	}
	return found;
}

void conns_set_persists(certacl_conns *c, const char *client_id, const void *live, bool persists)
{
	conn_rec *r = (conn_rec *)conns_live(c, client_id, live);
	if(!r) return;
	bool saved = rec_saved(r);
	r->c.session_persists = persists;
	note_saved(c, r, saved);
}

void conns_disconnect(certacl_conns *c, const char *client_id, const void *live,
		bool session_kept, int64_t now)
{
	conn_rec *r;
	if(!client_id) return;
	HASH_FIND_STR(c->by_id, client_id, r);
	/* Only the connection that owns the record takes it offline: a client
	 * refused at CONNECT, or one taken over, must not affect the owner. */
	if(!r || r->c.live != live || !live) return;
	/* An unconfirmed claim owns nothing, but leaves its user's session kept. */
	bool kept = r->c.claimed_at ? r->owner_kept : session_kept;
	bool saved = rec_saved(r);
	r->c.live = NULL;
	r->c.claimed_at = 0;
	r->owner_kept = false;
	r->c.offline_since = now;
	c->live--;
	if(kept && kept_link(c, r)) return;
	note_saved(c, r, saved);
	list_append(&c->plain, r, offsetof(conn_rec, by_age));
	while(c->plain.n > c->offline_max) rec_remove(c, c->plain.oldest);
}

void conns_forget_offline_values(certacl_conns *c)
{
	while(c->plain.oldest) rec_remove(c, c->plain.oldest);
	for(conn_rec *r = c->kept.oldest; r; r = r->by_age.newer) values_free(&r->c);
}

bool conns_restore_owner(certacl_conns *c, const char *client_id, const char *username,
		int64_t since)
{
	if(conns_find(c, client_id)) return true;
	conn_rec *r = calloc(1, sizeof(*r));
	if(!r || !(r->c.client_id = strdup(client_id)) || !(r->c.username = strdup(username))){
		if(r) rec_free(r);
		return false;
	}
	r->c.offline_since = since;
	HASH_ADD_KEYPTR(hh, c->by_id, r->c.client_id, strlen(r->c.client_id), r);
	if(kept_link(c, r)) return true;
	HASH_DEL(c->by_id, r);
	rec_free(r);
	return false;
}

bool conns_release_owner(certacl_conns *c, const char *client_id)
{
	conn_rec *r;
	if(!client_id) return false;
	HASH_FIND_STR(c->by_id, client_id, r);
	if(!r || !r->c.session_kept) return false;
	rec_remove(c, r);
	return true;
}

void conns_each_owner(const certacl_conns *c, void (*fn)(const certacl_conn *r, void *arg), void *arg)
{
	for(const conn_rec *r = c->kept.oldest; r; r = r->by_age.newer) fn(&r->c, arg);
	for(const conn_rec *r = c->by_id; r; r = r->hh.next){
		if(r->c.live && rec_saved(r)) fn(&r->c, arg);
	}
}

certacl_owner_counts conns_owner_counts(const certacl_conns *c)
{
	certacl_owner_counts n = {
		.kept = c->kept.n, .dropped_max = c->dropped_max,
		.dropped_user = c->dropped_user, .changes = c->changes,
	};
	return n;
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
