/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Crafts Ethernet/VLAN/IPv4/IPv6/TCP frames for BPF_PROG_TEST_RUN tests and
 * benchmarks. Header-only so that tests and bench programs share it.
 */
#ifndef AGW_TEST_PKTBUILD_H
#define AGW_TEST_PKTBUILD_H

#include <arpa/inet.h>
#include <stdint.h>
#include <string.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>

#include "agw/addr.h"

#define PKT_MAX 256

struct pkt_spec {
	int vlans; /* 0, 1 or 2 tags */
	bool v6;
	struct agw_addr src, dst;
	uint16_t sport, dport;
	uint8_t tcp_flags; /* byte 13 */
	uint8_t tcp_doff; /* 0: 5 */
	int ip_opt_len; /* IPv4 options, multiple of 4 */
	const uint8_t *ext; /* IPv6 extension header types, in order */
	int ext_n;
	uint16_t frag_off; /* IPv4: offset in 8-byte units; IPv6 likewise */
	bool more_frags;
	int truncate; /* bytes cut from the end (0: none) */
	uint8_t l4proto; /* 0: TCP */
};

#define PKT_SYN 0x02
#define PKT_ACK 0x10
#define PKT_RST 0x04
#define PKT_FIN 0x01

static inline void pkt_put16(uint8_t *p, uint16_t host)
{
	p[0] = host >> 8;
	p[1] = host & 0xff;
}

/* Builds at a 2-byte offset in an aligned scratch buffer, as drivers do
 * (NET_IP_ALIGN), so that the IP and TCP headers are naturally aligned. */
static inline int pkt_build_aligned(const struct pkt_spec *s, uint8_t *buf);

static inline int pkt_build(const struct pkt_spec *s, uint8_t *out)
{
	uint8_t scratch[PKT_MAX + 8] __attribute__((aligned(8)));
	int len = pkt_build_aligned(s, scratch + 2);

	memcpy(out, scratch + 2, PKT_MAX);
	return len;
}

static inline int pkt_build_aligned(const struct pkt_spec *s, uint8_t *buf)
{
	struct ethhdr *eth = (void *)buf;
	uint8_t l4 = s->l4proto ? s->l4proto : IPPROTO_TCP;
	int off = sizeof(*eth), i, doff = s->tcp_doff ? s->tcp_doff : 5;
	int proto_off = 12; /* where the next EtherType goes */
	int l3_off, len;
	struct tcphdr *th;

	memset(buf, 0, PKT_MAX);
	memset(eth->h_dest, 0x02, ETH_ALEN);
	memset(eth->h_source, 0x04, ETH_ALEN);
	for (i = 0; i < s->vlans; i++) {
		pkt_put16(buf + proto_off,
			  i == 0 && s->vlans == 2 ? ETH_P_8021AD : ETH_P_8021Q);
		buf[off + 1] = 10 + i; /* VLAN id */
		proto_off = off + 2;
		off += 4;
	}
	l3_off = off;
	if (!s->v6) {
		struct iphdr *ip = (void *)(buf + off);

		pkt_put16(buf + proto_off, ETH_P_IP);
		ip->version = 4;
		ip->ihl = 5 + s->ip_opt_len / 4;
		ip->ttl = 64;
		ip->protocol = l4;
		memcpy(&ip->saddr, s->src.a + 12, 4);
		memcpy(&ip->daddr, s->dst.a + 12, 4);
		ip->frag_off =
			htons(s->frag_off | (s->more_frags ? 0x2000 : 0));
		for (i = 0; i < s->ip_opt_len; i++)
			buf[off + 20 + i] = 1; /* NOP options */
		off += ip->ihl * 4;
	} else {
		struct ipv6hdr *ip6 = (void *)(buf + off);
		uint8_t *next = &ip6->nexthdr;

		pkt_put16(buf + proto_off, ETH_P_IPV6);
		ip6->version = 6;
		ip6->hop_limit = 64;
		memcpy(&ip6->saddr, s->src.a, 16);
		memcpy(&ip6->daddr, s->dst.a, 16);
		off += sizeof(*ip6);
		for (i = 0; i < s->ext_n; i++) {
			*next = s->ext[i];
			next = buf + off;
			if (s->ext[i] == IPPROTO_FRAGMENT) {
				uint16_t fo = htons(s->frag_off << 3 |
						    (s->more_frags ? 1 : 0));

				memcpy(buf + off + 2, &fo, 2);
				off += 8;
			} else {
				buf[off + 1] = 1; /* 16 bytes */
				off += 16;
			}
		}
		*next = l4;
	}
	th = (void *)(buf + off);
	th->source = htons(s->sport);
	th->dest = htons(s->dport);
	th->doff = doff;
	((uint8_t *)th)[13] = s->tcp_flags;
	th->window = htons(65535);
	off += doff * 4;
	/* lengths agree with what is sent, truncated or not, as the stack
	 * (and the kernel's test_run) checks them before any hook sees it */
	len = off - s->truncate;
	if (!s->v6 && len - l3_off >= 4)
		pkt_put16(buf + l3_off + 2, len - l3_off);
	else if (s->v6 && len - l3_off >= 6)
		pkt_put16(buf + l3_off + 4, len - l3_off - 40);
	return len;
}

#endif
