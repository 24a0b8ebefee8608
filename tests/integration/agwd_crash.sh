#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# timeout: 300
#
# A crash leaves no open gate (Documentation/robustness.md): agwd with the
# real megaco MGC over TCP and the gate in XDP on veth reserves access
# terminations in open, filter and ignore mode, and the operator adds an
# entry (agwctl gate term add) in the media range. kill -9: the entries
# stay pinned, and the stale open one lets an unprivileged listener (uid
# 65534) take a UE's connection: what a crash costs until agwd runs
# again. The restarted agwd removes the dead instance's entries (agwctl
# gate term list, bpftool map dump), keeps the operator's, registers with
# ServiceChange Restart (901 Cold Boot, seen by the MGC), admits no SYN to
# a stale port (the uid 65534 listener gets nothing), and can reserve the
# whole range again except the operator's port. A clean stop (SIGTERM)
# removes its own entries and keeps the operator's.
set -u
. "$AGW_SRC/tests/integration/lib/common.sh"
. "$AGW_SRC/tests/integration/lib/mgc_lab.sh"
. "$AGW_SRC/tests/integration/lib/state_lab.sh"
state_lab crash 91
command -v bpftool >/dev/null || skip "bpftool missing"
BASE=31000 # access ports BASE..BASE+99
OP_PORT=$((BASE + 50))
GW_ACC=10.91.1.1

# The scenario: three terminations, the crash, the registration after
# it, then every access port again (99 Adds: one port is the operator's)
# and one more that must find none.
{
	echo "send $SCN/state_open.txt as open"
	echo "expect reply"
	echo "send $SCN/state_filter.txt as filt"
	echo "expect reply"
	echo "send $SCN/state_ignore.txt as ign"
	echo "expect reply"
	echo "sync crashed 120000"
	echo "wait register 60000"
	echo "expect field method restart"
	echo "expect field reason_code 901"
	for _ in $(seq 99); do
		echo "send $SCN/state_open.txt"
		echo "expect reply"
	done
	echo "send $SCN/state_open.txt"
	echo "expect error 510"
	echo "sync done 120000"
	echo "wait servicechange graceful 30000"
} >"$TMP/crash.scn"

state_conf crash $BASE tcp
lab_start_agwd
lab_run_mgc tcp "$TMP/crash.scn" 250 ue_port=40100
T_PIDS+=($MGC_PID)
wait_sync crashed
P_OPEN=$(var open.port) P_FILT=$(var filt.port) P_IGN=$(var ign.port)
[ "$(gate_terms --owner agwd | jq length)" = 3 ] ||
	die "3 agwd entries expected: $(gate_terms)"
"$AGWCTL" --pin-dir "$PIN" gate term add $GW_ACC $OP_PORT filter ||
	die "operator entry"
for m in open:$P_OPEN filter:$P_FILT ignore:$P_IGN; do
	[ "$(gate_terms | jq -r ".[] | select(.port == ${m#*:}) | .mode")" = "${m%%:*}" ] ||
		die "port ${m#*:} not in mode ${m%%:*}: $(gate_terms)"
done

# ---- kill -9: the entries stay, the stale open port admits
kill -KILL "$AGWD_PID"
wait "$AGWD_PID" 2>/dev/null
[ "$(gate_terms --owner gone | jq length)" = 3 ] ||
	die "after kill -9: 3 entries of a gone agwd expected: $(gate_terms)"
ip -n "$GW" link show crash-a | grep -q xdp || die "gate detached by the crash"
nobody_listen $GW_ACC "$P_OPEN" "$TMP/nobody.out"
r=$(ue_send $GW_ACC "$P_OPEN")
wait "$NOBODY_PID" 2>/dev/null
[ "$r" = connected ] && grep -q "accepted 5" "$TMP/nobody.out" ||
	die "before the restart the stale open entry should admit (the crash's cost): UE $r, listener $(cat "$TMP/nobody.out")"
echo "ok: after kill -9 the entries stay pinned (a stale open port admits: uid 65534 got the UE's bytes)"

# ---- restart: reconcile
lab_start_agwd
grep -q "removed 3 entries of a dead agwd (open 1, filter 1, ignore 1)" "$TMP/agwd.log" ||
	die "reconcile not logged"
grep -q "kept 1 operator entries" "$TMP/agwd.log" || die "operator entry not logged"
t=$(gate_terms)
[ "$(echo "$t" | jq length)" = 1 ] &&
	[ "$(echo "$t" | jq -r '.[0].owner.kind')" = operator ] &&
	[ "$(echo "$t" | jq -r '.[0].port')" = $OP_PORT ] ||
	die "after the restart only the operator entry should be left: $t"
n=$(bpftool -j map dump pinned "$PIN/agw_terms" | jq length)
[ "$n" = 1 ] || die "bpftool: $n entries in agw_terms"
ip -n "$GW" link show crash-a | grep -q xdp || die "gate not attached after the restart"
for p in $P_OPEN $P_FILT $P_IGN; do
	nobody_listen $GW_ACC "$p" "$TMP/nobody.out"
	r=$(ue_send $GW_ACC "$p")
	kill "$NOBODY_PID" 2>/dev/null
	wait "$NOBODY_PID" 2>/dev/null
	[ "$r" = timeout ] && ! grep -q accepted "$TMP/nobody.out" ||
		die "stale port $p admitted a SYN after the restart: UE $r, listener $(cat "$TMP/nobody.out")"
done
echo "ok: restarted agwd removed the dead entries, kept the operator's, no SYN to a stale port admitted"

# ---- the MGC sees the Restart; the whole range is reservable again
go crashed
wait_sync done
reg=$(grep '"cmd":"register"' "$TMP/mgc.out" | tail -1)
[ "$(echo "$reg" | jq -r .method)" = restart ] || die "no Restart after the crash: $reg"
ports=$(grep '"cmd":"send"' "$TMP/mgc.out" | tail -n 100 | head -n 99 | jq -r .port | sort -un)
[ "$(echo "$ports" | wc -l)" = 99 ] || die "99 distinct ports expected, got $(echo "$ports" | wc -l)"
echo "$ports" | grep -qx $OP_PORT && die "the operator's port $OP_PORT was handed out"
for p in $P_OPEN $P_FILT $P_IGN; do
	echo "$ports" | grep -qx "$p" || die "stale port $p not reservable again"
done
grep '"cmd":"send"' "$TMP/mgc.out" | tail -1 | grep -q 'no free port' ||
	die "the 100th Add should find no free port"
[ "$(gate_terms --owner agwd | jq length)" = 99 ] || die "99 agwd entries expected"
echo "ok: the MGC saw ServiceChange Restart 901; all 99 free ports reservable, the operator's skipped"

# ---- a clean stop removes agwd's own entries, not the operator's
kill "$AGWD_PID"
go done
wait_for 30 '! kill -0 $AGWD_PID' || die "agwd did not stop"
wait "$AGWD_PID" || die "agwd exit status $?"
t=$(gate_terms)
[ "$(echo "$t" | jq length)" = 1 ] && [ "$(echo "$t" | jq -r '.[0].owner.kind')" = operator ] ||
	die "after SIGTERM only the operator entry should be left: $t"
grep -q "agwd stopped" "$TMP/agwd.log" || die "agwd did not log its stop"
wait "$MGC_PID" || die "MGC scenario failed"
echo "ok: SIGTERM released agwd's entries, kept the operator's"
