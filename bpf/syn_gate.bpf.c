// SPDX-License-Identifier: GPL-2.0-only
/*
 * The SYN gate: decides, per termination, whether an incoming TCP SYN may
 * reach the socket. Only SYN-without-ACK is gated; everything else leaves
 * through the shortest path we can prove (one flags test after parsing).
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

/* Written by user space only; here so that it is created and pinned with
 * the others and its BTF type is known. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, struct agw_iface_key);
	__type(value, struct agw_iface);
} agw_ifaces SEC(".maps");

/* Slot ownership (slot -> termination key), claimed with BPF_NOEXIST so
 * that two processes adding terminations never share counters. User space
 * only. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, AGW_TERMS_DEFAULT);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u32);
	__type(value, struct agw_term_key);
} agw_slots SEC(".maps");

enum verdict {
	V_PASS = 0,
	V_DROP = 1,
};

#define VLAN_HLEN 4
#define IPV6_EXT_MAX 6 /* extension headers walked before giving up */
#define IP_MF 0x2000
#define TCPF_SYN 0x02 /* flag bits in TCP header byte 13 */
#define TCPF_ACK 0x10
#define IP_OFFSET 0x1fff

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

static __always_inline void count(__u32 idx)
{
	__u32 zero = 0;
	struct agw_gate_stats *gs = bpf_map_lookup_elem(&agw_gate_stats, &zero);

	if (gs && idx < AGW_G_MAX)
		gs->c[idx]++;
}

/* A non-first fragment carries no TCP header: it is passed (the stack
 * cannot reassemble it without the first one, which we judge). */
struct l4 {
	struct agw_term_key key;
	__u32 src[4];
	__be16 sport;
	__u8 flags;
	__u8 fragmented; /* the TCP header sits in a first fragment */
};

static __always_inline int parse_tcp(void *data, void *end, __u32 off,
				     struct l4 *l)
{
	struct tcphdr *th = data + off;

	/* The flags live in byte 13; a header too short to hold them, or a
	 * data offset below 5 words, is malformed. */
	if ((void *)(th + 1) > end)
		return -1;
	if (th->doff < 5)
		return -1;
	l->key.port = th->dest;
	l->sport = th->source;
	l->flags = ((__u8 *)th)[13];
	if (data + off + th->doff * 4 > end)
		return -2; /* options truncated: judged once we know it is a SYN */
	return 0;
}

/*
 * Returns 1 for "TCP header parsed into l", 0 for "not ours, pass",
 * -1 for "malformed IP/TCP, drop".
 */
static __always_inline int parse(void *data, void *end, struct l4 *l,
				 int *tcp_err)
{
	struct ethhdr *eth = data;
	__u32 off = sizeof(*eth);
	__be16 proto;
	int i;

	if ((void *)(eth + 1) > end)
		return 0;
	proto = eth->h_proto;
#pragma unroll
	for (i = 0; i < 2; i++) {
		struct vlan_hdr *vh = data + off;

		if (proto != bpf_htons(ETH_P_8021Q) &&
		    proto != bpf_htons(ETH_P_8021AD))
			break;
		if ((void *)(vh + 1) > end)
			return -1;
		proto = vh->proto;
		off += VLAN_HLEN;
	}

	if (proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *iph = data + off;
		__u32 ihl;

		if ((void *)(iph + 1) > end)
			return -1;
		if (iph->protocol != IPPROTO_TCP)
			return 0;
		ihl = iph->ihl * 4;
		if (iph->version != 4 || ihl < sizeof(*iph))
			return -1;
		if (iph->frag_off & bpf_htons(IP_MF | IP_OFFSET)) {
			count(AGW_G_FRAGMENTS);
			if (iph->frag_off & bpf_htons(IP_OFFSET))
				return 0;
			l->fragmented = 1;
		}
		if (data + off + ihl > end)
			return -1;
		l->key.addr[10] = 0xff;
		l->key.addr[11] = 0xff;
		__builtin_memcpy(&l->key.addr[12], &iph->daddr, 4);
		l->src[2] = bpf_htonl(0xffff);
		l->src[3] = iph->saddr;
		off += ihl;
	} else if (proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = data + off;
		__u8 nh;

		if ((void *)(ip6 + 1) > end)
			return -1;
		nh = ip6->nexthdr;
		__builtin_memcpy(l->key.addr, &ip6->daddr, 16);
		__builtin_memcpy(l->src, &ip6->saddr, 16);
		off += sizeof(*ip6);
		for (i = 0; i < IPV6_EXT_MAX; i++) {
			if (nh == IPPROTO_TCP)
				break;
			if (nh == IPPROTO_FRAGMENT) {
				struct frag6 *fh = data + off;

				if ((void *)(fh + 1) > end)
					return -1;
				count(AGW_G_FRAGMENTS);
				if (fh->frag_off & bpf_htons(0xfff8))
					return 0;
				l->fragmented = 1;
				nh = fh->nexthdr;
				off += sizeof(*fh);
			} else if (nh == IPPROTO_HOPOPTS ||
				   nh == IPPROTO_ROUTING ||
				   nh == IPPROTO_DSTOPTS) {
				struct ipv6_opt *oh = data + off;

				if ((void *)(oh + 1) > end)
					return -1;
				nh = oh->nexthdr;
				off += (oh->hdrlen + 1) * 8;
			} else {
				return 0;
			}
		}
		if (nh != IPPROTO_TCP)
			return 0;
	} else {
		return 0;
	}
	/* bound the offset for the verifier: headers end well below 512 */
	if (off > 512)
		return -1;
	*tcp_err = parse_tcp(data, end, off, l);
	return *tcp_err == -1 ? -1 : 1;
}

