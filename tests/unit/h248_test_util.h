/* SPDX-License-Identifier: GPL-2.0-only */
/* Shared helpers of the H.248 unit tests. */
#ifndef AGW_TEST_H248_UTIL_H
#define AGW_TEST_H248_UTIL_H

#include <check.h>
#include <stdio.h>
#include <string.h>

#include "agw/h248.h"

/* Decode text or fail the test with the decoder's error. */
static inline struct h248_message *decode_ok(struct h248_arena *a,
					     const char *text)
{
	struct h248_message *m = NULL;
	struct h248_error err;
	char ebuf[256];
	int rc = h248_decode(text, strlen(text), NULL, a, &m, &err);

	if (rc) {
		h248_error_format(&err, ebuf, sizeof(ebuf));
		ck_abort_msg("decode failed: %s\n--- input:\n%s", ebuf, text);
	}
	return m;
}

/* Decode text expecting failure; returns the error. */
static inline struct h248_error decode_err(struct h248_arena *a,
					   const char *text, size_t len,
					   const struct h248_limits *lim)
{
	struct h248_message *m = NULL;
	struct h248_error err;
	int rc = h248_decode(text, len, lim, a, &m, &err);

	ck_assert_msg(rc < 0, "decode accepted invalid input:\n%.*s", (int)len,
		      text);
	ck_assert_ptr_null(m);
	ck_assert_int_ne(err.code, 0);
	ck_assert_uint_le(err.offset, len);
	ck_assert_ptr_nonnull(err.expected);
	return err;
}

/* Pretty and compact re-encodings decode to a tree equal to m. */
static inline void roundtrip(struct h248_arena *a, const struct h248_message *m)
{
	static char buf[65536];
	struct h248_message *m2;
	struct h248_error err;
	unsigned int f;
	ssize_t n;

	for (f = 0; f < 2; f++) {
		n = h248_encode(m, f ? H248_ENC_COMPACT : H248_ENC_PRETTY, buf,
				sizeof(buf));
		ck_assert_int_gt(n, 0);
		ck_assert_msg(h248_decode(buf, (size_t)n, NULL, a, &m2, &err) ==
				      0,
			      "re-decode failed at %u (%s):\n%.*s", err.offset,
			      err.expected, (int)n, buf);
		ck_assert_msg(h248_message_equal(m, m2),
			      "re-decoded tree differs:\n%.*s", (int)n, buf);
	}
}

static inline bool str_is(struct h248_str s, const char *lit)
{
	return s.len == strlen(lit) && !memcmp(s.ptr, lit, s.len);
}

#define ck_assert_str_slice(s, lit)                                    \
	ck_assert_msg(str_is((s), (lit)), "got \"%.*s\", want \"%s\"", \
		      (int)(s).len, (s).ptr ? (s).ptr : "", (lit))

/* main() of every H.248 unit test: run the suite, exit 1 on failure */
static inline int run_suite(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}

#endif
