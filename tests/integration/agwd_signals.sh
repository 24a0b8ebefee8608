#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# timeout: 120
#
# SIGUSR1 and SIGUSR2 do not kill agwd (Documentation/robustness.md):
# SIGUSR1 reopens its log file by name (after a logrotate-style rename,
# new lines go to a new file of the old name), SIGUSR2 writes a state
# summary (registration, contexts, terminations, flows, limits, fds) to
# the log; agwd keeps answering agwctl, and SIGTERM still stops it.
set -u
. "$AGW_SRC/tests/integration/lib/common.sh"
. "$AGW_SRC/tests/integration/lib/mgc_lab.sh"
. "$AGW_SRC/tests/integration/lib/state_lab.sh"
state_lab sig 95

state_conf sig 35000 udp
lab_start_agwd
# (one at a time: a signal sent while the same one is pending is merged)
for i in 1 2 3; do
	kill -USR2 "$AGWD_PID"
	wait_for 10 '[ "$(grep -c "SIGUSR2: registration" "$TMP/agwd.log")" = $i ]' ||
		die "SIGUSR2 $i: no summary"
	kill -USR1 "$AGWD_PID"
	wait_for 10 '[ "$(grep -c "SIGUSR1: log reopened" "$TMP/agwd.log")" = $i ]' ||
		die "SIGUSR1 $i: not logged"
done
wait_for 10 '[ "$(grep -c "SIGUSR2: registration" "$TMP/agwd.log")" = 3 ]' ||
	die "SIGUSR2 summary not logged 3 times"
kill -0 "$AGWD_PID" || die "agwd died on SIGUSR1/SIGUSR2"
ctl status >/dev/null || die "agwd does not answer after SIGUSR1/SIGUSR2"
grep -q "SIGUSR2: registration .*, contexts 0/256, terminations 0/512 (configured 512), flows 0" \
	"$TMP/agwd.log" || die "SIGUSR2 summary incomplete"
grep -q "SIGUSR2: file descriptors [0-9]* open, limit" "$TMP/agwd.log" ||
	die "SIGUSR2: no fd summary"
echo "ok: SIGUSR1/SIGUSR2 x3: agwd runs, answers, summary logged"

# logrotate: rename, SIGUSR1, new lines in a new file of the old name
mv "$TMP/agwd.log" "$TMP/agwd.log.1"
kill -USR1 "$AGWD_PID"
wait_for 10 'grep -q "SIGUSR1: log reopened ($TMP/agwd.log)" "$TMP/agwd.log"' ||
	die "SIGUSR1 did not reopen the log by name"
kill -USR2 "$AGWD_PID"
wait_for 10 'grep -q "SIGUSR2: registration" "$TMP/agwd.log"' ||
	die "after the reopen the log goes elsewhere"
[ "$(grep -c "SIGUSR2: registration" "$TMP/agwd.log.1")" = 3 ] ||
	die "the rotated file got new lines"
echo "ok: SIGUSR1 reopens the log file by name"

kill "$AGWD_PID"
wait_for 30 '! kill -0 $AGWD_PID' || die "SIGTERM did not stop agwd"
wait "$AGWD_PID" || die "agwd exit status $?"
grep -q "agwd stopped" "$TMP/agwd.log" || die "no clean stop"
echo "ok: SIGTERM stops agwd cleanly"
