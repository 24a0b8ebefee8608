// SPDX-License-Identifier: GPL-2.0-only
/*
 * The SYN flood source of bench/gate_flood.sh: run by BPF_PROG_TEST_RUN in
 * live-frames mode, it gives each copy of a SYN a new source port (TCP
 * checksum adjusted, RFC 1624) and redirects it out of a veth, whose peer
 * then receives xdp_frames as from a NIC: XDP runs before any skb exists.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} agw_bench_tx SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} agw_bench_ctr SEC(".maps");

SEC("xdp")
int agw_bench_syn_gen(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct tcphdr *th = data + sizeof(struct ethhdr) + sizeof(struct iphdr);
	__u32 zero = 0, *ctr, sum;
	__u16 old, new;

	if ((void *)(th + 1) > end)
		return XDP_ABORTED;
	ctr = bpf_map_lookup_elem(&agw_bench_ctr, &zero);
	if (!ctr)
		return XDP_ABORTED;
	old = bpf_ntohs(th->source);
	new = 1024 + (*ctr)++ % 60000;
	th->source = bpf_htons(new);
	/* HC' = ~(~HC + ~m + m') */
	sum = (~bpf_ntohs(th->check) & 0xffff) + (~old & 0xffff) + new;
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	th->check = bpf_htons(~sum & 0xffff);
	return bpf_redirect_map(&agw_bench_tx, 0, 0);
}
