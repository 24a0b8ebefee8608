// SPDX-License-Identifier: GPL-2.0-only
/*
 * agwd's metrics: the hook counters, the scrape (gate maps, relay engine,
 * tables and transport read when asked), the Prometheus text, the HTTP
 * endpoint (libmicrohttpd driven from agwd's event loop: one thread, no
 * locks) and the "stats" control command. Documentation/metrics.md.
 */
#include <errno.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>

#include "agw/ctlsock.h"
#include "agw/gate.h"
#include "agw/h248_transport.h"
#include "agw/json.h"
#include "agw/log.h"
#include "agw/strbuf.h"
#include "ctx.h"
#include "metrics.h"

struct agwd_metrics agwd_metrics;

/* seconds */
static const double txn_bounds[] = { 0.0001, 0.00025, 0.0005, 0.001, 0.0025,
				     0.005,  0.01,    0.025,  0.05,  0.1,
				     0.25,   0.5,     1,      2.5 };
#define NTXN_BOUNDS (sizeof(txn_bounds) / sizeof(txn_bounds[0]))

/* ---- hooks --------------------------------------------------------------*/

void agwd_metric_command(int cmd)
{
	agw_metric_inc(
		&agwd_metrics.commands[cmd > 0 && cmd < AGWD_M_CMDS ? cmd : 0]);
}

void agwd_metric_error(int code)
{
	unsigned int i = code - AGWD_M_ERR_LO;

	agw_metric_inc(
		&agwd_metrics.errors[i < AGWD_M_ERRS - 1 ? i : AGWD_M_ERRS - 1]);
}

uint64_t agwd_metric_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

void agwd_metric_txn_done(uint64_t start_ns)
{
	agw_histogram_observe(&agwd_metrics.txn_seconds, txn_bounds,
			      NTXN_BOUNDS,
			      (agwd_metric_now_ns() - start_ns) / 1e9);
}

static int realm_index(const struct agwd *d, const struct agwd_term *t)
{
	if (!t->realm)
		return -1;
	for (unsigned int i = 0; i < d->cfg.nrealms; i++)
		if (t->realm->cfg == &d->cfg.realms[i] ||
		    !strcmp(t->realm->cfg->name, d->cfg.realms[i].name))
			return i;
	return -1;
}

void agwd_metric_term_gone(struct agwd *d, const struct agwd_term *t,
			   const struct agw_term_counters *c)
{
	int r = realm_index(d, t);

	if (r < 0)
		return;
	agwd_metrics.syn_admitted_gone[r] += c->syn_admitted;
	for (int k = 0; k < AGW_DROP_MAX; k++)
		agwd_metrics.syn_dropped_gone[r][k] += c->drops[k];
}

void agwd_metric_flow_end(const struct agw_relay_flow_stats *st)
{
	unsigned int p;

	if (!st)
		return;
	p = st->path < AGW_RELAY_PATH_MAX ? st->path : 0;

	agwd_metrics.flows_ended[p]++;
	for (int i = 0; i < 2; i++) {
		agwd_metrics.bytes_gone[p] += st->dir[i].bytes;
		agwd_metrics.user_bytes_gone += st->dir[i].user_bytes;
		agwd_metrics.stalls_gone += st->dir[i].stalls;
	}
}

void agwd_metric_tls(enum agw_tls_failure f)
{
	agw_metric_inc(
		&agwd_metrics.tls_handshakes[(unsigned int)f < AGWD_M_TLS_FAILS ?
						     f :
						     AGW_TLS_FAIL_INTERNAL]);
}

/* ---- label values -------------------------------------------------------*/

static const char *const cmd_names[AGWD_M_CMDS] = {
	[0] = "other",
	[H248_CMD_ADD] = "add",
	[H248_CMD_MODIFY] = "modify",
	[H248_CMD_SUBTRACT] = "subtract",
	[H248_CMD_MOVE] = "move",
	[H248_CMD_AUDITVALUE] = "audit_value",
	[H248_CMD_AUDITCAP] = "audit_capabilities",
	[H248_CMD_NOTIFY] = "notify",
	[H248_CMD_SERVICECHANGE] = "service_change",
};
static const struct agw_metric_label l_cmd = { "command", cmd_names,
					       AGWD_M_CMDS };

