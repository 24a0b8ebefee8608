#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# timeout: 600
#
# Two agwd back to back, each driven by its own real megaco MGC (b2b lab):
# UE - GW (the IMS-AGW) - GW2 (the TrGW) - core peer. Over H.248/UDP and
# H.248/TCP: delayed establishment on all four terminations, address and
# port filtering on both middle ones and toward the UE (the UE's first SYN
# dropped, its retransmission admitted), SYN interlinkage across both
# agwd: the UE's SYN makes the IMS-AGW open toward the TrGW, whose filter
# admits that SYN only because it leaves from the announced address and
# port, and that accepted connection makes the TrGW open toward the core
# peer (also from its announced port; interlinkage there is the TrGW's
# [h248] synlink_default = on, not set by its MGC). Bytes both ways
# byte-exact, the Subtract Statistics of all four terminations consistent
# with them and with the gate's SYN counters. The same with e2ae TLS on the
# access side (the UE a TLS client from its fixed port, its certificate
# checked against the Configure's fingerprint; the IMS-AGW relays TLS to
# plain TCP): over UDP and TCP too. Then the same with the IMS-AGW on
# [h248] active_open_source = ephemeral: the TrGW drops its SYN. Then a
# simultaneous open: both agwd open toward each other at once (their first
# SYNs held back until both are out, so that the retransmissions cross),
# and both connect without an accept. And requests agwd refuses instead
# of answering success while doing nothing: SYN ignoring or filtering in
# a realm without a gate, Mode Inactive, ignoring and filtering at once.
set -u
. "$AGW_SRC/tests/integration/lib/common.sh"
. "$AGW_SRC/tests/integration/lib/mgc_lab.sh"
require_root
make -C "$AGW_SRC" --no-print-directory mgc >/dev/null || fail "make mgc"

TMP=$(mktemp -d /tmp/agw-b2b-XXXXXX)
PIN=/sys/fs/bpf/agw-b2b-$$
T_CLEAN+=("rm -rf $TMP $PIN-imsagw $PIN-trgw")
PEER="python3 $AGW_SRC/tests/integration/lib/agwd_peer.py"
SCN=$AGW_SRC/tests/mgc/agwd
UE_PORT=40123
CORE_PORT=40200

lab_setup_b2b bb 85
# the UE retransmits its first (dropped) SYN after 1 s: keep it so under load
ip netns exec "$UE" sysctl -qw net.ipv4.tcp_syn_retries=6

