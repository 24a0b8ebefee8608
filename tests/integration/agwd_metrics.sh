#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# timeout: 300
#
# agwd's Prometheus metrics as an operator scrapes them: agwd with
# [metrics] listen on, the real Erlang megaco MGC, a UE and a core peer in
# network namespaces. curl scrapes /metrics before and after a delayed
# establishment call (Add x2, Modify, bytes relayed both ways, Subtract)
# and the counters must have moved by exactly what the call did: commands
# by name, SYNs dropped in ignore mode by realm and reason, SYNs admitted,
# bytes relayed = bytes the peers sent, one flow ended, the transaction
# latency histogram, and the terminations gauge back to 0. The text
# parses (promtool check metrics when installed, and a strict parser of
# the text format here), `agwctl stats` prints the same metric names, a
# read-only peer may run stats but not an admin command, the metrics
# endpoint answers 404 elsewhere and is off by default.
set -u
. "$AGW_SRC/tests/integration/lib/common.sh"
. "$AGW_SRC/tests/integration/lib/mgc_lab.sh"
require_root
command -v curl >/dev/null || fail "curl missing (deps/agwd.list)"
command -v jq >/dev/null || fail "jq missing (deps/mgc.list)"
make -C "$AGW_SRC" --no-print-directory mgc >/dev/null || fail "make mgc"

TMP=$(mktemp -d /tmp/agw-amet-XXXXXX)
PIN=/sys/fs/bpf/agw-amet-$$
T_CLEAN+=("rm -rf $TMP $PIN")
PEER="python3 $AGW_SRC/tests/integration/lib/agwd_peer.py"
SCN=$AGW_SRC/tests/mgc/agwd
UE_PORT=40123
CORE_PORT=40200
AGWD_PID=
MGC_PID=
URL=http://127.0.0.1:9464/metrics

lab_setup amet 84
ip netns exec "$UE" sysctl -qw net.ipv4.tcp_syn_retries=6

die() {
	echo "FAIL: $*"
	mkdir -p "$BUILD/test-logs"
	for f in before after stats; do
		[ -e "$TMP/$f" ] && cp "$TMP/$f" "$BUILD/test-logs/agwd_metrics.$f"
	done
	echo "---- agwd log (tail)"
	tail -n 40 "$TMP/agwd.log"
	echo "---- mgc"
	cut -c1-400 "$TMP/mgc.out" 2>/dev/null | tail -n 10
	tail -n 20 "$TMP/mgc.err" 2>/dev/null
	exit 1
}

ctl() { in_ns "$GW" "$AGWCTL" --socket "$TMP/agwd.sock" "$@"; }
scrape() { in_ns "$GW" curl -sf "$URL"; }
# value of one series (exact name and labels), 0 when absent
val() { # FILE 'name{labels}'
	awk -v s="$2" '$1 == s { print $2; f = 1 } END { if (!f) print 0 }' "$1"
}
delta() { echo $(($(val "$TMP/after" "$1") - $(val "$TMP/before" "$1"))); }
want() { # 'series' DELTA
	local d
	d=$(delta "$1")
	[ "$d" = "$2" ] || die "$1 moved by $d, wanted $2"
	echo "ok: $1 +$d"
}

