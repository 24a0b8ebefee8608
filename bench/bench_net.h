/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shared by the session benchmarks (bench/relay_sessions.c,
 * bench/tls_sessions.c): addresses, non-blocking sockets, and the kernel
 * memory a process's TCP sockets hold (buffers by sock_diag, socket
 * objects by the running kernel's slab sizes). Header only.
 */
#ifndef AGW_BENCH_NET_H
#define AGW_BENCH_NET_H

#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>

/* "IP:PORT" -> sa; -EINVAL if it is not that. */
static inline int bench_parse_addr(const char *s, struct sockaddr_in *sa)
{
	char ip[64];
	int port;

	if (sscanf(s, "%63[^:]:%d", ip, &port) != 2 || port <= 0 ||
	    port > 65535)
		return -EINVAL;
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)port);
	return inet_aton(ip, &sa->sin_addr) ? 0 : -EINVAL;
}

/* IP + g (in the last octets), same port. */
static inline struct sockaddr_in bench_addr_plus(const struct sockaddr_in *base,
						 int g)
{
	struct sockaddr_in sa = *base;

	sa.sin_addr.s_addr = htonl(ntohl(base->sin_addr.s_addr) + (uint32_t)g);
	return sa;
}

/* A non-blocking listener (SO_REUSEPORT: several processes share it). */
static inline int bench_listen(const struct sockaddr_in *sa, int backlog,
			       bool reuseport)
{
	int one = 1, err;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (reuseport)
		setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)sa, sizeof(*sa)) < 0 ||
	    listen(fd, backlog) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

/* Non-blocking connect: the fd, connected or in progress; -errno. */
static inline int bench_connect(const struct sockaddr_in *sa)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int err;

	if (fd < 0)
		return -errno;
	if (connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) < 0 &&
	    errno != EINPROGRESS) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

/* The pending error of a socket (a connect's outcome), 0 if none. */
static inline int bench_sock_err(int fd)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		return errno;
	return err;
}

static inline void bench_raise_nofile(void)
{
	struct rlimit rl;

	if (!getrlimit(RLIMIT_NOFILE, &rl)) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/*
 * Kernel memory of the TCP sockets of this network namespace whose local
 * port is lport or whose remote port is rport (listeners and TIME_WAIT
 * left out): how many, and the buffer memory charged to them (receive
 * queue, write queue, forward allocation), by sock_diag.
 */
struct bench_kbuf {
	uint64_t socks, charged;
};

static inline int bench_sock_buffers(int lport, int rport,
				     struct bench_kbuf *kb)
{
	struct {
		struct nlmsghdr nlh;
		struct inet_diag_req_v2 r;
	} req = {
		.nlh = { .nlmsg_len = sizeof(req),
			 .nlmsg_type = SOCK_DIAG_BY_FAMILY,
			 .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP },
		.r = { .sdiag_family = AF_INET,
		       .sdiag_protocol = IPPROTO_TCP,
		       .idiag_states =
			       ~(1U << TCP_LISTEN | 1U << TCP_TIME_WAIT),
		       .idiag_ext = 1 << (INET_DIAG_SKMEMINFO - 1) },
	};
	static char buf[1 << 16];
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	bool done = false;
	ssize_t len;

	memset(kb, 0, sizeof(*kb));
	if (fd < 0 || send(fd, &req, sizeof(req), 0) < 0)
		goto err;
	while (!done) {
		struct nlmsghdr *h = (struct nlmsghdr *)buf;

		len = recv(fd, buf, sizeof(buf), 0);
		if (len <= 0)
			goto err;
		for (; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
			struct inet_diag_msg *m = NLMSG_DATA(h);
			struct rtattr *a = (struct rtattr *)(m + 1);
			int alen =
				(int)(h->nlmsg_len - NLMSG_LENGTH(sizeof(*m)));

			if (h->nlmsg_type == NLMSG_DONE) {
				done = true;
				break;
			}
			if (h->nlmsg_type == NLMSG_ERROR)
				goto err;
			if (ntohs(m->id.idiag_sport) != lport &&
			    ntohs(m->id.idiag_dport) != rport)
				continue;
			kb->socks++;
			for (; RTA_OK(a, alen); a = RTA_NEXT(a, alen)) {
				const uint32_t *mi = RTA_DATA(a);

				if (a->rta_type != INET_DIAG_SKMEMINFO)
					continue;
				kb->charged +=
					(uint64_t)mi[SK_MEMINFO_RMEM_ALLOC] +
					mi[SK_MEMINFO_WMEM_QUEUED] +
					mi[SK_MEMINFO_FWD_ALLOC];
			}
		}
	}
	close(fd);
	return 0;
err:
	if (fd >= 0)
		close(fd);
	return -1;
}

/* Object size of a slab cache (/proc/slabinfo), 0 if not there. */
static inline uint64_t bench_slab_objsize(const char *name)
{
	char line[512], n[64];
	unsigned long a, num, size;
	FILE *fp = fopen("/proc/slabinfo", "re");
	uint64_t ret = 0;

	if (!fp)
		return 0;
	while (fgets(line, sizeof(line), fp)) {
		if (sscanf(line, "%63s %lu %lu %lu", n, &a, &num, &size) == 4 &&
		    !strcmp(n, name)) {
			ret = size;
			break;
		}
	}
	fclose(fp);
	return ret;
}

/*
 * Kernel objects a TCP socket held by a process owns, from the running
 * kernel's slab object sizes: the tcp_sock (TCP), the socket and its inode
 * (sock_inode_cache), its file and dentry, its epoll item and wait entry
 * (eventpoll_pwq: 64 bytes where that cache is merged into another).
 */
static inline uint64_t bench_kobj_per_socket(void)
{
	uint64_t pwq = bench_slab_objsize("eventpoll_pwq");

	return bench_slab_objsize("TCP") +
	       bench_slab_objsize("sock_inode_cache") +
	       bench_slab_objsize("filp") + bench_slab_objsize("dentry") +
	       bench_slab_objsize("eventpoll_epi") + (pwq ? pwq : 64);
}

#endif /* AGW_BENCH_NET_H */
