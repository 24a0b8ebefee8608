# SPDX-License-Identifier: GPL-2.0-only
#
# Shared by tests/integration/tls_*.sh: a temp dir, UE certificates made
# by the peer's own tool, random payloads, a plain core peer, the agw
# tls_relay, and assertions. Every process started here is killed by PID
# in the EXIT trap.

set -u
: "${BUILD:?BUILD must be set}"
: "${AGW_SRC:?AGW_SRC must be set}"
RELAY=$BUILD/helpers/tls_relay
CORE_PEER=$BUILD/helpers/tls_core_peer
T=$(mktemp -d /tmp/agw-tls-test.XXXXXX)
PIDS=()
FAILS=0
CASES=0

tls_cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap tls_cleanup EXIT

for t in openssl; do
	command -v $t >/dev/null || { echo "missing $t"; exit 1; }
done
for t in "$RELAY" "$CORE_PEER"; do
	[ -x "$t" ] || { echo "missing $t (make test-bins)"; exit 1; }
done

# Payloads: sizes not multiples of a record, so partial records happen.
head -c 1048573 /dev/urandom >"$T/A" # UE -> core
head -c 786431 /dev/urandom >"$T/B"  # core -> UE
SIZE_A=$(stat -c %s "$T/A")
SIZE_B=$(stat -c %s "$T/B")

# ue_cert_openssl NAME: self-signed EC P-256 made by openssl.
ue_cert_openssl() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$T/$1.key" -out "$T/$1.crt" -subj "/CN=$1" -days 2 \
		2>/dev/null
}

# ue_cert_gnutls NAME: self-signed certificate made by certtool.
ue_cert_gnutls() {
	certtool --generate-privkey --key-type=ecdsa --outfile "$T/$1.key" \
		>/dev/null 2>&1
	printf 'cn = %s\nexpiration_days = 2\nsigning_key\nencryption_key\ntls_www_client\ntls_www_server\n' \
		"$1" >"$T/$1.tmpl"
	certtool --generate-self-signed --load-privkey "$T/$1.key" \
		--template "$T/$1.tmpl" --outfile "$T/$1.crt" >/dev/null 2>&1
}

# fp NAME HASH: "HASH HEX" of a certificate, as openssl computes it.
fp() {
	local h=${2:-sha-256}
	echo "$h $(openssl x509 -in "$T/$1.crt" -noout -fingerprint \
		"-${h/-/}" | cut -d= -f2)"
}

wait_file() { # wait_file PATH [SECONDS]
	local i
	for ((i = 0; i < ${2:-30} * 10; i++)); do
		[ -s "$1" ] && return 0
		sleep 0.1
	done
	echo "timed out waiting for $1"
	return 1
}

wait_line() { # wait_line FILE REGEX [SECONDS]
	local i
	for ((i = 0; i < ${3:-30} * 10; i++)); do
		grep -qE "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "timed out waiting for '$2' in $1"
	return 1
}

wait_listen() { # wait_listen PORT: until something listens on it
	local i
	for ((i = 0; i < 300; i++)); do
		[ -n "$(ss -Hltn "sport = :$1")" ] && return 0
		sleep 0.1
	done
	echo "timed out waiting for a listener on $1"
	return 1
}

# start_core CASE: the plain core peer; sets CORE_PORT, CORE_PID.
start_core() {
	rm -f "$T/$1.cport"
	"$CORE_PEER" "$T/$1.cport" "${CORE_SEND:-$T/B}" "$T/$1.core.recv" \
		"${CORE_EXPECT:-$SIZE_A}" 90 2>"$T/$1.core.err" &
	CORE_PID=$!
	PIDS+=($CORE_PID)
	wait_file "$T/$1.cport" || return 1
	CORE_PORT=$(cat "$T/$1.cport")
}

