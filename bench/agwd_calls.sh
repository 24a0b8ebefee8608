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
# record -g of agwd during the run is written there).
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
level = warning
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
ip netns exec "$NS" nstat -az Udp* | grep -v " 0 " >&2
