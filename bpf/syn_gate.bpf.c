// SPDX-License-Identifier: GPL-2.0-only
/*
 * The SYN gate: decides, per termination, whether an incoming TCP SYN may
 * reach the socket, and guards the H.248 port(s): UDP datagrams and TCP
 * SYNs to them pass only from the configured MGCs. Only SYN-without-ACK
 * and UDP to a guarded port are judged; everything else leaves through
 * the shortest path we can prove (one flags test after parsing).
 *
 * Every drop is counted once, by reason (gate_maps.h), and may be
 * reported in the agw_drops ring buffer, rate-limited per CPU by a token
 * bucket so that a flood cannot swamp the reader.
 *
 * The same decision function serves XDP and TC ingress; the wrappers only
 * map the verdict.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "agw/gate_maps.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, AGW_TERMS_DEFAULT);
	__type(key, struct agw_term_key);
	__type(value, struct agw_term);
} agw_terms SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2 * AGW_TERMS_DEFAULT);
	__type(key, __u32);
	__type(value, struct agw_allow_list);
} agw_allow SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, AGW_TERMS_DEFAULT);
	__type(key, __u32);
	__type(value, struct agw_term_stats);
} agw_term_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct agw_gate_stats);
} agw_gate_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct agw_gate_cfg);
} agw_gate_cfg SEC(".maps");

/* Written by user space only; here so that they are created and pinned
 * with the others and their BTF types are known. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, struct agw_iface_key);
	__type(value, struct agw_iface);
} agw_ifaces SEC(".maps");

/* Slot ownership (slot -> termination key and owner), claimed with
 * BPF_NOEXIST so that two processes adding terminations never share
 * counters. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, AGW_TERMS_DEFAULT);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u32);
	__type(value, struct agw_slot_claim);
} agw_slots SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct agw_instance);
} agw_instance SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, AGW_H248_PEERS_MAX);
	__type(key, struct agw_h248_key);
	__type(value, struct agw_h248_peer);
} agw_h248_peers SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, AGW_DROPS_RING_BYTES);
} agw_drops SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct agw_mon_bucket);
} agw_mon_bucket SEC(".maps");

enum verdict {
	V_PASS = 0,
	V_DROP = 1,
};

#define VLAN_HLEN 4
#define IPV6_EXT_MAX 6 /* extension headers walked before giving up */
#define L4_OFF_MAX 512 /* headers end well below: beyond is malformed */
#define IP_MF 0x2000
#define IP_OFFSET 0x1fff
#define TCPF_SYN 0x02 /* flag bits in TCP header byte 13 */
#define TCPF_ACK 0x10
#define NO_SLOT 0xffffffffu
#define MON_RATE_MAX 1000000 /* user space enforces it too */

struct vlan_hdr {
	__be16 tci;
	__be16 proto;
};

struct ipv6_opt {
	__u8 nexthdr;
	__u8 hdrlen;
};

struct frag6 {
	__u8 nexthdr;
	__u8 reserved;
	__be16 frag_off; /* offset << 3 | M */
	__be32 id;
};

/* What parsing found. key is the destination (address, port). */
struct pkt {
	struct agw_term_key key;
	__u32 src[4];
	__be16 sport;
	__u8 proto; /* IPPROTO_TCP or IPPROTO_UDP once parsed */
	__u8 flags; /* TCP header byte 13 */
	__u8 fragmented; /* the L4 header sits in a first fragment */
	__u8 l4_err; /* TCP options run past the packet */
};

enum parse_result {
	P_NOT_OURS = 0, /* pass untouched */
	P_L4 = 1, /* TCP or UDP header parsed into pkt */
	P_MALFORMED = -1, /* drop */
};

static __always_inline struct agw_gate_stats *gstats(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&agw_gate_stats, &zero);
}

#define GCOUNT(field)                                  \
	do {                                           \
		struct agw_gate_stats *gs_ = gstats(); \
		if (gs_)                               \
			gs_->field++;                  \
	} while (0)

static __always_inline struct agw_gate_cfg *gcfg(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&agw_gate_cfg, &zero);
}

/*
 * Writes a drop record when the CPU's token bucket has credit. Called on
 * drop paths only; not inlined, as it is the same code on each of them.
 */
