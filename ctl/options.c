// SPDX-License-Identifier: GPL-2.0-only
/* agwd command line: file first, then options override it. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agwd.h"

enum {
	OPT_LOG_TARGET = 256,
	OPT_MID,
	OPT_MGC,
	OPT_TRANSPORT,
	OPT_ADDRESS,
	OPT_PORT,
	OPT_CONTROL_SOCKET,
	OPT_STATE_DIR,
	OPT_PRINT_CONFIG,
	OPT_GATE_PIN_DIR,
};

static const struct option long_opts[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "foreground", no_argument, NULL, 'f' },
	{ "log-level", required_argument, NULL, 'l' },
	{ "log-target", required_argument, NULL, OPT_LOG_TARGET },
	{ "mid", required_argument, NULL, OPT_MID },
	{ "mgc", required_argument, NULL, OPT_MGC },
	{ "transport", required_argument, NULL, OPT_TRANSPORT },
	{ "address", required_argument, NULL, OPT_ADDRESS },
	{ "port", required_argument, NULL, OPT_PORT },
	{ "control-socket", required_argument, NULL, OPT_CONTROL_SOCKET },
	{ "state-dir", required_argument, NULL, OPT_STATE_DIR },
	{ "gate-pin-dir", required_argument, NULL, OPT_GATE_PIN_DIR },
	{ "print-config", no_argument, NULL, OPT_PRINT_CONFIG },
	{ "check-config", no_argument, NULL, 't' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

/* Option -> the INI key it overrides. */
static const struct {
	int opt;
	const char *section, *key;
} overrides[] = {
	{ 'l', "log", "level" },
	{ OPT_LOG_TARGET, "log", "target" },
	{ OPT_MID, "agwd", "mid" },
	{ OPT_MGC, "h248", "mgc" },
	{ OPT_TRANSPORT, "h248", "transport" },
	{ OPT_ADDRESS, "h248", "address" },
	{ OPT_PORT, "h248", "port" },
	{ OPT_CONTROL_SOCKET, "agwd", "control_socket" },
	{ OPT_STATE_DIR, "agwd", "state_dir" },
	{ OPT_GATE_PIN_DIR, "agwd", "gate_pin_dir" },
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: agwd [OPTIONS]\n"
		"IMS access gateway: the H.248 agent.\n\n"
		"  -c, --config FILE        INI file over the embedded default\n"
		"  -f, --foreground         do not detach\n"
		"  -l, --log-level LEVEL    err|warning|notice|info|debug\n"
		"      --log-target T       stderr|syslog|journald\n"
		"      --mid MID            [address]:port or <domain>:port\n"
		"      --mgc LIST           MGC address[:port],... (the allow-list)\n"
		"      --transport T        udp|tcp|udp,tcp\n"
		"      --address ADDR       local H.248 address\n"
		"      --port PORT          local H.248 UDP port\n"
		"      --control-socket P   unix socket for agwctl\n"
		"      --state-dir DIR      state directory\n"
		"      --gate-pin-dir DIR   bpffs directory of the SYN gate's maps\n"
		"      --print-config       print the effective configuration, exit\n"
		"  -t, --check-config       check the configuration, exit\n"
		"  -h, --help               this text\n"
		"  -V, --version            version\n\n"
		"See agwd(8) and Documentation/configuration.md.\n");
}

static const char *opt_name(int c)
{
	for (const struct option *o = long_opts; o->name; o++)
		if (o->val == c)
			return o->name;
	return "?";
}

int agwd_parse_options(struct agwd *d, int argc, char **argv)
{
	char err[AGW_CFG_ERR_MAX], where[64];
	int c;

	/* Pass 1: options that decide what to load or whether to run. */
	while ((c = getopt_long(argc, argv, "c:fl:thV", long_opts, NULL)) !=
	       -1) {
		switch (c) {
		case 'c':
			d->opt.config_path = optarg;
			break;
		case 'f':
			d->opt.foreground = true;
			break;
		case 't':
			d->opt.check_config = true;
			break;
		case OPT_PRINT_CONFIG:
			d->opt.print_config = true;
			break;
		case 'h':
			usage(stdout);
			return 1;
		case 'V':
			printf("agwd %s\n", AGWD_VERSION);
			return 1;
		case '?':
			usage(stderr);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "agwd: unexpected argument '%s'\n",
			argv[optind]);
		return -1;
	}
	if (agw_config_load(&d->cfg, d->opt.config_path, err, sizeof(err))) {
		fprintf(stderr, "agwd: %s\n", err);
		return -1;
	}
	/* Pass 2: overrides, in command-line order. */
	optind = 1;
	while ((c = getopt_long(argc, argv, "c:fl:thV", long_opts, NULL)) !=
	       -1) {
		for (size_t i = 0; i < sizeof(overrides) / sizeof(overrides[0]);
		     i++) {
			if (overrides[i].opt != c)
				continue;
			snprintf(where, sizeof(where), "--%s", opt_name(c));
			if (agw_config_set(&d->cfg, overrides[i].section,
					   overrides[i].key, optarg, where, err,
					   sizeof(err))) {
				fprintf(stderr, "agwd: %s\n", err);
				return -1;
			}
		}
	}
	if (agw_config_validate(&d->cfg,
				d->opt.config_path ? d->opt.config_path :
						     "(embedded default)",
				err, sizeof(err))) {
		fprintf(stderr, "agwd: %s\n", err);
		return -1;
	}
	if (d->opt.print_config) {
		agw_config_print(&d->cfg, stdout);
		return 1;
	}
	if (d->opt.check_config) {
		printf("agwd: configuration ok\n");
		return 1;
	}
	return 0;
}
