#!/bin/sh
# Certificates of the sparkplug-least-privilege example, made with scripts/gencerts:
# a CA, the broker's certificate (localhost, 127.0.0.1) and one client certificate
# per MQTT client. The subject fields are the policy's input:
#   CN = user (edge node id / host id / viewer name), O = role (a certacl group,
#   plugin_opt_groups_from o), OU = Sparkplug group id (edge nodes only).
#
# Usage: make-certs.sh DIR          make them in DIR (a CA already in DIR is reused)
#        make-certs.sh --check DIR  exit 0 when DIR already holds all of them
# GENCERTS: path of scripts/gencerts (default: found from this file's location).
set -eu
here=$(cd "$(dirname "$0")" && pwd -P)
gencerts=${GENCERTS:-$here/../../scripts/gencerts}

if [ "${1:-}" = "--check" ]; then
	dir=${2:?usage: make-certs.sh --check DIR}
	for f in ca server scada1 SparkplugViewer Edge1 Edge3 Edge2; do
		[ -f "$dir/$f.pem" ] && [ -f "$dir/$f.key" ] || exit 1
	done
	exit 0
fi
dir=${1:?usage: make-certs.sh DIR}

# The primary host application (Sparkplug host id "scada1"): no OU.
"$gencerts" -q --out "$dir" --o sparkplug-host scada1
# A read-only viewer (dashboards, historians): no OU.
"$gencerts" -q --out "$dir" --o sparkplug-viewer SparkplugViewer
# Edge nodes of Sparkplug group "Plant1" ...
"$gencerts" -q --out "$dir" --o sparkplug-edge --ou Plant1 Edge1 Edge3
# ... and of group "Plant2".
"$gencerts" -q --out "$dir" --o sparkplug-edge --ou Plant2 Edge2
echo "certificates in $dir: ca.pem, server.pem/.key, scada1, SparkplugViewer, Edge1, Edge3 (Plant1), Edge2 (Plant2)"
