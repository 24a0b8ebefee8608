/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Relay (sockmap path) maps: the one definition of every key and value
 * shared by the stream-verdict program (bpf/relay.bpf.c) and user space
 * (lib/relay_sockmap.c, agwctl).
 *
 * Each relayed direction owns one slot in agw_r_dirs. The verdict program
 * runs for the socket that received the bytes; agw_r_index maps that
 * socket's cookie to the peer's cookie and to the direction's slot.
 */
#ifndef AGW_RELAY_MAPS_H
#define AGW_RELAY_MAPS_H

#include <linux/types.h>

/* Map names as the kernel sees them (BPF_OBJ_NAME_LEN is 16 with NUL). */
#define AGW_MAP_RELAY_SOCKS "agw_relay_socks"
#define AGW_MAP_RELAY_INDEX "agw_r_index"
#define AGW_MAP_RELAY_DIRS "agw_r_dirs"

#define AGW_RELAY_SLOTS_DEFAULT 8192 /* directions, two per flow */

/* agw_r_index value, keyed by the receiving socket's cookie (__u64). */
struct agw_relay_sock {
	__u64 peer_cookie; /* key of the destination in agw_relay_socks */
	__u32 slot; /* index into agw_r_dirs */
	__u32 pad;
};

/*
 * One direction. The array is BPF_F_MMAPABLE: user space maps it and reads
 * or writes its own fields with plain loads and stores. Each field has one
 * writer, so no field is ever updated from both sides.
 *
 * Ordering rule: the verdict redirects a chunk only when every byte it has
 * passed up to user space has already been written to the peer by user
 * space (user_flushed >= pass_bytes); otherwise a redirected chunk could
 * overtake bytes still waiting in user space.
 *
 * Memory rule: it redirects only while fwd_bytes + user_bytes - acked
 * (bytes handed to the peer but not yet acknowledged by the peer's remote,
 * i.e. the psock backlog plus the peer's send queue) stays under
 * min(limit, SO_SNDBUF(peer) / 2); above it, chunks go to the receiving
 * socket's own queue, which is charged to that socket, so TCP flow
 * control slows the sender. "acked" is the peer's tcp_sock bytes_acked
 * minus acked_base, read by the verdict itself at verdict time (program
 * agw_relay_verdict); where the kernel refuses that program, the fallback
 * agw_relay_verdict_tick uses peer_acked and limit as refreshed by user
 * space every tick instead.
 */
struct agw_relay_dir {
	/* written by the verdict program */
	__u64 fwd_bytes; /* redirected to the peer socket */
	__u64 pass_bytes; /* passed to the receiving socket for user space */
	__u64 last_ns; /* bpf_ktime_get_ns() of the last chunk */
	__u32 stalls; /* times redirecting stopped (bound or ordering) */
	__u32 passing; /* 1 while chunks go to user space */
	/* written by user space */
	__u64 user_bytes; /* written to the peer by user space */
	__u64 user_flushed; /* passed bytes user space has written out */
	__s64 peer_acked; /* tick fallback: peer's bytes acked, last read */
	__u64 limit; /* bound on unacknowledged forwarded bytes */
	__u64 acked_base; /* peer's bytes_acked at handover */
	/* written by the verdict program */
	__u64 chunks; /* chunks (skbs) the verdict saw */
	__u64 bound_hits; /* chunks passed up because of the bound */
	__u64 pad;
};

#ifndef __bpf__
#include <stddef.h>
_Static_assert(sizeof(struct agw_relay_sock) == 16, "agw_relay_sock size");
_Static_assert(sizeof(struct agw_relay_dir) == 96, "agw_relay_dir size");
_Static_assert(offsetof(struct agw_relay_dir, user_bytes) == 32,
	       "agw_relay_dir user half");
#endif

#endif /* AGW_RELAY_MAPS_H */
