#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# timeout: 900
# asan: no (no C code: Erlang on both sides)
#
# The megaco MGC harness's ServiceChange, Audit and multi-MGC commands
# (tests/mgc/agw_mgc) against a second megaco stack acting as MG
# (tests/mgc/agw_test_mg), on loopback:
#  - MGC-initiated ServiceChange (Forced, Graceful with delay, Restart,
#    HandOff) to ROOT and to terminations; AuditValue and AuditCapability
#    of ROOT, a termination, "*" in a context and in Context = *;
#  - the MG's registration inspected (method, reason, profile) and answered
#    with a redirect (ServiceChangeMgcId) by one MGC and a profile by the
#    MGC it was sent to;
#  - failover between two MGCs: the primary dies, the MG registers with the
#    secondary (Disconnected/900 over UDP after a missed heartbeat, or
#    Restart/901 over TCP after the connection closed) and the secondary
#    audits what survived; HandOff from one MGC to another;
#  - H.248 over TCP on IPv6 (and megaco_udp refused on IPv6);
#  - one MGC with two MGs (scale-out): calls on both, one killed, the MGC
#    notices (probe).
set -euo pipefail
cd "$AGW_SRC"

make --no-print-directory mgc
ebin=$BUILD/mgc
work=$(mktemp -d)
declare -A PID=()
cleanup() {
	local p
	for p in "${PID[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
trap 'cleanup; trap - EXIT; exit 143' TERM INT
export ERL_CRASH_DUMP=$work/erl_crash.dump
"$BUILD/helpers/h248_profile" --erl >"$work/profile.terms"
H=tests/mgc/harness

fail() {
	echo "FAIL: $*"
	exit 1
}

# A loopback port free for both TCP and UDP right now (the kernel's
# choice: two runs of this test at once get different ones).
free_port() { python3 "$AGW_SRC/tests/integration/lib/free_port.py"; }

# mg NAME [agw_test_mg options]: an MG in the background, log NAME.log
mg() {
	local name=$1
	shift
	timeout 300 erl -noshell -pa "$ebin" -run agw_test_mg main -extra \
		--packages-from "$work/profile.terms" "$@" \
		>"$work/$name.log" 2>&1 &
	PID[$name]=$!
}

# mgc NAME [agw_mgc options]: an MGC in the background, JSON in NAME.json
mgc() {
	local name=$1
	shift
	timeout 300 erl -noshell -pa "$ebin" -run agw_mgc main -extra \
		--name "$name" --register-timeout 60000 \
		--profile "$work/profile.terms" --set sync_dir="$work/sync" "$@" \
		>"$work/$name.json" 2>"$work/$name.err" &
	PID[$name]=$!
}

# finish NAME: NAME's exit status must be 0
finish() {
	local rc=0
	wait "${PID[$1]}" || rc=$?
	unset "PID[$1]"
	[ $rc -eq 0 ] || { show "$1"; fail "$1: exit $rc"; }
}

stop() {
	kill "${PID[$1]}" 2>/dev/null || true
	wait "${PID[$1]}" 2>/dev/null || true
	unset "PID[$1]"
}

show() {
	cat "$work/$1.json" "$work/$1.err" 2>/dev/null | cut -c1-600
	for m in "$work"/mg*.log; do
		[ -e "$m" ] && { echo "--- $m"; tail -20 "$m"; }
	done
}

check() { # name description jq-filter
	jq -e -s "$3" "$work/$1.json" >/dev/null ||
		{ show "$1"; fail "$1: $2"; }
}

mkdir -p "$work/sync"

# ---- MGC-initiated ServiceChange, AuditValue, AuditCapability ----------
for t in udp tcp; do
	port=$(free_port)
	mg mg_sc --transport "$t" --mgc "127.0.0.1:$port"
	mgc sc_$t --transport "$t" --port "$port" --script $H/sc_audit.scn \
		--set ue_addr=192.0.2.10 --set ue_port=2855 \
		--set core_peer_addr=198.51.100.20 --set core_peer_port=2856
	finish sc_$t
	stop mg_sc
	check sc_$t "AuditValue of a termination lists its descriptors" \
		'[.[] | select(.cmd == "auditvalue")][0].audit[0] |
		 (.descriptors | index("media/local")) and
		 (.statistics | index("nt/os"))'
	check sc_$t "ServiceChange requests went out as asked" \
		'[.[] | select(.cmd == "servicechange")][0].request |
		 test("Method = Graceful") and test("Delay = 10")'
	echo "ok: MGC-initiated ServiceChange and audits over $t"
done

# ---- registration inspected, redirect, profile ---------------------------
p1=$(free_port) p2=$(free_port)
mgc first --transport udp --port "$p1" --register script \
	--script $H/redirect_first.scn --set other_port="$p2" \
	--set profile=agw/1
mgc second --transport udp --port "$p2" --register script \
	--script $H/redirect_second.scn --set profile=agw/1 \
	--set ue_addr=192.0.2.10
mg mg_redirect --transport udp --mgc "127.0.0.1:$p1" --profile agw/1
finish first
finish second
stop mg_redirect
check first "redirect reported with the MG's parameters" \
	'.[] | select(.cmd == "wait register") | .answer == "redirect" and
	 .method == "restart" and .reason_code == 901 and .profile == "agw/1"'
grep -q "accepted, profile {'ServiceChangeProfile',\"agw\",1}" \
	"$work/mg_redirect.log" || { show second; fail "profile not answered"; }
echo "ok: registration inspected, redirected by ServiceChangeMgcId, profile answered"

# ---- failover: the primary dies, the secondary audits ---------------------
# UDP: a missed heartbeat, Disconnected/900, contexts kept;
# TCP: the connection closes, Restart/901, contexts cleared.
for mode in "udp disconnected 900 2" "tcp restart 901 0"; do
	set -- $mode
	p1=$(free_port) p2=$(free_port)
	mgc primary --transport "$1" --port "$p1" \
		--script $H/failover_primary.scn --set ue_addr=192.0.2.10 \
		--set core_peer_addr=198.51.100.20 --set core_peer_port=2856
	mgc secondary --transport "$1" --port "$p2" --register script \
		--mid-addr 127.0.0.2 --script $H/failover_secondary.scn \
		--set lost_method="$2" --set lost_reason="$3" \
		--set kept_terms="$4" --set ue_addr=192.0.2.10
	mg mg_fo --transport "$1" --mgc "127.0.0.1:$p1" --mgc "127.0.0.1:$p2" \
		--lost-method "$2" --heartbeat 500
	finish primary
	finish secondary
	stop mg_fo
	check primary "crashed on purpose" '.[-1].cmd == "crash"'
	check secondary "audited after the failover" \
		"[.[] | select(.cmd == \"auditvalue\")][0] | .target == \"*\" and
		 ([.audit[] | select(.term != null)] | length) == $4"
	echo "ok: failover over $1: $2/$3, $4 terminations audited"
done

# ---- HandOff ------------------------------------------------------------
p1=$(free_port) p2=$(free_port)
mgc handoff_a --transport tcp --port "$p1" --script $H/handoff_primary.scn \
	--set other_port="$p2" --set ue_addr=192.0.2.10
mgc handoff_b --transport tcp --port "$p2" --register script \
	--script $H/handoff_second.scn
mg mg_ho --transport tcp --mgc "127.0.0.1:$p1"
finish handoff_a
finish handoff_b
stop mg_ho
check handoff_a "HandOff sent with MgcIdToTry" \
	"[.[] | select(.cmd == \"servicechange\")][0].request |
	 test(\"MgcIdToTry = \\\\[127.0.0.1\\\\]:$p2\")"
echo "ok: HandOff to another MGC, context kept"

# ---- H.248 over TCP on IPv6 -------------------------------------------
port=$(free_port)
mg mg_v6 --transport tcp --family inet6 --mgc "[::1]:$port"
mgc v6 --transport tcp --family inet6 --mid-addr ::1 --port "$port" \
	--script $H/harness.scn --set ue_addr=2001:db8::10 --set ue_port=2855 \
	--set core_peer_addr=2001:db8::20 --set core_peer_port=2856
finish v6
stop mg_v6
check v6 "the MG came over IPv6" \
	'.[] | select(.cmd == "register") | .peer | startswith("::1:")'
check v6 "requests carry the IPv6 MID" \
	"[.[] | select(.cmd == \"send\")][0].request |
	 startswith(\"MEGACO/3 [::1]:$port\")"
rc=0
timeout 60 erl -noshell -pa "$ebin" -run agw_mgc main -extra --transport udp \
	--family inet6 --port "$(free_port)" --script /dev/null \
	>"$work/v6udp.json" 2>/dev/null || rc=$?
[ $rc -eq 2 ] && grep -q "megaco_udp cannot answer IPv6" "$work/v6udp.json" ||
	fail "UDP on IPv6: exit $rc, want 2 with the reason"
echo "ok: H.248 over TCP on IPv6; UDP on IPv6 refused with its reason"

# ---- scale-out: two MGs, one MGC; one MG dies ---------------------------
for t in udp tcp; do
	port=$(free_port)
	rm -f "$work/sync/kill_b"
	mgc scale_$t --transport "$t" --port "$port" --register script \
		--script $H/scaleout.scn --set ue_addr=192.0.2.10
	mg mg_a --transport "$t" --mgc "127.0.0.1:$port" --mid mg_a
	mg mg_b --transport "$t" --mgc "127.0.0.1:$port" --mid mg_b
	for _ in $(seq 600); do
		grep -q '"name":"kill_b"' "$work/scale_$t.json" && break
		sleep 0.1
	done
	victim=$(grep '"name":"kill_b"' "$work/scale_$t.json" |
		jq -r '.vars["b.mid"]')
	case "$victim" in
	mg_a | mg_b) stop "$victim" ;;
	*) show scale_$t; fail "scale-out: no second MG ($victim)" ;;
	esac
	touch "$work/sync/kill_b"
	finish scale_$t
	for m in mg_a mg_b; do [ -n "${PID[$m]:-}" ] && stop $m; done
	check scale_$t "both MGs registered under their own MIDs" \
		'[.[] | select(.cmd == "wait register") | .mg_mid] | sort ==
		 ["mg_a", "mg_b"]'
	echo "ok: scale-out over $t: two MGs on one MGC, the dead one noticed"
done

# ---- the new expectations fail when they do not hold -------------------
expect_exit() { # name want-status scenario-text [agw_mgc options]
	local name=$1 want=$2 text=$3 rc=0 port
	shift 3
	printf '%s\n' "$text" >"$work/$name.scn"
	port=$(free_port)
	mg mg_neg --transport tcp --mgc "127.0.0.1:$port"
	timeout 120 erl -noshell -pa "$ebin" -run agw_mgc main -extra \
		--transport tcp --port "$port" --register-timeout 60000 \
		--profile "$work/profile.terms" --script - "$@" \
		<"$work/$name.scn" >"$work/$name.json" 2>"$work/$name.err" || rc=$?
	stop mg_neg
	[ $rc -eq "$want" ] || { show "$name"; fail "$name: exit $rc, want $want"; }
	check "$name" "the failing step is the last" \
		'.[-1].ok == false'
	echo "ok: $name exits $rc"
}
expect_exit wrong_method 1 "expect field method graceful"
expect_exit wrong_terms 1 "audit * *
expect terms 1"
expect_exit missing_descriptor 1 "audit - ROOT packages
expect audit ROOT statistics"
expect_exit present_descriptor 1 "audit - ROOT packages
expect noaudit ROOT packages"
expect_exit probe_alive 1 "probe 2000
expect dead"
expect_exit no_disconnect 1 "wait disconnect 500"
expect_exit no_servicechange 1 "wait servicechange graceful 500"
expect_exit use_unknown 2 "use nobody"
