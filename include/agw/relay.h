/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Relay engine: moves bytes both ways between the two connected TCP
 * sockets of a flow until both directions are closed, many flows in one
 * thread. A plain flow runs over one of three paths (sockmap, splice
 * through pipes, user-space copy); a TLS flow (a verified e2ae session on
 * side a, the plain core socket on side b) runs over kTLS with splice
 * where the kernel holds the keys and through OpenSSL otherwise. See
 * Documentation/relay.md for the paths, the memory bound and the close
 * rule.
 *
 * Threading: an engine is used from one thread at a time. It is driven
 * either by agw_relay_run() or from the caller's own epoll loop: add
 * agw_relay_fd() to the caller's epoll set (EPOLLIN) and call
 * agw_relay_dispatch(e, 0) whenever it is readable.
 */
#ifndef AGW_RELAY_H
#define AGW_RELAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The engine; (struct agw_relay is the BPF skeleton's name.) */
struct agw_relay_engine;

enum agw_relay_path {
	AGW_RELAY_PATH_AUTO = 0, /* the engine's default (per flow: config) */
	AGW_RELAY_PATH_SOCKMAP, /* sk_skb stream verdict redirect */
	AGW_RELAY_PATH_SPLICE, /* splice() through a pipe per direction */
	AGW_RELAY_PATH_COPY, /* recv()/send() through a user buffer */
	/* TLS flows (agw_relay_add_tls) only: */
	AGW_RELAY_PATH_TLS_USER, /* SSL_read()/SSL_write() both ways */
	AGW_RELAY_PATH_TLS_KTLS_TX, /* kTLS send (splice toward the TLS
				      * side), SSL_read() from it */
	AGW_RELAY_PATH_TLS_KTLS, /* kTLS both ways: splice both ways */
	AGW_RELAY_PATH_MAX,
};
/* Plain flows and the engine's default take a path below this one. */
#define AGW_RELAY_PATH_PLAIN_MAX AGW_RELAY_PATH_TLS_USER

/* Why a flow runs on its path. */
enum agw_relay_why {
	AGW_RELAY_WHY_REQUESTED = 0, /* the flow asked for it */
	AGW_RELAY_WHY_DEFAULT, /* the engine's configured default */
	AGW_RELAY_WHY_NO_BPF, /* sockmap wanted, BPF program not loaded */
	AGW_RELAY_WHY_SOCKMAP_REFUSED, /* socket insert failed (kTLS, ...) */
	AGW_RELAY_WHY_NO_PIPE, /* splice wanted, pipe() failed */
	/* TLS flows: why this much of the flow is (not) in the kernel */
	AGW_RELAY_WHY_KTLS, /* the kernel took the keys it could */
	AGW_RELAY_WHY_KTLS13_RX, /* TLS 1.3: OpenSSL 3.0 offloads send only */
	AGW_RELAY_WHY_KTLS_RX_REFUSED, /* kernel refused the receive key */
	AGW_RELAY_WHY_KTLS_OFF, /* kTLS disabled by configuration */
	AGW_RELAY_WHY_NO_KERNEL_TLS, /* no TLS in this kernel */
	AGW_RELAY_WHY_KTLS13_TX_OFF, /* TLS 1.3 send offload not opted in */
	AGW_RELAY_WHY_KTLS_REFUSED, /* kernel refused the keys */
	AGW_RELAY_WHY_MAX,
};

enum agw_relay_event {
	/* Both directions closed (FIN each way) and every forwarded byte
	 * acknowledged by the remote peers; err is 0, or ETIMEDOUT when the
	 * peers did not acknowledge within drain_timeout_ms, or (TLS flows)
	 * EPIPE / ECONNRESET when the UE's connection went away before it
	 * took everything the core sent: the rest was dropped, the core got
	 * every byte from the UE and a FIN. */
	AGW_RELAY_EV_CLOSED = 0,
	/* Side `side` was reset; the other side has been reset too. */
	AGW_RELAY_EV_RESET,
	/* Error err on side `side`; both sides reset. Also after abort
	 * (ECANCELED). TLS flows: EPROTO for a TLS protocol error, and
	 * EOPNOTSUPP when the peer sent a KeyUpdate that kTLS send cannot
	 * follow (TLS 1.3, OpenSSL 3.0): the flow is cut before a record
	 * goes out under a stale key. */
	AGW_RELAY_EV_ERROR,
};

