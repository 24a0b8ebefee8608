// SPDX-License-Identifier: GPL-2.0-only
/*
 * TLS <-> plain relay for one verified e2ae session.
 *
 * Each direction is a small pump that moves bytes until its source or
 * destination would block. Where OpenSSL handed a direction to the kernel
 * (kTLS), the pump uses splice() through a pipe, so payload never enters
 * user space; otherwise it goes through a buffer and SSL_read/SSL_write.
 * A non-application record under kTLS receive makes splice() fail with
 * EINVAL; that record is then read through OpenSSL (which handles alerts
 * and close_notify) after everything spliced before it has been flushed,
 * so ordering and data are preserved.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "agw/tls.h"
#include "tls_internal.h"

#define RELAY_BUF 16384 /* one TLS record of plaintext */
#define RELAY_SPLICE 65536 /* default pipe capacity */

struct relay_dir {
	bool splice; /* kernel path for this direction */
	bool eof; /* source finished */
	bool shut; /* destination write side closed */
	int pipe[2]; /* splice: bytes in flight */
	size_t in_pipe;
	size_t off, len; /* user path: buf[off, off+len) pending */
	uint32_t want_src, want_dst;
	/* user path: RELAY_BUF bytes while some are in flight, else NULL
	 * (an idle session holds none) */
	unsigned char *buf;
};

struct agw_tls_relay {
	struct agw_tls_session *sess;
	int tls_fd, plain_fd;
	enum agw_tls_relay_mode mode;
	bool finished;
	agw_tls_relay_done_fn done;
	void *arg;
	struct agw_tls_relay_stats st;
	char reason[AGW_TLS_REASON_MAX];
	const char *end_reason;
	struct relay_dir up; /* TLS -> plain */
	struct relay_dir down; /* plain -> TLS */
};

static bool relay_kernel_has_tls(void)
{
	return access("/proc/net/tls_stat", F_OK) == 0;
}

static void relay_pick_mode(struct agw_tls_relay *r)
{
	SSL *ssl = r->sess->ssl;
	bool tx = BIO_get_ktls_send(SSL_get_wbio(ssl)) > 0;
	bool rx = BIO_get_ktls_recv(SSL_get_rbio(ssl)) > 0;
	bool tls13 = SSL_version(ssl) >= TLS1_3_VERSION;
	const char *cipher = SSL_get_cipher_name(ssl);

	r->down.splice = tx;
	r->up.splice = rx;
	if (tx && rx) {
		r->mode = AGW_TLS_RELAY_KTLS_SPLICE;
		snprintf(r->reason, sizeof(r->reason),
			 "kTLS send and receive (%s %s): splice both ways",
			 SSL_get_version(ssl), cipher);
	} else if (tx) {
		r->mode = AGW_TLS_RELAY_KTLS_TX;
		snprintf(
			r->reason, sizeof(r->reason),
			"kTLS send only (%s %s): %s", SSL_get_version(ssl),
			cipher,
			tls13 ? "OpenSSL 3.0 does not offload TLS 1.3 receive" :
				"kernel refused the receive key");
	} else {
		r->mode = AGW_TLS_RELAY_USER;
		if (!(SSL_get_options(ssl) & SSL_OP_ENABLE_KTLS) &&
		    !r->sess->ktls13_dropped)
			snprintf(r->reason, sizeof(r->reason),
				 "kTLS disabled by configuration");
		else if (!relay_kernel_has_tls())
			snprintf(r->reason, sizeof(r->reason),
				 "kernel has no TLS (no /proc/net/tls_stat)");
		else if (r->sess->ktls13_dropped)
			snprintf(r->reason, sizeof(r->reason),
				 "TLS 1.3: kTLS send not opted in (OpenSSL "
				 "3.0 cannot rekey it on a peer KeyUpdate), "
				 "receive needs OpenSSL 3.2");
		else
			snprintf(r->reason, sizeof(r->reason),
				 "kernel refused the keys for %s %s",
				 SSL_get_version(ssl), cipher);
	}
}

static int relay_dir_init(struct relay_dir *d)
{
	d->pipe[0] = d->pipe[1] = -1;
	if (!d->splice)
		return 0;
	if (pipe2(d->pipe, O_NONBLOCK | O_CLOEXEC) < 0)
		return -errno;
	return 0;
}

int agw_tls_relay_new(struct agw_tls_session *s, int plain_fd,
		      agw_tls_relay_done_fn done, void *arg,
		      struct agw_tls_relay **out)
{
	struct agw_tls_relay *r;
	int ret;

	if (s->state != AGW_TLS_VERIFIED) {
		ret = -EPERM;
		goto err_owned;
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		ret = -ENOMEM;
		goto err_owned;
	}
	r->sess = s;
	r->tls_fd = s->fd;
	r->plain_fd = plain_fd;
	r->done = done;
	r->arg = arg;
	relay_pick_mode(r);
	ret = relay_dir_init(&r->up);
	if (!ret)
		ret = relay_dir_init(&r->down);
	if (ret) {
		agw_tls_relay_free(r);
		return ret;
	}
	*out = r;
	return 0;
err_owned:
	agw_tls_session_free(s);
	close(plain_fd);
	return ret;
}

