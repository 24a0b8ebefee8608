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
	GM_INSTANCE,
	GM_H248,
	GM_DROPS,
	GM_BUCKET,
	GM_MAX,
};

/* The programs of bpf/syn_gate.bpf.c, each loaded on its own when needed,
 * so that a mode never leaves another mode's program loaded. */
enum gate_prog {
	GP_NONE = 0, /* maps only */
	GP_XDP,
	GP_TC,
	GP_CLOCK,
	GP_MAX,
};

struct agw_gate_lock {
	char pin_dir[PATH_MAX];
	int fd; /* the pin directory, flock(LOCK_EX) */
	uint64_t instance;
};

struct agw_gate {
	char pin_dir[PATH_MAX];
	int map_fd[GM_MAX];
	struct agw_syn_gate *prog[GP_MAX]; /* loaded on demand */
	uint32_t capacity;
	int ncpus;
	struct agw_owner owner; /* written into what this handle creates */
	bool locked; /* owner is the agwd instance holding the lock */
	bool force;
	/* slot allocator: one bit per agw_term_stats index */
	uint64_t *slot_used;
	uint32_t slot_hint;
	/* one (jiffies, CLOCK_MONOTONIC) sample, see gate_clock.c */
	uint64_t clock_jiffies;
	uint64_t clock_ns;
	uint32_t clock_hz; /* 0: not sampled yet */
};

extern const char *const agw_gate_map_names[GM_MAX];

/* Opens the BPF object with the maps pinned under the pin directory and
 * only program `which` set to load; the caller loads (or hands it to
 * libxdp) and destroys it. */
int agw_gate_skel_open(struct agw_gate *g, enum gate_prog which,
		       struct agw_syn_gate **out);
/* Loads program `which` once per handle (maps reused from the pins). */
int agw_gate_load_prog(struct agw_gate *g, enum gate_prog which);
int agw_gate_prog_fd_of(struct agw_gate *g, enum gate_prog which);
int agw_gate_jiffies_to_mono(struct agw_gate *g, uint64_t jiffies,
			     uint64_t *mono_ns);
int agw_gate_clock_hz(struct agw_gate *g, uint32_t *hz);
int agw_gate_pin_path(const struct agw_gate *g, const char *name, char *buf,
		      size_t len);

/* Writes the handle's owner: the lock's agwd instance, recorded in
 * agw_instance, or the operator. */
int agw_gate_owner_init(struct agw_gate *g, struct agw_gate_lock *lock);
/* Read-modify-write of agw_gate_cfg with hz filled in. */
int agw_gate_config_update(struct agw_gate *g,
			   void (*edit)(struct agw_gate_cfg *, const void *),
			   const void *arg);

/* Ownership (gate_owner.c). The live instance is looked up once per
 * operation: live_instance 0 means "no agwd runs". */
struct owner_view {
	uint64_t live_instance;
};
int agw_gate_owner_view(struct agw_gate *g, struct owner_view *v);
enum agw_owner_state agw_gate_owner_state(const struct agw_gate *g,
					  const struct owner_view *v,
					  const struct agw_owner *o);
/* 0 when the handle may change what o owns, else -EBUSY or -EPERM. */
int agw_gate_owner_check(struct agw_gate *g, const struct agw_owner *o);
/* Calls cb for every entry of agw_terms; a non-zero return stops. */
int agw_gate_terms_walk(struct agw_gate *g,
			int (*cb)(struct agw_gate *g,
				  const struct agw_term_key *,
				  const struct agw_term *, void *),
			void *ctx);
/* Removes an entry and its slot claim (no ownership check). */
int agw_gate_term_remove(struct agw_gate *g, const struct agw_term_key *k,
			 const struct agw_term *t);

#endif /* AGW_GATE_PRIV_H */
