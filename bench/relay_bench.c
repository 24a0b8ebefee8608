// SPDX-License-Identifier: GPL-2.0-only
/*
 * Relay benchmark: one TCP flow client -> [relay] -> server, in one
 * process (client, server and relay engine each in a thread).
 *
 *   relay_bench --via direct|sockmap|sockmap-tick|splice|copy|port:N
 *               --test bulk|rr [--size BYTES] [--seconds S]
 *               [--server-port N] [--extra-pid PID] [--tag NAME]
 *               [--netns PEER_NS,RELAY_NS --addrs PEER_IP,RELAY_IP]
 *
 * "port:N" sends to an external relay (HAProxy) listening on N that
 * forwards to --server-port; "sockmap-tick" is sockmap with the verdict
 * whose bound user space refreshes every millisecond. bulk prints Gbit/s
 * and CPU-seconds per GiB: _cpu counts this process, --extra-pid and the
 * kernel's worker threads (kworker, ksoftirqd: the sockmap backlog runs
 * there), user + system; _machine_cpu the whole machine (other jobs
 * included). For sockmap it also prints the share of bytes that went
 * through user space and the mean chunk the verdict saw. rr prints the
 * median and 99th percentile round trip of --size byte messages echoed
 * back. Metric names start with --tag (default "relay").
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include "agw/relay.h"
#include "bench_util.h"

#define CHUNK (64 * 1024)
#define MAX_SAMPLES (4 * 1024 * 1024)

struct bench {
	const char *via;
	const char *test;
	size_t size;
	double seconds;
	int server_port, extra_pid;
	int srv_listen, relay_listen;
	uint64_t srv_bytes;
	struct agw_relay_flow_stats st; /* the relayed flow's final counters */
	int rc;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * Where sockets live: side 0 holds the client and the server, side 1 the
 * relay (agw or HAProxy). On loopback both are this namespace and
 * 127.0.0.1; with --netns the sides are two namespaces joined by a veth
 * pair, so each relayed TCP connection crosses the veth, and so does the
 * direct one (its client then sits on side 1).
 */
static struct {
	int ns[2], self; /* namespace fds, -1 = this one */
	struct in_addr addr[2];
} net = { .ns = { -1, -1 }, .self = -1 };

static int net_setup(const char *nslist, const char *addrlist)
{
	char names[2][64], path[96];
	int i;

	if (nslist) {
		if (sscanf(nslist, "%63[^,],%63s", names[0], names[1]) != 2)
			return -EINVAL;
		net.self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
		if (net.self < 0)
			return -errno;
		for (i = 0; i < 2; i++) {
			snprintf(path, sizeof(path), "/run/netns/%.63s",
				 names[i]);
			net.ns[i] = open(path, O_RDONLY | O_CLOEXEC);
			if (net.ns[i] < 0)
				return -errno;
		}
	}
	if (!addrlist)
		addrlist = "127.0.0.1,127.0.0.1";
	if (sscanf(addrlist, "%63[^,],%63s", names[0], names[1]) != 2 ||
	    !inet_aton(names[0], &net.addr[0]) ||
	    !inet_aton(names[1], &net.addr[1]))
		return -EINVAL;
	return 0;
}

/* A TCP socket created in side's namespace (setns is per thread). */
static int socket_on(int side)
{
	int fd, err;

	if (net.ns[side] >= 0 && setns(net.ns[side], CLONE_NEWNET) < 0)
		return -errno;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	err = errno;
	if (net.ns[side] >= 0 && setns(net.self, CLONE_NEWNET) < 0)
		abort(); /* a thread left in the wrong namespace */
	return fd < 0 ? -err : fd;
}

static int listen_on(int side, int port, int *out_port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons((uint16_t)port),
				  .sin_addr = net.addr[side] };
	socklen_t len = sizeof(sa);
	int one = 1, fd = socket_on(side);

	if (fd < 0)
		return fd;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, len) < 0 || listen(fd, 16) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) < 0) {
		close(fd);
		return -errno;
	}
	if (out_port)
		*out_port = ntohs(sa.sin_port);
	return fd;
}

/* Connect from side `from` to port on side `to`. */
static int connect_to(int from, int to, int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons((uint16_t)port),
				  .sin_addr = net.addr[to] };
	int fd = socket_on(from);
	int i;

	if (fd < 0)
		return fd;
	for (i = 0; i < 100; i++) { /* HAProxy may still be starting */
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			return fd;
		if (errno != ECONNREFUSED)
			break;
		usleep(20000);
	}
	close(fd);
	return -errno;
}

