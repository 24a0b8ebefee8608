// SPDX-License-Identifier: GPL-2.0-only
/*
 * Per-SYN decision cost of the gate's XDP program through
 * BPF_PROG_TEST_RUN (cache-hot, one CPU), for each path, with 1 and with
 * N terminations in the table, against an empty XDP program loaded and
 * measured in the same run.
 *
 * Usage: gate_cost [-n TERMS] [-r REPEAT] [-k RUNS]
 * Prints "bench: NAME = VALUE UNIT" and "bench: NAME_ratio = R (A / B)".
 */
#include <errno.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "agw/gate.h"
#include "../tests/unit/pktbuild.h"

static int empty_xdp_prog(void)
{
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K,
		  .dst_reg = BPF_REG_0,
		  .imm = XDP_PASS },
		{ .code = BPF_JMP | BPF_EXIT },
	};

	return bpf_prog_load(BPF_PROG_TYPE_XDP, "agw_empty", "GPL", insns, 2,
			     NULL);
}

/* Median over k runs of the kernel's per-run average. */
static double cost_ns(int fd, const struct pkt_spec *s, int repeat, int k)
{
	uint8_t pkt[PKT_MAX];
	int len = pkt_build(s, pkt), i, j;
	double v[16], t;

	for (i = 0; i < k && i < 16; i++) {
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = pkt,
			    .data_size_in = len, .repeat = repeat);

		if (bpf_prog_test_run_opts(fd, &o)) {
			perror("test_run");
			exit(1);
		}
		v[i] = o.duration;
	}
	for (i = 1; i < k; i++)
		for (j = i; j > 0 && v[j] < v[j - 1]; j--) {
			t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	return v[k / 2];
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

struct path {
	const char *name;
	struct pkt_spec spec;
};

int main(int argc, char **argv)
{
	uint32_t nterms = 1000000;
	int repeat = 1000000, runs = 5, c, fd, efd, i, err;
	struct agw_gate_opts o = { 0 };
	struct agw_gate_cfg cfg = { .port_min = 20000, .port_max = 29999 };
	struct agw_addr L, R, other, a;
	struct agw_allow rule;
	char pin[64], name[96];
	struct agw_gate *g;
	double empty, t0;

	while ((c = getopt(argc, argv, "n:r:k:")) != -1) {
		if (c == 'n')
			nterms = strtoul(optarg, NULL, 0);
		else if (c == 'r')
			repeat = atoi(optarg);
		else if (c == 'k')
			runs = atoi(optarg);
		else
			return 2;
	}
	if (runs < 1 || runs > 16)
		runs = 5;
	snprintf(pin, sizeof(pin), "/sys/fs/bpf/agw-bench-%d", getpid());
	o.pin_dir = pin;
	o.max_terms = nterms + 16;
	err = agw_gate_open(&o, &g);
	if (err) {
		fprintf(stderr, "gate open: %s\n", strerror(-err));
		return 1;
	}
	agw_gate_config_set(g, &cfg);
	agw_addr_parse("10.0.0.1", &L);
	agw_addr_parse("192.0.2.10", &R);
	agw_addr_parse("198.51.100.1", &other);
	rule = (struct agw_allow){
		.addr = R, .prefix_len = 32, .port_lo = 40000, .port_hi = 40000
	};
	err = agw_gate_term_add(g, &L, 20000, AGW_MODE_OPEN);
	err = err ?: agw_gate_term_add(g, &L, 20001, AGW_MODE_IGNORE);
	err = err ?: agw_gate_term_add(g, &L, 20002, AGW_MODE_FILTER);
	err = err ?: agw_gate_allow_add(g, &L, 20002, &rule);
	if (err) {
		fprintf(stderr, "setup: %s\n", strerror(-err));
		goto out;
	}
	fd = agw_gate_prog_fd(g, AGW_ATTACH_XDP_NATIVE);
	efd = empty_xdp_prog();
	if (fd < 0 || efd < 0) {
		fprintf(stderr, "programs: %s\n", strerror(errno));
		err = -1;
		goto out;
	}

	struct path paths[] = {
		{ "non_syn",
		  { .src = R,
		    .dst = L,
		    .sport = 40000,
		    .dport = 20001,
		    .tcp_flags = PKT_ACK } },
		{ "no_term",
		  { .src = R,
		    .dst = L,
		    .sport = 40000,
		    .dport = 25000,
		    .tcp_flags = PKT_SYN } },
		{ "open",
		  { .src = R,
		    .dst = L,
		    .sport = 40000,
		    .dport = 20000,
		    .tcp_flags = PKT_SYN } },
		{ "ignore",
		  { .src = R,
		    .dst = L,
		    .sport = 40000,
		    .dport = 20001,
		    .tcp_flags = PKT_SYN } },
		{ "filter_allowed",
		  { .src = R,
		    .dst = L,
		    .sport = 40000,
		    .dport = 20002,
		    .tcp_flags = PKT_SYN } },
		{ "filter_denied",
		  { .src = other,
		    .dst = L,
		    .sport = 40000,
		    .dport = 20002,
		    .tcp_flags = PKT_SYN } },
	};
	uint32_t sizes[] = { 3, nterms };

	for (unsigned int si = 0; si < 2; si++) {
		if (si == 1) {
			t0 = now();
			for (i = 3; (uint32_t)i < nterms; i++) {
				char buf[32];

				snprintf(buf, sizeof(buf), "10.%d.%d.%d",
					 1 + (i >> 16 & 0xff), i >> 8 & 0xff,
					 i & 0xff);
				agw_addr_parse(buf, &a);
				err = agw_gate_term_add(g, &a, 20000 + i % 9000,
							i % 3);
				if (err) {
					fprintf(stderr, "fill %d: %s\n", i,
						strerror(-err));
					goto out;
				}
			}
			printf("bench: gate_term_add_rate = %.0f terms/s\n",
			       (nterms - 3) / (now() - t0));
		}
		empty = cost_ns(efd, &paths[0].spec, repeat, runs);
		printf("bench: gate_empty_xdp_terms%u = %.1f ns\n", sizes[si],
		       empty);
		for (i = 0; i < (int)(sizeof(paths) / sizeof(paths[0])); i++) {
			double v = cost_ns(fd, &paths[i].spec, repeat, runs);

			snprintf(name, sizeof(name), "gate_%s_terms%u",
				 paths[i].name, sizes[si]);
			printf("bench: %s = %.1f ns\n", name, v);
			printf("bench: %s_ratio = %.2f (%.1f / %.1f empty)\n",
			       name, v / empty, v, empty);
		}
	}
	err = 0;
out:
	agw_gate_unload(g);
	agw_gate_close(g);
	return err ? 1 : 0;
}
