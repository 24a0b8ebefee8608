// SPDX-License-Identifier: GPL-2.0-only
/*
 * H.248 transport: UDP socket and TCP client with TPKT framing; see
 * include/agw/h248_transport.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "agw/evloop.h"
#include "agw/h248_transport.h"
#include "agw/log.h"
#include "agw/tpkt.h"

#define MAX_MGC 8
/* Datagrams read from the shared (unconnected) socket per wakeup: junk
 * lands there, so the MGC sockets, TCP and timers get a turn in between. */
#define UDP_BURST 64
/* Datagrams read from one MGC's connected socket per wakeup. */
#define MGC_BURST 256
#define UDP_MAX 65536
/* Receive buffer of an MGC's socket: a burst of a few thousand requests
 * (an MGC starting hundreds of calls at once) must not overflow the
 * default (net.core.rmem_default, about 200 small datagrams). */
#define MGC_RCVBUF (4 << 20)
/* Replies queued while a burst is delivered, sent with one sendmmsg per
 * socket when the burst is done (or when the queue is full). */
#define TX_BATCH UDP_BURST
#define TX_BYTES (256u << 10)
#define TXQ_MAX (4u << 20)
/* A blackholed MGC would otherwise hold connect() for minutes of SYN
 * retries before the next MGC of the list gets its turn. */
#define CONNECT_TIMEOUT_MS_DEFAULT 10000
#define TPKT_TIMEOUT_MS_DEFAULT 5000

enum tcp_state { TCP_DOWN, TCP_CONNECTING, TCP_UP };

struct agw_h248_transport {
	struct agw_evloop *loop;
	struct agw_h248_transport_cbs cbs;
	void *arg;
	struct agw_sockaddr local;
	struct agw_sockaddr mgc[MAX_MGC];
	unsigned int nmgc;
	uint32_t retry_ms, retry_max_ms, connect_timeout_ms;

	int udp_fd; /* shared, unconnected: everything but the MGCs */
	struct agw_evfd udp_h;
	/* one socket per MGC, bound to the same local address and port and
	 * connect()ed to the MGC: the kernel queues its datagrams there */
	int mgc_fd[MAX_MGC];
	struct agw_evfd mgc_h[MAX_MGC];

	bool tcp_enabled;
	enum tcp_state tcp_state;
	int tcp_fd;
	struct agw_evfd tcp_h;
	unsigned int mgc_idx;
	uint32_t backoff_ms;
	struct agw_timer retry_timer;
	struct agw_timer frame_timer; /* a partial TPKT packet times out */
	uint32_t tpkt_timeout_ms;
	struct agw_tpkt_rx *rx;
	uint8_t *txq;
	size_t tx_len, tx_off, tx_cap;

	struct agw_h248_transport_stats st;
	struct agw_ratelimit drop_rl, tcp_rl, frame_rl;
	struct mmsghdr mm[UDP_BURST];
	struct iovec iov[UDP_BURST];
	struct sockaddr_storage mm_src[UDP_BURST];
	uint8_t *udp_bufs; /* UDP_BURST buffers of UDP_MAX bytes */

	/* UDP output of the burst being delivered (batching): datagram i
	 * goes out on tx_fd[i] (to tx_peer[i] on the shared socket) */
	bool batching;
	unsigned int ntx;
	size_t tx_used;
	int tx_fd[TX_BATCH];
	struct agw_sockaddr tx_peer[TX_BATCH];
	struct mmsghdr tx_mm[TX_BATCH];
	struct iovec tx_iov[TX_BATCH];
	uint8_t *tx_bytes; /* TX_BYTES */
	struct agw_ratelimit tx_rl;
};

const char *agw_h248_proto_name(enum agw_h248_proto p)
{
	return p == AGW_H248_TCP ? "tcp" : "udp";
}

