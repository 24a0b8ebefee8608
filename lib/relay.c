// SPDX-License-Identifier: GPL-2.0-only
/*
 * Relay engine core: flow table, epoll dispatch, path choice, the close
 * rule and event reporting. The paths themselves live in relay_stream.c
 * (copy, splice, and the TLS flows' pump), relay_tls.c (the TLS end of a
 * TLS flow) and relay_sockmap.c.
 *
 * Sockets are registered edge-triggered for input and output once; every
 * event on either socket steps both directions of its flow. A direction
 * that used its byte budget is put on a run queue (and the kick eventfd
 * made readable) so that one fast flow cannot starve the others.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <linux/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>
#include <linux/sockios.h>

#include "relay_priv.h"

#define RELAY_FLOWS_DEFAULT 4096
#define RELAY_DRAIN_MS_DEFAULT 30000

static uint64_t default_max_unsent(void)
{
	unsigned long lo, def, max = 4UL << 20;
	FILE *fp = fopen("/proc/sys/net/ipv4/tcp_wmem", "re");

	if (fp) {
		if (fscanf(fp, "%lu %lu %lu", &lo, &def, &max) != 3)
			max = 4UL << 20;
		fclose(fp);
	}
	return 2 * (uint64_t)max;
}

static void set_ticking(struct agw_relay_engine *e, struct relay_flow *f,
			bool on);

/*
 * The timer serves draining flows and sockmap flows (acknowledgement
 * refresh, ordering waits). It ticks every millisecond while bytes move
 * and slows down once nothing has moved for a while, so idle flows cost
 * almost nothing; the bound only gets more conservative meanwhile.
 */
static void timer_update(struct agw_relay_engine *e)
{
	struct itimerspec its = { 0 };
	uint64_t want = 0;

	if (e->nwaiting)
		want = e->idle_ticks > RELAY_IDLE_AFTER ? RELAY_IDLE_TICK_NS :
							  RELAY_TICK_NS;
	if (want == e->tick_ns)
		return;
	its.it_value.tv_sec = (time_t)(want / 1000000000ULL);
	its.it_value.tv_nsec = (long)(want % 1000000000ULL);
	its.it_interval = its.it_value;
	if (timerfd_settime(e->timerfd, 0, &its, NULL) == 0)
		e->tick_ns = want;
}

static void kick(struct agw_relay_engine *e)
{
	uint64_t one = 1;

	if (write(e->kickfd, &one, sizeof(one)) < 0) {
		/* EAGAIN only when the counter is saturated: still readable */
	}
}

static void queue_flow(struct agw_relay_engine *e, struct relay_flow *f)
{
	if (f->queued)
		return;
	f->queued = true;
	e->runq[e->nrunq++] = relay_flow_index(e, f);
}

static int set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -errno;
	return 0;
}

static void reset_close(int fd)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(fd);
}

void relay_close_pipe(struct relay_half *h)
{
	if (h->pipe_rd >= 0)
		close(h->pipe_rd);
	if (h->pipe_wr >= 0)
		close(h->pipe_wr);
	h->pipe_rd = h->pipe_wr = -1;
	h->splice = false;
}

int relay_open_pipe(struct relay_half *h)
{
	int p[2];

	if (pipe2(p, O_NONBLOCK | O_CLOEXEC) < 0)
		return -errno;
	h->pipe_rd = p[0];
	h->pipe_wr = p[1];
	h->splice = true;
	/* Already the default size; asked for so that one splice from the
	 * socket fits a whole pipe. */
	fcntl(p[1], F_SETPIPE_SZ, RELAY_BUF_SIZE);
	return 0;
}

static int ensure_buffers(struct relay_flow *f, size_t cap)
{
	int i;
	char *b;

	for (i = 0; i < 2; i++) {
		struct relay_half *h = &f->h[i];

		if (h->cap >= cap)
			continue;
		b = realloc(h->buf, cap);
		if (!b)
			return -ENOMEM;
		h->buf = b;
		h->cap = cap;
	}
	return 0;
}

/* Move a flow off sockmap to the copy path, which needs nothing. */
static int fall_back(struct relay_flow *f, enum agw_relay_why why)
{
	f->why = why;
	f->path = AGW_RELAY_PATH_COPY;
	return 0;
}

