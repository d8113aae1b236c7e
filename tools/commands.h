/* certacl command-line tool: the subcommands that certacl.c dispatches to, each
 * defined in its own file (cmd_lint.c, cmd_identity.c, ...). Each takes the
 * arguments after its name and returns the exit status (CLI_OK, CLI_NO,
 * CLI_ERROR). */
#ifndef CERTACL_COMMANDS_H
#define CERTACL_COMMANDS_H

int cmd_lint(int argc, char **argv);
int cmd_identity(int argc, char **argv);
int cmd_explain(int argc, char **argv);
int cmd_ctl(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_matrix(int argc, char **argv);

#endif
