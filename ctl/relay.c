// SPDX-License-Identifier: GPL-2.0-only
/*
 * agwd's relay engine (lib/relay*.c): created from the [relay] section,
 * its maps pinned for inspection, its status logged once at start, and
 * its epoll fd driven from agwd's loop; and the flows, plain and TLS
 * alike: the handover of a context's two connected terminations (for TLS,
 * the verified session from ctl/tls.c and the plain socket), the end
 * event, the harvest of the byte and segment counts into the
 * terminations, and the stop. ctl/flows.c shows them.
 */
#include <errno.h>
#include <netinet/in.h>
#include <linux/tcp.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "agw/fsutil.h"
#include "agw/log.h"
#include "agw/relay_maps.h"
#include "ctx.h"
#include "metrics.h"
#include "tls.h"

static void on_relay_fd(struct agw_evfd *h, uint32_t events)
{
	struct agwd *d = h->arg;

	agw_relay_dispatch(d->relay, 0);
}

/* Whether the sockmap program loaded, and why not: once, at start. */
static void log_relay_start(struct agwd *d)
{
	const char *path = agw_relay_path_name(d->cfg.relay_path);
	int st = agw_relay_sockmap_status(d->relay);

	if (!d->cfg.relay_bpf)
		agw_notice(
			"relay: default path %s; sockmap off ([relay] bpf = off): sockmap flows fall back to copy (no-bpf)",
			path);
	else if (st)
		agw_warn(
			"relay: default path %s; sockmap program not loaded: %s: sockmap flows fall back to copy (no-bpf)",
			path, strerror(-st));
	else if (d->relay_pin_dir[0])
		agw_notice(
			"relay: default path %s; sockmap program loaded, maps pinned in %s",
			path, d->relay_pin_dir);
	else
		agw_notice(
			"relay: default path %s; sockmap program loaded (maps not pinned)",
			path);
}

/*
 * The relay keeps nothing across restarts (no flow outlives agwd): its
 * pins are for looking at while agwd runs. Those of an earlier run are
 * removed before loading, as libbpf would otherwise reuse them, and
 * refuse to when their size no longer matches [limits] contexts, which
 * would cost the sockmap path; agwd's own go at exit.
 */
static int relay_pins_remove(const char *dir)
{
	static const char *const maps[] = { AGW_MAP_RELAY_SOCKS,
					    AGW_MAP_RELAY_INDEX,
					    AGW_MAP_RELAY_DIRS };
	char path[AGW_CFG_PATH_MAX + 32];
	int err = 0;

	for (unsigned int i = 0; i < sizeof(maps) / sizeof(maps[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, maps[i]);
		if (unlink(path) && errno != ENOENT)
			err = -errno;
	}
	return err;
}

static int relay_pins_prepare(const char *dir)
{
	int err;

	agwd_ensure_bpffs(dir);
	err = agw_mkdir_p(dir, 0700);
	return err ? err : relay_pins_remove(dir);
}

int agwd_relay_init(struct agwd *d)
{
	struct agw_relay_config rc = {
		.path = d->cfg.relay_path,
		.max_unsent = d->cfg.relay_max_unsent,
		.max_flows = d->cfg.max_contexts,
		.drain_timeout_ms = d->cfg.relay_drain_ms,
		.no_bpf = !d->cfg.relay_bpf,
		.on_event = agwd_on_relay_event,
		.arg = d,
	};
	int err;

	d->released = calloc(d->cfg.max_contexts ? d->cfg.max_contexts : 1,
			     sizeof(*d->released));
	if (!d->released)
		return -ENOMEM;
	d->nreleased = 0;
	if (d->cfg.relay_bpf) {
		err = agw_config_relay_pin_dir(&d->cfg, d->relay_pin_dir,
					       sizeof(d->relay_pin_dir));
		if (!err)
			err = relay_pins_prepare(d->relay_pin_dir);
		if (err) {
			agw_warn(
				"relay: pin directory %s: %s (maps not pinned)",
				d->relay_pin_dir, strerror(-err));
			d->relay_pin_dir[0] = 0;
		} else {
			rc.pin_dir = d->relay_pin_dir;
		}
	}
	err = agw_relay_new(&rc, &d->relay);
	if (err)
		return err;
	/* The pins are for inspection only: they must not cost the path
	 * (e.g. a pin_dir that is not on a bpffs). */
	if (rc.pin_dir && (err = agw_relay_sockmap_status(d->relay))) {
		agw_warn(
			"relay: sockmap program with its maps pinned in %s: %s; loading it without pins",
			rc.pin_dir, strerror(-err));
		agw_relay_free(d->relay);
		d->relay = NULL;
		rc.pin_dir = NULL;
		d->relay_pin_dir[0] = 0;
		err = agw_relay_new(&rc, &d->relay);
		if (err)
			return err;
	}
	log_relay_start(d);
	return agw_evloop_add_fd(d->loop, &d->relay_ev, agw_relay_fd(d->relay),
				 EPOLLIN, on_relay_fd, d);
}

void agwd_relay_fini(struct agwd *d)
{
	if (!d->relay)
		return;
	agw_evloop_del_fd(d->loop, &d->relay_ev);
	if (!agw_relay_sockmap_status(d->relay) && d->relay_pin_dir[0])
		relay_pins_remove(d->relay_pin_dir);
	agw_relay_free(d->relay);
	d->relay = NULL;
	free(d->released);
	d->released = NULL;
	d->nreleased = 0;
}

void agwd_tcp_segs(int fd, uint64_t pkt[2])
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	if (fd >= 0 && !getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len)) {
		pkt[0] = ti.tcpi_data_segs_out;
		pkt[1] = ti.tcpi_data_segs_in;
	}
}

