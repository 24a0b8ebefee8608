// SPDX-License-Identifier: GPL-2.0-only
/*
 * Load generator for bench/agwd_calls.sh: an MGC on UDP that registers
 * agwd and drives Reserve (Add with Local $) + Configure (Modify with
 * Remote) + Release (Subtract) call cycles with N calls in flight,
 * acknowledging replies (TransactionResponseAck) in the next request.
 * Replies are read up to 64 at a time (recvmmsg) and the requests that
 * follow them go out together (sendmmsg), so that the generator costs
 * little next to agwd on a shared machine.
 * Then it reserves HOLD terminations and reads agwd's RSS before and
 * after. It also measures the codec alone on the same messages (decode
 * the request, encode a reply) as the reference rate.
 *
 * agwd_calls AGWD_PID CALLS SECONDS HOLD [OPTION...]
 * Options: no-ack (never send TransactionResponseAck: agwd's reply cache
 * then fills and evicts), calls-only (no codec rate, no hold; a call
 * whose reply does not come within 2 s is counted as a timeout and
 * started again instead of ending the run), timeline (a line "tl T N" per
 * 100 ms: T the CLOCK_MONOTONIC start of the bin, N the transactions
 * completed in it).
 * Output: "bench: NAME = VALUE UNIT" lines; agwd_tps_per_core is the
 * transactions per CPU-second agwd used (user + system time from
 * /proc/PID/stat, which includes the loopback delivery its sends do).
 */
#include <errno.h>
#include <stdbool.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "agw/h248.h"

#define MGC_PORT 2945
#define AGWD_PORT 2944

struct call {
	int phase; /* 0 Add, 1 Modify, 2 Subtract */
	double sent; /* when its current request went out */
	uint32_t ctx, tid, ack;
	char term[48];
};

static int sock;
static struct sockaddr_in agwd_addr;
static uint32_t next_tid = 1;
static bool no_ack, calls_only, timeline;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int build(struct call *c, int i, char *out, size_t size);

static void send_msg(const char *m, size_t len)
{
	sendto(sock, m, len, 0, (struct sockaddr *)&agwd_addr,
	       sizeof(agwd_addr));
}

/* The requests that answer one batch of replies go out in one sendmmsg,
 * as an MGC with many calls would send them. */
#define BATCH 64
#define MSG_MAX 1024
static char out_buf[BATCH][MSG_MAX];
static struct iovec out_iov[BATCH];
static struct mmsghdr out_mm[BATCH];
static int nout;

static void out_flush(void)
{
	int i = 0;

	while (i < nout) {
		int n = sendmmsg(sock, out_mm + i, nout - i, 0);

		if (n <= 0)
			break;
		i += n;
	}
	nout = 0;
}

static char *out_slot(void)
{
	if (nout == BATCH)
		out_flush();
	return out_buf[nout];
}

static void out_commit(int len)
{
	out_iov[nout] = (struct iovec){ out_buf[nout], (size_t)len };
	out_mm[nout].msg_hdr = (struct msghdr){
		.msg_name = &agwd_addr,
		.msg_namelen = sizeof(agwd_addr),
		.msg_iov = &out_iov[nout],
		.msg_iovlen = 1,
	};
	nout++;
}

static void send_call(struct call *c, int i)
{
	char *m = out_slot();

	out_commit(build(c, i, m, MSG_MAX));
}

/* transaction ID -> call (IDs are sequential: no two calls in flight
 * share a slot while fewer than OWNER_SLOTS transactions are) */
#define OWNER_SLOTS 65536
static uint32_t owner[OWNER_SLOTS];

static int build(struct call *c, int i, char *out, size_t size)
{
	int n = snprintf(out, size, "!/3 [127.0.0.1]:%d\n", MGC_PORT);

	if (c->ack && !no_ack)
		n += snprintf(out + n, size - n, "K{%u}", c->ack);
	c->tid = next_tid++;
	owner[c->tid % OWNER_SLOTS] = (uint32_t)i;
	c->sent = now();
	switch (c->phase) {
	case 0:
		return n + snprintf(out + n, size - n,
				    "T=%u{C=${A=ip/${M{ST=1{L{\n"
				    "v=0\nc=IN IP4 $\nm=message $ TCP/MSRP *\n"
				    "}}}}}}",
				    c->tid);
	case 1:
		return n + snprintf(out + n, size - n,
				    "T=%u{C=%u{MF=%s{M{ST=1{O{tcpbcc/synign=OFF,"
				    "gm/saf=ON},R{\nv=0\nc=IN IP4 192.0.2.%d\n"
				    "m=message %d TCP/MSRP *\n}}}}}}",
				    c->tid, c->ctx, c->term, 1 + i % 250,
				    10000 + i % 50000);
	default:
		return n + snprintf(out + n, size - n, "T=%u{C=%u{S=%s}}",
				    c->tid, c->ctx, c->term);
	}
}

