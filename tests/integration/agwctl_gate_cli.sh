#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# timeout: 180
# agwctl gate rejects bad input with a message naming the cause and a
# non-zero exit, and changes nothing; good input is idempotent where the
# command says so.
. "$AGW_SRC/tests/integration/lib/common.sh"
require_root
PIN=/sys/fs/bpf/agw-cli-$$
T_CLEAN+=("$AGWCTL --pin-dir $PIN gate unload; rm -rf $PIN")
g() { "$AGWCTL" --pin-dir "$PIN" gate "$@"; }

# expect_err PATTERN CMD...: fails unless CMD exits 1 and says PATTERN
expect_err() {
	local pat=$1 out rc
	shift
	out=$("$@" 2>&1)
	rc=$?
	[ $rc -eq 1 ] || fail "'$*' exited $rc, wanted 1 (output: $out)"
	[[ $out == *"$pat"* ]] || fail "'$*' said '$out', wanted '$pat'"
}

expect_err "not loaded" g show
[ -e "$PIN" ] && fail "show created pins"
g term add 10.9.0.1 20000 ignore || fail "term add"
snap() { "$AGWCTL" --pin-dir "$PIN" -j gate show | jq -S 'del(.terminations[].last_syn)'; }
before=$(snap)

expect_err 'invalid address "10.9.0.300"' g term add 10.9.0.300 20000 open
expect_err 'invalid port "70000"' g term add 10.9.0.1 70000 open
expect_err 'mode must be open, ignore or filter, not "maybe"' g term add 10.9.0.1 20001 maybe
expect_err "termination exists" g term add 10.9.0.1 20000 open
expect_err "no such termination" g term mode 10.9.0.1 20001 open
expect_err "no such termination" g term del 10.9.0.2 20000
expect_err 'invalid remote "10.0.0.0/33"' g allow add 10.9.0.1 20000 10.0.0.0/33
expect_err 'invalid remote port or range "9-1"' g allow add 10.9.0.1 20000 10.0.0.1 9-1
expect_err "no such termination" g allow add 10.9.0.9 20000 10.0.0.1
expect_err "no such termination or rule" g allow del 10.9.0.1 20000 10.0.0.1
expect_err 'invalid port range "30000-20000"' g config range 30000-20000
expect_err 'unmatched takes drop or pass, not "maybe"' g config unmatched maybe
expect_err 'unknown attach mode "fast"' g attach lo fast
expect_err 'no interface "nosuchdev0"' g attach nosuchdev0
expect_err 'unknown command "frob"' g frob
expect_err "usage: gate term del ADDR PORT" g term del 10.9.0.1
expect_err 'invalid port "0"' g h248 ports 0 mgc 10.0.0.1
expect_err 'invalid MGC "10.0.0.300:2944"' g h248 ports 2944 mgc 10.0.0.300:2944
expect_err 'invalid MGC "[fd00::1]:x"' g h248 ports 2944 mgc '[fd00::1]:x'
expect_err "at most 4 ports" g h248 ports 1,2,3,4,5
expect_err "expected mgc" g h248 ports 2944 peers 10.0.0.1
expect_err 'monitor takes a rate' g config monitor fast
expect_err 'monitor takes a rate' g config monitor 2000000
expect_err "usage: gate monitor" g monitor count
expect_err "usage: gate term list" g term list --owner nobody
[ "$(snap)" = "$before" ] || fail "a rejected command changed state"

# owners: what agwctl adds is the operator's, kept and shown as such
"$AGWCTL" --pin-dir "$PIN" -j gate show 10.9.0.1 20000 | jq -e '.owner.kind == "operator"' >/dev/null ||
	fail "owner not operator"
g term list | grep -Eq '^10\.9\.0\.1 +20000 ignore +operator' || fail "term list: $(g term list)"
[ "$("$AGWCTL" --pin-dir "$PIN" -j gate term list --owner agwd | jq length)" = 0 ] || fail "term list --owner agwd"
g reconcile | grep -q "removed 0 entries" || fail "reconcile without agwd"
g show | grep -q "owner: no agwd running" || fail "show: holder"
# the guard round-trips
g h248 ports 2944,2945 mgc 10.0.0.1:2944 '[fd00::1]:2944' 10.0.0.2 || fail "h248 set"
"$AGWCTL" --pin-dir "$PIN" -j gate h248 |
	jq -e '.ports == [2944,2945] and (.mgcs | length) == 3 and ([.mgcs[] | select(.addr == "10.0.0.2")][0].port == 0)' >/dev/null ||
	fail "h248 JSON: $("$AGWCTL" --pin-dir "$PIN" -j gate h248)"
