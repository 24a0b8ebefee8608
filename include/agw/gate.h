/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * User-space control of the SYN gate (bpf/syn_gate.bpf.c): load and pin the
 * maps, attach to interfaces, manage terminations and allow lists, own
 * them (the single-instance lock, reconcile after a crash), guard the
 * H.248 port and read the drop records.
 *
 * Every function returns 0 (or a count) on success and -errno on failure.
 * A handle holds no state that the pinned maps do not also hold, except
 * the slot allocator, which it rebuilds from the maps when opened: several
 * handles (agwd, agwctl) may coexist and add terminations at once.
 *
 * Ownership: a handle opened with a lock (agw_gate_opts.lock) acts for
 * that agwd instance; any other handle acts for the operator. A handle
 * may change or remove an entry or an attachment it owns, or one of a
 * dead agwd instance; one of a running agwd instance only with force
 * (-EBUSY otherwise); an agwd handle never touches the operator's
 * (-EPERM).
 */
#ifndef AGW_GATE_H
#define AGW_GATE_H

#include <stdbool.h>
#include <stdint.h>

#include "agw/addr.h"
#include "agw/gate_maps.h"

struct agw_gate;

struct agw_gate_lock;

struct agw_gate_opts {
	const char *pin_dir; /* NULL: AGW_PIN_DIR */
	/* Capacity when the maps are created; pinned maps keep theirs. */
	uint32_t max_terms; /* 0: AGW_TERMS_DEFAULT */
	/* The instance lock of pin_dir (agw_gate_lock): the handle acts for
	 * that agwd instance, and opening it records the instance (with a
	 * new generation) in agw_instance. NULL: the operator. */
	struct agw_gate_lock *lock;
	/* Skip the ownership checks (agwctl --force). */
	bool force;
};

/* Whose an entry or attachment is, as seen by a handle. */
enum agw_owner_state {
	AGW_OWNED_OPERATOR = 0, /* the operator's (or not recorded) */
	AGW_OWNED_SELF = 1, /* this handle's agwd instance */
	AGW_OWNED_LIVE = 2, /* another agwd instance, running */
	AGW_OWNED_DEAD = 3, /* an agwd instance that is gone */
};

/* Who holds a pin directory's lock, as agw_instance records it. */
struct agw_gate_holder {
	uint64_t instance;
	uint32_t generation;
	uint32_t pid;
	uint64_t started_ns; /* CLOCK_REALTIME */
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
	uint64_t syn_dropped; /* the sum of drops[] */
	/* by reason: IGNORE, FILTER, FRAGMENT and PARSE can occur */
	uint64_t drops[AGW_DROP_MAX];
	uint64_t last_syn_ns; /* CLOCK_MONOTONIC, 1/HZ resolution; 0: none */
	struct agw_addr last_src;
	uint16_t last_sport;
	bool last_admitted;
	enum agw_drop_reason last_reason; /* AGW_DROP_NONE when admitted */
};

struct agw_gate_term_info {
	struct agw_addr local;
	uint16_t port;
	enum agw_gate_mode mode;
	uint32_t slot;
	struct agw_owner owner;
	enum agw_owner_state owner_state;
	unsigned int nallow;
	struct agw_allow allow[AGW_ALLOW_MAX];
	struct agw_term_counters counters;
};

/* An entry without its counters and rules (agw_gate_entry_foreach). */
struct agw_gate_entry {
	struct agw_addr local;
	uint16_t port;
	enum agw_gate_mode mode;
	struct agw_owner owner;
	enum agw_owner_state owner_state;
};

struct agw_gate_iface_info {
	int ifindex;
	char ifname[16];
	uint64_t netns; /* inode of its network namespace */
	bool this_netns; /* the caller's namespace */
	enum agw_attach_mode mode;
	bool skb_mode; /* XDP_MULTI: the dispatcher runs in generic mode */
	uint32_t prog_id;
	struct agw_owner owner;
	enum agw_owner_state owner_state;
};

/* What agw_gate_reconcile found and did. */
struct agw_gate_reconcile {
	unsigned int removed; /* entries of dead agwd instances removed */
	unsigned int removed_mode[AGW_MODE_MAX];
	unsigned int stale_slots; /* slot claims of dead instances freed */
	unsigned int kept_operator; /* operator entries, kept */
	unsigned int kept_live; /* entries of a running instance, kept */
	/* attachments of dead instances: left in place (a gate without
	 * entries drops every SYN into the media range); attaching the same
	 * interface adopts them */
	unsigned int dead_ifaces;
};

/* One H.248 peer the guard admits: UDP from (addr, port), TCP SYNs from
 * addr. port 0 admits UDP from any source port of addr. */
struct agw_h248_mgc {
	struct agw_addr addr;
	uint16_t port;
};

