/* certacl command-line tool: plugin options as (key, value) pairs, each with
 * where it was written ("mosquitto.conf:12", "command line (--acl-file)").
 * Filled by the command line (cli_args.c) and a broker's mosquitto.conf
 * (mosqconf.c). */
#ifndef CERTACL_CLI_PAIRS_H
#define CERTACL_CLI_PAIRS_H

#include <stdbool.h>
#include <stddef.h>

#include "certacl/config.h"

/* The pairs in the order they were added; the strings are owned here. */
typedef struct cli_pairs {
	certacl_opt_pair *v;
	char **where;
	size_t n, cap;
} cli_pairs;

bool cli_pairs_add(cli_pairs *p, const char *key, size_t keylen, const char *value,
		const char *where);
void cli_pairs_free(cli_pairs *p);

#endif
