#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# timeout: 180
#
# agwd's configuration source and reload. Without -c, agwd reads
# /etc/agw/agwd.conf when it exists (an overlay on /etc in a mount
# namespace of the test's own, so the machine's /etc stays as it is) and
# --print-config / --check-config name it; -c wins over it; one that
# exists but cannot be read is an error, not the default. SIGHUP:
# a changed log level, heartbeat and MGC list apply at once and are logged
# as applied; changed limits are logged as needing a restart and do not
# change what runs; a broken file changes nothing and says why; the
# command line keeps its precedence over the file; agwctl loglevel shows
# and sets the level, and refuses an unknown one. The MGC list with two
# real megaco MGCs: a second MGC added by SIGHUP is heard at once (the
# gate's H.248 guard map lists it, its datagrams are answered where they
# were dropped before); the MGC agwd is registered with taken out of the
# list: agwd registers with the other (Restart/901), whose audit it
# answers, and the removed one's datagrams are dropped; over TCP agwd
# connects to the other MGC and registers there.
set -euo pipefail
. "$AGW_SRC/tests/integration/lib/common.sh"
require_root
NS=agw-reload-$$-gw
TMP=$(mktemp -d /tmp/agw-reload-XXXXXX)
PIN=/sys/fs/bpf/agw-reload-$$
T_CLEAN+=("rm -rf $TMP $PIN")
PID=

die() {
	echo "FAIL: $*"
	tail -n 30 "$TMP/agwd.log" 2>/dev/null || true
	exit 1
}

# ---- the configuration source ------------------------------------------
mkdir -p "$TMP/etc/agw"
printf '[agwd]\nmid = <etc.agw.test>\n' >"$TMP/etc/agw/agwd.conf"
printf '[agwd]\nmid = <file.agw.test>\n' >"$TMP/other.conf"
with_etc() { # CMD...: with $TMP/etc over /etc
	unshare -m --propagation private sh -c \
		'mount -t overlay overlay -o lowerdir="$0"/etc:/etc /etc && exec "$@"' \
		"$TMP" "$@"
}
out=$(with_etc "$BUILD/agwd" --print-config)
head -n 1 <<<"$out" | grep -q 'then /etc/agw/agwd.conf' ||
	die "--print-config does not name /etc/agw/agwd.conf: $(head -n 1 <<<"$out")"
grep -qx 'mid = <etc.agw.test>' <<<"$out" || die "/etc/agw/agwd.conf not read"
[ "$(with_etc "$BUILD/agwd" -t)" = "agwd: configuration ok (/etc/agw/agwd.conf)" ] ||
	die "--check-config: $(with_etc "$BUILD/agwd" -t)"
out=$(with_etc "$BUILD/agwd" -c "$TMP/other.conf" --print-config)
grep -qx 'mid = <file.agw.test>' <<<"$out" || die "-c does not win over /etc"
head -n 1 <<<"$out" | grep -q "then $TMP/other.conf" || die "-c not named"
[ "$("$BUILD/agwd" --print-config | head -n 1)" = \
	"; agwd 0.1.0: the embedded default, then the command line" ] ||
	die "without /etc/agw/agwd.conf: $("$BUILD/agwd" --print-config | head -n 1)"
[ "$("$BUILD/agwd" -t)" = "agwd: configuration ok (embedded default)" ] ||
	die "-t without a file: $("$BUILD/agwd" -t)"
# a broken /etc file is an error, exactly as with -c
printf '[h248]\nbogus = 1\n' >"$TMP/etc/agw/agwd.conf"
rc=0
with_etc "$BUILD/agwd" -t 2>"$TMP/err" || rc=$?
[ "$rc" = 2 ] && grep -qx "agwd: /etc/agw/agwd.conf:2: \[h248\] bogus = '1': unknown key" "$TMP/err" ||
	die "broken /etc file: exit $rc, $(cat "$TMP/err")"
# one agwd may not read (as a service user) is an error, not the default
printf '[agwd]\nmid = <etc.agw.test>\n' >"$TMP/etc/agw/agwd.conf"
chmod 700 "$TMP/etc/agw"
rc=0
with_etc setpriv --reuid=nobody --regid="$(id -gn nobody)" --clear-groups \
	"$BUILD/agwd" -t >"$TMP/out" 2>&1 || rc=$?
[ "$rc" = 2 ] && grep -qx "agwd: /etc/agw/agwd.conf: Permission denied" "$TMP/out" ||
	die "unreadable /etc file: exit $rc, $(cat "$TMP/out")"
echo "ok: /etc/agw/agwd.conf read when present and named, -c wins, errors exact"

