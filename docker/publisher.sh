#!/bin/bash
# The `publisher` of docker-compose.yml: publishes messages that the broker's ACL
# allows and messages it denies, in a bounded loop, and says for each what was
# expected and what the broker answered. MQTT v5 and QoS 1, so a refused publish comes
# back as PUBACK reason 135 "Not authorized" (with MQTT 3.1.1 the broker drops it
# silently); the broker's log has the matching `certacl: denied ...` line.
#
# Usage: publisher.sh [seed|sparkplug]     (default seed)
# Environment:
#   BROKER_HOST (broker)  BROKER_PORT (8883)  CERTS (/certs: ca.pem, USER.pem, USER.key)
#   ROUNDS (3)  INTERVAL (5, seconds between rounds)  START_DELAY (3, seconds)
#   SUBSCRIBER_ID (viewer-sub: the subscriber's client id, for the takeover attempt)
#   CLIENT_TIMEOUT (20: seconds one mosquitto_pub/mosquitto_sub may take; then it is
#   stopped and the answer is "error: no answer")  WAIT_BROKER (60: seconds to wait
#   for the broker's port before the first round)
# Every client call is bounded: mosquitto_pub has no timeout of its own (a connection
# that gets no answer waits for the kernel's TCP timeout, about two minutes; a
# connection the broker drops is retried forever), so without one a single stalled
# call would leave this script silent after its first line.
# Exit status: 0 when every answer was the expected one, 1 otherwise.
set -u
scenario=${1:-seed}
host=${BROKER_HOST:-broker}
port=${BROKER_PORT:-8883}
certs=${CERTS:-/certs}
rounds=${ROUNDS:-3}
interval=${INTERVAL:-5}
start_delay=${START_DELAY:-3}
subscriber_id=${SUBSCRIBER_ID:-viewer-sub}
client_timeout=${CLIENT_TIMEOUT:-20}
wait_broker=${WAIT_BROKER:-60}
mismatches=0
round=0
n=0 # message number: every payload is unique, "round R msg N from USER"

say() { printf '%s\n' "$*"; }

# client COMMAND...: a client call, stopped after CLIENT_TIMEOUT seconds (exit 124)
client() {
	timeout -k 2 "$client_timeout" "$@"
}

# error_detail RC OUTPUT: what a failed client call says
error_detail() {
	if [ "$1" -eq 124 ] || [ "$1" -eq 137 ]; then
		printf 'no answer within %ss (stopped)' "$client_timeout"
	else
		printf '%s exit %s: %s' "$3" "$1" "$(printf '%s' "$2" | tr '\n' ' ')"
	fi
}

# verdict EXPECTED GOT WHAT DETAIL [MSG]: one line per answer
verdict() {
	local mark=ok
	if [ "$1" != "$2" ]; then
		mark="UNEXPECTED (expected $1)"
		mismatches=$((mismatches + 1))
	fi
	printf 'round %s  msg %-3s %-6s %-62s %s  [%s]\n' "$round" "${5:--}" "$2" "$3" "$4" "$mark"
}

# pub allow|deny USER TOPIC [mosquitto_pub options...]: publish as USER (its certificate)
pub() {
	local expect=$1 user=$2 topic=$3 out rc got detail
	shift 3
	n=$((n + 1))
	out=$(client mosquitto_pub --cafile "$certs/ca.pem" --cert "$certs/$user.pem" --key "$certs/$user.key" \
		-h "$host" -p "$port" -V mqttv5 -q 1 -i "$user-pub" -t "$topic" \
		-m "round $round msg $n from $user" "$@" 2>&1)
	rc=$?
	if [ $rc -ne 0 ]; then
		got=error detail=$(error_detail $rc "$out" mosquitto_pub)
	elif printf '%s' "$out" | grep -q 'Not authorized'; then
		got=deny detail="refused: PUBACK 135 Not authorized"
	else
		got=allow detail="accepted: PUBACK 0"
	fi
	verdict "$expect" "$got" "$user publish $topic${*:+ ($*)}" "$detail" "$n"
}

# sub allow|deny USER FILTER: subscribe as USER, then disconnect
sub() {
	local expect=$1 user=$2 filter=$3 out rc got detail
	out=$(client mosquitto_sub --cafile "$certs/ca.pem" --cert "$certs/$user.pem" --key "$certs/$user.key" \
		-h "$host" -p "$port" -V mqttv5 -i "$user-subtest" -t "$filter" -E -W 5 2>&1)
	rc=$?
	if [ $rc -ne 0 ]; then
		got=error detail=$(error_detail $rc "$out" mosquitto_sub)
	elif printf '%s' "$out" | grep -q 'denied'; then
		got=deny detail="refused: SUBACK 135 Not authorized"
	else
		got=allow detail="granted"
	fi
	verdict "$expect" "$got" "$user subscribe $filter" "$detail"
}

