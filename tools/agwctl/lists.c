// SPDX-License-Identifier: GPL-2.0-only
/*
 * agwctl status, contexts [ID] and terminations [ID | --context N |
 * --realm R | --state S]: agwd's JSON reply as tables, a header line then
 * one line per object (iproute2's "ip -br" and ss(8) are the model). The
 * filter goes to agwd, which sends only what matches. -j prints the
 * reply as it came, -p indented.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agw/json.h"
#include "agwctl.h"

#define CELL 128

/*
 * The rows of a reply: the members keys[] below array[N]. (array NULL:
 * the top level is the one row). A key "x[]" is x's elements joined by
 * commas. A cell never seen, or null, prints as "-".
 */
struct rows {
	const char *array;
	const char *const *keys;
	unsigned int nkeys;
	char (*cell)[CELL];
	long row; /* the row being collected, -1 before the first */
	void (*print)(struct rows *r);
	unsigned int printed;
};

static const char *cell(struct rows *r, unsigned int i)
{
	return r->cell[i][0] ? r->cell[i] : "-";
}

static void rows_flush(struct rows *r)
{
	r->print(r);
	r->printed++;
	memset(r->cell, 0, sizeof(*r->cell) * r->nkeys);
}

static void rows_collect(void *arg, const char *path, enum agw_json_type type,
			 const char *val, size_t len)
{
	struct rows *r = arg;
	const char *member = path;
	long row = 0;

	if (r->array) {
		size_t n = strlen(r->array);
		char *end;

		if (strncmp(path, r->array, n) || path[n] != '[')
			return;
		row = strtol(path + n + 1, &end, 10);
		if (*end != ']' || end[1] != '.')
			return;
		member = end + 2;
	}
	if (row != r->row && r->row >= 0)
		rows_flush(r);
	r->row = row;
	if (type == AGW_JSON_NULL)
		return;
	for (unsigned int i = 0; i < r->nkeys; i++) {
		const char *k = r->keys[i];
		size_t kl = strlen(k), used = strlen(r->cell[i]);

		if (kl > 2 && !strcmp(k + kl - 2, "[]")) {
			if (strncmp(member, k, kl - 2) || member[kl - 2] != '[')
				continue;
			snprintf(r->cell[i] + used, CELL - used, "%s%s",
				 used ? "," : "", val);
		} else if (!strcmp(member, k)) {
			snprintf(r->cell[i], CELL, "%s", val);
		}
	}
	(void)len;
}

/* Walk reply into r's rows, printing each; the exit status. */
static int rows_walk(struct agwctl *ctl, const char *what, struct rows *r,
		     const char *reply)
{
	char(*cells)[CELL] = calloc(r->nkeys, CELL);
	int rc = 0;

	if (!cells)
		return agwctl_err(ctl, "%s: out of memory", what);
	r->cell = cells;
	r->row = -1;
	if (agw_json_walk(reply, strlen(reply), rows_collect, r))
		rc = agwctl_err(ctl, "%s: malformed reply from agwd", what);
	else if (r->row >= 0)
		rows_flush(r);
	free(cells);
	return rc;
}

/* One request; its reply printed as JSON or handed to text(). */
static int list(struct agwctl *ctl, int argc, char **argv,
		int (*text)(struct agwctl *ctl, const char *reply))
{
	char *reply = NULL;
	int rc = agwctl_request(ctl, argc, argv, &reply);

	if (!rc)
		rc = ctl->json ? agwctl_print_json(ctl, reply) :
				 text(ctl, reply);
	free(reply);
	return rc;
}

/* ---- status ------------------------------------------------------------ */

enum {
	S_MID,
	S_REG,
	S_MGC,
	S_UDP,
	S_TCP,
	S_TCP_UP,
	S_UPTIME,
	S_VERSION,
	S_PID,
	S_LIM_CTX,
	S_LIM_TERM,
	S_FD_LIMITED,
	S_MAX
};
static const char *const status_keys[S_MAX] = {
	[S_MID] = "mid",
	[S_REG] = "registration",
	[S_MGC] = "mgc[]",
	[S_UDP] = "transport.udp",
	[S_TCP] = "transport.tcp",
	[S_TCP_UP] = "transport.tcp_connected",
	[S_UPTIME] = "uptime_s",
	[S_VERSION] = "version",
	[S_PID] = "pid",
	[S_LIM_CTX] = "limits.contexts",
	[S_LIM_TERM] = "limits.terminations",
	[S_FD_LIMITED] = "limits.fd_limited",
};