# ---- SIGHUP ------------------------------------------------------------
netns_add "$NS"
conf() { # LEVEL HEARTBEAT MGC CONTEXTS
	cat >"$TMP/agwd.conf" <<CONF
[agwd]
state_dir = $TMP/state
control_socket = $TMP/agwd.sock
gate_pin_dir = $PIN
[h248]
mgc = $3
[limits]
contexts = $4
[timers]
heartbeat_ms = $2
[log]
level = $1
CONF
}
actl() { in_ns "$NS" "$BUILD/agwctl" --socket "$TMP/agwd.sock" "$@"; }
conf info 30000 127.0.0.1:2945 64
# --port on the command line: reload keeps it over the file
nsenter --net=/run/netns/"$NS" "$BUILD/agwd" -f -c "$TMP/agwd.conf" --port 2950 \
	>"$TMP/agwd.log" 2>&1 &
PID=$!
T_PIDS+=($PID)
wait_for 30 'actl status' || die "agwd did not start"
[ "$(actl -j loglevel | jq -r .level)" = info ] || die "loglevel: $(actl -j loglevel)"
grep -q 'debug:' "$TMP/agwd.log" && die "debug lines at level info"

hup() { # PATTERN: SIGHUP, wait for the log line
	local n
	n=$(grep -c SIGHUP "$TMP/agwd.log" || true)
	kill -HUP "$PID"
	wait_for 10 '[ "$(grep -c SIGHUP "$TMP/agwd.log")" -gt '"$n"' ]' ||
		die "no log line after SIGHUP"
	sleep 0.2
	grep SIGHUP "$TMP/agwd.log" | tail -n +$((n + 1)) | grep -q -- "$1" ||
		die "after SIGHUP, no '$1' in: $(grep SIGHUP "$TMP/agwd.log" | tail -n +$((n + 1)))"
}
hup "reloaded, no change"

conf debug 5000 127.0.0.1:2999 128
hup "applied h248.mgc, timers.heartbeat_ms, log.level"
grep SIGHUP "$TMP/agwd.log" | grep -q \
	"warning: SIGHUP: $TMP/agwd.conf: changed, not applied until a restart: limits.contexts" ||
	die "restart-only keys not reported: $(grep SIGHUP "$TMP/agwd.log")"
grep SIGHUP "$TMP/agwd.log" | grep -q "h248.port" && die "--port reported as changed"
[ "$(actl -j loglevel | jq -r .level)" = debug ] || die "level not applied"
st=$(actl -j status)
[ "$(jq -c .mgc <<<"$st")" = '["127.0.0.1:2999"]' ] || die "MGC list not applied: $st"
[ "$(jq -r .transport.udp_local <<<"$st")" = 127.0.0.1:2950 ] || die "--port lost: $st"
wait_for 10 'grep -q "debug:" "$TMP/agwd.log"' || die "no debug lines at level debug"
echo "ok: SIGHUP applies log level, heartbeat and MGC list, reports limits.contexts for a restart"

# the same file again: the applied keys are no news, the others still wait
hup "not applied until a restart: limits.contexts"
[ "$(grep -c 'SIGHUP: .*: applied ' "$TMP/agwd.log")" = 1 ] || die "applied twice"

cp "$TMP/agwd.conf" "$TMP/good.conf"
printf 'garbage\n' >>"$TMP/agwd.conf"
hup "configuration not reloaded, nothing changed: $TMP/agwd.conf:13: syntax error"
[ "$(actl -j loglevel | jq -r .level)" = debug ] || die "a broken file changed the level"
cp "$TMP/good.conf" "$TMP/agwd.conf"
echo "ok: a broken file changes nothing and says where"

# ---- agwctl loglevel ---------------------------------------------------
out=$(actl loglevel warning) || die "agwctl loglevel warning: $out"
grep -qx 'level: warning' <<<"$out" && grep -qx 'previous: debug' <<<"$out" ||
	die "agwctl loglevel warning: $out"
grep -q "notice: log level warning (was debug), from the control socket" "$TMP/agwd.log" &&
	die "a notice logged at level warning"
rc=0
actl loglevel loud 2>"$TMP/err" || rc=$?
[ "$rc" = 1 ] && grep -q "unknown log level 'loud'" "$TMP/err" ||
	die "agwctl loglevel loud: exit $rc, $(cat "$TMP/err")"
[ "$(actl -j loglevel | jq -r .level)" = warning ] || die "a refused level changed it"
# SIGHUP brings the file's level back
hup "applied log.level"
[ "$(actl -j loglevel | jq -r .level)" = debug ] || die "SIGHUP did not restore the file's level"
echo "ok: agwctl loglevel shows, sets and refuses; SIGHUP restores the file's level"

