// SPDX-License-Identifier: GPL-2.0-only
/*
 * One TCP termination's data path: the listening socket and its gate
 * entry, the active open, accept, the relay between the two terminations
 * of a context, and the Notify of its events. Gate entries are written
 * here, synchronously, before the command's reply is encoded.
 */
#include <errno.h>
#include <netinet/in.h>
#include <linux/tcp.h>
#include <sys/epoll.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "agw/log.h"
#include "ctx.h"
#include "tls.h"

#define CONNECT_TIMEOUT_MS 10000

const char *agwd_term_state_name(enum agwd_term_state s)
{
	static const char *const n[] = { "listening", "connecting",
					 "connected", "relaying",
					 "closed",    "failed" };

	return (unsigned int)s < sizeof(n) / sizeof(n[0]) ? n[s] : "?";
}

/* ---- gate ----------------------------------------------------------- */

#define BPF_FS_MAGIC_NUMBER 0xcafe4a11

/*
 * "ip netns exec" gives a fresh /sys without bpffs: mount one there (in
 * that private mount namespace) so that the gate can pin its maps.
 */
void agwd_ensure_bpffs(const char *pin_dir)
{
	struct statfs sf;

	if (strncmp(pin_dir, "/sys/fs/bpf/", 12) ||
	    (!statfs("/sys/fs/bpf", &sf) &&
	     (unsigned long)sf.f_type == BPF_FS_MAGIC_NUMBER))
		return;
	if (mount("bpf", "/sys/fs/bpf", "bpf", 0, NULL))
		agw_warn("bpffs not mounted on /sys/fs/bpf: %s",
			 strerror(errno));
	else
		agw_info("mounted bpffs on /sys/fs/bpf");
}

int agwd_gate_init(struct agwd *d)
{
	struct agw_gate_opts go = { .pin_dir = d->cfg.gate_pin_dir,
				    .max_terms = d->cfg.max_terminations };
	struct agw_gate_cfg gc = { .port_min = 65535, .port_max = 0 };
	int err;

	agwd_ensure_bpffs(d->cfg.gate_pin_dir);
	err = agw_gate_open(&go, &d->gate);
	if (err) {
		agw_err("gate (pins in %s): %s", d->cfg.gate_pin_dir,
			strerror(-err));
		return err;
	}
	for (unsigned int i = 0; i < d->cfg.nrealms; i++) {
		if (d->cfg.realms[i].port_min < gc.port_min)
			gc.port_min = d->cfg.realms[i].port_min;
		if (d->cfg.realms[i].port_max > gc.port_max)
			gc.port_max = d->cfg.realms[i].port_max;
	}
	err = agw_gate_config_set(d->gate, &gc);
	if (err)
		return err;
	for (unsigned int i = 0; i < agw_realms_count(d->realms); i++) {
		struct agw_realm *r = agw_realms_get(d->realms, i);
		enum agw_attach_mode got;

		/* NONE means "not attached" here, not the gate's default */
		if (r->cfg->attach == AGW_ATTACH_NONE || !r->ifindex)
			continue;
		err = agw_gate_attach(d->gate, r->ifindex, r->cfg->attach,
				      &got);
		if (err) {
			agw_err("gate: attach to %s (%s): %s", r->cfg->ifname,
				agw_attach_mode_name(r->cfg->attach),
				strerror(-err));
			return err;
		}
		agw_info("gate attached to %s as %s", r->cfg->ifname,
			 agw_attach_mode_name(got));
	}
	return 0;
}

void agwd_gate_fini(struct agwd *d)
{
	if (!d->gate)
		return;
	for (unsigned int i = 0; i < agw_realms_count(d->realms); i++) {
		struct agw_realm *r = agw_realms_get(d->realms, i);

		if (r->cfg->attach != AGW_ATTACH_NONE && r->ifindex)
			agw_gate_detach(d->gate, r->ifindex);
	}
	agw_gate_close(d->gate);
	d->gate = NULL;
}

/* Gate mode and allow rule the properties and the Remote ask for. */
static enum agw_gate_mode want_mode(const struct agwd_term_props *p,
				    bool has_remote,
				    const struct agw_sockaddr *remote,
				    struct agw_allow *rule, unsigned int *nrule)
{
	uint16_t rport;

