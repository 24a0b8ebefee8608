#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# timeout: 400
#
# IPv6 end to end through a real megaco MGC: a context with the UE on IPv6
# (access) and the core peer on IPv4, over H.248/TCP on IPv6 (megaco's UDP
# transport cannot answer an IPv6 MG: Documentation/testing-mgc.md) and
# over H.248/UDP on IPv4. Delayed establishment: the UE's first SYN is
# dropped; call 1 filters on the Remote's address (/128) and port, so the
# UE's retransmission connects and another address of the same /64 stays
# blocked; call 2 filters on a prefix (gm/sam ADDR/64, any port), so that
# other address connects and one outside the prefix stays blocked. Bytes
# both ways byte-exact across the IPv6/IPv4 context, Statistics exact.
set -u
. "$AGW_SRC/tests/integration/lib/common.sh"
. "$AGW_SRC/tests/integration/lib/mgc_lab.sh"
require_root
make -C "$AGW_SRC" --no-print-directory mgc >/dev/null || fail "make mgc"

TMP=$(mktemp -d /tmp/agw-v6-XXXXXX)
PIN=/sys/fs/bpf/agw-v6-$$
T_CLEAN+=("rm -rf $TMP $PIN")
PEER="python3 $AGW_SRC/tests/integration/lib/agwd_peer.py"
SCN=$AGW_SRC/tests/mgc/agwd
UE_PORT=40123

lab_setup v6x 86
lab_add_ipv6 v6x 86
UE_IN6=fd00:86:1::3  # same /64 as the UE, not the Remote's address
UE_OUT6=fd00:86:7::2 # outside the /64
ip -n "$UE" addr add $UE_IN6/64 dev v6x-ue nodad
ip -n "$UE" addr add $UE_OUT6/128 dev v6x-ue nodad
ip -n "$GW" -6 route add fd00:86:7::/64 via "$UE_ADDR6"
ip netns exec "$UE" sysctl -qw net.ipv4.tcp_syn_retries=6

