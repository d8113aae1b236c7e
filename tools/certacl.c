/* certacl command-line tool: lint a configuration, show who a certificate is,
 * explain a decision. Built on the same core as the plugin (libcertacl_core),
 * so every answer is the plugin's answer. This file dispatches subcommands. */
#include <string.h>

#include "cli_args.h"
#include "commands.h"

static const char main_help[] =
"Usage: certacl COMMAND [OPTIONS]\n"
"\n"
"Check a certacl configuration before the broker loads it, with the plugin's own code.\n"
"\n"
"Commands:\n"
"  lint       load the configuration as the plugin does; report errors and traps\n"
"  identity   show a certificate's fields, its identity, user and groups, or why\n"
"             the plugin would refuse it at CONNECT\n"
"  explain    decide one request (or a batch file of them) and show the deciding rule\n"
"  diff       which decisions two configurations answer differently (CI: exit 1\n"
"             when access widens)\n"
"  matrix     identities down, topic classes across: who may read, write, subscribe\n"
"\n"
"Run 'certacl COMMAND --help' for each command's options.\n"
"\n"
"Exit status (every command):\n"
"  0  clean / allowed / accepted / every batch line as expected\n"
"  1  warnings / denied / refused / some batch line not as expected\n"
"  2  usage error, or a configuration, policy or input that cannot be loaded\n";

/* Dispatch to the subcommand; no subcommand is a usage error (exit 2). */
int main(int argc, char **argv)
{
	if(argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0
			|| strcmp(argv[1], "help") == 0){
		fputs(main_help, argc < 2 ? stderr : stdout);
		return argc < 2 ? CLI_ERROR : CLI_OK;
	}
	if(strcmp(argv[1], "--version") == 0){
		printf("certacl %s\n", CERTACL_VERSION);
		return CLI_OK;
	}
	if(strcmp(argv[1], "lint") == 0) return cmd_lint(argc - 2, argv + 2);
	if(strcmp(argv[1], "identity") == 0) return cmd_identity(argc - 2, argv + 2);
	if(strcmp(argv[1], "explain") == 0) return cmd_explain(argc - 2, argv + 2);
	if(strcmp(argv[1], "ctl") == 0) return cmd_ctl(argc - 2, argv + 2);
	if(strcmp(argv[1], "diff") == 0) return cmd_diff(argc - 2, argv + 2);
	if(strcmp(argv[1], "matrix") == 0) return cmd_matrix(argc - 2, argv + 2);
	fprintf(stderr, "certacl: unknown command '%s' (expected lint, identity, explain, diff, matrix or ctl; "
			"see 'certacl --help')\n", argv[1]);
	return CLI_ERROR;
}
