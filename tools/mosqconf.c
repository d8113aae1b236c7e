/* certacl command-line tool: the plugin options of a broker's mosquitto.conf.
 *
 * As mosquitto reads them: a `plugin` (or `auth_plugin`) line starts a plugin,
 * and the `plugin_opt_KEY VALUE` (or `auth_opt_KEY VALUE`) lines after it are
 * its options, VALUE being the rest of the line with inner blanks kept.
 * `include_dir DIR` reads DIR's *.conf files in name order at that point. Only
 * the options of the first plugin whose path ends in "certacl.so" are kept
 * (with per_listener_settings each listener may load its own copy). */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "cli_pairs.h"
#include "mosqconf.h"

#define INCLUDE_DEPTH_MAX 8

typedef struct conf_state {
	cli_pairs *out;
	unsigned plugins;  /* certacl plugin lines seen */
	bool in_certacl;   /* option lines now read belong to the first certacl plugin */
	unsigned depth;
	certacl_error *err;
} conf_state;

/* One configuration file, line by line (include_dir nests). */
static bool read_conf_file(conf_state *st, const char *path);

/* Does s end with suffix? */
static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* include_dir order: file names compared without case, as mosquitto does. */
static int cmp_name(const void *a, const void *b)
{
	return strcasecmp(*(char *const *)a, *(char *const *)b);
}

/* Read every regular *.conf file of `dir`, sorted by name as mosquitto does. */
static bool read_include_dir(conf_state *st, const char *dir, const char *from, unsigned line)
{
	DIR *d = opendir(dir);
	if(!d){
		certacl_error_set(st->err, from, line, "include_dir '%s': %s", dir, strerror(errno));
		return false;
	}
	char **names = NULL;
	size_t n = 0;
	bool ok = true;
	for(struct dirent *e; ok && (e = readdir(d)); ){
		if(!ends_with(e->d_name, ".conf")) continue;
		char **nn = realloc(names, (n + 1) * sizeof(*nn));
		size_t len = strlen(dir) + strlen(e->d_name) + 2;
		if(nn) names = nn;
		if(!nn || !(names[n] = malloc(len))) ok = false;
		else snprintf(names[n++], len, "%s/%s", dir, e->d_name);
	}
	closedir(d);
	if(!ok) certacl_error_set(st->err, from, line, "out of memory");
	if(n) qsort(names, n, sizeof(*names), cmp_name);
	for(size_t i = 0; i < n; i++){
		struct stat sb;
		if(ok && stat(names[i], &sb) == 0 && S_ISREG(sb.st_mode)) ok = read_conf_file(st, names[i]);
		free(names[i]);
	}
	free(names);
	return ok;
}

/* `plugin_opt_KEY VALUE` / `auth_opt_KEY VALUE` of the certacl plugin. */
static bool option_line(conf_state *st, const char *where, const char *word, size_t wlen,
		const char *rest)
{
	size_t prefix = strncmp(word, "plugin_opt_", 11) == 0 ? 11 : 9;
	if(!st->in_certacl) return true;
	if(wlen == prefix){
		certacl_error_set(st->err, where, 0, "'%.*s' without an option name", (int)wlen, word);
		return false;
	}
	if(*rest == '\0'){
		certacl_error_set(st->err, where, 0, "empty value for %.*s", (int)wlen, word);
		return false;
	}
	if(!cli_pairs_add(st->out, word + prefix, wlen - prefix, rest, where)){
		certacl_error_set(st->err, where, 0, "out of memory");
		return false;
	}
	return true;
}

/* One line, without its line ending and trailing blanks. */
static bool conf_line(conf_state *st, const char *path, unsigned lineno, char *line)
{
	char where[1100];
	while(*line == ' ' || *line == '\t') line++;
	if(*line == '\0' || *line == '#') return true;
	size_t wlen = strcspn(line, " \t");
	const char *rest = line + wlen;
	while(*rest == ' ' || *rest == '\t') rest++;
	snprintf(where, sizeof(where), "%s:%u", path, lineno);

	if((wlen == 6 && strncmp(line, "plugin", 6) == 0)
			|| (wlen == 11 && strncmp(line, "auth_plugin", 11) == 0)){
		bool ours = ends_with(rest, "certacl.so");
		if(ours) st->plugins++;
		st->in_certacl = ours && st->plugins == 1;
		if(ours && st->plugins == 2){
			fprintf(stderr, "certacl: note: %s: another certacl plugin line "
					"(per_listener_settings?): using the options of the first\n", where);
		}
		return true;
	}
	if(strncmp(line, "plugin_opt_", 11) == 0 || strncmp(line, "auth_opt_", 9) == 0){
		return option_line(st, where, line, wlen, rest);
	}
	if(wlen == 11 && strncmp(line, "include_dir", 11) == 0){
		if(st->depth >= INCLUDE_DEPTH_MAX){
			certacl_error_set(st->err, path, lineno, "include_dir nested too deeply");
			return false;
		}
		return read_include_dir(st, rest, path, lineno);
	}
	return true;
}

static bool read_conf_file(conf_state *st, const char *path)
{
	FILE *f = fopen(path, "r");
	if(!f){
		certacl_error_set(st->err, path, 0, "cannot open: %s", strerror(errno));
		return false;
	}
	char *line = NULL;
	size_t cap = 0;
	unsigned lineno = 0;
	bool ok = true;
	st->depth++;
	for(ssize_t n; ok && (n = getline(&line, &cap, f)) >= 0; ){
		lineno++;
		while(n > 0 && line[n-1] && strchr("\r\n \t", line[n-1])) line[--n] = '\0';
		ok = conf_line(st, path, lineno, line);
	}
	st->depth--;
	free(line);
	fclose(f);
	return ok;
}

/* The options of the first certacl plugin of a mosquitto.conf. */
bool mosqconf_read(const char *path, cli_pairs *out, certacl_error *err)
{
	conf_state st = { .out = out, .err = err };
	if(!read_conf_file(&st, path)) return false;
	if(st.plugins == 0){
		certacl_error_set(err, path, 0, "no 'plugin' line whose path ends in certacl.so "
				"(its plugin_opt_* lines are read after it)");
		return false;
	}
	return true;
}
