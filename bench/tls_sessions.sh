#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# e2ae TLS sessions benchmark: agw's TLS code (lib/tls_*.c as agwd uses
# it; bench/tls_sessions.c agw) against HAProxy 2.6 terminating the same
# TLS, as TLS server (the UE connects) and as TLS client (agw connects to
# the UE), for ECDHE X25519 and P-256 with RSA-2048 and ECDSA P-256
# certificates (the relay's and the UEs', generated here). TLS 1.3,
# TLS_AES_128_GCM_SHA256 and the group set for every process through
# OPENSSL_CONF; full handshakes only (no tickets, no resumption on any
# side); the UE's certificate asked for and checked (agw: its SHA-256
# fingerprint; HAProxy: verify required against it as CA). The relay
# (agw or HAProxy, one thread) runs on CPU 1, the peers (2 processes) on
# CPU 0, in a network namespace of their own. Each session: TCP connect,
# handshake, the relay's connection to the plain side, one byte there and
# back, close. Variants interleaved, REPS times, medians.
#   hs_per_cpu_s  sessions set up per CPU-second of the relay process:
#                 handshakes per second per core (hs_rate: achieved rate,
#                 bounded by the peers, which do the same crypto)
#   mem           bytes per established session held open (M sessions):
#                 relay RSS growth + its sockets' buffers (sock_diag) +
#                 their kernel objects (slab sizes)
# Ratios: tls_sessions_ROLE_GROUP_CERT_hs_vs_haproxy_ratio (goal >= 1),
# tls_sessions_ROLE_CERT_mem_vs_haproxy_ratio (goal <= 1).
# This kernel has no kTLS (CONFIG_TLS off): the relay is in user space.
# Crypto is timed on this host, not in the TCG guest (which cannot judge it).
# Env: TLS_SESSIONS_QUICK=1 (ECDSA + X25519 only, short), TLS_SESSIONS_REPS,
#   _SECONDS, _HOLD (sessions held for memory, default 600), _CERTS,
#   _GROUPS, _ROLES.
set -u
BUILD=${BUILD:?}
# shellcheck source=bench/lib/stats.sh
. "$(dirname "$0")/lib/stats.sh"
bin=$BUILD/benchbin/tls_sessions
[ -x "$bin" ] || { echo "missing $bin"; exit 1; }
command -v haproxy >/dev/null || { echo "haproxy not installed"; exit 1; }
command -v openssl >/dev/null || { echo "openssl not installed"; exit 1; }
if [ "${TLS_SESSIONS_QUICK:-0}" = 1 ]; then
	certs=${TLS_SESSIONS_CERTS:-ecdsa}
	groups=${TLS_SESSIONS_GROUPS:-x25519}
	secs=${TLS_SESSIONS_SECONDS:-2}
	hold=${TLS_SESSIONS_HOLD:-500}
else
	certs=${TLS_SESSIONS_CERTS:-ecdsa rsa}
	groups=${TLS_SESSIONS_GROUPS:-x25519 p256}
	secs=${TLS_SESSIONS_SECONDS:-2.5}
	hold=${TLS_SESSIONS_HOLD:-600}
fi
reps=${TLS_SESSIONS_REPS:-3}
roles=${TLS_SESSIONS_ROLES:-server client}
p1=8443 # the relay listens (TLS as server, plain as client)
p2=8444 # the peers listen (plain core as server, TLS UE as client)

bench_lab "agw-tls-$$-n"

for c in $certs; do
	case $c in
	rsa) alg=(-newkey rsa:2048) ;;
	ecdsa) alg=(-newkey ec -pkeyopt ec_paramgen_curve:P-256) ;;
	*) echo "unknown certificate type $c"; exit 1 ;;
	esac
	for who in relay ue; do
		openssl req -x509 "${alg[@]}" -nodes -days 2 -subj "/CN=agw-bench-$who" \
			-keyout "$tmp/$who-$c.key" -out "$tmp/$who-$c.crt" 2>/dev/null ||
			{ echo "openssl req failed"; exit 1; }
		cat "$tmp/$who-$c.crt" "$tmp/$who-$c.key" >"$tmp/$who-$c.pem"
	done
done
for g in $groups; do
	case $g in
	x25519) name=X25519 ;;
	p256) name=P-256 ;;
	*) echo "unknown group $g"; exit 1 ;;
	esac
	cat >"$tmp/openssl-$g.cnf" <<-CNF
	openssl_conf = default_conf
	[default_conf]
	ssl_conf = ssl_sect
	[ssl_sect]
	system_default = system_default_sect
	[system_default_sect]
	Groups = $name
	Ciphersuites = TLS_AES_128_GCM_SHA256
	CNF
done
fp() { openssl x509 -in "$1" -noout -fingerprint -sha256 | cut -d= -f2; }

wait_listen() {
	local _
	for _ in $(seq 100); do
		inns ss -Hltn "sport = :$p1" | grep -q . && return 0
		kill -0 "$rpid" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}

