# certacl acl-examples: what every example's run.sh shares (sourced, not run).
# Usage: run.sh [--conf-only] [--new-certs]      (identity-map-groups: also --json)
#   1. makes the example's certificates with scripts/gencerts (the example's
#      make-certs.sh) unless the certificate directory already holds them;
#   2. writes mosquitto.conf into the certificate directory, from the example's
#      template (mosquitto.conf.in, or $TEMPLATE if run.sh sets it), with absolute paths;
#   3. starts mosquitto in the foreground (exec: the broker keeps run.sh's PID).
# Options:  --conf-only   do steps 1-2, print the conf path, start nothing
#           --new-certs   make the certificates again (a new CA) even if present
# Environment:
#   CERTACL_PLUGIN  certacl.so (default: the first of /usr/lib/mosquitto/certacl.so,
#                   /usr/lib/<multiarch>/mosquitto/certacl.so, /usr/local/lib/mosquitto/
#                   certacl.so, <source>/build/certacl.so, <source>/build/plugin/certacl.so)
#   CERTACL_CERTS   certificate and generated-config directory (default EXAMPLE_DIR/certs)
#   CERTACL_PORT    TLS port (default 8883)
#   CERTACL_HOST    listener address (default 127.0.0.1)
#   MOSQUITTO       the broker (default: mosquitto on PATH, else /usr/sbin/mosquitto)
#   GENCERTS        the certificate script (default <source>/scripts/gencerts)
# An example's run.sh sets EXAMPLE_DIR, sources this file and calls run_example "$@".

ex_die() {
	echo "${0##*/}: error: $*" >&2
	exit 1
}

ex_find_plugin() {
	if [ -n "${CERTACL_PLUGIN:-}" ]; then
		[ -f "$CERTACL_PLUGIN" ] || ex_die "CERTACL_PLUGIN=$CERTACL_PLUGIN: no such file"
		printf '%s\n' "$CERTACL_PLUGIN"
		return
	fi
	for p in /usr/lib/mosquitto/certacl.so /usr/lib/*/mosquitto/certacl.so \
			/usr/local/lib/mosquitto/certacl.so /usr/local/lib/*/mosquitto/certacl.so \
			"$SOURCE_DIR/build/certacl.so" "$SOURCE_DIR/build/plugin/certacl.so"; do
		if [ -f "$p" ]; then
			printf '%s\n' "$p"
			return
		fi
	done
	ex_die "certacl.so not found: build it (cmake -S . -B build && cmake --build build) or set CERTACL_PLUGIN"
}

# Replace @NAME@ in a template (stdin) with the values computed below.
ex_fill() {
	# The values are paths and a number: escape what sed's replacement treats specially.
	esc() { printf '%s' "$1" | sed -e 's/[\\&|]/\\&/g'; }
	sed -e "s|@EXAMPLE_DIR@|$(esc "$EXAMPLE_DIR")|g" \
		-e "s|@CERTS@|$(esc "$CERTS")|g" \
		-e "s|@PLUGIN@|$(esc "$PLUGIN")|g" \
		-e "s|@PORT@|$(esc "$PORT")|g" \
		-e "s|@HOST@|$(esc "$HOST")|g"
}

run_example() {
	local conf_only=0 new_certs=0
	while [ $# -gt 0 ]; do
		case $1 in
		--conf-only) conf_only=1 ;;
		--new-certs) new_certs=1 ;;
		-h|--help) sed -n '2,/^$/p' "$EXAMPLE_DIR/../run-example.sh" | sed -e '/^$/d' -e 's/^# \{0,1\}//'; exit 0 ;;
		*) ex_die "unknown argument '$1' (try --help)" ;;
		esac
		shift
	done
	EXAMPLE_DIR=$(cd "$EXAMPLE_DIR" && pwd -P)
	SOURCE_DIR=$(cd "$EXAMPLE_DIR/../.." && pwd -P)
	CERTS=${CERTACL_CERTS:-$EXAMPLE_DIR/certs}
	mkdir -p "$CERTS" || ex_die "cannot create $CERTS"
	CERTS=$(cd "$CERTS" && pwd -P)
	PORT=${CERTACL_PORT:-8883}
	HOST=${CERTACL_HOST:-127.0.0.1}
	export GENCERTS=${GENCERTS:-$SOURCE_DIR/scripts/gencerts}
	PLUGIN=$(ex_find_plugin) || exit 1
	local mosq=${MOSQUITTO:-}
	if [ -z "$mosq" ]; then
		mosq=$(command -v mosquitto 2>/dev/null || true)
		[ -n "$mosq" ] || mosq=/usr/sbin/mosquitto
	fi

	# 1. certificates (the example's make-certs.sh lists what it makes in its CNS line)
	if [ "$new_certs" = 1 ]; then
		rm -f "$CERTS"/*.pem "$CERTS"/*.key
	fi
	if ! "$EXAMPLE_DIR/make-certs.sh" --check "$CERTS"; then
		"$EXAMPLE_DIR/make-certs.sh" "$CERTS" || ex_die "making certificates failed"
	fi

	# 2. configuration with absolute paths
	local conf="$CERTS/mosquitto.conf"
	ex_fill < "$EXAMPLE_DIR/${TEMPLATE:-mosquitto.conf.in}" > "$conf" || ex_die "cannot write $conf"
	if [ "$conf_only" = 1 ]; then
		printf '%s\n' "$conf"
		return 0
	fi

	# 3. the broker, in the foreground; stop it with Ctrl-C or by its PID
	echo "${0##*/}: $mosq -c $conf  (plugin $PLUGIN, certificates in $CERTS)" >&2
	exec "$mosq" -c "$conf"
}
