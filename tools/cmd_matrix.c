/* certacl matrix: who may do what, as a table for review and audit. Rows are
 * the identities the configuration knows, columns the topic classes its rules
 * name (for a Sparkplug policy: each message type per Sparkplug group, and
 * STATE), each cell what read, write and subscribe answer (survey.h), with the
 * deciding rule. Text, Markdown, JSON or one self-contained HTML page. */
#include <stdlib.h>
#include <string.h>

#include "cli_args.h"
#include "cli_decide.h"
#include "commands.h"
#include "survey.h"

static const char matrix_help[] =
"Usage: certacl matrix [OPTIONS] [--cert CERT.pem] [--certs DIR]\n"
"                      [--format text|markdown|json|html]\n"
"\n"
"Identities down, topic classes across; each cell says whether the identity may\n"
"read (R), write (W) and subscribe (S) there, as the plugin decides, with the\n"
"deciding rule. The identities and the questions are diff's (see certacl diff\n"
"--help): map entries, user sections, a member of each group no other identity is\n"
"in, a client without username when there are rules for it, and the certificates\n"
"given. Read and write count as allowed when some QoS and retain flag is allowed.\n"
"Columns: each rule filter; for a policy with spBv1.0/ rules, instead, NBIRTH,\n"
"NDATA, NDEATH, DBIRTH, DDATA, DDEATH, NCMD, DCMD of each Sparkplug group (literal\n"
"group levels of the rules, and the OU of the certificates given), with the\n"
"identity's username as the node id, then STATE (3.0 and 2.2) of that name.\n"
"\n"
"Options:\n"
"  --cert CERT.pem         also a row for this certificate\n"
"  --certs DIR             a row for every client certificate (*.pem) of DIR (CA\n"
"                          certificates and server-only ones are left out)\n"
"  --format F              text (default), markdown, json (as --json) or html: one\n"
"                          page without network resources; a cell's title (shown\n"
"                          on hover) names the deciding rules\n"
"\n"
"%s"
"\n"
"Exit status: 0 the matrix was printed, 2 usage error, or a configuration that\n"
"cannot be loaded.\n";

enum { M_READ, M_WRITE, M_SUBSCRIBE, M_ACCESSES };
static const certacl_access matrix_access[M_ACCESSES] = {
	CERTACL_READ, CERTACL_WRITE, CERTACL_SUBSCRIBE,
};
static const char matrix_letter[M_ACCESSES] = { 'R', 'W', 'S' };

/* One access of one cell: the first allowed variant, or variant 0 denied. */
typedef struct matrix_answer {
	bool allowed;
	unsigned variant;           /* qos variant / 2, retained when odd */
	const certacl_rule *rule;   /* deciding rule, or NULL */
	const char *reason;         /* in words (static text) */
} matrix_answer;

typedef struct matrix_cell {
	char *filter;               /* the class for this identity; NULL: names nothing */
	matrix_answer a[M_ACCESSES];
} matrix_cell;

typedef struct matrix_column {
	char *label;
	survey_class cls;           /* cls.filter owned when `owned` */
	bool owned;
} matrix_column;

typedef struct matrix {
	const certacl_snapshot *s;
	survey sv;
	matrix_column *cols;
	size_t ncols;
	matrix_cell *cells;         /* nids x ncols */
	bool oom;
} matrix;

/* Sparkplug B message types of a group's columns; device types take a level. */
static const struct { const char *type; bool device; } sparkplug_types[] = {
	{ "NBIRTH", false }, { "NDATA", false }, { "NDEATH", false }, { "DBIRTH", true },
	{ "DDATA", true }, { "DDEATH", true }, { "NCMD", false }, { "DCMD", true },
};

/* Append a column (label and filter copied when `copy`). */
static void add_column(matrix *m, const char *label, const char *filter, bool pattern, bool copy)
{
	matrix_column *nc = realloc(m->cols, (m->ncols + 1) * sizeof(*nc));
	if(!nc){ m->oom = true; return; }
	m->cols = nc;
	char *l = strdup(label), *f = copy ? strdup(filter) : (char *)filter;
	if(!l || !f){
		free(l);
		if(copy) free(f);
		m->oom = true;
		return;
	}
	m->cols[m->ncols++] = (matrix_column){ l, { f, pattern }, copy };
}

