// SPDX-License-Identifier: GPL-2.0-only
/*
 * One e2ae TLS connection up to the point where its peer is proven: the
 * non-blocking handshake and the fail-closed fingerprint check of the
 * peer's leaf certificate. Application data is never read here; the relay
 * refuses a session that is not VERIFIED.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include "agw/tls.h"
#include "tls_priv.h"

static void sess_fail(struct agw_tls_session *s, enum agw_tls_failure f,
		      const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Record the first failure only: the verify callback knows better than
 * the generic handshake error that follows it. */
static void sess_fail(struct agw_tls_session *s, enum agw_tls_failure f,
		      const char *fmt, ...)
{
	va_list ap;

	if (s->failure == AGW_TLS_FAIL_NONE) {
		s->failure = f;
		va_start(ap, fmt);
		vsnprintf(s->reason, sizeof(s->reason), fmt, ap);
		va_end(ap);
	}
}

/* Abort: nothing more goes either way. The fd stays open until _free so
 * the caller's epoll set never holds a recycled number. */
static void sess_abort(struct agw_tls_session *s)
{
	s->state = AGW_TLS_FAILED;
	s->want = 0;
	shutdown(s->fd, SHUT_RDWR);
}

static bool sess_leaf_matches(struct agw_tls_session *s, X509 *leaf)
{
	unsigned char *der = NULL;
	bool ok;
	int len;

	len = i2d_X509(leaf, &der);
	if (len <= 0)
		return false;
	ok = agw_fp_set_match_der(&s->fps, der, (size_t)len);
	OPENSSL_free(der);
	return ok;
}

static void sess_describe_leaf(struct agw_tls_session *s, X509 *leaf, char *buf,
			       size_t size)
{
	struct agw_fingerprint fp;
	enum agw_fp_hash h = agw_fp_set_answer_hash(&s->fps);

	buf[0] = '\0';
	if (!agw_tls_x509_fingerprint(leaf, h, &fp))
		agw_fp_format_attr(&fp, buf, size);
}

/* Post-handshake decision, always made on SSL_get0_peer_certificate():
 * the leaf, whatever chain the peer sent. */
static void sess_verify(struct agw_tls_session *s)
{
	char got[AGW_FP_ATTR_MAX];
	X509 *leaf;

	leaf = SSL_get0_peer_certificate(s->ssl);
	if (!leaf) {
		sess_fail(s, AGW_TLS_FAIL_NO_CERT,
			  "peer presented no certificate");
		sess_abort(s);
		return;
	}
	if (!sess_leaf_matches(s, leaf)) {
		sess_describe_leaf(s, leaf, got, sizeof(got));
		sess_fail(s, AGW_TLS_FAIL_MISMATCH,
			  "peer certificate fingerprint mismatch (got %.210s)",
			  got);
		sess_abort(s);
		return;
	}
	s->state = AGW_TLS_VERIFIED;
	s->want = 0;
}

/* Chain errors are ignored: a self-signed UE certificate is normal and
 * the expected fingerprint is the only trust anchor. If that fingerprint
 * is already known, a wrong leaf aborts the handshake with an alert. */
static int sess_verify_cb(int preverify_ok, X509_STORE_CTX *xs)
{
	SSL *ssl = X509_STORE_CTX_get_ex_data(
		xs, SSL_get_ex_data_X509_STORE_CTX_idx());
	struct agw_tls_session *s = ssl ? SSL_get_app_data(ssl) : NULL;
	X509 *cert = X509_STORE_CTX_get_current_cert(xs);
	char got[AGW_FP_ATTR_MAX];

	if (!s || !cert)
		return 0;
	if (X509_STORE_CTX_get_error_depth(xs) != 0 || !s->have_fps)
		return 1;
	if (sess_leaf_matches(s, cert))
		return 1;
	sess_describe_leaf(s, cert, got, sizeof(got));
	sess_fail(s, AGW_TLS_FAIL_MISMATCH,
		  "peer certificate fingerprint mismatch (got %.210s)", got);
	X509_STORE_CTX_set_error(xs, X509_V_ERR_APPLICATION_VERIFICATION);
	return 0;
}

