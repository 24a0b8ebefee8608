# SPDX-License-Identifier: GPL-2.0-only
# A bounded libFuzzer run for the fuzz_*.sh tests (after set -euo
# pipefail, in $AGW_SRC):
#   fuzz_run NAME CORPUS_DIR DICT SECONDS
# builds build-fuzz/NAME (make fuzz-X for NAME fuzz_X), runs every seed of
# CORPUS_DIR through the properties one by one (a broken seed names
# itself), then fuzzes for SECONDS from them (new inputs in a scratch
# directory, never the checked-in corpus). Fails on any crash, sanitizer
# report or broken property, keeping the reproducer in $BUILD/test-logs/;
# prints "NAME: N executions in Ss, no failure".
fuzz_run() {
	local name=$1 corpus=$2 dict=$3 seconds=$4 fuzzer logs work runs seed
	make --no-print-directory "fuzz-${name#fuzz_}"
	fuzzer=$AGW_SRC/build-fuzz/$name
	logs=$BUILD/test-logs
	mkdir -p "$logs"
	work=$(mktemp -d)
	# shellcheck disable=SC2064 # expand now: $work is local
	trap "rm -rf '$work'" EXIT
	for seed in "$corpus"/*; do
		"$fuzzer" -runs=1 "$seed" >"$work/seed.log" 2>&1 || {
			cat "$work/seed.log"
			echo "seed $seed fails"
			exit 1
		}
	done
	"$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
		-dict="$dict" -print_final_stats=1 \
		-artifact_prefix="$logs/$name-" "$work" "$corpus" \
		>"$work/fuzz.log" 2>&1 || {
		grep -v '^#' "$work/fuzz.log" | tail -n 40
		echo "$name found a failure (reproducer in $logs)"
		exit 1
	}
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/fuzz.log")
	echo "$name: $runs executions in ${seconds}s, no failure"
	[ "${runs:-0}" -gt 0 ]
}
