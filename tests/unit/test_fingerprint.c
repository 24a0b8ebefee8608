// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fingerprint names, parsing, formatting and comparison for every hash,
 * against the FIPS 180 "abc" vectors, and the H.248 error of each kind of
 * bad value.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agw/fingerprint.h"

static const struct {
	enum agw_fp_hash hash;
	const char *name;
	const char *abc_hex; /* digest of "abc" */
} vectors[] = {
	{ AGW_FP_SHA1, "sha-1", "A9993E364706816ABA3E25717850C26C9CD0D89D" },
	{ AGW_FP_SHA224, "sha-224",
	  "23097D223405D8228642A477BDA255B32AADBCE4BDA0B3F7E36C9DA7" },
	{ AGW_FP_SHA256, "sha-256",
	  "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD" },
	{ AGW_FP_SHA384, "sha-384",
	  "CB00753F45A35E8BB5A03D699AC65007272C32AB0EDED1631A8B605A43FF5BED"
	  "8086072BA1E7CC2358BAECA134C825A7" },
	{ AGW_FP_SHA512, "sha-512",
	  "DDAF35A193617ABACC417349AE20413112E6FA4E89A97EA20A9EEEE64B55D39A"
	  "2192992A274FC1A836BA3C23A3FEEBBD454D4423643CE80E2A9AC94FA54CA49F" },
};

#define NVEC (sizeof(vectors) / sizeof(vectors[0]))

/* "ABCD" -> "AB:CD" */
static void colonize(const char *hex, char *out)
{
	size_t i, n = strlen(hex);

	for (i = 0; i < n; i += 2) {
		*out++ = hex[i];
		*out++ = hex[i + 1];
		if (i + 2 < n)
			*out++ = ':';
	}
	*out = '\0';
}

START_TEST(digest_format_parse_roundtrip)
{
	char want[AGW_FP_HEX_MAX], got[AGW_FP_HEX_MAX], attr[AGW_FP_ATTR_MAX];
	char want_attr[AGW_FP_ATTR_MAX];
	struct agw_fingerprint fp, back;
	struct agw_fp_error err;

	colonize(vectors[_i].abc_hex, want);
	ck_assert_int_eq(agw_fp_of_der(vectors[_i].hash, (const uint8_t *)"abc",
				       3, &fp),
			 0);
	ck_assert_uint_eq(fp.len, agw_fp_hash_len(vectors[_i].hash));
	ck_assert_int_eq(agw_fp_format(&fp, got, sizeof(got)),
			 (int)strlen(want));
	ck_assert_str_eq(got, want);

	ck_assert_int_eq(agw_fp_format_attr(&fp, attr, sizeof(attr)),
			 (int)(strlen(vectors[_i].name) + 1 + strlen(want)));
	snprintf(want_attr, sizeof(want_attr), "%s %s", vectors[_i].name, want);
	ck_assert_str_eq(attr, want_attr);

	ck_assert_int_eq(agw_fp_parse(vectors[_i].name, want, &back, &err), 0);
	ck_assert(agw_fp_equal(&fp, &back));
	ck_assert_int_eq(agw_fp_parse_attr(attr, &back, &err), 0);
	ck_assert(agw_fp_equal(&fp, &back));
	ck_assert_str_eq(agw_fp_hash_name(vectors[_i].hash), vectors[_i].name);
}
END_TEST

START_TEST(compare_detects_every_byte)
{
	struct agw_fingerprint a, b;
	size_t i;

	ck_assert_int_eq(agw_fp_of_der(vectors[_i].hash, (const uint8_t *)"abc",
				       3, &a),
			 0);
	for (i = 0; i < a.len; i++) {
		b = a;
		b.digest[i] ^= 0x01;
		ck_assert(!agw_fp_equal(&a, &b));
	}
	/* Same bytes under another hash name are not the same fingerprint. */
	b = a;
	b.hash = (a.hash + 1) % AGW_FP_HASH_COUNT;
	ck_assert(!agw_fp_equal(&a, &b));
	/* Bytes past the digest length do not count... they are zero. */
	b = a;
	ck_assert(agw_fp_equal(&a, &b));
}
END_TEST

