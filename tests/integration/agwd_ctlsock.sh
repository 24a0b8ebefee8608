#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# timeout: 480
#
# agwd's control socket at scale and under abuse, against a real agwd in
# a namespace lab (gate in generic XDP) driven over H.248 by mini_mgc:
# - 15,000 terminations (AGW_CTLSOCK_TERMS; each in a context of its
#   own; agwd's file descriptor budget is one per termination plus 128,
#   so up to 19,872 under the hard RLIMIT_NOFILE of 20,000 that the test
#   machines have): `agwctl -j terminations`, `-j contexts`,
#   `-j status` and `-j stats` come back complete and valid JSON (the
#   replies are megabytes; the old 64 KiB reply buffer failed at ~280);
#   the text listing has a line per termination;
# - 30 idle clients connected: agwctl still answers (the oldest idle ones
#   are evicted);
# - a client that pipelines requests for the big listing and never reads:
#   agwd's RSS grows by at most a few replies (not by what the client
#   asked for), the client is dropped after AGW_CTL_STALL_MS and counted,
#   and agwctl answers meanwhile.
set -u
. "$AGW_SRC/tests/integration/lib/common.sh"
. "$AGW_SRC/tests/integration/lib/mgc_lab.sh"
require_root
command -v jq >/dev/null || fail "jq missing (deps/mgc.list)"

N=${AGW_CTLSOCK_TERMS:-15000}
TMP=$(mktemp -d /tmp/agw-actl-XXXXXX)
PIN=/sys/fs/bpf/agw-actl-$$
T_CLEAN+=("rm -rf $TMP $PIN")
AGWD_PID=

lab_setup actl 85

die() {
	echo "FAIL: $*"
	echo "---- agwd log (tail)"
	tail -n 30 "$TMP/agwd.log"
	tail -n 5 "$TMP/mgc.out" 2>/dev/null
	exit 1
}

ctl() { in_ns "$GW" "$AGWCTL" --socket "$TMP/agwd.sock" "$@"; }
rss_kb() { awk '/^VmRSS:/ { print $2 }' /proc/$AGWD_PID/status; }
stat_of() { ctl stats | awk -v s="$1" '$1 == s { print $2 }'; }

ulimit -n 20000 || die "cannot raise RLIMIT_NOFILE"
cat >"$TMP/agwd.conf" <<CONF
[agwd]
state_dir = $TMP/state
control_socket = $TMP/agwd.sock
gate_pin_dir = $PIN
[h248]
mgc = 127.0.0.1:2945
address = 127.0.0.1
port = 2944
[limits]
contexts = $((N + 100))
terminations = $((N + 100))
[timers]
registration_retry_ms = 200
registration_retry_max_ms = 1000
heartbeat_ms = 0
[log]
level = notice
[realm access]
interface = actl-a
ports = 20000-$((20000 + N + 99))
attach = xdp-generic
CONF
lab_start_agwd

# N Adds, one transaction each; mini_mgc stays until killed
mkfifo "$TMP/mgc.in"
in_ns "$GW" "$BUILD/helpers/mini_mgc" -t 60 \
	-d "$AGW_SRC/tests/mgc/flows" <"$TMP/mgc.in" >"$TMP/mgc.out" 2>&1 &
T_PIDS+=($!)
exec 9>"$TMP/mgc.in"
for _ in $(seq "$N"); do echo "send immediate_1_reserve_access.txt"; done >&9
wait_for $((60 + N / 10)) "grep -q '^done $N\$' '$TMP/mgc.out'" ||
	die "$N Adds did not complete ($(grep -c '^done' "$TMP/mgc.out") done)"
echo "ok: $N terminations added"

ctl -j terminations >"$TMP/terms.json" || die "agwctl -j terminations"
jq -e --argjson n "$N" '.ok and .count == $n and (.terminations | length) == $n and
	([.terminations[].id] | unique | length) == $n' "$TMP/terms.json" >/dev/null ||
	die "terminations incomplete: $(head -c 300 "$TMP/terms.json")"
echo "ok: agwctl -j terminations: $N complete, valid JSON, $(stat -c %s "$TMP/terms.json") bytes"
ctl -j contexts | jq -e --argjson n "$N" '(.contexts | length) == $n' >/dev/null ||
	die "contexts incomplete"
ctl -j status | jq -e '.ok and .registration == "registered"' >/dev/null ||
	die "status"
