/* SPDX-License-Identifier: GPL-2.0-only */
/* Relay engine internals shared by lib/relay*.c; not a public header. */
#ifndef AGW_RELAY_PRIV_H
#define AGW_RELAY_PRIV_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/types.h>

#include "agw/relay.h"

#define RELAY_BUF_SIZE (64 * 1024) /* copy buffer, also pipe size */
#define RELAY_POOL_KEEP 64 /* idle copy buffers kept for reuse */
#define RELAY_STEP_BUDGET (1024 * 1024) /* bytes per half per turn */
#define RELAY_TICK_NS 1000000ULL /* timer period while bytes are moving */
#define RELAY_IDLE_TICK_NS 20000000ULL /* ... and once nothing moved */
#define RELAY_IDLE_AFTER 100 /* ticks without work before slowing down */
/* How agw_relay_add registers a flow's sockets with the engine's epoll. */
#define RELAY_SOCK_EVENTS (EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET)
#define RELAY_END_NOTIFY (-3) /* relay_end.idx of the sockmap wake-ups */

enum relay_state {
	RF_FREE = 0,
	RF_PRELUDE, /* sockmap: writing pre-read bytes before insertion */
	RF_RUN,
	RF_DRAIN, /* both FINs forwarded, waiting for the peers' acks */
	RF_DEAD, /* reported, released at the end of the dispatch */
};

struct agw_tls_session;

/* One direction: bytes read from src go to dst. */
struct relay_half {
	int src, dst;
	/* TLS flows: src or dst is this session's socket; user-space bytes
	 * go through its SSL_read() / SSL_write() */
	struct agw_tls_session *tls_src, *tls_dst;
	bool splice; /* through the pipe (splice path; kTLS on a TLS flow) */
	/* TLS flow, toward the UE: the UE's connection is gone (sink_err:
	 * EPIPE, ECONNRESET); what the core still sends is read and dropped */
	bool sink;
	int sink_err;
	char *buf; /* pre-read bytes, copy path, sockmap pass-up */
	size_t off, len, cap;
	int pipe_rd, pipe_wr;
	size_t in_pipe;
	bool src_eof; /* read returned 0 */
	bool shut; /* FIN forwarded (shutdown(dst, SHUT_WR)) */
	bool blocked; /* dst could take no more */
	bool waiting; /* sockmap: waits for the timer (ordering/close) */
	uint64_t bytes, user_bytes, stalls, last_ns;
	uint64_t tls_control; /* non-data records read through OpenSSL */
	uint32_t tls_spins; /* control reads in a row without a byte */
	uint64_t user_read; /* sockmap: bytes recv()d from src */
	uint64_t pre_len; /* bytes pre-read by the caller */
	uint64_t acked_base; /* sockmap: dst tcpi_bytes_acked at handover */
	uint64_t accepted_base; /* sockmap: dst acked + queued at handover */
	uint64_t user_base; /* sockmap: bytes at handover */
	uint32_t slot; /* sockmap: agw_r_dirs slot */
	uint64_t fwd_inside; /* sockmap: fwd_bytes known to be inside dst */
	bool fwd_inside_ok; /* ... fwd_inside is valid */
	uint64_t limit;
	bool want_in; /* sockmap: src must be watched for input */
	uint32_t events; /* sockmap: epoll events of src; 0 = as added */
	/* Release (agw_relay_release): what src had received by then goes
	 * on to dst (at most rel_left more bytes are read, and none once a
	 * read would block), then dst gets its FIN; what src sends after
	 * that is read and dropped (discarded) until its EOF (peer_fin). */
	bool rel;
	bool peer_fin;
	uint64_t rel_left;
	uint64_t discarded;
};

struct relay_end {
	struct relay_flow *flow;
	/* 0 = a, 1 = b; -1 = the engine's timer, -2 = kick,
	 * RELAY_END_NOTIFY = sockmap wake-ups (flow is NULL) */
	int idx;
};

struct relay_flow {
	enum relay_state state;
	uint32_t gen;
	int fd[2];
	enum agw_relay_path path;
	enum agw_relay_why why;
	struct relay_half h[2]; /* h[0]: a -> b, h[1]: b -> a */
	struct relay_end end[2];
	bool in_epoll[2];
	bool queued; /* on the run queue (budget exhausted) */
	bool in_sockmap;
	bool ticking; /* counted in nwaiting */
	uint64_t cookie[2];
	uint64_t drain_deadline_ns;
	bool releasing; /* agw_relay_release: until rel_deadline_ns */
	uint64_t rel_deadline_ns, rel_timeout_ns;
	bool rel_last; /* the second deadline: a peer was reset */
	unsigned int rel_reset; /* bit i: agw reset fd[i] */
	unsigned int rel_gone; /* bit i: fd[i] was reset (by either end) */
	void *ctx;
	struct agw_tls_session *tls; /* TLS flow: side a's session, else NULL */
};

struct relay_bpf;

