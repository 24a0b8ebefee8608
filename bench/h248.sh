#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# H.248 codec speed: agw (bench/h248_bench.c) against Erlang megaco's text
# codecs (bench/h248_megaco.escript) on the 149-message megaco corpus, in
# the same run, both measured in CPU time per message. The ratio line is
# megaco's flex-scanner pretty codec (decode + encode) over agw's pretty
# decode + encode. Heap allocations per message come from a malloc counter
# in the agw bench process (steady state, one arena reused).
set -eu
: "${BUILD:?}" "${AGW_SRC:?}"
corpus=$(ls /usr/lib/erlang/lib/megaco-*/examples/meas/time_test.msgs | sort -V | tail -n1)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

escript "$AGW_SRC/tests/integration/h248_megaco.escript" extract "$corpus" "$tmp" >/dev/null
"$BUILD/benchbin/h248_bench" "$tmp" "${H248_BENCH_ROUNDS:-3000}" | tee "$tmp/agw.out"
escript "$AGW_SRC/bench/h248_megaco.escript" "$corpus" "${H248_MEGACO_ROUNDS:-300}" | tee "$tmp/megaco.out"

val() { sed -n "s/^bench: $1 = \([0-9.]*\) .*/\1/p" "$2"; }
ad=$(val h248_agw_decode "$tmp/agw.out")
ae=$(val h248_agw_encode_pretty "$tmp/agw.out")
acd=$(val h248_agw_decode_compact "$tmp/agw.out")
ace=$(val h248_agw_encode_compact "$tmp/agw.out")
md=$(val h248_megaco_flex_pretty_decode "$tmp/megaco.out")
me=$(val h248_megaco_flex_pretty_encode "$tmp/megaco.out")
mnd=$(val h248_megaco_pretty_decode "$tmp/megaco.out")
mne=$(val h248_megaco_pretty_encode "$tmp/megaco.out")
mcd=$(val h248_megaco_flex_compact_decode "$tmp/megaco.out")
mce=$(val h248_megaco_flex_compact_encode "$tmp/megaco.out")
awk -v ad="$ad" -v ae="$ae" -v acd="$acd" -v ace="$ace" -v md="$md" -v me="$me" \
    -v mnd="$mnd" -v mne="$mne" -v mcd="$mcd" -v mce="$mce" 'BEGIN {
	printf "bench: h248_decode_ratio = %.1f (megaco flex pretty %d ns / agw %d ns)\n", md / ad, md, ad
	printf "bench: h248_encode_ratio = %.1f (megaco flex pretty %d ns / agw %d ns)\n", me / ae, me, ae
	printf "bench: h248_codec_ratio = %.1f (megaco flex pretty decode+encode %d ns / agw decode+encode %d ns)\n", (md + me) / (ad + ae), md + me, ad + ae
	printf "bench: h248_codec_noflex_ratio = %.1f (megaco pretty decode+encode %d ns / agw %d ns)\n", (mnd + mne) / (ad + ae), mnd + mne, ad + ae
	printf "bench: h248_compact_codec_ratio = %.1f (megaco flex compact decode+encode %d ns / agw compact %d ns)\n", (mcd + mce) / (acd + ace), mcd + mce, acd + ace
}'
