#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# CPU per dropped SYN under a flood: the XDP gate vs an equivalent
# nftables ruleset (netdev ingress, a set of allowed tuples) vs no filter
# (the kernel's TCP stack answers with SYN cookies), on a veth between two
# namespaces. trafgen, pinned to one CPU, sends a fixed number of SYNs and
# its CPU time is measured (see cpu_of). A floor run (an XDP program that
# drops everything) is subtracted: what remains is the receive-side cost
# of each filter. Each variant runs FLOOD_RUNS times (default 3) and the
# cheapest run counts, which filters out cache noise from other load.
# Bounded: FLOOD_PKTS packets per run (default 1,000,000).
set -u
. "$AGW_SRC/tests/integration/lib/common.sh"
require_root
N=${FLOOD_PKTS:-1000000}
RUNS=${FLOOD_RUNS:-3}
CPU=$(($(nproc) - 1))
SRV=agw-fl-srv-$$ CLI=agw-fl-cli-$$
PIN=/sys/fs/bpf/agw-flood-$$
T_CLEAN+=("$AGWCTL --pin-dir $PIN gate unload; rm -rf $PIN")
netns_add "$SRV"
netns_add "$CLI"
ip link add fsrv0 netns "$SRV" type veth peer name fcli0 netns "$CLI"
ip -n "$SRV" addr add 10.210.0.1/24 dev fsrv0
ip -n "$CLI" addr add 10.210.0.2/24 dev fcli0
ip -n "$SRV" link set fsrv0 up
ip -n "$CLI" link set fcli0 up
bg_in_ns "$SRV" $TCPC serve 10.210.0.1 20001
sleep 0.5
mac=$(ip -n "$SRV" -j link show fsrv0 | jq -r '.[0].address')
smac=$(ip -n "$CLI" -j link show fcli0 | jq -r '.[0].address')
cfg=$(mktemp)
T_CLEAN+=("rm -f $cfg")
cat >"$cfg" <<CFG
{
  eth(da=$mac, sa=$smac),
  ipv4(saddr=10.210.0.2, daddr=10.210.0.1, ttl=64, df),
  tcp(sp=dinc(1024, 65000), dp=20001, syn, seq=drnd(), window=64240)
}
CFG

# CPU time of the sender process: on a veth the receive path (XDP in the
# veth's NAPI poll, the netdev ingress hook, the TCP stack's backlog) runs
# in softirq on the sender's CPU as the sender re-enables bottom halves,
# so it is charged to the sender; other load on the machine is not.
cpu_of() {
	python3 -c 'import resource, subprocess, sys
rc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
r = resource.getrusage(resource.RUSAGE_CHILDREN)
print("%d %d" % (rc, (r.ru_utime + r.ru_stime) * 1e9))' "$@"
}

# run: floods RUNS times; prints the least CPU ns per SYN (both sides)
run() {
	local rc ns r best=""
	for ((r = 0; r < RUNS; r++)); do
		read -r rc ns < <(cpu_of nsenter --net=/run/netns/"$CLI" taskset -c "$CPU" \
			trafgen --dev fcli0 --conf "$cfg" -n "$N" -P 1 -C)
		[ "$rc" = 0 ] || { echo "bench: gate_flood FAILED: trafgen" >&2; exit 1; }
		[ -z "$best" ] || [ "$ns" -lt "$best" ] && best=$ns
	done
	awk -v b="$best" -v n="$N" 'BEGIN { printf "%.1f x\n", b / n }'
}

drops() { in_ns "$SRV" "$AGWCTL" --pin-dir "$PIN" -j gate show 10.210.0.1 20001 | jq .syn_dropped; }

# floor: drop everything at the earliest point
ip -n "$SRV" link set fsrv0 xdpdrv obj "$BUILD/bench/bpf/xdp_drop.bpf.o" sec xdp ||
	{ echo "bench: gate_flood FAILED: floor program" >&2; exit 1; }
read -r floor ft < <(run)
ip -n "$SRV" link set fsrv0 xdpdrv off

# the gate: native XDP, 1,000 terminations, the target ignoring SYNs
in_ns "$SRV" "$AGWCTL" --pin-dir "$PIN" gate attach fsrv0 xdp >/dev/null || exit 1
in_ns "$SRV" "$AGWCTL" --pin-dir "$PIN" gate config range 20000-29999 unmatched drop
for ((i = 0; i < 1000; i++)); do
	echo "gate term add 10.210.$((1 + i / 250)).$((i % 250)) $((20000 + i)) filter"
done | while read -r l; do in_ns "$SRV" "$AGWCTL" --pin-dir "$PIN" $l; done
in_ns "$SRV" "$AGWCTL" --pin-dir "$PIN" gate term add 10.210.0.1 20001 ignore
read -r gate gt < <(run)
gd=$(drops)
in_ns "$SRV" "$AGWCTL" --pin-dir "$PIN" gate detach fsrv0

# nftables: the same policy in a netdev ingress chain with a set
in_ns "$SRV" nft -f - <<NFT || { echo "bench: gate_flood FAILED: nft" >&2; exit 1; }
table netdev agwbench {
	set allowed {
		type ipv4_addr . inet_service . ipv4_addr
		flags interval
	}
	chain ingress {
		type filter hook ingress device fsrv0 priority -500; policy accept;
		meta protocol ip tcp flags & (syn | ack) == syn tcp dport 20000-29999 ip daddr . tcp dport . ip saddr != @allowed counter drop
	}
}
NFT
for ((i = 0; i < 1000; i++)); do
	echo "add element netdev agwbench allowed { 10.210.$((1 + i / 250)).$((i % 250)) . $((20000 + i)) . 192.0.2.$((i % 250)) }"
done | in_ns "$SRV" nft -f -
read -r nft nt < <(run)
nd=$(in_ns "$SRV" nft -j list chain netdev agwbench ingress | jq '[.nftables[].rule?.expr[]?.counter?.packets // empty] | add')
in_ns "$SRV" nft delete table netdev agwbench

# no filter: the TCP stack answers (SYN cookies once the queue fills)
read -r none not < <(run)

awk -v f="$floor" -v g="$gate" -v n="$nft" -v o="$none" -v gd="$gd" -v nd="$nd" -v N="$N" 'BEGIN {
	printf "bench: gate_flood_packets = %d SYNs per run\n", N
	printf "bench: gate_flood_floor_total = %.1f ns/SYN\n", f
	printf "bench: gate_flood_xdp_total = %.1f ns/SYN (dropped %d)\n", g, gd
	printf "bench: gate_flood_nft_total = %.1f ns/SYN (dropped %d)\n", n, nd
	printf "bench: gate_flood_nofilter_total = %.1f ns/SYN\n", o
	xg = g - f; xn = n - f; xo = o - f
	if (xg < 0.1) xg = 0.1
	printf "bench: gate_flood_xdp = %.1f ns/SYN receive side\n", xg
	printf "bench: gate_flood_nft = %.1f ns/SYN receive side\n", xn
	printf "bench: gate_flood_nofilter = %.1f ns/SYN receive side\n", xo
	printf "bench: gate_flood_xdp_vs_nft_ratio = %.2f (%.1f / %.1f)\n", xg / xn, xg, xn
	printf "bench: gate_flood_xdp_vs_nofilter_ratio = %.2f (%.1f / %.1f)\n", xg / xo, xg, xo
}'
