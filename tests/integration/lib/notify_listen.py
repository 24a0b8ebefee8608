#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""The service manager's side of sd_notify(3) for tests: binds a unix
datagram socket at PATH (mode 0666, so a service dropped to another user
can send) and appends every message to OUT, one line per assignment,
until killed."""
import os
import socket
import sys

path, out = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
os.chmod(path, 0o666)
with open(out, "a", buffering=1) as f:
    while True:
        msg = s.recv(4096).decode(errors="replace")
        for line in msg.split("\n"):
            if line:
                f.write(line + "\n")
