// SPDX-License-Identifier: GPL-2.0-only
/*
 * Registration with the MGC (H.248.1 clause 11, Documentation/
 * h248-profile.md "ServiceChange from agwd"): Restart/901 on start,
 * Disconnected/900 after a lost MGC when the contexts were kept (Restart/
 * 901 after releasing them), HandOff/903 after an MGC-initiated HandOff;
 * retried with doubling backoff through the MGC list; the profile and
 * version negotiated from the reply, a ServiceChangeMgcId followed; a
 * heartbeat (AuditValue on ROOT) that finds a lost MGC; Graceful with
 * ServiceChangeDelay, then Forced, on shutdown.
 */
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "agw/log.h"
#include "agwd.h"
#include "metrics.h"

const char *agwd_reg_state_name(enum agwd_reg_state s)
{
	switch (s) {
	case AGWD_UNREGISTERED:
		return "unregistered";
	case AGWD_REGISTERING:
		return "registering";
	case AGWD_REGISTERED:
		return "registered";
	}
	return "?";
}

static struct h248_command *root_command(struct agwd *d, enum h248_cmd cmd,
					 struct h248_message **m, uint32_t *tid)
{
	struct h248_transaction *t = agwd_txn_new_request(d, m, tid);
	struct h248_action *act;

	if (!t)
		return NULL;
	act = h248_build_action(&d->arena, t, H248_CTX_NULL, 0);
	return act ? h248_build_command(&d->arena, act, cmd, H248_STR("ROOT")) :
		     NULL;
}

static int add_param(struct agwd *d, struct h248_node **list, enum h248_kw kw,
		     const char *v, bool quoted)
{
	struct h248_node *n;

	/* v is referenced, not copied: the arena's or the caller's for
	 * as long as the message (NULL: an arena string that failed) */
	if (!v)
		return -ENOMEM;
	n = h248_build_node(&d->arena, list, kw, H248_STR(""));
	if (!n)
		return -ENOMEM;
	return h248_build_value(&d->arena, n, H248_OP_EQ,
				(struct h248_str){ v, (uint32_t)strlen(v) },
				quoted);
}

/* Outstanding requests dropped without their done() acting on it. */
static void cancel_out(struct agwd *d)
{
	d->cancelling = true;
	agw_txn_out_cancel_all(d->out);
	d->cancelling = false;
}

static int send_service_change(struct agwd *d, const char *method,
			       const char *reason, uint32_t delay_s,
			       enum agwd_out_kind kind)
{
	struct h248_message *m;
	struct h248_command *c;
	struct h248_node *sv;
	uint32_t tid;
	int err;

	agwd_txn_prepare(d);
	c = root_command(d, H248_CMD_SERVICECHANGE, &m, &tid);
	if (!c)
		return -ENOMEM;
	sv = h248_build_node(&d->arena, &c->desc, H248_KW_SERVICES,
			     H248_STR(""));
	if (!sv)
		return -ENOMEM;
	if ((err = add_param(d, &sv->child, H248_KW_METHOD, method, false)) ||
	    (err = add_param(d, &sv->child, H248_KW_REASON, reason, true)) ||
	    (delay_s &&
	     (err = add_param(d, &sv->child, H248_KW_DELAY,
			      h248_arena_printf(&d->arena, "%u", delay_s).ptr,
			      false))))
		return err;
	if (kind == AGWD_OUT_REGISTER) {
		/* in the arena: the value is read when the message is encoded */
		const char *v =
			h248_arena_printf(&d->arena, "%d", d->version).ptr;

		if (!v)
			return -ENOMEM;
		if ((err = add_param(d, &sv->child, H248_KW_VERSION, v, false)))
			return err;
		if (d->cfg.sc_profile[0] && !d->profile_refused &&
		    (err = add_param(d, &sv->child, H248_KW_PROFILE,
				     d->cfg.sc_profile, false)))
			return err;
	}
	agw_info("h248: ServiceChange %s \"%s\" to the MGC", method, reason);
	return agwd_txn_request(d, m, tid, kind);
}

