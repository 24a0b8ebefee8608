// SPDX-License-Identifier: GPL-2.0-only
/*
 * tls_relay: one e2ae flow, driven the way agwd drives it. Takes the
 * UE's TCP connection (listening when the UE is a=setup:active, connecting
 * when passive), connects the plain core peer, runs the TLS handshake,
 * verifies the UE's certificate against fingerprints given up front
 * (--fp) or later on stdin, then hands the session and the core socket to
 * the relay engine (agw_relay_add_tls) until both sides close.
 *
 * Events go to stdout, one line each, prefixed "event: ", for tests:
 *   local-fingerprint, listening, accepted, handshake-done, verified,
 *   relay, tls-failure, done, rusage (the process's CPU time at exit).
 * Exit status: 0 relayed and closed cleanly, 2 TLS failure (the event the
 * MGC would get), 1 anything else.
 *
 * stdin lines (with --fp-stdin): "HASH VALUE [HASH VALUE...]", applied as
 * the expected set at once, like a Configure with a Remote descriptor.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/ssl.h>

#include "agw/relay.h"
#include "agw/tls.h"

#define MAX_FPS AGW_FP_SET_MAX

struct opts {
	const char *ue; /* host:port to listen on or connect to */
	const char *core; /* host:port */
	enum agw_setup ue_setup;
	const char *state_dir, *cert, *key;
	const char *port_file;
	const char *fp_hash[MAX_FPS], *fp_value[MAX_FPS];
	size_t n_fp;
	bool fp_stdin;
	int timeout;
	struct agw_tls_opts tls;
	enum agw_fp_hash local_hash;
};

struct flow {
	int ep;
	struct agw_tls_session *sess;
	struct agw_relay_engine *relay;
	int plain_fd;
	uint32_t reg_tls; /* events registered now */
	int tls_fd;
	bool done;
	int done_err;
};

static void usage(void)
{
	fprintf(stderr,
		"usage: tls_relay --ue-setup active|passive --ue HOST:PORT "
		"--core HOST:PORT\n"
		"  [--state-dir DIR | --cert PEM --key PEM] [--fp 'HASH HEX']...\n"
		"  [--fp-stdin] [--tls 1.2|1.3] [--no-ktls] [--ktls13-tx]\n"
		"  [--ciphers LIST]\n"
		"  [--local-hash sha-256] [--port-file F] [--timeout S]\n");
	exit(1);
}

static int parse_addr(const char *s, struct sockaddr_in *sa)
{
	char host[64];
	const char *colon = strrchr(s, ':');

	if (!colon || (size_t)(colon - s) >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)atoi(colon + 1));
	return inet_pton(AF_INET, host, &sa->sin_addr) == 1 ? 0 : -EINVAL;
}

static int set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	return fl < 0 ? -errno : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

static int tcp_connect(const char *addr)
{
	struct sockaddr_in sa;
	int fd, one = 1;

	if (parse_addr(addr, &sa))
		return -EINVAL;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = -errno;

		close(fd);
		return e;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	set_nonblock(fd);
	return fd;
}

static int tcp_accept_one(const struct opts *o)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int lfd, fd, one = 1;
	FILE *f;

	if (parse_addr(o->ue, &sa))
		return -EINVAL;
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0)
		return -errno;
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(lfd, 1) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&sa, &len) < 0) {
		fd = -errno;
		goto out;
	}
	printf("event: listening %s:%u\n", inet_ntoa(sa.sin_addr),
	       ntohs(sa.sin_port));
	if (o->port_file) {
		f = fopen(o->port_file, "w");
		if (f) {
			fprintf(f, "%u\n", ntohs(sa.sin_port));
			fclose(f);
		}
	}
	fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0) {
		fd = -errno;
		goto out;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	set_nonblock(fd);
	printf("event: accepted\n");
out:
	close(lfd);
	return fd;
}

static int parse_version(const char *v)
{
	if (!strcmp(v, "1.2"))
		return TLS1_2_VERSION;
	if (!strcmp(v, "1.3"))
		return TLS1_3_VERSION;
	usage();
	return 0;
}

