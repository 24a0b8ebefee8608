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

#define CLIENT_TIMEOUT_MS 5000
/* requests run per wake-up of one client before others get a turn */
#define CLIENT_BUDGET 64
/* a reply buffer larger than this is released once sent */
#define OUT_KEEP 65536

struct ctl_client {
	struct agw_ctlsock *srv;
	struct agw_evfd h;
	struct agw_timer timer; /* idle, or stalled while a reply waits */
	char in[AGW_CTL_REQ_MAX];
	size_t in_len;
	struct agw_strbuf out; /* the reply being sent, at most one */
	size_t out_off;
	uint64_t last_ms; /* last request read or reply byte sent */
	uint64_t last_seq; /* the same as an order among clients */
	enum agw_ctl_level level;
	bool used;
	bool subscriber; /* gets published events, runs no more requests */
	bool dropped; /* a subscriber over its bound, closing */
};

struct agw_ctlsock {
	struct agw_evloop *loop;
	const struct agw_ctl_cmd *cmds;
	const char *const *read_cmds;
	const char *subscribe_cmd;
	void (*changed)(void *arg, unsigned int subscribers);
	void *arg;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct agw_evfd listen_h;
	struct ctl_client clients[AGW_CTL_MAX_CLIENTS];
	struct agw_ctlsock_stats st;
	struct agw_ratelimit rl;
	uint64_t seq;
};

static void touch(struct ctl_client *c)
{
	c->last_ms = agw_now_ms();
	c->last_seq = ++c->srv->seq;
}

static void client_close(struct ctl_client *c)
{
	agw_evloop_del_fd(c->srv->loop, &c->h);
	agw_timer_stop(c->srv->loop, &c->timer);
	close(c->h.fd);
	agw_strbuf_free(&c->out);
	c->used = false;
	c->srv->st.clients--;
	if (c->subscriber) {
		c->subscriber = false;
		c->srv->st.subscribers--;
		if (c->srv->changed)
			c->srv->changed(c->srv->arg, c->srv->st.subscribers);
	}
}

static bool is_read_cmd(const char *const *read_cmds, const char *name)
{
	for (; read_cmds && *read_cmds; read_cmds++)
		if (!strcmp(*read_cmds, name))
			return true;
	return false;
}

