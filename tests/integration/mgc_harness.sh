#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# timeout: 600
# asan: no (no C code: Erlang on both sides)
#
# The megaco MGC harness (tests/mgc/agw_mgc) against a second real megaco
# stack acting as MG (tests/mgc/agw_test_mg), over UDP and TCP, in pretty
# and compact text: registration, send with saved IDs, resend of the same
# bytes, raw malformed bytes, error replies, Notify, the delayed MSRP flow.
# Then the ways it must fail: a failed expectation, no MG, a Notify that
# never comes, an unknown variable.
set -euo pipefail
cd "$AGW_SRC"

make --no-print-directory mgc
ebin=$BUILD/mgc
work=$(mktemp -d)
# item names from the profile table (agw_mgc --profile; ITEM_* here)
"$BUILD/helpers/h248_profile" --erl >"$work/profile.terms"
eval "$("$BUILD/helpers/h248_profile" --sh)"
mg_pid= mgc_pid=
cleanup() {
	[ -n "$mg_pid" ] && kill "$mg_pid" 2>/dev/null
	[ -n "$mgc_pid" ] && kill "$mgc_pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
export ERL_CRASH_DUMP=$work/erl_crash.dump

fail() {
	echo "FAIL: $*"
	exit 1
}

# A loopback port free for both TCP and UDP right now.
free_port() { python3 "$AGW_SRC/tests/integration/lib/free_port.py"; }

start_mg() { # transport encoding port
	timeout 300 erl -noshell -pa "$ebin" -run agw_test_mg main -extra \
		--transport "$1" --encoding "$2" --mgc-port "$3" \
		>"$work/mg.$1.$2.log" 2>&1 &
	mg_pid=$!
}

stop_mg() {
	kill "$mg_pid" 2>/dev/null || true
	wait "$mg_pid" 2>/dev/null || true
	mg_pid=
}

# run_mgc NAME TRANSPORT ENCODING PORT [agw_mgc options]: JSON to NAME.json;
# returns agw_mgc's exit status.
run_mgc() {
	local name=$1 t=$2 e=$3 port=$4
	shift 4
	timeout 300 erl -noshell -pa "$ebin" -run agw_mgc main -extra \
		--transport "$t" --encoding "$e" --port "$port" \
		--register-timeout 60000 --profile "$work/profile.terms" "$@" \
		>"$work/$name.json" 2>"$work/$name.err"
}

show() {
	cat "$work/$1.json" "$work/$1.err" 2>/dev/null | cut -c1-400
}

# jq -e over all lines of NAME.json as one array.
check() { # name description jq-filter
	jq -e -s "$3" "$work/$1.json" >/dev/null ||
		{ show "$1"; fail "$1: $2"; }
}

peers="--set ue_addr=192.0.2.10 --set ue_port=2855"
peers+=" --set core_peer_addr=198.51.100.20 --set core_peer_port=2856"

for t in udp tcp; do
	for e in pretty compact; do
		name=harness.$t.$e
		port=$(free_port)
		start_mg "$t" "$e" "$port"
		# The MGC's MID need not be its address (namespace labs).
		mid=127.0.0.1
		[ "$t" = tcp ] && mid=192.0.2.99
		rc=0
		# shellcheck disable=SC2086
		run_mgc "$name" "$t" "$e" "$port" --mid-addr "$mid" \
			--script tests/mgc/harness/harness.scn $peers || rc=$?
		stop_mg
		[ $rc -eq 0 ] || { show "$name"; fail "$name: exit $rc"; }
		while read -r line; do
			jq -e . >/dev/null <<<"$line" ||
				fail "$name: not JSON: $line"
		done <"$work/$name.json"
		check "$name" "every step ok" 'all(.[]; .ok == true)'
		check "$name" "registered" \
			'.[1] | .cmd == "register" and .method == "restart"'
		check "$name" "Add reply with chosen IDs" \
			'[.[] | select(.cmd == "send")][0] |
			 (.term | test("^ip/[0-9]+$")) and
			 (.port | test("^[0-9]+$")) and .addr == "127.0.0.1" and
			 .tid > 0'
		if [ "$e" = compact ]; then
			header="!/3 [$mid]:$port"
		else
			header="MEGACO/3 [$mid]:$port"
		fi
		check "$name" "$e request from MID $mid" \
			"[.[] | select(.cmd == \"send\")][0].request |
			 startswith(\"$header\")"
		check "$name" "the Modify's Remote went out" \
			'[.[] | select(.cmd == "send")][2].request |
			 contains("c=IN IP4 192.0.2.10")'
		check "$name" "resend got the cached reply" \
			'.[] | select(.cmd == "resend") |
			 .identical == true and .result == "reply"'
		check "$name" "raw malformed got 400" \
			'.[] | select(.cmd == "raw") |
			 .error_code == 400 and .result == "error"'
		check "$name" "Notify" \
			".[] | select(.cmd == \"wait notify\") |
			 .events == [\"$ITEM_EV_FAIL\"]"
		check "$name" "Subtract Statistics" \
			'[.[] | select(.cmd == "send")][-1].reply |
			 contains("nt/os")'
		check "$name" "ended" '.[-1] | .cmd == "end" and .ok'
		echo "ok: $name ($(wc -l <"$work/$name.json") steps)"
	done
done

# The documented seed flows, as agwd's tests will run them.
peers+=" --set ue_fingerprint=4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:49:6B"
peers+=":19:E5:7C:AB:1C:6F:5F:A9:4A:9E:2A:E8:29:3F:1C:60"
for scn in tests/mgc/flows/*.scn; do
	name=flow.$(basename "$scn" .scn)
	port=$(free_port)
	start_mg udp pretty "$port"
	rc=0
	# shellcheck disable=SC2086
	run_mgc "$name" udp pretty "$port" --script "$scn" $peers || rc=$?
	stop_mg
	[ $rc -eq 0 ] || { show "$name"; fail "$name: exit $rc"; }
	check "$name" "four transactions" \
		'[.[] | select(.cmd == "send")] | length == 4'
	echo "ok: $name"
done

# TCP framing: one message split over two segments, two in one segment.
port=$(free_port)
start_mg tcp pretty "$port"
rc=0
run_mgc tcp_framing tcp pretty "$port" --script tests/mgc/harness/tcp.scn ||
	rc=$?
stop_mg
[ $rc -eq 0 ] || { show tcp_framing; fail "tcp framing: exit $rc"; }
check tcp_framing "split message answered" \
	'.[] | select(.cmd == "raw") | .tid == 9101 and .result == "reply"'
check tcp_framing "both messages of one segment answered" \
	'[.[] | select(.cmd == "raw2") | select(.result == "reply") | .tid] ==
	 [9102, 9103]'
echo "ok: tcp framing"

# The MG restarts: agw_mgc takes its new registration.
port=$(free_port)
start_mg tcp pretty "$port"
timeout 300 erl -noshell -pa "$ebin" -run agw_mgc main -extra \
	--transport tcp --port "$port" --register-timeout 60000 \
	--profile "$work/profile.terms" --script tests/mgc/harness/restart.scn \
	>"$work/restart.json" 2>"$work/restart.err" &
mgc_pid=$!
for _ in $(seq 600); do
	grep -q '"step":2' "$work/restart.json" && break
	sleep 0.1
done
stop_mg
start_mg tcp pretty "$port"
rc=0
wait "$mgc_pid" || rc=$?
mgc_pid=
stop_mg
[ $rc -eq 0 ] || { show restart; fail "restart: exit $rc"; }
check restart "registered twice" \
	'[.[] | select(.cmd == "register" or .cmd == "wait register")] |
	 length == 2 and all(.ok)'
echo "ok: MG restart"

# Failures must be failures.
expect_exit() { # name want-status scenario-text [agw_mgc options]
	local name=$1 want=$2 text=$3 rc=0
	shift 3
	printf '%s\n' "$text" >"$work/$name.scn"
	port=$(free_port)
	start_mg tcp pretty "$port"
	# The scenario comes on stdin here.
	run_mgc "$name" tcp pretty "$port" --script - "$@" \
		<"$work/$name.scn" || rc=$?
	stop_mg
	[ $rc -eq "$want" ] || { show "$name"; fail "$name: exit $rc, want $want"; }
	echo "ok: $name exits $rc"
}
expect_exit wrong_expectation 1 \
	"send $AGW_SRC/tests/mgc/harness/unknown_context.txt
expect error 411
expect reply"
check wrong_expectation "the failed step is reported" \
	'.[-2].ok == true and (.[-1] | .cmd == "expect" and .ok == false)'
expect_exit no_notify 1 "wait notify nosuch/event 1000"
check no_notify "timeout reported" '.[-1].result == "timeout"'
expect_exit unknown_variable 2 \
	"send $AGW_SRC/tests/mgc/harness/unknown_termination.txt"
check unknown_variable "fatal reported" '.[-1].cmd == "fatal"'

rc=0
run_mgc no_mg udp pretty "$(free_port)" --register-timeout 2000 \
	--script /dev/null || rc=$?
[ $rc -eq 1 ] || { show no_mg; fail "no MG: exit $rc, want 1"; }
check no_mg "registration timeout" \
	'.[-1] | .cmd == "register" and .ok == false'
echo "ok: no MG exits 1"
