// SPDX-License-Identifier: GPL-2.0-only
/*
 * Concurrent sessions benchmark: thousands of long-lived TCP session pairs,
 * mostly idle, relayed by agw's relay engine (or by HAProxy, or not at all),
 * with the load generator spread over several processes and loopback
 * addresses. Two programs in one binary:
 *
 *   relay_sessions relay --path sockmap|splice|copy --groups K
 *       --listen IP:PORT --upstream IP:PORT [--max-flows N]
 *     The bench relay: group g accepts on IP+g:PORT (last octet plus g),
 *     connects each accepted socket to upstream IP+g:PORT and hands the
 *     pair to the engine, driving the engine's fd from its own epoll loop
 *     (agw_relay_fd / agw_relay_dispatch), as agwd does. Prints "ready"
 *     once listening; on SIGTERM prints the flows' paths and events.
 *
 *   relay_sessions gen --sessions N --groups K --connect IP:PORT
 *       --serve IP:PORT --tag NAME [--period-ms T] [--burst-pct P]
 *       [--burst-bytes B] [--warmup S] [--measure S] [--relay-pid PID]
 *       [--relay-port P --upstream-port Q] [--targets FILE] [--hold 1]
 *     The load generator: K worker processes; worker g listens on serve
 *     IP+g and opens N/K sessions to connect IP+g (the relay; or its own
 *     server: direct). Every endpoint sends a 1 KiB message, stamped with
 *     CLOCK_MONOTONIC, every T ms from a random phase; P % of the sessions
 *     send one burst of B bytes during the measured window. Receivers take
 *     the latency of every message. Prints bench lines: set-up rate,
 *     latency p50/p99/p999, CPU of the relay process (+ kworker/ksoftirqd,
 *     + its BPF programs' run time) per second, memory per session (user
 *     RSS, kernel socket buffers and socket objects, BPF maps), message
 *     rate, burst completion.
 *     --targets FILE: both ends of every session connect (to a relay that
 *     listens per session, as agwd's terminations do): line i of FILE is
 *     "IP:PORT IP:PORT", the two ends of session i, which worker i % K
 *     opens. --hold 1: after the report, print "held" and keep the
 *     sessions open until stdin gives a line or ends.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include <bpf/bpf.h>

#include "agw/relay.h"
#include "bench_net.h"
#include "bench_util.h"

#define MAX_GROUPS 64
#define MSG_MAGIC 0x61677773u /* "agws" */
#define MSG_SIZE 1024
#define BURST_MAX (64u << 20)
#define SCRATCH (64 * 1024)
#define TICK_MS 2
#define CONNECTS_IN_FLIGHT 64

enum msg_type { MT_HELLO = 1, MT_MSG, MT_BURST };

struct msg_hdr {
	uint32_t magic;
	uint32_t type;
	uint64_t len; /* whole message, header included */
	uint64_t ts; /* CLOCK_MONOTONIC ns when the first byte was sent */
};

