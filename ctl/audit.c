// SPDX-License-Identifier: GPL-2.0-only
/*
 * AuditValue and AuditCapability (H.248.1 7.2.5, 7.2.6) of ROOT and of
 * agwd's terminations, per descriptor asked, as
 * Documentation/h248-profile.md ("AuditValue", "AuditCapability")
 * specifies. Every item name comes from the profile table (lib/profile.c);
 * the root package (H.248.1 Annex E.2) is not agw's.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "agw/log.h"
#include "agw/profile.h"
#include "ctx.h"
#include "tls.h"

/* What an Audit descriptor asks for. */
struct audit_want {
	bool media, events, signals, stats, pkgs, oe, eb;
	/* individual audits: the named items only (NULL: all) */
	const struct h248_node *lc_items; /* Media LocalControl { NAME } */
	const struct h248_node *st_items; /* Statistics { NAME } */
	bool ts, lc, local, remote; /* parts of Media (all when none named) */
};

static struct h248_str str(const char *s)
{
	return (struct h248_str){ s, (uint32_t)strlen(s) };
}

static const char *desc_name(const struct h248_node *n)
{
	return h248_kw_long((enum h248_kw)n->kw);
}

static void media_parts(const struct h248_node *n, struct audit_want *w)
{
	for (; n; n = n->next) {
		switch (n->kw) {
		case H248_KW_TERMINATIONSTATE:
			w->ts = true;
			break;
		case H248_KW_LOCALCONTROL:
			w->lc = true;
			if (n->child)
				w->lc_items = n->child;
			break;
		case H248_KW_LOCAL:
			w->local = true;
			break;
		case H248_KW_REMOTE:
			w->remote = true;
			break;
		case H248_KW_STREAM:
			media_parts(n->child, w);
			break;
		default:
			break;
		}
	}
}

static int parse_want(struct agwd_exec *x, const struct h248_command *c,
		      struct audit_want *w)
{
	const struct h248_node *au = h248_node_find(c->desc, H248_KW_AUDIT);

	memset(w, 0, sizeof(*w));
	for (const struct h248_node *n = au ? au->child : NULL; n;
	     n = n->next) {
		switch (n->kw) {
		case H248_KW_MEDIA:
			w->media = true;
			media_parts(n->child, w);
			break;
		case H248_KW_EVENTS:
			w->events = true;
			break;
		case H248_KW_SIGNALS:
			w->signals = true;
			break;
		case H248_KW_STATISTICS:
			w->stats = true;
			if (n->child)
				w->st_items = n->child;
			break;
		case H248_KW_PACKAGES:
			w->pkgs = true;
			break;
		case H248_KW_OBSERVEDEVENTS:
			w->oe = true;
			break;
		case H248_KW_EVENTBUFFER:
			w->eb = true;
			break;
		default:
			return agwd_errf(
				&x->e, H248_E_UNKNOWN_DESCRIPTOR,
				"%s is not auditable on agwd's terminations",
				desc_name(n));
		}
	}
	if (w->media && !w->ts && !w->lc && !w->local && !w->remote)
		w->ts = w->lc = w->local = w->remote = true;
	return 0;
}

/* ---- building ------------------------------------------------------- */

static struct h248_node *item(struct agwd_exec *x, struct h248_node **list,
			      const char *name, struct h248_str v, bool quoted)
{
	struct h248_node *n =
		h248_build_node(x->a, list, H248_KW_NAME, str(name));

	if (n && v.len && h248_build_value(x->a, n, H248_OP_EQ, v, quoted))
		return NULL;
	return n;
}

static void kw_value(struct agwd_exec *x, struct h248_node **list,
		     enum h248_kw kw, const char *v)
{
	struct h248_node *n = h248_build_node(x->a, list, kw, H248_STR(""));

	if (n)
		h248_build_value(x->a, n, H248_OP_EQ, str(v), false);
}

/* "name = [v1, v2, ...]" (vform ALL) or "[lo : hi]" (RANGE). */
static void item_list(struct agwd_exec *x, struct h248_node **list,
		      const char *name, const char *const *v, unsigned int nv,
		      enum h248_vform form)
{
	struct h248_node *n;

