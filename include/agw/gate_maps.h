/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * SYN gate maps: the one definition of every key and value shared by the
 * BPF program (bpf/syn_gate.bpf.c) and user space (lib/gate*.c, agwctl).
 *
 * Byte order, everywhere in these maps:
 * - Addresses are always 16 bytes in network order: IPv4 is stored
 *   IPv4-mapped (::ffff:a.b.c.d), so one key type and one compare serve
 *   both families.
 * - Ports are network order (__be16) in keys, in the H.248 guard's port
 *   list and in drop records, as they sit in the packet; host order
 *   (__u16) in allow rules and in agw_gate_cfg's media range, which the
 *   data path compares after one conversion.
 * - Everything else (counters, slots, ids, times) is host order.
 *
 * Enums are stored in members of the enum's own type (4 bytes), so that
 * BTF carries the names and "bpftool map dump" prints "AGW_MODE_FILTER"
 * rather than 2. Counters are named struct members for the same reason.
 */
#ifndef AGW_GATE_MAPS_H
#define AGW_GATE_MAPS_H

#include <linux/types.h>

#define AGW_PIN_DIR "/sys/fs/bpf/agw"

/* Map names as the kernel sees them (BPF_OBJ_NAME_LEN is 16 with NUL). */
#define AGW_MAP_TERMS "agw_terms"
#define AGW_MAP_ALLOW "agw_allow"
#define AGW_MAP_TSTATS "agw_term_stats"
#define AGW_MAP_GSTATS "agw_gate_stats"
#define AGW_MAP_CONFIG "agw_gate_cfg"
#define AGW_MAP_IFACES "agw_ifaces"
#define AGW_MAP_SLOTS "agw_slots"
#define AGW_MAP_INSTANCE "agw_instance"
#define AGW_MAP_H248 "agw_h248_peers"
#define AGW_MAP_DROPS "agw_drops"
#define AGW_MAP_BUCKET "agw_mon_bucket"

#define AGW_TERMS_DEFAULT 131072
/* Allow rules per termination: H.248 gm gives one address/mask and one
 * port range per stream, SDP one remote; 4 leaves room and keeps the
 * compare loop short. */
#define AGW_ALLOW_MAX 4
/* H.248 ports the guard protects (UDP and TCP alike) and MGCs it admits;
 * an MGC takes two agw_h248_peers entries, and a change briefly holds the
 * old and the new list. */
#define AGW_H248_PORTS_MAX 4
#define AGW_H248_MGC_MAX 32
#define AGW_H248_PEERS_MAX (4 * AGW_H248_MGC_MAX)
/* Drop-record ring: 4096 records of 64 bytes. */
#define AGW_DROPS_RING_BYTES (256 * 1024)

enum agw_gate_mode {
	AGW_MODE_OPEN = 0, /* admit every SYN: immediate establishment */
	AGW_MODE_IGNORE = 1, /* drop every SYN: delayed establishment */
	AGW_MODE_FILTER = 2, /* admit only SYNs matching the allow list */
	AGW_MODE_MAX,
};

/*
 * Who owns a gate entry, an attachment or a slot claim. An agwd instance
 * is alive while it holds the pin directory's lock (lib/gate_owner.c) and
 * agw_instance names it; anything owned by another agwd instance belongs
 * to a dead one and is removed by the next agwd's reconcile.
 */
enum agw_owner_kind {
	AGW_OWNER_NONE = 0, /* not recorded: treated as the operator's */
	AGW_OWNER_OPERATOR = 1, /* agwctl gate term add: kept across restarts */
	AGW_OWNER_AGWD = 2, /* an agwd instance */
};

struct agw_owner {
	__u64 instance; /* AGWD: random id drawn at its start */
	__u32 generation; /* AGWD: its start count on this pin directory */
	enum agw_owner_kind kind;
};

struct agw_term_key {
	__u8 addr[16]; /* local address, IPv4-mapped for IPv4 */
	__be16 port; /* local TCP port */
	__u16 pad; /* must be zero */
};

struct agw_term {
	enum agw_gate_mode mode;
	__u32 slot; /* index into agw_term_stats */
	__u32 allow_idx; /* index into agw_allow: 2 * slot + generation */
	__u32 pad;
	struct agw_owner owner; /* user space only */
};

/*
 * One allowed remote: (src & mask) == addr and port_lo <= sport <= port_hi.
 * An exact address has an all-ones mask; "any port" is 0..65535.
 */
struct agw_allow_rule {
	__u32 addr[4]; /* network order words, already masked */
	__u32 mask[4];
	__u16 port_lo; /* host order */
	__u16 port_hi;
};

