/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * e2ae TLS toward the UE: agw's certificate, the a=setup role rule,
 * per-connection sessions with fail-closed fingerprint verification. A
 * verified session is relayed by the relay engine (agw_relay_add_tls in
 * include/agw/relay.h).
 *
 * Everything is non-blocking and driven by the caller's epoll loop: each
 * object says which fds it wants watched for which events, and has a step
 * function to call when one of them is ready. Nothing here blocks, sleeps
 * or keeps global state.
 */
#ifndef AGW_TLS_H
#define AGW_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agw/fingerprint.h"

struct ssl_st;

/* ---- certificate ------------------------------------------------------ */

/* File names inside the state directory. */
#define AGW_TLS_CERT_FILE "tls-cert.pem"
#define AGW_TLS_KEY_FILE "tls-key.pem"

struct agw_tls_cert;

/* Load a PEM certificate and its PEM private key; -EKEYREJECTED when the
 * key does not belong to the certificate. */
int agw_tls_cert_load(const char *cert_path, const char *key_path,
		      struct agw_tls_cert **out);
/* Load state_dir/tls-{cert,key}.pem, creating a self-signed ECDSA P-256
 * pair first if neither exists (key file mode 0600). */
int agw_tls_cert_load_or_create(const char *state_dir,
				struct agw_tls_cert **out);
void agw_tls_cert_free(struct agw_tls_cert *cert);
int agw_tls_cert_fingerprint(const struct agw_tls_cert *cert,
			     enum agw_fp_hash hash,
			     struct agw_fingerprint *out);

/* ---- roles (RFC 4145 a=setup, 3GPP TS 23.334 e2ae) --------------------- */

enum agw_setup {
	AGW_SETUP_ACTIVE,
	AGW_SETUP_PASSIVE,
	AGW_SETUP_ACTPASS,
	AGW_SETUP_HOLDCONN,
	AGW_SETUP_COUNT,
};

enum agw_tls_role {
	AGW_TLS_ROLE_NONE, /* the controller must decide first */
	AGW_TLS_SERVER,
	AGW_TLS_CLIENT,
};

struct agw_tls_role_rule {
	enum agw_setup peer_setup;
	const char *peer_setup_name;
	bool agw_connects; /* agw opens the TCP connection */
	enum agw_tls_role role; /* agw's TLS role */
	/* The handshake waits for the MGC's "Establish TLS session". */
	bool handshake_on_establish;
	const char *why;
};

/* The whole rule table, for the H.248 profile and its documentation. */
const struct agw_tls_role_rule *agw_tls_role_rules(size_t *n);
/* The rule for the UE's a=setup; -EAGAIN for actpass/holdconn, where the
 * controller has not decided a direction yet (*out still points at the
 * row). */
int agw_tls_role_for_peer(enum agw_setup peer_setup,
			  const struct agw_tls_role_rule **out);
int agw_setup_from_name(const char *name, enum agw_setup *out);
const char *agw_tls_role_name(enum agw_tls_role role);

/* ---- context ----------------------------------------------------------- */

struct agw_tls_opts {
	int min_version; /* TLS1_2_VERSION (default) or TLS1_3_VERSION */
	int max_version; /* 0: the library's newest */
	bool no_ktls; /* leave SSL_OP_ENABLE_KTLS off */
	/* Opt in to TLS 1.3 send offload. Off by default: with OpenSSL 3.0
	 * a peer's KeyUpdate(update_requested) makes OpenSSL switch keys
	 * while the kernel keeps the old ones, so the peer sees bad record
	 * MACs. With this on, such a KeyUpdate ends the flow cleanly
	 * (the relay reports EOPNOTSUPP) before anything bad is sent. */
	bool ktls13_tx;
	const char *ciphers; /* TLS 1.2 list; NULL: OpenSSL default */
	const char *ciphersuites; /* TLS 1.3 list; NULL: OpenSSL default */
};

struct agw_tls_ctx;

/* opts may be NULL. One context serves both roles. */
int agw_tls_ctx_new(const struct agw_tls_cert *cert,
		    const struct agw_tls_opts *opts, struct agw_tls_ctx **out);
void agw_tls_ctx_free(struct agw_tls_ctx *ctx);

/* ---- session ------------------------------------------------------------ */

