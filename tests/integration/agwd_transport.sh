#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# timeout: 180
#
# agwd in a network namespace with a config file: status over the control
# socket; TPKT-framed messages from a real TCP MGC (several per segment,
# one split over three) are logged; garbage resets the connection and agwd
# reconnects; a datagram from an address not on the allow-list is dropped
# and logged; a realm address change shows; SIGTERM shuts down cleanly.
set -euo pipefail
. "$AGW_SRC/tests/integration/lib/common.sh"
require_root
NS=agw-agwd-$$
PEER=agw-agwd-$$-mgc
TMP=$(mktemp -d /tmp/agw-agwd-XXXXXX)
T_CLEAN+=("rm -rf $TMP")
AGWD_PID=
PEER_PID=

die() {
	echo "FAIL: $*"
	echo "---- agwd log"
	cat "$TMP/agwd.log" || true
	echo "---- peer output"
	cat "$TMP/peer.out" 2>/dev/null || true
	exit 1
}

# ip netns exec (not common.sh's in_ns): a fresh /sys, so the default
# gate_pin_dir (/sys/fs/bpf/agw) is a bpffs of agwd's own
ctl() { ip netns exec "$NS" "$BUILD/helpers/agw_ctl_request" "$TMP/agwd.sock" "$@"; }

netns_add "$NS"
netns_add "$PEER"
ip link add agwd-a netns "$NS" type veth peer name agwd-b netns "$PEER"
ip -n "$NS" addr add 10.77.0.1/24 dev agwd-a
ip -n "$PEER" addr add 10.77.0.2/24 dev agwd-b
ip -n "$PEER" addr add 10.77.0.9/24 dev agwd-b
ip -n "$NS" link set agwd-a up
ip -n "$PEER" link set agwd-b up

cat >"$TMP/agwd.conf" <<CONF
[agwd]
mid = [10.77.0.1]:2944
state_dir = $TMP/state
control_socket = $TMP/agwd.sock
[h248]
mgc = 10.77.0.2:2944
transport = udp, tcp
address = 10.77.0.1
port = 2944
[timers]
registration_retry_ms = 200
registration_retry_max_ms = 1000
[log]
level = debug
[realm access]
interface = agwd-a
ports = 30000-30099
attach = none
CONF

# the configuration as agwd sees it
"$BUILD/agwd" --config "$TMP/agwd.conf" --print-config >"$TMP/effective"
grep -qx 'transport = udp,tcp' "$TMP/effective" || die "print-config"
"$BUILD/agwd" --config "$TMP/agwd.conf" --port 99999 2>"$TMP/err" && die "bad --port accepted"
grep -q "port = '99999': out of range" "$TMP/err" || die "bad --port message"

ip netns exec "$PEER" python3 "$AGW_SRC/tests/integration/lib/tpkt_mgc.py" \
	10.77.0.2 2944 >"$TMP/peer.out" 2>&1 &
PEER_PID=$!
T_PIDS+=("$PEER_PID")
wait_for 30 'grep -q listening "$TMP/peer.out"' || die "peer did not start"

ip netns exec "$NS" "$BUILD/agwd" --foreground --config "$TMP/agwd.conf" \
	2>"$TMP/agwd.log" &
AGWD_PID=$!
T_PIDS+=("$AGWD_PID")
wait_for 30 'test -S "$TMP/agwd.sock"' || die "no control socket"
grep -q 'ServiceChange Restart "901 Cold Boot"' "$TMP/agwd.log" ||
	die "agwd does not register at startup"

# TCP framing: three messages, the third split over segments
wait_for 30 'grep -q "sent 3 messages" "$TMP/peer.out"' || die "peer stuck"
for t in 1 2; do
	wait_for 30 'grep -q "h248 rx tcp from 10.77.0.2:2944, 69 bytes: MEGACO/1 \[10.77.0.2\]:2944 Transaction=$t{Context=-{AuditValue=ROOT{}}}" "$TMP/agwd.log"' ||
		die "message $t not logged"
done
wait_for 30 'grep -q "h248 rx tcp from 10.77.0.2:2944, 74 bytes: .*Transaction=3{Context=-{Subtract=split-message}}" "$TMP/agwd.log"' ||
	die "split message not logged whole"
[ "$(grep -c 'h248 rx tcp.*Transaction=[123]{' "$TMP/agwd.log")" -eq 3 ] || die "a message logged twice"

