#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# timeout: 300
#
# e2ae TLS through agwd, end to end: agwd and the Erlang megaco MGC in
# "gw", a UE with its own self-signed certificate (openssl s_client /
# s_server, gnutls-cli / gnutls-serv, socat) in "ue", a plain TCP peer in
# "core". The four seed flows (5.2.1.2.2/3 MSRP originating/terminating,
# 5.2.1.3.2/3 BFCP originating/terminating), TLS 1.2 and 1.3: the
# fingerprint agwd answered in its Local is the certificate the UE saw,
# bytes pass byte-exact both ways, Subtract Statistics count them. Then
# failing closed: late fingerprint that does not match, UE without a
# certificate, wrong fingerprint in the Remote (handshake aborted); no
# byte reaches the core peer and the MGC gets the TLS failure event; the same for a
# UE that speaks no TLS or hangs up during the handshake. Unknown hash
# (449) and malformed fingerprint (474) change nothing.
set -u
. "$AGW_SRC/tests/integration/lib/common.sh"
. "$AGW_SRC/tests/integration/lib/mgc_lab.sh"
require_root
for t in openssl gnutls-cli gnutls-serv socat jq erl; do
	command -v $t >/dev/null || fail "missing $t (deps/e2ae.list)"
done
make -C "$AGW_SRC" --no-print-directory mgc >/dev/null || fail "make mgc"

TMP=$(mktemp -d /tmp/agw-e2ae-XXXXXX)
PIN=/sys/fs/bpf/agw-e2ae-$$
T_CLEAN+=("rm -rf $TMP $PIN")
PEER="python3 $AGW_SRC/tests/integration/lib/agwd_peer.py"
SCN=$AGW_SRC/tests/mgc/agwd
UE_PORT=40300
CORE_PORT=40400
CORE_SIZE=150001 # core -> UE, agwd_peer's payload (seed 5)
FAILS=0
lab_setup e2a 82

# The UE's certificates, made by the UE's own tools; its payload.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout "$TMP/ue.key" -out "$TMP/ue.crt" -subj /CN=ue -days 2 \
	2>/dev/null || fail "openssl req"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-384 -nodes \
	-keyout "$TMP/other.key" -out "$TMP/other.crt" -subj /CN=other \
	-days 2 2>/dev/null || fail "openssl req"
certtool --generate-privkey --key-type=ecdsa --outfile "$TMP/gue.key" \
	>/dev/null 2>&1
printf 'cn = gue\nexpiration_days = 2\nsigning_key\ntls_www_client\ntls_www_server\n' \
	>"$TMP/gue.tmpl"
certtool --generate-self-signed --load-privkey "$TMP/gue.key" \
	--template "$TMP/gue.tmpl" --outfile "$TMP/gue.crt" >/dev/null 2>&1 ||
	fail "certtool"
head -c 200003 /dev/urandom >"$TMP/A" # UE -> core
SIZE_A=$(stat -c %s "$TMP/A")
SHA_A=$(sha256sum <"$TMP/A" | cut -d' ' -f1)

fp() { # CERT HASH: upper-case hex pairs, as openssl computes them
	openssl x509 -in "$TMP/$1.crt" -noout -fingerprint "-${2/-/}" |
		cut -d= -f2
}

# The leaf certificate the UE received, from its -msg trace: HASH of it.
seen_fp() { # MSGFILE HASH
	python3 - "$1" "$2" <<'PY'
import hashlib, re, sys
lines = open(sys.argv[1], errors="replace").read().splitlines()
i = 0
while i < len(lines):
    m = re.match(r"<<< (TLS 1\.[23]), Handshake \[length [0-9a-f]+\], Certificate$", lines[i])
    i += 1
    if not m:
        continue
    hx = []
    while i < len(lines) and lines[i].startswith("    "):
        hx += lines[i].split()
        i += 1
    b = bytes(int(x, 16) for x in hx)
    p = 4
    if m.group(1) == "TLS 1.3":
        p += 1 + b[p]
    p += 3
    n = int.from_bytes(b[p:p + 3], "big")
    d = hashlib.new(sys.argv[2].replace("-", ""), b[p + 3:p + 3 + n]).hexdigest().upper()
    print(":".join(d[j:j + 2] for j in range(0, len(d), 2)))
    sys.exit(0)
sys.exit(1)
PY
}