enum agw_tls_state {
	AGW_TLS_HANDSHAKE, /* want agw_tls_session_events() on the fd */
	AGW_TLS_AWAIT_FP, /* handshake done, fingerprints not yet given */
	AGW_TLS_VERIFIED, /* peer leaf certificate matched: relay may start */
	AGW_TLS_FAILED, /* aborted; see failure and reason */
};

enum agw_tls_failure {
	AGW_TLS_FAIL_NONE,
	AGW_TLS_FAIL_HANDSHAKE, /* protocol error, alert, version... */
	AGW_TLS_FAIL_NO_CERT, /* the peer sent no certificate */
	AGW_TLS_FAIL_MISMATCH, /* no expected fingerprint matched */
	AGW_TLS_FAIL_FINGERPRINT, /* unknown hash or malformed fingerprint */
	AGW_TLS_FAIL_PEER_CLOSED, /* TCP closed during the handshake */
	AGW_TLS_FAIL_INTERNAL, /* out of memory and the like */
};

struct agw_tls_session;

/* Take ownership of the connected non-blocking socket fd (closed by
 * agw_tls_session_free) and prepare a handshake in the given role. */
int agw_tls_session_new(struct agw_tls_ctx *ctx, int fd, enum agw_tls_role role,
			struct agw_tls_session **out);
void agw_tls_session_free(struct agw_tls_session *s);

/* Drive the handshake; returns the new state. Call it once after _new and
 * whenever the fd reports an event from agw_tls_session_events(). */
enum agw_tls_state agw_tls_session_step(struct agw_tls_session *s);
/* EPOLLIN / EPOLLOUT wanted on the fd during the handshake; in AWAIT_FP
 * EPOLLRDHUP | EPOLLET, so that a UE hanging up while the fingerprint is
 * awaited fails the session (PEER_CLOSED) on the next step; 0 once
 * VERIFIED or FAILED. */
uint32_t agw_tls_session_events(const struct agw_tls_session *s);

/* The expected peer fingerprints; may come before, during or after the
 * handshake. Given during the handshake, a mismatch aborts it with a
 * bad_certificate alert; given after, the leaf is checked at once. Returns
 * the new state (>= 0) or -errno. Once VERIFIED, a new set is checked
 * against the same leaf: 0 if it matches, -EKEYREJECTED if not. */
int agw_tls_session_set_fingerprints(struct agw_tls_session *s,
				     const struct agw_fp_set *set);
/* The same from SDP strings: entries with an unknown or refused hash are
 * ignored, a malformed entry or no usable entry at all fails the session
 * (AGW_TLS_FAIL_FINGERPRINT). */
int agw_tls_session_set_fingerprint_strs(struct agw_tls_session *s,
					 const char *const *hash,
					 const char *const *value, size_t n);

enum agw_tls_state agw_tls_session_state(const struct agw_tls_session *s);
enum agw_tls_failure agw_tls_session_failure(const struct agw_tls_session *s);
/* Human-readable reason for the failure event ("" when none). */
const char *agw_tls_session_reason(const struct agw_tls_session *s);
const char *agw_tls_failure_name(enum agw_tls_failure f);
const char *agw_tls_state_name(enum agw_tls_state st);
int agw_tls_session_fd(const struct agw_tls_session *s);
enum agw_tls_role agw_tls_session_role(const struct agw_tls_session *s);
/* Fingerprint of the certificate the peer presented (after handshake). */
int agw_tls_session_peer_fingerprint(const struct agw_tls_session *s,
				     enum agw_fp_hash hash,
				     struct agw_fingerprint *out);
/* "TLSv1.3", and the cipher name. */
const char *agw_tls_session_version(const struct agw_tls_session *s);
const char *agw_tls_session_cipher(const struct agw_tls_session *s);
struct ssl_st *agw_tls_session_ssl(struct agw_tls_session *s);
/* A session around a finished OpenSSL connection ssl on socket fd whose
 * peer the caller has checked itself (test and measurement tools that
 * make their own SSL_CTX): it starts VERIFIED, and owns ssl and fd from
 * here on (SSL_free / close in agw_tls_session_free). */
int agw_tls_session_adopt(struct ssl_st *ssl, int fd,
			  struct agw_tls_session **out);

#endif
