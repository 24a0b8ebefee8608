// SPDX-License-Identifier: GPL-2.0-only
/*
 * agwctl status (and any other agwd control command): one request over
 * agwd's unix socket. agwd answers in JSON; -j prints it as it came, text
 * mode flattens it into "path: value" lines (strings unescaped).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "agw/ctlsock.h"
#include "agw/json.h"
#include "agwctl.h"

#define REPLY_MAX 65536

static void print_pair(void *arg, const char *path, enum agw_json_type type,
		       const char *val, size_t len)
{
	printf("%s: %s\n", path, val);
}

/* The "error" member of agwd's {"ok":false,...} reply. */
static void find_error(void *arg, const char *path, enum agw_json_type type,
		       const char *val, size_t len)
{
	if (!strcmp(path, "error") && type == AGW_JSON_STRING)
		snprintf(arg, 256, "%s", val);
}

int agwctl_request(struct agwctl *ctl, int argc, char **argv, char *reply,
		   size_t size)
{
	char req[AGW_CTL_REQ_MAX];
	size_t n = 0;
	int i, len;

	for (i = 0; i < argc; i++) {
		int w = snprintf(req + n, sizeof(req) - n, "%s%s", i ? " " : "",
				 argv[i]);

		if (w < 0 || (size_t)w >= sizeof(req) - n)
			return agwctl_err(ctl, "%s: request too long", argv[0]);
		n += w;
	}
	len = agw_ctl_request(ctl->socket, req, reply, size);
	if (len == -ENOENT || len == -ECONNREFUSED)
		return agwctl_err(ctl,
				  "%s: agwd is not running (no socket at %s)",
				  argv[0], ctl->socket);
	if (len < 0)
		return agwctl_err(ctl, "%s: %s: %s", argv[0], ctl->socket,
				  strerror(-len));
	if (strncmp(reply, "{\"ok\":true", 10)) {
		char e[256] = "";

		agw_json_walk(reply, (size_t)len, find_error, e);
		return agwctl_err(ctl, "%s: agwd: %s", argv[0],
				  e[0] ? e : reply);
	}
	return 0;
}

int agwctl_daemon(struct agwctl *ctl, int argc, char **argv)
{
	static char reply[REPLY_MAX];
	int rc = agwctl_request(ctl, argc, argv, reply, sizeof(reply));

	if (rc)
		return rc;
	if (ctl->json) {
		printf("%s\n", reply);
		return 0;
	}
	if (agw_json_walk(reply, strlen(reply), print_pair, NULL))
		return agwctl_err(ctl, "%s: malformed reply from agwd",
				  argv[0]);
	return 0;
}
