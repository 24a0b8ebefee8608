// SPDX-License-Identifier: GPL-2.0-only
/*
 * agwd main: configuration, logging, H.248 transport, realm watch, control
 * socket, event loop. The H.248 transaction layer plugs into on_h248()
 * and on_mgc_link() (Documentation/agwd-design.md).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agw/fsutil.h"
#include "agw/log.h"
#include "ctx.h"
#include "tls.h"


/* One line for the log: control characters escaped, length capped. */
static void escape(const uint8_t *m, size_t len, char *out, size_t outlen)
{
	size_t o = 0;

	for (size_t i = 0; i < len && o + 5 < outlen; i++) {
		if (m[i] == '\n') {
			out[o++] = '\\';
			out[o++] = 'n';
		} else if (m[i] == '\r') {
			out[o++] = '\\';
			out[o++] = 'r';
		} else if (m[i] < 0x20 || m[i] >= 0x7f) {
			o += snprintf(out + o, outlen - o, "\\x%02x", m[i]);
		} else {
			out[o++] = m[i];
		}
	}
	out[o] = 0;
}

static void on_h248(void *arg, enum agw_h248_proto proto,
		    const struct agw_sockaddr *peer, const uint8_t *msg,
		    size_t len)
{
	char a[AGW_ADDRSTRLEN], text[768];

	if (agw_log_enabled(AGW_LOG_DEBUG)) {
		escape(msg, len, text, sizeof(text));
		agw_dbg("h248 rx %s from %s, %zu bytes: %s",
			agw_h248_proto_name(proto),
			agw_sockaddr_str(peer, true, a, sizeof(a)), len, text);
	}
	agwd_txn_receive(arg, proto, peer, msg, len);
}

static void on_mgc_link(void *arg, bool up, const struct agw_sockaddr *mgc)
{
	struct agwd *d = arg;

	if (d->out_proto != AGW_H248_TCP)
		return;
	if (up) {
		d->mgc_addr = *mgc;
		agwd_reg_start(d);
	} else {
		agwd_reg_lost(d, "TCP connection closed");
	}
}

static void on_realm(void *arg, const struct agw_realm *r,
		     enum agw_realm_event ev, const struct agw_sockaddr *a)
{
	struct agwd *d = arg;

	/* LINK_DOWN is followed by ADDR_REMOVED for each address */
	if (ev == AGW_REALM_ADDR_REMOVED && a)
		agwd_ctx_realm_addr_gone(d, a);
}

static void on_stop_signal(struct agw_evloop *loop, int signo, void *arg)
{
	struct agwd *d = arg;

	agw_notice("%s: shutting down%s", strsignal(signo),
		   d->shutting_down ? " at once (Forced)" : "");
	agwd_notify_stopping(d);
	agwd_begin_shutdown(d);
}

static void on_hup(struct agw_evloop *loop, int signo, void *arg)
{
	agwd_reload(arg);
}

