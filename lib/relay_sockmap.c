// SPDX-License-Identifier: GPL-2.0-only
/*
 * Relay sockmap path: both sockets of a flow go into agw_relay_socks and
 * the stream verdict (bpf/relay.bpf.c) redirects received chunks to the
 * peer's send side. User space keeps three jobs:
 *  - the memory bound: it refreshes peer_acked (the destination's
 *    tcpi_bytes_acked) so the verdict can tell how much it has handed to
 *    the peer that the peer's remote has not acknowledged yet;
 *  - the chunks the verdict passed up (bound reached): it reads them from
 *    the receiving socket and writes them to the peer, but only once every
 *    redirected byte is inside the peer's socket, so nothing is reordered;
 *  - the close rule: FIN is forwarded only once the destination's acked
 *    plus queued bytes cover everything handed to it;
 *  - its own wake-ups: while the verdict redirects, the sockets are watched
 *    for hang-ups only (the psock signals every redirected chunk as
 *    readable), and the verdict announces each chunk it passes up through
 *    the agw_r_notify ring, upon which the socket is watched for input
 *    again until user space has read everything passed up.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/sockios.h>
#include <linux/tcp.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "agw/relay_maps.h"
#include "agw/relay.skel.h"
#include "relay_priv.h"

struct relay_bpf {
	struct agw_relay *skel;
	struct agw_relay_engine *e;
	struct ring_buffer *notify;
	struct relay_end notify_end;
	int socks_fd, index_fd, dirs_fd, prog_fd, notify_fd;
	struct agw_relay_dir *dirs;
	size_t dirs_len;
	uint32_t nslots;
	/* 0: the verdict reads the destination's progress itself;
	 * -errno: why it was refused (the tick fallback runs). */
	int progress_err;
};

static int pin_map(struct bpf_map *m, const char *dir)
{
	char path[256];
	int n = snprintf(path, sizeof(path), "%s/%s", dir, bpf_map__name(m));

	if (n < 0 || (size_t)n >= sizeof(path))
		return -ENAMETOOLONG;
	return bpf_map__set_pin_path(m, path);
}

/*
 * Open and load the skeleton with one of its two verdict programs (the
 * other is not loaded), maps sized and pinned as configured.
 */
static int load_skel(struct agw_relay_engine *e, struct relay_bpf *b,
		     bool self_progress)
{
	struct bpf_map *maps[3];
	int i, ret;

	b->skel = agw_relay__open();
	if (!b->skel)
		return -errno;
	bpf_program__set_autoload(b->skel->progs.agw_relay_verdict,
				  self_progress);
	bpf_program__set_autoload(b->skel->progs.agw_relay_verdict_tick,
				  !self_progress);
	maps[0] = b->skel->maps.agw_relay_socks;
	maps[1] = b->skel->maps.agw_r_index;
	maps[2] = b->skel->maps.agw_r_dirs;
	for (i = 0; i < 3; i++) {
		ret = bpf_map__set_max_entries(maps[i], b->nslots);
		if (!ret && e->cfg.pin_dir)
			ret = pin_map(maps[i], e->cfg.pin_dir);
		if (ret)
			goto err;
	}
	ret = agw_relay__load(b->skel);
	if (ret)
		goto err;
	b->socks_fd = bpf_map__fd(maps[0]);
	b->index_fd = bpf_map__fd(maps[1]);
	b->dirs_fd = bpf_map__fd(maps[2]);
	b->prog_fd = bpf_program__fd(
		self_progress ? b->skel->progs.agw_relay_verdict :
				b->skel->progs.agw_relay_verdict_tick);
	return 0;
err:
	agw_relay__destroy(b->skel);
	b->skel = NULL;
	return ret < 0 ? ret : -EINVAL;
}

static int on_notify(void *ctx, void *data, size_t size);

/* The verdict's wake-ups (agw_r_notify), read from the engine's epoll. */
static int notify_open(struct agw_relay_engine *e, struct relay_bpf *b)
{
	struct epoll_event ev = { .events = EPOLLIN,
				  .data.ptr = &b->notify_end };

	b->e = e;
	b->notify_end.idx = RELAY_END_NOTIFY;
	b->notify_fd = bpf_map__fd(b->skel->maps.agw_r_notify);
	b->notify = ring_buffer__new(b->notify_fd, on_notify, b, NULL);
	if (!b->notify)
		return -errno;
	if (epoll_ctl(e->epfd, EPOLL_CTL_ADD, b->notify_fd, &ev) < 0) {
		int ret = -errno;

		ring_buffer__free(b->notify);
		b->notify = NULL;
		return ret;
	}
	return 0;
}