static void print_status(struct rows *r)
{
	char transport[32], limits[64];
	bool udp = !strcmp(cell(r, S_UDP), "true"),
	     tcp = !strcmp(cell(r, S_TCP), "true");

	snprintf(transport, sizeof(transport), "%s%s%s%s", udp ? "udp" : "",
		 udp && tcp ? "+" : "", tcp ? "tcp" : "",
		 !tcp				    ? "" :
		 !strcmp(cell(r, S_TCP_UP), "true") ? "(up)" :
						      "(down)");
	/* contexts/terminations, the latter lowered to fit RLIMIT_NOFILE */
	snprintf(limits, sizeof(limits), "%s/%s%s", cell(r, S_LIM_CTX),
		 cell(r, S_LIM_TERM),
		 !strcmp(cell(r, S_FD_LIMITED), "true") ? "(fd)" : "");
	printf("%-22s %-13s %-22s %-12s %-9s %-8s %-8s %s\n", "MID",
	       "REGISTRATION", "MGC", "TRANSPORT", "UPTIME", "VERSION", "PID",
	       "LIMITS CTX/TERM");
	printf("%-22s %-13s %-22s %-12s %-9s %-8s %-8s %s\n", cell(r, S_MID),
	       cell(r, S_REG), cell(r, S_MGC), transport[0] ? transport : "-",
	       cell(r, S_UPTIME), cell(r, S_VERSION), cell(r, S_PID), limits);
}

enum { R_NAME, R_IF, R_LINK, R_ATTACH, R_MIN, R_MAX, R_FREE, R_ADDRS, R_NKEYS };
static const char *const realm_keys[R_NKEYS] = {
	[R_NAME] = "name",	 [R_IF] = "interface",
	[R_LINK] = "link_up",	 [R_ATTACH] = "attach",
	[R_MIN] = "ports.min",	 [R_MAX] = "ports.max",
	[R_FREE] = "ports.free", [R_ADDRS] = "addresses[]",
};

static void print_realm(struct rows *r)
{
	char ports[32];

	if (!r->printed)
		printf("\n%-10s %-16s %-5s %-12s %-12s %-6s %s\n", "REALM",
		       "INTERFACE", "LINK", "ATTACH", "PORTS", "FREE",
		       "ADDRESSES");
	snprintf(ports, sizeof(ports), "%s-%s", cell(r, R_MIN), cell(r, R_MAX));
	printf("%-10s %-16s %-5s %-12s %-12s %-6s %s\n", cell(r, R_NAME),
	       cell(r, R_IF), !strcmp(cell(r, R_LINK), "true") ? "up" : "down",
	       cell(r, R_ATTACH), ports, cell(r, R_FREE), cell(r, R_ADDRS));
}

static int status_text(struct agwctl *ctl, const char *reply)
{
	struct rows st = { .keys = status_keys,
			   .nkeys = S_MAX,
			   .print = print_status };
	struct rows realms = { .array = "realms",
			       .keys = realm_keys,
			       .nkeys = R_NKEYS,
			       .print = print_realm };

	return rows_walk(ctl, "status", &st, reply) ?:
		       rows_walk(ctl, "status", &realms, reply);
}

int agwctl_status(struct agwctl *ctl, int argc, char **argv)
{
	if (argc > 1)
		return agwctl_err(ctl, "usage: agwctl status");
	return list(ctl, argc, argv, status_text);
}

/* ---- contexts ---------------------------------------------------------- */

enum { C_ID, C_RELAYING, C_PATH, C_TERMS, C_NKEYS };
static const char *const ctx_keys[C_NKEYS] = {
	[C_ID] = "id",
	[C_RELAYING] = "relaying",
	[C_PATH] = "relay_path",
	[C_TERMS] = "terminations[]",
};

#define CTX_FMT "%-8s %-9s %-16s %s\n"

static void print_ctx(struct rows *r)
{
	printf(CTX_FMT, cell(r, C_ID),
	       !strcmp(cell(r, C_RELAYING), "true") ? "yes" : "no",
	       cell(r, C_PATH), cell(r, C_TERMS));
}

