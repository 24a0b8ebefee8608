#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# agw's TLS relay (lib/tls_relay.c) inside the kTLS qemu guest (tests/vm):
# kTLS + splice() vs user-space TLS vs HAProxy 2.6 terminating TLS, one
# fingerprint-verified e2ae flow each, MiB each way, same run, as ratios
# (bench/vm/agw-tls-relay does the measuring), for each cipher. Knobs:
# TLS_RELAY_MIB (default 16), TLS_RELAY_ROUNDS (3), TLS_RELAY_MODES ("ktls
# ktls13 user haproxy"), TLS_RELAY_CIPHERS ("aes128gcm chacha20"; also
# aes256gcm), TLS_RELAY_PROFILE=1 (perf in the guest: where each relay's
# CPU goes, TLS_RELAY_PROFILE_TOP symbols each; slower, use 1 round),
# AGW_VM_CPU. Under TCG every instruction
# is emulated: read Documentation/tls.md before the ratios.
# On a host whose own kernel has kTLS (/proc/net/tls_stat), the same flows
# then run on the host too, as tls_relay_hw_* lines (TLS_RELAY_HW=auto;
# 0 never, 1 always), TLS_RELAY_HW_MIB (default 256) MiB each way: the
# hardware figures the kTLS target (>= 1.5x user space) is about.
set -eu
: "${BUILD:?}" "${AGW_SRC:?}"
for h in tls_relay tls_core_peer; do
	[ -x "$BUILD/helpers/$h" ] || { echo "missing $BUILD/helpers/$h (make test-bins)" >&2; exit 1; }
done
mib=${TLS_RELAY_MIB:-16}
rounds=${TLS_RELAY_ROUNDS:-3}
modes=${TLS_RELAY_MODES:-ktls ktls13 user haproxy}
ciphers=${TLS_RELAY_CIPHERS:-aes128gcm chacha20}
profile=${TLS_RELAY_PROFILE:-0}
runs=$((rounds * $(wc -w <<<"$modes") * $(wc -w <<<"$ciphers")))
limit=$((120 + runs * (mib * 2 + 10) * 3))
extra=()
if [ "$profile" = 1 ]; then
	perf=$(command -v perf) || { echo "TLS_RELAY_PROFILE=1 needs perf (linux-perf)" >&2; exit 1; }
	extra=(--file "$perf" --env TOP="${TLS_RELAY_PROFILE_TOP:-10}")
fi
log=$BUILD/bench-tls_relay.log
# The same calibration on the host first: how much slower the guest is at
# crypto, at copies and at plain kernel code (syscalls) tells how far the
# guest's ratios are from what this host's hardware would show.
calib=$(CORE_PEER=$BUILD/helpers/tls_core_peer bash "$AGW_SRC/bench/vm/calibrate" host $ciphers)
set +e
"$AGW_SRC/tests/vm/run" --haproxy --file "$BUILD/helpers/tls_relay" \
	--file "$BUILD/helpers/tls_core_peer" --file "$AGW_SRC/bench/vm" \
	"${extra[@]}" --env MIB="$mib" --env ROUNDS="$rounds" \
	--env MODES="$modes" --env CIPHERS="$ciphers" --env PROFILE="$profile" \
	--timeout "$limit" --log "$log" -- bash "$AGW_SRC/bench/vm/agw-tls-relay" \
	>/dev/null
rc=$?
set -e
grep -E '^(round|profile|event: relay)' "$log" || true
grep '^bench:' "$log" || true
echo "$calib"
# slowdown NAME HOST_NAME GUEST_NAME: guest time per unit / host time.
slowdown() {
	local h g
	h=$(sed -n "s/^bench: tls_relay_host_$2 = \([0-9.]*\).*/\1/p" <<<"$calib")
	g=$(sed -n "s/^bench: tls_relay_guest_$3 = \([0-9.]*\).*/\1/p" "$log")
	[ -n "$h" ] && [ -n "$g" ] || return 0
	awk -v n="$1" -v h="$h" -v g="$g" -v inv="$4" 'BEGIN {
		if (inv) { t = h; h = g; g = t }
		if (g > 0) printf "bench: tls_relay_tcg_%s_slowdown_ratio = %.1f (%s / %s)\n", n, h / g, h, g }'
}
for c in $ciphers; do slowdown "$c" "${c}_openssl" "${c}_openssl" ""; done
slowdown pipe_copy pipe_copy pipe_copy ""
slowdown tcp_copy tcp_copy tcp_copy ""
slowdown syscall syscall syscall 1
if [ $rc -ne 0 ]; then
	echo "tls_relay: the guest run failed (exit $rc); console log: $log" >&2
	tail -n 30 "$log" >&2
	exit 1
fi
hw=${TLS_RELAY_HW:-auto}
if [ "$hw" = auto ]; then
	hw=0
	[ -e /proc/net/tls_stat ] && hw=1
	[ $hw = 1 ] || echo "tls_relay: the host kernel has no kTLS (no /proc/net/tls_stat): no tls_relay_hw_* figures"
fi
if [ "$hw" = 1 ]; then
	hwlog=$BUILD/bench-tls_relay-hw.log
	BUILD=$BUILD NAME=tls_relay_hw CALIBRATE=0 MIB="${TLS_RELAY_HW_MIB:-256}" \
		ROUNDS="$rounds" MODES="$modes" CIPHERS="$ciphers" PROFILE="$profile" \
		bash "$AGW_SRC/bench/vm/agw-tls-relay" >"$hwlog" 2>&1 || {
		echo "tls_relay: the host run failed; log: $hwlog" >&2
		tail -n 30 "$hwlog" >&2
		exit 1
	}
	grep -E '^(round|profile|bench:)' "$hwlog" | sed 's/^round/hw round/'
fi
echo "tls_relay: guest kernel $(cat "${AGW_VM_DIR:-$BUILD/vm}/kernel.version"), qemu -cpu ${AGW_VM_CPU:-max}, ${mib} MiB each way x ${rounds} rounds, ciphers: ${ciphers}, host load: $(cut -d' ' -f1-3 /proc/loadavg)"
