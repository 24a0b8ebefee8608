#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""The peers of a call released while bytes are in flight (agwd_release.sh).

release_peer.py send DST PORT --size N --seed K [--src A]
    Sends N pseudo-random bytes (from seed K) while reading everything
    that comes back until EOF; once its writes are done (or refused) it
    half-closes. Prints "sent LEN" (bytes its kernel took), then "eof"
    when the other side closed with FIN, or "reset" (exit 3).
release_peer.py recv DST PORT --size N --seed K --start FILE [--src A]
    Connects and reads nothing until FILE exists, so that what the sender
    sends piles up in agwd; then reads until EOF or reset and checks that
    what arrived is exactly the first LEN bytes of the sender's payload.
    Prints "received LEN prefix ok|bad" and "eof" or "reset" (exit 0 for
    eof, 3 for reset, 4 for bad bytes).
release_peer.py tls-recv ADDR PORT --size N --seed K --start FILE
        --cert C --key K
    An e2ae TLS UE: listens on ADDR PORT, accepts agwd's connection and is
    the TLS client on it with its certificate; then as recv, where the end
    is "close_notify" (then it answers with its own and prints "closed"),
    "ragged eof" (a FIN without close_notify: exit 3) or "reset".
Both print "connected" first; "timeout"/"error ..." on trouble (exit 1/2).
"""
import argparse
import os
import random
import socket
import ssl
import sys
import threading
import time

from tcpc import open_connection
from tls_ue_peer import ue_wrap


def drain(s, out):
    """Reads until EOF or an error; out["end"] is "eof" or "reset"."""
    n = 0
    try:
        while True:
            b = s.recv(1 << 16)
            if not b:
                out["end"] = "eof"
                break
            n += len(b)
    except ConnectionResetError:
        out["end"] = "reset"
    except OSError as e:
        out["end"] = "error %s" % e
    out["n"] = n


def send(s, a):
    data = random.Random(a.seed).randbytes(a.size)
    out = {}
    r = threading.Thread(target=drain, args=(s, out), daemon=True)
    r.start()
    sent, send_end = 0, None
    try:
        while sent < len(data):
            sent += s.send(data[sent:sent + (1 << 16)])
        s.shutdown(socket.SHUT_WR)
    except (BrokenPipeError, ConnectionResetError):
        send_end = "reset"
    except socket.timeout:
        send_end = "timeout"
    print("sent %d" % sent, flush=True)
    r.join(a.timeout)
    end = send_end or out.get("end", "timeout")
    print(end, flush=True)
    return {"eof": 0, "reset": 3, "timeout": 1}.get(end, 2)


def recv(s, a, clean="eof"):
    deadline = time.time() + a.timeout
    while not os.path.exists(a.start):
        if time.time() > deadline:
            print("timeout", flush=True)
            return 1
        time.sleep(0.02)
    want = random.Random(a.seed).randbytes(a.size)
    got = bytearray()
    end = clean
    try:
        while True:
            b = s.recv(1 << 16)
            if not b:
                break
            got += b
    except ssl.SSLEOFError:
        end = "ragged eof"
    except ConnectionResetError:
        end = "reset"
    ok = len(got) <= len(want) and bytes(got) == want[:len(got)]
    print("received %d prefix %s" % (len(got), "ok" if ok else "bad"),
          flush=True)
    print(end, flush=True)
    if not ok:
        return 4
    return 0 if end == clean else 3


def tls_recv(a):
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((a.addr, a.port))
    ls.listen(1)
    ls.settimeout(a.timeout)
    c, _ = ls.accept()
    print("connected", flush=True)
    s = ue_wrap(c, a.cert, a.key, a.timeout)
    rc = recv(s, a, "close_notify")
    if rc == 0:
        s.unwrap()
        s.close()
        print("closed", flush=True)
    return rc


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["send", "recv", "tls-recv"])
    p.add_argument("addr")
    p.add_argument("port", type=int)
    p.add_argument("--size", type=int, required=True)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--src")
    p.add_argument("--start")
    p.add_argument("--timeout", type=float, default=60)
    p.add_argument("--cert")
    p.add_argument("--key")
    a = p.parse_args()
    if a.mode == "tls-recv":
        return tls_recv(a)
    s, rc = open_connection(a.addr, a.port, a.src, None, a.timeout)
    if not s:
        return rc
    s.settimeout(a.timeout)
    print("connected", flush=True)
    return send(s, a) if a.mode == "send" else recv(s, a)


if __name__ == "__main__":
    sys.exit(main())
