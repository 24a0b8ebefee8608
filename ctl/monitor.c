// SPDX-License-Identifier: GPL-2.0-only
/*
 * agwctl monitor, agwd's side: the "monitor" control command subscribes
 * its client, and every event the files of ctl/ report through
 * d->on_event becomes one line of JSON pushed to the subscribers
 * (lib/ctlsock.c bounds what a slow one may leave unread). While anyone
 * is subscribed, the gate's drop records (its ring buffer, sampled by
 * the token bucket of "agwctl gate config monitor", 100/s per CPU when
 * off) are read here and pushed as "drop" events: every monitor sees
 * every record. Nothing is formatted while no one is subscribed. Calls
 * no other file of ctl/.
 */
#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>

#include "agw/ctlsock.h"
#include "agw/gate.h"
#include "agw/json.h"
#include "agw/strbuf.h"
#include "agwd.h"

static const char *const kind_names[] = {
	[AGWD_EV_ADD] = "add",
	[AGWD_EV_MODIFY] = "modify",
	[AGWD_EV_SUBTRACT] = "subtract",
	[AGWD_EV_NOTIFY] = "notify",
	[AGWD_EV_TLS_FAILURE] = "tls_failure",
};
/* and "drop", the gate's records */
#define NKINDS (sizeof(kind_names) / sizeof(kind_names[0]))

static void opt_str(struct agw_json *w, const char *key, const char *val)
{
	if (val)
		agw_json_str(w, key, val);
}

void agwd_monitor_event(struct agwd *d, const struct agwd_event *ev)
{
	struct agw_strbuf b;
	struct agw_json w;
	struct timespec ts;

	if (!agw_ctlsock_subscribers(d->ctl) ||
	    (unsigned int)ev->kind >= NKINDS)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	agw_strbuf_init(&b);
	agw_json_init(&w, &b);
	agw_json_obj_open(&w, NULL);
	agw_json_str(&w, "event", kind_names[ev->kind]);
	agw_json_u64(&w, "time_ns",
		     ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec);
	agw_json_str(&w, "termination", ev->term);
	agw_json_u64(&w, "context", ev->ctx);
	opt_str(&w, "realm", ev->realm);
	opt_str(&w, "state", ev->state);
	opt_str(&w, "gate_mode", ev->gate_mode);
	if (ev->kind == AGWD_EV_TLS_FAILURE) {
		opt_str(&w, "failure", ev->name);
		opt_str(&w, "reason", ev->text);
	} else {
		opt_str(&w, "name", ev->name);
		if (ev->param) {
			agw_json_str(&w, "param", ev->param);
			agw_json_str(&w, "value", ev->value);
		}
	}
	if (ev->error) {
		agw_json_u64(&w, "error", (uint64_t)ev->error);
		opt_str(&w, "error_text", ev->text);
	}
	agw_json_obj_close(&w);
	if (!agw_json_end(&w))
		agw_ctlsock_publish(d->ctl, b.buf, b.len);
	agw_strbuf_free(&b);
}

int agwd_ctl_monitor(struct agwd *d, const char *args, struct agw_strbuf *out)
{
	struct agw_json w;

	if (*args) {
		agw_strbuf_printf(out,
				  "monitor takes no arguments (agwctl monitor "
				  "counts and times on its side)");
		return -EINVAL;
	}
	agw_json_init_members(&w, out);
	agw_json_arr_open(&w, "events");
	for (unsigned int i = 0; i < NKINDS; i++)
		agw_json_str(&w, NULL, kind_names[i]);
	agw_json_str(&w, NULL, "drop");
	agw_json_arr_close(&w);
	/* the gate's drop records come too */
	agw_json_bool(&w, "drops", d->gate != NULL);
	return agw_json_end(&w);
}

/* ---- the gate's drop records --------------------------------------------*/

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int on_drop(const struct agw_drop_event *ev, void *arg)
{
	struct agwd *d = arg;
	struct agw_strbuf b;
	struct agw_json w;

	/* what waited in the ring from before is history */
	if (ev->time_ns < d->drops_since_ns)
		return 0;
	agw_strbuf_init(&b);
	agw_json_init(&w, &b);
	agw_json_obj_open(&w, NULL);
	agw_json_str(&w, "event", "drop");
	agw_drop_event_json(&w, ev);
	agw_json_obj_close(&w);
	if (!agw_json_end(&w))
		agw_ctlsock_publish(d->ctl, b.buf, b.len);
	agw_strbuf_free(&b);
	return 0;
}

static void on_drops_fd(struct agw_evfd *h, uint32_t events)
{
	static struct agw_ratelimit rl = AGW_RATELIMIT_INIT(10000, 5);
	struct agwd *d = h->arg;
	int err = agw_gate_monitor_poll(d->drops, 0);

	(void)events;
	if (err < 0)
		agw_log_ratelimited(&rl, AGW_LOG_WARNING,
				    "monitor: gate drop records: %s",
				    strerror(-err));
}

static void drops_start(struct agwd *d)
{
	struct agw_gate_cfg cfg;
	int err;

	err = agw_gate_config_get(d->gate, &cfg);
	if (!err && !cfg.mon_rate) {
		err = agw_gate_monitor_set(d->gate, 100, 0);
		d->drops_turned_on = !err;
	}
	if (!err)
		err = agw_gate_monitor_open(d->gate, on_drop, d, &d->drops);
	if (!err)
		err = agw_evloop_add_fd(d->loop, &d->drops_ev,
					agw_gate_monitor_fd(d->drops), EPOLLIN,
					on_drops_fd, d);
	if (err) {
		agw_warn("monitor: the gate's drop records cannot be read: %s",
			 strerror(-err));
		agw_gate_monitor_close(d->drops);
		d->drops = NULL;
		if (d->drops_turned_on)
			agw_gate_monitor_set(d->gate, 0, 0);
		d->drops_turned_on = false;
		return;
	}
	d->drops_since_ns = mono_ns();
	agw_info("monitor: reading the gate's drop records%s",
		 d->drops_turned_on ? " (turned on at 100/s per CPU)" : "");
}

static void drops_stop(struct agwd *d)
{
	agw_evloop_del_fd(d->loop, &d->drops_ev);
	agw_gate_monitor_close(d->drops);
	d->drops = NULL;
	if (d->drops_turned_on)
		agw_gate_monitor_set(d->gate, 0, 0);
	d->drops_turned_on = false;
	agw_info("monitor: no one monitors: drop records no longer read");
}

void agwd_monitor_subscribers(void *arg, unsigned int n)
{
	struct agwd *d = arg;

	if (n && !d->drops && d->gate)
		drops_start(d);
	else if (!n && d->drops)
		drops_stop(d);
}