/* The MGC index for (address, port), or -1. */
static int mgc_index(const struct agw_h248_transport *t,
		     const struct agw_sockaddr *peer)
{
	for (unsigned int i = 0; i < t->nmgc; i++)
		if (agw_sockaddr_same_host(&t->mgc[i], peer) &&
		    agw_sockaddr_port(&t->mgc[i]) == agw_sockaddr_port(peer))
			return i;
	return -1;
}

bool agw_h248_mgc_allowed(const struct agw_h248_transport *t,
			  const struct agw_sockaddr *peer)
{
	return mgc_index(t, peer) >= 0;
}

/* ---- UDP ---------------------------------------------------------------- */

static void drop_foreign(struct agw_h248_transport *t,
			 const struct agw_sockaddr *peer, size_t len)
{
	char a[AGW_ADDRSTRLEN];

	t->st.dropped_not_allowed++;
	agw_log_ratelimited(
		&t->drop_rl, AGW_LOG_WARNING,
		"h248 udp: dropped %zu-byte datagram from %s: not an allowed MGC (address and port)",
		len, agw_sockaddr_str(peer, true, a, sizeof(a)));
}

static void deliver_udp(struct agw_h248_transport *t,
			const struct agw_sockaddr *peer, const uint8_t *msg,
			size_t len)
{
	/* the kernel checked nothing on the shared socket, and a connected
	 * socket may hold datagrams queued before its connect() */
	if (mgc_index(t, peer) < 0) {
		drop_foreign(t, peer, len);
		return;
	}
	if (!len || len > UDP_MAX)
		return;
	t->st.rx_msgs++;
	t->cbs.on_message(t->arg, AGW_H248_UDP, peer, msg, len);
}

static void udp_recv_error(struct agw_h248_transport *t, int err)
{
	if (err != EAGAIN && err != EINTR && err != ECONNREFUSED)
		agw_log_ratelimited(&t->drop_rl, AGW_LOG_WARNING,
				    "h248 udp recv: %s", strerror(err));
}

static void tx_error(struct agw_h248_transport *t, size_t len, int err)
{
	agw_log_ratelimited(&t->tx_rl, AGW_LOG_WARNING,
			    "h248: send %zu bytes over udp: %s", len,
			    strerror(err));
}

/* Datagrams [i, j) of the queue on one socket: sendmmsg until all went
 * out or one fails (logged, skipped), as send() one by one would. */
static void tx_send_run(struct agw_h248_transport *t, unsigned int i,
			unsigned int j)
{
	bool refused_again = false;

	while (i < j) {
		int n = sendmmsg(t->tx_fd[i], &t->tx_mm[i], j - i, 0);

		if (n > 0) {
			t->st.tx_msgs += n;
			i += n;
			continue;
		}
		/* an ICMP error from an earlier datagram: once more */
		if (n < 0 && errno == ECONNREFUSED && !refused_again) {
			refused_again = true;
			continue;
		}
		tx_error(t, t->tx_iov[i].iov_len, n < 0 ? errno : EIO);
		refused_again = false;
		i++;
	}
}

static void tx_flush(struct agw_h248_transport *t)
{
	unsigned int i = 0, j;

	while (i < t->ntx) {
		for (j = i + 1; j < t->ntx && t->tx_fd[j] == t->tx_fd[i]; j++)
			;
		tx_send_run(t, i, j);
		i = j;
	}
	t->ntx = 0;
	t->tx_used = 0;
}

/* Queue one datagram of the burst; false: send it now instead. */
static bool tx_queue(struct agw_h248_transport *t, int fd,
		     const struct agw_sockaddr *peer, const void *msg,
		     size_t len)
{
	unsigned int i;

	if (!t->batching || len > TX_BYTES)
		return false;
	if (t->ntx == TX_BATCH || t->tx_used + len > TX_BYTES)
		tx_flush(t);
	i = t->ntx++;
	memcpy(t->tx_bytes + t->tx_used, msg, len);
	t->tx_iov[i] = (struct iovec){ t->tx_bytes + t->tx_used, len };
	t->tx_used += len;
	t->tx_fd[i] = fd;
	t->tx_mm[i].msg_hdr =
		(struct msghdr){ .msg_iov = &t->tx_iov[i], .msg_iovlen = 1 };
	if (peer) {
		t->tx_peer[i] = *peer;
		t->tx_mm[i].msg_hdr.msg_name = &t->tx_peer[i].sa;
		t->tx_mm[i].msg_hdr.msg_namelen = peer->len;
	}
	return true;
}

