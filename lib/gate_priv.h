/* SPDX-License-Identifier: GPL-2.0-only */
/* Internals shared by the gate's lib/ files. */
#ifndef AGW_GATE_PRIV_H
#define AGW_GATE_PRIV_H

#include <limits.h>

#include "agw/gate.h"

struct agw_syn_gate;

enum gate_map {
	GM_TERMS,
	GM_ALLOW,
	GM_TSTATS,
	GM_GSTATS,
	GM_CONFIG,
	GM_IFACES,
	GM_SLOTS,
	GM_MAX,
};

struct agw_gate {
	char pin_dir[PATH_MAX];
	int map_fd[GM_MAX];
	struct agw_syn_gate *skel; /* loaded on demand for programs */
	uint32_t capacity;
	int ncpus;
	/* slot allocator: one bit per agw_term_stats index */
	uint64_t *slot_used;
	uint32_t slot_hint;
	/* one (jiffies, CLOCK_MONOTONIC) sample, see gate_clock.c */
	uint64_t clock_jiffies;
	uint64_t clock_ns;
	uint32_t clock_hz; /* 0: not sampled yet */
};

extern const char *const agw_gate_map_names[GM_MAX];

int agw_gate_load_skel(struct agw_gate *g);
int agw_gate_jiffies_to_mono(struct agw_gate *g, uint64_t jiffies,
			     uint64_t *mono_ns);
int agw_gate_pin_path(const struct agw_gate *g, const char *name, char *buf,
		      size_t len);

#endif /* AGW_GATE_PRIV_H */
