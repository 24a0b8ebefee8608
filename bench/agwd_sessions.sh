#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# agwd at scale, end to end: an MGC (build/benchbin/agwd_sessions, UDP on
# loopback) sets up N sessions in agwd, each a context of two
# terminations (Reserve: two Adds; Configure: two Modifies with a Remote,
# gm/saf=ON, the XDP gate attached in generic mode on lo); the load
# generator of bench/relay_sessions (4 processes, relay_sessions gen
# --targets) connects both ends of every session to the ports agwd
# announced, so each session is two TCP connections relayed by agwd on
# its default path; then traffic (a 1 KiB message every T ms each way,
# 1 % of the sessions one 1 MiB burst), then, with every flow still open,
# agwctl status / terminations / flows (timed, and checked: N flows, 2N
# terminations), then Release (two Subtracts a session, whose Statistics
# must count octets both ways for every termination).
# Per N (agwd_sessions_N_*):
#   reserve_configure_s, _rate   the MGC's Reserve + Configure of all N
#   setup_rate                   sessions connected and relayed per second
#                                (both connections and a first message each
#                                way, after the Configure)
#   setup_s                      the two together: Reserve to relayed
#   release_s, release_rate      Release of all N (flows open)
#   rss_per_session              agwd's RSS growth per session, relaying
#                                (rss_per_session_reserved: before the
#                                peers connect)
#   cpu, proc_cpu, kthread_cpu, bpf_cpu   CPU-s/s of agwd + kworker/
#                                ksoftirqd + its BPF programs during traffic
#   p50, p99, p999               message latency through agwd, us
#   agwctl_{status,terminations,flows}_ms   how long agwctl took at N
# N: 1,000 and the most agwd holds under the hard RLIMIT_NOFILE: agwd
# budgets one fd per termination plus 128 for itself
# (Documentation/robustness.md), so (hard limit - 128) / 2 sessions
# (9,936 under 20,000), with contexts and terminations configured to
# exactly that; a session holds two sockets in agwd.
# Env: AGWD_SESSIONS_N (sizes), AGWD_SESSIONS_QUICK=1 (N = 200 1000,
# short windows), AGWD_SESSIONS_PERIOD_MS (2000), AGWD_SESSIONS_WINDOW
# (64 sessions in flight at the MGC).
# Exit status 1 when a functional check fails (agwctl, statistics, error
# replies); figures are never checked.
set -u
: "${BUILD:?}" "${AGW_SRC:?}"
. "$AGW_SRC/tests/integration/lib/common.sh"
require_root
mgc=$BUILD/benchbin/agwd_sessions
gen=$BUILD/benchbin/relay_sessions
if [ ! -x "$mgc" ] || [ ! -x "$gen" ]; then
	echo "missing $mgc or $gen"
	exit 1
fi
command -v jq >/dev/null || { echo "jq missing (deps/mgc.list)"; exit 1; }
AGWCTL=$BUILD/agwctl
hard=$(ulimit -Hn)
ulimit -n "$hard" 2>/dev/null || true
maxn=$(((hard - 128) / 2))
if [ "${AGWD_SESSIONS_QUICK:-0}" = 1 ]; then
	sizes=${AGWD_SESSIONS_N:-200 1000}
	warm=0.5 meas=2
else
	sizes=${AGWD_SESSIONS_N:-1000 $maxn}
	warm=1.5 meas=6
fi
period=${AGWD_SESSIONS_PERIOD_MS:-2000}
window=${AGWD_SESSIONS_WINDOW:-64}
groups=4
TMP=$(mktemp -d /tmp/agw-bsess-XXXXXX)
T_CLEAN+=("rm -rf $TMP")
rc=0

# Wait up to S seconds for a line WORD in FILE; 1 when PID ends first.
wait_line() { # FILE WORD S PID
	local i
	for ((i = 0; i < $3 * 20; i++)); do
		grep -qx "$2" "$1" 2>/dev/null && return 0
		kill -0 "$4" 2>/dev/null || { grep -qx "$2" "$1"; return; }
		sleep 0.05
	done
	return 1
}

# Milliseconds one agwctl command takes; its output in $TMP/ctl.out.
ctl_ms() {
	local t0 t1
	t0=$(date +%s%N)
	"$AGWCTL" --socket "$TMP/agwd.sock" "$@" >"$TMP/ctl.out" 2>&1 || return 1
	t1=$(date +%s%N)
	echo $(((t1 - t0) / 1000000))
}

check() { # WHAT: a functional check failed
	echo "agwd_sessions: $*" >&2
	rc=1
}

