// SPDX-License-Identifier: GPL-2.0-only
/* Control socket commands of agwd (agwctl's server side). */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "agw/gate.h"
#include "agw/log.h"
#include "agw/strbuf.h"
#include "agwd.h"
#include "tls.h"

const char *agwd_reg_state_name(enum agwd_reg_state s)
{
	switch (s) {
	case AGWD_UNREGISTERED:
		return "unregistered";
	case AGWD_REGISTERING:
		return "registering";
	case AGWD_REGISTERED:
		return "registered";
	}
	return "?";
}

static void json_addr(struct agw_strbuf *out, const struct agw_sockaddr *a,
		      bool with_port)
{
	char s[AGW_ADDRSTRLEN];

	agw_strbuf_json_str(out, agw_sockaddr_str(a, with_port, s, sizeof(s)));
}

static void status_h248(struct agwd *d, struct agw_strbuf *out)
{
	struct agw_h248_transport_stats st;

	agw_h248_transport_get_stats(d->h248, &st);
	agw_strbuf_printf(out, ",\"mgc\":[");
	for (unsigned int i = 0; i < d->cfg.nmgc; i++) {
		agw_strbuf_printf(out, i ? "," : "");
		json_addr(out, &d->cfg.mgc[i], true);
	}
	agw_strbuf_printf(out, "],\"transport\":{\"udp\":%s,\"tcp\":%s",
			  d->cfg.udp ? "true" : "false",
			  d->cfg.tcp ? "true" : "false");
	if (d->cfg.udp) {
		agw_strbuf_printf(out, ",\"udp_local\":");
		json_addr(out, &st.udp_local, true);
	}
	if (d->cfg.tcp) {
		agw_strbuf_printf(out, ",\"tcp_connected\":%s",
				  st.tcp_up ? "true" : "false");
		if (st.tcp_up) {
			agw_strbuf_printf(out, ",\"tcp_peer\":");
			json_addr(out, &st.tcp_peer, true);
		}
	}
	agw_strbuf_printf(
		out,
		"},\"h248\":{\"rx_messages\":%llu,\"tx_messages\":%llu,"
		"\"dropped_not_allowed\":%llu,\"tcp_framing_errors\":%llu,"
		"\"tcp_connects\":%llu,\"tcp_losses\":%llu,"
		"\"tcp_queued_bytes\":%llu}",
		(unsigned long long)st.rx_msgs, (unsigned long long)st.tx_msgs,
		(unsigned long long)st.dropped_not_allowed,
		(unsigned long long)st.tcp_framing_errors,
		(unsigned long long)st.tcp_connects,
		(unsigned long long)st.tcp_losses,
		(unsigned long long)st.tcp_queued);
}

static void status_realms(struct agwd *d, struct agw_strbuf *out)
{
	agw_strbuf_printf(out, ",\"realms\":[");
	for (unsigned int i = 0; i < agw_realms_count(d->realms); i++) {
		const struct agw_realm *r = agw_realms_get(d->realms, i);

		agw_strbuf_printf(out, "%s{\"name\":", i ? "," : "");
		agw_strbuf_json_str(out, r->cfg->name);
		agw_strbuf_printf(out, ",\"interface\":");
		agw_strbuf_json_str(out, r->cfg->ifname);
		agw_strbuf_printf(
			out,
			",\"ifindex\":%d,\"link_up\":%s,\"attach\":\"%s\","
			"\"addresses\":[",
			r->ifindex, r->link_up ? "true" : "false",
			agw_attach_mode_name(r->cfg->attach));
		for (unsigned int j = 0; j < r->naddrs; j++) {
			agw_strbuf_printf(out, j ? "," : "");
			json_addr(out, &r->addrs[j], false);
		}
		agw_strbuf_printf(
			out, "],\"ports\":{\"min\":%u,\"max\":%u,\"free\":%u}}",
			r->cfg->port_min, r->cfg->port_max,
			agw_portpool_free_count(&r->ports));
	}
	agw_strbuf_printf(out, "]");
}

static int cmd_status(void *arg, const char *args, struct agw_strbuf *out)
{
	struct agwd *d = arg;

	if (*args) {
		agw_strbuf_printf(out, "status takes no arguments");
		return -EINVAL;
	}
	agw_strbuf_printf(out, ",\"version\":\"%s\",\"pid\":%d,\"mid\":",
			  AGWD_VERSION, (int)getpid());
	agw_strbuf_json_str(out, d->cfg.mid);
	agw_strbuf_printf(
		out,
		",\"registration\":\"%s\",\"transaction_layer\":true,"
		"\"uptime_s\":%llu",
		agwd_reg_state_name(d->reg),
		(unsigned long long)(agw_now_ms() - d->start_ms) / 1000);
	status_h248(d, out);
	status_realms(d, out);
	agwd_tls_status_json(d, out);
	return 0;
}

static int cmd_contexts(void *arg, const char *args, struct agw_strbuf *out)
{
	return agwd_ctl_contexts(arg, out);
}

static int cmd_terminations(void *arg, const char *args,
			    struct agw_strbuf *out)
{
	return agwd_ctl_terminations(arg, out);
}

static int cmd_flows(void *arg, const char *args, struct agw_strbuf *out)
{
	return agwd_ctl_flows(arg, args, out);
}

/* loglevel [LEVEL]: the level in force; with LEVEL, set it first. */
static int cmd_loglevel(void *arg, const char *args, struct agw_strbuf *out)
{
	struct agwd *d = arg;
	int old = agw_log_get_level(), level;

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
	agw_strbuf_printf(out, ",\"level\":\"%s\"",
			  agw_log_level_name(agw_log_get_level()));
	if (*args)
		agw_strbuf_printf(out, ",\"previous\":\"%s\"",
				  agw_log_level_name(old));
	return 0;
}

const struct agw_ctl_cmd agwd_ctl_cmds[] = {
	{ "contexts", "contexts and their terminations", cmd_contexts },
	{ "flows",
	  "relayed contexts: path and why, bytes, stalls, idle time, bound",
	  cmd_flows },
	{ "terminations",
	  "terminations: state, gate mode, addresses, SYN and octet counters",
	  cmd_terminations },
	{ "loglevel", "[LEVEL]: show or set the log level (err..debug)",
	  cmd_loglevel },
	{ "status", "registration, MGC, transport, uptime, realms",
	  cmd_status },
	{ NULL, NULL, NULL },
};
