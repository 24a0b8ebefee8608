// SPDX-License-Identifier: GPL-2.0-only
/*
 * e2ae TLS sessions benchmark: handshakes per CPU-second and memory per
 * established session of agw's TLS code as agwd uses it (one agw_tls_ctx
 * from agw's certificate; per connection an agw_tls_session with the
 * peer's fingerprint known up front, stepped from epoll; once VERIFIED the
 * TLS relay to the plain side), against HAProxy terminating the same TLS.
 * Two programs in one binary:
 *
 *   tls_sessions agw --role server|client --cert PEM --key PEM
 *       --peer-fp SHA256 --listen IP:PORT --to IP:PORT
 *     server: accepts TLS on --listen (agw is the TLS server, the UE
 *     connects), connects to the plain core at --to once the client's
 *     certificate matched, and relays. client: accepts plain connections
 *     on --listen (the core), connects to the TLS server at --to (agw is
 *     the TLS client, the UE listens) and relays once the server's
 *     certificate matched. Prints "ready"; on SIGTERM its counts.
 *
 *   tls_sessions load --role server|client --cert PEM --key PEM
 *       --target IP:PORT --serve IP:PORT --tag NAME --server-pid PID
 *       [--workers W] [--conc C] [--warmup S] [--seconds S] [--hold M]
 *       [--lport P --rport Q]
 *     The peers, in W processes. role server: C TLS clients in flight per
 *     worker (connect to --target, handshake with the UE's certificate,
 *     one byte echoed back through the relay by the plain core the workers
 *     run on --serve, close_notify, close). role client: C plain clients
 *     (connect to --target, one byte, echoed by the TLS server the workers
 *     run on --serve, which asks for the relay's certificate). Rate mode
 *     prints the sessions completed per second in the window, the relay's
 *     CPU (utime + stime of --server-pid) per second, and their quotient,
 *     handshakes per CPU-second (per core). --hold M sets up M sessions
 *     and keeps them: the relay's RSS growth, the buffers of its sockets
 *     (those with local port P or remote port Q, by sock_diag) and their
 *     kernel objects, per session.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/wait.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "agw/fingerprint.h"
#include "agw/relay.h"
#include "agw/tls.h"

/* The bench relays through the relay engine (agw_relay_add_tls), as agwd
 * does. */
#include "bench_net.h"
#include "bench_util.h"

#define MAX_WORKERS 16

static void die(const char *what, int err)
{
	fprintf(stderr, "tls_sessions: %s: %s\n", what, strerror(err));
	exit(1);
}

/* ------------------------------------------------------------------ */
/* agw: the relay under test                                          */

/* One connection pair: the TLS side (idx 0) and the plain side (idx 1). */
struct aconn {
	struct agw_tls_session *s;
	int fd[2];
	uint32_t ev[2]; /* registered events; 0 = not registered */
	bool connecting; /* the outgoing socket's connect is in progress */
	bool done, dead;
	struct aend {
		struct aconn *c;
		int idx;
	} end[2];
};

struct agw_run {
	struct agw_relay_engine *eng;
	struct agw_tls_ctx *ctx;
	struct agw_fp_set fps;
	enum agw_tls_role role;
	struct sockaddr_in to;
	int ep;
	uint64_t accepted, verified, relayed, failed, finished;
};

static void watch_fd(struct agw_run *a, struct aconn *c, int idx,
		     uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = &c->end[idx] };

	if (c->fd[idx] < 0 || c->ev[idx] == events)
		return;
	if (epoll_ctl(a->ep, c->ev[idx] ? EPOLL_CTL_MOD : EPOLL_CTL_ADD,
		      c->fd[idx], &ev) == 0)
		c->ev[idx] = events;
}

static void aconn_free(struct agw_run *a, struct aconn *c)
{
	int i;

	for (i = 0; i < 2; i++)
		if (c->fd[i] >= 0 && c->ev[i])
			epoll_ctl(a->ep, EPOLL_CTL_DEL, c->fd[i], NULL);
	agw_tls_session_free(c->s); /* its fd too */
	if (!c->s && c->fd[0] >= 0)
		close(c->fd[0]);
	if (c->fd[1] >= 0)
		close(c->fd[1]);
	free(c);
}