static void add_fp(struct opts *o, char *attr)
{
	char *sp = strchr(attr, ' ');

	if (!sp || o->n_fp == MAX_FPS)
		usage();
	*sp = '\0';
	o->fp_hash[o->n_fp] = attr;
	o->fp_value[o->n_fp++] = sp + 1;
}

static void parse_opts(struct opts *o, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "ue", 1, NULL, 'u' },	       { "core", 1, NULL, 'c' },
		{ "ue-setup", 1, NULL, 's' },  { "state-dir", 1, NULL, 'd' },
		{ "cert", 1, NULL, 'C' },      { "key", 1, NULL, 'K' },
		{ "fp", 1, NULL, 'f' },	       { "fp-stdin", 0, NULL, 'F' },
		{ "tls", 1, NULL, 't' },       { "no-ktls", 0, NULL, 'n' },
		{ "ciphers", 1, NULL, 'x' },   { "port-file", 1, NULL, 'p' },
		{ "timeout", 1, NULL, 'T' },   { "local-hash", 1, NULL, 'H' },
		{ "ktls13-tx", 0, NULL, '3' }, { NULL, 0, NULL, 0 },
	};
	enum agw_fp_hash h;
	int c;

	o->timeout = 60;
	o->local_hash = AGW_FP_HASH_DEFAULT;
	o->ue_setup = AGW_SETUP_COUNT;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'u':
			o->ue = optarg;
			break;
		case 'c':
			o->core = optarg;
			break;
		case 's':
			if (agw_setup_from_name(optarg, &o->ue_setup))
				usage();
			break;
		case 'd':
			o->state_dir = optarg;
			break;
		case 'C':
			o->cert = optarg;
			break;
		case 'K':
			o->key = optarg;
			break;
		case 'f':
			add_fp(o, optarg);
			break;
		case 'F':
			o->fp_stdin = true;
			break;
		case 't':
			o->tls.min_version = o->tls.max_version =
				parse_version(optarg);
			break;
		case 'n':
			o->tls.no_ktls = true;
			break;
		case '3':
			o->tls.ktls13_tx = true;
			break;
		case 'x':
			o->tls.ciphers = optarg;
			o->tls.ciphersuites = optarg;
			break;
		case 'p':
			o->port_file = optarg;
			break;
		case 'T':
			o->timeout = atoi(optarg);
			break;
		case 'H':
			if (agw_fp_hash_from_name(optarg, strlen(optarg), &h))
				usage();
			o->local_hash = h;
			break;
		default:
			usage();
		}
	}
	if (!o->ue || !o->core || o->ue_setup == AGW_SETUP_COUNT ||
	    (!o->state_dir && !(o->cert && o->key)))
		usage();
	/* --ciphers names a 1.2 list or a 1.3 suite: keep only the kind
	 * the chosen version uses. */
	if (o->tls.ciphers && o->tls.max_version == TLS1_3_VERSION)
		o->tls.ciphers = NULL;
	else if (o->tls.ciphers)
		o->tls.ciphersuites = NULL;
}

static void ep_set(struct flow *fl, int fd, uint32_t *reg, uint32_t want)
{
	struct epoll_event ev = { .events = want, .data.fd = fd };

	if (*reg == want)
		return;
	/* Registered once with 0, then only modified. */
	epoll_ctl(fl->ep, EPOLL_CTL_MOD, fd, &ev);
	*reg = want;
}

static void on_relay_event(void *arg, uint64_t id, void *ctx,
			   enum agw_relay_event ev, int side, int err,
			   const struct agw_relay_flow_stats *st)
{
	struct flow *fl = arg;

	fl->done = true;
	fl->done_err = ev == AGW_RELAY_EV_CLOSED && !err ? 0 : -(err ?: EIO);
	if (err == EOPNOTSUPP)
		printf("event: relay-ended reason=peer sent KeyUpdate: kTLS "
		       "send cannot be rekeyed (TLS 1.3, OpenSSL 3.0); flow "
		       "cut\n");
	printf("event: done err=%d ev=%s side=%d tls_to_plain=%llu "
	       "plain_to_tls=%llu spliced_to_plain=%llu spliced_to_tls=%llu "
	       "control=%llu\n",
	       fl->done_err, agw_relay_event_name(ev), side,
	       (unsigned long long)st->dir[0].bytes,
	       (unsigned long long)st->dir[1].bytes,
	       (unsigned long long)(st->dir[0].bytes - st->dir[0].user_bytes),
	       (unsigned long long)(st->dir[1].bytes - st->dir[1].user_bytes),
	       (unsigned long long)st->tls_control);
}

