#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# agw's TLS relay (lib/tls_relay.c) inside the kTLS qemu guest (tests/vm):
# kTLS + splice() vs user-space TLS vs HAProxy 2.6 terminating TLS, one
# fingerprint-verified e2ae flow each, MiB each way, same run, as ratios
# (bench/vm/agw-tls-relay does the measuring). Knobs: TLS_RELAY_MIB
# (default 16), TLS_RELAY_ROUNDS (3), TLS_RELAY_MODES ("ktls ktls13 user
# haproxy"), AGW_VM_CPU. Under TCG the crypto is emulated and dominates:
# read Documentation/tls.md before the ratios.
set -eu
: "${BUILD:?}" "${AGW_SRC:?}"
for h in tls_relay tls_core_peer; do
	[ -x "$BUILD/helpers/$h" ] || { echo "missing $BUILD/helpers/$h (make test-bins)" >&2; exit 1; }
done
mib=${TLS_RELAY_MIB:-16}
rounds=${TLS_RELAY_ROUNDS:-3}
modes=${TLS_RELAY_MODES:-ktls ktls13 user haproxy}
limit=$((120 + rounds * $(wc -w <<<"$modes") * (mib * 2 + 10) * 3))
log=$BUILD/bench-tls_relay.log
set +e
"$AGW_SRC/tests/vm/run" --haproxy --file "$BUILD/helpers/tls_relay" \
	--file "$BUILD/helpers/tls_core_peer" --file "$AGW_SRC/bench/vm" \
	--env MIB="$mib" --env ROUNDS="$rounds" --env MODES="$modes" \
	--timeout "$limit" --log "$log" -- bash "$AGW_SRC/bench/vm/agw-tls-relay" \
	>/dev/null
rc=$?
set -e
grep -E '^(round|event: relay)' "$log" || true
grep '^bench:' "$log" || true
if [ $rc -ne 0 ]; then
	echo "tls_relay: the guest run failed (exit $rc); console log: $log" >&2
	tail -n 30 "$log" >&2
	exit 1
fi
echo "tls_relay: guest kernel $(cat "${AGW_VM_DIR:-$BUILD/vm}/kernel.version"), qemu -cpu ${AGW_VM_CPU:-max}, ${mib} MiB each way x ${rounds} rounds"