/* Add a Sparkplug group name once (names with placeholders or wildcards are not
 * group ids); false when the list is full. */
static bool add_group_name(char **names, size_t *n, size_t max, const char *s, size_t len)
{
	if(len == 0 || memchr(s, '%', len) || (len == 1 && (s[0] == '+' || s[0] == '#'))
			|| (len == 5 && memcmp(s, "STATE", 5) == 0)){
		return true;
	}
	for(size_t i = 0; i < *n; i++){
		if(strlen(names[i]) == len && memcmp(names[i], s, len) == 0) return true;
	}
	if(*n == max || !(names[*n] = strndup(s, len))) return false;
	(*n)++;
	return true;
}

/* The Sparkplug group ids: literal second levels of spBv1.0/ rules, and the
 * OU of each certificate row. Returns how many (0: not a Sparkplug policy). */
static size_t sparkplug_groups(matrix *m, char **names, size_t max)
{
	static const char prefix[] = "spBv1.0/";
	size_t n = 0;
	bool sparkplug = false;
	const certacl_policy *p = m->s->policy;
	for(size_t i = 0; i < policy_rule_count(p) && !m->oom; i++){
		const char *f = policy_rule_at(p, i)->filter;
		if(strncmp(f, prefix, sizeof(prefix) - 1) != 0) continue;
		sparkplug = true;
		f += sizeof(prefix) - 1;
		if(!add_group_name(names, &n, max, f, strcspn(f, "/"))) m->oom = true;
	}
	const survey_class ou = { "%{ou}", true };
	char val[CERTACL_IDENTITY_MAX + 1];
	for(size_t i = 0; sparkplug && i < m->sv.nids && !m->oom; i++){
		if(m->sv.ids[i].cert && survey_filter(m->s, &m->sv.ids[i], &ou, val, sizeof(val))
				&& !add_group_name(names, &n, max, val, strlen(val))){
			m->oom = true;
		}
	}
	qsort(names, n, sizeof(*names), survey_cmp_names);
	return sparkplug ? n : 0;
}

/* The columns: Sparkplug's when the policy is one, else every rule filter. */
static void make_columns(matrix *m)
{
	char *groups[256];
	size_t ng = sparkplug_groups(m, groups, sizeof(groups) / sizeof(groups[0]));
	char label[400], filter[600];
	for(size_t g = 0; g < ng; g++){
		for(size_t t = 0; t < sizeof(sparkplug_types) / sizeof(sparkplug_types[0]); t++){
			snprintf(label, sizeof(label), "%.300s %s", groups[g], sparkplug_types[t].type);
			snprintf(filter, sizeof(filter), "spBv1.0/%.300s/%s/%%u%s", groups[g],
					sparkplug_types[t].type, sparkplug_types[t].device ? "/+" : "");
			add_column(m, label, filter, true, true);
		}
		free(groups[g]);
	}
	if(ng){
		add_column(m, "STATE", "spBv1.0/STATE/%u", true, true);
		add_column(m, "STATE (2.2)", "STATE/%u", true, true);
		return;
	}
	for(size_t k = 0; k < m->sv.nclasses; k++){
		add_column(m, m->sv.classes[k].filter, m->sv.classes[k].filter,
				m->sv.classes[k].pattern, false);
	}
}

/* Decide one access of a cell: the first allowed variant, else variant 0. */
static void decide_access(matrix *m, size_t id, const char *filter, unsigned acc, matrix_answer *out)
{
	char topic[CERTACL_TOPIC_MAX + 1];
	unsigned nv = matrix_access[acc] == CERTACL_SUBSCRIBE ? 1 : SURVEY_VARIANTS;
	*out = (matrix_answer){ .reason = "the question could not be asked" };
	for(unsigned v = 0; v < nv; v++){
		cli_question q;
		cli_answer ans;
		survey_question(&m->sv.ids[id], matrix_access[acc], v, filter, topic, sizeof(topic), &q);
		if(!cli_decide(m->s, &q, &ans)) continue;
		bool by_rule = !ans.refused && !ans.broker_refusal;
		if(v == 0 || ans.allowed){
			*out = (matrix_answer){ ans.allowed, v, by_rule ? ans.d.rule : NULL,
				cli_reason_words(&ans) };
		}
		cli_answer_free(&ans);
		if(out->allowed) return;
	}
}

