// SPDX-License-Identifier: GPL-2.0-only
/*
 * One request over agwd's unix socket (agwctl_request) and the commands
 * without a table of their own (help, loglevel, stats): agwd answers in
 * JSON; -j prints it as it came, -p indented, text mode flattens it into
 * "path: value" lines (strings unescaped).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agw/ctlsock.h"
#include "agw/json.h"
#include "agwctl.h"

/* A reply of any size agwd sends (AGW_CTL_REPLY_MAX) */
#define REPLY_MAX AGW_CTL_REPLY_MAX

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
		char e[256] = "";

		agw_json_walk(*reply, (size_t)len, find_error, e);
		return agwctl_err(ctl, "%s: agwd: %s", argv[0],
				  e[0] ? e : *reply);
	}
	return 0;
}

int agwctl_print_json(const struct agwctl *ctl, const char *json)
{
	struct agw_strbuf b;
	struct agw_json w;
	int rc = 0;

	if (!ctl->pretty) {
		printf("%s\n", json);
		return 0;
	}
	agw_strbuf_init(&b);
	agw_json_init(&w, &b);
	agw_json_set_pretty(&w, true);
	if (agw_json_copy(json, strlen(json), &w))
		rc = agwctl_err(ctl, "malformed JSON from agwd");
	else
		printf("%s\n", b.buf);
	agw_strbuf_free(&b);
	return rc;
}

int agwctl_daemon(struct agwctl *ctl, int argc, char **argv)
{
	char *reply;
	int rc = agwctl_request(ctl, argc, argv, &reply);

	if (rc)
		goto out;
	if (ctl->json)
		rc = agwctl_print_json(ctl, reply);
	else if (agw_json_walk(reply, strlen(reply), print_pair, NULL))
		rc = agwctl_err(ctl, "%s: malformed reply from agwd", argv[0]);
out:
	free(reply);
	return rc;
}

/* The "text" member of the stats reply, unescaped (a copy). */
static void find_text(void *arg, const char *path, enum agw_json_type type,
		      const char *val, size_t len)
{
	char **text = arg;

	if (!strcmp(path, "text") && type == AGW_JSON_STRING && !*text)
		*text = strndup(val, len);
}

int agwctl_stats(struct agwctl *ctl, int argc, char **argv)
{
	char *reply, *text = NULL;
	int rc = agwctl_request(ctl, argc, argv, &reply);

	if (rc)
		goto out;
	if (ctl->json) {
		rc = agwctl_print_json(ctl, reply);
		goto out;
	}
	if (agw_json_walk(reply, strlen(reply), find_text, &text) || !text) {
		rc = agwctl_err(ctl, "stats: malformed reply from agwd");
		goto out;
	}
	fputs(text, stdout);
out:
	free(text);
	free(reply);
	return rc;
}
