/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * e2ae TLS in agwd (Documentation/tls.md, "In agwd"): the daemon's
 * certificate, a TLS termination's SDP attributes and its session up to
 * verification. ctl/term.c calls these hooks at the points where a plain
 * termination would act and hears back through struct agwd_tls_ops;
 * ctl/relay.c takes the verified session into the relay engine.
 */
#ifndef AGWD_TLS_H
#define AGWD_TLS_H

#include "agw/tls.h"
#include "ctx.h"

struct agw_json;

/* What a TLS termination reports to its owner (ctl/term.c). */
struct agwd_tls_ops {
	/* The UE's certificate matched: the session may be relayed. */
	void (*verified)(struct agwd *d, struct agwd_term *t);
	/* Failed closed (handshake, fingerprint, or a new Remote that does
	 * not match a relayed session); the session, if any, is gone. */
	void (*failed)(struct agwd *d, struct agwd_term *t);
	/* Verified, not relayed yet, and the UE hung up: socket closed. */
	void (*gone)(struct agwd *d, struct agwd_term *t);
};

struct agwd_tls_term {
	const struct agwd_tls_ops *ops;
	struct agw_fp_set expect; /* the Remote's a=fingerprint set */
	bool have_expect;
	bool estab; /* tlsbsc/estab seen: agw is TLS client */
	bool server; /* a later Remote's a=setup:active: agw is TLS server */
	enum agw_tls_role role; /* NONE until the session starts */
	struct agw_tls_session *s; /* until the relay owns it */
	struct agw_evfd sev;
	enum agw_tls_state state;
	bool started, handshake_done;
	enum agw_tls_failure failure;
	char reason[160];
	char version[16], cipher[64];
	/* The UE's leaf in every hash, kept from the handshake: the session
	 * goes to the relay, and a later Remote (re-INVITE) is checked here. */
	struct agw_fingerprint peer_fp[AGW_FP_HASH_COUNT];
	bool have_peer_fp;
	/* the session went to the relay engine (ctl/relay.c): its path */
	bool relayed;
	enum agw_relay_path path;
	enum agw_relay_why why;
	int tls_fd; /* the session's socket until the relay takes it */
};

/* ctl/tls.c */
int agwd_tls_init(struct agwd *d);
void agwd_tls_fini(struct agwd *d);
/* Add: agw's a=setup / a=fingerprint into local; t->tls for a TLS
 * transport, reporting to ops. remote is NULL without a Remote. Nothing
 * to undo on error. */
int agwd_tls_open(struct agwd *d, struct agwd_term *t,
		  const struct agwd_media_req *mr, struct agw_sdp *local,
		  const struct agw_sdp *remote, const struct agwd_tls_ops *ops,
		  struct agwd_err *e);
/* Modify, before anything changes: the Remote's fingerprints into set
 * (*nset < 0: none given) and whether tlsbsc/estab may act. */
int agwd_tls_check_modify(struct agwd *d, struct agwd_term *t,
			  const struct agwd_media_req *mr,
			  const struct agw_sdp *remote, struct agw_fp_set *set,
			  int *nset, struct agwd_err *e);
/* Modify, committed: apply what agwd_tls_check_modify accepted. */
void agwd_tls_modify(struct agwd *d, struct agwd_term *t,
		     const struct agwd_media_req *mr,
		     const struct agw_fp_set *set, int nset);
/* TCP is up on a TLS termination: true when the TLS layer took the
 * socket (the session runs); false when it waits for tlsbsc/estab. */
bool agwd_tls_connected(struct agwd *d, struct agwd_term *t);
/* The verified session, for the relay engine (NULL when t has none). */
struct agw_tls_session *agwd_tls_take_session(struct agwd *d,
					      struct agwd_term *t);
/* The relay engine took t's session and runs it on st->path. */
void agwd_tls_relayed(struct agwd_term *t,
		      const struct agw_relay_flow_stats *st);
/* Before t's sockets close: its session, if still held. */
void agwd_tls_term_close(struct agwd *d, struct agwd_term *t);
void agwd_tls_term_free(struct agwd_term *t);
/* The "tls" member of a termination (agwctl terminations) and of status. */
void agwd_tls_term_json(const struct agwd_term *t, struct agw_json *w);
void agwd_tls_status_json(const struct agwd *d, struct agw_json *w);

#endif /* AGWD_TLS_H */