static void tcp_segs(int fd, uint64_t segs[2])
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	if (fd >= 0 && !getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len)) {
		segs[0] = ti.tcpi_data_segs_out;
		segs[1] = ti.tcpi_data_segs_in;
	}
}

static void fill_stats(const struct agw_relay_engine *e,
		       const struct relay_flow *f,
		       struct agw_relay_flow_stats *st)
{
	int i;

	memset(st, 0, sizeof(*st));
	st->path = f->path;
	st->why = f->why;
	st->releasing = f->releasing;
	for (i = 0; i < 2; i++)
		tcp_segs(f->fd[i], st->segs[i]);
	for (i = 0; i < 2; i++) {
		const struct relay_half *h = &f->h[i];

		st->dir[i].bytes = h->bytes;
		st->dir[i].stalls = h->stalls;
		st->dir[i].last_ns = h->last_ns;
		st->dir[i].closed = h->shut;
		st->dir[i].discarded = h->discarded;
		st->limit[i] = h->limit;
		if (f->tls) {
			st->dir[i].user_bytes = h->user_bytes;
			st->tls_control += h->tls_control;
		}
	}
	if (f->in_sockmap)
		relay_sockmap_stats(e, f, st);
	for (i = 0; i < 2; i++)
		if (st->dir[i].last_ns > st->last_ns)
			st->last_ns = st->dir[i].last_ns;
}

/* reset: bit i resets socket i (fd[i]) rather than closing it. */
static void release_flow(struct agw_relay_engine *e, struct relay_flow *f,
			 unsigned int reset)
{
	int i;

	set_ticking(e, f, false);
	if (f->in_sockmap)
		relay_sockmap_detach(e, f);
	for (i = 0; i < 2; i++) {
		if (f->in_epoll[i])
			epoll_ctl(e->epfd, EPOLL_CTL_DEL, f->fd[i], NULL);
		f->in_epoll[i] = false;
		if (i == 0 && f->tls)
			relay_tls_release(f, reset & 1); /* closes fd[0] */
		else if (reset & (1U << i))
			reset_close(f->fd[i]);
		else
			close(f->fd[i]);
		f->fd[i] = -1;
		relay_close_pipe(&f->h[i]);
		relay_drop_buf(e, &f->h[i]);
	}
}

/* Report the end of a flow and schedule its slot for reuse. */
static void finish_reset(struct agw_relay_engine *e, struct relay_flow *f,
			 enum agw_relay_event ev, int side, int err,
			 unsigned int reset)
{
	struct agw_relay_flow_stats st;
	uint64_t id = ((uint64_t)f->gen << 32) | relay_flow_index(e, f);

	fill_stats(e, f, &st);
	release_flow(e, f, reset);
	f->state = RF_DEAD;
	e->dead[e->ndead++] = relay_flow_index(e, f);
	if (e->cfg.on_event)
		e->cfg.on_event(e->cfg.arg, id, f->ctx, ev, side, err, &st);
}

static void finish(struct agw_relay_engine *e, struct relay_flow *f,
		   enum agw_relay_event ev, int side, int err)
{
	finish_reset(e, f, ev, side, err, ev != AGW_RELAY_EV_CLOSED ? 3 : 0);
}

static void fail(struct agw_relay_engine *e, struct relay_flow *f, int side,
		 int err)
{
	bool reset = err == ECONNRESET || err == EPIPE || err == ENOTCONN;

	finish(e, f, reset ? AGW_RELAY_EV_RESET : AGW_RELAY_EV_ERROR, side,
	       err);
}

static void set_ticking(struct agw_relay_engine *e, struct relay_flow *f,
			bool on)
{
	uint32_t i = relay_flow_index(e, f);
	uint64_t bit = 1ULL << (i % 64);

	if (f->ticking == on)
		return;
	f->ticking = on;
	if (on) {
		e->nwaiting++;
		e->ticking[i / 64] |= bit;
	} else {
		e->nwaiting--;
		e->ticking[i / 64] &= ~bit;
	}
}

/*
 * A sockmap flow needs the timer only while a direction waits (ordering,
 * close rule) or when the verdict's bound is fed by the tick; otherwise
 * the verdict and the wake-up ring do everything, and an idle flow costs
 * the timer nothing.
 */
