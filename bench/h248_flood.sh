#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# agwd's MGC service under a UDP junk flood to its H.248 port. One
# namespace, everything on loopback: agwd (realm lo, gate in generic XDP,
# so the H.248 guard it sets from its MGC list runs on the flood),
# build/benchbin/agwd_calls as the MGC (127.0.0.1:2945, Reserve +
# Configure + Release cycles, CALLS in flight, acks sent) running through
# the whole benchmark and counting completed transactions per 100 ms, and
# build/benchbin/udp_flood sending 200-byte H.248 requests from a raw
# socket at PPS (default 200000) from a non-MGC address (127.0.0.9:4000).
#
# Phases of PHASE_SECS (default 4), interleaved in ROUNDS rounds (default
# 3): no flood; the flood with the XDP guard on (as agwd runs); the flood
# with the guard off (agwctl gate h248 off: agwd's user-space defence
# alone: per-MGC connected socket, bounded reads of the shared one). The
# call rate of a phase is its transactions / 3 over its time after a
# 0.5 s ramp; medians over the rounds. Then the MGC's own address and
# port are spoofed (the guard cannot tell): agwctl status is timed in a
# loop during it, and the recovery time is from the flood's end to the
# first 100 ms in which the MGC completes at least half the no-flood rate.
# Prints bench: lines with the ratios (with flood / without).
#
# agwd and the MGC run on AGWD_CPU (default 0), the flooder on FLOOD_CPU
# (default 1): on loopback the kernel's receive work for the flood runs on
# the sending CPU, so the phases compare what the flood costs agwd itself,
# with the same CPU for agwd in every phase.
set -u
: "${BUILD:?}" "${AGW_SRC:?}"
. "$AGW_SRC/bench/lib/stats.sh"
CALLS=${CALLS:-64}
PPS=${PPS:-200000}
ROUNDS=${ROUNDS:-3}
PHASE_SECS=${PHASE_SECS:-4}
AGWD_CPU=${AGWD_CPU:-0}
FLOOD_CPU=${FLOOD_CPU:-1}
bench_lab "agw-bh248fl-$$"
PIN=/sys/fs/bpf/agw-bh248fl-$$
trap 'bench_lab_cleanup; rm -rf $PIN; [ -n "${calls_pid:-}" ] && kill $calls_pid 2>/dev/null' EXIT
cat >"$tmp/agwd.conf" <<CONF
[agwd]
state_dir = $tmp/state
control_socket = $tmp/agwd.sock
gate_pin_dir = $PIN
[limits]
contexts = 4096
terminations = 4096
[timers]
heartbeat_ms = 0
[log]
level = warning
[realm default]
interface = lo
ports = 20000-29999
attach = xdp-generic
CONF
inns taskset -c "$AGWD_CPU" "$BUILD/agwd" -c "$tmp/agwd.conf" -f >"$tmp/agwd.log" 2>&1 &
rpid=$!
ctl() { inns "$BUILD/helpers/agw_ctl_request" "$tmp/agwd.sock" "$@"; }
for _ in $(seq 100); do ctl status >/dev/null 2>&1 && break; sleep 0.1; done
total=$((ROUNDS * 3 * (PHASE_SECS + 1) + 3 * PHASE_SECS + 10))
inns taskset -c "$AGWD_CPU" "$BUILD/benchbin/agwd_calls" "$rpid" "$CALLS" "$total" 0 calls-only \
	timeline >"$tmp/calls.out" 2>"$tmp/calls.err" &
calls_pid=$!
for _ in $(seq 100); do
	[ "$(ctl status | jq -r .registration)" = registered ] && break
	sleep 0.1
done
sleep 1
flood() { # NAME PPS SRC SPORT
	inns taskset -c "$FLOOD_CPU" "$BUILD/benchbin/udp_flood" "$3" "$4" 127.0.0.1 2944 "$2" \
		"$PHASE_SECS" >"$tmp/flood.out" || exit 1
	echo "$1 $(awk '{ printf "%s ", $2 }' "$tmp/flood.out")" >>"$tmp/phases"
}
guard() { inns "$BUILD/agwctl" --pin-dir "$PIN" gate h248 "$@" >/dev/null; }
: >"$tmp/phases"
for r in $(seq "$ROUNDS"); do
	order="base user xdp"
	[ $((r % 2)) = 0 ] && order="xdp base user"
	for p in $order; do
		case $p in
		base) flood base 0 127.0.0.9 4000 ;;
		xdp) guard ports 2944 mgc 127.0.0.1:2945
			flood xdp "$PPS" 127.0.0.9 4000 ;;
		user) guard off
			flood user "$PPS" 127.0.0.9 4000
			guard ports 2944 mgc 127.0.0.1:2945 ;;
		esac
		sleep 1
	done
