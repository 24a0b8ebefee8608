#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# agwd control-plane rate and footprint: Reserve+Configure+Release call
# cycles over UDP on loopback (build/benchbin/agwd_calls as the MGC, N
# calls in flight), with the gate attached and its entries written for
# real; transactions/s against the codec-only rate measured in the same
# run; RSS per 1,000 reserved terminations. Env: CALLS (256), SECONDS_RUN
# (5), HOLD (15000; each holds a socket), OPTS (agwd_calls options, e.g.
# "no-ack"), AGWD (the agwd binary, $BUILD/agwd), PERF (a file: perf
# record -g of agwd during the run is written there), LOG_LEVEL (agwd's
# [log] level, warning; at info each command writes a line to stderr).
set -u
: "${BUILD:?}" "${AGW_SRC:?}"
. "$AGW_SRC/tests/integration/lib/common.sh"
require_root
NS=agw-bcalls-$$
TMP=$(mktemp -d /tmp/agw-bcalls-XXXXXX)
PIN=/sys/fs/bpf/agw-bcalls-$$
T_CLEAN+=("rm -rf $TMP $PIN")
CALLS=${CALLS:-256}
SECONDS_RUN=${SECONDS_RUN:-5}
HOLD=${HOLD:-15000}
OPTS=${OPTS:-}
AGWD_BIN=${AGWD:-$BUILD/agwd}
netns_add "$NS"
cat >"$TMP/agwd.conf" <<CONF
[agwd]
state_dir = $TMP/state
control_socket = $TMP/agwd.sock
gate_pin_dir = $PIN
[limits]
contexts = 40000
terminations = 40000
[timers]
heartbeat_ms = 0
[log]
level = ${LOG_LEVEL:-warning}
[realm default]
interface = lo
ports = 20000-60000
attach = xdp-generic
CONF
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
nsenter --net=/run/netns/"$NS" "$AGWD_BIN" -c "$TMP/agwd.conf" -f \
	>"$TMP/agwd.log" 2>&1 &
AGWD=$!
T_PIDS+=($AGWD)
sleep 0.5
if [ -n "${PERF:-}" ]; then
	perf record -q -g -p "$AGWD" -o "$PERF" 2>/dev/null &
	T_PIDS+=($!)
fi
nsenter --net=/run/netns/"$NS" "$BUILD/benchbin/agwd_calls" "$AGWD" \
	"$CALLS" "$SECONDS_RUN" "$HOLD" $OPTS || {
	echo "agwd_calls failed"
	tail -20 "$TMP/agwd.log"
	exit 1
}
if [ -n "${PERF:-}" ]; then
	kill -INT "${T_PIDS[-1]}"
	wait "${T_PIDS[-1]}" 2>/dev/null
fi
echo "bench: agwd_calls_in_flight = $CALLS calls"
# datagrams the namespace's UDP sockets had no room for (agwd's or the
# MGC's): each costs a retransmission or a 2 s timeout of a call
ip netns exec "$NS" awk '$1 == "Udp:" && !h { for (i = 2; i <= NF; i++) k[i] = $i; h = 1; next }
	$1 == "Udp:" { for (i = 2; i <= NF; i++) if (k[i] == "RcvbufErrors") print "bench: agwd_calls_udp_rcvbuf_errors = " $i " datagrams" }' /proc/net/snmp
