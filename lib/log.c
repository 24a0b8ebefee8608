// SPDX-License-Identifier: GPL-2.0-only
/*
 * Logging sink: stderr with timestamps, syslog, or journald's native
 * protocol (sd_journal_sendv) with structured fields. The sink is
 * process-wide by nature; see include/agw/log.h.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <sys/uio.h>
#include <unistd.h>

#include <bpf/libbpf.h>
/* CODE_FILE/LINE/FUNC would always name journal_send() below */
#define SD_JOURNAL_SUPPRESS_LOCATION
#include <systemd/sd-journal.h>

#include "agw/log.h"

#define FIELD_MAX 128

static __thread struct {
	bool set[AGW_LOG_F_COUNT];
	char v[AGW_LOG_F_COUNT][FIELD_MAX];
} fields;

static const char *const field_names[AGW_LOG_F_COUNT] = {
	[AGW_LOG_F_PEER] = "AGW_PEER",
	[AGW_LOG_F_TRANSACTION] = "AGW_TRANSACTION",
	[AGW_LOG_F_CONTEXT] = "AGW_CONTEXT",
	[AGW_LOG_F_TERMINATION] = "AGW_TERMINATION",
};

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
	if (!strcasecmp(s, "syslog"))
		return AGW_LOG_SYSLOG;
	if (!strcasecmp(s, "journald"))
		return AGW_LOG_JOURNALD;
	return -EINVAL;
}

const char *agw_log_target_name(int target)
{
	switch (target) {
	case AGW_LOG_SYSLOG:
		return "syslog";
	case AGW_LOG_JOURNALD:
		return "journald";
	}
	return "stderr";
}

void agw_log_field_set(enum agw_log_field f, const char *fmt, ...)
{
	va_list ap;

	if ((unsigned int)f >= AGW_LOG_F_COUNT)
		return;
	fields.set[f] = fmt != NULL;
	if (!fmt)
		return;
	va_start(ap, fmt);
	vsnprintf(fields.v[f], sizeof(fields.v[f]), fmt, ap);
	va_end(ap);
}

void agw_log_fields_clear(void)
{
	memset(fields.set, 0, sizeof(fields.set));
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list args)
{
	int l = level == LIBBPF_WARN ? AGW_LOG_WARNING :
		level == LIBBPF_INFO ? AGW_LOG_INFO :
				       AGW_LOG_DEBUG;
	char buf[512];
	size_t n;

	if (!agw_log_enabled(l))
		return 0;
	vsnprintf(buf, sizeof(buf), fmt, args);
	n = strlen(buf);
	while (n && buf[n - 1] == '\n')
		buf[--n] = 0;
	if (n)
		agw_log(l, "libbpf: %s", buf);
	return 0;
}

void agw_log_route_libbpf(void)
{
	libbpf_set_print(libbpf_print);
}

/* One entry in journald's native protocol; false when it did not go. */
static bool journal_send(int level, const char *msg)
{
	char head[2][FIELD_MAX + 32], f[AGW_LOG_F_COUNT][FIELD_MAX + 32];
	char m[1024 + sizeof("MESSAGE=")];
	struct iovec iov[3 + AGW_LOG_F_COUNT];
	int n = 0;

	snprintf(m, sizeof(m), "MESSAGE=%s", msg);
	snprintf(head[0], sizeof(head[0]), "PRIORITY=%d", level);
	snprintf(head[1], sizeof(head[1]), "SYSLOG_IDENTIFIER=%s", sink.ident);
	iov[n++] = (struct iovec){ m, strlen(m) };
	iov[n++] = (struct iovec){ head[0], strlen(head[0]) };
	iov[n++] = (struct iovec){ head[1], strlen(head[1]) };
	for (int i = 0; i < AGW_LOG_F_COUNT; i++) {
		if (!fields.set[i])
			continue;
		snprintf(f[i], sizeof(f[i]), "%s=%s", field_names[i],
			 fields.v[i]);
		iov[n++] = (struct iovec){ f[i], strlen(f[i]) };
	}
	return sd_journal_sendv(iov, n) >= 0;
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
	} else if (sink.target == AGW_LOG_JOURNALD &&
		   journal_send(level, msg)) {
		/* sent; else (no journal socket) the line goes to stderr */
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