void agwd_flow_ends(const struct agwd_ctx *c,
		    const struct agw_relay_flow_stats *st,
		    struct agwd_term *ends[2])
{
	/* A TLS flow's side a is the TLS termination; a plain flow's is
	 * c->t[0]. */
	bool swap = agw_relay_path_is_tls(st->path) && c->t[1] && c->t[1]->tls;

	ends[0] = c->t[swap];
	ends[1] = c->t[!swap];
}

static void harvest(struct agwd_ctx *c, const struct agw_relay_flow_stats *st)
{
	struct agwd_term *ends[2];

	agwd_flow_ends(c, st, ends);
	/* dir[0]: a -> b; [0] of the counters: sent to the peer */
	for (int i = 0; i < 2; i++) {
		struct agwd_term *t = ends[i];

		if (!t)
			continue;
		t->octets[1] = st->dir[i].bytes;
		t->octets[0] = st->dir[!i].bytes;
		t->packets[0] = st->segs[i][0];
		t->packets[1] = st->segs[i][1];
	}
}

/* What the engine's why adds to a log line ("" when nothing). */
static const char *why_text(const struct agw_relay_flow_stats *st)
{
	if (st->why == AGW_RELAY_WHY_REQUESTED ||
	    st->why == AGW_RELAY_WHY_DEFAULT)
		return "";
	return agw_relay_why_text(st->why);
}

/* Why a flow ended, for the log. */
static const char *end_text(const struct agw_relay_flow_stats *st, int err)
{
	if (err == EOPNOTSUPP && agw_relay_path_is_tls(st->path))
		return "peer sent KeyUpdate: kTLS send cannot be rekeyed "
		       "(TLS 1.3, OpenSSL 3.0); flow cut";
	return err ? strerror(err) : "";
}

/* The end of a released flow (its context is gone): logged, forgotten. */
static void released_ended(struct agwd *d, uint64_t flow_id,
			   enum agw_relay_event ev, int side, int err,
			   const struct agw_relay_flow_stats *st)
{
	struct agwd_released *r = NULL;
	const char *who;

	for (uint32_t i = 0; i < d->nreleased; i++)
		if (d->released[i].flow_id == flow_id)
			r = &d->released[i];
	if (!r)
		return;
	who = side ? r->b : r->a;
	agw_info(
		"context %u: released relay %s on %s (%s->%s %llu, %s->%s %llu octets; dropped after the release: %llu from %s, %llu from %s)%s%s",
		r->ctx, agw_relay_event_name(ev), agw_relay_path_name(st->path),
		r->a, r->b, (unsigned long long)st->dir[0].bytes, r->b, r->a,
		(unsigned long long)st->dir[1].bytes,
		(unsigned long long)st->dir[0].discarded, r->a,
		(unsigned long long)st->dir[1].discarded, r->b, err ? ": " : "",
		err ? strerror(err) : "");
	if (err == ETIMEDOUT)
		agw_notice(
			"context %u: released relay: %s did not take every byte within release_drain_ms: reset",
			r->ctx, who);
	*r = d->released[--d->nreleased];
}