static void engine_event(void *arg, uint64_t id, void *ctx,
			 enum agw_relay_event ev, int side, int err,
			 const struct agw_relay_flow_stats *st)
{
	(void)arg;
	(void)id;
	(void)ctx;
	(void)ev;
	(void)side;
	(void)err;
	(void)st;
}

/* The engine takes the session and the plain socket and watches both. */
static void start_relay(struct agw_run *a, struct aconn *c)
{
	int i;

	for (i = 0; i < 2; i++) {
		if (c->ev[i])
			epoll_ctl(a->ep, EPOLL_CTL_DEL, c->fd[i], NULL);
		c->ev[i] = 0;
	}
	c->done = true;
	if (agw_relay_add_tls(a->eng, c->s, c->fd[1], NULL, NULL) < 0) {
		a->failed++; /* both still ours: freed with c */
		return;
	}
	a->relayed++;
	c->s = NULL;
	c->fd[0] = c->fd[1] = -1;
}

/* Drive the session; once VERIFIED: relay (client) or connect the core. */
static void session_step(struct agw_run *a, struct aconn *c)
{
	enum agw_tls_state st = agw_tls_session_step(c->s);
	int fd;

	if (st == AGW_TLS_FAILED) {
		if (a->failed++ < 3)
			fprintf(stderr, "agw: session failed: %s\n",
				agw_tls_session_reason(c->s));
		c->done = true;
		return;
	}
	if (st != AGW_TLS_VERIFIED) {
		watch_fd(a, c, 0, agw_tls_session_events(c->s));
		return;
	}
	a->verified++;
	if (a->role == AGW_TLS_CLIENT) {
		start_relay(a, c);
		return;
	}
	fd = bench_connect(&a->to);
	if (fd < 0) {
		a->failed++;
		c->done = true;
		return;
	}
	c->fd[1] = fd;
	c->connecting = true;
	watch_fd(a, c, 0, EPOLLET);
	watch_fd(a, c, 1, EPOLLOUT);
}

static void tls_begin(struct agw_run *a, struct aconn *c)
{
	int ret = agw_tls_session_new(a->ctx, c->fd[0], a->role, &c->s);

	if (ret < 0) {
		c->fd[0] = -1; /* closed by the session */
		a->failed++;
		c->done = true;
		return;
	}
	/* The Remote's fingerprint known before the handshake (agwd: the
	 * MGC's Add or Modify came first), so a wrong one aborts it. */
	if (agw_tls_session_set_fingerprints(c->s, &a->fps) < 0) {
		a->failed++;
		c->done = true;
		return;
	}
	session_step(a, c);
}

static void on_event(struct agw_run *a, struct aend *e, uint32_t events)
{
	struct aconn *c = e->c;

	if (c->done)
		return;
	if (c->connecting && e->idx == (a->role == AGW_TLS_SERVER ? 1 : 0)) {
		c->connecting = false;
		if (bench_sock_err(c->fd[e->idx])) {
			a->failed++;
			c->done = true;
		} else if (a->role == AGW_TLS_SERVER) {
			start_relay(a, c);
		} else {
			tls_begin(a, c);
		}
		return;
	}
	if (c->s && e->idx == 0) {
		session_step(a, c);
		return;
	}
	/* the plain side before the relay: only a hang-up matters */
	if (events & (EPOLLHUP | EPOLLERR | EPOLLRDHUP))
		c->done = true;
}

