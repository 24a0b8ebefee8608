// SPDX-License-Identifier: GPL-2.0-only
/*
 * ctl/ is agw's control plane: agwd, the H.248 agent (the data plane is
 * the eBPF of bpf/ and the relay engine of lib/). Its files and the
 * direction of calls between them: Documentation/agwd-design.md, "ctl/
 * map".
 *
 * agwd main: configuration, logging, H.248 transport, realm watch, control
 * socket, event loop; it wires the transaction layer's upward calls
 * (struct agwd_txn_cbs) to the commands and the registration.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agw/fsutil.h"
#include "agw/log.h"
#include "ctx.h"
#include "metrics.h"
#include "tls.h"

static void on_h248(void *arg, enum agw_h248_proto proto,
		    const struct agw_sockaddr *peer, const uint8_t *msg,
		    size_t len)
{
	agwd_h248_dump("rx", proto, peer, msg, len);
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
	agwd_sd_stopping(d);
	agwd_begin_shutdown(d);
}

static void on_hup(struct agw_evloop *loop, int signo, void *arg)
{
	agwd_reload(arg);
}

/* ---- SIGUSR1, SIGUSR2 ------------------------------------------------ */

/* stderr's file at start, for SIGUSR1 (a pipe or a tty has none). */
static void remember_log_file(struct agwd *d)
{
	struct stat st;
	ssize_t n;

	d->log_path[0] = 0;
	if (d->cfg.log_target != AGW_LOG_STDERR || fstat(2, &st) ||
	    !S_ISREG(st.st_mode))
		return;
	n = readlink("/proc/self/fd/2", d->log_path, sizeof(d->log_path) - 1);
	d->log_path[n > 0 && d->log_path[0] == '/' ? n : 0] = 0;
}

/* SIGUSR1: the log target again (a rotated file by its name; syslog). */
static void on_usr1(struct agw_evloop *loop, int signo, void *arg)
{
	struct agwd *d = arg;
	int fd;

	agw_log_reopen();
	if (!d->log_path[0]) {
		agw_notice("SIGUSR1: log reopened (%s)",
			   agw_log_target_name(d->cfg.log_target));
		return;
	}
	fd = open(d->log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd < 0 || dup2(fd, 2) < 0) {
		agw_err("SIGUSR1: reopen %s: %s", d->log_path, strerror(errno));
	} else {
		agw_notice("SIGUSR1: log reopened (%s)", d->log_path);
	}
	if (fd >= 0)
		close(fd);
}

/* SIGUSR2: a summary of agwd's state, in the log. */
static void on_usr2(struct agw_evloop *loop, int signo, void *arg)
{
	struct agwd *d = arg;
	char a[AGW_ADDRSTRLEN];

	agw_notice(
		"SIGUSR2: registration %s (MGC %s), contexts %u/%u, terminations %u/%u (configured %u), flows %u, uptime %llu s",
		agwd_reg_state_name(d->reg),
		agw_sockaddr_str(&d->mgc_addr, true, a, sizeof(a)), d->tab.nctx,
		d->tab.max_ctx, d->tab.nterm, d->tab.max_term,
		d->cfg.max_terminations,
		d->relay ? agw_relay_count(d->relay) : 0,
		(unsigned long long)(agw_now_ms() - d->start_ms) / 1000);
	agw_notice(
		"SIGUSR2: file descriptors %u open, limit %llu (hard %llu, [limits] need %llu), %llu connections refused for want of one; gate at start: %u entries of a dead agwd removed, %u operator entries kept",
		agwd_fds_open(), (unsigned long long)d->nofile_soft,
		(unsigned long long)d->nofile_hard,
		(unsigned long long)d->nofile_need,
		(unsigned long long)d->fd_exhausted, d->gate_rec.removed,
		d->gate_rec.kept_operator);
}

/* Operator signals besides stop and reload: one table. */
static const struct {
	int signo;
	agw_signal_cb cb;
} admin_signals[] = {
	{ SIGUSR1, on_usr1 },
	{ SIGUSR2, on_usr2 },
};

