#!/bin/bash
# Start the identity-map-groups example: certificates (make-certs.sh) into ./certs
# (or $CERTACL_CERTS), then mosquitto with certacl on 127.0.0.1:8883 (or
# $CERTACL_PORT), with the text identity map; `run.sh --json` uses certacl.json
# (the same map, inline) instead. See ../run-example.sh for the other options.
set -eu
EXAMPLE_DIR=$(cd "$(dirname "$0")" && pwd -P)
args=()
for a in "$@"; do
	if [ "$a" = "--json" ]; then
		TEMPLATE=mosquitto-json.conf.in
	else
		args+=("$a")
	fi
done
. "$EXAMPLE_DIR/../run-example.sh"
run_example ${args[@]+"${args[@]}"}
