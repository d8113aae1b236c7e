/* certacl command-line tool: explain --batch FILE (cmd_batch.c). */
#ifndef CERTACL_CMD_BATCH_H
#define CERTACL_CMD_BATCH_H

#include "cli_args.h"

/* Decide every question of the file a->batch under snapshot s against the
 * result each line expects; the exit status: CLI_OK when every line is as
 * expected, CLI_NO when one is not, CLI_ERROR when one cannot be asked. */
int cmd_batch(cli_args *a, const certacl_snapshot *s);

#endif
