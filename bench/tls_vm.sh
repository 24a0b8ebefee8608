#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# TLS relay throughput and relay CPU per GiB inside the kTLS qemu guest
# (tests/vm): kTLS + splice() vs user-space TLS vs HAProxy 2.6 terminating
# TLS, same traffic, same run (bench/vm/tls-relay does the measuring).
# Knobs: TLS_VM_MIB (MiB per run, default 32), TLS_VM_ROUNDS (default 3),
# TLS_VM_MODES (default "ktls ktls13 user haproxy"), AGW_VM_CPU (qemu -cpu,
# default max). Another relay joins with a mode name, RELAY_CMD_<name> (see
# bench/vm/tls-relay) and the files it needs in TLS_VM_FILES. Under TCG every AES/GHASH instruction is emulated, so the
# crypto, not the copies kTLS saves, dominates the figures: see
# Documentation/ktls-testing.md before reading the ratios.
set -eu
: "${BUILD:?}" "${AGW_SRC:?}"
probe=$BUILD/helpers/ktls_probe
[ -x "$probe" ] || { echo "missing $probe (make test-bins)" >&2; exit 1; }
mib=${TLS_VM_MIB:-32}
rounds=${TLS_VM_ROUNDS:-3}
modes=${TLS_VM_MODES:-ktls ktls13 user haproxy}
n_modes=$(wc -w <<<"$modes")
# Generous: TCG moves a few MiB/s when the host is busy.
limit=$((60 + rounds * n_modes * (mib + 10) * 2))

log=$BUILD/bench-tls_vm.log
mkdir -p "$BUILD"
extra=()
for f in ${TLS_VM_FILES:-}; do extra+=(--file "$f"); done
for v in $(compgen -e | grep '^RELAY_CMD_' || true); do
	extra+=(--env "$v=${!v}")
done
set +e
"$AGW_SRC/tests/vm/run" --haproxy --file "$probe" --file "$AGW_SRC/bench/vm" \
	"${extra[@]}" \
	--env MIB="$mib" --env ROUNDS="$rounds" --env MODES="$modes" \
	--timeout "$limit" --log "$log" -- bash "$AGW_SRC/bench/vm/tls-relay" \
	>/dev/null
rc=$?
set -e
grep -v '^bench:' "$log" | grep -E '^(round|relay:)' || true
grep '^bench:' "$log" || true
if [ $rc -ne 0 ]; then
	echo "tls_vm: the guest run failed (exit $rc); console log: $log" >&2
	tail -n 30 "$log" >&2
	exit 1
fi
echo "tls_vm: guest kernel $(cat "${AGW_VM_DIR:-$BUILD/vm}/kernel.version"), qemu -cpu ${AGW_VM_CPU:-max}, ${mib} MiB x ${rounds} rounds"