static __noinline void report(const struct pkt *p, __u32 reason, __u32 slot)
{
	struct agw_gate_cfg *cfg = gcfg();
	struct agw_mon_bucket *b;
	struct agw_drop_rec *r;
	__u64 now, elapsed, credit, cap, hz, rate;
	__u32 zero = 0;

	if (!cfg || !cfg->mon_rate)
		return;
	b = bpf_map_lookup_elem(&agw_mon_bucket, &zero);
	if (!b)
		return;
	hz = cfg->hz ? cfg->hz : 1000;
	if (hz > 10000)
		hz = 10000;
	rate = cfg->mon_rate > MON_RATE_MAX ? MON_RATE_MAX : cfg->mon_rate;
	cap = (cfg->mon_burst ? cfg->mon_burst : 1);
	if (cap > MON_RATE_MAX)
		cap = MON_RATE_MAX;
	cap *= hz;
	now = bpf_jiffies64();
	elapsed = now - b->last_jiffies;
	b->last_jiffies = now;
	if (elapsed > cap)
		elapsed = cap; /* keeps elapsed * rate far from overflow */
	credit = b->credit + elapsed * rate;
	if (credit > cap)
		credit = cap;
	if (credit < hz) {
		b->credit = credit;
		b->suppressed++;
		GCOUNT(mon_suppressed);
		return;
	}
	b->credit = credit - hz;
	r = bpf_ringbuf_reserve(&agw_drops, sizeof(*r), 0);
	if (!r) {
		b->suppressed++;
		GCOUNT(mon_ring_full);
		return;
	}
	r->time_ns = bpf_ktime_get_ns();
	__builtin_memcpy(r->src, p->src, 16);
	__builtin_memcpy(r->dst, p->key.addr, 16);
	r->sport = p->sport;
	r->dport = p->key.port;
	r->reason = reason;
	r->slot = slot;
	r->suppressed = b->suppressed;
	r->proto = p->proto;
	__builtin_memset(r->pad, 0, sizeof(r->pad));
	b->suppressed = 0;
	bpf_ringbuf_submit(r, 0);
	GCOUNT(mon_records);
}

static __always_inline int parse_l4(void *data, void *end, __u32 off,
				    struct pkt *p)
{
	if (off > L4_OFF_MAX)
		return P_MALFORMED;
	if (p->proto == IPPROTO_UDP) {
		struct udphdr *uh = data + off;

		if ((void *)(uh + 1) > end)
			return P_MALFORMED;
		p->key.port = uh->dest;
		p->sport = uh->source;
		return P_L4;
	}
	struct tcphdr *th = data + off;

	/* The flags live in byte 13; a header too short to hold them, or a
	 * data offset below 5 words, is malformed. */
	if ((void *)(th + 1) > end)
		return P_MALFORMED;
	if (th->doff < 5)
		return P_MALFORMED;
	p->key.port = th->dest;
	p->sport = th->source;
	p->flags = ((__u8 *)th)[13];
	/* options truncated: judged once we know it is a SYN */
	if (data + off + th->doff * 4 > end)
		p->l4_err = 1;
	return P_L4;
}

static __always_inline int parse(void *data, void *end, struct pkt *p)
{
	struct ethhdr *eth = data;
	__u32 off = sizeof(*eth);
	__be16 proto;
	int i;

	if ((void *)(eth + 1) > end)
		return P_NOT_OURS;
	proto = eth->h_proto;
#pragma unroll
	for (i = 0; i < 2; i++) {
		struct vlan_hdr *vh = data + off;

		if (proto != bpf_htons(ETH_P_8021Q) &&
		    proto != bpf_htons(ETH_P_8021AD))
			break;
		if ((void *)(vh + 1) > end)
			return P_MALFORMED;
		proto = vh->proto;
		off += VLAN_HLEN;
	}

	if (proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *iph = data + off;
		__u32 ihl;

		if ((void *)(iph + 1) > end)
			return P_MALFORMED;
		if (iph->protocol != IPPROTO_TCP &&
		    iph->protocol != IPPROTO_UDP)
			return P_NOT_OURS;
		ihl = iph->ihl * 4;
		if (iph->version != 4 || ihl < sizeof(*iph))
			return P_MALFORMED;
		if (iph->frag_off & bpf_htons(IP_MF | IP_OFFSET)) {
			GCOUNT(fragments);
			if (iph->frag_off & bpf_htons(IP_OFFSET))
				return P_NOT_OURS;
			p->fragmented = 1;
		}
		if (data + off + ihl > end)
			return P_MALFORMED;
		p->key.addr[10] = 0xff;
		p->key.addr[11] = 0xff;
		__builtin_memcpy(&p->key.addr[12], &iph->daddr, 4);
		p->src[2] = bpf_htonl(0xffff);
		p->src[3] = iph->saddr;
		p->proto = iph->protocol;
		off += ihl;
	} else if (proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = data + off;
		__u8 nh;

		if ((void *)(ip6 + 1) > end)
			return P_MALFORMED;
		nh = ip6->nexthdr;
		__builtin_memcpy(p->key.addr, &ip6->daddr, 16);
		__builtin_memcpy(p->src, &ip6->saddr, 16);
		off += sizeof(*ip6);
		for (i = 0; i < IPV6_EXT_MAX; i++) {
			if (nh == IPPROTO_TCP || nh == IPPROTO_UDP)
				break;
			if (nh == IPPROTO_FRAGMENT) {
				struct frag6 *fh = data + off;

				if ((void *)(fh + 1) > end)
					return P_MALFORMED;
				GCOUNT(fragments);
				if (fh->frag_off & bpf_htons(0xfff8))
					return P_NOT_OURS;
				p->fragmented = 1;
				nh = fh->nexthdr;
				off += sizeof(*fh);
			} else if (nh == IPPROTO_HOPOPTS ||
				   nh == IPPROTO_ROUTING ||
				   nh == IPPROTO_DSTOPTS) {
				struct ipv6_opt *oh = data + off;

				if ((void *)(oh + 1) > end)
					return P_MALFORMED;
				nh = oh->nexthdr;
				off += (oh->hdrlen + 1) * 8;
			} else {
				return P_NOT_OURS;
			}
		}
		if (nh != IPPROTO_TCP && nh != IPPROTO_UDP)
			return P_NOT_OURS;
		p->proto = nh;
	} else {
		return P_NOT_OURS;
	}
	return parse_l4(data, end, off, p);
}

