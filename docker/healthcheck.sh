#!/bin/bash
# certacl image health check (the Dockerfile's HEALTHCHECK; installed in the image as
# /usr/local/bin/certacl-healthcheck).
#
# With a health client certificate (CERTS/health.pem, health.key and ca.pem): a real
# MQTT check. Connect with mutual TLS as the user "health" and read one message of the
# retained $SYS/broker/uptime: this passes only when the broker accepts TLS clients,
# certacl authenticates the certificate and its ACL grants the read (docker/health.acl:
# `user health` / `topic read $SYS/broker/uptime`).
# Without one: at least the TLS port accepts TCP connections.
#
# Environment: CERTACL_HEALTH_CERTS (default /mosquitto/certs), CERTACL_HEALTH_CLIENT
# (default health), CERTACL_HEALTH_HOST (default 127.0.0.1), CERTACL_HEALTH_PORT (8883).
set -u
certs=${CERTACL_HEALTH_CERTS:-/mosquitto/certs}
client=${CERTACL_HEALTH_CLIENT:-health}
host=${CERTACL_HEALTH_HOST:-127.0.0.1}
port=${CERTACL_HEALTH_PORT:-8883}

if [ -r "$certs/$client.pem" ] && [ -r "$certs/$client.key" ] && [ -r "$certs/ca.pem" ]; then
	# --insecure skips only the host-name check (the server certificate names the
	# service, which need not include 127.0.0.1); the chain is still verified.
	exec mosquitto_sub --cafile "$certs/ca.pem" --cert "$certs/$client.pem" --key "$certs/$client.key" \
		--insecure -h "$host" -p "$port" -i "$client-${HOSTNAME:-local}" \
		-t '$SYS/broker/uptime' -C 1 -W 5
fi
echo "no $certs/$client.pem: TCP check of $host:$port only"
exec timeout 5 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$host" "$port"
