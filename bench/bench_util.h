/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shared by the benchmark programs (bench/NAME.c): CPU time of processes, of
 * the kernel's worker threads and of the whole machine, resident memory,
 * a log-linear latency histogram, worker processes, the "bench:" line, and
 * the event loop pieces of a relay under test. Header only: every
 * bench/NAME.c is a program of its own.
 */
#ifndef AGW_BENCH_UTIL_H
#define AGW_BENCH_UTIL_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/wait.h>

static inline uint64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* utime + stime of a process (all its threads) in seconds; its name in
 * comm (optional). 0 when it is gone. */
static inline double bench_cpu_pid(int pid, char *comm, size_t comm_len)
{
	char path[64], buf[1024], *p, *q;
	unsigned long ut = 0, st = 0;
	FILE *fp;

	if (pid <= 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	fp = fopen(path, "re");
	if (!fp)
		return 0;
	if (!fgets(buf, sizeof(buf), fp))
		buf[0] = 0;
	fclose(fp);
	p = strrchr(buf, ')');
	q = strchr(buf, '(');
	if (comm && p && q && p > q)
		snprintf(comm, comm_len, "%.*s", (int)(p - q - 1), q + 1);
	/* fields after ")": state(3) ... utime(14) stime(15) */
	if (!p ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
		   &ut, &st) != 2)
		return 0;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/*
 * CPU time of the kernel's worker threads (kworker: the sockmap backlog,
 * which sends redirected chunks; ksoftirqd: network receive work deferred
 * out of the interrupted task). They are shared with the rest of the
 * machine but idle otherwise, unlike the whole machine's figure. Taken per
 * thread: a kworker that exits (after minutes idle) takes its total with
 * it, so a plain sum over the threads alive could go down.
 */
#define BENCH_KT_MAX 4096

struct bench_kthreads {
	unsigned int n;
	int pid[BENCH_KT_MAX];
	double cpu[BENCH_KT_MAX];
};

static inline void bench_kthreads_snap(struct bench_kthreads *s)
{
	DIR *dir = opendir("/proc");
	struct dirent *de;
	char comm[64];
	double c;
	int pid;

	s->n = 0;
	if (!dir)
		return;
	while ((de = readdir(dir)) && s->n < BENCH_KT_MAX) {
		pid = atoi(de->d_name);
		if (pid <= 0)
			continue;
		comm[0] = 0;
		c = bench_cpu_pid(pid, comm, sizeof(comm));
		if (strncmp(comm, "kworker", 7) &&
		    strncmp(comm, "ksoftirqd", 9))
			continue;
		s->pid[s->n] = pid;
		s->cpu[s->n++] = c;
	}
	closedir(dir);
}

/* CPU-seconds the worker threads used from a to b: threads alive in both
 * by their difference, threads new in b by their total. */
static inline double bench_kthreads_delta(const struct bench_kthreads *a,
					  const struct bench_kthreads *b)
{
	double sum = 0, d;
	unsigned int i, j;

	for (i = 0; i < b->n; i++) {
		d = b->cpu[i];
		for (j = 0; j < a->n; j++) {
			if (a->pid[j] == b->pid[i]) {
				/* less than before: a new thread, same pid */
				if (d >= a->cpu[j])
					d -= a->cpu[j];
				break;
			}
		}
		sum += d;
	}
	return sum;
}

/* Busy CPU-seconds of the whole machine (every other job included), and
 * of it the time the tick found in softirq context (*softirq, optional). */
static inline double bench_cpu_machine(double *softirq)
{
	unsigned long long v[8] = { 0 };
	double hz = (double)sysconf(_SC_CLK_TCK);
	FILE *fp = fopen("/proc/stat", "re");
	int n = 0;

	if (fp) {
		n = fscanf(fp, "cpu %llu %llu %llu %llu %llu %llu %llu %llu",
			   &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6],
			   &v[7]);
		fclose(fp);
	}
	if (n != 8)
		return 0;
	if (softirq)
		*softirq = (double)v[6] / hz;
	/* user nice system [idle iowait] irq softirq steal */
	return (double)(v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / hz;
}

/* A "Key:   N kB" line of /proc/PID/status, in bytes; 0 if absent. */
static inline uint64_t bench_proc_status_kb(int pid, const char *key)
{
	char path[64], line[256];
	size_t klen = strlen(key);
	unsigned long long kb = 0;
	FILE *fp;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	fp = fopen(path, "re");
	if (!fp)
		return 0;
	while (fgets(line, sizeof(line), fp)) {
		if (!strncmp(line, key, klen) && line[klen] == ':') {
			sscanf(line + klen + 1, "%llu", &kb);
			break;
		}
	}
	fclose(fp);
	return (uint64_t)kb * 1024;
}

/*
 * Latency histogram: values in ns, exact below 64, above that 64 buckets
 * per power of two (1.6 % resolution), up to about 2^46 ns.
 */
#define BENCH_HIST_N (64 * 42)

static inline unsigned int bench_hist_idx(uint64_t v)
{
	unsigned int shift, idx;

	if (v < 64)
		return (unsigned int)v;
	shift = (unsigned int)(63 - __builtin_clzll(v)) - 6;
	idx = (shift + 1) * 64 + (unsigned int)((v >> shift) - 64);
	return idx < BENCH_HIST_N ? idx : BENCH_HIST_N - 1;
}

/* The middle of bucket idx, in ns. */
static inline double bench_hist_value(unsigned int idx)
{
	unsigned int shift;

	if (idx < 64)
		return idx;
	shift = idx / 64 - 1;
	return ((double)(idx % 64 + 64) + 0.5) * (double)(1ULL << shift);
}

/* The q-quantile (0 < q < 1) of a histogram, in ns; -1 when empty. */
static inline double bench_hist_quantile(const uint64_t *h, double q)
{
	uint64_t total = 0, want, sum = 0;
	unsigned int i;

	for (i = 0; i < BENCH_HIST_N; i++)
		total += h[i];
	if (!total)
		return -1;
	want = (uint64_t)((double)total * q);
	if (want < 1)
		want = 1;
	for (i = 0; i < BENCH_HIST_N; i++) {
		sum += h[i];
		if (sum >= want)
			return bench_hist_value(i);
	}
	return bench_hist_value(BENCH_HIST_N - 1);
}

static inline void bench_sleep_until(uint64_t t)
{
	struct timespec ts = { .tv_sec = (time_t)(t / 1000000000ULL),
			       .tv_nsec = (long)(t % 1000000000ULL) };

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) ==
	       EINTR)
		;
}

