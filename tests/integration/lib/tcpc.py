#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Real TCP peers for the integration tests.

tcpc.py connect DST PORT [--src A] [--sport P] [--timeout S]
    One blocking connect(); the kernel retransmits the SYN as usual.
    Prints "connected T" (T: CLOCK_REALTIME seconds when it completed) and
    exits 0, "timeout" (exit 1) or "refused"/"error ..." (exit 2).
tcpc.py serve ADDR PORT
    Listens and echoes what each connection sends, until killed.
"""
import argparse
import socket
import sys
import threading
import time


def family(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def open_connection(dst, port, src=None, sport=None, timeout=5):
    """One blocking connect(). Returns (socket, 0) or (None, exit status)
    after printing "timeout" (1), "refused" or "error ..." (2)."""
    s = socket.socket(family(dst), socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if src or sport:
        s.bind((src or ("::" if family(dst) == socket.AF_INET6 else "0.0.0.0"),
                sport or 0))
    s.settimeout(timeout)
    try:
        s.connect((dst, port))
    except socket.timeout:
        print("timeout", flush=True)
        return None, 1
    except ConnectionRefusedError:
        print("refused", flush=True)
        return None, 2
    except OSError as e:
        print("error", e, flush=True)
        return None, 2
    return s, 0


def connect(a):
    s, rc = open_connection(a.dst, a.port, a.src, a.sport, a.timeout)
    if not s:
        return rc
    print("connected %.3f" % time.time(), flush=True)
    s.sendall(b"ping")
    s.settimeout(5)
    data = s.recv(16)
    s.close()
    if data != b"ping":
        print("bad echo", data, flush=True)
        return 2
    return 0


def serve(a):
    s = socket.socket(family(a.addr), socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((a.addr, a.port))
    s.listen(64)

    def echo(c):
        with c:
            while True:
                d = c.recv(65536)
                if not d:
                    return
                c.sendall(d)

    while True:
        c, _ = s.accept()
        threading.Thread(target=echo, args=(c,), daemon=True).start()


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("connect")
    c.add_argument("dst")
    c.add_argument("port", type=int)
    c.add_argument("--src")
    c.add_argument("--sport", type=int)
    c.add_argument("--timeout", type=float, default=5)
    sv = sub.add_parser("serve")
    sv.add_argument("addr")
    sv.add_argument("port", type=int)
    a = p.parse_args()
    return connect(a) if a.cmd == "connect" else serve(a)


if __name__ == "__main__":
    sys.exit(main())
