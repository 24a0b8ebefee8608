// SPDX-License-Identifier: GPL-2.0-only
/*
 * TLS sessions over real loopback TCP: agw's session against a second
 * agw session playing the UE (its own certificate) or a bare OpenSSL
 * client without a certificate. Fingerprints up front, during and after
 * the handshake; mismatch, missing certificate and bad fingerprints fail
 * closed; the certificate store; the role table. The relay of a verified
 * session is tested with the relay engine (tests/unit/test_relay.c).
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/ssl.h>

#include "agw/tls.h"

#include "tls_test_util.h"

START_TEST(cert_store)
{
	char path[128], dir[64] = "/tmp/agw-tls-unit-XXXXXX";
	struct agw_fingerprint a, b;
	struct agw_tls_cert *c;
	struct stat st;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	rmdir(dir); /* created on demand, mode 0700 */
	ck_assert_int_eq(agw_tls_cert_load_or_create(dir, &c), 0);
	ck_assert_int_eq(stat(dir, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0700);
	snprintf(path, sizeof(path), "%s/%s", dir, AGW_TLS_KEY_FILE);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0600);
	ck_assert_int_eq(agw_tls_cert_fingerprint(c, AGW_FP_SHA256, &a), 0);
	agw_tls_cert_free(c);

	/* Second start: the same identity. */
	ck_assert_int_eq(agw_tls_cert_load_or_create(dir, &c), 0);
	ck_assert_int_eq(agw_tls_cert_fingerprint(c, AGW_FP_SHA256, &b), 0);
	ck_assert(agw_fp_equal(&a, &b));
	agw_tls_cert_free(c);

	/* A key others can read is refused. */
	ck_assert_int_eq(chmod(path, 0640), 0);
	ck_assert_int_eq(agw_tls_cert_load_or_create(dir, &c), -EPERM);
	ck_assert_int_eq(chmod(path, 0600), 0);

	/* Someone else's key with our certificate. */
	{
		char cert[128], other_key[128];

		snprintf(cert, sizeof(cert), "%s/%s", dir, AGW_TLS_CERT_FILE);
		snprintf(other_key, sizeof(other_key), "%s/%s", dir_ue,
			 AGW_TLS_KEY_FILE);
		ck_assert_int_eq(agw_tls_cert_load(cert, other_key, &c),
				 -EKEYREJECTED);
		ck_assert_int_eq(agw_tls_cert_load(cert, "/nonexistent", &c),
				 -ENOENT);
		ck_assert_int_eq(agw_tls_cert_load(path, path, &c), -EBADMSG);
		/* Key without certificate: do not silently make a new one. */
		ck_assert_int_eq(unlink(cert), 0);
		ck_assert_int_eq(agw_tls_cert_load_or_create(dir, &c), -ENOENT);
	}
	rm_dir(dir);
}
END_TEST

START_TEST(role_table)
{
	const struct agw_tls_role_rule *r, *all;
	enum agw_setup s;
	size_t n;

	ck_assert_int_eq(agw_tls_role_for_peer(AGW_SETUP_ACTIVE, &r), 0);
	ck_assert_int_eq(r->role, AGW_TLS_SERVER);
	ck_assert(!r->agw_connects);
	ck_assert(!r->handshake_on_establish);
	ck_assert_int_eq(agw_tls_role_for_peer(AGW_SETUP_PASSIVE, &r), 0);
	ck_assert_int_eq(r->role, AGW_TLS_CLIENT);
	ck_assert(r->agw_connects);
	ck_assert(r->handshake_on_establish);
	ck_assert_int_eq(agw_tls_role_for_peer(AGW_SETUP_ACTPASS, &r), -EAGAIN);
	ck_assert_int_eq(agw_tls_role_for_peer(AGW_SETUP_HOLDCONN, &r),
			 -EAGAIN);
	ck_assert_int_eq(agw_tls_role_for_peer(AGW_SETUP_COUNT, &r), -EINVAL);
	ck_assert_int_eq(agw_setup_from_name("Passive", &s), 0);
	ck_assert_int_eq(s, AGW_SETUP_PASSIVE);
	ck_assert_int_eq(agw_setup_from_name("both", &s), -EINVAL);
	all = agw_tls_role_rules(&n);
	ck_assert_uint_eq(n, AGW_SETUP_COUNT);
	ck_assert_str_eq(all[AGW_SETUP_ACTIVE].peer_setup_name, "active");
	ck_assert_str_eq(agw_tls_role_name(AGW_TLS_CLIENT), "client");
}
END_TEST

