/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Contexts and TCP terminations of agwd (Documentation/agwd-design.md,
 * "Termination state machine"). Shared by ctl/ctx.c (commands),
 * ctl/media.c (descriptor parsing against the profile), ctl/term.c (the
 * socket state machine), ctl/gate.c (gate entries), ctl/relay.c (flows)
 * and ctl/notify.c (Notify, heartbeat).
 */
#ifndef AGWD_CTX_H
#define AGWD_CTX_H

#include "agw/addr.h"
#include "agw/relay.h"
#include "agw/sdp.h"
#include "agwd.h"

#define AGWD_TERMS_PER_CTX 2
#define AGWD_TERMID_MAX 48
#define AGWD_LOCAL_SDP_MAX 512
#define AGWD_REMOTE_SDP_MAX 1024
#define AGWD_WILD_MAX 64 /* terminations one wildcard may name */

enum agwd_term_state {
	AGWD_TS_LISTENING, /* gate OPEN, IGNORE or FILTER; socket listening */
	AGWD_TS_CONNECTING, /* agwd's own SYN is out */
	AGWD_TS_CONNECTED, /* one connection; relay once the peer is too */
	AGWD_TS_RELAYING,
	AGWD_TS_CLOSED, /* the relay ended (peer closed or reset) */
	AGWD_TS_FAILED, /* active open failed, or the realm address went */
};

/* The state's name (agwctl, metrics, the log). */
static inline const char *agwd_term_state_name(enum agwd_term_state s)
{
	static const char *const n[] = { "listening", "connecting", "connected",
					 "relaying",  "closed",	    "failed" };

	return (unsigned int)s < sizeof(n) / sizeof(n[0]) ? n[s] : "?";
}

/* The termination's properties as the MGC set them (profile items). */
struct agwd_term_props {
	bool synign, saf, spf, synlink;
	bool has_sam, has_spr;
	struct agw_addr sam;
	int sam_prefix;
	uint16_t spr_lo, spr_hi;
	uint32_t hb_s; /* hangterm/timerx */
	bool has_events;
	uint32_t rid; /* RequestID of the Events descriptor */
	bool ev_fail, ev_rel, ev_thb;
	bool ev_tls_fail; /* tlsbsc/fail */
};

/* The events a termination reported (Notify), the newest AGWD_OE_KEEP,
 * for AuditValue ObservedEvents (ctl/audit.c). */
#define AGWD_OE_KEEP 4
struct agwd_observed {
	const char *event, *pname, *pvalue; /* static strings; pname: NULL */
	uint32_t rid; /* the RequestID of the Events descriptor */
	int64_t when; /* time(), for the time stamp */
};

struct agwd_term {
	struct agwd *d;
	struct agwd_ctx *ctx;
	struct agwd_term *next_all, *prev_all;
	uint32_t num; /* the <n> of ip/<realm>/<n> */
	char id[AGWD_TERMID_MAX];
	struct agw_realm *realm;
	uint64_t add_ms;
	enum agwd_term_state state;
	struct agwd_term_props p;
	enum agw_gate_mode gmode;
	int setup; /* the remote's a=setup (enum agw_sdp_setup), 0 = none */

	struct agw_sockaddr local; /* address and port of Local */
	struct agw_addr local_addr;
	uint16_t port;
	bool gate_added;
	uint32_t gate_slot; /* its counters' slot in the gate */
	int lfd; /* listening socket */
	struct agw_evfd lev;
	int cfd; /* connected (or connecting) socket until the relay has it */
	struct agw_evfd cev;
	struct agw_timer conn_timer;
	struct agw_timer hb_timer;

	bool has_remote;
	struct agw_sockaddr remote;

	char local_sdp[AGWD_LOCAL_SDP_MAX];
	uint32_t local_sdp_len;

	/* statistics when the relay has ended, [0] sent to peer, [1] recv */
	uint64_t octets[2], packets[2];

	/* the last Remote SDP as the MGC gave it (AuditValue), 0: none */
	char remote_sdp[AGWD_REMOTE_SDP_MAX];
	uint32_t remote_sdp_len;
	/* ServiceChange from the MGC (ctl/sc.c) */
	bool oos; /* Forced: out of service until Subtract */
	struct agw_timer sc_timer; /* Graceful with a Delay */

