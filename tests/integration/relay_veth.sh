#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# timeout: 900
#
# The relay unit tests again, across a veth pair between two namespaces:
# the TCP peers live in agw-relay-<pid>-p, the relay in agw-relay-<pid>-r,
# so both relayed connections cross a real netdev (GSO/GRO, no loopback
# shortcuts).
set -u
BUILD=${BUILD:?}
bin=$BUILD/unit/test_relay
[ -x "$bin" ] || { echo "missing $bin"; exit 1; }

p=agw-relay-$$-p
r=agw-relay-$$-r
cleanup() {
	ip netns del "$p" 2>/dev/null
	ip netns del "$r" 2>/dev/null
}
trap cleanup EXIT

set -e
ip netns add "$p"
ip netns add "$r"
ip link add agwrp$$ netns "$p" type veth peer name agwrr$$ netns "$r"
ip -n "$p" addr add 10.203.0.1/24 dev agwrp$$
ip -n "$r" addr add 10.203.0.2/24 dev agwrr$$
for ns in "$p" "$r"; do
	ip -n "$ns" link set lo up
done
ip -n "$p" link set agwrp$$ up
ip -n "$r" link set agwrr$$ up
set +e

AGW_RELAY_NETNS="$p $r" AGW_RELAY_ADDRS="10.203.0.1 10.203.0.2" \
	CK_VERBOSITY=normal "$bin"
