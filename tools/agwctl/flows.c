// SPDX-License-Identifier: GPL-2.0-only
/*
 * agwctl flows [CONTEXT]: agwd's relayed contexts, one line each (the
 * path the relay uses and why, bytes each way, bytes through user space,
 * stalls, time since the last byte, memory bound). -j prints agwd's JSON
 * reply as it came.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agw/json.h"
#include "agwctl.h"

enum col {
	C_CONTEXT,
	C_A,
	C_B,
	C_PATH,
	C_WHY,
	C_AB_BYTES,
	C_BA_BYTES,
	C_AB_USER,
	C_BA_USER,
	C_AB_STALLS,
	C_BA_STALLS,
	C_AB_LIMIT,
	C_BA_LIMIT,
	C_IDLE,
	C_MAX,
};

/* The JSON member (below flows[N].) of each column. */
static const char *const col_key[C_MAX] = {
	[C_CONTEXT] = "context",
	[C_A] = "a",
	[C_B] = "b",
	[C_PATH] = "path",
	[C_WHY] = "why",
	[C_AB_BYTES] = "a_to_b.bytes",
	[C_BA_BYTES] = "b_to_a.bytes",
	[C_AB_USER] = "a_to_b.user_bytes",
	[C_BA_USER] = "b_to_a.user_bytes",
	[C_AB_STALLS] = "a_to_b.stalls",
	[C_BA_STALLS] = "b_to_a.stalls",
	[C_AB_LIMIT] = "a_to_b.limit",
	[C_BA_LIMIT] = "b_to_a.limit",
	[C_IDLE] = "idle_ms",
};

struct table {
	char cell[C_MAX][64];
	long row; /* index of the flow being collected, -1 before the first */
	char default_path[16], sockmap[128];
	unsigned int printed;
};

static void print_row(struct table *t)
{
	char user[48], stalls[48], bound[48], idle[24];
	char(*c)[64] = t->cell;

	if (!t->printed++)
		printf("%-7s %-18s %-18s %-8s %-16s %12s %12s %-13s %-9s %-9s %s\n",
		       "CONTEXT", "A", "B", "PATH", "WHY", "A>B BYTES",
		       "B>A BYTES", "USER A>B/B>A", "STALLS", "IDLE",
		       "BOUND A>B/B>A");
	snprintf(user, sizeof(user), "%s/%s", c[C_AB_USER], c[C_BA_USER]);
	snprintf(stalls, sizeof(stalls), "%s/%s", c[C_AB_STALLS],
		 c[C_BA_STALLS]);
	snprintf(bound, sizeof(bound), "%s/%s", c[C_AB_LIMIT], c[C_BA_LIMIT]);
	if (!strcmp(c[C_IDLE], "-"))
		snprintf(idle, sizeof(idle), "-");
	else
		snprintf(idle, sizeof(idle), "%.1fs",
			 strtoull(c[C_IDLE], NULL, 10) / 1000.0);
	printf("%-7s %-18s %-18s %-8s %-16s %12s %12s %-13s %-9s %-9s %s\n",
	       c[C_CONTEXT], c[C_A], c[C_B], c[C_PATH], c[C_WHY], c[C_AB_BYTES],
	       c[C_BA_BYTES], user, stalls, idle, bound);
	memset(t->cell, 0, sizeof(t->cell));
}

/* JSON null (a counter the flow's relay does not keep) shows as "-". */
static void copy_val(char *dst, size_t size, enum agw_json_type type,
		     const char *val)
{
	snprintf(dst, size, "%s", type == AGW_JSON_NULL ? "-" : val);
}

static void collect(void *arg, const char *path, enum agw_json_type type,
		    const char *val, size_t len)
{
	struct table *t = arg;
	char *end;
	long row;

	if (!strcmp(path, "default_path")) {
		copy_val(t->default_path, sizeof(t->default_path), type, val);
		return;
	}
	if (!strcmp(path, "sockmap")) {
		copy_val(t->sockmap, sizeof(t->sockmap), type, val);
		return;
	}
	if (strncmp(path, "flows[", 6))
		return;
	row = strtol(path + 6, &end, 10);
	if (*end != ']' || end[1] != '.')
		return;
	if (row != t->row && t->row >= 0)
		print_row(t);
	t->row = row;
	for (int i = 0; i < C_MAX; i++)
		if (!strcmp(end + 2, col_key[i]))
			copy_val(t->cell[i], sizeof(t->cell[i]), type, val);
}

int agwctl_flows(struct agwctl *ctl, int argc, char **argv)
{
	struct table t = { .row = -1 };
	char *reply = NULL;
	int rc;

	if (argc > 2)
		return agwctl_err(ctl, "usage: agwctl flows [CONTEXT]");
	argv[0] = "flows"; /* also for the alias "relays" */
	rc = agwctl_request(ctl, argc, argv, &reply);
	if (rc)
		goto out;
	if (ctl->json) {
		rc = agwctl_print_json(ctl, reply);
		goto out;
	}
	if (agw_json_walk(reply, strlen(reply), collect, &t)) {
		rc = agwctl_err(ctl, "flows: malformed reply from agwd");
		goto out;
	}
	if (t.row >= 0)
		print_row(&t);
	printf("%u flow%s; default path %s, sockmap %s\n", t.printed,
	       t.printed == 1 ? "" : "s", t.default_path, t.sockmap);
out:
	free(reply);
	return rc;
}