/* Fill every cell. */
static void fill(matrix *m)
{
	char filter[CERTACL_TOPIC_MAX + 1];
	m->cells = calloc(m->sv.nids * m->ncols + 1, sizeof(*m->cells));
	if(!m->cells){ m->oom = true; return; }
	for(size_t i = 0; i < m->sv.nids; i++){
		for(size_t k = 0; k < m->ncols; k++){
			matrix_cell *c = &m->cells[i * m->ncols + k];
			if(!survey_filter(m->s, &m->sv.ids[i], &m->cols[k].cls, filter, sizeof(filter))) continue;
			if(!(c->filter = strdup(filter))){ m->oom = true; return; }
			for(unsigned a = 0; a < M_ACCESSES; a++) decide_access(m, i, c->filter, a, &c->a[a]);
		}
	}
}

/* "RWS" with '-' for what is denied, "." for a class that names nothing. */
static void cell_letters(const matrix_cell *c, char out[M_ACCESSES + 1])
{
	for(unsigned a = 0; a < M_ACCESSES; a++){
		out[a] = !c->filter ? '.' : c->a[a].allowed ? matrix_letter[a] : '-';
	}
	out[M_ACCESSES] = '\0';
}

/* Numbered columns, then one line per identity of "RWS" cells. */
static void print_text(const matrix *m)
{
	size_t w = 8;
	for(size_t i = 0; i < m->sv.nids; i++){
		if(strlen(m->sv.ids[i].label) > w) w = strlen(m->sv.ids[i].label);
	}
	printf("columns (R read, W write, S subscribe; - denied; . names nothing for that row):\n");
	for(size_t k = 0; k < m->ncols; k++) printf("  %2zu  %s\n", k + 1, m->cols[k].label);
	printf("\n%-*s", (int)w, "identity");
	for(size_t k = 0; k < m->ncols; k++) printf(" %3zu", k + 1);
	printf("\n");
	for(size_t i = 0; i < m->sv.nids; i++){
		printf("%-*s", (int)w, m->sv.ids[i].label);
		for(size_t k = 0; k < m->ncols; k++){
			char l[M_ACCESSES + 1];
			cell_letters(&m->cells[i * m->ncols + k], l);
			printf(" %s", l);
		}
		printf("\n");
	}
}

/* Markdown text: '|' and '`' would end a cell or a code span. */
static void print_md_text(const char *s)
{
	for(; *s; s++){
		if(*s == '|') fputs("\\|", stdout);
		else putchar(*s == '`' ? '\'' : *s);
	}
}

/* A Markdown table, cells as code spans, and the legend. */
static void print_markdown(const matrix *m)
{
	printf("| identity |");
	for(size_t k = 0; k < m->ncols; k++){
		printf(" ");
		print_md_text(m->cols[k].label);
		printf(" |");
	}
	printf("\n|---|");
	for(size_t k = 0; k < m->ncols; k++) printf(":-:|");
	printf("\n");
	for(size_t i = 0; i < m->sv.nids; i++){
		printf("| ");
		print_md_text(m->sv.ids[i].label);
		printf(" |");
		for(size_t k = 0; k < m->ncols; k++){
			char l[M_ACCESSES + 1];
			cell_letters(&m->cells[i * m->ncols + k], l);
			printf(" `%s` |", l);
		}
		printf("\n");
	}
	printf("\nR read, W write, S subscribe; - denied; . the class names nothing for that "
			"identity.\n");
}

/* One access of a cell as JSON. */
static cJSON *answer_json(const matrix_answer *a, certacl_access acc)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddBoolToObject(o, "allowed", a->allowed);
	if(acc != CERTACL_SUBSCRIBE){
		cJSON_AddNumberToObject(o, "qos", a->variant / 2);
		cJSON_AddBoolToObject(o, "retain", a->variant % 2);
	}
	cJSON_AddStringToObject(o, "reason", a->reason);
	cJSON_AddItemToObject(o, "rule", cli_rule_json(a->rule));
	return o;
}

