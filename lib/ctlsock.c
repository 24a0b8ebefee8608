// SPDX-License-Identifier: GPL-2.0-only
/* Control socket server and client; see include/agw/ctlsock.h. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "agw/ctlsock.h"
#include "agw/evloop.h"
#include "agw/fsutil.h"
#include "agw/json.h"
#include "agw/log.h"

#define MAX_CLIENTS 16
#define CLIENT_IDLE_MS 30000
#define CLIENT_TIMEOUT_MS 5000

struct ctl_client {
	struct agw_ctlsock *srv;
	struct agw_evfd h;
	struct agw_timer idle;
	char in[AGW_CTL_REQ_MAX];
	size_t in_len;
	struct agw_strbuf out;
	size_t out_off;
	bool used;
};

struct agw_ctlsock {
	struct agw_evloop *loop;
	const struct agw_ctl_cmd *cmds;
	void *arg;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct agw_evfd listen_h;
	struct ctl_client clients[MAX_CLIENTS];
	struct agw_ratelimit rl;
};

static void client_close(struct ctl_client *c)
{
	agw_evloop_del_fd(c->srv->loop, &c->h);
	agw_timer_stop(c->srv->loop, &c->idle);
	close(c->h.fd);
	agw_strbuf_free(&c->out);
	c->used = false;
}

static int run_help(struct agw_ctlsock *s, struct agw_strbuf *out)
{
	struct agw_json w;

	agw_json_init_members(&w, out);
	agw_json_arr_open(&w, "commands");
	for (const struct agw_ctl_cmd *c = s->cmds; c->name; c++) {
		agw_json_obj_open(&w, NULL);
		agw_json_str(&w, "name", c->name);
		agw_json_str(&w, "help", c->help ? c->help : "");
		agw_json_obj_close(&w);
	}
	agw_json_arr_close(&w);
	return agw_json_end(&w);
}

/*
 * One reply line: {"ok":true} and the command's members (each written
 * with its comma), or {"ok":false,"error":TEXT}.
 */
static void reply(struct agw_strbuf *out, const struct agw_strbuf *members,
		  const char *error)
{
	struct agw_json w;

	agw_json_init(&w, out);
	agw_json_obj_open(&w, NULL);
	agw_json_bool(&w, "ok", !error);
	if (error)
		agw_json_str(&w, "error", error);
	else if (members->len)
		agw_strbuf_append(out, members->buf, members->len);
	agw_json_obj_close(&w);
	agw_strbuf_append(out, "\n", 1);
}

/* Run one request line and append its one-line reply to c->out. */
static void run_request(struct ctl_client *c, char *line)
{
	struct agw_ctlsock *s = c->srv;
	struct agw_strbuf body;
	const struct agw_ctl_cmd *cmd = NULL;
	char *args;
	int r = -ENOENT;

	while (*line == ' ' || *line == '\t')
		line++;
	args = line + strcspn(line, " \t\r");
	if (*args)
		*args++ = 0;
	args[strcspn(args, "\r")] = 0;
	agw_strbuf_init(&body);
	if (!strcmp(line, "help")) {
		r = run_help(s, &body);
	} else {
		for (const struct agw_ctl_cmd *k = s->cmds; k->name; k++)
			if (!strcmp(line, k->name))
				cmd = k;
		if (cmd)
			r = cmd->fn(s->arg, args, &body);
		else
			agw_strbuf_printf(&body,
					  "unknown command '%.64s' (try help)",
					  line);
	}
	if (r >= 0 && !body.err)
		reply(&c->out, &body, NULL);
	else
		reply(&c->out, NULL,
		      body.len && r < 0 ? body.buf :
					  strerror(r < 0 ? -r : ENOMEM));
	agw_strbuf_free(&body);
}

static int client_flush(struct ctl_client *c)
{
	while (c->out_off < c->out.len) {
		ssize_t n = send(c->h.fd, c->out.buf + c->out_off,
				 c->out.len - c->out_off, MSG_NOSIGNAL);

		if (n < 0)
			return errno == EAGAIN ? 0 : -errno;
		c->out_off += n;
	}
	agw_strbuf_reset(&c->out);
	c->out_off = 0;
	return 0;
}

static void on_client(struct agw_evfd *h, uint32_t events)
{
	struct ctl_client *c = h->arg;
	char *nl;
	ssize_t n;

	agw_timer_start(c->srv->loop, &c->idle, CLIENT_IDLE_MS);
	if (events & EPOLLOUT && client_flush(c) < 0)
		goto close;
	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
		n = recv(h->fd, c->in + c->in_len, sizeof(c->in) - c->in_len,
			 0);
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0)
			goto close;
		c->in_len += n;
		while ((nl = memchr(c->in, '\n', c->in_len))) {
			size_t used = nl - c->in + 1;

			*nl = 0;
			run_request(c, c->in);
			memmove(c->in, c->in + used, c->in_len - used);
			c->in_len -= used;
		}
		if (c->in_len == sizeof(c->in)) {
			char e[64];

			snprintf(e, sizeof(e), "request longer than %d bytes",
				 AGW_CTL_REQ_MAX - 1);
			reply(&c->out, NULL, e);
			client_flush(c);
			goto close;
		}
		if (client_flush(c) < 0)
			goto close;
	}
	agw_evloop_mod_fd(c->srv->loop, h,
			  EPOLLIN | (c->out.len ? EPOLLOUT : 0));
	return;
close:
	client_close(c);
}

static void on_idle(struct agw_timer *t)
{
	client_close(t->arg);
}

