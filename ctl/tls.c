// SPDX-License-Identifier: GPL-2.0-only
/*
 * e2ae TLS in agwd: the certificate loaded at start, agw's a=setup and
 * a=fingerprint in a TLS termination's Local, the Remote's fingerprints,
 * the session (role, handshake, fail-closed check) driven from the event
 * loop, and the TLS <-> plain relay of the context. Documentation/tls.md,
 * "In agwd".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "agw/log.h"
#include "agw/strbuf.h"
#include "agw/tls_sdp.h"
#include "tls.h"

/* ---- certificate ------------------------------------------------------ */

static bool is_state_default(const struct agwd *d, const char *path,
			     const char *file)
{
	size_t n = strlen(d->cfg.state_dir);

	return !strncmp(path, d->cfg.state_dir, n) && path[n] == '/' &&
	       !strcmp(path + n + 1, file);
}

static const char *cert_err(int err)
{
	switch (err) {
	case -EKEYREJECTED:
		return "the key does not belong to the certificate";
	case -EPERM:
		return "the key file is readable by group or others";
	case -ENOENT:
		return "missing (a certificate without its key or the reverse "
		       "is not replaced)";
	case -EBADMSG:
	case -EINVAL:
		return "not a PEM certificate / private key";
	default:
		return strerror(-err);
	}
}

int agwd_tls_init(struct agwd *d)
{
	struct agw_config *c = &d->cfg;
	struct agw_tls_opts opts = { 0 };
	struct agw_fingerprint fp;
	int err;

	if (!*c->tls_cert != !*c->tls_key) {
		agw_err("[tls]: give both key and cert, or neither (then %s/%s and %s/%s)",
			c->state_dir, AGW_TLS_KEY_FILE, c->state_dir,
			AGW_TLS_CERT_FILE);
		return -EINVAL;
	}
	if (!*c->tls_cert &&
	    (snprintf(c->tls_cert, sizeof(c->tls_cert), "%s/%s", c->state_dir,
		      AGW_TLS_CERT_FILE) >= (int)sizeof(c->tls_cert) ||
	     snprintf(c->tls_key, sizeof(c->tls_key), "%s/%s", c->state_dir,
		      AGW_TLS_KEY_FILE) >= (int)sizeof(c->tls_key))) {
		agw_err("[tls]: state_dir %s is too long", c->state_dir);
		return -ENAMETOOLONG;
	}
	/* the default pair in state_dir is created at first start; any other
	 * pair is the operator's and must exist */
	if (is_state_default(d, d->cfg.tls_cert, AGW_TLS_CERT_FILE) &&
	    is_state_default(d, d->cfg.tls_key, AGW_TLS_KEY_FILE))
		err = agw_tls_cert_load_or_create(d->cfg.state_dir,
						  &d->tls_cert);
	else
		err = agw_tls_cert_load(d->cfg.tls_cert, d->cfg.tls_key,
					&d->tls_cert);
	if (err) {
		agw_err("TLS certificate %s, key %s: %s", d->cfg.tls_cert,
			d->cfg.tls_key, cert_err(err));
		return err;
	}
	opts.ktls13_tx = d->cfg.tls_ktls13_tx;
	err = agw_tls_ctx_new(d->tls_cert, &opts, &d->tls_ctx);
	if (!err)
		err = agw_tls_cert_fingerprint(d->tls_cert, AGW_FP_SHA256, &fp);
	if (!err && agw_fp_format_attr(&fp, d->tls_fp, sizeof(d->tls_fp)) < 0)
		err = -ENOSPC;
	if (err) {
		agw_err("TLS context: %s", strerror(-err));
		return err;
	}
	agw_notice("TLS certificate %s: fingerprint %s", d->cfg.tls_cert,
		   d->tls_fp);
	return 0;
}

void agwd_tls_fini(struct agwd *d)
{
	agw_tls_ctx_free(d->tls_ctx);
	agw_tls_cert_free(d->tls_cert);
	d->tls_ctx = NULL;
	d->tls_cert = NULL;
}

/* ---- SDP ---------------------------------------------------------------- */

