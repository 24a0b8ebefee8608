#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# timeout: 120
#
# agwd's control_socket path (Documentation/robustness.md): a regular
# file there is never deleted, and agwd refuses to start with an error
# naming it (foreground: exit 1 and the log line; nothing left attached);
# a symlink to a file likewise; a socket file nobody answers on (left by
# a crash) is replaced; a socket a running process answers on is not.
set -u
. "$AGW_SRC/tests/integration/lib/common.sh"
. "$AGW_SRC/tests/integration/lib/mgc_lab.sh"
. "$AGW_SRC/tests/integration/lib/state_lab.sh"
state_lab csp 94

state_conf csp 34000 udp
agwd_fg() { # SOCKET: runs agwd in the foreground until it exits
	nsenter --net=/run/netns/"$GW" timeout 20 "$BUILD/agwd" \
		-c "$TMP/agwd.conf" -f --control-socket "$1" >"$TMP/agwd.log" 2>&1
}

# ---- a regular file, and a symlink to one
echo "precious" >"$TMP/file"
rc=0
agwd_fg "$TMP/file" || rc=$?
[ $rc -eq 1 ] || die "agwd exited $rc with a regular file at control_socket"
[ "$(cat "$TMP/file")" = precious ] || die "the regular file was changed or deleted"
grep -q "control socket $TMP/file: exists and is not a socket: left as it is" "$TMP/agwd.log" ||
	die "no clear error for the regular file"
ip -n "$GW" -d link show csp-a | grep -q prog/xdp && die "a failed start left the gate attached"
ln -s "$TMP/file" "$TMP/link"
rc=0
agwd_fg "$TMP/link" || rc=$?
[ $rc -eq 1 ] && [ -L "$TMP/link" ] && [ "$(cat "$TMP/file")" = precious ] ||
	die "a symlink at control_socket was not left alone (exit $rc)"
echo "ok: a regular file (and a symlink) at control_socket stays; agwd exits 1: $(grep -o 'control socket.*' "$TMP/agwd.log" | head -1)"

# ---- a stale socket (nobody answers) is replaced
python3 -c 'import socket, sys; s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' "$TMP/stale.sock"
[ -S "$TMP/stale.sock" ] || die "no stale socket made"
nsenter --net=/run/netns/"$GW" "$BUILD/agwd" -c "$TMP/agwd.conf" -f \
	--control-socket "$TMP/stale.sock" >"$TMP/agwd.log" 2>&1 &
AGWD_PID=$!
T_PIDS+=($AGWD_PID)
wait_for 30 '"$BUILD/helpers/agw_ctl_request" "$TMP/stale.sock" status' ||
	die "agwd did not replace a stale socket"
echo "ok: a stale socket file is replaced"

# ---- a live socket is not taken over (another pin directory: the lock
# does not stop this one)
sed -e "s|gate_pin_dir = .*|gate_pin_dir = $PIN-2|" \
	-e "s|attach = .*|attach = none|" "$TMP/agwd.conf" >"$TMP/agwd2.conf"
T_CLEAN+=("$AGWCTL --pin-dir $PIN-2 gate --force unload; rm -rf $PIN-2")
rc=0
nsenter --net=/run/netns/"$GW" timeout 20 "$BUILD/agwd" -c "$TMP/agwd2.conf" -f \
	--control-socket "$TMP/stale.sock" >"$TMP/agwd2.log" 2>&1 || rc=$?
[ $rc -eq 1 ] && grep -q "control socket $TMP/stale.sock: a process answers on it" "$TMP/agwd2.log" ||
	die "a live control socket: exit $rc, $(tail -2 "$TMP/agwd2.log")"
"$BUILD/helpers/agw_ctl_request" "$TMP/stale.sock" status >/dev/null ||
	die "the running agwd lost its socket"
echo "ok: a socket a running agwd answers on is kept; the other agwd exits 1"
kill "$AGWD_PID"
wait_for 30 '! kill -0 $AGWD_PID' || die "agwd did not stop"
