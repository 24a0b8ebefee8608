// SPDX-License-Identifier: GPL-2.0-only
/*
 * H.248 transport over real loopback sockets: UDP allow-list, TCP with
 * TPKT framing from a real peer, loss, reconnect with backoff, reset on
 * garbage, replies of a UDP burst sent together.
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "agw/evloop.h"
#include "agw/h248_transport.h"
#include "agw/log.h"
#include "agw/tpkt.h"

struct sink {
	int n;
	char msg[16][256];
	size_t len[16];
	struct agw_sockaddr peer[16];
	enum agw_h248_proto proto[16];
	int ups, downs;
};

static void on_msg(void *arg, enum agw_h248_proto proto,
		   const struct agw_sockaddr *peer, const uint8_t *m, size_t l)
{
	struct sink *s = arg;

	ck_assert_int_lt(s->n, 16);
	ck_assert_uint_lt(l, 256);
	memcpy(s->msg[s->n], m, l);
	s->msg[s->n][l] = 0;
	s->len[s->n] = l;
	s->peer[s->n] = *peer;
	s->proto[s->n++] = proto;
}

static void on_link(void *arg, bool up, const struct agw_sockaddr *mgc)
{
	struct sink *s = arg;

	if (up)
		s->ups++;
	else
		s->downs++;
}

static const struct agw_h248_transport_cbs cbs = { on_msg, on_link };

static void spin_until(struct agw_evloop *l, const int *v, int want)
{
	uint64_t end = agw_now_ms() + 20000;

	while (*v < want && agw_now_ms() < end)
		ck_assert_int_ge(agw_evloop_run_once(l, 50), 0);
	ck_assert_int_ge(*v, want);
}

static int udp_sock(const char *ip)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	inet_pton(AF_INET, ip, &a.sin_addr);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	return fd;
}

static void sock_addr(int fd, struct agw_sockaddr *out)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);

	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&ss, &sl), 0);
	agw_sockaddr_from(out, &ss, sl);
}

/* Nothing waiting on fd (a reply would be). */
static void assert_nothing(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	ck_assert_int_eq(poll(&p, 1, 100), 0);
}

START_TEST(udp_allowed_and_dropped)
{
	struct agw_evloop *l;
	struct agw_h248_transport *t;
	struct agw_h248_transport_stats st;
	struct agw_h248_transport_cfg cfg = { .udp = true };
	struct agw_sockaddr mgc, other;
	struct sink s = { 0 };
	int good = udp_sock("127.0.0.1"), evil = udp_sock("127.0.0.2");
	int wrong_port = udp_sock("127.0.0.1");
	char buf[64];

	ck_assert_int_eq(agw_sockaddr_parse("127.0.0.1:0", 0, &cfg.local), 0);
	sock_addr(good, &mgc);
	sock_addr(wrong_port, &other);
	cfg.mgc = &mgc;
	cfg.nmgc = 1;
	ck_assert_int_eq(agw_evloop_new(&l), 0);
	ck_assert_int_eq(agw_h248_transport_new(l, &cfg, &cbs, &s, &t), 0);
	agw_h248_transport_get_stats(t, &st);
	ck_assert_uint_ne(agw_sockaddr_port(&st.udp_local), 0);
	ck_assert(agw_h248_mgc_allowed(t, &mgc));
	ck_assert(!agw_h248_mgc_allowed(t, &other));

	ck_assert_int_eq(sendto(evil, "evil", 4, 0, &st.udp_local.sa,
				st.udp_local.len),
			 4);
	/* the MGC's address from another port is not the MGC */
	ck_assert_int_eq(sendto(wrong_port, "MEGACO/1 y", 10, 0,
				&st.udp_local.sa, st.udp_local.len),
			 10);
	ck_assert_int_eq(sendto(good, "MEGACO/1 x", 10, 0, &st.udp_local.sa,
				st.udp_local.len),
			 10);
	spin_until(l, &s.n, 1);
	for (int i = 0; i < 5; i++)
		agw_evloop_run_once(l, 20);
	ck_assert_int_eq(s.n, 1);
	ck_assert_str_eq(s.msg[0], "MEGACO/1 x");
	ck_assert_int_eq(s.proto[0], AGW_H248_UDP);
	ck_assert_uint_eq(agw_sockaddr_port(&s.peer[0]),
			  agw_sockaddr_port(&mgc));
	agw_h248_transport_get_stats(t, &st);
	ck_assert_uint_eq(st.dropped_not_allowed, 2);
	ck_assert_uint_eq(st.rx_msgs, 1);

	/* reply goes back to the reported peer, and only there */
	ck_assert_int_eq(agw_h248_send(t, AGW_H248_UDP, &s.peer[0], "reply", 5),
			 0);
	ck_assert_int_eq(recv(good, buf, sizeof(buf), 0), 5);
	ck_assert(!memcmp(buf, "reply", 5));
	assert_nothing(evil);
	assert_nothing(wrong_port);
	ck_assert_int_eq(agw_h248_send(t, AGW_H248_TCP, &s.peer[0], "x", 1),
			 -ENOTCONN);

	agw_h248_transport_free(t);
	agw_evloop_free(l);
	close(good);
	close(evil);
	close(wrong_port);
}
END_TEST

