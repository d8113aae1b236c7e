/* certacl command-line tool: the plugin options of a broker's mosquitto.conf. */
#ifndef CERTACL_MOSQCONF_H
#define CERTACL_MOSQCONF_H

#include "certacl/common.h"
#include "cli_pairs.h"

/* Read the plugin_opt_* lines that follow the certacl.so `plugin` line of a
 * mosquitto.conf (include_dir followed). False with err set when the file
 * cannot be read or names no certacl plugin. */
bool mosqconf_read(const char *path, cli_pairs *out, certacl_error *err);

#endif