static void die(const char *what)
{
	fprintf(stderr, "relay_sessions: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* ------------------------------------------------------------------ */
/* relay: the engine behind listeners, as agwd drives it               */

/* epoll tags below this are listener indexes; the rest are pointers */
#define TAG_ENGINE ((uint64_t)MAX_GROUPS)
#define TAG_SIGNAL ((uint64_t)MAX_GROUPS + 1)

struct pending {
	int a, b; /* accepted socket, upstream socket being connected */
};

struct relay_counts {
	uint64_t added, connect_failed, add_failed;
	uint64_t add_ns; /* CPU time spent in agw_relay_add() */
	uint64_t path[AGW_RELAY_PATH_MAX][AGW_RELAY_WHY_MAX];
	uint64_t ev[3];
};

static void relay_on_event(void *arg, uint64_t id, void *ctx,
			   enum agw_relay_event ev, int side, int err,
			   const struct agw_relay_flow_stats *st)
{
	struct relay_counts *c = arg;

	(void)id;
	(void)ctx;
	(void)side;
	(void)err;
	(void)st;
	if ((unsigned int)ev < 3)
		c->ev[ev]++;
}

static uint64_t cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void relay_hand_over(struct agw_relay_engine *e, struct pending *p,
			    struct relay_counts *c)
{
	struct agw_relay_flow_stats st;
	uint64_t id, t0 = cpu_ns();
	int ret = bench_sock_err(p->b) ?
			  -ECONNREFUSED :
			  agw_relay_add(e, p->a, p->b, NULL, &id);

	c->add_ns += cpu_ns() - t0;
	if (ret < 0) {
		c->connect_failed++;
		close(p->a);
		close(p->b);
		return;
	}
	c->added++;
	/* agwd logs the path right after the handover */
	if (!agw_relay_stats(e, id, &st) && st.path < AGW_RELAY_PATH_MAX &&
	    st.why < AGW_RELAY_WHY_MAX)
		c->path[st.path][st.why]++;
}

static void relay_accept(int lfd, int ep, const struct sockaddr_in *up,
			 struct relay_counts *c)
{
	struct epoll_event ev = { .events = EPOLLOUT };
	struct pending *p;
	int a, b;

	for (;;) {
		a = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (a < 0) {
			if (errno != EAGAIN && errno != EINTR)
				c->connect_failed++;
			if (errno == EINTR)
				continue;
			return;
		}
		b = bench_connect(up);
		p = malloc(sizeof(*p));
		if (b < 0 || !p) {
			c->connect_failed++;
			close(a);
			if (b >= 0)
				close(b);
			free(p);
			continue;
		}
		p->a = a;
		p->b = b;
		ev.data.ptr = p;
		if (epoll_ctl(ep, EPOLL_CTL_ADD, b, &ev) < 0) {
			c->connect_failed++;
			close(a);
			close(b);
			free(p);
		}
	}
}

static void relay_report(const char *path, const struct relay_counts *c)
{
	int p, w;

	fprintf(stderr,
		"relay: path=%s added=%" PRIu64 " connect_failed=%" PRIu64,
		path, c->added, c->connect_failed);
	for (p = 0; p < AGW_RELAY_PATH_MAX; p++)
		for (w = 0; w < AGW_RELAY_WHY_MAX; w++)
			if (c->path[p][w])
				fprintf(stderr, " %s/%s=%" PRIu64,
					agw_relay_path_name(p),
					agw_relay_why_name(w), c->path[p][w]);
	fprintf(stderr,
		" closed=%" PRIu64 " reset=%" PRIu64 " error=%" PRIu64
		" add_us=%.1f\n",
		c->ev[AGW_RELAY_EV_CLOSED], c->ev[AGW_RELAY_EV_RESET],
		c->ev[AGW_RELAY_EV_ERROR],
		c->added ? (double)c->add_ns / (double)c->added / 1e3 : 0);
}

static int cmd_relay(int argc, char **argv)
{
	struct sockaddr_in lbase, ubase, up[MAX_GROUPS];
	struct relay_counts counts = { 0 };
	struct agw_relay_config cfg = { 0 };
	struct agw_relay_engine *e;
	struct epoll_event ev, evs[256];
	const char *path = "sockmap";
	int i, n, groups = 1, max_flows = 0, ep, sfd, ret;
	bool have_l = false, have_u = false, stop = false;

	for (i = 0; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--path"))
			path = argv[i + 1];
		else if (!strcmp(argv[i], "--groups"))
			groups = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--max-flows"))
			max_flows = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--listen"))
			have_l = !bench_parse_addr(argv[i + 1], &lbase);
		else if (!strcmp(argv[i], "--upstream"))
			have_u = !bench_parse_addr(argv[i + 1], &ubase);
		else
			return 2;
	}
	ret = agw_relay_path_parse(path);
	if (i != argc || !have_l || !have_u || groups < 1 ||
	    groups > MAX_GROUPS || ret <= 0 || max_flows < 0)
		return 2;
	bench_raise_nofile();
	cfg.path = (enum agw_relay_path)ret;
	cfg.max_flows = (unsigned int)max_flows;
	cfg.on_event = relay_on_event;
	cfg.arg = &counts;
	ret = agw_relay_new(&cfg, &e);
	if (ret < 0) {
		errno = -ret;
		die("agw_relay_new");
	}
	if (cfg.path == AGW_RELAY_PATH_SOCKMAP && agw_relay_sockmap_status(e))
		fprintf(stderr, "relay: sockmap program not loaded: %s\n",
			strerror(-agw_relay_sockmap_status(e)));
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		die("epoll_create1");
	for (i = 0; i < groups; i++) {
		struct sockaddr_in la = bench_addr_plus(&lbase, i);
		int fd = bench_listen(&la, 4096, false);

		if (fd < 0) {
			errno = -fd;
			die("listen");
		}
		up[i] = bench_addr_plus(&ubase, i);
		ev.events = EPOLLIN;
		ev.data.u64 = (uint64_t)fd << 32 | (uint64_t)i;
		if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0)
			die("epoll_ctl");
	}
	ev.events = EPOLLIN;
	ev.data.u64 = TAG_ENGINE;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, agw_relay_fd(e), &ev) < 0)
		die("epoll_ctl");
	sfd = bench_signalfd(ep, (epoll_data_t){ .u64 = TAG_SIGNAL });
	if (sfd < 0)
		die("signalfd");
	printf("ready\n");
	fflush(stdout);
	while (!stop) {
		n = epoll_wait(ep, evs, 256, -1);
		if (n < 0 && errno != EINTR)
			die("epoll_wait");
		for (i = 0; i < n; i++) {
			uint64_t tag = evs[i].data.u64;

			if (tag == TAG_ENGINE) {
				agw_relay_dispatch(e, 0);
			} else if (tag == TAG_SIGNAL) {
				stop = true;
			} else if ((tag & 0xffffffffu) < MAX_GROUPS &&
				   tag >> 32) {
				relay_accept((int)(tag >> 32), ep,
					     &up[tag & 0xffffffffu], &counts);
			} else {
				struct pending *p = evs[i].data.ptr;

				epoll_ctl(ep, EPOLL_CTL_DEL, p->b, NULL);
				relay_hand_over(e, p, &counts);
				free(p);
			}
		}
	}
	relay_report(path, &counts);
	agw_relay_free(e);
	return 0;
}

/* ------------------------------------------------------------------ */
/* gen: the load generator's workers                                   */

struct ep {
	int fd;
	bool client; /* opened by us (else accepted) */
	bool connected;
	bool got_hello;
	bool want_out; /* EPOLLOUT in the mask */
	bool dead;
	/* outgoing message */
	struct msg_hdr out;
	uint64_t out_off; /* bytes of it sent; == out.len: none pending */
	/* incoming message */
	struct msg_hdr in;
	uint32_t in_hdr_got;
	bool in_body;
	uint64_t in_left;
	uint32_t next_in_slot; /* send wheel */
};

/* Results of one worker, in memory shared with the coordinator. */
struct wres {
	uint64_t setup_done_ns;
	uint64_t tx_bytes, rx_bytes, tx_msgs, rx_msgs, win_msgs;
	uint64_t skipped, errors, bursts_sent, bursts_done;
	uint64_t hist[BENCH_HIST_N]; /* message latency, ns */
	uint64_t bhist[BENCH_HIST_N]; /* burst completion, ns */
	char err[200];
};

