// SPDX-License-Identifier: GPL-2.0-only
/*
 * Control socket: the server runs in an event loop thread, the client API
 * and raw sockets talk to it over a real unix socket.
 */
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "agw/ctlsock.h"
#include "agw/evloop.h"

static char path[128];

static int cmd_echo(void *arg, const char *args, struct agw_strbuf *out)
{
	agw_strbuf_printf(out, ",\"args\":");
	agw_strbuf_json_str(out, args);
	agw_strbuf_printf(out, ",\"n\":%d", ++*(int *)arg);
	return 0;
}

static int cmd_fail(void *arg, const char *args, struct agw_strbuf *out)
{
	if (*args)
		agw_strbuf_printf(out, "bad: %s", args);
	return -EPERM;
}

/* "big N": a reply of N bytes of padding */
static int cmd_big(void *arg, const char *args, struct agw_strbuf *out)
{
	size_t n = strtoul(args, NULL, 10);
	char chunk[4096];

	memset(chunk, 'x', sizeof(chunk));
	agw_strbuf_printf(out, ",\"pad\":\"");
	for (size_t i = 0; i < n; i += sizeof(chunk))
		agw_strbuf_append(out, chunk,
				  n - i < sizeof(chunk) ? n - i :
							  sizeof(chunk));
	agw_strbuf_printf(out, "\"");
	return 0;
}

/* "watch": subscribes (agw_ctlsock_set_subscribe_cmd) */
static int cmd_watch(void *arg, const char *args, struct agw_strbuf *out)
{
	return 0;
}

static struct agw_ctlsock *the_cs; /* for emit, in the loop's thread */
static unsigned int subs_seen[8], nsubs_seen; /* changed() calls */

static void subs_changed(void *arg, unsigned int n)
{
	if (nsubs_seen < 8)
		subs_seen[nsubs_seen++] = n;
}

/* "emit N SIZE": N events of SIZE bytes of padding published */
static int cmd_emit(void *arg, const char *args, struct agw_strbuf *out)
{
	char *end;
	unsigned long n = strtoul(args, &end, 10),
		      size = strtoul(end, NULL, 10);
	struct agw_strbuf e;

	agw_strbuf_init(&e);
	for (unsigned long i = 0; i < n; i++) {
		agw_strbuf_reset(&e);
		agw_strbuf_printf(&e, "{\"e\":%lu,\"pad\":\"", i);
		for (unsigned long j = 0; j < size; j++)
			agw_strbuf_append(&e, "x", 1);
		agw_strbuf_append(&e, "\"}", 2);
		agw_ctlsock_publish(the_cs, e.buf, e.len);
	}
	agw_strbuf_free(&e);
	return 0;
}

static const struct agw_ctl_cmd cmds[] = {
	{ "echo", "echo the arguments", cmd_echo },
	{ "fail", "always fails", cmd_fail },
	{ "big", "a big reply", cmd_big },
	{ "watch", "subscribe", cmd_watch },
	{ "emit", "publish events", cmd_emit },
	{ NULL, NULL, NULL },
};

static const char *const read_cmds[] = { "echo", "big", NULL };

struct server {
	pthread_t th;
	struct agw_evloop *loop;
	struct agw_ctlsock *cs;
	struct agw_evfd stop_h;
	int stop_fd;
	int calls;
};

static void on_stop(struct agw_evfd *h, uint32_t ev)
{
	agw_evloop_stop(((struct server *)h->arg)->loop);
}

static void *serve(void *arg)
{
	struct server *s = arg;

	agw_evloop_run(s->loop);
	return NULL;
}

static void server_start(struct server *s)
{
	memset(s, 0, sizeof(*s));
	ck_assert_int_eq(agw_evloop_new(&s->loop), 0);
	ck_assert_int_eq(
		agw_ctlsock_open(s->loop, path, cmds, &s->calls, &s->cs), 0);
	agw_ctlsock_set_read_cmds(s->cs, read_cmds);
	agw_ctlsock_set_subscribe_cmd(s->cs, "watch", subs_changed);
	the_cs = s->cs;
	nsubs_seen = 0;
	s->stop_fd = eventfd(0, EFD_CLOEXEC);
	ck_assert_int_eq(agw_evloop_add_fd(s->loop, &s->stop_h, s->stop_fd,
					   EPOLLIN, on_stop, s),
			 0);
	ck_assert_int_eq(pthread_create(&s->th, NULL, serve, s), 0);
}