int relay_bpf_open(struct agw_relay_engine *e)
{
	struct relay_bpf *b;
	long page = sysconf(_SC_PAGESIZE);
	int ret;

	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->nslots = 2 * e->nflows;
	/* The verdict that reads the destination itself needs BTF and
	 * bpf_skc_to_tcp_sock() in sk_skb programs; without them, the one
	 * fed by the tick. */
	b->progress_err = e->cfg.sockmap_tick ? -EOPNOTSUPP :
						load_skel(e, b, true);
	if (b->progress_err) {
		ret = load_skel(e, b, false);
		if (ret)
			goto err;
	}
	if (b->progress_err && !e->cfg.sockmap_tick) {
		fprintf(stderr,
			"relay: sockmap verdict cannot read the destination "
			"(%s); bound refreshed by user space instead\n",
			strerror(-b->progress_err));
	}
	/* Attach before any socket is inserted (see fastpath notes). */
	ret = bpf_prog_attach(b->prog_fd, b->socks_fd,
			      BPF_SK_SKB_STREAM_VERDICT, 0);
	if (ret)
		goto err;
	b->dirs_len = ((size_t)b->nslots * sizeof(struct agw_relay_dir) +
		       (size_t)page - 1) &
		      ~((size_t)page - 1);
	b->dirs = mmap(NULL, b->dirs_len, PROT_READ | PROT_WRITE, MAP_SHARED,
		       b->dirs_fd, 0);
	if (b->dirs == MAP_FAILED) {
		ret = -errno;
		b->dirs = NULL;
		goto err;
	}
	ret = notify_open(e, b);
	if (ret)
		goto err;
	e->bpf = b;
	return 0;
err:
	if (b->dirs)
		munmap(b->dirs, b->dirs_len);
	if (b->skel)
		agw_relay__destroy(b->skel);
	free(b);
	return ret < 0 ? ret : -EINVAL;
}

int relay_bpf_progress(const struct agw_relay_engine *e)
{
	return e->bpf ? e->bpf->progress_err : e->bpf_err;
}

void relay_bpf_close(struct agw_relay_engine *e)
{
	struct relay_bpf *b = e->bpf;

	if (!b)
		return;
	bpf_prog_detach2(b->prog_fd, b->socks_fd, BPF_SK_SKB_STREAM_VERDICT);
	epoll_ctl(e->epfd, EPOLL_CTL_DEL, b->notify_fd, NULL);
	ring_buffer__free(b->notify);
	if (b->dirs)
		munmap(b->dirs, b->dirs_len);
	agw_relay__destroy(b->skel);
	free(b);
	e->bpf = NULL;
}

static struct agw_relay_dir *dir_of(const struct agw_relay_engine *e,
				    const struct relay_half *h)
{
	return &e->bpf->dirs[h->slot];
}

static uint64_t load64(const void *p)
{
	return __atomic_load_n((const uint64_t *)p, __ATOMIC_ACQUIRE);
}

static void store64(void *p, uint64_t v)
{
	__atomic_store_n((uint64_t *)p, v, __ATOMIC_RELEASE);
}

/* Bytes dst has acknowledged, and (optionally) acknowledged + queued. */
static int dst_progress(int fd, uint64_t *acked, uint64_t *accepted)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);
	int outq = 0;

	memset(&ti, 0, sizeof(ti));
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) < 0)
		return -errno;
	*acked = ti.tcpi_bytes_acked;
	if (accepted) {
		if (ioctl(fd, SIOCOUTQ, &outq) < 0)
			return -errno;
		*accepted = ti.tcpi_bytes_acked + (uint64_t)outq;
	}
	return 0;
}

/*
 * The verdict's bound: the configured one, but never more than half the
 * destination's send buffer. Redirected chunks reach the destination
 * through its psock backlog; if they wait there (send buffer full), chunks
 * the verdict passes up on that socket queue behind them, uncharged to
 * any socket, so TCP flow control no longer holds the sender back. Keeping
 * the forwarded-unacked bytes well inside the send buffer keeps that
 * backlog moving.
 */
