#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# timeout: 180
#
# agwctl against a real agwd (gate in generic XDP) driven by the Erlang
# megaco MGC through an e2ae flow that fails closed (the UE speaks no
# TLS): while the context exists, the filters of terminations and
# contexts return exactly the objects jq selects from the full listing,
# an unknown ID is an error (non-zero exit), the tables have a header and
# a line per object, -p is indented JSON equal to -j; agwctl monitor (one
# -j, one text) shows the MGC's Adds and Subtracts, the TLS failure and
# the Notify of it, and a SYN the gate dropped with its reason; monitor is
# a read-level command; --version and -V print agwd's version.
set -u
. "$AGW_SRC/tests/integration/lib/common.sh"
. "$AGW_SRC/tests/integration/lib/mgc_lab.sh"
require_root
for t in openssl socat jq erl; do
	command -v $t >/dev/null || fail "missing $t (deps/e2ae.list)"
done
make -C "$AGW_SRC" --no-print-directory mgc >/dev/null || fail "make mgc"

TMP=$(mktemp -d /tmp/agw-acli-XXXXXX)
PIN=/sys/fs/bpf/agw-acli-$$
T_CLEAN+=("rm -rf $TMP $PIN")
PEER="python3 $AGW_SRC/tests/integration/lib/agwd_peer.py"
SCN=$AGW_SRC/tests/mgc/agwd
UE_PORT=40300
CORE_PORT=40400
lab_setup acli 88

die() {
	echo "FAIL: $*"
	echo "---- agwd log (tail)"
	tail -n 40 "$TMP/agwd.log"
	for f in mgc.out mgc.err mon.err mon.json mon.txt ue.err; do
		[ -s "$TMP/$f" ] && { echo "---- $f"; tail -n 15 "$TMP/$f" | cut -c1-400; }
	done
	exit 1
}
ok() { echo "ok: $*"; }
ctl() { in_ns "$GW" "$AGWCTL" --socket "$TMP/agwd.sock" "$@"; }

# ---- --version --------------------------------------------------------
v=$("$BUILD/agwd" --version | awk '{ print $2 }')
[ -n "$v" ] && [ "$("$AGWCTL" --version)" = "agwctl $v" ] &&
	[ "$("$AGWCTL" -V)" = "agwctl $v" ] ||
	die "agwctl --version: '$("$AGWCTL" --version)', agwd's $v"
ok "agwctl --version and -V: agwctl $v"

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout "$TMP/ue.key" -out "$TMP/ue.crt" -subj /CN=ue -days 2 \
	2>/dev/null || fail "openssl req"
lab_conf acli 32000 "agwd.mid=[127.0.0.1]:2944" h248.transport=udp \
	limits.contexts=64 limits.terminations=128 timers.heartbeat_ms=0 \
	log.level=info >"$TMP/agwd.conf"
lab_start_agwd
[ "$(ctl -j status | jq -r .version)" = "$v" ] || die "status: version"

# ---- monitors, before the MGC comes ------------------------------------
# (nsenter execs agwctl: $! is agwctl, which SIGINT stops)
nsenter --net=/run/netns/"$GW" "$AGWCTL" --socket "$TMP/agwd.sock" -j \
	monitor timeout 200 >"$TMP/mon.json" 2>"$TMP/mon.err" &
MON_J=$!
T_PIDS+=($MON_J)
nsenter --net=/run/netns/"$GW" "$AGWCTL" --socket "$TMP/agwd.sock" \
	monitor timeout 200 >"$TMP/mon.txt" 2>"$TMP/mon-txt.err" &
MON_T=$!
T_PIDS+=($MON_T)
wait_for 20 "grep -q 'monitoring agwd' '$TMP/mon.err'" ||
	die "agwctl -j monitor did not start: $(cat "$TMP/mon.err")"
wait_for 20 "grep -q 'monitoring agwd' '$TMP/mon-txt.err'" ||
	die "agwctl monitor did not start: $(cat "$TMP/mon-txt.err")"
[ "$(ctl -j help | jq -r '.commands[] | select(.name == "monitor") | .level')" = read ] ||
	die "monitor is not a read-level command"
stat_of() { ctl stats | awk -v s="$1" '$1 == s { print $2 }'; }
[ "$(stat_of agw_control_monitors)" = 2 ] || die "agw_control_monitors not 2"
ok "two monitors subscribed (monitor has level read, agw_control_monitors 2)"

# ---- the MGC's e2ae flow: Add access, Add core ---------------------------
in_ns "$CORE" $PEER listen $CORE_ADDR $CORE_PORT --send 1000 --seed 5 \
	--expect 1 --timeout 90 >"$TMP/core.out" 2>&1 &
T_PIDS+=($!)
fp=$(openssl x509 -in "$TMP/ue.crt" -noout -fingerprint -sha256 | cut -d= -f2)
lab_run_mgc udp "$SCN/e2ae_term_fail.scn" 300 ue_port=$UE_PORT \
	core_peer_port=$CORE_PORT mtype=message proto=TCP/TLS/MSRP \
	core_proto=TCP/MSRP fp_hash=sha-256 "ue_fp=$fp"
