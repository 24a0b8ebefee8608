/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Logging. The sink (stderr or syslog, and the level) is the one piece of
 * process-wide mutable state that lib/ keeps: a process has one stderr and
 * one syslog connection, so a per-object logger would only pretend. Every
 * other lib/ object takes its state as an argument.
 */
#ifndef AGW_LOG_H
#define AGW_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <syslog.h>

enum agw_log_level {
	AGW_LOG_ERR = LOG_ERR,
	AGW_LOG_WARNING = LOG_WARNING,
	AGW_LOG_NOTICE = LOG_NOTICE,
	AGW_LOG_INFO = LOG_INFO,
	AGW_LOG_DEBUG = LOG_DEBUG,
};

enum agw_log_target {
	AGW_LOG_STDERR = 0,
	AGW_LOG_SYSLOG = 1,
	AGW_LOG_JOURNALD = 2, /* sd_journal_sendv(), structured fields */
};

/* Parse "err|warning|notice|info|debug"; -EINVAL when unknown. */
int agw_log_level_parse(const char *s);
const char *agw_log_level_name(int level);
/* Parse "stderr|syslog|journald"; -EINVAL. */
int agw_log_target_parse(const char *s);
const char *agw_log_target_name(int target);

/* Set up the sink; ident names the program in syslog and on stderr. */
void agw_log_open(const char *ident, int target, int level);
void agw_log_set_level(int level);
int agw_log_get_level(void);
/* Close and reopen the sink (SIGHUP): syslog reconnects. */
void agw_log_reopen(void);
void agw_log_close(void);

static inline bool agw_log_enabled(int level)
{
	return level <= agw_log_get_level();
}

void agw_log(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define agw_err(...) agw_log(AGW_LOG_ERR, __VA_ARGS__)
#define agw_warn(...) agw_log(AGW_LOG_WARNING, __VA_ARGS__)
#define agw_notice(...) agw_log(AGW_LOG_NOTICE, __VA_ARGS__)
/* Below warning, nothing is formatted (nor are the arguments evaluated)
 * when the level filters the message out. */
#define agw_info(...)                                       \
	do {                                                \
		if (agw_log_enabled(AGW_LOG_INFO))          \
			agw_log(AGW_LOG_INFO, __VA_ARGS__); \
	} while (0)
#define agw_dbg(...)                                         \
	do {                                                 \
		if (agw_log_enabled(AGW_LOG_DEBUG))          \
			agw_log(AGW_LOG_DEBUG, __VA_ARGS__); \
	} while (0)

/*
 * What the messages logged now are about, for the journald target's
 * structured fields: the code that executes an H.248 transaction sets
 * them around it (peer and transaction, then context and termination per
 * action and command) and clears them after, so no log call site passes
 * them. Process-wide like the sink (thread-local). stderr and syslog
 * lines do not show them (the messages name what they are about).
 */
enum agw_log_field {
	AGW_LOG_F_PEER, /* AGW_PEER: the MGC's address:port */
	AGW_LOG_F_TRANSACTION, /* AGW_TRANSACTION: the transaction ID */
	AGW_LOG_F_CONTEXT, /* AGW_CONTEXT: the context ID (or $, -, *) */
	AGW_LOG_F_TERMINATION, /* AGW_TERMINATION: the termination ID */
	AGW_LOG_F_COUNT,
};

/* Set field f (fmt NULL: unset); values are cut at 127 bytes. */
void agw_log_field_set(enum agw_log_field f, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Unset every field. */
void agw_log_fields_clear(void);

/* libbpf's messages (warnings, info; debug at level debug) through
 * agw_log(), prefixed "libbpf: ". */
void agw_log_route_libbpf(void);

/*
 * Rate limit for warnings an outsider can trigger (one per packet or per
 * peer): at most burst messages per interval_ms, then one summary line
 * with the number suppressed. The caller owns the state (one per kind of
 * event), so lib/ stays free of hidden globals.
 */
struct agw_ratelimit {
	uint32_t interval_ms;
	uint32_t burst;
	uint64_t window_start_ms;
	uint32_t printed;
	uint32_t suppressed;
};

#define AGW_RATELIMIT_INIT(ms, n)                 \
	{                                         \
		.interval_ms = (ms), .burst = (n) \
	}

/* true when the caller may log now; now_ms is CLOCK_MONOTONIC in ms. */
bool agw_ratelimit_pass(struct agw_ratelimit *rl, uint64_t now_ms);
/* agw_log() through the limit, using the monotonic clock. */
void agw_log_ratelimited(struct agw_ratelimit *rl, int level, const char *fmt,
			 ...) __attribute__((format(printf, 3, 4)));

uint64_t agw_now_ms(void);

/* While buf is set (len 0 stops), every error-level message is also
 * copied there, the last one kept: a daemon's parent reports why its
 * child could not start. */
void agw_log_capture_errors(char *buf, size_t len);

#endif /* AGW_LOG_H */
