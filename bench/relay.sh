#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Relay benchmark: one loopback TCP flow relayed by each agw path
# (sockmap, splice, copy), by HAProxy 2.6 (TCP mode, splice-request and
# splice-response) and not relayed at all (direct), in one run. Each
# measurement is repeated REPS times, interleaved, and the median printed.
#   bulk: Gbit/s and CPU-seconds per GiB (client + server + relay
#         process, user + system; kernel worker threads not included),
#         and machine_cpu: the whole machine's busy CPU per GiB (includes
#         kernel workers, but also whatever else runs on the machine)
#   rr64 / rr1k: request/response round trip, 64 B and 1 KiB, p50 and p99
# Env: RELAY_BENCH_SECONDS (per bulk run, default 1), RELAY_BENCH_REPS (3).
set -u
BUILD=${BUILD:?}
bin=$BUILD/benchbin/relay_bench
[ -x "$bin" ] || { echo "missing $bin"; exit 1; }
command -v haproxy >/dev/null || { echo "haproxy not installed"; exit 1; }
secs=${RELAY_BENCH_SECONDS:-1}
reps=${RELAY_BENCH_REPS:-3}
default=copy # the engine default (Documentation/relay.md)

tmp=$(mktemp -d)
hpid=
cleanup() {
	[ -n "$hpid" ] && kill "$hpid" 2>/dev/null && wait "$hpid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

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
		bind 127.0.0.1:$hport
		server s1 127.0.0.1:$sport
	CFG
	haproxy -f "$tmp/haproxy.cfg" -db >"$tmp/haproxy.log" 2>&1 &
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

vias="direct sockmap splice copy port:$hport"
for ((r = 0; r < reps; r++)); do
	for via in $vias; do
		common=(--via "$via" --server-port "$sport" --extra-pid "$hpid")
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

# median of each metric
awk '$1 == "bench:" { v[$2] = v[$2] " " $4; u[$2] = $5 }
END { for (k in v) print k, v[k], "|", u[k] }' "$tmp/raw" | sort |
while read -r name rest; do
	vals=${rest%|*}
	unit=${rest##*| }
	med=$(printf '%s\n' $vals | sort -g | awk '{ a[NR] = $1 }
		END { print a[int((NR + 1) / 2)] }')
	echo "bench: $name = $med $unit"
done >"$tmp/med"
cat "$tmp/med"

get() { awk -v k="$1" '$2 == k { print $4 }' "$tmp/med"; }
ratio() { # name a b
	local a b
	a=$(get "$2") b=$(get "$3")
	[ -n "$a" ] && [ -n "$b" ] || return
	awk -v n="$1" -v a="$a" -v b="$b" -v ka="$2" -v kb="$3" \
		'BEGIN { printf "bench: %s_ratio = %.2f (%s / %s)\n", n, b ? a / b : 0, ka, kb }'
}
echo "bench: relay_default_path = $default"
for p in sockmap splice copy; do
	ratio "relay_bulk_${p}_vs_haproxy" "relay_bulk_${p}_gbps" relay_bulk_haproxy_gbps
	ratio "relay_bulk_${p}_vs_direct" "relay_bulk_${p}_gbps" relay_bulk_direct_gbps
	ratio "relay_cpu_${p}_vs_haproxy" "relay_bulk_${p}_cpu" relay_bulk_haproxy_cpu
	ratio "relay_machine_cpu_${p}_vs_haproxy" "relay_bulk_${p}_machine_cpu" relay_bulk_haproxy_machine_cpu
	for s in 64 1024; do
		ratio "relay_rr${s}_${p}_vs_haproxy" "relay_rr${s}_${p}_p50" "relay_rr${s}_haproxy_p50"
	done
done
echo "bench: note = shared 2-core machine, figures are noisy; rerun with: make bench BENCHES=relay"