dump() {
	echo "---- agwd log (tail)"
	tail -n 60 "$TMP/agwd.log"
	echo "---- mgc"
	cut -c1-400 "$TMP/mgc.out" 2>/dev/null | tail -n 10
	tail -n 10 "$TMP/mgc.err" 2>/dev/null
	for f in "$TMP"/ue.err "$TMP"/core.out; do
		[ -s "$f" ] && { echo "---- $f"; tail -n 15 "$f"; }
	done
}
die() {
	echo "FAIL: $*"
	dump
	exit 1
}
ok() { echo "ok: $*"; }

ctl() { in_ns "$GW" "$BUILD/helpers/agw_ctl_request" "$TMP/agwd.sock" "$@"; }
term_field() { # TERM JQ-PATH
	ctl terminations | jq -r --arg t "$1" \
		".terminations[] | select(.id == \$t) | .$2"
}

start_agwd() {
	cat >"$TMP/agwd.conf" <<CONF
[agwd]
mid = [127.0.0.1]:2944
state_dir = $TMP/state
control_socket = $TMP/agwd.sock
gate_pin_dir = $PIN
[h248]
mgc = 127.0.0.1:2945
transport = udp
address = 127.0.0.1
port = 2944
[limits]
contexts = 64
terminations = 128
[timers]
registration_retry_ms = 200
registration_retry_max_ms = 1000
heartbeat_ms = 1000
[log]
level = debug
$(lab_realms e2a 31000)
CONF
	lab_start_agwd
}

# run_mgc SCENARIO VAR=VALUE...: the MGC in the background
run_mgc() {
	MGC_SCN=$1
	shift
	lab_run_mgc udp "$SCN/$MGC_SCN.scn" 300 ue_port=$UE_PORT \
		core_peer_port=$CORE_PORT "$@"
}
end_mgc() {
	wait "$MGC_PID"
	grep -q '"cmd":"end","ok":true' "$TMP/mgc.out" ||
		die "scenario $MGC_SCN: MGC failed"
}

# agwd's a=fingerprint in the reply to FILE: "HASH HEX"
agwd_fp() {
	jq -r --arg f "$1" 'select(.file == $f) | .reply' "$TMP/mgc.out" |
		grep -o 'a=fingerprint:[a-z0-9-]* [0-9A-F:]*' | head -1 |
		cut -d: -f2-
}
stat_of() { release_stat '$' "$1" "$2"; } # TERM NAME
digest() { $PEER digest 0 0 --send "$1" --seed "$2"; }
recv_of() { grep '^received' "$1" | cut -d' ' -f2-; }

# wait_gone PID SECONDS
wait_gone() {
	wait_for "$2" "! kill -0 $1" || return 1
	wait "$1" 2>/dev/null
	return 0
}

core_listen() { # the core peer agwd opens toward (SYN interlinkage)
	in_ns "$CORE" $PEER listen $CORE_ADDR $CORE_PORT --send $CORE_SIZE \
		--seed 5 --expect "${1:-$SIZE_A}" --timeout 90 \
		>"$TMP/core.out" 2>&1 &
	CORE_PID=$!
	T_PIDS+=($CORE_PID)
}
core_connect() { # the core peer opens toward agwd's core termination
	in_ns "$CORE" $PEER connect "$(var core.addr)" "$(var core.port)" \
		--src $CORE_ADDR --send $CORE_SIZE --seed 5 --expect $SIZE_A \
		--timeout 90 >"$TMP/core.out" 2>&1 &
	CORE_PID=$!
	T_PIDS+=($CORE_PID)
}

# s_server as the UE, its stdin a fifo kept open until ue_done
sserver() { # ACCEPT VERSION
	rm -f "$TMP/ue.in" "$TMP/ue.msg"
	mkfifo "$TMP/ue.in"
	in_ns "$UE" timeout 120 openssl s_server -accept "$1" \
		-cert "$TMP/ue.crt" -key "$TMP/ue.key" -naccept 1 -quiet \
		-Verify 1 "-tls${2/./_}" -msg -msgfile "$TMP/ue.msg" \
		<"$TMP/ue.in" >"$TMP/ue.recv" 2>"$TMP/ue.err" &
	UE_PID=$!
	T_PIDS+=($UE_PID)
	exec 8>"$TMP/ue.in"
	cat "$TMP/A" >&8 &
	T_PIDS+=($!)
	wait_for 30 "in_ns $UE ss -Hltn 'sport = :${1##*:}' | grep -q LISTEN" ||
		die "s_server did not listen"
}
ue_done() { exec 8>&-; }

