/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * SYN gate maps: the one definition of every key and value shared by the
 * BPF program (bpf/syn_gate.bpf.c) and user space (lib/gate.c, agwctl).
 *
 * Addresses are always 16 bytes: IPv4 is stored IPv4-mapped
 * (::ffff:a.b.c.d), so one key type and one compare serve both families.
 * Ports are in network byte order in keys and rules, host order elsewhere.
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

#define AGW_TERMS_DEFAULT 131072
/* Allow rules per termination: H.248 gm gives one address/mask and one
 * port range per stream, SDP one remote; 4 leaves room and keeps the
 * compare loop short. */
#define AGW_ALLOW_MAX 4

enum agw_gate_mode {
	AGW_MODE_OPEN = 0, /* admit every SYN: immediate establishment */
	AGW_MODE_IGNORE = 1, /* drop every SYN: delayed establishment */
	AGW_MODE_FILTER = 2, /* admit only SYNs matching the allow list */
	AGW_MODE_MAX,
};

struct agw_term_key {
	__u8 addr[16]; /* local address, IPv4-mapped for IPv4 */
	__be16 port; /* local TCP port */
	__u16 pad; /* must be zero */
};

struct agw_term {
	__u8 mode; /* enum agw_gate_mode */
	__u8 pad[3];
	__u32 slot; /* index into agw_term_stats */
	__u32 allow_idx; /* index into agw_allow: 2 * slot + generation */
	__u32 pad2;
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

/* Per-CPU; user space sums the counters and takes the newest last_*. */
struct agw_term_stats {
	__u64 syn_admitted;
	__u64 syn_dropped;
	__u64 last_syn_jiffies; /* jiffies64 at the last SYN */
	__u8 last_src[16];
	__be16 last_sport;
	__u8 last_admitted; /* verdict of the last SYN */
	__u8 pad[5];
};

enum agw_gate_counter {
	AGW_G_PARSE_ERR = 0, /* malformed or truncated IP/TCP: dropped */
	AGW_G_NO_TERM_DROP, /* SYN into the media range, no termination */
	AGW_G_FRAGMENTS, /* IP fragments seen */
	AGW_G_FRAG_SYN_DROP, /* SYN carried in a fragment: dropped */
	AGW_G_SYN_PASS_OTHER, /* SYNs outside the media range, passed */
	AGW_G_MAX,
};

struct agw_gate_stats {
	__u64 c[AGW_G_MAX];
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
};

enum agw_attach_mode {
	AGW_ATTACH_NONE = 0,
	AGW_ATTACH_XDP_NATIVE = 1,
	AGW_ATTACH_XDP_GENERIC = 2,
	AGW_ATTACH_TC = 3, /* clsact + cls_bpf direct-action */
	AGW_ATTACH_TCX = 4, /* tcx link, kernel >= 6.6 */
	AGW_ATTACH_TC_AUTO = 5, /* request only: tcx, else clsact */
};

enum agw_iface_flags {
	/* we created clsact: remove it at detach */
	AGW_IFACE_OWN_QDISC = 1 << 0,
};

/* agw_ifaces: where the gate is attached, for show, detach and unload.
 * An ifindex means nothing outside its network namespace. */
struct agw_iface_key {
	__u64 netns; /* inode of the network namespace */
	__u32 ifindex;
	__u32 pad;
};

struct agw_iface {
	__u32 mode; /* enum agw_attach_mode */
	__u32 prog_id;
	__u32 flags; /* enum agw_iface_flags */
	__u32 pad;
	char ifname[16];
};

#ifndef __bpf__
#include <stddef.h>
#define AGW_ASSERT_LAYOUT(type, size) \
	_Static_assert(sizeof(type) == (size), #type " size")
AGW_ASSERT_LAYOUT(struct agw_term_key, 20);
AGW_ASSERT_LAYOUT(struct agw_term, 16);
AGW_ASSERT_LAYOUT(struct agw_allow_rule, 36);
AGW_ASSERT_LAYOUT(struct agw_allow_list, 4 + 36 * AGW_ALLOW_MAX);
AGW_ASSERT_LAYOUT(struct agw_term_stats, 48);
AGW_ASSERT_LAYOUT(struct agw_gate_stats, 8 * AGW_G_MAX);
AGW_ASSERT_LAYOUT(struct agw_gate_cfg, 8);
AGW_ASSERT_LAYOUT(struct agw_iface_key, 16);
AGW_ASSERT_LAYOUT(struct agw_iface, 32);
_Static_assert(offsetof(struct agw_term_key, port) == 16, "key port");
_Static_assert(offsetof(struct agw_term, slot) == 4, "term slot");
_Static_assert(offsetof(struct agw_allow_rule, port_lo) == 32, "rule port");
_Static_assert(offsetof(struct agw_term_stats, last_src) == 24, "last_src");
#endif

#endif /* AGW_GATE_MAPS_H */