	*nrule = 0;
	if (p->synign)
		return AGW_MODE_IGNORE;
	if (!p->saf && !p->spf)
		return AGW_MODE_OPEN;
	memset(rule, 0, sizeof(*rule));
	rule->port_lo = 0;
	rule->port_hi = 65535;
	if (p->saf) {
		if (p->has_sam) {
			rule->addr = p->sam;
			rule->prefix_len = p->sam_prefix;
		} else if (has_remote) {
			agw_addr_from_sockaddr(&remote->ss, &rule->addr,
					       &rport);
			rule->prefix_len = agw_addr_is_v4(&rule->addr) ? 32 :
									 128;
		} else {
			return AGW_MODE_FILTER; /* nothing known: no rule */
		}
	} else {
		/* port filtering only: any address of the family */
		struct agw_addr any = { 0 };

		if (has_remote) {
			agw_addr_from_sockaddr(&remote->ss, &rule->addr,
					       &rport);
			any = rule->addr;
		}
		memset(rule->addr.a, 0, 16);
		if (agw_addr_is_v4(&any))
			rule->addr = any, memset(rule->addr.a + 12, 0, 4);
		rule->prefix_len = 0;
	}
	if (p->spf) {
		if (p->has_spr) {
			rule->port_lo = p->spr_lo;
			rule->port_hi = p->spr_hi;
		} else if (has_remote) {
			rule->port_lo = rule->port_hi =
				agw_sockaddr_port(remote);
		}
	}
	*nrule = 1;
	return AGW_MODE_FILTER;
}

/* Write mode and rules; on failure the entry is as it was. */
static int gate_apply(struct agwd *d, struct agwd_term *t,
		      enum agw_gate_mode mode, const struct agw_allow *rule,
		      unsigned int nrule, struct agwd_err *e)
{
	int err;

	if (mode == AGW_MODE_FILTER) {
		err = agw_gate_allow_set(d->gate, &t->local_addr, t->port,
					 rule, nrule);
		if (err)
			return agwd_errf(e, 500, "gate allow list: %s",
					 strerror(-err));
	}
	if (mode != t->gmode) {
		err = agw_gate_term_set_mode(d->gate, &t->local_addr, t->port,
					     mode);
		if (err)
			return agwd_errf(e, 500, "gate mode: %s",
					 strerror(-err));
	}
	t->gmode = mode;
	return 0;
}

/* ---- Notify --------------------------------------------------------- */

void agwd_notify(struct agwd *d, struct agwd_term *t, const char *event)
{
	agwd_notify_param(d, t, event, NULL, NULL);
}

void agwd_notify_param(struct agwd *d, struct agwd_term *t, const char *event,
		       const char *pname, const char *pvalue)
{
	struct h248_message *m;
	struct h248_transaction *tr;
	struct h248_action *act;
	struct h248_command *c;
	struct h248_node *oe, *ev;
	char ts[32];
	struct tm tm;
	time_t now = time(NULL);
	uint32_t tid;

	if (d->reg != AGWD_REGISTERED || !t->ctx)
		return;
	agwd_txn_prepare(d);
	tr = agwd_txn_new_request(d, &m, &tid);
	act = tr ? h248_build_action(&d->arena, tr, H248_CTX_ID, t->ctx->id) :
		   NULL;
	c = act ? h248_build_command(&d->arena, act, H248_CMD_NOTIFY,
				     (struct h248_str){
					     t->id, (uint32_t)strlen(t->id) }) :
		  NULL;
	oe = c ? h248_build_node(&d->arena, &c->desc, H248_KW_OBSERVEDEVENTS,
				 H248_STR("")) :
		 NULL;
	if (!oe || h248_build_value(&d->arena, oe, H248_OP_EQ,
				    h248_arena_printf(&d->arena, "%u",
						      t->p.rid),
				    false))
		goto fail;
	ev = h248_build_node(&d->arena, &oe->child, H248_KW_NAME,
			     h248_arena_strdup(&d->arena, event,
					       strlen(event)));
	if (!ev)
		goto fail;
	gmtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%Y%m%dT%H%M%S00", &tm);
	ev->ts = h248_arena_strdup(&d->arena, ts, strlen(ts));
	ev->flags |= H248_NF_TS;
	if (pname) {
		struct h248_node *pn = h248_build_node(
			&d->arena, &ev->child, H248_KW_NAME,
			h248_arena_strdup(&d->arena, pname, strlen(pname)));

		if (!pn ||
		    h248_build_value(&d->arena, pn, H248_OP_EQ,
				     h248_arena_strdup(&d->arena, pvalue,
						       strlen(pvalue)),
				     true))
			goto fail;
	}
	agw_info("%s: Notify %s%s%s", t->id, event, pname ? " " : "",
		 pname ? pvalue : "");
	if (!agwd_txn_request(d, m, tid, AGWD_OUT_NOTIFY))
		return;
fail:
	agw_warn("%s: Notify %s not sent", t->id, event);
}

