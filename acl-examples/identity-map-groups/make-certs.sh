#!/bin/sh
# Certificates of the identity-map-groups example, made with scripts/gencerts: a CA,
# the broker's certificate (localhost, 127.0.0.1) and client certificates whose CN is
# what identity.map maps: "Alice Smith", hmi-1, hmi-2, historian-1, plus "stranger",
# which the map does not know (refused at CONNECT: plugin_opt_unmapped deny).
# The same as:  scripts/gencerts --out DIR "Alice Smith" hmi-1 hmi-2 historian-1 stranger
#
# Usage: make-certs.sh DIR          make them in DIR (a CA already in DIR is reused)
#        make-certs.sh --check DIR  exit 0 when DIR already holds all of them
# GENCERTS: path of scripts/gencerts (default: found from this file's location).
set -eu
here=$(cd "$(dirname "$0")" && pwd -P)
gencerts=${GENCERTS:-$here/../../scripts/gencerts}

if [ "${1:-}" = "--check" ]; then
	dir=${2:?usage: make-certs.sh --check DIR}
	for f in ca server "Alice Smith" hmi-1 hmi-2 historian-1 stranger; do
		[ -f "$dir/$f.pem" ] && [ -f "$dir/$f.key" ] || exit 1
	done
	exit 0
fi
dir=${1:?usage: make-certs.sh DIR}

"$gencerts" -q --out "$dir" "Alice Smith" hmi-1 hmi-2 historian-1 stranger
echo "certificates in $dir: ca.pem, server.pem/.key, 'Alice Smith', hmi-1, hmi-2, historian-1, stranger"
