# SPDX-License-Identifier: GPL-2.0-only
# fuzz_run NAME SECONDS MAX_LEN: a bounded libFuzzer run of
# build-fuzz/fuzz_NAME (built with make), seeded with tests/fuzz/corpus/NAME,
# in a temporary directory; prints the final stats and every finding, and
# returns non-zero on a finding or a fuzzer failure.
fuzz_run() {
	local name=$1 secs=$2 max_len=$3 tmp rc f
	make -C "$AGW_SRC" --no-print-directory "build-fuzz/fuzz_$name" || return 1
	tmp=$(mktemp -d)
	mkdir "$tmp/corpus"
	(cd "$tmp" && "$AGW_SRC/build-fuzz/fuzz_$name" -max_total_time="$secs" \
		-timeout=10 -rss_limit_mb=1024 -max_len="$max_len" \
		-print_final_stats=1 -artifact_prefix="$tmp/" "$tmp/corpus" \
		"$AGW_SRC/tests/fuzz/corpus/$name" 2>&1 | tail -n 8
	 exit "${PIPESTATUS[0]}")
	rc=$?
	for f in "$tmp"/crash-* "$tmp"/leak-* "$tmp"/timeout-* "$tmp"/oom-*; do
		[ -f "$f" ] || continue
		echo "finding: $f"
		od -c "$f" | head -20
		rc=1
	done
	rm -rf "$tmp"
	return "$rc"
}