g config monitor 50 burst 7 || fail "config monitor"
"$AGWCTL" --pin-dir "$PIN" -j gate config | jq -e '.monitor_rate == 50 and .monitor_burst == 7' >/dev/null ||
	fail "monitor config"
g config range 20000-20999 || fail "config range"
"$AGWCTL" --pin-dir "$PIN" -j gate show | jq -e '.config.monitor_rate == 50 and .h248_guard.ports == [2944,2945]' >/dev/null ||
	fail "range change lost the monitor or guard settings"
g h248 off || fail "h248 off"
g config monitor off || fail "monitor off"
before=$(snap)

# IPv6 everywhere an address is taken
g term add fd00::9 20000 filter || fail "v6 term"
g allow add fd00::9 20000 fd00:1::/48 1000-2000 || fail "v6 allow"
g allow add fd00::9 20000 '[fd00:2::1]' || fail "v6 allow bracketed"
"$AGWCTL" --pin-dir "$PIN" -j gate show fd00::9 20000 |
	jq -e '.mode == "filter" and (.allow | length) == 2 and .allow[0].remote == "fd00:1::" and .allow[0].prefix_len == 48 and .allow[1].port_hi == 65535' >/dev/null ||
	fail "v6 JSON"
for i in 1 2 3; do g allow add 10.9.0.1 20000 192.0.2.$i || fail "allow $i"; done
g allow add 10.9.0.1 20000 192.0.2.4 || fail "allow 4"
expect_err "has 4 rules already" g allow add 10.9.0.1 20000 192.0.2.5
expect_err "rule exists" g allow add fd00::9 20000 fd00:1::/48 1000-2000
g allow del 10.9.0.1 20000 192.0.2.2 || fail "allow del"
"$AGWCTL" --pin-dir "$PIN" -j gate show 10.9.0.1 20000 |
	jq -e '[.allow[].remote] == ["192.0.2.1","192.0.2.3","192.0.2.4"]' >/dev/null ||
	fail "allow order after delete"
# BTF: bpftool prints field names
bpftool map dump pinned "$PIN/agw_terms" | grep -q '"allow_idx"' || fail "no BTF names in agw_terms"
bpftool map dump pinned "$PIN/agw_term_stats" | grep -q '"drop_filter"' || fail "no BTF names in stats"
bpftool map dump pinned "$PIN/agw_terms" | grep -q 'AGW_MODE_FILTER' || fail "no enum names in agw_terms"
bpftool map dump pinned "$PIN/agw_terms" | grep -q 'AGW_OWNER_OPERATOR' || fail "no owner in agw_terms"
# several interfaces share one set of maps; unload detaches them all
# (veth: this kernel has no dummy driver)
NS=agw-cli-ns-$$
netns_add "$NS"
ip -n "$NS" link add d0 type veth peer name d0p &&
	ip -n "$NS" link add d1 type veth peer name d1p ||
	fail "veth interfaces"
ip -n "$NS" link set d0 up
ip -n "$NS" link set d1 up
gn() { in_ns "$NS" "$AGWCTL" --pin-dir "$PIN" "$@"; }
gn gate attach d0 xdp-generic >/dev/null || fail "attach d0"
gn gate attach d1 tc >/dev/null || fail "attach d1"
gn -j gate show | jq -e '[.interfaces[].dev] | sort == ["d0","d1"]' >/dev/null ||
	fail "two interfaces not listed"
gn -j gate show | jq -e '(.terminations | length) == 2' >/dev/null ||
	fail "the second attach did not share the maps"
g unload || fail unload
[ -e "$PIN" ] && fail "pins left"
ip -n "$NS" link show d0 | grep -q "prog/xdp" && fail "XDP left on d0 after unload"
[ -z "$(tc -n "$NS" filter show dev d1 ingress 2>/dev/null)" ] || fail "filter left on d1"
echo "agwctl gate CLI ok"
