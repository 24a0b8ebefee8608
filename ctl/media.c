// SPDX-License-Identifier: GPL-2.0-only
/*
 * A command's Media, Events and Signals descriptors, checked against the
 * profile table: nothing here changes state, so a command that fails in
 * parsing changes nothing.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "agw/profile.h"
#include "ctx.h"

static int lookup(const struct h248_node *n, enum agw_prof_kind kind,
		  const struct agw_prof_entry **pe, struct agwd_err *e)
{
	enum h248_errcode code;

	code = agw_profile_lookup(n->name.ptr, n->name.len, kind, pe);
	if (code != H248_OK)
		return agwd_errf(e, code, "%s %.*s is not in agw's profile",
				 agw_profile_kind_name(kind), (int)n->name.len,
				 n->name.ptr);
	return 0;
}

static int parse_sam(struct h248_str v, struct agwd_term_props *p,
		     struct agwd_err *e)
{
	char s[64];

	if (v.len >= sizeof(s))
		goto bad;
	memcpy(s, v.ptr, v.len);
	s[v.len] = 0;
	if (agw_prefix_parse(s, &p->sam, &p->sam_prefix))
		goto bad;
	p->has_sam = true;
	return 0;
bad:
	return agwd_errf(e, H248_E_UNKNOWN_VALUE,
			 "gm/sam \"%.*s\" is not an address[/prefix]",
			 (int)v.len, v.ptr);
}

static int parse_spr(struct h248_str v, struct agwd_term_props *p,
		     struct agwd_err *e)
{
	char s[16];

	if (v.len >= sizeof(s))
		goto bad;
	memcpy(s, v.ptr, v.len);
	s[v.len] = 0;
	if (agw_port_range_parse(s, &p->spr_lo, &p->spr_hi))
		goto bad;
	p->has_spr = true;
	return 0;
bad:
	return agwd_errf(e, H248_E_UNKNOWN_VALUE,
			 "gm/spr \"%.*s\" is not a port or range", (int)v.len,
			 v.ptr);
}

static int property(struct agwd *d, const struct h248_node *n,
		    struct agwd_media_req *mr, struct agwd_err *e)
{
	const struct agw_prof_entry *pe;
	struct h248_str v = { "", 0 };
	uint32_t num = 0;
	int r;

	if ((r = lookup(n, AGW_PROF_PROPERTY, &pe, e)))
		return r;
	if (n->nv != 1 || n->op != H248_OP_EQ)
		return agwd_errf(e, H248_E_UNKNOWN_VALUE,
				 "%s needs one value after '='", pe->full);
	v = n->v[0].s;
	if (agw_profile_value(pe, v.ptr, v.len, &num) != H248_OK)
		return agwd_errf(e, H248_E_UNKNOWN_VALUE,
				 "%s = %.*s: unsupported value", pe->full,
				 (int)v.len, v.ptr);
	switch (pe->item) {
	case AGW_PI_REALM:
		for (unsigned int i = 0; i < d->cfg.nrealms; i++)
			if (strlen(d->cfg.realms[i].name) == v.len &&
			    !memcmp(d->cfg.realms[i].name, v.ptr, v.len))
				mr->realm = &d->cfg.realms[i];
		if (!mr->realm)
			return agwd_errf(e, H248_E_UNKNOWN_VALUE,
					 "ipdc/realm \"%.*s\": no such realm",
					 (int)v.len, v.ptr);
		return 0;
	case AGW_PI_SYN_IGNORE:
		mr->p.synign = num;
		mr->set_synign = true;
		return 0;
	case AGW_PI_SAF:
		mr->p.saf = num;
		mr->set_filter = true;
		mr->filter_on |= num;
		return 0;
	case AGW_PI_SPF:
		mr->p.spf = num;
		mr->set_filter = true;
		mr->filter_on |= num;
		return 0;
	case AGW_PI_SAM:
		mr->set_filter = true;
		return parse_sam(v, &mr->p, e);
	case AGW_PI_SPR:
		mr->set_filter = true;
		return parse_spr(v, &mr->p, e);
	case AGW_PI_SYN_LINK:
		mr->p.synlink = num;
		mr->set_synlink = true;
		return 0;
	case AGW_PI_HB_TIMER:
		mr->p.hb_s = num;
		return 0;
	case AGW_PI_TCP_STATE:
	case AGW_PI_TLS_STATE:
		return agwd_errf(e, H248_E_READ_ONLY,
				 "%s is read-only (AuditValue)", pe->full);
	default:
		return agwd_errf(e, H248_E_PROPERTY_ILLEGAL,
				 "%s is not a property", pe->full);
	}
}

static int local_control(struct agwd *d, const struct h248_node *lc,
			 struct agwd_media_req *mr, struct agwd_err *e)
{
	int r;

	for (const struct h248_node *n = lc->child; n; n = n->next) {
		switch (n->kw) {
		case H248_KW_MODE:
			/* Inactive would have to stop the relay and keep both
			 * connections: not built, so refused, not ignored */
			if (n->nv == 1 && n->v[0].kw == H248_KW_INACTIVE)
				return agwd_errf(
					e, H248_E_UNSUPPORTED_MODE,
					"Mode Inactive: agwd does not hold a TCP relay with its connections kept; only SendReceive");
			if (n->nv == 1 && n->v[0].kw != H248_KW_SENDRECEIVE)
				return agwd_errf(
					e, H248_E_UNSUPPORTED_MODE,
					"Mode %.*s: a TCP termination is SendReceive",
					(int)n->v[0].s.len, n->v[0].s.ptr);
			break;
		case H248_KW_RESERVEDGROUP:
		case H248_KW_RESERVEDVALUE:
			break;
		case H248_KW_NAME:
			if ((r = property(d, n, mr, e)))
				return r;
			break;
		default:
			return agwd_errf(e, H248_E_UNKNOWN_PARAMETER,
					 "%.*s not supported in LocalControl",
					 (int)n->name.len, n->name.ptr);
		}
	}
	return 0;
}

