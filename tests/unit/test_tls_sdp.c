// SPDX-License-Identifier: GPL-2.0-only
/*
 * e2ae TLS parameters in SDP: TLS transports, agw's a=setup answer, the
 * Remote's fingerprint set (several lines, unknown hashes, errors and
 * their H.248 codes) and agw's a=setup / a=fingerprint in its Local.
 */
#include <check.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agw/tls_sdp.h"

#define FP256                                                                \
	"BA:78:16:BF:8F:01:CF:EA:41:41:40:DE:5D:AE:22:23:B0:03:61:A3:96:17:" \
	"7A:9C:B4:10:FF:61:F2:00:15:AD"
#define FP1 "A9:99:3E:36:47:06:81:6A:BA:3E:25:71:78:50:C2:6C:9C:D0:D8:9D"

static struct agw_sdp sdp;
static char body[4096], out[4096];

__attribute__((format(printf, 1, 2))) static void parse(const char *fmt, ...)
{
	struct agw_sdp_error se;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(body, sizeof(body), fmt, ap);
	va_end(ap);
	ck_assert_msg(!agw_sdp_parse(&sdp, body, strlen(body), &se), "%s: %s",
		      body, se.reason);
}

START_TEST(tls_protos)
{
	ck_assert(agw_sdp_proto_is_tls(AGW_SDP_PROTO_TCP_TLS_MSRP));
	ck_assert(agw_sdp_proto_is_tls(AGW_SDP_PROTO_TCP_TLS_BFCP));
	ck_assert(agw_sdp_proto_is_tls(AGW_SDP_PROTO_TCP_TLS));
	ck_assert(!agw_sdp_proto_is_tls(AGW_SDP_PROTO_TCP_MSRP));
	ck_assert(!agw_sdp_proto_is_tls(AGW_SDP_PROTO_TCP_BFCP));
	ck_assert(!agw_sdp_proto_is_tls(AGW_SDP_PROTO_TCP));
	ck_assert(!agw_sdp_proto_is_tls(AGW_SDP_PROTO_OTHER));
}
END_TEST

START_TEST(setup_answer)
{
	ck_assert_int_eq(agw_tls_sdp_local_setup(AGW_SDP_SETUP_ACTIVE),
			 AGW_SDP_SETUP_PASSIVE);
	ck_assert_int_eq(agw_tls_sdp_local_setup(AGW_SDP_SETUP_PASSIVE),
			 AGW_SDP_SETUP_ACTIVE);
	ck_assert_int_eq(agw_tls_sdp_local_setup(AGW_SDP_SETUP_ACTPASS),
			 AGW_SDP_SETUP_ACTIVE);
	ck_assert_int_eq(agw_tls_sdp_local_setup(AGW_SDP_SETUP_HOLDCONN),
			 AGW_SDP_SETUP_HOLDCONN);
	ck_assert_int_eq(agw_tls_sdp_local_setup(0), AGW_SDP_SETUP_ACTPASS);
	ck_assert_str_eq(agw_sdp_setup_name(AGW_SDP_SETUP_ACTPASS), "actpass");
	ck_assert_str_eq(agw_sdp_setup_name(0), "none");
}
END_TEST

#define REMOTE                                                  \
	"v=0\nc=IN IP4 192.0.2.1\nm=message 9 TCP/TLS/MSRP *\n" \
	"a=setup:active\n%s\n%s\n"

START_TEST(remote_sets)
{
	struct agw_fp_error e = { 0 };
	struct agw_fp_set set;

	parse(REMOTE, "a=fingerprint:sha-256 " FP256,
	      "a=fingerprint:SHA-1 " FP1);
	ck_assert_int_eq(agw_tls_sdp_remote_fps(&sdp, 0, &set, &e), 2);
	ck_assert_int_eq(set.fp[0].hash, AGW_FP_SHA256);
	ck_assert_int_eq(set.fp[1].hash, AGW_FP_SHA1);
	ck_assert_int_eq(agw_fp_set_answer_hash(&set), AGW_FP_SHA256);

	/* an unknown hash next to a usable one is skipped */
	parse(REMOTE, "a=fingerprint:sha-3 " FP256,
	      "a=fingerprint:sha-256 " FP256);
	ck_assert_int_eq(agw_tls_sdp_remote_fps(&sdp, 0, &set, &e), 1);

	/* none at all: 0, nothing to check yet */
	parse(REMOTE, "a=path:msrp://x", "a=accept-types:*");
	ck_assert_int_eq(agw_tls_sdp_remote_fps(&sdp, 0, &set, &e), 0);

	/* session level when the media section has none */
	parse("v=0\na=fingerprint:sha-1 %s\nc=IN IP4 192.0.2.1\n"
	      "m=message 9 TCP/TLS/MSRP *\na=setup:active\n%s",
	      FP1, "");
	ck_assert_int_eq(agw_tls_sdp_remote_fps(&sdp, 0, &set, &e), 1);
	ck_assert_int_eq(set.fp[0].hash, AGW_FP_SHA1);
}
END_TEST