static char err_text[AGWD_M_ERRS][12];
static const char *err_names[AGWD_M_ERRS];
static const struct agw_metric_label l_err = { "code", err_names, AGWD_M_ERRS };

static const char *const reg_names[] = { "unregistered", "registering",
					 "registered" };
static const struct agw_metric_label l_reg = { "state", reg_names, 3 };

#define NSTATES (AGWD_TS_FAILED + 1)
static const char *state_names[NSTATES];
static const struct agw_metric_label l_state = { "state", state_names,
						 NSTATES };

static const char *realm_names[AGW_CFG_MAX_REALMS];
static struct agw_metric_label l_realm = { "realm", realm_names, 0 };

/* the reasons a termination's SYN can be dropped for */
static const enum agw_drop_reason term_reasons[] = {
	AGW_DROP_IGNORE, AGW_DROP_FILTER, AGW_DROP_FRAGMENT, AGW_DROP_PARSE
};
#define NTREASONS 4
static const char *treason_names[NTREASONS];
static const struct agw_metric_label l_treason = { "reason", treason_names,
						   NTREASONS };
/* drops the gate counts globally (no termination owns the packet) */
static const enum agw_drop_reason gate_reasons[] = {
	AGW_DROP_NO_TERM, AGW_DROP_FRAGMENT, AGW_DROP_PARSE, AGW_DROP_H248_ADDR,
	AGW_DROP_H248_PORT
};
#define NGREASONS 5
static const char *greason_names[NGREASONS];
static const struct agw_metric_label l_greason = { "reason", greason_names,
						   NGREASONS };

#define NPATHS (AGW_RELAY_PATH_MAX - 1) /* auto is never a flow's path */
static const char *path_names[NPATHS];
static const struct agw_metric_label l_path = { "path", path_names, NPATHS };

static const char *tls_names[AGWD_M_TLS_FAILS];
static const struct agw_metric_label l_tls = { "result", tls_names,
					       AGWD_M_TLS_FAILS };

static void names_init(struct agwd *d)
{
	if (!err_names[0]) {
		for (unsigned int i = 0; i < AGWD_M_ERRS - 1; i++) {
			snprintf(err_text[i], sizeof(err_text[i]), "%u",
				 AGWD_M_ERR_LO + i);
			err_names[i] = err_text[i];
		}
		err_names[AGWD_M_ERRS - 1] = "other";
		for (int i = 0; i < NSTATES; i++)
			state_names[i] = agwd_term_state_name(i);
		for (int i = 0; i < NTREASONS; i++)
			treason_names[i] =
				agw_drop_reason_name(term_reasons[i]);
		for (int i = 0; i < NGREASONS; i++)
			greason_names[i] =
				agw_drop_reason_name(gate_reasons[i]);
		for (int i = 0; i < NPATHS; i++)
			path_names[i] = agw_relay_path_name(i + 1);
		tls_names[0] = "success";
		for (int i = 1; i < AGWD_M_TLS_FAILS; i++)
			tls_names[i] = agw_tls_failure_name(i);
	}
	for (unsigned int i = 0; i < d->cfg.nrealms; i++)
		realm_names[i] = d->cfg.realms[i].name;
	l_realm.n = d->cfg.nrealms;
}

/* ---- scrape -------------------------------------------------------------*/