/*
 * Handshake messages as OpenSSL sees them. Two jobs, both about TLS 1.3
 * with kTLS send under OpenSSL 3.0, which cannot rekey the kernel:
 * - unless opted in, switch kTLS off once TLS 1.3 is known (before the
 *   application keys exist, which is when OpenSSL would install them);
 * - if opted in, a KeyUpdate from the peer would make OpenSSL answer and
 *   switch keys while the kernel keeps encrypting with the old ones: cut
 *   the connection before anything is sent with mismatched keys.
 */
static void sess_msg_cb(int write_p, int version, int content_type,
			const void *buf, size_t len, SSL *ssl, void *arg)
{
	struct agw_tls_session *s = arg;
	const unsigned char *msg = buf;

	if (content_type != SSL3_RT_HANDSHAKE || !len)
		return;
	/* The version is settled once the server sent its ServerHello, and
	 * on the client when EncryptedExtensions (TLS 1.3 only) arrives;
	 * before that SSL_version() says only what may be negotiated. */
	if (((write_p && msg[0] == SSL3_MT_SERVER_HELLO) ||
	     (!write_p && msg[0] == SSL3_MT_ENCRYPTED_EXTENSIONS)) &&
	    SSL_version(ssl) == TLS1_3_VERSION && !s->ktls13_tx &&
	    (SSL_get_options(ssl) & SSL_OP_ENABLE_KTLS)) {
		SSL_clear_options(ssl, SSL_OP_ENABLE_KTLS);
		s->ktls13_dropped = true;
	}
	if (!write_p && msg[0] == SSL3_MT_KEY_UPDATE &&
	    BIO_get_ktls_send(SSL_get_wbio(ssl)) > 0) {
		s->keyupdate_cut = true;
		shutdown(s->fd, SHUT_RDWR);
	}
}

int agw_tls_session_new(struct agw_tls_ctx *ctx, int fd, enum agw_tls_role role,
			struct agw_tls_session **out)
{
	struct agw_tls_session *s;

	if (role != AGW_TLS_SERVER && role != AGW_TLS_CLIENT) {
		close(fd);
		return -EINVAL;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		close(fd);
		return -ENOMEM;
	}
	s->fd = fd;
	s->role = role;
	s->ssl = SSL_new(ctx->ssl_ctx);
	if (!s->ssl || !SSL_set_fd(s->ssl, fd)) {
		ERR_clear_error();
		agw_tls_session_free(s);
		return -ENOMEM;
	}
	SSL_set_app_data(s->ssl, s);
	s->ktls13_tx = ctx->ktls13_tx;
	if (ctx->ktls) {
		SSL_set_msg_callback(s->ssl, sess_msg_cb);
		SSL_set_msg_callback_arg(s->ssl, s);
	}
	/* The server must ask for the client certificate and refuse a
	 * handshake without one; a client always gets the server's. */
	SSL_set_verify(s->ssl,
		       SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
		       sess_verify_cb);
	if (role == AGW_TLS_SERVER)
		SSL_set_accept_state(s->ssl);
	else
		SSL_set_connect_state(s->ssl);
	s->state = AGW_TLS_HANDSHAKE;
	s->want = role == AGW_TLS_SERVER ? EPOLLIN : EPOLLOUT;
	*out = s;
	return 0;
}

int agw_tls_session_adopt(struct ssl_st *ssl, int fd,
			  struct agw_tls_session **out)
{
	struct agw_tls_session *s;

	if (!ssl || fd < 0 || !SSL_is_init_finished(ssl))
		return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->ssl = ssl;
	s->fd = fd;
	s->role = SSL_is_server(ssl) ? AGW_TLS_SERVER : AGW_TLS_CLIENT;
	s->state = AGW_TLS_VERIFIED;
	*out = s;
	return 0;
}

void agw_tls_session_free(struct agw_tls_session *s)
{
	if (!s)
		return;
	SSL_free(s->ssl);
	if (s->fd >= 0)
		close(s->fd);
	free(s);
}

