#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# timeout: 300
#
# agwd itself offloads e2ae TLS to kTLS: boots Debian's kernel (which has
# kTLS) under qemu TCG once (tests/vm/run) and runs tests/vm/agwd-e2ae-guest
# in it: agwd on lo, mini_mgc as the MGC, openssl s_client as the UE, seed
# 5.2.1.2.3. TLS 1.2 must relay in mode ktls-splice (agwctl terminations
# and flows, the log, /proc/net/tls_stat, the Subtract's statistics); TLS
# 1.3 stays in user space with its reason. Never skips (see ktls_vm.sh).
set -u
: "${BUILD:?}" "${AGW_SRC:?}"
for f in "$BUILD/agwd" "$BUILD/agwctl" "$BUILD/helpers/mini_mgc" \
	"$BUILD/helpers/tls_core_peer"; do
	[ -x "$f" ] || { echo "missing $f (make test-bins)"; exit 1; }
done
jq=$(command -v jq) || { echo "missing jq (deps/e2ae.list)"; exit 1; }
mkdir -p "$BUILD/test-logs"
console=$BUILD/test-logs/agwd_ktls_vm-console.log
"$AGW_SRC/tests/vm/run" --timeout 150 \
	--file "$BUILD/agwd" --file "$BUILD/agwctl" \
	--file "$BUILD/helpers/mini_mgc" --file "$BUILD/helpers/tls_core_peer" \
	--file "$jq" --file "$AGW_SRC/tests/mgc/agwd" \
	-- "$AGW_SRC/tests/vm/agwd-e2ae-guest" 2>&1 | tee "$console"
rc=${PIPESTATUS[0]}
out=$(cat "$console")
if [ $rc -eq 0 ]; then
	# The guest must have seen the kernel take over, not just a pass.
	grep -q '^ok: tls1.2: agwctl flows: path tls-ktls-splice' <<<"$out" &&
		grep -q '^agwd-e2ae-guest: all checks passed' <<<"$out" ||
		{ echo "the guest passed without proving ktls-splice"; exit 1; }
fi
echo "guest: $(grep -c '^ok:' <<<"$out") checks passed, $(grep -c '^FAIL' <<<"$out") failed (exit $rc)"
[ $rc -eq 0 ] || exit 1
