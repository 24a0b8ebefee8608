/* SPDX-License-Identifier: GPL-2.0-only */
/* agwd internals shared by the files of ctl/. */
#ifndef AGWD_H
#define AGWD_H

#include <stdbool.h>
#include <stdint.h>

#include "agw/config.h"
#include "agw/gate.h"
#include "agw/h248.h"
#include "agw/h248_txn_cache.h"
#include "agw/h248_txn_out.h"
#include "agw/ctlsock.h"
#include "agw/fingerprint.h"
#include "agw/evloop.h"
#include "agw/h248_transport.h"
#include "agw/log.h"
#include "agw/realm.h"
#include "agw/version.h"

#define AGWD_VERSION AGW_VERSION
/* first retransmission of an MG-originated request (root/normalMGCExecutionTime) */
#define AGWD_MGC_EXEC_MS 1000
/* the H.248 version agwd proposes when registering */
#define AGWD_H248_VERSION 3
/* Read when it exists and no -c is given (agwd.conf(5)). */
#ifndef AGWD_CONFIG_FILE
#define AGWD_CONFIG_FILE "/etc/agw/agwd.conf"
#endif

/* Registration with the MGC (Documentation/agwd-design.md). */
enum agwd_reg_state {
	AGWD_UNREGISTERED,
	AGWD_REGISTERING,
	AGWD_REGISTERED,
};

struct agwd_options {
	const char *config_path;
	bool foreground;
	bool print_config;
	bool check_config;
	int argc; /* the command line, applied again on SIGHUP */
	char **argv;
};

/* systemd service manager notifications (ctl/sdnotify.c) */
struct agwd_sd {
	bool enabled; /* NOTIFY_SOCKET set */
	uint64_t watchdog_ms; /* 0: no WatchdogSec= */
	struct agw_timer timer; /* watchdog pings and STATUS= updates */
	int last_reg; /* registration state last sent in STATUS=, -1: none */
	bool stopping;
};

struct agwd;
struct agwd_term;
struct agwd_ctx;
struct agw_relay_engine;
struct agw_sdp;
struct agw_strbuf;
struct agw_tls_cert;
struct agw_tls_ctx;

/* What an MG-originated request is for (the user pointer of txn_out). */
enum agwd_out_kind {
	AGWD_OUT_REGISTER = 1,
	AGWD_OUT_SHUTDOWN,
	AGWD_OUT_NOTIFY,
	AGWD_OUT_HEARTBEAT,
};

/*
 * What the transaction layer reports upward: ctl/txn.c calls no file
 * above it; agwd's main (and a test) hands it these at agwd_txn_init().
 */
struct agwd_txn_cbs {
	/* Run one transaction request's actions, building the reply. */
	void (*execute)(struct agwd *d, const struct h248_transaction *req,
			struct h248_transaction *reply);
	/* An MG-originated request ended: replied (reply is the answer)
	 * or given up (replied false, reply NULL). */
	void (*done)(struct agwd *d, enum agwd_out_kind kind, uint32_t tid,
		     bool replied, const struct h248_transaction *reply);
};

struct agwd_exec;
struct agwd_term;
struct agw_timer;
struct h248_command;
/*
 * The commands ctl/ctx.c hands to files above it (ctl/audit.c, ctl/sc.c):
 * wired by agwd's main (and a test), so that ctx.c calls no file that
 * calls it.
 */
struct agwd_cmd_ops {
	int (*audit)(struct agwd_exec *x, const struct h248_command *c);
	int (*service_change)(struct agwd_exec *x,
			      const struct h248_command *c);
	/* a termination's ServiceChange timer (Graceful with a Delay) */
	void (*term_timer)(struct agw_timer *tm);
};

struct agwd_tables {
	uint32_t max_ctx, max_term;
	struct agwd_ctx *ctx; /* max_ctx entries; ctx id = index + 1 */
	uint32_t *ctx_free; /* stack of free indexes */
	uint32_t nctx_free;
	struct agwd_term **term; /* max_term slots; ID number = index + 1 */
	uint32_t *term_free;
	uint32_t nterm_free;
	uint32_t nctx, nterm; /* in use */
};

/*
 * What agwctl monitor shows (ctl/monitor.c formats it for the control
 * socket's subscribers). The files that see it happen report it upward
 * through d->on_event (agwd_event()), wired by agwd's main: they call no
 * file for it.
 */
