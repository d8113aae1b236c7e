/* certacl: options (plugin_opt_* keys or a JSON file) and the snapshot they load.
 *
 * A snapshot is everything one decision needs (policy, identity map, ...), built
 * completely and validated before use: it is never half-loaded. The plugin keeps
 * one current snapshot and replaces it whole on reload. */
#ifndef CERTACL_CONFIG_H
#define CERTACL_CONFIG_H

#include <openssl/x509.h>

#include "certacl/common.h"
#include "certacl/crl.h"
#include "certacl/denylist.h"
#include "certacl/identity.h"
#include "certacl/policy.h"

typedef enum { CERTACL_UNMAPPED_ALLOW = 0, CERTACL_UNMAPPED_DENY } certacl_unmapped;
typedef enum { CERTACL_NOCERT_DENY = 0, CERTACL_NOCERT_DEFER } certacl_no_cert;
typedef enum { CERTACL_EXPIRED_DISCONNECT = 0, CERTACL_EXPIRED_LOG } certacl_expired;
typedef enum {
	CERTACL_CLIENTID_OWNED = 0,
	CERTACL_CLIENTID_EQUAL,
	CERTACL_CLIENTID_PREFIX,
	CERTACL_CLIENTID_ANY,
} certacl_clientid;

typedef struct certacl_options {
	char **acl_files;
	size_t nacl_files;
	certacl_id_spec identity;
	char *identity_map;
	certacl_unmapped unmapped;
	certacl_no_cert no_cert;
	certacl_clientid clientid;
	char *deny_list;
	char *config; /* JSON file holding any of the keys above */
	char *ca_file;       /* CA certificates for sha256 issuer pins */
	char **issuers;      /* global issuer pins: a certificate must match one */
	size_t nissuers;
	char **crl_files;    /* CRLs, each signed by a CA of ca_file */
	size_t ncrl_files;
	certacl_crl_stale crl_stale;
	bool groups_from_ou, groups_from_o;
	bool log_allowed;         /* audit allowed decisions too (debugging) */
	unsigned stats_interval;  /* seconds between $SYS counter updates; 0 = off */
	unsigned log_per_client;  /* audit lines per client per 10 s before summarising */
	certacl_expired expired;  /* a live client whose certificate expires: cut or log */
	unsigned expiry_warn_days; /* warn daily about certificates this close to expiry */
	/* Offline persistent sessions whose owner is kept (clientid owned): how
	 * many in all and per username, and where they are saved for restarts
	 * (NULL: not saved). */
	unsigned session_owners_max, session_owners_per_user;
	char *session_owners_file;
	certacl_idmap *inline_map; /* identity_map given as a JSON array */
	unsigned set_mask; /* single-valued keys already set (each may be set once) */
} certacl_options;

void options_init(certacl_options *o);
void options_free(certacl_options *o);
/* Apply one option. `key` is given without the "plugin_opt_" prefix ("acl_file").
 * `where` names the source for errors ("mosquitto.conf", a JSON path). */
bool options_set(certacl_options *o, const char *key, const char *value,
		const char *where, certacl_error *err);
/* Apply the options of a JSON config (NUL-terminated `text`, read from `path`):
 * an object of option names without the prefix, string values (acl_file may
 * also be an array of strings). */
bool options_apply_json(certacl_options *o, const char *path, const char *text,
		certacl_error *err);
/* After the last options_set: read the JSON config if one was named, then check
 * that the options are complete (at least one ACL file). */
bool options_finish(certacl_options *o, certacl_error *err);

typedef struct certacl_snapshot {
	certacl_options opts; /* the options this snapshot was built from */
	certacl_policy *policy;
	certacl_idmap *map; /* NULL without plugin_opt_identity_map */
	certacl_denylist *deny; /* NULL without plugin_opt_deny_list */
	STACK_OF(X509) *cas;    /* from ca_file, for sha256 issuer pins and CRL signatures */
	certacl_crls *crls;     /* NULL without plugin_opt_crl_file */
} certacl_snapshot;

/* One option as written: key without the "plugin_opt_" prefix, and its value. */
typedef struct certacl_opt_pair {
	const char *key;
	const char *value;
} certacl_opt_pair;

/* options_init, options_set for each pair, options_finish. The options must be
 * freed with options_free whatever the result. */
bool options_load(certacl_options *o, const certacl_opt_pair *opts, size_t n,
		const char *where, certacl_error *err);

/* Apply the options (then the JSON config they name), read every file they name
 * and build a snapshot; or return NULL with err set to "file:line: problem".
 * Called at start and again on every reload, so every file is re-read. */
certacl_snapshot *snapshot_build(const certacl_opt_pair *opts, size_t n,
		const char *where, certacl_error *err);
void snapshot_free(certacl_snapshot *s);
/* A fingerprint of every file the options name (device, inode, size, mtime),
 * so a caller can tell whether a rebuild would read anything new. False when
 * the options themselves do not load (then rebuild, to report why). */
bool snapshot_inputs_stamp(const certacl_opt_pair *opts, size_t n, uint64_t *stamp);
/* The CA certificate of ca_file whose SHA-256 fingerprint is `pin`
 * ("sha256:HEX"), or NULL. */
X509 *snapshot_ca_by_pin(const certacl_snapshot *s, const char *pin);

#endif