/* agw_h248_transport_set_mgc(): an MGC added is heard, one removed is not,
 * the one in use is found at its new index or reported gone. */
START_TEST(udp_set_mgc)
{
	struct agw_evloop *l;
	struct agw_h248_transport *t;
	struct agw_h248_transport_stats st;
	struct agw_h248_transport_cfg cfg = { .udp = true };
	struct agw_sockaddr m[2], both[2];
	struct sink s = { 0 };
	int a = udp_sock("127.0.0.1"), b = udp_sock("127.0.0.1"), cur = 7;
	char buf[16];

	ck_assert_int_eq(agw_sockaddr_parse("127.0.0.1:0", 0, &cfg.local), 0);
	sock_addr(a, &m[0]);
	sock_addr(b, &m[1]);
	cfg.mgc = &m[0];
	cfg.nmgc = 1;
	ck_assert_int_eq(agw_evloop_new(&l), 0);
	ck_assert_int_eq(agw_h248_transport_new(l, &cfg, &cbs, &s, &t), 0);
	agw_h248_transport_get_stats(t, &st);
	ck_assert(!agw_h248_mgc_allowed(t, &m[1]));
	ck_assert_int_eq(agw_h248_transport_set_mgc(t, m, 0, &cur), -EINVAL);
	ck_assert_int_eq(cur, 7);

	/* add b (first in the list): a keeps its socket at index 1 */
	both[0] = m[1];
	both[1] = m[0];
	ck_assert_int_eq(agw_h248_transport_set_mgc(t, both, 2, &cur), 0);
	ck_assert_int_eq(cur, 1);
	ck_assert(agw_h248_mgc_allowed(t, &m[1]));
	ck_assert_int_eq(sendto(b, "MEGACO/1 b", 10, 0, &st.udp_local.sa,
				st.udp_local.len),
			 10);
	ck_assert_int_eq(sendto(a, "MEGACO/1 a", 10, 0, &st.udp_local.sa,
				st.udp_local.len),
			 10);
	spin_until(l, &s.n, 2);
	ck_assert_int_eq(agw_h248_send(t, AGW_H248_UDP, &m[1], "rb", 2), 0);
	ck_assert_int_eq(recv(b, buf, sizeof(buf), 0), 2);
	ck_assert_int_eq(agw_h248_send(t, AGW_H248_UDP, &m[0], "ra", 2), 0);
	ck_assert_int_eq(recv(a, buf, sizeof(buf), 0), 2);

	/* remove a, the one in use: reported gone, its datagrams dropped */
	ck_assert_int_eq(agw_h248_transport_set_mgc(t, &m[1], 1, &cur), 0);
	ck_assert_int_eq(cur, -ENOENT);
	ck_assert(!agw_h248_mgc_allowed(t, &m[0]));
	ck_assert_int_eq(sendto(a, "MEGACO/1 x", 10, 0, &st.udp_local.sa,
				st.udp_local.len),
			 10);
	ck_assert_int_eq(sendto(b, "MEGACO/1 y", 10, 0, &st.udp_local.sa,
				st.udp_local.len),
			 10);
	spin_until(l, &s.n, 3);
	for (int i = 0; i < 5; i++)
		agw_evloop_run_once(l, 20);
	ck_assert_int_eq(s.n, 3);
	ck_assert_str_eq(s.msg[2], "MEGACO/1 y");
	agw_h248_transport_get_stats(t, &st);
	ck_assert_uint_eq(st.dropped_not_allowed, 1);

	agw_h248_transport_free(t);
	agw_evloop_free(l);
	close(a);
	close(b);
}
END_TEST

