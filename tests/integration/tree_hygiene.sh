#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# timeout: 60
#
# The tree holds no run output: no private key anywhere, no stray file at
# the top level besides the fixed layout. Keys and certificates are made at
# test time in temporary directories.
set -eu
: "${AGW_SRC:?}"
cd "$AGW_SRC"
git rev-parse --git-dir >/dev/null 2>&1 || { echo "not a git checkout"; exit 77; }

rc=0
# the PEM marker, put together here so that this file carries none
pem='-----BEGIN [A-Z ]*'PRIV'ATE KEY-----'
keys=$(git ls-files -z | xargs -0 -r grep -l -e "$pem" -- 2>/dev/null || true)
if [ -n "$keys" ]; then
	echo "FAIL: private key committed:"; echo "$keys"; rc=1
fi
stray=$(git ls-files | grep -v / |
	grep -vxE 'Makefile|README\.md|configure|\.[A-Za-z-]+' || true)
if [ -n "$stray" ]; then
	echo "FAIL: files at the top level besides the fixed layout:"
	echo "$stray"; rc=1
fi
# the ignore rules keep a manual helper run's output out of git add
for f in port relay.log st/tls-key.pem x.pem; do
	git check-ignore -q --no-index "$f" ||
		{ echo "FAIL: $f is not ignored"; rc=1; }
done
[ $rc -eq 0 ] && echo "tree hygiene: ok"
exit $rc
