// SPDX-License-Identifier: GPL-2.0-only
/*
 * tls_ue: a TLS 1.2/1.3 UE that can do what s_client -quiet cannot: send
 * KeyUpdate messages in the middle of its data, to test agw's relay with
 * non-application records on a kTLS connection.
 *
 *   tls_ue -c PORT -C CERT -K KEY -s SEND -r RECV [-3] [-u BYTES]
 *
 * Connects to 127.0.0.1:PORT, presents CERT, sends SEND while writing what
 * it receives to RECV; with -u, requests a KeyUpdate (update_requested,
 * so the peer must rekey its sending side too) after every BYTES sent.
 * After sending everything it sends close_notify and reads until the
 * peer's close_notify or EOF. Exit 0 on a clean run, 1 otherwise.
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
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

static int fail(const char *what)
{
	fprintf(stderr, "tls_ue: %s\n", what);
	ERR_print_errors_fp(stderr);
	return 1;
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	const char *cert = NULL, *key = NULL, *send_path = NULL,
		   *recv_path = NULL;
	unsigned long long every = 0, next_update, updates = 0, got = 0;
	const unsigned char *data = MAP_FAILED;
	size_t size, sent = 0;
	bool tls13 = false, shut = false, eof = false;
	unsigned char buf[16384];
	int c, fd, in, out, port = 0;
	struct stat st;
	SSL_CTX *ctx;
	SSL *ssl;

	while ((c = getopt(argc, argv, "c:C:K:s:r:3u:")) != -1) {
		switch (c) {
		case 'c':
			port = atoi(optarg);
			break;
		case 'C':
			cert = optarg;
			break;
		case 'K':
			key = optarg;
			break;
		case 's':
			send_path = optarg;
			break;
		case 'r':
			recv_path = optarg;
			break;
		case '3':
			tls13 = true;
			break;
		case 'u':
			every = strtoull(optarg, NULL, 10);
			break;
		default:
			return 2;
		}
	}
	if (!port || !cert || !key || !send_path || !recv_path)
		return fprintf(stderr, "usage: see the source\n"), 2;
	signal(SIGPIPE, SIG_IGN);
	in = open(send_path, O_RDONLY);
	if (in < 0 || fstat(in, &st) < 0 || !st.st_size)
		return fail("send file");
	size = (size_t)st.st_size;
	data = mmap(NULL, size, PROT_READ, MAP_PRIVATE, in, 0);
	out = open(recv_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (data == MAP_FAILED || out < 0)
		return fail("files");

	ctx = SSL_CTX_new(TLS_client_method());
	if (!ctx ||
	    !SSL_CTX_use_certificate_file(ctx, cert, SSL_FILETYPE_PEM) ||
	    !SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM))
		return fail("certificate");
	SSL_CTX_set_min_proto_version(ctx,
				      tls13 ? TLS1_3_VERSION : TLS1_2_VERSION);
	SSL_CTX_set_max_proto_version(ctx,
				      tls13 ? TLS1_3_VERSION : TLS1_2_VERSION);
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
				      SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return fail("connect");
	ssl = SSL_new(ctx);
	SSL_set_fd(ssl, fd);
	if (SSL_connect(ssl) != 1)
		return fail("handshake");
	fcntl(fd, F_SETFL, O_NONBLOCK);
	next_update = every ? every : ~0ULL;

	while (!eof) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int n, err;

		if (sent < size) {
			size_t chunk = size - sent;

			if (sent + chunk > next_update)
				chunk = (size_t)(next_update - sent);
			n = SSL_write(ssl, data + sent, (int)chunk);
			if (n > 0) {
				sent += (size_t)n;
				if (sent == next_update && sent < size) {
					/* Queued; goes out with the next
					 * write. */
					if (!SSL_key_update(
						    ssl,
						    SSL_KEY_UPDATE_REQUESTED))
						return fail("key update");
					updates++;
					next_update += every;
				}
			} else {
				err = SSL_get_error(ssl, n);
				if (err == SSL_ERROR_WANT_WRITE)
					p.events |= POLLOUT;
				else if (err != SSL_ERROR_WANT_READ)
					return fail("write");
			}
		} else if (!shut) {
			SSL_shutdown(ssl);
			shut = true;
		}
		for (;;) {
			n = SSL_read(ssl, buf, sizeof(buf));
			if (n > 0) {
				if (write(out, buf, (size_t)n) != n)
					return fail("recv file");
				got += (unsigned long long)n;
				continue;
			}
			err = SSL_get_error(ssl, n);
			if (err == SSL_ERROR_ZERO_RETURN ||
			    (err == SSL_ERROR_SYSCALL && !ERR_peek_error())) {
				eof = true;
			} else if (err != SSL_ERROR_WANT_READ &&
				   err != SSL_ERROR_WANT_WRITE) {
				return fail("read");
			}
			break;
		}
		if (!eof && poll(&p, 1, sent < size ? 10 : 1000) < 0 &&
		    errno != EINTR)
			return fail("poll");
	}
	fprintf(stderr, "tls_ue: sent %zu received %llu key updates %llu\n",
		sent, got, updates);
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	close(fd);
	close(out);
	return sent == size ? 0 : 1;
}