	if (!nv)
		return;
	n = item(x, list, name, str(v[0]), false);
	if (!n || nv == 1)
		return;
	n->v = h248_arena_alloc(x->a, nv * sizeof(*n->v));
	if (!n->v) {
		n->nv = 0;
		return;
	}
	for (unsigned int i = 0; i < nv; i++)
		n->v[i].s = str(v[i]);
	n->nv = (uint16_t)nv;
	n->vform = (uint8_t)form;
}

static const char *full(enum agw_prof_item it)
{
	return agw_profile_item(it)->full;
}

static struct h248_node *empty_body(struct agwd_exec *x,
				    struct h248_node **list, enum h248_kw kw)
{
	struct h248_node *n = h248_build_node(x->a, list, kw, H248_STR(""));

	if (n)
		n->flags |= H248_NF_BODY;
	return n;
}

/* The packages of the table, tlsbsc only when with_tls; root for ROOT. */
static void packages(struct agwd_exec *x, struct h248_node **desc,
		     bool with_tls, bool root)
{
	const char *tls_pkg = agw_profile_item(AGW_PI_SIG_TLS_ESTABLISH)->pkg;
	struct h248_node *pk = empty_body(x, desc, H248_KW_PACKAGES);

	for (unsigned int i = 0; pk && i < agw_profile_count(); i++) {
		const char *p = agw_profile_at(i)->pkg;
		bool seen = false;

		for (unsigned int j = 0; j < i; j++)
			seen |= !strcmp(agw_profile_at(j)->pkg, p);
		if (seen || (!with_tls && !strcmp(p, tls_pkg)))
			continue;
		h248_build_node(x->a, &pk->child, H248_KW_NAME,
				h248_arena_printf(x->a, "%s-1", p));
	}
	if (pk && root)
		h248_build_node(x->a, &pk->child, H248_KW_NAME,
				H248_STR("root-1"));
}

/* ---- termination values --------------------------------------------- */

static const char *tcp_state(const struct agwd_term *t)
{
	if (t->oos)
		return "closed";
	switch (t->state) {
	case AGWD_TS_LISTENING:
		return "listening";
	case AGWD_TS_CONNECTING:
		return "connecting";
	case AGWD_TS_CONNECTED:
	case AGWD_TS_RELAYING:
		return "established";
	case AGWD_TS_CLOSED:
		return "closed";
	case AGWD_TS_FAILED:
		return "failed";
	}
	return "closed";
}

static const char *tls_state(const struct agwd_term *t)
{
	if (!t->tls->started)
		return "none";
	switch (t->tls->state) {
	case AGW_TLS_HANDSHAKE:
		return "handshaking";
	case AGW_TLS_AWAIT_FP:
		return "awaiting_fingerprint";
	case AGW_TLS_VERIFIED:
		return "verified";
	case AGW_TLS_FAILED:
		return "failed";
	}
	return "none";
}

/*
 * The value of a LocalControl item on t: 0 and *v, or -H248_E_... when
 * the termination does not have it (532) or it is not a property.
 */
static int lc_value(struct agwd_exec *x, const struct agwd_term *t,
		    const struct agw_prof_entry *pe, struct h248_str *v,
		    bool *quoted)
{
	char a[AGW_ADDRSTRLEN];

	*quoted = false;
	switch (pe->item) {
	case AGW_PI_REALM:
		*v = str(t->realm->cfg->name);
		*quoted = true;
		return 0;
	case AGW_PI_SYN_IGNORE:
		*v = str(t->p.synign ? "ON" : "OFF");
		return 0;
	case AGW_PI_SAF:
		*v = str(t->p.saf ? "ON" : "OFF");
		return 0;
	case AGW_PI_SPF:
		*v = str(t->p.spf ? "ON" : "OFF");
		return 0;
	case AGW_PI_SYN_LINK:
		*v = str(t->p.synlink ? "ON" : "OFF");
		return 0;
	case AGW_PI_SAM:
		if (!t->p.has_sam)
			return -H248_E_AUDIT_ITEM_MISSING;
		*v = h248_arena_printf(x->a, "%s/%d",
				       agw_addr_str(&t->p.sam, a, sizeof(a)),
				       t->p.sam_prefix);
		*quoted = true;
		return 0;
	case AGW_PI_SPR:
		if (!t->p.has_spr)
			return -H248_E_AUDIT_ITEM_MISSING;
		*v = t->p.spr_lo == t->p.spr_hi ?
			     h248_arena_printf(x->a, "%u", t->p.spr_lo) :
			     h248_arena_printf(x->a, "%u-%u", t->p.spr_lo,
					       t->p.spr_hi);
		*quoted = true;
		return 0;
	case AGW_PI_HB_TIMER:
		*v = h248_arena_printf(x->a, "%u", t->p.hb_s);
		return 0;
	case AGW_PI_TCP_STATE:
		*v = str(tcp_state(t));
		return 0;
	case AGW_PI_TLS_STATE:
		if (!t->tls)
			return -H248_E_AUDIT_ITEM_MISSING;
		*v = str(tls_state(t));
		return 0;
	default:
		return -H248_E_NO_SUCH_PROPERTY;
	}
}

