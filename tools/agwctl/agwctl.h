/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef AGWCTL_H
#define AGWCTL_H

#include <stdbool.h>

struct agwctl {
	bool json;
	const char *pin_dir; /* NULL: the default */
	const char *prog; /* "agwctl" */
};

/* Each subcommand returns the process exit status. */
int agwctl_gate(struct agwctl *ctl, int argc, char **argv);

/* Prints "agwctl: CONTEXT: MESSAGE" to stderr and returns 1. */
int agwctl_err(const struct agwctl *ctl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