static int fp_errf(struct agwd_err *e, const struct agw_fp_error *fe)
{
	return agwd_errf(e, fe->h248_code ? fe->h248_code : 449, "%s",
			 fe->reason);
}

static int remote_fps(const struct agw_sdp *remote, struct agw_fp_set *set,
		      int *nset, struct agwd_err *e)
{
	struct agw_fp_error fe = { 0 };

	*nset = -1;
	if (!remote)
		return 0;
	*nset = agw_tls_sdp_remote_fps(remote, 0, set, &fe);
	if (*nset < 0)
		return fp_errf(e, &fe);
	if (!*nset)
		*nset = -1; /* none given: nothing changes */
	return 0;
}

int agwd_tls_open(struct agwd *d, struct agwd_term *t,
		  const struct agwd_media_req *mr, struct agw_sdp *local,
		  const struct agw_sdp *remote, struct agwd_err *e)
{
	bool tls = agw_sdp_proto_is_tls(local->media[0].proto);
	struct agw_fp_error fe = { 0 };
	struct agw_fingerprint fp = { 0 };
	struct agw_fp_set set = { 0 };
	int nset, r;

	if ((r = remote_fps(tls ? remote : NULL, &set, &nset, e)))
		return r;
	if (mr->tls_estab && !tls)
		return agwd_errf(e, 473,
				 "tlsbsc/estab on a %s termination (no TLS)",
				 agw_sdp_proto_name(local->media[0].proto));
	if (tls && !d->tls_ctx)
		return agwd_errf(e, 510, "no TLS certificate loaded");
	if (tls &&
	    (r = agw_tls_cert_fingerprint(
		     d->tls_cert,
		     agw_fp_set_answer_hash(nset > 0 ? &set : NULL), &fp)))
		return agwd_errf(e, 500, "certificate fingerprint: %s",
				 strerror(-r));
	if (agw_tls_sdp_fill_local(local, 0, agw_tls_sdp_local_setup(t->setup),
				   &fp, &fe))
		return fp_errf(e, &fe);
	if (!tls)
		return 0;
	t->tls = calloc(1, sizeof(*t->tls));
	if (!t->tls)
		return agwd_errf(e, 510, "out of memory");
	t->tls->tls_fd = t->tls->plain_fd = -1;
	t->tls->estab = mr->tls_estab;
	if (nset > 0) {
		t->tls->expect = set;
		t->tls->have_expect = true;
	}
	return 0;
}

static int remote_setup(const struct agw_sdp *remote)
{
	const struct agw_sdp_attr *at =
		agw_sdp_find_attr(remote, 0, AGW_SDP_ATTR_SETUP);

	if (!at)
		at = agw_sdp_find_attr(remote, -1, AGW_SDP_ATTR_SETUP);
	return at ? (int)at->setup : 0;
}

int agwd_tls_check_modify(struct agwd *d, struct agwd_term *t,
			  const struct agwd_media_req *mr,
			  const struct agw_sdp *remote, struct agw_fp_set *set,
			  int *nset, struct agwd_err *e)
{
	int r;

	*nset = -1;
	if (!t->tls) {
		if (mr->tls_estab)
			return agwd_errf(
				e, 473,
				"tlsbsc/estab on a termination without TLS");
		return 0;
	}
	if ((r = remote_fps(remote, set, nset, e)))
		return r;
	if (mr->tls_estab && t->tls->started && t->tls->role == AGW_TLS_SERVER)
		return agwd_errf(
			e, H248_E_CONFLICTING_PROPERTY,
			"tlsbsc/estab: the UE already started TLS, agw is its server");
	/* a=setup:passive: the UE waits for agw's ClientHello; it cannot
	 * after it sent its own */
	if (remote && remote_setup(remote) == AGW_SDP_SETUP_PASSIVE &&
	    t->tls->started && t->tls->role == AGW_TLS_SERVER)
		return agwd_errf(
			e, H248_E_CONFLICTING_PROPERTY,
			"a=setup:passive makes agw the TLS client, but the UE already started TLS toward agw as server");
	return 0;
}

/* ---- session ------------------------------------------------------------ */

static void on_session_fd(struct agw_evfd *h, uint32_t events);
static void session_update(struct agwd *d, struct agwd_term *t);