static void sockmap_ticking(struct agw_relay_engine *e, struct relay_flow *f)
{
	set_ticking(e, f,
		    f->h[0].waiting || f->h[1].waiting ||
			    relay_bpf_progress(e) != 0);
}

static int sock_error(int fd)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		return errno;
	return err;
}

/*
 * Close rule, last part: both FINs are queued behind every forwarded
 * byte; the flow is reported closed once both send queues are empty, i.e.
 * the peers acknowledged everything (or after drain_timeout_ms).
 */
static void drain_check(struct agw_relay_engine *e, struct relay_flow *f)
{
	int i, outq, err, pending = 0;

	for (i = 0; i < 2; i++) {
		if (f->h[!i].sink)
			continue; /* the UE that went away */
		err = sock_error(f->fd[i]);
		if (err) {
			fail(e, f, i, err);
			return;
		}
		if (ioctl(f->fd[i], SIOCOUTQ, &outq) < 0 || outq > 0)
			pending = 1;
	}
	if (!pending)
		finish(e, f, AGW_RELAY_EV_CLOSED, 0, f->h[1].sink_err);
	else if (relay_now_ns() >= f->drain_deadline_ns)
		finish(e, f, AGW_RELAY_EV_CLOSED, 0, ETIMEDOUT);
}

static void step(struct agw_relay_engine *e, struct relay_flow *f);

/*
 * Socket i of a released flow is gone (its peer reset it, or agw did):
 * what was on the way to it is dropped, nothing more comes from it, and
 * the flow goes on for the other. agw resets a socket whose peer did not
 * take what agw had for it within the drain timeout with connect()
 * AF_UNSPEC, which sends the RST and keeps the descriptor.
 */
static void release_gone(struct relay_flow *f, int i)
{
	f->rel_gone |= 1U << i;
	f->h[!i].sink = true; /* toward it: dropped */
	f->h[!i].off = f->h[!i].len = 0;
	f->h[i].src_eof = f->h[i].peer_fin = true; /* from it: ended */
	f->h[i].rel_left = 0;
}

static void release_reset(struct relay_flow *f, int i)
{
	struct sockaddr sa = { .sa_family = AF_UNSPEC };

	if (connect(f->fd[i], &sa, sizeof(sa)) < 0) {
		/* already gone */
	}
	f->rel_reset |= 1U << i;
	release_gone(f, i);
}

/*
 * A released flow: socket i is finished once its FIN went out behind
 * every byte, the peer acknowledged all of it (empty send queue) and sent
 * its own FIN (or was reset). At the deadline a socket whose peer did not
 * take everything is reset, and the other peer gets one more drain
 * timeout to finish (what was on its way to the reset one is dropped);
 * at the end of that, or at the first deadline when nobody had to be
 * reset, a socket still not finished is closed after reading what it had
 * queued (reset if its send queue is not empty).
 */
static void release_check(struct agw_relay_engine *e, struct relay_flow *f)
{
	bool late = relay_now_ns() >= f->rel_deadline_ns;
	unsigned int reset = 0;
	int i, outq, pending = 0;

	for (i = 0; i < 2; i++) {
		const struct relay_half *out = &f->h[!i]; /* toward fd[i] */
		bool drained = out->shut;

		if (f->rel_gone & (1U << i))
			continue;
		if (drained && !out->sink &&
		    (ioctl(f->fd[i], SIOCOUTQ, &outq) < 0 || outq > 0))
			drained = sock_error(f->fd[i]) != 0;
		if (drained && f->h[i].peer_fin)
			continue;
		pending = 1;
		if (late && !drained)
			reset |= 1U << i;
		else if (late)
			relay_discard(e, &f->h[i]);
	}
	/* (a peer that took everything but keeps its side open is closed
	 * at the first deadline already) */
	if (!pending || (late && (f->rel_last || !reset))) {
		reset |= f->rel_reset;
		finish_reset(e, f, AGW_RELAY_EV_CLOSED, reset & 1 ? 0 : 1,
			     reset ? ETIMEDOUT : 0, reset);
		return;
	}
	if (!late)
		return;
	for (i = 0; i < 2; i++)
		if (reset & (1U << i))
			release_reset(f, i);
	f->rel_last = true;
	f->rel_deadline_ns = relay_now_ns() + f->rel_timeout_ns;
	step(e, f); /* the other's direction: drops, then FIN */
}