/*
 * A flood that fills the shared socket's receive queue does not delay the
 * MGC: its datagram is on its own connected socket, served in the same
 * loop turn, and each turn reads at most 64 junk datagrams.
 */
START_TEST(udp_mgc_not_starved_by_junk)
{
	struct agw_evloop *l;
	struct agw_h248_transport *t;
	struct agw_h248_transport_stats st;
	struct agw_h248_transport_cfg cfg = { .udp = true };
	struct agw_sockaddr mgc;
	struct sink s = { 0 };
	int good = udp_sock("127.0.0.1"), evil = udp_sock("127.0.0.3");
	char junk[200] = { 0 };
	int sent = 0;

	ck_assert_int_eq(agw_sockaddr_parse("127.0.0.1:0", 0, &cfg.local), 0);
	sock_addr(good, &mgc);
	cfg.mgc = &mgc;
	cfg.nmgc = 1;
	ck_assert_int_eq(agw_evloop_new(&l), 0);
	ck_assert_int_eq(agw_h248_transport_new(l, &cfg, &cbs, &s, &t), 0);
	agw_h248_transport_get_stats(t, &st);
	/* more than the default receive buffer holds */
	for (int i = 0; i < 20000; i++)
		if (sendto(evil, junk, sizeof(junk), MSG_DONTWAIT,
			   &st.udp_local.sa, st.udp_local.len) > 0)
			sent++;
	ck_assert_int_gt(sent, 1000);
	ck_assert_int_eq(sendto(good, "MEGACO/1 z", 10, 0, &st.udp_local.sa,
				st.udp_local.len),
			 10);
	ck_assert_int_ge(agw_evloop_run_once(l, 1000), 0);
	ck_assert_int_eq(s.n, 1);
	ck_assert_str_eq(s.msg[0], "MEGACO/1 z");
	agw_h248_transport_get_stats(t, &st);
	ck_assert_uint_le(st.dropped_not_allowed, 64);
	ck_assert_uint_ge(st.dropped_not_allowed, 1);
	/* the rest is read 64 at a time on later turns */
	ck_assert_int_ge(agw_evloop_run_once(l, 1000), 0);
	agw_h248_transport_get_stats(t, &st);
	ck_assert_uint_le(st.dropped_not_allowed, 128);
	agw_h248_transport_free(t);
	agw_evloop_free(l);
	close(good);
	close(evil);
}
END_TEST

/* A bound but not yet listening socket refuses connects (RST). */
static int tcp_server(struct agw_sockaddr *addr)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t al = sizeof(a);

	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	getsockname(fd, (struct sockaddr *)&a, &al);
	agw_sockaddr_from(addr, &a, al);
	return fd;
}

static int accept_with_loop(struct agw_evloop *l, int lfd)
{
	uint64_t end = agw_now_ms() + 20000;
	struct pollfd p = { .fd = lfd, .events = POLLIN };

	while (agw_now_ms() < end) {
		agw_evloop_run_once(l, 20);
		if (poll(&p, 1, 0) == 1)
			return accept(lfd, NULL, NULL);
	}
	ck_abort_msg("no connection from the transport");
	return -1;
}

static size_t frame(uint8_t *out, const char *m)
{
	size_t n = strlen(m);

	agw_tpkt_header(out, n);
	memcpy(out + 4, m, n);
	return n + 4;
}

