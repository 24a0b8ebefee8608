// SPDX-License-Identifier: GPL-2.0-only
/*
 * e2ae TLS in agwd: the certificate loaded at start, agw's a=setup and
 * a=fingerprint in a TLS termination's Local, the Remote's fingerprints,
 * and the session (role, handshake, fail-closed check) driven from the
 * event loop until it is verified. What happens to the termination is its
 * owner's business: this file reports through the agwd_tls_ops it was
 * given, and ctl/relay.c takes the verified session into the relay
 * engine. Documentation/tls.md, "In agwd".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "agw/json.h"
#include "agw/log.h"
#include "agw/tls_sdp.h"
#include "metrics.h"
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
	return agwd_errf(e, fe->h248_code ? fe->h248_code : H248_E_UNKNOWN_VALUE, "%s",
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
		  const struct agw_sdp *remote, const struct agwd_tls_ops *ops,
		  struct agwd_err *e)
{
	bool tls = agw_sdp_proto_is_tls(local->media[0].proto);
	struct agw_fp_error fe = { 0 };
	struct agw_fingerprint fp = { 0 };
	struct agw_fp_set set = { 0 };
	int nset, r;

	if ((r = remote_fps(tls ? remote : NULL, &set, &nset, e)))
		return r;
	if (mr->tls_estab && !tls)
		return agwd_errf(e, H248_E_CONFLICTING_VALUES,
				 "tlsbsc/estab on a %s termination (no TLS)",
				 agw_sdp_proto_name(local->media[0].proto));
	if (tls && !d->tls_ctx)
		return agwd_errf(e, H248_E_RESOURCES,
				 "no TLS certificate loaded");
	if (tls &&
	    (r = agw_tls_cert_fingerprint(
		     d->tls_cert,
		     agw_fp_set_answer_hash(nset > 0 ? &set : NULL), &fp)))
		return agwd_errf(e, H248_E_INTERNAL, "certificate fingerprint: %s",
				 strerror(-r));
	if (agw_tls_sdp_fill_local(local, 0, agw_tls_sdp_local_setup(t->setup),
				   &fp, &fe))
		return fp_errf(e, &fe);
	if (!tls)
		return 0;
	t->tls = calloc(1, sizeof(*t->tls));
	if (!t->tls)
		return agwd_errf(e, H248_E_RESOURCES, "out of memory");
	t->tls->ops = ops;
	t->tls->tls_fd = -1;
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
				e, H248_E_CONFLICTING_VALUES,
				"tlsbsc/estab on a termination without TLS");
		return 0;
	}
	if ((r = remote_fps(remote, set, nset, e)))
		return r;
	if (mr->tls_estab && t->tls->started && t->tls->role == AGW_TLS_SERVER)
		return agwd_errf(
			e, H248_E_CONFLICTING_VALUES,
			"tlsbsc/estab: the UE already started TLS, agw is its server");
	/* a=setup:passive: the UE waits for agw's ClientHello; it cannot
	 * after it sent its own */
	if (remote && remote_setup(remote) == AGW_SDP_SETUP_PASSIVE &&
	    t->tls->started && t->tls->role == AGW_TLS_SERVER)
		return agwd_errf(
			e, H248_E_CONFLICTING_VALUES,
			"a=setup:passive makes agw the TLS client, but the UE already started TLS toward agw as server");
	return 0;
}

/* ---- session ------------------------------------------------------------ */

static void on_session_fd(struct agw_evfd *h, uint32_t events);
static void session_update(struct agwd *d, struct agwd_term *t);

/* Fail closed: the connection goes, nothing was or will be relayed. */
static void session_failed(struct agwd *d, struct agwd_term *t,
			   enum agw_tls_failure f, const char *reason)
{
	struct agwd_tls_term *x = t->tls;

	x->state = AGW_TLS_FAILED;
	x->failure = f;
	agwd_metric_tls(f);
	/* reason may point into the session: copied before it goes */
	snprintf(x->reason, sizeof(x->reason), "%s", reason);
	agw_evloop_del_fd(d->loop, &x->sev);
	agw_tls_session_free(x->s); /* closes the socket */
	x->s = NULL;
	x->tls_fd = -1;
	agw_warn("%s: TLS failed (%s): %s; connection closed, nothing relayed",
		 t->id, agw_tls_failure_name(f), x->reason);
	x->ops->failed(d, t);
}