# A strict reader of the Prometheus text format (0.0.4): every line a
# comment, HELP/TYPE before its samples, names and labels well formed,
# values numbers, histogram buckets cumulative with +Inf = _count.
check_text() { # FILE
	python3 - "$1" <<'PY' || die "exposition does not parse: $1"
import math, re, sys
name_re = r'[a-zA-Z_:][a-zA-Z0-9_:]*'
label_re = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"'
sample = re.compile(r'^(' + name_re + r')(\{(' + label_re + r'(?:,' + label_re + r')*)?\})? (\S+)$')
types, helps, seen_series, buckets = {}, set(), set(), {}
for n, line in enumerate(open(sys.argv[1]), 1):
    line = line.rstrip('\n')
    if line.startswith('# HELP '):
        m = line.split(' ', 3)
        assert len(m) == 4 and re.fullmatch(name_re, m[2]), (n, line)
        assert m[2] not in helps, (n, 'HELP twice', line)
        helps.add(m[2]); continue
    if line.startswith('# TYPE '):
        m = line.split(' ')
        assert len(m) == 4 and m[3] in ('counter', 'gauge', 'histogram'), (n, line)
        assert m[2] not in types, (n, 'TYPE twice', line)
        types[m[2]] = m[3]; continue
    assert not line.startswith('#') and line, (n, line)
    m = sample.match(line)
    assert m, (n, 'bad sample', line)
    name, labels, value = m.group(1), m.group(3) or '', m.group(4)
    v = float(value)
    assert not math.isnan(v), (n, line)
    base = re.sub(r'_(bucket|sum|count)$', '', name)
    fam = name if name in types else base
    assert fam in types, (n, 'sample before its TYPE', line)
    t = types[fam]
    if t == 'counter':
        assert name.endswith('_total') and v >= 0, (n, line)
    if t == 'histogram':
        key = re.sub(r',?le="[^"]*"', '', labels)
        if name.endswith('_bucket'):
            le = re.search(r'le="([^"]*)"', labels).group(1)
            prev = buckets.get((fam, key), (-1, -math.inf))
            assert v >= prev[0] and float(le) > prev[1], (n, 'not cumulative', line)
            buckets[(fam, key)] = (v, float(le))
        elif name.endswith('_count'):
            assert buckets[(fam, key)][0] == v, (n, '+Inf != count', line)
    series = name + '{' + labels + '}'
    assert series not in seen_series, (n, 'series twice', line)
    seen_series.add(series)
assert types and helps == set(types), 'HELP and TYPE differ'
print('parsed', len(seen_series), 'series of', len(types), 'families')
PY
	if command -v promtool >/dev/null; then
		promtool check metrics <"$1" >"$TMP/promtool.out" 2>&1 ||
			die "promtool check metrics: $(cat "$TMP/promtool.out")"
		echo "ok: promtool check metrics"
	fi
}

write_conf() { # METRICS_LINE
	{
		lab_conf amet 32000 limits.contexts=64 limits.terminations=128
		echo "$1"
	} >"$TMP/agwd.conf"
}

stop_agwd() {
	kill "$AGWD_PID" 2>/dev/null
	sleep 0.2
	kill "$AGWD_PID" 2>/dev/null
	wait_for 30 '! kill -0 $AGWD_PID 2>/dev/null' || die "agwd did not stop"
	wait "$AGWD_PID" || die "agwd exit status $? (sanitizer report?)"
	AGWD_PID=
}

# ---- off by default -------------------------------------------------------
write_conf ""
lab_start_agwd
in_ns "$GW" curl -s -o /dev/null "$URL" && die "metrics served while off"
grep -q "metrics:" "$TMP/agwd.log" && die "metrics endpoint started while off"
ctl stats >"$TMP/off.txt" || die "agwctl stats with the endpoint off"
grep -q '^agw_h248_messages_received_total ' "$TMP/off.txt" ||
	die "agwctl stats without the endpoint: $(head "$TMP/off.txt")"
stop_agwd
echo "ok: endpoint off by default, agwctl stats works without it"

# ---- a delayed call between two scrapes ---------------------------------
write_conf "[metrics]
listen = 127.0.0.1:9464"
lab_start_agwd
grep -q "metrics: http://127.0.0.1:9464/metrics" "$TMP/agwd.log" ||
	die "endpoint not logged"
lab_run_mgc udp "$SCN/delayed.scn" 200 ue_port=$UE_PORT \
	core_peer_port=$CORE_PORT
T_PIDS+=($MGC_PID)
wait_sync syn
acc=$(var acc.term)
scrape >"$TMP/before" || die "scrape before the call"
check_text "$TMP/before"
in_ns "$GW" curl -sD "$TMP/headers" -o /dev/null "$URL"
grep -qi '^content-type: text/plain; version=0.0.4' "$TMP/headers" ||
	die "content type: $(cat "$TMP/headers")"
[ "$(in_ns "$GW" curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:9464/)" = 404 ] ||
	die "/ is not 404"
# the reservations are in: two terminations listening, registered
[ "$(val "$TMP/before" 'agw_terminations{realm="access",state="listening"}')" = 1 ] ||
	die "access listening gauge"
[ "$(val "$TMP/before" 'agw_terminations{realm="core",state="listening"}')" = 1 ] ||
	die "core listening gauge"
[ "$(val "$TMP/before" 'agw_registration_state{state="registered"}')" = 1 ] ||
	die "not registered"
[ "$(val "$TMP/before" 'agw_h248_commands_total{command="add"}')" = 2 ] ||
	die "two Adds not counted"

na=7000 nb=3000
in_ns "$UE" $PEER connect "$(var acc.addr)" "$(var acc.port)" --src $UE_ADDR \
	--sport $UE_PORT --send $na --seed 7 --timeout 60 >"$TMP/ue.out" 2>&1 &