static int start(struct agwd *d)
{
	struct agw_h248_transport_cfg tc = {
		.local = d->cfg.local,
		.mgc = d->cfg.mgc,
		.nmgc = d->cfg.nmgc,
		.udp = d->cfg.udp,
		.tcp = d->cfg.tcp,
		.retry_ms = d->cfg.reg_retry_ms,
		.retry_max_ms = d->cfg.reg_retry_max_ms,
	};
	static const struct agw_h248_transport_cbs cbs = { on_h248,
							   on_mgc_link };
	char a[AGW_ADDRSTRLEN];
	int err;

	err = agw_mkdir_p(d->cfg.state_dir, 0750);
	if (err) {
		agw_err("state directory %s: %s", d->cfg.state_dir,
			strerror(-err));
		return err;
	}
	err = agwd_tls_init(d);
	if (err)
		return err;
	err = agw_evloop_new(&d->loop);
	if (err)
		return err;
	if ((err = agw_evloop_add_signal(d->loop, SIGTERM, on_stop_signal,
					 d)) ||
	    (err = agw_evloop_add_signal(d->loop, SIGINT, on_stop_signal, d)) ||
	    (err = agw_evloop_add_signal(d->loop, SIGHUP, on_hup, d)))
		return err;
	err = agw_realms_new(d->loop, &d->cfg, on_realm, d, &d->realms);
	if (err) {
		agw_err("realms: %s", strerror(-err));
		return err;
	}
	err = agwd_ctx_init(d);
	if (err)
		return err;
	err = agwd_gate_init(d);
	if (err)
		return err;
	err = agwd_relay_init(d);
	if (err) {
		agw_err("relay engine: %s", strerror(-err));
		return err;
	}
	err = agwd_txn_init(d);
	if (err)
		return err;
	agwd_reg_init(d);
	err = agw_h248_transport_new(d->loop, &tc, &cbs, d, &d->h248);
	if (err) {
		agw_err("H.248 transport on %s: %s",
			agw_sockaddr_str(&d->cfg.local, true, a, sizeof(a)),
			strerror(-err));
		return err;
	}
	err = agw_ctlsock_open(d->loop, d->cfg.control_socket, agwd_ctl_cmds, d,
			       &d->ctl);
	if (err) {
		agw_err("control socket %s: %s", d->cfg.control_socket,
			strerror(-err));
		return err;
	}
	return 0;
}

static void stop(struct agwd *d)
{
	agwd_notify_stopping(d);
	agwd_notify_fini(d);
	agw_ctlsock_close(d->ctl);
	agwd_ctx_fini(d);
	agwd_relay_fini(d);
	agwd_gate_fini(d);
	if (d->out)
		agwd_txn_fini(d);
	agw_h248_transport_free(d->h248);
	agw_realms_free(d->realms);
	agw_evloop_free(d->loop);
	agwd_tls_fini(d);
}

static void log_startup(const struct agwd *d)
{
	char a[AGW_ADDRSTRLEN], m[AGW_ADDRSTRLEN * AGW_CFG_MAX_MGC] = "";

	for (unsigned int i = 0; i < d->cfg.nmgc; i++) {
		if (i)
			strcat(m, ", ");
		strcat(m, agw_sockaddr_str(&d->cfg.mgc[i], true, a, sizeof(a)));
	}
	agw_notice(
		"agwd %s started: MID %s, H.248 over %s%s%s on %s, MGC %s, %u realm(s), control socket %s",
		AGWD_VERSION, d->cfg.mid, d->cfg.udp ? "udp" : "",
		d->cfg.udp && d->cfg.tcp ? "+" : "", d->cfg.tcp ? "tcp" : "",
		agw_sockaddr_str(&d->cfg.local, true, a, sizeof(a)), m,
		d->cfg.nrealms, d->cfg.control_socket);
}

int main(int argc, char **argv)
{
	static struct agwd d;
	int r, err;

	r = agwd_parse_options(&d, argc, argv);
	if (r)
		return r < 0 ? 2 : 0;
	if (!d.opt.foreground && d.cfg.log_target == AGW_LOG_STDERR)
		d.cfg.log_target = AGW_LOG_SYSLOG; /* stderr goes away */
	agw_log_open("agwd", d.cfg.log_target, d.cfg.log_level);
	signal(SIGPIPE, SIG_IGN);
	if (!d.opt.foreground && daemon(0, 0)) {
		agw_err("daemon: %s", strerror(errno));
		return 1;
	}
	d.start_ms = agw_now_ms();
	err = start(&d);
	if (!err) {
		log_startup(&d);
		agwd_reg_start(&d);
		agwd_notify_ready(&d);
		err = agw_evloop_run(d.loop);
	}
	stop(&d);
	if (err)
		agw_err("agwd stopped: %s", strerror(-err));
	else
		agw_notice("agwd stopped");
	agw_log_close();
	return err ? 1 : 0;
}
