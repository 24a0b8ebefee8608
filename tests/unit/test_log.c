// SPDX-License-Identifier: GPL-2.0-only
/* Logging: level names, rate limit windows, stderr line format. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agw/log.h"

START_TEST(level_and_target_names)
{
	ck_assert_int_eq(agw_log_level_parse("debug"), AGW_LOG_DEBUG);
	ck_assert_int_eq(agw_log_level_parse("WARN"), AGW_LOG_WARNING);
	ck_assert_int_eq(agw_log_level_parse("error"), AGW_LOG_ERR);
	ck_assert_int_lt(agw_log_level_parse("loud"), 0);
	ck_assert_str_eq(agw_log_level_name(AGW_LOG_NOTICE), "notice");
	ck_assert_int_eq(agw_log_target_parse("journald"), AGW_LOG_JOURNALD);
	ck_assert_str_eq(agw_log_target_name(AGW_LOG_JOURNALD), "journald");
	ck_assert_int_eq(agw_log_target_parse("stderr"), AGW_LOG_STDERR);
	ck_assert_int_lt(agw_log_target_parse("file"), 0);
}
END_TEST

START_TEST(ratelimit_burst_then_window)
{
	struct agw_ratelimit rl = AGW_RATELIMIT_INIT(1000, 3);

	for (int i = 0; i < 3; i++)
		ck_assert(agw_ratelimit_pass(&rl, 5000 + i));
	for (int i = 0; i < 10; i++)
		ck_assert(!agw_ratelimit_pass(&rl, 5100 + i));
	ck_assert_uint_eq(rl.suppressed, 10);
	ck_assert(!agw_ratelimit_pass(&rl, 5999));
	/* a new window opens a full interval after the first */
	ck_assert(agw_ratelimit_pass(&rl, 6000));
	ck_assert_uint_eq(rl.suppressed, 11);
}
END_TEST

/* Run the logger with stderr redirected to a file, return its text. */
static char *capture(void (*fn)(void))
{
	char path[] = "/tmp/agw-test-log-XXXXXX";
	int fd = mkstemp(path), saved = dup(2);
	static char buf[8192];
	ssize_t n;

	ck_assert_int_ge(fd, 0);
	dup2(fd, 2);
	fn();
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	ck_assert_int_ge(n, 0);
	buf[n] = 0;
	close(fd);
	unlink(path);
	return buf;
}

static void log_some(void)
{
	struct agw_ratelimit rl = AGW_RATELIMIT_INIT(60000, 2);

	agw_log_open("tlog", AGW_LOG_STDERR, AGW_LOG_INFO);
	agw_info("visible %d", 1);
	agw_dbg("hidden at info");
	for (int i = 0; i < 5; i++)
		agw_log_ratelimited(&rl, AGW_LOG_WARNING, "flood %d", i);
	/* force the window over so the summary line appears */
	rl.window_start_ms -= 60000;
	agw_log_ratelimited(&rl, AGW_LOG_WARNING, "flood after");
}

START_TEST(stderr_lines_and_summary)
{
	char *out = capture(log_some);

	ck_assert_ptr_nonnull(strstr(out, " info: visible 1\n"));
	ck_assert_ptr_null(strstr(out, "hidden"));
	ck_assert_ptr_nonnull(strstr(out, "warning: flood 0\n"));
	ck_assert_ptr_nonnull(strstr(out, "warning: flood 1\n"));
	ck_assert_ptr_null(strstr(out, "flood 2"));
	ck_assert_ptr_nonnull(strstr(out, "(3 similar messages suppressed)"));
	ck_assert_ptr_nonnull(strstr(out, "warning: flood after\n"));
	/* 2026-01-01T00:00:00.000000Z tlog[pid] level: text */
	ck_assert_int_eq(out[4], '-');
	ck_assert_int_eq(out[10], 'T');
	ck_assert_int_eq(out[26], 'Z');
	ck_assert_ptr_nonnull(strstr(out, "Z tlog["));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("log");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, level_and_target_names);
	tcase_add_test(tc, ratelimit_burst_then_window);
	tcase_add_test(tc, stderr_lines_and_summary);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
