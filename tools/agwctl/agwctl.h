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

/* Prints "agwctl: CONTEXT: MESSAGE" to stderr and returns 1. */
int agwctl_err(const struct agwctl *ctl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