/* One drop record (agw_gate_monitor). */
struct agw_drop_event {
	uint64_t time_ns; /* CLOCK_MONOTONIC */
	struct agw_addr src, dst;
	uint16_t sport, dport;
	enum agw_drop_reason reason;
	uint32_t slot; /* UINT32_MAX: no termination */
	uint32_t suppressed; /* withheld on that CPU since its last record */
	uint8_t proto; /* IPPROTO_TCP, IPPROTO_UDP, 0: not parsed */
};

/* Global counters, user-space names for struct agw_gate_stats' members. */
enum agw_gate_counter {
	AGW_G_PARSE_ERR = 0,
	AGW_G_NO_TERM_DROP,
	AGW_G_FRAGMENTS,
	AGW_G_FRAG_SYN_DROP,
	AGW_G_SYN_PASS_OTHER,
	AGW_G_H248_UDP_ADDR,
	AGW_G_H248_UDP_PORT,
	AGW_G_H248_SYN_ADDR,
	AGW_G_MON_RECORDS,
	AGW_G_MON_SUPPRESSED,
	AGW_G_MON_RING_FULL,
	AGW_G_MAX,
};

/* ---- the single-instance lock (gate_owner.c) ------------------------------
 *
 * agwd takes it before anything touches BPF: flock(LOCK_EX) on the pin
 * directory itself (created 0700 when absent; bpffs holds no regular
 * files), so it guards exactly the state it names, whatever state_dir
 * says. The kernel drops it when the process dies, however it dies: an
 * agwd instance is alive exactly while its lock is held.
 */

/* Takes the lock and draws a random instance id; -EBUSY when another
 * process holds it, with *holder (when given) naming it as agw_instance
 * records it (zeroed when the maps do not exist yet). */
int agw_gate_lock(const char *pin_dir, struct agw_gate_lock **out,
		  struct agw_gate_holder *holder);
void agw_gate_unlock(struct agw_gate_lock *l);
uint64_t agw_gate_lock_instance(const struct agw_gate_lock *l);
/* 1 when some process holds pin_dir's lock (then *holder as above),
 * 0 when none does, -errno. Takes nothing. */
int agw_gate_lock_probe(const char *pin_dir, struct agw_gate_holder *holder);

/* Opens the pinned maps, creating and pinning them when absent. */
int agw_gate_open(const struct agw_gate_opts *opts, struct agw_gate **out);
/* Opens existing pins only; -ENOENT when the gate is not loaded. */
int agw_gate_open_existing(const struct agw_gate_opts *opts,
			   struct agw_gate **out);
void agw_gate_close(struct agw_gate *g);
uint32_t agw_gate_capacity(const struct agw_gate *g);

/*
 * Attaches the gate to ifindex (in the caller's network namespace). want
 * is XDP_MULTI (libxdp's dispatcher only), XDP_NATIVE, XDP_GENERIC, TCX,
 * TC (clsact + cls_bpf), TC_AUTO (tcx where the kernel has it, else
 * clsact) or NONE: libxdp's dispatcher, else an XDP link, native before
 * generic. *got reports the mode in effect; every fallback is logged.
 * Attaching again in the same mode is a no-op; another mode replaces the
 * old attachment; a foreign XDP program that is not in a dispatcher gives
 * -EBUSY. An attachment of a running agwd instance is not the caller's to
 * replace (-EBUSY); one of a dead instance is adopted.
 */
int agw_gate_attach(struct agw_gate *g, int ifindex, enum agw_attach_mode want,
		    enum agw_attach_mode *got);
/* Detaches what the gate attached to ifindex: -ENOENT when nothing,
 * -EBUSY when a running agwd instance other than the caller's owns it,
 * -EPERM for an agwd handle and the operator's attachment. */
int agw_gate_detach(struct agw_gate *g, int ifindex);
/* Detaches from every recorded interface, in any network namespace, and
 * removes the pins. -EBUSY while an agwd instance holds the lock (unless
 * force). The handle must still be closed. */
int agw_gate_unload(struct agw_gate *g);
int agw_gate_iface_foreach(struct agw_gate *g,
			   int (*cb)(const struct agw_gate_iface_info *,
				     void *),
			   void *ctx);

int agw_gate_config_get(struct agw_gate *g, struct agw_gate_cfg *cfg);
/* Sets the media range and flags (port_min, port_max, flags); the other
 * members have their own setters and are kept. */
int agw_gate_config_set(struct agw_gate *g, const struct agw_gate_cfg *cfg);

int agw_gate_term_add(struct agw_gate *g, const struct agw_addr *local,
		      uint16_t port, enum agw_gate_mode mode);
/* agw_gate_term_add with its allow list (n rules) written at once; the
 * entry's counter slot in *slot (if not NULL). */
int agw_gate_term_add_rules(struct agw_gate *g, const struct agw_addr *local,
			    uint16_t port, enum agw_gate_mode mode,
			    const struct agw_allow *rules, unsigned int n,
			    uint32_t *slot);
int agw_gate_term_set_mode(struct agw_gate *g, const struct agw_addr *local,
			   uint16_t port, enum agw_gate_mode mode);