static void print_peer(struct agw_tls_session *s, enum agw_fp_hash h)
{
	struct agw_fingerprint fp;
	char buf[AGW_FP_ATTR_MAX] = "none";

	if (!agw_tls_session_peer_fingerprint(s, h, &fp))
		agw_fp_format_attr(&fp, buf, sizeof(buf));
	printf("event: handshake-done version=%s cipher=%s peer=%s\n",
	       agw_tls_session_version(s), agw_tls_session_cipher(s), buf);
}

/* Apply "HASH VALUE [HASH VALUE...]" from a stdin line. */
static void apply_stdin_line(struct flow *fl, char *line)
{
	const char *hash[MAX_FPS], *value[MAX_FPS];
	char *save = NULL, *tok;
	size_t n = 0;

	line[strcspn(line, "\r\n")] = '\0';
	for (tok = strtok_r(line, " ", &save); tok && n < MAX_FPS;
	     tok = strtok_r(NULL, " ", &save)) {
		hash[n] = tok;
		value[n] = strtok_r(NULL, " ", &save);
		if (!value[n])
			value[n] = "";
		n++;
	}
	printf("event: fingerprints-given n=%zu\n", n);
	agw_tls_session_set_fingerprint_strs(fl->sess, hash, value, n);
}

static int start_relay(struct flow *fl)
{
	struct agw_relay_config cfg = {
		.no_bpf = true,
		.max_flows = 1,
		.on_event = on_relay_event,
		.arg = fl,
	};
	struct agw_relay_flow_stats st;
	uint64_t id;
	int ret;

	/* The session's socket leaves the handshake's epoll set first. */
	epoll_ctl(fl->ep, EPOLL_CTL_DEL, fl->tls_fd, NULL);
	ret = agw_relay_new(&cfg, &fl->relay);
	if (!ret)
		ret = agw_relay_add_tls(fl->relay, fl->sess, fl->plain_fd, NULL,
					&id);
	if (ret) {
		fprintf(stderr, "relay: %s\n", strerror(-ret));
		return ret;
	}
	fl->sess = NULL;
	fl->plain_fd = -1;
	agw_relay_stats(fl->relay, id, &st);
	printf("event: relay mode=%s reason=%s\n",
	       agw_relay_path_name(st.path) + 4, agw_relay_why_text(st.why));
	return 0;
}

