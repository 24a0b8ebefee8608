# SPDX-License-Identifier: GPL-2.0-only
# The lab of the agwd + megaco MGC tests (after common.sh): agwd and the
# MGC in namespace GW, a UE behind veth TAG-a (access, 10.NET.1.0/24) and a
# core peer behind veth TAG-c (core, 10.NET.2.0/24); and the helpers that
# follow an MGC scenario run (output in $TMP/mgc.out, sync files in
# $TMP/sync; the test defines die).

# The profile's item names, from lib/profile.c's table (no test spells
# one): ITEM_<KEY>='pkg/name', PKG_<KEY>, NAME_<KEY>, PROFILE_PACKAGES.
# The MGC gets the same as ${item.<key>} ... (lab_profile_terms).
eval "$("$BUILD/helpers/h248_profile" --sh)" ||
	{ echo "FAIL: h248_profile --sh" >&2; exit 1; }

# lab_profile_terms: the file for agw_mgc --profile ($TMP/profile.terms).
lab_profile_terms() {
	[ -s "$TMP/profile.terms" ] ||
		"$BUILD/helpers/h248_profile" --erl >"$TMP/profile.terms"
	echo "$TMP/profile.terms"
}

# lab_setup TAG NET: sets GW, UE, CORE (namespaces agw-TAG-PID-ROLE),
# UE_ADDR, CORE_ADDR; agwd's addresses are 10.NET.1.1 and 10.NET.2.1.
lab_setup() {
	local tag=$1 net=$2 l
	GW=agw-$tag-$$-gw
	UE=agw-$tag-$$-ue
	CORE=agw-$tag-$$-core
	UE_ADDR=10.$net.1.2
	CORE_ADDR=10.$net.2.2
	netns_add "$GW"
	netns_add "$UE"
	netns_add "$CORE"
	ip link add $tag-a netns "$GW" type veth peer name $tag-ue netns "$UE"
	ip link add $tag-c netns "$GW" type veth peer name $tag-co netns "$CORE"
	ip -n "$GW" addr add 10.$net.1.1/24 dev $tag-a
	ip -n "$GW" addr add 10.$net.2.1/24 dev $tag-c
	ip -n "$UE" addr add $UE_ADDR/24 dev $tag-ue
	ip -n "$CORE" addr add $CORE_ADDR/24 dev $tag-co
	for l in "$GW $tag-a" "$GW $tag-c" "$UE $tag-ue" "$CORE $tag-co"; do
		set -- $l
		ip -n "$1" link set "$2" up
	done
	ip -n "$UE" route add default via 10.$net.1.1
	ip -n "$CORE" route add default via 10.$net.2.1
}

# lab_run_mgc TRANSPORT SCRIPT LIMIT [VAR=VALUE...]: the megaco MGC in GW
# in the background (MGC_PID), killed after LIMIT s; ue_addr,
# core_peer_addr and sync_dir are set for it, the rest comes as VAR=VALUE.
lab_run_mgc() {
	local transport=$1 script=$2 limit=$3 sets=() v
	shift 3
	for v in "$@"; do sets+=(--set "$v"); done
	rm -rf "$TMP/sync"
	mkdir -p "$TMP/sync"
	: >"$TMP/mgc.out"
	ERL_CRASH_DUMP=$TMP/erl_crash.dump \
		nsenter --net=/run/netns/"$GW" timeout "$limit" erl -noshell \
		-pa "$BUILD/mgc" -run agw_mgc main -extra \
		--transport "$transport" --port 2945 --script "$script" \
		--register-timeout 60000 --reply-timeout 15000 \
		--set ue_addr=$UE_ADDR --set core_peer_addr=$CORE_ADDR \
		--set sync_dir="$TMP/sync" --profile "$(lab_profile_terms)" \
		"${sets[@]}" >"$TMP/mgc.out" 2>"$TMP/mgc.err" &
	MGC_PID=$!
}