static const int versions[] = { TLS1_2_VERSION, TLS1_3_VERSION };

/* _i: bit 0 = version, bit 1 = agw is client */
START_TEST(match_up_front)
{
	enum agw_tls_role role = _i & 2 ? AGW_TLS_CLIENT : AGW_TLS_SERVER;
	struct agw_fp_set s = set_of(cert_ue, AGW_FP_SHA512);
	struct pair p;

	pair_new(&p, role, versions[_i & 1]);
	ck_assert_int_eq(agw_tls_session_set_fingerprints(p.agw, &s),
			 AGW_TLS_HANDSHAKE);
	drive(p.agw, p.ue, 200);
	ck_assert_str_eq(agw_tls_session_reason(p.agw), "");
	ck_assert_int_eq(agw_tls_session_state(p.agw), AGW_TLS_VERIFIED);
	ck_assert_int_eq(agw_tls_session_state(p.ue), AGW_TLS_VERIFIED);
	ck_assert_uint_eq(agw_tls_session_events(p.agw), 0);
	ck_assert_int_eq(agw_tls_session_role(p.agw), role);
	ck_assert_str_eq(agw_tls_session_version(p.agw),
			 _i & 1 ? "TLSv1.3" : "TLSv1.2");
	/* The same set again is fine; another set is rejected. */
	ck_assert_int_eq(agw_tls_session_set_fingerprints(p.agw, &s), 0);
	s = set_of(cert_other, AGW_FP_SHA512);
	ck_assert_int_eq(agw_tls_session_set_fingerprints(p.agw, &s),
			 -EKEYREJECTED);
	pair_free(&p);
}
END_TEST

START_TEST(mismatch_up_front_aborts_handshake)
{
	enum agw_tls_role role = _i & 2 ? AGW_TLS_CLIENT : AGW_TLS_SERVER;
	struct agw_fp_set s = set_of(cert_other, AGW_FP_SHA256);
	struct pair p;
	char c;

	pair_new(&p, role, versions[_i & 1]);
	agw_tls_session_set_fingerprints(p.agw, &s);
	drive(p.agw, p.ue, 200);
	ck_assert_int_eq(agw_tls_session_state(p.agw), AGW_TLS_FAILED);
	ck_assert_int_eq(agw_tls_session_failure(p.agw), AGW_TLS_FAIL_MISMATCH);
	ck_assert_ptr_nonnull(
		strstr(agw_tls_session_reason(p.agw), "fingerprint mismatch"));
	/* The UE gets the alert and EOF, never data: in TLS 1.3 a client
	 * finishes before the server judged its certificate, so it learns
	 * on its first read. */
	if (agw_tls_session_state(p.ue) == AGW_TLS_VERIFIED) {
		ck_assert_int_eq(role, AGW_TLS_SERVER);
		ck_assert_int_eq(_i & 1, 1);
		usleep(20000);
		ck_assert_int_le(SSL_read(agw_tls_session_ssl(p.ue), &c, 1), 0);
	} else {
		ck_assert_int_le(recv(agw_tls_session_fd(p.ue), &c, 1, 0), 0);
	}
	ck_assert_int_eq(agw_tls_session_step(p.agw), AGW_TLS_FAILED);
	pair_free(&p);
}
END_TEST

