// SPDX-License-Identifier: GPL-2.0-only
/*
 * lib/json.c: the writer escapes control characters and quotes, passes
 * UTF-8 through, puts commas right at every nesting level, refuses
 * misuse; the reader gives every scalar with its path, unescapes strings
 * (\uXXXX and surrogate pairs to UTF-8) and refuses what is not JSON; a
 * writer's output read back gives the values written; the pretty mode
 * indents and copying a text through it (agwctl -p) keeps every value,
 * empty containers and numbers as written included.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agw/json.h"

static struct agw_strbuf b;
static struct agw_json w;

static void setup(void)
{
	agw_strbuf_init(&b);
	agw_json_init(&w, &b);
}

static void teardown(void)
{
	agw_strbuf_free(&b);
}

START_TEST(escapes)
{
	agw_json_obj_open(&w, NULL);
	agw_json_str(&w, "ctl", "a\nb\tc\x01\x1f");
	agw_json_str(&w, "q\"k", "say \"hi\" \\ /");
	agw_json_str(&w, "utf8", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
	agw_json_str(&w, "del", "\x7f");
	agw_json_obj_close(&w);
	ck_assert_int_eq(agw_json_end(&w), 0);
	ck_assert_str_eq(
		b.buf, "{\"ctl\":\"a\\u000ab\\u0009c\\u0001\\u001f\","
		       "\"q\\\"k\":\"say \\\"hi\\\" \\\\ /\","
		       "\"utf8\":\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\","
		       "\"del\":\"\x7f\"}");
}
END_TEST

START_TEST(nesting_and_commas)
{
	agw_json_obj_open(&w, NULL);
	agw_json_u64(&w, "n", 18446744073709551615ULL);
	agw_json_i64(&w, "neg", -42);
	agw_json_arr_open(&w, "empty");
	agw_json_arr_close(&w);
	agw_json_obj_open(&w, "o");
	agw_json_obj_close(&w);
	agw_json_arr_open(&w, "a");
	agw_json_obj_open(&w, NULL);
	agw_json_bool(&w, "t", true);
	agw_json_bool(&w, "f", false);
	agw_json_obj_close(&w);
	agw_json_arr_open(&w, NULL);
	agw_json_u64(&w, NULL, 1);
	agw_json_u64(&w, NULL, 2);
	agw_json_arr_close(&w);
	agw_json_null(&w, NULL);
	agw_json_str(&w, NULL, NULL);
	agw_json_arr_close(&w);
	agw_json_str(&w, "last", "");
	agw_json_obj_close(&w);
	ck_assert_int_eq(agw_json_end(&w), 0);
	ck_assert_str_eq(b.buf, "{\"n\":18446744073709551615,\"neg\":-42,"
				"\"empty\":[],\"o\":{},\"a\":[{\"t\":true,"
				"\"f\":false},[1,2],null,null],\"last\":\"\"}");
}
END_TEST

START_TEST(members_of_a_reply)
{
	agw_strbuf_printf(&b, "{\"ok\":true");
	agw_json_init_members(&w, &b);
	agw_json_u64(&w, "count", 2);
	agw_json_arr_open(&w, "x");
	agw_json_str(&w, NULL, "a");
	agw_json_arr_close(&w);
	ck_assert_int_eq(agw_json_end(&w), 0);
	/* the object is not the writer's to close */
	agw_json_obj_close(&w);
	ck_assert_int_eq(agw_json_end(&w), -EINVAL);
	ck_assert_str_eq(b.buf, "{\"ok\":true,\"count\":2,\"x\":[\"a\"]");
}
END_TEST