static void relay_dir_close(struct relay_dir *d)
{
	free(d->buf);
	if (d->pipe[0] >= 0)
		close(d->pipe[0]);
	if (d->pipe[1] >= 0)
		close(d->pipe[1]);
}

void agw_tls_relay_free(struct agw_tls_relay *r)
{
	if (!r)
		return;
	relay_dir_close(&r->up);
	relay_dir_close(&r->down);
	agw_tls_session_free(r->sess);
	close(r->plain_fd);
	free(r);
}

/* Send the bytes in flight, from the pipe (spliced) or from the buffer, to
 * dst: 1 moved everything; 0 dst would block; <0 error. */
static int relay_give(struct relay_dir *d, bool from_pipe, int dst,
		      uint64_t *count, uint64_t *spliced)
{
	size_t *left = from_pipe ? &d->in_pipe : &d->len;

	while (*left) {
		ssize_t n;

		if (from_pipe)
			n = splice(d->pipe[0], NULL, dst, NULL, *left,
				   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
		else
			n = send(dst, d->buf + d->off, *left, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EAGAIN) {
				d->want_dst = EPOLLOUT;
				return 0;
			}
			if (errno == EINTR)
				continue;
			return -errno;
		}
		*left -= (size_t)n;
		*count += (uint64_t)n;
		if (from_pipe)
			*spliced += (uint64_t)n;
		else
			d->off += (size_t)n;
	}
	if (!from_pipe)
		d->off = 0;
	return 1;
}

static int relay_buf(struct relay_dir *d)
{
	if (!d->buf)
		d->buf = malloc(RELAY_BUF);
	return d->buf ? 0 : -ENOMEM;
}

/* Source would block and nothing is in flight: give the buffer back. */
static int relay_idle(struct relay_dir *d)
{
	if (!d->len) {
		free(d->buf);
		d->buf = NULL;
	}
	return 0;
}

/* One SSL_read into the buffer: 1 data, 0 would block, <0 error. Under
 * kTLS receive this is how control records are consumed. */
static int relay_ssl_read(struct agw_tls_relay *r, struct relay_dir *d)
{
	int n, err;

	if (relay_buf(d))
		return -ENOMEM;
	ERR_clear_error();
	n = SSL_read(r->sess->ssl, d->buf, RELAY_BUF);
	if (n > 0) {
		d->len = (size_t)n;
		return 1;
	}
	err = SSL_get_error(r->sess->ssl, n);
	switch (err) {
	case SSL_ERROR_WANT_READ:
		d->want_src = EPOLLIN;
		return relay_idle(d);
	case SSL_ERROR_WANT_WRITE:
		d->want_src = EPOLLOUT;
		return relay_idle(d);
	case SSL_ERROR_ZERO_RETURN:
		d->eof = true;
		return 1;
	case SSL_ERROR_SYSCALL:
		if (!ERR_peek_error() && !errno) {
			d->eof = true;
			return 1;
		}
		return errno ? -errno : -EIO;
	default:
		ERR_clear_error();
		return -EPROTO;
	}
}

/* Take what src has into the direction's pipe (splice) or buffer (recv):
 * 1 bytes or EOF taken, 0 src would block, <0 error. -EINVAL from a kTLS
 * receive socket means the next record is not application data. */