START_TEST(tcp_framing_loss_reconnect_reset)
{
	struct agw_evloop *l;
	struct agw_h248_transport *t;
	struct agw_h248_transport_stats st;
	struct agw_h248_transport_cfg cfg = { .tcp = true,
					      .retry_ms = 20,
					      .retry_max_ms = 80,
					      .tpkt_timeout_ms = 300 };
	struct agw_sockaddr mgc;
	struct sink s = { 0 };
	uint8_t seg[512], rx[64];
	size_t n = 0;
	int lfd = tcp_server(&mgc), c;

	ck_assert_int_eq(agw_sockaddr_parse("127.0.0.1", 0, &cfg.local), 0);
	cfg.mgc = &mgc;
	cfg.nmgc = 1;
	ck_assert_int_eq(agw_evloop_new(&l), 0);
	ck_assert_int_eq(agw_h248_transport_new(l, &cfg, &cbs, &s, &t), 0);
	/* refused while not listening: retries with backoff, no link up */
	for (int i = 0; i < 20; i++)
		agw_evloop_run_once(l, 20);
	ck_assert_int_eq(s.ups, 0);
	ck_assert_int_eq(listen(lfd, 4), 0);
	c = accept_with_loop(l, lfd);
	spin_until(l, &s.ups, 1);

	/* several messages in one segment */
	n = frame(seg, "one");
	n += frame(seg + n, "two");
	n += frame(seg + n, "three");
	ck_assert_int_eq(write(c, seg, n), (ssize_t)n);
	spin_until(l, &s.n, 3);
	ck_assert_str_eq(s.msg[0], "one");
	ck_assert_str_eq(s.msg[1], "two");
	ck_assert_str_eq(s.msg[2], "three");
	ck_assert_int_eq(s.proto[2], AGW_H248_TCP);

	/* one message split over three segments, the loop running between */
	n = frame(seg, "a message split in three");
	ck_assert_int_eq(write(c, seg, 2), 2);
	for (int i = 0; i < 5; i++)
		agw_evloop_run_once(l, 10);
	ck_assert_int_eq(write(c, seg + 2, 7), 7);
	for (int i = 0; i < 5; i++)
		agw_evloop_run_once(l, 10);
	ck_assert_int_eq(s.n, 3);
	ck_assert_int_eq(write(c, seg + 9, n - 9), (ssize_t)(n - 9));
	spin_until(l, &s.n, 4);
	ck_assert_str_eq(s.msg[3], "a message split in three");

	/* sending frames with TPKT */
	ck_assert_int_eq(agw_h248_send(t, AGW_H248_TCP, NULL, "reply", 5), 0);
	ck_assert_int_eq(recv(c, rx, 9, MSG_WAITALL), 9);
	ck_assert_uint_eq(rx[0], 3);
	ck_assert_uint_eq(rx[1], 0);
	ck_assert_uint_eq(rx[2], 0);
	ck_assert_uint_eq(rx[3], 9);
	ck_assert(!memcmp(rx + 4, "reply", 5));

	/* MGC closes: loss reported, reconnect follows */
	close(c);
	spin_until(l, &s.downs, 1);
	c = accept_with_loop(l, lfd);
	spin_until(l, &s.ups, 2);

	/* garbage header: the transport resets the connection */
	ck_assert_int_eq(write(c, "MEGACO/1 unframed", 17), 17);
	spin_until(l, &s.downs, 2);
	ck_assert_int_eq(recv(c, rx, sizeof(rx), 0), -1);
	ck_assert_int_eq(errno, ECONNRESET);
	agw_h248_transport_get_stats(t, &st);
	ck_assert_uint_eq(st.tcp_framing_errors, 1);
	ck_assert_uint_eq(st.tcp_losses, 2);
	ck_assert_uint_eq(st.rx_msgs, 4);
	close(c);

	/* two stray bytes, then a valid frame: reset, reconnect, and the
	 * next frame on the new connection is heard */
	c = accept_with_loop(l, lfd);
	spin_until(l, &s.ups, 3);
	n = frame(seg + 2, "after junk");
	seg[0] = '\r';
	seg[1] = '\n';
	ck_assert_int_eq(write(c, seg, n + 2), (ssize_t)(n + 2));
	spin_until(l, &s.downs, 3);
	ck_assert_int_eq(s.n, 4);
	close(c);
	c = accept_with_loop(l, lfd);
	spin_until(l, &s.ups, 4);
	ck_assert_int_eq(write(c, seg + 2, n), (ssize_t)n);
	spin_until(l, &s.n, 5);
	ck_assert_str_eq(s.msg[4], "after junk");

	/* a partial frame times out (tpkt_timeout_ms 300) */
	ck_assert_int_eq(write(c, seg + 2, 6), 6);
	spin_until(l, &s.downs, 4);
	agw_h248_transport_get_stats(t, &st);
	ck_assert_uint_eq(st.tcp_framing_errors, 3);
	close(c);

	agw_h248_transport_free(t);
	agw_evloop_free(l);
	close(lfd);
}
END_TEST

