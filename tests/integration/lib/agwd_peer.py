#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""A TCP peer of a call through agwd: sends a known payload, half-closes,
reads everything the other side sends until EOF, and prints what it got.

agwd_peer.py connect DST PORT --send N [--src A] [--sport P] [--timeout S]
agwd_peer.py listen ADDR PORT --send N [--timeout S]
agwd_peer.py digest 0 0 --send N [--seed K] [--random]
Output lines: "connected", then "received LEN SHA256" (exit 0), or
"timeout"/"refused"/"error ..." (exit 1/2).

--random: the payload is N pseudo-random bytes from the seed (not a
pattern). --hold FILE with --expect M: once all is sent and M bytes have
arrived, print "got M SHA256" and keep the connection open, both ways,
until FILE exists; then half-close as usual. --expect M alone: half-close
only once M bytes have arrived (or EOF), so that a TLS UE behind agwd can
finish sending before agwd closes toward it. A reset prints "reset LEN"
(exit 3). Sending and receiving run at once, so neither side's relay
buffer has to hold a whole payload.
"""
import argparse
import hashlib
import os
import random
import socket
import sys
import threading
import time

from tcpc import open_connection


def payload(n, seed, rand=False):
    if rand:
        return random.Random(seed).randbytes(n)
    return bytes((i * 7 + seed) & 0xFF for i in range(n))


def family(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


class Reader(threading.Thread):
    """Reads until EOF or an error, hashing what arrives."""

    def __init__(self, s):
        super().__init__(daemon=True)
        self.s, self.h, self.n, self.err = s, hashlib.sha256(), 0, None
        self.done = False
        self.cond = threading.Condition()

    def run(self):
        try:
            while True:
                b = self.s.recv(65536)
                if not b:
                    break
                with self.cond:
                    self.h.update(b)
                    self.n += len(b)
                    self.cond.notify_all()
        except OSError as e:
            self.err = e
        with self.cond:
            self.done = True
            self.cond.notify_all()

    def wait_bytes(self, want, timeout):
        with self.cond:
            return self.cond.wait_for(lambda: self.n >= want or self.done,
                                      timeout)


def exchange(s, a):
    print("connected", flush=True)
    s.settimeout(a.timeout)
    r = Reader(s)
    r.start()
    try:
        s.sendall(payload(a.send, a.seed, a.random))
        if a.hold:
            r.wait_bytes(a.expect, a.timeout)
            with r.cond:
                print("got %d %s" % (r.n, r.h.hexdigest()), flush=True)
            deadline = time.time() + a.timeout
            while not os.path.exists(a.hold) and not r.done and \
                    time.time() < deadline:
                time.sleep(0.05)
        elif a.expect:
            r.wait_bytes(a.expect, a.timeout)
        s.shutdown(socket.SHUT_WR)
    except OSError as e:
        r.err = r.err or e
    r.join(a.timeout)
    if r.is_alive():
        print("timeout", flush=True)
        return 1
    if isinstance(r.err, ConnectionResetError) or \
            isinstance(r.err, BrokenPipeError):
        print("reset %d" % r.n, flush=True)
        return 3
    if r.err:
        print("error", r.err, flush=True)
        return 2
    print("received %d %s" % (r.n, r.h.hexdigest()), flush=True)
    return 0


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["connect", "listen", "digest"])
    p.add_argument("addr")
    p.add_argument("port", type=int)
    p.add_argument("--send", type=int, default=0)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--src")
    p.add_argument("--sport", type=int, default=0)
    p.add_argument("--timeout", type=float, default=30)
    p.add_argument("--random", action="store_true")
    p.add_argument("--hold")
    p.add_argument("--expect", type=int, default=0)
    a = p.parse_args()
    if a.mode == "digest":  # what the other side should receive
        d = hashlib.sha256(payload(a.send, a.seed, a.random)).hexdigest()
        print("%d %s" % (a.send, d))
        return 0
    if a.mode == "listen":
        s = socket.socket(family(a.addr), socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((a.addr, a.port))
        s.listen(1)
        s.settimeout(a.timeout)
        try:
            c, peer = s.accept()
        except socket.timeout:
            print("timeout", flush=True)
            return 1
        print("from %s %d" % peer[:2], flush=True)
        return exchange(c, a)
    s, rc = open_connection(a.addr, a.port, a.src, a.sport, a.timeout)
    return exchange(s, a) if s else rc


if __name__ == "__main__":
    sys.exit(main())