# lab_run_mgc_as NAME NS TRANSPORT PORT SCRIPT LIMIT [OPTION|VAR=VALUE...]:
# one more megaco MGC (a secondary, one per agwd of a back-to-back lab, an
# IPv6 one), in namespace NS listening on PORT, killed after LIMIT s. Its
# output goes to $TMP/mgc-NAME.out (.err), its sync files to
# $TMP/sync-NAME; MGC_PIDS[NAME] is its PID. Words starting with "--" are
# agw_mgc options (e.g. --register script, --family inet6 --mid-addr ADDR),
# the rest VAR=VALUE. ue_addr and core_peer_addr are set as in lab_run_mgc.
declare -A MGC_PIDS=()
lab_run_mgc_as() {
	local name=$1 ns=$2 transport=$3 port=$4 script=$5 limit=$6 args=() v
	shift 6
	for v in "$@"; do
		case "$v" in
		--*) args+=("$v") ;;
		*=*) args+=(--set "$v") ;;
		*) args+=("$v") ;; # the value of the option before
		esac
	done
	rm -rf "$TMP/sync-$name"
	mkdir -p "$TMP/sync-$name"
	: >"$TMP/mgc-$name.out"
	ERL_CRASH_DUMP=$TMP/erl_crash.dump \
		nsenter --net=/run/netns/"$ns" timeout "$limit" erl -noshell \
		-pa "$BUILD/mgc" -run agw_mgc main -extra \
		--transport "$transport" --port "$port" --script "$script" \
		--name "$name" --register-timeout 60000 --reply-timeout 15000 \
		--set ue_addr=${UE_ADDR:-} --set core_peer_addr=${CORE_ADDR:-} \
		--set sync_dir="$TMP/sync-$name" --profile "$(lab_profile_terms)" \
		"${args[@]}" >"$TMP/mgc-$name.out" 2>"$TMP/mgc-$name.err" &
	MGC_PIDS[$name]=$!
}

# wait_sync_as NAME SYNC: MGC NAME is at "sync SYNC"; VARS gets its
# variables (var reads them); go_as NAME SYNC [VAR=VALUE...] lets it go on
# with those variables set (what it must learn from another MGC).
wait_sync_as() {
	wait_for 120 "grep -q '\"name\":\"$2\"' '$TMP/mgc-$1.out'" ||
		die "MGC $1 never reached sync $2"
	VARS=$(grep "\"name\":\"$2\"" "$TMP/mgc-$1.out" | head -1 | jq -c .vars)
}
go_as() { # NAME SYNC [VAR=VALUE...]: the values become its variables
	local f=$TMP/sync-$1/$2
	shift 2
	printf '%s\n' "$@" >"$f.tmp" && mv "$f.tmp" "$f"
}

# mgc_wait NAME: MGC NAME's exit status (0 when its scenario passed).
mgc_wait() {
	local rc=0
	wait "${MGC_PIDS[$1]}" || rc=$?
	return $rc
}

# wait_sync NAME: the MGC is at "sync NAME"; VARS gets its variables
wait_sync() {
	wait_for 120 "grep -q '\"name\":\"$1\"' '$TMP/mgc.out'" ||
		die "MGC never reached sync $1"
	VARS=$(grep "\"name\":\"$1\"" "$TMP/mgc.out" | head -1 | jq -c .vars)
}
var() { echo "$VARS" | jq -r --arg k "$1" '.[$k]'; }
go() { touch "$TMP/sync/$1"; }

# release_stat N TERM NAME: statistic NAME of TERM in the reply to the Nth
# release.txt of the run (a sed address: '$' is the last), in MGC_OUT
# (default $TMP/mgc.out: the MGC of lab_run_mgc).
release_stat() {
	grep '"file":"release.txt"' "${MGC_OUT:-$TMP/mgc.out}" | sed -n "$1p" |
		jq -r .reply | awk -v t="$2" -v n="$3" '
			$0 ~ "Subtract = "t"( |$)" { on = 1 }
			on && $0 ~ n" *= *[0-9]+" {
				sub(".*"n" *= *", ""); sub("[^0-9].*", ""); print; exit }'
}

