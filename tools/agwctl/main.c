// SPDX-License-Identifier: GPL-2.0-only
/*
 * agwctl: the operator's command line for agw. Subcommands follow the
 * iproute2 pattern (OBJECT COMMAND ARGS); text output is tables, -j
 * switches to JSON, -p to indented JSON.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "agw/version.h"
#include "agwctl.h"

static void usage(FILE *f)
{
	fputs("Usage: agwctl [OPTIONS] OBJECT COMMAND [ARGS]\n"
	      "\n"
	      "OPTIONS: -j, --json       JSON output (agwd's reply as it came)\n"
	      "         -p, --pretty     JSON output, indented\n"
	      "         --pin-dir DIR    BPF pin directory (default /sys/fs/bpf/agw)\n"
	      "         --socket PATH    agwd's control socket (default /run/agw/agwd.sock)\n"
	      "         -V, --version\n"
	      "         -h, --help\n"
	      "\n"
	      "agwd (through its control socket):\n"
	      "  status                 registration, MGC, transport, uptime, realms\n"
	      "  contexts [ID]          contexts and their terminations\n"
	      "  terminations [ID | --context N | --realm R | --state S]\n"
	      "                         terminations: state, gate mode, SYN and octet counters\n"
	      "  flows [CONTEXT]        relayed contexts: path and why, bytes, stalls, bound\n"
	      "                         (alias: relays)\n"
	      "  stats                  metrics in the Prometheus text format\n"
	      "  monitor [count N] [timeout SECONDS] [rate R [burst B]]\n"
	      "                         events as they come: Add, Modify, Subtract, Notify,\n"
	      "                         TLS failures, and the gate's sampled drops\n"
	      "  loglevel [LEVEL]       show or set agwd's log level\n"
	      "                         (err|warning|notice|info|debug)\n"
	      "  help                   the commands agwd knows (and each one's level)\n"
	      "\n"
	      "OBJECT gate (gate [--force] COMMAND):\n"
	      "  gate attach DEV [xdp-multi|xdp|xdp-generic|tc|tcx|clsact]\n"
	      "  gate detach DEV\n"
	      "  gate unload\n"
	      "  gate config [range LO-HI] [unmatched drop|pass] [monitor RATE|off [burst N]]\n"
	      "  gate term add ADDR PORT open|ignore|filter\n"
	      "  gate term mode ADDR PORT open|ignore|filter\n"
	      "  gate term del ADDR PORT\n"
	      "  gate term list [--owner operator|agwd|gone]\n"
	      "  gate allow add ADDR PORT REMOTE[/PREFIXLEN] [RPORT[-RPORT2]]\n"
	      "  gate allow del ADDR PORT REMOTE[/PREFIXLEN] [RPORT[-RPORT2]]\n"
	      "  gate show [ADDR PORT]\n"
	      "  gate h248 [off | ports P[,P...] mgc ADDR[:PORT]...]\n"
	      "  gate monitor [count N] [timeout SECONDS] [rate R [burst B]]\n"
	      "  gate reconcile\n"
	      "\n"
	      "See agwctl(8).\n",
	      f);
}

int agwctl_err(const struct agwctl *ctl, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", ctl->prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "version", no_argument, NULL, 'V' },
		{ "pin-dir", required_argument, NULL, 'P' },
		{ "socket", required_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	struct agwctl ctl = { .prog = "agwctl",
			      .socket = "/run/agw/agwd.sock" };
	int c;

	while ((c = getopt_long(argc, argv, "+jpVh", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			ctl.json = true;
			break;
		case 'p':
			ctl.json = true;
			ctl.pretty = true;
			break;
		case 'V':
			printf("agwctl %s\n", AGW_VERSION);
			return 0;
		case 'P':
			ctl.pin_dir = optarg;
			break;
		case 'S':
			ctl.socket = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[0], "gate"))
		return agwctl_gate(&ctl, argc - 1, argv + 1);
	if (!strcmp(argv[0], "flows") || !strcmp(argv[0], "relays"))
		return agwctl_flows(&ctl, argc, argv);
	if (!strcmp(argv[0], "stats"))
		return agwctl_stats(&ctl, argc, argv);
	if (!strcmp(argv[0], "status"))
		return agwctl_status(&ctl, argc, argv);
	if (!strcmp(argv[0], "contexts"))
		return agwctl_contexts(&ctl, argc, argv);
	if (!strcmp(argv[0], "terminations"))
		return agwctl_terminations(&ctl, argc, argv);
	if (!strcmp(argv[0], "monitor"))
		return agwctl_monitor(&ctl, argc, argv);
	if (!strcmp(argv[0], "help") || !strcmp(argv[0], "loglevel"))
		return agwctl_daemon(&ctl, argc, argv);
	agwctl_err(&ctl, "unknown object \"%s\"", argv[0]);
	usage(stderr);
	return 2;
}