/*
 * Each termination owns two agw_allow entries and flips between them, so a
 * list is never rewritten while the data path may read it: user space
 * writes the idle copy, then points agw_term.allow_idx at it.
 */
struct agw_allow_list {
	__u32 count;
	struct agw_allow_rule rules[AGW_ALLOW_MAX];
};

/* Why a packet was dropped: the per-termination and global counters,
 * drop records and agwctl all use these. */
enum agw_drop_reason {
	AGW_DROP_NONE = 0, /* admitted (in last_reason: the last SYN passed) */
	AGW_DROP_NO_TERM = 1, /* SYN into the media range, no termination */
	AGW_DROP_IGNORE = 2, /* termination in ignore mode */
	AGW_DROP_FILTER = 3, /* filter mode, no allow rule matched */
	AGW_DROP_FRAGMENT = 4, /* SYN in the first fragment of an IP packet */
	AGW_DROP_PARSE = 5, /* malformed or truncated IP/TCP/UDP header */
	AGW_DROP_H248_ADDR = 6, /* to an H.248 port from a non-MGC address */
	AGW_DROP_H248_PORT = 7, /* UDP from an MGC address, wrong port */
	AGW_DROP_MAX,
};

/* Per-CPU, per termination; user space sums the counters and takes the
 * newest last_*. The sum of the drop_* members is the SYNs dropped. */
struct agw_term_stats {
	__u64 syn_admitted;
	__u64 drop_ignore; /* AGW_DROP_IGNORE */
	__u64 drop_filter; /* AGW_DROP_FILTER */
	__u64 drop_fragment; /* AGW_DROP_FRAGMENT */
	__u64 drop_parse; /* AGW_DROP_PARSE: TCP options past the packet */
	__u64 last_syn_jiffies; /* jiffies64 at the last SYN */
	__u8 last_src[16];
	__be16 last_sport;
	__u8 last_admitted; /* verdict of the last SYN */
	__u8 last_reason; /* enum agw_drop_reason of the last SYN */
	__u8 pad[4];
};

/*
 * Per-CPU global counters. Each dropped packet is counted once, by
 * reason: here when no termination owns it, else in its agw_term_stats.
 */
struct agw_gate_stats {
	__u64 parse_errors; /* malformed IP/TCP/UDP, or a truncated SYN into
			     * the media range: dropped */
	__u64 no_term_drops; /* SYN into the media range, no termination */
	__u64 fragments; /* IP fragments seen (event, not a verdict) */
	__u64 fragmented_syn_drops; /* SYN in a fragment, no termination */
	__u64 syns_outside_range; /* SYN outside the media range: passed */
	__u64 h248_udp_foreign_addr; /* guard: UDP from a non-MGC address */
	__u64 h248_udp_foreign_port; /* guard: UDP from an MGC address,
				      * another port */
	__u64 h248_syn_foreign_addr; /* guard: TCP SYN from a non-MGC address */
	__u64 mon_records; /* drop records written to agw_drops */
	__u64 mon_suppressed; /* drop records the token bucket withheld */
	__u64 mon_ring_full; /* drop records lost: nobody reading */
};

enum agw_cfg_flags {
	/* SYNs into the media range with no termination pass instead of
	 * being dropped. */
	AGW_CFG_RANGE_OPEN = 1 << 0,
};

struct agw_gate_cfg {
	__u16 port_min; /* media port range, host order, inclusive */
	__u16 port_max;
	__u32 flags; /* enum agw_cfg_flags */
	/* Drop records: a token bucket per CPU, mon_rate records per second
	 * and up to mon_burst at once; 0 turns them off. */
	__u32 mon_rate;
	__u32 mon_burst;
	__u32 hz; /* the kernel's HZ, for the bucket (written by user space) */
	/* H.248 guard: UDP datagrams and TCP SYNs to these ports are
	 * admitted only from agw_h248_peers; 0 marks an unused slot. */
	__be16 h248_port[AGW_H248_PORTS_MAX];
	__u32 pad;
};

/* agw_instance[0]: the agwd instance that holds (or last held) the pin
 * directory's lock. User space only. */
struct agw_instance {
	__u64 instance; /* 0: no agwd has run on these pins */
	__u32 generation; /* incremented by each agwd start */
	__u32 pid;
	__u64 started_ns; /* CLOCK_REALTIME of the start */
};

/*
 * agw_h248_peers: the MGCs the guard admits. A UDP datagram is admitted
 * when (source address, source port) is a key; a TCP SYN when (source
 * address, 0) is. User space writes both for every MGC; any_port in the
 * (address, 0) entry admits UDP from any source port of that address.
 */
struct agw_h248_key {
	__u8 addr[16];
	__be16 port; /* 0: the address entry */
	__u16 pad;
};

struct agw_h248_peer {
	__u32 any_port;
};