static __always_inline int allowed(const struct agw_term *t,
				   const struct pkt *p)
{
	struct agw_allow_list *al;
	__u32 idx = t->allow_idx;
	__u16 sport = bpf_ntohs(p->sport);
	int i;

	al = bpf_map_lookup_elem(&agw_allow, &idx);
	if (!al)
		return 0;
#pragma unroll
	for (i = 0; i < AGW_ALLOW_MAX; i++) {
		struct agw_allow_rule *r = &al->rules[i];

		if ((__u32)i >= al->count)
			break;
		if (((p->src[0] & r->mask[0]) ^ r->addr[0]) |
		    ((p->src[1] & r->mask[1]) ^ r->addr[1]) |
		    ((p->src[2] & r->mask[2]) ^ r->addr[2]) |
		    ((p->src[3] & r->mask[3]) ^ r->addr[3]))
			continue;
		if (sport >= r->port_lo && sport <= r->port_hi)
			return 1;
	}
	return 0;
}

static __always_inline void account(const struct agw_term *t,
				    const struct pkt *p, __u32 why)
{
	struct agw_term_stats *st;
	__u32 slot = t->slot;

	st = bpf_map_lookup_elem(&agw_term_stats, &slot);
	if (!st)
		return;
	if (why == AGW_DROP_NONE)
		st->syn_admitted++;
	else if (why == AGW_DROP_IGNORE)
		st->drop_ignore++;
	else if (why == AGW_DROP_FILTER)
		st->drop_filter++;
	else if (why == AGW_DROP_FRAGMENT)
		st->drop_fragment++;
	else
		st->drop_parse++;
	/* jiffies, not ktime: reading the clock cost as much as the whole
	 * decision (bench/gate_cost.c); lib/gate_clock.c converts. */
	st->last_syn_jiffies = bpf_jiffies64();
	__builtin_memcpy(st->last_src, p->src, 16);
	st->last_sport = p->sport;
	st->last_admitted = why == AGW_DROP_NONE;
	st->last_reason = why;
}

/* A SYN to a termination: its mode decides. */
static __always_inline enum verdict judge(const struct agw_term *t,
					  const struct pkt *p)
{
	__u32 why;

	if (p->fragmented)
		why = AGW_DROP_FRAGMENT;
	else if (p->l4_err)
		why = AGW_DROP_PARSE;
	else if (t->mode == AGW_MODE_OPEN)
		why = AGW_DROP_NONE;
	else if (t->mode == AGW_MODE_FILTER)
		why = allowed(t, p) ? AGW_DROP_NONE : AGW_DROP_FILTER;
	else
		why = AGW_DROP_IGNORE;
	account(t, p, why);
	if (why == AGW_DROP_NONE)
		return V_PASS;
	report(p, why, t->slot);
	return V_DROP;
}

static __always_inline int h248_guarded(const struct agw_gate_cfg *cfg,
					__be16 port)
{
	/* 0 marks an unused slot, so port 0 is never guarded */
	return port &&
	       (port == cfg->h248_port[0] || port == cfg->h248_port[1] ||
		port == cfg->h248_port[2] || port == cfg->h248_port[3]);
}