enum agwd_event_kind {
	AGWD_EV_ADD,
	AGWD_EV_MODIFY,
	AGWD_EV_SUBTRACT,
	AGWD_EV_NOTIFY, /* an MG-originated Notify sent to the MGC */
	AGWD_EV_TLS_FAILURE, /* an e2ae TLS session failed closed */
};

struct agwd_event {
	enum agwd_event_kind kind;
	const char
		*term; /* termination ID (a refused Add: as the MGC wrote it) */
	uint32_t ctx; /* 0: none */
	const char *realm, *state, *gate_mode; /* NULL: not known */
	const char *name; /* Notify: the event; TLS: the failure's name */
	const char *param, *value; /* Notify: its parameter, or NULL */
	const char *text; /* TLS: the reason; a refused command: the error */
	int error; /* a refused command: the H.248 error code; else 0 */
};

struct agwd {
	struct agw_config cfg;
	struct agw_config loaded; /* as loaded at start, for SIGHUP */
	struct agwd_options opt;
	struct agw_evloop *loop;
	struct agw_h248_transport *h248;
	struct agw_realms *realms;
	struct agw_ctlsock *ctl;
	enum agwd_reg_state reg;
	uint32_t reg_tid; /* transaction of the registration in force */
	uint64_t start_ms;
	int exit_code;

	/* transaction layer (ctl/txn.c) */
	const struct agwd_txn_cbs *txn_cbs;
	const struct agwd_cmd_ops *cmd_ops; /* ctl/ctx.c's upward calls */
	struct h248_arena arena; /* reset per message */
	void *arena_mem;
	const struct h248_transaction *last_reply; /* during out done() */
	struct h248_limits limits;
	struct h248_mid mid; /* ours, parsed from cfg.mid */
	struct agw_txn_cache *cache;
	struct agw_txn_out *out;
	enum agw_h248_proto out_proto; /* for MG-originated requests */
	struct agw_sockaddr mgc_addr; /* the MGC we registered with */
	unsigned int mgc_idx;
	int version; /* negotiated */
	bool compact; /* encode replies compact (follows the request) */
	bool in_receive;
	uint64_t mgc_sender; /* reply cache key of the MGC that answered */
	uint64_t rx_requests, rx_errors;

	/* registration (ctl/reg.c) */
	struct agw_timer reg_timer;
	uint32_t reg_backoff_ms;
	bool restored; /* registered before: "900 Service Restored" */
	bool shutting_down;
	int stop_signals;
	struct agw_timer hb_timer;
	unsigned int hb_missed;
	/* ServiceChange (ctl/reg.c, ctl/sc.c): Documentation/h248-profile.md */
	bool kept_state; /* MGC lost with contexts kept: Disconnected/900 */
	bool handoff; /* registering after an MGC-initiated HandOff */
	bool profile_refused; /* the MGC refused the profile: none now */
	bool out_of_service; /* MGC Forced/Graceful on ROOT: Adds get 503 */
	bool cancelling; /* cancel_out(): done() callbacks ignored */
	bool draining; /* Graceful (SIGTERM or the MGC): Adds get 503 */
	bool drain_done; /* the Graceful delay ran out */
	bool shutdown_answered; /* the Graceful of SIGTERM was answered */
	struct agw_timer drain_timer;
	struct agw_timer handoff_timer;
	unsigned int handoff_idx; /* the MGC of a HandOff (cfg.mgc index) */

	/* contexts and terminations (ctl/ctx.c, ctl/term.c) */
	struct agwd_tables tab;
	struct agw_gate *gate;
	struct agw_relay_engine *relay;
	struct agw_evfd relay_ev;
	/* flows of subtracted contexts, draining (ctl/relay.c) */
	struct agwd_released *released;
	uint32_t nreleased;
	char relay_pin_dir[AGW_CFG_PATH_MAX];
	struct agwd_term *all_terms; /* list for agwctl and realm events */
	struct agw_sdp *sdp_a, *sdp_b; /* scratch for one command */

