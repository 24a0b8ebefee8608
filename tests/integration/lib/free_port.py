#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Print a loopback port that is free for both TCP and UDP right now."""
import socket

while True:
    t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    t.bind(("127.0.0.1", 0))
    port = t.getsockname()[1]
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        u.bind(("127.0.0.1", port))
    except OSError:
        continue
    print(port)
    break
