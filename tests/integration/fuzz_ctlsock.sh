#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# timeout: 200
# asan: no (the fuzzer is built with ASan and UBSan itself)
#
# Builds the control socket request parser's libFuzzer harness
# (tests/fuzz/fuzz_ctlsock.c, ASan + UBSan) and runs it for a bounded time
# (AGW_FUZZ_SECONDS, default 30) from the checked-in seed corpus. Fails on
# any crash, sanitizer report or broken property (one valid JSON line per
# request, arguments round-trip, levels enforced); the reproducer is kept
# in $BUILD/test-logs/. Offline: make fuzz-ctlsock && build-fuzz/fuzz_ctlsock
#   -dict=tests/fuzz/ctlsock.dict -max_total_time=600 DIR tests/fuzz/corpus/ctlsock
set -euo pipefail
cd "$AGW_SRC"
seconds=${AGW_FUZZ_SECONDS:-30}

make --no-print-directory fuzz-ctlsock
fuzzer=$AGW_SRC/build-fuzz/fuzz_ctlsock
logs=$BUILD/test-logs
mkdir -p "$logs"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Every seed must go through the properties first, one by one, so a broken
# seed names itself.
for seed in tests/fuzz/corpus/ctlsock/*; do
	"$fuzzer" -runs=1 "$seed" >"$work/seed.log" 2>&1 || {
		cat "$work/seed.log"
		echo "seed $seed fails"
		exit 1
	}
done

# New inputs go to the scratch directory, never into the checked-in corpus.
"$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
	-dict=tests/fuzz/ctlsock.dict -print_final_stats=1 \
	-artifact_prefix="$logs/fuzz_ctlsock-" "$work" tests/fuzz/corpus/ctlsock \
	>"$work/fuzz.log" 2>&1 || {
	grep -v '^#' "$work/fuzz.log" | tail -n 40
	echo "fuzz_ctlsock found a failure (reproducer in $logs)"
	exit 1
}
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/fuzz.log")
echo "fuzz_ctlsock: $runs executions in ${seconds}s, no failure"
[ "${runs:-0}" -gt 0 ]