static int run_help(const struct agw_ctl_cmd *cmds,
		    const char *const *read_cmds, struct agw_strbuf *out)
{
	struct agw_json w;

	agw_json_init_members(&w, out);
	agw_json_arr_open(&w, "commands");
	for (const struct agw_ctl_cmd *c = cmds; c->name; c++) {
		agw_json_obj_open(&w, NULL);
		agw_json_str(&w, "name", c->name);
		agw_json_str(&w, "help", c->help ? c->help : "");
		agw_json_str(&w, "level",
			     is_read_cmd(read_cmds, c->name) ? "read" :
							       "admin");
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

/* agw_ctl_dispatch(); *ran: the command that ran and succeeded, or NULL */
static int dispatch(const struct agw_ctl_cmd *cmds,
		    const char *const *read_cmds, void *arg,
		    enum agw_ctl_level level, char *line,
		    struct agw_strbuf *out, const struct agw_ctl_cmd **ran)
{
	const struct agw_ctl_cmd *cmd = NULL;
	struct agw_strbuf body;
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
		r = run_help(cmds, read_cmds, &body);
	} else {
		for (const struct agw_ctl_cmd *k = cmds; k->name; k++)
			if (!strcmp(line, k->name))
				cmd = k;
		if (cmd && level < AGW_CTL_ADMIN &&
		    !is_read_cmd(read_cmds, cmd->name)) {
			r = -EACCES;
			agw_strbuf_printf(
				&body,
				"%s: permission denied (needs level admin)",
				cmd->name);
		} else if (cmd) {
			r = cmd->fn(arg, args, &body);
		} else {
			agw_strbuf_printf(&body,
					  "unknown command '%.64s' (try help)",
					  line);
		}
	}
	if (r >= 0 && body.err)
		r = body.err;
	if (r >= 0 && body.len > AGW_CTL_REPLY_MAX) {
		r = -EMSGSIZE;
		agw_strbuf_reset(&body);
		agw_strbuf_printf(&body, "reply longer than %u bytes",
				  AGW_CTL_REPLY_MAX);
	}
	if (r >= 0)
		reply(out, &body, NULL);
	else
		reply(out, NULL,
		      body.len && !body.err ? body.buf : strerror(-r));
	agw_strbuf_free(&body);
	*ran = r < 0 ? NULL : cmd;
	return r < 0 ? r : 0;
}

int agw_ctl_dispatch(const struct agw_ctl_cmd *cmds,
		     const char *const *read_cmds, void *arg,
		     enum agw_ctl_level level, char *line,
		     struct agw_strbuf *out)
{
	const struct agw_ctl_cmd *ran;

	return dispatch(cmds, read_cmds, arg, level, line, out, &ran);
}

/* Send what the reply still holds; 0 when all or part went, or -errno. */
static int client_flush(struct ctl_client *c)
{
	while (c->out_off < c->out.len) {
		ssize_t n = send(c->h.fd, c->out.buf + c->out_off,
				 c->out.len - c->out_off, MSG_NOSIGNAL);

		if (n < 0)
			return errno == EAGAIN ? 0 : -errno;
		c->out_off += n;
		touch(c);
	}
	if (c->out.cap > OUT_KEEP)
		agw_strbuf_free(&c->out);
	else
		agw_strbuf_reset(&c->out);
	c->out_off = 0;
	return 0;
}

/* Run the first complete request line of c->in into c->out. */
static void client_run_one(struct ctl_client *c, char *nl)
{
	struct agw_ctlsock *s = c->srv;
	const struct agw_ctl_cmd *ran;
	size_t used = nl - c->in + 1;

	*nl = 0;
	s->st.requests++;
	if (dispatch(s->cmds, s->read_cmds, s->arg, c->level, c->in, &c->out,
		     &ran) == -EACCES)
		s->st.denied++;
	if (c->out.err) {
		/* not even the error reply fitted: drop the client */
		agw_strbuf_free(&c->out);
	}
	memmove(c->in, c->in + used, c->in_len - used);
	c->in_len -= used;
	if (ran && s->subscribe_cmd && !strcmp(ran->name, s->subscribe_cmd) &&
	    c->out.len) {
		/* from now on events only: what else it sent is dropped */
		c->subscriber = true;
		c->in_len = 0;
		s->st.subscribers++;
		if (s->changed)
			s->changed(s->arg, s->st.subscribers);
	}
	touch(c);
}

/*
 * A subscriber: send what waits, read and discard what it sends (its
 * hang-up closes it). 1 while events wait, 0 when none, -errno to close.
 */
static int subscriber_pump(struct ctl_client *c)
{
	char sink[512];
	int err;

	if (c->dropped)
		return -ENOBUFS;
	err = client_flush(c);
	if (err)
		return err;
	for (int budget = CLIENT_BUDGET; budget > 0; budget--) {
		ssize_t n = recv(c->h.fd, sink, sizeof(sink), 0);

		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0)
			return n ? -errno : -ECONNRESET;
	}
	return c->out.len ? 1 : 0;
}

/*
 * Send the pending reply; once it is gone run the next buffered request,
 * reading more only when none is buffered. Returns 1 while a reply waits
 * for the peer (or the budget ran out), 0 when waiting for requests,
 * -errno to close.
 */
static int client_pump(struct ctl_client *c)
{
	for (int budget = CLIENT_BUDGET; budget > 0; budget--) {
		char *nl;
		ssize_t n;
		int err;

		if (c->subscriber)
			return subscriber_pump(c);
		if (c->out.len) {
			err = client_flush(c);
			if (err)
				return err;
			if (c->out.len)
				return 1;
		}
		nl = memchr(c->in, '\n', c->in_len);
		if (nl) {
			client_run_one(c, nl);
			if (!c->out.len)
				return -ENOMEM;
			continue;
		}
		if (c->in_len == sizeof(c->in)) {
			char e[64];

			snprintf(e, sizeof(e), "request longer than %d bytes",
				 AGW_CTL_REQ_MAX - 1);
			reply(&c->out, NULL, e);
			client_flush(c);
			return -E2BIG;
		}
		n = recv(c->h.fd, c->in + c->in_len, sizeof(c->in) - c->in_len,
			 0);
		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n <= 0)
			return n ? -errno : -ECONNRESET;
		c->in_len += n;
		touch(c);
	}
	return 1;
}

static void client_arm(struct ctl_client *c, bool waiting)
{
	/* a subscriber waits for events as long as it likes */
	if (c->subscriber && !waiting) {
		agw_timer_stop(c->srv->loop, &c->timer);
		return;
	}
	agw_timer_start_at(c->srv->loop, &c->timer,
			   c->last_ms + (waiting ? AGW_CTL_STALL_MS :
						   AGW_CTL_IDLE_MS));
}