/* A TCP SYN to a guarded H.248 port: only from an MGC address. */
static __always_inline enum verdict h248_syn(const struct pkt *p)
{
	struct agw_h248_key k = {};

	__builtin_memcpy(k.addr, p->src, 16);
	if (bpf_map_lookup_elem(&agw_h248_peers, &k))
		return V_PASS;
	GCOUNT(h248_syn_foreign_addr);
	report(p, AGW_DROP_H248_ADDR, NO_SLOT);
	return V_DROP;
}

/* A UDP datagram: judged only when it goes to a guarded H.248 port. */
static __always_inline enum verdict h248_udp(const struct pkt *p)
{
	struct agw_gate_cfg *cfg = gcfg();
	struct agw_h248_peer *peer;
	struct agw_h248_key k = {};

	if (!cfg || !h248_guarded(cfg, p->key.port))
		return V_PASS;
	__builtin_memcpy(k.addr, p->src, 16);
	/* source port 0 would hit the address entry */
	if (p->sport) {
		k.port = p->sport;
		if (bpf_map_lookup_elem(&agw_h248_peers, &k))
			return V_PASS;
		k.port = 0;
	}
	peer = bpf_map_lookup_elem(&agw_h248_peers, &k);
	if (peer && peer->any_port)
		return V_PASS;
	if (peer) {
		GCOUNT(h248_udp_foreign_port);
		report(p, AGW_DROP_H248_PORT, NO_SLOT);
	} else {
		GCOUNT(h248_udp_foreign_addr);
		report(p, AGW_DROP_H248_ADDR, NO_SLOT);
	}
	return V_DROP;
}

/* A SYN no termination owns: the H.248 guard, then the media range. */
static __always_inline enum verdict no_term(const struct pkt *p)
{
	struct agw_gate_cfg *cfg = gcfg();
	__u16 dport = bpf_ntohs(p->key.port);
	__u32 why;

	if (!cfg) {
		GCOUNT(syns_outside_range);
		return V_PASS;
	}
	if (h248_guarded(cfg, p->key.port))
		return h248_syn(p);
	if (!cfg->port_max || dport < cfg->port_min || dport > cfg->port_max) {
		GCOUNT(syns_outside_range);
		return V_PASS;
	}
	if (cfg->flags & AGW_CFG_RANGE_OPEN)
		return V_PASS;
	if (p->fragmented) {
		GCOUNT(fragmented_syn_drops);
		why = AGW_DROP_FRAGMENT;
	} else if (p->l4_err) {
		GCOUNT(parse_errors);
		why = AGW_DROP_PARSE;
	} else {
		GCOUNT(no_term_drops);
		why = AGW_DROP_NO_TERM;
	}
	report(p, why, NO_SLOT);
	return V_DROP;
}

static __always_inline enum verdict gate(void *data, void *end)
{
	struct pkt p = {};
	struct agw_term *t;
	int r;

	r = parse(data, end, &p);
	if (r == P_NOT_OURS)
		return V_PASS;
	if (r == P_MALFORMED) {
		GCOUNT(parse_errors);
		report(&p, AGW_DROP_PARSE, NO_SLOT);
		return V_DROP;
	}
	if (p.proto == IPPROTO_UDP)
		return h248_udp(&p);
	if ((p.flags & (TCPF_SYN | TCPF_ACK)) != TCPF_SYN)
		return V_PASS;
	t = bpf_map_lookup_elem(&agw_terms, &p.key);
	if (!t)
		return no_term(&p);
	return judge(t, &p);
}

SEC("xdp")
int agw_xdp_gate(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;

	return gate(data, end) == V_DROP ? XDP_DROP : XDP_PASS;
}

/*
 * Not attached anywhere: user space runs it through BPF_PROG_TEST_RUN to
 * read jiffies and CLOCK_MONOTONIC at the same instant, which turns the
 * counters' jiffies into time.
 */
SEC("xdp")
int agw_xdp_clock(struct xdp_md *ctx)
{
	__u64 *p = (void *)(long)ctx->data;

	if ((void *)(p + 2) > (void *)(long)ctx->data_end)
		return XDP_ABORTED;
	p[0] = bpf_jiffies64();
	p[1] = bpf_ktime_get_ns();
	return XDP_PASS;
}

SEC("tc")
int agw_tc_gate(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *end = (void *)(long)skb->data_end;

	/* Headers may sit in paged data (GRO, tunnels); pull what parsing
	 * can need. Only taken when the linear part is short. */
	if (end - data < 128 && skb->len > (__u32)(end - data)) {
		bpf_skb_pull_data(skb, skb->len < 128 ? skb->len : 128);
		data = (void *)(long)skb->data;
		end = (void *)(long)skb->data_end;
	}
	return gate(data, end) == V_DROP ? TC_ACT_SHOT : TC_ACT_OK;
}