/*
 * The MGC does not read: sends fill the kernel's buffers, then queue in
 * user space up to its cap (-ENOBUFS); once the MGC reads, everything
 * accepted arrives in order, every frame intact.
 */
START_TEST(tcp_send_queue_keeps_order)
{
	struct agw_evloop *l;
	struct agw_h248_transport *t;
	struct agw_h248_transport_cfg cfg = { .tcp = true,
					      .retry_ms = 20,
					      .retry_max_ms = 40 };
	struct agw_h248_transport_stats st;
	struct agw_sockaddr mgc;
	struct sink s = { 0 };
	static uint8_t msg[1500];
	size_t got_cap = 64 << 20, have = 0, want = 0, off = 0;
	uint8_t *got = malloc(got_cap);
	int lfd = tcp_server(&mgc), c, nmsg = 0, r = 0;
	uint64_t end;

	ck_assert_int_eq(listen(lfd, 4), 0);
	ck_assert_int_eq(agw_sockaddr_parse("127.0.0.1", 0, &cfg.local), 0);
	cfg.mgc = &mgc;
	cfg.nmgc = 1;
	ck_assert_int_eq(agw_evloop_new(&l), 0);
	ck_assert_int_eq(agw_h248_transport_new(l, &cfg, &cbs, &s, &t), 0);
	c = accept_with_loop(l, lfd);
	spin_until(l, &s.ups, 1);
	while (nmsg < 40000) {
		size_t len = 100 + (nmsg * 131) % 1400;

		memset(msg, 'a' + nmsg % 26, len);
		memcpy(msg, &nmsg, sizeof(nmsg));
		r = agw_h248_send(t, AGW_H248_TCP, NULL, msg, len);
		if (r)
			break;
		want += len + 4;
		nmsg++;
	}
	ck_assert_int_eq(r, -ENOBUFS);
	agw_h248_transport_get_stats(t, &st);
	ck_assert_uint_gt(st.tcp_queued, 3u << 20);
	ck_assert_uint_lt(want, got_cap);
	end = agw_now_ms() + 30000;
	while (have < want && agw_now_ms() < end) {
		ssize_t n;

		agw_evloop_run_once(l, 0);
		n = recv(c, got + have, got_cap - have, MSG_DONTWAIT);
		if (n > 0)
			have += n;
		else
			usleep(1000);
	}
	ck_assert_uint_eq(have, want);
	agw_h248_transport_get_stats(t, &st);
	ck_assert_uint_eq(st.tcp_queued, 0);
	for (int i = 0; i < nmsg; i++) {
		size_t len = 100 + (i * 131) % 1400;
		int id;

		ck_assert_uint_eq(got[off], 3);
		ck_assert_uint_eq((size_t)got[off + 2] << 8 | got[off + 3],
				  len + 4);
		memcpy(&id, got + off + 4, sizeof(id));
		ck_assert_int_eq(id, i);
		ck_assert_uint_eq(got[off + 4 + len - 1], 'a' + i % 26);
		off += len + 4;
	}
	free(got);
	close(c);
	agw_h248_transport_free(t);
	agw_evloop_free(l);
	close(lfd);
}
END_TEST

/* The first MGC refuses: the transport moves on to the second. */
START_TEST(tcp_rotates_through_mgc_list)
{
	struct agw_evloop *l;
	struct agw_h248_transport *t;
	struct agw_h248_transport_stats st;
	struct agw_h248_transport_cfg cfg = { .tcp = true,
					      .retry_ms = 20,
					      .retry_max_ms = 40 };
	struct agw_sockaddr mgc[2];
	struct sink s = { 0 };
	int refusing = tcp_server(&mgc[0]), lfd = tcp_server(&mgc[1]), c;

	ck_assert_int_eq(listen(lfd, 4), 0);
	ck_assert_int_eq(agw_sockaddr_parse("127.0.0.1", 0, &cfg.local), 0);
	cfg.mgc = mgc;
	cfg.nmgc = 2;
	ck_assert_int_eq(agw_evloop_new(&l), 0);
	ck_assert_int_eq(agw_h248_transport_new(l, &cfg, &cbs, &s, &t), 0);
	c = accept_with_loop(l, lfd);
	spin_until(l, &s.ups, 1);
	agw_h248_transport_get_stats(t, &st);
	ck_assert(st.tcp_up);
	ck_assert_uint_eq(agw_sockaddr_port(&st.tcp_peer),
			  agw_sockaddr_port(&mgc[1]));
	close(c);
	agw_h248_transport_free(t);
	agw_evloop_free(l);
	close(lfd);
	close(refusing);
}
END_TEST

