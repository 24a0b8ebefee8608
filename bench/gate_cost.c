// SPDX-License-Identifier: GPL-2.0-only
/*
 * Per-packet decision cost of the gate's XDP program through
 * BPF_PROG_TEST_RUN (cache-hot, one CPU), for each path, with 3 and with N
 * terminations in the table, against an empty XDP program.
 *
 * Trustworthy under load: each round runs every case of both tables once,
 * each right after a run of the empty program on the same packet, so that
 * whatever else the machine does hits them alike; a figure is the median
 * over the rounds, and a ratio is the median of the per-round ratios (case
 * / the empty run just before it), never a ratio of two lone samples.
 *
 * Usage: gate_cost [-n TERMS] [-r REPEAT] [-k ROUNDS]
 * Prints "bench: NAME = VALUE UNIT" and "bench: NAME_ratio = R (A / B)".
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>

#include "agw/gate.h"
#include "../tests/unit/pktbuild.h"

#define ROUNDS_MAX 64

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

/* The kernel's per-run average over repeat runs, in ns. */
static double run_ns(int fd, const struct pkt_spec *s, int repeat)
{
	uint8_t pkt[PKT_MAX];
	int len = pkt_build(s, pkt);
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = pkt, .data_size_in = len,
		    .repeat = repeat);

	if (bpf_prog_test_run_opts(fd, &o)) {
		perror("test_run");
		exit(1);
	}
	return o.duration;
}

