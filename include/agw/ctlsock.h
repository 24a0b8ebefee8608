/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Local control socket between agwd and agwctl (a unix stream socket).
 *
 * Protocol: the client sends one request per line, "COMMAND [ARGS]\n"
 * (at most 1023 bytes); agwd answers each with one line of JSON, an
 * object that starts with "ok": {"ok":true,...} or
 * {"ok":false,"error":"..."}. Several requests may share a connection.
 */
#ifndef AGW_CTLSOCK_H
#define AGW_CTLSOCK_H

#include <stddef.h>

#include "agw/strbuf.h"

#define AGW_CTL_REQ_MAX 1024

struct agw_evloop;
struct agw_ctlsock;

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

/*
 * Client: send req (without newline), wait up to 5 s for the reply line.
 * Returns the reply length (NUL-terminated, newline removed) or -errno;
 * -EMSGSIZE when reply is too small.
 */
int agw_ctl_request(const char *sock_path, const char *req, char *reply,
		    size_t len);

#endif /* AGW_CTLSOCK_H */