static int local_control(struct agwd_exec *x, struct h248_node **list,
			 const struct agwd_term *t,
			 const struct h248_node *named)
{
	struct h248_node *lc = empty_body(x, list, H248_KW_LOCALCONTROL);
	const struct agw_prof_entry *pe;
	struct h248_str v;
	enum h248_errcode ec;
	bool q;
	int r;

	if (!lc)
		return 0;
	if (named) {
		for (const struct h248_node *n = named; n; n = n->next) {
			if (n->kw == H248_KW_MODE) {
				kw_value(x, &lc->child, H248_KW_MODE,
					 "SendReceive");
				continue;
			}
			ec = agw_profile_lookup(n->name.ptr, n->name.len,
						AGW_PROF_PROPERTY, &pe);
			if (ec == H248_E_UNKNOWN_PROPERTY)
				ec = H248_E_UNSUPPORTED_PACKAGE;
			r = ec ? -(int)ec : lc_value(x, t, pe, &v, &q);
			if (r)
				return agwd_errf(
					&x->e, -r,
					"%s: LocalControl item %.*s %s", t->id,
					(int)n->name.len, n->name.ptr,
					r == -H248_E_AUDIT_ITEM_MISSING ?
						"is not set" :
					r == -H248_E_UNSUPPORTED_PACKAGE ?
						"is of an unknown package" :
						"is not a property of its package");
			item(x, &lc->child, pe->full, v, q);
		}
		return 0;
	}
	kw_value(x, &lc->child, H248_KW_MODE, "SendReceive");
	for (unsigned int i = 0; i < agw_profile_count(); i++) {
		pe = agw_profile_at(i);
		if (pe->kind != AGW_PROF_PROPERTY || lc_value(x, t, pe, &v, &q))
			continue;
		item(x, &lc->child, pe->full, v, q);
	}
	return 0;
}

static void termination_state(struct agwd_exec *x, struct h248_node **list,
			      bool oos)
{
	struct h248_node *ts = h248_build_node(
		x->a, list, H248_KW_TERMINATIONSTATE, H248_STR(""));

	if (!ts)
		return;
	kw_value(x, &ts->child, H248_KW_SERVICESTATES,
		 oos ? "OutOfService" : "InService");
	kw_value(x, &ts->child, H248_KW_BUFFER, "OFF");
}

static int term_media(struct agwd_exec *x, struct h248_command *rc,
		      const struct agwd_term *t, const struct audit_want *w)
{
	struct h248_node *m, *st, *n;
	int r;

	m = h248_build_node(x->a, &rc->desc, H248_KW_MEDIA, H248_STR(""));
	if (!m)
		return 0;
	if (w->ts)
		termination_state(x, &m->child, t->oos || x->d->out_of_service);
	if (!w->lc && !w->local && !w->remote)
		return 0;
	st = h248_build_node(x->a, &m->child, H248_KW_STREAM, H248_STR(""));
	if (!st || h248_build_value(x->a, st, H248_OP_EQ, H248_STR("1"), false))
		return 0;
	if (w->lc && (r = local_control(x, &st->child, t, w->lc_items)))
		return r;
	if (w->local && t->local_sdp_len) {
		n = h248_build_node(x->a, &st->child, H248_KW_LOCAL,
				    H248_STR(""));
		if (n)
			h248_build_body(n,
					(struct h248_str){ t->local_sdp,
							   t->local_sdp_len });
	}
	if (w->remote && t->remote_sdp_len) {
		n = h248_build_node(x->a, &st->child, H248_KW_REMOTE,
				    H248_STR(""));
		if (n)
			h248_build_body(n,
					(struct h248_str){ t->remote_sdp,
							   t->remote_sdp_len });
	}
	if (!st->child)
		st->flags |= H248_NF_BODY;
	return 0;
}