static __always_inline int allowed(const struct agw_term *t, struct l4 *l)
{
	struct agw_allow_list *al;
	__u32 idx = t->allow_idx;
	__u16 sport = bpf_ntohs(l->sport);
	int i;

	al = bpf_map_lookup_elem(&agw_allow, &idx);
	if (!al)
		return 0;
#pragma unroll
	for (i = 0; i < AGW_ALLOW_MAX; i++) {
		struct agw_allow_rule *r = &al->rules[i];

		if ((__u32)i >= al->count)
			break;
		if (((l->src[0] & r->mask[0]) ^ r->addr[0]) |
		    ((l->src[1] & r->mask[1]) ^ r->addr[1]) |
		    ((l->src[2] & r->mask[2]) ^ r->addr[2]) |
		    ((l->src[3] & r->mask[3]) ^ r->addr[3]))
			continue;
		if (sport >= r->port_lo && sport <= r->port_hi)
			return 1;
	}
	return 0;
}

static __always_inline void account(const struct agw_term *t, struct l4 *l,
				    int admit)
{
	struct agw_term_stats *st;
	__u32 slot = t->slot;

	st = bpf_map_lookup_elem(&agw_term_stats, &slot);
	if (!st)
		return;
	if (admit)
		st->syn_admitted++;
	else
		st->syn_dropped++;
	/* jiffies, not ktime: reading the clock cost as much as the whole
	 * decision (bench/gate_cost.c); lib/gate_clock.c converts. */
	st->last_syn_jiffies = bpf_jiffies64();
	__builtin_memcpy(st->last_src, l->src, 16);
	st->last_sport = l->sport;
	st->last_admitted = admit;
}

static __always_inline enum verdict no_term(struct l4 *l)
{
	__u32 zero = 0;
	struct agw_gate_cfg *cfg = bpf_map_lookup_elem(&agw_gate_cfg, &zero);
	__u16 dport = bpf_ntohs(l->key.port);

	if (!cfg || dport < cfg->port_min || dport > cfg->port_max ||
	    !cfg->port_max) {
		count(AGW_G_SYN_PASS_OTHER);
		return V_PASS;
	}
	if (cfg->flags & AGW_CFG_RANGE_OPEN)
		return V_PASS;
	count(AGW_G_NO_TERM_DROP);
	return V_DROP;
}

static __always_inline enum verdict gate(void *data, void *end)
{
	struct l4 l = {};
	struct agw_term *t;
	int tcp_err = 0;
	int admit;
	int r;

	r = parse(data, end, &l, &tcp_err);
	if (r <= 0) {
		if (r < 0) {
			count(AGW_G_PARSE_ERR);
			return V_DROP;
		}
		return V_PASS;
	}
	if ((l.flags & (TCPF_SYN | TCPF_ACK)) != TCPF_SYN)
		return V_PASS;

	t = bpf_map_lookup_elem(&agw_terms, &l.key);
	if (!t) {
		if (tcp_err || l.fragmented) {
			/* Only SYNs toward our media range are ours to judge. */
			if (no_term(&l) == V_PASS)
				return V_PASS;
			count(l.fragmented ? AGW_G_FRAG_SYN_DROP :
					     AGW_G_PARSE_ERR);
			return V_DROP;
		}
		return no_term(&l);
	}
	if (tcp_err || l.fragmented) {
		count(l.fragmented ? AGW_G_FRAG_SYN_DROP : AGW_G_PARSE_ERR);
		admit = 0;
	} else if (t->mode == AGW_MODE_OPEN) {
		admit = 1;
	} else if (t->mode == AGW_MODE_FILTER) {
		admit = allowed(t, &l);
	} else {
		admit = 0;
	}
	account(t, &l, admit);
	return admit ? V_PASS : V_DROP;
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
