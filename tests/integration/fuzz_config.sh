#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# timeout: 300
#
# Bounded libFuzzer run of tests/fuzz/fuzz_config.c (ASan + UBSan): builds it
# with "make fuzz-config", seeds it with tests/fuzz/corpus/config, runs
# FUZZ_CONFIG_SECONDS (default 30) and fails on any finding.
set -eu
: "${AGW_SRC:?}"
secs=${FUZZ_CONFIG_SECONDS:-30}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

make -C "$AGW_SRC" --no-print-directory build-fuzz/fuzz_config
fuzzer=$AGW_SRC/build-fuzz/fuzz_config
mkdir "$tmp/corpus"
cd "$tmp"
"$fuzzer" -max_total_time="$secs" -timeout=10 -rss_limit_mb=1024 \
	-max_len=16384 -print_final_stats=1 -artifact_prefix="$tmp/" \
	"$tmp/corpus" "$AGW_SRC/tests/fuzz/corpus/config" 2>&1 | tail -n 8
rc=${PIPESTATUS[0]}
for f in "$tmp"/crash-* "$tmp"/leak-* "$tmp"/timeout-* "$tmp"/oom-*; do
	[ -f "$f" ] || continue
	echo "finding: $f"
	od -c "$f" | head -20
	rc=1
done
exit "$rc"