static void term_events(struct agwd_exec *x, struct h248_command *rc,
			const struct agwd_term *t)
{
	static const enum agw_prof_item ev[] = { AGW_PI_EV_FAIL,
						 AGW_PI_EV_RELEASED,
						 AGW_PI_EV_HEARTBEAT,
						 AGW_PI_EV_TLS_FAIL };
	const bool on[] = { t->p.ev_fail, t->p.ev_rel, t->p.ev_thb,
			    t->p.ev_tls_fail };
	struct h248_node *e =
		h248_build_node(x->a, &rc->desc, H248_KW_EVENTS, H248_STR(""));

	if (!e || !t->p.has_events || !(on[0] || on[1] || on[2] || on[3]))
		return; /* "Events": none requested */
	if (h248_build_value(x->a, e, H248_OP_EQ,
			     h248_arena_printf(x->a, "%u", t->p.rid), false))
		return;
	for (unsigned int i = 0; i < sizeof(ev) / sizeof(ev[0]); i++)
		if (on[i])
			h248_build_node(x->a, &e->child, H248_KW_NAME,
					str(full(ev[i])));
}

static int term_stats(struct agwd_exec *x, struct h248_command *rc,
		      struct agwd_term *t, const struct h248_node *named)
{
	const struct agw_prof_entry *pe;
	struct h248_command tmp = { 0 };
	struct h248_node *s;

	if (!named) {
		agwd_reply_stats(x, rc, t);
		return 0;
	}
	for (const struct h248_node *n = named; n; n = n->next)
		if (agw_profile_lookup(n->name.ptr, n->name.len,
				       AGW_PROF_STATISTIC, &pe))
			return agwd_errf(&x->e, H248_E_NO_SUCH_STATISTIC,
					 "%s: no statistic %.*s", t->id,
					 (int)n->name.len, n->name.ptr);
	/* all of them into a scratch command, then the named ones */
	agwd_reply_stats(x, &tmp, t);
	s = h248_build_node(x->a, &rc->desc, H248_KW_STATISTICS, H248_STR(""));
	if (!s || !tmp.desc)
		return 0;
	for (const struct h248_node *n = named; n; n = n->next) {
		const struct h248_node *v;

		agw_profile_lookup(n->name.ptr, n->name.len, AGW_PROF_STATISTIC,
				   &pe);
		v = h248_node_find_name(tmp.desc->child, pe->full);
		if (v)
			item(x, &s->child, pe->full, v->v[0].s, false);
	}
	return 0;
}

/*
 * ObservedEvents: the events the termination reported in its Notifies
 * (the newest AGWD_OE_KEEP) under the RequestID of the newest, with their
 * time stamps and parameters, as in the Notify.
 */
static void term_observed(struct agwd_exec *x, struct h248_command *rc,
			  const struct agwd_term *t)
{
	const struct agwd_observed *last;
	struct h248_node *oe, *ev;
	char ts[32];
	struct tm tm;

	if (!t->noe)
		return;
	last = &t->oe[t->noe - 1];
	oe = h248_build_node(x->a, &rc->desc, H248_KW_OBSERVEDEVENTS,
			     H248_STR(""));
	if (!oe ||
	    h248_build_value(x->a, oe, H248_OP_EQ,
			     h248_arena_printf(x->a, "%u", last->rid), false))
		return;
	for (unsigned int i = 0; i < t->noe; i++) {
		const struct agwd_observed *o = &t->oe[i];
		time_t when = (time_t)o->when;

		if (o->rid != last->rid)
			continue;
		ev = h248_build_node(x->a, &oe->child, H248_KW_NAME,
				     str(o->event));
		if (!ev)
			return;
		gmtime_r(&when, &tm);
		strftime(ts, sizeof(ts), "%Y%m%dT%H%M%S00", &tm);
		ev->ts = h248_arena_strdup(x->a, ts, strlen(ts));
		ev->flags |= H248_NF_TS;
		if (o->pname)
			item(x, &ev->child, o->pname, str(o->pvalue), true);
	}
}