static uint64_t dir_limit(const struct relay_half *h)
{
	int sndbuf = 0;
	socklen_t len = sizeof(sndbuf);
	uint64_t half;

	if (getsockopt(h->dst, SOL_SOCKET, SO_SNDBUF, &sndbuf, &len) < 0)
		return h->limit;
	half = (uint64_t)sndbuf / 2;
	if (half < 65536)
		half = 65536;
	return half < h->limit ? half : h->limit;
}

static uint64_t user_bytes(const struct relay_half *h)
{
	return h->bytes - h->user_base;
}

/*
 * Everything handed to dst (redirected or written) is inside dst. Once
 * that held, it keeps holding while the verdict redirects nothing more
 * (our own writes go straight into dst, in order), so the check costs
 * no system call until fwd_bytes moves again.
 */
static int handed_all(struct agw_relay_engine *e, struct relay_half *h,
		      bool *yes)
{
	struct agw_relay_dir *d = dir_of(e, h);
	uint64_t acked, accepted, fwd = load64(&d->fwd_bytes);
	int ret;

	if (h->fwd_inside_ok && fwd == h->fwd_inside) {
		*yes = true;
		return 0;
	}
	ret = dst_progress(h->dst, &acked, &accepted);
	if (ret < 0)
		return ret;
	store64(&d->peer_acked, acked - h->acked_base);
	*yes = (int64_t)(accepted - h->accepted_base) >=
	       (int64_t)(fwd + user_bytes(h));
	h->fwd_inside = fwd;
	h->fwd_inside_ok = *yes;
	return 0;
}

int relay_sockmap_attach(struct agw_relay_engine *e, struct relay_flow *f)
{
	struct relay_bpf *b = e->bpf;
	uint32_t idx = relay_flow_index(e, f);
	socklen_t len;
	int i, ret, one = 1;

	for (i = 0; i < 2; i++) {
		len = sizeof(f->cookie[i]);
		if (getsockopt(f->fd[i], SOL_SOCKET, SO_COOKIE, &f->cookie[i],
			       &len) < 0)
			return -errno;
	}
	for (i = 0; i < 2; i++) {
		struct relay_half *h = &f->h[i];
		struct agw_relay_sock s = { .peer_cookie = f->cookie[!i],
					    .slot = 2 * idx + (uint32_t)i };
		struct agw_relay_dir *d = &b->dirs[s.slot];
		uint64_t acked, accepted;

		ret = dst_progress(h->dst, &acked, &accepted);
		if (ret < 0)
			return ret;
		h->slot = s.slot;
		h->acked_base = acked;
		h->accepted_base = accepted;
		h->user_base = h->bytes;
		h->user_read = 0;
		h->fwd_inside_ok = false;
		memset(d, 0, sizeof(*d));
		/* The verdict that reads the destination caps the bound at
		 * half its send buffer itself, at every chunk. */
		d->limit = b->progress_err ? dir_limit(h) : h->limit;
		d->acked_base = acked;
		if (bpf_map_update_elem(b->index_fd, &f->cookie[i], &s,
					BPF_ANY) < 0)
			goto undo;
	}
	for (i = 0; i < 2; i++) {
		uint64_t fd = (uint64_t)f->fd[i];

		if (bpf_map_update_elem(b->socks_fd, &f->cookie[i], &fd,
					BPF_NOEXIST) < 0)
			goto undo;
	}
	f->in_sockmap = true;
	/* Bytes queued before insertion are not seen by the verdict until
	 * more arrive; setting SO_RCVLOWAT re-runs it on them now. */
	for (i = 0; i < 2; i++)
		setsockopt(f->fd[i], SOL_SOCKET, SO_RCVLOWAT, &one,
			   sizeof(one));
	return 0;
undo:
	ret = -errno;
	for (i = 0; i < 2; i++) {
		bpf_map_delete_elem(b->socks_fd, &f->cookie[i]);
		bpf_map_delete_elem(b->index_fd, &f->cookie[i]);
	}
	return ret;
}

void relay_sockmap_detach(struct agw_relay_engine *e, struct relay_flow *f)
{
	struct relay_bpf *b = e->bpf;
	int i;

	for (i = 0; i < 2; i++) {
		bpf_map_delete_elem(b->index_fd, &f->cookie[i]);
		bpf_map_delete_elem(b->socks_fd, &f->cookie[i]);
	}
	f->in_sockmap = false;
}

