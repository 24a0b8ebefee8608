#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# timeout: 240
#
# agwd at its file descriptor limits (Documentation/robustness.md), with
# the real megaco MGC and real UEs. Started under ulimit -n 192 with
# [limits] asking for 256 contexts and 512 terminations (640 fds), agwd
# starts anyway with the termination limit that fits, logs it once and
# shows it in agwctl status; the Add beyond it gets 510 naming the cause.
# Then its soft limit is lowered under it (prlimit): with no fd left at
# all, UEs connecting to open terminations are accepted and closed through
# the reserve fd and the listeners rest, so agwd does not spin (its CPU
# time over 3 s stays under half a core); with a few fds left (fewer than
# the ones kept for agwctl and H.248), agwctl status answers, the UEs'
# connections are still refused and an Add gets 510 "out of file
# descriptors" (not "no free port").
set -u
. "$AGW_SRC/tests/integration/lib/common.sh"
. "$AGW_SRC/tests/integration/lib/mgc_lab.sh"
. "$AGW_SRC/tests/integration/lib/state_lab.sh"
state_lab fdl 93
command -v prlimit >/dev/null || skip "prlimit missing (util-linux)"
GW_ACC=10.93.1.1
NOPEN=4
# 192 fds - 128 for agwd itself: 64 terminations (one fd each; the
# realm's 100 ports are not what limits them)
LIMIT=64

nfds() { ls "/proc/$AGWD_PID/fd" | wc -l; }
set_soft() { prlimit --pid "$AGWD_PID" --nofile="$1:192" || die "prlimit $1"; }

{
	for i in $(seq $NOPEN); do
		echo "send $SCN/state_open.txt as o$i"
		echo "expect reply"
	done
	for _ in $(seq $((LIMIT - NOPEN))); do
		echo "send $SCN/state_ignore.txt"
		echo "expect reply"
	done
	echo "send $SCN/state_ignore.txt"
	echo "expect error 510"
	echo "expect contains out of file descriptors"
	echo "sync scarce 120000"
	echo "send $SCN/state_open.txt"
	echo "expect error 510"
	echo "expect contains out of file descriptors"
	echo "sync done 120000"
} >"$TMP/fdl.scn"

state_conf fdl 33000 udp 256 512
bash -c 'ulimit -n 192 && exec nsenter --net=/run/netns/"$1" "$2" -c "$3" -f' \
	- "$GW" "$BUILD/agwd" "$TMP/agwd.conf" >"$TMP/agwd.log" 2>&1 &
AGWD_PID=$!
T_PIDS+=($AGWD_PID)
wait_for 30 'ctl status' || die "agwd did not start under ulimit -n 192"
[ "$(grep -c 'RLIMIT_NOFILE allows 192 (hard limit 192): at most 64 terminations' "$TMP/agwd.log")" = 1 ] ||
	die "the effective limit is not logged once"
st=$(ctl status)
[ "$(echo "$st" | jq .limits.terminations)" = $LIMIT ] &&
	[ "$(echo "$st" | jq .limits.terminations_configured)" = 512 ] &&
	[ "$(echo "$st" | jq .limits.fd_limited)" = true ] ||
	die "status limits: $(echo "$st" | jq -c .limits)"
"$AGWCTL" --socket "$TMP/agwd.sock" status | awk 'NR == 2 { print $NF }' |
	grep -qx "[0-9]*/$LIMIT(fd)" ||
	die "agwctl status does not show the limit"
echo "ok: under ulimit -n 192 agwd starts with $LIMIT terminations (logged once, in status)"

lab_run_mgc udp "$TMP/fdl.scn" 200 ue_port=40100
T_PIDS+=($MGC_PID)
wait_sync scarce
grep '"cmd":"send"' "$TMP/mgc.out" | tail -1 | jq -r .error_text |
	grep -q "limit $LIMIT, lowered to fit RLIMIT_NOFILE: out of file descriptors" ||
	die "the Add beyond the limit: $(grep '"cmd":"send"' "$TMP/mgc.out" | tail -1 | jq -r .error_text)"
echo "ok: Add $((LIMIT + 1)) gets 510: $(grep '"cmd":"send"' "$TMP/mgc.out" | tail -1 | jq -r .error_text)"
ports=()
for i in $(seq $NOPEN); do ports+=("$(var o$i.port)"); done

# UEs: connect to each open termination again and again for 4 s; print
# how many connections were made and how many were closed by agwd.
ues() {
	in_ns "$UE" python3 -c '
import socket, sys, time
end = time.time() + 4
made = closed = 0
while time.time() < end:
    for p in sys.argv[2:]:
        s = socket.socket()
        s.settimeout(0.5)
        try:
            s.connect((sys.argv[1], int(p)))
            made += 1
            s.settimeout(5)
            if s.recv(10) == b"":
                closed += 1
        except OSError:
            pass
        s.close()
    time.sleep(0.01)
print(made, closed)
' $GW_ACC "${ports[@]}" >"$TMP/ues.out" 2>&1 &
	UES=$!
}

# ---- no fd left: accept-and-close through the reserve, no spinning
before_refused=$(ctl status | jq .limits.fd_refused)
set_soft "$(nfds)"
ues
sleep 0.5
t0=$(cpu_ticks "$AGWD_PID")
sleep 3
t1=$(cpu_ticks "$AGWD_PID")
wait $UES
hz=$(getconf CLK_TCK)
kill -0 "$AGWD_PID" || die "agwd died at EMFILE"
read -r made closed <"$TMP/ues.out"
[ "${made:-0}" -gt 0 ] && [ "$closed" = "$made" ] ||
	die "UEs at EMFILE: $(cat "$TMP/ues.out") (connected, closed by agwd)"
[ $((t1 - t0)) -lt $((3 * hz / 2)) ] ||
	die "agwd used $((t1 - t0)) ticks of CPU in 3 s at EMFILE (spinning)"
grep -q "out of file descriptors (.*): a connection to a termination closed, listeners paused" \
	"$TMP/agwd.log" || die "EMFILE at accept not logged"
echo "ok: no fd left: $made UE connections closed, agwd used $((t1 - t0))/$((3 * hz)) CPU ticks in 3 s"

# ---- a few fds left: agwctl answers, UEs still refused, Adds get 510
set_soft $(($(nfds) + 6))
st=$(ctl status) || die "agwctl status does not answer with a few fds left"
[ "$(echo "$st" | jq .limits.fd_refused)" -gt "$before_refused" ] ||
	die "refused connections not counted: $(echo "$st" | jq -c .limits)"
r=$(ue_send $GW_ACC "${ports[0]}")
sleep 0.3
kill -0 "$AGWD_PID" || die "agwd died"
[ "$(ctl terminations | jq '[.terminations[] | select(.state == "connected")] | length')" = 0 ] ||
	die "a connection was taken from the fds kept for agwctl"
go scarce
wait_sync done
grep '"cmd":"send"' "$TMP/mgc.out" | tail -1 | jq -r .error_text |
	grep -q "out of file descriptors" ||
	die "an Add with no fd: $(grep '"cmd":"send"' "$TMP/mgc.out" | tail -1 | jq -r .error_text)"
echo "ok: a few fds left: agwctl status answers, the UE's connection is closed ($r first), an Add gets 510 out of file descriptors"

set_soft 192
go done
wait "$MGC_PID" || die "MGC scenario failed"
ctl status >/dev/null || die "agwd does not answer after the limit came back"
stop_agwd
