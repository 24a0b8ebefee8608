// SPDX-License-Identifier: GPL-2.0-only
/*
 * The relay's one stream pump, for the copy and splice paths and for TLS
 * flows: one direction at a time, read only when the previous chunk has
 * been fully written, so what the relay holds per direction is one buffer
 * (or one pipe) and the TCP window does the rest. A direction with a pipe
 * moves its bytes with splice() (plain sockets, or a kTLS socket whose
 * keys the kernel holds); otherwise through a buffer, with recv()/send()
 * or, at a TLS end without kTLS, SSL_read()/SSL_write() (lib/relay_tls.c).
 * A buffer is taken from the engine's pool when bytes are to be read and
 * given back once it is empty and the source has nothing more, so an idle
 * flow holds no buffer.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "relay_priv.h"

uint64_t relay_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

void relay_account(struct relay_half *h, size_t n)
{
	h->bytes += n;
	h->last_ns = relay_now_ns();
}

int relay_half_flush(struct relay_half *h)
{
	ssize_t n;

	if (h->sink) {
		h->off = h->len = 0;
		return 1;
	}
	while (h->off < h->len) {
		if (h->tls_dst)
			n = relay_tls_write(h);
		else if ((n = send(h->dst, h->buf + h->off, h->len - h->off,
				   MSG_DONTWAIT | MSG_NOSIGNAL)) < 0)
			n = -errno;
		if (n < 0) {
			if (n == -EINTR)
				continue;
			return n == -EAGAIN ? 0 : (int)n;
		}
		h->off += (size_t)n;
		relay_account(h, (size_t)n);
		if (h->tls_src || h->tls_dst)
			h->user_bytes += (uint64_t)n;
	}
	h->off = h->len = 0;
	while (h->in_pipe) {
		/* No SPLICE_F_MORE: it holds small messages back. */
		n = splice(h->pipe_rd, NULL, h->dst, NULL, h->in_pipe,
			   SPLICE_F_NONBLOCK | SPLICE_F_MOVE);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN ? 0 : -errno;
		}
		if (n == 0)
			return -EPIPE;
		h->in_pipe -= (size_t)n;
		relay_account(h, (size_t)n);
	}
	return 1;
}

int relay_shut_dst(struct relay_half *h)
{
	if (h->shut)
		return 0;
	if (h->sink) {
		h->shut = true;
		return 0;
	}
	if (h->tls_dst)
		relay_tls_shutdown(h);
	if (shutdown(h->dst, SHUT_WR) < 0)
		return -errno;
	h->shut = true;
	return 0;
}

void relay_drop_buf(struct agw_relay_engine *e, struct relay_half *h)
{
	if (!h->buf)
		return;
	if (h->cap == RELAY_BUF_SIZE && e->npool < RELAY_POOL_KEEP)
		e->pool[e->npool++] = h->buf;
	else
		free(h->buf);
	h->buf = NULL;
	h->cap = h->off = h->len = 0;
}

int relay_take_buf(struct agw_relay_engine *e, struct relay_half *h)
{
	if (h->buf)
		return 0;
	h->buf = e->npool ? e->pool[--e->npool] : malloc(RELAY_BUF_SIZE);
	if (!h->buf)
		return -ENOMEM;
	h->cap = RELAY_BUF_SIZE;
	return 0;
}

/*
 * One read from src into the buffer or the pipe: > 0, 0 (EOF) or -errno.
 * Under kTLS receive, splice() stops with EINVAL at a record that is not
 * application data; the pipe is empty then (a read only follows a full
 * flush), so OpenSSL reads that record without reordering anything.
 */
static ssize_t half_fill(struct agw_relay_engine *e, struct relay_half *h)
{
	size_t want = RELAY_BUF_SIZE;
	ssize_t n;

	/* Released: no byte beyond what src held at the release (a TLS
	 * source reads whole records, and stops where the socket has no
	 * more: rel_left is unbounded there). */
	if (h->rel && !h->tls_src && want > h->rel_left)
		want = (size_t)h->rel_left;
	if (h->splice) {
		n = splice(h->src, NULL, h->pipe_wr, NULL, want,
			   SPLICE_F_NONBLOCK | SPLICE_F_MOVE);
		if (n > 0)
			h->in_pipe = (size_t)n;
		if (n >= 0 || (errno != EINVAL && errno != EIO))
			h->tls_spins = 0;
		if (n >= 0)
			return n;
		if (!h->tls_src || (errno != EINVAL && errno != EIO))
			return -errno;
		if (relay_take_buf(e, h) < 0)
			return -ENOMEM;
		return relay_tls_control(h);
	}
	if (relay_take_buf(e, h) < 0)
		return -ENOMEM;
	if (h->tls_src)
		return relay_tls_read(h);
	n = recv(h->src, h->buf, want < h->cap ? want : h->cap, MSG_DONTWAIT);
	if (n > 0) {
		h->off = 0;
		h->len = (size_t)n;
	}
	return n < 0 ? -errno : n;
}

