#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# timeout: 900
#
# agwd end to end with the real Erlang megaco MGC (tests/mgc/agw_mgc), over
# UDP and over TCP, in a lab of network namespaces: agwd and the MGC in
# "gw", a UE on the access side, a peer on the core side, the SYN gate in
# XDP on both realm interfaces. Scenarios (tests/mgc/agwd/*.scn):
# 505 before registration; immediate establishment with bytes both ways
# and Subtract Statistics equal to them; delayed establishment (first SYN
# dropped, filtering admits the UE's retransmission, another address stays
# blocked); SYN interlinkage, active open and its failure Notify;
# robustness (identical replies to retransmissions, 400 with no state
# change, 411/430/435/445/449/450/451/452, several transactions per
# message); a realm address that goes away (fail safe + released-bearer
# Notify); TCP framing. Every scenario is a new MGC process, so agwd
# re-registers each time (the MGC restarting).
set -u
. "$AGW_SRC/tests/integration/lib/common.sh"
. "$AGW_SRC/tests/integration/lib/mgc_lab.sh"
require_root
make -C "$AGW_SRC" --no-print-directory mgc >/dev/null || fail "make mgc"

TMP=$(mktemp -d /tmp/agw-amgc-XXXXXX)
PIN=/sys/fs/bpf/agw-amgc-$$
T_CLEAN+=("rm -rf $TMP $PIN")
PEER="python3 $AGW_SRC/tests/integration/lib/agwd_peer.py"
SCN=$AGW_SRC/tests/mgc/agwd
UE_OTHER=10.81.1.3
UE_PORT=40123
CORE_PORT=40200
ESTAB_PORT=40201
REFUSED_PORT=40202
AGWD_PID=

lab_setup amgc 81
ip -n "$UE" addr add $UE_OTHER/24 dev amgc-ue
# the UE retransmits its SYN after 1 s: keep it so under load
ip netns exec "$UE" sysctl -qw net.ipv4.tcp_syn_retries=6

dump() {
	echo "---- agwd log (tail)"
	tail -n 80 "$TMP/agwd.log"
	echo "---- mgc"
	cut -c1-600 "$TMP/mgc.out" 2>/dev/null | tail -n 12
	tail -n 20 "$TMP/mgc.err" 2>/dev/null
}
die() {
	echo "FAIL: $*"
	dump
	exit 1
}

ctl() { in_ns "$GW" "$BUILD/helpers/agw_ctl_request" "$TMP/agwd.sock" "$@"; }
term_field() { # TERM FIELD
	ctl terminations | jq -r --arg t "$1" \
		".terminations[] | select(.id == \$t) | .$2"
}

start_agwd() { # transport
	cat >"$TMP/agwd.conf" <<CONF
[agwd]
mid = [127.0.0.1]:2944
state_dir = $TMP/state
control_socket = $TMP/agwd.sock
gate_pin_dir = $PIN
[h248]
mgc = 127.0.0.1:2945
transport = $1
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
$(lab_realms amgc 30000)
CONF
	lab_start_agwd
}

stop_agwd() {
	run_mgc "$T" shutdown
	wait_sync stop
	wait_for 60 '[ "$(ctl status | jq -r .registration)" = registered ]' ||
		die "agwd did not register before the shutdown"
	kill "$AGWD_PID" 2>/dev/null
	# Graceful ServiceChange: no MGC answers it now, agwd gives up
	for _ in $(seq 300); do
		kill -0 "$AGWD_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$AGWD_PID" 2>/dev/null && die "agwd did not stop on SIGTERM"
	grep -q 'ServiceChange Graceful' "$TMP/agwd.log" ||
		die "no Graceful ServiceChange on SIGTERM"
	AGWD_PID=
	go stop
	wait "$MGC_PID"
	echo "ok: $T Graceful ServiceChange on SIGTERM"
}

# 505: a request before registration completes (we play the MGC).
check_505() { # transport
	in_ns "$GW" python3 - "$1" <<'PY' || die "no 505 before registration ($1)"
import socket, struct, sys, time
req = (b"MEGACO/3 [127.0.0.1]:2945\nTransaction = 77 {\n"
       b"  Context = - { AuditValue = ROOT { Audit { } } }\n}\n")
deadline = time.time() + 30
if sys.argv[1] == "udp":
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 2945))
    s.settimeout(1)
    while time.time() < deadline:
        s.sendto(req, ("127.0.0.1", 2944))
        try:
            m = s.recv(65536)
        except socket.timeout:
            continue
        if b"77" in m and b"505" in m:
            print(m.decode()); sys.exit(0)
    sys.exit(1)
ls = socket.socket(); ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", 2945)); ls.listen(1); ls.settimeout(30)
c, _ = ls.accept(); c.settimeout(5)
c.sendall(struct.pack("!BBH", 3, 0, len(req) + 4) + req)
buf = b""
while time.time() < deadline:
    b = c.recv(65536)
    if not b:
        break
    buf += b
    if b"505" in buf:
        print(buf[4:].decode(errors="replace")); sys.exit(0)