# lab_realms TAG PORT: the [realm access] and [realm core] sections of
# agwd's configuration, 100 ports each from PORT, gate in generic XDP.
lab_realms() {
	cat <<CONF
[realm access]
interface = $1-a
ports = $2-$(($2 + 99))
attach = xdp-generic
[realm core]
interface = $1-c
ports = $(($2 + 100))-$(($2 + 199))
attach = xdp-generic
CONF
}

# lab_conf TAG PORT [SECTION.KEY=VALUE...]: agwd's configuration in the
# lab, on stdout: [agwd] state_dir, control_socket and gate_pin_dir of the
# test ($TMP/state, $TMP/agwd.sock, $PIN); [h248] the MGC at
# 127.0.0.1:2945, agwd at 127.0.0.1:2944; [timers] registration retried
# from 200 ms up to 1 s; then the realms of lab_realms TAG PORT. Each
# SECTION.KEY=VALUE sets a key of [agwd], [h248], [limits], [timers],
# [relay], [tls], [metrics] or [log] (a key above: replaced; VALUE empty:
# left out).
lab_conf() {
	local tag=$1 port=$2 kv k s any
	local -a keys=(agwd.state_dir agwd.control_socket agwd.gate_pin_dir
		h248.mgc h248.address h248.port
		timers.registration_retry_ms timers.registration_retry_max_ms)
	local -A val=([agwd.state_dir]=$TMP/state
		[agwd.control_socket]=$TMP/agwd.sock [agwd.gate_pin_dir]=$PIN
		[h248.mgc]=127.0.0.1:2945 [h248.address]=127.0.0.1
		[h248.port]=2944 [timers.registration_retry_ms]=200
		[timers.registration_retry_max_ms]=1000)
	shift 2
	for kv in "$@"; do
		k=${kv%%=*}
		[ -v "val[$k]" ] || keys+=("$k")
		val[$k]=${kv#*=}
	done
	for s in agwd h248 limits timers relay tls metrics log; do
		any=
		for k in "${keys[@]}"; do
			[ "${k%%.*}" = "$s" ] && [ -n "${val[$k]}" ] || continue
			[ -n "$any" ] || echo "[$s]"
			any=1
			echo "${k#*.} = ${val[$k]}"
		done
	done
	lab_realms "$tag" "$port"
}

# lab_start_agwd: agwd -c $TMP/agwd.conf in GW, log in $TMP/agwd.log;
# AGWD_PID is agwd itself (nsenter execs it). Waits for its socket.
lab_start_agwd() {
	nsenter --net=/run/netns/"$GW" "$BUILD/agwd" -c "$TMP/agwd.conf" -f \
		>"$TMP/agwd.log" 2>&1 &
	AGWD_PID=$!
	T_PIDS+=($AGWD_PID)
	wait_for 30 '"$BUILD/helpers/agw_ctl_request" "$TMP/agwd.sock" status' ||
		die "agwd did not start"
}

# lab_setup_b2b TAG NET: two agwd namespaces in a chain, for back-to-back
# and scale-out tests: UE (10.NET.1.2) - TAG-a - GW (10.NET.1.1,
# 10.NET.3.1) - TAG-m / TAG-n - GW2 (10.NET.3.2, 10.NET.2.1) - TAG-c -
# CORE (10.NET.2.2). Sets GW, GW2, UE, CORE, UE_ADDR, CORE_ADDR, GW_MID_ADDR
# (10.NET.3.1) and GW2_MID_ADDR (10.NET.3.2): each namespace reaches the
# other's address, so an MGC in one can drive an agwd in the other.
lab_setup_b2b() {
	local tag=$1 net=$2 l
	GW=agw-$tag-$$-gw
	GW2=agw-$tag-$$-gw2
	UE=agw-$tag-$$-ue
	CORE=agw-$tag-$$-core
	UE_ADDR=10.$net.1.2
	CORE_ADDR=10.$net.2.2
	GW_MID_ADDR=10.$net.3.1
	GW2_MID_ADDR=10.$net.3.2
	netns_add "$GW"
	netns_add "$GW2"
	netns_add "$UE"
	netns_add "$CORE"
	ip link add $tag-a netns "$GW" type veth peer name $tag-ue netns "$UE"
	ip link add $tag-m netns "$GW" type veth peer name $tag-n netns "$GW2"
	ip link add $tag-c netns "$GW2" type veth peer name $tag-co netns "$CORE"
	ip -n "$GW" addr add 10.$net.1.1/24 dev $tag-a
	ip -n "$GW" addr add $GW_MID_ADDR/24 dev $tag-m
	ip -n "$GW2" addr add $GW2_MID_ADDR/24 dev $tag-n
	ip -n "$GW2" addr add 10.$net.2.1/24 dev $tag-c
	ip -n "$UE" addr add $UE_ADDR/24 dev $tag-ue
	ip -n "$CORE" addr add $CORE_ADDR/24 dev $tag-co
	for l in "$GW $tag-a" "$GW $tag-m" "$GW2 $tag-n" "$GW2 $tag-c" \
		"$UE $tag-ue" "$CORE $tag-co"; do
		set -- $l
		ip -n "$1" link set "$2" up
	done
	ip -n "$UE" route add default via 10.$net.1.1
	ip -n "$CORE" route add default via 10.$net.2.1
	ip -n "$GW" route add 10.$net.2.0/24 via $GW2_MID_ADDR
	ip -n "$GW2" route add 10.$net.1.0/24 via $GW_MID_ADDR
}

# lab_realms_if ACCESS_IF CORE_IF PORT: like lab_realms, on named
# interfaces (the b2b lab's GW: TAG-a and TAG-m; GW2: TAG-n and TAG-c).
lab_realms_if() {
	cat <<CONF
[realm access]
interface = $1
ports = $3-$(($3 + 99))
attach = xdp-generic
[realm core]
interface = $2
ports = $(($3 + 100))-$(($3 + 199))
attach = xdp-generic
CONF
}

# lab_start_agwd_as NAME NS: agwd -c $TMP/agwd-NAME.conf in namespace NS,
# log in $TMP/agwd-NAME.log; AGWD_PIDS[NAME] is agwd itself. The
# configuration's control_socket must be $TMP/agwd-NAME.sock (waited for).
declare -A AGWD_PIDS=()
lab_start_agwd_as() {
	nsenter --net=/run/netns/"$2" "$BUILD/agwd" -c "$TMP/agwd-$1.conf" -f \
		>"$TMP/agwd-$1.log" 2>&1 &
	AGWD_PIDS[$1]=$!
	T_PIDS+=($!)
	wait_for 30 "'$BUILD/helpers/agw_ctl_request' '$TMP/agwd-$1.sock' status" ||
		die "agwd $1 did not start"
}

# lab_add_ipv6 TAG NET: IPv6 beside IPv4 in a lab_setup lab: GW
# fd00:NET:1::1 (TAG-a) and fd00:NET:2::1 (TAG-c), the UE fd00:NET:1::2,
# the core peer fd00:NET:2::2 (no DAD, routes via GW). Sets UE_ADDR6,
# CORE_ADDR6, GW_ADDR6 (the access side: an MGC in GW may listen there).
lab_add_ipv6() {
	local tag=$1 net=$2
	UE_ADDR6=fd00:$net:1::2
	CORE_ADDR6=fd00:$net:2::2
	GW_ADDR6=fd00:$net:1::1
	ip -n "$GW" addr add $GW_ADDR6/64 dev $tag-a nodad
	ip -n "$GW" addr add fd00:$net:2::1/64 dev $tag-c nodad
	ip -n "$UE" addr add $UE_ADDR6/64 dev $tag-ue nodad
	ip -n "$CORE" addr add $CORE_ADDR6/64 dev $tag-co nodad
	ip -n "$UE" -6 route add default via $GW_ADDR6
	ip -n "$CORE" -6 route add default via fd00:$net:2::1
}