START_TEST(remote_errors)
{
	struct agw_fp_error e = { 0 };
	struct agw_fp_set set;

	/* only unknown hashes: 449 naming the hash */
	parse(REMOTE, "a=fingerprint:sha-3 " FP256, "");
	ck_assert_int_eq(agw_tls_sdp_remote_fps(&sdp, 0, &set, &e), -EINVAL);
	ck_assert_int_eq(e.h248_code, 449);
	ck_assert_ptr_nonnull(strstr(e.reason, "sha-3"));
	/* md5: refused by name, 449 */
	parse(REMOTE,
	      "a=fingerprint:md5 A9:99:3E:36:47:06:81:6A:BA:3E:25:71:78:50:C2:6C",
	      "");
	ck_assert_int_eq(agw_tls_sdp_remote_fps(&sdp, 0, &set, &e), -EINVAL);
	ck_assert_int_eq(e.h248_code, 449);
	/* "$" in a Remote: the UE's value is needed */
	parse(REMOTE, "a=fingerprint:$", "");
	ck_assert_int_eq(agw_tls_sdp_remote_fps(&sdp, 0, &set, &e), -EINVAL);
	ck_assert_int_eq(e.h248_code, 449);
}
END_TEST

/* A malformed value never gets this far: the SDP parser refuses it with
 * 474, the code agwd answers (the fingerprint attribute is SDP syntax). */
START_TEST(malformed_is_sdp_syntax)
{
	static const char *const bad[] = {
		"a=fingerprint:sha-256 ZZ:" FP256,
		"a=fingerprint:sha-256 BA:78",
		"a=fingerprint:sha-256",
		"a=fingerprint:blake ZZ:00",
	};
	struct agw_sdp_error se;

	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(body, sizeof(body), REMOTE, bad[i], "");
		ck_assert_int_eq(agw_sdp_parse(&sdp, body, strlen(body), &se),
				 -EBADMSG);
		ck_assert_int_eq(se.code, 474);
	}
}
END_TEST

static void fp_of_abc(struct agw_fingerprint *fp)
{
	ck_assert_int_eq(agw_fp_parse("sha-256", FP256, fp, NULL), 0);
}

static const char *gen(void)
{
	ck_assert_int_gt(agw_sdp_generate(&sdp, out, sizeof(out),
					  AGW_SDP_GEN_LF |
						  AGW_SDP_GEN_KEEP_CHOOSE),
			 0);
	return out;
}

#define LOCAL "v=0\nc=IN IP4 $\nm=message $ %s *\n%s"

START_TEST(local_fill)
{
	struct agw_fp_error e = { 0 };
	struct agw_fingerprint fp;

	fp_of_abc(&fp);
	parse(LOCAL, "TCP/TLS/MSRP", "a=setup:$\na=fingerprint:$\n");
	ck_assert_int_eq(agw_tls_sdp_fill_local(&sdp, 0, AGW_SDP_SETUP_PASSIVE,
						&fp, &e),
			 0);
	ck_assert_ptr_nonnull(strstr(gen(), "a=setup:passive\n"));
	ck_assert_ptr_nonnull(strstr(out, "a=fingerprint:sha-256 " FP256));

	/* TLS without a fingerprint line: agw adds its own */
	parse(LOCAL, "TCP/TLS/BFCP", "");
	ck_assert_int_eq(agw_tls_sdp_fill_local(&sdp, 0, AGW_SDP_SETUP_ACTPASS,
						&fp, &e),
			 0);
	ck_assert_ptr_nonnull(strstr(gen(), "a=fingerprint:sha-256 " FP256));
	ck_assert_ptr_null(strstr(out, "a=setup"));

	/* agw's own value repeated: kept */
	parse(LOCAL, "TCP/TLS", "a=fingerprint:sha-256 " FP256 "\n");
	ck_assert_int_eq(agw_tls_sdp_fill_local(&sdp, 0, AGW_SDP_SETUP_ACTPASS,
						&fp, &e),
			 0);

	/* plain transport: a=setup filled, no fingerprint added */
	parse(LOCAL, "TCP/MSRP", "a=setup:$\n");
	ck_assert_int_eq(agw_tls_sdp_fill_local(&sdp, 0, AGW_SDP_SETUP_ACTPASS,
						&fp, &e),
			 0);
	ck_assert_ptr_nonnull(strstr(gen(), "a=setup:actpass\n"));
	ck_assert_ptr_null(strstr(out, "fingerprint"));
}
END_TEST

START_TEST(local_errors)
{
	struct agw_fp_error e = { 0 };
	struct agw_fingerprint fp;

	fp_of_abc(&fp);
	/* someone else's fingerprint in agw's Local */
	parse(LOCAL, "TCP/TLS/MSRP", "a=fingerprint:sha-1 " FP1 "\n");
	ck_assert_int_eq(agw_tls_sdp_fill_local(&sdp, 0, AGW_SDP_SETUP_ACTPASS,
						&fp, &e),
			 -EINVAL);
	ck_assert_int_eq(e.h248_code, 449);
	/* a fingerprint on a plain transport */
	parse(LOCAL, "TCP/BFCP", "a=fingerprint:$\n");
	ck_assert_int_eq(agw_tls_sdp_fill_local(&sdp, 0, AGW_SDP_SETUP_ACTPASS,
						&fp, &e),
			 -EINVAL);
	ck_assert_int_eq(e.h248_code, 449);
	ck_assert_ptr_nonnull(strstr(e.reason, "without TLS"));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("tls_sdp");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, tls_protos);
	tcase_add_test(tc, setup_answer);
	tcase_add_test(tc, remote_sets);
	tcase_add_test(tc, remote_errors);
	tcase_add_test(tc, malformed_is_sdp_syntax);
	tcase_add_test(tc, local_fill);
	tcase_add_test(tc, local_errors);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