START_TEST(misuse)
{
	/* a key in an array */
	agw_json_arr_open(&w, NULL);
	agw_json_u64(&w, "k", 1);
	ck_assert_int_eq(agw_json_end(&w), -EINVAL);
	agw_strbuf_free(&b);
	setup();
	/* no key in an object */
	agw_json_obj_open(&w, NULL);
	agw_json_u64(&w, NULL, 1);
	ck_assert_int_eq(agw_json_end(&w), -EINVAL);
	agw_strbuf_free(&b);
	setup();
	/* a close that does not match, and one too many */
	agw_json_obj_open(&w, NULL);
	agw_json_arr_close(&w);
	ck_assert_int_eq(agw_json_end(&w), -EINVAL);
	agw_strbuf_free(&b);
	setup();
	agw_json_u64(&w, NULL, 1);
	agw_json_obj_close(&w);
	ck_assert_int_eq(agw_json_end(&w), -EINVAL);
	agw_strbuf_free(&b);
	setup();
	/* left open */
	agw_json_obj_open(&w, NULL);
	ck_assert_int_eq(agw_json_end(&w), -EINVAL);
	agw_strbuf_free(&b);
	setup();
	/* two top-level values */
	agw_json_u64(&w, NULL, 1);
	agw_json_u64(&w, NULL, 2);
	ck_assert_int_eq(agw_json_end(&w), -EINVAL);
	ck_assert_str_eq(b.buf, "1");
	agw_strbuf_free(&b);
	setup();
	/* too deep */
	for (int i = 0; i <= AGW_JSON_DEPTH; i++)
		agw_json_arr_open(&w, NULL);
	ck_assert_int_eq(agw_json_end(&w), -E2BIG);
}
END_TEST

START_TEST(one_value_per_line)
{
	char *out = NULL;
	size_t outlen = 0;
	FILE *f = open_memstream(&out, &outlen);

	ck_assert_ptr_nonnull(f);
	agw_json_init_file(&w, &b, f);
	agw_json_obj_open(&w, NULL);
	agw_json_u64(&w, "a", 1);
	agw_json_obj_close(&w);
	agw_json_arr_open(&w, NULL);
	agw_json_str(&w, NULL, "x");
	agw_json_arr_close(&w);
	ck_assert_int_eq(agw_json_end(&w), 0);
	fclose(f);
	ck_assert_str_eq(out, "{\"a\":1}\n[\"x\"]\n");
	free(out);
}
END_TEST

/* The reader's scalars as "path=type:value;" */
static char seen[4096];

static void collect(void *arg, const char *path, enum agw_json_type type,
		    const char *val, size_t len)
{
	static const char t[] = "snbz";
	size_t n = strlen(seen);

	ck_assert_uint_eq(strlen(val), len);
	snprintf(seen + n, sizeof(seen) - n, "%s=%c:%s;", path, t[type], val);
}

static int walk(const char *s)
{
	seen[0] = 0;
	return agw_json_walk(s, strlen(s), collect, NULL);
}

START_TEST(reader_paths_and_unescape)
{
	ck_assert_int_eq(
		walk(" {\"ok\":true,\"mid\":\"[10.0.0.1]:2944\",\"e\":null,"
		     "\"flows\":[{\"a\":\"ip/x/1\",\"b_to_a\":{\"bytes\":-1.5e3}},"
		     "{}],\"s\":\"q\\\"\\\\\\/\\b\\f\\n\\r\\t\","
		     "\"u\":\"\\u00e9\\u20ac\\ud83d\\ude00\",\"esc\\u0041\":[[7]]} "),
		0);
	ck_assert_str_eq(seen, "ok=b:true;mid=s:[10.0.0.1]:2944;e=z:null;"
			       "flows[0].a=s:ip/x/1;"
			       "flows[0].b_to_a.bytes=n:-1.5e3;"
			       "s=s:q\"\\/\b\f\n\r\t;"
			       "u=s:\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80;"
			       "escA[0][0]=n:7;");
	ck_assert_int_eq(walk("\"top\""), 0);
	ck_assert_str_eq(seen, "=s:top;");
}
END_TEST

START_TEST(reader_refuses)
{
	static const char *const bad[] = {
		"",
		"{",
		"{\"a\"}",
		"{\"a\":1,}",
		"[1 2]",
		"\"abc",
		"\"a\\x\"",
		"\"\\u12\"",
		"\"\\ud800\"",
		"\"\\udc00\"",
		"\"\\u0000\"",
		"\"a\nb\"",
		"tru",
		"{} x",
		"-",
		"{a:1}",
	};

	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(walk(bad[i]) == -EINVAL, "accepted: %s", bad[i]);
	char deep[2 * AGW_JSON_DEPTH + 4];

	memset(deep, '[', AGW_JSON_DEPTH + 1);
	memset(deep + AGW_JSON_DEPTH + 1, ']', AGW_JSON_DEPTH + 1);
	deep[2 * AGW_JSON_DEPTH + 2] = 0;
	ck_assert_int_eq(walk(deep), -E2BIG);
}
END_TEST