static int stream(struct agwd *d, const struct h248_node *st,
		  struct agwd_media_req *mr, struct agwd_err *e)
{
	int r;

	for (const struct h248_node *n = st->child; n; n = n->next) {
		switch (n->kw) {
		case H248_KW_LOCALCONTROL:
			if ((r = local_control(d, n, mr, e)))
				return r;
			break;
		case H248_KW_LOCAL:
			mr->has_local = true;
			mr->local = n->body;
			break;
		case H248_KW_REMOTE:
			mr->has_remote = true;
			mr->remote = n->body;
			break;
		case H248_KW_STATISTICS:
			break;
		default:
			return agwd_errf(e, H248_E_UNKNOWN_DESCRIPTOR,
					 "%.*s is not supported in a Stream",
					 (int)n->name.len, n->name.ptr);
		}
	}
	return 0;
}

static int media(struct agwd *d, const struct h248_node *m,
		 struct agwd_media_req *mr, struct agwd_err *e)
{
	bool streams = false;
	uint32_t id;
	int r;

	for (const struct h248_node *n = m->child; n; n = n->next) {
		if (n->kw != H248_KW_STREAM)
			continue;
		streams = true;
		if (h248_node_uint(n, &id) || id != 1)
			return agwd_errf(
				e, H248_E_UNKNOWN_VALUE,
				"a TCP termination has one stream, Stream = 1");
		if ((r = stream(d, n, mr, e)))
			return r;
	}
	if (streams)
		return 0;
	/* one stream's parameters directly in Media */
	return stream(d, m, mr, e);
}

static int events(const struct h248_node *ev, struct agwd_media_req *mr,
		  struct agwd_err *e)
{
	const struct agw_prof_entry *pe;
	int r;

	mr->p.has_events = true;
	mr->p.ev_fail = mr->p.ev_rel = mr->p.ev_thb = false;
	mr->p.ev_tls_fail = false;
	mr->p.rid = 0;
	if (ev->nv == 1 && h248_node_uint(ev, &mr->p.rid))
		return agwd_errf(e, H248_E_SYNTAX_COMMAND,
				 "Events needs a numeric RequestID");
	for (const struct h248_node *n = ev->child; n; n = n->next) {
		if ((r = lookup(n, AGW_PROF_EVENT, &pe, e)))
			return r;
		if (pe->item == AGW_PI_EV_FAIL)
			mr->p.ev_fail = true;
		else if (pe->item == AGW_PI_EV_RELEASED)
			mr->p.ev_rel = true;
		else if (pe->item == AGW_PI_EV_HEARTBEAT)
			mr->p.ev_thb = true;
		else if (pe->item == AGW_PI_EV_TLS_FAIL)
			mr->p.ev_tls_fail = true;
	}
	return 0;
}

static int signals(const struct h248_node *sg, struct agwd_media_req *mr,
		   struct agwd_err *e)
{
	const struct agw_prof_entry *pe;
	int r;

	for (const struct h248_node *n = sg->child; n; n = n->next) {
		if ((r = lookup(n, AGW_PROF_SIGNAL, &pe, e)))
			return r;
		if (pe->item == AGW_PI_SIG_ESTABLISH)
			mr->estab = true;
		else if (pe->item == AGW_PI_SIG_TLS_ESTABLISH)
			mr->tls_estab = true;
	}
	return 0;
}

/*
 * Delayed establishment ends with the seed's indication 5, "accept
 * incoming SYN only from the indicated remote address": gm/saf or gm/spf
 * turned ON. A command that turns filtering on without naming
 * tcpbcc/synign ends the ignoring; one that asks for both at once is a
 * conflict (Documentation/h248-profile.md).
 */
static int synign_rule(struct agwd_media_req *mr, struct agwd_err *e)
{
	if (!mr->filter_on || !mr->p.synign)
		return 0;
	if (mr->set_synign)
		return agwd_errf(
			e, H248_E_CONFLICTING_VALUES,
			"%s = ON with %s = ON: ignoring every SYN conflicts with accepting SYNs from the Remote",
			agw_profile_item(AGW_PI_SYN_IGNORE)->full,
			mr->p.saf ? agw_profile_item(AGW_PI_SAF)->full :
				    agw_profile_item(AGW_PI_SPF)->full);
	mr->p.synign = false;
	mr->synign_ended = true;
	return 0;
}

int agwd_media_parse(struct agwd *d, const struct h248_command *c,
		     const struct agwd_term_props *cur,
		     struct agwd_media_req *mr, struct agwd_err *e)
{
	int r;

	memset(mr, 0, sizeof(*mr));
	if (cur)
		mr->p = *cur;
	for (const struct h248_node *n = c->desc; n; n = n->next) {
		switch (n->kw) {
		case H248_KW_MEDIA:
			r = media(d, n, mr, e);
			break;
		case H248_KW_EVENTS:
			r = events(n, mr, e);
			break;
		case H248_KW_SIGNALS:
			r = signals(n, mr, e);
			break;
		case H248_KW_AUDIT:
			r = 0;
			break;
		default:
			r = agwd_errf(e, H248_E_UNKNOWN_DESCRIPTOR,
				      "descriptor %.*s not supported here",
				      (int)n->name.len, n->name.ptr);
		}
		if (r)
			return r;
	}
	return synign_rule(mr, e);
}
