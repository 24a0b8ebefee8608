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

/* Prints the JSON value starting at *p as "path: value" lines; returns
 * -EINVAL on malformed input. Only what agwd emits needs handling. */
static int flatten(const char **p, char *path, size_t plen, size_t used)
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
			err = flatten(&s, path, plen, n);
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
		printf("%s: %.*s\n", path, (int)(s - v - 1), v + 1);
		*p = s + 1;
		return 0;
	}
	while (*s && *s != ',' && *s != '}' && *s != ']')
		s++;
	printf("%s: %.*s\n", path, (int)(s - v), v);
	*p = s;
	return 0;
}

int agwctl_daemon(struct agwctl *ctl, int argc, char **argv)
{
	static char reply[REPLY_MAX];
	char req[AGW_CTL_REQ_MAX], path[512] = "";
	const char *p = reply;
	size_t n = 0;
	int i, len;

	for (i = 0; i < argc; i++) {
		int w = snprintf(req + n, sizeof(req) - n, "%s%s", i ? " " : "",
				 argv[i]);

		if (w < 0 || (size_t)w >= sizeof(req) - n)
			return agwctl_err(ctl, "%s: request too long", argv[0]);
		n += w;
	}
	len = agw_ctl_request(ctl->socket, req, reply, sizeof(reply));
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
	if (ctl->json) {
		printf("%s\n", reply);
		return 0;
	}
	if (flatten(&p, path, sizeof(path), 0))
		return agwctl_err(ctl, "%s: malformed reply from agwd",
				  argv[0]);
	return 0;
}
