#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# timeout: 240
#
# Subtract of a live call while bytes are in flight, through the real
# megaco MGC with real TCP peers, once per relay path (copy, splice,
# sockmap): the UE sends 24 MB toward a core peer that reads nothing yet,
# so agwd's buffers and sockets are full when the MGC subtracts (how much
# agwd's kernel took, and so how much is delivered after the Subtract,
# depends on tcp_rmem: up to all of it).
#  - drains: the core peer then reads: it gets exactly the bytes agwd
#    counts as forwarded at the end (at least the Subtract's nt/os, every
#    byte agwd held), byte-exact, then agwd's FIN (no reset); the UE gets
#    agwd's FIN, what it still sends is read and dropped, and it closes
#    cleanly; meanwhile `agwctl -j flows` shows the flow draining.
#  - stuck: the core peer never reads: once [relay] release_drain_ms is
#    over agwd resets it (logged), and only it: the UE still closes
#    cleanly; what the core peer got before the reset is byte-exact.
#  - e2ae TLS (agwd TLS server toward the UE, a=setup:active as in
#    agwd_tls_role.sh): the core peer sends toward a TLS UE that reads
#    nothing until the Subtract; the UE gets every byte agwd had, then
#    agwd's close_notify (a bare FIN fails), and answers with its own.
set -u
. "$AGW_SRC/tests/integration/lib/common.sh"
. "$AGW_SRC/tests/integration/lib/mgc_lab.sh"
require_root
command -v jq >/dev/null || fail "jq missing (deps/mgc.list)"
make -C "$AGW_SRC" --no-print-directory mgc >/dev/null || fail "make mgc"

TMP=$(mktemp -d /tmp/agw-rel-XXXXXX)
PIN=/sys/fs/bpf/agw-rel-$$
T_CLEAN+=("rm -rf $TMP $PIN")
RPEER="python3 $AGW_SRC/tests/integration/lib/release_peer.py"
SCN=$AGW_SRC/tests/mgc/agwd
SIZE=$((24 << 20))
AGWD_PID=
lab_setup rel 88