struct shared {
	uint64_t go_ns, win_start_ns, win_end_ns;
	struct wres w[MAX_GROUPS];
};

struct gen_opts {
	int sessions, groups;
	struct sockaddr_in connect_base, serve_base;
	int period_ms;
	double burst_pct;
	uint64_t burst_bytes;
	double warmup, measure;
	int relay_pid, relay_port, upstream_port;
	const char *tag;
	const char *targets; /* per-session connect addresses, or NULL */
	bool hold;
};

struct worker {
	const struct gen_opts *o;
	struct shared *sh;
	struct wres *r;
	int g, n; /* group, sessions */
	int ep, lfd, tfd, cmd_fd, st_fd;
	struct sockaddr_in to;
	struct sockaddr_in *tgt; /* --targets: eps[j] connects to tgt[j] */
	struct ep *eps; /* [0, n): clients, [n, 2n): accepted (or clients) */
	int nconn_started, nconnected, naccepted, nhello;
	uint32_t *wheel_head; /* per slot: first endpoint + 1, 0 = none */
	uint32_t nslots;
	uint64_t tick_done; /* last wheel tick processed */
	uint32_t *bursts; /* endpoints that burst, by time */
	uint64_t *burst_at;
	uint32_t nbursts, next_burst;
	bool traffic, stopped;
	char *scratch;
	const char *payload;
};

#define TAG_LISTEN (~0ULL)
#define TAG_TIMER (~0ULL - 1)
#define TAG_CMD (~0ULL - 2)

static void wfail(struct worker *w, const char *what)
{
	snprintf(w->r->err, sizeof(w->r->err), "%s: %s", what, strerror(errno));
	if (write(w->st_fd, "E", 1) < 0) {
		/* the coordinator sees the exit */
	}
	exit(1);
}

static void ep_mask(struct worker *w, struct ep *e, bool out)
{
	struct epoll_event ev = { .events = EPOLLIN | (out ? EPOLLOUT : 0),
				  .data.u64 = (uint64_t)(e - w->eps) };

	if (e->want_out == out)
		return;
	e->want_out = out;
	epoll_ctl(w->ep, EPOLL_CTL_MOD, e->fd, &ev);
}

static void ep_close(struct worker *w, struct ep *e)
{
	if (e->dead)
		return;
	e->dead = true;
	w->r->errors++;
	epoll_ctl(w->ep, EPOLL_CTL_DEL, e->fd, NULL);
}

/* Send what is pending of the current message without blocking. */
static void ep_flush(struct worker *w, struct ep *e)
{
	struct iovec iov[2];
	struct msghdr mh = { .msg_iov = iov };
	ssize_t n;

	while (e->out_off < e->out.len && !e->dead) {
		uint64_t body = e->out.len - sizeof(e->out);
		uint64_t boff;

		mh.msg_iovlen = 0;
		if (e->out_off < sizeof(e->out)) {
			iov[0].iov_base = (char *)&e->out + e->out_off;
			iov[0].iov_len = sizeof(e->out) - e->out_off;
			mh.msg_iovlen = 1;
			boff = 0;
		} else {
			boff = e->out_off - sizeof(e->out);
		}
		iov[mh.msg_iovlen].iov_base = (void *)w->payload;
		iov[mh.msg_iovlen].iov_len =
			body - boff < BURST_MAX ? body - boff : BURST_MAX;
		mh.msg_iovlen++;
		n = sendmsg(e->fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				ep_mask(w, e, true);
				return;
			}
			ep_close(w, e);
			return;
		}
		e->out_off += (uint64_t)n;
		w->r->tx_bytes += (uint64_t)n;
	}
	ep_mask(w, e, false);
}

static void ep_send(struct worker *w, struct ep *e, enum msg_type t,
		    uint64_t len)
{
	if (e->dead || !e->connected)
		return;
	if (e->out_off < e->out.len) {
		w->r->skipped++; /* still sending the last one (a burst) */
		return;
	}
	e->out.magic = MSG_MAGIC;
	e->out.type = t;
	e->out.len = len;
	e->out.ts = bench_now_ns();
	e->out_off = 0;
	if (t == MT_MSG)
		w->r->tx_msgs++;
	else if (t == MT_BURST)
		w->r->bursts_sent++;
	ep_flush(w, e);
}

static void msg_done(struct worker *w, struct ep *e)
{
	uint64_t now = bench_now_ns(), ts = e->in.ts;

	switch (e->in.type) {
	case MT_HELLO:
		if (!e->got_hello) {
			e->got_hello = true;
			w->nhello++;
		}
		break;
	case MT_MSG:
		w->r->rx_msgs++;
		if (ts >= w->sh->win_start_ns && ts < w->sh->win_end_ns) {
			w->r->win_msgs++;
			w->r->hist[bench_hist_idx(now - ts)]++;
		}
		break;
	case MT_BURST:
		w->r->bursts_done++;
		w->r->bhist[bench_hist_idx(now - ts)]++;
		break;
	}
}

