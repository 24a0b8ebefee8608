// SPDX-License-Identifier: GPL-2.0-only
/* The cheapest possible receiver: the floor the flood bench subtracts. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

SEC("xdp")
int agw_bench_drop(struct xdp_md *ctx)
{
	return XDP_DROP;
}
