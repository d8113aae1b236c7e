/* certacl: the owners of kept (offline persistent) sessions, saved to a file
 * so that a broker restart with persistence does not free their client ids.
 *
 * The file is written whole, to a temporary file renamed over it, so a crash
 * leaves the old or the new one. Its first line names the format; then one
 * JSON object per line, oldest first:
 *   {"clientid":"sensor-7","username":"sensor7","offline_since":1733300000}
 * (offline_since 0: the session's client was connected when it was saved). */
#ifndef CERTACL_OWNERS_H
#define CERTACL_OWNERS_H

#include "certacl/clients.h"
#include "certacl/common.h"

#define CERTACL_OWNERS_HEADER "# certacl session owners, format 1"

/* Read `path` into c as kept sessions (conns_restore_owner: the bounds of c
 * apply). A missing file is an empty one. False with err set
 * ("path:line: problem") on anything else that cannot be read: then nothing
 * should be trusted, and the caller refuses to start. `*loaded`: records read. */
bool owners_load(certacl_conns *c, const char *path, size_t *loaded, certacl_error *err);

/* Write every owner conns_each_owner lists to `path` (via "path.tmp", mode
 * 0600, flushed to disk, then renamed). `*saved`: records written;
 * `*too_long`: records left out because their line would be longer than
 * CERTACL_LINE_MAX. False with err set when the file cannot be written (the
 * old file is then untouched). */
bool owners_save(const certacl_conns *c, const char *path, size_t *saved, size_t *too_long,
		certacl_error *err);

#endif
