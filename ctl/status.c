// SPDX-License-Identifier: GPL-2.0-only
/* Control socket commands of agwd (agwctl's server side). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agw/gate.h"
#include "agw/json.h"
#include "agw/log.h"
#include "agw/strbuf.h"
#include "agwd.h"
#include "metrics.h"
#include "tls.h"

/* A writer's error: the partial members go, the reply is strerror's. */
static int json_done(int err, struct agw_strbuf *out)
{
	if (err)
		agw_strbuf_reset(out);
	return err;
}

static void json_addr(struct agw_json *w, const char *key,
		      const struct agw_sockaddr *a, bool with_port)
{
	char s[AGW_ADDRSTRLEN];

	agw_json_str(w, key, agw_sockaddr_str(a, with_port, s, sizeof(s)));
}

static void status_h248(struct agwd *d, struct agw_json *w)
{
	struct agw_h248_transport_stats st;

	agw_h248_transport_get_stats(d->h248, &st);
	agw_json_arr_open(w, "mgc");
	for (unsigned int i = 0; i < d->cfg.nmgc; i++)
		json_addr(w, NULL, &d->cfg.mgc[i], true);
	agw_json_arr_close(w);
	agw_json_obj_open(w, "transport");
	agw_json_bool(w, "udp", d->cfg.udp);
	agw_json_bool(w, "tcp", d->cfg.tcp);
	if (d->cfg.udp)
		json_addr(w, "udp_local", &st.udp_local, true);
	if (d->cfg.tcp) {
		agw_json_bool(w, "tcp_connected", st.tcp_up);
		if (st.tcp_up)
			json_addr(w, "tcp_peer", &st.tcp_peer, true);
	}
	agw_json_obj_close(w);
	agw_json_obj_open(w, "h248");
	agw_json_u64(w, "rx_messages", st.rx_msgs);
	agw_json_u64(w, "tx_messages", st.tx_msgs);
	agw_json_u64(w, "dropped_not_allowed", st.dropped_not_allowed);
	agw_json_u64(w, "tcp_framing_errors", st.tcp_framing_errors);
	agw_json_u64(w, "tcp_connects", st.tcp_connects);
	agw_json_u64(w, "tcp_losses", st.tcp_losses);
	agw_json_u64(w, "tcp_queued_bytes", st.tcp_queued);
	agw_json_obj_open(w, "reply_cache");
	agw_json_u64(w, "entries", agw_txn_cache_count(d->cache));
	agw_json_u64(w, "capacity", agw_txn_cache_capacity(d->cache));
	agw_json_u64(w, "evicted", agw_txn_cache_evicted(d->cache));
	agw_json_obj_close(w);
	agw_json_obj_close(w);
}

static void status_realms(struct agwd *d, struct agw_json *w)
{
	agw_json_arr_open(w, "realms");
	for (unsigned int i = 0; i < agw_realms_count(d->realms); i++) {
		const struct agw_realm *r = agw_realms_get(d->realms, i);

		agw_json_obj_open(w, NULL);
		agw_json_str(w, "name", r->cfg->name);
		agw_json_str(w, "interface", r->cfg->ifname);
		agw_json_i64(w, "ifindex", r->ifindex);
		agw_json_bool(w, "link_up", r->link_up);
		agw_json_str(w, "attach", agw_attach_mode_name(r->cfg->attach));
		agw_json_arr_open(w, "addresses");
		for (unsigned int j = 0; j < r->naddrs; j++)
			json_addr(w, NULL, &r->addrs[j], false);
		agw_json_arr_close(w);
		agw_json_obj_open(w, "ports");
		agw_json_u64(w, "min", r->cfg->port_min);
		agw_json_u64(w, "max", r->cfg->port_max);
		agw_json_u64(w, "free", agw_portpool_free_count(&r->ports));
		agw_json_obj_close(w);
		agw_json_obj_close(w);
	}
	agw_json_arr_close(w);
}

/* [limits] in force: the termination limit that fits RLIMIT_NOFILE */
static void status_limits(struct agwd *d, struct agw_json *w)
{
	agw_json_obj_open(w, "limits");
	agw_json_u64(w, "contexts", d->tab.max_ctx);
	agw_json_u64(w, "terminations", d->tab.max_term);
	agw_json_u64(w, "terminations_configured", d->cfg.max_terminations);
	agw_json_u64(w, "nofile", d->nofile_soft);
	agw_json_u64(w, "nofile_hard", d->nofile_hard);
	agw_json_u64(w, "nofile_needed", d->nofile_need);
	agw_json_bool(w, "fd_limited",
		      d->tab.max_term < d->cfg.max_terminations);
	agw_json_u64(w, "fd_refused", d->fd_exhausted);
	agw_json_obj_close(w);
}

