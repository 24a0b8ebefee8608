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
# in $BUILD/test-logs/. Offline:
#   make fuzz-ctlsock && mkdir -p /tmp/c && build-fuzz/fuzz_ctlsock \
#     -dict=tests/fuzz/ctlsock.dict -max_total_time=600 /tmp/c tests/fuzz/corpus/ctlsock
set -euo pipefail
cd "$AGW_SRC"
. tests/integration/lib/fuzz.sh
fuzz_run fuzz_ctlsock tests/fuzz/corpus/ctlsock tests/fuzz/ctlsock.dict \
	"${AGW_FUZZ_SECONDS:-30}"
