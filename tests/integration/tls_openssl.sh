#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# timeout: 300
#
# e2ae TLS with OpenSSL's own s_client / s_server as the UE, agw's
# tls_relay in between, a plain TCP core peer behind: byte-exact both ways
# on a fingerprint match (TLS 1.2 and 1.3, agw as TLS server and client,
# several hashes), and refusal with nothing reaching the core on a wrong
# fingerprint, an unknown hash, a refused hash or a missing client
# certificate; fingerprints given late, after the handshake.
. "$AGW_SRC/tests/integration/lib/tls_common.bash"

ue_cert_openssl ue
ue_cert_openssl other

# agw as TLS server: the UE is a=setup:active and runs s_client.
# sclient_case CASE S_CLIENT_ARGS -- RELAY_ARGS
sclient_case() {
	local c=$1 ue_args=() rc
	shift
	while [ $# -gt 0 ] && [ "$1" != -- ]; do ue_args+=("$1"); shift; done
	shift
	start_core "$c" || return
	start_relay "$c" active 127.0.0.1:0 "$@"
	wait_file "$T/$c.port" || { dump "$c"; return; }
	timeout 60 openssl s_client -connect "127.0.0.1:$(cat "$T/$c.port")" \
		-quiet "${ue_args[@]}" <"${UE_IN:-$T/A}" >"$T/$c.ue.recv" \
		2>"$T/$c.ue.err"
	relay_stdin_close
	wait_pid "$RELAY_PID" 60
	RC=$?
	wait_pid "$CORE_PID" 30
}

for v in 1.2 1.3; do
	sclient_case "server-tls$v" -cert "$T/ue.crt" -key "$T/ue.key" \
		"-tls${v/./_}" -- --fp "$(fp ue sha-256)"
	expect_exact "server-tls$v" "$T/server-tls$v.ue.recv"
	grep -q "version=TLSv$v " "$T/server-tls$v.relay" ||
		bad "server-tls$v: not TLS $v: $(grep handshake-done "$T/server-tls$v.relay")"
done

# Every hash, and a set where only one member matches.
for h in sha-1 sha-224 sha-384 sha-512; do
	sclient_case "server-$h" -cert "$T/ue.crt" -key "$T/ue.key" -- \
		--fp "$(fp other sha-256)" --fp "$(fp ue $h)"
	expect_exact "server-$h" "$T/server-$h.ue.recv"
done

sclient_case server-wrong-fp -cert "$T/ue.crt" -key "$T/ue.key" -- \
	--fp "$(fp other sha-256)"
expect_refused server-wrong-fp fingerprint-mismatch "$RC"
# The alert, from a UE that only reads: one that is still writing can see
# the reset of the refused connection before it reads the alert.
UE_IN=/dev/null sclient_case server-wrong-fp-alert -cert "$T/ue.crt" \
	-key "$T/ue.key" -- --fp "$(fp other sha-256)"
expect_refused server-wrong-fp-alert fingerprint-mismatch "$RC"
grep -qi 'alert' "$T/server-wrong-fp-alert.ue.err" ||
	bad "server-wrong-fp-alert: s_client saw no alert"

# The right digest under a hash agw does not use must not pass.
sclient_case server-md5 -cert "$T/ue.crt" -key "$T/ue.key" -- \
	--fp "md5 $(openssl x509 -in "$T/ue.crt" -noout -fingerprint -md5 | cut -d= -f2)"
expect_refused server-md5 bad-fingerprint "$RC"
sclient_case server-unknown-hash -cert "$T/ue.crt" -key "$T/ue.key" -- \
	--fp "sha-3 $(fp ue sha-256 | cut -d' ' -f2)"
expect_refused server-unknown-hash bad-fingerprint "$RC"

sclient_case server-no-cert -- --fp "$(fp ue sha-256)"
expect_refused server-no-cert no-certificate "$RC"

# Late fingerprint (terminating flow, seed steps 12/14): the UE finishes
# the handshake and sends; nothing may reach the core until the right
# fingerprint arrives on stdin.
late_server_case() {
	local c=$1 give=$2
	start_core "$c" || return
	start_relay "$c" active 127.0.0.1:0 --fp-stdin
	wait_file "$T/$c.port" || { dump "$c"; return; }
	timeout 60 openssl s_client -connect "127.0.0.1:$(cat "$T/$c.port")" \
		-quiet -cert "$T/ue.crt" -key "$T/ue.key" <"$T/A" \
		>"$T/$c.ue.recv" 2>"$T/$c.ue.err" &
	local ue=$!
	PIDS+=($ue)
	wait_line "$T/$c.relay" '^event: awaiting-fingerprint' || dump "$c"
	sleep 1 # the UE has had time to send its data by now
	if [ -s "$T/$c.core.recv" ]; then
		bad "$c: core got data before the fingerprint was known"
	else
		ok "$c: nothing relayed while the fingerprint is unknown"
	fi
	relay_say "$give"
	relay_stdin_close
	wait_pid "$RELAY_PID" 60
	RC=$?
	wait_pid "$ue" 60
	wait_pid "$CORE_PID" 30
}

late_server_case server-late "$(fp ue sha-256)"
expect_exact server-late "$T/server-late.ue.recv"
late_server_case server-late-wrong "$(fp other sha-256)"
expect_refused server-late-wrong fingerprint-mismatch "$RC"

# TLS 1.3 KeyUpdate (update_requested) every 64 KiB from the UE: agw must
# rekey both directions mid-stream without losing a byte.
c=server-tls1.3-keyupdate
start_core $c
start_relay $c active 127.0.0.1:0 --fp "$(fp ue sha-256)"
wait_file "$T/$c.port"
timeout 60 "$BUILD/helpers/tls_ue" -c "$(cat "$T/$c.port")" -3 -u 65536 \
	-C "$T/ue.crt" -K "$T/ue.key" -s "$T/A" -r "$T/$c.ue.recv" 2>"$T/$c.ue.err" ||
	bad "$c: UE failed: $(cat "$T/$c.ue.err")"
relay_stdin_close
wait_pid "$RELAY_PID" 60
wait_pid "$CORE_PID" 30
grep -q 'key updates 1[0-9]' "$T/$c.ue.err" || bad "$c: UE sent no key updates"
expect_exact $c "$T/$c.ue.recv"

# agw as TLS client: the UE is a=setup:passive and runs s_server, which
# asks for agw's certificate. Its stdin is a fifo held open until the end,
# since s_server drops the connection when its stdin ends.
sserver_case() {
	local c=$1 ver=$2 ue_port
	shift 2
	ue_port=$((20000 + RANDOM % 20000))
	mkfifo "$T/$c.ue.in"
	timeout 60 openssl s_server -accept "127.0.0.1:$ue_port" \
		-cert "$T/ue.crt" -key "$T/ue.key" -naccept 1 -quiet \
		-Verify 1 "-tls${ver/./_}" <"$T/$c.ue.in" \
		>"$T/$c.ue.recv" 2>"$T/$c.ue.err" &
	local ue=$!
	PIDS+=($ue)
	exec 8>"$T/$c.ue.in"
	cat "$T/A" >&8 &
	PIDS+=($!)
	start_core "$c" || return
	wait_listen "$ue_port"
	start_relay "$c" passive "127.0.0.1:$ue_port" "$@"
	relay_stdin_close
	wait_pid "$RELAY_PID" 60
	RC=$?
	exec 8>&-
	wait_pid "$ue" 30
	wait_pid "$CORE_PID" 30
}

for v in 1.2 1.3; do
	sserver_case "client-tls$v" "$v" --fp "$(fp ue sha-256)"
	expect_exact "client-tls$v" "$T/client-tls$v.ue.recv"
	grep -q "role=client" "$T/client-tls$v.relay" ||
		bad "client-tls$v: relay was not TLS client"
done
sserver_case client-wrong-fp 1.3 --fp "$(fp other sha-256)"
expect_refused client-wrong-fp fingerprint-mismatch "$RC"
sserver_case client-wrong-fp12 1.2 --fp "$(fp other sha-512)"
expect_refused client-wrong-fp12 fingerprint-mismatch "$RC"

tls_finish