static void server_stop(struct server *s)
{
	uint64_t one = 1;

	ck_assert_int_eq(write(s->stop_fd, &one, 8), 8);
	pthread_join(s->th, NULL);
	agw_ctlsock_close(s->cs);
	agw_evloop_del_fd(s->loop, &s->stop_h);
	close(s->stop_fd);
	agw_evloop_free(s->loop);
}

static void teardown(void)
{
	char d[128];

	snprintf(d, sizeof(d), "/tmp/agw-test-ctl-%d/sub", (int)getpid());
	rmdir(d);
	*strrchr(d, '/') = 0;
	rmdir(d);
}

static void setup(void)
{
	snprintf(path, sizeof(path), "/tmp/agw-test-ctl-%d/sub/agwd.sock",
		 (int)getpid());
}

START_TEST(request_reply)
{
	struct server s;
	char r[512];

	server_start(&s);
	ck_assert_int_gt(
		agw_ctl_request(path, "echo hello \"world\"", r, sizeof(r)), 0);
	ck_assert_str_eq(
		r, "{\"ok\":true,\"args\":\"hello \\\"world\\\"\",\"n\":1}");
	ck_assert_int_gt(agw_ctl_request(path, "echo", r, sizeof(r)), 0);
	ck_assert_str_eq(r, "{\"ok\":true,\"args\":\"\",\"n\":2}");
	ck_assert_int_gt(agw_ctl_request(path, "nosuch", r, sizeof(r)), 0);
	ck_assert_str_eq(
		r,
		"{\"ok\":false,\"error\":\"unknown command 'nosuch' (try help)\"}");
	ck_assert_int_gt(agw_ctl_request(path, "fail x", r, sizeof(r)), 0);
	ck_assert_str_eq(r, "{\"ok\":false,\"error\":\"bad: x\"}");
	ck_assert_int_gt(agw_ctl_request(path, "fail", r, sizeof(r)), 0);
	ck_assert_str_eq(
		r, "{\"ok\":false,\"error\":\"Operation not permitted\"}");
	ck_assert_int_gt(agw_ctl_request(path, "help", r, sizeof(r)), 0);
	ck_assert_str_eq(
		r,
		"{\"ok\":true,\"commands\":[{\"name\":\"echo\",\"help\":\"echo the arguments\",\"level\":\"read\"},{\"name\":\"fail\",\"help\":\"always fails\",\"level\":\"admin\"},{\"name\":\"big\",\"help\":\"a big reply\",\"level\":\"read\"},{\"name\":\"watch\",\"help\":\"subscribe\",\"level\":\"admin\"},{\"name\":\"emit\",\"help\":\"publish events\",\"level\":\"admin\"}]}");
	ck_assert_int_eq(agw_ctl_request(path, "echo", r, 10), -EMSGSIZE);
	ck_assert_int_eq(agw_ctl_request(path, "a\nb", r, sizeof(r)), -EINVAL);
	server_stop(&s);
	/* the socket file is gone after close */
	ck_assert_int_eq(access(path, F_OK), -1);
	ck_assert_int_eq(agw_ctl_request(path, "echo", r, sizeof(r)), -ENOENT);
}
END_TEST

static int raw_connect(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	strcpy(sun.sun_path, path);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	return fd;
}

static size_t read_lines(int fd, char *buf, size_t len, int lines)
{
	size_t have = 0;

	while (lines > 0) {
		ssize_t n = recv(fd, buf + have, len - 1 - have, 0);

		ck_assert_int_gt(n, 0);
		for (ssize_t i = 0; i < n; i++)
			lines -= buf[have + i] == '\n';
		have += n;
	}
	buf[have] = 0;
	return have;
}

START_TEST(pipelined_split_and_oversize)
{
	struct server s;
	char r[2048], big[AGW_CTL_REQ_MAX + 10];
	int fd;

	server_start(&s);
	fd = raw_connect();
	/* two requests in one write, the third split over two writes */
	ck_assert_int_eq(write(fd, "echo a\necho b\r\nec", 17), 17);
	usleep(20000);
	ck_assert_int_eq(write(fd, "ho c\n", 5), 5);
	read_lines(fd, r, sizeof(r), 3);
	ck_assert_str_eq(r, "{\"ok\":true,\"args\":\"a\",\"n\":1}\n"
			    "{\"ok\":true,\"args\":\"b\",\"n\":2}\n"
			    "{\"ok\":true,\"args\":\"c\",\"n\":3}\n");
	close(fd);

	fd = raw_connect();
	memset(big, 'x', sizeof(big));
	ck_assert_int_eq(write(fd, big, sizeof(big)), (ssize_t)sizeof(big));
	read_lines(fd, r, sizeof(r), 1);
	ck_assert_str_eq(
		r,
		"{\"ok\":false,\"error\":\"request longer than 1023 bytes\"}\n");
	/* and the server hung up */
	ssize_t n = recv(fd, r, sizeof(r), 0);
	/* FIN, or RST because the rest of the request was never read */
	ck_assert(n == 0 || (n < 0 && errno == ECONNRESET));
	close(fd);
	server_stop(&s);
}
END_TEST