/* Reply parts: P=tid / Reply = tid, C=ctx, A=term; error → -1. */
static int parse_reply(const char *m, uint32_t *tid, uint32_t *ctx,
		       char *term, size_t tsize)
{
	const char *p = strstr(m, "P=");
	const char *c, *a;

	if (!p)
		return -2;
	*tid = strtoul(p + 2, NULL, 10);
	if (strstr(m, "ER="))
		return -1;
	c = strstr(p, "C=");
	if (c)
		*ctx = strtoul(c + 2, NULL, 10);
	a = strstr(p, "A=");
	if (a && term) {
		size_t n = strcspn(a + 2, "{}");

		if (n >= tsize)
			return -1;
		memcpy(term, a + 2, n);
		term[n] = 0;
	}
	return 0;
}

/* agwd's CPU time (user + system, its threads included), seconds. */
static double cpu_s(int pid)
{
	unsigned long ut = 0, st = 0;
	char path[64], buf[1024], *p;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	/* after "(comm)": state is field 3, utime 14, stime 15 */
	p = strrchr(buf, ')');
	if (!p ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
		   &ut, &st) != 2)
		return -1;
	return (ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static long rss_kb(int pid)
{
	char path[64], line[256];
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "VmRSS:", 6))
			kb = atol(line + 6);
	fclose(f);
	return kb;
}

/* Answer ServiceChange and AuditValue (heartbeat) requests from agwd. */
static void answer_request(const char *m)
{
	const char *t = strstr(m, "T=");
	char out[256];
	int n;

	if (!t)
		t = strstr(m, "Transaction = ");
	if (!t)
		return;
	t = strpbrk(t, "0123456789");
	if (strstr(m, "ServiceChange") || strstr(m, "SC="))
		n = snprintf(out, sizeof(out),
			     "!/3 [127.0.0.1]:%d P=%lu{C=-{SC=ROOT{SV{V=3}}}}",
			     MGC_PORT, strtoul(t, NULL, 10));
	else
		n = snprintf(out, sizeof(out),
			     "!/3 [127.0.0.1]:%d P=%lu{C=-{AV=ROOT}}",
			     MGC_PORT, strtoul(t, NULL, 10));
	send_msg(out, n);
}

static int recv_one(char *buf, size_t size, int ms)
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

/* Up to BATCH datagrams after waiting ms for the first; how many. */
static char in_buf[BATCH][8192];
static struct iovec in_iov[BATCH];
static struct mmsghdr in_mm[BATCH];

static int recv_batch(int ms)
{
	struct pollfd pfd = { sock, POLLIN, 0 };
	int n;

	if (poll(&pfd, 1, ms) <= 0)
		return -1;
	for (int i = 0; i < BATCH; i++) {
		in_iov[i] = (struct iovec){ in_buf[i], sizeof(in_buf[i]) - 1 };
		in_mm[i].msg_hdr = (struct msghdr){ .msg_iov = &in_iov[i],
						    .msg_iovlen = 1 };
	}
	n = recvmmsg(sock, in_mm, BATCH, MSG_DONTWAIT, NULL);
	if (n <= 0)
		return -1;
	for (int i = 0; i < n; i++)
		in_buf[i][in_mm[i].msg_len] = 0;
	return n;
}

static int wait_registration(void)
{
	char buf[4096];
	double end = now() + 60;

	while (now() < end) {
		if (recv_one(buf, sizeof(buf), 1000) < 0)
			continue;
		if (strstr(buf, "ServiceChange") || strstr(buf, "SC=")) {
			answer_request(buf);
			return 0;
		}
	}
	return -1;
}