struct agw_relay_engine {
	struct agw_relay_config cfg;
	int epfd, timerfd, kickfd;
	uint64_t tick_ns; /* armed timer period, 0 = disarmed */
	uint32_t idle_ticks; /* consecutive ticks that found nothing to do */
	struct relay_end timer_end, kick_end;
	struct relay_flow *flows;
	uint32_t nflows, nused;
	uint32_t *free_stack, nfree;
	uint32_t *dead, ndead;
	uint32_t *runq, nrunq;
	uint32_t nwaiting; /* flows the timer has to look at */
	uint64_t *ticking; /* bitmap of those flows, by index */
	char **pool; /* idle RELAY_BUF_SIZE buffers */
	uint32_t npool;
	struct relay_bpf *bpf;
	int bpf_err;
};

static inline uint32_t relay_flow_index(const struct agw_relay_engine *e,
					const struct relay_flow *f)
{
	return (uint32_t)(f - e->flows);
}

uint64_t relay_now_ns(void);
void relay_account(struct relay_half *h, size_t n);
/* Write h->buf, then the pipe, to dst: 1 = empty, 0 = blocked, -errno. */
int relay_half_flush(struct relay_half *h);
/* Copy and splice paths: move what can move now. Returns 0 or -errno and
 * then *side is the socket (0 = a, 1 = b) that failed. */
int relay_step_stream(struct agw_relay_engine *e, struct relay_flow *f, int i,
		      size_t *moved, int *side);
/* A RELAY_BUF_SIZE buffer for h (from the pool) unless it has one. */
int relay_take_buf(struct agw_relay_engine *e, struct relay_half *h);
/* Give an empty buffer back (to the pool when it has the pool's size). */
void relay_drop_buf(struct agw_relay_engine *e, struct relay_half *h);
int relay_shut_dst(struct relay_half *h);
/* Released direction whose FIN went out: read and drop what src still
 * sends, until it would block or EOF (peer_fin; also on an error). */
void relay_discard(struct agw_relay_engine *e, struct relay_half *h);
/* A pipe for h's splice path. */
int relay_open_pipe(struct relay_half *h);
void relay_close_pipe(struct relay_half *h);

/* Add a flow; tls: a TLS flow, the session's socket is fd_a. */
int relay_flow_add(struct agw_relay_engine *e, int fd_a, int fd_b,
		   const struct agw_relay_flow_opts *opts,
		   struct agw_tls_session *tls, uint64_t *id);

/* TLS flows (lib/relay_tls.c) */
/* Path, pipes and the halves' SSL ends of a new TLS flow. */
int relay_tls_setup(struct relay_flow *f, struct agw_tls_session *s,
		    enum agw_relay_path want);
/* SSL_read() into h->buf: > 0 bytes, 0 close_notify or EOF, -errno
 * (-EAGAIN: would block). */
ssize_t relay_tls_read(struct relay_half *h);
/* splice() said the next record is not application data: read it
 * through OpenSSL. The same returns, and -EINTR: splice again. */
ssize_t relay_tls_control(struct relay_half *h);
/* SSL_write() of h->buf[off, len): bytes written or -errno (-EAGAIN). */
ssize_t relay_tls_write(struct relay_half *h);
/* close_notify toward h's TLS destination. */
void relay_tls_shutdown(struct relay_half *h);
/* Whether the session was cut (peer KeyUpdate under kTLS send). */
bool relay_tls_cut(const struct relay_flow *f);
/* Free the session, closing its socket (reset first when asked). */
void relay_tls_release(struct relay_flow *f, bool reset);

/* sockmap path (lib/relay_sockmap.c) */
int relay_bpf_open(struct agw_relay_engine *e);
void relay_bpf_close(struct agw_relay_engine *e);
/* 0 when the verdict reads the destination's progress itself, else why
 * not (-errno; the sockmap status when the program is not loaded). */
int relay_bpf_progress(const struct agw_relay_engine *e);
int relay_sockmap_attach(struct agw_relay_engine *e, struct relay_flow *f);
void relay_sockmap_detach(struct agw_relay_engine *e, struct relay_flow *f);
/* Release: the verdict stops redirecting (chunks go up to user space)
 * and each direction's rel_left is what was passed up and not read yet
 * plus what the socket holds. */
void relay_sockmap_release(struct agw_relay_engine *e, struct relay_flow *f);
int relay_step_sockmap(struct agw_relay_engine *e, struct relay_flow *f, int i,
		       size_t *moved, int *side);
/* Returns whether any direction had bytes in flight. */
bool relay_sockmap_tick(struct agw_relay_engine *e, struct relay_flow *f);
/* The sockmap wake-up channel is readable: watch the sockets it names. */
void relay_sockmap_notify(struct agw_relay_engine *e);
void relay_sockmap_stats(const struct agw_relay_engine *e,
			 const struct relay_flow *f,
			 struct agw_relay_flow_stats *st);

#endif /* AGW_RELAY_PRIV_H */
