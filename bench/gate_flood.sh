#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The SYN drop rate one core sustains (packets per second at saturation):
# agw's gate in native XDP, an XDP drop-everything floor, an XDP floor that
# reads the Ethernet, IP and TCP headers before it drops (no map: what
# touching the frame costs any filter), nftables netdev ingress with the
# same policy as a set, and the TCP stack with no filter (SYN cookies). A
# veth between two namespaces; the receiving side's NAPI
# runs threaded (GRO on) in one kernel thread pinned to RX_CPU, so all of
# the receive work of a variant happens in that thread. bench/syn_flood
# sends valid SYNs from TX_CPU as xdp_frames (BPF_PROG_TEST_RUN live
# frames redirected out of the peer veth), so the receiver sees what a
# NIC driver hands over: XDP runs before an skb exists, nftables and the
# stack pay for the skb as they would on a NIC. The sender outpaces every
# receiver here (the frames the full ring refuses show it).
#
# Over a FLOOD_SECS window (default 2) after a warm-up, each variant's own
# count of finished SYNs is divided by (a) the wall time: packets per
# second, and (b) the CPU time the NAPI thread ran (its schedstat): packets
# per CPU-second, what one core sustains when it has the core to itself,
# which other load on a shared machine does not skew. Both are counts over
# times and cannot go negative. The variants are interleaved in
# FLOOD_ROUNDS rounds (default 5); medians are printed, and the ratios of
# the medians of (b). FLOOD_PERF="gate floor" samples where the NAPI
# thread's time goes in those variants (perf, software clock).
set -u
. "$AGW_SRC/tests/integration/lib/common.sh"
require_root
for t in ethtool nft; do
	command -v $t >/dev/null || { echo "bench: gate_flood SKIPPED: $t missing"; exit 0; }
done
[ "$(nproc)" -ge 2 ] || { echo "bench: gate_flood SKIPPED: needs 2 CPUs"; exit 0; }
SECS=${FLOOD_SECS:-2}
ROUNDS=${FLOOD_ROUNDS:-5}
RX_CPU=${RX_CPU:-0}
TX_CPU=${TX_CPU:-$(($(nproc) - 1))}
SRV=agw-fl-srv-$$ CLI=agw-fl-cli-$$
DEV=gf$(($$ % 100000)) PEER=gc$(($$ % 100000))
PIN=/sys/fs/bpf/agw-flood-$$
TMP=$(mktemp -d)
T_CLEAN+=("$AGWCTL --pin-dir $PIN gate unload; rm -rf $PIN $TMP")
netns_add "$SRV"
netns_add "$CLI"
ip link add "$DEV" netns "$SRV" type veth peer name "$PEER" netns "$CLI"
ip -n "$SRV" addr add 10.210.0.1/24 dev "$DEV"
ip -n "$CLI" addr add 10.210.0.2/24 dev "$PEER"
ip -n "$SRV" link set "$DEV" up
ip -n "$CLI" link set "$PEER" up
# NAPI on the receiving veth (GRO on), run by a kernel thread we can pin;
# xdp_frames sent to a veth need its peer's NAPI
ip netns exec "$SRV" ethtool -K "$DEV" gro on
bg_in_ns "$SRV" $TCPC serve 10.210.0.1 20001
wait_for 5 'in_ns "$SRV" ss -ltnH "sport = :20001" | grep -q .' || { echo "bench: gate_flood FAILED: server"; exit 1; }
mac=$(ip -n "$SRV" -j link show "$DEV" | jq -r '.[0].address')

# The NAPI thread exists while NAPI is on; attaching XDP may make a new
# one: pin it after every change.
napi_pin() {
	local pid
	ip netns exec "$SRV" sh -c "echo 1 > /sys/class/net/$DEV/threaded" || return 1
	pid=$(ps -eo pid,comm | awk -v p="napi/$DEV-" 'index($2, p) == 1 { print $1; exit }')
	[ -n "$pid" ] || { echo "bench: gate_flood FAILED: no NAPI thread for $DEV" >&2; return 1; }
	taskset -pc "$RX_CPU" "$pid" >/dev/null
	NAPI_PID=$pid
}
napi_cpu_ns() { cut -d' ' -f1 /proc/"$NAPI_PID"/schedstat; }

