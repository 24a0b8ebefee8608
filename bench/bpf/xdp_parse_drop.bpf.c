// SPDX-License-Identifier: GPL-2.0-only
/*
 * A receiver that reads what any SYN filter must read and no more: the
 * Ethernet, IPv4 and TCP headers, then drops a SYN to the flood's port
 * range. No map. The flood bench's second floor: what touching the
 * frame's headers costs beside bench/bpf/xdp_drop.bpf.c's bare drop.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

SEC("xdp")
int agw_bench_parse_drop(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip;
	struct tcphdr *tcp;
	__u16 dport;

	if ((void *)(eth + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > end || ip->protocol != IPPROTO_TCP ||
	    ip->ihl < 5)
		return XDP_PASS;
	tcp = (void *)ip + ip->ihl * 4;
	if ((void *)(tcp + 1) > end)
		return XDP_PASS;
	dport = bpf_ntohs(tcp->dest);
	if (tcp->syn && !tcp->ack && dport >= 20000 && dport <= 29999)
		return XDP_DROP;
	return XDP_PASS;
}
