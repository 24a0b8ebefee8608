// SPDX-License-Identifier: GPL-2.0-only
/*
 * agwd's SYN gate: bring-up (bpffs, pinned maps opened with the instance
 * lock, the reconcile of what a dead agwd left, attach to each realm's
 * interface) and teardown (its own entries and attachments only), and
 * each termination's entry: the gate mode and allow rule its profile
 * properties and Remote ask for (Documentation/gate.md,
 * Documentation/robustness.md, Documentation/h248-profile.md).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/vfs.h>

#include "agw/log.h"
#include "ctx.h"
#include "metrics.h"

#define BPF_FS_MAGIC_NUMBER 0xcafe4a11

/*
 * "ip netns exec" gives a fresh /sys without bpffs: mount one there (in
 * that private mount namespace) so that the gate can pin its maps.
 */
void agwd_ensure_bpffs(const char *pin_dir)
{
	struct statfs sf;

	if (strncmp(pin_dir, "/sys/fs/bpf/", 12) ||
	    (!statfs("/sys/fs/bpf", &sf) &&
	     (unsigned long)sf.f_type == BPF_FS_MAGIC_NUMBER))
		return;
	if (mount("bpf", "/sys/fs/bpf", "bpf", 0, NULL))
		agw_warn("bpffs not mounted on /sys/fs/bpf: %s",
			 strerror(errno));
	else
		agw_info("mounted bpffs on /sys/fs/bpf");
}

/* The port pool's question (agw_portpool_alloc_bound): a gate entry
 * on (addr, port) that is not agwd's own, since agwd's own ports are
 * taken in the pool: an operator's (agwctl gate term add), made
 * before or while agwd runs. */
static bool port_held(void *arg, const struct agw_sockaddr *a, uint16_t port)
{
	struct agwd *d = arg;
	struct agw_gate_term_info gi;
	struct agw_addr addr;
	uint16_t p;

	agw_addr_from_sockaddr(&a->ss, &addr, &p);
	return !agw_gate_term_get(d->gate, &addr, port, &gi);
}

struct kept_walk {
	struct agwd *d;
	unsigned int logged;
};

/* Each entry agwd keeps but does not own, in the log (the first 16). */
static int log_kept(const struct agw_gate_entry *e, void *arg)
{
	struct kept_walk *w = arg;
	char a[AGW_ADDRSTRLEN];

	if (e->owner_state == AGW_OWNED_SELF || w->logged++ >= 16)
		return 0;
	agw_notice("gate: kept %s entry %s port %u (%s): its port is not used",
		   agw_owner_state_name(e->owner_state),
		   agw_addr_str(&e->local, a, sizeof(a)), e->port,
		   agw_gate_mode_name(e->mode));
	return 0;
}

/*
 * What a dead agwd left (it crashed or was killed) goes: its entries
 * would admit SYNs to ports nobody serves. Nothing is adopted (no
 * termination outlives its agwd); the MGC learns it from the
 * registration (ServiceChange Restart, 901 Cold Boot). Operator entries
 * stay and their ports are skipped.
 */
static int gate_reconcile(struct agwd *d)
{
	struct agw_gate_reconcile *r = &d->gate_rec;
	struct kept_walk w = { .d = d };
	int err;

	err = agw_gate_reconcile(d->gate, r);
	if (err) {
		agw_err("gate: reconcile of %s: %s", d->cfg.gate_pin_dir,
			strerror(-err));
		return err;
	}
	if (r->removed || r->stale_slots)
		agw_warn(
			"gate: removed %u entries of a dead agwd (open %u, filter %u, ignore %u) and %u stale slot claims: its terminations are gone (not adopted); registering with ServiceChange Restart",
			r->removed, r->removed_mode[AGW_MODE_OPEN],
			r->removed_mode[AGW_MODE_FILTER],
			r->removed_mode[AGW_MODE_IGNORE], r->stale_slots);
	if (r->kept_operator || r->kept_live) {
		agw_notice(
			"gate: kept %u operator entries (agwctl gate term add)%s",
			r->kept_operator,
			r->kept_operator > 16 ? ", the first 16 below" : "");
		agw_gate_entry_foreach(d->gate, log_kept, &w);
	}
	if (r->dead_ifaces)
		agw_notice(
			"gate: %u attachments of a dead agwd still in place (they drop SYNs without an entry); attaching adopts them",
			r->dead_ifaces);
	return 0;
}

/* Whether the gate is attached to ifindex (in this namespace) already. */
static int find_iface(const struct agw_gate_iface_info *i, void *arg)
{
	return i->this_netns && i->ifindex == *(int *)arg;
}

