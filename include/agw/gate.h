/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * User-space control of the SYN gate (bpf/syn_gate.bpf.c): load and pin the
 * maps, attach to interfaces, and manage terminations and allow lists.
 *
 * Every function returns 0 (or a count) on success and -errno on failure.
 * A handle holds no state that the pinned maps do not also hold, except
 * the slot allocator, which it rebuilds from the maps when opened: several
 * handles (agwd, agwctl) may coexist, but only one should add terminations
 * at a time.
 */
#ifndef AGW_GATE_H
#define AGW_GATE_H

#include <stdbool.h>
#include <stdint.h>

#include "agw/addr.h"
#include "agw/gate_maps.h"

struct agw_gate;

struct agw_gate_opts {
	const char *pin_dir; /* NULL: AGW_PIN_DIR */
	/* Capacity when the maps are created; pinned maps keep theirs. */
	uint32_t max_terms; /* 0: AGW_TERMS_DEFAULT */
};

/* One allowed remote: an address prefix (in its own family's bits) and an
 * inclusive source port range (0-65535 for any port). */
struct agw_allow {
	struct agw_addr addr;
	int prefix_len;
	uint16_t port_lo;
	uint16_t port_hi;
};

struct agw_term_counters {
	uint64_t syn_admitted;
	uint64_t syn_dropped;
	uint64_t last_syn_ns; /* CLOCK_MONOTONIC, 1/HZ resolution; 0: none */
	struct agw_addr last_src;
	uint16_t last_sport;
	bool last_admitted;
};

struct agw_gate_term_info {
	struct agw_addr local;
	uint16_t port;
	enum agw_gate_mode mode;
	uint32_t slot;
	unsigned int nallow;
	struct agw_allow allow[AGW_ALLOW_MAX];
	struct agw_term_counters counters;
};

struct agw_gate_iface_info {
	int ifindex;
	char ifname[16];
	uint64_t netns; /* inode of its network namespace */
	bool this_netns; /* the caller's namespace */
	enum agw_attach_mode mode;
	uint32_t prog_id;
};

/* Opens the pinned maps, creating and pinning them when absent. */
int agw_gate_open(const struct agw_gate_opts *opts, struct agw_gate **out);
/* Opens existing pins only; -ENOENT when the gate is not loaded. */
int agw_gate_open_existing(const struct agw_gate_opts *opts,
			   struct agw_gate **out);
void agw_gate_close(struct agw_gate *g);
uint32_t agw_gate_capacity(const struct agw_gate *g);

/*
 * Attaches the gate to ifindex (in the caller's network namespace). want is XDP_NATIVE, XDP_GENERIC, TCX, TC
 * (clsact + cls_bpf), TC_AUTO (tcx where the kernel has it, else clsact)
 * or NONE for "XDP native, falling back to generic". *got reports the mode in effect. Attaching again in
 * the same mode is a no-op; another mode replaces the old attachment; a
 * foreign XDP program gives -EBUSY.
 */
int agw_gate_attach(struct agw_gate *g, int ifindex, enum agw_attach_mode want,
		    enum agw_attach_mode *got);
int agw_gate_detach(struct agw_gate *g, int ifindex);
/* Detaches from every recorded interface, in any network namespace, and
 * removes the pins. The handle must still be closed. */
int agw_gate_unload(struct agw_gate *g);
int agw_gate_iface_foreach(struct agw_gate *g,
			   int (*cb)(const struct agw_gate_iface_info *,
				     void *),
			   void *ctx);

int agw_gate_config_get(struct agw_gate *g, struct agw_gate_cfg *cfg);
int agw_gate_config_set(struct agw_gate *g, const struct agw_gate_cfg *cfg);

int agw_gate_term_add(struct agw_gate *g, const struct agw_addr *local,
		      uint16_t port, enum agw_gate_mode mode);
int agw_gate_term_set_mode(struct agw_gate *g, const struct agw_addr *local,
			   uint16_t port, enum agw_gate_mode mode);
int agw_gate_term_del(struct agw_gate *g, const struct agw_addr *local,
		      uint16_t port);
int agw_gate_term_get(struct agw_gate *g, const struct agw_addr *local,
		      uint16_t port, struct agw_gate_term_info *info);
/* Calls cb for every termination; a non-zero return stops the walk and
 * is returned. */
int agw_gate_term_foreach(struct agw_gate *g,
			  int (*cb)(const struct agw_gate_term_info *, void *),
			  void *ctx);

/* Allow-list changes are atomic for the data path: it sees the old list
 * or the new one, never a mix. */
int agw_gate_allow_add(struct agw_gate *g, const struct agw_addr *local,
		       uint16_t port, const struct agw_allow *rule);
int agw_gate_allow_del(struct agw_gate *g, const struct agw_addr *local,
		       uint16_t port, const struct agw_allow *rule);
int agw_gate_allow_set(struct agw_gate *g, const struct agw_addr *local,
		       uint16_t port, const struct agw_allow *rules,
		       unsigned int n);

/* Global counters summed over CPUs, indexed by enum agw_gate_counter. */
int agw_gate_global_stats(struct agw_gate *g, struct agw_gate_stats *out);

/* Program fds for BPF_PROG_TEST_RUN and benchmarks (loaded on demand). */
int agw_gate_prog_fd(struct agw_gate *g, enum agw_attach_mode kind);

const char *agw_gate_mode_name(enum agw_gate_mode mode);
int agw_gate_mode_parse(const char *s, enum agw_gate_mode *mode);
const char *agw_attach_mode_name(enum agw_attach_mode mode);
int agw_attach_mode_parse(const char *s, enum agw_attach_mode *mode);
const char *agw_gate_counter_name(enum agw_gate_counter c);
/* Turns a CLOCK_MONOTONIC time from the counters into wall time
 * (nanoseconds since the epoch); 0 stays 0. */
uint64_t agw_gate_mono_to_real_ns(uint64_t mono_ns);

#endif /* AGW_GATE_H */
