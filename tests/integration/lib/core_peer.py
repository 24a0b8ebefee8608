# SPDX-License-Identifier: GPL-2.0-only
"""Plain TCP core peer for the TLS relay tests.

Listens on 127.0.0.1 (port written to --port-file), accepts one
connection, sends --send while receiving into --recv (written as it
arrives, so a test can watch its size), and half-closes only after
--expect bytes arrived (or the peer closed), so the UE side has time to
send everything before the relay closes toward it. Exits when the peer
closes its side.
"""
import argparse
import socket
import sys
import threading


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--send", required=True)
    ap.add_argument("--recv", required=True)
    ap.add_argument("--expect", type=int, default=0)
    ap.add_argument("--timeout", type=float, default=60)
    a = ap.parse_args()

    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(1)
    with open(a.port_file + ".tmp", "w") as f:
        f.write("%d\n" % ls.getsockname()[1])
    import os
    os.rename(a.port_file + ".tmp", a.port_file)
    ls.settimeout(a.timeout)
    c, _ = ls.accept()
    c.settimeout(a.timeout)
    data = open(a.send, "rb").read()
    got = 0
    enough = threading.Event()
    if a.expect == 0:
        enough.set()

    def sender():
        try:
            c.sendall(data)
            enough.wait(a.timeout)
            c.shutdown(socket.SHUT_WR)
        except OSError as e:
            print("core: send stopped: %s" % e, file=sys.stderr)

    t = threading.Thread(target=sender)
    t.start()
    with open(a.recv, "wb", buffering=0) as out:
        while True:
            try:
                d = c.recv(65536)
            except OSError as e:
                print("core: recv stopped: %s" % e, file=sys.stderr)
                break
            if not d:
                break
            out.write(d)
            got += len(d)
            if got >= a.expect:
                enough.set()
    enough.set()
    t.join()
    c.close()
    print("core: received %d bytes" % got, file=sys.stderr)


main()