void relay_sockmap_release(struct agw_relay_engine *e, struct relay_flow *f)
{
	struct relay_bpf *b = e->bpf;
	int i, q;

	/* Without its index entry a socket's chunks are passed up. */
	for (i = 0; i < 2; i++)
		bpf_map_delete_elem(b->index_fd, &f->cookie[i]);
	for (i = 0; i < 2; i++) {
		struct relay_half *h = &f->h[i];
		uint64_t passed = load64(&dir_of(e, h)->pass_bytes);

		if (ioctl(h->src, SIOCINQ, &q) < 0 || q < 0)
			q = 0;
		h->rel_left =
			(passed > h->user_read ? passed - h->user_read : 0) +
			(uint64_t)q;
	}
}

/*
 * Watch a socket for input only while user space has something to read
 * from it (passed-up chunks, a burst cut by the step budget) and for
 * output only while a write to it is blocked; hang-ups and errors always.
 */
static void watch(struct agw_relay_engine *e, struct relay_flow *f)
{
	struct epoll_event ev;
	int j;

	for (j = 0; j < 2; j++) {
		struct relay_half *h = &f->h[j];
		uint32_t cur = h->events ? h->events : RELAY_SOCK_EVENTS;

		ev.events = EPOLLRDHUP | EPOLLET | (h->want_in ? EPOLLIN : 0) |
			    (f->h[!j].blocked ? EPOLLOUT : 0);
		if (!f->in_epoll[j] || ev.events == cur)
			continue;
		ev.data.ptr = &f->end[j];
		if (!epoll_ctl(e->epfd, EPOLL_CTL_MOD, f->fd[j], &ev))
			h->events = ev.events;
	}
}

static int on_notify(void *ctx, void *data, size_t size)
{
	struct relay_bpf *b = ctx;
	struct agw_relay_engine *e = b->e;
	uint32_t slot;
	struct relay_flow *f;

	if (size < sizeof(slot))
		return 0;
	memcpy(&slot, data, sizeof(slot));
	if (slot / 2 >= e->nflows)
		return 0;
	f = &e->flows[slot / 2];
	/* A stale slot (the flow ended) costs at most one look. */
	if (f->state != RF_RUN || !f->in_sockmap)
		return 0;
	f->h[slot % 2].want_in = true;
	watch(e, f);
	return 0;
}

void relay_sockmap_notify(struct agw_relay_engine *e)
{
	struct relay_bpf *b = e->bpf;
	uint32_t i;

	if (!b)
		return;
	ring_buffer__consume(b->notify);
	/* The ring was full: watch every relayed socket again. */
	if (!__atomic_exchange_n(&b->skel->bss->agw_notify_lost, 0,
				 __ATOMIC_SEQ_CST))
		return;
	for (i = 0; i < e->nflows; i++) {
		struct relay_flow *f = &e->flows[i];

		if (f->state != RF_RUN || !f->in_sockmap)
			continue;
		f->h[0].want_in = f->h[1].want_in = true;
		watch(e, f);
	}
}