START_TEST(hash_names)
{
	enum agw_fp_hash h;

	ck_assert_int_eq(agw_fp_hash_from_name("SHA-256", 7, &h), 0);
	ck_assert_int_eq(h, AGW_FP_SHA256);
	ck_assert_int_eq(agw_fp_hash_from_name("sha-1", 5, &h), 0);
	ck_assert_int_eq(h, AGW_FP_SHA1);
	ck_assert_int_eq(agw_fp_hash_from_name("md5", 3, &h), -EPROTONOSUPPORT);
	ck_assert_int_eq(agw_fp_hash_from_name("MD2", 3, &h), -EPROTONOSUPPORT);
	ck_assert_int_eq(agw_fp_hash_from_name("sha-2", 5, &h), -ENOENT);
	ck_assert_int_eq(agw_fp_hash_from_name("sha-2567", 8, &h), -ENOENT);
	ck_assert_int_eq(agw_fp_hash_from_name("sha", 3, &h), -ENOENT);
	ck_assert_ptr_null(agw_fp_hash_name(AGW_FP_HASH_COUNT));
	ck_assert_uint_eq(agw_fp_hash_len(AGW_FP_HASH_COUNT), 0);
}
END_TEST

START_TEST(lower_case_hex_accepted)
{
	struct agw_fingerprint a, b;
	char lower[AGW_FP_HEX_MAX];
	size_t i;

	ck_assert_int_eq(agw_fp_parse_attr("sha-1 A9:99:3E:36:47:06:81:6A:BA:"
					   "3E:25:71:78:50:C2:6C:9C:D0:D8:9D",
					   &a, NULL),
			 0);
	strcpy(lower, "a9:99:3e:36:47:06:81:6a:ba:3e:25:71:78:50:c2:6c:9c:d0:"
		      "d8:9d");
	ck_assert_int_eq(agw_fp_parse("SHA-1", lower, &b, NULL), 0);
	ck_assert(agw_fp_equal(&a, &b));
	for (i = 0; lower[i]; i++)
		ck_assert(lower[i] == ':' ||
			  (lower[i] >= '0' && lower[i] <= 'f'));
	/* SDP line endings are stripped. */
	ck_assert_int_eq(
		agw_fp_parse_attr("sha-1 A9:99:3E:36:47:06:81:6A:BA:"
				  "3E:25:71:78:50:C2:6C:9C:D0:D8:9D\r\n",
				  &b, NULL),
		0);
	ck_assert(agw_fp_equal(&a, &b));
}
END_TEST

static const struct {
	const char *attr;
	int code;
	const char *reason_part;
} bad[] = {
	/* well-formed but unsupported: 449 */
	{ "md5 C1:2F:6E:3A:7F:1B:95:82:54:47:3E:1B:51:9C:5B:6E", 449,
	  "refused" },
	{ "md2 C1:2F:6E:3A:7F:1B:95:82:54:47:3E:1B:51:9C:5B:6E", 449,
	  "refused" },
	{ "sha-3 AB:CD", 449, "unsupported hash" },
	{ "blake2 AB:CD", 449, "unsupported hash" },
	/* not a fingerprint: 474 */
	{ "sha-1", 474, "needs" },
	{ "", 474, "needs" },
	{ "sha-1 ", 474, "empty" },
	{ "sh@1 AB:CD", 474, "malformed hash" },
	{ "sha-1 A9:99:3E", 474, "needs 20" },
	{ "sha-1 A9993E364706816ABA3E25717850C26C9CD0D89D", 474,
	  "not followed" },
	{ "sha-1 A9:99:3E:36:47:06:81:6A:BA:3E:25:71:78:50:C2:6C:9C:D0:D8:9D:",
	  474, "ends with" },
	{ "sha-1 A9:99:3E:36:47:06:81:6A:BA:3E:25:71:78:50:C2:6C:9C:D0:D8:9D:00",
	  474, "longer" },
	{ "sha-1 A9:99:3E:36:47:06:81:6A:BA:3E:25:71:78:50:C2:6C:9C:D0:D8:9",
	  474, "half" },
	{ "sha-1 G9:99:3E:36:47:06:81:6A:BA:3E:25:71:78:50:C2:6C:9C:D0:D8:9D",
	  474, "non-hex" },
	{ "sha-1 A9:99:3E:36:47:06:81:6A:BA:3E:25:71:78:50:C2:6C:9C:D0:D8:9 ",
	  474, "non-hex" },
	{ "sha-1 A9-99:3E:36:47:06:81:6A:BA:3E:25:71:78:50:C2:6C:9C:D0:D8:9D",
	  474, "not followed" },
	{ "sha-256 A9:99:3E:36:47:06:81:6A:BA:3E:25:71:78:50:C2:6C:9C:D0:D8:9D",
	  474, "sha-256 needs 32" },
};

