# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Shared by the benchmark scripts (sourced, not run by bench/run): medians
# of repeated "bench: NAME = VALUE UNIT" lines, ratios between them, and a
# network namespace to run in.

# bench_medians RAW: one line per metric of RAW, its median over the runs.
bench_medians() {
	awk '$1 == "bench:" { v[$2] = v[$2] " " $4; u[$2] = $5 }
	END { for (k in v) print k, v[k], "|", u[k] }' "$1" | sort -V |
		while read -r name rest; do
			vals=${rest%|*}
			unit=${rest##*| }
			# shellcheck disable=SC2086
			med=$(printf '%s\n' $vals | sort -g | awk '{ a[NR] = $1 }
				END { print a[int((NR + 1) / 2)] }')
			echo "bench: $name = $med $unit"
		done
}

# bench_get MED NAME: the value of NAME in the medians file MED.
bench_get() { awk -v k="$2" '$2 == k { print $4 }' "$1"; }

# bench_ratio MED NAME A B: "bench: NAME_ratio = A/B (A / B)", only when
# both were measured and are above zero (a ratio of nothing is no figure).
bench_ratio() {
	local a b
	a=$(bench_get "$1" "$3") b=$(bench_get "$1" "$4")
	[ -n "$a" ] && [ -n "$b" ] || return 0
	awk -v n="$2" -v a="$a" -v b="$b" -v ka="$3" -v kb="$4" \
		'BEGIN { if (a > 0 && b > 0) printf "bench: %s_ratio = %.2f (%s / %s)\n", n, a / b, ka, kb }'
}

# bench_lab NAME: a network namespace NAME with loopback up, a temporary
# directory $tmp, and an EXIT trap that stops the process $rpid (the relay
# under test, when set) and removes both. inns runs a command in NAME.
bench_lab() {
	ns=$1
	tmp=$(mktemp -d)
	rpid=
	trap bench_lab_cleanup EXIT
	if ! ip netns add "$ns" || ! ip -n "$ns" link set lo up; then
		echo "could not create namespace $ns"
		exit 1
	fi
}
bench_lab_cleanup() {
	[ -n "$rpid" ] && kill "$rpid" 2>/dev/null && wait "$rpid" 2>/dev/null
	ip netns del "$ns" 2>/dev/null
	rm -rf "$tmp"
}
inns() { nsenter --net="/run/netns/$ns" "$@"; }