kill "$PID"
wait "$PID" || die "agwd exited $?"

# ---- SIGHUP: the MGC list, with two real megaco MGCs --------------------
make -C "$AGW_SRC" --no-print-directory mgc >/dev/null || die "make mgc"
GW=$NS
. "$AGW_SRC/tests/integration/lib/mgc_lab.sh"
SCN=$AGW_SRC/tests/mgc/agwd
mgc_conf() { # MGC-LIST
	cat >"$TMP/agwd.conf" <<CONF
[agwd]
mid = [127.0.0.1]:2944
state_dir = $TMP/state
control_socket = $TMP/agwd.sock
gate_pin_dir = $PIN
[h248]
mgc = $1
address = 127.0.0.1
port = 2944
[timers]
heartbeat_ms = 0
registration_retry_ms = 200
registration_retry_max_ms = 1000
[log]
level = info
CONF
}
# probe SRC-PORT: one H.248 request from 127.0.0.1:SRC-PORT to agwd; prints
# agwd's answer, or "none" after 2 s
probe() {
	in_ns "$NS" python3 - "$1" <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.settimeout(2)
s.sendto(b"MEGACO/3 [127.0.0.1]:%s\nTransaction = 424242 {\n"
         b" Context = - { AuditValue = ROOT { Audit { } } } }\n"
         % sys.argv[1].encode(), ("127.0.0.1", 2944))
try:
    print(s.recv(65536).decode(errors="replace").replace("\n", " "))
except socket.timeout:
    print("none")
PY
}
# datagrams from outside the list dropped in user space, and by the gate's
# H.248 guard (XDP on lo: the embedded default realm)
dropped() { actl -j status | jq -r .h248.dropped_not_allowed; }
guard_dropped() {
	actl stats | awk '$1 ~ /^agw_gate_dropped_total[{]reason="h248-foreign-(addr|port)"[}]$/ { s += $2 }
		END { print s + 0 }'
}
guard() { # the MGCs of the gate's H.248 guard map, "addr:port" sorted
	in_ns "$NS" "$BUILD/agwctl" --pin-dir "$PIN" -j gate show |
		jq -r '.h248_guard.mgcs[] | "\(.addr):\(.port)"' | sort | paste -sd' '
}

mgc_conf 127.0.0.1:2945
lab_run_mgc_as first "$NS" udp 2945 "$SCN/reload_first.scn" 200 --register script
wait_for 30 "grep -q '\"cmd\":\"listen\"' '$TMP/mgc-first.out'" || die "MGC first did not start"
nsenter --net=/run/netns/"$NS" "$BUILD/agwd" -f -c "$TMP/agwd.conf" >"$TMP/agwd.log" 2>&1 &
PID=$!
T_PIDS+=($PID)
wait_sync_as first registered
[ "$(actl -j status | jq -r .registration)" = registered ] || die "not registered with the first MGC"
[ "$(guard)" = "127.0.0.1:2945" ] || die "guard before: $(guard)"
g0=$(guard_dropped)
out=$(probe 2946)
[ "$out" = none ] || die "a datagram from 127.0.0.1:2946 answered before it is an MGC: $out"
wait_for 5 '[ "$(guard_dropped)" -gt "$g0" ]' || die "a datagram from 127.0.0.1:2946 not dropped by the guard"
echo "ok: before the SIGHUP, 127.0.0.1:2946 is not in the guard map and the guard drops its datagram"

# add a second MGC
mgc_conf "127.0.0.1:2945, 127.0.0.1:2946"
hup "applied h248.mgc"
grep -q 'SIGHUP: h248.mgc: \[127.0.0.1:2945\] -> \[127.0.0.1:2945, 127.0.0.1:2946\]: allow-list and per-MGC UDP sockets replaced' "$TMP/agwd.log" ||
	die "the new MGC list is not logged"
grep -q 'SIGHUP: h248.mgc: gate H.248 guard on port 2944: 2 MGCs' "$TMP/agwd.log" || die "guard not logged"
grep -q 'SIGHUP: h248.mgc: the association (127.0.0.1:2945, registered) stays' "$TMP/agwd.log" ||
	die "the association is not logged as kept"
[ "$(guard)" = "127.0.0.1:2945 127.0.0.1:2946" ] || die "guard after adding: $(guard)"
d0=$(dropped) g0=$(guard_dropped)
out=$(probe 2946)
grep -q 'MEGACO/[0-9] \[127.0.0.1\]:2944 Reply = 424242' <<<"$out" ||
	die "a datagram from the added MGC 127.0.0.1:2946 not answered: $out"
