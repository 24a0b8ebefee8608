#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Concurrent sessions benchmark: N long-lived TCP session pairs (1,000,
# 4,000 and 9,000 by default: the most one relay process holds under the
# hard RLIMIT_NOFILE of 20,000 at two sockets a session), relayed by agw's
# engine on each path (sockmap, splice, copy; a bench relay process using
# the public API as agwd does), by HAProxy 2.6 (TCP mode, one thread) and
# not relayed (direct, the generator's own floor), in one run, in a network
# namespace of its own (loopback, 127.R.1.x -> relay -> 127.R.2.x).
# Traffic: every endpoint sends a 1 KiB message every T ms (default 2000)
# both ways, stamped with CLOCK_MONOTONIC; 1 % of the sessions send one
# 1 MiB burst in the measured window. The generator runs in 4 processes
# (bench/relay_sessions.c gen). Variants are interleaved, each repeated
# REPS times; medians printed. Per N and variant (relay_sessions_N_V_*):
#   cpu        CPU-s per second of the relay process + kworker/ksoftirqd
#              threads + the run time of the relay's BPF programs (the
#              sockmap verdict runs in the softirq of the sender; BPF
#              run-time statistics are on during the window): proc_cpu,
#              kthread_cpu, bpf_cpu apart; gen_cpu the generator;
#              softirq_cpu and machine_cpu the whole machine's, for context
#   mem        bytes per session: relay RSS (without its mmapped BPF maps)
#              + kernel socket buffers (sock_diag) + kernel socket objects
#              (slab sizes of the running kernel: tcp_sock, socket inode,
#              file, dentry, epoll item; psock for sockmap; pipes) + BPF map
#              memory (fdinfo memlock); mem_idle the same before traffic
#   p50, p99, p999   message latency (receiver's clock - sender's stamp), us
#   setup_rate  sessions set up per second (connect, relay hand-over and a
#              first message each way); add_us: CPU time in agw_relay_add()
# Ratios of agw's default path (sockmap) against HAProxy at each N:
#   relay_sessions_N_{cpu,mem,p99}_vs_haproxy_ratio, and per path.
# Fits of CPU and memory against N (least squares over the N measured),
# extrapolated to 100,000 sessions per host (11 relay processes).
# Env: RELAY_SESSIONS_QUICK=1 (N = 200 1000, short windows: development),
#   RELAY_SESSIONS_N, _REPS, _PERIOD_MS, _VARIANTS, _WARMUP, _MEASURE,
#   _HAPROXY_THREADS (default 1).
set -u
BUILD=${BUILD:?}
# shellcheck source=bench/lib/stats.sh
. "$(dirname "$0")/lib/stats.sh"
bin=$BUILD/benchbin/relay_sessions
[ -x "$bin" ] || { echo "missing $bin"; exit 1; }
command -v haproxy >/dev/null || { echo "haproxy not installed"; exit 1; }
if [ "${RELAY_SESSIONS_QUICK:-0}" = 1 ]; then
	sizes=${RELAY_SESSIONS_N:-200 1000}
	warm=${RELAY_SESSIONS_WARMUP:-0.5}
	meas=${RELAY_SESSIONS_MEASURE:-2}
else
	sizes=${RELAY_SESSIONS_N:-1000 4000 9000}
	warm=${RELAY_SESSIONS_WARMUP:-1.5}
	meas=${RELAY_SESSIONS_MEASURE:-6}
fi
reps=${RELAY_SESSIONS_REPS:-3}
period=${RELAY_SESSIONS_PERIOD_MS:-2000}
variants=${RELAY_SESSIONS_VARIANTS:-direct sockmap splice copy haproxy}
hthreads=${RELAY_SESSIONS_HAPROXY_THREADS:-1}
groups=4
lport=7000 # relay / HAProxy listeners, in the namespace
sport=7001 # the generator's servers
default=sockmap # the engine's default path (Documentation/relay.md)
nofile=$(ulimit -Hn)

bench_lab "agw-rs-$$-n"

