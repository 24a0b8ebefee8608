// SPDX-License-Identifier: GPL-2.0-only
/*
 * systemd service manager notifications (sd_notify(3)) for Type=notify:
 * READY=1 once the gate is attached and registration has been attempted,
 * STATUS= with the registration state (checked every second, sent when it
 * changes), WATCHDOG=1 at half of WatchdogSec= while the event loop turns,
 * STOPPING=1 on shutdown. Without NOTIFY_SOCKET (not started by systemd)
 * every function here does nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <systemd/sd-daemon.h>

#include "agw/log.h"
#include "agwd.h"

#define STATUS_CHECK_MS 1000

static void send_status(struct agwd *d)
{
	d->sd.last_reg = d->reg;
	sd_notifyf(0, "STATUS=%s, MID %s, H.248 %s%s%s",
		   agwd_reg_state_name(d->reg), d->cfg.mid,
		   d->cfg.udp ? "udp" : "", d->cfg.udp && d->cfg.tcp ? "+" : "",
		   d->cfg.tcp ? "tcp" : "");
}

static uint64_t period_ms(const struct agwd *d)
{
	uint64_t wd = d->sd.watchdog_ms / 2;

	return wd && wd < STATUS_CHECK_MS ? wd : STATUS_CHECK_MS;
}

static void on_timer(struct agw_timer *t)
{
	struct agwd *d = t->arg;

	if (d->sd.watchdog_ms)
		sd_notify(0, "WATCHDOG=1"); /* also while the stop drains */
	if (!d->sd.stopping && d->sd.last_reg != (int)d->reg)
		send_status(d);
	agw_timer_start(d->loop, &d->sd.timer, period_ms(d));
}

void agwd_sd_ready(struct agwd *d)
{
	uint64_t usec = 0;
	int r;

	agw_timer_init(&d->sd.timer, on_timer, d);
	d->sd.enabled = getenv("NOTIFY_SOCKET") != NULL;
	if (!d->sd.enabled)
		return;
	r = sd_watchdog_enabled(0, &usec);
	if (r < 0)
		agw_warn("systemd watchdog: %s", strerror(-r));
	else if (r > 0)
		d->sd.watchdog_ms = usec / 1000 ? usec / 1000 : 1;
	r = sd_notify(0, "READY=1");
	if (r < 0)
		agw_warn("sd_notify READY=1: %s", strerror(-r));
	send_status(d);
	agw_timer_start(d->loop, &d->sd.timer, period_ms(d));
	if (d->sd.watchdog_ms)
		agw_info("systemd: READY=1 sent, watchdog every %llu ms",
			 (unsigned long long)period_ms(d));
	else
		agw_info("systemd: READY=1 sent");
}

void agwd_sd_stopping(struct agwd *d)
{
	if (!d->sd.enabled || d->sd.stopping)
		return;
	d->sd.stopping = true;
	sd_notify(0, "STOPPING=1\nSTATUS=stopping");
}

void agwd_sd_fini(struct agwd *d)
{
	if (d->sd.enabled && d->loop)
		agw_timer_stop(d->loop, &d->sd.timer);
}