done

# the MGC's own address and port, spoofed; agwctl timed meanwhile
( end=$(($(date +%s%N) + PHASE_SECS * 1000000000)); n=0 max=0 fail=0
  while [ "$(date +%s%N)" -lt "$end" ]; do
	t0=$(date +%s%N)
	ctl status >/dev/null 2>&1 || fail=$((fail + 1))
	t=$((($(date +%s%N) - t0) / 1000000))
	[ "$t" -gt "$max" ] && max=$t
	n=$((n + 1))
	sleep 0.05
  done
  echo "$n $max $fail" >"$tmp/ctl" ) &
ctl_loop=$!
flood spoof "$PPS" 127.0.0.1 2945
wait $ctl_loop
sleep $((PHASE_SECS + 1))
wait $calls_pid
calls_pid=
grep -q '^bench: agwd_transactions' "$tmp/calls.out" || { echo "agwd_calls failed"; cat "$tmp/calls.err"; exit 1; }

# phase rates from the timeline: transactions / 3 per second of the phase
awk -v out="$tmp/raw" '
	FNR == NR { ph[++np] = $1; s[np] = $2; e[np] = $3; sent[np] = $4; next }
	$1 == "tl" { bt[++nb] = $2; bn[nb] = $3 }
	END {
		for (i = 1; i <= np; i++) {
			if (ph[i] == "spoof") { spoof_end = e[i]; continue }
			n = 0; d = 0
			for (b = 1; b <= nb; b++)
				if (bt[b] >= s[i] + 0.5 && bt[b] + 0.1 <= e[i]) { n += bn[b]; d += 0.1 }
			if (d > 0)
				printf "bench: h248_flood_calls_%s = %.0f calls/s\n", ph[i], n / 3 / d >> out
			if (ph[i] != "base")
				printf "bench: h248_flood_junk_pps_%s = %.0f pps\n", ph[i], sent[i] / (e[i] - s[i]) >> out
		}
	}' "$tmp/phases" "$tmp/calls.out"
bench_medians "$tmp/raw" >"$tmp/med"
cat "$tmp/med"
base=$(bench_get "$tmp/med" h248_flood_calls_base)
awk -v a="$(bench_get "$tmp/med" h248_flood_calls_xdp)" -v b="$base" 'BEGIN {
	if (a > 0 && b > 0) printf "bench: h248_flood_calls_ratio = %.2f (with flood / without)\n", a / b }'
awk -v a="$(bench_get "$tmp/med" h248_flood_calls_user)" -v b="$base" 'BEGIN {
	if (a > 0 && b > 0) printf "bench: h248_flood_calls_user_ratio = %.2f (with flood, guard off / without)\n", a / b }'

# spoofed MGC: agwctl during it, recovery after it
read -r n max fail <"$tmp/ctl"
echo "bench: h248_spoof_ctl_requests = $n requests ($fail failed)"
echo "bench: h248_spoof_ctl_max_latency = $max ms"
awk -v base="$base" '
	FNR == NR { if ($1 == "spoof") { s = $2; e = $3; sent = $4 } next }
	$1 == "tl" { bt[++nb] = $2; bn[nb] = $3 }
	END {
		printf "bench: h248_spoof_pps = %.0f pps\n", sent / (e - s)
		n = 0; d = 0
		for (b = 1; b <= nb; b++)
			if (bt[b] >= s + 0.5 && bt[b] + 0.1 <= e) { n += bn[b]; d += 0.1 }
		if (d > 0)
			printf "bench: h248_spoof_calls = %.0f calls/s\n", n / 3 / d
		for (b = 1; b <= nb; b++) {
			if (bt[b] + 0.1 <= e)
				continue
			if (bn[b] / 3 / 0.1 >= base / 2) {
				r = bt[b] + 0.1 - e
				printf "bench: h248_spoof_recovery = %.0f ms\n", (r > 0 ? r : 0) * 1000
				exit
			}
		}
		print "bench: h248_spoof_recovery = none (no 100 ms at half the rate after the flood)"
	}' "$tmp/phases" "$tmp/calls.out"
grep -E '^bench: agwd_(timeouts|error_replies)' "$tmp/calls.out"