static int run(struct opts *o, struct agw_tls_ctx *ctx)
{
	const struct agw_tls_role_rule *rule;
	struct flow fl = { .plain_fd = -1, .tls_fd = -1 };
	struct epoll_event ev = { 0 };
	time_t deadline = time(NULL) + o->timeout;
	bool stdin_open = o->fp_stdin;
	int fd, ret = 1;

	if (agw_tls_role_for_peer(o->ue_setup, &rule)) {
		fprintf(stderr, "a=setup:%s: %s\n", rule->peer_setup_name,
			rule->why);
		return 1;
	}
	fd = rule->agw_connects ? tcp_connect(o->ue) : tcp_accept_one(o);
	if (fd < 0) {
		fprintf(stderr, "UE connection: %s\n", strerror(-fd));
		return 1;
	}
	fl.tls_fd = fd;
	/* The core leg exists before the UE is verified, as in a call; the
	 * tests check that it carries nothing until then. */
	fl.plain_fd = tcp_connect(o->core);
	if (fl.plain_fd < 0) {
		fprintf(stderr, "core connection: %s\n",
			strerror(-fl.plain_fd));
		close(fd);
		return 1;
	}
	if (agw_tls_session_new(ctx, fd, rule->role, &fl.sess))
		goto out;
	if (o->n_fp)
		agw_tls_session_set_fingerprint_strs(fl.sess, o->fp_hash,
						     o->fp_value, o->n_fp);
	fl.ep = epoll_create1(EPOLL_CLOEXEC);
	ev.data.fd = fd;
	epoll_ctl(fl.ep, EPOLL_CTL_ADD, fd, &ev);
	if (stdin_open) {
		ev.events = EPOLLIN;
		ev.data.fd = 0;
		epoll_ctl(fl.ep, EPOLL_CTL_ADD, 0, &ev);
	}
	printf("event: role=%s\n", agw_tls_role_name(rule->role));

	enum agw_tls_state prev = AGW_TLS_HANDSHAKE;

	while (!fl.done) {
		struct epoll_event evs[4];
		int n, i, left = (int)(deadline - time(NULL));

		if (fl.sess) {
			enum agw_tls_state st = agw_tls_session_step(fl.sess);

			if (st != prev && prev == AGW_TLS_HANDSHAKE &&
			    st != AGW_TLS_FAILED)
				print_peer(fl.sess, o->local_hash);
			if (st != prev && st == AGW_TLS_AWAIT_FP)
				printf("event: awaiting-fingerprint\n");
			prev = st;
			if (st == AGW_TLS_FAILED) {
				printf("event: tls-failure kind=%s reason=%s\n",
				       agw_tls_failure_name(
					       agw_tls_session_failure(fl.sess)),
				       agw_tls_session_reason(fl.sess));
				ret = 2;
				goto out;
			}
			if (st == AGW_TLS_VERIFIED) {
				printf("event: verified\n");
				if (start_relay(&fl))
					goto out;
				continue;
			}
			ep_set(&fl, fd, &fl.reg_tls,
			       agw_tls_session_events(fl.sess));
		} else {
			if (agw_relay_dispatch(fl.relay, 100) < 0)
				break;
			if (time(NULL) < deadline)
				continue;
		}
		fflush(stdout);
		if (left <= 0) {
			printf("event: timeout\n");
			goto out;
		}
		n = epoll_wait(fl.ep, evs, 4, left * 1000);
		if (n < 0 && errno != EINTR)
			goto out;
		for (i = 0; i < n; i++) {
			char line[1024];
			ssize_t len;

			if (evs[i].data.fd != 0 || !fl.sess)
				continue;
			len = read(0, line, sizeof(line) - 1);
			if (len <= 0) {
				epoll_ctl(fl.ep, EPOLL_CTL_DEL, 0, NULL);
				continue;
			}
			line[len] = '\0';
			apply_stdin_line(&fl, line);
		}
	}
	ret = fl.done && !fl.done_err ? 0 : 1;
out:
	fflush(stdout);
	agw_relay_free(fl.relay);
	agw_tls_session_free(fl.sess);
	if (fl.plain_fd >= 0)
		close(fl.plain_fd);
	if (fl.ep > 0)
		close(fl.ep);
	return ret;
}

int main(int argc, char **argv)
{
	struct opts o = { 0 };
	struct agw_tls_cert *cert = NULL;
	struct agw_tls_ctx *ctx = NULL;
	struct agw_fingerprint fp;
	char buf[AGW_FP_ATTR_MAX];
	int ret;

	parse_opts(&o, argc, argv);
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	ret = o.state_dir ? agw_tls_cert_load_or_create(o.state_dir, &cert) :
			    agw_tls_cert_load(o.cert, o.key, &cert);
	if (ret) {
		fprintf(stderr, "certificate: %s\n", strerror(-ret));
		return 1;
	}
	if (agw_tls_cert_fingerprint(cert, o.local_hash, &fp) ||
	    agw_fp_format_attr(&fp, buf, sizeof(buf)) < 0)
		return 1;
	printf("event: local-fingerprint %s\n", buf);
	ret = agw_tls_ctx_new(cert, &o.tls, &ctx);
	if (ret) {
		fprintf(stderr, "TLS context: %s\n", strerror(-ret));
		agw_tls_cert_free(cert);
		return 1;
	}
	ret = run(&o, ctx);
	/* The process ends with the flow: its CPU use, for benchmarks. */
	{
		struct rusage ru;

		getrusage(RUSAGE_SELF, &ru);
		printf("event: rusage user_us=%lld sys_us=%lld\n",
		       (long long)ru.ru_utime.tv_sec * 1000000 +
			       ru.ru_utime.tv_usec,
		       (long long)ru.ru_stime.tv_sec * 1000000 +
			       ru.ru_stime.tv_usec);
	}
	agw_tls_ctx_free(ctx);
	agw_tls_cert_free(cert);
	return ret;
}