START_TEST(late_after_handshake)
{
	enum agw_tls_role role = _i & 2 ? AGW_TLS_CLIENT : AGW_TLS_SERVER;
	bool wrong = _i & 4;
	struct agw_fp_set s = set_of(wrong ? cert_other : cert_ue, AGW_FP_SHA1);
	struct pair p;

	pair_new(&p, role, versions[_i & 1]);
	drive(p.agw, p.ue, 200);
	ck_assert_int_eq(agw_tls_session_state(p.agw), AGW_TLS_AWAIT_FP);
	ck_assert_uint_eq(agw_tls_session_events(p.agw), EPOLLRDHUP | EPOLLET);
	ck_assert_int_eq(agw_tls_session_state(p.ue), AGW_TLS_VERIFIED);
	/* Waiting must not move anything forward by itself. */
	ck_assert_int_eq(agw_tls_session_step(p.agw), AGW_TLS_AWAIT_FP);
	ck_assert_int_eq(agw_tls_session_set_fingerprints(p.agw, &s),
			 wrong ? AGW_TLS_FAILED : AGW_TLS_VERIFIED);
	if (wrong)
		ck_assert_int_eq(agw_tls_session_failure(p.agw),
				 AGW_TLS_FAIL_MISMATCH);
	pair_free(&p);
}
END_TEST

/* The fingerprint arrives while the handshake is under way. */
START_TEST(late_during_handshake)
{
	bool wrong = _i & 4;
	struct agw_fp_set s =
		set_of(wrong ? cert_other : cert_ue, AGW_FP_SHA384);
	struct pair p;

	pair_new(&p, AGW_TLS_SERVER, versions[_i & 1]);
	/* ClientHello out, agw reads it and answers: mid-handshake. */
	agw_tls_session_step(p.ue);
	drive(p.agw, NULL, 20);
	ck_assert_int_eq(agw_tls_session_state(p.agw), AGW_TLS_HANDSHAKE);
	ck_assert_int_eq(agw_tls_session_set_fingerprints(p.agw, &s),
			 AGW_TLS_HANDSHAKE);
	drive(p.agw, p.ue, 200);
	ck_assert_int_eq(agw_tls_session_state(p.agw),
			 wrong ? AGW_TLS_FAILED : AGW_TLS_VERIFIED);
	pair_free(&p);
}
END_TEST

/* The UE sends data and hangs up while agw waits for its fingerprint:
 * agw notices through EPOLLRDHUP and fails the session. */
START_TEST(peer_gone_while_awaiting)
{
	struct pollfd pf;
	struct pair p;
	int i;

	pair_new(&p, _i & 2 ? AGW_TLS_CLIENT : AGW_TLS_SERVER,
		 versions[_i & 1]);
	drive(p.agw, p.ue, 200);
	ck_assert_int_eq(agw_tls_session_state(p.agw), AGW_TLS_AWAIT_FP);
	SSL_write(agw_tls_session_ssl(p.ue), "hello", 5);
	agw_tls_session_free(p.ue);
	p.ue = NULL;
	pf.fd = agw_tls_session_fd(p.agw);
	pf.events = POLLRDHUP;
	ck_assert_int_eq(poll(&pf, 1, 5000), 1);
	for (i = 0; i < 100 && busy(p.agw) == false &&
		    agw_tls_session_state(p.agw) == AGW_TLS_AWAIT_FP;
	     i++) {
		agw_tls_session_step(p.agw);
		usleep(10000);
	}
	ck_assert_int_eq(agw_tls_session_state(p.agw), AGW_TLS_FAILED);
	ck_assert_int_eq(agw_tls_session_failure(p.agw),
			 AGW_TLS_FAIL_PEER_CLOSED);
	pair_free(&p);
}
END_TEST

START_TEST(no_client_certificate)
{
	struct agw_fp_set s = set_of(cert_ue, AGW_FP_SHA256);
	struct agw_tls_ctx *ctx;
	struct agw_tls_session *agw;
	SSL_CTX *bare = SSL_CTX_new(TLS_client_method());
	SSL *ssl;
	int a, b, i;

	ck_assert_int_eq(agw_tls_ctx_new(cert_agw, NULL, &ctx), 0);
	SSL_CTX_set_max_proto_version(bare, versions[_i]);
	tcp_pair(&a, &b);
	ck_assert_int_eq(agw_tls_session_new(ctx, a, AGW_TLS_SERVER, &agw), 0);
	agw_tls_session_set_fingerprints(agw, &s);
	ssl = SSL_new(bare);
	SSL_set_fd(ssl, b);
	SSL_set_connect_state(ssl);
	for (i = 0; i < 200 && busy(agw); i++) {
		SSL_do_handshake(ssl);
		/* TLS 1.3: the client finishes first; its read sees the
		 * alert. */
		char c;

		SSL_read(ssl, &c, 1);
		agw_tls_session_step(agw);
		usleep(5000);
	}
	ck_assert_int_eq(agw_tls_session_state(agw), AGW_TLS_FAILED);
	ck_assert_int_eq(agw_tls_session_failure(agw), AGW_TLS_FAIL_NO_CERT);
	agw_tls_session_free(agw);
	SSL_free(ssl);
	close(b);
	SSL_CTX_free(bare);
	agw_tls_ctx_free(ctx);
}
END_TEST