# start_relay CASE UE_SETUP UE_ADDR ARGS...: agw's tls_relay with its
# stdin on a fifo (fd 7 per case is opened by relay_stdin); sets
# RELAY_PID. Listening relays write their port to $T/CASE.port.
start_relay() {
	local c=$1 setup=$2 ue=$3
	shift 3
	mkfifo "$T/$c.in"
	"$RELAY" --ue-setup "$setup" --ue "$ue" --core "127.0.0.1:$CORE_PORT" \
		--state-dir "$T/state" --port-file "$T/$c.port" --timeout 60 \
		"$@" <"$T/$c.in" >"$T/$c.relay" 2>&1 &
	RELAY_PID=$!
	PIDS+=($RELAY_PID)
	exec 7>"$T/$c.in"
}

relay_say() { echo "$*" >&7; }
relay_stdin_close() { exec 7>&-; }

# wait_pid PID SECONDS: wait for exit, return its status (124: timeout).
wait_pid() {
	local i
	for ((i = 0; i < $2 * 10; i++)); do
		if ! kill -0 "$1" 2>/dev/null; then
			wait "$1"
			return $?
		fi
		sleep 0.1
	done
	kill "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	return 124
}

ok() { CASES=$((CASES + 1)); echo "ok: $*"; }
bad() {
	CASES=$((CASES + 1)) FAILS=$((FAILS + 1))
	echo "FAIL: $*"
}

# dump CASE: logs of a failed case.
dump() {
	local f
	for f in "$T/$1".relay "$T/$1".core.err "$T/$1".ue.err; do
		[ -f "$f" ] && { echo "--- $f"; tail -n 20 "$f"; }
	done
}

# expect_exact CASE UE_RECV_FILE UE_SENT_FILE: both directions identical.
expect_exact() {
	local c=$1 got=$2 sent=${3:-$T/A} ok_=1
	if ! cmp -s "$sent" "$T/$c.core.recv"; then
		bad "$c: core received $(stat -c %s "$T/$c.core.recv" 2>/dev/null) bytes, not the UE's $(stat -c %s "$sent")"
		ok_=0
	fi
	if ! cmp -s "$T/B" "$got"; then
		bad "$c: UE received $(stat -c %s "$got" 2>/dev/null) bytes, not the core's $SIZE_B"
		ok_=0
	fi
	grep -q '^event: done err=0 ' "$T/$c.relay" || {
		bad "$c: relay did not finish cleanly"
		ok_=0
	}
	if [ $ok_ = 1 ]; then
		ok "$c: byte-exact both ways ($(sha256sum <"$sent" | cut -c1-12)/$(sha256sum <"$got" | cut -c1-12)), $(grep -o 'mode=[a-z-]*' "$T/$c.relay")"
	else
		dump "$c"
	fi
}

# expect_refused CASE KIND: relay reported a TLS failure of KIND, exited 2,
# and the core received nothing.
expect_refused() {
	local c=$1 kind=$2 rc=$3 ok_=1
	if [ "$rc" != 2 ]; then
		bad "$c: relay exit $rc, want 2 (TLS failure)"
		ok_=0
	fi
	if ! grep -q "^event: tls-failure kind=$kind " "$T/$c.relay"; then
		bad "$c: no tls-failure kind=$kind event"
		ok_=0
	fi
	if grep -q '^event: verified' "$T/$c.relay"; then
		bad "$c: relay claims the peer was verified"
		ok_=0
	fi
	if [ -s "$T/$c.core.recv" ]; then
		bad "$c: $(stat -c %s "$T/$c.core.recv") UE bytes leaked to the core"
		ok_=0
	fi
	if [ $ok_ = 1 ]; then
		ok "$c: refused ($(sed -n 's/^event: tls-failure //p' "$T/$c.relay"))"
	else
		dump "$c"
	fi
}

tls_finish() {
	echo "tls: $((CASES - FAILS)) passed, $FAILS failed"
	[ "$CASES" -gt 0 ] && [ "$FAILS" -eq 0 ]
}