static void retry_later(struct agwd *d)
{
	uint32_t max = d->cfg.reg_retry_max_ms;

	d->reg = AGWD_UNREGISTERED;
	if (d->shutting_down)
		return;
	agw_timer_start(d->loop, &d->reg_timer, d->reg_backoff_ms);
	d->reg_backoff_ms = d->reg_backoff_ms * 2 > max ? max :
							  d->reg_backoff_ms * 2;
	if (d->out_proto == AGW_H248_UDP && d->cfg.nmgc > 1) {
		d->mgc_idx = (d->mgc_idx + 1) % d->cfg.nmgc;
		agw_metric_inc(&agwd_metrics.mgc_switches);
		d->mgc_addr = d->cfg.mgc[d->mgc_idx];
	}
}

void agwd_reg_start(struct agwd *d)
{
	int err;

	agw_timer_stop(d->loop, &d->reg_timer);
	if (d->shutting_down || d->reg == AGWD_REGISTERING)
		return;
	if (d->out_proto == AGW_H248_TCP) {
		struct agw_h248_transport_stats st;

		agw_h248_transport_get_stats(d->h248, &st);
		if (!st.tcp_up)
			return; /* on_mgc_link(up) calls again */
	}
	d->reg = AGWD_REGISTERING;
	agw_metric_inc(&agwd_metrics.reg_attempts);
	/* replies cached for the last association answer nothing now */
	if (d->mgc_sender)
		agw_txn_cache_ack(d->cache, d->mgc_sender, 0, UINT32_MAX);
	if (d->handoff)
		err = send_service_change(d, "HandOff",
					  "903 MGC Directed Change", 0,
					  AGWD_OUT_REGISTER);
	else if (d->kept_state)
		err = send_service_change(d, "Disconnected",
					  "900 Service Restored", 0,
					  AGWD_OUT_REGISTER);
	else
		err = send_service_change(d, "Restart", "901 Cold Boot", 0,
					  AGWD_OUT_REGISTER);
	if (err) {
		agw_warn("h248: registration: %s", strerror(-err));
		retry_later(d);
	}
}

static void on_reg_timer(struct agw_timer *t)
{
	agwd_reg_start(t->arg);
}

static void on_hb_timer(struct agw_timer *t)
{
	struct agwd *d = t->arg;
	struct h248_message *m;
	struct h248_command *c;
	struct h248_node *au;
	uint32_t tid;

	if (d->reg != AGWD_REGISTERED || d->shutting_down)
		return;
	agwd_txn_prepare(d);
	c = root_command(d, H248_CMD_AUDITVALUE, &m, &tid);
	au = c ? h248_build_node(&d->arena, &c->desc, H248_KW_AUDIT,
				 H248_STR("")) :
		 NULL;
	if (au)
		au->flags |= H248_NF_BODY;
	if (!au || agwd_txn_request(d, m, tid, AGWD_OUT_HEARTBEAT))
		agw_warn("h248: heartbeat not sent");
	agw_timer_start(d->loop, &d->hb_timer, d->cfg.heartbeat_ms);
}

void agwd_reg_lost(struct agwd *d, const char *why)
{
	if (d->shutting_down)
		return;
	if (d->reg == AGWD_REGISTERED)
		agw_warn("h248: MGC lost (%s): registering again", why);
	agw_metric_inc(&agwd_metrics.reg_lost);
	agw_timer_stop(d->loop, &d->hb_timer);
	d->reg = AGWD_UNREGISTERED;
	cancel_out(d);
	d->reg_backoff_ms = d->cfg.reg_retry_ms;
	d->profile_refused = false;
	d->version = AGWD_H248_VERSION; /* negotiated with each MGC anew */
	if (d->restored) {
		/* H.248.1 11.5: kept state is Disconnected, else Restart */
		if (d->cfg.mgc_loss_release) {
			if (d->tab.nctx)
				agw_notice(
					"h248: releasing %u contexts (on_mgc_loss = release)",
					d->tab.nctx);
			agwd_ctx_release_all(d);
			d->kept_state = false;
		} else {
			d->kept_state = true;
		}
	}
	/* UDP: the next MGC of the list (TCP: the transport moved on) */
	if (d->out_proto == AGW_H248_UDP && d->cfg.nmgc > 1) {
		d->mgc_idx = (d->mgc_idx + 1) % d->cfg.nmgc;
		d->mgc_addr = d->cfg.mgc[d->mgc_idx];
	}
	agwd_reg_start(d);
}

