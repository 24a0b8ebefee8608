// SPDX-License-Identifier: GPL-2.0-only
/*
 * The OpenSSL context every e2ae session is made from: agw's certificate,
 * a peer certificate always required, chain trust switched off (the
 * fingerprint is the trust anchor, checked in tls_session.c), and kTLS
 * asked for.
 */
#include <errno.h>
#include <stdlib.h>

#include "agw/tls.h"
#include "tls_priv.h"

int agw_tls_ctx_new(const struct agw_tls_cert *cert,
		    const struct agw_tls_opts *opts, struct agw_tls_ctx **out)
{
	static const struct agw_tls_opts defaults;
	struct agw_tls_ctx *ctx;
	SSL_CTX *sc;
	uint64_t op;

	if (!opts)
		opts = &defaults;
	ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return -ENOMEM;
	sc = SSL_CTX_new(TLS_method());
	if (!sc)
		goto err;
	ctx->ssl_ctx = sc;
	if (!SSL_CTX_set_min_proto_version(sc, opts->min_version ?
						       opts->min_version :
						       TLS1_2_VERSION) ||
	    !SSL_CTX_set_max_proto_version(sc, opts->max_version))
		goto err;
	/* Renegotiation would change the peer certificate after it was
	 * verified; tickets and resumption would skip the certificate. */
	op = SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_TICKET |
	     SSL_OP_IGNORE_UNEXPECTED_EOF | SSL_OP_CIPHER_SERVER_PREFERENCE;
	ctx->ktls = !opts->no_ktls;
	ctx->ktls13_tx = opts->ktls13_tx;
	if (ctx->ktls)
		op |= SSL_OP_ENABLE_KTLS;
	SSL_CTX_set_options(sc, op);
	SSL_CTX_set_num_tickets(sc, 0);
	SSL_CTX_set_session_cache_mode(sc, SSL_SESS_CACHE_OFF);
	/* An idle session (most of them: chat, floor control) holds no
	 * record buffers: OpenSSL frees its 16 KiB read and write buffers
	 * once they are empty and takes them again for the next record. */
	SSL_CTX_set_mode(sc, SSL_MODE_ENABLE_PARTIAL_WRITE |
				     SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
				     SSL_MODE_RELEASE_BUFFERS);
	if (opts->ciphers && !SSL_CTX_set_cipher_list(sc, opts->ciphers))
		goto err;
	if (opts->ciphersuites &&
	    !SSL_CTX_set_ciphersuites(sc, opts->ciphersuites))
		goto err;
	if (SSL_CTX_use_certificate(sc, cert->x509) != 1 ||
	    SSL_CTX_use_PrivateKey(sc, cert->pkey) != 1)
		goto err;
	*out = ctx;
	return 0;
err:
	ERR_clear_error();
	agw_tls_ctx_free(ctx);
	return -EINVAL;
}

void agw_tls_ctx_free(struct agw_tls_ctx *ctx)
{
	if (!ctx)
		return;
	SSL_CTX_free(ctx->ssl_ctx);
	free(ctx);
}