# The data phase: both peers finish, byte-exact both ways.
check_data() { # NAME
	wait_gone "$CORE_PID" 90 || die "$1: core peer did not finish"
	wait_gone "$UE_PID" 60 || die "$1: UE did not finish"
	[ "$(recv_of "$TMP/core.out")" = "$SIZE_A $SHA_A" ] ||
		die "$1: core received '$(recv_of "$TMP/core.out")', not the UE's $SIZE_A octets"
	[ "$(stat -c %s "$TMP/ue.recv") $(sha256sum <"$TMP/ue.recv" | cut -d' ' -f1)" = \
		"$(digest $CORE_SIZE 5)" ] ||
		die "$1: UE received $(stat -c %s "$TMP/ue.recv") octets, not the core's $CORE_SIZE"
	ok "$1: byte-exact both ways (UE->core $SIZE_A, core->UE $CORE_SIZE)"
}

check_stats() { # NAME ACC CORE
	[ "$(stat_of "$2" nt/or)" = "$SIZE_A" ] ||
		die "$1: nt/or of $2 is '$(stat_of "$2" nt/or)'"
	[ "$(stat_of "$2" nt/os)" = "$CORE_SIZE" ] ||
		die "$1: nt/os of $2 is '$(stat_of "$2" nt/os)'"
	[ "$(stat_of "$3" nt/or)" = "$CORE_SIZE" ] ||
		die "$1: nt/or of $3 is '$(stat_of "$3" nt/or)'"
	[ "$(stat_of "$3" nt/os)" = "$SIZE_A" ] ||
		die "$1: nt/os of $3 is '$(stat_of "$3" nt/os)'"
	ok "$1: Subtract Statistics count the relayed octets"
}

check_tls() { # NAME TERM ROLE VERSION
	local j
	j=$(ctl terminations | jq -c --arg t "$2" \
		'.terminations[] | select(.id == $t) | .tls')
	[ "$(echo "$j" | jq -r .state)" = verified ] ||
		die "$1: TLS state $(echo "$j" | jq -r .state)"
	[ "$(echo "$j" | jq -r .role)" = "$3" ] ||
		die "$1: TLS role $(echo "$j" | jq -r .role), want $3"
	[ "$(echo "$j" | jq -r .version)" = "$4" ] ||
		die "$1: TLS version $(echo "$j" | jq -r .version), want $4"
	[ "$(echo "$j" | jq -r .relay_mode)" = user ] ||
		die "$1: relay mode $(echo "$j" | jq -r .relay_mode)"
	echo "$j" | jq -e '.relay_reason | length > 0' >/dev/null ||
		die "$1: no relay mode reason"
	in_ns "$GW" "$AGWCTL" --socket "$TMP/agwd.sock" terminations "$2" |
		awk 'NR == 2 { print $10 }' | grep -q "/user$" ||
		die "$1: agwctl (text) shows no TLS relay mode: $(in_ns "$GW" "$AGWCTL" --socket "$TMP/agwd.sock" terminations "$2")"
	ok "$1: agwctl: $(echo "$j" | jq -r '"\(.role) \(.version) \(.cipher), relay \(.relay_mode) (\(.relay_reason))"')"
}

check_seen() { # NAME AGWD_FP(HASH HEX) SEEN_HEX
	[ -n "$3" ] && [ "${2#* }" = "$3" ] ||
		die "$1: agwd answered a=fingerprint:$2, the UE received a certificate with ${2%% *} $3"
	ok "$1: the UE received the certificate agwd's Local named (${2%% *})"
}

