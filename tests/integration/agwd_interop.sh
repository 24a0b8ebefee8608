#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# timeout: 600
#
# agwd with two real megaco MGCs (primary and secondary, [h248] mgc lists
# both), over UDP and TCP: the harness inspects agwd's registration
# (Restart/901, Version 3, ServiceChangeProfile agw/1), audits a context
# with two terminations per descriptor (values checked), ObservedEvents
# (none, then the heartbeat it reported), Context = *,
# ROOT, AuditCapability, individual audits and the errors, and sends
# MGC-initiated ServiceChanges (Forced on a termination, Graceful, Forced
# and Restart on ROOT, HandOff errors); then the primary dies, agwd
# re-registers with the secondary (Disconnected/900: contexts kept; after
# a missed heartbeat over UDP, the closed connection over TCP) and the
# secondary audits the contexts agwd kept. Over UDP every message is
# captured and decoded by tshark's megaco dissector: no malformed packet,
# no expert warning. Then two agwd in a chain (b2b lab), each driven by
# its own MGC, and both registered with one MGC (scale-out): calls on
# both, one killed, the MGC notices. And agwd with an MGC over H.248/TCP
# on IPv6.
set -u
. "$AGW_SRC/tests/integration/lib/common.sh"
. "$AGW_SRC/tests/integration/lib/mgc_lab.sh"
require_root
make -C "$AGW_SRC" --no-print-directory mgc >/dev/null || fail "make mgc"

TMP=$(mktemp -d /tmp/agw-aint-XXXXXX)
PIN=/sys/fs/bpf/agw-aint-$$
T_CLEAN+=("rm -rf $TMP $PIN")
SCN=$AGW_SRC/tests/mgc/agwd
AGWD_PID=

lab_setup aint 83

die() {
	echo "FAIL: $*"
	for l in "$TMP"/agwd*.log; do
		[ -e "$l" ] && { echo "---- $l (tail)"; tail -n 40 "$l"; }
	done
	for m in primary secondary v6 mgc_trgw mgc_imsagw scale; do
		[ -e "$TMP/mgc-$m.out" ] || continue
		echo "---- mgc $m"
		cut -c1-600 "$TMP/mgc-$m.out" 2>/dev/null | tail -n 12
		tail -n 10 "$TMP/mgc-$m.err" 2>/dev/null
	done
	exit 1
}

ctl() { in_ns "$GW" "$BUILD/helpers/agw_ctl_request" "$TMP/agwd.sock" "$@"; }

for t in udp tcp; do
	cat >"$TMP/agwd.conf" <<CONF
