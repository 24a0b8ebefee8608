#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# timeout: 480
# The H.248 port guarded in the kernel: with the gate attached (XDP
# generic, then tc) and the guard set to port 2944 for the MGCs
# 10.202.0.2:2944 and [fd22::2]:2944, real datagrams and connections
# from a second namespace: the MGC's datagrams arrive, the same address
# from another port and a foreign address do not, TCP connects only from
# the MGC address; every drop counted by reason and shown by agwctl
# gate monitor. IPv4 and IPv6.
. "$AGW_SRC/tests/integration/lib/common.sh"
require_root
SRV=agw-gh248-srv-$$ CLI=agw-gh248-cli-$$
PIN=/sys/fs/bpf/agw-gh248-$$
TMP=$(mktemp -d)
T_CLEAN+=("$AGWCTL --pin-dir $PIN gate unload; rm -rf $PIN $TMP")
g() { in_ns "$SRV" "$AGWCTL" --pin-dir "$PIN" "$@"; }
counter() { g -j gate show | jq ".counters.$1"; }

netns_add "$SRV"
netns_add "$CLI"
ip link add hsrv0 netns "$SRV" type veth peer name hcli0 netns "$CLI" || fail veth
ip -n "$SRV" addr add 10.202.0.1/24 dev hsrv0
ip -n "$SRV" addr add fd22::1/64 dev hsrv0 nodad
for a in 10.202.0.2 10.202.0.3; do ip -n "$CLI" addr add $a/24 dev hcli0; done
for a in fd22::2 fd22::3; do ip -n "$CLI" addr add $a/64 dev hcli0 nodad; done
ip -n "$SRV" link set hsrv0 up
ip -n "$CLI" link set hcli0 up

# a UDP receiver on 2944 (both families) that logs each datagram's payload
cat >"$TMP/udp_rx.py" <<'PY'
import select, socket, sys
socks = []
for fam, addr in ((socket.AF_INET, "0.0.0.0"), (socket.AF_INET6, "::")):
    s = socket.socket(fam, socket.SOCK_DGRAM)
    if fam == socket.AF_INET6:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    s.bind((addr, 2944))
    socks.append(s)
print("ready", flush=True)
with open(sys.argv[1], "a") as log:
    while True:
        for s in select.select(socks, [], [])[0]:
            data, peer = s.recvfrom(2048)
            log.write(data.decode() + "\n")
            log.flush()
PY
bg_in_ns "$SRV" python3 "$TMP/udp_rx.py" "$TMP/rx.log"
bg_in_ns "$SRV" $TCPC serve 10.202.0.1 2944
bg_in_ns "$SRV" $TCPC serve fd22::1 2944
wait_for 5 'in_ns "$SRV" ss -lunH "sport = :2944" | grep -q "\["' || fail "udp receiver"
wait_for 5 'in_ns "$SRV" ss -ltnH "sport = :2944" | grep -q fd22' || fail "tcp servers"

