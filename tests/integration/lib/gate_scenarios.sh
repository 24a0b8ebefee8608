# SPDX-License-Identifier: GPL-2.0-only
# The SYN gate against the real Linux TCP stack: a server namespace whose
# veth carries the gate, a client namespace with two source addresses.
# gate_run_all MODE runs every scenario for IPv4 and IPv6 with the gate
# attached in MODE (xdp, xdp-generic, tc or clsact).

. "$AGW_SRC/tests/integration/lib/common.sh"

G_PIN=/sys/fs/bpf/agw-itest-$$
T_CLEAN+=("$AGWCTL --pin-dir $G_PIN gate unload; rm -rf $G_PIN")

gate() { in_ns "$G_SRV" "$AGWCTL" --pin-dir "$G_PIN" gate "$@"; }

gate_setup() {
	local mode=$1 tag=$2
	G_SRV=agw-$tag-srv-$$
	G_CLI=agw-$tag-cli-$$
	netns_add "$G_SRV"
	netns_add "$G_CLI"
	ip link add gsrv0 netns "$G_SRV" type veth peer name gcli0 netns "$G_CLI" ||
		fail "veth"
	ip -n "$G_SRV" addr add 10.200.0.1/24 dev gsrv0
	ip -n "$G_SRV" addr add fd20::1/64 dev gsrv0 nodad
	ip -n "$G_CLI" addr add 10.200.0.2/24 dev gcli0
	ip -n "$G_CLI" addr add 10.200.0.3/24 dev gcli0
	ip -n "$G_CLI" addr add fd20::2/64 dev gcli0 nodad
	ip -n "$G_CLI" addr add fd20::3/64 dev gcli0 nodad
	ip -n "$G_SRV" link set gsrv0 up
	ip -n "$G_CLI" link set gcli0 up
	# 1 s SYN retransmits for the first tries, as on a stock kernel
	ip netns exec "$G_CLI" sysctl -qw net.ipv4.tcp_syn_linear_timeouts=4 2>/dev/null
	local out
	if [ "$mode" = tc ]; then
		# switching modes replaces the old attachment
		gate attach gsrv0 xdp-generic >/dev/null || fail "attach xdp-generic"
		ip -n "$G_SRV" link show gsrv0 | grep -q "prog/xdp" || fail "no xdpgeneric"
	fi
	out=$(gate attach gsrv0 "$mode") || fail "attach $mode"
	echo "attach: $out"
	# xdp-multi: libxdp's dispatcher, where the kernel lets it load
	case "$mode" in
	xdp) [[ $out == *"(xdp)"* || $out == *"(xdp-multi)"* ]] || fail "wanted native XDP, got: $out" ;;
	xdp-generic) [[ $out == *"(xdp-generic)"* || $out == *"(xdp-multi)"* ]] || fail "got: $out" ;;
	tc) [[ $out == *"(tcx)"* || $out == *"(clsact)"* ]] || fail "got: $out" ;;
	clsact) [[ $out == *"(clsact)"* ]] || fail "got: $out" ;;
	esac
	# attaching again is a no-op
	[ "$(gate attach gsrv0 "$mode")" = "$out" ] || fail "attach not idempotent"
	gate config range 20000-29999 unmatched drop || fail "config"
	local p
	for p in 20001 20002 20003 20004 20005; do
		bg_in_ns "$G_SRV" $TCPC serve 10.200.0.1 $p
		bg_in_ns "$G_SRV" $TCPC serve fd20::1 $p
	done
	wait_for 5 'in_ns "$G_SRV" ss -ltnH "sport = :20005" | grep -q .' ||
		fail "servers did not start"
	sleep 0.3
}

# counter ADDR PORT FIELD: reads one field of a termination's JSON.
counter() {
	local j
	j=$(in_ns "$G_SRV" "$AGWCTL" --pin-dir "$G_PIN" -j gate show "$1" "$2") ||
		fail "show $1 $2"
	jq -r ".$3" <<<"$j"
}

connect() { # connect SRC DST PORT TIMEOUT [SPORT]
	local extra=()
	[ -n "${5:-}" ] && extra=(--sport "$5")
	in_ns "$G_CLI" $TCPC connect "$2" "$3" --src "$1" --timeout "$4" "${extra[@]}"
}

scenario_immediate() {
	local srv=$1 cli=$2
	gate term add "$srv" 20001 open || fail "term add"
	local r
	r=$(connect "$cli" "$srv" 20001 5) || fail "immediate: $r"
	[ "$(counter "$srv" 20001 syn_admitted)" -ge 1 ] || fail "admitted counter"
	[ "$(counter "$srv" 20001 syn_dropped)" -eq 0 ] || fail "dropped counter"
	echo "ok immediate $srv"
}

