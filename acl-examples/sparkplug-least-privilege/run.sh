#!/bin/bash
# Start the sparkplug-least-privilege example: certificates (make-certs.sh) into
# ./certs (or $CERTACL_CERTS), then mosquitto with certacl on 127.0.0.1:8883
# (or $CERTACL_PORT). See ../run-example.sh for options and environment.
set -eu
EXAMPLE_DIR=$(cd "$(dirname "$0")" && pwd -P)
. "$EXAMPLE_DIR/../run-example.sh"
run_example "$@"