wait_sync connect
acc=$(var acc.term)
core=$(var core.term)
C=$(var acc.context)
[ -n "$acc" ] && [ -n "$core" ] && [ -n "$C" ] || die "no terminations from the MGC"

# ---- filters: each equals jq's selection of the full listing -------------
ctl -j terminations >"$TMP/all.json" || die "terminations"
[ "$(jq '.count' "$TMP/all.json")" = 2 ] || die "not 2 terminations"
ids() { jq -r '[.terminations[].id] | sort | join(" ")'; }
check_filter() { # JQ-SELECT FILTER-ARGS...
	local sel=$1 want got n
	shift
	want=$(jq -r "[.terminations[] | select($sel) | .id] | sort | join(\" \")" "$TMP/all.json")
	got=$(ctl -j terminations "$@" | ids) || die "terminations $*"
	n=$(ctl -j terminations "$@" | jq .count)
	[ -n "$want" ] && [ "$got" = "$want" ] &&
		[ "$n" = "$(wc -w <<<"$want")" ] ||
		die "terminations $*: got '$got' (count $n), want '$want'"
	[ "$(ctl terminations "$@" | wc -l)" = $((n + 1)) ] ||
		die "terminations $*: table: not a header and $n lines"
	echo "   terminations $*: $got"
}
check_filter ".id == \"$acc\"" "$acc"
check_filter ".id == \"$core\"" "$core"
check_filter ".context == $C" --context "$C"
check_filter '.realm == "access"' --realm access
check_filter '.realm == "core"' --realm core
st=$(jq -r --arg t "$acc" '.terminations[] | select(.id == $t) | .state' "$TMP/all.json")
check_filter ".state == \"$st\"" --state "$st"
st=$(jq -r --arg t "$core" '.terminations[] | select(.id == $t) | .state' "$TMP/all.json")
check_filter ".state == \"$st\" and .realm == \"core\"" --state "$st" --realm core
[ "$(ctl -j contexts "$C" | jq -r '[.count, (.contexts | length), .contexts[0].id, (.contexts[0].terminations | sort | join(" "))] | join(",")')" = \
	"1,1,$C,$(echo "$acc $core" | tr ' ' '\n' | sort | paste -sd' ')" ] ||
	die "contexts $C: $(ctl -j contexts "$C")"
[ "$(ctl contexts "$C" | wc -l)" = 2 ] || die "contexts $C: table"
[ "$(ctl contexts | wc -l)" = 2 ] || die "contexts: table"
[ "$(ctl terminations | wc -l)" = 3 ] || die "terminations: table"
ok "filters: ID, --context, --realm, --state and contexts ID give exactly jq's selection; tables a header and a line each"

# unknown IDs and filters: a clear error, a non-zero exit, nothing on stdout
refused() { # WANT-IN-STDERR ARGS...
	local want=$1 out rc=0
	shift
	out=$(ctl "$@" 2>"$TMP/err") || rc=$?
	[ "$rc" != 0 ] && [ -z "$out" ] && grep -q -- "$want" "$TMP/err" ||
		die "agwctl $*: exit $rc, stdout '$out', stderr '$(cat "$TMP/err")'"
	echo "   agwctl $*: exit $rc: $(cat "$TMP/err")"
}
refused "no termination ip/access/99" terminations ip/access/99
refused "no termination ip/nowhere/1" -j terminations ip/nowhere/1
refused "no context 4242" contexts 4242
refused "no context 4242" terminations --context 4242
refused 'no realm "nowhere"' terminations --realm nowhere
refused 'unknown state "sleeping"' terminations --state sleeping
refused "usage" terminations --colour red
ok "unknown IDs and filters: errors, non-zero exit"

# ---- -p: indented, the same JSON as -j -----------------------------------
for cmd in "status" "contexts" "terminations" "terminations --realm access" "flows"; do
	ctl -p $cmd >"$TMP/p.json" || die "-p $cmd"
	ctl -j $cmd >"$TMP/j.json" || die "-j $cmd"
	[ "$(wc -l <"$TMP/j.json")" = 1 ] || die "-j $cmd: not one line"
	[ "$(wc -l <"$TMP/p.json")" -gt 3 ] && grep -q '^    "ok": true,$' "$TMP/p.json" ||
		die "-p $cmd: not indented: $(head -3 "$TMP/p.json")"
	norm='del(.uptime_s) | del(.terminations[]?.age_ms)'
	[ "$(jq -S "$norm" "$TMP/p.json")" = "$(jq -S "$norm" "$TMP/j.json")" ] ||
		die "-p $cmd differs from -j"
done
[ "$(ctl status | wc -l)" = 6 ] || die "status table: $(ctl status)"
ok "-p parses with jq and equals -j; status is a table"

# ---- the UE speaks no TLS: failure, Notify, then the release -------------
in_ns "$UE" timeout 60 socat -u STDIN TCP:"$(var acc.addr)":"$(var acc.port)" \
	</dev/zero >/dev/null 2>"$TMP/ue.err" &
