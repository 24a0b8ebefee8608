#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""A TCP peer of a call through agwd: sends a known payload, half-closes,
reads everything the other side sends until EOF, and prints what it got.

agwd_peer.py connect DST PORT --send N [--src A] [--sport P] [--timeout S]
agwd_peer.py listen ADDR PORT --send N [--timeout S]
--expect N: half-close only once N octets arrived (or EOF), so that a TLS
UE behind agwd can finish sending before agwd closes toward it.
Output lines: "connected", then "received LEN SHA256" (exit 0), or
"timeout"/"refused"/"error ..." (exit 1/2).
"""
import argparse
import hashlib
import socket
import sys

from tcpc import open_connection


def payload(n, seed):
    return bytes((i * 7 + seed) & 0xFF for i in range(n))


def family(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def exchange(s, a):
    print("connected", flush=True)
    s.settimeout(a.timeout)
    s.sendall(payload(a.send, a.seed))
    h, n, shut = hashlib.sha256(), 0, False
    while True:
        if not shut and n >= a.expect:
            s.shutdown(socket.SHUT_WR)
            shut = True
        try:
            b = s.recv(65536)
        except ConnectionResetError:
            print("reset", flush=True)
            break
        if not b:
            break
        h.update(b)
        n += len(b)
    print("received %d %s" % (n, h.hexdigest()), flush=True)
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
    p.add_argument("--expect", type=int, default=0)
    a = p.parse_args()
    if a.mode == "digest":  # what the other side should receive
        print("%d %s" % (a.send, hashlib.sha256(payload(a.send, a.seed)).hexdigest()))
        return 0
    if a.mode == "listen":
        s = socket.socket(family(a.addr), socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((a.addr, a.port))
        s.listen(1)
        s.settimeout(a.timeout)
        try:
            c, _ = s.accept()
        except socket.timeout:
            print("timeout", flush=True)
            return 1
        return exchange(c, a)
    s, rc = open_connection(a.addr, a.port, a.src, a.sport, a.timeout)
    return exchange(s, a) if s else rc


if __name__ == "__main__":
    sys.exit(main())