one() { # N
	local n=$1 t=agwd_sessions_$1 ns=agw-bsess-$$-$1 pin agwd d g ms v
	pin=/sys/fs/bpf/agw-bsess-$$-$n
	T_CLEAN+=("rm -rf $pin")
	netns_add "$ns"
	rm -rf "$TMP/state" "$TMP"/*.out "$TMP"/*.in "$TMP/targets"
	cat >"$TMP/agwd.conf" <<CONF
[agwd]
state_dir = $TMP/state
control_socket = $TMP/agwd.sock
gate_pin_dir = $pin
[limits]
contexts = $maxn
terminations = $((2 * maxn))
[timers]
heartbeat_ms = 0
[log]
level = warning
[realm default]
interface = lo
ports = 10000-32000
attach = xdp-generic
CONF
	nsenter --net=/run/netns/"$ns" "$BUILD/agwd" -c "$TMP/agwd.conf" -f \
		>"$TMP/agwd.log" 2>&1 &
	agwd=$!
	T_PIDS+=("$agwd")
	# the MGC: sets up, waits for a line, releases
	mkfifo "$TMP/mgc.in" "$TMP/gen.in"
	exec {d}<>"$TMP/mgc.in"
	nsenter --net=/run/netns/"$ns" "$mgc" "$agwd" "$n" "$window" \
		"$TMP/targets" "$t" <"$TMP/mgc.in" >"$TMP/mgc.out" 2>"$TMP/mgc.err" &
	local mpid=$!
	T_PIDS+=("$mpid")
	echo "bench: ${t}_load = $(cut -d' ' -f1 /proc/loadavg) load"
	if ! wait_line "$TMP/mgc.out" "ready" 400 $mpid; then
		cat "$TMP/mgc.err" >&2
		tail -5 "$TMP/agwd.log" >&2
		check "$n: set-up by the MGC failed"
		kill $mpid $agwd 2>/dev/null
		wait $mpid $agwd 2>/dev/null
		exec {d}>&-
		ip netns del "$ns"
		return 1
	fi
	# the load generator: both ends of every session connect to agwd
	exec {g}<>"$TMP/gen.in"
	nsenter --net=/run/netns/"$ns" "$gen" gen --sessions "$n" \
		--groups $groups --connect 127.0.0.1:1 \
		--serve 127.0.3.1:7001 --targets "$TMP/targets" --hold 1 \
		--period-ms "$period" --warmup "$warm" --measure "$meas" \
		--relay-pid "$agwd" --tag "$t" <"$TMP/gen.in" \
		>"$TMP/gen.out" 2>"$TMP/gen.err" &
	local gpid=$!
	T_PIDS+=("$gpid")
	if wait_line "$TMP/gen.out" "held" 600 $gpid; then
		# at N, every flow open: agwctl works and sees them all
		ms=$(ctl_ms status) || check "$n: agwctl status failed"
		echo "bench: ${t}_agwctl_status_ms = ${ms:-0} ms"
		ms=$(ctl_ms -j terminations) || check "$n: agwctl terminations failed"
		echo "bench: ${t}_agwctl_terminations_ms = ${ms:-0} ms"
		v=$(jq '.terminations | length' "$TMP/ctl.out" 2>/dev/null)
		[ "$v" = $((2 * n)) ] || check "$n: agwctl terminations lists ${v:-nothing}, not $((2 * n))"
		ms=$(ctl_ms -j flows) || check "$n: agwctl flows failed"
		echo "bench: ${t}_agwctl_flows_ms = ${ms:-0} ms"
		v=$(jq '.count' "$TMP/ctl.out" 2>/dev/null)
		[ "$v" = "$n" ] || check "$n: agwctl flows counts ${v:-nothing}, not $n"
		v=$(jq -r '[.flows[].path] | unique | join(",")' "$TMP/ctl.out" 2>/dev/null)
		echo "bench: ${t}_path = ${v:-none}"
		echo "bench: ${t}_fds = $(find /proc/"$agwd"/fd -mindepth 1 | wc -l) fds"
	else
		check "$n: the load generator failed: $(tail -3 "$TMP/gen.err")"
	fi
	echo release >&"$d"
	wait_line "$TMP/mgc.out" "done" 400 $mpid || check "$n: release failed: $(tail -3 "$TMP/mgc.err")"
	wait $mpid || check "$n: the MGC's checks failed (exit $?): $(tail -3 "$TMP/mgc.err")"
	echo stop >&"$g"
	wait $gpid
	exec {d}>&- {g}>&-
	# agwd's figures and the generator's; its memory lines count the
	# sockets of one relay port, which agwd has not: left out
	grep '^bench:' "$TMP/mgc.out"
	grep '^bench:' "$TMP/gen.out" | grep -v -e '_mem' -e '_relay_sockets'
	awk -v t="$t" -v n="$n" '
		$2 == t "_reserve_configure_s" { a = $4 }
		$2 == t "_setup_rate" { r = $4 }
		END { if (a > 0 && r > 0) {
			printf "bench: %s_setup_s = %.3f s\n", t, a + n / r
			printf "bench: %s_setup_total_rate = %.0f sessions/s\n", t, n / (a + n / r) } }' \
		"$TMP/mgc.out" "$TMP/gen.out"
	kill "$agwd"
	sleep 0.2
	kill "$agwd" 2>/dev/null
	wait "$agwd"
	grep -i -e error -e 'out of' "$TMP/agwd.log" | head -3 >&2
	ip netns del "$ns"
}

echo "bench: agwd_sessions_max_n = $maxn sessions (hard RLIMIT_NOFILE $hard)"
echo "bench: agwd_sessions_period = $period ms"
for n in $sizes; do
	one "$n"
done
echo "bench: agwd_sessions_load_after = $(cut -d' ' -f1 /proc/loadavg) load"
exit $rc
