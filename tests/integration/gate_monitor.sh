#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# timeout: 240
# Why was my SYN dropped: a foreign host's SYN to a filter termination
# shows in "agwctl gate monitor" with reason filter-mismatch, its source
# and the termination; the termination's counters say the same by
# reason. Under a SYN flood (trafgen) the drop records stay within what
# the kernel's token bucket allows, the rest counted as suppressed; the
# admitted client is not affected. IPv4 and IPv6, the gate attached with
# the default mode (libxdp's dispatcher, else an XDP link: logged).
. "$AGW_SRC/tests/integration/lib/common.sh"
require_root
command -v trafgen >/dev/null || skip "trafgen (netsniff-ng) not installed"
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
	in_ns "$SRV" "$AGWCTL" --pin-dir "$PIN" -j gate monitor count 1 timeout 30 \
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

# A flood: 1 record per second per CPU and 5 at once; 200,000 SYNs
g gate config monitor 1 burst 5 || fail "config monitor"
in_ns "$SRV" "$AGWCTL" --pin-dir "$PIN" -j gate monitor timeout 60 >"$TMP/flood" 2>"$TMP/flood.err" &
T_PIDS+=($!)
MON=$!
wait_for 10 'grep -q "monitoring drops" "$TMP/flood.err"' || fail "flood monitor"
mac=$(ip -n "$SRV" -j link show msrv0 | jq -r '.[0].address')
smac=$(ip -n "$CLI" -j link show mcli0 | jq -r '.[0].address')
cat >"$TMP/trafgen.cfg" <<CFG
{
  eth(da=$mac, sa=$smac),
  ipv4(saddr=10.201.0.3, daddr=10.201.0.1, ttl=64, df),
  tcp(sp=dinc(1024, 65000), dp=20001, syn, seq=drnd(), window=64240)
}
CFG
before=$(g -j gate show | jq .counters.mon_suppressed)
t0=$(date +%s.%N)
in_ns "$CLI" trafgen --dev mcli0 --conf "$TMP/trafgen.cfg" -n 200000 -q >/dev/null 2>&1 ||
	fail "trafgen"
# the allowed host still gets through during and after the flood
r=$(in_ns "$CLI" $TCPC connect 10.201.0.1 20001 --src 10.201.0.2 --timeout 5) || fail "after flood: $r"
wait_for 5 '[ -s "$TMP/flood" ]' || fail "no record of the flood read"
kill "$MON"
wait "$MON" 2>/dev/null
t1=$(date +%s.%N)
recs=$(grep -c filter-mismatch "$TMP/flood" || true)
after=$(g -j gate show | jq .counters.mon_suppressed)
cpus=$(nproc)
bound=$(awk -v a="$t0" -v b="$t1" -v c="$cpus" 'BEGIN { printf "%d", c * (5 + (b - a) + 1) }')
echo "flood: $recs records in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s on $cpus CPUs (bound $bound), suppressed $((after - before))"
[ "$recs" -ge 1 ] || fail "no record during the flood"
[ "$recs" -le "$bound" ] || fail "token bucket let $recs records through (bound $bound)"
[ $((after - before + recs)) -ge 190000 ] || fail "suppressed count $((after - before)) does not account for the flood"
echo "gate monitor ok"