/* What is read when scraped. */
struct scrape {
	double build_info, start_time, reg[3];
	uint64_t rx, tx, not_allowed, txns;
	double contexts, terms[AGW_CFG_MAX_REALMS][NSTATES];
	uint64_t admitted[AGW_CFG_MAX_REALMS];
	uint64_t dropped[AGW_CFG_MAX_REALMS][NTREASONS];
	uint64_t gate_drops[NGREASONS], outside_range, fragments;
	double flows[NPATHS];
	uint64_t flows_ended[NPATHS], bytes[NPATHS], user_bytes, stalls;
	double ctl_clients, ctl_monitors;
	uint64_t ctl_accepted, ctl_evicted, ctl_stalled, ctl_requests,
		ctl_denied, ctl_events;
};

static void scrape_terms(struct agwd *d, struct scrape *s)
{
	struct agw_gate_term_info gi;

	for (unsigned int r = 0; r < d->cfg.nrealms; r++) {
		s->admitted[r] = agwd_metrics.syn_admitted_gone[r];
		for (int k = 0; k < NTREASONS; k++)
			s->dropped[r][k] =
				agwd_metrics
					.syn_dropped_gone[r][term_reasons[k]];
	}
	for (struct agwd_term *t = d->all_terms; t; t = t->next_all) {
		int r = realm_index(d, t);

		if (r < 0)
			continue;
		if ((unsigned int)t->state < NSTATES)
			s->terms[r][t->state]++;
		if (!t->gate_added || !d->gate ||
		    agw_gate_term_get(d->gate, &t->local_addr, t->port, &gi))
			continue;
		s->admitted[r] += gi.counters.syn_admitted;
		for (int k = 0; k < NTREASONS; k++)
			s->dropped[r][k] += gi.counters.drops[term_reasons[k]];
	}
}

static void scrape_gate(struct agwd *d, struct scrape *s)
{
	struct agw_gate_stats g;

	if (!d->gate || agw_gate_global_stats(d->gate, &g))
		return;
	s->gate_drops[0] = agw_gate_counter_value(&g, AGW_G_NO_TERM_DROP);
	s->gate_drops[1] = agw_gate_counter_value(&g, AGW_G_FRAG_SYN_DROP);
	s->gate_drops[2] = agw_gate_counter_value(&g, AGW_G_PARSE_ERR);
	s->gate_drops[3] = agw_gate_counter_value(&g, AGW_G_H248_UDP_ADDR) +
			   agw_gate_counter_value(&g, AGW_G_H248_SYN_ADDR);
	s->gate_drops[4] = agw_gate_counter_value(&g, AGW_G_H248_UDP_PORT);
	s->outside_range = agw_gate_counter_value(&g, AGW_G_SYN_PASS_OTHER);
	s->fragments = agw_gate_counter_value(&g, AGW_G_FRAGMENTS);
}

static void scrape_relay(struct agwd *d, struct scrape *s)
{
	struct agw_relay_flow_stats st;

	for (int p = 0; p < NPATHS; p++) {
		s->flows_ended[p] = agwd_metrics.flows_ended[p + 1];
		s->bytes[p] = agwd_metrics.bytes_gone[p + 1];
	}
	s->user_bytes = agwd_metrics.user_bytes_gone;
	s->stalls = agwd_metrics.stalls_gone;
	for (uint32_t i = 0; d->relay && i < d->tab.max_ctx; i++) {
		const struct agwd_ctx *c = &d->tab.ctx[i];

		if (!c->id || !c->relaying ||
		    agw_relay_stats(d->relay, c->relay_id, &st) ||
		    st.path < 1 || st.path >= AGW_RELAY_PATH_MAX)
			continue;
		s->flows[st.path - 1]++;
		for (int k = 0; k < 2; k++) {
			s->bytes[st.path - 1] += st.dir[k].bytes;
			s->user_bytes += st.dir[k].user_bytes;
			s->stalls += st.dir[k].stalls;
		}
	}
}

