#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""An e2ae TLS UE: TCP from a fixed source address and port (the kernel
retransmits a dropped SYN as usual), then the TLS client with its own
certificate (agwd checks it against the fingerprint the MGC gave).

tls_ue_peer.py DST PORT --src A --sport P --cert C --key K --send N --seed S
Sends N bytes of agwd_peer.py's pattern (seed S) while reading until the
other side's close_notify, then answers with its own. Prints "tls VERSION",
then "received LEN SHA256" (exit 0); "ragged eof" (no close_notify,
exit 3), "timeout"/"refused"/"error ..." (exit 1/2).
"""
import argparse
import hashlib
import ssl
import sys

from tcpc import open_connection


def ue_wrap(c, cert, key, timeout):
    """The UE's TLS client on connected socket c, with its certificate
    (agwd checks its fingerprint, the UE checks nothing); a FIN without
    close_notify is an error (ssl.SSLEOFError), not an EOF. Prints "tls
    VERSION" once the handshake is done."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.load_cert_chain(cert, key)
    c.settimeout(timeout)
    s = ctx.wrap_socket(c, server_side=False, suppress_ragged_eofs=False)
    print("tls", s.version(), flush=True)
    return s


def main():
    p = argparse.ArgumentParser()
    p.add_argument("addr")
    p.add_argument("port", type=int)
    p.add_argument("--src", required=True)
    p.add_argument("--sport", type=int, required=True)
    p.add_argument("--cert", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--send", type=int, default=0)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--timeout", type=float, default=60)
    a = p.parse_args()
    c, rc = open_connection(a.addr, a.port, a.src, a.sport, a.timeout)
    if not c:
        return rc
    print("connected", flush=True)
    s = ue_wrap(c, a.cert, a.key, a.timeout)
    data = bytes((i * 7 + a.seed) & 0xFF for i in range(a.send))
    h, n, end = hashlib.sha256(), 0, "close_notify"
    # one SSL object, one thread: the payloads are small enough for the
    # socket buffers to hold what comes back meanwhile
    s.sendall(data)
    try:
        while True:
            b = s.recv(65536)
            if not b:
                break
            h.update(b)
            n += len(b)
    except ssl.SSLEOFError:
        end = "ragged eof"
    if end != "close_notify":
        print(end, flush=True)
        return 3
    s.unwrap()
    s.close()
    print("received %d %s" % (n, h.hexdigest()), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
