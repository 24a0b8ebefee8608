#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# timeout: 300
#
# The e2ae TLS role from a later Modify's Remote a=setup (seed 5.2.1.2.2
# steps 16-18), through the real megaco MGC with a real TLS UE (Python
# ssl, its own self-signed certificate): agwd opens TCP toward the UE
# (the establish signal, offer a=setup:actpass) and, without the TLS
# establish signal, waits;
# the Configure's a=setup:active makes the UE the TLS client and agwd its
# server on the connection agwd opened; the UE's certificate is checked
# against the Remote's fingerprint; bytes both ways byte-exact between the
# TLS UE and a plain core peer, Statistics exact. A later a=setup:passive
# (agw would be client) is refused with 473 and its reason.
set -u
. "$AGW_SRC/tests/integration/lib/common.sh"
. "$AGW_SRC/tests/integration/lib/mgc_lab.sh"
require_root
make -C "$AGW_SRC" --no-print-directory mgc >/dev/null || fail "make mgc"

TMP=$(mktemp -d /tmp/agw-tlsr-XXXXXX)
PIN=/sys/fs/bpf/agw-tlsr-$$
T_CLEAN+=("rm -rf $TMP $PIN")
PEER="python3 $AGW_SRC/tests/integration/lib/agwd_peer.py"
SCN=$AGW_SRC/tests/mgc/agwd
UE_PORT=40123

lab_setup tlsr 87

die() {
	echo "FAIL: $*"
	echo "---- agwd (tail, without debug lines)"
	grep -v ' debug: \|^[^0-9]' "$TMP/agwd.log" | tail -n 40
	echo "---- mgc"
	cut -c1-500 "$TMP/mgc.out" 2>/dev/null | tail -n 8
	tail -n 10 "$TMP/mgc.err" 2>/dev/null
	for f in "$TMP"/*.peer; do
		[ -e "$f" ] && echo "---- $f" && cat "$f"
	done
	exit 1
}
ctl() { "$BUILD/helpers/agw_ctl_request" "$TMP/agwd.sock" "$@"; }
digest() { $PEER digest 0 0 --send "$1" --seed "$2"; }
recv_of() { grep '^received' "$1" | cut -d' ' -f2-; }

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-subj /CN=ue -days 2 -keyout "$TMP/ue-key.pem" -out "$TMP/ue-cert.pem" \
	2>/dev/null || die "openssl req"
UE_FP=$(openssl x509 -in "$TMP/ue-cert.pem" -noout -fingerprint -sha256 |
	sed 's/.*=//')

# The UE: listens for TCP (agwd opens), then is the TLS client on it.
cat >"$TMP/ue.py" <<'PY'
import hashlib, socket, ssl, sys
addr, port, cert, key, n, m = sys.argv[1:7]
n, m = int(n), int(m)
ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind((addr, int(port)))
ls.listen(1)
ls.settimeout(60)
c, peer = ls.accept()
print("accepted %s %d" % peer, flush=True)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
ctx.load_cert_chain(cert, key)
c.settimeout(60)
s = ctx.wrap_socket(c, server_side=False)
print("tls", s.version(), flush=True)
s.sendall(bytes((i * 7 + 3) & 0xFF for i in range(n)))
h, got = hashlib.sha256(), 0
while got < m:
    b = s.recv(65536)
    if not b:
        break
    h.update(b)
    got += len(b)
print("received %d %s" % (got, h.hexdigest()), flush=True)
# The core peer's half-close reaches the UE as agwd's close_notify: read up
# to it, then answer with ours. Closing with the close_notify unread would
# reset the connection.
while s.recv(65536):
    pass
s.unwrap()
s.close()
print("closed", flush=True)
PY

lab_conf tlsr 36000 log.level=debug >"$TMP/agwd.conf"

in_ns "$UE" python3 "$TMP/ue.py" "$UE_ADDR" $UE_PORT "$TMP/ue-cert.pem" \
	"$TMP/ue-key.pem" 80021 60013 >"$TMP/ue.peer" 2>&1 &
UE_PID=$!
T_PIDS+=($UE_PID)
wait_for 30 '[ -n "$(in_ns "$UE" ss -Hltn sport = :$UE_PORT)" ]' ||
	die "the UE does not listen"
lab_run_mgc udp "$SCN/tls_role.scn" 200 ue_port=$UE_PORT ue_fp="$UE_FP"
lab_start_agwd
wait_sync connected
ACC=$(var acc.term) CORE_T=$(var core.term)
wait_for 30 'grep -q "^accepted" "$TMP/ue.peer"' ||
	die "agwd did not open TCP toward the UE"
grep -q "^accepted 10.87.1.1 $(var acc.port)\$" "$TMP/ue.peer" ||
	die "agwd's SYN did not leave from its announced port: $(head -1 "$TMP/ue.peer")"
wait_for 10 'grep -q "$ACC: connected to the UE; TLS client waits for $ITEM_SIG_TLS_ESTABLISH" "$TMP/agwd.log"' ||
	die "the TLS role was not left open"
ctl terminations | jq -e --arg t "$ACC" '.terminations[] | select(.id == $t) |
	.tls.role == "none"' >/dev/null || die "a TLS role before the a=setup"
go connected
wait_sync data
wait_for 30 'grep -q "^tls" "$TMP/ue.peer"' || die "no TLS handshake"
grep -q "$ACC: TLS server handshake starts (a=setup:active" "$TMP/agwd.log" ||
	die "agwd did not start as TLS server on a=setup:active"
wait_for 30 'grep -q "$ACC: TLS verified" "$TMP/agwd.log"' ||
	die "the UE's certificate was not verified"
in_ns "$CORE" $PEER connect "$(var core.addr)" "$(var core.port)" \
	--src "$CORE_ADDR" --send 60013 --seed 5 --expect 80021 --timeout 60 \
	>"$TMP/core.peer" 2>&1 || die "core peer: $(cat "$TMP/core.peer")"
wait $UE_PID || die "UE: $(cat "$TMP/ue.peer")"
grep -q '^closed' "$TMP/ue.peer" || die "no TLS close_notify exchange with the UE"
[ "$(recv_of "$TMP/ue.peer")" = "$(digest 60013 5)" ] ||
	die "the UE got the wrong bytes"
[ "$(recv_of "$TMP/core.peer")" = "$(digest 80021 3)" ] ||
	die "the core peer got the wrong bytes"
ctl terminations | jq -e --arg t "$ACC" '.terminations[] | select(.id == $t) |
	.tls.role == "server"' >/dev/null || die "agwctl: role not server"
go data
wait "$MGC_PID" || die "MGC scenario failed"
grep -q '"cmd":"end","ok":true' "$TMP/mgc.out" || die "scenario"
[ "$(release_stat '$' "$ACC" nt/or)" = 80021 ] &&
	[ "$(release_stat '$' "$ACC" nt/os)" = 60013 ] &&
	[ "$(release_stat '$' "$CORE_T" nt/or)" = 60013 ] ||
	die "Statistics: $(release_stat '$' "$ACC" nt/or) $(release_stat '$' "$ACC" nt/os)"
echo "ok: a=setup:active in a later Modify made agwd TLS server on the connection it opened (from its announced port); verified, byte-exact, Statistics exact; a=setup:passive afterwards 473"
echo "PASS"