START_TEST(stale_socket_replaced_live_refused)
{
	struct server s;
	struct agw_evloop *l2;
	struct agw_ctlsock *cs2;
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct stat st;
	char r[256];
	int fd;

	/* a socket file left by a dead process */
	server_start(&s);
	server_stop(&s);
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	close(fd);
	ck_assert_int_eq(access(path, F_OK), 0);

	server_start(&s);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0660);
	ck_assert_int_gt(agw_ctl_request(path, "echo", r, sizeof(r)), 0);
	/* a second server on a live socket is refused */
	ck_assert_int_eq(agw_evloop_new(&l2), 0);
	ck_assert_int_eq(agw_ctlsock_open(l2, path, cmds, NULL, &cs2),
			 -EADDRINUSE);
	agw_evloop_free(l2);
	ck_assert_int_gt(agw_ctl_request(path, "echo", r, sizeof(r)), 0);
	server_stop(&s);
}
END_TEST

START_TEST(big_reply_streamed)
{
	struct server s;
	char *r, small[256];
	int n;

	server_start(&s);
	/* 20 MB: far past any fixed buffer, streamed as the client reads */
	n = agw_ctl_request_alloc(path, "big 20000000", &r, 64u << 20);
	ck_assert_int_eq(n,
			 20000000 + (int)strlen("{\"ok\":true,\"pad\":\"\"}"));
	ck_assert(!strncmp(r, "{\"ok\":true,\"pad\":\"xxx", 21));
	ck_assert_str_eq(r + n - 3, "x\"}");
	free(r);
	/* a bound the reply exceeds */
	ck_assert_int_eq(agw_ctl_request_alloc(path, "big 100000", &r, 50000),
			 -EMSGSIZE);
	ck_assert_ptr_null(r);
	ck_assert_int_gt(agw_ctl_request(path, "echo", small, sizeof(small)),
			 0);
	server_stop(&s);
}
END_TEST

START_TEST(idle_clients_evicted)
{
	struct server s;
	struct agw_ctlsock_stats st;
	int fds[AGW_CTL_MAX_CLIENTS + 10];
	char r[256];

	server_start(&s);
	for (int i = 0; i < AGW_CTL_MAX_CLIENTS + 10; i++)
		fds[i] = raw_connect();
	/* every slot is held by an idle client: a request still gets in */
	ck_assert_int_gt(agw_ctl_request(path, "echo x", r, sizeof(r)), 0);
	ck_assert_str_eq(r, "{\"ok\":true,\"args\":\"x\",\"n\":1}");
	/* the oldest went first: the first client is closed, the last not */
	ck_assert_int_eq(recv(fds[0], r, sizeof(r), 0), 0);
	ck_assert_int_eq(write(fds[AGW_CTL_MAX_CLIENTS + 9], "echo y\n", 7), 7);
	read_lines(fds[AGW_CTL_MAX_CLIENTS + 9], r, sizeof(r), 1);
	ck_assert_str_eq(r, "{\"ok\":true,\"args\":\"y\",\"n\":2}\n");
	for (int i = 0; i < AGW_CTL_MAX_CLIENTS + 10; i++)
		close(fds[i]);
	agw_ctlsock_get_stats(s.cs, &st);
	ck_assert_uint_ge(st.evicted, 11);
	ck_assert_uint_eq(st.accepted, AGW_CTL_MAX_CLIENTS + 11);
	server_stop(&s);
}
END_TEST