start_relay() { # ROLE GROUP CERT IMPL
	local role=$1 conf=$tmp/openssl-$2.cnf c=$3
	if [ "$4" = agw ]; then
		OPENSSL_CONF=$conf nsenter --net="/run/netns/$ns" taskset -c 1 \
			"$bin" agw --role "$role" --cert "$tmp/relay-$c.crt" \
			--key "$tmp/relay-$c.key" --peer-fp "$(fp "$tmp/ue-$c.crt")" \
			--listen "127.0.0.1:$p1" --to "127.0.0.1:$p2" \
			>"$tmp/relay.out" 2>"$tmp/relay.log" &
	else
		{
			# two fds a session: maxconn within RLIMIT_NOFILE
			printf 'global\n\tnbthread 1\n\tmaxconn %d\n\ttune.ssl.cachesize 0\n' $((hold + 256))
			printf 'defaults\n\tmode tcp\n\tmaxconn %d\n' $((hold + 256))
			printf '\ttimeout connect 5s\n\ttimeout client 300s\n\ttimeout server 300s\n'
			if [ "$role" = server ]; then
				printf 'frontend f\n\tbind 127.0.0.1:%d ssl crt %s ca-file %s verify required no-tls-tickets\n' \
					"$p1" "$tmp/relay-$c.pem" "$tmp/ue-$c.crt"
				printf '\tdefault_backend b\nbackend b\n\tserver core 127.0.0.1:%d\n' "$p2"
			else
				printf 'frontend f\n\tbind 127.0.0.1:%d\n' "$p1"
				printf '\tdefault_backend b\nbackend b\n\tserver ue 127.0.0.1:%d ssl crt %s ca-file %s verify required no-ssl-reuse no-tls-tickets\n' \
					"$p2" "$tmp/relay-$c.pem" "$tmp/ue-$c.crt"
			fi
		} >"$tmp/haproxy.cfg"
		OPENSSL_CONF=$conf nsenter --net="/run/netns/$ns" taskset -c 1 \
			haproxy -f "$tmp/haproxy.cfg" -db >"$tmp/relay.log" 2>&1 &
	fi
	rpid=$!
	wait_listen
}

stop_relay() {
	kill "$rpid" 2>/dev/null
	wait "$rpid" 2>/dev/null
	rpid=
}

one() { # ROLE GROUP CERT IMPL [hold]
	local tag=tls_sessions_$1_$2_$3_$4 args
	args=(--role "$1" --cert "$tmp/ue-$3.crt" --key "$tmp/ue-$3.key"
		--target "127.0.0.1:$p1" --serve "127.0.0.1:$p2")
	if [ $# -gt 4 ]; then
		tag=tls_sessions_$1_$3_$4
		args+=(--hold "$hold" --lport "$p1" --rport "$p2")
	else
		args+=(--seconds "$secs" --warmup 1)
	fi
	start_relay "$1" "$2" "$3" "$4" || { cat "$tmp/relay.log" >&2; return 1; }
	echo "bench: ${tag}_load = $(cut -d' ' -f1 /proc/loadavg) load"
	OPENSSL_CONF=$tmp/openssl-$2.cnf inns taskset -c 0 "$bin" load "${args[@]}" \
		--tag "$tag" --server-pid "$rpid" || {
		echo "tls_sessions load $tag failed" >&2
		cat "$tmp/relay.log" >&2
		return 1
	}
	stop_relay
}

echo "bench: tls_sessions_load_before = $(cut -d' ' -f1 /proc/loadavg) load"
g0=${groups%% *}
for ((r = 0; r < reps; r++)); do
	for role in $roles; do
		for c in $certs; do
			for g in $groups; do
				for impl in agw haproxy; do
					one "$role" "$g" "$c" "$impl" || exit 1
				done
			done
			for impl in agw haproxy; do
				one "$role" "$g0" "$c" "$impl" hold || exit 1
			done
		done
	done
done >"$tmp/raw"
echo "bench: tls_sessions_load_after = $(cut -d' ' -f1 /proc/loadavg) load"

bench_medians "$tmp/raw" >"$tmp/med"
cat "$tmp/med"
for role in $roles; do
	for c in $certs; do
		for g in $groups; do
			t=tls_sessions_${role}_${g}_$c
			bench_ratio "$tmp/med" "${t}_hs_vs_haproxy" \
				"${t}_agw_hs_per_cpu_s" "${t}_haproxy_hs_per_cpu_s"
		done
		t=tls_sessions_${role}_$c
		bench_ratio "$tmp/med" "${t}_mem_vs_haproxy" "${t}_agw_mem" "${t}_haproxy_mem"
	done
done
echo "bench: note = user-space TLS (no kTLS in this kernel), shared 2-core machine; rerun with: make bench BENCHES=tls_sessions (TLS_SESSIONS_QUICK=1: short)"
