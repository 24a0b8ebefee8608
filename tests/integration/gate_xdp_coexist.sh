#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# timeout: 400
# XDP coexistence: xdp-filter (xdp-tools, libxdp) and agw's gate on one
# interface, both acting on real traffic. Where libxdp's dispatcher loads,
# the gate joins it ("xdp-multi") beside xdp-filter. Where the kernel
# refuses freplace programs (this development VM), xdp-filter falls back
# to a lone XDP program, agw's default attach says so and refuses to
# replace it, and the gate runs on tcx behind it. Either way: xdp-filter
# drops its denied port, the gate drops SYNs to an ignoring termination and
# admits the allowed remote, and only the program the mode uses is loaded.
. "$AGW_SRC/tests/integration/lib/common.sh"
require_root
command -v xdp-filter >/dev/null || skip "xdp-filter (xdp-tools) not installed"
SRV=agw-gcx-srv-$$ CLI=agw-gcx-cli-$$
PIN=/sys/fs/bpf/agw-gcx-$$
TMP=$(mktemp -d)
T_CLEAN+=("$AGWCTL --pin-dir $PIN gate unload; rm -rf $PIN $TMP")
g() { in_ns "$SRV" "$AGWCTL" --pin-dir "$PIN" "$@"; }

netns_add "$SRV"
netns_add "$CLI"
ip link add xsrv0 netns "$SRV" type veth peer name xcli0 netns "$CLI" || fail veth
ip -n "$SRV" addr add 10.203.0.1/24 dev xsrv0
for a in 10.203.0.2 10.203.0.3; do ip -n "$CLI" addr add $a/24 dev xcli0; done
ip -n "$SRV" link set xsrv0 up
ip -n "$CLI" link set xcli0 up
ip netns exec "$CLI" sysctl -qw net.ipv4.tcp_syn_linear_timeouts=4 2>/dev/null
for p in 20001 20002 9999; do bg_in_ns "$SRV" $TCPC serve 10.203.0.1 $p; done
wait_for 5 'in_ns "$SRV" ss -ltnH "sport = :9999" | grep -q .' || fail servers

# xdp-filter keeps its maps in the first bpffs it finds: give it a private
# one (its own mount namespace), so that runs side by side never share
# filter rules. The mount happens inside the new namespace by construction.
unshare -m --propagation private sh -c \
	'mount -t bpf bpf /sys/fs/bpf && echo mounted >'"$TMP/xf.ready"' && exec sleep infinity' &
XF=$!
T_PIDS+=($XF)
wait_for 5 '[ -s "$TMP/xf.ready" ]' || fail "private bpffs for xdp-filter"
[ "$(readlink /proc/$XF/ns/mnt)" != "$(readlink /proc/self/ns/mnt)" ] || fail "not a private mount namespace"
xf() { nsenter -t "$XF" -m --net=/run/netns/"$SRV" xdp-filter "$@"; }
T_CLEAN+=("nsenter -t $XF -m --net=/run/netns/$SRV xdp-filter unload xsrv0")

xf load -v xsrv0 >"$TMP/xf.log" 2>&1 || fail "xdp-filter load: $(cat "$TMP/xf.log")"
xf port 9999 >/dev/null 2>&1 || fail "xdp-filter port"
grep -i "falling back\|dispatcher" "$TMP/xf.log" | sed 's/^/xdp-filter: /'
grep -qi "falling back to loading single prog" "$TMP/xf.log" && alone=1 || alone=0

out=$(g gate attach xsrv0 2>"$TMP/attach.err")
rc=$?
sed 's/^/attach: /' "$TMP/attach.err"
if [ $rc -eq 0 ]; then
	echo "attach: $out"
	[[ $out == *"(xdp-multi)"* ]] || fail "attached beside xdp-filter but not in the dispatcher: $out"
	how="libxdp dispatcher"
	want_prog=agw_xdp_gate
	in_ns "$SRV" xdp-loader status xsrv0 | tee "$TMP/status"
	grep -q agw_xdp_gate "$TMP/status" && grep -q xdpfilt "$TMP/status" ||
		fail "xdp-loader status does not list both programs"
else
	# only right where the dispatcher could not load for xdp-filter either
	[ $alone = 1 ] || fail "xdp-filter is in a dispatcher, yet the gate was refused"
	grep -q "xdpfilt_.* runs there outside libxdp's dispatcher" "$TMP/attach.err" ||
		fail "refusal does not name xdp-filter's program"
	ip -n "$SRV" link show xsrv0 | grep -q "prog/xdp" || fail "xdp-filter no longer attached"
	out=$(g gate attach xsrv0 tc) || fail "attach tc beside xdp-filter"
	echo "attach: $out"
	how="xdp-filter on XDP, the gate on ${out##*(}"
	how=${how%)}
	want_prog=agw_tc_gate
fi
g gate config range 20000-29999 unmatched drop || fail config
g gate term add 10.203.0.1 20001 ignore || fail term
g gate term add 10.203.0.1 20002 open || fail term

# both act
r=$(in_ns "$CLI" $TCPC connect 10.203.0.1 20002 --src 10.203.0.2 --timeout 5) || fail "open termination: $r"
r=$(in_ns "$CLI" $TCPC connect 10.203.0.1 9999 --src 10.203.0.2 --timeout 2.5) && fail "xdp-filter let 9999 through: $r"
xf status | grep -E "^ +9999 " | awk '{ if ($NF < 1) exit 1 }' || fail "xdp-filter did not count its drop"
r=$(in_ns "$CLI" $TCPC connect 10.203.0.1 20001 --src 10.203.0.2 --timeout 2.5) && fail "ignoring termination admitted: $r"
[ "$(g -j gate show 10.203.0.1 20001 | jq '.dropped["ignore-mode"]')" -ge 1 ] || fail "gate did not count"
g gate allow add 10.203.0.1 20001 10.203.0.2 || fail allow
g gate term mode 10.203.0.1 20001 filter || fail mode
r=$(in_ns "$CLI" $TCPC connect 10.203.0.1 20001 --src 10.203.0.2 --timeout 5) || fail "allowed remote: $r"
r=$(in_ns "$CLI" $TCPC connect 10.203.0.1 20001 --src 10.203.0.3 --timeout 2.5) && fail "other remote admitted: $r"
echo "ok both act ($how)"

# only the program the mode uses is loaded against our maps
mid=$(bpftool -j map show pinned "$PIN/agw_terms" | jq .id)
progs=$(bpftool -j prog show | jq -r --argjson m "$mid" '[.[] | select((.map_ids // []) | index($m)) | .name] | sort | join(",")')
[ "$progs" = "$want_prog" ] || fail "programs using the gate's maps: $progs (wanted $want_prog)"
echo "ok loaded: $progs"
g gate detach xsrv0 || fail detach
ip -n "$SRV" link show xsrv0 | grep -q "prog/xdp" || fail "detaching the gate removed xdp-filter"
echo "XDP coexistence ok ($how)"