static void notify_fail(struct agwd *d, struct agwd_term *t)
{
	if (t->p.ev_tls_fail)
		agwd_notify_param(d, t, "tlsbsc/fail", "reason",
				  agw_tls_failure_name(t->tls->failure));
}

/* Fail closed: the connection goes, nothing was or will be relayed. */
static void session_failed(struct agwd *d, struct agwd_term *t,
			   enum agw_tls_failure f, const char *reason)
{
	struct agwd_tls_term *x = t->tls;

	x->state = AGW_TLS_FAILED;
	x->failure = f;
	/* reason may point into the session: copied before it goes */
	snprintf(x->reason, sizeof(x->reason), "%s", reason);
	agw_evloop_del_fd(d->loop, &x->sev);
	agw_tls_session_free(x->s); /* closes the socket */
	x->s = NULL;
	t->state = AGWD_TS_FAILED;
	agw_warn("%s: TLS failed (%s): %s; connection closed, nothing relayed",
		 t->id, agw_tls_failure_name(f), x->reason);
	notify_fail(d, t);
}

static void handshake_done(struct agwd_term *t)
{
	struct agwd_tls_term *x = t->tls;
	struct agw_fingerprint fp;
	char peer[AGW_FP_ATTR_MAX] = "none";

	x->handshake_done = true;
	snprintf(x->version, sizeof(x->version), "%s",
		 agw_tls_session_version(x->s));
	snprintf(x->cipher, sizeof(x->cipher), "%s",
		 agw_tls_session_cipher(x->s));
	x->have_peer_fp = true;
	for (int h = 0; h < AGW_FP_HASH_COUNT; h++)
		if (agw_tls_session_peer_fingerprint(x->s, h, &x->peer_fp[h]))
			x->have_peer_fp = false;
	if (!agw_tls_session_peer_fingerprint(x->s, AGW_FP_SHA256, &fp))
		agw_fp_format_attr(&fp, peer, sizeof(peer));
	agw_info("%s: TLS handshake done as %s (%s, %s), UE certificate %s",
		 t->id, agw_tls_role_name(x->role), x->version, x->cipher,
		 peer);
}

/* After a step or new fingerprints: act on the session's state. */
static void session_update(struct agwd *d, struct agwd_term *t)
{
	struct agwd_tls_term *x = t->tls;
	enum agw_tls_state st = agw_tls_session_state(x->s);

	if (!x->handshake_done && st != AGW_TLS_HANDSHAKE &&
	    st != AGW_TLS_FAILED)
		handshake_done(t);
	if (st == AGW_TLS_FAILED) {
		session_failed(d, t, agw_tls_session_failure(x->s),
			       agw_tls_session_reason(x->s));
		return;
	}
	if (st != x->state && st == AGW_TLS_AWAIT_FP)
		agw_info("%s: TLS waits for the UE's fingerprint (Remote)",
			 t->id);
	x->state = st;
	/* Verified, the relay waiting for the core: watch for the UE going
	 * away (edge-triggered: pending records stay for the relay). */
	agw_evloop_mod_fd(d->loop, &x->sev,
			  st == AGW_TLS_VERIFIED ?
				  EPOLLRDHUP | EPOLLET :
				  agw_tls_session_events(x->s));
	if (st == AGW_TLS_VERIFIED) {
		agw_info(
			"%s: TLS verified: the UE's certificate matches the Remote's fingerprint",
			t->id);
		agwd_tls_try_relay(d, t->ctx);
	}
}

/* Verified but not relaying yet (the core is not connected): a UE that
 * hung up with nothing left to relay releases its termination now. */
static void verified_idle_event(struct agwd *d, struct agwd_term *t,
				uint32_t events)
{
	struct agwd_tls_term *x = t->tls;

	if (!agwd_peer_gone(x->tls_fd, events))
		return;
	agw_info(
		"%s: the UE closed after TLS verification, before the relay started",
		t->id);
	agw_evloop_del_fd(d->loop, &x->sev);
	agw_tls_session_free(x->s); /* closes the socket */
	x->s = NULL;
	x->tls_fd = -1;
	agwd_term_released(d, t);
}