die() {
	echo "FAIL: $*"
	for n in imsagw trgw; do
		[ -e "$TMP/agwd-$n.log" ] || continue
		echo "---- agwd $n (tail, without debug lines)"
		grep -v ' debug: \|^[^0-9]' "$TMP/agwd-$n.log" | tail -n 40
		echo "---- mgc $n"
		cut -c1-500 "$TMP/mgc-$n.out" 2>/dev/null | tail -n 8
		tail -n 10 "$TMP/mgc-$n.err" 2>/dev/null
	done
	for f in "$TMP"/*.peer; do
		[ -e "$f" ] && echo "---- $f" && cat "$f"
	done
	exit 1
}

ctl() { "$BUILD/helpers/agw_ctl_request" "$TMP/agwd-$1.sock" terminations; }
term_field() { # AGWD TERM FIELD
	ctl "$1" | jq -r --arg t "$2" \
		".terminations[] | select(.id == \$t) | .$3"
}
digest() { $PEER digest 0 0 --send "$1" --seed "$2"; }
recv_of() { grep '^received' "$1" | cut -d' ' -f2-; }
# stat_of AGWD TERM NAME: statistic NAME of TERM in that MGC's last release
stat_of() { MGC_OUT=$TMP/mgc-$1.out release_stat '$' "$2" "$3"; }

conf() { # NAME TRANSPORT ACCESS_IF CORE_IF [EXTRA [h248] LINES]
	cat >"$TMP/agwd-$1.conf" <<CONF
[agwd]
mid = [127.0.0.1]:2944
state_dir = $TMP/state-$1
control_socket = $TMP/agwd-$1.sock
gate_pin_dir = $PIN-$1
[h248]
mgc = 127.0.0.1:2945
transport = $2
address = 127.0.0.1
port = 2944
${5:-}
[timers]
registration_retry_ms = 200
registration_retry_max_ms = 1000
heartbeat_ms = 1000
[log]
level = debug
$(lab_realms_if "$3" "$4" 34000)
CONF
}

# start TRANSPORT SCENARIO_IMSAGW SCENARIO_TRGW IMSAGW_EXTRA: both agwd and
# their MGCs; A_VARS and B_VARS are more VAR=VALUE for each MGC
A_VARS=() B_VARS=()
start() {
	local t=$1 a=$2 b=$3 extra=$4
	conf imsagw "$t" bb-a bb-m "$extra"
	# the TrGW interlinks by default (the Ix behaviour of TR 29.828)
	conf trgw "$t" bb-n bb-c "synlink_default = on"
	lab_run_mgc_as imsagw "$GW" "$t" 2945 "$SCN/$a" 200 \
		ue_port=$UE_PORT "${A_VARS[@]}"
	lab_run_mgc_as trgw "$GW2" "$t" 2945 "$SCN/$b" 200 \
		core_peer_port=$CORE_PORT "${B_VARS[@]}"
	lab_start_agwd_as imsagw "$GW"
	lab_start_agwd_as trgw "$GW2"
}

stop() {
	local n
	for n in imsagw trgw; do
		mgc_wait $n || die "$R: MGC $n: scenario failed"
		grep -q '"cmd":"end","ok":true' "$TMP/mgc-$n.out" ||
			die "$R: MGC $n did not finish"
	done
	for n in imsagw trgw; do
		[ "$(ctl $n | jq '.terminations | length')" = 0 ] ||
			die "$R: agwd $n kept terminations after the release"
		kill "${AGWD_PIDS[$n]}" 2>/dev/null
		wait "${AGWD_PIDS[$n]}" 2>/dev/null
		unset "AGWD_PIDS[$n]"
	done
}

# ---- delayed establishment, filtering, interlinkage across both --------
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-subj /CN=ue -days 2 -keyout "$TMP/ue-key.pem" -out "$TMP/ue-cert.pem" \
	2>/dev/null || die "openssl req"
UE_FP=$(openssl x509 -in "$TMP/ue-cert.pem" -noout -fingerprint -sha256 |
	sed 's/.*=//')

delayed() { # TRANSPORT [ephemeral|tls]
	local t=$1 eph="" tls="" extra="" scn=b2b_imsagw.scn
	case "${2:-}" in
	ephemeral) eph=1 ;;
	tls) tls=1 scn=b2b_imsagw_tls.scn A_VARS=(ue_fp="$UE_FP") ;;
	esac
	R="$t${eph:+ ephemeral}${tls:+ e2ae TLS}"
	[ -n "$eph" ] && extra="active_open_source = ephemeral"
	start "$t" $scn b2b_trgw.scn "$extra"
	A_VARS=()
	wait_sync_as imsagw reserved
	local a_acc a_acc_addr a_acc_port a_core a_core_addr a_core_port
	a_acc=$(var acc.term) a_acc_addr=$(var acc.addr) a_acc_port=$(var acc.port)
	a_core=$(var core.term) a_core_addr=$(var core.addr) a_core_port=$(var core.port)
	wait_sync_as trgw reserved
	local b_acc b_acc_addr b_acc_port b_core b_core_addr b_core_port
	b_acc=$(var acc.term) b_acc_addr=$(var acc.addr) b_acc_port=$(var acc.port)
	b_core=$(var core.term) b_core_addr=$(var core.addr) b_core_port=$(var core.port)
	for x in "imsagw $a_acc" "imsagw $a_core" "trgw $b_acc" "trgw $b_core"; do
		set -- $x
		[ "$(term_field $1 $2 gate_mode)" = ignore ] ||
			die "$R: $1 $2 not ignoring SYNs after the Reserve"
	done
	# each MGC learns the other agwd's middle termination (SDP exchange)
	go_as trgw reserved peer_addr="$a_core_addr" peer_port="$a_core_port"
	go_as imsagw reserved peer_addr="$b_acc_addr" peer_port="$b_acc_port"
	wait_sync_as trgw data
	wait_sync_as imsagw syn
	# indication 5: filtering on ended the ignoring (no synign = OFF sent)
	[ "$(term_field trgw "$b_acc" gate_mode)" = filter ] ||
		die "$R: TrGW access termination not filtering"
	[ "$(term_field imsagw "$a_core" gate_mode)" = filter ] ||
		die "$R: IMS-AGW core termination not filtering"
	rm -f "$TMP"/*.peer
	in_ns "$CORE" $PEER listen "$CORE_ADDR" $CORE_PORT --send 90001 \
		--seed 11 --timeout 60 >"$TMP/core.peer" 2>&1 &
	local co=$!
	T_PIDS+=($co)
	wait_for 30 '[ -n "$(in_ns "$CORE" ss -Hltn sport = :$CORE_PORT)" ]' ||
		die "$R: the core peer does not listen"
	if [ -n "$tls" ]; then
		in_ns "$UE" python3 "$AGW_SRC/tests/integration/lib/tls_ue_peer.py" \
			"$a_acc_addr" "$a_acc_port" --src "$UE_ADDR" \
			--sport $UE_PORT --cert "$TMP/ue-cert.pem" \
			--key "$TMP/ue-key.pem" --send 120003 --seed 7 \
			--timeout 60 >"$TMP/ue.peer" 2>&1 &
	else
		in_ns "$UE" $PEER connect "$a_acc_addr" "$a_acc_port" \
			--src "$UE_ADDR" --sport $UE_PORT --send 120003 \
			--seed 7 --timeout 60 >"$TMP/ue.peer" 2>&1 &
	fi
	local ue=$!
	T_PIDS+=($ue)
	wait_for 30 '[ "$(term_field imsagw "$a_acc" syn_dropped)" -ge 1 ]' ||
		die "$R: the UE's first SYN was not dropped"
	go_as imsagw syn
	wait_sync_as imsagw data
	if [ -n "$eph" ]; then
		# the SYN from an ephemeral port does not pass the TrGW's filter
		wait_for 30 '[ "$(term_field trgw "$b_acc" syn_dropped)" -ge 1 ]' ||
			die "$R: the TrGW did not drop the SYN from an ephemeral port"
		grep -q "$a_core: active open toward the remote from an ephemeral port" \
			"$TMP/agwd-imsagw.log" || die "$R: no active open logged"
		[ "$(term_field trgw "$b_acc" state)" = listening ] ||
			die "$R: the TrGW accepted a SYN from an ephemeral port"
		go_as trgw data
		go_as imsagw data
		kill $ue $co 2>/dev/null
		stop
		echo "ok: $R: the TrGW's address+port filter drops the IMS-AGW's SYN from an ephemeral port"
		return
	fi
	wait $ue || die "$R: UE: $(cat "$TMP/ue.peer")"
	wait $co || die "$R: core peer: $(cat "$TMP/core.peer")"
	[ "$(recv_of "$TMP/ue.peer")" = "$(digest 90001 11)" ] ||
		die "$R: the UE got the wrong bytes"
	[ "$(recv_of "$TMP/core.peer")" = "$(digest 120003 7)" ] ||
		die "$R: the core peer got the wrong bytes"
	# every SYN agwd sent left from the port its Local announced
	grep -q "^from $b_core_addr $b_core_port\$" "$TMP/core.peer" ||
		die "$R: the TrGW's SYN did not come from $b_core_addr:$b_core_port: $(head -1 "$TMP/core.peer")"
	grep -q "$b_acc: connection from $a_core_addr:$a_core_port\$" \
		"$TMP/agwd-trgw.log" ||
		die "$R: the TrGW did not accept the IMS-AGW's SYN from $a_core_addr:$a_core_port"
	grep -q "$a_acc: SYN interlinkage -> $a_core" "$TMP/agwd-imsagw.log" ||
		die "$R: no interlinkage in the IMS-AGW"
	grep -q "$b_acc: SYN interlinkage -> $b_core" "$TMP/agwd-trgw.log" ||
		die "$R: no interlinkage in the TrGW"
	if [ -n "$tls" ]; then
		grep -q "$a_acc: TLS verified" "$TMP/agwd-imsagw.log" ||
			die "$R: the UE's certificate was not verified"
		grep -q "context [0-9]*: relaying $a_acc (TLS" "$TMP/agwd-imsagw.log" ||
			die "$R: the IMS-AGW did not relay TLS to TCP"
	fi
	go_as trgw data
	go_as imsagw data
	stop
	# octets: what one termination received its neighbour sent on
	local s
	for s in "imsagw $a_acc nt/or 120003" "imsagw $a_acc nt/os 90001" \
		"imsagw $a_core nt/os 120003" "imsagw $a_core nt/or 90001" \
		"trgw $b_acc nt/or 120003" "trgw $b_acc nt/os 90001" \
		"trgw $b_core nt/os 120003" "trgw $b_core nt/or 90001"; do
		set -- $s
		[ "$(stat_of $1 $2 $3)" = "$4" ] ||
			die "$R: $3 of $1 $2 is '$(stat_of $1 $2 $3)', want $4"
	done
	# SYNs: the UE's first dropped and one admitted; the IMS-AGW's SYN
	# admitted by the TrGW at once (none dropped); agwd's own SYNs are
	# not incoming (the outer core and the IMS-AGW core admit none)
	[ "$(stat_of imsagw "$a_acc" "$ITEM_ST_SYN_DROPPED")" -ge 1 ] &&
		[ "$(stat_of imsagw "$a_acc" "$ITEM_ST_SYN_ADMITTED")" = 1 ] ||
		die "$R: SYN counters of the UE's termination"
	[ "$(stat_of trgw "$b_acc" "$ITEM_ST_SYN_ADMITTED")" = 1 ] &&
		[ "$(stat_of trgw "$b_acc" "$ITEM_ST_SYN_DROPPED")" = 0 ] ||
		die "$R: SYN counters of the TrGW's access termination"
	[ "$(stat_of imsagw "$a_core" "$ITEM_ST_SYN_ADMITTED")" = 0 ] &&
		[ "$(stat_of trgw "$b_core" "$ITEM_ST_SYN_ADMITTED")" = 0 ] ||
		die "$R: an agwd's own SYN counted as incoming"
	echo "ok: $R: delayed establishment and address+port filtering on both agwd, interlinkage across both from the announced ports,${tls:+ e2ae TLS verified toward the UE,} byte-exact both ways, Statistics of all four terminations"
}

# ---- simultaneous open across the middle link ----------------------------
simopen() { # TRANSPORT
	local t=$1
	R="$t simultaneous open"
	# the IMS-AGW's middle is its core realm, the TrGW's its access realm
	A_VARS=(mid_realm=core outer_realm=access)
	B_VARS=(mid_realm=access outer_realm=core)
	start "$t" b2b_simopen.scn b2b_simopen.scn ""
	wait_sync_as imsagw reserved
	local a_mid a_mid_addr a_mid_port a_out a_out_addr a_out_port
	a_mid=$(var mid.term) a_mid_addr=$(var mid.addr) a_mid_port=$(var mid.port)
	a_out_addr=$(var outer.addr) a_out_port=$(var outer.port)
	wait_sync_as trgw reserved
	local b_mid b_mid_addr b_mid_port b_out_addr b_out_port
	b_mid=$(var mid.term) b_mid_addr=$(var mid.addr) b_mid_port=$(var mid.port)
	b_out_addr=$(var outer.addr) b_out_port=$(var outer.port)
	# each agwd's first SYN on the middle link is held back (nftables,
	# output) until both are out: the retransmissions cross, each
	# reaching the other's connecting socket (not its listener)
	local ns
	for ns in "$GW bb-m" "$GW2 bb-n"; do
		set -- $ns
		in_ns "$1" nft -f - <<NFT || die "$R: nft"
table inet agwb2b {
	chain out {
		type filter hook output priority 0;
		oifname "$2" tcp flags & (syn | ack) == syn drop
	}
}
NFT
		T_CLEAN+=("nsenter --net=/run/netns/$1 nft delete table inet agwb2b")
	done
	go_as imsagw reserved peer_addr="$b_mid_addr" peer_port="$b_mid_port"
	go_as trgw reserved peer_addr="$a_mid_addr" peer_port="$a_mid_port"
	wait_for 30 '[ -n "$(in_ns "$GW" ss -Htn state syn-sent dst "$b_mid_addr")" ] &&
		[ -n "$(in_ns "$GW2" ss -Htn state syn-sent dst "$a_mid_addr")" ]' ||
		die "$R: both agwd did not open toward each other"
	in_ns "$GW" nft delete table inet agwb2b
	in_ns "$GW2" nft delete table inet agwb2b
	wait_sync_as imsagw data
	wait_sync_as trgw data
	wait_for 30 '[ "$(term_field imsagw "$a_mid" state)" = connected ] &&
		[ "$(term_field trgw "$b_mid" state)" = connected ]' ||
		die "$R: the middle connection did not come up"
	grep -q "$a_mid: connected to the remote" "$TMP/agwd-imsagw.log" &&
		grep -q "$b_mid: connected to the remote" "$TMP/agwd-trgw.log" ||
		die "$R: not both sides connected by their own active open"
	! grep -q "$a_mid: connection from" "$TMP/agwd-imsagw.log" &&
		! grep -q "$b_mid: connection from" "$TMP/agwd-trgw.log" ||
		die "$R: a listener accepted (the SYNs did not cross)"
	rm -f "$TMP"/*.peer
	in_ns "$UE" $PEER connect "$a_out_addr" "$a_out_port" --src "$UE_ADDR" \
		--send 50001 --seed 3 --timeout 60 >"$TMP/ue.peer" 2>&1 &
	local ue=$!
	T_PIDS+=($ue)
	in_ns "$CORE" $PEER connect "$b_out_addr" "$b_out_port" \
		--src "$CORE_ADDR" --send 40009 --seed 5 --timeout 60 \
		>"$TMP/core.peer" 2>&1 || die "$R: core peer: $(cat "$TMP/core.peer")"
	wait $ue || die "$R: UE: $(cat "$TMP/ue.peer")"
	[ "$(recv_of "$TMP/ue.peer")" = "$(digest 40009 5)" ] &&
		[ "$(recv_of "$TMP/core.peer")" = "$(digest 50001 3)" ] ||
		die "$R: wrong bytes"
	go_as imsagw data
	go_as trgw data
	stop
	[ "$(stat_of imsagw "$a_mid" nt/os)" = 50001 ] &&
		[ "$(stat_of trgw "$b_mid" nt/or)" = 50001 ] &&
		[ "$(stat_of trgw "$b_mid" nt/os)" = 40009 ] ||
		die "$R: Statistics of the middle terminations"
	echo "ok: $R: both agwd opened from their announced ports at once and connected (no accept), byte-exact through both"
}

# ---- requests refused, not answered with success and ignored -------------
refused() {
	R="refused requests"
	conf imsagw udp bb-a bb-m
	cat >>"$TMP/agwd-imsagw.conf" <<CONF
[realm nogate]
interface = bb-a
ports = 34300-34399
attach = none
CONF
	lab_run_mgc_as imsagw "$GW" udp 2945 "$SCN/refused.scn" 200
	lab_start_agwd_as imsagw "$GW"
	wait_sync_as imsagw nothing
	[ "$(ctl imsagw | jq '.terminations | length')" = 0 ] ||
		die "$R: a refused Add left a termination"
	go_as imsagw nothing
	mgc_wait imsagw || die "$R: MGC scenario failed"
	kill "${AGWD_PIDS[imsagw]}" 2>/dev/null
	wait "${AGWD_PIDS[imsagw]}" 2>/dev/null
	unset "AGWD_PIDS[imsagw]"
	echo "ok: $R: no gate 449, Mode Inactive 517, ignore with filtering 473, nothing created"
}

refused
for t in udp tcp; do
	delayed $t
	delayed $t tls
done
delayed udp ephemeral
simopen udp
echo "PASS"