/* ---- heartbeat (hangterm) -------------------------------------------- */

static void on_term_heartbeat(struct agw_timer *tm)
{
	struct agwd_term *t = tm->arg;

	agwd_notify(t->d, t, "hangterm/thb");
	agw_timer_start(t->d->loop, &t->hb_timer, t->p.hb_s * 1000ull);
}

/* (Re)arm or stop the termination heartbeat after its properties change. */
static void heartbeat_update(struct agwd *d, struct agwd_term *t)
{
	if (t->p.ev_thb && t->p.hb_s)
		agw_timer_start(d->loop, &t->hb_timer, t->p.hb_s * 1000ull);
	else
		agw_timer_stop(d->loop, &t->hb_timer);
}

/* ---- relay ---------------------------------------------------------- */

void agwd_tcp_segs(int fd, uint64_t pkt[2])
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	if (fd >= 0 && !getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len)) {
		pkt[0] = ti.tcpi_data_segs_out;
		pkt[1] = ti.tcpi_data_segs_in;
	}
}

static void harvest(struct agwd_ctx *c, const struct agw_relay_flow_stats *st)
{
	struct agwd_term *a = c->t[0], *b = c->t[1];

	/* dir[0]: a -> b */
	if (a) {
		a->octets[1] = st->dir[0].bytes;
		a->octets[0] = st->dir[1].bytes;
		a->packets[0] = st->segs[0][0];
		a->packets[1] = st->segs[0][1];
	}
	if (b) {
		b->octets[1] = st->dir[1].bytes;
		b->octets[0] = st->dir[0].bytes;
		b->packets[0] = st->segs[1][0];
		b->packets[1] = st->segs[1][1];
	}
}

static const char *relay_why_text(const struct agw_relay_flow_stats *st)
{
	switch (st->why) {
	case AGW_RELAY_WHY_REQUESTED:
	case AGW_RELAY_WHY_DEFAULT:
		return "";
	case AGW_RELAY_WHY_NO_PIPE:
		return ": splice wanted, pipe() failed";
	case AGW_RELAY_WHY_NO_BPF:
		return ": sockmap wanted, its BPF program is not loaded";
	case AGW_RELAY_WHY_SOCKMAP_REFUSED:
		return ": sockmap wanted, the socket insert was refused";
	default:
		return "";
	}
}

void agwd_on_relay_event(void *arg, uint64_t flow_id, void *ctx,
			 enum agw_relay_event ev, int side, int err,
			 const struct agw_relay_flow_stats *st)
{
	struct agwd *d = arg;
	struct agwd_ctx *c = ctx;

	if (!c->relaying || c->relay_id != flow_id)
		return; /* aborted by a Subtract: already harvested */
	harvest(c, st);
	c->relaying = false;
	agw_info("context %u: relay %s on %s (a->b %llu, b->a %llu octets)%s%s",
		 c->id, agw_relay_event_name(ev), agw_relay_path_name(st->path),
		 (unsigned long long)st->dir[0].bytes,
		 (unsigned long long)st->dir[1].bytes, err ? ": " : "",
		 err ? strerror(err) : "");
	for (unsigned int i = 0; i < AGWD_TERMS_PER_CTX; i++) {
		struct agwd_term *t = c->t[i];

		if (t)
			agwd_term_released(d, t);
	}
}