static void on_session_fd(struct agw_evfd *h, uint32_t events)
{
	struct agwd_term *t = h->arg;

	if (t->tls->state == AGW_TLS_VERIFIED) {
		verified_idle_event(t->d, t, events);
		return;
	}
	agw_tls_session_step(t->tls->s);
	session_update(t->d, t);
}

static void session_start(struct agwd *d, struct agwd_term *t,
			  enum agw_tls_role role)
{
	struct agwd_tls_term *x = t->tls;
	int fd = t->cfd, err;

	agw_evloop_del_fd(d->loop, &t->cev);
	t->cfd = -1;
	x->role = role;
	x->started = true;
	x->state = AGW_TLS_HANDSHAKE;
	err = agw_tls_session_new(d->tls_ctx, fd, role, &x->s);
	if (err) {
		session_failed(d, t, AGW_TLS_FAIL_INTERNAL, strerror(-err));
		return;
	}
	x->tls_fd = fd;
	agw_info("%s: TLS %s handshake starts (%s)", t->id,
		 agw_tls_role_name(role),
		 role == AGW_TLS_CLIENT ? "tlsbsc/estab" :
		 t->accepted		? "the UE opened TCP: ClientHello" :
					  "a=setup:active: the UE's ClientHello");
	/* before the first flight: a wrong leaf then aborts the handshake */
	if (x->have_expect &&
	    (err = agw_tls_session_set_fingerprints(x->s, &x->expect)) < 0) {
		session_failed(d, t, AGW_TLS_FAIL_INTERNAL, strerror(-err));
		return;
	}
	err = agw_evloop_add_fd(d->loop, &x->sev, fd, 0, on_session_fd, t);
	if (err) {
		session_failed(d, t, AGW_TLS_FAIL_INTERNAL, strerror(-err));
		return;
	}
	agw_tls_session_step(x->s);
	session_update(d, t);
}

bool agwd_tls_connected(struct agwd *d, struct agwd_term *t)
{
	struct agwd_tls_term *x = t->tls;

	if (x->estab) {
		session_start(d, t, AGW_TLS_CLIENT);
		return true;
	}
	if (t->accepted || x->server) {
		session_start(d, t, AGW_TLS_SERVER);
		return true;
	}
	agw_info("%s: connected to the UE; TLS client waits for tlsbsc/estab",
		 t->id);
	return false;
}

/* Constant time per entry, like the session's own check. */
static bool peer_matches(const struct agwd_tls_term *x,
			 const struct agw_fp_set *set)
{
	bool match = false;

	for (size_t i = 0; x->have_peer_fp && i < set->n; i++)
		match |=
			agw_fp_equal(&x->peer_fp[set->fp[i].hash], &set->fp[i]);
	return match;
}

static void relay_release(struct agwd *d, struct agwd_term *t);

/* A new Remote (re-INVITE) names another certificate than the one the
 * running relay was verified with: fail closed, as in the handshake. */
static void relay_refused(struct agwd *d, struct agwd_term *t)
{
	struct agwd_tls_term *x = t->tls;
	struct agwd_term *p = x->plain;

	relay_release(d, t);
	x->state = AGW_TLS_FAILED;
	x->failure = AGW_TLS_FAIL_MISMATCH;
	snprintf(
		x->reason, sizeof(x->reason),
		"new Remote fingerprints do not match the certificate the relay was verified with");
	t->state = AGWD_TS_FAILED;
	agw_warn(
		"%s: TLS failed (%s): %s; relay stopped, both connections closed",
		t->id, agw_tls_failure_name(x->failure), x->reason);
	notify_fail(d, t);
	if (p)
		agwd_term_released(d, p);
}