static int add_admin_signals(struct agwd *d)
{
	int err;

	for (size_t i = 0; i < sizeof(admin_signals) / sizeof(admin_signals[0]);
	     i++) {
		err = agw_evloop_add_signal(d->loop, admin_signals[i].signo,
					    admin_signals[i].cb, d);
		if (err)
			return err;
	}
	return 0;
}

/* ---- start and stop -------------------------------------------------- */

/*
 * [agwd] control_socket_group and control_socket_mode on the socket just
 * bound: a peer the mode lets in that is neither root nor agwd's uid gets
 * level read (include/agw/ctlsock.h).
 */
static int ctlsock_access(struct agwd *d)
{
	const char *path = d->cfg.control_socket;

	if (d->cfg.control_socket_group[0] &&
	    chown(path, (uid_t)-1, d->cfg.control_socket_gid)) {
		agw_err("control socket %s: group %s: %s", path,
			d->cfg.control_socket_group, strerror(errno));
		return -errno;
	}
	if (chmod(path, d->cfg.control_socket_mode)) {
		agw_err("control socket %s: mode %04o: %s", path,
			d->cfg.control_socket_mode, strerror(errno));
		return -errno;
	}
	return 0;
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
		.tpkt_timeout_ms = d->cfg.tpkt_timeout_ms,
	};
	static const struct agw_h248_transport_cbs cbs = { on_h248,
							   on_mgc_link };
	static const struct agwd_txn_cbs txn_cbs = {
		.execute = agwd_ctx_execute,
		.done = agwd_reg_done,
	};
	static const struct agwd_cmd_ops cmd_ops = {
		.audit = agwd_audit,
		.service_change = agwd_sc_command,
		.term_timer = agwd_sc_on_term_timer,
	};
	char a[AGW_ADDRSTRLEN];
	int err;

	err = agw_mkdir_p(d->cfg.state_dir, 0750);
	if (err) {
		agw_err("state directory %s: %s", d->cfg.state_dir,
			strerror(-err));
		return err;
	}
	agwd_fd_budget(d);
	err = agwd_tls_init(d);
	if (err)
		return err;
	err = agw_evloop_new(&d->loop);
	if (err)
		return err;
	if ((err = agw_evloop_add_signal(d->loop, SIGTERM, on_stop_signal,
					 d)) ||
	    (err = agw_evloop_add_signal(d->loop, SIGINT, on_stop_signal, d)) ||
	    (err = agw_evloop_add_signal(d->loop, SIGHUP, on_hup, d)) ||
	    (err = add_admin_signals(d)))
		return err;
	agwd_fds_init(d);
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
	d->cmd_ops = &cmd_ops;
	err = agwd_txn_init(d, &txn_cbs);
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
	if (err == -ENOTSOCK)
		agw_err("control socket %s: exists and is not a socket: left as it is; remove it or set [agwd] control_socket",
			d->cfg.control_socket);
	else if (err == -EADDRINUSE)
		agw_err("control socket %s: a process answers on it",
			d->cfg.control_socket);
	else if (err)
		agw_err("control socket %s: %s", d->cfg.control_socket,
			strerror(-err));
	if (err)
		return err;
	err = ctlsock_access(d);
	if (err)
		return err;
	agw_ctlsock_set_read_cmds(d->ctl, agwd_ctl_read_cmds);
	agw_ctlsock_set_subscribe_cmd(d->ctl, "monitor",
				      agwd_monitor_subscribers);
	d->on_event = agwd_monitor_event;
	return agwd_metrics_init(d);
}

/* The gate goes last but for the lock (main): released entries, then
 * the attachments, then the maps. */
static void stop(struct agwd *d)
{
	agwd_metrics_fini(d);
	agwd_sd_stopping(d);
	agwd_sd_fini(d);
	agw_ctlsock_close(d->ctl);
	agwd_ctx_fini(d);
	agwd_relay_fini(d);
	agwd_gate_fini(d);
	if (d->out)
		agwd_txn_fini(d);
	agw_h248_transport_free(d->h248);
	agw_realms_free(d->realms);
	agwd_fds_fini(d);
	agw_evloop_free(d->loop);
	agwd_tls_fini(d);
}

/*
 * The single-instance lock, before anything touches BPF: a second agwd
 * on the same pin directory says who holds it and exits, having touched
 * nothing (Documentation/robustness.md).
 */