/* Take both terminations' packet counts and byte counts, then reset. */
void agwd_ctx_stop_relay(struct agwd *d, struct agwd_ctx *c)
{
	struct agw_relay_flow_stats st;

	agwd_tls_stop_relay(d, c);
	if (!c->relaying)
		return;
	if (!agw_relay_stats(d->relay, c->relay_id, &st))
		harvest(c, &st);
	c->relaying = false;
	agw_relay_abort(d->relay, c->relay_id);
}

static void try_relay(struct agwd *d, struct agwd_ctx *c)
{
	struct agwd_term *a = c->t[0], *b = c->t[1];
	struct agw_relay_flow_opts o = { .ctx = c };
	struct agw_relay_flow_stats st;
	int err;

	if (agwd_tls_try_relay(d, c))
		return;
	if (!a || !b || a->state != AGWD_TS_CONNECTED ||
	    b->state != AGWD_TS_CONNECTED || c->relaying)
		return;
	agw_evloop_del_fd(d->loop, &a->cev);
	agw_evloop_del_fd(d->loop, &b->cev);
	err = agw_relay_add(d->relay, a->cfd, b->cfd, &o, &c->relay_id);
	if (err) {
		agw_err("context %u: relay: %s", c->id, strerror(-err));
		return;
	}
	a->cfd = b->cfd = -1;
	a->state = b->state = AGWD_TS_RELAYING;
	c->relaying = true;
	if (agw_relay_stats(d->relay, c->relay_id, &st))
		return;
	agw_info("context %u: relaying %s <-> %s on %s (%s%s)", c->id, a->id,
		 b->id, agw_relay_path_name(st.path),
		 agw_relay_why_name(st.why), relay_why_text(&st));
}

void agwd_term_released(struct agwd *d, struct agwd_term *t)
{
	t->state = AGWD_TS_CLOSED;
	if (t->p.ev_rel)
		agwd_notify(d, t, "tcpbcc/rel");
}

bool agwd_peer_gone(int fd, uint32_t events)
{
	char b;

	return events & (EPOLLERR | EPOLLHUP) ||
	       (events & EPOLLRDHUP &&
		recv(fd, &b, 1, MSG_PEEK | MSG_DONTWAIT) == 0);
}

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

static void connected(struct agwd *d, struct agwd_term *t)
{
	t->state = AGWD_TS_CONNECTED;
	if (t->tls && agwd_tls_connected(d, t))
		return;
	agw_evloop_add_fd(d->loop, &t->cev, t->cfd, EPOLLRDHUP, on_conn_data,
			  t);
	try_relay(d, t->ctx);
}

/* ---- active open ---------------------------------------------------- */

static void connect_failed(struct agwd *d, struct agwd_term *t, int err)
{
	char a[AGW_ADDRSTRLEN];

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

	connect_failed(t->d, t, ETIMEDOUT);
}