static int step_half(struct agw_relay_engine *e, struct relay_flow *f, int i,
		     size_t *moved, int *side)
{
	struct relay_half *h = &f->h[i];
	struct agw_relay_dir *d = dir_of(e, h);
	bool ok;
	ssize_t n;
	int ret;

	h->waiting = false;
	h->want_in = true;
	for (;;) {
		if (h->off < h->len) {
			/* (a sink drops: nothing to overtake) */
			ok = h->sink;
			ret = ok ? 0 : handed_all(e, h, &ok);
			if (ret < 0 || !ok) {
				/* Redirected bytes still queued for dst:
				 * writing now could overtake them. */
				h->waiting = !ret;
				*side = !i;
				return ret < 0 ? ret : 0;
			}
			ret = relay_half_flush(h);
			store64(&d->user_bytes, user_bytes(h));
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
		}
		h->blocked = false;
		/* Only now may the verdict redirect again. */
		store64(&d->user_flushed, h->user_read);
		if (h->src_eof) {
			h->want_in = false;
			if (h->shut) {
				if (h->rel)
					relay_discard(e, h);
				return 0;
			}
			ok = h->sink;
			ret = ok ? 0 : handed_all(e, h, &ok);
			if (!ret && ok)
				ret = relay_shut_dst(h);
			else if (!ret)
				h->waiting = true;
			*side = !i;
			if (!ret && h->shut && h->rel)
				relay_discard(e, h);
			return ret;
		}
		/* Released: what src held then has gone on. */
		if (h->rel && !h->rel_left) {
			h->src_eof = true;
			continue;
		}
		if (*moved >= RELAY_STEP_BUDGET)
			return 0;
		ret = relay_take_buf(e, h);
		if (ret < 0) {
			*side = i;
			return ret;
		}
		n = recv(h->src, h->buf,
			 h->rel && h->rel_left < h->cap ? (size_t)h->rel_left :
							  h->cap,
			 MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			/* Released, and everything passed up is read. */
			if (errno == EAGAIN && h->rel &&
			    h->user_read >= load64(&d->pass_bytes)) {
				relay_drop_buf(e, h);
				h->src_eof = true;
				continue;
			}
			if (errno == EAGAIN && h->rel) {
				relay_drop_buf(e, h);
				h->waiting = true;
				return 0;
			}
			if (errno == EAGAIN) {
				/* Chunks are passed up rarely (bound, ordering):
				 * an idle direction holds no buffer. */
				relay_drop_buf(e, h);
				/* Everything passed up is read: the verdict
				 * announces the next chunk it passes up. */
				if (h->user_read >= load64(&d->pass_bytes))
					h->want_in = false;
				return 0;
			}
			*side = i;
			return -errno;
		}
		if (n == 0) {
			/* Passed chunks can sit in the psock backlog (behind
			 * chunks redirected to this socket) while recv()
			 * already reports the FIN: EOF is real only once
			 * every passed byte has been read. */
			if (h->user_read < load64(&d->pass_bytes)) {
				h->waiting = true;
				return 0;
			}
			h->src_eof = h->peer_fin = true;
			continue;
		}
		h->off = 0;
		h->len = (size_t)n;
		h->user_read += (uint64_t)n;
		if (h->rel)
			h->rel_left -= (uint64_t)n;
		*moved += (size_t)n;
	}
}

int relay_step_sockmap(struct agw_relay_engine *e, struct relay_flow *f, int i,
		       size_t *moved, int *side)
{
	int ret = step_half(e, f, i, moved, side);

	/* Released: every input is read (forwarded or dropped) until EOF. */
	if (f->h[i].rel)
		f->h[i].want_in = !f->h[i].peer_fin;
	if (!ret)
		watch(e, f);
	return ret;
}

/*
 * Tick fallback: keep peer_acked and the bound fresh for the directions
 * that have bytes in flight. Returns whether any had. The verdict that
 * reads the destination itself needs none of this.
 */
bool relay_sockmap_tick(struct agw_relay_engine *e, struct relay_flow *f)
{
	bool busy = false;
	uint64_t acked;
	int i;

	if (!e->bpf->progress_err)
		return false;
	for (i = 0; i < 2; i++) {
		struct relay_half *h = &f->h[i];
		struct agw_relay_dir *d = dir_of(e, h);
		uint64_t handed = load64(&d->fwd_bytes) + user_bytes(h);

		/* Idle directions cost no system call. */
		if (h->shut ||
		    ((int64_t)handed <= (int64_t)load64(&d->peer_acked) &&
		     !d->passing))
			continue;
		busy = true;
		/* The send buffer grows with the connection (autotuning). */
		store64(&d->limit, dir_limit(h));
		if (dst_progress(h->dst, &acked, NULL) == 0)
			store64(&d->peer_acked, acked - h->acked_base);
	}
	return busy;
}

void relay_sockmap_stats(const struct agw_relay_engine *e,
			 const struct relay_flow *f,
			 struct agw_relay_flow_stats *st)
{
	int i;

	for (i = 0; i < 2; i++) {
		const struct relay_half *h = &f->h[i];
		const struct agw_relay_dir *d = dir_of(e, h);
		uint64_t last = load64(&d->last_ns);

		st->dir[i].bytes = h->bytes + load64(&d->fwd_bytes);
		st->dir[i].user_bytes = h->bytes;
		st->dir[i].stalls = h->stalls + d->stalls;
		st->dir[i].chunks = load64(&d->chunks);
		st->limit[i] = e->bpf->progress_err ? load64(&d->limit) :
						      dir_limit(h);
		if (last > st->dir[i].last_ns)
			st->dir[i].last_ns = last;
	}
}