/* Read up to budget datagrams from fd with recvmmsg; returns how many. */
static int udp_read(struct agw_h248_transport *t, int fd, int budget)
{
	int done = 0;

	while (done < budget) {
		int want = budget - done < UDP_BURST ? budget - done :
						       UDP_BURST;
		int n;

		for (int i = 0; i < want; i++) {
			t->iov[i] = (struct iovec){ t->udp_bufs + i * UDP_MAX,
						    UDP_MAX };
			t->mm[i].msg_hdr = (struct msghdr){
				.msg_name = &t->mm_src[i],
				.msg_namelen = sizeof(t->mm_src[i]),
				.msg_iov = &t->iov[i],
				.msg_iovlen = 1,
			};
		}
		n = recvmmsg(fd, t->mm, want, MSG_DONTWAIT, NULL);
		if (n <= 0) {
			if (n < 0)
				udp_recv_error(t, errno);
			break;
		}
		t->batching = !!t->tx_bytes;
		for (int i = 0; i < n; i++) {
			struct agw_sockaddr peer;

			agw_sockaddr_from(&peer, &t->mm_src[i],
					  t->mm[i].msg_hdr.msg_namelen);
			if (t->mm[i].msg_hdr.msg_flags & MSG_TRUNC)
				continue;
			deliver_udp(t, &peer, t->iov[i].iov_base,
				    t->mm[i].msg_len);
		}
		t->batching = false;
		tx_flush(t);
		done += n;
		if (n < want)
			break;
	}
	return done;
}

static void on_udp(struct agw_evfd *h, uint32_t events)
{
	struct agw_h248_transport *t = h->arg;

	/* bounded: what junk is left waits for the next turn of the loop */
	udp_read(t, t->udp_fd, UDP_BURST);
}

static void on_mgc_udp(struct agw_evfd *h, uint32_t events)
{
	struct agw_h248_transport *t = h->arg;
	int fd = h->fd;

	udp_read(t, fd, MGC_BURST);
}

static int udp_socket(struct agw_h248_transport *t, int *out)
{
	int one = 1, fd, err;

	*out = -1;
	fd = socket(t->local.sa.sa_family,
		    SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, &t->st.udp_local.sa, t->st.udp_local.len)) {
		err = -errno;
		close(fd);
		return err;
	}
	*out = fd;
	return 0;
}

/*
 * One connected socket per MGC on the shared socket's address and port.
 * UDP lookup prefers the socket whose connected peer matches, so the
 * MGC's datagrams never queue behind junk on the shared socket. Sockets
 * of both families cannot share a bind; an MGC of the other family then
 * stays on the shared socket (and is still checked there).
 */
static int mgc_socket(struct agw_h248_transport *t,
		      const struct agw_sockaddr *m, int *out)
{
	char a[AGW_ADDRSTRLEN], b[AGW_ADDRSTRLEN];
	int fd = -1, err, rcvbuf = MGC_RCVBUF;

	*out = -1;
	if (m->sa.sa_family != t->st.udp_local.sa.sa_family) {
		agw_info(
			"h248 udp: MGC %s is of another address family than %s: served on the shared socket",
			agw_sockaddr_str(m, true, a, sizeof(a)),
			agw_sockaddr_str(&t->st.udp_local, true, b, sizeof(b)));
		return 0;
	}
	err = udp_socket(t, &fd);
	if (err)
		return err;
	/* past net.core.rmem_max with CAP_NET_ADMIN; else up to it */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (connect(fd, &m->sa, m->len)) {
		err = -errno;
		close(fd);
		return err;
	}
	*out = fd;
	return 0;
}

