// SPDX-License-Identifier: GPL-2.0-only
/*
 * Relay stream verdict: moves bytes received on one socket of a flow to
 * the other socket's send side, under the ordering and memory rules
 * described in include/agw/relay_maps.h. Attached to agw_relay_socks as
 * an sk_skb stream verdict (no parser), before any socket is inserted.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "agw/relay_maps.h"

struct {
	__uint(type, BPF_MAP_TYPE_SOCKHASH);
	__uint(max_entries, AGW_RELAY_SLOTS_DEFAULT);
	__type(key, __u64);
	__type(value, __u64);
} agw_relay_socks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, AGW_RELAY_SLOTS_DEFAULT);
	__type(key, __u64);
	__type(value, struct agw_relay_sock);
} agw_r_index SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, AGW_RELAY_SLOTS_DEFAULT);
	__type(key, __u32);
	__type(value, struct agw_relay_dir);
} agw_r_dirs SEC(".maps");

SEC("sk_skb/stream_verdict")
int agw_relay_verdict(struct __sk_buff *skb)
{
	__u64 cookie = bpf_get_socket_cookie(skb);
	struct agw_relay_sock *s;
	struct agw_relay_dir *d;
	__u64 len = skb->len;
	__s64 unacked;

	/* A FIN arrives as an empty chunk. Redirected, it makes the peer's
	 * backlog worker fail with EPIPE; it carries no byte, so drop it
	 * (user space sees the FIN through the socket state). */
	if (!len)
		return SK_DROP;
	s = bpf_map_lookup_elem(&agw_r_index, &cookie);
	if (!s)
		return SK_PASS; /* not (or no longer) relayed: user space */
	d = bpf_map_lookup_elem(&agw_r_dirs, &s->slot);
	if (!d)
		return SK_PASS;
	d->last_ns = bpf_ktime_get_ns();

	unacked = (__s64)(d->fwd_bytes + d->user_bytes) - d->peer_acked;
	if (d->user_flushed >= d->pass_bytes &&
	    unacked + (__s64)len <= (__s64)d->limit) {
		/* Flag 0: out of the peer's send side. SK_DROP here only
		 * means the peer left the map; user space takes over. */
		if (bpf_sk_redirect_hash(skb, &agw_relay_socks, &s->peer_cookie,
					 0) == SK_PASS) {
			d->fwd_bytes += len;
			d->passing = 0;
			return SK_PASS;
		}
	}
	if (!d->passing) {
		d->passing = 1;
		d->stalls++;
	}
	d->pass_bytes += len;
	return SK_PASS;
}

char LICENSE[] SEC("license") = "GPL";
