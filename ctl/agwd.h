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
#include "agw/realm.h"

#define AGWD_VERSION "0.1.0"
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

/* systemd service manager notifications (ctl/notify.c) */
struct agwd_notify {
	bool enabled; /* NOTIFY_SOCKET set */
	uint64_t watchdog_ms; /* 0: no WatchdogSec= */
	struct agw_timer timer; /* watchdog pings and STATUS= updates */
	int last_reg; /* registration state last sent in STATUS=, -1: none */
	bool stopping;
};

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

	/* contexts and terminations (ctl/ctx.c, ctl/term.c) */
	struct agwd_tables tab;
	struct agw_gate *gate;
	struct agw_relay_engine *relay;
	struct agw_evfd relay_ev;
	char relay_pin_dir[AGW_CFG_PATH_MAX];
	struct agwd_term *all_terms; /* list for agwctl and realm events */
	struct agw_sdp *sdp_a, *sdp_b; /* scratch for one command */

	/* e2ae TLS (ctl/tls.c): one certificate and context for agwd */
	struct agw_tls_cert *tls_cert;
	struct agw_tls_ctx *tls_ctx;
	char tls_fp[AGW_FP_ATTR_MAX]; /* "sha-256 AB:..." for logs, agwctl */

	struct agwd_notify notify;
};

/* ctl/txn.c */
int agwd_txn_init(struct agwd *d);
void agwd_txn_fini(struct agwd *d);
void agwd_txn_receive(struct agwd *d, enum agw_h248_proto proto,
		      const struct agw_sockaddr *peer, const uint8_t *msg,
		      size_t len);
/* Encode m and start it as an MG-originated request; tid is in m. */
int agwd_txn_request(struct agwd *d, struct h248_message *m, uint32_t tid,
		     enum agwd_out_kind kind);
/* A fresh request message with one transaction (arena memory). */
struct h248_transaction *agwd_txn_new_request(struct agwd *d,
					      struct h248_message **m,
					      uint32_t *tid);

/* Reset the arena unless a received message is being processed. */
void agwd_txn_prepare(struct agwd *d);

/* ctl/reg.c */
void agwd_reg_init(struct agwd *d);
void agwd_reg_start(struct agwd *d);
void agwd_reg_lost(struct agwd *d, const char *why);
void agwd_reg_done(struct agwd *d, enum agwd_out_kind kind, uint32_t tid,
		   bool replied,
		   const struct h248_transaction *reply);
void agwd_begin_shutdown(struct agwd *d);

/* ctl/ctx.c */
int agwd_ctx_init(struct agwd *d);
void agwd_ctx_fini(struct agwd *d);
/* Run one transaction request's actions, building the reply in t. */
void agwd_ctx_execute(struct agwd *d, const struct h248_transaction *req,
		      struct h248_transaction *reply);
void agwd_ctx_release_all(struct agwd *d);
void agwd_ctx_realm_addr_gone(struct agwd *d, const struct agw_sockaddr *a);
int agwd_ctl_contexts(struct agwd *d, struct agw_strbuf *out);
int agwd_ctl_terminations(struct agwd *d, struct agw_strbuf *out);

/* ctl/flows.c: the relay's flows (agwctl flows [CONTEXT]) */
int agwd_ctl_flows(struct agwd *d, const char *args, struct agw_strbuf *out);

/*
 * Parse the command line: load the file named by --config over the
 * embedded default, then apply the other options on top. Returns 0 to
 * run, 1 when done (help, version, print), -1 on error (message printed).
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

/* ctl/notify.c: sd_notify(3) when started by systemd (Type=notify).
 * ready: READY=1 and STATUS=; then STATUS= follows the registration state
 * and WATCHDOG=1 keeps WatchdogSec= satisfied; stopping: STOPPING=1. */
void agwd_notify_ready(struct agwd *d);
void agwd_notify_stopping(struct agwd *d);
void agwd_notify_fini(struct agwd *d);
extern const struct agw_ctl_cmd agwd_ctl_cmds[];
const char *agwd_reg_state_name(enum agwd_reg_state s);

#endif /* AGWD_H */