scenario_delayed() {
	local srv=$1 cli=$2 other=$3 out=/tmp/agw-gate-$$-delayed-${1//:/_}
	gate term add "$srv" 20002 ignore || fail "term add"
	in_ns "$G_CLI" $TCPC connect "$srv" 20002 --src "$cli" --timeout 20 >"$out" &
	local client=$!
	# The first SYN and one retransmission are dropped. Switch at once:
	# the kernel retransmits every second only for the first few tries.
	wait_for 10 '[ "$(counter "$srv" 20002 syn_dropped)" -ge 2 ]' ||
		fail "delayed: SYNs not dropped ($(counter "$srv" 20002 syn_dropped))"
	[ -s "$out" ] && fail "delayed: client finished while ignored: $(cat "$out")"
	# Modify with the remote: filter on the client's address, any port
	gate allow add "$srv" 20002 "$cli" || fail "allow add"
	gate term mode "$srv" 20002 filter || fail "mode filter"
	local t0 t1
	t0=$(date +%s.%N)
	wait "$client" || fail "delayed: client: $(cat "$out")"
	t1=$(awk '{print $2}' "$out")
	awk -v a="$t0" -v b="$t1" 'BEGIN { d = b - a; printf "delayed: connected %.2f s after filter\n", d; exit !(d <= 2.0) }' ||
		fail "delayed: retransmitted SYN not admitted within 2 s"
	[ "$(counter "$srv" 20002 syn_admitted)" -eq 1 ] || fail "admitted counter"
	[ "$(counter "$srv" 20002 syn_dropped)" -ge 2 ] || fail "dropped counter"
	[ "$(counter "$srv" 20002 last_syn.src)" = "$cli" ] ||
		fail "last src: $(counter "$srv" 20002 last_syn)"
	[ "$(counter "$srv" 20002 last_syn.verdict)" = admitted ] || fail "last verdict"
	# another source stays blocked
	local before r
	before=$(counter "$srv" 20002 syn_dropped)
	r=$(connect "$other" "$srv" 20002 2.5) && fail "other source connected: $r"
	[ "$r" = timeout ] || fail "other source: $r"
	[ "$(counter "$srv" 20002 syn_dropped)" -gt "$before" ] || fail "other not counted"
	[ "$(counter "$srv" 20002 last_syn.src)" = "$other" ] || fail "last src other"
	[ "$(counter "$srv" 20002 last_syn.verdict)" = dropped ] || fail "last verdict"
	rm -f "$out"
	echo "ok delayed $srv"
}

scenario_prefix_and_ports() {
	local srv=$1 cli=$2 other=$3 net=$4 r
	gate term add "$srv" 20003 filter || fail "term add"
	gate allow add "$srv" 20003 "$net" || fail "allow prefix"
	r=$(connect "$cli" "$srv" 20003 5) || fail "prefix cli: $r"
	r=$(connect "$other" "$srv" 20003 5) || fail "prefix other: $r"
	gate term add "$srv" 20004 filter || fail "term add"
	gate allow add "$srv" 20004 "$cli" 41000-41010 || fail "allow range"
	r=$(connect "$cli" "$srv" 20004 5 41005) || fail "port in range: $r"
	r=$(connect "$cli" "$srv" 20004 2.5 42000) && fail "port outside range connected"
	[ "$r" = timeout ] || fail "port outside range: $r"
	echo "ok prefix and port range $srv"
}

scenario_deleted_while_retrying() {
	local srv=$1 cli=$2 out=/tmp/agw-gate-$$-deleted-${1//:/_}
	gate term add "$srv" 20005 ignore || fail "term add"
	in_ns "$G_CLI" $TCPC connect "$srv" 20005 --src "$cli" --timeout 20 >"$out" &
	local client=$!
	wait_for 10 '[ "$(counter "$srv" 20005 syn_dropped)" -ge 1 ]' || fail "not dropped"
	gate term del "$srv" 20005 || fail "term del"
	local before
	before=$(in_ns "$G_SRV" "$AGWCTL" --pin-dir "$G_PIN" -j gate show | jq .counters.no_term_drops)
	# inside the media range with no termination: still closed
	wait_for 10 '[ "$(in_ns "$G_SRV" "$AGWCTL" --pin-dir "$G_PIN" -j gate show | jq .counters.no_term_drops)" -gt "$before" ]' ||
		fail "no_term_drops did not grow"
	[ -s "$out" ] && fail "client got through a deleted termination"
	# an operator opens unmatched SYNs: the next retransmission connects
	gate config unmatched pass || fail "config"
	wait "$client" || fail "after unmatched pass: $(cat "$out")"
	gate config unmatched drop
	rm -f "$out"
	echo "ok deleted while retrying $srv"
}

gate_run_all() {
	local mode=$1 tag=$2
	require_root
	gate_setup "$mode" "$tag"
	scenario_immediate 10.200.0.1 10.200.0.2
	scenario_immediate fd20::1 fd20::2
	scenario_delayed 10.200.0.1 10.200.0.2 10.200.0.3 &
	local v4=$!
	scenario_delayed fd20::1 fd20::2 fd20::3 || fail "v6 delayed"
	wait $v4 || fail "v4 delayed"
	scenario_prefix_and_ports 10.200.0.1 10.200.0.2 10.200.0.3 10.200.0.0/24
	scenario_prefix_and_ports fd20::1 fd20::2 fd20::3 fd20::/64
	# these two change the global media-range policy: one at a time
	scenario_deleted_while_retrying 10.200.0.1 10.200.0.2
	scenario_deleted_while_retrying fd20::1 fd20::2
	# the counters' JSON is complete and the interface is listed
	in_ns "$G_SRV" "$AGWCTL" --pin-dir "$G_PIN" -j gate show |
		jq -e '.interfaces[0].dev == "gsrv0" and (.terminations | length) == 8' >/dev/null ||
		fail "gate show JSON"
	gate detach gsrv0 || fail "detach"
	ip -n "$G_SRV" link show gsrv0 | grep -q "prog/xdp" && fail "XDP left after detach"
	[ -z "$(tc -n "$G_SRV" filter show dev gsrv0 ingress 2>/dev/null)" ] ||
		fail "tc filter left after detach"
	ls "$G_PIN" | grep -q '^link_' && fail "link pin left after detach"
	in_ns "$G_SRV" "$AGWCTL" --pin-dir "$G_PIN" -j gate show |
		jq -e '.interfaces == []' >/dev/null || fail "interface still listed"
	gate detach gsrv0 2>/dev/null && fail "second detach succeeded"
	gate unload || fail "unload"
	[ -e "$G_PIN" ] && fail "pins left after unload"
	echo "all gate scenarios passed ($mode)"
}
