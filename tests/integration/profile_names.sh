#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# timeout: 60
#
# The profile table (lib/profile.c) is the one place an item name lives,
# so that aligning agw's own names with H.248.89/H.248.90 is a one-table
# change:
#  1. Documentation/h248-profile.md's table is the one h248_profile
#     generates from it;
#  2. no MGC scenario, message or MGC-driven test script spells an item
#     whose name is agw's choice: they use ${item.KEY} (agw_mgc --profile)
#     or $ITEM_KEY (h248_profile --sh);
#  3. nothing in the documentation, agwd, the tools, scripts, benchmarks
#     or those tests names an item of those packages that the table does
#     not have (a name left behind by a change of the table). Names that
#     start with "nosuch" are the tests' deliberately unknown items.
set -euo pipefail
cd "$AGW_SRC"
tool=$BUILD/helpers/h248_profile
out=$(mktemp)
trap 'rm -f "$out"' EXIT

"$tool" --check-doc Documentation/h248-profile.md
echo "ok: the profile table in Documentation/h248-profile.md is generated"

json=$("$tool" --json)
mapfile -t own < <(jq -r '.[] | select(.std_name | not) | .item' <<<"$json")
mapfile -t pkgs < <(jq -r '[.[] | select(.std_name | not) | .pkg] | unique[]' <<<"$json")
[ ${#own[@]} -gt 0 ] && [ ${#pkgs[@]} -gt 0 ] ||
	{ echo "FAIL: no item is agw's choice?"; exit 1; }

bad=0
# 2. spelled names
for item in "${own[@]}"; do
	if grep -rnE "(^|[^A-Za-z0-9_/.])$item([^A-Za-z0-9_]|\$)" \
		tests/mgc tests/integration --include='*.txt' --include='*.scn' \
		--include='*.terms' --include='*.sh' --include='*.erl' \
		--include='*.py' >"$out"; then
		echo "FAIL: $item is spelled; use its key (\${item.KEY}, \$ITEM_KEY):"
		sed 's/^/  /' "$out"
		bad=1
	fi
done
[ $bad -eq 0 ] && echo "ok: no MGC test spells one of agw's ${#own[@]} own item names"

# 3. names the table does not have
pkg_re=$(IFS='|'; echo "${pkgs[*]}")
grep -rnoE "(^|[^A-Za-z0-9_/.])($pkg_re)/[A-Za-z][A-Za-z0-9_]*" \
	Documentation ctl lib tools scripts bench tests/mgc tests/integration \
	--exclude='*.o' >"$out" || true
stale=$(sed -E 's/^([^:]*:[0-9]+:).*[^A-Za-z0-9_/.]?(('"$pkg_re"')\/[A-Za-z0-9_]+)$/\1 \2/' "$out" |
	awk -v names="$(jq -r '[.[].item] | join(" ")' <<<"$json")" '
		BEGIN { n = split(names, a, " "); for (i = 1; i <= n; i++) known[a[i]] = 1 }
		{ split($2, p, "/") }
		!($2 in known) && p[2] !~ /^nosuch/ { print }')
if [ -n "$stale" ]; then
	echo "FAIL: item names that are not in lib/profile.c's table:"
	sed 's/^/  /' <<<"$stale"
	bad=1
else
	echo "ok: every ${pkgs[*]} item named in the tree is in the table"
fi
exit $bad
