#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Per-SYN decision cost of the gate per path, 3 and GATE_TERMS (default
# 1,000,000) terminations, against an empty XDP program (bench/gate_cost.c).
[ "$(id -u)" -eq 0 ] || { echo "bench: gate_cost needs root"; exit 1; }
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
exec "$BUILD/benchbin/gate_cost" -n "${GATE_TERMS:-1000000}"
