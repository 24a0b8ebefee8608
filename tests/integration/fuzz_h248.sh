#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# timeout: 300
#
# Bounded libFuzzer run of the H.248 decoder harness (tests/fuzz/fuzz_h248.c,
# ASan + UBSan, decode -> encode -> decode round trip as the property):
# builds it with "make fuzz", seeds it with the checked-in corpus plus the
# megaco corpus messages, runs FUZZ_H248_SECONDS (default 60) and fails on
# any finding.
set -eu
: "${AGW_SRC:?}"
secs=${FUZZ_H248_SECONDS:-60}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

make -C "$AGW_SRC" --no-print-directory build-fuzz/fuzz_h248
fuzzer=$AGW_SRC/build-fuzz/fuzz_h248

mkdir "$tmp/corpus" "$tmp/seeds"
cp "$AGW_SRC"/tests/fuzz/corpus/h248/* "$tmp/seeds/"
corpus=$(ls /usr/lib/erlang/lib/megaco-*/examples/meas/time_test.msgs 2>/dev/null | sort -V | tail -n1 || true)
if [ -n "$corpus" ] && command -v escript >/dev/null; then
	escript "$AGW_SRC/tests/integration/h248_megaco.escript" extract "$corpus" "$tmp/seeds" >/dev/null
fi

cd "$tmp"
"$fuzzer" -max_total_time="$secs" -timeout=10 -rss_limit_mb=1024 \
	-max_len=8192 -print_final_stats=1 -artifact_prefix="$tmp/" \
	"$tmp/corpus" "$tmp/seeds" 2>&1 | tail -n 25
rc=${PIPESTATUS[0]}
if ls "$tmp"/crash-* "$tmp"/leak-* "$tmp"/timeout-* "$tmp"/oom-* >/dev/null 2>&1; then
	for f in "$tmp"/crash-* "$tmp"/leak-* "$tmp"/timeout-* "$tmp"/oom-*; do
		[ -f "$f" ] && { echo "finding: $f"; od -c "$f" | head -20; }
	done
	exit 1
fi
exit "$rc"