die() {
	echo "FAIL: $*"
	echo "---- agwd log (tail)"
	grep -v ' debug: ' "$TMP/agwd.log" | tail -n 40
	echo "---- mgc"
	cut -c1-400 "$TMP/mgc.out" 2>/dev/null | tail -n 10
	tail -n 20 "$TMP/mgc.err" 2>/dev/null
	for f in "$TMP"/*.peer; do
		[ -e "$f" ] && echo "---- $f" && cat "$f"
	done
	exit 1
}

flows() { "$AGWCTL" --socket "$TMP/agwd.sock" -j flows; }

start_agwd() { # PATH
	lab_conf rel 33000 "relay.path=$1" relay.release_drain_ms=3000 \
		>"$TMP/agwd.conf"
	lab_start_agwd
}

stop_agwd() {
	kill "$AGWD_PID" 2>/dev/null
	sleep 0.2
	kill "$AGWD_PID" 2>/dev/null
	wait_for 30 '! kill -0 $AGWD_PID' || die "agwd did not stop"
	wait "$AGWD_PID" || die "$T: agwd exit status $? (sanitizer report?)"
	AGWD_PID=
}

line_of() { grep "^$1" "$2" | head -1; }

# wait_full DIR: the flow of context $CTX moves bytes in direction DIR
# (a_to_b, b_to_a), then its count stands still (everything is full).
wait_full() {
	local a=-1 b=-2 q=".flows[] | select(.context == \$c) | .$1.bytes"
	wait_for 30 'flows | jq -e --argjson c $CTX "$q > 0" >/dev/null' ||
		die "$T: no bytes relayed: $(flows)"
	for _ in $(seq 100); do
		a=$(flows | jq --argjson c $CTX "$q")
		sleep 0.3
		b=$(flows | jq --argjson c $CTX "$q")
		[ "$a" = "$b" ] && return
	done
	die "$T: the relay never filled up"
}

# The UE sends, the core peer waits for $TMP/start-SYNC; once agwd's
# byte count toward the core stands still (everything is full), the MGC
# subtracts. Sets CTX TA TC UE_JOB CO_JOB.
start_call() { # SYNC
	local sync=$1
	wait_sync "$sync"
	CTX=$(var acc.context) TA=$(var acc.term) TC=$(var core.term)
	rm -f "$TMP/start-$sync" "$TMP/ue.peer" "$TMP/core.peer"
	in_ns "$CORE" $RPEER recv "$(var core.addr)" "$(var core.port)" \
		--src $CORE_ADDR --size $SIZE --seed $CTX \
		--start "$TMP/start-$sync" >"$TMP/core.peer" 2>&1 &
	CO_JOB=$!
	T_PIDS+=($CO_JOB)
	in_ns "$UE" $RPEER send "$(var acc.addr)" "$(var acc.port)" \
		--src $UE_ADDR --size $SIZE --seed $CTX >"$TMP/ue.peer" 2>&1 &
	UE_JOB=$!
	T_PIDS+=($UE_JOB)
	wait_full a_to_b
	go "$sync"
	wait_for 30 '[ "$(grep -c "\"file\":\"release.txt\"" "$TMP/mgc.out")" -ge $N_REL ]' ||
		die "$T $sync: no Subtract reply"
	N_REL=$((N_REL + 1))
	grep -q "context $CTX: relay released on $PATH_NAME: what $TA and $TC sent goes on, then FIN both ways (draining, 3000 ms at most)" \
		"$TMP/agwd.log" || die "$T $sync: release not logged"
}

call_drains() {
	local n st dropped
	start_call drains
	flows | jq -e --argjson c $CTX '.flows[] | select(.context == $c) |
		.state == "draining" and .a == "'"$TA"'"' >/dev/null ||
		die "$T drains: flow not draining: $(flows)"
	touch "$TMP/start-drains"
	wait $CO_JOB || die "$T drains: core peer $(cat "$TMP/core.peer")"
	wait $UE_JOB || die "$T drains: UE $(cat "$TMP/ue.peer")"
	n=$(line_of received "$TMP/core.peer" | cut -d' ' -f2)
	[ "$(line_of received "$TMP/core.peer")" = "received $n prefix ok" ] ||
		die "$T drains: core peer bytes"
	grep -qx eof "$TMP/core.peer" || die "$T drains: core peer not ended by FIN"
	grep -qx eof "$TMP/ue.peer" || die "$T drains: UE not ended by FIN"
	wait_for 10 'grep -q "context $CTX: released relay closed on $PATH_NAME ($TA->$TC $n, $TC->$TA 0 octets; dropped after the release: [0-9]* from $TA, 0 from $TC)$" "$TMP/agwd.log"' ||
		die "$T drains: the core peer got $n bytes, not what agwd forwarded (or no clean end)"
	st=$(release_stat 1 "$TC" nt/os)
	[ -n "$st" ] && [ "$st" -lt "$n" ] && [ "$st" -gt 0 ] ||
		die "$T drains: nt/os at the Subtract '$st', delivered $n"
	dropped=$(grep -o "context $CTX: released relay closed on .*dropped after the release: [0-9]* from" \
		"$TMP/agwd.log" | grep -o '[0-9]* from$' | cut -d' ' -f1)
	[ $((n + dropped)) -le $SIZE ] ||
		die "$T drains: $n delivered, $dropped dropped, of $SIZE"
	wait_for 10 '[ "$(flows | jq .count)" = 0 ]' || die "$T drains: flow stays: $(flows)"
	echo "ok: $T drains: Subtract's nt/os $st; then every byte agwd held: $n of $SIZE delivered then FIN, $dropped sent after the release dropped, both peers closed cleanly"
}

call_stuck() {
	local n
	start_call stuck
	wait_for 15 'grep -q "context $CTX: released relay: $TC did not take every byte within release_drain_ms: reset" "$TMP/agwd.log"' ||
		die "$T stuck: the core peer was not reset"
	grep -q "context $CTX: released relay closed on $PATH_NAME .*: Connection timed out" \
		"$TMP/agwd.log" || die "$T stuck: end not logged"
	wait $UE_JOB || die "$T stuck: UE $(cat "$TMP/ue.peer")"
	grep -qx eof "$TMP/ue.peer" || die "$T stuck: UE not ended by FIN"
	touch "$TMP/start-stuck"
	wait $CO_JOB
	[ $? = 3 ] && grep -qx reset "$TMP/core.peer" ||
		die "$T stuck: the core peer was not reset"
	n=$(line_of received "$TMP/core.peer" | cut -d' ' -f2)
	[ "$(line_of received "$TMP/core.peer")" = "received $n prefix ok" ] ||
		die "$T stuck: core peer bytes"
	[ "$(flows | jq .count)" = 0 ] || die "$T stuck: flow stays: $(flows)"
	echo "ok: $T stuck: the core peer that read nothing was reset after release_drain_ms (it had $n bytes, byte-exact), the UE closed cleanly"
}

run() { # PATH
	T="path=$1" PATH_NAME=$1 N_REL=1
	start_agwd "$1"
	lab_run_mgc udp "$SCN/release.scn" 200 ue_port=40000 core_peer_port=40001
	T_PIDS+=($MGC_PID)
	call_drains
	call_stuck
	wait "$MGC_PID" || die "$T: MGC exit $?"
	grep -q '"cmd":"end","ok":true' "$TMP/mgc.out" || die "$T: scenario"
	stop_agwd
}

# e2ae TLS: the core peer sends toward the TLS UE, which reads nothing
# until the Subtract; then it gets every byte agwd had, then agwd's
# close_notify (not a bare FIN: ragged EOFs are errors for it here), and
# answers with its own; the core peer gets agwd's FIN.
run_tls() {
	local n ue_fp port=40123
	T="e2ae TLS" N_REL=1
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-subj /CN=ue -days 2 -keyout "$TMP/ue-key.pem" \
		-out "$TMP/ue-cert.pem" 2>/dev/null || die "openssl req"
	ue_fp=$(openssl x509 -in "$TMP/ue-cert.pem" -noout -fingerprint -sha256 |
		sed 's/.*=//')
	rm -f "$TMP/start-drains" "$TMP/ue.peer" "$TMP/core.peer"
	in_ns "$UE" $RPEER tls-recv "$UE_ADDR" $port --cert "$TMP/ue-cert.pem" \
		--key "$TMP/ue-key.pem" --size $SIZE --seed 11 \
		--start "$TMP/start-drains" >"$TMP/ue.peer" 2>&1 &
	UE_JOB=$!
	T_PIDS+=($UE_JOB)
	wait_for 30 '[ -n "$(in_ns "$UE" ss -Hltn sport = :$port)" ]' ||
		die "$T: the UE does not listen"
	lab_run_mgc udp "$SCN/release_tls.scn" 200 ue_port=$port ue_fp="$ue_fp"
	T_PIDS+=($MGC_PID)
	start_agwd sockmap
	wait_sync connected
	CTX=$(var acc.context) TA=$(var acc.term) TC=$(var core.term)
	go connected
	wait_sync drains
	wait_for 30 'grep -q "^tls" "$TMP/ue.peer"' || die "$T: no TLS handshake"
	in_ns "$CORE" $RPEER send "$(var core.addr)" "$(var core.port)" \
		--src $CORE_ADDR --size $SIZE --seed 11 >"$TMP/core.peer" 2>&1 &
	CO_JOB=$!
	T_PIDS+=($CO_JOB)
	wait_full b_to_a
	flows | jq -e --argjson c $CTX '.flows[] | select(.context == $c) |
		.path == "tls-user" and .a == "'"$TA"'"' >/dev/null ||
		die "$T: not a TLS flow: $(flows)"
	go drains
	wait_for 30 'grep -q "\"file\":\"release.txt\"" "$TMP/mgc.out"' ||
		die "$T: no Subtract reply"
	flows | jq -e --argjson c $CTX '.flows[] | select(.context == $c) |
		.state == "draining"' >/dev/null || die "$T: not draining: $(flows)"
	touch "$TMP/start-drains"
	wait $UE_JOB || die "$T: UE $(cat "$TMP/ue.peer")"
	wait $CO_JOB || die "$T: core peer $(cat "$TMP/core.peer")"
	n=$(line_of received "$TMP/ue.peer" | cut -d' ' -f2)
	[ "$(line_of received "$TMP/ue.peer")" = "received $n prefix ok" ] ||
		die "$T: the UE's bytes"
	grep -qx close_notify "$TMP/ue.peer" && grep -qx closed "$TMP/ue.peer" ||
		die "$T: the UE did not get close_notify"
	grep -qx eof "$TMP/core.peer" || die "$T: core peer not ended by FIN"
	wait_for 10 'grep -q "context $CTX: released relay closed on tls-user ($TA->$TC 0, $TC->$TA $n octets; dropped after the release: 0 from $TA, [0-9]* from $TC)$" "$TMP/agwd.log"' ||
		die "$T: the UE got $n bytes, not what agwd forwarded (or no clean end)"
	[ "$(release_stat 1 "$TA" nt/os)" -lt "$n" ] ||
		die "$T: nt/os at the Subtract $(release_stat 1 "$TA" nt/os), delivered $n"
	wait "$MGC_PID" || die "$T: MGC exit $?"
	stop_agwd
	echo "ok: $T: Subtract's nt/os $(release_stat 1 "$TA" nt/os); the TLS UE got every byte agwd held ($n of $SIZE), byte-exact, then close_notify, and answered with its own; the core peer got a FIN"
}

run copy
run splice
run sockmap
run_tls
echo "PASS"