void agwd_on_relay_event(void *arg, uint64_t flow_id, void *ctx,
			 enum agw_relay_event ev, int side, int err,
			 const struct agw_relay_flow_stats *st)
{
	struct agwd *d = arg;
	struct agwd_ctx *c = ctx;
	struct agwd_term *ends[2];

	if (!c) {
		released_ended(d, flow_id, ev, side, err, st);
		return;
	}
	if (!c->relaying || c->relay_id != flow_id)
		return; /* aborted by a Subtract: already harvested */
	harvest(c, st);
	agwd_metric_flow_end(st);
	c->relaying = false;
	agwd_flow_ends(c, st, ends);
	agw_info(
		"context %u: relay %s on %s (%s->%s %llu, %s->%s %llu octets)%s%s",
		c->id, agw_relay_event_name(ev), agw_relay_path_name(st->path),
		ends[0] ? ends[0]->id : "?", ends[1] ? ends[1]->id : "?",
		(unsigned long long)st->dir[0].bytes,
		ends[1] ? ends[1]->id : "?", ends[0] ? ends[0]->id : "?",
		(unsigned long long)st->dir[1].bytes, err ? ": " : "",
		end_text(st, err));
	for (unsigned int i = 0; i < AGWD_TERMS_PER_CTX; i++) {
		struct agwd_term *t = c->t[i];

		if (t)
			agwd_term_released(d, t);
	}
}

/* Take both terminations' packet counts and byte counts, then reset. */
void agwd_ctx_stop_relay(struct agwd *d, struct agwd_ctx *c)
{
	struct agw_relay_flow_stats st;

	if (!c->relaying)
		return;
	if (!agw_relay_stats(d->relay, c->relay_id, &st))
		harvest(c, &st);
	agwd_metric_flow_end(
		agw_relay_stats(d->relay, c->relay_id, &st) ? NULL : &st);
	c->relaying = false;
	agw_relay_abort(d->relay, c->relay_id);
}

void agwd_ctx_release_relay(struct agwd *d, struct agwd_ctx *c)
{
	struct agw_relay_flow_stats st;
	struct agwd_term *ends[2];
	struct agwd_released *r;
	int err;

	if (!c->relaying)
		return;
	if (agw_relay_stats(d->relay, c->relay_id, &st) ||
	    d->nreleased >= d->cfg.max_contexts) {
		agwd_ctx_stop_relay(d, c);
		return;
	}
	/* The Statistics are the counts at the Subtract. */
	harvest(c, &st);
	agwd_metric_flow_end(&st);
	c->relaying = false;
	err = agw_relay_release(d->relay, c->relay_id, d->cfg.relay_release_ms,
				NULL);
	if (err) {
		agw_err("context %u: relay release: %s; reset", c->id,
			strerror(-err));
		agw_relay_abort(d->relay, c->relay_id);
		return;
	}
	agwd_flow_ends(c, &st, ends);
	r = &d->released[d->nreleased++];
	r->flow_id = c->relay_id;
	r->ctx = c->id;
	snprintf(r->a, sizeof(r->a), "%s", ends[0] ? ends[0]->id : "?");
	snprintf(r->b, sizeof(r->b), "%s", ends[1] ? ends[1]->id : "?");
	agw_info(
		"context %u: relay released on %s: what %s and %s sent goes on, then FIN both ways (draining, %u ms at most)",
		c->id, agw_relay_path_name(st.path), r->a, r->b,
		d->cfg.relay_release_ms);
}