static void start_drain(struct agw_relay_engine *e, struct relay_flow *f)
{
	int i;

	/* Both directions are finished: stop watching the sockets, whose
	 * hang-up would otherwise keep firing, and poll the queues. */
	for (i = 0; i < 2; i++) {
		if (f->in_epoll[i])
			epoll_ctl(e->epfd, EPOLL_CTL_DEL, f->fd[i], NULL);
		f->in_epoll[i] = false;
	}
	f->state = RF_DRAIN;
	f->drain_deadline_ns =
		relay_now_ns() + e->cfg.drain_timeout_ms * 1000000ULL;
	set_ticking(e, f, true);
	drain_check(e, f);
}

static int prelude_step(struct agw_relay_engine *e, struct relay_flow *f,
			int *side)
{
	int i, ret, done = 0;

	for (i = 0; i < 2; i++) {
		ret = relay_half_flush(&f->h[i]);
		if (ret < 0) {
			*side = !i;
			return ret;
		}
		done += ret;
	}
	if (done < 2)
		return 0;
	f->state = RF_RUN;
	ret = relay_sockmap_attach(e, f);
	if (ret < 0) {
		ret = fall_back(f, AGW_RELAY_WHY_SOCKMAP_REFUSED);
		if (ret < 0)
			*side = 0;
		return ret;
	}
	set_ticking(e, f, true);
	return 0;
}

/* Directions in the order they are stepped: a TLS flow's first again,
 * as SSL_write() may have taken what SSL_read() waited for. */
static const int plain_order[] = { 0, 1 }, tls_order[] = { 0, 1, 0 };

static void step(struct agw_relay_engine *e, struct relay_flow *f)
{
	const int *order = f->tls ? tls_order : plain_order;
	int n = f->tls ? 3 : 2;
	int k, i, ret, side = 0;
	size_t moved;

	if (f->state == RF_PRELUDE) {
		ret = prelude_step(e, f, &side);
		if (ret < 0) {
			fail(e, f, side, -ret);
			return;
		}
		if (f->state == RF_PRELUDE)
			return;
	}
	if (f->state != RF_RUN)
		return;
	for (k = 0; k < n; k++) {
		i = order[k];
		moved = 0;
		if (f->path == AGW_RELAY_PATH_SOCKMAP)
			ret = relay_step_sockmap(e, f, i, &moved, &side);
		else
			ret = relay_step_stream(e, f, i, &moved, &side);
		/* The cut looks like EOF to the pump: never end it as clean. */
		if (f->tls && relay_tls_cut(f)) {
			fail(e, f, 0, EOPNOTSUPP);
			return;
		}
		if (ret < 0 && f->releasing) {
			release_gone(f, side);
			continue;
		}
		if (ret < 0) {
			fail(e, f, side, -ret);
			return;
		}
		if (f->releasing && f->h[i].shut && !f->h[i].peer_fin)
			relay_discard(e, &f->h[i]);
		if (moved >= RELAY_STEP_BUDGET)
			queue_flow(e, f);
		if (f->h[i].waiting)
			e->idle_ticks = 0;
	}
	if (f->releasing)
		release_check(e, f);
	else if (f->h[0].shut && f->h[1].shut)
		start_drain(e, f);
	else if (f->in_sockmap)
		sockmap_ticking(e, f);
}

static void tick(struct agw_relay_engine *e)
{
	bool busy = false;
	uint64_t n, bits;
	uint32_t w;

	if (read(e->timerfd, &n, sizeof(n)) < 0) {
		/* spurious wakeup: look anyway */
	}
	/* Only the flows that asked (a bitmap, not the flow table: the
	 * table is large and mostly idle). */
	for (w = 0; w * 64 < e->nflows && e->nwaiting; w++) {
		for (bits = e->ticking[w]; bits; bits &= bits - 1) {
			uint32_t i = w * 64 + (uint32_t)__builtin_ctzll(bits);
			struct relay_flow *f = &e->flows[i];

			if (f->state == RF_DRAIN) {
				busy = true;
				drain_check(e, f);
			} else if (f->state == RF_RUN && f->releasing) {
				step(e, f);
			} else if (f->state == RF_RUN && f->in_sockmap) {
				if (relay_sockmap_tick(e, f))
					busy = true;
				if (f->h[0].waiting || f->h[1].waiting)
					step(e, f);
				else
					sockmap_ticking(e, f);
			}
		}
	}
	e->idle_ticks = busy ? 0 : e->idle_ticks + 1;
}

