#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# timeout: 300
#
# agwd's relay as an operator and the MGC see it: agwd, the real Erlang
# megaco MGC and two real TCP peers (UE on the access side, a peer on the
# core side) in network namespaces. agwd runs once per [relay] path
# (copy, splice, sockmap, sockmap with bpf = off, sockmap with a pin_dir
# outside bpffs), restarted with the same pin directory and another
# [limits] contexts each time, once after a crash that left its pins
# (they must not cost the next agwd the sockmap program). In each run
# two calls (tests/mgc/agwd/relay.scn) move random payloads of random
# sizes both ways, byte-exact; while a flow is open `agwctl -j flows`
# shows its path, why, and exact byte counts each way; the Subtract
# Statistics give the exact octets (nt/os, nt/or) and nonzero segment
# counts (the segment statistics), for a flow whose peers closed before the
# Subtract and for one subtracted open, whose peers then get agwd's FIN
# (not a reset) and the flow ends cleanly once they answer with theirs. agwd logs the path and why of
# each flow, and whether the sockmap program loaded.
set -u
. "$AGW_SRC/tests/integration/lib/common.sh"
. "$AGW_SRC/tests/integration/lib/mgc_lab.sh"
require_root
command -v jq >/dev/null || fail "jq missing (deps/mgc.list)"
make -C "$AGW_SRC" --no-print-directory mgc >/dev/null || fail "make mgc"

TMP=$(mktemp -d /tmp/agw-rctl-XXXXXX)
PIN=/sys/fs/bpf/agw-rctl-$$
T_CLEAN+=("rm -rf $TMP $PIN")
PEER="python3 $AGW_SRC/tests/integration/lib/agwd_peer.py"
SCN=$AGW_SRC/tests/mgc/agwd
AGWD_PID=
MGC_PID=
lab_setup rctl 82