/* One drop record in the agw_drops ring buffer. */
struct agw_drop_rec {
	__u64 time_ns; /* CLOCK_MONOTONIC (bpf_ktime_get_ns) */
	__u8 src[16];
	__u8 dst[16];
	__be16 sport;
	__be16 dport;
	enum agw_drop_reason reason;
	__u32 slot; /* termination's slot; ~0 when none */
	__u32 suppressed; /* records this CPU withheld since the last one */
	__u8 proto; /* IPPROTO_TCP or IPPROTO_UDP; 0 when unknown */
	__u8 pad[7];
};

/* agw_mon_bucket[0], per CPU: the drop records' token bucket. Credit is
 * counted in 1/hz of a record: each jiffy adds mon_rate, a record costs
 * hz, so no division runs in the data path. */
struct agw_mon_bucket {
	__u64 last_jiffies;
	__u64 credit;
	__u64 suppressed;
};

enum agw_attach_mode {
	AGW_ATTACH_NONE = 0,
	AGW_ATTACH_XDP_NATIVE = 1,
	AGW_ATTACH_XDP_GENERIC = 2,
	AGW_ATTACH_TC = 3, /* clsact + cls_bpf direct-action */
	AGW_ATTACH_TCX = 4, /* tcx link, kernel >= 6.6 */
	AGW_ATTACH_TC_AUTO = 5, /* request only: tcx, else clsact */
	AGW_ATTACH_XDP_MULTI = 6, /* one program of libxdp's dispatcher */
};

enum agw_iface_flags {
	/* we created clsact: remove it at detach */
	AGW_IFACE_OWN_QDISC = 1 << 0,
	/* XDP_MULTI: the dispatcher runs in generic (skb) mode */
	AGW_IFACE_SKB_MODE = 1 << 1,
};

/* agw_ifaces: where the gate is attached, for show, detach and unload.
 * An ifindex means nothing outside its network namespace. */
struct agw_iface_key {
	__u64 netns; /* inode of the network namespace */
	__u32 ifindex;
	__u32 pad;
};

struct agw_iface {
	enum agw_attach_mode mode;
	__u32 prog_id;
	__u32 flags; /* enum agw_iface_flags */
	__u32 pad;
	char ifname[16];
	struct agw_owner owner;
};

/* agw_slots: slot -> the termination that claimed it, and its owner. */
struct agw_slot_claim {
	struct agw_term_key key;
	__u32 pad;
	struct agw_owner owner;
};

#ifndef __bpf__
#include <stddef.h>
#define AGW_ASSERT_LAYOUT(type, size) \
	_Static_assert(sizeof(type) == (size), #type " size")
AGW_ASSERT_LAYOUT(enum agw_gate_mode, 4);
AGW_ASSERT_LAYOUT(struct agw_owner, 16);
AGW_ASSERT_LAYOUT(struct agw_term_key, 20);
AGW_ASSERT_LAYOUT(struct agw_term, 32);
AGW_ASSERT_LAYOUT(struct agw_allow_rule, 36);
AGW_ASSERT_LAYOUT(struct agw_allow_list, 4 + 36 * AGW_ALLOW_MAX);
AGW_ASSERT_LAYOUT(struct agw_term_stats, 72);
AGW_ASSERT_LAYOUT(struct agw_gate_stats, 8 * 11);
AGW_ASSERT_LAYOUT(struct agw_gate_cfg, 32);
AGW_ASSERT_LAYOUT(struct agw_instance, 24);
AGW_ASSERT_LAYOUT(struct agw_h248_key, 20);
AGW_ASSERT_LAYOUT(struct agw_drop_rec, 64);
AGW_ASSERT_LAYOUT(struct agw_mon_bucket, 24);
AGW_ASSERT_LAYOUT(struct agw_iface_key, 16);
AGW_ASSERT_LAYOUT(struct agw_iface, 48);
AGW_ASSERT_LAYOUT(struct agw_slot_claim, 40);
_Static_assert(offsetof(struct agw_term_key, port) == 16, "key port");
_Static_assert(offsetof(struct agw_term, slot) == 4, "term slot");
_Static_assert(offsetof(struct agw_term, owner) == 16, "term owner");
_Static_assert(offsetof(struct agw_allow_rule, port_lo) == 32, "rule port");
_Static_assert(offsetof(struct agw_term_stats, last_src) == 48, "last_src");
_Static_assert(offsetof(struct agw_gate_cfg, h248_port) == 20, "h248_port");
_Static_assert(offsetof(struct agw_drop_rec, reason) == 44, "rec reason");
_Static_assert(offsetof(struct agw_slot_claim, owner) == 24, "claim owner");
#endif

#endif /* AGW_GATE_MAPS_H */