static void on_accept(struct agw_evfd *h, uint32_t events)
{
	struct agw_ctlsock *s = h->arg;
	struct ctl_client *c = NULL;
	int fd = accept4(h->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (fd < 0)
		return;
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (!s->clients[i].used)
			c = &s->clients[i];
	if (!c) {
		agw_log_ratelimited(
			&s->rl, AGW_LOG_WARNING,
			"control socket: %d clients already, refusing one",
			MAX_CLIENTS);
		close(fd);
		return;
	}
	memset(c, 0, sizeof(*c));
	c->srv = s;
	agw_strbuf_init(&c->out);
	agw_timer_init(&c->idle, on_idle, c);
	if (agw_evloop_add_fd(s->loop, &c->h, fd, EPOLLIN, on_client, c)) {
		close(fd);
		return;
	}
	c->used = true;
	agw_timer_start(s->loop, &c->idle, CLIENT_IDLE_MS);
}

static int fill_sun(struct sockaddr_un *sun, const char *path)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun->sun_path))
		return -ENAMETOOLONG;
	strcpy(sun->sun_path, path);
	return 0;
}

/*
 * A socket file nobody answers on is left from a crash: remove it.
 * Anything else at path stays: -ENOTSOCK (connect() gives ECONNREFUSED
 * for a regular file too, so the type is checked first).
 */
static int remove_stale(const char *path, const struct sockaddr_un *sun)
{
	struct stat st;
	int fd, r;

	if (lstat(path, &st))
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode))
		return -ENOTSOCK;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	r = connect(fd, (const struct sockaddr *)sun, sizeof(*sun));
	close(fd);
	if (!r)
		return -EADDRINUSE;
	if (errno == ECONNREFUSED)
		unlink(path);
	return 0;
}

int agw_ctlsock_open(struct agw_evloop *loop, const char *path,
		     const struct agw_ctl_cmd *cmds, void *arg,
		     struct agw_ctlsock **out)
{
	struct agw_ctlsock *s;
	struct sockaddr_un sun;
	int fd = -1, err;

	err = fill_sun(&sun, path);
	if (err)
		return err;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->loop = loop;
	s->cmds = cmds;
	s->arg = arg;
	s->rl = (struct agw_ratelimit)AGW_RATELIMIT_INIT(10000, 5);
	strcpy(s->path, path);
	err = agw_mkdir_parent(path, 0750);
	if (err)
		goto err;
	err = remove_stale(path, &sun);
	if (err)
		goto err;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sun, sizeof(sun)) ||
	    chmod(path, 0660) || listen(fd, 16)) {
		err = -errno;
		goto err;
	}
	err = agw_evloop_add_fd(loop, &s->listen_h, fd, EPOLLIN, on_accept, s);
	if (err)
		goto err_unlink;
	*out = s;
	return 0;
err_unlink:
	unlink(path);
err:
	if (fd >= 0)
		close(fd);
	free(s);
	return err;
}

void agw_ctlsock_close(struct agw_ctlsock *s)
{
	if (!s)
		return;
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (s->clients[i].used)
			client_close(&s->clients[i]);
	agw_evloop_del_fd(s->loop, &s->listen_h);
	close(s->listen_h.fd);
	unlink(s->path);
	free(s);
}

/* ---- client ----------------------------------------------------------- */

static int wait_fd(int fd, short ev, uint64_t deadline)
{
	struct pollfd p = { .fd = fd, .events = ev };
	uint64_t now = agw_now_ms();
	int r;

	if (now >= deadline)
		return -ETIMEDOUT;
	r = poll(&p, 1, deadline - now);
	if (r < 0)
		return errno == EINTR ? 0 : -errno;
	return r ? 0 : -ETIMEDOUT;
}

int agw_ctl_request(const char *sock_path, const char *req, char *reply,
		    size_t len)
{
	struct sockaddr_un sun;
	uint64_t deadline = agw_now_ms() + CLIENT_TIMEOUT_MS;
	size_t rlen = strlen(req), have = 0, sent = 0;
	int fd, err;
	ssize_t n;

	if (!len)
		return -EINVAL;
	if (rlen >= AGW_CTL_REQ_MAX || memchr(req, '\n', rlen))
		return -EINVAL;
	err = fill_sun(&sun, sock_path);
	if (err)
		return err;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun))) {
		err = -errno;
		goto out;
	}
	fcntl(fd, F_SETFL, O_NONBLOCK);
	while (sent <= rlen) {
		/* the request, then its newline */
		n = sent < rlen ?
			    send(fd, req + sent, rlen - sent, MSG_NOSIGNAL) :
			    send(fd, "\n", 1, MSG_NOSIGNAL);
		if (n < 0 && errno != EAGAIN) {
			err = -errno;
			goto out;
		}
		if (n > 0)
			sent += n;
		else if ((err = wait_fd(fd, POLLOUT, deadline)))
			goto out;
	}
	for (;;) {
		char *nl;

		if (have == len - 1) {
			err = -EMSGSIZE;
			goto out;
		}
		n = recv(fd, reply + have, len - 1 - have, 0);
		if (n == 0) {
			err = -ECONNRESET;
			goto out;
		}
		if (n < 0) {
			if (errno != EAGAIN) {
				err = -errno;
				goto out;
			}
			if ((err = wait_fd(fd, POLLIN, deadline)))
				goto out;
			continue;
		}
		nl = memchr(reply + have, '\n', n);
		have += n;
		if (nl) {
			*nl = 0;
			err = nl - reply;
			goto out;
		}
	}
out:
	close(fd);
	return err;
}