die() {
	echo "FAIL: $*"
	echo "---- agwd log (tail)"
	tail -n 60 "$TMP/agwd.log"
	echo "---- mgc"
	cut -c1-400 "$TMP/mgc.out" 2>/dev/null | tail -n 10
	tail -n 20 "$TMP/mgc.err" 2>/dev/null
	for f in "$TMP"/*.peer; do
		[ -e "$f" ] && echo "---- $f" && cat "$f"
	done
	exit 1
}

flows() { "$AGWCTL" --socket "$TMP/agwd.sock" -j flows; }

start_agwd() { # PATH BPF CONTEXTS
	cat >"$TMP/agwd.conf" <<CONF
[agwd]
state_dir = $TMP/state
control_socket = $TMP/agwd.sock
gate_pin_dir = $PIN
[h248]
mgc = 127.0.0.1:2945
address = 127.0.0.1
port = 2944
[limits]
contexts = $3
terminations = $(($3 * 2))
[timers]
registration_retry_ms = 200
registration_retry_max_ms = 1000
[relay]
path = $1
bpf = $2
${RELAY_EXTRA:-}
$(lab_realms rctl 31000)
CONF
	lab_start_agwd
}

# SIGTERM twice: Graceful, then Forced (the MGC of the run is gone); a
# clean exit removes the relay's pins. crash: SIGKILL, the pins stay.
stop_agwd() { # [crash]
	if [ "${1:-}" = crash ]; then
		kill -KILL "$AGWD_PID"
		wait "$AGWD_PID"
		[ -e "$PIN/relay/agw_r_dirs" ] || die "$T: no pins after a crash"
		AGWD_PID=
		return
	fi
	kill "$AGWD_PID" 2>/dev/null
	sleep 0.2
	kill "$AGWD_PID" 2>/dev/null
	wait_for 30 '! kill -0 $AGWD_PID' || die "agwd did not stop"
	wait "$AGWD_PID" || die "$T: agwd exit status $? (sanitizer report?)"
	AGWD_PID=
	[ ! -e "$PIN/relay/agw_r_dirs" ] || die "$T: relay pins left at exit"
}

run_mgc() {
	lab_run_mgc udp "$SCN/relay.scn" 200 ue_port=40000 core_peer_port=40001
	T_PIDS+=($MGC_PID)
}

digest() { $PEER digest 0 0 --send "$1" --seed "$2" --random; }
line_of() { grep "^$1 " "$2" | cut -d' ' -f2-; }

# One call: both peers send a random payload and hold the connection
# open once they have everything; flows is checked then. CLOSE=1: the
# peers then close and the relay ends before the Subtract.
call() { # SYNC PATH WHY CLOSE
	local sync=$1 path=$2 why=$3 close=$4 na nb ctx acc core f j
	wait_sync "$sync"
	ctx=$(var acc.context) acc=$(var acc.term) core=$(var core.term)
	na=$((RANDOM * 40 + 1 + RANDOM % 7)) # UE -> core, up to 1.3 MB
	nb=$((RANDOM * 40 + 3))              # core -> UE
	# (a background job's redirection may come late: no stale lines)
	rm -f "$TMP/hold" "$TMP/ue.peer" "$TMP/core.peer"
	in_ns "$UE" $PEER connect "$(var acc.addr)" "$(var acc.port)" \
		--src $UE_ADDR --send $na --seed $na --random --expect $nb \
		--hold "$TMP/hold" --timeout 60 >"$TMP/ue.peer" 2>&1 &
	local ue=$!
	T_PIDS+=($ue)
	in_ns "$CORE" $PEER connect "$(var core.addr)" "$(var core.port)" \
		--src $CORE_ADDR --send $nb --seed $nb --random --expect $na \
		--hold "$TMP/hold" --timeout 60 >"$TMP/core.peer" 2>&1 &
	local co=$!
	T_PIDS+=($co)
	wait_for 60 'grep -q "^got" "$TMP/ue.peer" && grep -q "^got" "$TMP/core.peer"' ||
		die "$T $sync: the payloads did not arrive"
	[ "$(line_of got "$TMP/ue.peer")" = "$(digest $nb $nb)" ] ||
		die "$T $sync: the UE got the wrong bytes"
	[ "$(line_of got "$TMP/core.peer")" = "$(digest $na $na)" ] ||
		die "$T $sync: the core peer got the wrong bytes"
	# the flow, open, with exact counts
	j=$(flows) || die "$T: agwctl -j flows failed"
	f=$(echo "$j" | jq -c --argjson c "$ctx" '.flows[] | select(.context == $c)')
	[ -n "$f" ] || die "$T $sync: context $ctx not in flows: $j"
	[ "$(echo "$f" | jq -r '.a + " " + .b + " " + .path + " " + .why')" = "$acc $core $path $why" ] ||
		die "$T $sync: flow $f, wanted $acc $core $path $why"
	[ "$(echo "$f" | jq '.a_to_b.bytes')" = $na ] ||
		die "$T $sync: a_to_b.bytes, wanted $na: $f"
	[ "$(echo "$f" | jq '.b_to_a.bytes')" = $nb ] ||
		die "$T $sync: b_to_a.bytes, wanted $nb: $f"
	echo "$f" | jq -e '.a_to_b.user_bytes <= .a_to_b.bytes and
		.b_to_a.user_bytes <= .b_to_a.bytes and .idle_ms != null and
		.a_to_b.closed == false and .a_to_b.limit > 0' >/dev/null ||
		die "$T $sync: counters: $f"
	if [ "$path" != sockmap ]; then
		echo "$f" | jq -e '.a_to_b.user_bytes == 0' >/dev/null ||
			die "$T $sync: user_bytes on $path: $f"
	fi
	"$AGWCTL" --socket "$TMP/agwd.sock" -j contexts | jq -e --argjson c "$ctx" \
		--arg p "$path" '.contexts[] | select(.id == $c) | .relay_path == $p' \
		>/dev/null || die "$T $sync: contexts: no relay_path $path"
	"$AGWCTL" --socket "$TMP/agwd.sock" relays "$ctx" |
		grep -Eq "^$ctx +$acc +$core +$path +$why +$na +$nb " ||
		die "$T $sync: agwctl flows text: $("$AGWCTL" --socket "$TMP/agwd.sock" flows)"
	[ "$sync" = open ] && "$AGWCTL" --socket "$TMP/agwd.sock" flows &&
		echo "$j"
	grep -q "context $ctx: relaying $acc <-> $core on $path ($why" \
		"$TMP/agwd.log" || die "$T $sync: path and why not logged"
	if [ "$close" = 1 ]; then
		touch "$TMP/hold"
		wait $ue || die "$T $sync: UE peer: $(cat "$TMP/ue.peer")"
		wait $co || die "$T $sync: core peer: $(cat "$TMP/core.peer")"
		[ "$(line_of received "$TMP/ue.peer")" = "$(digest $nb $nb)" ] ||
			die "$T $sync: the UE's total"
		[ "$(line_of received "$TMP/core.peer")" = "$(digest $na $na)" ] ||
			die "$T $sync: the core peer's total"
		wait_for 30 '[ "$(flows | jq .count)" = 0 ]' ||
			die "$T $sync: the flow did not end: $(flows)"
		grep -q "context $ctx: relay closed on $path" "$TMP/agwd.log" ||
			die "$T $sync: end of the relay not logged"
	fi
	go "$sync"
	if [ "$close" = 0 ]; then
		# the Subtract releases the open flow: FIN both ways behind
		# every byte (no reset), the flow draining until the peers
		# answer with theirs
		wait $ue || die "$T: UE peer after the release: $(cat "$TMP/ue.peer")"
		wait $co || die "$T: core peer after the release: $(cat "$TMP/core.peer")"
		[ "$(line_of received "$TMP/ue.peer")" = "$(digest $nb $nb)" ] ||
			die "$T $sync: the UE's total after the release"
		[ "$(line_of received "$TMP/core.peer")" = "$(digest $na $na)" ] ||
			die "$T $sync: the core peer's total after the release"
		wait_for 30 'grep -q "context $ctx: released relay closed on $path ($acc->$core $na, $core->$acc $nb octets; dropped after the release: 0 from $acc, 0 from $core)$" "$TMP/agwd.log"' ||
			die "$T $sync: the released flow's clean end not logged"
		wait_for 10 '[ "$(flows | jq .count)" = 0 ]' ||
			die "$T $sync: the released flow stays: $(flows)"
	fi
	CALL_NA=$na CALL_NB=$nb CALL_ACC=$acc CALL_CORE=$core
}

check_stats() { # N (of the release)
	local n=$1 s
	[ "$(release_stat $n $CALL_ACC nt/or)" = $CALL_NA ] ||
		die "$T release $n: nt/or of $CALL_ACC is '$(release_stat $n $CALL_ACC nt/or)', sent $CALL_NA"
	[ "$(release_stat $n $CALL_ACC nt/os)" = $CALL_NB ] ||
		die "$T release $n: nt/os of $CALL_ACC is '$(release_stat $n $CALL_ACC nt/os)'"
	[ "$(release_stat $n $CALL_CORE nt/or)" = $CALL_NB ] ||
		die "$T release $n: nt/or of $CALL_CORE"
	[ "$(release_stat $n $CALL_CORE nt/os)" = $CALL_NA ] ||
		die "$T release $n: nt/os of $CALL_CORE"
	# segments: at least one, at most one per octet
	for s in "$CALL_ACC $ITEM_ST_PKT_RECV $CALL_NA" "$CALL_ACC $ITEM_ST_PKT_SENT $CALL_NB" \
		"$CALL_CORE $ITEM_ST_PKT_RECV $CALL_NB" "$CALL_CORE $ITEM_ST_PKT_SENT $CALL_NA"; do
		set -- $s
		local v
		v=$(release_stat $n $1 $2)
		[ -n "$v" ] && [ "$v" -ge 1 ] && [ "$v" -le "$3" ] ||
			die "$T release $n: $2 of $1 is '$v' for $3 octets"
	done
}

run() { # PATH BPF CONTEXTS EXPECTED_PATH WHY [crash]
	T="path=$1,bpf=$2${RELAY_EXTRA:+,$RELAY_EXTRA}"
	start_agwd "$1" "$2" "$3"
	if [ -n "${RELAY_EXTRA:-}" ]; then
		# a pin_dir outside bpffs: the program loads without pins
		grep -q "relay: sockmap program with its maps pinned in $TMP/notbpf: .*; loading it without pins" \
			"$TMP/agwd.log" || die "$T: failed pinning not logged"
		grep -q "relay: default path $1; sockmap program loaded (maps not pinned)" \
			"$TMP/agwd.log" || die "$T: sockmap not loaded without pins"
	elif [ "$2" = on ]; then
		grep -q "relay: default path $1; sockmap program loaded, maps pinned in $PIN/relay" \
			"$TMP/agwd.log" || die "$T: sockmap status not logged"
		bpftool map show pinned "$PIN/relay/agw_r_dirs" >/dev/null ||
			die "$T: agw_r_dirs not pinned"
	else
		grep -q "sockmap off (\[relay\] bpf = off)" "$TMP/agwd.log" ||
			die "$T: bpf = off not logged"
		flows | jq -e '.sockmap == "off"' >/dev/null ||
			die "$T: flows: sockmap not off: $(flows)"
	fi
	run_mgc
	call closed "$4" "$5" 1
	local na1=$CALL_NA nb1=$CALL_NB acc1=$CALL_ACC core1=$CALL_CORE
	call open "$4" "$5" 0
	wait "$MGC_PID" || die "$T: MGC exit $?"
	grep -q '"cmd":"end","ok":true' "$TMP/mgc.out" || die "$T: scenario"
	check_stats 2
	CALL_NA=$na1 CALL_NB=$nb1 CALL_ACC=$acc1 CALL_CORE=$core1
	check_stats 1
	stop_agwd "${6:-}"
	echo "ok: $T: $4 ($5), byte-exact both ways, flows and Statistics exact (closed first, and open)"
}

run copy on 64 copy default
run splice on 32 splice default crash
# the pins of the crashed run are there, with another size
run sockmap on 48 sockmap default
run sockmap off 64 copy no-bpf
mkdir -p "$TMP/notbpf"
RELAY_EXTRA="pin_dir = $TMP/notbpf" run sockmap on 16 sockmap default
echo "PASS"
