#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# timeout: 300
#
# Bounded libFuzzer run of tests/fuzz/fuzz_config.c (ASan + UBSan; the INI
# configuration parser and its --print-config round trip),
# FUZZ_CONFIG_SECONDS (default 30); fails on any finding.
set -u
: "${AGW_SRC:?}"
. "$AGW_SRC/tests/integration/lib/fuzz_run.sh"
fuzz_run config "${FUZZ_CONFIG_SECONDS:-30}" 16384