static void handshake_done(struct agwd_term *t)
{
	struct agwd_tls_term *x = t->tls;
	struct agw_fingerprint fp;
	char peer[AGW_FP_ATTR_MAX] = "none";

	x->handshake_done = true;
	agwd_metric_tls(AGW_TLS_FAIL_NONE);
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
		x->ops->verified(d, t);
	}
}

/* Hung up or reset, with nothing left unread. */
static bool ue_hung_up(int fd, uint32_t events)
{
	char b;

	if (events & (EPOLLERR | EPOLLHUP))
		return true;
	return events & EPOLLRDHUP &&
	       recv(fd, &b, 1, MSG_PEEK | MSG_DONTWAIT) == 0;
}

/* Verified but not relaying yet (the core is not connected): a UE that
 * hung up with nothing left to relay releases its termination now. */
static void verified_idle_event(struct agwd *d, struct agwd_term *t,
				uint32_t events)
{
	struct agwd_tls_term *x = t->tls;

	if (!ue_hung_up(x->tls_fd, events))
		return;
	agw_info(
		"%s: the UE closed after TLS verification, before the relay started",
		t->id);
	agw_evloop_del_fd(d->loop, &x->sev);
	agw_tls_session_free(x->s); /* closes the socket */
	x->s = NULL;
	x->tls_fd = -1;
	x->ops->gone(d, t);
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

/* A new Remote (re-INVITE) names another certificate than the one the
 * relayed session was verified with: fail closed, as in the handshake. */
static void relay_refused(struct agwd *d, struct agwd_term *t)
{
	struct agwd_tls_term *x = t->tls;

	x->state = AGW_TLS_FAILED;
	x->failure = AGW_TLS_FAIL_MISMATCH;
	snprintf(
		x->reason, sizeof(x->reason),
		"new Remote fingerprints do not match the certificate the relay was verified with");
	agw_warn(
		"%s: TLS failed (%s): %s; relay stopped, both connections closed",
		t->id, agw_tls_failure_name(x->failure), x->reason);
	x->ops->failed(d, t);
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
		} else if (t->state == AGWD_TS_RELAYING &&
			   x->state != AGW_TLS_FAILED &&
			   !peer_matches(x, set)) {
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

/* ---- handover to the relay engine (ctl/relay.c) ------------------------- */

struct agw_tls_session *agwd_tls_take_session(struct agwd *d,
					      struct agwd_term *t)
{
	struct agwd_tls_term *x = t->tls;
	struct agw_tls_session *s;

	if (!x || !x->s || x->state != AGW_TLS_VERIFIED)
		return NULL;
	agw_evloop_del_fd(d->loop, &x->sev);
	s = x->s;
	x->s = NULL;
	x->tls_fd = -1;
	return s;
}

void agwd_tls_relayed(struct agwd_term *t,
		      const struct agw_relay_flow_stats *st)
{
	t->tls->relayed = true;
	t->tls->path = st->path;
	t->tls->why = st->why;
}

void agwd_tls_term_close(struct agwd *d, struct agwd_term *t)
{
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

void agwd_tls_term_json(const struct agwd_term *t, struct agw_json *w)
{
	const struct agwd_tls_term *x = t->tls;

	if (!x) {
		agw_json_null(w, "tls");
		return;
	}
	agw_json_obj_open(w, "tls");
	agw_json_str(w, "state", tls_state_name(x));
	agw_json_str(w, "role", agw_tls_role_name(x->role));
	agw_json_bool(w, "estab", x->estab);
	agw_json_u64(w, "fingerprints", x->have_expect ? x->expect.n : 0);
	if (x->failure) {
		agw_json_str(w, "failure", agw_tls_failure_name(x->failure));
		agw_json_str(w, "reason", x->reason);
	} else {
		agw_json_null(w, "failure");
	}
	agw_json_str(w, "version", x->version);
	agw_json_str(w, "cipher", x->cipher);
	if (x->relayed) {
		/* the relay path without its "tls-" */
		agw_json_str(w, "relay_mode", agw_relay_path_name(x->path) + 4);
		agw_json_str(w, "relay_reason", agw_relay_why_text(x->why));
	} else {
		agw_json_null(w, "relay_mode");
	}
	agw_json_obj_close(w);
}

void agwd_tls_status_json(const struct agwd *d, struct agw_json *w)
{
	agw_json_obj_open(w, "tls");
	agw_json_str(w, "certificate", d->cfg.tls_cert);
	agw_json_str(w, "fingerprint", d->tls_cert ? d->tls_fp : NULL);
	agw_json_obj_close(w);
}
