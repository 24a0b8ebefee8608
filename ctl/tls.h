/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * e2ae TLS in agwd (Documentation/tls.md, "In agwd"): the daemon's
 * certificate, a TLS termination's session, and the TLS <-> plain relay of
 * its context. ctl/term.c calls these hooks at the points where a plain
 * termination would act; everything TLS-specific stays here.
 */
#ifndef AGWD_TLS_H
#define AGWD_TLS_H

#include "agw/tls.h"
#include "ctx.h"

struct agwd_tls_term {
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
	/* the relay, held by the TLS (access) termination */
	struct agw_tls_relay *relay;
	struct agw_evfd rev[2];
	uint32_t rev_events[2];
	struct agwd_term *plain; /* the other termination while relaying */
	bool relay_ended;
	int relay_err;
	enum agw_tls_relay_mode mode;
	char mode_reason[128];
	bool relayed; /* a relay ran: mode and counters are valid */
	int tls_fd, plain_fd; /* owned by the relay; for TCP_INFO only */
};

/* ctl/tls.c */
int agwd_tls_init(struct agwd *d);
void agwd_tls_fini(struct agwd *d);
/* Add: agw's a=setup / a=fingerprint into local; t->tls for a TLS
 * transport. remote is NULL without a Remote. Nothing to undo on error. */
int agwd_tls_open(struct agwd *d, struct agwd_term *t,
		  const struct agwd_media_req *mr, struct agw_sdp *local,
		  const struct agw_sdp *remote, struct agwd_err *e);
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
/* Contexts with a TLS termination relay here: true when c is one. */
bool agwd_tls_try_relay(struct agwd *d, struct agwd_ctx *c);
/* Counters of a running TLS relay into both terminations. */
void agwd_tls_harvest(struct agwd *d, struct agwd_ctx *c);
/* Stop c's TLS relay (counters kept), closing both connections. */
void agwd_tls_stop_relay(struct agwd *d, struct agwd_ctx *c);
/* Before t's sockets close: its session and its context's TLS relay. */
void agwd_tls_term_close(struct agwd *d, struct agwd_term *t);
void agwd_tls_term_free(struct agwd_term *t);
void agwd_tls_term_json(const struct agwd_term *t, struct agw_strbuf *out);
void agwd_tls_status_json(const struct agwd *d, struct agw_strbuf *out);
/* agwctl flows: the context's running TLS relay as one flows[] entry, in
 * the plain relay's shape; false (nothing written) when there is none. */
bool agwd_tls_flow_json(const struct agwd_ctx *c, const char *sep,
			struct agw_strbuf *out);

#endif /* AGWD_TLS_H */