void relay_discard(struct agw_relay_engine *e, struct relay_half *h)
{
	ssize_t n;

	if (h->peer_fin)
		return;
	if (relay_take_buf(e, h) < 0)
		return;
	for (;;) {
		if (h->tls_src)
			n = relay_tls_read(h);
		else if ((n = recv(h->src, h->buf, h->cap, MSG_DONTWAIT)) < 0)
			n = -errno;
		h->off = h->len = 0;
		if (n > 0) {
			h->discarded += (uint64_t)n;
			continue;
		}
		if (n == -EINTR)
			continue;
		/* EOF, or the peer's reset: nothing more will come */
		if (n != -EAGAIN)
			h->peer_fin = true;
		break;
	}
	relay_drop_buf(e, h);
}

/*
 * A TLS flow whose UE closed or reset its connection (TLS clients often
 * close at the end of their input, whatever still comes): every byte the
 * UE sent that reached agw goes on to the core, its direction ends as at
 * a close_notify, and what the core still sends is read and dropped, so
 * the core's socket ends with a FIN behind the UE's bytes, not with a
 * reset. h is the direction toward the UE.
 */
static bool ue_gone(struct agw_relay_engine *e, struct relay_half *h, int err)
{
	if (!h->tls_dst || (err != -EPIPE && err != -ECONNRESET))
		return false;
	if (!h->sink)
		h->sink_err = -err;
	h->sink = true;
	h->off = h->len = 0;
	h->in_pipe = 0;
	relay_close_pipe(h);
	relay_drop_buf(e, h);
	return true;
}

int relay_step_stream(struct agw_relay_engine *e, struct relay_flow *f, int i,
		      size_t *moved, int *side)
{
	struct relay_half *h = &f->h[i];
	ssize_t n;
	int ret;

	for (;;) {
		ret = relay_half_flush(h);
		if (ret < 0 && ue_gone(e, h, ret))
			continue;
		if (ret < 0) {
			*side = !i;
			return ret;
		}
		if (ret == 0) {
			if (!h->blocked)
				h->stalls++;
			h->blocked = true;
			return 0;
		}
		h->blocked = false;
		/* Empty now; splice only ever used it for pre-read bytes
		 * (and, under kTLS, for a record OpenSSL read). */
		if (h->buf && (h->splice || h->cap != RELAY_BUF_SIZE))
			relay_drop_buf(e, h);
		if (h->src_eof) {
			relay_drop_buf(e, h);
			ret = relay_shut_dst(h);
			if (ret < 0)
				*side = !i;
			else if (h->rel)
				relay_discard(e, h);
			return ret;
		}
		/* Released: what src held then has gone on. */
		if (h->rel && !h->tls_src && !h->rel_left) {
			h->src_eof = true;
			continue;
		}
		if (*moved >= RELAY_STEP_BUDGET)
			return 0;
		n = half_fill(e, h);
		if (n == -EINTR)
			continue;
		if (n == -EAGAIN && h->rel) {
			h->src_eof = true;
			continue;
		}
		if (n == -EAGAIN) {
			relay_drop_buf(e, h);
			return 0;
		}
		/* reading from the UE: the same, from this side */
		if (n < 0 && h->tls_src && ue_gone(e, &f->h[!i], (int)n))
			n = 0;
		if (n < 0) {
			*side = i;
			return (int)n;
		}
		if (n == 0)
			h->src_eof = h->peer_fin = true;
		if (h->rel && !h->tls_src)
			h->rel_left -= (uint64_t)n < h->rel_left ? (uint64_t)n :
								   h->rel_left;
		if (h->sink)
			h->len = 0;
		*moved += (size_t)n;
	}
}
