// SPDX-License-Identifier: GPL-2.0-only
/*
 * agwd's SYN gate: bring-up (bpffs, pinned maps, attach to each realm's
 * interface) and teardown, and each termination's entry: the gate mode
 * and allow rule its profile properties and Remote ask for
 * (Documentation/gate.md, Documentation/h248-profile.md).
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

int agwd_gate_init(struct agwd *d)
{
	struct agw_gate_opts go = { .pin_dir = d->cfg.gate_pin_dir,
				    .max_terms = d->cfg.max_terminations };
	struct agw_gate_cfg gc = { .port_min = 65535, .port_max = 0 };
	int err;

	agwd_ensure_bpffs(d->cfg.gate_pin_dir);
	err = agw_gate_open(&go, &d->gate);
	if (err) {
		agw_err("gate (pins in %s): %s", d->cfg.gate_pin_dir,
			strerror(-err));
		return err;
	}
	for (unsigned int i = 0; i < d->cfg.nrealms; i++) {
		if (d->cfg.realms[i].port_min < gc.port_min)
			gc.port_min = d->cfg.realms[i].port_min;
		if (d->cfg.realms[i].port_max > gc.port_max)
			gc.port_max = d->cfg.realms[i].port_max;
	}
	err = agw_gate_config_set(d->gate, &gc);
	if (err)
		return err;
	for (unsigned int i = 0; i < agw_realms_count(d->realms); i++) {
		struct agw_realm *r = agw_realms_get(d->realms, i);
		enum agw_attach_mode got;

		/* NONE means "not attached" here, not the gate's default */
		if (r->cfg->attach == AGW_ATTACH_NONE || !r->ifindex)
			continue;
		err = agw_gate_attach(d->gate, r->ifindex, r->cfg->attach,
				      &got);
		if (err) {
			agw_err("gate: attach to %s (%s): %s", r->cfg->ifname,
				agw_attach_mode_name(r->cfg->attach),
				strerror(-err));
			return err;
		}
		agw_info("gate attached to %s as %s", r->cfg->ifname,
			 agw_attach_mode_name(got));
	}
	return 0;
}

void agwd_gate_fini(struct agwd *d)
{
	if (!d->gate)
		return;
	for (unsigned int i = 0; i < agw_realms_count(d->realms); i++) {
		struct agw_realm *r = agw_realms_get(d->realms, i);

		if (r->cfg->attach != AGW_ATTACH_NONE && r->ifindex)
			agw_gate_detach(d->gate, r->ifindex);
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

/* Write mode and rules; on failure the entry is as it was. */
static int gate_apply(struct agwd *d, struct agwd_term *t,
		      enum agw_gate_mode mode, const struct agw_allow *rule,
		      unsigned int nrule, struct agwd_err *e)
{
	int err;

	if (mode == AGW_MODE_FILTER) {
		err = agw_gate_allow_set(d->gate, &t->local_addr, t->port, rule,
					 nrule);
		if (err)
			return agwd_errf(e, 500, "gate allow list: %s",
					 strerror(-err));
	}
	if (mode != t->gmode) {
		err = agw_gate_term_set_mode(d->gate, &t->local_addr, t->port,
					     mode);
		if (err)
			return agwd_errf(e, 500, "gate mode: %s",
					 strerror(-err));
	}
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
	r = agw_gate_term_add(d->gate, &t->local_addr, t->port, mode);
	if (r)
		return agwd_errf(e, r == -ENOSPC ? 510 : 500, "gate entry: %s",
				 strerror(-r));
	t->gate_added = true;
	t->gmode = mode;
	if (mode == AGW_MODE_FILTER &&
	    (r = gate_apply(d, t, mode, &rule, nrule, e))) {
		agwd_gate_term_del(d, t);
		return r;
	}
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
	if (!t->gate_added)
		return;
	agwd_metric_term_gone(d, t);
	agw_gate_term_del(d->gate, &t->local_addr, t->port);
	t->gate_added = false;
}

/* SYNs the gate admitted [0] and dropped [1] for the termination. */
void agwd_gate_term_syns(struct agwd *d, struct agwd_term *t, uint64_t syn[2])
{
	struct agw_gate_term_info gi;

	syn[0] = syn[1] = 0;
	if (t->gate_added &&
	    !agw_gate_term_get(d->gate, &t->local_addr, t->port, &gi)) {
		syn[0] = gi.counters.syn_admitted;
		syn[1] = gi.counters.syn_dropped;
	}
}
