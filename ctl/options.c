// SPDX-License-Identifier: GPL-2.0-only
/*
 * agwd command line: the file (-c, else /etc/agw/agwd.conf when it exists,
 * else the embedded default alone) first, then options override it.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
		"                           (default: " AGWD_CONFIG_FILE
		" if it exists)\n"
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

/*
 * The configuration: embedded default, the file, then the command-line
 * overrides in their order. Used at start and again on SIGHUP.
 */
int agwd_load_config(const struct agwd *d, struct agw_config *cfg, char *err,
		     size_t errlen)
{
	char where[64];
	int c, r;

	r = agw_config_load(cfg, d->opt.config_path, err, errlen);
	if (r)
		return r;
	optind = 1;
	while ((c = getopt_long(d->opt.argc, d->opt.argv, "c:fl:thV", long_opts,
				NULL)) != -1) {
		for (size_t i = 0; i < sizeof(overrides) / sizeof(overrides[0]);
		     i++) {
			if (overrides[i].opt != c)
				continue;
			snprintf(where, sizeof(where), "--%s", opt_name(c));
			r = agw_config_set(cfg, overrides[i].section,
					   overrides[i].key, optarg, where, err,
					   errlen);
			if (r)
				return r;
		}
	}
	return agw_config_validate(cfg, agwd_config_source(d), err, errlen);
}

const char *agwd_config_source(const struct agwd *d)
{
	return d->opt.config_path ? d->opt.config_path : "(embedded default)";
}

int agwd_parse_options(struct agwd *d, int argc, char **argv)
{
	char err[AGW_CFG_ERR_MAX];
	int c;

	d->opt.argc = argc;
	d->opt.argv = argv;
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
	/* No -c: the packaged file when there is one (a file that exists
	 * but cannot be read is an error, not a silent fallback). */
	if (!d->opt.config_path &&
	    (!access(AGWD_CONFIG_FILE, F_OK) ||
	     (errno != ENOENT && errno != ENOTDIR)))
		d->opt.config_path = AGWD_CONFIG_FILE;
	if (agwd_load_config(d, &d->cfg, err, sizeof(err))) {
		fprintf(stderr, "agwd: %s\n", err);
		return -1;
	}
	d->loaded = d->cfg;
	if (d->opt.print_config) {
		printf("; agwd %s: the embedded default%s%s, then the command line\n",
		       AGWD_VERSION, d->opt.config_path ? ", then " : "",
		       d->opt.config_path ? d->opt.config_path : "");
		agw_config_print(&d->cfg, stdout);
		return 1;
	}
	if (d->opt.check_config) {
		printf("agwd: configuration ok (%s)\n",
		       d->opt.config_path ? d->opt.config_path :
					    "embedded default");
		return 1;
	}
	return 0;
}
