#!/bin/sh
# Runs mosquitto with one of acl-examples/ as it is, for docker-compose.yml's example
# brokers (profile "sparkplug"): renders the example's mosquitto.conf.in the way
# acl-examples/run-example.sh does, with the container's paths, adds the image's
# health-check ACL (docker/health.acl) and execs mosquitto. So the broker uses the
# example's own options (identity, groups_from, ...) and ACL, with nothing copied.
#
# Environment (defaults: the paths docker-compose.yml mounts):
#   CERTACL_EXAMPLE_DIR  the example directory (/mosquitto/example)
#   CERTACL_CERTS_DIR    ca.pem, server.pem, server.key (/mosquitto/certs)
#   CERTACL_HEALTH_ACL   extra ACL file (/mosquitto/config/health.acl; empty: none)
#   CERTACL_PLUGIN       /usr/lib/mosquitto/certacl.so
#   CERTACL_PORT 8883    CERTACL_HOST 0.0.0.0
#   CERTACL_CONF_OUT     where the rendered file goes (${TMPDIR:-/tmp}/mosquitto.conf)
#   MOSQUITTO            the broker (mosquitto)
set -eu
ex=${CERTACL_EXAMPLE_DIR:-/mosquitto/example}
certs=${CERTACL_CERTS_DIR:-/mosquitto/certs}
health_acl=${CERTACL_HEALTH_ACL-/mosquitto/config/health.acl}
plugin=${CERTACL_PLUGIN:-/usr/lib/mosquitto/certacl.so}
port=${CERTACL_PORT:-8883}
host=${CERTACL_HOST:-0.0.0.0}
conf=${CERTACL_CONF_OUT:-${TMPDIR:-/tmp}/mosquitto.conf}

esc() { printf '%s' "$1" | sed -e 's/[\\&|]/\\&/g'; }
sed -e "s|@EXAMPLE_DIR@|$(esc "$ex")|g" \
	-e "s|@CERTS@|$(esc "$certs")|g" \
	-e "s|@PLUGIN@|$(esc "$plugin")|g" \
	-e "s|@PORT@|$(esc "$port")|g" \
	-e "s|@HOST@|$(esc "$host")|g" \
	"$ex/mosquitto.conf.in" > "$conf"
if [ -n "$health_acl" ]; then
	# plugin_opt_* lines belong to the last `plugin` line: the example's certacl.
	printf '\n# added by docker/example-broker.sh: the image health check client\nplugin_opt_acl_file %s\n' \
		"$health_acl" >> "$conf"
fi
echo "example-broker: $ex/mosquitto.conf.in -> $conf"
exec "${MOSQUITTO:-mosquitto}" -c "$conf"