static double codec_rate(void)
{
	static char mem[65536];
	const char *req =
		"!/3 [127.0.0.1]:2945\nT=1{C=${A=ip/${M{ST=1{L{\nv=0\n"
		"c=IN IP4 $\nm=message $ TCP/MSRP *\n}}}}}}";
	struct h248_mid mid = { H248_MID_IP4, true, 2944,
				{ "127.0.0.1", 9 } };
	const char *sdp = "v=0\nc=IN IP4 127.0.0.1\nm=message 20000 TCP/MSRP *\n";
	struct h248_arena a;
	struct h248_message *m, *r;
	struct h248_error e;
	long n = 0;
	double t0 = now(), t;
	char out[2048];

	h248_arena_init(&a, mem, sizeof(mem));
	do {
		for (int i = 0; i < 1000; i++, n++) {
			struct h248_transaction *tr;
			struct h248_action *act;
			struct h248_command *c;
			struct h248_node *md, *st, *l;

			h248_arena_reset(&a);
			if (h248_decode(req, strlen(req), NULL, &a, &m, &e))
				return -1;
			r = h248_build_message(&a, 3, &mid);
			tr = h248_build_transaction(&a, r, H248_TR_REPLY, 1);
			act = h248_build_action(&a, tr, H248_CTX_ID, 1);
			c = h248_build_command(&a, act, H248_CMD_ADD,
					       H248_STR("ip/default/1"));
			md = h248_build_node(&a, &c->desc, H248_KW_MEDIA,
					     H248_STR(""));
			st = h248_build_node(&a, &md->child, H248_KW_STREAM,
					     H248_STR(""));
			h248_build_value(&a, st, H248_OP_EQ, H248_STR("1"),
					 false);
			l = h248_build_node(&a, &st->child, H248_KW_LOCAL,
					    H248_STR(""));
			h248_build_body(l, (struct h248_str){
						   sdp, (uint32_t)strlen(sdp) });
			if (h248_encode(r, H248_ENC_COMPACT, out,
					sizeof(out)) < 0)
				return -1;
		}
		t = now();
	} while (t - t0 < 2);
	h248_arena_release(&a);
	return n / (t - t0);
}