ue=$!
T_PIDS+=($ue)
wait_for 30 '[ "$(ctl -j terminations | jq --arg t "$acc" ".terminations[] | select(.id == \$t) | .syn_dropped")" -ge 1 ]' ||
	die "the UE's first SYN was not dropped"
dropped=$(ctl -j terminations | jq --arg t "$acc" '.terminations[] | select(.id == $t) | .syn_dropped')
go syn
wait_sync data
wait_for 60 'grep -q connected "$TMP/ue.out"' || die "the UE did not connect"
in_ns "$CORE" $PEER connect "$(var core.addr)" "$(var core.port)" \
	--src $CORE_ADDR --send $nb --seed 9 >"$TMP/core.out" 2>&1 ||
	die "core peer: $(cat "$TMP/core.out")"
wait $ue || die "UE: $(cat "$TMP/ue.out")"
# the relay ended (both closed) before the Subtract
wait_for 30 '[ "$(ctl -j flows | jq .count)" = 0 ]' || die "flow did not end"
go data
wait "$MGC_PID"
grep -q '"cmd":"end","ok":true' "$TMP/mgc.out" || die "scenario delayed"
MGC_PID=
scrape >"$TMP/after" || die "scrape after the call"
check_text "$TMP/after"

want 'agw_h248_commands_total{command="add"}' 0
want 'agw_h248_commands_total{command="modify"}' 1
want 'agw_h248_commands_total{command="subtract"}' 1
want 'agw_h248_transactions_total' 2
want 'agw_h248_transaction_duration_seconds_count' 2
want 'agw_gate_syn_dropped_total{realm="access",reason="ignore-mode"}' "$dropped"
want 'agw_gate_syn_admitted_total{realm="access"}' 1
want 'agw_gate_syn_admitted_total{realm="core"}' 1
bytes=0
for p in sockmap splice copy; do
	bytes=$((bytes + $(delta "agw_relay_bytes_total{path=\"$p\"}")))
done
[ $bytes = $((na + nb)) ] || die "bytes relayed $bytes, the peers sent $((na + nb))"
echo "ok: agw_relay_bytes_total +$bytes = bytes sent both ways"
ended=0
for p in sockmap splice copy; do
	ended=$((ended + $(delta "agw_relay_flows_ended_total{path=\"$p\"}")))
done
[ $ended = 1 ] || die "flows ended +$ended, wanted 1"
for s in listening connecting connected relaying closed failed; do
	for r in access core; do
		[ "$(val "$TMP/after" "agw_terminations{realm=\"$r\",state=\"$s\"}")" = 0 ] ||
			die "terminations $r $s not back to 0"
	done
done
[ "$(val "$TMP/after" agw_contexts)" = 0 ] || die "contexts not back to 0"
echo "ok: terminations and contexts gauges back to 0"
[ "$(delta agw_h248_messages_received_total)" -ge 2 ] ||
	die "messages received did not move"
[ "$(delta agw_h248_messages_sent_total)" -ge 2 ] ||
	die "messages sent did not move"

# agwctl stats: the same families as the endpoint
ctl stats >"$TMP/stats" || die "agwctl stats"
check_text "$TMP/stats"
diff <(grep '^# TYPE' "$TMP/after") <(grep '^# TYPE' "$TMP/stats") ||
	die "agwctl stats and /metrics differ in families"
ctl -j stats | jq -e '.ok and (.text | startswith("# HELP agw_"))' >/dev/null ||
	die "agwctl -j stats"
echo "ok: agwctl stats prints the same $(grep -c '^# TYPE' "$TMP/stats") families"

# levels: nobody (uid 65534) may read stats, not run an admin command
chmod 0755 "$TMP"
chmod 0666 "$TMP/agwd.sock"
in_ns "$GW" setpriv --reuid=65534 --regid=65534 --clear-groups \
	"$BUILD/helpers/agw_ctl_request" "$TMP/agwd.sock" help >"$TMP/help.ro" ||
	die "read-only help"
jq -e '.commands[] | select(.name == "stats") | .level == "read"' "$TMP/help.ro" >/dev/null ||
	die "stats not read level: $(cat "$TMP/help.ro")"
in_ns "$GW" setpriv --reuid=65534 --regid=65534 --clear-groups \
	"$AGWCTL" --socket "$TMP/agwd.sock" stats >/dev/null ||
	die "read-only peer cannot read stats"
echo "ok: a read-only peer reads stats"

stop_agwd
echo "PASS"
