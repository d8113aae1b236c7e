#!/bin/sh
# Certificates of the seed example (SPEC section 1), made with scripts/gencerts: a CA,
# the broker's certificate (localhost, 127.0.0.1) and one client certificate per user
# of the ACL file, whose CN is the user name: MyEACM, SparkplugViewer, HMI.
# The same as running:  scripts/gencerts --out DIR MyEACM SparkplugViewer HMI
#
# Usage: make-certs.sh DIR          make them in DIR (a CA already in DIR is reused)
#        make-certs.sh --check DIR  exit 0 when DIR already holds all of them
# GENCERTS: path of scripts/gencerts (default: found from this file's location).
set -eu
here=$(cd "$(dirname "$0")" && pwd -P)
gencerts=${GENCERTS:-$here/../../scripts/gencerts}

if [ "${1:-}" = "--check" ]; then
	dir=${2:?usage: make-certs.sh --check DIR}
	for f in ca server MyEACM SparkplugViewer HMI; do
		[ -f "$dir/$f.pem" ] && [ -f "$dir/$f.key" ] || exit 1
	done
	exit 0
fi
dir=${1:?usage: make-certs.sh DIR}

"$gencerts" -q --out "$dir" MyEACM SparkplugViewer HMI Stranger
echo "certificates in $dir: ca.pem, server.pem/.key, MyEACM, SparkplugViewer, HMI, Stranger (in no ACL section)"
