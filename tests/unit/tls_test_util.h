/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * TLS test fixtures shared by tests/unit/test_tls_session.c and
 * tests/unit/test_relay.c: three certificates in temporary state
 * directories, connected loopback TCP pairs, and a pair of real agw TLS
 * sessions (agw and a UE with its own certificate) stepped through the
 * handshake.
 */
#ifndef AGW_TLS_TEST_UTIL_H
#define AGW_TLS_TEST_UTIL_H

#include <check.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "agw/tls.h"

static char dir_agw[64], dir_ue[64], dir_other[64];
static struct agw_tls_cert *cert_agw, *cert_ue, *cert_other;

static inline void tcp_pair(int *a, int *b)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	int l;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	l = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(l, 0);
	ck_assert_int_eq(bind(l, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(l, 1), 0);
	ck_assert_int_eq(getsockname(l, (struct sockaddr *)&sa, &len), 0);
	*a = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_eq(connect(*a, (struct sockaddr *)&sa, sizeof(sa)), 0);
	*b = accept(l, NULL, NULL);
	ck_assert_int_ge(*b, 0);
	close(l);
	fcntl(*a, F_SETFL, O_NONBLOCK);
	fcntl(*b, F_SETFL, O_NONBLOCK);
}

static inline void setup_certs(void)
{
	strcpy(dir_agw, "/tmp/agw-tls-unit-XXXXXX");
	strcpy(dir_ue, "/tmp/agw-tls-unit-XXXXXX");
	strcpy(dir_other, "/tmp/agw-tls-unit-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir_agw));
	ck_assert_ptr_nonnull(mkdtemp(dir_ue));
	ck_assert_ptr_nonnull(mkdtemp(dir_other));
	ck_assert_int_eq(agw_tls_cert_load_or_create(dir_agw, &cert_agw), 0);
	ck_assert_int_eq(agw_tls_cert_load_or_create(dir_ue, &cert_ue), 0);
	ck_assert_int_eq(agw_tls_cert_load_or_create(dir_other, &cert_other),
			 0);
}

static inline void rm_dir(const char *d)
{
	char p[128];

	snprintf(p, sizeof(p), "%s/%s", d, AGW_TLS_CERT_FILE);
	unlink(p);
	snprintf(p, sizeof(p), "%s/%s", d, AGW_TLS_KEY_FILE);
	unlink(p);
	rmdir(d);
}

static inline void teardown_certs(void)
{
	agw_tls_cert_free(cert_agw);
	agw_tls_cert_free(cert_ue);
	agw_tls_cert_free(cert_other);
	rm_dir(dir_agw);
	rm_dir(dir_ue);
	rm_dir(dir_other);
}

static inline struct agw_fp_set set_of(const struct agw_tls_cert *c,
				       enum agw_fp_hash h)
{
	struct agw_fp_set set = { 0 };
	struct agw_fingerprint fp;

	ck_assert_int_eq(agw_tls_cert_fingerprint(c, h, &fp), 0);
	ck_assert_int_eq(agw_fp_set_add(&set, &fp), 0);
	return set;
}

struct pair {
	struct agw_tls_ctx *ctx_agw, *ctx_ue;
	struct agw_tls_session *agw, *ue;
};

/* agw's side with its own options (version, kTLS); the UE's with the
 * same version. */
static inline void pair_new_opts(struct pair *p, enum agw_tls_role agw_role,
				 const struct agw_tls_opts *agw_opts)
{
	struct agw_tls_opts o = { .min_version = agw_opts->min_version,
				  .max_version = agw_opts->max_version };
	int a, b;

	ck_assert_int_eq(agw_tls_ctx_new(cert_agw, agw_opts, &p->ctx_agw), 0);
	ck_assert_int_eq(agw_tls_ctx_new(cert_ue, &o, &p->ctx_ue), 0);
	tcp_pair(&a, &b);
	ck_assert_int_eq(agw_tls_session_new(p->ctx_agw, a, agw_role, &p->agw),
			 0);
	ck_assert_int_eq(agw_tls_session_new(p->ctx_ue, b,
					     agw_role == AGW_TLS_SERVER ?
						     AGW_TLS_CLIENT :
						     AGW_TLS_SERVER,
					     &p->ue),
			 0);
	/* The UE checks agw's certificate in every case. */
	struct agw_fp_set s = set_of(cert_agw, AGW_FP_SHA256);

	ck_assert_int_eq(agw_tls_session_set_fingerprints(p->ue, &s),
			 AGW_TLS_HANDSHAKE);
}

static inline void pair_new(struct pair *p, enum agw_tls_role agw_role,
			    int version)
{
	struct agw_tls_opts o = { .min_version = version,
				  .max_version = version };

	pair_new_opts(p, agw_role, &o);
}

static inline void pair_free(struct pair *p)
{
	agw_tls_session_free(p->agw);
	agw_tls_session_free(p->ue);
	agw_tls_ctx_free(p->ctx_agw);
	agw_tls_ctx_free(p->ctx_ue);
}

static inline long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static inline bool busy(struct agw_tls_session *s)
{
	return s && agw_tls_session_state(s) == AGW_TLS_HANDSHAKE;
}

/* Step both ends until neither is in the handshake (or rounds run out). */
static inline void drive(struct agw_tls_session *x, struct agw_tls_session *y,
			 int rounds)
{
	while (rounds-- > 0 && (busy(x) || busy(y))) {
		struct pollfd p[2] = {
			{ .fd = agw_tls_session_fd(x),
			  .events = (short)agw_tls_session_events(x) },
			{ .fd = y ? agw_tls_session_fd(y) : -1,
			  .events = y ? (short)agw_tls_session_events(y) : 0 },
		};

		agw_tls_session_step(x);
		if (y)
			agw_tls_session_step(y);
		poll(p, 2, 50);
	}
}

#endif /* AGW_TLS_TEST_UTIL_H */
