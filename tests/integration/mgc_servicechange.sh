#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# timeout: 400
#
# agwd's ServiceChange with two real megaco MGCs, over UDP and TCP
# (Documentation/h248-profile.md, "ServiceChange"): the first MGC refuses
# the profile (459: agwd registers once more without one) and redirects
# agwd with ServiceChangeMgcId to the second, which reserves a termination
# and hands agwd back with an MGC-initiated HandOff (HandOff/903, the
# context kept and audited); then SIGTERM: Graceful/905 with
# ServiceChangeDelay = graceful_delay_s, an Add during the delay gets 503,
# the contexts are released when the delay ends and agwd exits. Then, with
# on_mgc_loss = release, the first MGC dies with a context: agwd releases
# it and registers with the second with Restart/901 (not Disconnected/900),
# whose Context = * audit finds nothing (431).
set -u
. "$AGW_SRC/tests/integration/lib/common.sh"
. "$AGW_SRC/tests/integration/lib/mgc_lab.sh"
require_root
make -C "$AGW_SRC" --no-print-directory mgc >/dev/null || fail "make mgc"

TMP=$(mktemp -d /tmp/agw-msc-XXXXXX)
PIN=/sys/fs/bpf/agw-msc-$$
T_CLEAN+=("rm -rf $TMP $PIN")
SCN=$AGW_SRC/tests/mgc/agwd
AGWD_PID=
DELAY=3

lab_setup msc 86

die() {
	echo "FAIL: $*"
	[ -e "$TMP/agwd.log" ] && { echo "---- agwd (tail)"; tail -n 40 "$TMP/agwd.log"; }
	for m in first second; do
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
graceful_delay_s = $DELAY
[timers]
registration_retry_ms = 200
registration_retry_max_ms = 1000
heartbeat_ms = 1000
[log]
level = debug
$(lab_realms msc 34000)
CONF
	lab_run_mgc_as first "$GW" "$t" 2945 "$SCN/sc_first.scn" 200 \
		--register script second_port=2946 delay=$DELAY
	lab_run_mgc_as second "$GW" "$t" 2946 "$SCN/sc_second.scn" 200 \
		--register script --mid-addr 127.0.0.2 first_port=2945
	for m in first second; do
		wait_for 30 "grep -q '\"cmd\":\"listen\"' '$TMP/mgc-$m.out'" ||
			die "$t: MGC $m did not start"
	done
	lab_start_agwd
	wait_sync_as first ready
	go_as first ready
	wait_sync_as second handoff
	go_as second handoff
	mgc_wait second || die "$t: second MGC scenario failed"
	wait_sync_as first stop
	[ "$(ctl status | jq -r .registration)" = registered ] ||
		die "$t: agwd not registered after the HandOff"
	grep -q 'the MGC redirects to \[127.0.0.1\]:2946' "$TMP/agwd.log" ||
		die "$t: no redirect in agwd's log"
	grep -q 'answered profile other/1' "$TMP/agwd.log" ||
		die "$t: the refused profile is not logged"
	t0=$EPOCHREALTIME
	kill -TERM "$AGWD_PID"
	go_as first stop
	wait_sync_as first gone
	kill -0 "$AGWD_PID" 2>/dev/null ||
		die "$t: agwd exited before the Graceful delay ended"
	go_as first gone
	wait_for 20 '! kill -0 "$AGWD_PID" 2>/dev/null' ||
		die "$t: agwd did not exit after the Graceful delay"
	wait "$AGWD_PID"
	rc=$?
	AGWD_PID=
	el=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%d", (b - a) * 1000 }')
	[ "$rc" -eq 0 ] || die "$t: agwd exit status $rc"
	[ "$el" -ge $((DELAY * 1000 - 200)) ] ||
		die "$t: agwd stopped after $el ms, before the delay of $DELAY s"
	grep -q 'Graceful delay over: releasing 2 contexts' "$TMP/agwd.log" ||
		die "$t: the contexts were not released at the end of the delay"
	mgc_wait first || die "$t: first MGC scenario failed"
	jq -e -s '.[] | select(.cmd == "wait servicechange") | .method == "graceful"
		and (.delay | tostring) == "'$DELAY'"' "$TMP/mgc-first.out" >/dev/null ||
		die "$t: Graceful without its Delay"
	echo "ok: $t: profile answered with another, redirect (ServiceChangeMgcId), HandOff with the context kept, Graceful stop with Delay $DELAY s and Adds refused (503), exit after $el ms"
done

# on_mgc_loss = release: the contexts go with the MGC
sed -i -e 's/^graceful_delay_s = .*/on_mgc_loss = release/' -e 's/^transport = .*/transport = udp/' "$TMP/agwd.conf"
lab_run_mgc_as first "$GW" udp 2945 "$SCN/sc_release_first.scn" 200
lab_run_mgc_as second "$GW" udp 2946 "$SCN/sc_release_second.scn" 200 \
	--register script --mid-addr 127.0.0.2
wait_for 30 "grep -q '\"cmd\":\"listen\"' '$TMP/mgc-second.out'" ||
	die "release: the second MGC did not start"
lab_start_agwd
wait_sync_as first crash
go_as first crash
mgc_wait first || die "release: first MGC scenario failed"
mgc_wait second || die "release: second MGC scenario failed"
grep -q 'releasing 1 contexts (on_mgc_loss = release)' "$TMP/agwd.log" ||
	die "release: agwd did not log the release"
[ "$(ctl contexts | jq -r .count)" = 0 ] || die "release: contexts left"
kill "$AGWD_PID"
wait "$AGWD_PID" 2>/dev/null
AGWD_PID=
echo "ok: on_mgc_loss = release: contexts released with the lost MGC, Restart/901 to the next, nothing to audit"