static int cmd_status(void *arg, const char *args, struct agw_strbuf *out)
{
	struct agwd *d = arg;
	struct agw_json w;

	if (*args) {
		agw_strbuf_printf(out, "status takes no arguments");
		return -EINVAL;
	}
	agw_json_init_members(&w, out);
	agw_json_str(&w, "version", AGWD_VERSION);
	agw_json_i64(&w, "pid", getpid());
	agw_json_str(&w, "mid", d->cfg.mid);
	agw_json_str(&w, "registration", agwd_reg_state_name(d->reg));
	agw_json_bool(&w, "transaction_layer", true);
	agw_json_u64(&w, "uptime_s", (agw_now_ms() - d->start_ms) / 1000);
	status_limits(d, &w);
	status_h248(d, &w);
	status_realms(d, &w);
	agwd_tls_status_json(d, &w);
	return json_done(agw_json_end(&w), out);
}

static int cmd_contexts(void *arg, const char *args, struct agw_strbuf *out)
{
	return agwd_ctl_contexts(arg, args, out);
}

static int cmd_terminations(void *arg, const char *args, struct agw_strbuf *out)
{
	return agwd_ctl_terminations(arg, args, out);
}

static int cmd_monitor(void *arg, const char *args, struct agw_strbuf *out)
{
	return json_done(agwd_ctl_monitor(arg, args, out), out);
}

static int cmd_stats(void *arg, const char *args, struct agw_strbuf *out)
{
	if (*args) {
		agw_strbuf_printf(out, "stats takes no arguments");
		return -EINVAL;
	}
	return json_done(agwd_ctl_stats(arg, out), out);
}

/* flows [CONTEXT] */
static int cmd_flows(void *arg, const char *args, struct agw_strbuf *out)
{
	struct agwd *d = arg;
	unsigned long want = 0;
	char *end;

	if (*args) {
		want = strtoul(args, &end, 10);
		if (*end || !want || want > d->tab.max_ctx) {
			agw_strbuf_printf(out,
					  "flows takes an optional context id");
			return -EINVAL;
		}
	}
	return json_done(agwd_ctl_flows(d, want, out), out);
}

/* loglevel [LEVEL]: the level in force; with LEVEL, set it first. */
static int cmd_loglevel(void *arg, const char *args, struct agw_strbuf *out)
{
	struct agwd *d = arg;
	int old = agw_log_get_level(), level;
	struct agw_json w;

	if (*args) {
		level = agw_log_level_parse(args);
		if (level < 0) {
			agw_strbuf_printf(
				out,
				"unknown log level '%s': expected err, warning, notice, info or debug",
				args);
			return -EINVAL;
		}
		agw_log_set_level(level);
		d->cfg.log_level = level;
		if (level != old)
			agw_notice("log level %s (was %s), from the control socket",
				   agw_log_level_name(level),
				   agw_log_level_name(old));
	}
	agw_json_init_members(&w, out);
	agw_json_str(&w, "level", agw_log_level_name(agw_log_get_level()));
	if (*args)
		agw_json_str(&w, "previous", agw_log_level_name(old));
	return json_done(agw_json_end(&w), out);
}

const struct agw_ctl_cmd agwd_ctl_cmds[] = {
	{ "contexts", "[ID]: contexts and their terminations", cmd_contexts },
	{ "flows",
	  "relayed contexts: path and why, bytes, stalls, idle time, bound",
	  cmd_flows },
	{ "terminations",
	  "[ID | context N | realm R | state S]: terminations: state, gate mode, addresses, SYN and octet counters",
	  cmd_terminations },
	{ "monitor",
	  "events as they happen (Add, Modify, Subtract, Notify, TLS failures), one a line",
	  cmd_monitor },
	{ "stats", "metrics in the Prometheus text format (in \"text\")",
	  cmd_stats },
	{ "loglevel", "[LEVEL]: show or set the log level (err..debug)",
	  cmd_loglevel },
	{ "status", "registration, MGC, transport, uptime, realms",
	  cmd_status },
	{ NULL, NULL, NULL },
};

/* What a read-level peer of the control socket may run (agwctl(8)). */
const char *const agwd_ctl_read_cmds[] = {
	"contexts", "flows", "monitor", "stats", "status", "terminations", NULL,
};
