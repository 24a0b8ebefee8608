/* SPDX-License-Identifier: GPL-2.0-only */
/* agwd internals shared by the files of ctl/. */
#ifndef AGWD_H
#define AGWD_H

#include <stdbool.h>
#include <stdint.h>

#include "agw/config.h"
#include "agw/ctlsock.h"
#include "agw/evloop.h"
#include "agw/h248_transport.h"
#include "agw/realm.h"

#define AGWD_VERSION "0.1.0"

/* Registration with the MGC; only UNREGISTERED exists until the
 * transaction layer lands (Documentation/agwd-design.md). */
enum agwd_reg_state {
	AGWD_UNREGISTERED,
	AGWD_REGISTERING,
	AGWD_REGISTERED,
};

struct agwd_options {
	const char *config_path;
	bool foreground;
	bool print_config;
	bool check_config;
};

struct agwd {
	struct agw_config cfg;
	struct agwd_options opt;
	struct agw_evloop *loop;
	struct agw_h248_transport *h248;
	struct agw_realms *realms;
	struct agw_ctlsock *ctl;
	enum agwd_reg_state reg;
	uint64_t start_ms;
	int exit_code;
};

/*
 * Parse the command line: load the file named by --config over the
 * embedded default, then apply the other options on top. Returns 0 to
 * run, 1 when done (help, version, print), -1 on error (message printed).
 */
int agwd_parse_options(struct agwd *d, int argc, char **argv);
extern const struct agw_ctl_cmd agwd_ctl_cmds[];
const char *agwd_reg_state_name(enum agwd_reg_state s);

#endif /* AGWD_H */