/* Parse what arrived: headers are checked, bodies skipped. */
static void ep_read(struct worker *w, struct ep *e)
{
	ssize_t n = recv(e->fd, w->scratch, SCRATCH, MSG_DONTWAIT);
	const char *p = w->scratch;
	uint64_t take;

	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		ep_close(w, e);
		return;
	}
	if (n < 0)
		return;
	w->r->rx_bytes += (uint64_t)n;
	while (n > 0) {
		if (!e->in_body) {
			take = sizeof(e->in) - e->in_hdr_got;
			if (take > (uint64_t)n)
				take = (uint64_t)n;
			memcpy((char *)&e->in + e->in_hdr_got, p, take);
			e->in_hdr_got += (uint32_t)take;
			p += take;
			n -= (ssize_t)take;
			if (e->in_hdr_got < sizeof(e->in))
				break;
			e->in_hdr_got = 0;
			if (e->in.magic != MSG_MAGIC ||
			    e->in.len < sizeof(e->in) ||
			    e->in.len > BURST_MAX) {
				snprintf(
					w->r->err, sizeof(w->r->err),
					"corrupt stream (magic %08x len %" PRIu64
					")",
					e->in.magic, e->in.len);
				ep_close(w, e);
				return;
			}
			e->in_left = e->in.len - sizeof(e->in);
			e->in_body = true;
		} else {
			take = e->in_left < (uint64_t)n ? e->in_left :
							  (uint64_t)n;
			e->in_left -= take;
			p += take;
			n -= (ssize_t)take;
		}
		if (e->in_body && !e->in_left) {
			e->in_body = false;
			msg_done(w, e);
		}
	}
}

static void ep_add(struct worker *w, struct ep *e, int fd, bool client)
{
	struct epoll_event ev = { .events = client ? EPOLLOUT : EPOLLIN,
				  .data.u64 = (uint64_t)(e - w->eps) };
	int one = 1;

	memset(e, 0, sizeof(*e));
	e->fd = fd;
	e->client = client;
	e->want_out = client;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (epoll_ctl(w->ep, EPOLL_CTL_ADD, fd, &ev) < 0)
		wfail(w, "epoll_ctl");
	if (!client) {
		e->connected = true;
		ep_send(w, e, MT_HELLO, MSG_SIZE);
	}
}

static void start_connects(struct worker *w)
{
	int total = w->tgt ? 2 * w->n : w->n, s, j, fd;

	while (w->nconn_started < total &&
	       w->nconn_started - w->nconnected < CONNECTS_IN_FLIGHT) {
		/* --targets: both ends of a session, one after the other */
		s = w->nconn_started++;
		j = w->tgt ? (s % 2) * w->n + s / 2 : s;
		fd = bench_connect(w->tgt ? &w->tgt[j] : &w->to);
		if (fd < 0) {
			errno = -fd;
			wfail(w, "connect");
		}
		ep_add(w, &w->eps[j], fd, true);
	}
}

/* This worker's lines of the --targets file: sessions g, g + K, ... */
static void load_targets(struct worker *w)
{
	char a[64], b[64];
	FILE *fp = fopen(w->o->targets, "re");
	int i = 0, k = 0;

	w->tgt = calloc(2 * (size_t)w->n + 1, sizeof(*w->tgt));
	if (!fp || !w->tgt)
		wfail(w, w->o->targets);
	while (k < w->n && fscanf(fp, "%63s %63s", a, b) == 2) {
		if (i++ % w->o->groups != w->g)
			continue;
		if (bench_parse_addr(a, &w->tgt[k]) ||
		    bench_parse_addr(b, &w->tgt[w->n + k])) {
			errno = EINVAL;
			wfail(w, a);
		}
		k++;
	}
	fclose(fp);
	if (k < w->n) {
		errno = ENODATA;
		wfail(w, "fewer targets than sessions");
	}
}

static void on_connected(struct worker *w, struct ep *e)
{
	int err = bench_sock_err(e->fd);

	if (err) {
		errno = err;
		wfail(w, "connect to the relay");
	}
	e->connected = true;
	w->nconnected++;
	ep_send(w, e, MT_HELLO, MSG_SIZE);
	start_connects(w);
}

static void do_accept(struct worker *w)
{
	int fd;

	for (;;) {
		fd = accept4(w->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return;
			wfail(w, "accept");
		}
		if (w->naccepted >= w->n) {
			errno = EEXIST;
			wfail(w, "more connections than sessions");
		}
		ep_add(w, &w->eps[w->n + w->naccepted++], fd, false);
	}
}

/* Each endpoint sends every period from a random phase: a wheel of slots. */
static void wheel_build(struct worker *w)
{
	uint32_t i, s;

	w->nslots = (uint32_t)(w->o->period_ms / TICK_MS);
	if (!w->nslots)
		w->nslots = 1;
	w->wheel_head = calloc(w->nslots, sizeof(uint32_t));
	if (!w->wheel_head)
		wfail(w, "calloc");
	for (i = 0; i < 2 * (uint32_t)w->n; i++) {
		s = (uint32_t)random() % w->nslots;
		w->eps[i].next_in_slot = w->wheel_head[s];
		w->wheel_head[s] = i + 1;
	}
}

/* burst_pct of the sessions send one burst during the measured window,
 * half of them from the client end, half from the server end. */
static void bursts_plan(struct worker *w)
{
	uint32_t i, nb = 0, every;
	uint64_t span, t0 = w->sh->win_start_ns;
	double pct = w->o->burst_pct;

	w->bursts = calloc((size_t)w->n + 1, sizeof(uint32_t));
	w->burst_at = calloc((size_t)w->n + 1, sizeof(uint64_t));
	if (!w->bursts || !w->burst_at)
		wfail(w, "calloc");
	if (pct <= 0)
		return;
	every = (uint32_t)(100.0 / pct + 0.5);
	if (!every)
		every = 1;
	/* leave the last second of the window for the bursts to finish */
	span = (uint64_t)((w->o->measure > 2 ? w->o->measure - 1 :
					       w->o->measure / 2) *
			  1e9);
	for (i = (uint32_t)w->g % every; i < (uint32_t)w->n; i += every) {
		w->bursts[nb] = nb % 2 ? (uint32_t)w->n + i : i;
		w->burst_at[nb] = t0 + span * nb / ((uint32_t)w->n / every + 1);
		nb++;
	}
	w->nbursts = nb;
}