static void sess_handshake_error(struct agw_tls_session *s, int ret)
{
	int err = SSL_get_error(s->ssl, ret);
	unsigned long e = ERR_peek_error();
	char buf[120];

	if (ERR_GET_LIB(e) == ERR_LIB_SSL &&
	    ERR_GET_REASON(e) == SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE) {
		sess_fail(s, AGW_TLS_FAIL_NO_CERT,
			  "peer presented no certificate");
	} else if (err == SSL_ERROR_SYSCALL && !e) {
		sess_fail(s, AGW_TLS_FAIL_PEER_CLOSED,
			  "connection closed during the TLS handshake%s%s",
			  errno ? ": " : "", errno ? strerror(errno) : "");
	} else if (err == SSL_ERROR_ZERO_RETURN) {
		sess_fail(s, AGW_TLS_FAIL_PEER_CLOSED,
			  "peer sent close_notify during the TLS handshake");
	} else {
		ERR_error_string_n(e, buf, sizeof(buf));
		sess_fail(s, AGW_TLS_FAIL_HANDSHAKE, "TLS handshake failed: %s",
			  e ? buf : "unknown error");
	}
	ERR_clear_error();
	sess_abort(s);
}

/* While waiting for the fingerprint nothing is read, so a UE that gave
 * up is only visible in the TCP state: FIN received (CLOSE_WAIT) or
 * reset. Buffered data does not hide it, unlike a peeking read. */
static void sess_check_peer_gone(struct agw_tls_session *s)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	if (getsockopt(s->fd, IPPROTO_TCP, TCP_INFO, &ti, &len) < 0)
		return;
	if (ti.tcpi_state == TCP_CLOSE_WAIT || ti.tcpi_state == TCP_CLOSE ||
	    ti.tcpi_state == TCP_LAST_ACK) {
		sess_fail(s, AGW_TLS_FAIL_PEER_CLOSED,
			  "peer closed the connection before its fingerprint "
			  "was known");
		sess_abort(s);
	}
}

enum agw_tls_state agw_tls_session_step(struct agw_tls_session *s)
{
	int ret;

	if (s->state == AGW_TLS_AWAIT_FP)
		sess_check_peer_gone(s);
	if (s->state != AGW_TLS_HANDSHAKE)
		return s->state;
	ERR_clear_error();
	errno = 0;
	ret = SSL_do_handshake(s->ssl);
	if (ret == 1) {
		if (s->have_fps) {
			sess_verify(s);
		} else {
			s->state = AGW_TLS_AWAIT_FP;
			s->want = 0;
		}
		return s->state;
	}
	switch (SSL_get_error(s->ssl, ret)) {
	case SSL_ERROR_WANT_READ:
		s->want = EPOLLIN;
		break;
	case SSL_ERROR_WANT_WRITE:
		s->want = EPOLLOUT;
		break;
	default:
		sess_handshake_error(s, ret);
		break;
	}
	return s->state;
}

uint32_t agw_tls_session_events(const struct agw_tls_session *s)
{
	if (s->state == AGW_TLS_AWAIT_FP)
		return EPOLLRDHUP | EPOLLET;
	return s->state == AGW_TLS_HANDSHAKE ? s->want : 0;
}

int agw_tls_session_set_fingerprints(struct agw_tls_session *s,
				     const struct agw_fp_set *set)
{
	X509 *leaf;

	if (s->state == AGW_TLS_FAILED)
		return s->state;
	if (!set || !set->n) {
		sess_fail(s, AGW_TLS_FAIL_FINGERPRINT,
			  "no usable remote fingerprint");
		sess_abort(s);
		return s->state;
	}
	if (s->state == AGW_TLS_VERIFIED) {
		/* The relay is running: re-check, but leave the decision to
		 * the caller, who owns the relay. */
		struct agw_tls_session tmp = { .fps = *set };

		leaf = SSL_get0_peer_certificate(s->ssl);
		return leaf && sess_leaf_matches(&tmp, leaf) ? 0 :
							       -EKEYREJECTED;
	}
	s->fps = *set;
	s->have_fps = true;
	if (s->state == AGW_TLS_AWAIT_FP)
		sess_verify(s);
	return s->state;
}

