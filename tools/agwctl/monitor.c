// SPDX-License-Identifier: GPL-2.0-only
/*
 * agwctl monitor [count N] [timeout SECONDS]: agwd's events (Add, Modify,
 * Subtract, Notify sent, TLS failures, the gate's sampled drops), pushed
 * on a control socket connection that sent "monitor", one line each as
 * they come, until interrupted, N lines, or SECONDS. -j: agwd's JSON
 * object a line (-p indented), each with "event".
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agw/ctlsock.h"
#include "agw/json.h"
#include "agwctl.h"

#define LINE_MAX_LEN 65536

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

enum {
	E_EVENT,
	E_TIME,
	E_TERM,
	E_CTX,
	E_REALM,
	E_STATE,
	E_GATE,
	E_NAME,
	E_PARAM,
	E_VALUE,
	E_FAILURE,
	E_REASON,
	E_ERROR,
	E_ERROR_TEXT,
	E_PROTO,
	E_SRC,
	E_DST,
	E_SLOT,
	E_SUPPRESSED,
	E_MAX
};
static const char *const ev_keys[E_MAX] = {
	[E_EVENT] = "event",
	[E_TIME] = "time_ns",
	[E_TERM] = "termination",
	[E_CTX] = "context",
	[E_REALM] = "realm",
	[E_STATE] = "state",
	[E_GATE] = "gate_mode",
	[E_NAME] = "name",
	[E_PARAM] = "param",
	[E_VALUE] = "value",
	[E_FAILURE] = "failure",
	[E_REASON] = "reason",
	[E_ERROR] = "error",
	[E_ERROR_TEXT] = "error_text",
	[E_PROTO] = "proto",
	[E_SRC] = "src",
	[E_DST] = "dst",
	[E_SLOT] = "slot",
	[E_SUPPRESSED] = "suppressed",
};

struct fields {
	char f[E_MAX][256];
};

static void collect(void *arg, const char *path, enum agw_json_type type,
		    const char *val, size_t len)
{
	struct fields *x = arg;

	(void)len;
	if (type == AGW_JSON_NULL)
		return;
	for (int i = 0; i < E_MAX; i++)
		if (!strcmp(path, ev_keys[i]))
			snprintf(x->f[i], sizeof(x->f[i]), "%s", val);
}

static int print_event(struct agwctl *ctl, const char *line)
{
	struct fields x = {};
	char when[64];
	char(*f)[256] = x.f;

	if (ctl->json)
		return agwctl_print_json(ctl, line);
	if (agw_json_walk(line, strlen(line), collect, &x) || !f[E_EVENT][0])
		return agwctl_err(ctl, "monitor: malformed event from agwd");
	if (!strcmp(f[E_EVENT], "drop")) {
		agwctl_drop_line(strtoull(f[E_TIME], NULL, 10), f[E_REASON],
				 f[E_PROTO], f[E_SRC], f[E_DST],
				 f[E_SLOT][0] ? f[E_SLOT] : NULL,
				 strtoul(f[E_SUPPRESSED], NULL, 10));
		return 0;
	}
	agwctl_time_str(strtoull(f[E_TIME], NULL, 10), when, sizeof(when));
	printf("%s %s %s context %s", when, f[E_EVENT], f[E_TERM], f[E_CTX]);
	if (f[E_ERROR][0])
		printf(" refused %s: %s", f[E_ERROR], f[E_ERROR_TEXT]);
	if (f[E_REALM][0])
		printf(" realm %s state %s gate %s", f[E_REALM], f[E_STATE],
		       f[E_GATE]);
	if (f[E_NAME][0])
		printf(" %s", f[E_NAME]);
	if (f[E_PARAM][0])
		printf(" %s=%s", f[E_PARAM], f[E_VALUE]);
	if (f[E_FAILURE][0])
		printf(" failure %s: %s", f[E_FAILURE], f[E_REASON]);
	printf("\n");
	return 0;
}

/* The error text of {"ok":false,"error":...} ("reason" is not in it). */
static void find_error(void *arg, const char *path, enum agw_json_type type,
		       const char *val, size_t len)
{
	(void)len;
	if (!strcmp(path, "error") && type == AGW_JSON_STRING)
		snprintf(arg, 256, "%s", val);
}

static int usage(struct agwctl *ctl)
{
	return agwctl_err(ctl,
			  "usage: agwctl monitor [count N] [timeout SECONDS]");
}

