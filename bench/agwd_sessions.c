// SPDX-License-Identifier: GPL-2.0-only
/*
 * The MGC of bench/agwd_sessions.sh: over UDP on loopback it registers
 * agwd, then sets up N sessions, each a context of two terminations:
 * Reserve (one transaction: two Adds with Local $, an MSRP stream each)
 * and Configure (one transaction: two Modifies with a Remote whose
 * a=setup:active says the peer connects, and gm/saf=ON: the gate admits
 * only the Remote's address), WINDOW sessions in flight. It writes the
 * two announced addresses of every session to TARGETS (the load
 * generator's --targets file), prints "ready" and waits for a line on
 * stdin; then it Releases every session (one transaction: two Subtracts,
 * whose replies carry the Statistics) and checks that each termination's
 * statistics count octets both ways (nt/os, nt/or above zero). Requests
 * from agwd (ServiceChange, Notify, AuditValue) are answered throughout;
 * each reply is acknowledged in the session's next request; a request
 * unanswered for 2 s is sent again (same transaction ID).
 *
 * agwd_sessions AGWD_PID N WINDOW TARGETS TAG
 * Output: "bench: TAG_NAME = VALUE UNIT" lines, "ready", "done".
 */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "bench_util.h"

#define MGC_PORT 2945
#define AGWD_PORT 2944
#define RESEND_S 2.0
#define PHASE_TIMEOUT_S 300.0

enum phase { PH_RESERVE, PH_CONFIGURE, PH_UP, PH_RELEASE, PH_DONE };

struct session {
	enum phase ph;
	uint32_t ctx, tid, ack;
	double sent;
	char term[2][48];
	char addr[2][48]; /* announced "IP:PORT" */
	uint64_t oct_sent[2],
		oct_rcvd[2]; /* Subtract statistics: nt/os, nt/or */
};

static int sock;
static struct sockaddr_in agwd_addr;
static uint32_t next_tid = 1;
static struct session *ss;
static uint32_t *owner; /* transaction ID -> session + 1 */
static size_t nowner;
static const char *tag;
static long retransmits, error_replies, notifies;
static bool phase_failed; /* an error reply to a Reserve or Configure */

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* agwd's resident memory, KiB */
static long rss_kb(int pid)
{
	return (long)(bench_proc_status_kb(pid, "VmRSS") / 1024);
}

static void send_text(const char *m, int len)
{
	if (len > 0)
		sendto(sock, m, (size_t)len, 0, (struct sockaddr *)&agwd_addr,
		       sizeof(agwd_addr));
}

/* The request of session i for its phase (tid kept when resending). */
static void send_req(uint32_t i, bool resend)
{
	static const char sdp_local[] =
		"v=0\nc=IN IP4 $\nm=message $ TCP/MSRP *\n";
	static const char sdp_remote[] = "v=0\nc=IN IP4 127.0.0.1\n"
					 "m=message 9 TCP/MSRP *\n"
					 "a=setup:active\n";
	struct session *s = &ss[i];
	char m[2048];
	int n;

	if (!resend) {
		s->tid = next_tid++;
		if (s->tid < nowner)
			owner[s->tid] = i + 1;
	}
	s->sent = now();
	n = snprintf(m, sizeof(m), "!/3 [127.0.0.1]:%d\n", MGC_PORT);
	if (s->ack)
		n += snprintf(m + n, sizeof(m) - (size_t)n, "K{%u}", s->ack);
	switch (s->ph) {
	case PH_RESERVE:
		n += snprintf(m + n, sizeof(m) - (size_t)n,
			      "T=%u{C=${A=ip/${M{ST=1{L{\n%s}}}},"
			      "A=ip/${M{ST=1{L{\n%s}}}}}}",
			      s->tid, sdp_local, sdp_local);
		break;
	case PH_CONFIGURE:
		n += snprintf(m + n, sizeof(m) - (size_t)n,
			      "T=%u{C=%u{MF=%s{M{ST=1{O{gm/saf=ON},R{\n%s}}}},"
			      "MF=%s{M{ST=1{O{gm/saf=ON},R{\n%s}}}}}}",
			      s->tid, s->ctx, s->term[0], sdp_remote,
			      s->term[1], sdp_remote);
		break;
	case PH_RELEASE:
		n += snprintf(m + n, sizeof(m) - (size_t)n,
			      "T=%u{C=%u{S=%s,S=%s}}", s->tid, s->ctx,
			      s->term[0], s->term[1]);
		break;
	default:
		return;
	}
	if (resend)
		retransmits++;
	send_text(m, n);
}