static void scrape(struct agwd *d, struct scrape *s)
{
	struct agw_h248_transport_stats ts;
	struct agw_ctlsock_stats cs = {};
	struct timespec mono, real;

	memset(s, 0, sizeof(*s));
	s->build_info = 1;
	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_REALTIME, &real);
	s->start_time = (double)real.tv_sec -
			((double)mono.tv_sec - (double)d->start_ms / 1000);
	if ((unsigned int)d->reg < 3)
		s->reg[d->reg] = 1;
	if (d->h248) {
		agw_h248_transport_get_stats(d->h248, &ts);
		s->rx = ts.rx_msgs;
		s->tx = ts.tx_msgs;
		s->not_allowed = ts.dropped_not_allowed;
	}
	s->txns = d->rx_requests;
	s->contexts = d->tab.nctx;
	scrape_terms(d, s);
	scrape_gate(d, s);
	scrape_relay(d, s);
	if (d->ctl)
		agw_ctlsock_get_stats(d->ctl, &cs);
	s->ctl_clients = cs.clients;
	s->ctl_accepted = cs.accepted;
	s->ctl_evicted = cs.evicted;
	s->ctl_stalled = cs.stalled;
	s->ctl_requests = cs.requests;
	s->ctl_denied = cs.denied;
	s->ctl_monitors = cs.subscribers;
	s->ctl_events = cs.events;
}

#define C AGW_METRIC_COUNTER
#define G AGW_METRIC_GAUGE
#define H AGW_METRIC_HISTOGRAM