int agwd_reg_find_mgc(const struct agwd *d, struct h248_str mid)
{
	struct agw_sockaddr sa;
	char s[80];

	if (!mid.len || mid.len >= sizeof(s))
		return -ENOENT;
	memcpy(s, mid.ptr, mid.len);
	s[mid.len] = 0;
	/* the text encoding's default port (H.248.1 Annex B.2) */
	if (agw_sockaddr_parse(s, 2944, &sa))
		return -ENOENT;
	for (unsigned int i = 0; i < d->cfg.nmgc; i++)
		if (agw_sockaddr_same_host(&d->cfg.mgc[i], &sa) &&
		    agw_sockaddr_port(&d->cfg.mgc[i]) == agw_sockaddr_port(&sa))
			return (int)i;
	return -ENOENT;
}

static void reg_switch(struct agwd *d, unsigned int idx, const char *why)
{
	char a[AGW_ADDRSTRLEN];

	agw_timer_stop(d->loop, &d->hb_timer);
	agw_timer_stop(d->loop, &d->reg_timer);
	cancel_out(d);
	d->reg = AGWD_UNREGISTERED;
	d->reg_backoff_ms = d->cfg.reg_retry_ms;
	d->mgc_idx = idx;
	d->mgc_addr = d->cfg.mgc[idx];
	d->profile_refused = false; /* announced again to that MGC */
	d->version = AGWD_H248_VERSION;
	agw_notice("h248: registering with the MGC %s (%s)",
		   agw_sockaddr_str(&d->mgc_addr, true, a, sizeof(a)), why);
	agw_h248_transport_use_mgc(d->h248, idx);
	agwd_reg_start(d); /* TCP: again from on_mgc_link(up) */
}

void agwd_reg_switch(struct agwd *d, unsigned int idx)
{
	reg_switch(d, idx, d->handoff ? "HandOff" : "ServiceChangeMgcId");
}

/*
 * SIGHUP took the MGC of the association out of [h248] mgc (cfg.mgc holds
 * the new list already). Not a HandOff (the MGC ordered nothing) and not
 * Failover (H.248.1 7.2.8: an MG's standby taking over, or an MGC that
 * failed): a new association with the first MGC of the list, Restart/901
 * when agwd keeps no context (none, or on_mgc_loss = release), else
 * Disconnected/900 as after a lost MGC (H.248.1 11.5), so that the new
 * MGC audits what it inherits.
 */
void agwd_reg_mgc_removed(struct agwd *d, const struct agw_sockaddr *gone)
{
	char a[AGW_ADDRSTRLEN];

	agw_sockaddr_str(gone, true, a, sizeof(a));
	if (d->shutting_down)
		return;
	agw_timer_stop(d->loop, &d->handoff_timer);
	d->handoff = false;
	if (d->cfg.mgc_loss_release && d->tab.nctx) {
		agw_notice(
			"h248: releasing %u contexts of the removed MGC %s (on_mgc_loss = release)",
			d->tab.nctx, a);
		agwd_ctx_release_all(d);
	}
	d->kept_state = d->tab.nctx > 0;
	agw_metric_inc(&agwd_metrics.mgc_switches);
	reg_switch(
		d, 0,
		d->kept_state ?
			"the MGC of the association left [h248] mgc: Disconnected/900, contexts kept" :
			"the MGC of the association left [h248] mgc: Restart/901");
}

/* The kw parameter of the reply's ServiceChange Services, if any. */
static const struct h248_node *reply_param(const struct h248_transaction *t,
					   enum h248_kw kw)
{
	for (const struct h248_action *a = t->actions; a; a = a->next)
		for (const struct h248_command *c = a->cmds; c; c = c->next) {
			const struct h248_node *sv, *v;

			sv = h248_node_find(c->desc, H248_KW_SERVICES);
			v = sv ? h248_node_find(sv->child, kw) : NULL;
			if (v && v->nv == 1)
				return v;
		}
	return NULL;
}

static int reply_version(const struct h248_transaction *t)
{
	const struct h248_node *v = reply_param(t, H248_KW_VERSION);
	uint32_t n;

	return v && !h248_node_uint(v, &n) ? (int)n : -1;
}

static int error_code(const struct h248_node *e)
{
	uint32_t n;

	return e && e->nv == 1 && !h248_node_uint(e, &n) ? (int)n : 0;
}

/*
 * The MGC's answer to the profile: another profile name (or error 459)
 * means none; a version above ours cannot be. Returns true when agwd
 * registers once more without a profile.
 */