	bool accepted; /* the peer opened the connection */
	struct agwd_tls_term *tls; /* TLS transport (ctl/tls.c), else NULL */
	struct agwd_observed oe[AGWD_OE_KEEP]; /* oldest first */
	unsigned int noe;
};

struct agwd_ctx {
	uint32_t id; /* 0: free */
	struct agwd_term *t[AGWD_TERMS_PER_CTX];
	unsigned int nterm;
	bool relaying;
	uint64_t relay_id;
};

/* Report ev about t upward (agwctl monitor): t's ID, context, realm,
 * state and gate mode filled in. */
static inline void agwd_term_event(struct agwd *d, struct agwd_event ev,
				   const struct agwd_term *t)
{
	if (!d->on_event)
		return;
	ev.term = t->id;
	ev.ctx = t->ctx ? t->ctx->id : 0;
	ev.realm = t->realm->cfg->name;
	ev.state = agwd_term_state_name(t->state);
	ev.gate_mode = t->gate_added ? agw_gate_mode_name(t->gmode) : "none";
	agwd_event(d, &ev);
}

/* A parsed Media/Events/Signals request (ctl/media.c). */
struct agwd_media_req {
	bool has_local, has_remote;
	struct h248_str local, remote;
	const struct agw_realm_cfg *realm; /* ipdc/realm */
	struct agwd_term_props p; /* starting from the termination's */
	bool set_synign, set_filter; /* items present in this command */
	bool set_synlink; /* tcpbcc/synlink present in this command */
	bool filter_on; /* gm/saf or gm/spf = ON in this command */
	bool synign_ended; /* filter_on ended tcpbcc/synign (indication 5) */
	bool estab; /* tcpbcc/estab signal */
	bool tls_estab; /* tlsbsc/estab signal */
};

/* A command's error: the code and text of its ErrorDescriptor. */
struct agwd_err {
	enum h248_errcode code;
	char text[160];
};

/* One action being executed (ctl/ctx.c), shared with ctl/audit.c, sc.c. */
struct agwd_exec {
	struct agwd *d;
	struct h248_arena *a;
	struct agwd_ctx *c; /* the action's context (NULL until chosen) */
	bool choose; /* context $: created by the first Add */
	bool null_ctx; /* context "-" */
	bool all_ctx; /* context "*": run once per context, c set */
	uint32_t reply_ctx; /* the ID the action reply carries */
	struct h248_action *ra;
	struct agwd_err e;
};

/* ctl/ctx.c: the terminations a command names (430, 435, 431). */
int agwd_ctx_resolve(struct agwd_exec *x, const struct h248_termid *tid,
		     struct agwd_term **out, unsigned int *n);
struct agwd_ctx *agwd_ctx_find(struct agwd *d, uint32_t id);
struct h248_command *agwd_reply_cmd(struct agwd_exec *x, enum h248_cmd cmd,
				    const char *id);
void agwd_reply_local(struct agwd_exec *x, struct h248_command *rc,
		      const struct agwd_term *t);
void agwd_reply_stats(struct agwd_exec *x, struct h248_command *rc,
		      struct agwd_term *t);

/* ctl/audit.c: AuditValue and AuditCapability (one command) */
int agwd_audit(struct agwd_exec *x, const struct h248_command *c);
/* ctl/sc.c: ServiceChange from the MGC (one command) */
int agwd_sc_command(struct agwd_exec *x, const struct h248_command *c);
void agwd_sc_on_term_timer(struct agw_timer *tm);