/*
 * The first MGC never answers the SYN (nftables drops it, in a private
 * network namespace): the connect times out and the second MGC is tried.
 */
START_TEST(tcp_connect_timeout_moves_on)
{
	struct agw_evloop *l;
	struct agw_h248_transport *t;
	struct agw_h248_transport_stats st;
	struct agw_h248_transport_cfg cfg = { .tcp = true,
					      .retry_ms = 20,
					      .retry_max_ms = 40,
					      .connect_timeout_ms = 300 };
	struct agw_sockaddr mgc[2];
	struct sink s = { 0 };
	char cmd[256];
	uint64_t start;
	int lfd, c;

	ck_assert_msg(unshare(CLONE_NEWNET) == 0, "unshare: %s",
		      strerror(errno));
	ck_assert_int_eq(system("ip link set lo up"), 0);
	ck_assert_int_eq(agw_sockaddr_parse("127.0.0.1:2944", 0, &mgc[0]), 0);
	snprintf(
		cmd, sizeof(cmd),
		"nft add table inet agwt && "
		"nft add chain inet agwt out '{ type filter hook output priority 0; }' && "
		"nft add rule inet agwt out tcp dport 2944 drop");
	ck_assert_int_eq(system(cmd), 0);
	lfd = tcp_server(&mgc[1]);
	ck_assert_int_eq(listen(lfd, 4), 0);
	ck_assert_int_eq(agw_sockaddr_parse("127.0.0.1", 0, &cfg.local), 0);
	cfg.mgc = mgc;
	cfg.nmgc = 2;
	ck_assert_int_eq(agw_evloop_new(&l), 0);
	start = agw_now_ms();
	ck_assert_int_eq(agw_h248_transport_new(l, &cfg, &cbs, &s, &t), 0);
	c = accept_with_loop(l, lfd);
	spin_until(l, &s.ups, 1);
	/* not before the timeout */
	ck_assert_uint_ge(agw_now_ms() - start, 300);
	agw_h248_transport_get_stats(t, &st);
	ck_assert_uint_eq(agw_sockaddr_port(&st.tcp_peer),
			  agw_sockaddr_port(&mgc[1]));
	close(c);
	agw_h248_transport_free(t);
	agw_evloop_free(l);
	close(lfd);
}
END_TEST

/*
 * Replies sent from the callbacks of one burst of datagrams wait until
 * the burst is delivered and then all go out (one sendmmsg), in order,
 * each its own datagram, counted once.
 */
struct echo {
	struct agw_h248_transport *t;
	int mgc_fd, n, early;
};

static void on_echo(void *arg, enum agw_h248_proto proto,
		    const struct agw_sockaddr *peer, const uint8_t *m, size_t l)
{
	struct echo *e = arg;
	struct pollfd p = { .fd = e->mgc_fd, .events = POLLIN };
	char out[64];
	int n;

	/* nothing of this burst has gone out while it is delivered */
	if (poll(&p, 1, 0) != 0)
		e->early++;
	n = snprintf(out, sizeof(out), "re %.*s", (int)l, (const char *)m);
	ck_assert_int_eq(agw_h248_send(e->t, proto, peer, out, n), 0);
	e->n++;
}