void agwd_tls_modify(struct agwd *d, struct agwd_term *t,
		     const struct agwd_media_req *mr,
		     const struct agw_fp_set *set, int nset)
{
	struct agwd_tls_term *x = t->tls;
	int r;

	if (!x)
		return;
	if (nset > 0) {
		x->expect = *set;
		x->have_expect = true;
		if (x->s) {
			r = agw_tls_session_set_fingerprints(x->s, set);
			if (r == -EKEYREJECTED)
				session_failed(
					d, t, AGW_TLS_FAIL_MISMATCH,
					"new Remote fingerprints do not match the verified certificate");
			else if (r < 0)
				session_failed(d, t, AGW_TLS_FAIL_INTERNAL,
					       strerror(-r));
			else
				session_update(d, t);
		} else if (x->relay && !peer_matches(x, set)) {
			relay_refused(d, t);
		}
	}
	if (mr->tls_estab && !x->estab) {
		x->estab = true;
		if (!x->started && t->state == AGWD_TS_CONNECTED && t->cfd >= 0)
			session_start(d, t, AGW_TLS_CLIENT);
	}
	/* Seed 5.2.1.2.2 steps 16-18: the Remote's a=setup is the TLS setup
	 * direction. active: the UE is TLS client, agw its server, also on a
	 * connection agw opened; passive: agw is client, starting on
	 * tlsbsc/estab (step 21). tlsbsc/estab, explicit, takes precedence. */
	if (mr->has_remote && !x->estab && !x->started) {
		x->server = t->setup == AGW_SDP_SETUP_ACTIVE;
		if (x->server)
			agw_info(
				"%s: the Remote's a=setup:active: agw will be TLS server",
				t->id);
		if (x->server && t->state == AGWD_TS_CONNECTED && t->cfd >= 0)
			session_start(d, t, AGW_TLS_SERVER);
	}
}

/* ---- relay -------------------------------------------------------------- */

static struct agwd_term *tls_term_of(struct agwd_ctx *c)
{
	for (unsigned int i = 0; c && i < AGWD_TERMS_PER_CTX; i++)
		if (c->t[i] && c->t[i]->tls)
			return c->t[i];
	return NULL;
}

static void on_relay_fd(struct agw_evfd *h, uint32_t events);

static void on_relay_done(struct agw_tls_relay *r, int err, void *arg)
{
	struct agwd_term *t = arg;

	t->tls->relay_ended = true;
	t->tls->relay_err = err;
}

void agwd_tls_harvest(struct agwd *d, struct agwd_ctx *c)
{
	struct agwd_term *t = tls_term_of(c);
	const struct agw_tls_relay_stats *st;
	struct agwd_tls_term *x;

	if (!t || !t->tls->relay)
		return;
	x = t->tls;
	st = agw_tls_relay_stats(x->relay);
	t->octets[0] = st->plain_to_tls; /* toward the UE */
	t->octets[1] = st->tls_to_plain;
	agwd_tcp_segs(x->tls_fd, t->packets);
	if (x->plain) {
		x->plain->octets[0] = st->tls_to_plain;
		x->plain->octets[1] = st->plain_to_tls;
		agwd_tcp_segs(x->plain_fd, x->plain->packets);
	}
}

static void relay_release(struct agwd *d, struct agwd_term *t)
{
	struct agwd_tls_term *x = t->tls;

	agwd_tls_harvest(d, t->ctx);
	for (int i = 0; i < 2; i++)
		agw_evloop_del_fd(d->loop, &x->rev[i]);
	agw_tls_relay_free(x->relay); /* closes both sockets */
	x->relay = NULL;
	x->tls_fd = x->plain_fd = -1;
	t->state = AGWD_TS_CLOSED;
	if (x->plain)
		x->plain->state = AGWD_TS_CLOSED;
}

static void relay_watch(struct agwd *d, struct agwd_term *t)
{
	struct agwd_tls_term *x = t->tls;
	struct agw_tls_relay_watch w[2];

	agw_tls_relay_watch(x->relay, w);
	for (int i = 0; i < 2; i++) {
		if (!x->rev[i].registered) {
			agw_evloop_add_fd(d->loop, &x->rev[i], w[i].fd,
					  w[i].events, on_relay_fd, t);
		} else if (w[i].events != x->rev_events[i]) {
			agw_evloop_mod_fd(d->loop, &x->rev[i], w[i].events);
		}
		x->rev_events[i] = w[i].events;
	}
}