/* ctl/err.c: fill e; returns -EINVAL (the command is refused, e says why) */
int agwd_errf(struct agwd_err *e, enum h248_errcode code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* ctl/media.c: fill mr from c's descriptors; returns 0 or -EINVAL (e). */
int agwd_media_parse(struct agwd *d, const struct h248_command *c,
		     const struct agwd_term_props *cur,
		     struct agwd_media_req *mr, struct agwd_err *e);

/* ctl/term.c: the socket state machine of one termination */
int agwd_term_open(struct agwd *d, struct agwd_term *t,
		   const struct agwd_media_req *mr, struct agw_sdp *local,
		   struct agw_sdp *remote, struct agwd_err *e);
int agwd_term_modify(struct agwd *d, struct agwd_term *t,
		     const struct agwd_media_req *mr, struct agw_sdp *remote,
		     struct agwd_err *e);
/* Counters for the reply: [0] sent to the peer, [1] received. */
void agwd_term_stats(struct agwd *d, struct agwd_term *t, uint64_t oct[2],
		     uint64_t pkt[2], uint64_t syn[2]);
void agwd_term_close(struct agwd *d, struct agwd_term *t);
void agwd_term_fail(struct agwd *d, struct agwd_term *t, bool released);
/* Before any relay: whether epoll's events on connected socket fd mean
 * the peer went away with nothing left unread. */
bool agwd_peer_gone(int fd, uint32_t events);

/* ctl/relay.c: the relay engine and the flows of contexts */
/* A flow whose context was subtracted: draining until the engine ends it
 * (Documentation/relay.md, "Release"). Counts against [limits]
 * contexts. */
struct agwd_released {
	uint64_t flow_id;
	uint32_t ctx;
	char a[AGWD_TERMID_MAX], b[AGWD_TERMID_MAX];
};
int agwd_relay_init(struct agwd *d);
void agwd_relay_fini(struct agwd *d);
/* Hand a context's two connected terminations to the engine. */
void agwd_ctx_try_relay(struct agwd *d, struct agwd_ctx *c);
/* Take both terminations' counts, then stop the context's flow. */
void agwd_ctx_stop_relay(struct agwd *d, struct agwd_ctx *c);
/* Subtract: take the counts, then release the flow: the bytes in flight
 * go on and both connections close with FIN (reset only where a peer
 * does not drain within [relay] release_drain_ms); the context may go. */
void agwd_ctx_release_relay(struct agwd *d, struct agwd_ctx *c);
/* Bring the terminations' byte and segment counts up to date. */
void agwd_ctx_harvest(struct agwd *d, struct agwd_ctx *c);
/* The terminations on the flow's side a and b (NULL when gone). */
void agwd_flow_ends(const struct agwd_ctx *c,
		    const struct agw_relay_flow_stats *st,
		    struct agwd_term *ends[2]);
/* The engine's flow events (end of a context's relay). */
void agwd_on_relay_event(void *arg, uint64_t flow_id, void *ctx,
			 enum agw_relay_event ev, int side, int err,
			 const struct agw_relay_flow_stats *st);
/* Data segments out / in of a TCP socket (TCP_INFO), when fd >= 0. */
void agwd_tcp_segs(int fd, uint64_t pkt[2]);

/* ctl/gate.c: the SYN gate and each termination's entry */
int agwd_gate_init(struct agwd *d);
int agwd_gate_h248_guard(struct agwd *d);
void agwd_gate_fini(struct agwd *d);
int agwd_gate_term_add(struct agwd *d, struct agwd_term *t, struct agwd_err *e);
int agwd_gate_term_update(struct agwd *d, struct agwd_term *t,
			  const struct agwd_term_props *p, bool has_remote,
			  const struct agw_sockaddr *remote,
			  struct agwd_err *e);
void agwd_gate_term_del(struct agwd *d, struct agwd_term *t);
void agwd_gate_term_syns(struct agwd *d, struct agwd_term *t, uint64_t syn[2]);
/* "ip netns exec" gives a fresh /sys: mount a bpffs */
void agwd_ensure_bpffs(const char *pin_dir);

/* ctl/notify.c: MG-originated Notify and the termination heartbeat */
void agwd_notify(struct agwd *d, struct agwd_term *t, const char *event);
/* The same with one event parameter name = "value". */
void agwd_notify_param(struct agwd *d, struct agwd_term *t, const char *event,
		       const char *pname, const char *pvalue);
/* The termination's connection is gone (closed or reset by a peer, or by
 * the relay's end): state closed, and tcpbcc/rel when the MGC asked. */
void agwd_term_released(struct agwd *d, struct agwd_term *t);
void agwd_on_term_heartbeat(struct agw_timer *tm);
/* (Re)arm or stop the heartbeat after the properties change. */
void agwd_heartbeat_update(struct agwd *d, struct agwd_term *t);

#endif /* AGWD_CTX_H */