START_TEST(bad_values_give_h248_error)
{
	struct agw_fingerprint fp;
	struct agw_fp_error err = { 0 };

	ck_assert_int_eq(agw_fp_parse_attr(bad[_i].attr, &fp, &err), -EINVAL);
	ck_assert_msg(err.h248_code == bad[_i].code, "'%s': code %d, want %d",
		      bad[_i].attr, err.h248_code, bad[_i].code);
	ck_assert_msg(strstr(err.reason, bad[_i].reason_part),
		      "'%s': reason '%s' lacks '%s'", bad[_i].attr, err.reason,
		      bad[_i].reason_part);
	/* NULL err must be safe too. */
	ck_assert_int_eq(agw_fp_parse_attr(bad[_i].attr, &fp, NULL), -EINVAL);
}
END_TEST

START_TEST(parse_null_inputs)
{
	struct agw_fingerprint fp;
	struct agw_fp_error err;

	ck_assert_int_eq(agw_fp_parse(NULL, "AB", &fp, &err), -EINVAL);
	ck_assert_int_eq(err.h248_code, 474);
	ck_assert_int_eq(agw_fp_parse_attr(NULL, &fp, &err), -EINVAL);
}
END_TEST

START_TEST(format_buffer_too_small)
{
	struct agw_fingerprint fp;
	char buf[AGW_FP_ATTR_MAX];

	ck_assert_int_eq(
		agw_fp_of_der(AGW_FP_SHA512, (const uint8_t *)"x", 1, &fp), 0);
	ck_assert_int_eq(agw_fp_format(&fp, buf, 64 * 3 - 1), -ENOSPC);
	ck_assert_int_eq(agw_fp_format(&fp, buf, 64 * 3), 64 * 3 - 1);
	ck_assert_int_eq(agw_fp_format_attr(&fp, buf, 8 + 64 * 3 - 1), -ENOSPC);
	ck_assert_int_eq(agw_fp_format_attr(&fp, buf, sizeof(buf)),
			 8 + 64 * 3 - 1);
}
END_TEST

START_TEST(set_match_and_answer_hash)
{
	static const uint8_t cert[] = "pretend this is DER";
	static const uint8_t other[] = "pretend this is DES";
	struct agw_fp_set set = { 0 };
	struct agw_fingerprint fp, wrong;
	size_t i;

	ck_assert_int_eq(agw_fp_set_answer_hash(&set), AGW_FP_SHA256);
	ck_assert_int_eq(agw_fp_set_answer_hash(NULL), AGW_FP_SHA256);
	ck_assert(!agw_fp_set_match_der(&set, cert, sizeof(cert)));

	ck_assert_int_eq(
		agw_fp_of_der(AGW_FP_SHA1, other, sizeof(other), &wrong), 0);
	ck_assert_int_eq(agw_fp_set_add(&set, &wrong), 0);
	ck_assert_int_eq(agw_fp_set_answer_hash(&set), AGW_FP_SHA1);
	ck_assert(!agw_fp_set_match_der(&set, cert, sizeof(cert)));
	ck_assert(agw_fp_set_match_der(&set, other, sizeof(other)));

	ck_assert_int_eq(agw_fp_of_der(AGW_FP_SHA384, cert, sizeof(cert), &fp),
			 0);
	ck_assert_int_eq(agw_fp_set_add(&set, &fp), 0);
	ck_assert_int_eq(agw_fp_set_answer_hash(&set), AGW_FP_SHA384);
	ck_assert(agw_fp_set_match_der(&set, cert, sizeof(cert)));

	for (i = set.n; i < AGW_FP_SET_MAX; i++)
		ck_assert_int_eq(agw_fp_set_add(&set, &wrong), 0);
	ck_assert_int_eq(agw_fp_set_add(&set, &wrong), -ENOSPC);
	ck_assert(agw_fp_set_match_der(&set, cert, sizeof(cert)));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("fingerprint");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_loop_test(tc, digest_format_parse_roundtrip, 0, NVEC);
	tcase_add_loop_test(tc, compare_detects_every_byte, 0, NVEC);
	tcase_add_test(tc, hash_names);
	tcase_add_test(tc, lower_case_hex_accepted);
	tcase_add_loop_test(tc, bad_values_give_h248_error, 0,
			    sizeof(bad) / sizeof(bad[0]));
	tcase_add_test(tc, parse_null_inputs);
	tcase_add_test(tc, format_buffer_too_small);
	tcase_add_test(tc, set_match_and_answer_hash);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
