// SPDX-License-Identifier: GPL-2.0-only
/* MG-originated requests with retransmission; see the header. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "agw/bytepool.h"
#include "agw/h248_txn_out.h"
#include "agw/log.h"

struct out_req {
	struct agw_txn_out *o;
	uint32_t tid;
	bool in_use, retransmit, pending;
	uint32_t delay_ms; /* next retransmission interval */
	uint64_t deadline_ms; /* give up at */
	uint8_t *msg;
	size_t len;
	void *user;
	struct agw_timer timer;
};

struct agw_txn_out {
	struct agw_evloop *loop;
	struct agw_txn_out_cfg cfg;
	struct agw_txn_out_cbs cbs;
	void *arg;
	struct agw_bytepool pool;
	uint32_t capacity, used, next_tid;
	struct out_req *reqs;
};

/* In-flight requests are few (registration, Notifies): a scan is enough. */
static struct out_req *find(struct agw_txn_out *o, uint32_t tid)
{
	for (uint32_t i = 0; i < o->capacity; i++)
		if (o->reqs[i].in_use && o->reqs[i].tid == tid)
			return &o->reqs[i];
	return NULL;
}

static void finish(struct out_req *r, enum agw_txn_out_result res)
{
	struct agw_txn_out *o = r->o;
	uint32_t tid = r->tid;
	void *user = r->user;

	agw_timer_stop(o->loop, &r->timer);
	agw_bytepool_free(&o->pool, r->msg, r->len);
	r->msg = NULL;
	r->in_use = false;
	o->used--;
	o->cbs.done(o->arg, tid, res, user);
}

static void on_timer(struct agw_timer *t)
{
	struct out_req *r = t->arg;
	struct agw_txn_out *o = r->o;
	uint64_t now = agw_now_ms();

	if (r->pending || now >= r->deadline_ms || !r->retransmit) {
		finish(r, AGW_TXN_OUT_TIMEOUT);
		return;
	}
	agw_dbg("h248 request %u: no reply, retransmitting", r->tid);
	o->cbs.send(o->arg, r->tid, r->msg, r->len, r->user);
	now = agw_now_ms(); /* intervals count from the send */
	r->delay_ms = r->delay_ms * 2 > o->cfg.retransmit_max_ms ?
			      o->cfg.retransmit_max_ms :
			      r->delay_ms * 2;
	agw_timer_start_at(o->loop, &r->timer,
			   now + r->delay_ms < r->deadline_ms ?
				   now + r->delay_ms :
				   r->deadline_ms);
}

int agw_txn_out_new(struct agw_evloop *loop, uint32_t capacity,
		    const struct agw_txn_out_cfg *cfg,
		    const struct agw_txn_out_cbs *cbs, void *arg,
		    struct agw_txn_out **out)
{
	struct agw_txn_out *o;

	if (!capacity || !cfg->retransmit_ms || !cfg->give_up_ms ||
	    !cbs->send || !cbs->done)
		return -EINVAL;
	o = calloc(1, sizeof(*o));
	if (!o)
		return -ENOMEM;
	o->reqs = calloc(capacity, sizeof(*o->reqs));
	if (!o->reqs) {
		free(o);
		return -ENOMEM;
	}
	o->loop = loop;
	o->cfg = *cfg;
	if (o->cfg.retransmit_max_ms < o->cfg.retransmit_ms)
		o->cfg.retransmit_max_ms = o->cfg.retransmit_ms;
	if (!o->cfg.pending_ms)
		o->cfg.pending_ms = o->cfg.give_up_ms;
	o->cbs = *cbs;
	o->arg = arg;
	o->capacity = capacity;
	o->next_tid = 1;
	agw_bytepool_init(&o->pool);
	for (uint32_t i = 0; i < capacity; i++) {
		o->reqs[i].o = o;
		agw_timer_init(&o->reqs[i].timer, on_timer, &o->reqs[i]);
	}
	*out = o;
	return 0;
}

void agw_txn_out_free(struct agw_txn_out *o)
{
	if (!o)
		return;
	for (uint32_t i = 0; i < o->capacity; i++)
		agw_timer_stop(o->loop, &o->reqs[i].timer);
	agw_bytepool_fini(&o->pool);
	free(o->reqs);
	free(o);
}

uint32_t agw_txn_out_next_tid(struct agw_txn_out *o)
{
	uint32_t tid;

	do {
		tid = o->next_tid++;
		if (!o->next_tid)
			o->next_tid = 1;
	} while (!tid || find(o, tid));
	return tid;
}

int agw_txn_out_start(struct agw_txn_out *o, uint32_t tid, const void *msg,
		      size_t len, bool retransmit, void *user)
{
	struct out_req *r = NULL;
	uint64_t now = agw_now_ms();

	if (!tid || !len)
		return -EINVAL;
	if (find(o, tid))
		return -EEXIST;
	for (uint32_t i = 0; i < o->capacity && !r; i++)
		if (!o->reqs[i].in_use)
			r = &o->reqs[i];
	if (!r)
		return -ENOSPC;
	r->msg = agw_bytepool_alloc(&o->pool, len);
	if (!r->msg)
		return -ENOMEM;
	memcpy(r->msg, msg, len);
	r->len = len;
	r->tid = tid;
	r->user = user;
	r->in_use = true;
	r->pending = false;
	r->retransmit = retransmit;
	r->delay_ms = o->cfg.retransmit_ms;
	r->deadline_ms = now + o->cfg.give_up_ms;
	o->used++;
	o->cbs.send(o->arg, tid, r->msg, len, user);
	now = agw_now_ms(); /* intervals count from the send */
	agw_timer_start_at(o->loop, &r->timer,
			   retransmit && now + r->delay_ms < r->deadline_ms ?
				   now + r->delay_ms :
				   r->deadline_ms);
	return 0;
}

int agw_txn_out_reply(struct agw_txn_out *o, uint32_t tid)
{
	struct out_req *r = find(o, tid);

	if (!r)
		return -ENOENT;
	finish(r, AGW_TXN_OUT_REPLY);
	return 0;
}

int agw_txn_out_pending(struct agw_txn_out *o, uint32_t tid)
{
	struct out_req *r = find(o, tid);

	if (!r)
		return -ENOENT;
	/* The MGC has it: no more retransmissions, wait for the next sign. */
	r->pending = true;
	agw_timer_start(o->loop, &r->timer, o->cfg.pending_ms);
	return 0;
}

void agw_txn_out_cancel_all(struct agw_txn_out *o)
{
	for (uint32_t i = 0; i < o->capacity; i++)
		if (o->reqs[i].in_use)
			finish(&o->reqs[i], AGW_TXN_OUT_CANCELLED);
}

uint32_t agw_txn_out_count(const struct agw_txn_out *o)
{
	return o->used;
}
