// SPDX-License-Identifier: GPL-2.0-only
/*
 * One TCP termination's socket state machine: the listening socket, the
 * active open, accept, the connected socket until the relay takes it
 * (ctl/relay.c), and release. Its gate entry (ctl/gate.c) is written
 * synchronously, before the command's reply is encoded.
 */
#include <errno.h>
#include <netinet/in.h>
#include <linux/tcp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "agw/log.h"
#include "agw/profile.h"
#include "ctx.h"
#include "tls.h"

#define CONNECT_TIMEOUT_MS 10000

bool agwd_peer_gone(int fd, uint32_t events)
{
	char b;

	return events & (EPOLLERR | EPOLLHUP) ||
	       (events & EPOLLRDHUP &&
		recv(fd, &b, 1, MSG_PEEK | MSG_DONTWAIT) == 0);
}

/* ---- what a TLS termination reports (ctl/tls.c) ---------------------- */

static void tls_verified(struct agwd *d, struct agwd_term *t)
{
	agwd_ctx_try_relay(d, t->ctx);
}

/* Failed closed; when its session was being relayed, the flow stops
 * (counters kept) and the other termination's connection is gone too. */
static void tls_failed(struct agwd *d, struct agwd_term *t)
{
	struct agwd_ctx *c = t->ctx;
	bool relaying = t->state == AGWD_TS_RELAYING;

	if (relaying)
		agwd_ctx_stop_relay(d, c);
	t->state = AGWD_TS_FAILED;
	agwd_term_event(d,
			(struct agwd_event){
				.kind = AGWD_EV_TLS_FAILURE,
				.name = agw_tls_failure_name(t->tls->failure),
				.text = t->tls->reason },
			t);
	if (t->p.ev_tls_fail)
		agwd_notify_param(d, t, "tlsbsc/fail", "reason",
				  agw_tls_failure_name(t->tls->failure));
	for (unsigned int i = 0; relaying && i < AGWD_TERMS_PER_CTX; i++)
		if (c->t[i] && c->t[i] != t)
			agwd_term_released(d, c->t[i]);
}

static const struct agwd_tls_ops tls_ops = {
	.verified = tls_verified,
	.failed = tls_failed,
	.gone = agwd_term_released,
};

/* Before the relay: a connected socket whose peer closes early. */
static void on_conn_data(struct agw_evfd *h, uint32_t events)
{
	struct agwd_term *t = h->arg;

	if (!agwd_peer_gone(t->cfd, events))
		return;
	agw_info("%s: peer closed before the relay started", t->id);
	agw_evloop_del_fd(t->d->loop, h);
	close(t->cfd);
	t->cfd = -1;
	agwd_term_released(t->d, t);
}

/*
 * A termination that opened the connection itself has no use for its
 * listener once connected (one connection per termination): it goes, so
 * that a call holds one fd per termination (ctl/fds.c's budget).
 */
static void close_listener(struct agwd *d, struct agwd_term *t)
{
	if (t->lfd < 0)
		return;
	t->lev.fd = t->lfd;
	agw_evloop_close_fd(d->loop, &t->lev);
	t->lfd = -1;
}

static void connected(struct agwd *d, struct agwd_term *t)
{
	close_listener(d, t);
	t->state = AGWD_TS_CONNECTED;
	if (t->tls && agwd_tls_connected(d, t))
		return;
	agw_evloop_add_fd(d->loop, &t->cev, t->cfd, EPOLLRDHUP, on_conn_data,
			  t);
	agwd_ctx_try_relay(d, t->ctx);
}

/* ---- active open ---------------------------------------------------- */

/*
 * Simultaneous open from the announced port: when the Remote's SYN
 * reached the listener before agwd's own connect was hashed, the kernel
 * keeps the listener's connection for that 4-tuple and agwd's connect
 * fails (EADDRNOTAVAIL at once, or a reset). The termination then stays
 * listening for that connection instead of failing.
 */
static bool listener_ready(const struct agwd_term *t)
{
	struct pollfd p = { .fd = t->lfd, .events = POLLIN };

	return t->lfd >= 0 && poll(&p, 1, 0) == 1;
}

