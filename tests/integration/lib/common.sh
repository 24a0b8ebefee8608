# SPDX-License-Identifier: GPL-2.0-only
# Shared by integration tests: namespaces, cleanup, assertions.
# Every namespace a test makes is named agw-<test>-<role>-<pid> and is
# removed by the EXIT trap, whatever happens.

set -u
: "${BUILD:?BUILD must point at the build directory}"
: "${AGW_SRC:?AGW_SRC must point at the source tree}"
TCPC="python3 $AGW_SRC/tests/integration/lib/tcpc.py"
AGWCTL="$BUILD/agwctl"

T_NETNS=()
T_PIDS=()
T_CLEAN=()

# (|| true: also right in a test that runs with set -e)
t_cleanup() {
	local p ns c
	for p in "${T_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	for c in "${T_CLEAN[@]}"; do eval "$c" >/dev/null 2>&1 || true; done
	for ns in "${T_NETNS[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
	wait 2>/dev/null || true
}
trap t_cleanup EXIT
# tests/run's time limit sends TERM: clean up then too
trap 't_cleanup; trap - EXIT; exit 143' TERM INT

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

skip() {
	echo "SKIP: $*"
	exit 77
}

require_root() {
	[ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces, BPF)"
	mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf ||
		skip "cannot mount bpffs"
}

# netns_add NAME: creates the namespace with lo up, registered for cleanup.
netns_add() {
	ip netns add "$1" || fail "ip netns add $1"
	T_NETNS+=("$1")
	ip -n "$1" link set lo up
}

# in_ns NS CMD...: run in NS but keep the host's bpffs (ip netns exec
# would remount /sys and hide the pins).
in_ns() {
	local ns=$1
	shift
	nsenter --net=/run/netns/"$ns" "$@"
}

bg_in_ns() {
	local ns=$1
	shift
	nsenter --net=/run/netns/"$ns" "$@" &
	T_PIDS+=($!)
}

# wait_for SECONDS 'SHELL CODE': re-evaluates the code until it succeeds
# (single-quote it, so that substitutions run on every try).
wait_for() {
	local limit=$1 i
	shift
	for ((i = 0; i < limit * 10; i++)); do
		eval "$*" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}