static void relay_step(struct agwd *d, struct agwd_term *t)
{
	struct agwd_tls_term *x = t->tls;
	int r = agw_tls_relay_step(x->relay);

	if (r > 0 && !x->relay_ended) {
		relay_watch(d, t);
		return;
	}
	if (r >= 0)
		r = x->relay_err;
	relay_release(d, t);
	agw_info(
		"context %u: TLS relay ended: %s (UE->core %llu, core->UE %llu octets)",
		t->ctx->id, r ? strerror(-r) : "both sides closed",
		(unsigned long long)t->octets[1],
		(unsigned long long)t->octets[0]);
	for (unsigned int i = 0; i < AGWD_TERMS_PER_CTX; i++) {
		struct agwd_term *o = t->ctx->t[i];

		if (o)
			agwd_term_released(d, o);
	}
}

static void on_relay_fd(struct agw_evfd *h, uint32_t events)
{
	struct agwd_term *t = h->arg;

	relay_step(t->d, t);
}

bool agwd_tls_try_relay(struct agwd *d, struct agwd_ctx *c)
{
	struct agwd_term *t = tls_term_of(c), *p = NULL;
	struct agwd_tls_term *x;
	int err, pfd;

	if (!t)
		return false;
	x = t->tls;
	for (unsigned int i = 0; i < AGWD_TERMS_PER_CTX; i++)
		if (c->t[i] && c->t[i] != t)
			p = c->t[i];
	if (!p || x->relay || !x->s || x->state != AGW_TLS_VERIFIED ||
	    p->state != AGWD_TS_CONNECTED || p->cfd < 0)
		return true;
	if (p->tls) {
		agw_err("context %u: two TLS terminations: not relayed", c->id);
		return true;
	}
	agw_evloop_del_fd(d->loop, &p->cev);
	pfd = p->cfd;
	p->cfd = -1;
	err = agw_tls_relay_new(x->s, pfd, on_relay_done, t, &x->relay);
	x->s = NULL; /* the relay owns it now, also on error */
	agw_evloop_del_fd(d->loop, &x->sev);
	if (err) {
		x->relay = NULL;
		agw_err("context %u: TLS relay: %s", c->id, strerror(-err));
		t->state = p->state = AGWD_TS_FAILED;
		return true;
	}
	x->plain = p;
	x->plain_fd = pfd;
	x->relayed = true;
	x->mode = agw_tls_relay_mode(x->relay);
	snprintf(x->mode_reason, sizeof(x->mode_reason), "%s",
		 agw_tls_relay_mode_reason(x->relay));
	t->state = p->state = AGWD_TS_RELAYING;
	agw_info("context %u: relaying %s (TLS %s, %s) <-> %s, mode %s: %s",
		 c->id, t->id, x->version, x->cipher, p->id,
		 agw_tls_relay_mode_name(x->mode), x->mode_reason);
	relay_step(d, t);
	return true;
}

void agwd_tls_stop_relay(struct agwd *d, struct agwd_ctx *c)
{
	struct agwd_term *t = tls_term_of(c);

	if (t && t->tls->relay)
		relay_release(d, t);
}

void agwd_tls_term_close(struct agwd *d, struct agwd_term *t)
{
	if (t->ctx)
		agwd_tls_stop_relay(d, t->ctx);
	if (!t->tls)
		return;
	agw_evloop_del_fd(d->loop, &t->tls->sev);
	agw_tls_session_free(t->tls->s);
	t->tls->s = NULL;
	t->tls->tls_fd = -1;
}

void agwd_tls_term_free(struct agwd_term *t)
{
	free(t->tls);
	t->tls = NULL;
}

/* ---- agwctl ------------------------------------------------------------- */

static const char *tls_state_name(const struct agwd_tls_term *x)
{
	if (!x->started)
		return x->estab ? "await-connection" :
				  "await-connection-or-estab";
	if (x->relayed && x->state != AGW_TLS_FAILED)
		return "verified";
	switch (x->state) {
	case AGW_TLS_HANDSHAKE:
		return "handshake";
	case AGW_TLS_AWAIT_FP:
		return "await-fingerprint";
	case AGW_TLS_VERIFIED:
		return "verified";
	case AGW_TLS_FAILED:
		return "failed";
	}
	return "?";
}