static int parse_args(struct agwctl *ctl, int argc, char **argv, long *left,
		      long *timeout)
{
	for (int i = 1; i < argc; i += 2) {
		char *end;
		unsigned long v;

		if (i + 1 >= argc || argv[i + 1][0] < '0' ||
		    argv[i + 1][0] > '9')
			return usage(ctl);
		v = strtoul(argv[i + 1], &end, 10);
		if (*end || v > UINT32_MAX)
			return usage(ctl);
		if (!strcmp(argv[i], "count"))
			*left = (long)v;
		else if (!strcmp(argv[i], "timeout"))
			*timeout = (long)v;
		else
			return usage(ctl);
	}
	return 0;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ULL + ts.tv_nsec / 1000000;
}

/* Print each complete event line of buf; the rest stays. */
static int take_lines(struct agwctl *ctl, char *buf, size_t *have, long *left)
{
	char *p = buf, *nl;
	int rc = 0;

	while (!rc && *left && (nl = memchr(p, '\n', *have - (p - buf)))) {
		*nl = 0;
		rc = print_event(ctl, p);
		if (!rc && *left > 0)
			(*left)--;
		p = nl + 1;
	}
	fflush(stdout);
	*have -= p - buf;
	memmove(buf, p, *have);
	return rc;
}

/*
 * Send "monitor" and read agwd's reply (up to 5 s); what came after it
 * stays in buf.
 */
static int subscribe(struct agwctl *ctl, int fd, char *buf, size_t *have)
{
	uint64_t deadline = now_ms() + 5000;
	char *nl = NULL, e[256] = "";
	size_t len;
	int rc;

	if (write(fd, "monitor\n", 8) != 8)
		return agwctl_err(ctl, "monitor: %s: %s", ctl->socket,
				  strerror(errno));
	while (!nl) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		uint64_t now = now_ms();
		ssize_t n;

		if (now >= deadline || poll(&p, 1, deadline - now) == 0)
			return agwctl_err(ctl, "monitor: agwd did not answer");
		n = read(fd, buf + *have, LINE_MAX_LEN - 1 - *have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return agwctl_err(
				ctl, "monitor: agwd closed the connection");
		*have += n;
		nl = memchr(buf, '\n', *have);
		if (!nl && *have == LINE_MAX_LEN - 1)
			return agwctl_err(ctl, "monitor: reply too long");
	}
	*nl = 0;
	rc = 0;
	if (strncmp(buf, "{\"ok\":true", 10)) {
		agw_json_walk(buf, strlen(buf), find_error, e);
		rc = agwctl_err(ctl, "monitor: agwd: %s", e[0] ? e : buf);
	}
	len = nl + 1 - buf;
	*have -= len;
	memmove(buf, buf + len, *have);
	return rc;
}

int agwctl_monitor(struct agwctl *ctl, int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	long left = -1, timeout = 0;
	uint64_t deadline;
	size_t have = 0;
	char *buf = NULL;
	int fd, rc;

	if ((rc = parse_args(ctl, argc, argv, &left, &timeout)))
		return rc;
	fd = agw_ctl_connect(ctl->socket);
	if (fd == -ENOENT || fd == -ECONNREFUSED)
		return agwctl_err(
			ctl, "monitor: agwd is not running (no socket at %s)",
			ctl->socket);
	if (fd < 0)
		return agwctl_err(ctl, "monitor: %s: %s", ctl->socket,
				  strerror(-fd));
	buf = malloc(LINE_MAX_LEN);
	if (!buf) {
		rc = agwctl_err(ctl, "monitor: %s", strerror(ENOMEM));
		goto out;
	}
	rc = subscribe(ctl, fd, buf, &have);
	if (rc)
		goto out;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/* ready: a test (or a human) may now make events happen */
	fprintf(stderr, "agwctl: monitoring agwd's events\n");
	deadline = timeout ? now_ms() + timeout * 1000ULL : 0;
	while (!stop && left) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int wait = -1;
		ssize_t n;

		if ((rc = take_lines(ctl, buf, &have, &left)) || !left)
			break;
		if (deadline) {
			uint64_t now = now_ms();

			if (now >= deadline)
				break;
			wait = (int)(deadline - now);
		}
		if (poll(&p, 1, wait) < 0 && errno != EINTR) {
			rc = agwctl_err(ctl, "monitor: poll: %s",
					strerror(errno));
			break;
		}
		if (!(p.revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		n = read(fd, buf + have, LINE_MAX_LEN - 1 - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = agwctl_err(
				ctl,
				"monitor: agwd closed the connection (it stopped, or this monitor read too slowly)");
			break;
		}
		have += n;
		if (have == LINE_MAX_LEN - 1 && !memchr(buf, '\n', have)) {
			rc = agwctl_err(ctl, "monitor: event line too long");
			break;
		}
	}
out:
	free(buf);
	close(fd);
	return rc;
}