static int audit_term_value(struct agwd_exec *x, struct agwd_term *t,
			    const struct audit_want *w)
{
	struct h248_command *rc = agwd_reply_cmd(x, H248_CMD_AUDITVALUE, t->id);
	int r;

	if (!rc)
		return 0;
	if (w->media && (r = term_media(x, rc, t, w)))
		return r;
	if (w->events)
		term_events(x, rc, t);
	if (w->signals) /* "Signals": none active (megaco takes no "{ }") */
		h248_build_node(x->a, &rc->desc, H248_KW_SIGNALS, H248_STR(""));
	if (w->stats && (r = term_stats(x, rc, t, w->st_items)))
		return r;
	if (w->pkgs)
		packages(x, &rc->desc, t->tls != NULL, false);
	if (w->oe)
		term_observed(x, rc, t);
	/*
	 * ObservedEvents without any kept, and EventBuffer (always empty:
	 * EventBufferControl OFF, TerminationState says Buffer = OFF) are
	 * omitted: the text grammar has no empty ObservedEvents, and
	 * tshark's megaco dissector does not know a bare EventBuffer.
	 */
	return 0;
}

/* ---- capabilities ----------------------------------------------------- */

static void realm_list(struct agwd_exec *x, struct h248_node **list)
{
	const char *v[AGW_CFG_MAX_REALMS];

	for (unsigned int i = 0; i < x->d->cfg.nrealms; i++)
		v[i] = x->d->cfg.realms[i].name;
	item_list(x, list, full(AGW_PI_REALM), v, x->d->cfg.nrealms,
		  H248_VF_ALL);
	/* realm names are text: quote a single one like a list's */
}

static void items_of_kind(struct agwd_exec *x, struct h248_node **list,
			  enum agw_prof_kind kind)
{
	for (unsigned int i = 0; i < agw_profile_count(); i++)
		if (agw_profile_at(i)->kind == kind)
			h248_build_node(x->a, list, H248_KW_NAME,
					str(agw_profile_at(i)->full));
}

static void term_cap_media(struct agwd_exec *x, struct h248_command *rc)
{
	static const char *const onoff[] = { "ON", "OFF" };
	struct h248_node *m, *st, *lc;

	m = h248_build_node(x->a, &rc->desc, H248_KW_MEDIA, H248_STR(""));
	st = m ? h248_build_node(x->a, &m->child, H248_KW_STREAM,
				 H248_STR("")) :
		 NULL;
	if (!st || h248_build_value(x->a, st, H248_OP_EQ, H248_STR("1"), false))
		return;
	lc = empty_body(x, &st->child, H248_KW_LOCALCONTROL);
	if (!lc)
		return;
	for (unsigned int i = 0; i < agw_profile_count(); i++) {
		const struct agw_prof_entry *pe = agw_profile_at(i);
		const char *range[2];

		if (pe->kind != AGW_PROF_PROPERTY)
			continue;
		if (pe->item == AGW_PI_REALM) {
			realm_list(x, &lc->child);
		} else if (pe->type == AGW_PROF_T_BOOL) {
			item_list(x, &lc->child, pe->full, onoff, 2,
				  H248_VF_ALL);
		} else if (pe->type == AGW_PROF_T_UINT) {
			range[0] = h248_arena_printf(x->a, "%u", pe->min).ptr;
			range[1] = h248_arena_printf(x->a, "%u", pe->max).ptr;
			item_list(x, &lc->child, pe->full, range, 2,
				  H248_VF_RANGE);
		}
	}
}

static void term_cap(struct agwd_exec *x, struct agwd_term *t,
		     const struct audit_want *w)
{
	struct h248_command *rc = agwd_reply_cmd(x, H248_CMD_AUDITCAP, t->id);
	struct h248_node *n;

	if (!rc)
		return;
	if (w->media)
		term_cap_media(x, rc);
	if (w->events) {
		n = h248_build_node(x->a, &rc->desc, H248_KW_EVENTS,
				    H248_STR(""));
		if (n && !h248_build_value(x->a, n, H248_OP_EQ, H248_STR("0"),
					   false))
			items_of_kind(x, &n->child, AGW_PROF_EVENT);
	}
	if (w->signals) {
		n = empty_body(x, &rc->desc, H248_KW_SIGNALS);
		if (n)
			items_of_kind(x, &n->child, AGW_PROF_SIGNAL);
	}
	if (w->stats) {
		n = empty_body(x, &rc->desc, H248_KW_STATISTICS);
		if (n)
			items_of_kind(x, &n->child, AGW_PROF_STATISTIC);
	}
	if (w->pkgs)
		packages(x, &rc->desc, t->tls != NULL, false);
}

