#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# timeout: 300
#
# The megaco corpus (erlang-examples' time_test.msgs, 149 messages, H.248
# versions 1-3), read at test time from the installed path:
#  1. agw decodes every message, encodes it pretty and compact, and decodes
#     both encodings back into a tree equal to the first (h248_roundtrip);
#  2. Erlang megaco decodes agw's pretty encoding (pretty decoder, with and
#     without the flex scanner) and compact encoding (compact decoder) into
#     exactly the record it reads from the original message;
#  3. megaco accepts agw's encodings of the checked-in seed messages.
set -eu
: "${BUILD:?}" "${AGW_SRC:?}"

need=()
command -v escript >/dev/null || need+=(erlang-base)
ls /usr/lib/erlang/lib/megaco-*/ebin/megaco.beam >/dev/null 2>&1 || need+=(erlang-megaco)
ls /usr/lib/erlang/lib/megaco-*/examples/meas/time_test.msgs >/dev/null 2>&1 || need+=(erlang-examples)
if [ ${#need[@]} -gt 0 ]; then
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
		"${need[@]}" >/dev/null
fi
corpus=$(ls /usr/lib/erlang/lib/megaco-*/examples/meas/time_test.msgs | sort -V | tail -n1)

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/in" "$tmp/out"

escript "$AGW_SRC/tests/integration/h248_megaco.escript" extract "$corpus" "$tmp/in"
n=$(ls "$tmp/in" | wc -l)
[ "$n" -eq 149 ] || { echo "expected 149 corpus messages, got $n"; exit 1; }

"$BUILD/helpers/h248_roundtrip" "$tmp/in" "$tmp/out"
escript "$AGW_SRC/tests/integration/h248_megaco.escript" verify "$corpus" "$tmp/out"

# agw's encodings of the hand-written seed messages (every command, reply
# and descriptor, all mId forms) are accepted by megaco too. (Two spellings
# megaco cannot read are left out of the seeds: "Iteration", which its
# scanner only knows as "IterationToken", and "ServiceStates # value" in an
# audit, which its v3 grammar never matches.)
mkdir "$tmp/seeds"
cp "$AGW_SRC"/tests/fuzz/corpus/h248/*.txt "$tmp/seeds/"
"$BUILD/helpers/h248_roundtrip" "$tmp/seeds" "$tmp/seeds"
escript "$AGW_SRC/tests/integration/h248_megaco.escript" accept "$tmp/seeds"

# h248c on the corpus: --check accepts all, and a corrupted copy is
# reported as FILE:OFFSET: error CODE: TEXT with exit status 1.
"$BUILD/h248c" --check "$tmp"/in/*.txt
printf 'MEGACO/1 [1.2.3.4]:5 Transaction = 1 { Context = - { Bogus = x } }' >"$tmp/bad.txt"
if "$BUILD/h248c" --check "$tmp/bad.txt" 2>"$tmp/err"; then
	echo "h248c accepted a bad message"; exit 1
fi
grep -Eq "^$tmp/bad.txt:[0-9]+: error 443: " "$tmp/err" || { cat "$tmp/err"; exit 1; }
echo "h248 corpus: ok"
