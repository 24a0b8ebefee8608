// SPDX-License-Identifier: GPL-2.0-only
/*
 * The "flows" control command (agwctl flows): one entry per relaying
 * context, plain or TLS alike, with the path the relay engine chose and
 * why, and its live counters per direction. Read-only; the numbers are
 * the engine's own (Documentation/relay.md, "In agwd").
 */
#include <string.h>

#include "agw/json.h"
#include "agw/log.h"
#include "ctx.h"
#include "tls.h"

static void json_dir(struct agw_json *w, const char *key,
		     const struct agw_relay_dir_stats *s, uint64_t limit)
{
	agw_json_obj_open(w, key);
	agw_json_u64(w, "bytes", s->bytes);
	agw_json_u64(w, "user_bytes", s->user_bytes);
	agw_json_u64(w, "stalls", s->stalls);
	agw_json_bool(w, "closed", s->closed);
	agw_json_u64(w, "limit", limit);
	agw_json_obj_close(w);
}

/* "tls": the session of side a on a TLS path, null on the others. */
static void json_tls(struct agw_json *w, const struct agwd_term *a,
		     const struct agw_relay_flow_stats *st)
{
	if (!agw_relay_path_is_tls(st->path) || !a || !a->tls) {
		agw_json_null(w, "tls");
		return;
	}
	agw_json_obj_open(w, "tls");
	agw_json_str(w, "version", a->tls->version);
	agw_json_str(w, "cipher", a->tls->cipher);
	agw_json_u64(w, "control_records", st->tls_control);
	agw_json_obj_close(w);
}

/* "path", "why" and the directions' counters of a flow */
static void json_path(struct agw_json *w, const struct agw_relay_flow_stats *st)
{
	agw_json_str(w, "path", agw_relay_path_name(st->path));
	agw_json_str(w, "why", agw_relay_why_name(st->why));
	json_dir(w, "a_to_b", &st->dir[0], st->limit[0]);
	json_dir(w, "b_to_a", &st->dir[1], st->limit[1]);
}

/* A released flow (its context was subtracted): draining. */
static void json_released(struct agw_json *w, const struct agwd_released *r,
			  const struct agw_relay_flow_stats *st)
{
	agw_json_obj_open(w, NULL);
	agw_json_u64(w, "context", r->ctx);
	agw_json_str(w, "a", r->a);
	agw_json_str(w, "b", r->b);
	agw_json_str(w, "state", "draining");
	json_path(w, st);
	agw_json_null(w, "tls");
	agw_json_null(w, "idle_ms");
	agw_json_arr_open(w, "discarded");
	agw_json_u64(w, NULL, st->dir[0].discarded);
	agw_json_u64(w, NULL, st->dir[1].discarded);
	agw_json_arr_close(w);
	agw_json_obj_close(w);
}

static void json_flow(struct agw_json *w, const struct agwd_ctx *c,
		      const struct agw_relay_flow_stats *st, uint64_t now_ms)
{
	struct agwd_term *ends[2];
	uint64_t last_ms;

	agwd_flow_ends(c, st, ends);
	agw_json_obj_open(w, NULL);
	agw_json_u64(w, "context", c->id);
	agw_json_str(w, "a", ends[0] ? ends[0]->id : "");
	agw_json_str(w, "b", ends[1] ? ends[1]->id : "");
	agw_json_str(w, "state", "relaying");
	json_path(w, st);
	json_tls(w, ends[0], st);
	/* the engine's clock is CLOCK_MONOTONIC too (BPF: bpf_ktime_get_ns) */
	last_ms = st->last_ns / 1000000ULL;
	if (st->last_ns && now_ms >= last_ms)
		agw_json_u64(w, "idle_ms", now_ms - last_ms);
	else
		agw_json_null(w, "idle_ms");
	agw_json_obj_close(w);
}

static void json_engine(struct agwd *d, struct agw_json *w)
{
	int st = agw_relay_sockmap_status(d->relay);

	agw_json_str(w, "default_path", agw_relay_path_name(d->cfg.relay_path));
	if (!st)
		agw_json_str(w, "sockmap", "loaded");
	else
		agw_json_str(w, "sockmap",
			     d->cfg.relay_bpf ? strerror(-st) : "off");
}

int agwd_ctl_flows(struct agwd *d, uint32_t want, struct agw_strbuf *out)
{
	struct agw_relay_flow_stats st;
	uint64_t now_ms = agw_now_ms();
	struct agw_json w;
	unsigned int n = 0;

	agw_json_init_members(&w, out);
	json_engine(d, &w);
	agw_json_arr_open(&w, "flows");
	for (uint32_t i = 0; i < d->tab.max_ctx; i++) {
		const struct agwd_ctx *c = &d->tab.ctx[i];

		if (!c->id || (want && c->id != want))
			continue;
		if (!c->relaying || agw_relay_stats(d->relay, c->relay_id, &st))
			continue;
		json_flow(&w, c, &st, now_ms);
		n++;
	}
	for (uint32_t i = 0; i < d->nreleased; i++) {
		const struct agwd_released *r = &d->released[i];

		if ((want && r->ctx != want) ||
		    agw_relay_stats(d->relay, r->flow_id, &st))
			continue;
		json_released(&w, r, &st);
		n++;
	}
	agw_json_arr_close(&w);
	agw_json_u64(&w, "count", n);
	return agw_json_end(&w);
}