/* Writer output read back: the strings come back byte for byte. */
START_TEST(round_trip)
{
	char all[128];

	for (int i = 1; i < 128; i++)
		all[i - 1] = (char)i;
	all[127] = 0;
	agw_json_obj_open(&w, NULL);
	agw_json_str(&w, "all", all);
	agw_json_str(&w, "utf8", "\xe6\x97\xa5\xe6\x9c\xac");
	agw_json_obj_close(&w);
	ck_assert_int_eq(agw_json_end(&w), 0);
	ck_assert_int_eq(walk(b.buf), 0);
	char want[512];

	snprintf(want, sizeof(want),
		 "all=s:%s;utf8=s:\xe6\x97\xa5\xe6\x9c\xac;", all);
	ck_assert_str_eq(seen, want);
}
END_TEST

START_TEST(pretty)
{
	agw_json_set_pretty(&w, true);
	agw_json_obj_open(&w, NULL);
	agw_json_bool(&w, "ok", true);
	agw_json_arr_open(&w, "empty");
	agw_json_arr_close(&w);
	agw_json_obj_open(&w, "o");
	agw_json_obj_close(&w);
	agw_json_arr_open(&w, "a");
	agw_json_u64(&w, NULL, 1);
	agw_json_obj_open(&w, NULL);
	agw_json_str(&w, "k", "v");
	agw_json_obj_close(&w);
	agw_json_arr_close(&w);
	agw_json_obj_close(&w);
	ck_assert_int_eq(agw_json_end(&w), 0);
	ck_assert_str_eq(b.buf, "{\n"
				"    \"ok\": true,\n"
				"    \"empty\": [],\n"
				"    \"o\": {},\n"
				"    \"a\": [\n"
				"        1,\n"
				"        {\n"
				"            \"k\": \"v\"\n"
				"        }\n"
				"    ]\n"
				"}");
}
END_TEST

/* A text copied through the writer: compact it is the same text, pretty
 * it reads back to the same scalars; what the reader refuses fails. */
START_TEST(copy)
{
	static const char text[] =
		"{\"ok\":true,\"n\":-1.5e3,\"s\":\"a\\u0001\\\"\","
		"\"e\":[],\"o\":{},\"x\":null,\"a\":[{\"b\":[1,2]},false]}";
	struct agw_strbuf p;
	struct agw_json pw;
	char compact[sizeof(seen)];

	ck_assert_int_eq(agw_json_copy(text, strlen(text), &w), 0);
	ck_assert_str_eq(b.buf, text);
	ck_assert_int_eq(walk(text), 0);
	snprintf(compact, sizeof(compact), "%s", seen);
	agw_strbuf_init(&p);
	agw_json_init(&pw, &p);
	agw_json_set_pretty(&pw, true);
	ck_assert_int_eq(agw_json_copy(text, strlen(text), &pw), 0);
	ck_assert_ptr_nonnull(strstr(p.buf, "\n    \"e\": [],\n"));
	seen[0] = 0;
	ck_assert_int_eq(walk(p.buf), 0);
	ck_assert_str_eq(seen, compact);
	agw_strbuf_free(&p);
	agw_strbuf_reset(&b);
	agw_json_init(&w, &b);
	ck_assert_int_eq(agw_json_copy("{\"a\":}", 7, &w), -EINVAL);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("json");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, escapes);
	tcase_add_test(tc, nesting_and_commas);
	tcase_add_test(tc, members_of_a_reply);
	tcase_add_test(tc, misuse);
	tcase_add_test(tc, one_value_per_line);
	tcase_add_test(tc, reader_paths_and_unescape);
	tcase_add_test(tc, reader_refuses);
	tcase_add_test(tc, round_trip);
	tcase_add_test(tc, pretty);
	tcase_add_test(tc, copy);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