	/* crash-safe state (ctl/agwd.c, ctl/gate.c; Documentation/
	 * robustness.md): the instance lock of the gate's pin directory,
	 * held from before anything touches BPF until after the gate is
	 * closed; what the reconcile at start found */
	struct agw_gate_lock *gate_lock;
	bool started; /* start() completed: the state is this run's */
	bool gate_attached_new[AGW_CFG_MAX_REALMS]; /* attached by this run */
	struct agw_gate_reconcile gate_rec;

	/* file descriptors (ctl/agwd.c): the budget [limits] asks for,
	 * the effective termination limit that fits RLIMIT_NOFILE, a
	 * reserve fd for accept at EMFILE, the accept back-off */
	uint64_t nofile_soft, nofile_hard, nofile_need;
	uint32_t term_limit; /* effective; <= cfg.max_terminations */
	int reserve_fd;
	struct agw_timer accept_timer;
	bool accept_paused; /* some listener waits for accept_timer */
	uint64_t fd_exhausted; /* connections refused for want of an fd */
	struct agw_ratelimit fd_rl;
	char start_err[512]; /* why start failed (the daemon's parent) */

	/* SIGUSR1: stderr's file, reopened (logrotate); "" if none */
	char log_path[AGW_CFG_PATH_MAX];

	/* e2ae TLS (ctl/tls.c): one certificate and context for agwd */
	struct agw_tls_cert *tls_cert;
	struct agw_tls_ctx *tls_ctx;
	char tls_fp[AGW_FP_ATTR_MAX]; /* "sha-256 AB:..." for logs, agwctl */

	struct agwd_sd sd;

	/* agwctl monitor (ctl/monitor.c); NULL: no one listens */
	void (*on_event)(struct agwd *d, const struct agwd_event *ev);
	/* the gate's drop records, read while someone monitors */
	struct agw_gate_monitor *drops;
	struct agw_evfd drops_ev;
	bool drops_turned_on; /* records were off: off again after */
	uint64_t drops_since_ns; /* CLOCK_MONOTONIC: older ones are history */
};

static inline void agwd_event(struct agwd *d, const struct agwd_event *ev)
{
	if (d->on_event)
		d->on_event(d, ev);
}

/* ctl/txn.c: the lowest layer of H.248; reports upward through cbs */
int agwd_txn_init(struct agwd *d, const struct agwd_txn_cbs *cbs);
void agwd_txn_fini(struct agwd *d);
void agwd_txn_receive(struct agwd *d, enum agw_h248_proto proto,
		      const struct agw_sockaddr *peer, const uint8_t *msg,
		      size_t len);
/* Encode m and start it as an MG-originated request; tid is in m. */
int agwd_txn_request(struct agwd *d, struct h248_message *m, uint32_t tid,
		     enum agwd_out_kind kind);
/* A fresh request message with one transaction (arena memory). */
struct h248_transaction *
agwd_txn_new_request(struct agwd *d, struct h248_message **m, uint32_t *tid);

/* At log level debug: one line "h248 rx|tx PROTO from|to PEER, N bytes:
 * MESSAGE" with control characters escaped and the text capped. */
void agwd_h248_dump(const char *dir, enum agw_h248_proto proto,
		    const struct agw_sockaddr *peer, const void *msg,
		    size_t len);

/* Reset the arena unless a received message is being processed. */
void agwd_txn_prepare(struct agwd *d);

/* ctl/reg.c: registration, the MGC heartbeat, shutdown */
const char *agwd_reg_state_name(enum agwd_reg_state s);
void agwd_reg_init(struct agwd *d);
void agwd_reg_start(struct agwd *d);
void agwd_reg_lost(struct agwd *d, const char *why);
void agwd_reg_done(struct agwd *d, enum agwd_out_kind kind, uint32_t tid,
		   bool replied, const struct h248_transaction *reply);
void agwd_begin_shutdown(struct agwd *d);
/* Register with cfg.mgc[idx] (redirect, HandOff) with method. */
void agwd_reg_switch(struct agwd *d, unsigned int idx);
/* SIGHUP removed gone, the MGC of the association, from cfg.mgc: register
 * with cfg.mgc[0] (ctl/reg.c says with which method). */
void agwd_reg_mgc_removed(struct agwd *d, const struct agw_sockaddr *gone);
/* Index in cfg.mgc of an MGC named by an MID ("[a]:p"), or -ENOENT. */
int agwd_reg_find_mgc(const struct agwd *d, struct h248_str mid);
/* Graceful (agwd's stop or the MGC's on ROOT): no new Add; every context
 * released after delay_s (0: at once). */