# Nothing of the UE reached the core; the MGC heard the TLS failure event.
check_refused() { # NAME TERM FAILURE
	local j
	j=$(ctl terminations | jq -c --arg t "$2" \
		'.terminations[] | select(.id == $t) | .tls')
	[ "$(echo "$j" | jq -r .state)" = failed ] &&
		[ "$(echo "$j" | jq -r .failure)" = "$3" ] ||
		die "$1: TLS $j, want failed/$3"
	grep -q "TLS failed ($3)" "$TMP/agwd.log" || die "$1: no log line"
	grep -q "\"events\":\\[\"$ITEM_EV_TLS_FAIL\"\\]" "$TMP/mgc.out" ||
		die "$1: no $ITEM_EV_TLS_FAIL Notify"
	grep -q "$2: Notify $ITEM_EV_TLS_FAIL $3\$" "$TMP/agwd.log" ||
		die "$1: the Notify did not carry reason=$3"
}
check_core_got_nothing() { # NAME
	wait_gone "$CORE_PID" 60 || die "$1: core peer still running"
	# "received 0 SHA" or, agwd closing with the core's data unread,
	# "reset 0"
	grep -Eq '^(received|reset) 0( |$)' "$TMP/core.out" ||
		die "$1: the core peer received: $(cat "$TMP/core.out")"
	ok "$1: refused ($(grep -o "TLS failed ([a-z-]*): [^;]*" "$TMP/agwd.log" | tail -1)), nothing reached the core"
}

MSRP=(mtype=message proto=TCP/TLS/MSRP core_proto=TCP/MSRP)
BFCP=(mtype=application proto=TCP/TLS/BFCP core_proto=TCP/BFCP)

# ---- 5.2.1.2.3 MSRP terminating, UE active: s_client TLS 1.3 / gnutls-cli
# TLS 1.2 (each agwd's TLS server), fingerprint late.
flow_msrp_term() { # TOOL VERSION
	local n="msrp-term-$1-tls$2" acc a_addr a_port fpa seen
	core_listen
	run_mgc e2ae_msrp_term "${MSRP[@]}" fp_hash=sha-256 \
		"ue_fp=$(fp "$3" sha-256)"
	wait_sync handshake
	acc=$(var acc.term) a_addr=$(var acc.addr) a_port=$(var acc.port)
	fpa=$(agwd_fp e2ae_reserve_access.txt)
	rm -f "$TMP/ue.msg" "$TMP/ue.seen.pem"
	if [ "$1" = openssl ]; then
		in_ns "$UE" timeout 120 openssl s_client \
			-connect "$a_addr:$a_port" -cert "$TMP/ue.crt" \
			-key "$TMP/ue.key" "-tls${2/./_}" -quiet -msg \
			-msgfile "$TMP/ue.msg" <"$TMP/A" >"$TMP/ue.recv" \
			2>"$TMP/ue.err" &
	else
		in_ns "$UE" timeout 120 gnutls-cli --insecure \
			--logfile "$TMP/ue.err" \
			--priority "NORMAL:-VERS-ALL:+VERS-TLS$2" \
			--x509certfile "$TMP/gue.crt" \
			--x509keyfile "$TMP/gue.key" \
			--save-cert "$TMP/ue.seen.pem" -p "$a_port" "$a_addr" \
			<"$TMP/A" >"$TMP/ue.recv" 2>&1 &
	fi
	UE_PID=$!
	T_PIDS+=($UE_PID)
	wait_for 60 '[ "$(term_field "$acc" tls.state)" = await-fingerprint ]' ||
		die "$n: the handshake did not complete: $(term_field "$acc" tls)"
	sleep 0.5 # the UE has sent its data by now: none may move
	[ "$(term_field "$acc" octets_received)" = 0 ] &&
		[ "$(term_field "$acc" state)" = connected ] ||
		die "$n: relayed before the fingerprint: $(term_field "$acc" state)"
	ok "$n: handshake done (agwd TLS $(term_field "$acc" tls.role)), nothing relayed while the fingerprint is unknown"
	go handshake
	wait_sync unchanged
	[ "$(term_field "$acc" tls.state)" = await-fingerprint ] &&
		[ "$(term_field "$acc" tls.fingerprints)" = 0 ] ||
		die "$n: a refused Modify changed the TLS state: $(term_field "$acc" tls)"
	ok "$n: unknown hash → 449, malformed fingerprint → 474, nothing changed"
	go unchanged
	wait_sync data
	check_data "$n"
	check_tls "$n" "$acc" server "TLSv$2"
	if [ "$1" = openssl ]; then
		seen=$(seen_fp "$TMP/ue.msg" sha-256)
	else
		seen=$(openssl x509 -in "$TMP/ue.seen.pem" -noout \
			-fingerprint -sha256 | cut -d= -f2)
	fi
	check_seen "$n" "$fpa" "$seen"
	go data
	end_mgc
	check_stats "$n" "$acc" "$(var core.term)"
}

