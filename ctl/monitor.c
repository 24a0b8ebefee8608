// SPDX-License-Identifier: GPL-2.0-only
/*
 * agwctl monitor, agwd's side: the "monitor" control command subscribes
 * its client, and every event the files of ctl/ report through
 * d->on_event becomes one line of JSON pushed to the subscribers
 * (lib/ctlsock.c bounds what a slow one may leave unread). Nothing is
 * formatted while no one is subscribed. Calls no other file of ctl/.
 */
#include <errno.h>
#include <time.h>

#include "agw/ctlsock.h"
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

	if (!agw_ctlsock_subscribers(d->ctl) || (unsigned int)ev->kind >= NKINDS)
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
	agw_json_arr_close(&w);
	/* where agwctl finds the gate's drop records */
	agw_json_str(&w, "gate_pin_dir", d->cfg.gate_pin_dir);
	return agw_json_end(&w);
}
