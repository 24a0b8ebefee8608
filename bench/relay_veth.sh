#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The relay benchmark (bench/relay.sh) across a veth pair between two
# namespaces (agw-skm-<pid>-p: client and server, agw-skm-<pid>-r: the
# relay and HAProxy), where the direct connection pays the same veth
# crossing as each of the relay's two connections. Metrics: relay_veth_*.
RELAY_BENCH_NET=veth exec bash "$(dirname "$0")/relay.sh"