struct agw_relay_dir_stats {
	uint64_t bytes; /* forwarded into the destination socket */
	/* of which through user space (sockmap path: passed up by the
	 * verdict; TLS paths: through SSL_read()/SSL_write()) */
	uint64_t user_bytes;
	uint64_t stalls; /* times the destination could take no more */
	uint64_t last_ns; /* CLOCK_MONOTONIC of the last byte, 0 if none */
	bool closed; /* FIN forwarded */
	uint64_t chunks; /* sockmap: chunks (skbs) the verdict saw */
	/* released flow: bytes the source sent after the release point,
	 * read and dropped */
	uint64_t discarded;
};

struct agw_relay_flow_stats {
	enum agw_relay_path path;
	enum agw_relay_why why;
	struct agw_relay_dir_stats dir[2]; /* [0]: a -> b, [1]: b -> a */
	uint64_t last_ns; /* newest of dir[].last_ns */
	uint64_t limit[2]; /* memory bound of each direction, bytes */
	/* TCP data segments [out, in] of socket a ([0]) and b ([1]) (TCP_INFO;
	 * 0 for other sockets), read while the engine still holds them. */
	uint64_t segs[2][2];
	/* TLS flows: records that were not application data (alerts,
	 * handshake) read through OpenSSL under kTLS receive. */
	uint64_t tls_control;
	bool releasing; /* agw_relay_release was called: draining */
};

/* Called from dispatch when a flow ends. The engine has closed (or reset)
 * both sockets before the call and forgets the flow after it returns. */
typedef void (*agw_relay_event_fn)(void *arg, uint64_t flow_id, void *ctx,
				   enum agw_relay_event ev, int side, int err,
				   const struct agw_relay_flow_stats *st);

struct agw_relay_config {
	/* Default for AUTO plain flows; AUTO = sockmap (copy, with the
	 * reason, when BPF is unavailable or the socket cannot go into the
	 * map). A plain path only. */
	enum agw_relay_path path;
	/* Bound per direction on bytes forwarded but not yet accepted by the
	 * destination's peer; 0 = twice the largest TCP send buffer
	 * (tcp_wmem[2]). Splice and copy are bounded by their pipe/buffer
	 * plus the socket buffers and ignore it. */
	size_t max_unsent;
	unsigned int max_flows; /* 0 = 4096 */
	unsigned int drain_timeout_ms; /* close rule limit; 0 = 30000 */
	bool no_bpf; /* do not load the sockmap program */
	/* sockmap: use the verdict whose memory bound user space refreshes
	 * every millisecond even where the kernel accepts the one that reads
	 * the destination's counters itself (comparisons, tests). */
	bool sockmap_tick;
	const char *pin_dir; /* pin the relay maps here; NULL = no pinning */
	agw_relay_event_fn on_event;
	void *arg;
};

struct agw_relay_flow_opts {
	/* AUTO = the engine's default. TLS flows: AUTO = kTLS where the
	 * kernel holds the keys, COPY = through OpenSSL even so. */
	enum agw_relay_path path;
	/* Bytes the caller already read from a (to go to b) and from b;
	 * TLS flows: pre_b only. */
	const void *pre_a;
	size_t pre_a_len;
	const void *pre_b;
	size_t pre_b_len;
	void *ctx; /* handed back in events */
};

int agw_relay_new(const struct agw_relay_config *cfg,
		  struct agw_relay_engine **out);
void agw_relay_free(struct agw_relay_engine *e);

