/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Local control socket between agwd and agwctl (a unix stream socket).
 *
 * Protocol: the client sends one request per line, "COMMAND [ARGS]\n"
 * (at most 1023 bytes); agwd answers each with one line of JSON, an
 * object that starts with "ok": {"ok":true,...} or
 * {"ok":false,"error":"..."}. Several requests may share a connection;
 * they are answered in order, one at a time: the next request of a client
 * is read only once the previous reply has been sent, so what agwd holds
 * for a client is at most one reply (AGW_CTL_REPLY_MAX), whatever the
 * client pipelines. A reply of any size is streamed as the client reads
 * it; a client that reads nothing of a pending reply for
 * AGW_CTL_STALL_MS is dropped.
 *
 * At most AGW_CTL_MAX_CLIENTS clients are connected; a new one evicts the
 * client idle the longest (no request or reply in progress), else the one
 * whose reply has waited the longest.
 *
 * Subscriptions: the command named by agw_ctlsock_set_subscribe_cmd()
 * (agwd's "monitor"), when it succeeds, turns
 * the client that ran it, once the reply is sent, into a subscriber: the
 * connection then carries only the lines agw_ctlsock_publish() pushes,
 * one JSON object a line, and whatever the client sends is read and
 * discarded. A subscriber is never closed for being idle; one that
 * leaves more than AGW_CTL_EVENTS_MAX bytes of events unread, or reads
 * nothing of waiting events for AGW_CTL_STALL_MS, is dropped (counted as
 * stalled): a slow reader costs at most that much memory.
 *
 * Levels (like HAProxy's stats socket levels): a peer whose uid
 * (SO_PEERCRED) is 0 or agwd's own has level admin; any other peer the
 * socket's mode and group let in has level read: it may run "help" and
 * the commands named by agw_ctlsock_set_read_cmds() and gets "permission
 * denied" for any other (a new command is admin-only unless listed).
 */
#ifndef AGW_CTLSOCK_H
#define AGW_CTLSOCK_H

#include <stdbool.h>
#include <stddef.h>

#include "agw/strbuf.h"

#define AGW_CTL_REQ_MAX 1024
#define AGW_CTL_MAX_CLIENTS 16
#define AGW_CTL_REPLY_MAX (256u << 20)
#define AGW_CTL_STALL_MS 10000
#define AGW_CTL_IDLE_MS 30000
#define AGW_CTL_EVENTS_MAX (1u << 20) /* unread events of one subscriber */

struct agw_evloop;
struct agw_ctlsock;

enum agw_ctl_level {
	AGW_CTL_READ = 0, /* any peer let in by the socket's mode */
	AGW_CTL_ADMIN, /* uid 0 or agwd's uid */
};

/*
 * A command writes the members that follow "ok":true into out, each
 * starting with a comma (e.g. ,"uptime_s":5). A negative return makes the
 * reply an error; out then holds the message text (or is empty for the
 * strerror text).
 */
struct agw_ctl_cmd {
	const char *name;
	const char *help;
	int (*fn)(void *arg, const char *args, struct agw_strbuf *out);
};

/* What the server counts (agwctl stats, Documentation/metrics.md). */
struct agw_ctlsock_stats {
	unsigned int clients; /* connected now */
	unsigned int subscribers; /* of them, subscribed (monitor) */
	unsigned long long accepted, evicted, stalled, requests, denied;
	unsigned long long events; /* lines published (each once) */
};

/*
 * Listen on path (its directory is created 0750, the socket is 0660; a
 * stale socket is replaced, a live one gives -EADDRINUSE). cmds ends with
 * a NULL name; "help" is built in.
 */
int agw_ctlsock_open(struct agw_evloop *loop, const char *path,
		     const struct agw_ctl_cmd *cmds, void *arg,
		     struct agw_ctlsock **out);
/* Closes every client and removes the socket file. */
void agw_ctlsock_close(struct agw_ctlsock *c);
/* The commands a read-level peer may run (NULL-terminated, kept by
 * reference); none besides "help" until set. */
void agw_ctlsock_set_read_cmds(struct agw_ctlsock *c, const char *const *names);
void agw_ctlsock_get_stats(const struct agw_ctlsock *c,
			   struct agw_ctlsock_stats *st);
/* The command that subscribes its client (kept by reference); none
 * until set. changed (may be NULL) is called with the server's arg and
 * the number of subscribers each time it changes (a producer starts and
 * stops with it). */
void agw_ctlsock_set_subscribe_cmd(struct agw_ctlsock *c, const char *name,
				   void (*changed)(void *arg, unsigned int n));

/*
 * Push one event line (len bytes without its newline, which is added) to
 * every subscriber; a subscriber over its bound is dropped. Nothing is
 * done without subscribers (agw_ctlsock_subscribers() tells beforehand,
 * so that a caller formats nothing for nobody). c may be NULL.
 */
void agw_ctlsock_publish(struct agw_ctlsock *c, const char *line, size_t len);
unsigned int agw_ctlsock_subscribers(const struct agw_ctlsock *c);

/*
 * Run one request line (without its newline; modified in place) against
 * cmds (read_cmds: what level read may run, may be NULL) and append its one-line reply, newline included, to out. The
 * server's parser and dispatcher, exposed for tests/fuzz/fuzz_ctlsock.c.
 * Returns 0 when the reply is {"ok":true...}, else -errno of the failure.
 */
int agw_ctl_dispatch(const struct agw_ctl_cmd *cmds,
		     const char *const *read_cmds, void *arg,
		     enum agw_ctl_level level, char *line,
		     struct agw_strbuf *out);

/* Client: a connected, blocking socket to sock_path, or -errno. */
int agw_ctl_connect(const char *sock_path);

/*
 * Client: send req (without newline), wait for the reply line (up to 5 s
 * without progress). Returns the reply length (NUL-terminated, newline
 * removed) or -errno; -EMSGSIZE when reply is too small.
 */
int agw_ctl_request(const char *sock_path, const char *req, char *reply,
		    size_t len);
/*
 * The same with a reply of any size up to max bytes: *reply is malloc'd
 * (the caller frees it) and holds the line without its newline.
 */
int agw_ctl_request_alloc(const char *sock_path, const char *req, char **reply,
			  size_t max);

#endif /* AGW_CTLSOCK_H */