static bool from_remote(const struct agwd_term *t,
			const struct agw_sockaddr *peer)
{
	return t->has_remote && agw_sockaddr_same_host(&t->remote, peer) &&
	       agw_sockaddr_port(&t->remote) == agw_sockaddr_port(peer);
}

static void cancel_connect(struct agwd *d, struct agwd_term *t, const char *why)
{
	agw_info("%s: active open abandoned: %s", t->id, why);
	agw_timer_stop(d->loop, &t->conn_timer);
	agw_evloop_del_fd(d->loop, &t->cev);
	close(t->cfd);
	t->cfd = -1;
	t->state = AGWD_TS_LISTENING;
}

static void connect_failed(struct agwd *d, struct agwd_term *t, int err)
{
	char a[AGW_ADDRSTRLEN];

	if (listener_ready(t)) {
		cancel_connect(d, t,
			       "the Remote's SYN reached the listener first");
		return;
	}

	agw_info("%s: connection to %s failed: %s", t->id,
		 agw_sockaddr_str(&t->remote, true, a, sizeof(a)),
		 strerror(err));
	agw_timer_stop(d->loop, &t->conn_timer);
	agw_evloop_del_fd(d->loop, &t->cev);
	close(t->cfd);
	t->cfd = -1;
	t->state = AGWD_TS_FAILED;
	if (t->p.ev_fail)
		agwd_notify(d, t, "tcpbcc/fail");
}

static void on_connect(struct agw_evfd *h, uint32_t events)
{
	struct agwd_term *t = h->arg;
	int soerr = 0;
	socklen_t len = sizeof(soerr);

	getsockopt(t->cfd, SOL_SOCKET, SO_ERROR, &soerr, &len);
	if (soerr || events & (EPOLLERR | EPOLLHUP)) {
		connect_failed(t->d, t, soerr ? soerr : ECONNREFUSED);
		return;
	}
	agw_timer_stop(t->d->loop, &t->conn_timer);
	agw_evloop_del_fd(t->d->loop, h);
	agw_info("%s: connected to the remote", t->id);
	connected(t->d, t);
}

static void on_connect_timeout(struct agw_timer *tm)
{
	struct agwd_term *t = tm->arg;

	if (t->state == AGWD_TS_CONNECTING) {
		connect_failed(t->d, t, ETIMEDOUT);
		return;
	}
	/* the 4-tuple was taken (start_active_open) and no connection of
	 * the Remote came: a TIME_WAIT of an earlier call, not a race */
	if (t->state == AGWD_TS_LISTENING && t->cfd < 0) {
		agw_info(
			"%s: active open: no connection from the Remote on the taken 4-tuple",
			t->id);
		t->state = AGWD_TS_FAILED;
		if (t->p.ev_fail)
			agwd_notify(t->d, t, "tcpbcc/fail");
	}
}

/*
 * Both sockets of a termination on the announced port: the listener and
 * the active open's socket (SO_REUSEPORT on both, set by one uid; the
 * connecting socket never listens, so SYNs still reach only the
 * listener or, for its own 4-tuple, the connecting socket itself:
 * simultaneous open).
 */
static int reuse_port(int fd, bool addr)
{
	int one = 1;

	/* the port pool's bind set SO_REUSEADDR on the listener already */
	if ((addr &&
	     setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one))) ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)))
		return -errno;
	return 0;
}

