// SPDX-License-Identifier: GPL-2.0-only
/*
 * agwd's relay engine (lib/relay*.c): created from the [relay] section,
 * its maps pinned for inspection, its status logged once at start, and
 * its epoll fd driven from agwd's loop; and the flows: the handover of a
 * context's two connected terminations, the end event and the harvest of
 * the byte and segment counts into the terminations.
 */
#include <errno.h>
#include <netinet/in.h>
#include <linux/tcp.h>
#include <sys/socket.h>
#include <stdio.h>
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

static void harvest(struct agwd_ctx *c, const struct agw_relay_flow_stats *st)
{
	struct agwd_term *a = c->t[0], *b = c->t[1];

	/* dir[0]: a -> b */
	if (a) {
		a->octets[1] = st->dir[0].bytes;
		a->octets[0] = st->dir[1].bytes;
		a->packets[0] = st->segs[0][0];
		a->packets[1] = st->segs[0][1];
	}
	if (b) {
		b->octets[1] = st->dir[1].bytes;
		b->octets[0] = st->dir[0].bytes;
		b->packets[0] = st->segs[1][0];
		b->packets[1] = st->segs[1][1];
	}
}

static const char *relay_why_text(const struct agw_relay_flow_stats *st)
{
	switch (st->why) {
	case AGW_RELAY_WHY_REQUESTED:
	case AGW_RELAY_WHY_DEFAULT:
		return "";
	case AGW_RELAY_WHY_NO_PIPE:
		return ": splice wanted, pipe() failed";
	case AGW_RELAY_WHY_NO_BPF:
		return ": sockmap wanted, its BPF program is not loaded";
	case AGW_RELAY_WHY_SOCKMAP_REFUSED:
		return ": sockmap wanted, the socket insert was refused";
	default:
		return "";
	}
}

void agwd_on_relay_event(void *arg, uint64_t flow_id, void *ctx,
			 enum agw_relay_event ev, int side, int err,
			 const struct agw_relay_flow_stats *st)
{
	struct agwd *d = arg;
	struct agwd_ctx *c = ctx;

	if (!c->relaying || c->relay_id != flow_id)
		return; /* aborted by a Subtract: already harvested */
	harvest(c, st);
	agwd_metric_flow_end(st);
	c->relaying = false;
	agw_info("context %u: relay %s on %s (a->b %llu, b->a %llu octets)%s%s",
		 c->id, agw_relay_event_name(ev), agw_relay_path_name(st->path),
		 (unsigned long long)st->dir[0].bytes,
		 (unsigned long long)st->dir[1].bytes, err ? ": " : "",
		 err ? strerror(err) : "");
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

	agwd_tls_stop_relay(d, c);
	if (!c->relaying)
		return;
	if (!agw_relay_stats(d->relay, c->relay_id, &st))
		harvest(c, &st);
	agwd_metric_flow_end(
		agw_relay_stats(d->relay, c->relay_id, &st) ? NULL : &st);
	c->relaying = false;
	agw_relay_abort(d->relay, c->relay_id);
}

void agwd_ctx_try_relay(struct agwd *d, struct agwd_ctx *c)
{
	struct agwd_term *a = c->t[0], *b = c->t[1];
	struct agw_relay_flow_opts o = { .ctx = c };
	struct agw_relay_flow_stats st;
	int err;

	if (agwd_tls_try_relay(d, c))
		return;
	if (!a || !b || a->state != AGWD_TS_CONNECTED ||
	    b->state != AGWD_TS_CONNECTED || c->relaying)
		return;
	agw_evloop_del_fd(d->loop, &a->cev);
	agw_evloop_del_fd(d->loop, &b->cev);
	err = agw_relay_add(d->relay, a->cfd, b->cfd, &o, &c->relay_id);
	if (err) {
		agw_err("context %u: relay: %s", c->id, strerror(-err));
		return;
	}
	a->cfd = b->cfd = -1;
	a->state = b->state = AGWD_TS_RELAYING;
	c->relaying = true;
	if (agw_relay_stats(d->relay, c->relay_id, &st))
		return;
	agw_info("context %u: relaying %s <-> %s on %s (%s%s)", c->id, a->id,
		 b->id, agw_relay_path_name(st.path),
		 agw_relay_why_name(st.why), relay_why_text(&st));
}

/* Bring the terminations' byte and segment counts up to date. */
void agwd_ctx_harvest(struct agwd *d, struct agwd_ctx *c)
{
	struct agw_relay_flow_stats st;

	agwd_tls_harvest(d, c);
	if (c->relaying && !agw_relay_stats(d->relay, c->relay_id, &st))
		harvest(c, &st);
}