/* A number after KEY in [p, end), or -1. */
static long long num_after(const char *p, const char *end, const char *key)
{
	const char *q = strstr(p, key);

	if (!q || q >= end)
		return -1;
	return strtoll(q + strlen(key), NULL, 10);
}

/* Answer a request from agwd: ServiceChange, Notify, anything else. */
static void answer_request(const char *m)
{
	const char *t = strstr(m, "T=");
	const char *c, *nt;
	char out[512], term[64] = "ROOT";
	unsigned long tid;
	size_t k;
	int n;

	/* agwd's own requests may come in the long form */
	if (!t)
		t = strstr(m, "Transaction");
	if (!t || !(t = strpbrk(t, "0123456789")))
		return;
	tid = strtoul(t, NULL, 10);
	n = snprintf(out, sizeof(out), "!/3 [127.0.0.1]:%d P=%lu{", MGC_PORT,
		     tid);
	/* "C=12{N=ip/x/1" or "Context = 12 { Notify = ip/x/1" */
	c = strstr(t, "C=");
	if (!c)
		c = strstr(t, "Context");
	if (c)
		c = strpbrk(c, "0123456789");
	nt = strstr(t, "N=");
	if (!nt && (nt = strstr(t, "Notify")))
		nt = strchr(nt, '=');
	else if (nt)
		nt++;
	if (strstr(t, "SC=") || strstr(t, "ServiceChange")) {
		n += snprintf(out + n, sizeof(out) - (size_t)n,
			      "C=-{SC=ROOT{SV{V=3}}}}");
	} else if (nt && c) {
		nt++;
		nt += strspn(nt, " ");
		k = strcspn(nt, "{}, ");
		if (k < sizeof(term)) {
			memcpy(term, nt, k);
			term[k] = 0;
		}
		notifies++;
		n += snprintf(out + n, sizeof(out) - (size_t)n, "C=%lu{N=%s}}",
			      strtoul(c, NULL, 10), term);
	} else {
		n += snprintf(out + n, sizeof(out) - (size_t)n,
			      "C=-{AV=ROOT}}");
	}
	send_text(out, n);
}

/* Copy the token after "A=" (a termination ID) at p. */
static const char *term_at(const char *p, char *out, size_t size)
{
	size_t k = strcspn(p, "{},");

	if (k >= size)
		return NULL;
	memcpy(out, p, k);
	out[k] = 0;
	return p + k;
}

/* Reserve reply: the context, both terminations and their Local. */
static int parse_reserve(struct session *s, const char *p)
{
	const char *a[3], *c;
	char ip[40];
	int j;

	c = strstr(p, "C=");
	if (!c)
		return -1;
	s->ctx = (uint32_t)strtoul(c + 2, NULL, 10);
	a[0] = strstr(c, "A=");
	a[1] = a[0] ? strstr(a[0] + 2, "A=") : NULL;
	if (!a[1])
		return -1;
	a[2] = a[1] + strlen(a[1]);
	for (j = 0; j < 2; j++) {
		const char *ipp = strstr(a[j], "c=IN IP4 ");
		long long port;

		if (!term_at(a[j] + 2, s->term[j], sizeof(s->term[j])) ||
		    !ipp || ipp > a[j + 1] ||
		    sscanf(ipp + 9, "%39[0-9.]", ip) != 1)
			return -1;
		port = num_after(a[j], a[j + 1], "m=message ");
		if (port <= 0 || port > 65535)
			return -1;
		snprintf(s->addr[j], sizeof(s->addr[j]), "%s:%lld", ip, port);
	}
	return 0;
}