sys.exit(1)
PY
}

# run_mgc TRANSPORT SCENARIO: the MGC in the background, output in mgc.out
run_mgc() {
	lab_run_mgc "$1" "$SCN/$2.scn" 400 ue_port=$UE_PORT \
		core_peer_port=$CORE_PORT estab_port=$ESTAB_PORT \
		refused_port=$REFUSED_PORT
}

end_mgc() { # scenario
	wait "$MGC_PID"
	local rc=$?
	grep -q '"cmd":"end","ok":true' "$TMP/mgc.out" ||
		die "scenario $1 ($T): MGC exit $rc"
	echo "ok: $T $1 ($(grep -c '"step"' "$TMP/mgc.out") steps)"
}

# the digest a peer must have received: LEN SHA
digest() { $PEER digest 0 0 --send "$1" --seed "$2"; }
recv_of() { grep '^received' "$1" | cut -d' ' -f2-; }

# The Statistics of one termination in the last release's reply.
stat_of() { release_stat '$' "$1" "$2"; }

scenario_immediate() {
	run_mgc "$T" immediate
	wait_sync data
	local acc_addr acc_port core_addr core_port
	acc_addr=$(var acc.addr) acc_port=$(var acc.port)
	core_addr=$(var core.addr) core_port=$(var core.port)
	[ "$(term_field "$(var acc.term)" gate_mode)" = open ] ||
		die "immediate: access gate not open"
	in_ns "$UE" $PEER connect "$acc_addr" "$acc_port" --src $UE_ADDR \
		--sport $UE_PORT --send 100000 --seed 3 >"$TMP/ue.out" 2>&1 &
	local ue=$!
	in_ns "$CORE" $PEER connect "$core_addr" "$core_port" --src $CORE_ADDR \
		--send 70000 --seed 5 >"$TMP/core.out" 2>&1 &
	local co=$!
	wait $ue || die "immediate: UE peer: $(cat "$TMP/ue.out")"
	wait $co || die "immediate: core peer: $(cat "$TMP/core.out")"
	[ "$(recv_of "$TMP/ue.out")" = "$(digest 70000 5)" ] ||
		die "immediate: UE got the wrong bytes: $(cat "$TMP/ue.out")"
	[ "$(recv_of "$TMP/core.out")" = "$(digest 100000 3)" ] ||
		die "immediate: core got the wrong bytes: $(cat "$TMP/core.out")"
	go data
	end_mgc immediate
	local acc=$(var acc.term)
	[ "$(stat_of "$acc" nt/or)" = 100000 ] ||
		die "immediate: nt/or of $acc is '$(stat_of "$acc" nt/or)'"
	[ "$(stat_of "$acc" nt/os)" = 70000 ] ||
		die "immediate: nt/os of $acc is '$(stat_of "$acc" nt/os)'"
	[ "$(stat_of "$(var core.term)" nt/or)" = 70000 ] ||
		die "immediate: nt/or of the core termination"
	[ "$(stat_of "$acc" "$ITEM_ST_SYN_ADMITTED")" -ge 1 ] ||
		die "immediate: no admitted SYN counted"
	[ "$(ctl terminations | jq .count)" = 0 ] ||
		die "immediate: terminations left after the release"
}

scenario_delayed() {
	run_mgc "$T" delayed
	wait_sync syn
	local acc acc_addr acc_port
	acc=$(var acc.term) acc_addr=$(var acc.addr) acc_port=$(var acc.port)
	[ "$(term_field "$acc" gate_mode)" = ignore ] ||
		die "delayed: access gate not ignore"
	in_ns "$UE" $PEER connect "$acc_addr" "$acc_port" --src $UE_ADDR \
		--sport $UE_PORT --send 5000 --seed 7 --timeout 60 \
		>"$TMP/ue.out" 2>&1 &
	local ue=$!
	wait_for 30 '[ "$(term_field "$acc" syn_dropped)" -ge 1 ]' ||
		die "delayed: the UE's first SYN was not dropped"
	go syn
	wait_sync data
	wait_for 60 'grep -q connected "$TMP/ue.out"' ||
		die "delayed: the UE's retransmitted SYN did not connect"
	[ "$(term_field "$acc" gate_mode)" = filter ] ||
		die "delayed: gate not filter after the Modify"
	local before
	before=$(term_field "$acc" syn_dropped)
	# another address: blocked while the filter admits only the UE
	in_ns "$UE" $PEER connect "$acc_addr" "$acc_port" --src $UE_OTHER \
		--timeout 4 >"$TMP/other.out" 2>&1
	grep -q timeout "$TMP/other.out" ||
		die "delayed: another address got through: $(cat "$TMP/other.out")"
	[ "$(term_field "$acc" syn_dropped)" -gt "$before" ] ||
		die "delayed: the other address's SYN was not counted as dropped"
	in_ns "$CORE" $PEER connect "$(var core.addr)" "$(var core.port)" \
		--src $CORE_ADDR --send 3000 --seed 9 >"$TMP/core.out" 2>&1 ||
		die "delayed: core peer: $(cat "$TMP/core.out")"
	wait $ue || die "delayed: UE: $(cat "$TMP/ue.out")"
	[ "$(recv_of "$TMP/ue.out")" = "$(digest 3000 9)" ] ||
		die "delayed: UE got the wrong bytes"
	[ "$(recv_of "$TMP/core.out")" = "$(digest 5000 7)" ] ||
		die "delayed: core got the wrong bytes"
	go data
	end_mgc delayed
	[ "$(stat_of "$acc" "$ITEM_ST_SYN_DROPPED")" -ge 2 ] ||
		die "delayed: syndrop $(stat_of "$acc" "$ITEM_ST_SYN_DROPPED")"
	[ "$(stat_of "$acc" nt/or)" = 5000 ] || die "delayed: nt/or"
}