static int mgc_open(struct agw_h248_transport *t, unsigned int i)
{
	int fd, err;

	err = mgc_socket(t, &t->mgc[i], &fd);
	if (err || fd < 0)
		return err;
	err = agw_evloop_add_fd(t->loop, &t->mgc_h[i], fd, EPOLLIN, on_mgc_udp,
				t);
	if (err) {
		close(fd);
		return err;
	}
	t->mgc_fd[i] = fd;
	return 0;
}

static int udp_open(struct agw_h248_transport *t)
{
	int one = 1, fd, err;
	socklen_t sl = sizeof(t->st.udp_local.ss);

	t->udp_bufs = malloc((size_t)UDP_BURST * UDP_MAX);
	t->tx_bytes = malloc(TX_BYTES);
	if (!t->udp_bufs || !t->tx_bytes)
		return -ENOMEM;
	fd = socket(t->local.sa.sa_family,
		    SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, &t->local.sa, t->local.len) ||
	    getsockname(fd, &t->st.udp_local.sa, &sl))
		goto err;
	t->st.udp_local.len = sl;
	t->udp_fd = fd;
	if (agw_evloop_add_fd(t->loop, &t->udp_h, fd, EPOLLIN, on_udp, t))
		goto err;
	for (unsigned int i = 0; i < t->nmgc; i++) {
		err = mgc_open(t, i);
		if (err)
			return err;
	}
	return 0;
err:
	err = -errno;
	close(fd);
	t->udp_fd = -1;
	return err;
}

/* ---- TCP ---------------------------------------------------------------- */

static void tcp_schedule_retry(struct agw_h248_transport *t)
{
	agw_timer_start(t->loop, &t->retry_timer, t->backoff_ms);
	t->backoff_ms = t->backoff_ms * 2 > t->retry_max_ms ? t->retry_max_ms :
							      t->backoff_ms * 2;
}

/* reset: abort with RST (after a framing error) rather than FIN. */
static void tcp_close(struct agw_h248_transport *t, bool reset)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	if (t->tcp_fd < 0)
		return;
	agw_evloop_del_fd(t->loop, &t->tcp_h);
	agw_timer_stop(t->loop, &t->frame_timer);
	if (reset)
		setsockopt(t->tcp_fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(t->tcp_fd);
	t->tcp_fd = -1;
	t->tx_len = t->tx_off = 0;
}

static void tcp_lost(struct agw_h248_transport *t, bool reset, const char *why)
{
	char a[AGW_ADDRSTRLEN];
	bool was_up = t->tcp_state == TCP_UP;
	struct agw_sockaddr peer = t->mgc[t->mgc_idx];

	agw_sockaddr_str(&peer, true, a, sizeof(a));
	tcp_close(t, reset);
	t->tcp_state = TCP_DOWN;
	if (was_up) {
		t->st.tcp_losses++;
		t->st.tcp_up = false;
		agw_warn("h248 tcp: MGC %s lost: %s", a, why);
	} else {
		agw_log_ratelimited(
			&t->tcp_rl, AGW_LOG_INFO,
			"h248 tcp: connect to MGC %s failed: %s; retry in %u ms",
			a, why, t->backoff_ms);
	}
	/* next attempt goes to the next MGC in the list */
	t->mgc_idx = (t->mgc_idx + 1) % t->nmgc;
	tcp_schedule_retry(t);
	if (was_up && t->cbs.on_mgc_link)
		t->cbs.on_mgc_link(t->arg, false, &peer);
}

static int tcp_deliver(void *arg, const uint8_t *msg, size_t len)
{
	struct agw_h248_transport *t = arg;

	t->st.rx_msgs++;
	t->cbs.on_message(t->arg, AGW_H248_TCP, &t->mgc[t->mgc_idx], msg, len);
	/* the callback may have lost the connection (send error) */
	return t->tcp_state == TCP_UP ? 0 : -ECONNRESET;
}

