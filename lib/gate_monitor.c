// SPDX-License-Identifier: GPL-2.0-only
/*
 * Drop records: the kernel's token bucket settings (agw_gate_cfg) and the
 * reader of the agw_drops ring buffer.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "agw/json.h"
#include "gate_priv.h"

#define MON_RATE_MAX 1000000 /* as the data path clamps it */

struct agw_gate_monitor {
	struct ring_buffer *rb;
	int (*cb)(const struct agw_drop_event *, void *);
	void *ctx;
	int count;
};

struct mon_arg {
	uint32_t rate, burst;
};

static void edit_mon(struct agw_gate_cfg *cfg, const void *arg)
{
	const struct mon_arg *m = arg;

	cfg->mon_rate = m->rate;
	cfg->mon_burst = m->burst;
}

int agw_gate_monitor_set(struct agw_gate *g, uint32_t rate, uint32_t burst)
{
	struct mon_arg m = { rate, burst };

	if (rate > MON_RATE_MAX || burst > MON_RATE_MAX)
		return -EINVAL;
	/* a second's worth when not given */
	if (rate && !burst)
		m.burst = rate;
	if (!rate)
		m.burst = 0;
	return agw_gate_config_update(g, edit_mon, &m);
}

static int on_sample(void *ctx, void *data, size_t size)
{
	struct agw_gate_monitor *m = ctx;
	const struct agw_drop_rec *r = data;
	struct agw_drop_event ev;

	if (size < sizeof(*r))
		return 0;
	memset(&ev, 0, sizeof(ev));
	ev.time_ns = r->time_ns;
	memcpy(ev.src.a, r->src, 16);
	memcpy(ev.dst.a, r->dst, 16);
	ev.sport = ntohs(r->sport);
	ev.dport = ntohs(r->dport);
	ev.reason = r->reason < AGW_DROP_MAX ? r->reason : AGW_DROP_NONE;
	ev.slot = r->slot;
	ev.suppressed = r->suppressed;
	ev.proto = r->proto;
	m->count++;
	return m->cb(&ev, m->ctx);
}

int agw_gate_monitor_open(struct agw_gate *g,
			  int (*cb)(const struct agw_drop_event *, void *),
			  void *ctx, struct agw_gate_monitor **out)
{
	struct agw_gate_monitor *m = calloc(1, sizeof(*m));

	if (!m)
		return -ENOMEM;
	m->cb = cb;
	m->ctx = ctx;
	m->rb = ring_buffer__new(g->map_fd[GM_DROPS], on_sample, m, NULL);
	if (!m->rb) {
		int err = -errno ?: -EINVAL;

		free(m);
		return err;
	}
	*out = m;
	return 0;
}

int agw_gate_monitor_fd(const struct agw_gate_monitor *m)
{
	return ring_buffer__epoll_fd(m->rb);
}

int agw_gate_monitor_poll(struct agw_gate_monitor *m, int timeout_ms)
{
	int err;

	m->count = 0;
	err = timeout_ms ? ring_buffer__poll(m->rb, timeout_ms) :
			   ring_buffer__consume(m->rb);
	if (err < 0 && err != -EINTR)
		return err;
	return m->count;
}

void agw_gate_monitor_close(struct agw_gate_monitor *m)
{
	if (!m)
		return;
	ring_buffer__free(m->rb);
	free(m);
}

static void endpoint_str(const struct agw_addr *a, uint16_t port, char *buf,
			 size_t len)
{
	char s[AGW_ADDR_STRLEN];

	agw_addr_str(a, s, sizeof(s));
	snprintf(buf, len, agw_addr_is_v4(a) ? "%s:%u" : "[%s]:%u", s, port);
}

void agw_drop_event_json(struct agw_json *w, const struct agw_drop_event *ev)
{
	char src[AGW_ADDR_STRLEN + 8], dst[AGW_ADDR_STRLEN + 8];

	endpoint_str(&ev->src, ev->sport, src, sizeof(src));
	endpoint_str(&ev->dst, ev->dport, dst, sizeof(dst));
	agw_json_u64(w, "time_ns", agw_gate_mono_to_real_ns(ev->time_ns));
	agw_json_str(w, "reason", agw_drop_reason_name(ev->reason));
	agw_json_str(w, "proto",
		     ev->proto == IPPROTO_TCP ? "tcp" :
		     ev->proto == IPPROTO_UDP ? "udp" :
						"-");
	agw_json_str(w, "src", src);
	agw_json_str(w, "dst", dst);
	if (ev->slot != UINT32_MAX)
		agw_json_u64(w, "slot", ev->slot);
	else
		agw_json_null(w, "slot");
	agw_json_u64(w, "suppressed", ev->suppressed);
}
