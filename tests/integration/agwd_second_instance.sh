#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# timeout: 180
#
# A second agwd started by mistake on the same pin directory (the same
# configuration) exits non-zero saying which agwd holds it, and touches
# nothing: the first one's XDP gate stays attached and still drops the
# UE's SYN to an ignore-mode termination (delayed establishment stays
# closed), its entry, relay pins and control socket are intact. In daemon
# mode the parent reports the failure (exit 1, message on stderr), both
# for the lock (before the fork) and for a failure in the child (a
# control_socket path that is not a socket); a daemon that starts exits 0
# in the parent.
set -u
. "$AGW_SRC/tests/integration/lib/common.sh"
. "$AGW_SRC/tests/integration/lib/mgc_lab.sh"
. "$AGW_SRC/tests/integration/lib/state_lab.sh"
state_lab second 92

syn_dropped() {
	ctl terminations | jq -r --arg t "$1" \
		'.terminations[] | select(.id == $t) | .syn_dropped'
}

printf '%s\n' "send $SCN/state_ignore.txt as ign" "expect reply" \
	"sync second 120000" >"$TMP/second.scn"
state_conf second 32000 udp
lab_start_agwd
lab_run_mgc udp "$TMP/second.scn" 150
T_PIDS+=($MGC_PID)
wait_sync second
IGN_PORT=$(var ign.port) IGN_TERM=$(var ign.term)
[ -e "$PIN/relay/agw_r_dirs" ] || die "no relay pins to protect"
relay_before=$(ls "$PIN/relay")
link_before=$(ip -n "$GW" -d link show second-a | grep -o 'prog/xdp id [0-9]*')
[ -n "$link_before" ] || die "gate not attached"

# ---- the same configuration again, foreground
rc=0
nsenter --net=/run/netns/"$GW" "$BUILD/agwd" -c "$TMP/agwd.conf" -f \
	>"$TMP/second.out" 2>&1 || rc=$?
[ $rc -ne 0 ] || die "the second agwd exited 0"
grep -q "another agwd (pid $AGWD_PID, generation [0-9]*) holds $PIN: not starting" \
	"$TMP/second.out" || die "no clear message from the second agwd"
grep -qi "gate\|relay\|attach" "$TMP/second.out" &&
	die "the second agwd went further than the lock"
echo "ok: second agwd exits $rc: $(tail -1 "$TMP/second.out" | sed 's/.*err: //')"

# ---- daemon mode: the parent reports the failure
rc=0
nsenter --net=/run/netns/"$GW" "$BUILD/agwd" -c "$TMP/agwd.conf" \
	>"$TMP/second.out" 2>&1 || rc=$?
[ $rc -eq 1 ] || die "second agwd in daemon mode exited $rc"
grep -q "^agwd: another agwd (pid $AGWD_PID" "$TMP/second.out" ||
	die "daemon parent did not report the lock"
echo "ok: in daemon mode the parent exits 1: $(cat "$TMP/second.out")"

# ---- nothing of the first one was touched
kill -0 "$AGWD_PID" || die "the first agwd died"
ctl status >/dev/null || die "the first agwd's control socket is gone"
[ "$(ip -n "$GW" -d link show second-a | grep -o 'prog/xdp id [0-9]*')" = "$link_before" ] ||
	die "the gate's XDP attachment changed"
[ "$(ls "$PIN/relay")" = "$relay_before" ] || die "relay pins changed: $(ls "$PIN/relay")"
[ "$(gate_terms --owner agwd | jq -r '.[0].mode')" = ignore ] ||
	die "the ignore entry is gone: $(gate_terms)"
before=$(syn_dropped "$IGN_TERM")
r=$(ue_send 10.92.1.1 "$IGN_PORT")
[ "$r" = timeout ] || die "delayed establishment open after the second agwd: UE $r"
[ "$(syn_dropped "$IGN_TERM")" -gt "$before" ] || die "the UE's SYN was not dropped by the gate"
echo "ok: the first agwd's gate still drops in ignore mode; relay pins, entry, socket intact"
go second
wait "$MGC_PID" || die "MGC scenario failed"

# ---- daemon mode: a failure in the child, then a good start
stop_agwd
AGWD_PID=
echo "not a socket" >"$TMP/file"
rc=0
nsenter --net=/run/netns/"$GW" "$BUILD/agwd" -c "$TMP/agwd.conf" \
	--control-socket "$TMP/file" >"$TMP/second.out" 2>&1 || rc=$?
[ $rc -eq 1 ] && grep -q "^agwd: control socket $TMP/file: exists and is not a socket" \
	"$TMP/second.out" || die "daemon child's failure not reported (exit $rc)"
[ "$(cat "$TMP/file")" = "not a socket" ] || die "the file was changed"
ip -n "$GW" -d link show second-a | grep -q 'prog/xdp' &&
	die "a failed start left an attachment it made"
rc=0
nsenter --net=/run/netns/"$GW" "$BUILD/agwd" -c "$TMP/agwd.conf" \
	>"$TMP/second.out" 2>&1 || rc=$?
[ $rc -eq 0 ] || die "daemon start exited $rc: $(cat "$TMP/second.out")"
pid=$(ctl status | jq -r .pid)
[ -n "$pid" ] && kill -0 "$pid" || die "the daemon does not answer"
T_PIDS+=($pid)
kill "$pid"
wait_for 30 '! kill -0 $pid' || die "the daemon did not stop"
echo "ok: daemon mode: a child's failure exits 1 with its message, a good start exits 0"