/*
 * The kernel's first line for the H.248 port: UDP only from the MGCs'
 * (address, port), TCP SYNs only from their addresses (Documentation/
 * gate.md). Called at start; again whenever the MGC list changes.
 */
int agwd_gate_h248_guard(struct agwd *d)
{
	struct agw_h248_mgc m[AGW_CFG_MAX_MGC] = {};
	uint16_t port = agw_sockaddr_port(&d->cfg.local);
	int err;

	for (unsigned int i = 0; i < d->cfg.nmgc; i++)
		agw_addr_from_sockaddr(&d->cfg.mgc[i].ss, &m[i].addr,
				       &m[i].port);
	err = agw_gate_h248_set(d->gate, &port, 1, m, d->cfg.nmgc);
	if (err)
		agw_warn(
			"gate: H.248 guard on port %u: %s (the user-space check stays)",
			port, strerror(-err));
	return err;
}

/* With the instance lock (main): nothing here runs in a second agwd. */
int agwd_gate_init(struct agwd *d)
{
	struct agw_gate_opts go = { .pin_dir = d->cfg.gate_pin_dir,
				    .max_terms = d->cfg.max_terminations,
				    .lock = d->gate_lock };
	struct agw_gate_cfg gc = { .port_min = 65535, .port_max = 0 };
	int err;

	err = agw_gate_open(&go, &d->gate);
	if (err) {
		agw_err("gate (pins in %s): %s", d->cfg.gate_pin_dir,
			strerror(-err));
		return err;
	}
	err = gate_reconcile(d);
	if (err)
		return err;
	for (unsigned int i = 0; i < d->cfg.nrealms; i++) {
		if (d->cfg.realms[i].port_min < gc.port_min)
			gc.port_min = d->cfg.realms[i].port_min;
		if (d->cfg.realms[i].port_max > gc.port_max)
			gc.port_max = d->cfg.realms[i].port_max;
	}
	err = agw_gate_config_set(d->gate, &gc);
	if (err)
		return err;
	agwd_gate_h248_guard(d);
	for (unsigned int i = 0; i < agw_realms_count(d->realms); i++) {
		struct agw_realm *r = agw_realms_get(d->realms, i);
		enum agw_attach_mode got;
		int ifindex = r->ifindex;

		r->ports.held = port_held;
		r->ports.held_arg = d;
		/* NONE means "not attached" here, not the gate's default */
		if (r->cfg->attach == AGW_ATTACH_NONE || !r->ifindex)
			continue;
		d->gate_attached_new[i] =
			agw_gate_iface_foreach(d->gate, find_iface, &ifindex) ==
			0;
		err = agw_gate_attach(d->gate, r->ifindex, r->cfg->attach,
				      &got);
		if (err) {
			d->gate_attached_new[i] = false;
			agw_err("gate: attach to %s (%s): %s", r->cfg->ifname,
				agw_attach_mode_name(r->cfg->attach),
				strerror(-err));
			return err;
		}
		agw_info("gate attached to %s as %s%s", r->cfg->ifname,
			 agw_attach_mode_name(got),
			 d->gate_attached_new[i] ?
				 "" :
				 " (the attachment in place)");
	}
	return 0;
}

/*
 * A clean stop removes this instance's entries and attachments; a failed
 * start only what it attached itself (it adopted nothing else). The
 * lock goes after this (main).
 */
void agwd_gate_fini(struct agwd *d)
{
	int n;

	if (!d->gate)
		return;
	n = agw_gate_release_own(d->gate);
	if (n > 0)
		agw_info("gate: released %d entries at stop", n);
	else if (n < 0)
		agw_warn("gate: release of own entries: %s", strerror(-n));
	for (unsigned int i = 0; i < agw_realms_count(d->realms); i++) {
		struct agw_realm *r = agw_realms_get(d->realms, i);

		r->ports.held = NULL;
		if (r->cfg->attach == AGW_ATTACH_NONE || !r->ifindex ||
		    (!d->started && !d->gate_attached_new[i]))
			continue;
		n = agw_gate_detach(d->gate, r->ifindex);
		if (n && n != -ENOENT)
			agw_warn("gate: detach from %s: %s", r->cfg->ifname,
				 strerror(-n));
	}
	agw_gate_close(d->gate);
	d->gate = NULL;
}

/* Gate mode and allow rule the properties and the Remote ask for. */
static enum agw_gate_mode want_mode(const struct agwd_term_props *p,
				    bool has_remote,
				    const struct agw_sockaddr *remote,
				    struct agw_allow *rule, unsigned int *nrule)
{
	uint16_t rport;