static double median(double *v, int n)
{
	double t;
	int i, j;

	for (i = 1; i < n; i++)
		for (j = i; j > 0 && v[j] < v[j - 1]; j--) {
			t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
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
	int table; /* 0: the 3-entry gate, 1: the N-entry one, 2: records on */
	double ns[ROUNDS_MAX];
	double empty[ROUNDS_MAX]; /* the empty program, run just before */
};

static struct agw_addr L, R, other;

static int gate_new(struct agw_gate **g, const char *tag, uint32_t cap)
{
	struct agw_gate_opts o = { .max_terms = cap };
	struct agw_gate_cfg cfg = { .port_min = 20000, .port_max = 29999 };
	struct agw_allow rule = {
		.addr = R, .prefix_len = 32, .port_lo = 40000, .port_hi = 40000
	};
	struct agw_h248_mgc mgc = { .addr = R, .port = 2944 };
	uint16_t h248 = 2944;
	static char pins[3][64];
	static int n;
	int err;

	snprintf(pins[n], sizeof(pins[n]), "/sys/fs/bpf/agw-bench-%s-%d", tag,
		 getpid());
	o.pin_dir = pins[n++];
	err = agw_gate_open(&o, g);
	err = err ?: agw_gate_config_set(*g, &cfg);
	err = err ?: agw_gate_h248_set(*g, &h248, 1, &mgc, 1);
	err = err ?: agw_gate_term_add(*g, &L, 20000, AGW_MODE_OPEN);
	err = err ?: agw_gate_term_add(*g, &L, 20001, AGW_MODE_IGNORE);
	err = err ?: agw_gate_term_add(*g, &L, 20002, AGW_MODE_FILTER);
	err = err ?: agw_gate_allow_add(*g, &L, 20002, &rule);
	if (err)
		fprintf(stderr, "gate %s: %s\n", tag, strerror(-err));
	return err;
}

static int fill(struct agw_gate *g, uint32_t nterms)
{
	struct agw_addr a;
	char buf[32];
	double t0 = now();
	uint32_t i;
	int err;

	for (i = 3; i < nterms; i++) {
		snprintf(buf, sizeof(buf), "10.%u.%u.%u", 1 + (i >> 16 & 0xff),
			 i >> 8 & 0xff, i & 0xff);
		agw_addr_parse(buf, &a);
		err = agw_gate_term_add(g, &a, 20000 + i % 9000, i % 3);
		if (err) {
			fprintf(stderr, "fill %u: %s\n", i, strerror(-err));
			return err;
		}
	}
	printf("bench: gate_term_add_rate = %.0f terms/s\n",
	       (nterms - 3) / (now() - t0));
	return 0;
}

int main(int argc, char **argv)
{
	uint32_t nterms = 1000000;
	int repeat = 200000, rounds = 11, c, i, r, t, efd, err = 1;
	struct agw_gate *g[3] = { 0 };
	double empty[ROUNDS_MAX * 32], ratio[ROUNDS_MAX], e;
	int ne;
	int fd[3];
	cpu_set_t set;

	while ((c = getopt(argc, argv, "n:r:k:")) != -1) {
		if (c == 'n')
			nterms = strtoul(optarg, NULL, 0);
		else if (c == 'r')
			repeat = atoi(optarg);
		else if (c == 'k')
			rounds = atoi(optarg);
		else
			return 2;
	}
	if (rounds < 3 || rounds > ROUNDS_MAX || nterms < 4 || repeat < 1) {
		fprintf(stderr, "gate_cost: 3 <= ROUNDS <= %d, TERMS > 3\n",
			ROUNDS_MAX);
		return 2;
	}
	/* one CPU for every run: test runs execute where the caller is */
	CPU_ZERO(&set);
	CPU_SET(sched_getcpu(), &set);
	sched_setaffinity(0, sizeof(set), &set);
	agw_addr_parse("10.0.0.1", &L);
	agw_addr_parse("192.0.2.10", &R);
	agw_addr_parse("198.51.100.1", &other);

	if (gate_new(&g[0], "3", 64) || gate_new(&g[1], "n", nterms + 16) ||
	    gate_new(&g[2], "mon", 64) || fill(g[1], nterms) ||
	    agw_gate_monitor_set(g[2], 1, 1))
		goto out;
	for (t = 0; t < 3; t++) {
		fd[t] = agw_gate_prog_fd(g[t], AGW_ATTACH_XDP_NATIVE);
		if (fd[t] < 0)
			goto out;
	}
	efd = empty_xdp_prog();
	if (efd < 0) {
		perror("empty program");
		goto out;
	}

#define PKT(s_, sp_, dp_, proto_, flags_)   \
	{                                   \
		.spec = {                   \
			.src = s_,          \
			.dst = L,           \
			.sport = sp_,       \
			.dport = dp_,       \
			.l4proto = proto_,  \
			.tcp_flags = flags_ \
		}                           \
	}
#define SYN(s_, sp_, dp_) PKT(s_, sp_, dp_, 0, PKT_SYN)
#define UDP(s_, sp_, dp_) PKT(s_, sp_, dp_, IPPROTO_UDP, 0)
	struct path base[] = {
		PKT(R, 40000, 20001, 0, PKT_ACK),
		SYN(R, 40000, 25000),
		SYN(R, 40000, 20000),
		SYN(R, 40000, 20001),
		SYN(R, 40000, 20002),
		SYN(other, 40000, 20002),
		UDP(other, 5060, 5060),
		UDP(R, 2944, 2944),
		UDP(other, 2944, 2944),
	};
	static const char *const base_names[] = {
		"non_syn",	 "no_term",	   "open",
		"ignore",	 "filter_allowed", "filter_denied",
		"udp_unguarded", "h248_udp_mgc",   "h248_udp_foreign",
	};
	enum { NB = sizeof(base) / sizeof(base[0]) };
	struct path paths[2 * NB + 1];

	_Static_assert(2 * NB + 1 <= 32, "gate_cost: empty[] holds 32 cases");

	for (i = 0; i < NB; i++)
		base[i].name = base_names[i];
	for (t = 0; t < 2; t++)
		for (i = 0; i < NB; i++) {
			paths[t * NB + i] = base[i];
			paths[t * NB + i].table = t;
		}
	/* the drop path with records on and the bucket empty: the cost a
	 * flood pays when an operator watches */
	paths[2 * NB] = base[3];
	paths[2 * NB].name = "ignore_records_on";
	paths[2 * NB].table = 2;

	/* each case right after a run of the empty program on the same
	 * packet: a ratio compares two runs a few milliseconds apart */
	for (r = 0; r < rounds; r++)
		for (i = 0; i < 2 * NB + 1; i++) {
			paths[i].empty[r] = run_ns(efd, &paths[i].spec, repeat);
			paths[i].ns[r] = run_ns(fd[paths[i].table],
						&paths[i].spec, repeat);
		}

	ne = 0;
	for (i = 0; i < 2 * NB + 1; i++)
		for (r = 0; r < rounds; r++)
			empty[ne++] = paths[i].empty[r];
	e = median(empty, ne);
	printf("bench: gate_rounds = %d of %d runs each, interleaved\n", rounds,
	       repeat);
	printf("bench: gate_empty_xdp = %.1f ns (median of %d runs; min %.1f max %.1f)\n",
	       e, ne, empty[0], empty[ne - 1]);
	for (i = 0; i < 2 * NB + 1; i++) {
		char name[96];
		double m;

		for (r = 0; r < rounds; r++)
			ratio[r] = paths[i].ns[r] / paths[i].empty[r];
		snprintf(name, sizeof(name), "gate_%s_terms%u", paths[i].name,
			 paths[i].table == 1 ? nterms : 3);
		m = median(ratio, rounds);
		printf("bench: %s = %.1f ns (median)\n", name,
		       median(paths[i].ns, rounds));
		printf("bench: %s_ratio = %.2f (median of per-round %s / empty; medians %.1f / %.1f ns)\n",
		       name, m, paths[i].name, median(paths[i].ns, rounds), e);
	}
	err = 0;
out:
	for (t = 0; t < 3; t++) {
		if (!g[t])
			continue;
		agw_gate_unload(g[t]);
		agw_gate_close(g[t]);
	}
	return err;
}