static void on_accept(struct agw_run *a, int lfd)
{
	struct aconn *c;
	int fd, i;

	while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >=
	       0) {
		c = calloc(1, sizeof(*c));
		if (!c) {
			close(fd);
			continue;
		}
		a->accepted++;
		for (i = 0; i < 2; i++) {
			c->fd[i] = -1;
			c->end[i].c = c;
			c->end[i].idx = i;
		}
		if (a->role == AGW_TLS_SERVER) {
			c->fd[0] = fd;
			tls_begin(a, c);
		} else {
			c->fd[1] = fd;
			watch_fd(a, c, 1, EPOLLRDHUP | EPOLLET);
			c->fd[0] = bench_connect(&a->to);
			c->connecting = c->fd[0] >= 0;
			if (c->fd[0] < 0)
				c->done = true;
			else
				watch_fd(a, c, 0, EPOLLOUT);
		}
		if (c->done) {
			a->finished++;
			aconn_free(a, c);
		}
	}
}

/* epoll tags of the signal fd and the engine's fd (the listener: NULL) */
static char tag_signal;
static char tag_engine;

static int cmd_agw(int argc, char **argv)
{
	struct agw_run a = { .role = AGW_TLS_SERVER };
	struct agw_tls_cert *cert = NULL;
	struct agw_fingerprint fp;
	struct agw_fp_error fperr;
	struct sockaddr_in la;
	struct epoll_event ev, evs[256];
	const char *certf = NULL, *keyf = NULL, *fps = NULL;
	bool have_l = false, have_t = false, stop = false;
	struct aconn *dead[256];
	int i, n, lfd, sfd, ret, ndead = 0;

	for (i = 0; i + 1 < argc; i += 2) {
		const char *k = argv[i], *v = argv[i + 1];

		if (!strcmp(k, "--role"))
			a.role = !strcmp(v, "client") ? AGW_TLS_CLIENT :
							AGW_TLS_SERVER;
		else if (!strcmp(k, "--cert"))
			certf = v;
		else if (!strcmp(k, "--key"))
			keyf = v;
		else if (!strcmp(k, "--peer-fp"))
			fps = v;
		else if (!strcmp(k, "--listen"))
			have_l = !bench_parse_addr(v, &la);
		else if (!strcmp(k, "--to"))
			have_t = !bench_parse_addr(v, &a.to);
		else
			return 2;
	}
	if (i != argc || !certf || !keyf || !fps || !have_l || !have_t)
		return 2;
	bench_raise_nofile();
	signal(SIGPIPE, SIG_IGN);
	if (agw_fp_parse("sha-256", fps, &fp, &fperr) ||
	    agw_fp_set_add(&a.fps, &fp))
		die("--peer-fp", EINVAL);
	ret = agw_tls_cert_load(certf, keyf, &cert);
	if (ret < 0)
		die("certificate", -ret);
	/* agwd's context: the defaults, kTLS asked for (this kernel has
	 * none: the relay runs in user space) */
	ret = agw_tls_ctx_new(cert, NULL, &a.ctx);
	if (ret < 0)
		die("agw_tls_ctx_new", -ret);
	{
		struct agw_relay_config rc = { .max_flows = 8192,
					       .on_event = engine_event };

		ret = agw_relay_new(&rc, &a.eng);
		if (ret < 0)
			die("agw_relay_new", -ret);
	}
	a.ep = epoll_create1(EPOLL_CLOEXEC);
	lfd = bench_listen(&la, 4096, false);
	if (a.ep < 0 || lfd < 0)
		die("listen", lfd < 0 ? -lfd : errno);
	ev.events = EPOLLIN;
	ev.data.ptr = NULL;
	epoll_ctl(a.ep, EPOLL_CTL_ADD, lfd, &ev);
	sfd = bench_signalfd(a.ep, (epoll_data_t){ .ptr = &tag_signal });
	if (sfd < 0)
		die("signalfd", errno);
	ev.data.ptr = &tag_engine;
	if (epoll_ctl(a.ep, EPOLL_CTL_ADD, agw_relay_fd(a.eng), &ev) < 0)
		die("epoll_ctl", errno);
	printf("ready\n");
	fflush(stdout);
	while (!stop) {
		n = epoll_wait(a.ep, evs, 256, -1);
		if (n < 0 && errno != EINTR)
			die("epoll_wait", errno);
		for (i = 0; i < n; i++) {
			struct aend *e = evs[i].data.ptr;

			if (!e) {
				on_accept(&a, lfd);
			} else if ((void *)e == (void *)&tag_signal) {
				stop = true;
			} else if ((void *)e == (void *)&tag_engine) {
				agw_relay_dispatch(a.eng, 0);
			} else {
				on_event(&a, e, evs[i].events);
				/* freed after the batch: a later event of it
				 * may name the same connection */
				if (e->c->done && ndead < 256 && !e->c->dead) {
					e->c->dead = true;
					dead[ndead++] = e->c;
				}
			}
		}
		while (ndead) {
			a.finished++;
			aconn_free(&a, dead[--ndead]);
		}
	}
	fprintf(stderr,
		"agw: accepted=%" PRIu64 " verified=%" PRIu64
		" relayed=%" PRIu64 " failed=%" PRIu64 " finished=%" PRIu64
		"\n",
		a.accepted, a.verified, a.relayed, a.failed, a.finished);
	agw_relay_free(a.eng);
	agw_tls_ctx_free(a.ctx);
	agw_tls_cert_free(cert);
	return 0;
}

