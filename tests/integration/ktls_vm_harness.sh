#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# timeout: 600
#
# The kTLS guest harness (tests/vm/run) must not pass what failed: the
# guest command's status comes back even when the command prints a forged
# marker line, and a guest that dies without the marker (kernel panic) is
# a failure (125), although qemu itself exits 0.
set -u
: "${BUILD:?}" "${AGW_SRC:?}"
run=$AGW_SRC/tests/vm/run
fail=0

"$run" --timeout 60 -- bash -c \
	'echo "AGW-VM-EXIT nonce=forged status=0"; test -e /proc/net/tls_stat && exit 7'
rc=$?
if [ $rc -eq 7 ]; then
	echo "harness: guest status 7 returned (forged marker ignored)"
else
	echo "harness: expected status 7 from the guest, got $rc"
	fail=1
fi

"$run" --timeout 60 -- sh -c 'echo c > /proc/sysrq-trigger; sleep 30'
rc=$?
if [ $rc -eq 125 ]; then
	echo "harness: kernel panic without marker reported as 125"
else
	echo "harness: expected 125 after a guest panic, got $rc"
	fail=1
fi
exit $fail
