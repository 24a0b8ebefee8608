#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# timeout: 180
#
# TPKT robustness of agwd's H.248 TCP transport, against a real agwd and a
# scripted TCP MGC (python, below): two stray bytes before a valid frame
# make agwd reset the connection with a log line naming the four header
# bytes it saw ("0d 0a 03 00"), no transaction of the corrupted stream is
# executed; agwd reconnects, registers again and the next transaction is
# answered; a partial frame is given up after [timers] tpkt_timeout_ms
# (1000 here), logged, and agwd reconnects again.
set -u
. "$AGW_SRC/tests/integration/lib/common.sh"
require_root
NS=agw-tpkt-$$
TMP=$(mktemp -d /tmp/agw-tpkt-XXXXXX)
PIN=/sys/fs/bpf/agw-tpkt-$$
T_CLEAN+=("rm -rf $TMP $PIN")
netns_add "$NS"
die() {
	echo "FAIL: $*"
	tail -n 30 "$TMP/agwd.log"
	cat "$TMP/mgc.out" 2>/dev/null
	exit 1
}
cat >"$TMP/agwd.conf" <<CONF
[agwd]
state_dir = $TMP/state
control_socket = $TMP/agwd.sock
gate_pin_dir = $PIN
[h248]
mgc = 127.0.0.1:2945
transport = tcp
[timers]
heartbeat_ms = 0
registration_retry_ms = 100
registration_retry_max_ms = 400
tpkt_timeout_ms = 1000
[log]
level = info
[realm default]
interface = lo
ports = 20000-20099
attach = none
CONF

nsenter --net=/run/netns/"$NS" python3 - >"$TMP/mgc.out" 2>&1 <<'PY' &
import re, socket, struct, sys, time

def frame(m):
    return struct.pack("!BBH", 3, 0, len(m) + 4) + m

def step(t):
    print(t, flush=True)

class Conn:
    def __init__(self, ls):
        self.c, _ = ls.accept()
        self.c.settimeout(10)
        self.buf = b""
    def recv_msg(self):
        while True:
            if len(self.buf) >= 4:
                n = struct.unpack("!H", self.buf[2:4])[0]
                if len(self.buf) >= n:
                    m, self.buf = self.buf[4:n], self.buf[n:]
                    return m
            d = self.c.recv(65536)
            if not d:
                raise EOFError
            self.buf += d
    def register(self):
        while True:
            m = self.recv_msg()
            if b"ServiceChange" in m or b"SC=" in m:
                t = re.search(rb"(?:Transaction\s*=\s*|T=)(\d+)", m).group(1)
                self.c.sendall(frame(b"!/3 [127.0.0.1]:2945 P=" + t +
                                     b"{C=-{SC=ROOT{SV{V=3}}}}"))
                return
    def closed_by_agwd(self):
        """agwd closes (RST) without answering anything from us."""
        try:
            while True:
                m = self.recv_msg()
                if b"P=1" in m or b"Reply = 1" in m:
                    step("answered a corrupted transaction: %r" % m)
                    sys.exit(1)
        except (EOFError, ConnectionResetError):
            return True

ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", 2945))
ls.listen(4)
ls.settimeout(30)
step("listening")

c = Conn(ls)
c.register()
step("registered")
time.sleep(0.2)
c.c.sendall(b"\r\n" + frame(b"!/3 [127.0.0.1]:2945 T=11{C=-{AV=ROOT}}"))
c.closed_by_agwd()
step("closed after stray bytes")

c = Conn(ls)
c.register()
step("registered again")
c.c.sendall(frame(b"!/3 [127.0.0.1]:2945 T=12{C=-{AV=ROOT}}"))
while True:
    m = c.recv_msg()
    if re.search(rb"(P=|Reply\s*=\s*)12\b", m):
        break
step("T=12 answered")

t0 = time.time()
c.c.sendall(frame(b"!/3 [127.0.0.1]:2945 T=13{C=-{AV=ROOT}}")[:10])
c.closed_by_agwd()
step("partial frame: closed after %.1f s" % (time.time() - t0))

c = Conn(ls)
c.register()
step("registered a third time")
PY
MGC=$!
T_PIDS+=($MGC)
wait_for 10 'grep -q listening "$TMP/mgc.out"' || die "MGC did not start"
nsenter --net=/run/netns/"$NS" "$BUILD/agwd" -c "$TMP/agwd.conf" -f \
	>"$TMP/agwd.log" 2>&1 &
T_PIDS+=($!)
wait "$MGC" || die "the MGC's script failed"
cat "$TMP/mgc.out"
grep -q "bad TPKT header 0d 0a 03 00 .*connection reset" "$TMP/agwd.log" ||
	die "the stray bytes are not named in the log"
grep -q "T=11\|Transaction = 11 " "$TMP/agwd.log" && die "T=11 was executed"
grep -q "partial TPKT packet (10 bytes) not completed within 1000 ms" "$TMP/agwd.log" ||
	die "the partial frame's timeout is not logged"
secs=$(sed -n 's/^partial frame: closed after \([0-9.]*\) s/\1/p' "$TMP/mgc.out")
awk -v s="$secs" 'BEGIN { exit !(s >= 0.9) }' || die "partial frame closed after $secs s, before the timeout"
echo "ok: stray bytes reset and named, reconnect works, partial frame timed out after $secs s"
