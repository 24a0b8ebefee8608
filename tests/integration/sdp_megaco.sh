#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# timeout: 300
#
# agw's SDP against a real H.248 peer's text codec (Erlang/OTP megaco):
# - every body agw generates (after filling "$"), put into a Local
#   descriptor, is decoded by megaco line for line as agw wrote it;
# - every body megaco writes (pretty and compact encoders, with their
#   layout around the SDP) is parsed by agw to the same structure: agw
#   generates exactly the same octets from it.
set -euo pipefail
cd "$AGW_SRC"

make --no-print-directory mgc
tool=$BUILD/helpers/sdp_tool
[ -x "$tool" ] || { echo "missing $tool (make test-bins)"; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export ERL_CRASH_DUMP=$work/erl_crash.dump

erl_check() {
	erl -noshell -pa "$BUILD/mgc" -run agw_sdp_check main -extra "$@"
}

fp="sha-256 4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:49:6B"
fp+=":19:E5:7C:AB:1C:6F:5F:A9:4A:9E:2A:E8:29:3F:1C:60"
n=0
for body in reserve_msrp_choose remote_msrp_tls bfcp_v6_lf multi_media \
	h248_indented all_lines; do
	src=tests/fuzz/corpus/sdp/$body
	"$tool" fill "$src" 192.0.2.1 40000 "$fp" >"$work/gen.sdp"
	grep -q '\$' "$work/gen.sdp" && { echo "$body: \$ left"; exit 1; }

	# agw -> megaco
	{
		printf 'MEGACO/3 [127.0.0.1]:2944\nTransaction = 1 {\n'
		printf 'Context = 1 { Modify = ip/1 { Media { Stream = 1 {\n'
		printf 'Local {\n'
		cat "$work/gen.sdp"
		printf '\n} } } } }\n}\n'
	} >"$work/msg.txt"
	erl_check decode "$work/msg.txt" >"$work/megaco.lines" ||
		{ cat "$work/megaco.lines"; echo "$body: megaco refused"; exit 1; }
	tr -d '\r' <"$work/gen.sdp" >"$work/agw.lines"
	diff -u "$work/agw.lines" "$work/megaco.lines" ||
		{ echo "$body: megaco read other lines"; exit 1; }

	# megaco -> agw
	for enc in pretty compact; do
		erl_check encode "$enc" "$work/megaco.lines" >"$work/enc.txt"
		python3 - "$work/enc.txt" >"$work/body.sdp" <<'PY'
import re, sys
text = open(sys.argv[1], "rb").read()
start = re.search(rb"\b(?:Local|L)\s*\{", text).end()
sys.stdout.buffer.write(text[start:text.index(b"}", start)])
PY
		"$tool" fill "$work/body.sdp" 203.0.113.9 1 >"$work/regen.sdp" ||
			{ cat "$work/regen.sdp"; echo "$body/$enc: agw refused"
			  cat -A "$work/body.sdp"; exit 1; }
		cmp "$work/gen.sdp" "$work/regen.sdp" ||
			{ diff "$work/gen.sdp" "$work/regen.sdp"
			  echo "$body/$enc: not the same body"; exit 1; }
	done
	n=$((n + 1))
	echo "ok: $body"
done
echo "sdp_megaco: $n bodies, both directions, pretty and compact"

# The SDP in the seed flows the MGC harness sends (tests/mgc/flows) is
# what agwd will be given: agw must parse every body of it.
m=0
for flow in tests/mgc/flows/*.txt; do
	python3 - "$flow" "$work/flow" <<'PY'
import re, sys
fp = ":".join(["4A"] * 32)
text = open(sys.argv[1]).read().replace("${ue_fingerprint}", fp)
text = re.sub(r"\$\{[a-z_.]*addr\}", "192.0.2.1", text)
text = re.sub(r"\$\{[a-z_.]*port\}", "9", text)
for i, m in enumerate(re.finditer(r"\b(?:Local|Remote)\s*\{([^}]*)\}", text)):
    open("%s.%d.sdp" % (sys.argv[2], i), "w").write(m.group(1))
PY
	for body in "$work"/flow.*.sdp; do
		[ -e "$body" ] || continue
		"$tool" parse "$body" >"$work/parsed" ||
			{ cat "$work/parsed"; echo "$flow: agw refused"; exit 1; }
		m=$((m + 1))
		rm "$body"
	done
done
[ $m -gt 0 ]
echo "sdp_megaco: $m SDP bodies of the seed flows parse"