static int tcp_flush(struct agw_h248_transport *t)
{
	while (t->tx_off < t->tx_len) {
		ssize_t n = send(t->tcp_fd, t->txq + t->tx_off,
				 t->tx_len - t->tx_off, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EAGAIN)
				break;
			return -errno;
		}
		t->tx_off += n;
	}
	if (t->tx_off == t->tx_len)
		t->tx_off = t->tx_len = 0;
	return agw_evloop_mod_fd(t->loop, &t->tcp_h,
				 EPOLLIN | (t->tx_len ? EPOLLOUT : 0));
}

static void on_tcp_up(struct agw_h248_transport *t)
{
	char a[AGW_ADDRSTRLEN];

	agw_timer_stop(t->loop, &t->retry_timer);
	t->tcp_state = TCP_UP;
	t->backoff_ms = t->retry_ms;
	t->st.tcp_connects++;
	t->st.tcp_up = true;
	t->st.tcp_peer = t->mgc[t->mgc_idx];
	agw_tpkt_rx_init(t->rx, t->rx->max_payload);
	agw_evloop_mod_fd(t->loop, &t->tcp_h, EPOLLIN);
	agw_notice("h248 tcp: connected to MGC %s",
		   agw_sockaddr_str(&t->st.tcp_peer, true, a, sizeof(a)));
	if (t->cbs.on_mgc_link)
		t->cbs.on_mgc_link(t->arg, true, &t->st.tcp_peer);
}

static void on_tcp(struct agw_evfd *h, uint32_t events)
{
	struct agw_h248_transport *t = h->arg;
	uint8_t buf[16384];
	ssize_t n;
	int err = 0, r;
	socklen_t el = sizeof(err);

	if (t->tcp_state == TCP_CONNECTING) {
		getsockopt(t->tcp_fd, SOL_SOCKET, SO_ERROR, &err, &el);
		if (err) {
			tcp_lost(t, false, strerror(err));
			return;
		}
		on_tcp_up(t);
		return;
	}
	if (events & EPOLLOUT) {
		r = tcp_flush(t);
		if (r < 0) {
			tcp_lost(t, false, strerror(-r));
			return;
		}
	}
	if (!(events & (EPOLLIN | EPOLLERR | EPOLLHUP)))
		return;
	n = recv(t->tcp_fd, buf, sizeof(buf), 0);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		tcp_lost(t, false, n ? strerror(errno) : "closed by peer");
		return;
	}
	r = agw_tpkt_feed_at(t->rx, buf, n, agw_now_ms(), tcp_deliver, t);
	if (r == -EPROTO || r == -EMSGSIZE) {
		char hx[16], why[160];

		t->st.tcp_framing_errors++;
		agw_tpkt_bad_hdr_str(t->rx, hx, sizeof(hx));
		snprintf(
			why, sizeof(why),
			r == -EPROTO ?
				"bad TPKT header %s (version 3, reserved 0, length > 4 expected): connection reset" :
				"TPKT header %s: packet above the message size limit: connection reset",
			hx);
		tcp_lost(t, true, why);
		return;
	}
	if (t->tcp_state != TCP_UP)
		return;
	/* a partial packet must complete within tpkt_timeout_ms */
	if (t->rx->have)
		agw_timer_start_at(t->loop, &t->frame_timer,
				   t->rx->partial_since_ms +
					   t->tpkt_timeout_ms);
	else
		agw_timer_stop(t->loop, &t->frame_timer);
}

static void on_frame_timeout(struct agw_timer *tm)
{
	struct agw_h248_transport *t = tm->arg;
	char why[160];

	if (t->tcp_state != TCP_UP || !t->rx->have)
		return;
	t->st.tcp_framing_errors++;
	snprintf(
		why, sizeof(why),
		"partial TPKT packet (%zu bytes) not completed within %u ms: connection reset",
		t->rx->have, t->tpkt_timeout_ms);
	tcp_lost(t, true, why);
}