ethstat() { ip netns exec "$SRV" ethtool -S "$DEV" | awk -v k="$1:" '$1 == k { print $2 }'; }
ip_in() { ip netns exec "$SRV" awk '/^Ip: [0-9]/ { print $4 }' /proc/net/snmp; } # InReceives
nft_count() {
	in_ns "$SRV" nft -j list chain netdev agwbench ingress |
		jq '[.nftables[].rule?.expr[]?.counter?.packets // empty] | add'
}
# frames the full ring refused, at the sender
tx_dropped() { ip netns exec "$CLI" ethtool -S "$PEER" | awk '$1 == "tx_queue_0_xdp_xmit_errors:" { print $2 }'; }

# measure COUNTER-FUNCTION: floods for the warm-up, the window and a
# margin; prints "pps pps_per_cpu_second sender_drops_per_s napi_cpu_share"
measure() {
	local fn=$1 c0 c1 t0 t1 d0 d1 n0 n1 tx
	nsenter --net=/run/netns/"$CLI" taskset -c "$TX_CPU" \
		"$BUILD/benchbin/syn_flood" "$BUILD/bench/bpf/syn_gen.bpf.o" "$PEER" "$mac" 10.210.0.2 10.210.0.1 20001 \
		"$(awk -v s="$SECS" 'BEGIN { print s + 1.5 }')" >"$TMP/flood.out" 2>&1 &
	tx=$!
	sleep 0.5 # warm-up: the window below starts in the steady state
	c0=$($fn) d0=$(tx_dropped) n0=$(napi_cpu_ns) t0=$(date +%s.%N)
	if [[ " ${FLOOD_PERF:-} " == *" ${fn#count_} "* ]] && command -v perf >/dev/null; then
		# where the NAPI thread's time goes (software clock: VMs often
		# have no hardware counters)
		perf record -q -e cpu-clock -C "$RX_CPU" -o "$TMP/perf.data" -- sleep "$SECS" 2>/dev/null
		perf report -q --stdio --sort comm,sym -i "$TMP/perf.data" 2>/dev/null |
			awk -v c="napi/$DEV-" 'index($2, c) == 1 { n++; if (n <= 12) print }' |
			sed "s/^/perf ${fn#count_}: /" >&2
	else
		sleep "$SECS"
	fi
	c1=$($fn) d1=$(tx_dropped) n1=$(napi_cpu_ns) t1=$(date +%s.%N)
	wait "$tx" || { echo "bench: gate_flood FAILED: syn_flood: $(cat "$TMP/flood.out")" >&2; return 1; }
	awk -v a="$c0" -v b="$c1" -v x="$d0" -v y="$d1" -v s="$t0" -v e="$t1" -v n0="$n0" -v n1="$n1" \
		'BEGIN { w = e - s; c = (n1 - n0) / 1e9; if (c <= 0) c = 1e-9
			 printf "%.0f %.0f %.0f %.2f\n", (b - a) / w, (b - a) / c, (y - x) / w, c / w }'
}

setup_floor() {
	ip -n "$SRV" link set "$DEV" xdpdrv obj "$BUILD/bench/bpf/xdp_drop.bpf.o" sec xdp && napi_pin
}
count_floor() { ethstat rx_queue_0_xdp_drops; }
teardown_floor() { ip -n "$SRV" link set "$DEV" xdpdrv off; }

setup_parse() {
	ip -n "$SRV" link set "$DEV" xdpdrv obj "$BUILD/bench/bpf/xdp_parse_drop.bpf.o" sec xdp && napi_pin
}
count_parse() { ethstat rx_queue_0_xdp_drops; }
teardown_parse() { ip -n "$SRV" link set "$DEV" xdpdrv off; }

setup_gate() {
	in_ns "$SRV" "$AGWCTL" --pin-dir "$PIN" gate attach "$DEV" xdp >/dev/null 2>&1 && napi_pin
}
count_gate() { ethstat rx_queue_0_xdp_drops; }
teardown_gate() { in_ns "$SRV" "$AGWCTL" --pin-dir "$PIN" gate detach "$DEV"; }

setup_nft() { in_ns "$SRV" nft -f "$TMP/nft.rules" && napi_pin; }
count_nft() { nft_count; }
teardown_nft() { in_ns "$SRV" nft delete table netdev agwbench; }

setup_stack() { napi_pin; }
count_stack() { ip_in; }
teardown_stack() { :; }