static bool profile_refused(struct agwd *d, const struct h248_node *e,
			    const struct h248_transaction *reply)
{
	const char *ours = d->cfg.sc_profile;
	const char *slash = strchr(ours, '/');
	size_t nlen = slash ? (size_t)(slash - ours) : strlen(ours);
	const struct h248_node *p;
	struct h248_str v;
	uint32_t ver = 0;

	if (!ours[0] || d->profile_refused)
		return false;
	if (e) {
		if (error_code(e) != H248_E_UNSUPPORTED_PROFILE)
			return false;
		agw_warn(
			"h248: the MGC refused the profile %s: registering without one",
			ours);
		return true;
	}
	p = reply_param(reply, H248_KW_PROFILE);
	if (!p)
		return false;
	v = p->v[0].s;
	if (v.len > nlen && v.ptr[nlen] == '/' &&
	    !strncasecmp(v.ptr, ours, nlen)) {
		for (uint32_t i = (uint32_t)nlen + 1; i < v.len; i++)
			ver = ver * 10 + (uint32_t)(v.ptr[i] - '0');
		if (ver >= 1 && ver <= (uint32_t)atoi(slash + 1))
			return false;
	}
	agw_warn(
		"h248: the MGC answered profile %.*s to %s: registering without one",
		(int)v.len, v.ptr, ours);
	return true;
}

void agwd_reg_done(struct agwd *d, enum agwd_out_kind kind, uint32_t tid,
		   bool replied, const struct h248_transaction *reply)
{
	const struct h248_node *e = reply ? h248_trans_error(reply) : NULL;
	const struct h248_node *redirect;
	int v;

	if (d->cancelling)
		return;
	switch (kind) {
	case AGWD_OUT_REGISTER:
		if (replied && profile_refused(d, e, reply)) {
			d->profile_refused = true;
			d->reg = AGWD_UNREGISTERED;
			agwd_reg_start(d);
			return;
		}
		if (replied && error_code(e) == H248_E_VERSION &&
		    d->version > 1) {
			d->version--;
			agw_warn("h248: the MGC refused the version: trying %d",
				 d->version);
			d->reg = AGWD_UNREGISTERED;
			agwd_reg_start(d);
			return;
		}
		if (!replied || e) {
			agw_warn("h248: registration %s%.*s; retry in %u ms",
				 replied ? "refused: " : "got no reply",
				 e ? (int)e->body.len : 0, e ? e->body.ptr : "",
				 d->reg_backoff_ms);
			retry_later(d);
			return;
		}
		v = reply_version(reply);
		if (v >= 1 && v < d->version)
			d->version = v;
		redirect = reply_param(reply, H248_KW_MGCIDTOTRY);
		if (redirect) {
			int idx = agwd_reg_find_mgc(d, redirect->v[0].s);

			if (idx < 0 || (unsigned int)idx == d->mgc_idx) {
				agw_warn(
					"h248: redirected to %.*s, which is not another MGC of [h248] mgc; retry in %u ms",
					(int)redirect->v[0].s.len,
					redirect->v[0].s.ptr,
					d->reg_backoff_ms);
				retry_later(d);
				return;
			}
			agw_notice("h248: the MGC redirects to %.*s",
				   (int)redirect->v[0].s.len,
				   redirect->v[0].s.ptr);
			agwd_reg_switch(d, (unsigned int)idx);
			return;
		}
		d->reg = AGWD_REGISTERED;
		d->handoff = false;
		d->kept_state = false;
		d->reg_tid = tid;
		d->restored = true;
		/*
		 * A new association: an MGC that restarted numbers its
		 * transactions from 1 again, so replies cached for the old
		 * one must not answer them.
		 */
		agw_txn_cache_ack(d->cache, d->mgc_sender, 0, UINT32_MAX);
		d->hb_missed = 0;
		d->reg_backoff_ms = d->cfg.reg_retry_ms;
		agw_notice("h248: registered with the MGC, version %d%s%s",
			   d->version,
			   d->cfg.sc_profile[0] && !d->profile_refused ?
				   ", profile " :
				   "",
			   d->cfg.sc_profile[0] && !d->profile_refused ?
				   d->cfg.sc_profile :
				   "");
		if (d->cfg.heartbeat_ms)
			agw_timer_start(d->loop, &d->hb_timer,
					d->cfg.heartbeat_ms);
		return;
	case AGWD_OUT_HEARTBEAT:
		/*
		 * Any answer shows the MGC is there; Unauthorized or "before
		 * a ServiceChange Reply" say it does not know us (it
		 * restarted): register again.
		 */
		if (d->reg != AGWD_REGISTERED)
			return;
		/* sent before this registration: it says nothing of it */
		if ((int32_t)(tid - d->reg_tid) < 0)
			return;
		if (!replied)
			agwd_reg_lost(d, "no answer to the heartbeat");
		else if (error_code(e) == H248_E_UNAUTHORIZED ||
			 error_code(e) == H248_E_NOT_REGISTERED)
			agwd_reg_lost(d, "the MGC does not know this MG");
		return;
	case AGWD_OUT_SHUTDOWN:
		d->shutdown_answered = true;
		agw_notice("h248: ServiceChange %s%s",
			   replied ? "answered" : "not answered",
			   d->drain_done ? ", stopping" :
					   ", draining until the delay ends");
		if (d->drain_done)
			agw_evloop_stop(d->loop);
		return;
	case AGWD_OUT_NOTIFY:
		if (!replied)
			agw_warn("h248: a Notify got no reply");
		return;
	}
}