/* The TLS termination of a context (at most one is relayed). */
static struct agwd_term *tls_end(struct agwd_ctx *c, struct agwd_term **plain)
{
	struct agwd_term *a = c->t[0], *b = c->t[1];

	if (a && a->tls && b && b->tls) {
		agw_err("context %u: two TLS terminations: not relayed", c->id);
		return NULL;
	}
	*plain = a && a->tls ? b : a;
	return a && a->tls ? a : b && b->tls ? b : NULL;
}

/* A verified TLS session and the plain termination's socket. */
static int add_tls(struct agwd *d, struct agwd_ctx *c, struct agwd_term *t,
		   struct agwd_term *p)
{
	struct agw_relay_flow_opts o = { .ctx = c };
	struct agw_tls_session *s;
	int err;

	if (p->state != AGWD_TS_CONNECTED || p->cfd < 0 ||
	    !(s = agwd_tls_take_session(d, t)))
		return -EAGAIN;
	agw_evloop_del_fd(d->loop, &p->cev);
	err = agw_relay_add_tls(d->relay, s, p->cfd, &o, &c->relay_id);
	if (err) {
		/* fail closed: the session is not relayed later either */
		agw_tls_session_free(s);
		close(p->cfd);
		p->cfd = -1;
		t->state = p->state = AGWD_TS_FAILED;
	}
	return err;
}

static int add_plain(struct agwd *d, struct agwd_ctx *c)
{
	struct agwd_term *a = c->t[0], *b = c->t[1];
	struct agw_relay_flow_opts o = { .ctx = c };

	if (!a || !b || a->state != AGWD_TS_CONNECTED ||
	    b->state != AGWD_TS_CONNECTED)
		return -EAGAIN;
	agw_evloop_del_fd(d->loop, &a->cev);
	agw_evloop_del_fd(d->loop, &b->cev);
	return agw_relay_add(d->relay, a->cfd, b->cfd, &o, &c->relay_id);
}

static void log_relaying(struct agwd_ctx *c, struct agwd_term *ends[2],
			 const struct agw_relay_flow_stats *st)
{
	const char *why = why_text(st);
	const struct agwd_tls_term *x = ends[0]->tls;

	if (x)
		agw_info(
			"context %u: relaying %s (TLS %s, %s) <-> %s, mode %s: %s",
			c->id, ends[0]->id, x->version, x->cipher, ends[1]->id,
			agw_relay_path_name(st->path) + 4,
			agw_relay_why_text(st->why));
	else
		agw_info("context %u: relaying %s <-> %s on %s (%s%s%s)", c->id,
			 ends[0]->id, ends[1]->id,
			 agw_relay_path_name(st->path),
			 agw_relay_why_name(st->why), *why ? ": " : "", why);
}

void agwd_ctx_try_relay(struct agwd *d, struct agwd_ctx *c)
{
	struct agwd_term *t, *p = NULL, *ends[2];
	struct agw_relay_flow_stats st;
	int err;

	if (c->relaying || !c->t[0] || !c->t[1])
		return;
	t = tls_end(c, &p);
	if (t)
		err = add_tls(d, c, t, p);
	else if (c->t[0]->tls || c->t[1]->tls)
		return; /* two TLS terminations */
	else
		err = add_plain(d, c);
	if (err == -EAGAIN)
		return;
	if (err) {
		agw_err("context %u: relay: %s", c->id, strerror(-err));
		return;
	}
	c->relaying = true;
	for (int i = 0; i < AGWD_TERMS_PER_CTX; i++) {
		c->t[i]->cfd = -1;
		c->t[i]->state = AGWD_TS_RELAYING;
	}
	if (agw_relay_stats(d->relay, c->relay_id, &st))
		return;
	if (t)
		agwd_tls_relayed(t, &st);
	agwd_flow_ends(c, &st, ends);
	log_relaying(c, ends, &st);
}

/* Bring the terminations' byte and segment counts up to date. */
void agwd_ctx_harvest(struct agwd *d, struct agwd_ctx *c)
{
	struct agw_relay_flow_stats st;

	if (c->relaying && !agw_relay_stats(d->relay, c->relay_id, &st))
		harvest(c, &st);
}
