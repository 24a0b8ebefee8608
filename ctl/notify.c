// SPDX-License-Identifier: GPL-2.0-only
/*
 * MG-originated Notify of a termination's events (H.248.1 §7.2.7), the
 * end of a termination's connection (state closed, tcpbcc/rel) that the
 * socket state machine, the relay and TLS report here, and the hangterm
 * heartbeat that sends a Notify every hangterm/timerx seconds. Calls only
 * the transaction layer (ctl/txn.c).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "agw/log.h"
#include "ctx.h"

/* Keep the event for AuditValue ObservedEvents (the newest AGWD_OE_KEEP). */
static void observed(struct agwd_term *t, const char *event, const char *pname,
		     const char *pvalue, time_t now)
{
	if (t->noe == AGWD_OE_KEEP) {
		memmove(&t->oe[0], &t->oe[1],
			sizeof(t->oe[0]) * (AGWD_OE_KEEP - 1));
		t->noe--;
	}
	t->oe[t->noe++] = (struct agwd_observed){ .event = event,
						  .pname = pname,
						  .pvalue = pvalue,
						  .rid = t->p.rid,
						  .when = now };
}

void agwd_notify(struct agwd *d, struct agwd_term *t, const char *event)
{
	agwd_notify_param(d, t, event, NULL, NULL);
}

void agwd_notify_param(struct agwd *d, struct agwd_term *t, const char *event,
		       const char *pname, const char *pvalue)
{
	struct h248_message *m;
	struct h248_transaction *tr;
	struct h248_action *act;
	struct h248_command *c;
	struct h248_node *oe, *ev;
	char ts[32];
	struct tm tm;
	time_t now = time(NULL);
	uint32_t tid;

	if (!t->ctx)
		return;
	observed(t, event, pname, pvalue, now);
	if (d->reg != AGWD_REGISTERED)
		return;
	agwd_txn_prepare(d);
	tr = agwd_txn_new_request(d, &m, &tid);
	act = tr ? h248_build_action(&d->arena, tr, H248_CTX_ID, t->ctx->id) :
		   NULL;
	c = act ? h248_build_command(
			  &d->arena, act, H248_CMD_NOTIFY,
			  (struct h248_str){ t->id, (uint32_t)strlen(t->id) }) :
		  NULL;
	oe = c ? h248_build_node(&d->arena, &c->desc, H248_KW_OBSERVEDEVENTS,
				 H248_STR("")) :
		 NULL;
	if (!oe || h248_build_value(
			   &d->arena, oe, H248_OP_EQ,
			   h248_arena_printf(&d->arena, "%u", t->p.rid), false))
		goto fail;
	ev = h248_build_node(&d->arena, &oe->child, H248_KW_NAME,
			     h248_arena_strdup(&d->arena, event,
					       strlen(event)));
	if (!ev)
		goto fail;
	gmtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%Y%m%dT%H%M%S00", &tm);
	ev->ts = h248_arena_strdup(&d->arena, ts, strlen(ts));
	ev->flags |= H248_NF_TS;
	if (pname) {
		struct h248_node *pn = h248_build_node(
			&d->arena, &ev->child, H248_KW_NAME,
			h248_arena_strdup(&d->arena, pname, strlen(pname)));

		if (!pn || h248_build_value(&d->arena, pn, H248_OP_EQ,
					    h248_arena_strdup(&d->arena, pvalue,
							      strlen(pvalue)),
					    true))
			goto fail;
	}
	agw_info("%s: Notify %s%s%s", t->id, event, pname ? " " : "",
		 pname ? pvalue : "");
	if (!agwd_txn_request(d, m, tid, AGWD_OUT_NOTIFY)) {
		agwd_term_event(d,
				(struct agwd_event){ .kind = AGWD_EV_NOTIFY,
						     .name = event,
						     .param = pname,
						     .value = pvalue },
				t);
		return;
	}
fail:
	agw_warn("%s: Notify %s not sent", t->id, event);
}

void agwd_term_released(struct agwd *d, struct agwd_term *t)
{
	t->state = AGWD_TS_CLOSED;
	if (t->p.ev_rel)
		agwd_notify(d, t, "tcpbcc/rel");
}

/* hangterm: the termination heartbeat */

void agwd_on_term_heartbeat(struct agw_timer *tm)
{
	struct agwd_term *t = tm->arg;

	agwd_notify(t->d, t, "hangterm/thb");
	agw_timer_start(t->d->loop, &t->hb_timer, t->p.hb_s * 1000ull);
}

/* (Re)arm or stop the termination heartbeat after its properties change. */
void agwd_heartbeat_update(struct agwd *d, struct agwd_term *t)
{
	if (t->p.ev_thb && t->p.hb_s)
		agw_timer_start(d->loop, &t->hb_timer, t->p.hb_s * 1000ull);
	else
		agw_timer_stop(d->loop, &t->hb_timer);
}