	*nrule = 0;
	if (p->synign)
		return AGW_MODE_IGNORE;
	if (!p->saf && !p->spf)
		return AGW_MODE_OPEN;
	memset(rule, 0, sizeof(*rule));
	rule->port_lo = 0;
	rule->port_hi = 65535;
	if (p->saf) {
		if (p->has_sam) {
			rule->addr = p->sam;
			rule->prefix_len = p->sam_prefix;
		} else if (has_remote) {
			agw_addr_from_sockaddr(&remote->ss, &rule->addr,
					       &rport);
			rule->prefix_len = agw_addr_is_v4(&rule->addr) ? 32 :
									 128;
		} else {
			return AGW_MODE_FILTER; /* nothing known: no rule */
		}
	} else {
		/* port filtering only: any address of the family */
		struct agw_addr any = { 0 };

		if (has_remote) {
			agw_addr_from_sockaddr(&remote->ss, &rule->addr,
					       &rport);
			any = rule->addr;
		}
		memset(rule->addr.a, 0, 16);
		if (agw_addr_is_v4(&any))
			rule->addr = any, memset(rule->addr.a + 12, 0, 4);
		rule->prefix_len = 0;
	}
	if (p->spf) {
		if (p->has_spr) {
			rule->port_lo = p->spr_lo;
			rule->port_hi = p->spr_hi;
		} else if (has_remote) {
			rule->port_lo = rule->port_hi =
				agw_sockaddr_port(remote);
		}
	}
	*nrule = 1;
	return AGW_MODE_FILTER;
}

/* Write mode and rules in one change; on failure the entry is as it
 * was. */
static int gate_apply(struct agwd *d, struct agwd_term *t,
		      enum agw_gate_mode mode, const struct agw_allow *rule,
		      unsigned int nrule, struct agwd_err *e)
{
	int err;

	if (mode != AGW_MODE_FILTER && mode == t->gmode)
		return 0;
	err = agw_gate_term_apply(d->gate, &t->local_addr, t->port, mode, rule,
				  nrule);
	if (err)
		return agwd_errf(e, H248_E_INTERNAL, "gate %s: %s",
				 mode == AGW_MODE_FILTER ? "allow list" :
							   "mode",
				 strerror(-err));
	t->gmode = mode;
	return 0;
}

/*
 * The termination's gate entry, in the mode and with the rule its
 * properties and Remote ask for. On failure there is no entry.
 */
int agwd_gate_term_add(struct agwd *d, struct agwd_term *t, struct agwd_err *e)
{
	struct agw_allow rule;
	unsigned int nrule;
	enum agw_gate_mode mode;
	int r;

	mode = want_mode(&t->p, t->has_remote, &t->remote, &rule, &nrule);
	/* mode and allow list in the entry's first write */
	r = agw_gate_term_add_rules(d->gate, &t->local_addr, t->port, mode,
				    &rule, nrule, &t->gate_slot);
	if (r == -EEXIST)
		return agwd_errf(
			e, H248_E_RESOURCES,
			"gate entry: port %u has an entry agwd does not own",
			t->port);
	if (r)
		return agwd_errf(
			e, r == -ENOSPC ? H248_E_RESOURCES : H248_E_INTERNAL,
			"gate entry: %s", strerror(-r));
	t->gate_added = true;
	t->gmode = mode;
	return 0;
}

/* Apply properties p and the Remote (if any) to the entry; on failure
 * the entry is as it was. */
int agwd_gate_term_update(struct agwd *d, struct agwd_term *t,
			  const struct agwd_term_props *p, bool has_remote,
			  const struct agw_sockaddr *remote, struct agwd_err *e)
{
	struct agw_allow rule;
	unsigned int nrule;
	enum agw_gate_mode mode;

	if (!t->gate_added)
		return 0;
	mode = want_mode(p, has_remote, remote, &rule, &nrule);
	return gate_apply(d, t, mode, &rule, nrule, e);
}

void agwd_gate_term_del(struct agwd *d, struct agwd_term *t)
{
	struct agw_term_counters c;

	if (!t->gate_added)
		return;
	if (!agw_gate_term_del_counters(d->gate, &t->local_addr, t->port, &c))
		agwd_metric_term_gone(d, t, &c);
	t->gate_added = false;
}

/* SYNs the gate admitted [0] and dropped [1] for the termination. */
void agwd_gate_term_syns(struct agwd *d, struct agwd_term *t, uint64_t syn[2])
{
	struct agw_term_counters c;

	syn[0] = syn[1] = 0;
	/* the entry is agwd's (instance lock) until agwd deletes it: its
	 * slot is the one it got */
	if (t->gate_added &&
	    !agw_gate_slot_counters(d->gate, t->gate_slot, &c)) {
		syn[0] = c.syn_admitted;
		syn[1] = c.syn_dropped;
	}
}