static int relay_take(struct relay_dir *d, int src)
{
	ssize_t n;

	if (!d->splice && relay_buf(d))
		return -ENOMEM;
	for (;;) {
		if (d->splice)
			n = splice(src, NULL, d->pipe[1], NULL, RELAY_SPLICE,
				   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
		else
			n = recv(src, d->buf, RELAY_BUF, 0);
		if (n > 0) {
			if (d->splice)
				d->in_pipe = (size_t)n;
			else
				d->len = (size_t)n;
			return 1;
		}
		if (n == 0) {
			d->eof = true;
			return 1;
		}
		if (errno == EAGAIN) {
			d->want_src = EPOLLIN;
			return relay_idle(d);
		}
		if (errno != EINTR)
			return -errno;
	}
}

/* TLS -> plain: splice under kTLS receive, else SSL_read. */
static int relay_take_tls(struct agw_tls_relay *r, struct relay_dir *d)
{
	int ret;

	if (d->splice) {
		ret = relay_take(d, r->tls_fd);
		if (ret != -EINVAL)
			return ret;
		/* Not application data: let OpenSSL take it. */
		r->st.control_records++;
	}
	errno = 0;
	return relay_ssl_read(r, d);
}

static int relay_ssl_write(struct agw_tls_relay *r, struct relay_dir *d)
{
	int n, err;

	while (d->len) {
		ERR_clear_error();
		n = SSL_write(r->sess->ssl, d->buf + d->off, (int)d->len);
		if (n > 0) {
			d->off += (size_t)n;
			d->len -= (size_t)n;
			r->st.plain_to_tls += (uint64_t)n;
			continue;
		}
		err = SSL_get_error(r->sess->ssl, n);
		if (err == SSL_ERROR_WANT_WRITE) {
			d->want_dst = EPOLLOUT;
			return 0;
		}
		if (err == SSL_ERROR_WANT_READ) {
			d->want_dst = EPOLLIN;
			return 0;
		}
		ERR_clear_error();
		return err == SSL_ERROR_SYSCALL && errno ? -errno : -EPROTO;
	}
	d->off = 0;
	return 1;
}

/* Send close_notify, then FIN. */
static void relay_close_tls(struct agw_tls_relay *r)
{
	ERR_clear_error();
	SSL_shutdown(r->sess->ssl);
	ERR_clear_error();
	shutdown(r->tls_fd, SHUT_WR);
}

/*
 * One direction, until its source or destination would block: bytes in
 * flight go out first (pipe bytes predate anything SSL_read returned after
 * a control record, so arrival order holds), then the destination's write
 * side closes after EOF, else more is taken from the source.
 */
static int relay_pump(struct agw_tls_relay *r, struct relay_dir *d)
{
	bool up = d == &r->up; /* TLS -> plain */
	int dst = up ? r->plain_fd : r->tls_fd;
	uint64_t *count = up ? &r->st.tls_to_plain : &r->st.plain_to_tls;
	uint64_t *spliced = up ? &r->st.spliced_to_plain :
				 &r->st.spliced_to_tls;
	int ret;

	d->want_src = d->want_dst = 0;
	for (;;) {
		ret = relay_give(d, true, dst, count, spliced);
		if (ret <= 0)
			return ret;
		ret = up ? relay_give(d, false, dst, count, NULL) :
			   relay_ssl_write(r, d);
		if (ret <= 0)
			return ret;
		if (d->eof) {
			if (!d->shut) {
				if (up)
					shutdown(dst, SHUT_WR);
				else
					relay_close_tls(r);
				d->shut = true;
			}
			return 1;
		}
		ret = up ? relay_take_tls(r, d) : relay_take(d, r->plain_fd);
		if (ret <= 0)
			return ret;
	}
}

static int relay_finish(struct agw_tls_relay *r, int err)
{
	r->finished = true;
	r->end_reason = "";
	if (err && r->sess->keyupdate_cut) {
		err = -EOPNOTSUPP;
		r->end_reason = "peer sent KeyUpdate: kTLS send cannot be "
				"rekeyed (TLS 1.3, OpenSSL 3.0); flow cut";
	}
	r->up.want_src = r->up.want_dst = 0;
	r->down.want_src = r->down.want_dst = 0;
	if (r->done)
		r->done(r, err, r->arg);
	return err;
}

int agw_tls_relay_step(struct agw_tls_relay *r)
{
	int ret;

	if (r->finished)
		return 0;
	ret = relay_pump(r, &r->up);
	/* The cut looks like EOF to the pumps: never end it as clean. */
	if (r->sess->keyupdate_cut)
		return relay_finish(r, -EOPNOTSUPP);
	if (ret < 0)
		return relay_finish(r, ret);
	ret = relay_pump(r, &r->down);
	if (ret < 0)
		return relay_finish(r, ret);
	/* SSL_write may have consumed what SSL_read was waiting for (and
	 * the reverse); one more pass settles both wants. */
	ret = relay_pump(r, &r->up);
	if (ret < 0)
		return relay_finish(r, ret);
	if (r->up.shut && r->down.shut)
		return relay_finish(r, 0);
	return 1;
}

void agw_tls_relay_watch(const struct agw_tls_relay *r,
			 struct agw_tls_relay_watch w[2])
{
	w[0].fd = r->tls_fd;
	w[0].events = r->up.want_src | r->down.want_dst;
	w[1].fd = r->plain_fd;
	w[1].events = r->up.want_dst | r->down.want_src;
	/* Edge-triggered: a kTLS receive socket polls readable as soon as
	 * part of a record is queued while splice() still says EAGAIN, so
	 * level-triggered would spin. Every step runs each pump to EAGAIN,
	 * which is what edge triggering needs. */
	if (w[0].events)
		w[0].events |= EPOLLET;
	if (w[1].events)
		w[1].events |= EPOLLET;
}

enum agw_tls_relay_mode agw_tls_relay_mode(const struct agw_tls_relay *r)
{
	return r->mode;
}

const char *agw_tls_relay_mode_name(enum agw_tls_relay_mode mode)
{
	switch (mode) {
	case AGW_TLS_RELAY_USER:
		return "user";
	case AGW_TLS_RELAY_KTLS_TX:
		return "ktls-tx";
	case AGW_TLS_RELAY_KTLS_SPLICE:
		return "ktls-splice";
	}
	return "?";
}

const char *agw_tls_relay_mode_reason(const struct agw_tls_relay *r)
{
	return r->reason;
}

const struct agw_tls_relay_stats *
agw_tls_relay_stats(const struct agw_tls_relay *r)
{
	return &r->st;
}

const char *agw_tls_relay_end_reason(const struct agw_tls_relay *r)
{
	return r->end_reason ? r->end_reason : "";
}
