#!/bin/bash
# The one-shot `certs` services of docker-compose.yml: example certificates for a
# broker container, made by scripts/gencerts (through the example's own make-certs.sh,
# so the list of clients is the example's).
#
# Usage: certs.sh --out DIR --server-cn HOST [--owner UID:GID] EXAMPLE
#   EXAMPLE    a directory of acl-examples/ (seed, sparkplug-least-privilege, ...)
#   --out      where the certificates go (the shared volume)
#   --server-cn the broker's service name: the server certificate's CN and DNS SAN
#              (its IP SAN stays 127.0.0.1, for clients on the Docker host)
#   --owner    who may read the client and server keys (default 1883:1883, the
#              mosquitto user of the certacl image); ca.key stays root's, mode 0600
# Also makes the image health check's client certificate, CN "health".
# A second run reuses the CA and the server certificate and re-issues client ones.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd -P)
src=$(cd "$here/.." && pwd -P)

out= server_cn= owner=1883:1883 example=
while [ $# -gt 0 ]; do
	case $1 in
	--out) out=$2; shift 2 ;;
	--server-cn) server_cn=$2; shift 2 ;;
	--owner) owner=$2; shift 2 ;;
	-h | --help) sed -n '2,15p' "$0"; exit 0 ;;
	-*) echo "${0##*/}: unknown option '$1'" >&2; exit 2 ;;
	*) example=$1; shift ;;
	esac
done
[ -n "$out" ] && [ -n "$server_cn" ] && [ -n "$example" ] || {
	echo "usage: ${0##*/} --out DIR --server-cn HOST [--owner UID:GID] EXAMPLE" >&2
	exit 2
}
make_certs="$src/acl-examples/$example/make-certs.sh"
[ -x "$make_certs" ] || { echo "${0##*/}: no $make_certs" >&2; exit 1; }

# make-certs.sh runs $GENCERTS for each group of clients; this wrapper gives every
# run the broker's name, so the server certificate is made once, for that name.
wrapper=$(mktemp)
trap 'rm -f "$wrapper"' EXIT
printf '#!/bin/bash\nexec %q --server-cn %q --server-ip 127.0.0.1 "$@"\n' \
	"$src/scripts/gencerts" "$server_cn" > "$wrapper"
chmod 0755 "$wrapper"

mkdir -p "$out"
GENCERTS=$wrapper "$make_certs" "$out"
"$wrapper" -q --out "$out" health

if [ "$(id -u)" = 0 ]; then
	for f in "$out"/*.pem "$out"/*.key; do
		[ "$(basename "$f")" = ca.key ] && continue
		chown "$owner" "$f"
	done
	chown 0:0 "$out/ca.key"
	chmod 0600 "$out/ca.key"
fi
echo "certs: $out holds, for broker '$server_cn' and example '$example':"
ls -l "$out"
