// SPDX-License-Identifier: GPL-2.0-only
/*
 * agwctl status (and any other agwd control command): one request over
 * agwd's unix socket. agwd answers in JSON; -j prints it as it came, text
 * mode flattens it into "path: value" lines.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "agw/ctlsock.h"
#include "agwctl.h"

#define REPLY_MAX 65536

/* Hands every scalar of the JSON value starting at *p to fn with its path
 * ("a.b[2].c"); returns -EINVAL on malformed input. Only what agwd emits
 * needs handling. */
int agwctl_json_walk(const char **p, char *path, size_t plen, size_t used,
		     agwctl_json_fn fn, void *arg)
{
	const char *s = *p;
	int err;

	while (*s == ' ')
		s++;
	if (*s == '{' || *s == '[') {
		char close = *s == '{' ? '}' : ']';
		int idx = 0;

		s++;
		while (*s && *s != close) {
			size_t n = used;

			if (close == '}') {
				const char *k = ++s; /* past the quote */

				while (*s && *s != '"')
					s++;
				n += snprintf(path + used, plen - used,
					      "%s%.*s", used ? "." : "",
					      (int)(s - k), k);
				if (!*s++ || *s++ != ':')
					return -EINVAL;
			} else {
				n += snprintf(path + used, plen - used, "[%d]",
					      idx++);
			}
			if (n >= plen)
				return -EINVAL;
			err = agwctl_json_walk(&s, path, plen, n, fn, arg);
			if (err)
				return err;
			path[used] = '\0';
			if (*s == ',')
				s++;
		}
		if (*s != close)
			return -EINVAL;
		*p = s + 1;
		return 0;
	}
	/* a scalar: a string (escapes kept as written) or a bare word */
	const char *v = s;

	if (*s == '"') {
		for (s++; *s && *s != '"'; s++)
			if (*s == '\\' && s[1])
				s++;
		if (!*s)
			return -EINVAL;
		fn(arg, path, v + 1, (int)(s - v - 1));
		*p = s + 1;
		return 0;
	}
	while (*s && *s != ',' && *s != '}' && *s != ']')
		s++;
	fn(arg, path, v, (int)(s - v));
	*p = s;
	return 0;
}

static void print_pair(void *arg, const char *path, const char *val, int len)
{
	printf("%s: %.*s\n", path, len, val);
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
		const char *e = strstr(reply, "\"error\":\"");

		return agwctl_err(ctl, "%s: agwd: %.*s", argv[0],
				  e ? (int)strcspn(e + 9, "\"") : len,
				  e ? e + 9 : reply);
	}
	return 0;
}

int agwctl_daemon(struct agwctl *ctl, int argc, char **argv)
{
	static char reply[REPLY_MAX];
	char path[512] = "";
	const char *p = reply;
	int rc = agwctl_request(ctl, argc, argv, reply, sizeof(reply));

	if (rc)
		return rc;
	if (ctl->json) {
		printf("%s\n", reply);
		return 0;
	}
	if (agwctl_json_walk(&p, path, sizeof(path), 0, print_pair, NULL))
		return agwctl_err(ctl, "%s: malformed reply from agwd",
				  argv[0]);
	return 0;
}