/*
 * SIGTERM: Graceful with ServiceChangeDelay = graceful_delay_s; Adds get
 * 503 while the delay runs, then every context is released (ctl/sc.c)
 * and agwd stops once the MGC answered (or the request timed out). A
 * second signal: Forced, everything released at once, stop.
 */
void agwd_begin_shutdown(struct agwd *d)
{
	bool forced = d->shutting_down;
	uint32_t delay = d->cfg.graceful_delay_s;

	d->shutting_down = true;
	agw_timer_stop(d->loop, &d->reg_timer);
	agw_timer_stop(d->loop, &d->hb_timer);
	agw_timer_stop(d->loop, &d->handoff_timer);
	if (forced || d->reg != AGWD_REGISTERED) {
		agw_timer_stop(d->loop, &d->drain_timer);
		agwd_ctx_release_all(d);
		if (d->reg == AGWD_REGISTERED) {
			cancel_out(d);
			send_service_change(
				d, "Forced",
				"905 Termination taken out of service", 0,
				AGWD_OUT_SHUTDOWN);
		}
		d->reg = AGWD_UNREGISTERED;
		agw_evloop_stop(d->loop);
		return;
	}
	cancel_out(d);
	if (send_service_change(d, "Graceful",
				"905 Termination taken out of service", delay,
				AGWD_OUT_SHUTDOWN)) {
		agwd_ctx_release_all(d);
		agw_evloop_stop(d->loop);
		return;
	}
	agwd_reg_drain(d, delay);
}

/* ---- the drain (Graceful) --------------------------------------------- */

static void on_drain_end(struct agw_timer *tm)
{
	struct agwd *d = tm->arg;

	if (d->tab.nctx)
		agw_notice("h248: Graceful delay over: releasing %u contexts",
			   d->tab.nctx);
	agwd_ctx_release_all(d);
	d->drain_done = true;
	if (!d->shutting_down) {
		/* the MGC's Graceful: out of service until its Restart */
		d->draining = false;
		d->out_of_service = true;
		return;
	}
	if (d->shutdown_answered)
		agw_evloop_stop(d->loop);
}

void agwd_reg_drain(struct agwd *d, uint32_t delay_s)
{
	d->draining = true;
	d->drain_done = false;
	agw_timer_stop(d->loop, &d->drain_timer);
	if (delay_s) {
		agw_notice(
			"h248: Graceful: no new terminations, releasing in %u s",
			delay_s);
		agw_timer_start(d->loop, &d->drain_timer, delay_s * 1000);
		return;
	}
	on_drain_end(&d->drain_timer);
}

static void on_handoff(struct agw_timer *tm)
{
	struct agwd *d = tm->arg;
	d->handoff = true;
	agwd_reg_switch(d, d->handoff_idx);
}

static void drain_init(struct agwd *d)
{
	agw_timer_init(&d->drain_timer, on_drain_end, d);
	agw_timer_init(&d->handoff_timer, on_handoff, d);
}

void agwd_reg_init(struct agwd *d)
{
	agw_timer_init(&d->reg_timer, on_reg_timer, d);
	agw_timer_init(&d->hb_timer, on_hb_timer, d);
	drain_init(d);
	d->reg_backoff_ms = d->cfg.reg_retry_ms;
}