# ---- 5.2.1.2.2 MSRP originating, UE passive (s_server TLS 1.2): SYN
# interlinkage opens toward the UE, the TLS establish signal starts agwd's client
# handshake; the Remote used sha-384, so agwd answers in sha-384.
flow_msrp_orig() {
	local n=msrp-orig-openssl-tls1.2 acc fpa
	sserver "$UE_ADDR:$UE_PORT" 1.2
	run_mgc e2ae_msrp_orig "${MSRP[@]}" fp_hash=sha-384 \
		"ue_fp=$(fp ue sha-384)"
	wait_sync link
	acc=$(var acc.term)
	fpa=$(agwd_fp e2ae_orig_access.txt)
	core_connect
	wait_for 60 '[ "$(term_field "$acc" state)" = connected ]' ||
		die "$n: agwd did not open toward the UE"
	[ "$(term_field "$acc" tls.role)" = none ] ||
		die "$n: TLS started before $ITEM_SIG_TLS_ESTABLISH"
	ok "$n: SYN interlinkage opened toward the UE; TLS waits for $ITEM_SIG_TLS_ESTABLISH"
	go link
	wait_sync data
	check_data "$n"
	ue_done
	check_tls "$n" "$acc" client TLSv1.2
	check_seen "$n" "$fpa" "$(seen_fp "$TMP/ue.msg" sha-384)"
	go data
	end_mgc
	check_stats "$n" "$acc" "$(var core.term)"
}

# ---- 5.2.1.3.2 BFCP originating: TCP and TLS establish signals in the
# Reserve And Configure; UE s_server TLS 1.3.
flow_bfcp_orig() {
	local n=bfcp-orig-openssl-tls1.3 acc fpa
	sserver "$UE_ADDR:$UE_PORT" 1.3
	run_mgc e2ae_bfcp_orig "${BFCP[@]}" fp_hash=sha-512 \
		"ue_fp=$(fp ue sha-512)"
	wait_sync data
	acc=$(var acc.term)
	fpa=$(agwd_fp e2ae_orig_access_estab.txt)
	wait_for 60 '[ "$(term_field "$acc" tls.state)" = verified ]' ||
		die "$n: UE not verified: $(term_field "$acc" tls)"
	[ "$(term_field "$acc" octets_received)" = 0 ] ||
		die "$n: relayed without a core connection"
	core_connect
	check_data "$n"
	ue_done
	check_tls "$n" "$acc" client TLSv1.3
	check_seen "$n" "$fpa" "$(seen_fp "$TMP/ue.msg" sha-512)"
	go data
	end_mgc
	check_stats "$n" "$acc" "$(var core.term)"
}

# ---- 5.2.1.3.3 BFCP terminating: the UE opens TCP (socat) but is TLS
# server (s_server TLS 1.2 behind socat); the TLS establish signal came in the
# Reserve, so agwd starts the handshake as client; fingerprint late.
flow_bfcp_term() {
	local n=bfcp-term-openssl-tls1.2 acc fpa
	core_listen
	run_mgc e2ae_bfcp_term "${BFCP[@]}" fp_hash=sha-256 \
		"ue_fp=$(fp ue sha-256)"
	wait_sync handshake
	acc=$(var acc.term)
	fpa=$(agwd_fp e2ae_reserve_access_estab.txt)
	sserver 127.0.0.1:4433 1.2
	in_ns "$UE" timeout 120 socat \
		"TCP:$(var acc.addr):$(var acc.port),bind=$UE_ADDR" \
		TCP:127.0.0.1:4433 2>"$TMP/socat.err" &
	T_PIDS+=($!)
	wait_for 60 '[ "$(term_field "$acc" tls.state)" = await-fingerprint ]' ||
		die "$n: handshake did not complete: $(term_field "$acc" tls)"
	[ "$(term_field "$acc" tls.role)" = client ] ||
		die "$n: agwd is not TLS client"
	ok "$n: UE opened TCP, agwd handshook as TLS client ($ITEM_SIG_TLS_ESTABLISH in the Reserve)"
	go handshake
	wait_sync data
	check_data "$n"
	ue_done
	check_tls "$n" "$acc" client TLSv1.2
	check_seen "$n" "$fpa" "$(seen_fp "$TMP/ue.msg" sha-256)"
	go data
	end_mgc
	check_stats "$n" "$acc" "$(var core.term)"
}

