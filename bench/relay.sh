#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Relay benchmark: one TCP flow relayed by each agw path (sockmap,
# sockmap-tick = sockmap with the verdict fed by the user-space tick, as
# before the verdict read the destination itself, splice, copy), by
# HAProxy 2.6 (TCP mode, splice-request and splice-response) and not
# relayed at all (direct), in one run. Each measurement is repeated REPS
# times, interleaved, and the median printed.
#   bulk: Gbit/s; CPU-seconds per GiB counting the benchmark process,
#         HAProxy and the kernel's worker threads (kworker, ksoftirqd:
#         the sockmap backlog sends from there), user + system, the same
#         for every path; machine_cpu: the whole machine's busy CPU
#         (includes other jobs); for sockmap the share of bytes that went
#         through user space and the mean chunk the verdict saw
#   rr64 / rr1024: request/response round trip, 64 B and 1 KiB, p50, p99
# Env: RELAY_BENCH_SECONDS (per bulk run, default 1), RELAY_BENCH_REPS (3),
#   RELAY_BENCH_NET=veth: client and server in one namespace, the relay
#   (and HAProxy) in another, joined by a veth pair; direct then crosses
#   the veth once, like each of the relay's two connections. Metric names
#   start with relay_veth_ instead of relay_.
set -u
BUILD=${BUILD:?}
# shellcheck source=bench/lib/stats.sh
. "$(dirname "$0")/lib/stats.sh"
bin=$BUILD/benchbin/relay_bench
[ -x "$bin" ] || { echo "missing $bin"; exit 1; }
command -v haproxy >/dev/null || { echo "haproxy not installed"; exit 1; }
secs=${RELAY_BENCH_SECONDS:-1}
reps=${RELAY_BENCH_REPS:-3}
netmode=${RELAY_BENCH_NET:-loopback}
default=sockmap # the engine default (Documentation/relay.md)

tmp=$(mktemp -d)
hpid=
nsp=agw-skm-$$-p
nsr=agw-skm-$$-r
cleanup() {
	[ -n "$hpid" ] && kill "$hpid" 2>/dev/null && wait "$hpid" 2>/dev/null
	if [ "$netmode" = veth ]; then
		ip netns del "$nsp" 2>/dev/null
		ip netns del "$nsr" 2>/dev/null
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

tag=relay
netargs=()
inr=() # run in the relay's namespace
paddr=127.0.0.1
raddr=127.0.0.1
if [ "$netmode" = veth ]; then
	tag=relay_veth
	paddr=10.204.0.1
	raddr=10.204.0.2
	ip netns add "$nsp" && ip netns add "$nsr" &&
		ip link add skmp$$ netns "$nsp" type veth peer name skmr$$ \
			netns "$nsr" &&
		ip -n "$nsp" addr add $paddr/24 dev skmp$$ &&
		ip -n "$nsr" addr add $raddr/24 dev skmr$$ &&
		ip -n "$nsp" link set lo up && ip -n "$nsr" link set lo up &&
		ip -n "$nsp" link set skmp$$ up && ip -n "$nsr" link set skmr$$ up ||
		{ echo "could not set up the namespaces"; exit 1; }
	netargs=(--netns "$nsp,$nsr" --addrs "$paddr,$raddr")
	inr=(ip netns exec "$nsr")
fi

start_haproxy() {
	cat >"$tmp/haproxy.cfg" <<-CFG
	global
		maxconn 64
	defaults
		mode tcp
		timeout connect 5s
		timeout client 60s
		timeout server 60s
		option splice-request
		option splice-response
	listen relay
		bind $raddr:$hport
		server s1 $paddr:$sport
	CFG
	"${inr[@]}" haproxy -f "$tmp/haproxy.cfg" -db >"$tmp/haproxy.log" 2>&1 &
	hpid=$!
	sleep 0.3
	kill -0 "$hpid" 2>/dev/null && return 0
	hpid=
	return 1
}
# Ports below the ephemeral range, not in use; retried if HAProxy cannot
# bind (another job may take the port meanwhile).
lo=$(awk '{ print $1 }' /proc/sys/net/ipv4/ip_local_port_range)
for _ in 1 2 3 4 5; do
	sport=$((10000 + RANDOM % (lo - 10002)))
	hport=$((sport + 1))
	ss -Htan | awk '{ print $4 }' | grep -qE ":($sport|$hport)\$" && continue
	start_haproxy && break
done
[ -n "$hpid" ] || { echo "could not start haproxy"; cat "$tmp/haproxy.log"; exit 1; }

echo "bench: ${tag}_load_before = $(cut -d' ' -f1 /proc/loadavg) load"
vias="direct sockmap sockmap-tick splice copy port:$hport"
for ((r = 0; r < reps; r++)); do
	for via in $vias; do
		common=(--via "$via" --server-port "$sport" --extra-pid "$hpid"
			--tag "$tag" "${netargs[@]}")
		for t in "bulk --seconds $secs" "rr --size 64 --seconds 0.5" \
			"rr --size 1024 --seconds 0.5"; do
			# shellcheck disable=SC2086
			"$bin" "${common[@]}" --test $t 2>>"$tmp/err" || {
				echo "relay_bench ${common[*]} --test $t failed:" >&2
				cat "$tmp/err" >&2
				exit 1
			}
		done
	done
done >"$tmp/raw"
echo "bench: ${tag}_load_after = $(cut -d' ' -f1 /proc/loadavg) load"

bench_medians "$tmp/raw" >"$tmp/med"
cat "$tmp/med"
ratio() { bench_ratio "$tmp/med" "$@"; }
echo "bench: ${tag}_default_path = $default"
for p in default sockmap sockmap_tick splice copy; do
	m=$p
	[ "$p" = default ] && m=$default
	ratio "${tag}_bulk_${p}_vs_haproxy" "${tag}_bulk_${m}_gbps" "${tag}_bulk_haproxy_gbps"
	ratio "${tag}_bulk_${p}_vs_direct" "${tag}_bulk_${m}_gbps" "${tag}_bulk_direct_gbps"
	ratio "${tag}_cpu_${p}_vs_haproxy" "${tag}_bulk_${m}_cpu" "${tag}_bulk_haproxy_cpu"
	ratio "${tag}_machine_cpu_${p}_vs_haproxy" "${tag}_bulk_${m}_machine_cpu" "${tag}_bulk_haproxy_machine_cpu"
	for s in 64 1024; do
		ratio "${tag}_rr${s}_${p}_vs_haproxy" "${tag}_rr${s}_${m}_p50" "${tag}_rr${s}_haproxy_p50"
	done
done
echo "bench: note = shared 2-core machine, figures are noisy; rerun with: make bench BENCHES=relay"
