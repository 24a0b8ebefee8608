#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# timeout: 400
# asan: no (the fuzzer is built with ASan and UBSan itself)
#
# Builds the command layer's libFuzzer harness (tests/fuzz/fuzz_cmd.c:
# H.248 messages through agwd's transaction layer into a real agwd core,
# gate maps in a private pin directory, sockets in a private network
# namespace) and runs it for a bounded time (AGW_FUZZ_SECONDS, default 30)
# from the checked-in transactions. Fails on any crash, sanitizer report,
# undecodable message from agwd, or resource left after the cleanup
# Subtract (termination, context, port, gate entry, relay flow, file
# descriptor); the reproducer is kept in $BUILD/test-logs/. Offline:
# Documentation/robustness.md.
set -euo pipefail
. "$AGW_SRC/tests/integration/lib/common.sh"
require_root
cd "$AGW_SRC"
seconds=${AGW_FUZZ_SECONDS:-30}

make --no-print-directory fuzz-cmd
fuzzer=$AGW_SRC/build-fuzz/fuzz_cmd
logs=$BUILD/test-logs
mkdir -p "$logs"
work=$(mktemp -d)
export AGW_FUZZ_PIN=/sys/fs/bpf/agw-fuzzcmd-$$
T_CLEAN+=("rm -rf $work $AGW_FUZZ_PIN")

for seed in tests/fuzz/corpus/cmd/*; do
	"$fuzzer" -runs=1 "$seed" >"$work/seed.log" 2>&1 || {
		grep -v '^#' "$work/seed.log" | tail -n 40
		fail "seed $seed fails"
	}
done

"$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
	-max_len=4096 -dict=tests/fuzz/cmd.dict -print_final_stats=1 \
	-artifact_prefix="$logs/fuzz_cmd-" "$work" tests/fuzz/corpus/cmd \
	>"$work/fuzz.log" 2>&1 || {
	grep -v '^#' "$work/fuzz.log" | tail -n 40
	fail "fuzz_cmd found a failure (reproducer in $logs)"
}
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/fuzz.log")
echo "fuzz_cmd: $runs executions in ${seconds}s, every input's resources returned"
[ "${runs:-0}" -gt 0 ]
