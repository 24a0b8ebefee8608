#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# timeout: 300
#
# Bounded libFuzzer run of tests/fuzz/fuzz_tpkt.c (ASan + UBSan; split
# feeding equals whole feeding), FUZZ_TPKT_SECONDS (default 30); fails on
# any finding.
set -u
: "${AGW_SRC:?}"
. "$AGW_SRC/tests/integration/lib/fuzz_run.sh"
fuzz_run tpkt "${FUZZ_TPKT_SECONDS:-30}" 70000