die() {
	echo "FAIL: $*"
	echo "---- agwd (tail, without debug lines)"
	grep -v ' debug: \|^[^0-9]' "$TMP/agwd-v6.log" | tail -n 40
	echo "---- mgc"
	cut -c1-500 "$TMP/mgc-v6.out" 2>/dev/null | tail -n 8
	tail -n 10 "$TMP/mgc-v6.err" 2>/dev/null
	for f in "$TMP"/*.peer; do
		[ -e "$f" ] && echo "---- $f" && cat "$f"
	done
	exit 1
}

ctl() { "$BUILD/helpers/agw_ctl_request" "$TMP/agwd-v6.sock" terminations; }
term_field() { # TERM FIELD
	ctl | jq -r --arg t "$1" ".terminations[] | select(.id == \$t) | .$2"
}
digest() { $PEER digest 0 0 --send "$1" --seed "$2"; }
recv_of() { grep '^received' "$1" | cut -d' ' -f2-; }
stat_of() { # N TERM NAME: statistic of TERM in the Nth release's reply
	MGC_OUT=$TMP/mgc-v6.out release_stat "$@"
}
blocked() { # SRC ADDR PORT: a connect from SRC gets no answer
	in_ns "$UE" $PEER connect "$2" "$3" --src "$1" --timeout 4 \
		>"$TMP/other.peer" 2>&1
	grep -q timeout "$TMP/other.peer"
}

# call ACC_ADDR ACC_PORT CORE_ADDR CORE_PORT SRC SPORT N M: the UE (SRC)
# and the core peer exchange N and M bytes through the context
call() {
	in_ns "$UE" $PEER connect "$1" "$2" --src "$5" ${6:+--sport $6} \
		--send "$7" --seed 3 --timeout 60 >"$TMP/ue.peer" 2>&1 &
	local ue=$!
	T_PIDS+=($ue)
	if [ -n "$6" ]; then
		wait_for 30 '[ "$(term_field "$ACC" syn_dropped)" -ge 1 ]' ||
			die "$R: the UE's first SYN was not dropped"
		[ "$(term_field "$ACC" gate_mode)" = ignore ] ||
			die "$R: the access gate does not ignore"
		go_as v6 "$SYNC"
		wait_sync_as v6 "$DATA"
	fi
	wait_for 60 'grep -q connected "$TMP/ue.peer"' ||
		die "$R: the UE did not connect over IPv6"
	in_ns "$CORE" $PEER connect "$3" "$4" --src "$CORE_ADDR" --send "$8" \
		--seed 5 --timeout 60 >"$TMP/core.peer" 2>&1 ||
		die "$R: core peer: $(cat "$TMP/core.peer")"
	wait $ue || die "$R: UE: $(cat "$TMP/ue.peer")"
	[ "$(recv_of "$TMP/ue.peer")" = "$(digest "$8" 5)" ] &&
		[ "$(recv_of "$TMP/core.peer")" = "$(digest "$7" 3)" ] ||
		die "$R: wrong bytes"
}

run() { # TRANSPORT
	local t=$1 mid mgc addr fam=()
	if [ "$t" = tcp ]; then
		mid="[$GW_ADDR6]:2944" mgc="[$GW_ADDR6]:2945" addr=$GW_ADDR6
		fam=(--family inet6 --mid-addr "$GW_ADDR6")
	else
		mid="[127.0.0.1]:2944" mgc=127.0.0.1:2945 addr=127.0.0.1
	fi
	cat >"$TMP/agwd-v6.conf" <<CONF
[agwd]
mid = $mid
state_dir = $TMP/state
control_socket = $TMP/agwd-v6.sock
gate_pin_dir = $PIN
[h248]
mgc = $mgc
transport = $t
address = $addr
port = 2944
[timers]
registration_retry_ms = 200
registration_retry_max_ms = 1000
[log]
level = debug
$(lab_realms v6x 35000)
CONF
	lab_run_mgc_as v6 "$GW" "$t" 2945 "$SCN/ipv6.scn" 300 "${fam[@]}" \
		ue_addr6="$UE_ADDR6" ue_prefix6=fd00:86:1::/64 ue_port=$UE_PORT
	lab_start_agwd_as v6 "$GW"

	# call 1: /128 and port
	R="$t call 1 (/128 and port)"
	wait_sync_as v6 syn1
	ACC=$(var acc.term)
	local acc_addr=$(var acc.addr) acc_port=$(var acc.port)
	local core_addr=$(var core.addr) core_port=$(var core.port)
	case "$acc_addr" in fd00:86:1::1) ;; *) die "$R: access Local $acc_addr" ;; esac
	[ "$core_addr" = 10.86.2.1 ] || die "$R: core Local $core_addr"
	SYNC=syn1 DATA=data1
	call "$acc_addr" "$acc_port" "$core_addr" "$core_port" "$UE_ADDR6" \
		$UE_PORT 70001 50003
	[ "$(term_field "$ACC" gate_mode)" = filter ] ||
		die "$R: the gate does not filter"
	local before=$(term_field "$ACC" syn_dropped)
	blocked "$UE_IN6" "$acc_addr" "$acc_port" ||
		die "$R: another address of the /64 got through"
	[ "$(term_field "$ACC" syn_dropped)" -gt "$before" ] ||
		die "$R: its SYN was not counted"
	go_as v6 data1
	local acc1=$ACC core1=$(var core.term)

	# call 2: the prefix, any port
	R="$t call 2 (prefix)"
	wait_sync_as v6 syn2
	ACC=$(var acc.term) acc_addr=$(var acc.addr) acc_port=$(var acc.port)
	core_addr=$(var core.addr) core_port=$(var core.port)
	go_as v6 syn2
	wait_sync_as v6 data2
	[ "$(term_field "$ACC" gate_mode)" = filter ] ||
		die "$R: the gate does not filter"
	blocked "$UE_OUT6" "$acc_addr" "$acc_port" ||
		die "$R: an address outside the prefix got through"
	call "$acc_addr" "$acc_port" "$core_addr" "$core_port" "$UE_IN6" "" \
		30011 20007
	go_as v6 data2
	mgc_wait v6 || die "$t: MGC scenario failed"
	[ "$(stat_of 1 "$acc1" nt/or)" = 70001 ] &&
		[ "$(stat_of 1 "$acc1" nt/os)" = 50003 ] &&
		[ "$(stat_of 1 "$core1" nt/or)" = 50003 ] &&
		[ "$(stat_of 1 "$core1" nt/os)" = 70001 ] ||
		die "$t: Statistics of call 1"
	[ "$(stat_of 1 "$acc1" "$ITEM_ST_SYN_DROPPED")" -ge 2 ] ||
		die "$t: dropped SYNs of call 1"
	[ "$(stat_of 2 "$ACC" nt/or)" = 30011 ] &&
		[ "$(stat_of 2 "$ACC" nt/os)" = 20007 ] ||
		die "$t: Statistics of call 2"
	[ "$(stat_of 2 "$ACC" "$ITEM_ST_SYN_DROPPED")" -ge 1 ] ||
		die "$t: the SYN from outside the prefix not counted"
	if [ "$t" = tcp ]; then
		jq -e -s '.[] | select(.cmd == "register") | .peer |
			startswith("fd00:")' "$TMP/mgc-v6.out" >/dev/null ||
			die "$t: agwd did not register over IPv6"
	fi
	kill "${AGWD_PIDS[v6]}" 2>/dev/null
	wait "${AGWD_PIDS[v6]}" 2>/dev/null
	unset "AGWD_PIDS[v6]"
	echo "ok: $t: UE on IPv6, core on IPv4; delayed establishment with /128+port and with prefix filtering; byte-exact; Statistics"
}

run tcp
run udp
echo "PASS"