static int active_open(struct agwd *d, struct agwd_term *t)
{
	struct agw_sockaddr src = t->local;
	socklen_t sl = t->local.sa.sa_family == AF_INET ?
			       sizeof(struct sockaddr_in) :
			       sizeof(struct sockaddr_in6);
	char a[AGW_ADDRSTRLEN];
	int fd, err;

	if (t->cfd >= 0 || !t->has_remote)
		return -EALREADY;
	fd = socket(t->local.sa.sa_family,
		    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* From the address and port the Local announced, so that a peer
	 * filtering on both (gm/saf, gm/spf: agw as a TrGW) admits the SYN;
	 * [h248] active_open_source = ephemeral: from an ephemeral port. */
	if (d->cfg.active_open_ephemeral)
		agw_sockaddr_set_port(&src, 0);
	else if ((err = reuse_port(fd, true))) {
		close(fd);
		return err;
	}
	if (bind(fd, &src.sa, sl) ||
	    (connect(fd, &t->remote.sa, sl) && errno != EINPROGRESS)) {
		err = -errno;
		close(fd);
		return err;
	}
	t->cfd = fd;
	t->state = AGWD_TS_CONNECTING;
	agw_evloop_add_fd(d->loop, &t->cev, fd, EPOLLOUT, on_connect, t);
	agw_timer_start(d->loop, &t->conn_timer, CONNECT_TIMEOUT_MS);
	agw_info("%s: active open toward the remote from %s", t->id,
		 d->cfg.active_open_ephemeral ?
			 "an ephemeral port" :
			 agw_sockaddr_str(&src, true, a, sizeof(a)));
	return 0;
}

static void start_active_open(struct agwd *d, struct agwd_term *t)
{
	int err = active_open(d, t);

	if (err == -EADDRNOTAVAIL && t->lfd >= 0) {
		/* the 4-tuple is the listener's: the Remote opened first; or
		 * (no connection within the timeout) a TIME_WAIT */
		agw_info(
			"%s: active open: the 4-tuple is taken, waiting for the Remote's connection to the listener",
			t->id);
		agw_timer_start(d->loop, &t->conn_timer, CONNECT_TIMEOUT_MS);
		return;
	}
	if (err && err != -EALREADY) {
		t->cfd = -1;
		t->state = AGWD_TS_FAILED;
		agw_info("%s: active open: %s", t->id, strerror(-err));
		if (t->p.ev_fail)
			agwd_notify(d, t, "tcpbcc/fail");
	}
}

/* ---- accept --------------------------------------------------------- */

static void on_accept(struct agw_evfd *h, uint32_t events)
{
	struct agwd_term *t = h->arg, *o;
	struct agwd *d = t->d;
	struct agw_sockaddr peer;
	socklen_t len = sizeof(peer.ss);
	char a[AGW_ADDRSTRLEN];
	int fd;

	fd = accept4(t->lfd, &peer.sa, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
	/* no fd, or one of those kept for agwctl and H.248: the UE's
	 * connection is closed and the listener rests (no spinning) */
	if (agwd_fd_scarce(fd)) {
		if (fd >= 0)
			close(fd);
		agwd_accept_exhausted(d, t->lfd, &t->lev);
		return;
	}
	if (fd < 0)
		return;
	if (t->state == AGWD_TS_CONNECTING && from_remote(t, &peer))
		cancel_connect(d, t,
			       "the Remote's SYN reached the listener first");
	if (t->cfd >= 0 || t->state != AGWD_TS_LISTENING) {
		close(fd); /* one connection per termination */
		return;
	}
	agw_info("%s: connection from %s", t->id,
		 agw_sockaddr_str(&peer, true, a, sizeof(a)));
	t->cfd = fd;
	t->accepted = true;
	/* the port stays reserved; no second connection is taken */
	close_listener(d, t);
	/* SYN interlinkage: this SYN triggers the other side's open */
	for (unsigned int i = 0; i < AGWD_TERMS_PER_CTX; i++) {
		o = t->ctx->t[i];
		if (o && o != t && o->p.synlink &&
		    o->state == AGWD_TS_LISTENING && o->cfd < 0 &&
		    o->has_remote && o->setup != AGW_SDP_SETUP_ACTIVE) {
			agw_info("%s: SYN interlinkage -> %s", t->id, o->id);
			start_active_open(d, o);
		}
	}
	connected(d, t);
}

/* ---- open, modify, close -------------------------------------------- */

static int remote_from_sdp(struct agw_sdp *s, struct agw_sockaddr *out,
			   int *setup, struct agwd_err *e)
{
	const struct agw_sdp_addr *ca;
	const struct agw_sdp_attr *at;

	if (!s->n_media)
		return agwd_errf(e, H248_E_INVALID_SDP,
				 "Remote SDP has no m= line");
	ca = agw_sdp_media_conn(s, 0);
	if (!ca ||
	    (ca->kind != AGW_SDP_ADDR_IP4 && ca->kind != AGW_SDP_ADDR_IP6))
		return agwd_errf(e, H248_E_INVALID_SDP,
				 "Remote SDP needs an IP address in c=");
	memset(out, 0, sizeof(*out));
	if (ca->kind == AGW_SDP_ADDR_IP4) {
		out->in4.sin_family = AF_INET;
		out->in4.sin_addr = ca->v4;
	} else {
		out->in6.sin6_family = AF_INET6;
		out->in6.sin6_addr = ca->v6;
	}
	agw_sockaddr_set_port(out, s->media[0].port);
	at = agw_sdp_find_attr(s, 0, AGW_SDP_ATTR_SETUP);
	if (!at)
		at = agw_sdp_find_attr(s, -1, AGW_SDP_ATTR_SETUP);
	*setup = at ? (int)at->setup : 0;
	return 0;
}

/* tcpbcc/estab (active open) needs a Remote that is not active itself. */
static int check_estab(const struct agwd_media_req *mr, bool has_remote,
		       int setup, struct agwd_err *e)
{
	if (mr->estab && !has_remote)
		return agwd_errf(e, H248_E_MISSING_REMOTE_LOCAL,
				 "tcpbcc/estab needs a Remote descriptor");
	if (mr->estab && setup == AGW_SDP_SETUP_ACTIVE)
		return agwd_errf(
			e, H248_E_CONFLICTING_VALUES,
			"tcpbcc/estab conflicts with the Remote's a=setup:active");
	return 0;
}

static int parse_sdp(struct agw_sdp *s, struct h248_str body, const char *which,
		     struct agwd_err *e)
{
	struct agw_sdp_error se;

	if (agw_sdp_parse(s, body.ptr, body.len, &se))
		return agwd_errf(e, se.code, "%s SDP: %s", which, se.reason);
	return 0;
}

static int bind_local(struct agwd *d, struct agwd_term *t, struct agw_sdp *l,
		      struct agwd_err *e)
{
	const struct agw_sockaddr *pick;
	const struct agw_sdp_addr *ca;
	int family = AF_UNSPEC, port;

	if (!l->n_media)
		return agwd_errf(e, H248_E_INVALID_SDP,
				 "Local SDP has no m= line");
	ca = agw_sdp_media_conn(l, 0);
	if (ca && ca->family == AGW_SDP_FAMILY_IP4)
		family = AF_INET;
	else if (ca && ca->family == AGW_SDP_FAMILY_IP6)
		family = AF_INET6;
	if (ca && ca->kind != AGW_SDP_ADDR_CHOOSE)
		return agwd_errf(
			e, H248_E_UNKNOWN_VALUE,
			"Local c= must be $: agwd chooses the address");
	if (!l->media[0].port_choose)
		return agwd_errf(
			e, H248_E_UNKNOWN_VALUE,
			"Local m= port must be $: agwd chooses the port");
	pick = agw_realm_pick_addr(t->realm, family);
	if (!pick)
		return agwd_errf(e, H248_E_RESOURCES,
				 "realm %s has no usable %s address",
				 t->realm->cfg->name,
				 family == AF_INET6 ? "IPv6" : "IP");
	t->local = *pick;
	port = agw_portpool_alloc_bound(&t->realm->ports, &t->local, &t->lfd);
	if (port >= 0 && agwd_fd_scarce(t->lfd)) {
		close(t->lfd);
		t->lfd = -1;
		agw_portpool_release(&t->realm->ports, (uint16_t)port);
		port = -EMFILE;
	}
	if (port == -EMFILE || port == -ENFILE)
		return agwd_errf(e, H248_E_RESOURCES,
				 "realm %s: out of file descriptors",
				 t->realm->cfg->name);
	if (port < 0)
		return agwd_errf(e, H248_E_RESOURCES, "realm %s: no free port",
				 t->realm->cfg->name);
	t->port = (uint16_t)port;
	agw_sockaddr_set_port(&t->local, t->port);
	agw_addr_from_sockaddr(&t->local.ss, &t->local_addr, &t->port);
	/* after the pool's bind check, so that no other socket shares the
	 * port; before listen, so that the active open can bind it too */
	if ((!d->cfg.active_open_ephemeral && reuse_port(t->lfd, false)) ||
	    listen(t->lfd, 4)) {
		int err = errno;

		close(t->lfd);
		t->lfd = -1;
		agw_portpool_release(&t->realm->ports, t->port);
		return agwd_errf(e, H248_E_INTERNAL, "listen: %s",
				 strerror(err));
	}
	return 0;
}

static int local_reply_sdp(struct agwd_term *t, struct agw_sdp *l,
			   struct agwd_err *e)
{
	int af = t->local.sa.sa_family;
	const void *bin = af == AF_INET ? (const void *)&t->local.in4.sin_addr :
					  (const void *)&t->local.in6.sin6_addr;
	int n;

	if (l->media[0].has_conn)
		agw_sdp_set_conn(l, 0, af, bin);
	if (l->has_conn || !l->media[0].has_conn)
		agw_sdp_set_conn(l, -1, af, bin);
	if (l->has_origin && l->origin.addr.kind == AGW_SDP_ADDR_CHOOSE)
		agw_sdp_addr_set(&l->origin.addr, af, bin);
	agw_sdp_set_port(l, 0, t->port);
	n = agw_sdp_generate(l, t->local_sdp, sizeof(t->local_sdp),
			     AGW_SDP_GEN_LF);
	if (n < 0)
		return agwd_errf(e, H248_E_RESOURCES,
				 "Local SDP does not fit (%d)", n);
	t->local_sdp_len = (uint32_t)n;
	return 0;
}

/*
 * A realm without a SYN gate (attach = none) can neither ignore nor
 * filter SYNs: a request for it is refused, never answered with success
 * while every SYN is admitted (Documentation/h248-profile.md).
 */
static int gate_check(const struct agwd_term *t,
		      const struct agwd_term_props *p, struct agwd_err *e)
{
	const struct agw_prof_entry *pe;

	if (t->realm->cfg->attach != AGW_ATTACH_NONE)
		return 0;
	pe = p->synign ? agw_profile_item(AGW_PI_SYN_IGNORE) :
	     p->saf    ? agw_profile_item(AGW_PI_SAF) :
	     p->spf    ? agw_profile_item(AGW_PI_SPF) :
			 NULL;
	if (!pe)
		return 0;
	return agwd_errf(
		e, H248_E_UNKNOWN_VALUE,
		"%s = ON: realm %s has no SYN gate (attach = none), nothing would be %s",
		pe->full, t->realm->cfg->name,
		p->synign ? "ignored" : "filtered");
}

int agwd_term_open(struct agwd *d, struct agwd_term *t,
		   const struct agwd_media_req *mr, struct agw_sdp *local,
		   struct agw_sdp *remote, struct agwd_err *e)
{
	static const char def_sdp[] = "v=0\nc=IN IP4 $\nm=message $ TCP *\n";
	int r;

	t->lfd = t->cfd = -1;
	agw_timer_init(&t->conn_timer, on_connect_timeout, t);
	agw_timer_init(&t->hb_timer, agwd_on_term_heartbeat, t);
	t->p = mr->p;
	if ((r = parse_sdp(local,
			   mr->has_local ?
				   mr->local :
				   (struct h248_str){ def_sdp,
						      sizeof(def_sdp) - 1 },
			   "Local", e)))
		return r;
	if (mr->has_remote) {
		if ((r = parse_sdp(remote, mr->remote, "Remote", e)) ||
		    (r = remote_from_sdp(remote, &t->remote, &t->setup, e)))
			return r;
		t->has_remote = true;
	}
	if ((r = check_estab(mr, t->has_remote, t->setup, e)) ||
	    (r = gate_check(t, &t->p, e)))
		return r;
	if (!mr->set_synlink)
		t->p.synlink =
			agw_config_synlink_default(&d->cfg, t->realm->cfg);
	if ((r = bind_local(d, t, local, e)))
		return r;
	if ((r = agwd_tls_open(d, t, mr, local, mr->has_remote ? remote : NULL,
			       &tls_ops, e)) ||
	    (r = local_reply_sdp(t, local, e)))
		goto undo_port;
	if ((r = agwd_gate_term_add(d, t, e)))
		goto undo_port;
	agw_evloop_add_fd(d->loop, &t->lev, t->lfd, EPOLLIN, on_accept, t);
	t->state = AGWD_TS_LISTENING;
	agwd_heartbeat_update(d, t);
	if (mr->estab)
		start_active_open(d, t);
	return 0;
undo_port:
	close(t->lfd);
	t->lfd = -1;
	agw_portpool_release(&t->realm->ports, t->port);
	return r;
}

int agwd_term_modify(struct agwd *d, struct agwd_term *t,
		     const struct agwd_media_req *mr, struct agw_sdp *remote,
		     struct agwd_err *e)
{
	struct agw_sockaddr raddr = t->remote;
	bool has_remote = t->has_remote;
	int setup = t->setup, r, nfp = -1;
	struct agw_fp_set fps;

	if (mr->has_local && mr->local.len) {
		struct agw_sdp_error se;

		/* Local may be repeated as agwd returned it; not changed */
		if (agw_sdp_parse(remote, mr->local.ptr, mr->local.len, &se))
			return agwd_errf(e, se.code, "Local SDP: %s",
					 se.reason);
	}
	if (mr->has_remote) {
		if ((r = parse_sdp(remote, mr->remote, "Remote", e)) ||
		    (r = remote_from_sdp(remote, &raddr, &setup, e)))
			return r;
		has_remote = true;
	}
	if ((r = check_estab(mr, has_remote, setup, e)) ||
	    (r = gate_check(t, &mr->p, e)))
		return r;
	if ((r = agwd_tls_check_modify(d, t, mr, mr->has_remote ? remote : NULL,
				       &fps, &nfp, e)))
		return r;
	if ((r = agwd_gate_term_update(d, t, &mr->p, has_remote, &raddr, e)))
		return r;
	/* committed: nothing below fails */
	if (mr->synign_ended)
		agw_info(
			"%s: %s ended by source filtering (accept SYNs only from the Remote)",
			t->id, agw_profile_item(AGW_PI_SYN_IGNORE)->full);
	t->p = mr->p;
	t->remote = raddr;
	t->has_remote = has_remote;
	t->setup = setup;
	agwd_heartbeat_update(d, t);
	if (mr->estab &&
	    (t->state == AGWD_TS_LISTENING || t->state == AGWD_TS_FAILED))
		start_active_open(d, t);
	agwd_tls_modify(d, t, mr, &fps, nfp);
	return 0;
}

void agwd_term_stats(struct agwd *d, struct agwd_term *t, uint64_t oct[2],
		     uint64_t pkt[2], uint64_t syn[2])
{
	if (t->ctx)
		agwd_ctx_harvest(d, t->ctx);
	oct[0] = t->octets[0];
	oct[1] = t->octets[1];
	pkt[0] = t->packets[0];
	pkt[1] = t->packets[1];
	agwd_tcp_segs(t->cfd, pkt);
	agwd_gate_term_syns(d, t, syn);
}

/* Everything the termination holds goes back; the gate entry first. */
void agwd_term_close(struct agwd *d, struct agwd_term *t)
{
	agwd_tls_term_close(d, t);
	agwd_gate_term_del(d, t);
	agw_timer_stop(d->loop, &t->conn_timer);
	agw_timer_stop(d->loop, &t->hb_timer);
	/* the listener is agwd's alone: its close leaves epoll */
	close_listener(d, t);
	if (t->cfd >= 0) {
		agw_evloop_del_fd(d->loop, &t->cev);
		close(t->cfd);
		t->cfd = -1;
	}
	if (t->port) {
		agw_portpool_release(&t->realm->ports, t->port);
		t->port = 0;
	}
}

/* Fail safe (realm address gone): gate entry removed, sockets closed. */
void agwd_term_fail(struct agwd *d, struct agwd_term *t, bool released)
{
	if (t->ctx)
		agwd_ctx_stop_relay(d, t->ctx);
	agwd_term_close(d, t);
	t->state = AGWD_TS_FAILED;
	if (released && t->p.ev_rel)
		agwd_notify(d, t, "tcpbcc/rel");
}