/* Who a row is, as JSON: label, user (or certificate) and groups. */
static cJSON *identity_json(const survey_identity *id)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "label", id->label);
	if(id->user && id->user[0]) cJSON_AddStringToObject(o, "user", id->user);
	else cJSON_AddNullToObject(o, "user");
	if(id->cert) cJSON_AddStringToObject(o, "cert", id->cert);
	else cJSON_AddNullToObject(o, "cert");
	cJSON *g = cJSON_AddArrayToObject(o, "groups");
	for(size_t k = 0; k < id->ngroups; k++) cJSON_AddItemToArray(g, cJSON_CreateString(id->groups[k]));
	return o;
}

/* The columns, and per row its identity and every cell's answers. */
static void print_json(const matrix *m)
{
	cJSON *doc = cJSON_CreateObject();
	cJSON *cols = cJSON_AddArrayToObject(doc, "columns");
	for(size_t k = 0; k < m->ncols; k++){
		cJSON *c = cJSON_CreateObject();
		cJSON_AddStringToObject(c, "label", m->cols[k].label);
		cJSON_AddStringToObject(c, "class", m->cols[k].cls.filter);
		cJSON_AddItemToArray(cols, c);
	}
	cJSON *rows = cJSON_AddArrayToObject(doc, "rows");
	for(size_t i = 0; i < m->sv.nids; i++){
		cJSON *r = identity_json(&m->sv.ids[i]);
		cJSON *cells = cJSON_AddArrayToObject(r, "cells");
		for(size_t k = 0; k < m->ncols; k++){
			const matrix_cell *c = &m->cells[i * m->ncols + k];
			cJSON *o = cJSON_CreateObject();
			if(c->filter) cJSON_AddStringToObject(o, "filter", c->filter);
			else cJSON_AddNullToObject(o, "filter");
			for(unsigned a = 0; c->filter && a < M_ACCESSES; a++){
				cJSON_AddItemToObject(o, certacl_access_name(matrix_access[a]),
						answer_json(&c->a[a], matrix_access[a]));
			}
			cJSON_AddItemToArray(cells, o);
		}
		cJSON_AddItemToArray(rows, r);
	}
	cli_json_out(doc);
}

/* Text as HTML (element content and attribute values). */
static void print_html_text(const char *s)
{
	for(; *s; s++){
		switch(*s){
		case '&': fputs("&amp;", stdout); break;
		case '<': fputs("&lt;", stdout); break;
		case '>': fputs("&gt;", stdout); break;
		case '"': fputs("&quot;", stdout); break;
		case '\'': fputs("&#39;", stdout); break;
		default: putchar(*s);
		}
	}
}

/* A cell's title: each access, its verdict and deciding rule. */
static void print_html_title(const matrix_cell *c)
{
	char line[1400];
	for(unsigned a = 0; a < M_ACCESSES; a++){
		const matrix_answer *x = &c->a[a];
		int n = snprintf(line, sizeof(line), "%s%s %s: %s", a ? "\n" : "",
				certacl_access_name(matrix_access[a]), c->filter,
				x->allowed ? "allowed" : "denied");
		if(n >= 0 && (size_t)n < sizeof(line) && x->rule){
			snprintf(line + n, sizeof(line) - (size_t)n, " by %s:%u '%s'", x->rule->file,
					x->rule->line, x->rule->text);
		}else if(n >= 0 && (size_t)n < sizeof(line)){
			snprintf(line + n, sizeof(line) - (size_t)n, " (%s)", x->reason);
		}
		print_html_text(line);
	}
}