static void on_tick(struct worker *w)
{
	uint64_t now = bench_now_ns(), tick, t, x;
	uint32_t i;

	if (read(w->tfd, &x, sizeof(x)) < 0) {
		/* spurious */
	}
	if (!w->traffic || w->stopped || now < w->sh->go_ns)
		return;
	if (now >= w->sh->win_end_ns) {
		w->stopped = true;
		return;
	}
	tick = (now - w->sh->go_ns) / (TICK_MS * 1000000ULL);
	for (t = w->tick_done + 1; t <= tick; t++)
		for (i = w->wheel_head[t % w->nslots]; i;
		     i = w->eps[i - 1].next_in_slot)
			ep_send(w, &w->eps[i - 1], MT_MSG, MSG_SIZE);
	w->tick_done = tick;
	while (w->next_burst < w->nbursts &&
	       w->burst_at[w->next_burst] <= now) {
		ep_send(w, &w->eps[w->bursts[w->next_burst]], MT_BURST,
			w->o->burst_bytes);
		w->next_burst++;
	}
}

static bool drained(const struct worker *w)
{
	int i;

	for (i = 0; i < 2 * w->n; i++)
		if (!w->eps[i].dead && w->eps[i].out_off < w->eps[i].out.len)
			return false;
	return w->r->rx_bytes == w->r->tx_bytes;
}

static void worker_loop(struct worker *w)
{
	struct epoll_event evs[256];
	uint64_t drain_deadline = 0;
	bool up_reported = false;
	char cmd;
	int i, n;

	for (;;) {
		n = epoll_wait(w->ep, evs, 256, 100);
		if (n < 0 && errno != EINTR)
			wfail(w, "epoll_wait");
		for (i = 0; i < n; i++) {
			uint64_t tag = evs[i].data.u64;
			struct ep *e;

			if (tag == TAG_LISTEN) {
				do_accept(w);
			} else if (tag == TAG_TIMER) {
				on_tick(w);
			} else if (tag == TAG_CMD) {
				if (read(w->cmd_fd, &cmd, 1) != 1 || cmd == 'Q')
					return;
				if (cmd == 'S') {
					start_connects(w);
				} else if (cmd == 'G') {
					w->traffic = true;
					w->tick_done = 0;
					wheel_build(w);
					bursts_plan(w);
				}
			} else {
				e = &w->eps[tag];
				if (e->dead)
					continue;
				if (e->client && !e->connected) {
					on_connected(w, e);
					continue;
				}
				if (evs[i].events &
				    (EPOLLIN | EPOLLERR | EPOLLHUP))
					ep_read(w, e);
				if (evs[i].events & EPOLLOUT)
					ep_flush(w, e);
			}
		}
		if (!up_reported && w->nhello == 2 * w->n) {
			w->r->setup_done_ns = bench_now_ns();
			up_reported = true;
			if (write(w->st_fd, "U", 1) < 0)
				return;
		}
		if (w->stopped && !drain_deadline)
			drain_deadline = bench_now_ns() + 20000000000ULL;
		if (drain_deadline && drained(w)) {
			drain_deadline = ~0ULL; /* report once */
			if (write(w->st_fd, "D", 1) < 0)
				return;
		} else if (drain_deadline && drain_deadline != ~0ULL &&
			   bench_now_ns() > drain_deadline) {
			snprintf(w->r->err, sizeof(w->r->err),
				 "not drained after 20 s: sent %" PRIu64
				 " received %" PRIu64 " bytes",
				 w->r->tx_bytes, w->r->rx_bytes);
			if (write(w->st_fd, "E", 1) < 0)
				return;
			drain_deadline = ~0ULL;
		}
	}
}

static void worker_main(const struct gen_opts *o, struct shared *sh, int g,
			int cmd_fd, int st_fd)
{
	struct itimerspec its = { .it_interval.tv_nsec = TICK_MS * 1000000L,
				  .it_value.tv_nsec = TICK_MS * 1000000L };
	struct epoll_event ev = { .events = EPOLLIN };
	struct sockaddr_in sa = bench_addr_plus(&o->serve_base, g);
	struct worker w = { .o = o, .sh = sh, .r = &sh->w[g], .g = g };
	char *payload;

	w.cmd_fd = cmd_fd;
	w.st_fd = st_fd;
	w.n = o->sessions / o->groups + (g < o->sessions % o->groups);
	w.to = bench_addr_plus(&o->connect_base, g);
	srandom((unsigned int)(getpid() ^ bench_now_ns()));
	w.eps = calloc(2 * (size_t)w.n + 1, sizeof(*w.eps));
	w.scratch = malloc(SCRATCH);
	payload = malloc(BURST_MAX);
	if (!w.eps || !w.scratch || !payload)
		wfail(&w, "malloc");
	memset(payload, 'x', BURST_MAX);
	w.payload = payload;
	if (o->targets)
		load_targets(&w);
	w.ep = epoll_create1(EPOLL_CLOEXEC);
	w.tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	w.lfd = bench_listen(&sa, 4096, false);
	if (w.ep < 0 || w.tfd < 0)
		wfail(&w, "epoll/timerfd");
	if (w.lfd < 0) {
		errno = -w.lfd;
		wfail(&w, "listen");
	}
	ev.data.u64 = TAG_LISTEN;
	epoll_ctl(w.ep, EPOLL_CTL_ADD, w.lfd, &ev);
	ev.data.u64 = TAG_TIMER;
	epoll_ctl(w.ep, EPOLL_CTL_ADD, w.tfd, &ev);
	ev.data.u64 = TAG_CMD;
	epoll_ctl(w.ep, EPOLL_CTL_ADD, cmd_fd, &ev);
	timerfd_settime(w.tfd, 0, &its, NULL);
	if (write(st_fd, "L", 1) != 1)
		exit(1);
	worker_loop(&w);
	exit(0);
}

