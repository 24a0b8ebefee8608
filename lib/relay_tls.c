// SPDX-License-Identifier: GPL-2.0-only
/*
 * The TLS end of a relay flow: a verified e2ae session on side a, the
 * plain core socket on side b. The bytes move through the engine's one
 * stream pump (relay_stream.c); this file chooses, per direction, between
 * splice() through a pipe, where OpenSSL handed that direction's key to the
 * kernel (kTLS), and SSL_read()/SSL_write() through a pool buffer, and
 * supplies those OpenSSL calls, close_notify and the KeyUpdate cut.
 */
#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

#include "relay_priv.h"
#include "tls_priv.h"

/* Control reads in a row that left splice() still refusing: give up
 * waiting for the kernel to move on and wait for the next event. */
#define RELAY_TLS_SPINS_MAX 8

static bool kernel_has_tls(void)
{
	return access("/proc/net/tls_stat", F_OK) == 0;
}

/* Why neither direction is in the kernel. */
static enum agw_relay_why user_why(const struct agw_tls_session *s)
{
	if (!(SSL_get_options(s->ssl) & SSL_OP_ENABLE_KTLS) &&
	    !s->ktls13_dropped)
		return AGW_RELAY_WHY_KTLS_OFF;
	if (!kernel_has_tls())
		return AGW_RELAY_WHY_NO_KERNEL_TLS;
	if (s->ktls13_dropped)
		return AGW_RELAY_WHY_KTLS13_TX_OFF;
	return AGW_RELAY_WHY_KTLS_REFUSED;
}

int relay_tls_setup(struct relay_flow *f, struct agw_tls_session *s,
		    enum agw_relay_path want)
{
	SSL *ssl = s->ssl;
	bool tx = BIO_get_ktls_send(SSL_get_wbio(ssl)) > 0;
	bool rx = BIO_get_ktls_recv(SSL_get_rbio(ssl)) > 0;
	int ret = 0;

	f->tls = s;
	f->h[0].tls_src = s; /* a -> b: decrypted toward the core */
	f->h[1].tls_dst = s; /* b -> a: encrypted toward the UE */
	if (want == AGW_RELAY_PATH_COPY) {
		f->path = AGW_RELAY_PATH_TLS_USER;
		f->why = AGW_RELAY_WHY_REQUESTED;
		return 0;
	}
	f->why = AGW_RELAY_WHY_KTLS;
	if (tx && rx) {
		f->path = AGW_RELAY_PATH_TLS_KTLS;
		ret = relay_open_pipe(&f->h[0]);
	} else if (tx) {
		f->path = AGW_RELAY_PATH_TLS_KTLS_TX;
		f->why = SSL_version(ssl) >= TLS1_3_VERSION ?
				 AGW_RELAY_WHY_KTLS13_RX :
				 AGW_RELAY_WHY_KTLS_RX_REFUSED;
	} else {
		/* (receive alone: SSL_read() works on it as well) */
		f->path = AGW_RELAY_PATH_TLS_USER;
		f->why = user_why(s);
		return 0;
	}
	if (!ret)
		ret = relay_open_pipe(&f->h[1]);
	if (ret < 0) {
		relay_close_pipe(&f->h[0]);
		relay_close_pipe(&f->h[1]);
		f->path = AGW_RELAY_PATH_TLS_USER;
		f->why = AGW_RELAY_WHY_NO_PIPE;
	}
	return 0;
}

/* After an SSL call that returned n <= 0: -EAGAIN, 0 (the peer's
 * close_notify, or EOF without it) or -errno. */
static ssize_t ssl_result(SSL *ssl, int n, bool reading)
{
	int err = SSL_get_error(ssl, n);

	switch (err) {
	case SSL_ERROR_WANT_READ:
	case SSL_ERROR_WANT_WRITE:
		return -EAGAIN;
	case SSL_ERROR_ZERO_RETURN:
		return reading ? 0 : -EPIPE;
	case SSL_ERROR_SYSCALL:
		if (!ERR_peek_error() && !errno)
			return reading ? 0 : -EPIPE;
		ERR_clear_error();
		return errno ? -errno : -EIO;
	default:
		ERR_clear_error();
		return -EPROTO;
	}
}

ssize_t relay_tls_read(struct relay_half *h)
{
	SSL *ssl = h->tls_src->ssl;
	int n;

	ERR_clear_error();
	errno = 0;
	n = SSL_read(ssl, h->buf, (int)h->cap);
	if (n > 0) {
		h->off = 0;
		h->len = (size_t)n;
		return n;
	}
	return ssl_result(ssl, n, true);
}

ssize_t relay_tls_control(struct relay_half *h)
{
	ssize_t n;

	h->tls_control++;
	n = relay_tls_read(h);
	if (n != -EAGAIN) {
		h->tls_spins = 0;
		return n;
	}
	/* The record was consumed: application data behind it is already
	 * queued and no new edge will say so. */
	return ++h->tls_spins < RELAY_TLS_SPINS_MAX ? -EINTR : -EAGAIN;
}

ssize_t relay_tls_write(struct relay_half *h)
{
	SSL *ssl = h->tls_dst->ssl;
	int n;

	ERR_clear_error();
	errno = 0;
	n = SSL_write(ssl, h->buf + h->off, (int)(h->len - h->off));
	return n > 0 ? n : ssl_result(ssl, n, false);
}

void relay_tls_shutdown(struct relay_half *h)
{
	ERR_clear_error();
	SSL_shutdown(h->tls_dst->ssl);
	ERR_clear_error();
}

bool relay_tls_cut(const struct relay_flow *f)
{
	return f->tls->keyupdate_cut;
}

void relay_tls_release(struct relay_flow *f, bool reset)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	if (reset)
		setsockopt(f->tls->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	agw_tls_session_free(f->tls); /* closes its socket */
	f->tls = NULL;
	f->h[0].tls_src = f->h[1].tls_dst = NULL;
}

int agw_relay_add_tls(struct agw_relay_engine *e, struct agw_tls_session *s,
		      int plain_fd, const struct agw_relay_flow_opts *opts,
		      uint64_t *id)
{
	if (!s)
		return -EINVAL;
	if (s->state != AGW_TLS_VERIFIED)
		return -EPERM;
	return relay_flow_add(e, s->fd, plain_fd, opts, s, id);
}