# the gate: 1,000 terminations in filter mode, the target ignoring SYNs
# (the maps stay pinned between rounds; only the attachment comes and goes)
{
	echo "gate config range 20000-29999 unmatched drop"
	for ((i = 0; i < 1000; i++)); do
		echo "gate term add 10.210.$((1 + i / 250)).$((i % 250)) $((20000 + i)) filter"
	done
	echo "gate term add 10.210.0.1 20001 ignore"
} | while read -r l; do in_ns "$SRV" "$AGWCTL" --pin-dir "$PIN" $l || exit 1; done ||
	{ echo "bench: gate_flood FAILED: gate setup"; exit 1; }
# nftables: the same policy in a netdev ingress chain with a set
{
	cat <<NFT
table netdev agwbench {
	set allowed {
		type ipv4_addr . inet_service . ipv4_addr
		flags interval
	}
	chain ingress {
		type filter hook ingress device $DEV priority -500; policy accept;
		meta protocol ip tcp flags & (syn | ack) == syn tcp dport 20000-29999 ip daddr . tcp dport . ip saddr != @allowed counter drop
	}
}
NFT
	for ((i = 0; i < 1000; i++)); do
		echo "add element netdev agwbench allowed { 10.210.$((1 + i / 250)).$((i % 250)) . $((20000 + i)) . 192.0.2.$((i % 250)) }"
	done
} >"$TMP/nft.rules"

echo "bench: gate_flood_load = $(cut -d' ' -f1-3 /proc/loadavg) (loadavg at start)"
for ((r = 1; r <= ROUNDS; r++)); do
	for v in floor parse gate nft stack; do
		setup_$v || { echo "bench: gate_flood FAILED: setup $v"; exit 1; }
		read -r pps cap drops share < <(measure count_$v)
		teardown_$v
		[ -n "$cap" ] || { echo "bench: gate_flood FAILED: $v"; exit 1; }
		echo "$v $cap $pps $drops $share" >>"$TMP/results"
		echo "round $r: $v $cap SYN per CPU-s, $pps SYN/s wall (NAPI thread on CPU ${share}, sender drops $drops/s)"
	done
done
gd=$(in_ns "$SRV" "$AGWCTL" --pin-dir "$PIN" -j gate show 10.210.0.1 20001 | jq '.dropped["ignore-mode"]')
echo "bench: gate_flood_gate_counted = $gd SYNs dropped by the gate's own counter (all rounds)"
echo "bench: gate_flood_load_end = $(cut -d' ' -f1-3 /proc/loadavg) (loadavg at end)"
awk -v rounds="$ROUNDS" '
function median(v, n,    i, j, t) {
	for (i = 2; i <= n; i++) for (j = i; j > 1 && v[j] < v[j - 1]; j--) { t = v[j]; v[j] = v[j - 1]; v[j - 1] = t }
	return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
}
{ n[$1]++; p[$1, n[$1]] = $2; w[$1, n[$1]] = $3; d[$1, n[$1]] = $4; sh[$1, n[$1]] = $5 }
END {
	split("floor parse gate nft stack", names, " ")
	for (k = 1; k <= 5; k++) {
		v = names[k]
		for (i = 1; i <= n[v]; i++) { a[i] = p[v, i]; b[i] = w[v, i]; c[i] = d[v, i]; s[i] = sh[v, i] }
		m[v] = median(a, n[v]); mw = median(b, n[v]); md = median(c, n[v]); ms = median(s, n[v])
		printf "bench: gate_flood_%s = %.0f SYN per CPU-second (median of %d; min %.0f, max %.0f)\n", v, m[v], n[v], a[1], a[n[v]]
		printf "bench: gate_flood_%s_wall = %.0f SYN/s (median; NAPI thread on CPU %.2f of the time; sender drops %.0f/s)\n", v, mw, ms, md
	}
	if (m["floor"] > 0) printf "bench: gate_flood_gate_vs_floor_ratio = %.2f (%.0f / %.0f SYN per CPU-s)\n", m["gate"] / m["floor"], m["gate"], m["floor"]
	if (m["parse"] > 0) printf "bench: gate_flood_gate_vs_parse_ratio = %.2f (%.0f / %.0f SYN per CPU-s)\n", m["gate"] / m["parse"], m["gate"], m["parse"]
	if (m["nft"] > 0) printf "bench: gate_flood_gate_vs_nft_ratio = %.2f (%.0f / %.0f SYN per CPU-s)\n", m["gate"] / m["nft"], m["gate"], m["nft"]
	if (m["stack"] > 0) printf "bench: gate_flood_gate_vs_stack_ratio = %.2f (%.0f / %.0f SYN per CPU-s)\n", m["gate"] / m["stack"], m["gate"], m["stack"]
}' "$TMP/results"
