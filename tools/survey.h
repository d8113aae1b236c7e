/* certacl command-line tool: the questions that `diff` and `matrix` ask of a
 * policy. Who (every identity the configuration knows: identity-map entries,
 * user and group sections, clients without username, given certificates)
 * times what (every topic class the rules name, placeholders filled per
 * identity) times how (read, write at each QoS and retain flag, subscribe).
 * Every answer comes from cli_decide(), as `explain` gets it. */
#ifndef CERTACL_SURVEY_H
#define CERTACL_SURVEY_H

#include "certacl/topic.h"
#include "cli_decide.h"

#define SURVEY_MAX_IDENTITIES 4096
#define SURVEY_MAX_CLASSES 4096

/* One identity: a username with groups (user sections, map entries, group
 * members), a client without username, or a certificate file. */
typedef struct survey_identity {
	char *label;          /* how outputs name it: "user 'U'", "cert F" */
	char *user;           /* NULL: no username, or the certificate decides it */
	char *cert;           /* certificate path, or NULL */
	const char *groups[64]; /* with `user`: its groups (strings of a snapshot) */
	size_t ngroups;
} survey_identity;

/* One topic class: a rule filter as written, from a pattern or a topic line. */
typedef struct survey_class {
	const char *filter;
	bool pattern;         /* placeholders are filled per identity */
} survey_class;

typedef struct survey {
	survey_identity *ids;
	size_t nids;
	survey_class *classes;
	size_t nclasses;
} survey;

/* The variants of one access asked per cell: read and write at QoS 0..2, not
 * retained and retained; subscribe once. */
#define SURVEY_VARIANTS 6

/* Collect the identities and classes of every snapshot (the sides of a diff,
 * or one policy), plus the given certificate file and the client certificates
 * (*.pem but CA and server-only ones) of directory `certs_dir` (or NULL).
 * False with `err` set when a certificate cannot be read or a limit is hit. */
bool survey_collect(survey *sv, const certacl_snapshot *const *sides, size_t nsides,
		const char *cert, const char *certs_dir, char *err, size_t errsz);
void survey_free(survey *sv);
/* qsort order of C strings through pointers (names, groups). */
int survey_cmp_names(const void *a, const void *b);

/* The filter class `c` stands for, for identity `id` under snapshot `s`, in
 * out: a pattern's placeholders filled with the identity's values (the client
 * id is unknown, as in `explain` without --client-id). False when a
 * placeholder has no usable value for it (the class names nothing for it). */
bool survey_filter(const certacl_snapshot *s, const survey_identity *id,
		const survey_class *c, char *out, size_t n);

/* The question for one cell: `filter` as a subscription, or as a topic (each
 * wildcard level standing as the level "any") for read and write at variant
 * v (qos v / 2, retained when v is odd). `topic_buf` holds the topic. */
void survey_question(const survey_identity *id, certacl_access access, unsigned v,
		const char *filter, char *topic_buf, size_t n, cli_question *q);

#endif