# garbage: reset, reconnect with backoff, a message on the new connection
wait_for 30 'grep -q "^reconnected" "$TMP/peer.out"' || die "no reconnect"
grep -q "^reset" "$TMP/peer.out" || die "agwd did not reset the connection"
grep -q "bad TPKT header.*connection reset" "$TMP/agwd.log" || die "reset not logged"
wait_for 30 'grep -q "Transaction=4" "$TMP/agwd.log"' || die "message after reconnect"

# UDP: the MGC's datagram is logged; one from another address is dropped
ip netns exec "$PEER" socat -u - UDP4-SENDTO:10.77.0.1:2944,bind=10.77.0.2:2944 \
	<<<'MEGACO/1 [10.77.0.2]:2944 Transaction=5{Context=-{AuditValue=ROOT{}}}'
ip netns exec "$PEER" socat -u - UDP4-SENDTO:10.77.0.1:2944,bind=10.77.0.9:5555 \
	<<<'MEGACO/1 [10.77.0.9]:2944 Transaction=6{}'
wait_for 30 'grep -q "h248 rx udp from 10.77.0.2:2944, .*Transaction=5" "$TMP/agwd.log"' ||
	die "allowed datagram not logged"
wait_for 30 'grep -q "dropped .*-byte datagram from 10.77.0.9:5555: not an allowed MGC" "$TMP/agwd.log"' ||
	die "drop not logged"
grep -q "Transaction=6" "$TMP/agwd.log" && die "datagram from 10.77.0.9 was processed"

# status over the control socket
st=$(ctl status) || die "status: $st"
echo "$st"
# this peer never answers the ServiceChange
grep -qE '"registration":"(registering|unregistered)"' <<<"$st" ||
	die "status: registration"
for want in '"mid":"[10.77.0.1]:2944"' \
	'"mgc":["10.77.0.2:2944"]' '"udp_local":"10.77.0.1:2944"' \
	'"dropped_not_allowed":1' '"tcp_framing_errors":1' \
	'"name":"access","interface":"agwd-a"' '"link_up":true' \
	'"addresses":["10.77.0.1"' '"ports":{"min":30000,"max":30099,"free":100}'; do
	grep -qF -- "$want" <<<"$st" || die "status lacks $want"
done
ctl nosuch >/dev/null && die "unknown command accepted"

# realm watch: a new address shows in status, a removed one goes
ip -n "$NS" addr add 10.77.0.5/24 dev agwd-a
wait_for 30 'grep -q "realm access (agwd-a): addr-added 10.77.0.5" "$TMP/agwd.log"' ||
	die "address add not seen"
ctl status | grep -qF '"10.77.0.5"' || die "status lacks the new address"
ip -n "$NS" addr del 10.77.0.5/24 dev agwd-a
wait_for 30 'grep -q "realm access (agwd-a): addr-removed 10.77.0.5" "$TMP/agwd.log"' ||
	die "address removal not seen"

# link down: the realm loses its addresses; up: they return
ip -n "$NS" link set agwd-a down
wait_for 30 'grep -q "realm access (agwd-a): addr-removed 10.77.0.1" "$TMP/agwd.log"' ||
	die "link down not reported"
grep -q "realm access (agwd-a): link-down" "$TMP/agwd.log" || die "no link-down"
ctl status | grep -qF '"link_up":false,"attach":"none","addresses":[]' ||
	die "status after link down: $(ctl status)"
ip -n "$NS" link set agwd-a up
wait_for 30 'grep -q "realm access (agwd-a): addr-added 10.77.0.1" "$TMP/agwd.log"' ||
	die "link up not reported"
ctl status | grep -qF '"link_up":true,"attach":"none","addresses":["10.77.0.1"]' ||
	die "status after link up: $(ctl status)"

# SIGTERM: clean exit, socket removed
kill -TERM "$AGWD_PID"
rc=0
wait "$AGWD_PID" || rc=$?
AGWD_PID=
[ "$rc" -eq 0 ] || die "agwd exit code $rc"
grep -q "agwd stopped" "$TMP/agwd.log" || die "no clean stop"
[ ! -e "$TMP/agwd.sock" ] || die "control socket left behind"
wait "$PEER_PID" || die "peer failed"
PEER_PID=
echo "agwd_transport: ok"
