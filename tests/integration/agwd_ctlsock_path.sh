#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# timeout: 120
#
# agwd's control_socket path (Documentation/robustness.md): a regular
# file there is never deleted, and agwd refuses to start with an error
# naming it (foreground: exit 1 and the log line; nothing left attached);
# a symlink to a file likewise; a socket file nobody answers on (left by
# a crash) is replaced; a socket a running process answers on is not.
# control_socket_group and control_socket_mode: a group that does not
# exist and a mode that is not octal are errors of --check-config;
# --print-config shows both; the socket gets them; a non-root user in the
# group runs `agwctl status` (level read) and is refused an admin
# command, the same user outside the group cannot connect.
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

# ---- control_socket_group and control_socket_mode
conf_with() { # GROUP MODE
	sed -e "s|^\[agwd\]\$|[agwd]\ncontrol_socket_group = $1\ncontrol_socket_mode = $2|" \
		"$TMP/agwd.conf" >"$TMP/agwd3.conf"
}
conf_with agw-no-such-group-$$ 0660
rc=0
"$BUILD/agwd" -t -c "$TMP/agwd3.conf" >"$TMP/out" 2>&1 || rc=$?
[ $rc -eq 2 ] && grep -q "\[agwd\] control_socket_group = 'agw-no-such-group-$$': no such group" "$TMP/out" ||
	die "an unknown group: exit $rc, $(cat "$TMP/out")"
conf_with nogroup 0968
rc=0
"$BUILD/agwd" -t -c "$TMP/agwd3.conf" >"$TMP/out" 2>&1 || rc=$?
[ $rc -eq 2 ] && grep -q "\[agwd\] control_socket_mode = '0968': expected an octal mode up to 0777" "$TMP/out" ||
	die "a mode that is not octal: exit $rc, $(cat "$TMP/out")"
conf_with nogroup 0664
"$BUILD/agwd" -t -c "$TMP/agwd3.conf" >/dev/null || die "--check-config refuses group nogroup"
out=$("$BUILD/agwd" -c "$TMP/agwd3.conf" --print-config)
grep -qx 'control_socket_group = nogroup' <<<"$out" && grep -qx 'control_socket_mode = 0664' <<<"$out" ||
	die "--print-config: $(grep control_socket <<<"$out")"
echo "ok: an unknown group and a bad mode are errors of --check-config; --print-config shows both"

chmod 0711 "$TMP"
mkdir -m 0755 "$TMP/pub"
nsenter --net=/run/netns/"$GW" "$BUILD/agwd" -c "$TMP/agwd3.conf" -f \
	--control-socket "$TMP/pub/agwd.sock" >"$TMP/agwd3.log" 2>&1 &
AGWD_PID=$!
T_PIDS+=($AGWD_PID)
wait_for 30 '"$BUILD/helpers/agw_ctl_request" "$TMP/pub/agwd.sock" status' ||
	die "agwd with control_socket_group did not start: $(tail -3 "$TMP/agwd3.log")"
[ "$(stat -c '%G %a' "$TMP/pub/agwd.sock")" = "nogroup 664" ] ||
	die "socket group and mode: $(stat -c '%G %a' "$TMP/pub/agwd.sock")"
as_user() { # SETPRIV-GROUP-OPTION AGWCTL-ARGS...
	local g=$1
	shift
	setpriv --reuid=nobody --regid=daemon "$g" --inh-caps=-all \
		"$BUILD/agwctl" --socket "$TMP/pub/agwd.sock" "$@"
}
out=$(as_user --groups=nogroup -j status) || die "agwctl status in the group: $out"
[ "$(jq -r .ok <<<"$out")" = true ] || die "agwctl status in the group: $out"
rc=0
as_user --groups=nogroup loglevel debug >"$TMP/out" 2>&1 || rc=$?
[ $rc -ne 0 ] && grep -q "loglevel: permission denied (needs level admin)" "$TMP/out" ||
	die "an admin command at level read: exit $rc, $(cat "$TMP/out")"
rc=0
as_user --clear-groups status >"$TMP/out" 2>&1 || rc=$?
[ $rc -ne 0 ] && grep -qi "permission denied" "$TMP/out" ||
	die "outside the group: exit $rc, $(cat "$TMP/out")"
echo "ok: the socket is nogroup 0664; nobody in nogroup runs agwctl status, is refused loglevel (admin); outside the group it cannot connect"
kill "$AGWD_PID"
wait_for 30 '! kill -0 $AGWD_PID' || die "agwd did not stop"
