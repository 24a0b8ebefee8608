#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# timeout: 60
#
# No circle between the files of ctl/ (agwd): the call graph is derived
# from the built objects (build/ctl/*.o): file A uses file B when A has an
# undefined symbol that B defines (a call, or a function's address taken,
# or a variable). Any cycle in that graph fails the test and is printed.
# Callbacks that report upward (a function pointer registered from above)
# leave no symbol reference and so no edge. Documentation/agwd-design.md,
# "ctl/ map", lists the allowed direction between the files.
set -eu
: "${AGW_SRC:?}"
BUILD=${BUILD:-$AGW_SRC/build}
objs=("$BUILD"/ctl/*.o)
[ -e "${objs[0]}" ] || { echo "no objects in $BUILD/ctl (make first)"; exit 77; }
command -v nm >/dev/null || { echo "nm not installed"; exit 77; }

# "user definer symbol" lines for references between different files
edges=$(nm -A "${objs[@]}" | awk '
	{ split($1, a, ":"); f = a[1]; sub(/.*\//, "", f); sub(/\.o$/, "", f) }
	NF == 3 && $2 ~ /^[TDBRCGV]$/ { def[$3] = f; next }
	$(NF - 1) == "U" { n++; uf[n] = f; us[n] = $NF }
	END { for (i = 1; i <= n; i++)
		if ((us[i] in def) && def[us[i]] != uf[i])
			print uf[i], def[us[i]], us[i] }' | sort -u)
[ -n "$edges" ] || { echo "FAIL: no references between ctl/ objects found"; exit 1; }

echo "ctl/ call graph (file -> file: symbols):"
awk '{ k = $1 " -> " $2; s[k] = s[k] " " $3 } END { for (k in s) print "  " k ":" s[k] }' \
	<<<"$edges" | sort

# Every elementary cycle, each printed once from its smallest file name.
cycles=$(awk '
	{ if (!seen[$1, $2]++) { adj[$1] = adj[$1] " " $2 }; node[$1]; node[$2] }
	function dfs(start, v, path,    nb, i, w) {
		n = split(adj[v], nb, " ")
		for (i = 1; i <= n; i++) {
			w = nb[i]
			if (w == start) { print path " -> " start; continue }
			if (w < start || onpath[w]) continue
			onpath[w] = 1
			dfs(start, w, path " -> " w)
			onpath[w] = 0
		}
	}
	END { for (s in node) { onpath[s] = 1; dfs(s, s, s); onpath[s] = 0 } }
' <<<"$edges" | sort)

rc=0
if [ -z "$cycles" ]; then
	echo "no cycle between ctl/ files"
	exit 0
fi
while read -r c; do
	echo "FAIL: cycle between ctl/ files: $c"
	rc=1
done <<<"$cycles"
exit $rc