static void on_client(struct agw_evfd *h, uint32_t events)
{
	struct ctl_client *c = h->arg;
	int r;

	if (events & EPOLLERR) {
		client_close(c);
		return;
	}
	r = client_pump(c);
	if (r < 0) {
		client_close(c);
		return;
	}
	/* while a reply waits, no request is read: pipelined requests stay
	 * in the kernel's bounded socket buffer */
	agw_evloop_mod_fd(c->srv->loop, h, r ? EPOLLOUT : EPOLLIN);
	client_arm(c, c->out.len);
}

static void on_timer(struct agw_timer *t)
{
	struct ctl_client *c = t->arg;
	struct agw_ctlsock *s = c->srv;

	if (c->out.len) {
		s->st.stalled++;
		agw_log_ratelimited(
			&s->rl, AGW_LOG_NOTICE,
			"control socket: client read nothing of a %zu-byte %s for %d ms, dropped",
			c->out.len - c->out_off,
			c->subscriber ? "backlog of events" : "reply",
			AGW_CTL_STALL_MS);
	}
	client_close(c);
}

static void oldest(struct ctl_client **pick, struct ctl_client *c)
{
	if (!*pick || c->last_seq < (*pick)->last_seq)
		*pick = c;
}

/*
 * A free slot, or the slot of the client evicted for a new one: the one
 * idle the longest, else the one whose reply waited the longest, else
 * the oldest subscriber.
 */
static struct ctl_client *client_slot(struct agw_ctlsock *s)
{
	struct ctl_client *idle = NULL, *busy = NULL, *sub = NULL, *c;

	for (int i = 0; i < AGW_CTL_MAX_CLIENTS; i++) {
		c = &s->clients[i];
		if (!c->used)
			return c;
		if (c->subscriber)
			oldest(&sub, c);
		else if (!c->out.len && !c->in_len)
			oldest(&idle, c);
		else
			oldest(&busy, c);
	}
	c = idle ? idle : busy ? busy : sub;
	s->st.evicted++;
	agw_log_ratelimited(
		&s->rl, AGW_LOG_NOTICE,
		"control socket: %d clients already, closing the %s for %llu ms",
		AGW_CTL_MAX_CLIENTS,
		idle ? "one idle" :
		busy ? "one stalled" :
		       "monitor quiet the longest",
		(unsigned long long)(agw_now_ms() - c->last_ms));
	client_close(c);
	return c;
}

static enum agw_ctl_level peer_level(int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len))
		return AGW_CTL_READ;
	return cred.uid == 0 || cred.uid == geteuid() ? AGW_CTL_ADMIN :
							AGW_CTL_READ;
}