void agwd_metrics_text(struct agwd *d, struct agw_strbuf *out)
{
	static const char *const version[] = { AGWD_VERSION };
	static const struct agw_metric_label l_version = { "version", version,
							   1 };
	struct agwd_metrics *m = &agwd_metrics;
	struct scrape *s = calloc(1, sizeof(*s));

	if (!s) {
		out->err = -ENOMEM;
		return;
	}
	names_init(d);
	scrape(d, s);
	const struct agw_metric_family f[] = {
		{ "agw_build_info",
		  "agwd's version (always 1)",
		  G,
		  { &l_version },
		  .g = &s->build_info },
		{ "agw_start_time_seconds",
		  "when agwd started, seconds since the epoch", G,
		  .g = &s->start_time },
		{ "agw_h248_messages_received_total",
		  "H.248 messages received from the MGC (UDP datagrams and TPKT frames)",
		  C, .u = &s->rx },
		{ "agw_h248_messages_sent_total", "H.248 messages sent", C,
		  .u = &s->tx },
		{ "agw_h248_messages_refused_total",
		  "H.248 messages from a source outside the MGC list, dropped in user space",
		  C, .u = &s->not_allowed },
		{ "agw_h248_transactions_total",
		  "transaction requests received from the MGC (retransmissions included)",
		  C, .u = &s->txns },
		{ "agw_h248_commands_total",
		  "commands in the transaction requests agwd executed, by command",
		  C,
		  { &l_cmd },
		  .u = m->commands },
		{ "agw_h248_errors_total",
		  "error descriptors agwd sent, by H.248 error code",
		  C,
		  { &l_err },
		  .sparse = true,
		  .u = m->errors },
		{ "agw_h248_transaction_duration_seconds",
		  "time from a transaction request to its reply being sent", H,
		  .bounds = txn_bounds, .nbounds = NTXN_BOUNDS,
		  .h = &m->txn_seconds },
		{ "agw_registration_state",
		  "registration with the MGC: 1 for the current state",
		  G,
		  { &l_reg },
		  .g = s->reg },
		{ "agw_registration_attempts_total",
		  "ServiceChange Restart requests sent to register", C,
		  .u = &m->reg_attempts },
		{ "agw_registration_lost_total",
		  "times the MGC was found gone and agwd registered again", C,
		  .u = &m->reg_lost },
		{ "agw_mgc_switches_total",
		  "times agwd moved on to the next MGC of its list", C,
		  .u = &m->mgc_switches },
		{ "agw_contexts", "contexts in use", G, .g = &s->contexts },
		{ "agw_terminations",
		  "terminations, by realm and state",
		  G,
		  { &l_realm, &l_state },
		  .g = &s->terms[0][0] },
		{ "agw_gate_syn_admitted_total",
		  "SYNs the gate admitted to a termination, by realm",
		  C,
		  { &l_realm },
		  .u = s->admitted },
		{ "agw_gate_syn_dropped_total",
		  "SYNs the gate dropped for a termination, by realm and reason",
		  C,
		  { &l_realm, &l_treason },
		  .u = &s->dropped[0][0] },
		{ "agw_gate_dropped_total",
		  "packets the gate dropped that no termination owns, by reason",
		  C,
		  { &l_greason },
		  .u = s->gate_drops },
		{ "agw_gate_syn_outside_range_total",
		  "SYNs outside the media port range (passed)", C,
		  .u = &s->outside_range },
		{ "agw_gate_fragments_total", "IP fragments the gate saw", C,
		  .u = &s->fragments },
		{ "agw_relay_flows",
		  "flows being relayed, by path",
		  G,
		  { &l_path },
		  .g = s->flows },
		{ "agw_relay_flows_ended_total",
		  "relayed flows that ended, by path",
		  C,
		  { &l_path },
		  .u = s->flows_ended },
		{ "agw_relay_bytes_total",
		  "bytes relayed (both directions), by path",
		  C,
		  { &l_path },
		  .u = s->bytes },
		{ "agw_relay_user_space_bytes_total",
		  "bytes of the sockmap path that went through user space", C,
		  .u = &s->user_bytes },
		{ "agw_relay_stalls_total",
		  "times a direction stopped at its memory bound (the destination took no more)",
		  C, .u = &s->stalls },
		{ "agw_tls_handshakes_total",
		  "e2ae TLS handshakes, by result (success or the failure reason)",
		  C,
		  { &l_tls },
		  .u = m->tls_handshakes },
		{ "agw_control_clients", "control socket clients connected", G,
		  .g = &s->ctl_clients },
		{ "agw_control_clients_accepted_total",
		  "control socket clients accepted", C, .u = &s->ctl_accepted },
		{ "agw_control_clients_evicted_total",
		  "control socket clients closed to make room for a new one", C,
		  .u = &s->ctl_evicted },
		{ "agw_control_clients_stalled_total",
		  "control socket clients dropped for not reading their reply",
		  C, .u = &s->ctl_stalled },
		{ "agw_control_monitors",
		  "control socket clients subscribed to events (agwctl monitor)",
		  G, .g = &s->ctl_monitors },
		{ "agw_control_events_total",
		  "events pushed to the control socket's monitors (each counted once)",
		  C, .u = &s->ctl_events },
		{ "agw_control_requests_total", "control socket requests", C,
		  .u = &s->ctl_requests },
		{ "agw_control_requests_denied_total",
		  "control socket requests refused for the peer's level", C,
		  .u = &s->ctl_denied },
	};
	agw_metrics_write(out, f, sizeof(f) / sizeof(f[0]));
	free(s);
}

#undef C
#undef G
#undef H

int agwd_ctl_stats(struct agwd *d, struct agw_strbuf *out)
{
	struct agw_strbuf text;
	struct agw_json w;

	agw_strbuf_init(&text);
	agwd_metrics_text(d, &text);
	if (text.err) {
		agw_strbuf_free(&text);
		return -ENOMEM;
	}
	agw_json_init_members(&w, out);
	agw_json_str(&w, "content_type", AGW_METRICS_CONTENT_TYPE);
	agw_json_str(&w, "text", text.buf ? text.buf : "");
	agw_strbuf_free(&text);
	return agw_json_end(&w);
}

/* ---- HTTP endpoint ------------------------------------------------------*/

