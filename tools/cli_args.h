/* certacl command-line tool: what the subcommands share (cli_args.c): exit
 * codes, the command line, the snapshot its options build, error reporting and
 * JSON helpers. The tool decides nothing itself: every answer comes from the
 * core (snapshot_build, auth_decide, acl_decide, lint_snapshot), exactly as the
 * plugin gets it. */
#ifndef CERTACL_CLI_ARGS_H
#define CERTACL_CLI_ARGS_H

#include <stdio.h>

#include <cjson/cJSON.h>
#include <openssl/x509.h>

#include "certacl/config.h"
#include "cli_pairs.h"

/* Exit codes, the same for every subcommand. */
enum {
	CLI_OK = 0,    /* clean / allowed / would connect / every batch line as expected */
	CLI_NO = 1,    /* warnings / denied / refused at CONNECT / some batch line differs */
	CLI_ERROR = 2, /* usage error, or a configuration, policy or input that cannot be loaded */
};

/* The tool's own flags; any other --KEY VALUE is a plugin option. */
enum {
	F_JSON = 1u << 0, F_HELP = 1u << 1, F_MOSQ_CONF = 1u << 2, F_USER = 1u << 3,
	F_CERT = 1u << 4, F_CLIENT_ID = 1u << 5, F_TOPIC = 1u << 6, F_ACCESS = 1u << 7,
	F_QOS = 1u << 8, F_RETAIN = 1u << 9, F_BATCH = 1u << 10, F_GROUP = 1u << 11,
	F_IGNORE = 1u << 12, F_VERBOSE = 1u << 13, F_CERTS = 1u << 14, F_FORMAT = 1u << 15,
};

typedef struct cli_args {
	const char *cmd;             /* "lint", "identity", "explain" */
	unsigned seen;               /* F_* flags given */
	bool json, retain, verbose;
	const char *mosquitto_conf, *user, *cert, *client_id, *topic, *access, *qos, *batch;
	const char *certs;           /* --certs DIR (diff, matrix) */
	const char *format;          /* --format (matrix) */
	const char *list[2][64];     /* --group, --ignore values */
	size_t nlist[2];
	const char *pos[4];          /* positional arguments */
	size_t npos;
	cli_pairs plugin;            /* --KEY VALUE plugin options, in command-line order */
	bool no_policy;              /* identity without any ACL file: an empty one was used */
} cli_args;

#define CLI_GROUPS 0
#define CLI_IGNORES 1

/* Parse argv (after the subcommand) accepting the tool flags in `allowed`
 * (F_JSON, F_HELP and F_MOSQ_CONF are always accepted). On a usage error
 * prints it and returns false. */
bool cli_parse(cli_args *a, const char *cmd, int argc, char **argv, unsigned allowed);
void cli_args_free(cli_args *a);

/* Build the snapshot the plugin would build from these options (after those
 * of --mosquitto-conf). NULL with err set on failure. When `need_policy` is
 * false and no ACL file is named, an empty policy is used (a->no_policy). */
certacl_snapshot *cli_snapshot(cli_args *a, bool need_policy, certacl_error *err);

/* Report a failure and return CLI_ERROR: plain text on stderr, or with --json
 * {"error": {...}} on stdout. `text` is "file:line: message" or a sentence. */
int cli_fail(const cli_args *a, const char *text);
int cli_usage_error(const cli_args *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Split "file:line: message" into its parts (file and message written to the
 * buffers; line 0 when there is none). */
void cli_split_error(const char *text, char *file, size_t fsz, unsigned *line,
		const char **message);
cJSON *cli_error_json(const char *text);

/* Print a JSON document on stdout and free it. */
void cli_json_out(cJSON *doc);

/* A certificate from a PEM (or DER) file; NULL with why set. */
X509 *cli_load_cert(const char *path, char *why, size_t whysz);

/* JSON of a rule (file, line, text, section) or null. */
cJSON *cli_rule_json(const certacl_rule *r);
const char *cli_section_name(const certacl_rule *r);

/* The help text shared by every subcommand: how plugin options are given. */
extern const char cli_options_help[];

#endif