[agwd]
mid = [127.0.0.1]:2944
state_dir = $TMP/state
control_socket = $TMP/agwd.sock
gate_pin_dir = $PIN
[h248]
mgc = 127.0.0.1:2945, 127.0.0.1:2946
transport = $t
address = 127.0.0.1
port = 2944
[limits]
contexts = 1024
terminations = 2048
[timers]
registration_retry_ms = 200
registration_retry_max_ms = 1000
heartbeat_ms = 1000
[log]
level = debug
$(lab_realms aint 32000)
CONF
	CAP_PID=
	if [ $t = udp ]; then
		rm -f "$TMP/h248.pcapng"
		nsenter --net=/run/netns/"$GW" dumpcap -q -i lo \
			-f 'udp port 2944' -w "$TMP/h248.pcapng" 2>"$TMP/dumpcap.err" &
		CAP_PID=$!
		T_PIDS+=($CAP_PID)
		wait_for 10 '[ -s "$TMP/h248.pcapng" ]' || die "dumpcap did not start"
	fi
	lab_run_mgc_as primary "$GW" "$t" 2945 "$SCN/interop_primary.scn" 200 \
		ue_port=40123 core_peer_port=40200
	lab_start_agwd
	wait_sync_as primary crash
	acc_context=$(var acc.context) acc_term=$(var acc.term)
	[ -n "$acc_term" ] && [ "$acc_term" != null ] || die "$t: no termination"
	lab_run_mgc_as secondary "$GW" "$t" 2946 "$SCN/interop_secondary.scn" 200 \
		--register script --mid-addr 127.0.0.2 \
		acc_context="$acc_context" acc_term="$acc_term" ue_port=40124
	# the secondary listens before the primary dies
	wait_for 30 'grep -q "\"cmd\":\"listen\"" "$TMP/mgc-secondary.out"' ||
		die "$t: the secondary MGC did not start"
	go_as primary crash
	mgc_wait primary || die "$t: primary MGC scenario failed"
	wait_sync_as secondary done
	[ "$(ctl status | jq -r .registration)" = registered ] ||
		die "$t: agwd not registered with the secondary"
	go_as secondary done
	mgc_wait secondary || die "$t: secondary MGC scenario failed"
	jq -e -s '.[] | select(.cmd == "register") | .method == "restart" and
		.reason_code == 901 and .profile == "agw/1"' \
		"$TMP/mgc-primary.out" >/dev/null ||
		die "$t: registration not reported"
	jq -e -s '[.[] | select(.cmd == "auditcapability")][0] | .audit[0].packages |
		length > 0' "$TMP/mgc-primary.out" >/dev/null ||
		die "$t: no package list"
	jq -e -s '.[] | select(.cmd == "wait register") | .method == "disconnected"
		and .reason_code == 900' \
		"$TMP/mgc-secondary.out" >/dev/null || die "$t: no failover"
	grep -q 'ServiceChange Forced on ROOT: releasing' "$TMP/agwd.log" ||
		die "$t: no Forced on ROOT in agwd's log"
	kill "$AGWD_PID" 2>/dev/null
	wait "$AGWD_PID" 2>/dev/null
	AGWD_PID=
	if [ -n "$CAP_PID" ]; then
		sleep 1
		kill "$CAP_PID" 2>/dev/null
		wait "$CAP_PID" 2>/dev/null
		tshark -r "$TMP/h248.pcapng" -V -d udp.port==2944,megaco \
			>"$TMP/h248.txt" 2>&1 || die "tshark could not read the capture"
		n=$(grep -c '^Frame [0-9]' "$TMP/h248.txt")
		[ "$n" -gt 40 ] || die "only $n H.248 frames captured"
		grep -q 'AuditValue' "$TMP/h248.txt" ||
			die "tshark saw no AuditValue"
		if grep -n -i -E 'malformed|\[Expert Info \((Warning|Error)' \
			"$TMP/h248.txt" >"$TMP/h248.bad"; then
			head -n 20 "$TMP/h248.bad"
			l=$(head -n 1 "$TMP/h248.bad" | cut -d: -f1)
			sed -n "$((l > 60 ? l - 60 : 1)),${l}p" "$TMP/h248.txt"
			die "tshark: malformed H.248 or expert warnings"
		fi
		echo "ok: $t: tshark decodes all $n H.248 frames without a warning"
	fi
	echo "ok: $t: registration with profile agw/1, audits per descriptor, Context = *, ROOT, AuditCapability, MGC ServiceChange Forced/Graceful/Restart, failover with Disconnected/900 and the contexts kept"
done

# ---- H.248 over TCP on IPv6: the MGC listens on the GW's IPv6 address
lab_add_ipv6 aint 83
cat >"$TMP/agwd.conf" <<CONF
[agwd]
mid = [$GW_ADDR6]:2944
state_dir = $TMP/state
control_socket = $TMP/agwd.sock
gate_pin_dir = $PIN
[h248]
mgc = [$GW_ADDR6]:2945
transport = tcp
address = $GW_ADDR6
port = 2944
[timers]
registration_retry_ms = 200
registration_retry_max_ms = 1000
[log]
level = debug
$(lab_realms aint 32000)
CONF
lab_run_mgc_as v6 "$GW" tcp 2945 "$SCN/ipv6_tcp.scn" 200 \
	--family inet6 --mid-addr "$GW_ADDR6" ue_port=40125
lab_start_agwd
wait_sync_as v6 done
go_as v6 done
mgc_wait v6 || die "IPv6: MGC scenario failed"
jq -e -s '.[] | select(.cmd == "register") | .peer | startswith("fd00:")' \
	"$TMP/mgc-v6.out" >/dev/null || die "IPv6: agwd did not come over IPv6"
