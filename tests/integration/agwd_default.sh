#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# timeout: 120
#
# agwd with its embedded default in a network namespace: it comes up on
# loopback without a config file, answers status, counts a datagram from
# its MGC while the H.248 guard it set drops one from elsewhere, stops on SIGINT; detached (no
# --foreground) it stops on SIGTERM; configuration errors exit 2 with the
# file, line and key.
set -euo pipefail
. "$AGW_SRC/tests/integration/lib/common.sh"
require_root
NS=agw-agwd-$$-def
TMP=$(mktemp -d /tmp/agw-agwd-XXXXXX)
T_CLEAN+=("rm -rf $TMP")
PID=

die() {
	echo "FAIL: $*"
	cat "$TMP/agwd.log" 2>/dev/null || true
	exit 1
}

# ip netns exec (not common.sh's in_ns): a fresh /sys, so the embedded
# default's pins (/sys/fs/bpf/agw) go to a bpffs of agwd's own
in_netns() { ip netns exec "$NS" "$@"; }
ctl() { in_netns "$BUILD/helpers/agw_ctl_request" "$TMP/agwd.sock" "$@"; }
# only the paths differ from the embedded default, to stay out of /run
paths=(--control-socket "$TMP/agwd.sock" --state-dir "$TMP/state")

netns_add "$NS"

# configuration errors
printf '[h248]\nport = 2944\nbogus = 1\n' >"$TMP/bad.conf"
rc=0
"$BUILD/agwd" -c "$TMP/bad.conf" -t 2>"$TMP/err" || rc=$?
[ "$rc" -eq 2 ] || die "bad config: exit $rc"
grep -qx "agwd: $TMP/bad.conf:3: \[h248\] bogus = '1': unknown key" "$TMP/err" ||
	die "bad config message: $(cat "$TMP/err")"
rc=0
"$BUILD/agwd" -c "$TMP/none.conf" -t 2>"$TMP/err" || rc=$?
[ "$rc" -eq 2 ] && grep -q "none.conf: No such file" "$TMP/err" || die "missing file"
"$BUILD/agwd" -t | grep -q "configuration ok" || die "default does not validate"

# foreground, embedded default
ip netns exec "$NS" "$BUILD/agwd" --foreground "${paths[@]}" 2>"$TMP/agwd.log" &
PID=$!
T_PIDS+=("$PID")
wait_for 30 'test -S "$TMP/agwd.sock"' || die "no control socket"
st=$(ctl status) || die "status: $st"
for want in '"mid":"[127.0.0.1]:2944"' '"mgc":["127.0.0.1:2945"]' \
	'"udp_local":"127.0.0.1:2944"' '"tcp":false' \
	'"name":"default","interface":"lo"' '"attach":"xdp-generic"' \
	'"addresses":["127.0.0.1"' '"ports":{"min":20000,"max":39999,"free":20000}'; do
	grep -qF -- "$want" <<<"$st" || die "status lacks $want: $st"
done
# the operator's view of the same status: agwctl, JSON and text
actl() { in_netns "$BUILD/agwctl" --socket "$TMP/agwd.sock" "$@"; }
actl -j status | jq -e '.ok and .mid == "[127.0.0.1]:2944"' >/dev/null ||
	die "agwctl -j status: $(actl -j status)"
actl status | awk 'NR == 2 && $1 == "[127.0.0.1]:2944" && $3 == "127.0.0.1:2945"' |
	grep -q . || die "agwctl status table: $(actl status)"
out=$(in_netns "$BUILD/agwctl" --socket "$TMP/none.sock" status 2>&1) &&
	die "agwctl status without agwd succeeded"
grep -qF "agwd is not running" <<<"$out" || die "agwctl without agwd: $out"
in_netns socat -u - UDP4-SENDTO:127.0.0.1:2944,bind=127.0.0.1:2945 <<<'MEGACO/1 [127.0.0.1]:2945 T=1{}'
in_netns socat -u - UDP4-SENDTO:127.0.0.1:2944,bind=127.0.0.2:2945 <<<'MEGACO/1 [127.0.0.2]:2945 T=2{}'
# the foreign datagram: dropped in the kernel by the H.248 guard agwd set
# from its MGC list (the gate is attached to lo), so user space never sees
# it; agwd's own allow-list is the second line (test_h248_transport)
g=$(nsenter -t "$PID" -m -n "$BUILD/agwctl" gate h248) || die "agwctl gate h248"
grep -qF 'ports 2944 mgc 127.0.0.1:2945' <<<"$g" || die "H.248 guard: $g"
rx_counted() { ctl status | grep -qF '"rx_messages":1,'; }
wait_for 30 rx_counted || die "MGC datagram not counted"
sleep 1
ctl status | grep -qF '"rx_messages":1,' || die "foreign datagram received: $(ctl status)"
kill -INT "$PID"
rc=0
wait "$PID" || rc=$?
PID=
[ "$rc" -eq 0 ] || die "exit $rc after SIGINT"
grep -q "Interrupt: shutting down" "$TMP/agwd.log" || die "no shutdown log"

# detached: the command returns, the daemon serves, SIGTERM ends it
in_netns "$BUILD/agwd" "${paths[@]}" --log-target stderr
wait_for 30 'test -S "$TMP/agwd.sock"' || die "daemon: no control socket"
PID=$(ctl status | sed -n 's/.*"pid":\([0-9]*\),.*/\1/p')
[ -n "$PID" ] && kill -0 "$PID" || die "daemon pid"
T_PIDS+=("$PID")
kill -TERM "$PID"
wait_for 30 '! kill -0 $PID' || die "daemon did not stop"
PID=
[ ! -e "$TMP/agwd.sock" ] || die "daemon left its socket"
echo "agwd_default: ok"
