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
#  3. the same for h248c's output (the CLI ends a message with a line break
#     where the grammar allows one: never after a segment reply);
#  4. tshark finds nothing in agw's encodings of every message it finds
#     nothing in as megaco wrote it (Wireshark 4.0 cannot parse segment
#     replies and flags a few of megaco's own messages: those are left out);
#  5. megaco accepts agw's encodings of the checked-in seed messages.
# Any message megaco rejects fails the test (the 6 corpus messages that
# end in a segment reply catch white space written after one).
set -eu
: "${BUILD:?}" "${AGW_SRC:?}"

need=()
command -v escript >/dev/null || need+=(erlang-base)
ls /usr/lib/erlang/lib/megaco-*/ebin/megaco.beam >/dev/null 2>&1 || need+=(erlang-megaco)
ls /usr/lib/erlang/lib/megaco-*/examples/meas/time_test.msgs >/dev/null 2>&1 || need+=(erlang-examples)
command -v tshark >/dev/null || need+=(tshark)
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

# h248c's output, byte for byte as the CLI writes it
mkdir "$tmp/cli"
for f in "$tmp"/in/*.txt; do
	b=$(basename "$f" .txt)
	"$BUILD/h248c" "$f" >"$tmp/cli/$b.pretty"
	"$BUILD/h248c" --compact "$f" >"$tmp/cli/$b.compact"
done
escript "$AGW_SRC/tests/integration/h248_megaco.escript" verify "$corpus" "$tmp/cli"

# tshark: per message (one UDP datagram to port 2944 each, same order in
# the three captures) the expert items of the original and of agw's two
# encodings; the sample is every message tshark has nothing to say about
# as megaco wrote it.
(cd "$tmp/in" && ls *.txt | sort) >"$tmp/names"
pcap() { python3 "$AGW_SRC/tests/integration/lib/h248_pcap.py" "$tmp/$1.pcap" \
	$(sed "s|^\(.*\)\.txt\$|$2/\1$3|" "$tmp/names"); }
expert() {
	tshark -r "$tmp/$1.pcap" -T fields -e frame.number -e _ws.expert.message \
		2>/dev/null | awk -F'\t' '$2 != "" { print $1 "\t" $2 }'
}
pcap orig "$tmp/in" .txt
pcap pretty "$tmp/cli" .pretty
pcap compact "$tmp/cli" .compact
expert orig >"$tmp/x.orig"
[ "$(tshark -r "$tmp/orig.pcap" 2>/dev/null | grep -c MEGACO)" -eq 149 ] ||
	{ echo "tshark did not decode the corpus as MEGACO"; exit 1; }
sample=$((149 - $(wc -l <"$tmp/x.orig")))
[ "$sample" -ge 120 ] || { echo "tshark sample too small: $sample"; exit 1; }
for form in pretty compact; do
	expert $form | awk -F'\t' -v orig="$tmp/x.orig" '
		BEGIN { while ((getline l < orig) > 0) { split(l, f, "\t"); flagged[f[1]] = 1 } }
		!($1 in flagged)' >"$tmp/x.$form"
	if [ -s "$tmp/x.$form" ]; then
		echo "tshark flags agw's $form encoding of messages it reads clean from megaco:"
		paste <(cut -f1 "$tmp/x.$form") <(cut -f2 "$tmp/x.$form") |
			while IFS=$'\t' read -r n msg; do
				echo "  $(sed -n "${n}p" "$tmp/names"): $msg"
			done
		exit 1
	fi
done
echo "tshark: $sample messages, pretty and compact, no expert items"

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
