#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# timeout: 900
#
# kTLS inside Debian's own kernel under qemu TCG (tests/vm): boots the
# guest once and runs every tests/vm/*-tests script in it, among them the
# ktls_probe proof. Never skips: a machine without qemu or without the
# kernel package fails this test (scripts/install-deps installs the tools,
# tests/vm fetches linux-image-amd64 itself).
set -u
: "${BUILD:?}" "${AGW_SRC:?}"
probe=$BUILD/helpers/ktls_probe
[ -x "$probe" ] || { echo "missing $probe (make test-bins)"; exit 1; }

# On the host: the probe must either prove kTLS (host kernel has TLS) or
# say plainly that it is unavailable, with its own exit status.
"$probe" check -u >"$BUILD/test-logs/ktls_probe-host.log" 2>&1
rc=$?
if [ -e /proc/net/tls_stat ]; then
	[ $rc -eq 0 ] || { cat "$BUILD/test-logs/ktls_probe-host.log"; echo "host kTLS proof failed ($rc)"; exit 1; }
	echo "host: kTLS proof passed on the host kernel too"
else
	grep -q '^kTLS unavailable' "$BUILD/test-logs/ktls_probe-host.log" && [ $rc -eq 3 ] ||
		{ echo "host: expected 'kTLS unavailable' and exit 3, got $rc"; exit 1; }
	echo "host: no kTLS in $(uname -r): ktls_probe says so (exit 3)"
fi

console=$BUILD/test-logs/ktls_vm-console.log
"$AGW_SRC/tests/vm/run-suite" ${KTLS_VM_TESTS:-} 2>&1 | tee "$console"
rc=${PIPESTATUS[0]}
out=$(cat "$console")
# Belt and braces: the guest must have run the proof and every script.
if [ $rc -eq 0 ]; then
	grep -q '^vm-test: PASS ktls-probe-tests' <<<"$out" || [ -n "${KTLS_VM_TESTS:-}" ] ||
		{ echo "the kTLS proof did not run in the guest"; exit 1; }
	! grep -q '^vm-test: FAIL' <<<"$out" || exit 1
fi
echo "guest: $(grep -c '^vm-test: PASS' <<<"$out") passed, $(grep -c '^vm-test: FAIL' <<<"$out") failed (exit $rc)"
[ $rc -eq 0 ] || exit 1