static void on_accept(struct agw_evfd *h, uint32_t events)
{
	struct agw_ctlsock *s = h->arg;
	struct ctl_client *c;
	int fd = accept4(h->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (fd < 0)
		return;
	c = client_slot(s);
	memset(c, 0, sizeof(*c));
	c->srv = s;
	c->level = peer_level(fd);
	touch(c);
	agw_strbuf_init(&c->out);
	agw_timer_init(&c->timer, on_timer, c);
	if (agw_evloop_add_fd(s->loop, &c->h, fd, EPOLLIN, on_client, c)) {
		close(fd);
		return;
	}
	c->used = true;
	s->st.clients++;
	s->st.accepted++;
	client_arm(c, false);
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
	    chmod(path, 0660) || listen(fd, 64)) {
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
	for (int i = 0; i < AGW_CTL_MAX_CLIENTS; i++)
		if (s->clients[i].used)
			client_close(&s->clients[i]);
	agw_evloop_del_fd(s->loop, &s->listen_h);
	close(s->listen_h.fd);
	unlink(s->path);
	free(s);
}

void agw_ctlsock_set_read_cmds(struct agw_ctlsock *s, const char *const *names)
{
	s->read_cmds = names;
}

void agw_ctlsock_get_stats(const struct agw_ctlsock *s,
			   struct agw_ctlsock_stats *st)
{
	*st = s->st;
}

void agw_ctlsock_set_subscribe_cmd(struct agw_ctlsock *s, const char *name,
				   void (*changed)(void *arg, unsigned int n))
{
	s->subscribe_cmd = name;
	s->changed = changed;
}

unsigned int agw_ctlsock_subscribers(const struct agw_ctlsock *s)
{
	return s ? s->st.subscribers : 0;
}

/*
 * Over its bound: no more events, and the socket is shut down so that
 * the event loop closes the client (publish may run inside any handler,
 * this client's own included, so it is not closed here).
 */
static void subscriber_drop(struct ctl_client *c, size_t pending)
{
	struct agw_ctlsock *s = c->srv;

	c->dropped = true;
	s->st.stalled++;
	agw_log_ratelimited(
		&s->rl, AGW_LOG_NOTICE,
		"control socket: monitor client left %zu bytes of events unread (at most %u), dropped",
		pending, AGW_CTL_EVENTS_MAX);
	agw_strbuf_free(&c->out);
	c->out_off = 0;
	shutdown(c->h.fd, SHUT_RDWR);
	agw_evloop_mod_fd(s->loop, &c->h, EPOLLIN);
}

void agw_ctlsock_publish(struct agw_ctlsock *s, const char *line, size_t len)
{
	if (!s || !s->st.subscribers)
		return;
	s->st.events++;
	for (int i = 0; i < AGW_CTL_MAX_CLIENTS; i++) {
		struct ctl_client *c = &s->clients[i];
		size_t pending;

		if (!c->used || !c->subscriber || c->dropped)
			continue;
		pending = c->out.len - c->out_off;
		if (pending + len + 1 > AGW_CTL_EVENTS_MAX) {
			subscriber_drop(c, pending);
			continue;
		}
		/* what was sent goes before the buffer grows */
		if (c->out_off && c->out_off >= pending) {
			memmove(c->out.buf, c->out.buf + c->out_off, pending);
			c->out.len = pending;
			c->out_off = 0;
		}
		agw_strbuf_append(&c->out, line, len);
		agw_strbuf_append(&c->out, "\n", 1);
		if (c->out.err) {
			subscriber_drop(c, pending);
			continue;
		}
		if (!pending) {
			/* the stall clock starts with the first unsent event */
			c->last_ms = agw_now_ms();
			agw_evloop_mod_fd(s->loop, &c->h, EPOLLOUT);
			client_arm(c, true);
		}
	}
}

/* ---- client ----------------------------------------------------------- */

int agw_ctl_connect(const char *sock_path)
{
	struct sockaddr_un sun;
	int fd, err;

	err = fill_sun(&sun, sock_path);
	if (err)
		return err;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun))) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

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

/*
 * One request; the reply goes to *buf (len bytes, or grown with realloc
 * up to max when grow is set). Waits up to CLIENT_TIMEOUT_MS without
 * progress.
 */
static int ctl_request(const char *sock_path, const char *req, char **buf,
		       size_t len, size_t max, bool grow)
{
	uint64_t deadline = agw_now_ms() + CLIENT_TIMEOUT_MS;
	size_t rlen = strlen(req), have = 0, sent = 0;
	int fd, err = 0;
	ssize_t n;

	if (!len)
		return -EINVAL;
	if (rlen >= AGW_CTL_REQ_MAX || memchr(req, '\n', rlen))
		return -EINVAL;
	fd = agw_ctl_connect(sock_path);
	if (fd < 0)
		return fd;
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
			char *b;

			if (!grow || len >= max) {
				err = -EMSGSIZE;
				goto out;
			}
			len = len * 2 < max ? len * 2 : max;
			b = realloc(*buf, len);
			if (!b) {
				err = -ENOMEM;
				goto out;
			}
			*buf = b;
		}
		n = recv(fd, *buf + have, len - 1 - have, 0);
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
		deadline = agw_now_ms() + CLIENT_TIMEOUT_MS;
		nl = memchr(*buf + have, '\n', n);
		have += n;
		if (nl) {
			*nl = 0;
			err = nl - *buf;
			goto out;
		}
	}
out:
	close(fd);
	return err;
}

int agw_ctl_request(const char *sock_path, const char *req, char *reply,
		    size_t len)
{
	return ctl_request(sock_path, req, &reply, len, len, false);
}

int agw_ctl_request_alloc(const char *sock_path, const char *req, char **reply,
			  size_t max)
{
	int r;

	*reply = malloc(4096);
	if (!*reply)
		return -ENOMEM;
	r = ctl_request(sock_path, req, reply, 4096, max, true);
	if (r < 0) {
		free(*reply);
		*reply = NULL;
	}
	return r;
}