# ---- failing closed, terminating: late wrong fingerprint (gnutls-cli TLS
# 1.3), no client certificate (s_client TLS 1.2).
fail_term() { # NAME FAILURE UE_FP_CERT UE-COMMAND...
	local n=$1 want=$2 acc cmd=() w
	core_listen
	run_mgc e2ae_term_fail "${MSRP[@]}" fp_hash=sha-256 \
		"ue_fp=$(fp "$3" sha-256)"
	shift 3
	wait_sync connect
	acc=$(var acc.term)
	for w in "$@"; do
		w=${w//@ADDR@/$(var acc.addr)}
		cmd+=("${w//@PORT@/$(var acc.port)}")
	done
	in_ns "$UE" timeout 60 "${cmd[@]}" <"$TMP/A" >"$TMP/ue.recv" \
		2>"$TMP/ue.err" &
	UE_PID=$!
	T_PIDS+=($UE_PID)
	# late: the handshake is over before the Configure brings the
	# fingerprint (or failed on its own: no certificate)
	wait_for 60 '[ "$(term_field "$acc" tls.state)" = await-fingerprint ] ||
		[ "$(term_field "$acc" tls.state)" = failed ]' ||
		die "$n: handshake: $(term_field "$acc" tls)"
	go connect
	wait_sync checked
	check_refused "$n" "$acc" "$want"
	wait_gone "$UE_PID" 30 || die "$n: the UE's connection was not closed"
	go checked
	end_mgc
	check_core_got_nothing "$n"
}

# ---- failing closed, originating: the Remote's fingerprint is another
# certificate's; agwd (client) aborts the handshake (gnutls-serv TLS 1.3).
fail_orig() {
	local n=orig-wrong-fp-gnutls-tls1.3 acc
	in_ns "$UE" timeout 120 gnutls-serv --echo -q --require-client-cert \
		--priority NORMAL:-VERS-ALL:+VERS-TLS1.3 \
		--x509certfile "$TMP/gue.crt" --x509keyfile "$TMP/gue.key" \
		-p $UE_PORT >"$TMP/ue.err" 2>&1 &
	UE_PID=$!
	T_PIDS+=($UE_PID)
	wait_for 30 "in_ns $UE ss -Hltn 'sport = :$UE_PORT' | grep -q LISTEN" ||
		die "gnutls-serv did not listen"
	run_mgc e2ae_orig_fail "${MSRP[@]}" fp_hash=sha-256 \
		"ue_fp=$(fp other sha-256)"
	wait_sync link
	acc=$(var acc.term)
	core_connect
	wait_for 60 '[ "$(term_field "$acc" state)" = connected ]' ||
		die "$n: agwd did not open toward the UE"
	go link
	wait_sync checked
	check_refused "$n" "$acc" fingerprint-mismatch
	go checked
	end_mgc
	check_core_got_nothing "$n"
	kill "$UE_PID" 2>/dev/null
	wait "$UE_PID" 2>/dev/null
}

start_agwd
grep -q "TLS certificate $TMP/state/tls-cert.pem: fingerprint sha-256 " \
	"$TMP/agwd.log" || die "no certificate fingerprint at start"
[ -f "$TMP/state/tls-key.pem" ] || die "no key created in state_dir"
[ "$(ctl status | jq -r .tls.fingerprint)" = \
	"sha-256 $(openssl x509 -in "$TMP/state/tls-cert.pem" -noout -fingerprint -sha256 | cut -d= -f2)" ] ||
	die "agwctl status: fingerprint $(ctl status | jq -c .tls)"
ok "certificate created in state_dir, fingerprint logged and in agwctl status"

flow_msrp_term openssl 1.3 ue
flow_msrp_term gnutls 1.2 gue
flow_msrp_orig
flow_bfcp_orig
flow_bfcp_term
fail_term term-late-wrong-fp-gnutls-tls1.3 fingerprint-mismatch other \
	gnutls-cli --insecure --priority NORMAL:-VERS-ALL:+VERS-TLS1.3 \
	--x509certfile "$TMP/gue.crt" --x509keyfile "$TMP/gue.key" \
	-p @PORT@ @ADDR@
fail_term term-no-cert-openssl-tls1.2 no-certificate ue \
	openssl s_client -connect @ADDR@:@PORT@ -tls1_2 -quiet
# not TLS at all: the UE's payload in clear
fail_term term-not-tls handshake ue socat -u STDIN TCP:@ADDR@:@PORT@
# the UE opens TCP and hangs up before its ClientHello
fail_term term-ue-hangs-up peer-closed ue \
	socat -u OPEN:/dev/null TCP:@ADDR@:@PORT@
fail_orig

# ---- a re-INVITE naming another certificate while the relay runs: the
# relay stops, both connections close, TLS failure event (s_client TLS 1.2).
reinvite_fail() {
	local n=term-reinvite-other-fp-openssl-tls1.2 acc
	core_listen 1000000000
	run_mgc e2ae_reinvite_fail "${MSRP[@]}" fp_hash=sha-256 \
		"ue_fp=$(fp ue sha-256)" "ue_fp_512=$(fp ue sha-512)" \
		"ue_fp_other=$(fp other sha-256)"
	wait_sync connect
	acc=$(var acc.term)
	rm -f "$TMP/ue.in"
	mkfifo "$TMP/ue.in"
	in_ns "$UE" timeout 120 openssl s_client \
		-connect "$(var acc.addr):$(var acc.port)" -cert "$TMP/ue.crt" \
		-key "$TMP/ue.key" -tls1_2 -quiet <"$TMP/ue.in" \
		>"$TMP/ue.recv" 2>"$TMP/ue.err" &
	UE_PID=$!
	T_PIDS+=($UE_PID)
	exec 8>"$TMP/ue.in"
	printf 'MSRP a786hjs2 SEND\r\n' >&8
	go connect
	wait_sync relaying
	wait_for 60 '[ "$(term_field "$acc" state)" = relaying ]' ||
		die "$n: not relaying: $(term_field "$acc" state) $(term_field "$acc" tls)"
	# agwctl flows lists the TLS relay with its mode and live counters
	wait_for 30 '[ "$(ctl flows | jq -r --arg a "$acc" \
		".flows[] | select(.a == \$a) |
			\"\(.a_to_b.bytes) \(.b_to_a.bytes)\"")" = "20 $CORE_SIZE" ]' ||
		die "$n: agwctl flows: $(ctl flows)"
	ctl flows | jq -e --arg a "$acc" '.flows[] | select(.a == $a) |
		.path == "tls-user" and (.why | length > 0) and
		.tls.version == "TLSv1.2"' >/dev/null ||
		die "$n: agwctl flows: $(ctl flows)"
	in_ns "$GW" "$AGWCTL" --socket "$TMP/agwd.sock" flows |
		grep -Eq "^[0-9]+ +$acc .* tls-user .* 20 +$CORE_SIZE " ||
		die "$n: agwctl flows (text): $(in_ns "$GW" "$AGWCTL" --socket "$TMP/agwd.sock" flows)"
	ok "$n: agwctl flows shows the TLS relay (tls-user, UE->core 20, core->UE $CORE_SIZE octets)"
	go relaying
	wait_sync same
	[ "$(term_field "$acc" state)" = relaying ] &&
		[ "$(term_field "$acc" tls.state)" = verified ] ||
		die "$n: the same certificate in sha-512 stopped the relay: $(term_field "$acc" tls)"
	printf 'MSRP a786hjs2 200 OK\r\n' >&8
	wait_for 30 '[ "$(ctl flows | jq -r --arg a "$acc" \
		".flows[] | select(.a == \$a) | .a_to_b.bytes")" = 42 ]' ||
		die "$n: no relaying after the same fingerprint: $(ctl flows)"
	ok "$n: a re-INVITE with the same certificate (sha-512) keeps the relay"
	go same
	wait_sync checked
	check_refused "$n" "$acc" fingerprint-mismatch
	grep -q "$acc: TLS failed (fingerprint-mismatch): new Remote fingerprints.*relay stopped" \
		"$TMP/agwd.log" || die "$n: no log line for the stopped relay"
	wait_gone "$UE_PID" 30 || die "$n: the UE's connection was not closed"
	wait_gone "$CORE_PID" 30 || die "$n: the core connection was not closed"
	grep -Eq '^(received|reset) 42( |$)' "$TMP/core.out" ||
		die "$n: the core peer saw: $(cat "$TMP/core.out")"
	ue_done
	ok "$n: relay was running (42 octets through), the other certificate's fingerprint stopped it"
	go checked
	end_mgc
}
reinvite_fail