/* ------------------------------------------------------------------ */
/* gen: the coordinator's measurements                                 */

struct cpu_sample {
	double relay, gen, machine, softirq, bpf;
	struct bench_kthreads kt;
};

/* The relay's BPF programs (found with its memory, before traffic). */
static uint32_t relay_prog[4];
static int nrelay_prog;

/* Run time of the relay's BPF programs (the sockmap verdict, which runs
 * in the softirq of whoever sent the chunk), while stats are enabled. */
static double bpf_run_time(void)
{
	struct bpf_prog_info info;
	uint32_t len;
	double sum = 0;
	int i, fd;

	for (i = 0; i < nrelay_prog; i++) {
		fd = bpf_prog_get_fd_by_id(relay_prog[i]);
		if (fd < 0)
			continue;
		memset(&info, 0, sizeof(info));
		len = sizeof(info);
		if (!bpf_obj_get_info_by_fd(fd, &info, &len))
			sum += (double)info.run_time_ns / 1e9;
		close(fd);
	}
	return sum;
}

static void cpu_sample(const struct gen_opts *o, const pid_t *pids,
		       struct cpu_sample *s)
{
	int g;

	s->bpf = bpf_run_time();
	s->relay = bench_cpu_pid(o->relay_pid, NULL, 0);
	bench_kthreads_snap(&s->kt);
	s->gen = 0;
	for (g = 0; g < o->groups; g++)
		s->gen += bench_cpu_pid(pids[g], NULL, 0);
	s->machine = bench_cpu_machine(&s->softirq);
}

/* A pipe: pipe_inode_info (kmalloc-192), its 16 pipe_buffers (640 B,
 * kmalloc-1k), the inode, the dentry and two files. */
static uint64_t kobj_per_pipe(void)
{
	return 192 + 1024 + bench_slab_objsize("inode_cache") +
	       bench_slab_objsize("dentry") + 2 * bench_slab_objsize("filp");
}

struct proc_mem {
	uint64_t rss, bpf_rss; /* bpf_rss: mmapped BPF maps (in rss) */
	uint64_t bpf_memlock; /* every BPF map the process holds */
	uint64_t pipes; /* pipes it holds (both ends open: fds / 2) */
	uint32_t prog_id[4]; /* the BPF programs it holds */
	int nprog;
};

/* Rss of the process's mappings of BPF maps (/proc/PID/smaps). */
static uint64_t bpf_mapped_rss(int pid)
{
	char path[64], line[256];
	unsigned long long kb;
	bool in_bpf = false;
	uint64_t sum = 0;
	FILE *fp;

	snprintf(path, sizeof(path), "/proc/%d/smaps", pid);
	fp = fopen(path, "re");
	if (!fp)
		return 0;
	while (fgets(line, sizeof(line), fp)) {
		/* a mapping's first line: "start-end perms ..." */
		if (strcspn(line, "-") < strcspn(line, " "))
			in_bpf = strstr(line, "bpf-map") != NULL;
		else if (in_bpf && sscanf(line, "Rss: %llu kB", &kb) == 1)
			sum += kb * 1024;
	}
	fclose(fp);
	return sum;
}

/* A "key: value" line of /proc/PID/fdinfo/FD (key with its colon). */
static uint64_t fdinfo_u64(int pid, const char *fd, const char *key)
{
	char path[320], line[128];
	size_t klen = strlen(key);
	unsigned long long v = 0;
	FILE *fp;

	snprintf(path, sizeof(path), "/proc/%d/fdinfo/%s", pid, fd);
	fp = fopen(path, "re");
	if (!fp)
		return 0;
	while (fgets(line, sizeof(line), fp))
		if (!strncmp(line, key, klen) &&
		    sscanf(line + klen, "%llu", &v) == 1)
			break;
	fclose(fp);
	return v;
}