static void handle(struct agw_relay_engine *e, struct relay_end *end,
		   uint32_t events)
{
	struct relay_flow *f = end->flow;
	int err;

	if (f->state != RF_RUN && f->state != RF_PRELUDE)
		return;
	if (events & EPOLLERR) {
		err = sock_error(f->fd[end->idx]);
		if (err && f->releasing) {
			release_gone(f, end->idx);
		} else if (err) {
			fail(e, f, end->idx, err);
			return;
		}
	}
	step(e, f);
}

static void run_queue(struct agw_relay_engine *e)
{
	uint32_t i, n = e->nrunq;

	for (i = 0; i < n; i++) {
		struct relay_flow *f = &e->flows[e->runq[i]];

		f->queued = false;
		step(e, f);
	}
	memmove(e->runq, e->runq + n, (e->nrunq - n) * sizeof(*e->runq));
	e->nrunq -= n;
}

static void reap(struct agw_relay_engine *e)
{
	while (e->ndead) {
		uint32_t idx = e->dead[--e->ndead];
		struct relay_flow *f = &e->flows[idx];

		f->state = RF_FREE;
		f->queued = false;
		e->free_stack[e->nfree++] = idx;
		e->nused--;
	}
}

int agw_relay_dispatch(struct agw_relay_engine *e, int timeout_ms)
{
	struct epoll_event evs[64];
	uint64_t v;
	int i, n;

	if (e->nrunq)
		timeout_ms = 0;
	n = epoll_wait(e->epfd, evs, 64, timeout_ms);
	if (n < 0) {
		if (errno != EINTR)
			return -errno;
		n = 0;
	}
	for (i = 0; i < n; i++) {
		struct relay_end *end = evs[i].data.ptr;

		if (end == &e->timer_end)
			tick(e);
		else if (end->idx == RELAY_END_NOTIFY)
			relay_sockmap_notify(e);
		else if (end == &e->kick_end) {
			if (read(e->kickfd, &v, sizeof(v)) < 0) {
				/* already cleared */
			}
		} else
			handle(e, end, evs[i].events);
	}
	run_queue(e);
	if (e->nrunq)
		kick(e);
	reap(e);
	timer_update(e);
	return n;
}

int agw_relay_run(struct agw_relay_engine *e, const volatile int *stop)
{
	int ret;

	while (stop ? !*stop : e->nused > 0) {
		ret = agw_relay_dispatch(e, 100);
		if (ret < 0)
			return ret;
	}
	return 0;
}

int agw_relay_fd(const struct agw_relay_engine *e)
{
	return e->epfd;
}

unsigned int agw_relay_count(const struct agw_relay_engine *e)
{
	return e->nused;
}

int agw_relay_sockmap_status(const struct agw_relay_engine *e)
{
	return e->bpf ? 0 : e->bpf_err;
}

int agw_relay_sockmap_progress(const struct agw_relay_engine *e)
{
	return relay_bpf_progress(e);
}

static struct relay_flow *lookup(struct agw_relay_engine *e, uint64_t id)
{
	uint32_t idx = (uint32_t)id;
	struct relay_flow *f;

	if (idx >= e->nflows)
		return NULL;
	f = &e->flows[idx];
	if (f->gen != (uint32_t)(id >> 32) ||
	    (f->state != RF_RUN && f->state != RF_PRELUDE &&
	     f->state != RF_DRAIN))
		return NULL;
	return f;
}

int agw_relay_stats(struct agw_relay_engine *e, uint64_t id,
		    struct agw_relay_flow_stats *st)
{
	struct relay_flow *f = lookup(e, id);

	if (!f)
		return -ENOENT;
	fill_stats(e, f, st);
	return 0;
}

