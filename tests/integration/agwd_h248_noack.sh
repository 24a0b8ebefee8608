#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# timeout: 180
#
# An MGC that never sends TransactionResponseAck (bench/agwd_calls no-ack:
# Reserve, Configure, Release call cycles over UDP, 32 in flight) against
# agwd with a small reply cache (terminations = 64: 64 + 1024 entries):
# several times more transactions than the cache holds, and every request
# still gets its reply, none an error (no "510 transaction table full");
# the eviction of the oldest replies is logged with its count and shows
# in agwctl status.
set -u
. "$AGW_SRC/tests/integration/lib/common.sh"
require_root
NS=agw-noack-$$
TMP=$(mktemp -d /tmp/agw-noack-XXXXXX)
PIN=/sys/fs/bpf/agw-noack-$$
T_CLEAN+=("rm -rf $TMP $PIN")
netns_add "$NS"
die() {
	echo "FAIL: $*"
	tail -n 30 "$TMP/agwd.log"
	cat "$TMP/calls.out" 2>/dev/null
	exit 1
}
cat >"$TMP/agwd.conf" <<CONF
[agwd]
state_dir = $TMP/state
control_socket = $TMP/agwd.sock
gate_pin_dir = $PIN
[limits]
contexts = 64
terminations = 64
[timers]
heartbeat_ms = 0
[log]
level = notice
[realm default]
interface = lo
ports = 20000-20999
attach = xdp-generic
CONF
nsenter --net=/run/netns/"$NS" "$BUILD/agwd" -c "$TMP/agwd.conf" -f \
	>"$TMP/agwd.log" 2>&1 &
AGWD=$!
T_PIDS+=($AGWD)
wait_for 30 'nsenter --net=/run/netns/"$NS" "$BUILD/helpers/agw_ctl_request" "$TMP/agwd.sock" status' ||
	die "agwd did not start"
nsenter --net=/run/netns/"$NS" "$BUILD/benchbin/agwd_calls" "$AGWD" 32 \
	"${NOACK_SECONDS:-8}" 0 no-ack calls-only >"$TMP/calls.out" 2>&1 ||
	die "agwd_calls failed"
cat "$TMP/calls.out"
get() { awk -v k="$1" '$1 == "bench:" && $2 == k { print $4 }' "$TMP/calls.out"; }
st=$(nsenter --net=/run/netns/"$NS" "$BUILD/helpers/agw_ctl_request" "$TMP/agwd.sock" status)
cap=$(jq .h248.reply_cache.capacity <<<"$st")
evicted=$(jq .h248.reply_cache.evicted <<<"$st")
entries=$(jq .h248.reply_cache.entries <<<"$st")
echo "reply cache: capacity $cap, entries $entries, evicted $evicted"
[ "$cap" = 1088 ] || die "reply cache capacity $cap, expected 64 + 1024"
[ "$(get agwd_transactions)" -gt $((3 * cap)) ] ||
	die "only $(get agwd_transactions) transactions: too few to fill the cache 3 times"
[ "$(get agwd_timeouts)" = 0 ] || die "$(get agwd_timeouts) requests got no reply"
[ "$(get agwd_error_replies)" = 0 ] || die "error replies"
grep -q "transaction table full" "$TMP/agwd.log" && die "510 transaction table full"
[ "$evicted" -gt 0 ] && [ "$entries" -le "$cap" ] || die "no eviction in status"
grep -q "reply cache full (1088 entries): evicted [0-9]* oldest cached replies" "$TMP/agwd.log" ||
	die "eviction not logged"
n=$(grep -c "reply cache full" "$TMP/agwd.log")
[ "$n" -le 3 ] || die "$n eviction lines in ${NOACK_SECONDS:-8} s: not once per 10 s"
echo "ok: $(get agwd_transactions) transactions without acks, every one answered; $evicted replies evicted, $n log line(s)"
