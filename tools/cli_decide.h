/* certacl command-line tool: one question (who asks what) and the answer the
 * core gives it (cli_decide.c), as explain, its batch mode, diff and matrix ask. */
#ifndef CERTACL_CLI_DECIDE_H
#define CERTACL_CLI_DECIDE_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "certacl/auth.h"

/* One question: who asks what. */
typedef struct cli_question {
	const char *user;      /* the username the client has; NULL: none (or from cert) */
	const char *cert;      /* certificate file: the username comes from auth_decide() */
	const char *client_id; /* NULL: unknown (rules with %c then grant nothing) */
	const char *groups[64];/* with --user: the groups the user is in */
	size_t ngroups;
	certacl_access access;
	const char *topic;
	int qos;
	bool retain;
} cli_question;

/* The answer, with what the CONNECT step gave when a certificate was used. */
typedef struct cli_answer {
	bool allowed;
	bool refused;              /* refused (or deferred) at CONNECT: d is unset */
	const char *broker_refusal; /* refused by mosquitto before any ACL: d is unset */
	certacl_decision d;
	bool have_auth;
	certacl_auth_result auth;  /* with a certificate (free with cli_answer_free) */
	char error[1200];          /* the question could not be asked (e.g. unreadable cert) */
} cli_answer;

/* Decide a question with the core; false (error set) when it cannot be asked. */
bool cli_decide(const certacl_snapshot *s, const cli_question *q, cli_answer *out);
void cli_answer_free(cli_answer *ans);
/* The answer as one plain-text block (lines start with `indent`) or JSON. */
void cli_answer_print(const cli_question *q, const cli_answer *ans, const char *indent);
cJSON *cli_answer_json(const cli_question *q, const cli_answer *ans);
/* The reason of an answer in words, as the plugin logs it. */
const char *cli_reason_words(const cli_answer *ans);
/* A short description of the question: "write 'a/b' by user 'U' ...". */
void cli_question_text(const cli_question *q, char *out, size_t n);

#endif