/* A peer of another uid has level read: read commands run, others not. */
START_TEST(levels_by_peer_uid)
{
	struct server s;
	char r[512];
	pid_t pid;
	int status;

	if (geteuid() != 0)
		return; /* needs another uid */
	server_start(&s);
	/* let uid 65534 reach the socket */
	ck_assert_int_eq(chmod(path, 0666), 0);
	snprintf(r, sizeof(r), "%s", path);
	*strrchr(r, '/') = 0;
	ck_assert_int_eq(chmod(r, 0755), 0);
	*strrchr(r, '/') = 0;
	ck_assert_int_eq(chmod(r, 0755), 0);
	pid = fork();
	if (!pid) {
		char reply[512];

		if (setgid(65534) || setuid(65534))
			_exit(10);
		if (agw_ctl_request(path, "echo a", reply, sizeof(reply)) <=
			    0 ||
		    strcmp(reply, "{\"ok\":true,\"args\":\"a\",\"n\":1}"))
			_exit(11);
		if (agw_ctl_request(path, "fail x", reply, sizeof(reply)) <=
			    0 ||
		    strcmp(reply,
			   "{\"ok\":false,\"error\":\"fail: permission denied (needs level admin)\"}"))
			_exit(12);
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	/* root is admin */
	ck_assert_int_gt(agw_ctl_request(path, "fail x", r, sizeof(r)), 0);
	ck_assert_str_eq(r, "{\"ok\":false,\"error\":\"bad: x\"}");
	server_stop(&s);
}
END_TEST

/*
 * Two subscribers: the one that reads gets every event in order; the one
 * that reads nothing is dropped once more than AGW_CTL_EVENTS_MAX bytes
 * wait for it (counted as stalled), and agwd's memory for it is bounded.
 * Neither runs requests any more.
 */
START_TEST(subscribers_bounded)
{
	enum { BATCH = 400, SIZE = 1000, BATCHES = 8 };
	size_t blen = BATCH * (SIZE + 32) + 1;
	char *buf = malloc(blen), r[256];
	struct agw_ctlsock_stats st;
	struct server s;
	size_t want = 0;
	int fast, slow, lines;
	ssize_t n;

	ck_assert_ptr_nonnull(buf);
	/* {"e":I,"pad":"x..."} and its newline */
	for (int i = 0; i < BATCH; i++)
		want += 16 + SIZE + (size_t)snprintf(NULL, 0, "%d", i);
	server_start(&s);
	slow = raw_connect();
	fast = raw_connect();
	ck_assert_int_eq(write(slow, "watch\n", 6), 6);
	read_lines(slow, r, sizeof(r), 1);
	ck_assert_str_eq(r, "{\"ok\":true}\n");
	/* what follows "watch" is not run */
	ck_assert_int_eq(write(fast, "watch\necho z\n", 14), 14);
	read_lines(fast, r, sizeof(r), 1);
	ck_assert_str_eq(r, "{\"ok\":true}\n");
	for (int b = 0; b < BATCHES; b++) {
		char req[32];

		snprintf(req, sizeof(req), "emit %d %d", BATCH, SIZE);
		ck_assert_int_gt(agw_ctl_request(path, req, r, sizeof(r)), 0);
		read_lines(fast, buf, blen, BATCH);
		ck_assert_int_eq(strncmp(buf, "{\"e\":0,", 6), 0);
		ck_assert_uint_eq(strlen(buf), want);
	}
	agw_ctlsock_get_stats(s.cs, &st);
	ck_assert_uint_eq(st.stalled, 1);
	ck_assert_uint_eq(st.subscribers, 1);
	ck_assert_uint_eq(st.events, BATCH * BATCHES);
	/* the slow one: what the kernel held, then the end */
	lines = 0;
	while ((n = recv(slow, buf, blen, 0)) > 0)
		for (ssize_t i = 0; i < n; i++)
			lines += buf[i] == '\n';
	ck_assert_int_eq(n, 0);
	ck_assert_int_lt(lines, BATCH * BATCHES);
	close(slow);
	close(fast);
	server_stop(&s);
	/* changed(): 1, 2, then 1 (slow dropped), then 0 (fast gone) */
	ck_assert_uint_ge(nsubs_seen, 3);
	ck_assert_uint_eq(subs_seen[0], 1);
	ck_assert_uint_eq(subs_seen[1], 2);
	ck_assert_uint_eq(subs_seen[2], 1);
	free(buf);
}
END_TEST

int main(void)
{
	Suite *su = suite_create("ctlsock");
	TCase *tc = tcase_create("unix");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, request_reply);
	tcase_add_test(tc, pipelined_split_and_oversize);
	tcase_add_test(tc, stale_socket_replaced_live_refused);
	tcase_add_test(tc, big_reply_streamed);
	tcase_add_test(tc, idle_clients_evicted);
	tcase_add_test(tc, levels_by_peer_uid);
	tcase_add_test(tc, subscribers_bounded);
	suite_add_tcase(su, tc);
	sr = srunner_create(su);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
