/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * agwd's metrics (Documentation/metrics.md): the counters the other files
 * of ctl/ bump with one-line hooks, the scrape that reads everything else
 * (gate maps, relay engine, tables) when asked, the HTTP endpoint and the
 * "stats" control command.
 */
#ifndef AGWD_METRICS_H
#define AGWD_METRICS_H

#include <stdint.h>

#include "agw/config.h"
#include "agw/gate_maps.h"
#include "agw/h248.h"
#include "agw/metrics.h"
#include "agw/relay.h"
#include "agw/tls.h"

#define AGWD_M_CMDS (H248_CMD_SERVICECHANGE + 1) /* [0]: other */
#define AGWD_M_ERR_LO 400
#define AGWD_M_ERRS 201 /* 400..599, [200]: any other code */
#define AGWD_M_TLS_FAILS (AGW_TLS_FAIL_INTERNAL + 1) /* [0]: success */

struct agwd;
struct agw_term_counters;
struct agwd_term;
struct agw_strbuf;

/* Counters that only the hooks can see; the rest is read at scrape. */
struct agwd_metrics {
	uint64_t commands[AGWD_M_CMDS]; /* by enum h248_cmd */
	uint64_t errors[AGWD_M_ERRS]; /* error descriptors sent, by code */
	struct agw_histogram txn_seconds;
	uint64_t reg_attempts, reg_lost, mgc_switches;
	/* terminations that are gone: their gate counters, by realm */
	uint64_t syn_admitted_gone[AGW_CFG_MAX_REALMS];
	uint64_t syn_dropped_gone[AGW_CFG_MAX_REALMS][AGW_DROP_MAX];
	/* flows that ended, by path */
	uint64_t flows_ended[AGW_RELAY_PATH_MAX];
	uint64_t bytes_gone[AGW_RELAY_PATH_MAX];
	uint64_t user_bytes_gone, stalls_gone;
	uint64_t tls_handshakes[AGWD_M_TLS_FAILS]; /* by failure, 0: ok */
};

extern struct agwd_metrics agwd_metrics;

/* hooks */
void agwd_metric_command(int cmd);
void agwd_metric_error(int code);
uint64_t agwd_metric_now_ns(void);
void agwd_metric_txn_done(uint64_t start_ns);
/* The SYN counters c of t's gate entry, read as it goes. */
void agwd_metric_term_gone(struct agwd *d, const struct agwd_term *t,
			   const struct agw_term_counters *c);
/* st NULL: the flow's stats could not be read */
void agwd_metric_flow_end(const struct agw_relay_flow_stats *st);
void agwd_metric_tls(enum agw_tls_failure f);

/* The exposition text of everything, appended to out. */
void agwd_metrics_text(struct agwd *d, struct agw_strbuf *out);
/* The HTTP endpoint ([metrics] listen); 0 when off. */
int agwd_metrics_init(struct agwd *d);
void agwd_metrics_fini(struct agwd *d);
/* the "stats" control command's members */
int agwd_ctl_stats(struct agwd *d, struct agw_strbuf *out);

#endif /* AGWD_METRICS_H */