# ---- verified, the core not yet connected, then the UE goes away:
# released at once (released-bearer event), not when a relay would start.
verified_ue_gone() {
	local n=term-verified-ue-gone-openssl-tls1.3 acc
	run_mgc e2ae_verified_ue_gone "${MSRP[@]}" fp_hash=sha-256 \
		"ue_fp=$(fp ue sha-256)"
	wait_sync connect
	acc=$(var acc.term)
	in_ns "$UE" timeout 120 openssl s_client \
		-connect "$(var acc.addr):$(var acc.port)" -cert "$TMP/ue.crt" \
		-key "$TMP/ue.key" -tls1_3 -quiet </dev/null >"$TMP/ue.recv" \
		2>"$TMP/ue.err" &
	UE_PID=$!
	T_PIDS+=($UE_PID)
	wait_for 60 '[ "$(term_field "$acc" tls.state)" = await-fingerprint ]' ||
		die "$n: the handshake did not complete: $(term_field "$acc" tls)"
	go connect
	wait_sync verified
	wait_for 30 '[ "$(term_field "$acc" tls.state)" = verified ] &&
		[ "$(term_field "$acc" state)" = connected ]' ||
		die "$n: not verified and waiting for the core: $(term_field "$acc" state) $(term_field "$acc" tls)"
	# the UE process itself (UE_PID is the subshell around it)
	pkill -TERM -f "openssl s_client -connect $(var acc.addr):$(var acc.port) " ||
		die "$n: no UE to stop"
	wait_gone "$UE_PID" 30 || die "$n: the UE did not stop"
	go verified
	wait_sync checked
	grep -q "\"events\":\\[\"$ITEM_EV_RELEASED\"\\]" "$TMP/mgc.out" ||
		die "$n: no $ITEM_EV_RELEASED Notify"
	[ "$(term_field "$acc" state)" = closed ] ||
		die "$n: termination state $(term_field "$acc" state), want closed"
	grep -q "$acc: the UE closed after TLS verification, before the relay started" \
		"$TMP/agwd.log" || die "$n: no log line"
	ok "$n: the UE's hang-up while the core was awaited released the termination ($ITEM_EV_RELEASED)"
	go checked
	end_mgc
}
verified_ue_gone

