// SPDX-License-Identifier: GPL-2.0-only
/*
 * agwd's relay engine (lib/relay*.c): created from the [relay] section,
 * its maps pinned for inspection, its status logged once at start, and
 * its epoll fd driven from agwd's loop. The flows themselves (handover,
 * end, statistics) are in ctl/term.c.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "agw/fsutil.h"
#include "agw/log.h"
#include "agw/relay_maps.h"
#include "ctx.h"

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
		agw_notice("relay: default path %s; sockmap off ([relay] bpf = off): sockmap flows fall back to copy (no-bpf)",
			   path);
	else if (st)
		agw_warn("relay: default path %s; sockmap program not loaded: %s: sockmap flows fall back to copy (no-bpf)",
			 path, strerror(-st));
	else if (d->relay_pin_dir[0])
		agw_notice("relay: default path %s; sockmap program loaded, maps pinned in %s",
			   path, d->relay_pin_dir);
	else
		agw_notice("relay: default path %s; sockmap program loaded (maps not pinned)",
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
			agw_warn("relay: pin directory %s: %s (maps not pinned)",
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
		agw_warn("relay: sockmap program with its maps pinned in %s: %s; loading it without pins",
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
	return agw_evloop_add_fd(d->loop, &d->relay_ev,
				 agw_relay_fd(d->relay), EPOLLIN, on_relay_fd,
				 d);
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
