/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef AGWCTL_H
#define AGWCTL_H

#include <stdbool.h>
#include <stddef.h>

struct agwctl {
	bool json;
	const char *pin_dir; /* NULL: the default */
	const char *socket; /* agwd's control socket */
	const char *prog; /* "agwctl" */
};

/* Each subcommand returns the process exit status. */
int agwctl_gate(struct agwctl *ctl, int argc, char **argv);
/* status, help and any other agwd control command */
int agwctl_daemon(struct agwctl *ctl, int argc, char **argv);

/* agwctl flows [CONTEXT] (alias relays): the relay's flows, one a line */
int agwctl_flows(struct agwctl *ctl, int argc, char **argv);

/* agwctl stats: agwd's metrics in the Prometheus text format */
int agwctl_stats(struct agwctl *ctl, int argc, char **argv);

/*
 * One request to agwd (argv joined by blanks); *reply is the reply line,
 * malloc'd (free it; NULL when none came): 0 when agwd answered
 * {"ok":true...}, else the exit status after the message.
 */
int agwctl_request(struct agwctl *ctl, int argc, char **argv, char **reply);
/* Decode the JSON string body s (len bytes, no quotes) into out (at least
 * len + 1 bytes); returns the decoded length or -EINVAL. */
int agwctl_json_unescape(const char *s, int len, char *out);
/* A scalar of a JSON reply: its path ("flows[0].a_to_b.bytes") and its
 * text (strings without quotes, escapes as written). */
typedef void (*agwctl_json_fn)(void *arg, const char *path, const char *val,
			       int len);
int agwctl_json_walk(const char **p, char *path, size_t plen, size_t used,
		     agwctl_json_fn fn, void *arg);

/* Prints "agwctl: CONTEXT: MESSAGE" to stderr and returns 1. */
int agwctl_err(const struct agwctl *ctl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
