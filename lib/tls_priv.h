/* SPDX-License-Identifier: GPL-2.0-only */
/* Definitions shared by lib/tls_*.c only. */
#ifndef AGW_TLS_PRIV_H
#define AGW_TLS_PRIV_H

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "agw/tls.h"

struct agw_tls_cert {
	X509 *x509;
	EVP_PKEY *pkey;
};

struct agw_tls_ctx {
	SSL_CTX *ssl_ctx;
	bool ktls;
	bool ktls13_tx;
};

#define AGW_TLS_REASON_MAX 256

struct agw_tls_session {
	SSL *ssl;
	int fd;
	enum agw_tls_role role;
	enum agw_tls_state state;
	enum agw_tls_failure failure;
	uint32_t want;
	bool have_fps;
	bool ktls13_tx; /* TLS 1.3 send offload allowed */
	bool ktls13_dropped; /* kTLS switched off because TLS 1.3 */
	bool keyupdate_cut; /* peer KeyUpdate under kTLS send: cut */
	struct agw_fp_set fps;
	char reason[AGW_TLS_REASON_MAX];
};

int agw_tls_x509_fingerprint(X509 *x509, enum agw_fp_hash hash,
			     struct agw_fingerprint *out);

#endif