int agw_relay_release(struct agw_relay_engine *e, uint64_t id,
		      unsigned int timeout_ms, void *ctx)
{
	struct relay_flow *f = lookup(e, id);
	uint64_t deadline = relay_now_ns() + timeout_ms * 1000000ULL;
	int i, q;

	if (!f)
		return -ENOENT;
	f->ctx = ctx;
	if (f->state == RF_DRAIN) {
		if (deadline < f->drain_deadline_ns)
			f->drain_deadline_ns = deadline;
		return 0;
	}
	if (f->releasing)
		return 0;
	if (f->state == RF_PRELUDE) {
		/* not in the map yet: its pre-read bytes go out by copy */
		f->state = RF_RUN;
		f->path = AGW_RELAY_PATH_COPY;
	}
	f->releasing = true;
	f->rel_deadline_ns = deadline;
	f->rel_timeout_ns = timeout_ms * 1000000ULL;
	for (i = 0; i < 2; i++) {
		struct relay_half *h = &f->h[i];

		h->rel = true;
		h->rel_left = UINT64_MAX;
		if (f->in_sockmap || h->tls_src)
			continue;
		if (ioctl(h->src, SIOCINQ, &q) < 0 || q < 0)
			q = 0;
		h->rel_left = (uint64_t)q;
	}
	if (f->in_sockmap)
		relay_sockmap_release(e, f);
	set_ticking(e, f, true);
	queue_flow(e, f);
	kick(e);
	timer_update(e);
	return 0;
}

int agw_relay_abort(struct agw_relay_engine *e, uint64_t id)
{
	struct relay_flow *f = lookup(e, id);

	if (!f)
		return -ENOENT;
	finish(e, f, AGW_RELAY_EV_ERROR, 0, ECANCELED);
	return 0;
}

static int check_socket(int fd)
{
	int type;
	socklen_t len = sizeof(type);

	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0)
		return -errno;
	return type == SOCK_STREAM ? 0 : -EPROTOTYPE;
}

static int copy_pre(struct relay_half *h, const void *pre, size_t len)
{
	if (!len)
		return 0;
	if (h->cap < len) {
		char *b = realloc(h->buf, len);

		if (!b)
			return -ENOMEM;
		h->buf = b;
		h->cap = len;
	}
	memcpy(h->buf, pre, len);
	h->off = 0;
	h->len = len;
	h->pre_len = len;
	return 0;
}

static void init_flow(struct agw_relay_engine *e, struct relay_flow *f,
		      int fd_a, int fd_b)
{
	uint32_t gen = f->gen + 1;
	int i;

	memset(f, 0, sizeof(*f));
	f->gen = gen ? gen : 1;
	f->fd[0] = fd_a;
	f->fd[1] = fd_b;
	for (i = 0; i < 2; i++) {
		f->h[i].src = f->fd[i];
		f->h[i].dst = f->fd[!i];
		f->h[i].pipe_rd = f->h[i].pipe_wr = -1;
		f->h[i].limit = e->cfg.max_unsent;
		f->end[i].flow = f;
		f->end[i].idx = i;
	}
}

/*
 * The verdict program is handed whole skbs: one the caller has partly
 * read would be forwarded again from its start. So before insertion,
 * read exactly what is queued (SIOCINQ), which consumes every queued skb
 * to its end; it goes out with the pre-read bytes, before the insertion.
 */
static int take_queued(struct relay_flow *f)
{
	int i, q;
	ssize_t n;

	for (i = 0; i < 2; i++) {
		struct relay_half *h = &f->h[i];

		if (ioctl(f->fd[i], SIOCINQ, &q) < 0)
			return -errno;
		if (q <= 0)
			continue;
		if (h->cap < h->len + (size_t)q) {
			char *b = realloc(h->buf, h->len + (size_t)q);

			if (!b)
				return -ENOMEM;
			h->buf = b;
			h->cap = h->len + (size_t)q;
		}
		n = recv(f->fd[i], h->buf + h->len, (size_t)q, MSG_DONTWAIT);
		if (n < 0 && errno != EAGAIN)
			return -errno;
		if (n > 0)
			h->len += (size_t)n;
	}
	return 0;
}

