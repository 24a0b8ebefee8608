/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef AGWCTL_H
#define AGWCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct agwctl {
	bool json;
	bool pretty; /* -p: JSON indented (json is set too) */
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

/* agwctl status, contexts [ID], terminations [ID | --context N | --realm R |
 * --state S]: tables (tools/agwctl/lists.c) */
int agwctl_status(struct agwctl *ctl, int argc, char **argv);
int agwctl_contexts(struct agwctl *ctl, int argc, char **argv);
int agwctl_terminations(struct agwctl *ctl, int argc, char **argv);

/* agwctl monitor [count N] [timeout SECONDS]: agwd's events, the gate's
 * drop records among them, as they come (tools/agwctl/monitor.c) */
int agwctl_monitor(struct agwctl *ctl, int argc, char **argv);

/* agwd's JSON reply on stdout: as it came (-j) or indented (-p). */
int agwctl_print_json(const struct agwctl *ctl, const char *json);

/* Text "YYYY-MM-DDTHH:MM:SS.uuuuuuZ" of a wall-clock time. */
void agwctl_time_str(uint64_t real_ns, char *buf, size_t len);

/* One drop record as a text line (gate monitor, monitor); slot NULL:
 * no termination. */
void agwctl_drop_line(uint64_t real_ns, const char *reason, const char *proto,
		      const char *src, const char *dst, const char *slot,
		      unsigned long suppressed);

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