START_TEST(udp_burst_replies_batched)
{
	static const struct agw_h248_transport_cbs ecbs = { on_echo, NULL };
	struct agw_h248_transport_cfg cfg = { .udp = true };
	struct agw_h248_transport_stats st;
	struct agw_evloop *l;
	struct agw_sockaddr mgc;
	struct echo e = { 0 };
	char buf[64], want[64];
	int i;

	e.mgc_fd = udp_sock("127.0.0.1");
	ck_assert_int_eq(agw_sockaddr_parse("127.0.0.1:0", 0, &cfg.local), 0);
	sock_addr(e.mgc_fd, &mgc);
	cfg.mgc = &mgc;
	cfg.nmgc = 1;
	ck_assert_int_eq(agw_evloop_new(&l), 0);
	ck_assert_int_eq(agw_h248_transport_new(l, &cfg, &ecbs, &e, &e.t), 0);
	agw_h248_transport_get_stats(e.t, &st);
	for (i = 0; i < 10; i++) {
		int n = snprintf(buf, sizeof(buf), "MEGACO/1 T=%d", i);

		ck_assert_int_eq(sendto(e.mgc_fd, buf, n, 0, &st.udp_local.sa,
					st.udp_local.len),
				 n);
	}
	spin_until(l, &e.n, 10);
	ck_assert_int_eq(e.early, 0);
	for (i = 0; i < 10; i++) {
		ssize_t n = recv(e.mgc_fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);

		ck_assert_int_gt(n, 0);
		buf[n] = 0;
		snprintf(want, sizeof(want), "re MEGACO/1 T=%d", i);
		ck_assert_str_eq(buf, want);
	}
	assert_nothing(e.mgc_fd);
	agw_h248_transport_get_stats(e.t, &st);
	ck_assert_uint_eq(st.rx_msgs, 10);
	ck_assert_uint_eq(st.tx_msgs, 10);
	/* outside a burst a send goes at once */
	ck_assert_int_eq(agw_h248_send(e.t, AGW_H248_UDP, &mgc, "now", 3), 0);
	ck_assert_int_eq(recv(e.mgc_fd, buf, sizeof(buf), MSG_DONTWAIT), 3);

	agw_h248_transport_free(e.t);
	agw_evloop_free(l);
	close(e.mgc_fd);
}
END_TEST

START_TEST(udp_over_ipv6)
{
	struct agw_evloop *l;
	struct agw_h248_transport *t;
	struct agw_h248_transport_stats st;
	struct agw_h248_transport_cfg cfg = { .udp = true };
	struct agw_sockaddr mgc;
	struct sink s = { 0 };
	struct sockaddr_in6 a = { .sin6_family = AF_INET6,
				  .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	int fd = socket(AF_INET6, SOCK_DGRAM, 0);
	char buf[16];

	socklen_t al = sizeof(a);

	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &al), 0);
	ck_assert_int_eq(agw_sockaddr_parse("[::1]:0", 0, &cfg.local), 0);
	agw_sockaddr_from(&mgc, &a, al);
	cfg.mgc = &mgc;
	cfg.nmgc = 1;
	ck_assert_int_eq(agw_evloop_new(&l), 0);
	ck_assert_int_eq(agw_h248_transport_new(l, &cfg, &cbs, &s, &t), 0);
	agw_h248_transport_get_stats(t, &st);
	ck_assert_int_eq(
		sendto(fd, "v6", 2, 0, &st.udp_local.sa, st.udp_local.len), 2);
	spin_until(l, &s.n, 1);
	ck_assert_str_eq(s.msg[0], "v6");
	ck_assert_int_eq(s.peer[0].sa.sa_family, AF_INET6);
	ck_assert_int_eq(agw_h248_send(t, AGW_H248_UDP, &s.peer[0], "ok", 2),
			 0);
	ck_assert_int_eq(recv(fd, buf, sizeof(buf), 0), 2);
	agw_h248_transport_free(t);
	agw_evloop_free(l);
	close(fd);
}
END_TEST

int main(void)
{
	Suite *su = suite_create("h248_transport");
	TCase *tc = tcase_create("sockets");
	SRunner *sr;
	int failed;

	agw_log_open("test", AGW_LOG_STDERR, AGW_LOG_DEBUG);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, udp_allowed_and_dropped);
	tcase_add_test(tc, udp_mgc_not_starved_by_junk);
	tcase_add_test(tc, udp_burst_replies_batched);
	tcase_add_test(tc, udp_set_mgc);
	tcase_add_test(tc, tcp_framing_loss_reconnect_reset);
	tcase_add_test(tc, tcp_rotates_through_mgc_list);
	tcase_add_test(tc, tcp_send_queue_keeps_order);
	tcase_add_test(tc, udp_over_ipv6);
	tcase_add_test(tc, tcp_connect_timeout_moves_on);
	suite_add_tcase(su, tc);
	sr = srunner_create(su);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
