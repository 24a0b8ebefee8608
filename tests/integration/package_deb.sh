#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# timeout: 600
# asan: no
#
# The Debian package: dpkg-buildpackage builds agw and agw-dbgsym from a
# copy of the tree, lintian finds no error, dpkg -x unpacks it into a
# scratch root where the files are checked (binaries, man pages, the
# conffile equal to the embedded default, unit, tmpfiles, sysusers, docs;
# runtime dependencies only). Then the installed agwd runs from its unit's
# ExecStart line, as a non-root user holding only the unit's capabilities
# (setpriv), with a NOTIFY_SOCKET of ours: READY=1 and STATUS=registered
# arrive, a delayed-establishment call with the megaco MGC goes through
# (first SYN dropped in XDP, the retransmission admitted, bytes relayed),
# SIGTERM brings STOPPING=1 and a clean exit with the gate detached.
set -u
. "$AGW_SRC/tests/integration/lib/common.sh"
. "$AGW_SRC/tests/integration/lib/mgc_lab.sh"
require_root
for t in dpkg-buildpackage lintian setpriv jq; do
	command -v $t >/dev/null || fail "$t missing (scripts/install-deps)"
done
make -C "$AGW_SRC" --no-print-directory mgc >/dev/null || fail "make mgc"

TMP=$(mktemp -d /tmp/agw-pkg-XXXXXX)
chmod 755 "$TMP" # the service user reaches its files here
PIN=/sys/fs/bpf/agw-pkg-$$
T_CLEAN+=("rm -rf $TMP $PIN")
ROOT=$TMP/root
PEER="python3 $AGW_SRC/tests/integration/lib/agwd_peer.py"
SCN=$AGW_SRC/tests/mgc/agwd
UE_OTHER=10.83.1.3
UE_PORT=40123
RUN_USER=nobody
RUN_GROUP=$(id -gn nobody)
AGWD_PID=

die() {
	echo "FAIL: $*"
	tail -n 40 "$TMP/agwd.log" 2>/dev/null
	tail -n 5 "$TMP/mgc.out" "$TMP/mgc.err" 2>/dev/null | cut -c1-400
	exit 1
}

# ---- build and lint ---------------------------------------------------
mkdir -p "$TMP/src/agw"
tar -C "$AGW_SRC" --exclude=./build --exclude=./build-asan \
	--exclude=./build-fuzz --exclude=./build-deb --exclude=./.git \
	--exclude=./debian/agw --exclude=./debian/.debhelper -cf - . |
	tar -C "$TMP/src/agw" -xf - || die "copy of the tree"
(cd "$TMP/src/agw" && DEB_BUILD_OPTIONS="parallel=$(nproc)" \
	dpkg-buildpackage -b -us -uc) >"$TMP/build.log" 2>&1 ||
	{ tail -n 30 "$TMP/build.log"; die "dpkg-buildpackage"; }
DEB=$(ls "$TMP"/src/agw_*_*.deb)
[ -f "$DEB" ] || die "no agw .deb"
ls "$TMP"/src/agw-dbgsym_*.deb >/dev/null || die "no agw-dbgsym .deb"
lintian --fail-on error "$TMP"/src/agw_*.changes >"$TMP/lintian.out" 2>&1 ||
	{ cat "$TMP/lintian.out"; die "lintian reports errors"; }
echo "ok: package built (${SECONDS}s), lintian: $(grep -c '^E:' "$TMP/lintian.out") errors, $(grep -c '^W:' "$TMP/lintian.out") warnings"

# ---- contents ----------------------------------------------------------
dpkg -x "$DEB" "$ROOT" || die "dpkg -x"
dpkg-deb -e "$DEB" "$TMP/control" || die "dpkg-deb -e"
for f in usr/sbin/agwd usr/bin/agwctl usr/bin/h248c; do
	[ -x "$ROOT/$f" ] || die "$f missing"
done
for f in man8/agwd.8 man8/agwctl.8 man8/h248c.8 man5/agwd.conf.5; do
	[ -f "$ROOT/usr/share/man/$f.gz" ] || die "man page $f missing"
done
for f in etc/agw/agwd.conf lib/systemd/system/agwd.service \
	usr/lib/tmpfiles.d/agw.conf usr/lib/sysusers.d/agw.conf \
	usr/share/doc/agw/copyright usr/share/doc/agw/README.md; do
	[ -f "$ROOT/$f" ] || die "$f missing"
done
ls "$ROOT"/usr/share/doc/agw/operations.md* >/dev/null || die "operations.md missing"
grep -qx /etc/agw/agwd.conf "$TMP/control/conffiles" || die "agwd.conf is no conffile"
grep -q '^u agw ' "$ROOT/usr/lib/sysusers.d/agw.conf" || die "no agw user in sysusers.d"
grep -q '^d /sys/fs/bpf/agw .* agw agw' "$ROOT/usr/lib/tmpfiles.d/agw.conf" ||
	die "tmpfiles.d does not create the pin directory for agw"