# A bad certificate file is a start-up error naming it.
echo "not a certificate" >"$TMP/bad.pem"
printf '[tls]\ncert = %s\nkey = %s\n' "$TMP/bad.pem" "$TMP/ue.key" \
	>>"$TMP/agwd.conf"
# agwd stops cleanly (under ASan: no leak of any TLS state on exit)
kill -TERM "$AGWD_PID"
wait_for 30 "! kill -0 $AGWD_PID" || die "agwd did not stop on SIGTERM"
wait "$AGWD_PID"
rc=$?
! grep -q "Sanitizer" "$TMP/agwd.log" && [ "$rc" = 0 ] ||
	die "agwd exit $rc: $(grep -A5 Sanitizer "$TMP/agwd.log" | head -20)"
ok "agwd stopped cleanly"
if in_ns "$GW" timeout 20 "$BUILD/agwd" -c "$TMP/agwd.conf" -f \
	>"$TMP/bad.log" 2>&1; then
	die "agwd started with a bad certificate"
fi
grep -q "TLS certificate $TMP/bad.pem" "$TMP/bad.log" ||
	die "no clear error for a bad certificate: $(tail -3 "$TMP/bad.log")"
ok "bad certificate file: agwd refuses to start ($(grep -o 'TLS certificate.*' "$TMP/bad.log" | head -1))"
echo "PASS"