T_PIDS+=($!)
tls_state() { ctl -j terminations "$acc" | jq -r '.terminations[0].tls.state'; }
wait_for 60 '[ "$(tls_state)" = failed ] || [ "$(tls_state)" = await-fingerprint ]' ||
	die "TLS state: $(tls_state)"
go connect
wait_sync checked
go checked
wait "$MGC_PID" || die "MGC scenario failed"
grep -q '"cmd":"end","ok":true' "$TMP/mgc.out" || die "MGC scenario failed"
ok "MGC: Add, Add, Configure, TLS failure Notified, Subtract"

# ---- a SYN the gate drops: no termination on the port --------------------
in_ns "$UE" timeout 3 python3 "$AGW_SRC/tests/integration/lib/tcpc.py" \
	connect 10.88.1.1 32077 --timeout 1 >/dev/null 2>&1
have() { jq -e -s "$1" "$TMP/mon.json" >/dev/null 2>&1; }
wait_for 20 'have "any(.[]; .event == \"drop\" and .dst == \"10.88.1.1:32077\")"' ||
	die "no drop of the SYN to 10.88.1.1:32077 in the monitor"
wait_for 20 "grep -q 'Z drop no-termination tcp 10.88.1.2:[0-9]* -> 10.88.1.1:32077\$' '$TMP/mon.txt'" ||
	die "monitor: no drop line"
kill -INT $MON_J $MON_T
t0=$(date +%s)
wait $MON_J || die "agwctl -j monitor exit $?"
wait $MON_T || die "agwctl monitor exit $?"
[ $(($(date +%s) - t0)) -le 3 ] || die "the monitors did not stop at SIGINT"

for e in "add $acc" "add $core" "subtract $acc" "subtract $core"; do
	set -- $e
	have "any(.[]; .event == \"$1\" and .termination == \"$2\" and .context == $C)" ||
		die "-j monitor: no $1 of $2"
	grep -q "Z $1 $2 context $C realm" "$TMP/mon.txt" ||
		die "monitor: no $1 of $2 line"
done
have "any(.[]; .event == \"tls_failure\" and .termination == \"$acc\" and (.failure | length) > 0)" ||
	die "-j monitor: no TLS failure"
have "any(.[]; .event == \"notify\" and .termination == \"$acc\" and .param == \"reason\" and (.name | endswith(\"/fail\")))" ||
	die "-j monitor: no Notify of the TLS failure"
have 'any(.[]; .event == "drop" and .reason == "no-termination" and .src != null)' ||
	die "-j monitor: the drop has no reason"
grep -q "Z tls_failure $acc context $C .* failure " "$TMP/mon.txt" || die "monitor: no TLS failure line"
grep -q "Z notify $acc context $C .*/fail reason=" "$TMP/mon.txt" || die "monitor: no Notify line"
ok "monitor (-j and text): Add and Subtract of both, TLS failure, its Notify, the dropped SYN with its reason; SIGINT ends them (exit 0)"
wait_for 10 '[ "$(stat_of agw_control_monitors)" = 0 ]' || die "monitors still counted"
[ "$(stat_of agw_control_events_total)" -ge 8 ] ||
	die "agw_control_events_total $(stat_of agw_control_events_total)"
grep -q "monitor: reading the gate's drop records" "$TMP/agwd.log" &&
	grep -q "monitor: no one monitors" "$TMP/agwd.log" ||
	die "agwd did not log the drop records' reader start and stop"
jq -c . "$TMP/mon.json" | cut -c1-200 | sed 's/^/   /'

# ---- count and timeout end a monitor -------------------------------------
start=$(date +%s)
ctl monitor timeout 1 >/dev/null 2>&1 || die "monitor timeout 1: exit $?"
[ $(($(date +%s) - start)) -le 4 ] || die "monitor timeout 1 did not end"
ctl monitor count 1 >"$TMP/one.txt" 2>"$TMP/one.err" &
one=$!
T_PIDS+=($one)
wait_for 20 "grep -q 'monitoring agwd' '$TMP/one.err'" ||
	die "monitor count 1 did not start"
in_ns "$UE" timeout 3 python3 "$AGW_SRC/tests/integration/lib/tcpc.py" \
	connect 10.88.1.1 32078 --timeout 1 >/dev/null 2>&1
wait_for 20 '! kill -0 $one' || die "monitor count 1 did not end"
wait $one || die "monitor count 1: exit $?"
[ "$(wc -l <"$TMP/one.txt")" = 1 ] &&
	grep -q "Z drop no-termination tcp 10.88.1.2:[0-9]* -> 10.88.1.1:32078\$" "$TMP/one.txt" ||
	die "monitor count 1: $(cat "$TMP/one.txt")"
ok "monitor timeout 1 ends it; monitor count 1: one line, the dropped SYN: $(cat "$TMP/one.txt")"

kill "$AGWD_PID"
wait_for 30 '! kill -0 $AGWD_PID 2>/dev/null' || die "agwd did not stop"
echo "PASS"
