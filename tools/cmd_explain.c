/* certacl explain: decide one request as the plugin would (cli_decide.c) and
 * show the deciding rule; with --batch FILE, many (cmd_batch.c). */
#include <string.h>

#include "cli_args.h"
#include "cli_decide.h"
#include "cmd_batch.h"
#include "commands.h"

static const char explain_help[] =
"Usage: certacl explain [OPTIONS] [--user U | --cert CERT.pem] [--client-id ID]\n"
"                       --topic T --access read|write|subscribe|unsubscribe\n"
"                       [--qos N] [--retain]\n"
"       certacl explain [OPTIONS] --batch FILE\n"
"\n"
"Decide one request as the plugin would, and show the rule that decided it (file,\n"
"line, text) or that no rule matched.\n"
"\n"
"Question:\n"
"  --user U                the client's username (as the plugin set it at CONNECT)\n"
"  --group G               with --user (or no user): a group the user is in (repeatable)\n"
"  --cert CERT.pem         take username, groups and certificate placeholders from this\n"
"                          certificate, as the plugin does at CONNECT (a certificate\n"
"                          refused at CONNECT is reported as denied)\n"
"                          (neither --user nor --cert: a client without a username)\n"
"  --client-id ID          the client id (%%c); without it %%c rules grant nothing\n"
"  --topic T               topic name (read, write) or filter (subscribe, unsubscribe)\n"
"  --access A              read (delivery to the client), write (publish), subscribe,\n"
"                          unsubscribe\n"
"  --qos N                 0, 1 or 2 (default 0)\n"
"  --retain                the message is retained\n"
"\n"
"Batch (regression-test a policy in CI):\n"
"  --batch FILE            one question a line ('-': standard input):\n"
"                            EXPECT [user=U | cert=PATH] [client=ID] [group=G ...]\n"
"                                   access=A topic=T [qos=N] [retain=0|1]\n"
"                          EXPECT is allow or deny; a value may be \"double quoted\"\n"
"                          (\\\" and \\\\ inside); '#' starts a comment line; a relative\n"
"                          cert path is relative to FILE's directory. Prints a line per\n"
"                          question that is not decided as expected, then 'N passed,\n"
"                          N failed'. --verbose prints every question.\n"
"\n"
"%s"
"\n"
"Exit status: 0 allowed (batch: every line as expected), 1 denied (batch: some line\n"
"not as expected), 2 usage error, or a configuration, policy or input that cannot be\n"
"loaded.\n";

/* Why the command line does not ask one well-formed question, or NULL. */
static const char *question_problem(const cli_args *a)
{
	if(a->user && a->cert) return "--user and --cert exclude each other";
	if(a->cert && a->nlist[CLI_GROUPS]) return "with --cert the groups come from the certificate: drop --group";
	if(!a->topic) return "--topic is required";
	if(!a->access) return "--access is required";
	certacl_access acc;
	if(!certacl_access_parse(a->access, &acc)) return "--access: expected read, write, subscribe or unsubscribe";
	if(a->qos && (strlen(a->qos) != 1 || a->qos[0] < '0' || a->qos[0] > '2')) return "--qos: expected 0, 1 or 2";
	return NULL;
}

/* The single question of the command line, or a usage error. */
static bool question_from_args(const cli_args *a, cli_question *q)
{
	const char *problem = question_problem(a);
	memset(q, 0, sizeof(*q));
	if(problem){
		cli_usage_error(a, "%s", problem);
		return false;
	}
	certacl_access_parse(a->access, &q->access);
	q->qos = a->qos ? a->qos[0] - '0' : 0;
	q->user = a->user;
	q->cert = a->cert;
	q->client_id = a->client_id;
	q->topic = a->topic;
	q->retain = a->retain;
	q->ngroups = a->nlist[CLI_GROUPS];
	memcpy(q->groups, a->list[CLI_GROUPS], q->ngroups * sizeof(q->groups[0]));
	return true;
}

/* One question from the command line: decide, print, exit 0 or 1. */
static int explain_one(cli_args *a, const certacl_snapshot *s)
{
	cli_question q;
	cli_answer ans;
	if(!question_from_args(a, &q)) return CLI_ERROR;
	if(!cli_decide(s, &q, &ans)) return cli_fail(a, ans.error);
	if(a->json) cli_json_out(cli_answer_json(&q, &ans));
	else cli_answer_print(&q, &ans, "");
	cli_answer_free(&ans);
	return ans.allowed ? CLI_OK : CLI_NO;
}

/* certacl explain: one question from the flags, or a batch file. */
int cmd_explain(int argc, char **argv)
{
	cli_args a;
	certacl_error err;
	int rc = CLI_ERROR;
	unsigned question = F_USER | F_CERT | F_CLIENT_ID | F_TOPIC | F_ACCESS | F_QOS
		| F_RETAIN | F_GROUP;
	if(!cli_parse(&a, "explain", argc, argv, question | F_BATCH | F_VERBOSE)) goto out;
	if(a.seen & F_HELP){
		printf(explain_help, cli_options_help);
		rc = CLI_OK;
		goto out;
	}
	if(a.npos){
		rc = cli_usage_error(&a, "unexpected argument '%s'", a.pos[0]);
		goto out;
	}
	if(a.batch && (a.seen & question)){
		rc = cli_usage_error(&a, "--batch takes its questions from the file only");
		goto out;
	}
	certacl_snapshot *s = cli_snapshot(&a, true, &err);
	if(!s){
		rc = cli_fail(&a, err.text);
		goto out;
	}
	rc = a.batch ? cmd_batch(&a, s) : explain_one(&a, s);
	snapshot_free(s);
out:
	cli_args_free(&a);
	return rc;
}
