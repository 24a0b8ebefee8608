// SPDX-License-Identifier: GPL-2.0-only
/*
 * The "flows" control command (agwctl flows): one entry per relaying
 * context, plain or TLS alike, with the path the relay engine chose and
 * why, and its live counters per direction. Read-only; the numbers are
 * the engine's own (Documentation/relay.md, "In agwd").
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "agw/log.h"
#include "agw/strbuf.h"
#include "ctx.h"
#include "tls.h"

static void json_dir(struct agw_strbuf *out, const char *key,
		     const struct agw_relay_dir_stats *s, uint64_t limit)
{
	agw_strbuf_printf(out,
			  ",\"%s\":{\"bytes\":%llu,\"user_bytes\":%llu,"
			  "\"stalls\":%llu,\"closed\":%s,\"limit\":%llu}",
			  key, (unsigned long long)s->bytes,
			  (unsigned long long)s->user_bytes,
			  (unsigned long long)s->stalls,
			  s->closed ? "true" : "false",
			  (unsigned long long)limit);
}

/* "tls": the session of side a on a TLS path, null on the others. */
static void json_tls(struct agw_strbuf *out, const struct agwd_term *a,
		     const struct agw_relay_flow_stats *st)
{
	if (!agw_relay_path_is_tls(st->path) || !a || !a->tls) {
		agw_strbuf_printf(out, ",\"tls\":null");
		return;
	}
	agw_strbuf_printf(out, ",\"tls\":{\"version\":");
	agw_strbuf_json_str(out, a->tls->version);
	agw_strbuf_printf(out, ",\"cipher\":");
	agw_strbuf_json_str(out, a->tls->cipher);
	agw_strbuf_printf(out, ",\"control_records\":%llu}",
			  (unsigned long long)st->tls_control);
}

/* "path", "why", the directions' counters and "idle_ms" of a flow */
static void json_path(struct agw_strbuf *out,
		      const struct agw_relay_flow_stats *st)
{
	agw_strbuf_printf(out, ",\"path\":\"%s\",\"why\":\"%s\"",
			  agw_relay_path_name(st->path),
			  agw_relay_why_name(st->why));
	json_dir(out, "a_to_b", &st->dir[0], st->limit[0]);
	json_dir(out, "b_to_a", &st->dir[1], st->limit[1]);
}

/* A released flow (its context was subtracted): draining. */
static void json_released(struct agw_strbuf *out, const struct agwd_released *r,
			  const struct agw_relay_flow_stats *st)
{
	agw_strbuf_printf(out, "{\"context\":%u,\"a\":", r->ctx);
	agw_strbuf_json_str(out, r->a);
	agw_strbuf_printf(out, ",\"b\":");
	agw_strbuf_json_str(out, r->b);
	agw_strbuf_printf(out, ",\"state\":\"draining\"");
	json_path(out, st);
	agw_strbuf_printf(out,
			  ",\"tls\":null,\"idle_ms\":null,"
			  "\"discarded\":[%llu,%llu]}",
			  (unsigned long long)st->dir[0].discarded,
			  (unsigned long long)st->dir[1].discarded);
}

static void json_flow(struct agw_strbuf *out, const struct agwd_ctx *c,
		      const struct agw_relay_flow_stats *st, uint64_t now_ms)
{
	struct agwd_term *ends[2];
	uint64_t last_ms;

	agwd_flow_ends(c, st, ends);
	agw_strbuf_printf(out, "{\"context\":%u", c->id);
	for (unsigned int i = 0; i < 2; i++) {
		agw_strbuf_printf(out, ",\"%s\":", i ? "b" : "a");
		agw_strbuf_json_str(out, ends[i] ? ends[i]->id : "");
	}
	agw_strbuf_printf(out, ",\"state\":\"relaying\"");
	json_path(out, st);
	json_tls(out, ends[0], st);
	/* the engine's clock is CLOCK_MONOTONIC too (BPF: bpf_ktime_get_ns) */
	last_ms = st->last_ns / 1000000ULL;
	if (st->last_ns && now_ms >= last_ms)
		agw_strbuf_printf(out, ",\"idle_ms\":%llu}",
				  (unsigned long long)(now_ms - last_ms));
	else
		agw_strbuf_printf(out, ",\"idle_ms\":null}");
}

static void json_engine(struct agwd *d, struct agw_strbuf *out)
{
	int st = agw_relay_sockmap_status(d->relay);

	agw_strbuf_printf(out, ",\"default_path\":\"%s\",\"sockmap\":",
			  agw_relay_path_name(d->cfg.relay_path));
	if (!st)
		agw_strbuf_printf(out, "\"loaded\"");
	else
		agw_strbuf_json_str(out,
				    d->cfg.relay_bpf ? strerror(-st) : "off");
}

int agwd_ctl_flows(struct agwd *d, const char *args, struct agw_strbuf *out)
{
	struct agw_relay_flow_stats st;
	unsigned long want = 0;
	uint64_t now_ms = agw_now_ms();
	unsigned int n = 0;
	char *end;

	if (*args) {
		want = strtoul(args, &end, 10);
		if (*end || !want || want > d->tab.max_ctx) {
			agw_strbuf_printf(out,
					  "flows takes an optional context id");
			return -EINVAL;
		}
	}
	json_engine(d, out);
	agw_strbuf_printf(out, ",\"flows\":[");
	for (uint32_t i = 0; i < d->tab.max_ctx; i++) {
		const struct agwd_ctx *c = &d->tab.ctx[i];

		if (!c->id || (want && c->id != want))
			continue;
		if (!c->relaying || agw_relay_stats(d->relay, c->relay_id, &st))
			continue;
		agw_strbuf_printf(out, n++ ? "," : "");
		json_flow(out, c, &st, now_ms);
	}
	for (uint32_t i = 0; i < d->nreleased; i++) {
		const struct agwd_released *r = &d->released[i];

		if ((want && r->ctx != want) ||
		    agw_relay_stats(d->relay, r->flow_id, &st))
			continue;
		agw_strbuf_printf(out, n++ ? "," : "");
		json_released(out, r, &st);
	}
	agw_strbuf_printf(out, "],\"count\":%u", n);
	return 0;
}