static int set_nodelay(int fd)
{
	int one = 1;

	return setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

static int read_full(int fd, char *buf, size_t n)
{
	size_t got = 0;
	ssize_t r;

	while (got < n) {
		r = recv(fd, buf + got, n - got, 0);
		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	return 0;
}

static void *server_main(void *arg)
{
	struct bench *b = arg;
	char *buf = malloc(CHUNK);
	int fd = accept4(b->srv_listen, NULL, NULL, SOCK_CLOEXEC);
	ssize_t n;

	if (fd < 0 || !buf)
		goto out;
	set_nodelay(fd);
	if (!strcmp(b->test, "bulk")) {
		while ((n = recv(fd, buf, CHUNK, 0)) > 0)
			b->srv_bytes += (uint64_t)n;
	} else {
		while (read_full(fd, buf, b->size) == 0)
			if (send(fd, buf, b->size, MSG_NOSIGNAL) !=
			    (ssize_t)b->size)
				break;
	}
	close(fd);
out:
	free(buf);
	return NULL;
}

/* A relay path name, or "sockmap-tick": sockmap with the tick-fed verdict
 * (the one used before the verdict read the destination itself). */
static int relay_path(const char *via, bool *tick)
{
	*tick = !strcmp(via, "sockmap-tick");
	return agw_relay_path_parse(*tick ? "sockmap" : via);
}

static void on_end(void *arg, uint64_t id, void *ctx, enum agw_relay_event ev,
		   int side, int err, const struct agw_relay_flow_stats *st)
{
	struct bench *b = arg;

	(void)id;
	(void)ctx;
	(void)ev;
	(void)side;
	(void)err;
	b->st = *st;
}

static void *relay_main(void *arg)
{
	struct bench *b = arg;
	struct agw_relay_config cfg = { 0 };
	struct agw_relay_flow_opts o = { 0 };
	struct agw_relay_engine *e = NULL;
	int fa = -1, fb = -1, ret;

	o.path = relay_path(b->via, &cfg.sockmap_tick);
	cfg.on_event = on_end;
	cfg.arg = b;
	ret = agw_relay_new(&cfg, &e);
	if (ret < 0)
		goto err;
	fa = accept4(b->relay_listen, NULL, NULL, SOCK_CLOEXEC);
	fb = connect_to(1, 0, b->server_port);
	if (fa < 0 || fb < 0) {
		ret = -EIO;
		goto err;
	}
	set_nodelay(fa);
	set_nodelay(fb);
	ret = agw_relay_add(e, fa, fb, &o, NULL);
	if (ret < 0)
		goto err;
	fa = fb = -1;
	ret = agw_relay_run(e, NULL);
err:
	if (ret < 0) {
		fprintf(stderr, "relay: %s\n", strerror(-ret));
		b->rc = 1;
	}
	if (fa >= 0)
		close(fa);
	if (fb >= 0)
		close(fb);
	agw_relay_free(e);
	return NULL;
}

static double cpu_self(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int run_bulk(int fd, double seconds)
{
	char *buf = calloc(1, CHUNK);
	uint64_t sent = 0;
	double t0 = now_s();
	ssize_t n;

	if (!buf)
		return 1;
	while (now_s() - t0 < seconds) {
		n = send(fd, buf, CHUNK, MSG_NOSIGNAL);
		if (n <= 0)
			break;
		sent += (uint64_t)n;
	}
	shutdown(fd, SHUT_WR);
	while (recv(fd, buf, CHUNK, 0) > 0)
		;
	free(buf);
	return sent == 0;
}

int main(int argc, char **argv)
{
	struct bench b = {
		.via = "direct", .test = "bulk", .size = 64, .seconds = 2
	};
	pthread_t srv, rel;
	int i, fd, port, relay_port = 0, has_relay;
	bool tick;
	const char *nslist = NULL, *addrlist = NULL, *tag = "relay";
	char name[64];
	static struct bench_kthreads k0, k1;
	double t0, c0, t, c, k, m0, m, gib;

	for (i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--via"))
			b.via = argv[i + 1];
		else if (!strcmp(argv[i], "--test"))
			b.test = argv[i + 1];
		else if (!strcmp(argv[i], "--size"))
			b.size = strtoul(argv[i + 1], NULL, 0);
		else if (!strcmp(argv[i], "--seconds"))
			b.seconds = atof(argv[i + 1]);
		else if (!strcmp(argv[i], "--server-port"))
			b.server_port = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--netns"))
			nslist = argv[i + 1];
		else if (!strcmp(argv[i], "--addrs"))
			addrlist = argv[i + 1];
		else if (!strcmp(argv[i], "--tag"))
			tag = argv[i + 1];
		else if (!strcmp(argv[i], "--extra-pid"))
			b.extra_pid = atoi(argv[i + 1]);
		else
			goto usage;
	}
	if (i != argc || !b.size || b.size > CHUNK)
		goto usage;
	if (net_setup(nslist, addrlist) < 0) {
		fprintf(stderr, "bad --netns/--addrs or namespace missing\n");
		return 1;
	}
	b.srv_listen = listen_on(0, b.server_port, &b.server_port);
	if (b.srv_listen < 0)
		return 1;
	has_relay = relay_path(b.via, &tick) > 0;
	if (strncmp(b.via, "port:", 5) && strcmp(b.via, "direct") && !has_relay)
		goto usage;
	if (has_relay) {
		b.relay_listen = listen_on(1, 0, &relay_port);
		if (b.relay_listen < 0)
			return 1;
	}
	if (pthread_create(&srv, NULL, server_main, &b))
		return 1;
	if (has_relay && pthread_create(&rel, NULL, relay_main, &b))
		return 1;
	port = has_relay		   ? relay_port :
	       !strncmp(b.via, "port:", 5) ? atoi(b.via + 5) :
					     b.server_port;
	/* direct: from the relay's side, so that it crosses the veth too */
	fd = connect_to(port == b.server_port ? 1 : 0,
			port == b.server_port ? 0 : 1, port);
	if (fd < 0) {
		fprintf(stderr, "connect: %s\n", strerror(-fd));
		return 1;
	}
	set_nodelay(fd);
	snprintf(name, sizeof(name), "%s",
		 strncmp(b.via, "port:", 5) ? b.via : "haproxy");
	for (i = 0; name[i]; i++) /* metric names: sockmap-tick -> _ */
		if (name[i] == '-')
			name[i] = '_';
	if (!strcmp(b.test, "bulk")) {
		c0 = cpu_self() + bench_cpu_pid(b.extra_pid, NULL, 0);
		bench_kthreads_snap(&k0);
		m0 = bench_cpu_machine(NULL);
		t0 = now_s();
		b.rc |= run_bulk(fd, b.seconds);
		close(fd);
		pthread_join(srv, NULL);
		t = now_s() - t0;
		c = cpu_self() + bench_cpu_pid(b.extra_pid, NULL, 0) - c0;
		bench_kthreads_snap(&k1);
		k = bench_kthreads_delta(&k0, &k1);
		m = bench_cpu_machine(NULL) - m0;
		gib = (double)b.srv_bytes / (1024.0 * 1024 * 1024);
		printf("bench: %s_bulk_%s_gbps = %.2f Gbit/s\n", tag, name,
		       (double)b.srv_bytes * 8 / t / 1e9);
		/* The fair figure: every path's own process (and HAProxy)
		 * plus the kernel threads that work for it. */
		printf("bench: %s_bulk_%s_cpu = %.3f CPU-s/GiB\n", tag, name,
		       gib > 0 ? (c + k) / gib : 0);
		printf("bench: %s_bulk_%s_kthread_cpu = %.3f CPU-s/GiB\n", tag,
		       name, gib > 0 ? k / gib : 0);
		printf("bench: %s_bulk_%s_machine_cpu = %.3f CPU-s/GiB\n", tag,
		       name, gib > 0 ? m / gib : 0);
	} else {
		double *lat = malloc(MAX_SAMPLES * sizeof(double));
		char *buf = calloc(1, b.size);
		size_t n = 0;

		if (!lat || !buf)
			return 1;
		t0 = now_s();
		while (n < MAX_SAMPLES && (t = now_s()) - t0 < b.seconds) {
			if (send(fd, buf, b.size, MSG_NOSIGNAL) !=
				    (ssize_t)b.size ||
			    read_full(fd, buf, b.size)) {
				b.rc = 1;
				break;
			}
			lat[n++] = (now_s() - t) * 1e6;
		}
		close(fd);
		pthread_join(srv, NULL);
		qsort(lat, n, sizeof(*lat), cmp_double);
		if (n) {
			printf("bench: %s_rr%zu_%s_p50 = %.1f us\n", tag,
			       b.size, name, lat[n / 2]);
			printf("bench: %s_rr%zu_%s_p99 = %.1f us\n", tag,
			       b.size, name, lat[n * 99 / 100]);
		} else {
			b.rc = 1;
		}
		free(lat);
		free(buf);
	}
	if (has_relay)
		pthread_join(rel, NULL);
	if (has_relay && !strcmp(b.test, "bulk") && b.st.dir[0].bytes) {
		/* sockmap: how much the verdict had to pass up to user space */
		printf("bench: %s_bulk_%s_user_pct = %.2f %%\n", tag, name,
		       100.0 * (double)b.st.dir[0].user_bytes /
			       (double)b.st.dir[0].bytes);
		printf("bench: %s_bulk_%s_stalls = %llu count\n", tag, name,
		       (unsigned long long)b.st.dir[0].stalls);
		if (b.st.dir[0].chunks)
			printf("bench: %s_bulk_%s_chunk = %.0f B\n", tag, name,
			       (double)b.st.dir[0].bytes /
				       (double)b.st.dir[0].chunks);
	}
	close(b.srv_listen);
	if (has_relay)
		close(b.relay_listen);
	return b.rc;
usage:
	fprintf(stderr,
		"usage: relay_bench --via direct|sockmap|sockmap-tick|"
		"splice|copy|"
		"port:N --test bulk|rr [--size N] [--seconds S] "
		"[--server-port N] [--extra-pid PID] [--tag NAME] "
		"[--netns PEER_NS,RELAY_NS --addrs PEER_IP,RELAY_IP]\n");
	return 2;
}