kill "$AGWD_PID" 2>/dev/null
wait "$AGWD_PID" 2>/dev/null
AGWD_PID=
echo "ok: H.248 over TCP on IPv6: agwd registered, a termination reserved and audited"

# ---- two agwd in a chain (b2b lab): each with its own MGC; then both
# with one MGC (scale-out), one killed ------------------------------------
lab_setup_b2b ab2 84
b2b_conf() { # NAME MID_ADDR MGC ACCESS_IF CORE_IF TRANSPORT
	cat >"$TMP/agwd-$1.conf" <<CONF
[agwd]
mid = [$2]:2944
state_dir = $TMP/state-$1
control_socket = $TMP/agwd-$1.sock
gate_pin_dir = $PIN-$1
[h248]
mgc = $3
transport = $6
address = $2
port = 2944
[timers]
registration_retry_ms = 200
registration_retry_max_ms = 1000
heartbeat_ms = 1000
[log]
level = debug
$(lab_realms_if "$4" "$5" 33000)
CONF
	T_CLEAN+=("rm -rf $PIN-$1")
}
stop_agwds() {
	local n
	for n in "${!AGWD_PIDS[@]}"; do
		kill "${AGWD_PIDS[$n]}" 2>/dev/null
		wait "${AGWD_PIDS[$n]}" 2>/dev/null
		unset "AGWD_PIDS[$n]"
	done
}

# each agwd with its own MGC, in its own namespace
b2b_conf trgw 127.0.0.1 127.0.0.1:2945 ab2-a ab2-m udp
b2b_conf imsagw 127.0.0.1 127.0.0.1:2945 ab2-n ab2-c udp
lab_run_mgc_as mgc_trgw "$GW" udp 2945 "$SCN/b2b_one.scn" 200 ue_port=40123
lab_run_mgc_as mgc_imsagw "$GW2" udp 2945 "$SCN/b2b_one.scn" 200 ue_port=40124
lab_start_agwd_as trgw "$GW"
lab_start_agwd_as imsagw "$GW2"
for m in mgc_trgw mgc_imsagw; do
	wait_sync_as $m done
	go_as $m done
	mgc_wait $m || die "b2b: MGC $m failed"
done
for n in trgw imsagw; do
	"$BUILD/helpers/agw_ctl_request" "$TMP/agwd-$n.sock" terminations |
		jq -e '.terminations | length == 1' >/dev/null ||
		die "b2b: agwd $n does not hold its MGC's termination"
done
stop_agwds
echo "ok: two agwd in a chain, each driven by its own MGC"

# scale-out: both agwd with the MGC in GW, one killed
for t in udp tcp; do
	b2b_conf a "$GW_MID_ADDR" "$GW_MID_ADDR:2945" ab2-a ab2-m $t
	b2b_conf b "$GW2_MID_ADDR" "$GW_MID_ADDR:2945" ab2-n ab2-c $t
	lab_run_mgc_as scale "$GW" $t 2945 "$SCN/scaleout.scn" 200 \
		--register script ue_port=40123
	lab_start_agwd_as a "$GW"
	lab_start_agwd_as b "$GW2"
	wait_sync_as scale kill_b
	case "$(var b.mid)" in
	"[$GW_MID_ADDR]:2944") victim=a vns=$GW ;;
	"[$GW2_MID_ADDR]:2944") victim=b vns=$GW2 ;;
	*) die "scale-out $t: second MG is '$(var b.mid)'" ;;
	esac
	kill -9 "${AGWD_PIDS[$victim]}"
	wait "${AGWD_PIDS[$victim]}" 2>/dev/null
	unset "AGWD_PIDS[$victim]"
	# A killed agwd leaves its gate (pinned links and entries); an agwd
	# started on the same pins then fails Adds with 500 "gate entry: File
	# exists". Unload the gate and remove what else is pinned (agwctl gate
	# unload leaves the directory non-empty) for the next round.
	in_ns "$vns" "$AGWCTL" --pin-dir "$PIN-$victim" gate unload \
		>/dev/null 2>&1 || true
	rm -rf "$PIN-$victim"
	go_as scale kill_b
	mgc_wait scale || die "scale-out $t: MGC scenario failed"
	stop_agwds
	echo "ok: scale-out over $t: two agwd on one MGC, calls on both, the killed one noticed"
done
