#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# timeout: 180
#
# [log] target = journald: a real systemd-journald, started in a mount
# namespace of the test's own (tmpfs on /run/systemd/journal, /run/log and
# /var/log/journal, so the machine's journal and its sockets stay as they
# are; there is no systemd as PID 1 here), receives agwd's messages
# through sd_journal_sendv(); read back with journalctl -D -o json:
# PRIORITY and SYSLOG_IDENTIFIER on every entry; AGW_PEER,
# AGW_TRANSACTION, AGW_CONTEXT and AGW_TERMINATION on the messages logged
# while a transaction from mini_mgc executes (the Add), and none on the
# start-up notice; the one-line H.248 rx and tx dumps at level debug; and
# libbpf's own messages ("libbpf: ...") through agw's logger. Nothing of
# that reaches agwd's stderr.
set -u
if [ -z "${AGW_JOURNALD_NS:-}" ]; then
	exec unshare -m --propagation private env AGW_JOURNALD_NS=1 bash "$0" "$@"
fi
. "$AGW_SRC/tests/integration/lib/common.sh"
require_root
[ -x /lib/systemd/systemd-journald ] || skip "no systemd-journald (deps/runtime.list: systemd)"
command -v journalctl >/dev/null || skip "no journalctl"
command -v jq >/dev/null || fail "jq missing (deps/mgc.list)"
. "$AGW_SRC/tests/integration/lib/mgc_lab.sh"

TMP=$(mktemp -d /tmp/agw-jrnl-XXXXXX)
PIN=/sys/fs/bpf/agw-jrnl-$$
T_CLEAN+=("rm -rf $TMP $PIN")
AGWD_PID=

die() {
	echo "FAIL: $*"
	tail -n 20 "$TMP/agwd.log" 2>/dev/null
	tail -n 5 "$TMP/mgc.out" 2>/dev/null
	exit 1
}

# the journal of this mount namespace only
for d in /run/systemd/journal /run/log /var/log/journal; do
	mkdir -p "$d" && mount -t tmpfs tmpfs "$d" || die "tmpfs on $d"
done
/lib/systemd/systemd-journald >"$TMP/journald.log" 2>&1 &
T_PIDS+=($!)
wait_for 10 '[ -S /run/systemd/journal/socket ]' || die "systemd-journald did not start"
# agwd's entries; journalctl gives a MESSAGE with control characters as a
# byte array, which the checks here do not look for
journal() {
	journalctl -D /run/log/journal -o json --no-pager SYSLOG_IDENTIFIER=agwd |
		jq -c 'select(.MESSAGE | type == "string")'
}

lab_setup jrnl 87
lab_conf jrnl 36000 timers.heartbeat_ms=0 log.level=debug \
	log.target=journald >"$TMP/agwd.conf"
lab_start_agwd
printf 'send immediate_1_reserve_access.txt acc\nquit\n' |
	in_ns "$GW" "$BUILD/helpers/mini_mgc" -t 30 -d "$AGW_SRC/tests/mgc/flows" \
		>"$TMP/mgc.out" 2>&1 || die "mini_mgc: exit $?"
term=$(sed -n 's/^var acc.term=//p' "$TMP/mgc.out")
ctx=$(sed -n 's/^var acc.context=//p' "$TMP/mgc.out")
[ -n "$term" ] && [ -n "$ctx" ] || die "no termination or context in the reply"
has_add() { journal | jq -s -e --arg t "$term" 'any(.[]; .MESSAGE | test("Add " + $t))' >/dev/null; }
wait_for 20 has_add || die "the Add is not in the journal"
journal >"$TMP/journal.json"

add=$(jq -c --arg t "$term" 'select(.MESSAGE | test("^context [0-9]+: Add " + $t + " "))' "$TMP/journal.json")
[ -n "$add" ] || die "no 'context N: Add $term' entry"
jq -e --arg t "$term" --arg c "$ctx" '.PRIORITY == "6" and .SYSLOG_IDENTIFIER == "agwd" and
	.AGW_TERMINATION == $t and .AGW_CONTEXT == $c and
	.AGW_PEER == "127.0.0.1:2945" and (.AGW_TRANSACTION | test("^[0-9]+$"))' <<<"$add" >/dev/null ||
	die "the Add's fields: $add"
tid=$(jq -r .AGW_TRANSACTION <<<"$add")
echo "ok: the Add in the journal: PRIORITY 6, AGW_TERMINATION $term, AGW_CONTEXT $ctx, AGW_TRANSACTION $tid, AGW_PEER 127.0.0.1:2945"

jq -s -e '[.[] | select(.MESSAGE | test("^agwd .* started: "))] | length == 1 and
	(.[0] | .PRIORITY == "5" and has("AGW_TERMINATION") == false and has("AGW_TRANSACTION") == false)' \
	"$TMP/journal.json" >/dev/null || die "the start-up notice: $(grep started "$TMP/journal.json")"
rx=$(jq -r --arg tid "$tid" 'select(.MESSAGE | test("^h248 rx udp from 127.0.0.1:2945, [0-9]+ bytes: .*Transaction ?= ?" + $tid + " ?[{]")) | .PRIORITY' "$TMP/journal.json")
[ "$rx" = 7 ] || die "no one-line rx dump of transaction $tid at debug: '$rx'"
tx=$(jq -r --arg tid "$tid" 'select(.MESSAGE | test("^h248 tx udp to 127.0.0.1:2945, [0-9]+ bytes: .*Reply ?= ?" + $tid + " ?[{]")) | .MESSAGE' "$TMP/journal.json")
[ -n "$tx" ] && [ "$(wc -l <<<"$tx")" = 1 ] || die "no one-line tx dump of the reply to $tid: $tx"
jq -s -e 'map(select(.MESSAGE | startswith("libbpf: "))) | length > 0' "$TMP/journal.json" >/dev/null ||
	die "no libbpf message through agw's logger"
echo "ok: the start-up notice without AGW_ fields; one-line rx and tx dumps at PRIORITY 7; $(jq -s 'map(select(.MESSAGE | startswith("libbpf: "))) | length' "$TMP/journal.json") libbpf messages"

grep -q "Add $term" "$TMP/agwd.log" && die "the Add went to stderr as well"
kill "$AGWD_PID"
wait "$AGWD_PID" || die "agwd exited $?"
echo "ok: nothing of it on agwd's stderr"
