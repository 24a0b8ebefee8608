// SPDX-License-Identifier: GPL-2.0-only
/*
 * Registration with the MGC (H.248.1 clause 11): ServiceChange Restart on
 * start, retried with doubling backoff through the MGC list; version
 * negotiation from the reply; a heartbeat (AuditValue on ROOT) that finds
 * a lost MGC; ServiceChange Graceful/Forced on shutdown.
 */
#include <errno.h>
#include <string.h>

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
					 struct h248_message **m,
					 uint32_t *tid)
{
	struct h248_transaction *t = agwd_txn_new_request(d, m, tid);
	struct h248_action *act;

	if (!t)
		return NULL;
	act = h248_build_action(&d->arena, t, H248_CTX_NULL, 0);
	return act ? h248_build_command(&d->arena, act, cmd,
					H248_STR("ROOT")) :
		     NULL;
}

static int add_param(struct agwd *d, struct h248_node **list,
		     enum h248_kw kw, const char *v, bool quoted)
{
	struct h248_node *n = h248_build_node(&d->arena, list, kw,
					      H248_STR(""));

	if (!n)
		return -ENOMEM;
	return h248_build_value(&d->arena, n, H248_OP_EQ,
				(struct h248_str){ v, (uint32_t)strlen(v) },
				quoted);
}

static int send_service_change(struct agwd *d, const char *method,
			       const char *reason, enum agwd_out_kind kind)
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
	    (kind == AGWD_OUT_REGISTER &&
	     (err = add_param(d, &sv->child, H248_KW_VERSION, "3", false))))
		return err;
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
	err = send_service_change(d, "Restart",
				  d->restored ? "900 Service Restored" :
						"901 Cold Boot",
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
	agw_txn_out_cancel_all(d->out);
	d->reg_backoff_ms = d->cfg.reg_retry_ms;
	agwd_reg_start(d);
}

/* Version in the reply's ServiceChange Services, if any. */
static int reply_version(const struct h248_transaction *t)
{
	for (const struct h248_action *a = t->actions; a; a = a->next)
		for (const struct h248_command *c = a->cmds; c; c = c->next) {
			const struct h248_node *sv, *v;
			uint32_t n;

			sv = h248_node_find(c->desc, H248_KW_SERVICES);
			v = sv ? h248_node_find(sv->child, H248_KW_VERSION) :
				 NULL;
			if (v && !h248_node_uint(v, &n))
				return (int)n;
		}
	return -1;
}

void agwd_reg_done(struct agwd *d, enum agwd_out_kind kind, uint32_t tid,
		   bool replied,
		   const struct h248_transaction *reply)
{
	const struct h248_node *e = reply ? h248_trans_error(reply) : NULL;
	uint32_t code;
	int v;

	switch (kind) {
	case AGWD_OUT_REGISTER:
		if (!replied || e) {
			agw_warn("h248: registration %s%.*s; retry in %u ms",
				 replied ? "refused: " : "got no reply",
				 e ? (int)e->body.len : 0,
				 e ? e->body.ptr : "", d->reg_backoff_ms);
			retry_later(d);
			return;
		}
		v = reply_version(reply);
		if (v >= 1 && v < d->version)
			d->version = v;
		d->reg = AGWD_REGISTERED;
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
		agw_notice("h248: registered with the MGC, version %d",
			   d->version);
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
		else if (e && e->nv == 1 && !h248_node_uint(e, &code) &&
			 (code == H248_E_UNAUTHORIZED ||
			  code == H248_E_NOT_REGISTERED))
			agwd_reg_lost(d, "the MGC does not know this MG");
		return;
	case AGWD_OUT_SHUTDOWN:
		agw_notice("h248: ServiceChange %s, stopping",
			   replied ? "answered" : "not answered");
		agw_evloop_stop(d->loop);
		return;
	case AGWD_OUT_NOTIFY:
		if (!replied)
			agw_warn("h248: a Notify got no reply");
		return;
	}
}

void agwd_begin_shutdown(struct agwd *d)
{
	bool forced = d->shutting_down;
	int err = -ENOTCONN;

	d->shutting_down = true;
	agw_timer_stop(d->loop, &d->reg_timer);
	agw_timer_stop(d->loop, &d->hb_timer);
	agwd_ctx_release_all(d);
	if (d->reg == AGWD_REGISTERED && !forced) {
		agw_txn_out_cancel_all(d->out);
		err = send_service_change(d, "Graceful",
					  "905 Termination taken out of service",
					  AGWD_OUT_SHUTDOWN);
	} else if (d->reg == AGWD_REGISTERED) {
		agw_txn_out_cancel_all(d->out);
		err = send_service_change(d, "Forced",
					  "905 Termination taken out of service",
					  AGWD_OUT_SHUTDOWN);
		d->reg = AGWD_UNREGISTERED;
		agw_evloop_stop(d->loop);
		return;
	}
	if (err)
		agw_evloop_stop(d->loop);
}

void agwd_reg_init(struct agwd *d)
{
	agw_timer_init(&d->reg_timer, on_reg_timer, d);
	agw_timer_init(&d->hb_timer, on_hb_timer, d);
	d->reg_backoff_ms = d->cfg.reg_retry_ms;
}