int agw_tls_session_set_fingerprint_strs(struct agw_tls_session *s,
					 const char *const *hash,
					 const char *const *value, size_t n)
{
	struct agw_fp_set set = { 0 };
	struct agw_fingerprint fp;
	struct agw_fp_error err;
	const char *skipped = NULL;
	size_t i;

	if (s->state == AGW_TLS_FAILED)
		return s->state;
	for (i = 0; i < n; i++) {
		if (agw_fp_parse(hash[i], value[i], &fp, &err)) {
			if (err.h248_code == AGW_FP_ERR_UNSUPPORTED) {
				skipped = hash[i];
				continue;
			}
			sess_fail(s, AGW_TLS_FAIL_FINGERPRINT,
				  "malformed remote fingerprint: %s",
				  err.reason);
			sess_abort(s);
			return s->state;
		}
		if (agw_fp_set_add(&set, &fp)) {
			sess_fail(s, AGW_TLS_FAIL_FINGERPRINT,
				  "more than %d remote fingerprints",
				  AGW_FP_SET_MAX);
			sess_abort(s);
			return s->state;
		}
	}
	if (!set.n) {
		sess_fail(s, AGW_TLS_FAIL_FINGERPRINT,
			  "no remote fingerprint with a supported hash%s%.32s",
			  skipped ? ": " : "", skipped ? skipped : "");
		sess_abort(s);
		return s->state;
	}
	return agw_tls_session_set_fingerprints(s, &set);
}

enum agw_tls_state agw_tls_session_state(const struct agw_tls_session *s)
{
	return s->state;
}

enum agw_tls_failure agw_tls_session_failure(const struct agw_tls_session *s)
{
	return s->failure;
}

const char *agw_tls_session_reason(const struct agw_tls_session *s)
{
	return s->reason;
}

const char *agw_tls_failure_name(enum agw_tls_failure f)
{
	static const char *const names[] = {
		[AGW_TLS_FAIL_NONE] = "none",
		[AGW_TLS_FAIL_HANDSHAKE] = "handshake",
		[AGW_TLS_FAIL_NO_CERT] = "no-certificate",
		[AGW_TLS_FAIL_MISMATCH] = "fingerprint-mismatch",
		[AGW_TLS_FAIL_FINGERPRINT] = "bad-fingerprint",
		[AGW_TLS_FAIL_PEER_CLOSED] = "peer-closed",
		[AGW_TLS_FAIL_INTERNAL] = "internal",
	};

	if ((unsigned int)f >= sizeof(names) / sizeof(names[0]))
		return "?";
	return names[f];
}

const char *agw_tls_state_name(enum agw_tls_state st)
{
	static const char *const names[] = {
		[AGW_TLS_HANDSHAKE] = "handshake",
		[AGW_TLS_AWAIT_FP] = "await-fingerprint",
		[AGW_TLS_VERIFIED] = "verified",
		[AGW_TLS_FAILED] = "failed",
	};

	if ((unsigned int)st >= sizeof(names) / sizeof(names[0]))
		return "?";
	return names[st];
}

int agw_tls_session_fd(const struct agw_tls_session *s)
{
	return s->fd;
}

enum agw_tls_role agw_tls_session_role(const struct agw_tls_session *s)
{
	return s->role;
}

int agw_tls_session_peer_fingerprint(const struct agw_tls_session *s,
				     enum agw_fp_hash hash,
				     struct agw_fingerprint *out)
{
	X509 *leaf = SSL_get0_peer_certificate(s->ssl);

	if (!leaf)
		return -ENOENT;
	return agw_tls_x509_fingerprint(leaf, hash, out);
}

const char *agw_tls_session_version(const struct agw_tls_session *s)
{
	return SSL_get_version(s->ssl);
}

const char *agw_tls_session_cipher(const struct agw_tls_session *s)
{
	return SSL_get_cipher_name(s->ssl);
}

struct ssl_st *agw_tls_session_ssl(struct agw_tls_session *s)
{
	return s->ssl;
}