static int contexts_text(struct agwctl *ctl, const char *reply)
{
	struct rows r = { .array = "contexts",
			  .keys = ctx_keys,
			  .nkeys = C_NKEYS,
			  .print = print_ctx };

	printf(CTX_FMT, "CONTEXT", "RELAYING", "PATH", "TERMINATIONS");
	return rows_walk(ctl, "contexts", &r, reply);
}

int agwctl_contexts(struct agwctl *ctl, int argc, char **argv)
{
	if (argc > 2 || (argc == 2 && argv[1][0] == '-'))
		return agwctl_err(ctl, "usage: agwctl contexts [ID]");
	return list(ctl, argc, argv, contexts_text);
}

/* ---- terminations ------------------------------------------------------ */

enum {
	T_ID,
	T_CTX,
	T_REALM,
	T_STATE,
	T_GATE,
	T_LOCAL,
	T_REMOTE,
	T_SYN_OK,
	T_SYN_DROP,
	T_TX,
	T_RX,
	T_TLS,
	T_TLS_RELAY,
	T_AGE,
	T_NKEYS
};
static const char *const term_keys[T_NKEYS] = {
	[T_ID] = "id",
	[T_CTX] = "context",
	[T_REALM] = "realm",
	[T_STATE] = "state",
	[T_GATE] = "gate_mode",
	[T_LOCAL] = "local",
	[T_REMOTE] = "remote",
	[T_SYN_OK] = "syn_admitted",
	[T_SYN_DROP] = "syn_dropped",
	[T_TX] = "octets_sent",
	[T_RX] = "octets_received",
	[T_TLS] = "tls.state",
	[T_TLS_RELAY] = "tls.relay_mode",
	[T_AGE] = "age_ms",
};

#define TERM_FMT "%-18s %-7s %-8s %-10s %-6s %-22s %-22s %-11s %-21s %-16s %s\n"

static void print_term(struct rows *r)
{
	char syn[48], oct[48], age[24], tls[48];

	snprintf(syn, sizeof(syn), "%s/%s", cell(r, T_SYN_OK),
		 cell(r, T_SYN_DROP));
	snprintf(oct, sizeof(oct), "%s/%s", cell(r, T_TX), cell(r, T_RX));
	snprintf(age, sizeof(age), "%.1fs",
		 strtoull(cell(r, T_AGE), NULL, 10) / 1000.0);
	/* the TLS state, and how a relayed session is relayed */
	snprintf(tls, sizeof(tls), "%s%s%s", cell(r, T_TLS),
		 r->cell[T_TLS_RELAY][0] ? "/" : "", r->cell[T_TLS_RELAY]);
	printf(TERM_FMT, cell(r, T_ID), cell(r, T_CTX), cell(r, T_REALM),
	       cell(r, T_STATE), cell(r, T_GATE), cell(r, T_LOCAL),
	       cell(r, T_REMOTE), syn, oct, tls, age);
}

static int terminations_text(struct agwctl *ctl, const char *reply)
{
	struct rows r = { .array = "terminations",
			  .keys = term_keys,
			  .nkeys = T_NKEYS,
			  .print = print_term };

	printf(TERM_FMT, "ID", "CONTEXT", "REALM", "STATE", "GATE", "LOCAL",
	       "REMOTE", "SYN OK/DROP", "OCTETS TX/RX", "TLS", "AGE");
	return rows_walk(ctl, "terminations", &r, reply);
}

int agwctl_terminations(struct agwctl *ctl, int argc, char **argv)
{
	static const char usage[] =
		"usage: agwctl terminations [ID | --context N | --realm R | --state S]";
	char *req[8] = { "terminations" };
	int n = 1;

	/* --context N is "context N" on the wire */
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (n == 7)
			return agwctl_err(ctl, "%s", usage);
		if (!strcmp(a, "--context") || !strcmp(a, "--realm") ||
		    !strcmp(a, "--state")) {
			if (i + 1 == argc)
				return agwctl_err(
					ctl, "terminations: %s takes a value",
					a);
			req[n++] = (char *)a + 2;
			req[n++] = argv[++i];
		} else if (a[0] == '-' || n > 1) {
			return agwctl_err(ctl, "%s", usage);
		} else {
			req[n++] = argv[i];
		}
	}
	return list(ctl, n, req, terminations_text);
}
