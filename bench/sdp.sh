#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# SDP parse and generate time per body over the valid seed bodies of the
# SDP fuzzer, against a plain line scan of the same bytes.
set -euo pipefail
cd "$AGW_SRC"
seeds=tests/fuzz/corpus/sdp
exec "$BUILD/benchbin/sdp" "$seeds/reserve_msrp_choose" \
	"$seeds/remote_msrp_tls" "$seeds/bfcp_v6_lf" "$seeds/multi_media" \
	"$seeds/h248_indented" "$seeds/all_lines"