static bool is_tcp(int fd)
{
	int proto = 0;
	socklen_t len = sizeof(proto);

	return getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &proto, &len) == 0 &&
	       proto == IPPROTO_TCP;
}

static int choose_path(struct agw_relay_engine *e, struct relay_flow *f,
		       const struct agw_relay_flow_opts *o)
{
	int ret;

	f->path = o->path ? o->path : e->cfg.path;
	f->why = o->path ? AGW_RELAY_WHY_REQUESTED : AGW_RELAY_WHY_DEFAULT;
	if (f->path == AGW_RELAY_PATH_SOCKMAP) {
		if (!e->bpf)
			return fall_back(f, AGW_RELAY_WHY_NO_BPF);
		/* The bound and the close rule read TCP counters. */
		if (!is_tcp(f->fd[0]) || !is_tcp(f->fd[1]))
			return fall_back(f, AGW_RELAY_WHY_SOCKMAP_REFUSED);
		ret = ensure_buffers(f, RELAY_BUF_SIZE);
		if (!ret)
			ret = take_queued(f);
		if (ret < 0)
			return ret;
		if (f->h[0].len || f->h[1].len) {
			f->state = RF_PRELUDE;
			return 0;
		}
		if (relay_sockmap_attach(e, f) < 0)
			return fall_back(f, AGW_RELAY_WHY_SOCKMAP_REFUSED);
		set_ticking(e, f, true);
		return 0;
	}
	if (f->path == AGW_RELAY_PATH_SPLICE) {
		if (relay_open_pipe(&f->h[0]) == 0 &&
		    relay_open_pipe(&f->h[1]) == 0)
			return 0;
		relay_close_pipe(&f->h[0]);
		relay_close_pipe(&f->h[1]);
		f->path = AGW_RELAY_PATH_COPY;
		f->why = AGW_RELAY_WHY_NO_PIPE;
	}
	return 0; /* copy takes its buffers when bytes come */
}

int relay_flow_add(struct agw_relay_engine *e, int fd_a, int fd_b,
		   const struct agw_relay_flow_opts *opts,
		   struct agw_tls_session *tls, uint64_t *id)
{
	static const struct agw_relay_flow_opts none;
	const struct agw_relay_flow_opts *o = opts ? opts : &none;
	struct epoll_event ev = { .events = RELAY_SOCK_EVENTS };
	struct relay_flow *f;
	uint32_t idx, gen;
	int i, ret;

	if (fd_a < 0 || fd_b < 0 || fd_a == fd_b ||
	    (unsigned int)o->path >= AGW_RELAY_PATH_PLAIN_MAX)
		return -EINVAL;
	if (check_socket(fd_a) < 0 || check_socket(fd_b) < 0)
		return -ENOTSOCK;
	if (!e->nfree)
		return -ENOSPC;
	idx = e->free_stack[e->nfree - 1];
	f = &e->flows[idx];
	init_flow(e, f, fd_a, fd_b);
	f->ctx = o->ctx;
	f->state = RF_RUN;
	ret = copy_pre(&f->h[0], o->pre_a, o->pre_a_len);
	if (!ret)
		ret = copy_pre(&f->h[1], o->pre_b, o->pre_b_len);
	for (i = 0; i < 2 && !ret; i++)
		ret = set_nonblock(f->fd[i]);
	if (!ret && tls)
		ret = relay_tls_setup(f, tls, o->path);
	else if (!ret)
		ret = choose_path(e, f, o);
	for (i = 0; i < 2 && !ret; i++) {
		ev.data.ptr = &f->end[i];
		if (epoll_ctl(e->epfd, EPOLL_CTL_ADD, f->fd[i], &ev) < 0)
			ret = -errno;
		else
			f->in_epoll[i] = true;
	}
	if (ret < 0)
		goto err;
	e->nfree--;
	e->nused++;
	if (id)
		*id = ((uint64_t)f->gen << 32) | idx;
	/* First step from dispatch: bytes may already be queued. */
	queue_flow(e, f);
	e->idle_ticks = 0;
	kick(e);
	timer_update(e);
	return 0;
err:
	set_ticking(e, f, false);
	if (f->in_sockmap)
		relay_sockmap_detach(e, f);
	for (i = 0; i < 2; i++) {
		if (f->in_epoll[i])
			epoll_ctl(e->epfd, EPOLL_CTL_DEL, f->fd[i], NULL);
		relay_close_pipe(&f->h[i]);
		relay_drop_buf(e, &f->h[i]);
	}
	gen = f->gen;
	memset(f, 0, sizeof(*f));
	f->gen = gen;
	return ret;
}