[ "$(dropped) $(guard_dropped)" = "$d0 $g0" ] || die "a datagram from the added MGC counted as dropped"
[ "$(actl -j status | jq -c '[.registration, .mgc]')" = '["registered",["127.0.0.1:2945","127.0.0.1:2946"]]' ] ||
	die "status after adding: $(actl -j status | jq -c '[.registration, .mgc]')"
echo "ok: SIGHUP added 127.0.0.1:2946: in the guard map, its datagram answered, the registration kept"

# take the MGC of the association out
lab_run_mgc_as second "$NS" udp 2946 "$SCN/reload_second.scn" 200 --register script --mid-addr 127.0.0.2
wait_for 30 "grep -q '\"cmd\":\"listen\"' '$TMP/mgc-second.out'" || die "MGC second did not start"
mgc_conf 127.0.0.1:2946
hup "applied h248.mgc"
grep -q 'SIGHUP: h248.mgc: 127.0.0.1:2945 (registered) left the list: registering with 127.0.0.1:2946' "$TMP/agwd.log" ||
	die "the removed MGC of the association is not logged"
wait_sync_as second registered
[ "$(actl -j status | jq -c '[.registration, .mgc]')" = '["registered",["127.0.0.1:2946"]]' ] ||
	die "status after removing: $(actl -j status | jq -c '[.registration, .mgc]')"
[ "$(guard)" = "127.0.0.1:2946" ] || die "guard after removing: $(guard)"
go_as second registered
mgc_wait second || die "the second MGC's scenario failed (registration Restart/901, audit)"
go_as first registered
mgc_wait first || die "the first MGC's scenario failed"
g0=$(guard_dropped)
out=$(probe 2945)
[ "$out" = none ] || die "a datagram from the removed MGC answered: $out"
wait_for 5 '[ "$(guard_dropped)" -gt "$g0" ]' || die "a datagram from the removed MGC not dropped by the guard"
# without the guard, agwd's own allow-list drops it
in_ns "$NS" "$BUILD/agwctl" --pin-dir "$PIN" gate h248 off >/dev/null || die "gate h248 off"
d0=$(dropped)
out=$(probe 2945)
[ "$out" = none ] || die "a datagram from the removed MGC answered without the guard: $out"
wait_for 5 '[ "$(dropped)" -gt "$d0" ]' || die "a datagram from the removed MGC not dropped in user space"
echo "ok: SIGHUP removed the registered MGC: agwd registered with 127.0.0.1:2946 (Restart/901) and answers it; 127.0.0.1:2945 is out of the guard map and agwd's allow-list, its datagrams dropped by both"

kill "$PID"
wait "$PID" || die "agwd exited $?"

# over TCP: the connection to the removed MGC closes, agwd connects to the
# new first MGC and registers there
mgc_conf 127.0.0.1:2945
sed -i 's/^port = 2944$/port = 2944\ntransport = tcp/' "$TMP/agwd.conf"
lab_run_mgc_as first "$NS" tcp 2945 "$SCN/reload_first.scn" 200 --register script
lab_run_mgc_as second "$NS" tcp 2946 "$SCN/reload_second.scn" 200 --register script --mid-addr 127.0.0.2
for m in first second; do
	wait_for 30 "grep -q '\"cmd\":\"listen\"' '$TMP/mgc-$m.out'" || die "tcp: MGC $m did not start"
done
nsenter --net=/run/netns/"$NS" "$BUILD/agwd" -f -c "$TMP/agwd.conf" >"$TMP/agwd.log" 2>&1 &
PID=$!
T_PIDS+=($PID)
wait_sync_as first registered
mgc_conf 127.0.0.1:2946
sed -i 's/^port = 2944$/port = 2944\ntransport = tcp/' "$TMP/agwd.conf"
hup "applied h248.mgc"
wait_sync_as second registered
[ "$(actl -j status | jq -c '[.registration, .transport.tcp_peer]')" = '["registered","127.0.0.1:2946"]' ] ||
	die "tcp: status after removing: $(actl -j status | jq -c '[.registration, .transport]')"
go_as second registered
mgc_wait second || die "tcp: the second MGC's scenario failed (registration Restart/901, audit)"
go_as first registered
mgc_wait first || die "tcp: the first MGC's scenario failed"
echo "ok: over TCP, SIGHUP removed the registered MGC: agwd connected to 127.0.0.1:2946 and registered there (Restart/901)"

kill "$PID"
wait "$PID" || die "agwd exited $?"
