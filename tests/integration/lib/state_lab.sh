# SPDX-License-Identifier: GPL-2.0-only
# Shared by the crash-safe state tests (agwd_crash.sh,
# agwd_second_instance.sh, agwd_fd_limit.sh, agwd_ctlsock_path.sh,
# agwd_signals.sh), after common.sh and mgc_lab.sh: the lab, agwd's
# configuration, an unprivileged listener on a port the gate must not
# open, agwd's CPU time.

# state_lab TAG NET: root and bpffs, the megaco MGC built, TMP (removed
# at exit), PIN (unloaded and removed at exit), lab_setup TAG NET; SCN is
# agwd's scenario directory. die prints agwd's log and the MGC's output.
state_lab() {
	require_root
	command -v jq >/dev/null || fail "jq missing (deps/mgc.list)"
	make -C "$AGW_SRC" --no-print-directory mgc >/dev/null || fail "make mgc"
	TMP=$(mktemp -d "/tmp/agw-$1-XXXXXX")
	PIN=/sys/fs/bpf/agw-$1-$$
	T_CLEAN+=("$AGWCTL --pin-dir $PIN gate --force unload; rm -rf $TMP $PIN")
	SCN=$AGW_SRC/tests/mgc/agwd
	AGWD_PID=
	MGC_PID=
	lab_setup "$1" "$2"
}

die() {
	echo "FAIL: $*"
	echo "---- agwd log (tail)"
	tail -n 30 "$TMP/agwd.log"
	echo "---- mgc"
	cut -c1-300 "$TMP/mgc.out" 2>/dev/null | tail -n 6
	tail -n 10 "$TMP/mgc.err" 2>/dev/null
	exit 1
}

# state_conf TAG PORT TRANSPORT [LIMITS...]: $TMP/agwd.conf for a
# lab_setup lab (pins in $PIN, socket $TMP/agwd.sock), [limits] from the
# extra words (default: contexts 256, terminations 512).
state_conf() {
	local tag=$1 port=$2 transport=$3
	shift 3
	cat >"$TMP/agwd.conf" <<CONF
[agwd]
state_dir = $TMP/state
control_socket = $TMP/agwd.sock
gate_pin_dir = $PIN
[h248]
mgc = 127.0.0.1:2945
transport = $transport
address = 127.0.0.1
port = 2944
[limits]
contexts = ${1:-256}
terminations = ${2:-512}
[timers]
registration_retry_ms = 200
registration_retry_max_ms = 1000
[log]
level = info
$(lab_realms "$tag" "$port")
CONF
}

# nobody_listen ADDR PORT OUT: in GW, as uid 65534, listen on ADDR:PORT
# and write "accepted BYTES" to OUT when a connection arrives (and what
# it read), "none" after 8 s. Sets NOBODY_PID. Waits until it listens.
nobody_listen() {
	local out=$3
	rm -f "$out"
	nsenter --net=/run/netns/"$GW" setpriv --reuid=65534 --regid=65534 \
		--clear-groups /usr/bin/python3 -c '
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2])))
s.listen(4)
print("listening", flush=True)
s.settimeout(8)
try:
    c, _ = s.accept()
    c.settimeout(2)
    try:
        b = c.recv(100)
    except socket.timeout:
        b = b""
    print("accepted %d" % len(b), flush=True)
except socket.timeout:
    print("none", flush=True)
' "$1" "$2" >"$3" 2>&1 &
	NOBODY_PID=$!
	T_PIDS+=($NOBODY_PID)
	wait_for 10 'grep -q listening "$out"' ||
		die "nobody cannot listen on $1:$2: $(cat "$out")"
}

# ue_send ADDR PORT: the UE connects (4 s) and sends 5 bytes; prints
# tcpc's verdict (connected ... / timeout / refused).
ue_send() {
	in_ns "$UE" python3 -c '
import socket, sys
s = socket.socket()
s.settimeout(4)
try:
    s.connect((sys.argv[1], int(sys.argv[2])))
    s.sendall(b"hello")
    print("connected")
except socket.timeout:
    print("timeout")
except OSError as e:
    print("error", e)
' "$1" "$2"
}

# cpu_ticks PID: utime + stime of PID in clock ticks.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

ctl() { "$BUILD/helpers/agw_ctl_request" "$TMP/agwd.sock" "$@"; }

# stop_agwd: SIGTERM twice (Graceful, then Forced: no MGC may answer).
stop_agwd() {
	kill "$AGWD_PID" 2>/dev/null
	sleep 0.2
	kill "$AGWD_PID" 2>/dev/null
	wait_for 30 '! kill -0 $AGWD_PID' || die "agwd did not stop"
}

# gate_terms [ARGS...]: agwctl -j gate term list on $PIN.
gate_terms() { "$AGWCTL" --pin-dir "$PIN" -j gate term list "$@"; }