int main(int argc, char **argv)
{
	int pid, ncalls, hold;
	double secs, t0, t1, codec, cpu0, cpu1;
	struct sockaddr_in me = { .sin_family = AF_INET,
				  .sin_port = htons(MGC_PORT) };
	struct call *calls;
	char buf[8192], msg[1024];
	long txns = 0, errors = 0, timeouts = 0, rss0, rss1, bin_n = 0;
	double bin_t, scan_t = 0;

	if (argc < 5)
		return 2;
	for (int i = 5; i < argc; i++) {
		if (!strcmp(argv[i], "no-ack"))
			no_ack = true;
		else if (!strcmp(argv[i], "calls-only"))
			calls_only = true;
		else if (!strcmp(argv[i], "timeline"))
			timeline = true;
		else
			return 2;
	}
	pid = atoi(argv[1]);
	ncalls = atoi(argv[2]);
	secs = atof(argv[3]);
	hold = atoi(argv[4]);
	inet_pton(AF_INET, "127.0.0.1", &me.sin_addr);
	agwd_addr = me;
	agwd_addr.sin_port = htons(AGWD_PORT);
	sock = socket(AF_INET, SOCK_DGRAM, 0);
	int rcv = 8 << 20;
	/* past net.core.rmem_max as root: replies come in bursts */
	if (setsockopt(sock, SOL_SOCKET, SO_RCVBUFFORCE, &rcv, sizeof(rcv)))
		setsockopt(sock, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	if (bind(sock, (struct sockaddr *)&me, sizeof(me))) {
		perror("bind");
		return 1;
	}
	if (wait_registration()) {
		fprintf(stderr, "agwd did not register\n");
		return 1;
	}
	calls = calloc(ncalls > hold ? ncalls : hold, sizeof(*calls));
	usleep(200000);
	t0 = now();
	cpu0 = cpu_s(pid);
	bin_t = t0;
	for (int i = 0; i < ncalls; i++)
		send_call(&calls[i], i);
	out_flush();
	for (t1 = now(); t1 - t0 < secs; t1 = now()) {
		int nb;

		while (timeline && t1 - bin_t >= 0.1) {
			printf("tl %.6f %ld\n", bin_t, bin_n);
			bin_t += 0.1;
			bin_n = 0;
		}
		if (calls_only && t1 - scan_t >= 0.1) {
			/* a request unanswered for 2 s: a timeout; the call
			 * goes on with a new transaction */
			scan_t = t1;
			for (int i = 0; i < ncalls; i++) {
				if (t1 - calls[i].sent < 2)
					continue;
				timeouts++;
				if (timeouts < 5)
					fprintf(stderr, "timeout: T=%u\n",
						calls[i].tid);
				if (calls[i].phase == 1)
					calls[i].phase = 2;
				send_call(&calls[i], i);
			}
			out_flush();
		}
		nb = recv_batch(calls_only ? 100 : 2000);
		if (nb < 0) {
			if (!calls_only) {
				fprintf(stderr, "no reply for 2 s\n");
				return 1;
			}
			continue;
		}
		for (int b = 0; b < nb; b++) {
			char *m = in_buf[b];
			uint32_t tid = 0, ctx = 0;
			int r, i;

			if (strstr(m, "T=") && !strstr(m, "P=")) {
				answer_request(m);
				continue;
			}
			r = parse_reply(m, &tid, &ctx, NULL, 0);
			if (r == -2)
				continue;
			/* the call by its transaction ID */
			i = (int)owner[tid % OWNER_SLOTS];
			if (i >= ncalls || calls[i].tid != tid)
				continue;
			txns++;
			bin_n++;
			if (r) {
				errors++;
				if (errors < 5)
					fprintf(stderr, "error reply: %.300s\n",
						m);
				calls[i].phase = calls[i].phase == 0 ? 0 : 2;
			} else if (calls[i].phase == 0) {
				parse_reply(m, &tid, &calls[i].ctx,
					    calls[i].term,
					    sizeof(calls[i].term));
				calls[i].phase = 1;
			} else {
				calls[i].phase = (calls[i].phase + 1) % 3;
			}
			calls[i].ack = tid;
			send_call(&calls[i], i);
		}
		out_flush();
	}
	cpu1 = cpu_s(pid);
	printf("bench: agwd_tps = %.0f transactions/s\n", txns / (t1 - t0));
	/* the rate one core of agwd's would give: what it got per CPU
	 * second it used (the machine may be shared) */
	if (cpu0 >= 0 && cpu1 > cpu0) {
		printf("bench: agwd_cpu = %.2f cores\n",
		       (cpu1 - cpu0) / (t1 - t0));
		printf("bench: agwd_tps_per_core = %.0f transactions/CPU-s\n",
		       txns / (cpu1 - cpu0));
	}
	printf("bench: agwd_calls_per_s = %.0f calls/s\n",
	       txns / 3.0 / (t1 - t0));
	printf("bench: agwd_error_replies = %ld replies\n", errors);
	if (calls_only) {
		printf("bench: agwd_timeouts = %ld transactions\n", timeouts);
		printf("bench: agwd_transactions = %ld transactions\n", txns);
		free(calls);
		return 0;
	}
	/* drain: let in-flight transactions finish */
	while (recv_one(buf, sizeof(buf), 500) >= 0)
		;
	codec = codec_rate();
	printf("bench: codec_tps = %.0f decode+encode/s\n", codec);
	printf("bench: agwd_vs_codec_ratio = %.3f (%.0f / %.0f)\n",
	       txns / (t1 - t0) / codec, txns / (t1 - t0), codec);
	/* footprint: hold terminations reserved */
	rss0 = rss_kb(pid);
	errors = 0;
	for (int i = 0; i < hold; i++) {
		calls[i].phase = 0;
		calls[i].ack = 0;
		send_msg(msg, build(&calls[i], i, msg, sizeof(msg)));
		if (i % 64 == 63 || i == hold - 1)
			while (recv_one(buf, sizeof(buf), 200) >= 0)
				if (strstr(buf, "ER="))
					errors++;
	}
	usleep(300000);
	while (recv_one(buf, sizeof(buf), 300) >= 0)
		;
	rss1 = rss_kb(pid);
	printf("bench: agwd_hold_error_replies = %ld replies\n", errors);
	printf("bench: agwd_rss_idle = %ld KiB\n", rss0);
	printf("bench: agwd_rss_%d_terms = %ld KiB\n", hold, rss1);
	/* no figure from nothing held (HOLD=0) */
	if (hold > 0)
		printf("bench: agwd_rss_per_1000_terms = %.1f KiB\n",
		       (rss1 - rss0) * 1000.0 / hold);
	free(calls);
	return 0;
}