scenario_active() {
	in_ns "$CORE" $PEER listen $CORE_ADDR $CORE_PORT --send 4000 --seed 11 \
		--timeout 120 >"$TMP/core.out" 2>&1 &
	local co=$!
	in_ns "$CORE" $PEER listen $CORE_ADDR $ESTAB_PORT --send 10 --seed 1 \
		--timeout 120 >"$TMP/estab.out" 2>&1 &
	local es=$!
	run_mgc "$T" active
	wait_sync link
	in_ns "$UE" $PEER connect "$(var acc.addr)" "$(var acc.port)" \
		--src $UE_ADDR --send 6000 --seed 13 >"$TMP/ue.out" 2>&1 ||
		die "interlinkage: UE: $(cat "$TMP/ue.out")"
	wait $co || die "interlinkage: core listener: $(cat "$TMP/core.out")"
	[ "$(recv_of "$TMP/core.out")" = "$(digest 6000 13)" ] ||
		die "interlinkage: the core peer got the wrong bytes"
	[ "$(recv_of "$TMP/ue.out")" = "$(digest 4000 11)" ] ||
		die "interlinkage: the UE got the wrong bytes"
	grep -q 'SYN interlinkage' "$TMP/agwd.log" ||
		die "interlinkage not logged"
	go link
	wait_sync estab
	wait_for 30 'grep -q connected "$TMP/estab.out"' ||
		die "active open: agwd did not connect to the remote"
	# connected out, the termination keeps no listener (it stays while
	# connecting, and after a failed open): one fd per termination,
	# ctl/fds.c's budget
	local a2port
	a2port=$(var a2.port)
	[ -z "$(in_ns "$GW" ss -Hltn "sport = :$a2port")" ] ||
		die "active open: the listener on $a2port stayed open once connected"
	go estab
	end_mgc active
	kill $es 2>/dev/null
	grep -q "\"events\":\\[\"$ITEM_EV_FAIL\"\\]" "$TMP/mgc.out" ||
		die "no $ITEM_EV_FAIL Notify"
}

scenario_robust() {
	run_mgc "$T" robust
	wait_sync nochange
	# the malformed Subtract and the failed command changed nothing
	[ "$(ctl terminations | jq .count)" = 2 ] ||
		die "robust: terminations changed: $(ctl terminations)"
	[ -n "$(term_field "$(var acc.term)" state)" ] ||
		die "robust: the access termination is gone"
	go nochange
	end_mgc robust
	grep '"file":"two_transactions.txt"' "$TMP/mgc.out" | jq -r .reply |
		grep -q 8101 || die "robust: no reply to the first of two transactions"
	grep -q '8102' "$TMP/agwd.log" ||
		die "robust: the second of two transactions was not answered"
}

scenario_realm() {
	run_mgc "$T" realm
	wait_sync gone
	local acc
	acc=$(var acc.term)
	[ "$(term_field "$acc" gate_mode)" = open ] || die "realm: no gate entry"
	ip -n "$GW" addr del 10.81.1.1/24 dev amgc-a
	wait_for 30 '[ "$(term_field "$acc" state)" = failed ]' ||
		die "realm: termination not failed after the address went"
	[ "$(term_field "$acc" gate_mode)" = none ] ||
		die "realm: gate entry left behind"
	go gone
	end_mgc realm
	ip -n "$GW" addr add 10.81.1.1/24 dev amgc-a
	ip -n "$UE" route replace default via 10.81.1.1
	wait_for 30 'ctl status | jq -e ".realms[] | select(.name == \"access\") | .addresses | index(\"10.81.1.1\")"' ||
		die "realm: the address did not come back"
}

scenario_tcp_framing() {
	run_mgc "$T" tcp_framing
	end_mgc tcp_framing
}

for T in udp tcp; do
	start_agwd $T
	check_505 $T
	echo "ok: $T 505 before registration"
	scenario_immediate
	scenario_delayed
	scenario_active
	scenario_robust
	scenario_realm
	[ $T = tcp ] && scenario_tcp_framing
	n=$(grep -c 'registered with the MGC' "$TMP/agwd.log")
	[ "$n" -ge 5 ] || die "agwd registered $n times, not once per MGC"
	echo "ok: $T re-registered with each new MGC ($n times)"
	stop_agwd
done
echo "PASS"