void agwd_tls_term_json(const struct agwd_term *t, struct agw_strbuf *out)
{
	const struct agwd_tls_term *x = t->tls;

	if (!x) {
		agw_strbuf_printf(out, ",\"tls\":null");
		return;
	}
	agw_strbuf_printf(out,
			  ",\"tls\":{\"state\":\"%s\",\"role\":\"%s\","
			  "\"estab\":%s,\"fingerprints\":%zu,\"failure\":",
			  tls_state_name(x), agw_tls_role_name(x->role),
			  x->estab ? "true" : "false",
			  x->have_expect ? x->expect.n : 0);
	if (x->failure) {
		agw_strbuf_json_str(out, agw_tls_failure_name(x->failure));
		agw_strbuf_printf(out, ",\"reason\":");
		agw_strbuf_json_str(out, x->reason);
	} else {
		agw_strbuf_printf(out, "null");
	}
	agw_strbuf_printf(out, ",\"version\":");
	agw_strbuf_json_str(out, x->version);
	agw_strbuf_printf(out, ",\"cipher\":");
	agw_strbuf_json_str(out, x->cipher);
	if (x->relayed) {
		agw_strbuf_printf(out,
				  ",\"relay_mode\":\"%s\",\"relay_reason\":",
				  agw_tls_relay_mode_name(x->mode));
		agw_strbuf_json_str(out, x->mode_reason);
	} else {
		agw_strbuf_printf(out, ",\"relay_mode\":null");
	}
	agw_strbuf_printf(out, "}");
}

void agwd_tls_status_json(const struct agwd *d, struct agw_strbuf *out)
{
	agw_strbuf_printf(out, ",\"tls\":{\"certificate\":");
	agw_strbuf_json_str(out, d->cfg.tls_cert);
	agw_strbuf_printf(out, ",\"fingerprint\":");
	if (d->tls_cert)
		agw_strbuf_json_str(out, d->tls_fp);
	else
		agw_strbuf_printf(out, "null");
	agw_strbuf_printf(out, "}");
}

static void flow_dir_json(struct agw_strbuf *out, const char *key,
			  uint64_t bytes, uint64_t spliced)
{
	/* The TLS relay keeps no stall count, close flag or bound. */
	agw_strbuf_printf(out,
			  ",\"%s\":{\"bytes\":%llu,\"user_bytes\":%llu,"
			  "\"stalls\":null,\"closed\":null,\"limit\":null}",
			  key, (unsigned long long)bytes,
			  (unsigned long long)(bytes - spliced));
}

bool agwd_tls_flow_json(const struct agwd_ctx *c, const char *sep,
			struct agw_strbuf *out)
{
	const struct agwd_term *t = NULL;
	const struct agw_tls_relay_stats *st;
	const struct agwd_tls_term *x;

	for (unsigned int i = 0; i < AGWD_TERMS_PER_CTX; i++)
		if (c->t[i] && c->t[i]->tls && c->t[i]->tls->relay)
			t = c->t[i];
	if (!t)
		return false;
	x = t->tls;
	st = agw_tls_relay_stats(x->relay);
	agw_strbuf_printf(out, "%s{\"context\":%u,\"a\":", sep, c->id);
	agw_strbuf_json_str(out, t->id);
	agw_strbuf_printf(out, ",\"b\":");
	agw_strbuf_json_str(out, x->plain ? x->plain->id : "");
	agw_strbuf_printf(out, ",\"path\":\"tls-%s\",\"why\":",
			  agw_tls_relay_mode_name(x->mode));
	agw_strbuf_json_str(out, x->mode_reason);
	flow_dir_json(out, "a_to_b", st->tls_to_plain, st->spliced_to_plain);
	flow_dir_json(out, "b_to_a", st->plain_to_tls, st->spliced_to_tls);
	agw_strbuf_printf(out, ",\"idle_ms\":null,\"tls\":{\"version\":");
	agw_strbuf_json_str(out, x->version);
	agw_strbuf_printf(out, ",\"cipher\":");
	agw_strbuf_json_str(out, x->cipher);
	agw_strbuf_printf(out, ",\"control_records\":%llu}}",
			  (unsigned long long)st->control_records);
	return true;
}
