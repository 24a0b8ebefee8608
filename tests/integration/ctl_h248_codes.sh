#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# timeout: 60
#
# H.248 errors by name in ctl/ (agwd): no bare H.248.8 code (an integer
# 400..599, or a string that is only such a number, as in "402") in the
# code of ctl/*.c; comments and other strings do not count, nor an array
# size ([512]). The names are the H248_E_* of include/agw/h248.h.
set -eu
: "${AGW_SRC:?}"
cd "$AGW_SRC"
command -v python3 >/dev/null || { echo "python3 not installed"; exit 77; }

python3 - ctl/*.c <<'PY'
import os, re, sys

def strip(src):
    """Code without comments; each string/char literal as "" / '' unless
    it is only a 3-digit number (kept, to be checked)."""
    out, i, n = [], 0, len(src)
    while i < n:
        c = src[i]
        if src.startswith('//', i):
            j = src.find('\n', i)
            i = n if j < 0 else j
        elif src.startswith('/*', i):
            j = src.find('*/', i + 2)
            j = n if j < 0 else j + 2
            out.append('\n' * src.count('\n', i, j))
            i = j
        elif c in '"\'':
            j = i + 1
            while j < n and src[j] != c:
                j += 2 if src[j] == '\\' else 1
            lit = src[i + 1:j]
            out.append(c + (lit if re.fullmatch(r'\d{3}', lit) else '') + c)
            i = j + 1
        else:
            out.append(c)
            i += 1
    return ''.join(out)

bad = strict = 0
for path in sys.argv[1:]:
    code = strip(open(path).read())
    for ln, line in enumerate(code.split('\n'), 1):
        for m in re.finditer(r'(?<![\w.\[])([45]\d\d)(?![\w.])', line):
            if re.match(r'\s*\]', line[m.end():]):
                continue
            print('FAIL: %s:%d: bare H.248 code %s: %s' %
                  (path, ln, m.group(1), line.strip()))
            bad += 1
if bad:
    print('%d bare code(s): use the H248_E_* names of include/agw/h248.h' % bad)
    sys.exit(1)
print('ctl/: H.248 errors by name only')
PY