static struct {
	struct agwd *d;
	struct MHD_Daemon *mhd;
	struct agw_evfd ev;
	struct agw_timer timer;
} http;

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned int code,
			     const char *type, void *buf, size_t len)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(
		len, buf, MHD_RESPMEM_MUST_FREE);
	enum MHD_Result ret;

	if (!r) {
		free(buf);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	ret = MHD_queue_response(conn, code, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result text_reply(struct MHD_Connection *conn,
				  unsigned int code, const char *msg)
{
	char *b = strdup(msg);

	return b ? reply(conn, code, "text/plain; charset=utf-8", b,
			 strlen(b)) :
		   MHD_NO;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn,
				  const char *url, const char *method,
				  const char *version, const char *upload,
				  size_t *upload_len, void **con_cls)
{
	struct agw_strbuf out;

	if (strcmp(method, MHD_HTTP_METHOD_GET) &&
	    strcmp(method, MHD_HTTP_METHOD_HEAD))
		return text_reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED,
				  "only GET /metrics\n");
	if (*upload_len)
		return MHD_NO;
	if (strcmp(url, "/metrics"))
		return text_reply(conn, MHD_HTTP_NOT_FOUND,
				  "not found: the metrics are at /metrics\n");
	agw_strbuf_init(&out);
	agwd_metrics_text(http.d, &out);
	if (out.err || !out.buf) {
		agw_strbuf_free(&out);
		return text_reply(conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
				  "out of memory\n");
	}
	return reply(conn, MHD_HTTP_OK, AGW_METRICS_CONTENT_TYPE, out.buf,
		     out.len);
}

static void http_run(void)
{
	MHD_UNSIGNED_LONG_LONG ms;

	MHD_run(http.mhd);
	if (MHD_get_timeout(http.mhd, &ms) == MHD_YES)
		agw_timer_start(http.d->loop, &http.timer,
				ms > 60000 ? 60000 : ms);
	else
		agw_timer_stop(http.d->loop, &http.timer);
}

static void on_http_fd(struct agw_evfd *h, uint32_t events)
{
	http_run();
}

static void on_http_timer(struct agw_timer *t)
{
	http_run();
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[256];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	msg[strcspn(msg, "\n")] = 0;
	agw_info("metrics: %s", msg);
}

int agwd_metrics_init(struct agwd *d)
{
	const union MHD_DaemonInfo *info;
	char a[AGW_ADDRSTRLEN];
	int err;

	http.d = d;
	if (!d->cfg.metrics_on)
		return 0;
	agw_sockaddr_str(&d->cfg.metrics_listen, true, a, sizeof(a));
	http.mhd = MHD_start_daemon(
		MHD_USE_EPOLL | MHD_USE_ERROR_LOG |
			(d->cfg.metrics_listen.sa.sa_family == AF_INET6 ?
				 MHD_USE_IPv6 :
				 0),
		0, NULL, NULL, on_request, NULL,
		/* first, so that MHD logs nothing on stderr itself */
		MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL, MHD_OPTION_SOCK_ADDR,
		&d->cfg.metrics_listen.sa, MHD_OPTION_CONNECTION_LIMIT,
		(unsigned int)8, MHD_OPTION_CONNECTION_TIMEOUT,
		(unsigned int)10, MHD_OPTION_END);
	if (!http.mhd) {
		agw_err("metrics: cannot listen on %s (see the line above)", a);
		return -EADDRNOTAVAIL;
	}
	info = MHD_get_daemon_info(http.mhd, MHD_DAEMON_INFO_EPOLL_FD);
	agw_timer_init(&http.timer, on_http_timer, NULL);
	err = info ? agw_evloop_add_fd(d->loop, &http.ev, info->epoll_fd,
				       EPOLLIN, on_http_fd, NULL) :
		     -ENOTSUP;
	if (err) {
		MHD_stop_daemon(http.mhd);
		http.mhd = NULL;
		agw_err("metrics: event loop: %s", strerror(-err));
		return err;
	}
	agw_notice("metrics: http://%s/metrics", a);
	return 0;
}

void agwd_metrics_fini(struct agwd *d)
{
	if (!http.mhd)
		return;
	agw_evloop_del_fd(d->loop, &http.ev);
	agw_timer_stop(d->loop, &http.timer);
	MHD_stop_daemon(http.mhd);
	http.mhd = NULL;
}