/*
 * Mode and, for AGW_MODE_FILTER, the allow list (n rules) in one change:
 * the list goes to the idle copy and the entry switches to it and the
 * mode with one write. Other modes keep the list. On failure the entry
 * is as it was.
 */
int agw_gate_term_apply(struct agw_gate *g, const struct agw_addr *local,
			uint16_t port, enum agw_gate_mode mode,
			const struct agw_allow *rules, unsigned int n);
/* agw_gate_term_del that reads the entry's counters (c, if not NULL)
 * on the way. */
int agw_gate_term_del_counters(struct agw_gate *g, const struct agw_addr *local,
			       uint16_t port, struct agw_term_counters *c);
/* The counters of the entry that has counter slot slot (one read: for
 * the entry's owner, who knows its slot from agw_gate_term_add_rules). */
int agw_gate_slot_counters(struct agw_gate *g, uint32_t slot,
			   struct agw_term_counters *c);
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

/* ---- ownership (gate_owner.c) --------------------------------------------*/

/* The owner the handle writes into new entries; its state is SELF or
 * OPERATOR. */
const struct agw_owner *agw_gate_owner(const struct agw_gate *g);
/* At agwd's start, with the lock: removes every entry and slot claim of
 * a dead agwd instance, so that no entry admits a SYN to a port no live
 * owner holds, and reports what it found. Without a lock it does the
 * same for the operator when no agwd runs (-EBUSY when one does). */
int agw_gate_reconcile(struct agw_gate *g, struct agw_gate_reconcile *out);
/* Calls cb for every entry, without counters: agwd's port pool skips the
 * ports of every entry that is not its own (owner_state != SELF). */
int agw_gate_entry_foreach(struct agw_gate *g,
			   int (*cb)(const struct agw_gate_entry *, void *),
			   void *ctx);
/* agwd's clean stop: removes every entry the handle's instance owns;
 * returns how many. -EINVAL for a handle without a lock. */
int agw_gate_release_own(struct agw_gate *g);
const char *agw_owner_state_name(enum agw_owner_state s);

/* ---- the H.248 guard (gate_guard.c) --------------------------------------*/

/* Guards ports (UDP datagrams and TCP SYNs to them, on any local address)
 * and admits only mgcs; nports 0 turns the guard off. New MGCs are
 * admitted before the ports change and old ones go last, so an MGC in
 * both lists never sees a drop. -EINVAL for a port 0, -E2BIG for more
 * than AGW_H248_PORTS_MAX ports or AGW_H248_MGC_MAX MGCs. */
int agw_gate_h248_set(struct agw_gate *g, const uint16_t *ports,
		      unsigned int nports, const struct agw_h248_mgc *mgcs,
		      unsigned int nmgcs);
/* Reads the guard back: up to AGW_H248_PORTS_MAX ports and max MGCs. */
int agw_gate_h248_get(struct agw_gate *g, uint16_t *ports, unsigned int *nports,
		      struct agw_h248_mgc *mgcs, unsigned int max,
		      unsigned int *nmgcs);

/* ---- drop records (gate_monitor.c) ---------------------------------------*/

/* Drop records: up to rate per second and burst at once, per CPU,
 * enforced in the kernel; rate 0 turns them off. -EINVAL above
 * 1,000,000. */
int agw_gate_monitor_set(struct agw_gate *g, uint32_t rate, uint32_t burst);

struct agw_gate_monitor;
/* Reads agw_drops; cb gets each record (a negative return stops the
 * poll, which returns it). One reader at a time: two would split the
 * records between them. */
int agw_gate_monitor_open(struct agw_gate *g,
			  int (*cb)(const struct agw_drop_event *, void *),
			  void *ctx, struct agw_gate_monitor **out);
/* An fd for poll/epoll, readable when records wait. */
int agw_gate_monitor_fd(const struct agw_gate_monitor *m);
/* Waits up to timeout_ms (0: no wait) and hands over what is there;
 * returns the number of records or -errno. */
int agw_gate_monitor_poll(struct agw_gate_monitor *m, int timeout_ms);
void agw_gate_monitor_close(struct agw_gate_monitor *m);
/*
 * A drop record's members into w's open object: time_ns (wall clock),
 * reason, proto ("tcp", "udp", "-"), src and dst ("A:P", "[A6]:P"), slot
 * (null: no termination), suppressed (agwctl gate monitor -j, and the
 * drop events agwd pushes to agwctl monitor).
 */
struct agw_json;
void agw_drop_event_json(struct agw_json *w, const struct agw_drop_event *ev);
const char *agw_drop_reason_name(enum agw_drop_reason r);

/* Global counters summed over CPUs. */
int agw_gate_global_stats(struct agw_gate *g, struct agw_gate_stats *out);
uint64_t agw_gate_counter_value(const struct agw_gate_stats *st,
				enum agw_gate_counter c);

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