/*
 * Worker processes report progress as one byte on a pipe each. Wait until
 * every one of the n pipes st[] gave `want`; -1 on a timeout, on 'E' or on
 * a pipe closed (*bad: that worker, -1 on a timeout).
 */
static inline int bench_wait_workers(const int *st, int n, char want,
				     double timeout_s, int *bad)
{
	struct pollfd pfd[64];
	bool got[64] = { false };
	uint64_t deadline = bench_now_ns() + (uint64_t)(timeout_s * 1e9);
	int g, left = n, r;
	char c;

	*bad = -1;
	if (n < 1 || n > 64)
		return -1;
	while (left) {
		uint64_t now = bench_now_ns();

		if (now >= deadline)
			return -1;
		for (g = 0; g < n; g++) {
			pfd[g].fd = got[g] ? -1 : st[g];
			pfd[g].events = POLLIN;
		}
		r = poll(pfd, (nfds_t)n, (int)((deadline - now) / 1000000 + 1));
		if (r < 0 && errno != EINTR)
			return -1;
		for (g = 0; g < n && r > 0; g++) {
			if (got[g] || !pfd[g].revents)
				continue;
			if (read(st[g], &c, 1) != 1 || c == 'E') {
				*bad = g;
				return -1;
			}
			if (c == want) {
				got[g] = true;
				left--;
			}
		}
	}
	return 0;
}

/*
 * Fork n workers: worker g runs fn(g, cmd_fd, st_fd, arg) and must not
 * return; it reads commands (one byte) from cmd_fd and reports on st_fd.
 * The parent gets the other ends in cmd[g] and st[g]. -errno on failure.
 */
typedef void (*bench_worker_fn)(int g, int cmd_fd, int st_fd, void *arg);

static inline int bench_fork_workers(int n, bench_worker_fn fn, void *arg,
				     pid_t *pids, int *cmd, int *st)
{
	int g, p1[2], p2[2];

	for (g = 0; g < n; g++) {
		if (pipe2(p1, O_CLOEXEC) < 0)
			return -errno;
		if (pipe2(p2, O_CLOEXEC) < 0)
			return -errno;
		pids[g] = fork();
		if (pids[g] < 0)
			return -errno;
		if (!pids[g]) {
			close(p1[1]);
			close(p2[0]);
			fn(g, p1[0], p2[1], arg);
			_exit(1);
		}
		close(p1[0]);
		close(p2[1]);
		cmd[g] = p1[1];
		st[g] = p2[0];
	}
	return 0;
}

/* Send every worker the command byte c; -1 when a pipe is gone. */
static inline int bench_tell_workers(int n, const int *cmd, char c)
{
	int g;

	for (g = 0; g < n; g++)
		if (write(cmd[g], &c, 1) != 1)
			return -1;
	return 0;
}

/*
 * Memory shared with the workers forked after it (zeroed); NULL on
 * failure (errno set).
 */
static inline void *bench_shared_new(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* One result line: "bench: TAG_WHAT = V UNIT", V with prec decimals. */
static inline void bench_print(const char *tag, const char *what, double v,
			       int prec, const char *unit)
{
	printf("bench: %s_%s = %.*f %s\n", tag, what, prec, v, unit);
}

/*
 * SIGTERM and SIGINT as a signal fd in the epoll set ep, with data as
 * its event's data (the relay under test stops on either); SIGPIPE
 * ignored. The fd, or -1 (errno set).
 */
static inline int bench_signalfd(int ep, epoll_data_t data)
{
	struct epoll_event ev = { .events = EPOLLIN, .data = data };
	sigset_t mask;
	int fd;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	fd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (fd < 0)
		return -1;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Tell the workers to quit ('Q') and reap them; killed first if !ok. */
static inline void bench_stop_workers(int n, const pid_t *pids, const int *cmd,
				      bool ok)
{
	int g;

	for (g = 0; g < n; g++) {
		if (write(cmd[g], "Q", 1) < 0) {
			/* it is gone already */
		}
		close(cmd[g]);
	}
	for (g = 0; g < n; g++) {
		if (!ok)
			kill(pids[g], SIGKILL);
		waitpid(pids[g], NULL, 0);
	}
}

/*
 * A program of subcommands: argv[1] names one of cmds; it gets the rest of
 * the arguments and returns the exit status, 2 for a usage error (then
 * usage is printed).
 */
struct bench_cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
};

static inline int bench_main(int argc, char **argv,
			     const struct bench_cmd *cmds, size_t n,
			     const char *usage)
{
	int ret = 2;
	size_t i;

	for (i = 0; argc > 1 && i < n; i++)
		if (!strcmp(argv[1], cmds[i].name))
			ret = cmds[i].fn(argc - 2, argv + 2);
	if (ret == 2)
		fputs(usage, stderr);
	return ret;
}

#endif /* AGW_BENCH_UTIL_H */