/* Subtract reply: each termination's octets sent and received. */
static void parse_release(struct session *s, const char *p)
{
	const char *t[3];
	int j;

	t[0] = strstr(p, "S=");
	t[1] = t[0] ? strstr(t[0] + 2, "S=") : NULL;
	if (!t[1])
		return;
	t[2] = t[1] + strlen(t[1]);
	for (j = 0; j < 2; j++) {
		long long sent = num_after(t[j], t[j + 1], "nt/os=");
		long long rcvd = num_after(t[j], t[j + 1], "nt/or=");

		s->oct_sent[j] = sent > 0 ? (uint64_t)sent : 0;
		s->oct_rcvd[j] = rcvd > 0 ? (uint64_t)rcvd : 0;
	}
}

static int recv_msg(char *buf, size_t size, int ms)
{
	struct pollfd pfd = { sock, POLLIN, 0 };
	ssize_t n;

	if (poll(&pfd, 1, ms) <= 0)
		return -1;
	n = recv(sock, buf, size - 1, 0);
	if (n < 0)
		return -1;
	buf[n] = 0;
	return (int)n;
}

/* One message from agwd: a request is answered; a reply moves its
 * session on. Returns the session whose phase ended + 1, or 0. */
static uint32_t handle(char *buf)
{
	const char *p = strstr(buf, "P=");
	struct session *s;
	uint32_t tid, i;
	bool err;

	if (!p) {
		if (strstr(buf, "T=") || strstr(buf, "Transaction"))
			answer_request(buf);
		return 0;
	}
	tid = (uint32_t)strtoul(p + 2, NULL, 10);
	if (tid >= nowner || !owner[tid])
		return 0;
	i = owner[tid] - 1;
	owner[tid] = 0;
	s = &ss[i];
	if (s->tid != tid)
		return 0;
	s->ack = tid;
	err = strstr(p, "ER=") != NULL;
	if (err && ++error_replies < 5)
		fprintf(stderr, "agwd_sessions: error reply: %.300s\n", buf);
	switch (s->ph) {
	case PH_RESERVE:
		if (err || parse_reserve(s, p)) {
			if (!err && ++error_replies < 5)
				fprintf(stderr,
					"agwd_sessions: reply not understood: "
					"%.300s\n",
					buf);
			phase_failed = true;
			return 0;
		}
		s->ph = PH_CONFIGURE;
		send_req(i, false);
		return 0;
	case PH_CONFIGURE:
		if (err) {
			phase_failed = true;
			return 0;
		}
		s->ph = PH_UP;
		return i + 1;
	case PH_RELEASE:
		if (!err)
			parse_release(s, p);
		s->ph = PH_DONE;
		return i + 1;
	default:
		return 0;
	}
}

/* Start sessions [0, n) in phase `from` (moving to `to` when done),
 * WINDOW in flight; resend what is unanswered. Returns the time taken,
 * or -1 when a phase did not finish in time. */
static double run_phase(uint32_t n, uint32_t window, enum phase from,
			enum phase to)
{
	static char buf[65536];
	double t0 = now(), last_scan = t0, t;
	uint32_t next = 0, done = 0, i;

	while (done < n) {
		while (next < n && next - done < window) {
			ss[next].ph = from;
			send_req(next++, false);
		}
		if (recv_msg(buf, sizeof(buf), 100) >= 0 && handle(buf))
			done++;
		t = now();
		if (phase_failed || t - t0 > PHASE_TIMEOUT_S)
			return -1;
		if (t - last_scan < 0.5)
			continue;
		last_scan = t;
		for (i = 0; i < next; i++)
			if (ss[i].ph != to && t - ss[i].sent > RESEND_S)
				send_req(i, true);
	}
	return now() - t0;
}

/* Answer agwd's requests until a line arrives on stdin. */
static void wait_stdin(void)
{
	struct pollfd pfd[2] = { { 0, POLLIN, 0 }, { sock, POLLIN, 0 } };
	char buf[8192], line[64];

	for (;;) {
		if (poll(pfd, 2, -1) < 0 && errno != EINTR)
			return;
		if (pfd[1].revents & POLLIN &&
		    recv_msg(buf, sizeof(buf), 0) >= 0)
			handle(buf);
		if (pfd[0].revents & (POLLIN | POLLHUP)) {
			if (!fgets(line, sizeof(line), stdin))
				return;
			return;
		}
	}
}

static void print(const char *name, double v, int prec, const char *unit)
{
	printf("bench: %s_%s = %.*f %s\n", tag, name, prec, v, unit);
}

