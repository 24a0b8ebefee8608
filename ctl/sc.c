// SPDX-License-Identifier: GPL-2.0-only
/*
 * ServiceChange from the MGC (H.248.1 7.2.8, Documentation/h248-profile.md
 * "ServiceChange from the MGC") on ROOT and on terminations, and the drain
 * of a Graceful ServiceChange (the MGC's, or agwd's own on SIGTERM:
 * ctl/reg.c): no new Add while it runs, everything released at its end.
 */
#include <errno.h>
#include <string.h>

#include "agw/log.h"
#include "ctx.h"

/* The parameters of a ServiceChange request's Services descriptor. */
struct sc_req {
	enum h248_kw method;
	uint32_t delay_s;
	bool has_mgcid;
	struct h248_str mgcid;
};

static int parse_sc(struct agwd_exec *x, const struct h248_command *c,
		    struct sc_req *r)
{
	const struct h248_node *sv = h248_node_find(c->desc, H248_KW_SERVICES);
	const struct h248_node *n;

	memset(r, 0, sizeof(*r));
	n = sv ? h248_node_find(sv->child, H248_KW_METHOD) : NULL;
	if (!n || n->nv != 1)
		return agwd_errf(&x->e, H248_E_REQUIRED_INFO_MISSING,
				 "ServiceChange without Method");
	r->method = (enum h248_kw)n->v[0].kw;
	switch (r->method) {
	case H248_KW_FORCED:
	case H248_KW_GRACEFUL:
	case H248_KW_RESTART:
	case H248_KW_HANDOFF:
		break;
	case H248_KW_DISCONNECTED:
	case H248_KW_FAILOVER:
		return agwd_errf(
			&x->e, H248_E_UNKNOWN_VALUE,
			"ServiceChange Method %s is sent by an MG, not an MGC",
			h248_kw_long(r->method));
	default:
		return agwd_errf(&x->e, H248_E_UNKNOWN_VALUE,
				 "unknown ServiceChange Method %.*s",
				 (int)n->v[0].s.len, n->v[0].s.ptr);
	}
	n = h248_node_find(sv->child, H248_KW_DELAY);
	if (n && h248_node_uint(n, &r->delay_s))
		return agwd_errf(&x->e, H248_E_UNKNOWN_VALUE,
				 "ServiceChange Delay is not a number");
	n = h248_node_find(sv->child, H248_KW_MGCIDTOTRY);
	if (n && n->nv == 1) {
		r->has_mgcid = true;
		r->mgcid = n->v[0].s;
	}
	return 0;
}

/* ---- ROOT ---------------------------------------------------------------- */

static int sc_root(struct agwd_exec *x, const struct sc_req *r)
{
	struct agwd *d = x->d;
	int idx;

	switch (r->method) {
	case H248_KW_FORCED:
		agw_notice(
			"h248: ServiceChange Forced on ROOT: releasing %u contexts, out of service",
			d->tab.nctx);
		agw_timer_stop(d->loop, &d->drain_timer);
		agwd_ctx_release_all(d);
		d->draining = false;
		d->out_of_service = true;
		return 0;
	case H248_KW_GRACEFUL:
		agw_notice(
			"h248: ServiceChange Graceful on ROOT, Delay %u s: out of service",
			r->delay_s);
		d->out_of_service = true;
		if (r->delay_s)
			agwd_reg_drain(d, r->delay_s);
		return 0;
	case H248_KW_RESTART:
		if (d->shutting_down)
			return agwd_errf(&x->e, H248_E_SERVICE_UNAVAILABLE,
					 "agwd is shutting down");
		agw_notice("h248: ServiceChange Restart on ROOT: in service");
		agw_timer_stop(d->loop, &d->drain_timer);
		d->out_of_service = d->draining = false;
		return 0;
	case H248_KW_HANDOFF:
		if (!r->has_mgcid)
			return agwd_errf(&x->e, H248_E_REQUIRED_INFO_MISSING,
					 "HandOff without MgcIdToTry");
		idx = agwd_reg_find_mgc(d, r->mgcid);
		if (idx < 0)
			return agwd_errf(&x->e, H248_E_UNKNOWN_VALUE,
					 "HandOff to %.*s: not in [h248] mgc",
					 (int)r->mgcid.len, r->mgcid.ptr);
		/* after this reply has gone out */
		d->handoff_idx = (unsigned int)idx;
		agw_timer_start(d->loop, &d->handoff_timer, 50);
		return 0;
	default: /* parse_sc() took only the four above */
		return 0;
	}
}

/* ---- terminations ------------------------------------------------------- */

static void term_forced(struct agwd *d, struct agwd_term *t)
{
	agw_notice("%s: ServiceChange: out of service", t->id);
	agw_timer_stop(d->loop, &t->sc_timer);
	agwd_term_fail(d, t, false);
	t->oos = true;
}

void agwd_sc_on_term_timer(struct agw_timer *tm)
{
	struct agwd_term *t = tm->arg;

	term_forced(t->d, t);
}

static int sc_terms(struct agwd_exec *x, const struct h248_command *c,
		    const struct sc_req *r)
{
	struct agwd_term *ts[AGWD_WILD_MAX];
	unsigned int n;
	int err;

	switch (r->method) {
	case H248_KW_FORCED:
	case H248_KW_GRACEFUL:
	case H248_KW_RESTART:
		break;
	default:
		return agwd_errf(&x->e, H248_E_UNKNOWN_VALUE,
				 "HandOff applies to ROOT only");
	}
	if (x->null_ctx && (c->tids[0].flags & H248_TID_ALL))
		return agwd_errf(&x->e, H248_E_NO_TERMID_MATCHED,
				 "agwd has no terminations outside contexts");
	if ((err = agwd_ctx_resolve(x, &c->tids[0], ts, &n)))
		return err;
	for (unsigned int i = 0; i < n; i++)
		if (r->method == H248_KW_RESTART && ts[i]->oos)
			return agwd_errf(
				&x->e, H248_E_TERM_SERVICE_CHANGING,
				"%s was taken out of service: Subtract it and Add a new one",
				ts[i]->id);
	for (unsigned int i = 0; i < n; i++) {
		struct agwd_term *t = ts[i];

		agwd_reply_cmd(x, H248_CMD_SERVICECHANGE, t->id);
		if (r->method == H248_KW_RESTART) {
			agw_timer_stop(x->d->loop, &t->sc_timer);
			continue;
		}
		if (t->oos)
			continue;
		if (r->method == H248_KW_GRACEFUL && r->delay_s) {
			agw_notice(
				"%s: ServiceChange Graceful: out of service in %u s",
				t->id, r->delay_s);
			agw_timer_start(x->d->loop, &t->sc_timer,
					r->delay_s * 1000);
			continue;
		}
		term_forced(x->d, t);
	}
	return 0;
}

int agwd_sc_command(struct agwd_exec *x, const struct h248_command *c)
{
	struct sc_req r;
	int err;

	if ((err = parse_sc(x, c, &r)))
		return err;
	if (!(c->tids[0].flags & H248_TID_ROOT))
		return sc_terms(x, c, &r);
	if (x->c && !x->null_ctx)
		return agwd_errf(&x->e, H248_E_TERMID_NOT_IN_CONTEXT,
				 "ROOT is not in context %u", x->c->id);
	if ((err = sc_root(x, &r)))
		return err;
	agwd_reply_cmd(x, H248_CMD_SERVICECHANGE, "ROOT");
	return 0;
}
