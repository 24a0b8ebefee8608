#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
#
# A TCP "MGC" for the agwd framing test: listens, accepts agwd's
# connection and sends TPKT-framed H.248 messages several per segment and
# one split over three segments, then garbage (agwd must reset the
# connection), then waits for agwd to reconnect. Prints one line per step;
# exits non-zero on any unexpected outcome.
import socket
import struct
import sys
import time

addr, port = sys.argv[1], int(sys.argv[2])


def frame(msg):
    return struct.pack("!BBH", 3, 0, len(msg) + 4) + msg


def step(text):
    print(text, flush=True)


def accept(ls):
    ls.settimeout(30)
    c, peer = ls.accept()
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    step("accepted %s:%d" % peer)
    return c


ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind((addr, port))
ls.listen(4)
step("listening")

c = accept(ls)
m = [b"MEGACO/1 [10.77.0.2]:2944 Transaction=1{Context=-{AuditValue=ROOT{}}}",
     b"MEGACO/1 [10.77.0.2]:2944 Transaction=2{Context=-{AuditValue=ROOT{}}}",
     b"MEGACO/1 [10.77.0.2]:2944 Transaction=3{Context=-{Subtract=split-message}}"]
time.sleep(0.3)
seg = frame(m[0]) + frame(m[1]) + frame(m[2])
cut1 = len(frame(m[0])) + len(frame(m[1])) + 2  # inside the 3rd header
cut2 = cut1 + 30  # inside the 3rd body
c.sendall(seg[:cut1])
time.sleep(0.3)
c.sendall(seg[cut1:cut2])
time.sleep(0.3)
c.sendall(seg[cut2:])
step("sent 3 messages in 3 segments")
time.sleep(0.5)

c.sendall(b"GARBAGE, not a TPKT header")
c.settimeout(10)
try:
    # agwd's own messages (its ServiceChange, 505 answers) may come first
    while True:
        data = c.recv(65536)
        if not data:
            break
        if data[:1] != b"\x03":
            step("unexpected data from agwd: %r" % data)
            sys.exit(1)
    step("closed")
except ConnectionResetError:
    step("reset")
c.close()

c = accept(ls)
step("reconnected")
c.sendall(frame(b"MEGACO/1 [10.77.0.2]:2944 Transaction=4{Context=-{AuditValue=ROOT{}}}"))
time.sleep(1)
c.close()
step("done")
