#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# timeout: 400
# Why was my SYN dropped: a foreign host's SYN to a filter termination
# shows in "agwctl gate monitor" with reason filter-mismatch, its source
# and the termination; the termination's counters say the same by
# reason. Under a SYN flood (bench/syn_flood: xdp_frames into the veth)
# the drop records stay within what the kernel's token bucket allows,
# records plus suppressed account for every drop, and the admitted client
# is not affected. IPv4 and IPv6, the gate attached with
# the default mode (libxdp's dispatcher, else an XDP link: logged).
. "$AGW_SRC/tests/integration/lib/common.sh"
require_root
[ -x "$BUILD/benchbin/syn_flood" ] || skip "build/benchbin/syn_flood not built (make test-bins)"
SRV=agw-gmon-srv-$$ CLI=agw-gmon-cli-$$
PIN=/sys/fs/bpf/agw-gmon-$$
TMP=$(mktemp -d)
T_CLEAN+=("$AGWCTL --pin-dir $PIN gate unload; rm -rf $PIN $TMP")
g() { in_ns "$SRV" "$AGWCTL" --pin-dir "$PIN" "$@"; }

netns_add "$SRV"
netns_add "$CLI"
ip link add msrv0 netns "$SRV" type veth peer name mcli0 netns "$CLI" || fail veth
ip -n "$SRV" addr add 10.201.0.1/24 dev msrv0
ip -n "$SRV" addr add fd21::1/64 dev msrv0 nodad
for a in 10.201.0.2 10.201.0.3; do ip -n "$CLI" addr add $a/24 dev mcli0; done
for a in fd21::2 fd21::3; do ip -n "$CLI" addr add $a/64 dev mcli0 nodad; done
ip -n "$SRV" link set msrv0 up
ip -n "$CLI" link set mcli0 up
ip netns exec "$CLI" sysctl -qw net.ipv4.tcp_syn_linear_timeouts=4 2>/dev/null

out=$(g gate attach msrv0 2>"$TMP/attach.err") || fail "attach: $(cat "$TMP/attach.err")"
echo "attach: $out"
case "$out" in
*"(xdp-multi)"*) echo "libxdp dispatcher in use" ;;
*"(xdp)"* | *"(xdp-generic)"*)
	grep -q "libxdp" "$TMP/attach.err" || fail "fallback from libxdp not logged"
	echo "fallback logged: $(grep libxdp "$TMP/attach.err" | head -n1)" ;;
*) fail "unexpected attach: $out" ;;
esac
g gate config range 20000-29999 unmatched drop || fail config
for srv in 10.201.0.1 fd21::1; do
	bg_in_ns "$SRV" $TCPC serve $srv 20001
	g gate term add $srv 20001 filter || fail "term $srv"
done
g gate allow add 10.201.0.1 20001 10.201.0.2 || fail allow
g gate allow add fd21::1 20001 fd21::2 || fail allow6
wait_for 5 'in_ns "$SRV" ss -ltnH "sport = :20001" | grep -q "fd21::1"' || fail "servers"

# monitor: one record each, started before the SYNs
monitor() { # monitor FILE: background reader, ready when it says so
	# nsenter execs agwctl: $! is the monitor itself, which kill reaches
	nsenter --net=/run/netns/"$SRV" "$AGWCTL" --pin-dir "$PIN" -j gate monitor count 1 timeout 30 \
		>"$1" 2>"$1.err" &
	T_PIDS+=($!)
	MON=$!
	MON_ERR=$1.err
	wait_for 10 'grep -q "monitoring drops" "$MON_ERR"' || fail "monitor did not start: $(cat "$1.err")"
}

