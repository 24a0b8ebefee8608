#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# timeout: 400
# asan: no (the fuzzer is built with ASan and UBSan itself)
#
# Builds the SYN gate's libFuzzer harness (tests/fuzz/fuzz_gate.c) and runs
# it for a bounded time (AGW_FUZZ_SECONDS, default 60) from the checked-in
# seeds: random and mutated frames through the real XDP and TC programs
# (BPF_PROG_TEST_RUN, maps in a private pin directory), each verdict
# compared with the harness's reference model. Fails on any difference
# (above all a SYN admitted that the maps do not allow), crash or
# sanitizer report; the reproducer is kept in $BUILD/test-logs/.
set -euo pipefail
. "$AGW_SRC/tests/integration/lib/common.sh"
require_root
cd "$AGW_SRC"
seconds=${AGW_FUZZ_SECONDS:-60}

make --no-print-directory fuzz-gate
fuzzer=$AGW_SRC/build-fuzz/fuzz_gate
logs=$BUILD/test-logs
mkdir -p "$logs"
work=$(mktemp -d)
export AGW_FUZZ_PIN=/sys/fs/bpf/agw-fuzzgate-$$
T_CLEAN+=("rm -rf $work" "$AGWCTL --pin-dir $AGW_FUZZ_PIN gate unload; rm -rf $AGW_FUZZ_PIN")

for seed in tests/fuzz/corpus/gate/*; do
	"$fuzzer" -runs=1 "$seed" >"$work/seed.log" 2>&1 || {
		cat "$work/seed.log"
		fail "seed $seed fails"
	}
done

"$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
	-max_len=600 -print_final_stats=1 -artifact_prefix="$logs/fuzz_gate-" \
	"$work" tests/fuzz/corpus/gate >"$work/fuzz.log" 2>&1 || {
	grep -v '^#' "$work/fuzz.log" | tail -n 40
	fail "fuzz_gate found a failure (reproducer in $logs)"
}
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/fuzz.log")
echo "fuzz_gate: $runs executions in ${seconds}s, no verdict apart from the model"
[ "${runs:-0}" -gt 0 ]