/* ------------------------------------------------------------------ */
/* load: the UEs and the core                                         */

enum pkind {
	K_TLS_CLIENT, /* role server: a UE opening TLS */
	K_ECHO, /* role server: the plain core, echoing */
	K_TLS_SERVER, /* role client: a UE accepting TLS, echoing */
	K_PLAIN_CLIENT, /* role client: the core opening a plain session */
};

enum pstate { P_CONNECT, P_HANDSHAKE, P_WAIT, P_HELD };

struct pconn {
	enum pkind kind;
	enum pstate st;
	int fd;
	SSL *ssl;
	uint64_t t0;
};

struct lres {
	uint64_t done, in_window, failed;
	uint64_t hist[BENCH_HIST_N]; /* session set-up time, ns */
	char err[160];
};

struct lshared {
	uint64_t go_ns, win_start_ns, win_end_ns;
	struct lres w[MAX_WORKERS];
};

struct lopts {
	bool client_role; /* the relay is TLS client */
	const char *cert, *key, *tag;
	struct sockaddr_in target, serve;
	int workers, conc, hold, server_pid, lport, rport;
	double warmup, seconds;
};

struct lworker {
	const struct lopts *o;
	struct lshared *sh;
	struct lres *r;
	SSL_CTX *ctx;
	int ep, lfd, cmd_fd, st_fd;
	int inflight, held, hold;
	bool go, stopped;
};

static int accept_any(X509_STORE_CTX *xs, void *arg)
{
	(void)xs;
	(void)arg;
	return 1;
}

static SSL_CTX *peer_ctx(const struct lopts *o, bool server)
{
	SSL_CTX *c =
		SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());

	if (!c || SSL_CTX_use_certificate_chain_file(c, o->cert) != 1 ||
	    SSL_CTX_use_PrivateKey_file(c, o->key, SSL_FILETYPE_PEM) != 1)
		return NULL;
	/* Full handshakes only: no tickets, no session cache. The peer's
	 * certificate is asked for (server) but not judged: the relay's
	 * work is what is measured. */
	SSL_CTX_set_min_proto_version(c, TLS1_3_VERSION);
	SSL_CTX_set_options(c, SSL_OP_NO_TICKET);
	SSL_CTX_set_num_tickets(c, 0);
	SSL_CTX_set_session_cache_mode(c, SSL_SESS_CACHE_OFF);
	if (server)
		SSL_CTX_set_verify(c, SSL_VERIFY_PEER, NULL);
	SSL_CTX_set_cert_verify_callback(c, accept_any, NULL);
	return c;
}

static void lw_fail(struct lworker *w, const char *what)
{
	snprintf(w->r->err, sizeof(w->r->err), "%s: %s", what, strerror(errno));
	if (write(w->st_fd, "E", 1) < 0) {
		/* the coordinator sees the exit */
	}
	exit(1);
}

/* The peers answer at once (no Nagle wait behind the handshake's last
 * flight); the relay's own sockets are as agw or HAProxy set them. */
