#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""h248_pcap.py OUT.pcap FILE...: a pcap of one UDP datagram per FILE
(the message's bytes), 192.0.2.1:2944 -> 192.0.2.2:2944, for tshark to
decode H.248 text (Wireshark's megaco dissector is on UDP 2944)."""
import struct
import sys


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def datagram(payload, ident):
    src, dst = bytes([192, 0, 2, 1]), bytes([192, 0, 2, 2])
    udp_len = 8 + len(payload)
    pseudo = src + dst + struct.pack("!BBH", 0, 17, udp_len)
    udp = struct.pack("!HHHH", 2944, 2944, udp_len, 0) + payload
    udp = udp[:6] + struct.pack("!H", csum(pseudo + udp) or 0xFFFF) + udp[8:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + udp_len, ident & 0xFFFF,
                     0, 64, 17, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return ip + udp


def main():
    out, files = sys.argv[1], sys.argv[2:]
    with open(out, "wb") as f:
        # pcap header, link type 101 (raw IP)
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 101))
        for i, name in enumerate(files):
            with open(name, "rb") as m:
                pkt = datagram(m.read(), i)
            f.write(struct.pack("<IIII", 1700000000 + i, 0, len(pkt), len(pkt)))
            f.write(pkt)


if __name__ == "__main__":
    main()
