// SPDX-License-Identifier: GPL-2.0-only
/*
 * Relay stream verdict: moves bytes received on one socket of a flow to
 * the other socket's send side, under the ordering and memory rules
 * described in include/agw/relay_maps.h. Attached to agw_relay_socks as
 * an sk_skb stream verdict (no parser), before any socket is inserted.
 *
 * Two programs, one loaded: agw_relay_verdict reads the destination's
 * progress (bytes acknowledged, send buffer) itself at verdict time, so
 * the memory bound is exact and needs no user-space refresh;
 * agw_relay_verdict_tick, the fallback for kernels that refuse the first
 * (no bpf_skc_to_tcp_sock() for sk_skb programs, no BTF), uses the values
 * user space refreshes every millisecond.
 */
#include <stdbool.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "agw/relay_maps.h"

/*
 * The destination fields the verdict reads, relocated (CO-RE) against the
 * running kernel's BTF: only these members need to exist, wherever they
 * are in the kernel's struct layout.
 */
struct sock {
	int sk_sndbuf;
} __attribute__((preserve_access_index));

struct tcp_sock {
	__u64 bytes_acked;
} __attribute__((preserve_access_index));

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

/*
 * Wake-ups for user space. While chunks are redirected user space does
 * not watch the sockets for input (every chunk would wake it: the psock
 * signals data_ready for redirected chunks too); instead every chunk
 * passed up is announced here by its direction's slot, and user space
 * watches the socket again. Sized by user space; not pinned.
 */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} agw_r_notify SEC(".maps");

/* Set when an announcement did not fit: user space then watches every
 * relayed socket again. */
volatile __u32 agw_notify_lost;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, AGW_RELAY_SLOTS_DEFAULT);
	__type(key, __u32);
	__type(value, struct agw_relay_dir);
} agw_r_dirs SEC(".maps");

/*
 * Acknowledged bytes of the destination since the handover, and the bound
 * for this direction: the configured one, but never more than half the
 * destination's send buffer. Redirected chunks reach the destination
 * through its psock backlog; if they waited there (send buffer full, the
 * backlog worker then retries only a jiffy later), chunks passed up on
 * that socket for the other direction would queue behind them, charged to
 * no socket, and TCP flow control would no longer hold their sender back.
 * Returns false when the destination cannot be read (it left the map).
 */
static __always_inline bool dst_progress(struct agw_relay_sock *s,
					 struct agw_relay_dir *d, __s64 *acked,
					 __u64 *limit)
{
	struct bpf_sock *peer;
	struct tcp_sock *tp;
	bool ok = false;
	__u64 half;

	peer = bpf_map_lookup_elem(&agw_relay_socks, &s->peer_cookie);
	if (!peer)
		return false;
	tp = bpf_skc_to_tcp_sock(peer);
	if (tp) {
		*acked = (__s64)(tp->bytes_acked - d->acked_base);
		half = (__u32)((struct sock *)tp)->sk_sndbuf >> 1;
		if (half < 65536)
			half = 65536;
		*limit = half < d->limit ? half : d->limit;
		ok = true;
	}
	bpf_sk_release(peer);
	return ok;
}

static __always_inline int verdict(struct __sk_buff *skb, bool self_progress)
{
	__u64 cookie = bpf_get_socket_cookie(skb);
	struct agw_relay_sock *s;
	struct agw_relay_dir *d;
	__u64 len = skb->len;
	__s64 acked;
	__u64 limit;

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
	d->chunks++;
	/* Ordering first: nothing may overtake bytes still in user space. */
	if (d->user_flushed < d->pass_bytes)
		goto pass;
	acked = d->peer_acked;
	limit = d->limit;
	if (self_progress && !dst_progress(s, d, &acked, &limit))
		goto pass; /* peer gone: user space sees the error */
	if ((__s64)(d->fwd_bytes + d->user_bytes) - acked + (__s64)len >
	    (__s64)limit) {
		d->bound_hits++;
		goto pass;
	}
	/* Flag 0: out of the peer's send side. SK_DROP here only means the
	 * peer left the map; user space takes over. */
	if (bpf_sk_redirect_hash(skb, &agw_relay_socks, &s->peer_cookie, 0) ==
	    SK_PASS) {
		d->fwd_bytes += len;
		d->passing = 0;
		return SK_PASS;
	}
pass:
	if (!d->passing) {
		d->passing = 1;
		d->stalls++;
	}
	d->pass_bytes += len;
	if (bpf_ringbuf_output(&agw_r_notify, &s->slot, sizeof(s->slot), 0))
		agw_notify_lost = 1;
	return SK_PASS;
}

SEC("sk_skb/stream_verdict")
int agw_relay_verdict(struct __sk_buff *skb)
{
	return verdict(skb, true);
}

SEC("sk_skb/stream_verdict")
int agw_relay_verdict_tick(struct __sk_buff *skb)
{
	return verdict(skb, false);
}

char LICENSE[] SEC("license") = "GPL";