static void tcp_connect(struct agw_h248_transport *t)
{
	const struct agw_sockaddr *m = &t->mgc[t->mgc_idx];
	struct agw_sockaddr src = t->local;
	int fd, one = 1;

	fd = socket(m->sa.sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    0);
	if (fd < 0) {
		tcp_lost(t, false, strerror(errno));
		return;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	/* From the MG's own address, so the MGC sees the MID's address. */
	agw_sockaddr_set_port(&src, 0);
	if (src.sa.sa_family == m->sa.sa_family && bind(fd, &src.sa, src.len)) {
		int e = errno;

		close(fd);
		tcp_lost(t, false, strerror(e));
		return;
	}
	t->tcp_fd = fd;
	t->tcp_state = TCP_CONNECTING;
	if (agw_evloop_add_fd(t->loop, &t->tcp_h, fd, EPOLLOUT, on_tcp, t)) {
		tcp_lost(t, false, "epoll");
		return;
	}
	if (connect(fd, &m->sa, m->len) && errno != EINPROGRESS) {
		tcp_lost(t, false, strerror(errno));
		return;
	}
	agw_timer_start(t->loop, &t->retry_timer, t->connect_timeout_ms);
}

/* The one timer serves as retry delay (DOWN) and connect timeout. */
static void on_retry(struct agw_timer *tm)
{
	struct agw_h248_transport *t = tm->arg;

	if (t->tcp_state == TCP_CONNECTING)
		tcp_lost(t, false, "connect timed out");
	else if (t->tcp_state == TCP_DOWN)
		tcp_connect(t);
}

/* ---- public ------------------------------------------------------------- */

int agw_h248_send(struct agw_h248_transport *t, enum agw_h248_proto proto,
		  const struct agw_sockaddr *peer, const void *msg, size_t len)
{
	uint8_t hdr[AGW_TPKT_HDR];
	struct iovec iov[2];
	size_t sent = 0, need;
	ssize_t n;
	int r;

	if (proto == AGW_H248_UDP) {
		int i = mgc_index(t, peer);
		bool own = i >= 0 && t->mgc_fd[i] >= 0; /* its socket */

		if (t->udp_fd < 0)
			return -ENOTCONN;
		if (tx_queue(t, own ? t->mgc_fd[i] : t->udp_fd,
			     own ? NULL : peer, msg, len))
			return 0; /* counted and errors logged when sent */
		if (own) {
			n = send(t->mgc_fd[i], msg, len, 0);
			/* an ICMP error from an earlier datagram */
			if (n < 0 && errno == ECONNREFUSED)
				n = send(t->mgc_fd[i], msg, len, 0);
		} else
			n = sendto(t->udp_fd, msg, len, 0, &peer->sa,
				   peer->len);
		if (n < 0)
			return -errno;
		t->st.tx_msgs++;
		return 0;
	}
	if (t->tcp_state != TCP_UP)
		return -ENOTCONN;
	r = agw_tpkt_header(hdr, len);
	if (r)
		return r;
	if (!t->tx_len) {
		iov[0] = (struct iovec){ hdr, sizeof(hdr) };
		iov[1] = (struct iovec){ (void *)msg, len };
		n = writev(t->tcp_fd, iov, 2);
		if (n < 0 && errno != EAGAIN)
			return -errno;
		sent = n < 0 ? 0 : n;
	}
	if (t->tx_off) {
		/* drop what has gone out, so the queue measures what has not */
		memmove(t->txq, t->txq + t->tx_off, t->tx_len - t->tx_off);
		t->tx_len -= t->tx_off;
		t->tx_off = 0;
	}
	need = t->tx_len + sizeof(hdr) + len - sent;
	if (sent < sizeof(hdr) + len) {
		if (need > TXQ_MAX)
			return -ENOBUFS;
		if (need > t->tx_cap) {
			size_t cap = t->tx_cap ? t->tx_cap : 65536;
			uint8_t *q;

			while (cap < need)
				cap *= 2;
			q = realloc(t->txq, cap);
			if (!q)
				return -ENOMEM;
			t->txq = q;
			t->tx_cap = cap;
		}
		if (sent < sizeof(hdr)) {
			memcpy(t->txq + t->tx_len, hdr + sent,
			       sizeof(hdr) - sent);
			t->tx_len += sizeof(hdr) - sent;
			sent = sizeof(hdr);
		}
		memcpy(t->txq + t->tx_len,
		       (const uint8_t *)msg + (sent - sizeof(hdr)),
		       len - (sent - sizeof(hdr)));
		t->tx_len += len - (sent - sizeof(hdr));
		agw_evloop_mod_fd(t->loop, &t->tcp_h, EPOLLIN | EPOLLOUT);
	}
	t->st.tx_msgs++;
	return 0;
}

int agw_h248_transport_new(struct agw_evloop *loop,
			   const struct agw_h248_transport_cfg *cfg,
			   const struct agw_h248_transport_cbs *cbs, void *arg,
			   struct agw_h248_transport **out)
{
	struct agw_h248_transport *t;
	int err;

	if (!cfg->nmgc || cfg->nmgc > MAX_MGC || (!cfg->udp && !cfg->tcp) ||
	    !cbs->on_message)
		return -EINVAL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->loop = loop;
	t->cbs = *cbs;
	t->arg = arg;
	t->local = cfg->local;
	memcpy(t->mgc, cfg->mgc, cfg->nmgc * sizeof(*t->mgc));
	t->nmgc = cfg->nmgc;
	t->retry_ms = cfg->retry_ms ? cfg->retry_ms : 1000;
	t->retry_max_ms = cfg->retry_max_ms > t->retry_ms ? cfg->retry_max_ms :
							    t->retry_ms;
	t->backoff_ms = t->retry_ms;
	t->connect_timeout_ms = cfg->connect_timeout_ms ?
					cfg->connect_timeout_ms :
					CONNECT_TIMEOUT_MS_DEFAULT;
	t->udp_fd = t->tcp_fd = -1;
	for (unsigned int i = 0; i < MAX_MGC; i++)
		t->mgc_fd[i] = -1;
	t->drop_rl = (struct agw_ratelimit)AGW_RATELIMIT_INIT(5000, 10);
	t->tcp_rl = (struct agw_ratelimit)AGW_RATELIMIT_INIT(60000, 10);
	t->tx_rl = (struct agw_ratelimit)AGW_RATELIMIT_INIT(5000, 10);
	agw_timer_init(&t->retry_timer, on_retry, t);
	agw_timer_init(&t->frame_timer, on_frame_timeout, t);
	t->tpkt_timeout_ms = cfg->tpkt_timeout_ms ? cfg->tpkt_timeout_ms :
						    TPKT_TIMEOUT_MS_DEFAULT;
	if (cfg->udp) {
		err = udp_open(t);
		if (err)
			goto err;
	}
	if (cfg->tcp) {
		t->rx = malloc(sizeof(*t->rx));
		if (!t->rx) {
			err = -ENOMEM;
			goto err;
		}
		agw_tpkt_rx_init(t->rx, cfg->max_msg);
		t->tcp_enabled = true;
		tcp_connect(t);
	}
	*out = t;
	return 0;
err:
	agw_h248_transport_free(t);
	return err;
}

void agw_h248_transport_free(struct agw_h248_transport *t)
{
	if (!t)
		return;
	agw_timer_stop(t->loop, &t->retry_timer);
	agw_timer_stop(t->loop, &t->frame_timer);
	tcp_close(t, false);
	for (unsigned int i = 0; i < MAX_MGC; i++) {
		if (t->mgc_fd[i] < 0)
			continue;
		agw_evloop_del_fd(t->loop, &t->mgc_h[i]);
		close(t->mgc_fd[i]);
	}
	if (t->udp_fd >= 0) {
		agw_evloop_del_fd(t->loop, &t->udp_h);
		close(t->udp_fd);
	}
	free(t->udp_bufs);
	free(t->tx_bytes);
	free(t->rx);
	free(t->txq);
	free(t);
}

void agw_h248_transport_use_mgc(struct agw_h248_transport *t,
				unsigned int idx)
{
	if (idx >= t->nmgc)
		return;
	t->mgc_idx = idx;
	if (!t->tcp_enabled)
		return;
	agw_timer_stop(t->loop, &t->retry_timer);
	tcp_close(t, false);
	t->tcp_state = TCP_DOWN;
	t->st.tcp_up = false;
	t->backoff_ms = t->retry_ms;
	tcp_connect(t);
}

int agw_h248_transport_set_mgc(struct agw_h248_transport *t,
			       const struct agw_sockaddr *mgc,
			       unsigned int nmgc, int *cur)
{
	struct agw_sockaddr old[MAX_MGC];
	int fd[MAX_MGC], old_fd[MAX_MGC], err = 0, j;
	unsigned int old_n = t->nmgc, old_idx = t->mgc_idx;

	if (!nmgc || nmgc > MAX_MGC)
		return -EINVAL;
	/* the new MGCs' sockets first: a failure changes nothing */
	for (unsigned int i = 0; i < nmgc; i++) {
		fd[i] = -1;
		if (t->udp_fd < 0 || mgc_index(t, &mgc[i]) >= 0)
			continue;
		err = mgc_socket(t, &mgc[i], &fd[i]);
		if (err)
			break;
	}
	if (err) {
		for (unsigned int i = 0; i < nmgc; i++)
			if (fd[i] >= 0)
				close(fd[i]);
		return err;
	}
	memcpy(old, t->mgc, sizeof(old));
	memcpy(old_fd, t->mgc_fd, sizeof(old_fd));
	memcpy(t->mgc, mgc, nmgc * sizeof(*mgc));
	t->nmgc = nmgc;
	/* every slot leaves the loop; the sockets of MGCs that went are
	 * closed (what they still held was theirs), those that stay move
	 * to their new slot */
	for (unsigned int i = 0; i < MAX_MGC; i++) {
		if (old_fd[i] < 0)
			continue;
		agw_evloop_del_fd(t->loop, &t->mgc_h[i]);
		if (i >= old_n || mgc_index(t, &old[i]) < 0)
			close(old_fd[i]);
		t->mgc_fd[i] = -1;
	}
	for (unsigned int i = 0; i < nmgc; i++) {
		int f = fd[i];

		for (unsigned int k = 0; f < 0 && k < old_n; k++)
			if (old_fd[k] >= 0 &&
			    agw_sockaddr_same_host(&old[k], &mgc[i]) &&
			    agw_sockaddr_port(&old[k]) ==
				    agw_sockaddr_port(&mgc[i]))
				f = old_fd[k];
		if (f < 0)
			continue;
		if (agw_evloop_add_fd(t->loop, &t->mgc_h[i], f, EPOLLIN,
				      on_mgc_udp, t)) {
			/* its datagrams go to the shared socket instead */
			close(f);
			continue;
		}
		t->mgc_fd[i] = f;
	}
	j = old_idx < old_n ? mgc_index(t, &old[old_idx]) : -1;
	t->mgc_idx = j >= 0 ? (unsigned int)j : 0;
	if (cur)
		*cur = j >= 0 ? j : -ENOENT;
	return 0;
}

void agw_h248_transport_get_stats(const struct agw_h248_transport *t,
				  struct agw_h248_transport_stats *st)
{
	*st = t->st;
	st->tcp_queued = t->tx_len - t->tx_off;
}