static int active_open(struct agwd *d, struct agwd_term *t)
{
	struct agw_sockaddr src = t->local;
	socklen_t sl = t->local.sa.sa_family == AF_INET ?
			       sizeof(struct sockaddr_in) :
			       sizeof(struct sockaddr_in6);
	int fd, err;

	if (t->cfd >= 0 || !t->has_remote)
		return -EALREADY;
	fd = socket(t->local.sa.sa_family,
		    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* from the termination's address; the listening socket keeps its
	 * port, so the SYN leaves from an ephemeral one (RFC 4145 active) */
	agw_sockaddr_set_port(&src, 0);
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
	agw_info("%s: active open toward the remote", t->id);
	return 0;
}

static void start_active_open(struct agwd *d, struct agwd_term *t)
{
	int err = active_open(d, t);

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
	if (fd < 0)
		return;
	if (t->cfd >= 0 || t->state != AGWD_TS_LISTENING) {
		close(fd); /* one connection per termination */
		return;
	}
	agw_info("%s: connection from %s", t->id,
		 agw_sockaddr_str(&peer, true, a, sizeof(a)));
	t->cfd = fd;
	t->accepted = true;
	/* the port stays reserved; no second connection is taken */
	agw_evloop_del_fd(d->loop, &t->lev);
	close(t->lfd);
	t->lfd = -1;
	/* SYN interlinkage: this SYN triggers the other side's open */
	for (unsigned int i = 0; i < AGWD_TERMS_PER_CTX; i++) {
		o = t->ctx->t[i];
		if (o && o != t && o->p.synlink &&
		    o->state == AGWD_TS_LISTENING && o->cfd < 0 &&
		    o->has_remote) {
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
		return agwd_errf(e, 474, "Remote SDP has no m= line");
	ca = s->media[0].has_conn ? &s->media[0].conn :
	     s->has_conn	  ? &s->conn :
				    NULL;
	if (!ca || (ca->kind != AGW_SDP_ADDR_IP4 && ca->kind != AGW_SDP_ADDR_IP6))
		return agwd_errf(e, 474, "Remote SDP needs an IP address in c=");
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

static int parse_sdp(struct agw_sdp *s, struct h248_str body,
		     const char *which, struct agwd_err *e)
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
	struct agw_sdp_addr *ca;
	int family = AF_UNSPEC, port;

	if (!l->n_media)
		return agwd_errf(e, 474, "Local SDP has no m= line");
	ca = l->media[0].has_conn ? &l->media[0].conn :
	     l->has_conn	  ? &l->conn :
				    NULL;
	if (ca && ca->family == AGW_SDP_FAMILY_IP4)
		family = AF_INET;
	else if (ca && ca->family == AGW_SDP_FAMILY_IP6)
		family = AF_INET6;
	if (ca && ca->kind != AGW_SDP_ADDR_CHOOSE)
		return agwd_errf(e, 449,
				 "Local c= must be $: agwd chooses the address");
	if (!l->media[0].port_choose)
		return agwd_errf(e, 449,
				 "Local m= port must be $: agwd chooses the port");
	pick = agw_realm_pick_addr(t->realm, family);
	if (!pick)
		return agwd_errf(e, 510, "realm %s has no usable %s address",
				 t->realm->cfg->name,
				 family == AF_INET6 ? "IPv6" : "IP");
	t->local = *pick;
	port = agw_portpool_alloc_bound(&t->realm->ports, &t->local, &t->lfd);
	if (port < 0)
		return agwd_errf(e, 510, "realm %s: no free port",
				 t->realm->cfg->name);
	t->port = (uint16_t)port;
	agw_sockaddr_set_port(&t->local, t->port);
	agw_addr_from_sockaddr(&t->local.ss, &t->local_addr, &t->port);
	if (listen(t->lfd, 4)) {
		int err = errno;

		close(t->lfd);
		t->lfd = -1;
		agw_portpool_release(&t->realm->ports, t->port);
		return agwd_errf(e, 500, "listen: %s", strerror(err));
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
		return agwd_errf(e, 510, "Local SDP does not fit (%d)", n);
	t->local_sdp_len = (uint32_t)n;
	return 0;
}

int agwd_term_open(struct agwd *d, struct agwd_term *t,
		   const struct agwd_media_req *mr, struct agw_sdp *local,
		   struct agw_sdp *remote, struct agwd_err *e)
{
	static const char def_sdp[] = "v=0\nc=IN IP4 $\nm=message $ TCP *\n";
	struct agw_allow rule;
	unsigned int nrule;
	enum agw_gate_mode mode;
	int r;

	t->lfd = t->cfd = -1;
	agw_timer_init(&t->conn_timer, on_connect_timeout, t);
	agw_timer_init(&t->hb_timer, on_term_heartbeat, t);
	t->p = mr->p;
	if ((r = parse_sdp(local,
			   mr->has_local ? mr->local :
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
	if (mr->estab && !t->has_remote)
		return agwd_errf(e, 441,
				 "tcpbcc/estab needs a Remote descriptor");
	if (mr->estab && t->setup == AGW_SDP_SETUP_ACTIVE)
		return agwd_errf(e, 473,
				 "tcpbcc/estab conflicts with the Remote's a=setup:active");
	if ((r = bind_local(d, t, local, e)))
		return r;
	if ((r = agwd_tls_open(d, t, mr, local,
			       mr->has_remote ? remote : NULL, e)) ||
	    (r = local_reply_sdp(t, local, e)))
		goto undo_port;
	mode = want_mode(&t->p, t->has_remote, &t->remote, &rule, &nrule);
	r = agw_gate_term_add(d->gate, &t->local_addr, t->port, mode);
	if (r) {
		r = agwd_errf(e, r == -ENOSPC ? 510 : 500,
			      "gate entry: %s", strerror(-r));
		goto undo_port;
	}
	t->gate_added = true;
	t->gmode = mode;
	if (mode == AGW_MODE_FILTER &&
	    (r = gate_apply(d, t, mode, &rule, nrule, e)))
		goto undo_gate;
	agw_evloop_add_fd(d->loop, &t->lev, t->lfd, EPOLLIN, on_accept, t);
	t->state = AGWD_TS_LISTENING;
	heartbeat_update(d, t);
	if (mr->estab)
		start_active_open(d, t);
	return 0;
undo_gate:
	agw_gate_term_del(d->gate, &t->local_addr, t->port);
	t->gate_added = false;
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
	struct agw_allow rule;
	unsigned int nrule;
	enum agw_gate_mode mode;

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
	if (mr->estab && !has_remote)
		return agwd_errf(e, 441,
				 "tcpbcc/estab needs a Remote descriptor");
	if (mr->estab && setup == AGW_SDP_SETUP_ACTIVE)
		return agwd_errf(e, 473,
				 "tcpbcc/estab conflicts with the Remote's a=setup:active");
	if ((r = agwd_tls_check_modify(d, t, mr, mr->has_remote ? remote : NULL,
				       &fps, &nfp, e)))
		return r;
	mode = want_mode(&mr->p, has_remote, &raddr, &rule, &nrule);
	if (t->gate_added && (r = gate_apply(d, t, mode, &rule, nrule, e)))
		return r;
	/* committed: nothing below fails */
	t->p = mr->p;
	t->remote = raddr;
	t->has_remote = has_remote;
	t->setup = setup;
	heartbeat_update(d, t);
	if (mr->estab && (t->state == AGWD_TS_LISTENING ||
			  t->state == AGWD_TS_FAILED))
		start_active_open(d, t);
	agwd_tls_modify(d, t, mr, &fps, nfp);
	return 0;
}

void agwd_term_stats(struct agwd *d, struct agwd_term *t, uint64_t oct[2],
		     uint64_t pkt[2], uint64_t syn[2])
{
	struct agw_gate_term_info gi;

	if (t->ctx)
		agwd_tls_harvest(d, t->ctx);
	if (t->ctx && t->ctx->relaying) {
		struct agw_relay_flow_stats st;

		if (!agw_relay_stats(d->relay, t->ctx->relay_id, &st))
			harvest(t->ctx, &st);
	}
	oct[0] = t->octets[0];
	oct[1] = t->octets[1];
	pkt[0] = t->packets[0];
	pkt[1] = t->packets[1];
	agwd_tcp_segs(t->cfd, pkt);
	syn[0] = syn[1] = 0;
	if (t->gate_added &&
	    !agw_gate_term_get(d->gate, &t->local_addr, t->port, &gi)) {
		syn[0] = gi.counters.syn_admitted;
		syn[1] = gi.counters.syn_dropped;
	}
}

/* Everything the termination holds goes back; the gate entry first. */
void agwd_term_close(struct agwd *d, struct agwd_term *t)
{
	agwd_tls_term_close(d, t);
	if (t->gate_added) {
		agw_gate_term_del(d->gate, &t->local_addr, t->port);
		t->gate_added = false;
	}
	agw_timer_stop(d->loop, &t->conn_timer);
	agw_timer_stop(d->loop, &t->hb_timer);
	if (t->lfd >= 0) {
		agw_evloop_del_fd(d->loop, &t->lev);
		close(t->lfd);
		t->lfd = -1;
	}
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
