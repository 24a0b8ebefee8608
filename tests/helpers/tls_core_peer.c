// SPDX-License-Identifier: GPL-2.0-only
/*
 * tls_core_peer: the plain TCP core side of the TLS relay tests (also in
 * the qemu guest, which has no Python).
 *
 *   tls_core_peer PORT_FILE SEND_FILE RECV_FILE EXPECT_BYTES [TIMEOUT_S]
 *
 * Listens on 127.0.0.1, port 0; writes the port to PORT_FILE (atomically);
 * accepts one connection; sends SEND_FILE while writing what arrives to
 * RECV_FILE as it arrives (tests watch its size); half-closes only once
 * EXPECT_BYTES have arrived or the peer closed, so the UE can finish
 * sending before the relay closes toward it; exits when the peer closes.
 * Exit 0 unless a socket call failed or the time ran out.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int write_port(const char *path, unsigned int port)
{
	char tmp[4096];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f)
		return -1;
	fprintf(f, "%u\n", port);
	if (fclose(f))
		return -1;
	return rename(tmp, path);
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	unsigned char buf[65536];
	const unsigned char *data = MAP_FAILED;
	size_t size = 0, sent = 0;
	unsigned long long got = 0, expect;
	int lfd, fd, in, out, timeout_s;
	bool shut = false, eof = false;
	time_t deadline;
	struct stat st;

	if (argc < 5) {
		fprintf(stderr,
			"usage: %s PORT_FILE SEND RECV EXPECT [TIMEOUT]\n",
			argv[0]);
		return 2;
	}
	expect = strtoull(argv[4], NULL, 10);
	timeout_s = argc > 5 ? atoi(argv[5]) : 60;
	deadline = time(NULL) + timeout_s;
	signal(SIGPIPE, SIG_IGN);
	in = open(argv[2], O_RDONLY);
	if (in < 0 || fstat(in, &st) < 0)
		return perror(argv[2]), 1;
	size = (size_t)st.st_size;
	if (size)
		data = mmap(NULL, size, PROT_READ, MAP_PRIVATE, in, 0);
	if (size && data == MAP_FAILED)
		return perror("mmap"), 1;
	out = open(argv[3], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (out < 0)
		return perror(argv[3]), 1;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(lfd, 1) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&sa, &len) < 0 ||
	    write_port(argv[1], ntohs(sa.sin_port)) < 0)
		return perror("listen"), 1;
	fd = accept(lfd, NULL, NULL);
	if (fd < 0)
		return perror("accept"), 1;
	close(lfd);
	fcntl(fd, F_SETFL, O_NONBLOCK);

	while (!eof) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (!shut && sent == size && (got >= expect)) {
			shutdown(fd, SHUT_WR);
			shut = true;
		}
		if (sent < size)
			p.events |= POLLOUT;
		if (time(NULL) >= deadline) {
			fprintf(stderr, "core: timed out\n");
			return 1;
		}
		if (poll(&p, 1, 1000) < 0 && errno != EINTR)
			return perror("poll"), 1;
		if (sent < size && (p.revents & (POLLOUT | POLLERR))) {
			n = send(fd, data + sent, size - sent, MSG_NOSIGNAL);
			if (n > 0) {
				sent += (size_t)n;
			} else if (n < 0 && errno != EAGAIN) {
				fprintf(stderr, "core: send stopped: %s\n",
					strerror(errno));
				size = sent; /* nothing more to send */
			}
		}
		if (!(p.revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		n = recv(fd, buf, sizeof(buf), 0);
		if (n > 0) {
			if (write(out, buf, (size_t)n) != n)
				return perror("write"), 1;
			got += (unsigned long long)n;
		} else if (n == 0) {
			eof = true;
			expect = 0; /* the peer is done: half-close too */
		} else if (errno != EAGAIN) {
			fprintf(stderr, "core: recv stopped: %s\n",
				strerror(errno));
			eof = true;
		}
	}
	/* The peer closed its side: close ours. */
	if (!shut)
		shutdown(fd, SHUT_WR);
	close(fd);
	close(out);
	fprintf(stderr, "core: received %llu bytes, sent %zu\n", got, sent);
	return 0;
}