# Wait until GROUPS sockets listen on PORT in the namespace.
wait_listen() {
	local _
	for _ in $(seq 100); do
		[ "$(inns ss -Hltn "sport = :$1" | wc -l)" -ge "$groups" ] &&
			return 0
		kill -0 "$rpid" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}

start_haproxy() { # N NET
	local g
	{
		printf 'global\n\tmaxconn %d\n\tnbthread %d\n' $(($1 + 64)) "$hthreads"
		printf 'defaults\n\tmode tcp\n\tmaxconn %d\n' $(($1 + 64))
		printf '\ttimeout connect 5s\n\ttimeout client 300s\n\ttimeout server 300s\n'
		for ((g = 0; g < groups; g++)); do
			printf 'listen g%d\n\tbind 127.%d.1.%d:%d\n\tserver s 127.%d.2.%d:%d\n' \
				"$g" "$2" $((g + 1)) "$lport" "$2" $((g + 1)) "$sport"
		done
	} >"$tmp/haproxy.cfg"
	# nsenter execs: $! is HAProxy itself
	nsenter --net="/run/netns/$ns" haproxy -f "$tmp/haproxy.cfg" -db \
		>"$tmp/relay.log" 2>&1 &
	rpid=$!
	wait_listen "$lport"
}

start_relay() { # PATH N NET
	: >"$tmp/relay.out"
	nsenter --net="/run/netns/$ns" "$bin" relay --path "$1" \
		--groups "$groups" --max-flows $(($2 + 64)) \
		--listen "127.$3.1.1:$lport" --upstream "127.$3.2.1:$sport" \
		>"$tmp/relay.out" 2>"$tmp/relay.log" &
	rpid=$!
	wait_listen "$lport"
}

stop_relay() {
	kill "$rpid" 2>/dev/null
	wait "$rpid" 2>/dev/null
	rpid=
}

run=0
one() { # VARIANT N
	local v=$1 n=$2 net target args
	run=$((run + 1))
	net=$((20 + run % 200)) # fresh addresses: no TIME_WAIT of a past run
	target=127.$net.1.1:$lport
	args=(--sessions "$n" --groups "$groups" --serve "127.$net.2.1:$sport"
		--period-ms "$period" --warmup "$warm" --measure "$meas"
		--tag "relay_sessions_${n}_$v")
	case $v in
	direct)
		target=127.$net.2.1:$sport
		;;
	haproxy)
		start_haproxy "$n" "$net" || { cat "$tmp/relay.log" >&2; return 1; }
		;;
	splice)
		# a socket pair and two pipes (four fds) per session
		if [ $((6 * n + 64)) -gt "$nofile" ]; then
			echo "bench: relay_sessions_${n}_splice_skipped = $((6 * n)) fds"
			return 0
		fi
		start_relay splice "$n" "$net" || { cat "$tmp/relay.log" >&2; return 1; }
		;;
	*)
		start_relay "$v" "$n" "$net" || { cat "$tmp/relay.log" >&2; return 1; }
		;;
	esac
	[ -n "$rpid" ] && args+=(--relay-pid "$rpid" --relay-port "$lport"
		--upstream-port "$sport")
	[ "$v" = sockmap ] && args+=(--psock 1)
	echo "bench: relay_sessions_${n}_${v}_load = $(cut -d' ' -f1 /proc/loadavg) load"
	inns "$bin" gen --connect "$target" "${args[@]}" || {
		echo "relay_sessions gen ($v, $n) failed" >&2
		[ -n "$rpid" ] && cat "$tmp/relay.log" >&2
		return 1
	}
	if [ -n "$rpid" ]; then
		stop_relay
		# CPU time in agw_relay_add() per flow, from the relay's report
		sed -n 's/.* add_us=\([0-9.]*\).*/\1/p' "$tmp/relay.log" |
			while read -r us; do
				echo "bench: relay_sessions_${n}_${v}_add_us = $us us"
			done
		# the paths the flows ran on
		grep -o ' [a-z]*/[a-z-]*=[0-9]*' "$tmp/relay.log" | sed 's/^ //' |
			while IFS='=' read -r pw cnt; do
				[ "$pw" = "$v/requested" ] || [ "$pw" = "$v/default" ] ||
					echo "bench: relay_sessions_${n}_${v}_fallback_${pw//[\/-]/_} = $cnt flows"
			done
	fi
}

