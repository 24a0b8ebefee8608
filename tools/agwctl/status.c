// SPDX-License-Identifier: GPL-2.0-only
/*
 * agwctl status (and any other agwd control command): one request over
 * agwd's unix socket. agwd answers in JSON; -j prints it as it came, text
 * mode flattens it into "path: value" lines.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agw/ctlsock.h"
#include "agwctl.h"

/* A reply of any size agwd sends (AGW_CTL_REPLY_MAX) */
#define REPLY_MAX AGW_CTL_REPLY_MAX

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

/* "path: value", strings unescaped (bare words have no escapes) */
static void print_pair(void *arg, const char *path, const char *val, int len)
{
	char *text = malloc(len + 1);

	if (text && agwctl_json_unescape(val, len, text) >= 0)
		printf("%s: %s\n", path, text);
	else
		printf("%s: %.*s\n", path, len, val);
	free(text);
}

int agwctl_request(struct agwctl *ctl, int argc, char **argv, char **reply)
{
	char req[AGW_CTL_REQ_MAX];
	size_t n = 0;
	int i, len;

	*reply = NULL;
	for (i = 0; i < argc; i++) {
		int w = snprintf(req + n, sizeof(req) - n, "%s%s", i ? " " : "",
				 argv[i]);

		if (w < 0 || (size_t)w >= sizeof(req) - n)
			return agwctl_err(ctl, "%s: request too long", argv[0]);
		n += w;
	}
	len = agw_ctl_request_alloc(ctl->socket, req, reply, REPLY_MAX);
	if (len == -ENOENT || len == -ECONNREFUSED)
		return agwctl_err(ctl,
				  "%s: agwd is not running (no socket at %s)",
				  argv[0], ctl->socket);
	if (len < 0)
		return agwctl_err(ctl, "%s: %s: %s", argv[0], ctl->socket,
				  strerror(-len));
	if (strncmp(*reply, "{\"ok\":true", 10)) {
		const char *e = strstr(*reply, "\"error\":\"");

		return agwctl_err(ctl, "%s: agwd: %.*s", argv[0],
				  e ? (int)strcspn(e + 9, "\"") : len,
				  e ? e + 9 : *reply);
	}
	return 0;
}

int agwctl_daemon(struct agwctl *ctl, int argc, char **argv)
{
	char path[512] = "";
	char *reply;
	const char *p;
	int rc = agwctl_request(ctl, argc, argv, &reply);

	if (rc)
		goto out;
	p = reply;
	if (ctl->json)
		printf("%s\n", reply);
	else if (agwctl_json_walk(&p, path, sizeof(path), 0, print_pair, NULL))
		rc = agwctl_err(ctl, "%s: malformed reply from agwd", argv[0]);
out:
	free(reply);
	return rc;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* \uXXXX as UTF-8 (surrogate pairs joined); returns bytes written */
static int put_utf8(unsigned int u, char *o)
{
	if (u < 0x80) {
		o[0] = u;
		return 1;
	}
	if (u < 0x800) {
		o[0] = 0xc0 | u >> 6;
		o[1] = 0x80 | (u & 0x3f);
		return 2;
	}
	if (u < 0x10000) {
		o[0] = 0xe0 | u >> 12;
		o[1] = 0x80 | (u >> 6 & 0x3f);
		o[2] = 0x80 | (u & 0x3f);
		return 3;
	}
	o[0] = 0xf0 | u >> 18;
	o[1] = 0x80 | (u >> 12 & 0x3f);
	o[2] = 0x80 | (u >> 6 & 0x3f);
	o[3] = 0x80 | (u & 0x3f);
	return 4;
}

static int read_u4(const char *s, unsigned int *u)
{
	*u = 0;
	for (int k = 0; k < 4; k++) {
		int h = hexval(s[k]);

		if (h < 0)
			return -EINVAL;
		*u = *u << 4 | h;
	}
	return 0;
}

int agwctl_json_unescape(const char *s, int len, char *out)
{
	int i = 0, o = 0;

	while (i < len) {
		unsigned int u, lo;

		if (s[i] != '\\') {
			out[o++] = s[i++];
			continue;
		}
		if (++i >= len)
			return -EINVAL;
		switch (s[i++]) {
		case '"':
			out[o++] = '"';
			break;
		case '\\':
			out[o++] = '\\';
			break;
		case '/':
			out[o++] = '/';
			break;
		case 'b':
			out[o++] = '\b';
			break;
		case 'f':
			out[o++] = '\f';
			break;
		case 'n':
			out[o++] = '\n';
			break;
		case 'r':
			out[o++] = '\r';
			break;
		case 't':
			out[o++] = '\t';
			break;
		case 'u':
			if (i + 4 > len || read_u4(s + i, &u))
				return -EINVAL;
			i += 4;
			if (u >= 0xd800 && u < 0xdc00 && i + 6 <= len &&
			    s[i] == '\\' && s[i + 1] == 'u' &&
			    !read_u4(s + i + 2, &lo) && lo >= 0xdc00 &&
			    lo < 0xe000) {
				u = 0x10000 + ((u - 0xd800) << 10) +
				    (lo - 0xdc00);
				i += 6;
			}
			/* 6 escaped bytes give at most 4 */
			o += put_utf8(u, out + o);
			break;
		default:
			return -EINVAL;
		}
	}
	out[o] = 0;
	return o;
}

struct text_val {
	const char *val;
	int len;
};

static void find_text(void *arg, const char *path, const char *val, int len)
{
	struct text_val *t = arg;

	if (!strcmp(path, "text")) {
		t->val = val;
		t->len = len;
	}
}

int agwctl_stats(struct agwctl *ctl, int argc, char **argv)
{
	char path[64] = "", *reply, *text = NULL;
	struct text_val t = {};
	const char *p;
	int rc = agwctl_request(ctl, argc, argv, &reply);

	if (rc)
		goto out;
	if (ctl->json) {
		printf("%s\n", reply);
		goto out;
	}
	p = reply;
	if (agwctl_json_walk(&p, path, sizeof(path), 0, find_text, &t) ||
	    !t.val || !(text = malloc(t.len + 1)) ||
	    agwctl_json_unescape(t.val, t.len, text) < 0) {
		rc = agwctl_err(ctl, "stats: malformed reply from agwd");
		goto out;
	}
	fputs(text, stdout);
out:
	free(text);
	free(reply);
	return rc;
}