static void p_nodelay(int fd)
{
	int one = 1;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

static void p_watch(struct lworker *w, struct pconn *p, uint32_t events,
		    bool add)
{
	struct epoll_event ev = { .events = events, .data.ptr = p };

	epoll_ctl(w->ep, add ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, p->fd, &ev);
}

static void p_close(struct lworker *w, struct pconn *p, bool ok)
{
	if (!ok)
		w->r->failed++;
	if (p->ssl) {
		if (ok)
			SSL_shutdown(p->ssl); /* close_notify, not waited for */
		SSL_free(p->ssl);
	}
	epoll_ctl(w->ep, EPOLL_CTL_DEL, p->fd, NULL);
	close(p->fd);
	if (p->kind == K_TLS_CLIENT || p->kind == K_PLAIN_CLIENT)
		w->inflight--;
	free(p);
}

/* A session is set up: the byte came back. */
static void p_done(struct lworker *w, struct pconn *p)
{
	uint64_t now = bench_now_ns();

	w->r->done++;
	if (now >= w->sh->win_start_ns && now < w->sh->win_end_ns) {
		w->r->in_window++;
		w->r->hist[bench_hist_idx(now - p->t0)]++;
	}
	if (w->hold) {
		p->st = P_HELD;
		p_watch(w, p, EPOLLRDHUP, false);
		w->inflight--;
		w->held++;
		return;
	}
	p_close(w, p, true);
}

static void p_open(struct lworker *w)
{
	struct pconn *p = calloc(1, sizeof(*p));

	if (!p)
		lw_fail(w, "calloc");
	p->kind = w->o->client_role ? K_PLAIN_CLIENT : K_TLS_CLIENT;
	p->t0 = bench_now_ns();
	p->fd = bench_connect(&w->o->target);
	if (p->fd < 0) {
		errno = -p->fd;
		lw_fail(w, "connect");
	}
	p->st = P_CONNECT;
	p_nodelay(p->fd);
	w->inflight++;
	p_watch(w, p, EPOLLOUT, true);
}

static void fill(struct lworker *w)
{
	while (w->go && !w->stopped && w->inflight < w->o->conc &&
	       (!w->hold || w->held + w->inflight < w->hold))
		p_open(w);
}

/* Handshake, then (a UE that connected) one byte out. */
static void p_tls(struct lworker *w, struct pconn *p)
{
	char b = 'p';
	int ret;

	if (p->st == P_HANDSHAKE) {
		ret = SSL_do_handshake(p->ssl);
		if (ret != 1) {
			switch (SSL_get_error(p->ssl, ret)) {
			case SSL_ERROR_WANT_READ:
				p_watch(w, p, EPOLLIN, false);
				return;
			case SSL_ERROR_WANT_WRITE:
				p_watch(w, p, EPOLLOUT, false);
				return;
			default:
				ERR_clear_error();
				p_close(w, p, false);
				return;
			}
		}
		p->st = P_WAIT;
		if (p->kind == K_TLS_CLIENT && SSL_write(p->ssl, &b, 1) != 1) {
			p_close(w, p, false);
			return;
		}
		p_watch(w, p, EPOLLIN, false);
	}
	/* P_WAIT: the echo (UE client), or the byte to echo (UE server) */
	ret = SSL_read(p->ssl, &b, 1);
	if (ret == 1) {
		if (p->kind == K_TLS_CLIENT) {
			p_done(w, p);
		} else if (SSL_write(p->ssl, &b, 1) != 1) {
			p_close(w, p, false);
		}
		return;
	}
	switch (SSL_get_error(p->ssl, ret)) {
	case SSL_ERROR_WANT_READ:
		return;
	case SSL_ERROR_ZERO_RETURN:
		p_close(w, p, p->kind == K_TLS_SERVER);
		return;
	default:
		ERR_clear_error();
		/* a UE server whose peer just closed: that is the end */
		p_close(w, p, p->kind == K_TLS_SERVER);
	}
}

static void p_plain(struct lworker *w, struct pconn *p)
{
	char buf[256];
	ssize_t n = recv(p->fd, buf, sizeof(buf), MSG_DONTWAIT);

	if (n > 0) {
		if (p->kind == K_ECHO) {
			if (send(p->fd, buf, (size_t)n, MSG_NOSIGNAL) != n)
				p_close(w, p, false);
		} else {
			p_done(w, p);
		}
		return;
	}
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	p_close(w, p, p->kind == K_ECHO);
}

static void p_event(struct lworker *w, struct pconn *p, uint32_t events)
{
	char b = 'p';

	if (p->st == P_HELD) {
		p_close(w, p, false); /* a held session ended */
		return;
	}
	if (p->st == P_CONNECT) {
		if (bench_sock_err(p->fd)) {
			p_close(w, p, false);
			return;
		}
		if (p->kind == K_PLAIN_CLIENT) {
			p->st = P_WAIT;
			if (send(p->fd, &b, 1, MSG_NOSIGNAL) != 1) {
				p_close(w, p, false);
				return;
			}
			p_watch(w, p, EPOLLIN, false);
			return;
		}
		p->ssl = SSL_new(w->ctx);
		if (!p->ssl || !SSL_set_fd(p->ssl, p->fd)) {
			p_close(w, p, false);
			return;
		}
		SSL_set_connect_state(p->ssl);
		p->st = P_HANDSHAKE;
	}
	(void)events;
	if (p->ssl)
		p_tls(w, p);
	else
		p_plain(w, p);
}

static void l_accept(struct lworker *w)
{
	struct pconn *p;
	int fd;

	while ((fd = accept4(w->lfd, NULL, NULL,
			     SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		p = calloc(1, sizeof(*p));
		if (!p)
			lw_fail(w, "calloc");
		p->fd = fd;
		p_nodelay(fd);
		p->kind = w->o->client_role ? K_TLS_SERVER : K_ECHO;
		p->st = P_WAIT;
		p_watch(w, p, EPOLLIN, true);
		if (p->kind == K_TLS_SERVER) {
			p->ssl = SSL_new(w->ctx);
			if (!p->ssl || !SSL_set_fd(p->ssl, fd)) {
				p_close(w, p, false);
				continue;
			}
			SSL_set_accept_state(p->ssl);
			p->st = P_HANDSHAKE;
			p_tls(w, p);
		}
	}
}

#define LTAG_LISTEN ((void *)1)
#define LTAG_CMD ((void *)2)

static void lworker_main(const struct lopts *o, struct lshared *sh, int g,
			 int cmd_fd, int st_fd)
{
	struct lworker w = { .o = o, .sh = sh, .r = &sh->w[g] };
	struct epoll_event ev = { .events = EPOLLIN }, evs[256];
	bool up = false;
	char cmd;
	int i, n;

	w.cmd_fd = cmd_fd;
	w.st_fd = st_fd;
	if (o->hold)
		w.hold = o->hold / o->workers + (g < o->hold % o->workers);
	w.ctx = peer_ctx(o, o->client_role);
	if (!w.ctx)
		lw_fail(&w, "SSL_CTX (certificate, key)");
	w.ep = epoll_create1(EPOLL_CLOEXEC);
	w.lfd = bench_listen(&o->serve, 4096, true);
	if (w.ep < 0 || w.lfd < 0) {
		errno = w.lfd < 0 ? -w.lfd : errno;
		lw_fail(&w, "listen");
	}
	ev.data.ptr = LTAG_LISTEN;
	epoll_ctl(w.ep, EPOLL_CTL_ADD, w.lfd, &ev);
	ev.data.ptr = LTAG_CMD;
	epoll_ctl(w.ep, EPOLL_CTL_ADD, cmd_fd, &ev);
	if (write(st_fd, "L", 1) != 1)
		exit(1);
	for (;;) {
		n = epoll_wait(w.ep, evs, 256, 50);
		if (n < 0 && errno != EINTR)
			lw_fail(&w, "epoll_wait");
		for (i = 0; i < n; i++) {
			void *t = evs[i].data.ptr;

			if (t == LTAG_LISTEN) {
				l_accept(&w);
			} else if (t == LTAG_CMD) {
				if (read(cmd_fd, &cmd, 1) != 1 || cmd == 'Q')
					exit(0);
				w.go = cmd == 'G';
			} else {
				p_event(&w, t, evs[i].events);
			}
		}
		if (!w.hold && w.go && !w.stopped &&
		    bench_now_ns() >= sh->win_end_ns) {
			w.stopped = true;
			if (write(st_fd, "D", 1) != 1)
				exit(1);
		}
		fill(&w);
		if (w.hold && !up && w.held >= w.hold) {
			up = true;
			if (write(st_fd, "U", 1) != 1)
				exit(1);
		}
	}
}

static double server_cpu(const struct lopts *o)
{
	return bench_cpu_pid(o->server_pid, NULL, 0);
}

static int l_rate(const struct lopts *o, struct lshared *sh, const int *cmd,
		  const int *st)
{
	static uint64_t hist[BENCH_HIST_N];
	uint64_t n = 0, failed = 0;
	double c0, c1;
	int g, i, bad;

	sh->go_ns = bench_now_ns();
	sh->win_start_ns = sh->go_ns + (uint64_t)(o->warmup * 1e9);
	sh->win_end_ns = sh->win_start_ns + (uint64_t)(o->seconds * 1e9);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (bench_tell_workers(o->workers, cmd, 'G'))
		return -1;
	bench_sleep_until(sh->win_start_ns);
	c0 = server_cpu(o);
	bench_sleep_until(sh->win_end_ns);
	c1 = server_cpu(o);
	if (bench_wait_workers(st, o->workers, 'D', 30, &bad))
		return -1;
	for (g = 0; g < o->workers; g++) {
		n += sh->w[g].in_window;
		failed += sh->w[g].failed;
		for (i = 0; i < BENCH_HIST_N; i++)
			hist[i] += sh->w[g].hist[i];
	}
	if (!n || c1 <= c0) {
		fprintf(stderr,
			"tls_sessions: %s: %" PRIu64 " sessions, %.2f CPU-s: "
			"nothing measured\n",
			o->tag, n, c1 - c0);
		return -1;
	}
	bench_print(o->tag, "hs_rate", (double)n / o->seconds, 0, "handshakes/s");
	bench_print(o->tag, "cpu", (c1 - c0) / o->seconds, 3, "CPU-s/s");
	bench_print(o->tag, "hs_per_cpu_s", (double)n / (c1 - c0), 0,
		"handshakes/CPU-s");
	bench_print(o->tag, "setup_p50", bench_hist_quantile(hist, 0.5) / 1e6, 2, "ms");
	if (failed)
		bench_print(o->tag, "failed", (double)failed, 0, "sessions");
	return 0;
}

static int l_hold(const struct lopts *o, struct lshared *sh, const int *cmd,
		  const int *st)
{
	uint64_t rss0, rss1;
	struct bench_kbuf kb;
	double n = o->hold;
	int bad;

	rss0 = bench_proc_status_kb(o->server_pid, "VmRSS");
	sh->win_start_ns = sh->win_end_ns = ~0ULL;
	if (bench_tell_workers(o->workers, cmd, 'G'))
		return -1;
	if (bench_wait_workers(st, o->workers, 'U', 120, &bad))
		return -1;
	bench_sleep_until(bench_now_ns() + 500000000ULL);
	rss1 = bench_proc_status_kb(o->server_pid, "VmRSS");
	if (bench_sock_buffers(o->lport, o->rport, &kb) < 0)
		return -1;
	bench_print(o->tag, "mem",
		((double)(rss1 - rss0) + (double)kb.charged +
		 (double)kb.socks * (double)bench_kobj_per_socket()) /
			n,
		0, "B/session");
	bench_print(o->tag, "mem_user", (double)(rss1 - rss0) / n, 0, "B/session");
	bench_print(o->tag, "mem_kbuf", (double)kb.charged / n, 0, "B/session");
	bench_print(o->tag, "mem_kobj",
		(double)kb.socks * (double)bench_kobj_per_socket() / n, 0,
		"B/session");
	bench_print(o->tag, "sockets", (double)kb.socks, 0, "sockets");
	return 0;
}

struct load_worker_arg {
	const struct lopts *o;
	struct lshared *sh;
};

static void load_worker(int g, int cmd_fd, int st_fd, void *arg)
{
	struct load_worker_arg *a = arg;

	lworker_main(a->o, a->sh, g, cmd_fd, st_fd);
}

static int cmd_load(int argc, char **argv)
{
	struct lopts o = { .workers = 2, .conc = 16, .warmup = 1, .seconds = 4 };
	int cmd[MAX_WORKERS], st[MAX_WORKERS], g, i, ret, bad;
	struct load_worker_arg la;
	bool have_t = false, have_s = false;
	pid_t pids[MAX_WORKERS];
	struct lshared *sh;

	for (i = 0; i + 1 < argc; i += 2) {
		const char *k = argv[i], *v = argv[i + 1];

		if (!strcmp(k, "--role"))
			o.client_role = !strcmp(v, "client");
		else if (!strcmp(k, "--cert"))
			o.cert = v;
		else if (!strcmp(k, "--key"))
			o.key = v;
		else if (!strcmp(k, "--target"))
			have_t = !bench_parse_addr(v, &o.target);
		else if (!strcmp(k, "--serve"))
			have_s = !bench_parse_addr(v, &o.serve);
		else if (!strcmp(k, "--tag"))
			o.tag = v;
		else if (!strcmp(k, "--server-pid"))
			o.server_pid = atoi(v);
		else if (!strcmp(k, "--workers"))
			o.workers = atoi(v);
		else if (!strcmp(k, "--conc"))
			o.conc = atoi(v);
		else if (!strcmp(k, "--warmup"))
			o.warmup = atof(v);
		else if (!strcmp(k, "--seconds"))
			o.seconds = atof(v);
		else if (!strcmp(k, "--hold"))
			o.hold = atoi(v);
		else if (!strcmp(k, "--lport"))
			o.lport = atoi(v);
		else if (!strcmp(k, "--rport"))
			o.rport = atoi(v);
		else
			return 2;
	}
	if (i != argc || !have_t || !have_s || !o.cert || !o.key || !o.tag ||
	    o.server_pid <= 0 || o.workers < 1 || o.workers > MAX_WORKERS ||
	    o.conc < 1 || o.seconds <= 0 || o.hold < 0)
		return 2;
	bench_raise_nofile();
	signal(SIGPIPE, SIG_IGN);
	sh = bench_shared_new(sizeof(*sh));
	if (!sh)
		die("mmap", errno);
	sh->win_start_ns = sh->win_end_ns = ~0ULL;
	la.o = &o;
	la.sh = sh;
	if (bench_fork_workers(o.workers, load_worker, &la, pids, cmd, st))
		die("fork", errno);
	ret = bench_wait_workers(st, o.workers, 'L', 10, &bad);
	if (!ret)
		ret = o.hold ? l_hold(&o, sh, cmd, st) :
			       l_rate(&o, sh, cmd, st);
	if (ret) {
		for (g = 0; g < o.workers; g++)
			if (sh->w[g].err[0])
				fprintf(stderr, "tls_sessions: worker %d: %s\n",
					g, sh->w[g].err);
	}
	bench_stop_workers(o.workers, pids, cmd, !ret);
	return ret ? 1 : 0;
}

int main(int argc, char **argv)
{
	static const struct bench_cmd cmds[] = {
		{ "agw", cmd_agw },
		{ "load", cmd_load },
	};

	return bench_main(
		argc, argv, cmds, sizeof(cmds) / sizeof(cmds[0]),
		"usage: tls_sessions agw --role server|client --cert PEM "
		"--key PEM --peer-fp SHA256 --listen IP:PORT --to "
		"IP:PORT\n"
		"       tls_sessions load --role server|client --cert PEM "
		"--key PEM --target IP:PORT --serve IP:PORT --tag NAME "
		"--server-pid PID [--workers W] [--conc C] [--warmup S] "
		"[--seconds S] [--hold M --lport P --rport Q]\n");
}