echo "bench: relay_sessions_load_before = $(cut -d' ' -f1 /proc/loadavg) load"
echo "bench: relay_sessions_period = $period ms"
for ((r = 0; r < reps; r++)); do
	for n in $sizes; do
		for v in $variants; do
			one "$v" "$n" || exit 1
		done
	done
done >"$tmp/raw"
echo "bench: relay_sessions_load_after = $(cut -d' ' -f1 /proc/loadavg) load"

bench_medians "$tmp/raw" >"$tmp/med"
cat "$tmp/med"
get() { bench_get "$tmp/med" "$1"; }
ratio() { bench_ratio "$tmp/med" "$@"; }
echo "bench: relay_sessions_default_path = $default"
for n in $sizes; do
	for m in cpu mem p99; do
		ratio "relay_sessions_${n}_${m}_vs_haproxy" \
			"relay_sessions_${n}_${default}_$m" "relay_sessions_${n}_haproxy_$m"
		for v in $variants; do
			case $v in direct | haproxy | "$default") continue ;; esac
			ratio "relay_sessions_${n}_${v}_${m}_vs_haproxy" \
				"relay_sessions_${n}_${v}_$m" "relay_sessions_${n}_haproxy_$m"
		done
	done
done

# CPU (CPU-s/s) and memory (bytes, total = per session * N) against N:
# least squares a + b N over the sizes measured (through the origin when
# the intercept comes out below 0: no fixed cost is negative); at 100,000
# sessions a host needs ceil(100000 / 9000) relay processes, each with its
# own a. A cost that does not grow with N is not extrapolated.
procs=$(((100000 + 8999) / 9000))
for v in $variants; do
	[ "$v" = direct ] && continue
	for m in cpu mem; do
		pts=
		for n in $sizes; do
			y=$(get "relay_sessions_${n}_${v}_$m")
			[ -n "$y" ] && pts="$pts $n $y"
		done
		# shellcheck disable=SC2086
		set -- $pts
		[ $# -ge 4 ] || continue
		echo "$pts" | awk -v v="$v" -v m="$m" -v procs="$procs" '{
			for (i = 1; i < NF; i += 2) {
				x = $i; y = (m == "mem") ? $(i + 1) * $i : $(i + 1)
				n++; sx += x; sy += y; sxx += x * x; sxy += x * y
			}
			b = (n * sxy - sx * sy) / (n * sxx - sx * sx); a = (sy - b * sx) / n
			if (a < 0) { a = 0; b = sxy / sxx }
			if (b <= 0) {
				printf "bench: note = relay_sessions %s %s does not grow with N: not extrapolated\n", v, m
				exit
			}
			if (m == "cpu") {
				printf "bench: relay_sessions_fit_%s_cpu_fixed = %.4f CPU-s/s\n", v, a
				printf "bench: relay_sessions_fit_%s_cpu_per_1k = %.4f CPU-s/s\n", v, b * 1000
				printf "bench: relay_sessions_100k_%s_cpu = %.2f CPU-s/s\n", v, procs * a + b * 100000
			} else {
				printf "bench: relay_sessions_fit_%s_mem_fixed = %.1f MiB\n", v, a / 1048576
				printf "bench: relay_sessions_fit_%s_mem_per_session = %.0f B\n", v, b
				printf "bench: relay_sessions_100k_%s_mem = %.0f MiB\n", v, (procs * a + b * 100000) / 1048576
			}
		}'
	done
done
echo "bench: relay_sessions_100k_processes = $procs processes"
echo "bench: note = shared 2-core machine; rerun with: make bench BENCHES=relay_sessions (RELAY_SESSIONS_QUICK=1: short)"