static const char html_head[] =
"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
"<title>certacl access matrix</title>\n<style>\n"
"body{font-family:sans-serif;margin:1em}table{border-collapse:collapse}\n"
"th,td{border:1px solid #999;padding:2px 6px;text-align:center}\n"
"th.id{text-align:left}td{font-family:monospace}\n"
"td.none{color:#999}td.some{background:#ffe9a8}td.all{background:#b9e7b9}\n"
"td.deny{background:#f3c4c4}\n</style></head><body>\n"
"<h1>certacl access matrix</h1>\n"
"<p>R read, W write, S subscribe; - denied; . the class names nothing for that "
"identity. Hover a cell for the deciding rules.</p>\n<table id=\"matrix\">\n";

/* One page: the table, cells coloured by how much is allowed, a title on each
 * cell naming the deciding rules. */
static void print_html(const matrix *m)
{
	fputs(html_head, stdout);
	printf("<tr><th class=\"id\">identity</th>");
	for(size_t k = 0; k < m->ncols; k++){
		printf("<th>");
		print_html_text(m->cols[k].label);
		printf("</th>");
	}
	printf("</tr>\n");
	for(size_t i = 0; i < m->sv.nids; i++){
		printf("<tr><th class=\"id\">");
		print_html_text(m->sv.ids[i].label);
		printf("</th>");
		for(size_t k = 0; k < m->ncols; k++){
			const matrix_cell *c = &m->cells[i * m->ncols + k];
			char l[M_ACCESSES + 1];
			cell_letters(c, l);
			unsigned n = 0;
			for(unsigned a = 0; a < M_ACCESSES; a++) n += c->filter && c->a[a].allowed;
			printf("<td class=\"%s\"", !c->filter ? "none" : n == 0 ? "deny" : n == M_ACCESSES ? "all" : "some");
			if(c->filter){
				printf(" data-filter=\"");
				print_html_text(c->filter);
				printf("\" title=\"");
				print_html_title(c);
				printf("\"");
			}
			printf(">%s</td>", l);
		}
		printf("</tr>\n");
	}
	printf("</table>\n</body></html>\n");
}

/* Free the cells, the columns and the survey (not the snapshot). */
static void matrix_free(matrix *m)
{
	for(size_t i = 0; m->cells && i < m->sv.nids * m->ncols; i++) free(m->cells[i].filter);
	free(m->cells);
	for(size_t k = 0; k < m->ncols; k++){
		free(m->cols[k].label);
		if(m->cols[k].owned) free((char *)m->cols[k].cls.filter);
	}
	free(m->cols);
	survey_free(&m->sv);
}

/* certacl matrix: exit 0 printed, 2 error. */
int cmd_matrix(int argc, char **argv)
{
	cli_args a;
	certacl_error err;
	int rc = CLI_ERROR;
	if(!cli_parse(&a, "matrix", argc, argv, F_CERT | F_CERTS | F_FORMAT)) goto out;
	if(a.seen & F_HELP){
		printf(matrix_help, cli_options_help);
		rc = CLI_OK;
		goto out;
	}
	const char *fmt = a.format ? a.format : a.json ? "json" : "text";
	if(a.npos || (strcmp(fmt, "text") && strcmp(fmt, "markdown") && strcmp(fmt, "json")
			&& strcmp(fmt, "html"))){
		rc = a.npos ? cli_usage_error(&a, "unexpected argument '%s'", a.pos[0])
			: cli_usage_error(&a, "--format: expected text, markdown, json or html");
		goto out;
	}
	certacl_snapshot *s = cli_snapshot(&a, true, &err);
	if(!s){
		rc = cli_fail(&a, err.text);
		goto out;
	}
	matrix m = { .s = s };
	char why[1300];
	if(!survey_collect(&m.sv, (const certacl_snapshot *const[]){ s }, 1, a.cert, a.certs,
			why, sizeof(why))){
		rc = cli_fail(&a, why);
	}else{
		make_columns(&m);
		if(!m.oom) fill(&m);
		if(m.oom) rc = cli_fail(&a, "certacl matrix: out of memory");
		else{
			if(!strcmp(fmt, "json")) print_json(&m);
			else if(!strcmp(fmt, "markdown")) print_markdown(&m);
			else if(!strcmp(fmt, "html")) print_html(&m);
			else print_text(&m);
			rc = CLI_OK;
		}
	}
	matrix_free(&m);
	snapshot_free(s);
out:
	cli_args_free(&a);
	return rc;
}