for fam in 4 6; do
	if [ $fam = 4 ]; then srv=10.201.0.1 ok=10.201.0.2 bad=10.201.0.3; else srv=fd21::1 ok=fd21::2 bad=fd21::3; fi
	monitor "$TMP/mon$fam"
	r=$(in_ns "$CLI" $TCPC connect $srv 20001 --src $bad --sport 41234 --timeout 2.5) &&
		fail "foreign host connected: $r"
	wait "$MON" || fail "monitor exited with an error: $(cat "$TMP/mon$fam.err")"
	cat "$TMP/mon$fam"
	jq -e --arg bad "$bad" --arg srv "$srv" '
		.reason == "filter-mismatch" and .proto == "tcp" and
		(.src | test("^\\[?" + $bad + "\\]?:41234$")) and
		(.dst | test("^\\[?" + $srv + "\\]?:20001$")) and .slot != null' \
		"$TMP/mon$fam" >/dev/null || fail "IPv$fam: no filter-mismatch record for $bad"
	j=$(g -j gate show $srv 20001)
	jq -e '.dropped["filter-mismatch"] >= 1 and .last_syn.reason == "filter-mismatch"' <<<"$j" >/dev/null ||
		fail "IPv$fam: counters: $j"
	# the text form names it too
	g gate show $srv 20001 | grep -q "filter-mismatch" || fail "text show"
	r=$(in_ns "$CLI" $TCPC connect $srv 20001 --src $ok --timeout 5) || fail "allowed host: $r"
	echo "ok IPv$fam: foreign SYN reported as filter-mismatch, allowed host connects"
done

# A flood: 1 record per second per CPU and 5 at once, 3 s of SYNs
g gate config monitor 1 burst 5 || fail "config monitor"
nsenter --net=/run/netns/"$SRV" "$AGWCTL" --pin-dir "$PIN" -j gate monitor timeout 60 >"$TMP/flood" 2>"$TMP/flood.err" &
T_PIDS+=($!)
MON=$!
wait_for 10 'grep -q "monitoring drops" "$TMP/flood.err"' || fail "flood monitor"
mac=$(ip -n "$SRV" -j link show msrv0 | jq -r '.[0].address')
stat() { g -j gate show | jq ".counters.$1"; }
drops() { g -j gate show 10.201.0.1 20001 | jq '.dropped["filter-mismatch"]'; }
s0=$(stat mon_suppressed) r0=$(stat mon_records) f0=$(stat mon_ring_full) d0=$(drops)
t0=$(date +%s.%N)
in_ns "$CLI" "$BUILD/benchbin/syn_flood" "$BUILD/bench/bpf/syn_gen.bpf.o" mcli0 "$mac" \
	10.201.0.3 10.201.0.1 20001 3 >"$TMP/sent" 2>&1 || fail "syn_flood: $(cat "$TMP/sent")"
t1=$(date +%s.%N)
# the allowed host still gets through right after the flood
r=$(in_ns "$CLI" $TCPC connect 10.201.0.1 20001 --src 10.201.0.2 --timeout 5) || fail "after flood: $r"
s1=$(stat mon_suppressed) r1=$(stat mon_records) f1=$(stat mon_ring_full) d1=$(drops)
wait_for 5 '[ "$(grep -c filter-mismatch "$TMP/flood")" -ge $((r1 - r0)) ]' ||
	fail "the monitor did not read every record ($(grep -c filter-mismatch "$TMP/flood") of $((r1 - r0)))"
kill "$MON"
wait "$MON" 2>/dev/null
recs=$((r1 - r0)) sup=$((s1 - s0)) full=$((f1 - f0)) dropped=$((d1 - d0))
bound=$(awk -v a="$t0" -v b="$t1" -v c="$(nproc)" 'BEGIN { printf "%d", c * (5 + (b - a) + 1) }')
echo "flood: $(cat "$TMP/sent"), $dropped dropped: $recs records (bound $bound), $sup suppressed, $full lost to a full ring"
[ "$dropped" -ge 10000 ] || fail "not a flood: $dropped drops"
[ "$recs" -ge 1 ] || fail "no record during the flood"
[ "$recs" -le "$bound" ] || fail "token bucket let $recs records through (bound $bound)"
[ $((recs + sup + full)) -eq "$dropped" ] || fail "records + suppressed + lost ($((recs + sup + full))) != drops ($dropped)"
echo "gate monitor ok"