# send SRC SPORT DST TAG: one datagram, payload TAG
send() {
	in_ns "$CLI" python3 -c 'import socket, sys
src, sport, dst, tag = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
s = socket.socket(socket.AF_INET6 if ":" in dst else socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((src, sport))
s.sendto(tag.encode(), (dst, 2944))' "$@"
}
arrived() { grep -qx "$1" "$TMP/rx.log" 2>/dev/null; }

run_checks() { # run_checks MODE
	local mode=$1 fam srv mgc bad n r
	out=$(g gate attach hsrv0 "$mode") || fail "attach $mode"
	echo "attach: $out"
	g gate h248 ports 2944 mgc 10.202.0.2:2944 '[fd22::2]:2944' || fail "h248 set"
	local shown
	shown=$(g gate h248)
	[[ $shown == "h248 guard ports 2944 mgc "* && $shown == *" 10.202.0.2:2944"* &&
		$shown == *" [fd22::2]:2944"* ]] || fail "h248 show: $shown"
	for fam in 4 6; do
		if [ $fam = 4 ]; then srv=10.202.0.1 mgc=10.202.0.2 bad=10.202.0.3; else srv=fd22::1 mgc=fd22::2 bad=fd22::3; fi
		local a0 p0 s0
		a0=$(counter h248_udp_foreign_addr) p0=$(counter h248_udp_foreign_port) s0=$(counter h248_syn_foreign_addr)
		send $mgc 3000 $srv "$mode-$fam-wrongport"
		send $bad 2944 $srv "$mode-$fam-foreign"
		send $mgc 2944 $srv "$mode-$fam-mgc"
		# datagrams from one sender arrive in order: the MGC's last one
		# arriving means the earlier ones had their chance
		wait_for 5 'arrived "$mode-$fam-mgc"' || fail "IPv$fam $mode: the MGC's datagram did not arrive"
		arrived "$mode-$fam-wrongport" && fail "IPv$fam $mode: datagram from the MGC address, other port, arrived"
		wait_for 5 '[ "$(counter h248_udp_foreign_port)" -gt '"$p0"' ]' || fail "IPv$fam $mode: foreign port not counted"
		wait_for 5 '[ "$(counter h248_udp_foreign_addr)" -gt '"$a0"' ]' || fail "IPv$fam $mode: foreign address not counted"
		arrived "$mode-$fam-foreign" && fail "IPv$fam $mode: datagram from a foreign address arrived"
		r=$(in_ns "$CLI" $TCPC connect $srv 2944 --src $bad --timeout 2.5) && fail "IPv$fam $mode: foreign TCP connected: $r"
		[ "$r" = timeout ] || fail "IPv$fam $mode: foreign TCP: $r"
		[ "$(counter h248_syn_foreign_addr)" -gt "$s0" ] || fail "IPv$fam $mode: SYN drop not counted"
		r=$(in_ns "$CLI" $TCPC connect $srv 2944 --src $mgc --timeout 5) || fail "IPv$fam $mode: MGC TCP: $r"
		echo "ok IPv$fam $mode: MGC admitted (UDP and TCP), other port and foreign address dropped"
	done
	# the monitor names the guard's reasons
	# nsenter execs agwctl: $! is the monitor itself, which kill reaches
	nsenter --net=/run/netns/"$SRV" "$AGWCTL" --pin-dir "$PIN" gate monitor timeout 60 >"$TMP/mon-$mode" 2>"$TMP/mon-$mode.err" &
	T_PIDS+=($!)
	local mon=$!
	MON_ERR=$TMP/mon-$mode.err MON_OUT=$TMP/mon-$mode
	wait_for 20 'grep -q "monitoring drops" "$MON_ERR"' || fail "monitor: $(cat "$MON_ERR")"
	send 10.202.0.3 2944 10.202.0.1 "$mode-mon-a" || fail "send"
	send 10.202.0.2 2999 10.202.0.1 "$mode-mon-p" || fail "send"
	wait_for 20 'grep -q "h248-foreign-addr udp 10.202.0.3:2944 -> 10.202.0.1:2944" "$MON_OUT" &&
		grep -q "h248-foreign-port udp 10.202.0.2:2999 -> 10.202.0.1:2944" "$MON_OUT"' ||
		fail "monitor: $(cat "$MON_OUT" "$MON_ERR"); counters: $(g -j gate show | jq -c .counters)"
	kill "$mon"
	wait "$mon" 2>/dev/null
	cat "$MON_OUT"
}

run_checks xdp-generic
run_checks tc
# off: everyone is let through again (the user-space check is agwd's)
g gate h248 off || fail "h248 off"
send 10.202.0.3 2944 10.202.0.1 "off-foreign"
wait_for 5 'arrived off-foreign' || fail "guard off: datagram dropped"
echo "H.248 guard ok"
