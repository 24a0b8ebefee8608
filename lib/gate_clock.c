// SPDX-License-Identifier: GPL-2.0-only
/*
 * The data path stamps SYNs with jiffies (nearly free) instead of reading
 * a clock (about as costly as the whole decision). Here one sample of
 * (jiffies, CLOCK_MONOTONIC) taken by agw_xdp_clock through
 * BPF_PROG_TEST_RUN turns jiffies back into time.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "agw/syn_gate.skel.h"
#include "gate_priv.h"

static int clock_sample(struct agw_gate *g)
{
	uint64_t buf[8] = { 0 }, out[8] = { 0 };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = buf,
		    .data_size_in = sizeof(buf), .data_out = out,
		    .data_size_out = sizeof(out), .repeat = 1);
	static const uint32_t hz_candidates[] = { 100, 250, 300, 1000 };
	uint64_t best_err = UINT64_MAX;
	struct agw_syn_gate *s;
	unsigned int i;
	int err;

	/* loaded for this one run, never kept */
	err = agw_gate_skel_open(g, GP_CLOCK, &s);
	if (err)
		return err;
	err = agw_syn_gate__load(s);
	if (!err &&
	    bpf_prog_test_run_opts(bpf_program__fd(s->progs.agw_xdp_clock), &o))
		err = -errno;
	agw_syn_gate__destroy(s);
	if (err)
		return err;
	g->clock_jiffies = out[0];
	g->clock_ns = out[1];
	/*
	 * The kernel starts jiffies_64 at INITIAL_JIFFIES = 2^32 - 300 * HZ,
	 * so one sample tells HZ apart: the candidates diverge by seconds'
	 * worth of ticks after a few seconds of uptime.
	 */
	for (i = 0; i < sizeof(hz_candidates) / sizeof(hz_candidates[0]); i++) {
		uint64_t hz = hz_candidates[i];
		uint64_t pred = (1ULL << 32) - 300 * hz +
				g->clock_ns / (1000000000ULL / hz);
		uint64_t e = pred > g->clock_jiffies ? pred - g->clock_jiffies :
						       g->clock_jiffies - pred;

		if (e < best_err) {
			best_err = e;
			g->clock_hz = hz;
		}
	}
	return 0;
}

int agw_gate_jiffies_to_mono(struct agw_gate *g, uint64_t jiffies,
			     uint64_t *mono_ns)
{
	uint64_t ago;
	int err;

	if (!jiffies) {
		*mono_ns = 0;
		return 0;
	}
	if (!g->clock_hz) {
		err = clock_sample(g);
		if (err)
			return err;
	}
	ago = g->clock_jiffies > jiffies ? g->clock_jiffies - jiffies : 0;
	ago *= 1000000000ULL / g->clock_hz;
	*mono_ns = g->clock_ns > ago ? g->clock_ns - ago : 1;
	return 0;
}

int agw_gate_clock_hz(struct agw_gate *g, uint32_t *hz)
{
	int err = g->clock_hz ? 0 : clock_sample(g);

	if (!err)
		*hz = g->clock_hz;
	return err;
}