# takeover USER CLIENT_ID: connect as USER with another user's live client id
takeover() {
	local user=$1 id=$2 out rc got detail
	out=$(client mosquitto_pub --cafile "$certs/ca.pem" --cert "$certs/$user.pem" --key "$certs/$user.key" \
		-h "$host" -p "$port" -V mqttv5 -q 1 -i "$id" -t takeover/test -m x 2>&1)
	rc=$?
	# exit 0: connected (whatever became of the publish); a refused CONNECT ends
	# mosquitto_pub with "Connection error: Not authorized" (exit 135 with MQTT v5)
	if [ $rc -eq 0 ]; then
		got=allow detail="connected"
	elif [ $rc -eq 135 ] || printf '%s' "$out" | grep -q 'Connection error: Not authorized'; then
		got=deny detail="refused: CONNACK 135 Not authorized"
	else
		got=error detail=$(error_detail $rc "$out" mosquitto_pub)
	fi
	verdict deny "$got" "$user connect with client id '$id' (held by the subscriber)" "$detail"
}

seed_round() {
	# acl-examples/seed/acl: MyEACM reads STATE/+ and reads/writes spBv1.0/#,
	# SparkplugViewer only reads both, HMI reads/writes both.
	pub allow MyEACM spBv1.0/G1/NDATA/E1
	pub deny MyEACM STATE/host1
	pub allow HMI STATE/host1
	pub deny SparkplugViewer spBv1.0/G1/NCMD/E1
	# the username a client sends grants nothing: still the certificate's user
	pub deny SparkplugViewer STATE/host1 -u HMI -P whatever
	if [ "$round" = 1 ]; then
		sub deny SparkplugViewer 'admin/#'
		sub allow SparkplugViewer 'spBv1.0/G1/#'
		takeover HMI "$subscriber_id"
	fi
}

sparkplug_round() {
	# acl-examples/sparkplug-least-privilege/acl: user = certificate CN, group = O,
	# Sparkplug group id = OU (edge nodes only).
	if [ "$round" = 1 ]; then
		pub allow scada1 spBv1.0/STATE/scada1 -r            # host STATE: retained only
		pub deny scada1 spBv1.0/STATE/scada1                 # ... not as a live message
		pub allow Edge1 spBv1.0/Plant1/NBIRTH/Edge1
		pub deny Edge1 spBv1.0/Plant1/NBIRTH/Edge1 -r        # births are never retained
		sub allow Edge1 'spBv1.0/Plant1/NCMD/Edge1'
		sub deny Edge1 'spBv1.0/Plant1/NCMD/Edge3'           # another node's commands
		takeover Edge3 "$subscriber_id"
	fi
	pub allow Edge1 spBv1.0/Plant1/NDATA/Edge1
	pub deny Edge1 spBv1.0/Plant1/NDATA/Edge3            # another node's topic
	pub deny Edge1 spBv1.0/Plant2/NDATA/Edge1            # another Sparkplug group
	pub allow Edge2 spBv1.0/Plant2/DDATA/Edge2/pump1
	pub allow scada1 spBv1.0/Plant1/NCMD/Edge1           # the host commands nodes
	pub deny SparkplugViewer spBv1.0/Plant1/NCMD/Edge1   # a viewer may not
	pub deny Edge2 spBv1.0/Plant1/NCMD/Edge1             # nor may a node
}

case $scenario in
seed | sparkplug) ;;
-h | --help) awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; exit 0 ;;
*) echo "${0##*/}: unknown scenario '$scenario' (seed or sparkplug)" >&2; exit 2 ;;
esac

say "publisher: scenario $scenario, broker $host:$port, $rounds round(s) every ${interval}s"
sleep "$start_delay"
# The broker's port, before the first round: say so instead of stalling in a client.
waited=0
until timeout 3 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$host" "$port" 2>/dev/null; do
	if [ "$waited" -ge "$wait_broker" ]; then
		say "publisher: $host:$port accepts no connection after ${wait_broker}s: giving up"
		exit 1
	fi
	[ "$waited" -gt 0 ] || say "publisher: waiting for $host:$port"
	sleep 1
	waited=$((waited + 1))
done
while [ "$round" -lt "$rounds" ]; do
	round=$((round + 1))
	"${scenario}_round"
	[ "$round" -lt "$rounds" ] && sleep "$interval"
done
if [ "$mismatches" -eq 0 ]; then
	say "publisher: done: every answer was the expected one (see the broker's 'certacl: denied' lines)"
	exit 0
fi
say "publisher: done: $mismatches UNEXPECTED answer(s)"
exit 1