# the packaged file is the embedded default, commented
diff <("$ROOT/usr/sbin/agwd" -c "$ROOT/etc/agw/agwd.conf" --print-config | tail -n +2) \
	<("$ROOT/usr/sbin/agwd" --print-config | tail -n +2) >"$TMP/conf.diff" ||
	{ cat "$TMP/conf.diff"; die "etc/agw/agwd.conf differs from the embedded default"; }
dep=$(dpkg-deb -f "$DEB" Depends)
for lib in libbpf1 libxdp1 libssl3 libsystemd0 libinih1; do
	grep -q "$lib" <<<"$dep" || die "Depends lacks $lib: $dep"
done
grep -Eq 'erlang|qemu|haproxy|linux-perf|clang|-dev' <<<"$dep" &&
	die "Depends holds a build or test package: $dep"
# every package named in Depends is in deps/runtime.list
for p in $(tr ',|' '\n\n' <<<"$dep" | sed 's/(.*//' | tr -d ' '); do
	grep -qx "$p" "$AGW_SRC/deps/runtime.list" ||
		case "$p" in systemd-*) ;; *) die "Depends names $p, not in deps/runtime.list" ;; esac
done
echo "ok: contents (binaries, man pages, conffile = embedded default, unit, tmpfiles, sysusers, docs), Depends: $dep"

