// SPDX-License-Identifier: GPL-2.0-only
/*
 * Logging sink: stderr with timestamps, or syslog (which journald reads).
 * The sink is process-wide by nature; see include/agw/log.h.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "agw/log.h"

static struct {
	const char *ident;
	int target;
	int level;
	char *capture; /* agw_log_capture_errors() */
	size_t capture_len;
	pid_t pid; /* for the stderr line; 0: read it (again: after a fork) */
	bool atfork;
} sink = { "agw", AGW_LOG_STDERR, AGW_LOG_INFO, NULL, 0, 0, false };

static void pid_forget(void)
{
	sink.pid = 0;
}

/* getpid() is a system call: once per process, not once per line. */
static pid_t log_pid(void)
{
	if (!sink.pid) {
		if (!sink.atfork)
			sink.atfork = !pthread_atfork(NULL, NULL, pid_forget);
		sink.pid = sink.atfork ? getpid() : 0;
		if (!sink.atfork)
			return getpid();
	}
	return sink.pid;
}

static const struct {
	const char *name;
	int level;
} level_names[] = {
	{ "err", AGW_LOG_ERR },		{ "error", AGW_LOG_ERR },
	{ "warning", AGW_LOG_WARNING }, { "warn", AGW_LOG_WARNING },
	{ "notice", AGW_LOG_NOTICE },	{ "info", AGW_LOG_INFO },
	{ "debug", AGW_LOG_DEBUG },
};

int agw_log_level_parse(const char *s)
{
	for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]);
	     i++)
		if (!strcasecmp(s, level_names[i].name))
			return level_names[i].level;
	return -EINVAL;
}

const char *agw_log_level_name(int level)
{
	switch (level) {
	case AGW_LOG_ERR:
		return "err";
	case AGW_LOG_WARNING:
		return "warning";
	case AGW_LOG_NOTICE:
		return "notice";
	case AGW_LOG_INFO:
		return "info";
	case AGW_LOG_DEBUG:
		return "debug";
	}
	return "?";
}

int agw_log_target_parse(const char *s)
{
	if (!strcasecmp(s, "stderr"))
		return AGW_LOG_STDERR;
	if (!strcasecmp(s, "syslog") || !strcasecmp(s, "journald"))
		return AGW_LOG_SYSLOG;
	return -EINVAL;
}

const char *agw_log_target_name(int target)
{
	return target == AGW_LOG_SYSLOG ? "syslog" : "stderr";
}

void agw_log_open(const char *ident, int target, int level)
{
	agw_log_close();
	sink.ident = ident;
	sink.target = target;
	sink.level = level;
	if (target == AGW_LOG_SYSLOG)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void agw_log_set_level(int level)
{
	sink.level = level;
}

int agw_log_get_level(void)
{
	return sink.level;
}

void agw_log_reopen(void)
{
	if (sink.target == AGW_LOG_SYSLOG) {
		closelog();
		openlog(sink.ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
	}
}

void agw_log_close(void)
{
	if (sink.target == AGW_LOG_SYSLOG)
		closelog();
}

static void vlog(int level, const char *fmt, va_list ap)
{
	char msg[1024];
	struct timespec ts;
	struct tm tm;
	int saved = errno;

	if (level > sink.level)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (level <= AGW_LOG_ERR && sink.capture)
		snprintf(sink.capture, sink.capture_len, "%s", msg);
	if (sink.target == AGW_LOG_SYSLOG) {
		syslog(level, "%s", msg);
	} else {
		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		/* One fprintf per line so concurrent writers do not interleave */
		fprintf(stderr,
			"%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ %s[%d] %s: %s\n",
			tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
			tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000,
			sink.ident, (int)log_pid(), agw_log_level_name(level),
			msg);
	}
	errno = saved;
}

void agw_log(int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(level, fmt, ap);
	va_end(ap);
}

uint64_t agw_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

bool agw_ratelimit_pass(struct agw_ratelimit *rl, uint64_t now_ms)
{
	if (!rl->window_start_ms ||
	    now_ms - rl->window_start_ms >= rl->interval_ms) {
		rl->window_start_ms = now_ms ? now_ms : 1;
		rl->printed = 0;
	}
	if (rl->printed < rl->burst) {
		rl->printed++;
		return true;
	}
	rl->suppressed++;
	return false;
}

void agw_log_ratelimited(struct agw_ratelimit *rl, int level, const char *fmt,
			 ...)
{
	va_list ap;
	uint32_t suppressed = rl->suppressed;

	if (level > sink.level)
		return;
	if (!agw_ratelimit_pass(rl, agw_now_ms()))
		return;
	if (suppressed) {
		rl->suppressed = 0;
		agw_log(level, "(%u similar messages suppressed)", suppressed);
	}
	va_start(ap, fmt);
	vlog(level, fmt, ap);
	va_end(ap);
}

void agw_log_capture_errors(char *buf, size_t len)
{
	sink.capture = len ? buf : NULL;
	sink.capture_len = len;
}