/* ---- ROOT ------------------------------------------------------------ */

static void root_value(struct agwd_exec *x, struct h248_node **list,
		       const char *name, uint32_t v)
{
	item(x, list, name, h248_arena_printf(x->a, "%u", v), false);
}

static void audit_root(struct agwd_exec *x, bool cap,
		       const struct audit_want *w)
{
	const struct agw_config *cfg = &x->d->cfg;
	struct h248_command *rc = agwd_reply_cmd(
		x, cap ? H248_CMD_AUDITCAP : H248_CMD_AUDITVALUE, "ROOT");
	struct h248_node *m, *ts;

	if (!rc)
		return;
	if (w->media) {
		m = h248_build_node(x->a, &rc->desc, H248_KW_MEDIA,
				    H248_STR(""));
		ts = m ? h248_build_node(x->a, &m->child,
					 H248_KW_TERMINATIONSTATE,
					 H248_STR("")) :
			 NULL;
		if (ts) {
			/* H.248.1 Annex E.2 root package */
			root_value(x, &ts->child, "root/maxNumberOfContexts",
				   cfg->max_contexts);
			root_value(x, &ts->child,
				   "root/maxTerminationsPerContext",
				   AGWD_TERMS_PER_CTX);
			root_value(x, &ts->child, "root/normalMGExecutionTime",
				   cfg->pending_ms);
			root_value(x, &ts->child,
				   "root/MGProvisionalResponseTimerValue",
				   cfg->pending_ms);
			root_value(x, &ts->child, "root/normalMGCExecutionTime",
				   AGWD_MGC_EXEC_MS);
			root_value(x, &ts->child,
				   "root/MGCProvisionalResponseTimerValue",
				   cfg->long_timer_ms);
			realm_list(x, &ts->child);
			kw_value(x, &ts->child, H248_KW_SERVICESTATES,
				 x->d->out_of_service || x->d->draining ?
					 "OutOfService" :
					 "InService");
		}
	}
	if (w->events)
		h248_build_node(x->a, &rc->desc, H248_KW_EVENTS, H248_STR(""));
	if (w->signals) /* "Signals": none active (megaco takes no "{ }") */
		h248_build_node(x->a, &rc->desc, H248_KW_SIGNALS, H248_STR(""));
	if (w->pkgs)
		packages(x, &rc->desc, true, true);
}

int agwd_audit(struct agwd_exec *x, const struct h248_command *c)
{
	bool cap = c->cmd == H248_CMD_AUDITCAP;
	struct agwd_term *ts[AGWD_WILD_MAX];
	struct audit_want w;
	unsigned int n;
	int r;

	if ((r = parse_want(x, c, &w)))
		return r;
	if (c->tids[0].flags & H248_TID_ROOT) {
		if (w.st_items || w.lc_items)
			return agwd_errf(&x->e, H248_E_AUDIT_ITEM_MISSING,
					 "ROOT has no such item");
		audit_root(x, cap, &w);
		return 0;
	}
	if (x->null_ctx && (c->tids[0].flags & H248_TID_ALL))
		return agwd_errf(
			&x->e, H248_E_NO_TERMID_MATCHED,
			"agwd has no terminations outside contexts: %.*s matches none in Context = -",
			(int)c->tids[0].s.len, c->tids[0].s.ptr);
	if ((r = agwd_ctx_resolve(x, &c->tids[0], ts, &n)))
		return r;
	for (unsigned int i = 0; i < n; i++) {
		struct h248_command **tail = &x->ra->cmds;

		while (*tail)
			tail = &(*tail)->next;
		if (cap) {
			term_cap(x, ts[i], &w);
			continue;
		}
		if ((r = audit_term_value(x, ts[i], &w))) {
			*tail = NULL; /* the error replaces the half-built reply */
			return r;
		}
	}
	return 0;
}