void agwd_reg_drain(struct agwd *d, uint32_t delay_s);

/* ctl/sc.c: MGC-initiated ServiceChange (one command) */
struct agwd_ctx;

/* ctl/fds.c: file descriptors. true when fd (just opened for a
 * termination) eats into the fds kept for agwctl and H.248
 * (AGWD_FD_HEADROOM below RLIMIT_NOFILE), or fd < 0 with EMFILE/ENFILE. */
#define AGWD_FD_HEADROOM 16
bool agwd_fd_scarce(int fd);
/* on_accept at EMFILE: accept-and-close through the reserve fd; the
 * listener h rests for a short time. */
void agwd_accept_exhausted(struct agwd *d, int lfd, struct agw_evfd *h);
/* At start, before the tables: RLIMIT_NOFILE and d->term_limit. */
void agwd_fd_budget(struct agwd *d);
void agwd_fds_init(struct agwd *d); /* with the loop */
void agwd_fds_fini(struct agwd *d);
unsigned int agwd_fds_open(void);

/* ctl/ctx.c: contexts, terminations' IDs and the commands */
int agwd_ctx_init(struct agwd *d);
void agwd_ctx_fini(struct agwd *d);
/* Run one transaction request's actions, building the reply in t. */
void agwd_ctx_execute(struct agwd *d, const struct h248_transaction *req,
		      struct h248_transaction *reply);
void agwd_ctx_release_all(struct agwd *d);
void agwd_ctx_realm_addr_gone(struct agwd *d, const struct agw_sockaddr *a);
/* agwctl contexts [ID] and terminations [ID | context N | realm R |
 * state S ...]: args filter in agwd; an unknown ID is -ENOENT (out
 * then holds the message). */
int agwd_ctl_contexts(struct agwd *d, const char *args, struct agw_strbuf *out);
int agwd_ctl_terminations(struct agwd *d, const char *args,
			  struct agw_strbuf *out);

/* ctl/flows.c: the relay's flows (agwctl flows [CONTEXT]; want 0: all) */
int agwd_ctl_flows(struct agwd *d, uint32_t want, struct agw_strbuf *out);

/* ctl/monitor.c: agwctl monitor: d->on_event formats each event as a
 * line of JSON for the control socket's subscribers; the "monitor"
 * command subscribes; while anyone is subscribed, the gate's drop
 * records are read and pushed too (agwd_monitor_subscribers, the
 * control socket's callback, starts and stops that). */
void agwd_monitor_event(struct agwd *d, const struct agwd_event *ev);
void agwd_monitor_subscribers(void *arg, unsigned int n);
int agwd_ctl_monitor(struct agwd *d, const char *args, struct agw_strbuf *out);

/* ctl/status.c: the control socket's commands (agwctl's server side) */
extern const struct agw_ctl_cmd agwd_ctl_cmds[];
/* the commands a read-level peer may run */
extern const char *const agwd_ctl_read_cmds[];

/*
 * ctl/options.c: parse the command line: load the file named by --config
 * over the embedded default, then apply the other options on top.
 * Returns 0 to run, 1 when done (help, version, print), -1 on error
 * (message printed).
 */
int agwd_parse_options(struct agwd *d, int argc, char **argv);
/* Default, file and command line into cfg, validated; -errno and err. */
int agwd_load_config(const struct agwd *d, struct agw_config *cfg, char *err,
		     size_t errlen);
/* The file in use, or "(embedded default)". */
const char *agwd_config_source(const struct agwd *d);

/* ctl/reload.c: SIGHUP. Reads the configuration again, applies what can
 * change at run time, logs what it applied and what needs a restart. */
void agwd_reload(struct agwd *d);

/* ctl/sdnotify.c: sd_notify(3) when started by systemd (Type=notify).
 * ready: READY=1 and STATUS=; then STATUS= follows the registration state
 * and WATCHDOG=1 keeps WatchdogSec= satisfied; stopping: STOPPING=1. */
void agwd_sd_ready(struct agwd *d);
void agwd_sd_stopping(struct agwd *d);
void agwd_sd_fini(struct agwd *d);

#endif /* AGWD_H */