ctl -j stats | jq -e '.ok' >/dev/null || die "stats"
[ "$(ctl stats | awk '$1 == "agw_terminations{realm=\"access\",state=\"listening\"}" { print $2 }')" = "$N" ] ||
	die "stats: listening terminations not $N"
ctl terminations >"$TMP/terms.txt" || die "agwctl terminations"
[ "$(grep -c '^ip/access/' "$TMP/terms.txt")" = "$N" ] &&
	[ "$(wc -l <"$TMP/terms.txt")" = $((N + 1)) ] && head -1 "$TMP/terms.txt" | grep -q '^ID ' ||
	die "text table: not a header and $N terminations"
[ "$(ctl contexts | wc -l)" = $((N + 1)) ] || die "contexts table: not a header and $N lines"
echo "ok: contexts, status, stats and the text tables at $N terminations"

# filtered in agwd: one termination or context is a small reply
one=$(jq -r '.terminations[7].id' "$TMP/terms.json")
ctx=$(jq -r '.terminations[7].context' "$TMP/terms.json")
ctl -j terminations "$one" >"$TMP/one.json" || die "terminations $one"
jq -e --arg t "$one" '.count == 1 and (.terminations | length) == 1 and .terminations[0].id == $t' \
	"$TMP/one.json" >/dev/null || die "terminations $one: $(head -c 300 "$TMP/one.json")"
[ "$(stat -c %s "$TMP/one.json")" -lt 2000 ] || die "terminations $one: reply of $(stat -c %s "$TMP/one.json") bytes"
ctl -j terminations --context "$ctx" | jq -e --arg t "$one" '.count == 1 and .terminations[0].id == $t' >/dev/null ||
	die "terminations --context $ctx"
ctl -j terminations --realm access --state listening | jq -e --argjson n "$N" '.count == $n' >/dev/null ||
	die "terminations --realm access --state listening: not $N"
ctl -j contexts "$ctx" | jq -e --arg t "$one" '.count == 1 and .contexts[0].terminations == [$t]' >/dev/null ||
	die "contexts $ctx"
ctl terminations ip/access/$((N + 50)) >/dev/null 2>&1 && die "an unknown termination did not fail"
echo "ok: filters at $N terminations: $one alone is a $(stat -c %s "$TMP/one.json")-byte reply"

# ---- 30 idle clients ----------------------------------------------------
in_ns "$GW" python3 - "$TMP/agwd.sock" 30 "$TMP/idle.ready" "$TMP/idle.stop" <<'PY' &
import os, socket, sys, time
conns = []
for _ in range(int(sys.argv[2])):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sys.argv[1])
    conns.append(s)
open(sys.argv[3], "w").close()
while not os.path.exists(sys.argv[4]):
    time.sleep(0.1)
PY
idle=$!
T_PIDS+=($idle)
wait_for 30 "[ -e '$TMP/idle.ready' ]" || die "idle clients did not connect"
sleep 0.5
ctl -j status | jq -e .ok >/dev/null || die "agwctl locked out by 30 idle clients"
ev=$(stat_of agw_control_clients_evicted_total)
[ "${ev:-0}" -ge 14 ] || die "evicted $ev clients, wanted >= 14"
touch "$TMP/idle.stop"
wait $idle
echo "ok: 30 idle clients: agwctl answers ($ev evicted)"

# ---- a client that pipelines and never reads -----------------------------
rss0=$(rss_kb)
in_ns "$GW" python3 - "$TMP/agwd.sock" "$TMP/pipe.out" <<'PY' &
import errno, socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
s.setblocking(False)
req, sent, t0 = b"terminations\n" * 1000, 0, time.time()
# push requests for 4 s without reading a byte
while time.time() - t0 < 4:
    try:
        sent += s.send(req)
    except BlockingIOError:
        time.sleep(0.01)
    except OSError:
        break
# then wait past the stall limit and see whether agwd hung up
time.sleep(12)
s.setblocking(True)
s.settimeout(5)
got, closed = 0, False
try:
    while True:
        b = s.recv(1 << 20)
        if not b:
            closed = True
            break
        got += len(b)
except socket.timeout:
    pass
except OSError:
    closed = True
open(sys.argv[2], "w").write("requests %d closed %d read %d\n" % (sent // 13, closed, got))
PY
pipe=$!
T_PIDS+=($pipe)
sleep 3
rss1=$(rss_kb)
ctl -j status | jq -e .ok >/dev/null || die "agwctl not served during the pipelining"
wait $pipe
read -r _ nreq _ closed _ got <"$TMP/pipe.out"
rss2=$(rss_kb)
reply=$(stat -c %s "$TMP/terms.json")
echo "pipelining client: $nreq requests written ($((nreq * reply / 1048576)) MiB of replies asked), read $got bytes; agwd VmRSS ${rss0} -> ${rss1} -> ${rss2} KiB (one reply $((reply / 1024)) KiB)"
[ "$closed" = 1 ] || die "the never-reading client was not dropped"
[ $((rss1 - rss0)) -lt $((4 * reply / 1024 + 16384)) ] ||
	die "agwd grew by $((rss1 - rss0)) KiB for a client that never reads"
[ "$(stat_of agw_control_clients_stalled_total)" = 1 ] ||
	die "stalled client not counted"
grep -q "control socket: client read nothing of a" "$TMP/agwd.log" ||
	die "the drop was not logged"
ctl -j terminations | jq -e --argjson n "$N" '.count == $n' >/dev/null ||
	die "agwctl after the pipelining client"
echo "ok: a never-reading client is dropped, agwd's RSS bounded"
exec 9>&-
kill "$AGWD_PID"
wait_for 30 '! kill -0 $AGWD_PID 2>/dev/null' || die "agwd did not stop"
echo "PASS"