int main(int argc, char **argv)
{
	struct sockaddr_in me = { .sin_family = AF_INET,
				  .sin_port = htons(MGC_PORT) };
	long rss0, rss1, rss2, rss3;
	uint32_t n, window, i, j, bad = 0;
	uint64_t octets = 0;
	double t_setup, t_release, end;
	char buf[8192];
	int pid, rcv = 8 << 20;
	FILE *fp;

	if (argc != 6)
		return 2;
	pid = atoi(argv[1]);
	n = (uint32_t)atoi(argv[2]);
	window = (uint32_t)atoi(argv[3]);
	tag = argv[5];
	if (pid <= 0 || !n || !window)
		return 2;
	inet_pton(AF_INET, "127.0.0.1", &me.sin_addr);
	agwd_addr = me;
	agwd_addr.sin_port = htons(AGWD_PORT);
	sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	setsockopt(sock, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	if (sock < 0 || bind(sock, (struct sockaddr *)&me, sizeof(me))) {
		perror("agwd_sessions: bind");
		return 1;
	}
	ss = calloc(n, sizeof(*ss));
	nowner = 4 * (size_t)n + 64;
	owner = calloc(nowner, sizeof(*owner));
	if (!ss || !owner)
		return 1;
	/* registration: agwd's ServiceChange */
	for (end = now() + 60;;) {
		if (now() > end) {
			fprintf(stderr,
				"agwd_sessions: agwd did not register\n");
			return 1;
		}
		if (recv_msg(buf, sizeof(buf), 1000) >= 0 &&
		    (strstr(buf, "SC=") || strstr(buf, "ServiceChange"))) {
			answer_request(buf);
			break;
		}
	}
	usleep(300000);
	while (recv_msg(buf, sizeof(buf), 100) >= 0)
		handle(buf);
	rss0 = rss_kb(pid);
	t_setup = run_phase(n, window, PH_RESERVE, PH_UP);
	if (t_setup < 0) {
		fprintf(stderr, "agwd_sessions: set-up failed (%s)\n",
			phase_failed ? "error reply" : "timeout");
		return 1;
	}
	rss1 = rss_kb(pid);
	fp = fopen(argv[4], "we");
	if (!fp)
		return 1;
	for (i = 0; i < n; i++)
		fprintf(fp, "%s %s\n", ss[i].addr[0], ss[i].addr[1]);
	if (fclose(fp))
		return 1;
	print("reserve_configure_s", t_setup, 3, "s");
	print("reserve_configure_rate", n / t_setup, 0, "sessions/s");
	print("rss_idle", (double)rss0, 0, "KiB");
	print("rss_reserved", (double)rss1, 0, "KiB");
	print("rss_per_session_reserved", (double)(rss1 - rss0) * 1024 / n, 0,
	      "B/session");
	printf("ready\n");
	fflush(stdout);
	wait_stdin();
	rss2 = rss_kb(pid);
	t_release = run_phase(n, window, PH_RELEASE, PH_DONE);
	if (t_release < 0) {
		fprintf(stderr, "agwd_sessions: release not done in %.0f s\n",
			PHASE_TIMEOUT_S);
		return 1;
	}
	usleep(300000);
	while (recv_msg(buf, sizeof(buf), 100) >= 0)
		handle(buf);
	rss3 = rss_kb(pid);
	for (i = 0; i < n; i++)
		for (j = 0; j < 2; j++) {
			bad += !ss[i].oct_sent[j] || !ss[i].oct_rcvd[j];
			octets += ss[i].oct_sent[j];
		}
	print("rss_relaying", (double)rss2, 0, "KiB");
	print("rss_per_session", (double)(rss2 - rss0) * 1024 / n, 0,
	      "B/session");
	print("rss_released", (double)rss3, 0, "KiB");
	print("release_s", t_release, 3, "s");
	print("release_rate", n / t_release, 0, "sessions/s");
	print("stats_missing", (double)bad, 0, "terminations");
	print("stats_octets_sent", (double)octets, 0, "B");
	print("error_replies", (double)error_replies, 0, "replies");
	print("retransmits", (double)retransmits, 0, "requests");
	print("notifies", (double)notifies, 0, "requests");
	printf("done\n");
	fflush(stdout);
	return bad || error_replies ? 3 : 0;
}