# ---- the unit ----------------------------------------------------------
UNIT=$ROOT/lib/systemd/system/agwd.service
unit_val() { sed -n "s/^$1=//p" "$UNIT" | tail -n 1; }
[ "$(unit_val Type)" = notify ] || die "unit: Type is not notify"
[ "$(unit_val NoNewPrivileges)" = yes ] || die "unit: NoNewPrivileges"
[ "$(unit_val User)" = agw ] || die "unit: User is not agw"
EXEC=$(unit_val ExecStart)
AMB=$(unit_val AmbientCapabilities)
BND=$(unit_val CapabilityBoundingSet)
[ -n "$EXEC" ] && [ -n "$AMB" ] || die "unit: no ExecStart or AmbientCapabilities"
[ "$AMB" = "$BND" ] || die "unit: ambient ($AMB) and bounding ($BND) sets differ"
grep -q CAP_SYS_ADMIN <<<"$AMB" && die "unit grants CAP_SYS_ADMIN"
# "CAP_BPF CAP_NET_ADMIN" -> "+bpf,+net_admin" for setpriv
CAPS=$(for c in $AMB; do c=${c#CAP_}; printf '+%s,' "${c,,}"; done)
CAPS=${CAPS%,}
read -r -a ARGV <<<"$EXEC"
ARGV[0]=$ROOT${ARGV[0]} # the installed binary, in the scratch root
echo "ok: unit: ExecStart=$EXEC, capabilities $AMB"

# ---- the lab -----------------------------------------------------------
lab_setup pkg 83
ip -n "$UE" addr add $UE_OTHER/24 dev pkg-ue
ip netns exec "$UE" sysctl -qw net.ipv4.tcp_syn_retries=6
# what tmpfiles.d and RuntimeDirectory= make for agw, made for RUN_USER
mkdir -p "$TMP/state" "$TMP/run" "$PIN"
chown "$RUN_USER:$RUN_GROUP" "$TMP/state" "$TMP/run" "$PIN"
cat >"$TMP/agwd.conf" <<CONF
[agwd]
mid = [127.0.0.1]:2944
state_dir = $TMP/state
control_socket = $TMP/run/agwd.sock
gate_pin_dir = $PIN
[h248]
mgc = 127.0.0.1:2945
[limits]
contexts = 64
terminations = 128
[timers]
registration_retry_ms = 200
registration_retry_max_ms = 1000
heartbeat_ms = 1000
[log]
level = debug
$(lab_realms pkg 30000)
CONF
chmod 644 "$TMP/agwd.conf"
ctl() { in_ns "$GW" "$BUILD/helpers/agw_ctl_request" "$TMP/run/agwd.sock" "$@"; }
term_field() { # TERM FIELD
	ctl terminations | jq -r --arg t "$1" \
		".terminations[] | select(.id == \$t) | .$2"
}
as_service() { # CMD...: RUN_USER with the unit's capabilities only
	setpriv --reuid="$RUN_USER" --regid="$RUN_GROUP" --clear-groups \
		--no-new-privs --inh-caps=-all,"$CAPS" \
		--ambient-caps=-all,"$CAPS" --bounding-set=-all,"$CAPS" "$@"
}

python3 "$AGW_SRC/tests/integration/lib/notify_listen.py" "$TMP/notify.sock" \
	"$TMP/notify.log" &
T_PIDS+=($!)
wait_for 10 'test -S "$TMP/notify.sock"' || die "no notify socket"

# ExecStartPre's check, then ExecStart (-c: the lab's file, not /etc)
as_service "${ARGV[0]}" --check-config -c "$TMP/agwd.conf" >/dev/null ||
	die "--check-config as $RUN_USER"
lab_run_mgc udp "$SCN/delayed.scn" 300 ue_port=$UE_PORT \
	core_peer_port=40200 estab_port=40201 refused_port=40202
# WATCHDOG_USEC as WatchdogSec=2 would set it
nsenter --net=/run/netns/"$GW" env NOTIFY_SOCKET="$TMP/notify.sock" \
	WATCHDOG_USEC=2000000 \
	setpriv --reuid="$RUN_USER" --regid="$RUN_GROUP" --clear-groups \
	--no-new-privs --inh-caps=-all,"$CAPS" --ambient-caps=-all,"$CAPS" \
	--bounding-set=-all,"$CAPS" \
	"${ARGV[@]}" -c "$TMP/agwd.conf" >"$TMP/agwd.log" 2>&1 &
AGWD_PID=$!
T_PIDS+=($AGWD_PID)
wait_for 30 'grep -qx READY=1 "$TMP/notify.log"' || die "no READY=1"
st=$(grep -o '^Uid:.*' /proc/$AGWD_PID/status | awk '{print $2}')
[ "$st" = "$(id -u "$RUN_USER")" ] || die "agwd runs as uid $st"
eff=$(sed -n 's/^CapEff:\t//p' /proc/$AGWD_PID/status)
[ "$eff" = "$(sed -n 's/^CapAmb:\t//p' /proc/$AGWD_PID/status)" ] &&
	[ "$eff" != 0000000000000000 ] || die "capabilities: CapEff $eff"
(((0x$eff >> 21) & 1)) && die "agwd holds CAP_SYS_ADMIN (CapEff $eff)"
wait_for 60 'grep -q "^STATUS=registered" "$TMP/notify.log"' ||
	die "no STATUS=registered: $(cat "$TMP/notify.log")"
wait_for 10 'grep -qx WATCHDOG=1 "$TMP/notify.log"' || die "no WATCHDOG=1"
echo "ok: READY=1, STATUS=registered, WATCHDOG=1 from agwd as $RUN_USER (CapEff $eff)"

# ---- the delayed call --------------------------------------------------
wait_sync syn
acc=$(var acc.term) acc_addr=$(var acc.addr) acc_port=$(var acc.port)
[ "$(term_field "$acc" gate_mode)" = ignore ] || die "access gate not ignore"
in_ns "$UE" $PEER connect "$acc_addr" "$acc_port" --src $UE_ADDR \
	--sport $UE_PORT --send 5000 --seed 7 --timeout 60 >"$TMP/ue.out" 2>&1 &
ue=$!
wait_for 30 '[ "$(term_field "$acc" syn_dropped)" -ge 1 ]' ||
	die "the UE's first SYN was not dropped"
go syn
wait_sync data
wait_for 60 'grep -q connected "$TMP/ue.out"' ||
	die "the UE's retransmitted SYN did not connect"
[ "$(term_field "$acc" gate_mode)" = filter ] || die "gate not filter"
in_ns "$UE" $PEER connect "$acc_addr" "$acc_port" --src $UE_OTHER \
	--timeout 3 >"$TMP/other.out" 2>&1
grep -q timeout "$TMP/other.out" || die "another address got through"
in_ns "$CORE" $PEER connect "$(var core.addr)" "$(var core.port)" \
	--src $CORE_ADDR --send 3000 --seed 9 >"$TMP/core.out" 2>&1 ||
	die "core peer: $(cat "$TMP/core.out")"
wait $ue || die "UE: $(cat "$TMP/ue.out")"
digest() { $PEER digest 0 0 --send "$1" --seed "$2"; }
[ "$(grep '^received' "$TMP/ue.out" | cut -d' ' -f2-)" = "$(digest 3000 9)" ] ||
	die "the UE got the wrong bytes"
[ "$(grep '^received' "$TMP/core.out" | cut -d' ' -f2-)" = "$(digest 5000 7)" ] ||
	die "the core peer got the wrong bytes"
go data
wait "$MGC_PID"
grep -q '"cmd":"end","ok":true' "$TMP/mgc.out" || die "the MGC's scenario failed"
echo "ok: delayed call through the installed agwd (SYN dropped, retransmission admitted, bytes relayed)"

# ---- stop --------------------------------------------------------------
kill -TERM "$AGWD_PID"
wait_for 30 '! kill -0 $AGWD_PID' || die "agwd did not stop on SIGTERM"
rc=0
wait "$AGWD_PID" || rc=$?
[ "$rc" = 0 ] || die "agwd exited $rc"
grep -qx STOPPING=1 "$TMP/notify.log" || die "no STOPPING=1: $(cat "$TMP/notify.log")"
ip -n "$GW" link show pkg-a | grep -q xdp && die "the gate stayed attached to pkg-a"
grep -iE ' (err|warning): ' "$TMP/agwd.log" | grep -v "libxdp\|registration\|MGC" &&
	die "errors in agwd's log"
echo "ok: SIGTERM: STOPPING=1, exit 0, gate detached (${SECONDS}s in all)"