int agw_relay_add(struct agw_relay_engine *e, int fd_a, int fd_b,
		  const struct agw_relay_flow_opts *opts, uint64_t *id)
{
	return relay_flow_add(e, fd_a, fd_b, opts, NULL, id);
}

static int add_watch(struct agw_relay_engine *e, int fd, struct relay_end *end)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = end };

	return epoll_ctl(e->epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

int agw_relay_new(const struct agw_relay_config *cfg,
		  struct agw_relay_engine **out)
{
	struct agw_relay_engine *e;
	uint32_t i;
	int ret;

	if (!cfg || !out || (unsigned int)cfg->path >= AGW_RELAY_PATH_PLAIN_MAX)
		return -EINVAL;
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->cfg = *cfg;
	e->epfd = e->timerfd = e->kickfd = -1;
	/* sockmap by default (the project's design, and measured: see
	 * Documentation/relay.md); a flow falls back to copy, with the
	 * reason in its counters, when the program is not loaded or the
	 * kernel refuses the sockets. */
	if (!e->cfg.path)
		e->cfg.path = AGW_RELAY_PATH_SOCKMAP;
	if (!e->cfg.max_unsent)
		e->cfg.max_unsent = default_max_unsent();
	if (!e->cfg.max_flows)
		e->cfg.max_flows = RELAY_FLOWS_DEFAULT;
	if (!e->cfg.drain_timeout_ms)
		e->cfg.drain_timeout_ms = RELAY_DRAIN_MS_DEFAULT;
	e->nflows = e->cfg.max_flows;
	e->flows = calloc(e->nflows, sizeof(*e->flows));
	e->free_stack = calloc(e->nflows, sizeof(uint32_t));
	e->dead = calloc(e->nflows, sizeof(uint32_t));
	e->runq = calloc(e->nflows, sizeof(uint32_t));
	e->ticking = calloc((e->nflows + 63) / 64, sizeof(uint64_t));
	e->pool = calloc(RELAY_POOL_KEEP, sizeof(char *));
	ret = -ENOMEM;
	if (!e->flows || !e->free_stack || !e->dead || !e->runq || !e->pool ||
	    !e->ticking)
		goto err;
	for (i = 0; i < e->nflows; i++)
		e->free_stack[i] = e->nflows - 1 - i;
	e->nfree = e->nflows;
	e->timer_end.idx = -1;
	e->kick_end.idx = -2;
	e->epfd = epoll_create1(EPOLL_CLOEXEC);
	e->timerfd =
		timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	e->kickfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	ret = -errno;
	if (e->epfd < 0 || e->timerfd < 0 || e->kickfd < 0)
		goto err;
	ret = add_watch(e, e->timerfd, &e->timer_end);
	if (!ret)
		ret = add_watch(e, e->kickfd, &e->kick_end);
	if (ret)
		goto err;
	e->bpf_err = e->cfg.no_bpf ? -ENOTSUP : relay_bpf_open(e);
	*out = e;
	return 0;
err:
	agw_relay_free(e);
	return ret;
}

void agw_relay_free(struct agw_relay_engine *e)
{
	uint32_t i;

	if (!e)
		return;
	for (i = 0; e->flows && i < e->nflows; i++) {
		struct relay_flow *f = &e->flows[i];

		if (f->state != RF_FREE && f->state != RF_DEAD)
			release_flow(e, f, 3);
	}
	relay_bpf_close(e);
	if (e->epfd >= 0)
		close(e->epfd);
	if (e->timerfd >= 0)
		close(e->timerfd);
	if (e->kickfd >= 0)
		close(e->kickfd);
	free(e->flows);
	free(e->free_stack);
	free(e->dead);
	free(e->runq);
	free(e->ticking);
	while (e->npool)
		free(e->pool[--e->npool]);
	free(e->pool);
	free(e);
}