START_TEST(fingerprint_strings)
{
	static const char *const unknown_h[] = { "sha-3", "md5" };
	static const char *const unknown_v[] = { "AB:CD", "AB:CD" };
	struct agw_fingerprint fp;
	char hex[AGW_FP_HEX_MAX];
	const char *h[2], *v[2];
	struct pair p;

	/* _i 0: only unsupported hashes; 1: malformed; 2: unknown + good */
	pair_new(&p, AGW_TLS_SERVER, 0);
	drive(p.agw, p.ue, 200);
	ck_assert_int_eq(agw_tls_session_state(p.agw), AGW_TLS_AWAIT_FP);
	ck_assert_int_eq(agw_tls_cert_fingerprint(cert_ue, AGW_FP_SHA224, &fp),
			 0);
	agw_fp_format(&fp, hex, sizeof(hex));
	switch (_i) {
	case 0:
		ck_assert_int_eq(agw_tls_session_set_fingerprint_strs(
					 p.agw, unknown_h, unknown_v, 2),
				 AGW_TLS_FAILED);
		ck_assert_int_eq(agw_tls_session_failure(p.agw),
				 AGW_TLS_FAIL_FINGERPRINT);
		break;
	case 1:
		h[0] = "sha-224";
		v[0] = "AB:CD";
		ck_assert_int_eq(agw_tls_session_set_fingerprint_strs(p.agw, h,
								      v, 1),
				 AGW_TLS_FAILED);
		ck_assert_ptr_nonnull(
			strstr(agw_tls_session_reason(p.agw), "malformed"));
		break;
	default:
		h[0] = "sha-3";
		v[0] = "AB:CD";
		h[1] = "SHA-224";
		v[1] = hex;
		ck_assert_int_eq(agw_tls_session_set_fingerprint_strs(p.agw, h,
								      v, 2),
				 AGW_TLS_VERIFIED);
		break;
	}
	pair_free(&p);
}
END_TEST

START_TEST(names)
{
	ck_assert_str_eq(agw_tls_failure_name(AGW_TLS_FAIL_MISMATCH),
			 "fingerprint-mismatch");
	ck_assert_str_eq(agw_tls_failure_name(99), "?");
	ck_assert_str_eq(agw_tls_state_name(AGW_TLS_AWAIT_FP),
			 "await-fingerprint");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("tls_session");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	signal(SIGPIPE, SIG_IGN);
	/* Once, in the parent: the directories go away even when a test fails. */
	tcase_add_unchecked_fixture(tc, setup_certs, teardown_certs);
	tcase_set_timeout(tc, 150);
	tcase_add_test(tc, cert_store);
	tcase_add_test(tc, role_table);
	tcase_add_loop_test(tc, match_up_front, 0, 4);
	tcase_add_loop_test(tc, mismatch_up_front_aborts_handshake, 0, 4);
	tcase_add_loop_test(tc, late_after_handshake, 0, 8);
	tcase_add_loop_test(tc, late_during_handshake, 0, 2);
	tcase_add_loop_test(tc, late_during_handshake, 4, 6);
	tcase_add_loop_test(tc, peer_gone_while_awaiting, 0, 4);
	tcase_add_loop_test(tc, no_client_certificate, 0, 2);
	tcase_add_loop_test(tc, fingerprint_strings, 0, 3);
	tcase_add_test(tc, names);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