static void proc_mem(int pid, struct proc_mem *pm)
{
	char path[320], target[64];
	uint64_t pipe_fds = 0;
	struct dirent *de;
	ssize_t n;
	DIR *dir;

	memset(pm, 0, sizeof(*pm));
	pm->rss = bench_proc_status_kb(pid, "VmRSS");
	pm->bpf_rss = bpf_mapped_rss(pid);
	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	dir = opendir(path);
	while (dir && (de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/fd/%s", pid, de->d_name);
		n = readlink(path, target, sizeof(target) - 1);
		if (n <= 0)
			continue;
		target[n] = 0;
		if (!strncmp(target, "pipe:", 5))
			pipe_fds++;
		else if (strstr(target, "bpf-map"))
			pm->bpf_memlock +=
				fdinfo_u64(pid, de->d_name, "memlock:");
		else if (strstr(target, "bpf-prog") && pm->nprog < 4)
			pm->prog_id[pm->nprog++] = (uint32_t)fdinfo_u64(
				pid, de->d_name, "prog_id:");
	}
	if (dir)
		closedir(dir);
	pm->pipes = pipe_fds / 2;
}

struct mem_snap {
	struct proc_mem pm;
	struct bench_kbuf kb;
};

static void mem_snap(const struct gen_opts *o, struct mem_snap *m)
{
	memset(m, 0, sizeof(*m));
	if (o->relay_pid <= 0)
		return;
	proc_mem(o->relay_pid, &m->pm);
	if (bench_sock_buffers(o->relay_port, o->upstream_port, &m->kb) < 0)
		fprintf(stderr, "relay_sessions: sock_diag failed\n");
}

/* Kernel and user memory the relay holds for its sessions, per session. */
static void print_mem(const struct gen_opts *o, const char *what,
		      const struct mem_snap *m, bool psock)
{
	double n = o->sessions, user, kbuf, kobj, bpf;
	char name[64];

	user = (double)(m->pm.rss - m->pm.bpf_rss);
	kbuf = (double)m->kb.charged;
	/* psock: struct sk_psock (kmalloc-1k) and its map link (-32) */
	kobj = (double)m->kb.socks * (double)(bench_kobj_per_socket() +
					      (psock ? 1024 + 32 : 0)) +
	       (double)m->pm.pipes * (double)kobj_per_pipe();
	bpf = (double)m->pm.bpf_memlock;
	bench_print(o->tag, what, (user + kbuf + kobj + bpf) / n, 0,
		   "B/session");
	snprintf(name, sizeof(name), "%s_user", what);
	bench_print(o->tag, name, user / n, 0, "B/session");
	snprintf(name, sizeof(name), "%s_kbuf", what);
	bench_print(o->tag, name, kbuf / n, 0, "B/session");
	snprintf(name, sizeof(name), "%s_kobj", what);
	bench_print(o->tag, name, kobj / n, 0, "B/session");
	snprintf(name, sizeof(name), "%s_bpf", what);
	bench_print(o->tag, name, bpf / n, 0, "B/session");
}

static void gen_report(const struct gen_opts *o, struct shared *sh,
		       uint64_t t_setup, const struct cpu_sample *c0,
		       const struct cpu_sample *c1, const struct mem_snap *idle,
		       const struct mem_snap *busy, bool psock)
{
	static uint64_t hist[BENCH_HIST_N], bhist[BENCH_HIST_N];
	double secs = o->measure, q[3] = { 0.5, 0.99, 0.999 };
	const char *qn[3] = { "p50", "p99", "p999" };
	uint64_t win_msgs = 0, skipped = 0, bursts = 0;
	double kt;
	int g, i;

	for (g = 0; g < o->groups; g++) {
		for (i = 0; i < BENCH_HIST_N; i++) {
			hist[i] += sh->w[g].hist[i];
			bhist[i] += sh->w[g].bhist[i];
		}
		win_msgs += sh->w[g].win_msgs;
		skipped += sh->w[g].skipped;
		bursts += sh->w[g].bursts_done;
	}
	bench_print(o->tag, "setup_rate", o->sessions / (t_setup / 1e9), 0,
		   "sessions/s");
	for (i = 0; i < 3; i++)
		bench_print(o->tag, qn[i], bench_hist_quantile(hist, q[i]) / 1e3,
			   1, "us");
	bench_print(o->tag, "msg_rate", (double)win_msgs / secs, 0, "msgs/s");
	if (bursts)
		bench_print(o->tag, "burst_p50",
			   bench_hist_quantile(bhist, 0.5) / 1e6, 1, "ms");
	if (skipped)
		bench_print(o->tag, "skipped", (double)skipped, 0, "msgs");
	kt = bench_kthreads_delta(&c0->kt, &c1->kt);
	bench_print(o->tag, "cpu",
		   (c1->relay - c0->relay + kt + c1->bpf - c0->bpf) / secs, 3,
		   "CPU-s/s");
	if (nrelay_prog)
		bench_print(o->tag, "bpf_cpu", (c1->bpf - c0->bpf) / secs, 3,
			   "CPU-s/s");
	bench_print(o->tag, "proc_cpu", (c1->relay - c0->relay) / secs, 3,
		   "CPU-s/s");
	bench_print(o->tag, "kthread_cpu", kt / secs, 3, "CPU-s/s");
	bench_print(o->tag, "gen_cpu", (c1->gen - c0->gen) / secs, 3, "CPU-s/s");
	bench_print(o->tag, "softirq_cpu", (c1->softirq - c0->softirq) / secs, 3,
		   "CPU-s/s");
	bench_print(o->tag, "machine_cpu", (c1->machine - c0->machine) / secs, 3,
		   "CPU-s/s");
	if (o->relay_pid <= 0)
		return;
	print_mem(o, "mem", busy, psock);
	print_mem(o, "mem_idle", idle, psock);
	bench_print(o->tag, "relay_sockets", (double)idle->kb.socks, 0,
		   "sockets");
}

/* Wait until every worker wrote `want`; say which failed and why. */
static int wait_workers(const struct gen_opts *o, struct shared *sh,
			const int *st, char want, double timeout_s)
{
	int bad;

	if (!bench_wait_workers(st, o->groups, want, timeout_s, &bad))
		return 0;
	if (bad < 0)
		fprintf(stderr,
			"relay_sessions: workers did not reach '%c' within %.0f "
			"s\n",
			want, timeout_s);
	else
		fprintf(stderr, "relay_sessions: worker %d: %s\n", bad,
			sh->w[bad].err[0] ? sh->w[bad].err : "exited");
	return -1;
}

static int gen_run(const struct gen_opts *o, struct shared *sh, const int *cmd,
		   const int *st, const pid_t *pids, bool psock)
{
	static struct cpu_sample c0, c1;
	struct mem_snap idle, busy;
	uint64_t t0, done = 0, go;
	int g, stats_fd;

	if (wait_workers(o, sh, st, 'L', 10))
		return -1;
	t0 = bench_now_ns();
	if (bench_tell_workers(o->groups, cmd, 'S'))
		return -1;
	if (wait_workers(o, sh, st, 'U', 300))
		return -1;
	for (g = 0; g < o->groups; g++)
		if (sh->w[g].setup_done_ns > done)
			done = sh->w[g].setup_done_ns;
	bench_sleep_until(bench_now_ns() + 500000000ULL);
	mem_snap(o, &idle);
	memcpy(relay_prog, idle.pm.prog_id, sizeof(relay_prog));
	nrelay_prog = idle.pm.nprog;
	go = bench_now_ns() + 100000000ULL;
	sh->go_ns = go;
	sh->win_start_ns = go + (uint64_t)(o->warmup * 1e9);
	sh->win_end_ns = sh->win_start_ns + (uint64_t)(o->measure * 1e9);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (bench_tell_workers(o->groups, cmd, 'G'))
		return -1;
	/* BPF run-time statistics while the fd is open */
	stats_fd = nrelay_prog ? bpf_enable_stats(BPF_STATS_RUN_TIME) : -1;
	bench_sleep_until(sh->win_start_ns);
	cpu_sample(o, pids, &c0);
	bench_sleep_until(sh->win_start_ns +
			  (sh->win_end_ns - sh->win_start_ns) / 2);
	mem_snap(o, &busy);
	bench_sleep_until(sh->win_end_ns);
	cpu_sample(o, pids, &c1);
	if (stats_fd >= 0)
		close(stats_fd);
	if (wait_workers(o, sh, st, 'D', 40))
		return -1;
	gen_report(o, sh, done - t0, &c0, &c1, &idle, &busy, psock);
	if (o->hold) {
		char line[16];

		printf("held\n");
		fflush(stdout);
		if (!fgets(line, sizeof(line), stdin)) {
			/* end of input: stop too */
		}
	}
	return 0;
}

struct gen_worker_arg {
	const struct gen_opts *o;
	struct shared *sh;
};

static void gen_worker(int g, int cmd_fd, int st_fd, void *arg)
{
	struct gen_worker_arg *a = arg;

	worker_main(a->o, a->sh, g, cmd_fd, st_fd);
}

static int cmd_gen(int argc, char **argv)
{
	struct gen_opts o = { .period_ms = 1000,
			      .burst_pct = 1,
			      .burst_bytes = 1 << 20,
			      .warmup = 2,
			      .measure = 8,
			      .groups = 4 };
	int cmd[MAX_GROUPS], st[MAX_GROUPS], i, ret;
	struct gen_worker_arg gw;
	bool have_c = false, have_s = false, psock = false;
	pid_t pids[MAX_GROUPS];
	struct shared *sh;

	for (i = 0; i + 1 < argc; i += 2) {
		const char *k = argv[i], *v = argv[i + 1];

		if (!strcmp(k, "--sessions"))
			o.sessions = atoi(v);
		else if (!strcmp(k, "--groups"))
			o.groups = atoi(v);
		else if (!strcmp(k, "--connect"))
			have_c = !bench_parse_addr(v, &o.connect_base);
		else if (!strcmp(k, "--serve"))
			have_s = !bench_parse_addr(v, &o.serve_base);
		else if (!strcmp(k, "--period-ms"))
			o.period_ms = atoi(v);
		else if (!strcmp(k, "--burst-pct"))
			o.burst_pct = atof(v);
		else if (!strcmp(k, "--burst-bytes"))
			o.burst_bytes = strtoull(v, NULL, 0);
		else if (!strcmp(k, "--warmup"))
			o.warmup = atof(v);
		else if (!strcmp(k, "--measure"))
			o.measure = atof(v);
		else if (!strcmp(k, "--relay-pid"))
			o.relay_pid = atoi(v);
		else if (!strcmp(k, "--relay-port"))
			o.relay_port = atoi(v);
		else if (!strcmp(k, "--upstream-port"))
			o.upstream_port = atoi(v);
		else if (!strcmp(k, "--psock"))
			psock = atoi(v) > 0;
		else if (!strcmp(k, "--tag"))
			o.tag = v;
		else if (!strcmp(k, "--targets"))
			o.targets = v;
		else if (!strcmp(k, "--hold"))
			o.hold = atoi(v) > 0;
		else
			return 2;
	}
	if (i != argc || !have_c || !have_s || !o.tag || o.sessions < 1 ||
	    o.groups < 1 || o.groups > MAX_GROUPS || o.period_ms < TICK_MS ||
	    o.measure < 1 || o.burst_bytes < sizeof(struct msg_hdr) ||
	    o.burst_bytes > BURST_MAX || o.warmup < 0)
		return 2;
	bench_raise_nofile();
	signal(SIGPIPE, SIG_IGN);
	sh = bench_shared_new(sizeof(*sh));
	if (!sh)
		die("mmap");
	sh->win_start_ns = sh->win_end_ns = ~0ULL;
	gw.o = &o;
	gw.sh = sh;
	if (bench_fork_workers(o.groups, gen_worker, &gw, pids, cmd, st))
		die("fork");
	ret = gen_run(&o, sh, cmd, st, pids, psock);
	bench_stop_workers(o.groups, pids, cmd, !ret);
	return ret ? 1 : 0;
}

int main(int argc, char **argv)
{
	static const struct bench_cmd cmds[] = {
		{ "relay", cmd_relay },
		{ "gen", cmd_gen },
	};

	return bench_main(
		argc, argv, cmds, sizeof(cmds) / sizeof(cmds[0]),
		"usage: relay_sessions relay --path P --groups K "
		"--listen IP:PORT --upstream IP:PORT [--max-flows N]\n"
		"       relay_sessions gen --sessions N --groups K "
		"--connect IP:PORT --serve IP:PORT --tag NAME "
		"[--period-ms T] [--burst-pct P] [--burst-bytes B] "
		"[--warmup S] [--measure S] [--relay-pid PID "
		"--relay-port P --upstream-port Q [--psock 1]] "
		"[--targets FILE] [--hold 1]\n");
}
