#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# timeout: 400
# asan: no (the fuzzer is built with ASan and UBSan itself)
#
# Builds the SDP parser's libFuzzer harness (ASan + UBSan) and runs it for
# a bounded time (AGW_FUZZ_SECONDS, default 60) from the checked-in seed
# corpus. Fails on any crash, sanitizer report or broken round-trip
# property; the reproducer is kept in $BUILD/test-logs/.
set -euo pipefail
cd "$AGW_SRC"
. tests/integration/lib/fuzz.sh
fuzz_run fuzz_sdp tests/fuzz/corpus/sdp tests/fuzz/sdp.dict \
	"${AGW_FUZZ_SECONDS:-60}"