/* Relay between connected TCP sockets fd_a and fd_b. On success the
 * engine owns both descriptors (and makes them non-blocking); on error
 * the caller keeps them. *id (optional) identifies the flow. */
int agw_relay_add(struct agw_relay_engine *e, int fd_a, int fd_b,
		  const struct agw_relay_flow_opts *opts, uint64_t *id);
struct agw_tls_session;
/* Relay between a VERIFIED TLS session (side a: its socket, decrypted
 * bytes go to b) and the connected TCP socket plain_fd (side b). On
 * success the engine owns the session and plain_fd (the session's
 * close_notify and shutdown end its direction like a FIN); on error the
 * caller keeps both. -EPERM unless the session is VERIFIED: no byte moves
 * before the peer's certificate matched. */
int agw_relay_add_tls(struct agw_relay_engine *e, struct agw_tls_session *s,
		      int plain_fd, const struct agw_relay_flow_opts *opts,
		      uint64_t *id);
/*
 * Release a flow (the call is over) without losing what is in flight:
 * each direction forwards what its source socket had received when this
 * is called (everything queued in agw: buffers, pipes, the socket's
 * receive queue, chunks the sockmap verdict handed over), then sends its
 * FIN (TLS: close_notify, then FIN); what a peer sends after that is read
 * and dropped. The flow then ends as AGW_RELAY_EV_CLOSED with err 0 once
 * both peers took every byte and sent their own FIN, or, at timeout_ms,
 * with err ETIMEDOUT and side the socket that was reset because its peer
 * did not take everything (a peer that only failed to send its FIN is
 * closed normally). ctx replaces the flow's ctx for that event (the
 * caller's object may be gone by then). The flow keeps its slot (and
 * shows in agw_relay_stats, with releasing set) until it ends. A flow
 * already draining after both FINs keeps draining, for timeout_ms at
 * most.
 */
int agw_relay_release(struct agw_relay_engine *e, uint64_t id,
		      unsigned int timeout_ms, void *ctx);
/* Reset both sockets of a flow now; reports AGW_RELAY_EV_ERROR/ECANCELED. */
int agw_relay_abort(struct agw_relay_engine *e, uint64_t id);
int agw_relay_stats(struct agw_relay_engine *e, uint64_t id,
		    struct agw_relay_flow_stats *st);
unsigned int agw_relay_count(const struct agw_relay_engine *e);

/* External loop: an fd that is readable when dispatch has work. */
int agw_relay_fd(const struct agw_relay_engine *e);
/* Handle ready events, waiting at most timeout_ms (0: do not wait).
 * Returns the number of events handled or -errno. */
int agw_relay_dispatch(struct agw_relay_engine *e, int timeout_ms);
/* Standalone loop: until *stop is set, or (stop == NULL) no flow is left. */
int agw_relay_run(struct agw_relay_engine *e, const volatile int *stop);

/* Whether the sockmap program is loaded, and if not, why (-errno). */
int agw_relay_sockmap_status(const struct agw_relay_engine *e);
/* Whether the sockmap verdict enforces the memory bound from the
 * destination's own counters at every chunk (0), or, where the kernel
 * refused that program, from values user space refreshes every
 * millisecond (-errno: why it was refused; also the status above when
 * the program is not loaded at all). */
int agw_relay_sockmap_progress(const struct agw_relay_engine *e);

const char *agw_relay_path_name(enum agw_relay_path p);
const char *agw_relay_why_name(enum agw_relay_why w);
/* The same as a sentence, for logs ("kTLS disabled by configuration"). */
const char *agw_relay_why_text(enum agw_relay_why w);
/* Whether p is a TLS path. */
bool agw_relay_path_is_tls(enum agw_relay_path p);
const char *agw_relay_event_name(enum agw_relay_event ev);
/* "sockmap", "splice", "copy" or "auto" -> path; -EINVAL otherwise (the
 * TLS paths are chosen by the engine, not configured). */
int agw_relay_path_parse(const char *s);

#endif /* AGW_RELAY_H */