static int lock_instance(struct agwd *d)
{
	struct agw_gate_holder h;
	int err;

	agwd_ensure_bpffs(d->cfg.gate_pin_dir);
	err = agw_gate_lock(d->cfg.gate_pin_dir, &d->gate_lock, &h);
	if (err == -EBUSY && h.pid)
		snprintf(
			d->start_err, sizeof(d->start_err),
			"another agwd (pid %u, generation %u) holds %s: not starting",
			h.pid, h.generation, d->cfg.gate_pin_dir);
	else if (err == -EBUSY)
		snprintf(d->start_err, sizeof(d->start_err),
			 "another agwd holds %s: not starting",
			 d->cfg.gate_pin_dir);
	else if (err)
		snprintf(d->start_err, sizeof(d->start_err),
			 "instance lock on %s: %s", d->cfg.gate_pin_dir,
			 strerror(-err));
	if (err) {
		agw_err("%s", d->start_err);
		if (d->cfg.log_target != AGW_LOG_STDERR)
			fprintf(stderr, "agwd: %s\n", d->start_err);
	}
	return err;
}

/*
 * Without --foreground: the parent waits until the child has started or
 * failed, and exits 0 or 1 with the child's error on stderr. Returns in
 * the child (*report: the pipe's write end); exits in the parent.
 */
static void daemonize(int *report)
{
	char buf[sizeof(((struct agwd *)0)->start_err) + 2];
	ssize_t n, got = 0;
	int p[2], null;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) || (pid = fork()) < 0) {
		fprintf(stderr, "agwd: daemon: %s\n", strerror(errno));
		exit(1);
	}
	if (pid > 0) {
		close(p[1]);
		while (got < (ssize_t)sizeof(buf) - 1 &&
		       ((n = read(p[0], buf + got, sizeof(buf) - 1 - got)) >
				0 ||
			(n < 0 && errno == EINTR)))
			got += n > 0 ? n : 0;
		buf[got] = 0;
		if (got && buf[0] == '0')
			exit(0);
		fprintf(stderr, "agwd: %s\n",
			got > 2 ? buf + 2 : "the daemon died while starting");
		exit(1);
	}
	close(p[0]);
	setsid();
	if (chdir("/"))
		agw_warn("chdir /: %s", strerror(errno));
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		close(null);
	}
	*report = p[1];
}

static void report_start(int fd, int err, const char *msg)
{
	char buf[sizeof(((struct agwd *)0)->start_err) + 2];
	int n;

	if (fd < 0)
		return;
	n = snprintf(buf, sizeof(buf), "%d %s", err ? 1 : 0,
		     err ? (*msg ? msg : strerror(-err)) : "");
	if (write(fd, buf, n < (int)sizeof(buf) ? n : (int)sizeof(buf) - 1) < 0)
		agw_warn("start report: %s", strerror(errno));
	close(fd);
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
	int r, err, report = -1;

	r = agwd_parse_options(&d, argc, argv);
	if (r)
		return r < 0 ? 2 : 0;
	if (!d.opt.foreground && d.cfg.log_target == AGW_LOG_STDERR)
		d.cfg.log_target = AGW_LOG_SYSLOG; /* stderr goes away */
	agw_log_open("agwd", d.cfg.log_target, d.cfg.log_level);
	agw_log_route_libbpf();
	signal(SIGPIPE, SIG_IGN);
	d.reserve_fd = -1;
	if (lock_instance(&d))
		return 1;
	if (!d.opt.foreground)
		daemonize(&report);
	remember_log_file(&d);
	d.start_ms = agw_now_ms();
	agw_log_capture_errors(d.start_err, sizeof(d.start_err));
	err = start(&d);
	agw_log_capture_errors(NULL, 0);
	report_start(report, err, d.start_err);
	if (!err) {
		d.started = true;
		log_startup(&d);
		agwd_reg_start(&d);
		agwd_sd_ready(&d);
		err = agw_evloop_run(d.loop);
	}
	stop(&d);
	if (err)
		agw_err("agwd stopped: %s", strerror(-err));
	else
		agw_notice("agwd stopped");
	agw_gate_unlock(d.gate_lock); /* last: the state is released */
	agw_log_close();
	return err ? 1 : 0;
}
