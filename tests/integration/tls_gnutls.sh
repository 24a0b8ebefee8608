#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# timeout: 300
#
# e2ae TLS with GnuTLS peers as the UE (gnutls-cli toward agw as TLS
# server, gnutls-serv --echo toward agw as TLS client), with certificates
# made by GnuTLS's certtool: byte-exact relaying on a match for TLS 1.2
# and 1.3, refusal with nothing reaching the core otherwise.
. "$AGW_SRC/tests/integration/lib/tls_common.bash"

for t in gnutls-cli gnutls-serv certtool; do
	command -v $t >/dev/null || { echo "missing $t (gnutls-bin)"; exit 1; }
done
ue_cert_gnutls ue
ue_cert_gnutls other

prio() { echo "NORMAL:-VERS-ALL:+VERS-TLS$1"; }

# agw as TLS server; gnutls-cli trusts agw by nothing but --insecure here
# (the UE's own fingerprint check of agw is not what is under test).
# cli_case CASE VERSION GNUTLS_CLI_ARGS -- RELAY_ARGS
cli_case() {
	local c=$1 v=$2 ue_args=()
	shift 2
	while [ $# -gt 0 ] && [ "$1" != -- ]; do ue_args+=("$1"); shift; done
	shift
	start_core "$c" || return
	start_relay "$c" active 127.0.0.1:0 "$@"
	wait_file "$T/$c.port" || { dump "$c"; return; }
	timeout 60 gnutls-cli --insecure --logfile "$T/$c.ue.err" \
		--priority "$(prio "$v")" -p "$(cat "$T/$c.port")" \
		"${ue_args[@]}" 127.0.0.1 <"$T/A" >"$T/$c.ue.recv" 2>&1
	relay_stdin_close
	wait_pid "$RELAY_PID" 60
	RC=$?
	wait_pid "$CORE_PID" 30
}

UE_CERT=(--x509certfile "$T/ue.crt" --x509keyfile "$T/ue.key")
for v in 1.2 1.3; do
	cli_case "gnutls-server-tls$v" "$v" "${UE_CERT[@]}" -- \
		--fp "$(fp ue sha-256)"
	expect_exact "gnutls-server-tls$v" "$T/gnutls-server-tls$v.ue.recv"
done
cli_case gnutls-server-wrong-fp 1.3 "${UE_CERT[@]}" -- \
	--fp "$(fp other sha-384)"
expect_refused gnutls-server-wrong-fp fingerprint-mismatch "$RC"
cli_case gnutls-server-no-cert 1.2 -- --fp "$(fp ue sha-256)"
expect_refused gnutls-server-no-cert no-certificate "$RC"

# agw as TLS client toward gnutls-serv --echo: the core's data comes back
# from the UE, so the core must receive exactly what it sent. The echo
# server works on text lines, so this payload is base64.
base64 -w 76 "$T/B" >"$T/B64"
SIZE_B64=$(stat -c %s "$T/B64")
serv_case() {
	local c=$1 v=$2 ue_port
	shift 2
	ue_port=$((20000 + RANDOM % 20000))
	gnutls-serv --echo -q --require-client-cert --priority "$(prio "$v")" \
		--x509certfile "$T/ue.crt" --x509keyfile "$T/ue.key" \
		-p "$ue_port" >"$T/$c.ue.err" 2>&1 &
	local ue=$!
	PIDS+=($ue)
	wait_listen "$ue_port" || return
	CORE_EXPECT=$SIZE_B64 CORE_SEND=$T/B64 start_core "$c" || return
	start_relay "$c" passive "127.0.0.1:$ue_port" "$@"
	relay_stdin_close
	wait_pid "$RELAY_PID" 60
	RC=$?
	wait_pid "$CORE_PID" 30
	kill "$ue" 2>/dev/null
}

for v in 1.2 1.3; do
	c=gnutls-client-tls$v
	serv_case "$c" "$v" --fp "$(fp ue sha-256)"
	if cmp -s "$T/B64" "$T/$c.core.recv" &&
		grep -q '^event: done err=0 ' "$T/$c.relay"; then
		ok "$c: $SIZE_B64 bytes echoed back byte-exact through the UE, $(grep -o 'mode=[a-z-]*' "$T/$c.relay")"
	else
		bad "$c: echo through the UE not exact ($(stat -c %s "$T/$c.core.recv") of $SIZE_B64 bytes)"
		dump "$c"
	fi
done
serv_case gnutls-client-wrong-fp 1.2 --fp "$(fp other sha-256)"
expect_refused gnutls-client-wrong-fp fingerprint-mismatch "$RC"

tls_finish
