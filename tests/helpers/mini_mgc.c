// SPDX-License-Identifier: GPL-2.0-only
/*
 * mini_mgc: a minimal H.248 MGC over UDP for tests where the Erlang MGC
 * cannot run (the qemu guest's initramfs). It uses agw's own codec.
 *
 *   mini_mgc [-a ADDR] [-p PORT] [-d DIR] [-t SECS] [-s NAME=VALUE]...
 *
 * Binds ADDR:PORT (127.0.0.1:2945), waits for the MG's ServiceChange and
 * answers it, then reads commands from stdin, one a line:
 *   set NAME=VALUE          a variable for ${NAME} in action files
 *   send FILE [AS]          FILE (under DIR unless absolute) holds actions;
 *                           sent as one transaction with ${VAR}s replaced;
 *                           the reply is printed ("| " lines); with AS,
 *                           AS.context, AS.term, AS.addr, AS.port and
 *                           AS.fingerprint (from the first command's Local)
 *                           are printed ("var AS.x=...") and kept
 *   quit
 * and prints "done N" after the Nth command. Every request of the MG
 * (ServiceChange, heartbeat, Notify) gets an empty reply of the same
 * commands; Notifies are printed ("notify: " + the event line). Every wait
 * ends after SECS (15). Exit 0 at quit or end of input; 1 on an error
 * reply, a time-out, an unknown variable or a message that does not
 * decode; 2 on usage or socket errors.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "agw/h248.h"
#include "agw/profile.h"
#include "agw/strbuf.h"

#define MAX_VARS 64
#define MSG_MAX 65536

struct var {
	char name[64];
	char value[512];
};

struct mgc {
	int fd;
	int timeout_ms;
	const char *dir;
	const char *mid;
	unsigned int port;
	struct sockaddr_in mg; /* where the ServiceChange came from */
	bool registered;
	int version;
	uint32_t next_tid;
	struct h248_arena arena;
	struct var vars[MAX_VARS];
	unsigned int nvars;
	char rx[MSG_MAX + 1];
};

static int die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stdout, "mini_mgc: error: ");
	vfprintf(stdout, fmt, ap);
	fprintf(stdout, "\n");
	va_end(ap);
	fflush(stdout);
	return 1;
}

static int var_set(struct mgc *m, const char *name, size_t nlen,
		   const char *value)
{
	struct var *v = NULL;

	if (nlen >= sizeof(v->name) || strlen(value) >= sizeof(v->value))
		return -E2BIG;
	for (unsigned int i = 0; i < m->nvars; i++)
		if (strlen(m->vars[i].name) == nlen &&
		    !memcmp(m->vars[i].name, name, nlen))
			v = &m->vars[i];
	if (!v) {
		if (m->nvars == MAX_VARS)
			return -ENOSPC;
		v = &m->vars[m->nvars++];
		memcpy(v->name, name, nlen);
		v->name[nlen] = 0;
	}
	snprintf(v->value, sizeof(v->value), "%s", value);
	return 0;
}

/* ${item.KEY}, ${pkg.KEY}, ${name.KEY}: the profile table's names. */
static const char *profile_var(const char *name, size_t nlen)
{
	static const char *const kinds[] = { "item.", "pkg.", "name." };

	for (unsigned int k = 0; k < 3; k++) {
		size_t pl = strlen(kinds[k]);
		const struct agw_prof_entry *e;

		if (nlen <= pl || memcmp(name, kinds[k], pl))
			continue;
		e = agw_profile_by_key(name + pl, nlen - pl);
		if (!e)
			return NULL;
		return k == 0 ? e->full : k == 1 ? e->pkg : e->name;
	}
	return NULL;
}

static const char *var_get(const struct mgc *m, const char *name, size_t nlen)
{
	for (unsigned int i = 0; i < m->nvars; i++)
		if (strlen(m->vars[i].name) == nlen &&
		    !memcmp(m->vars[i].name, name, nlen))
			return m->vars[i].value;
	return profile_var(name, nlen);
}

static int now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int)(ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/* Print a message, each line prefixed. */
static void print_lines(const char *prefix, const char *s, size_t len)
{
	while (len) {
		const char *nl = memchr(s, '\n', len);
		size_t n = nl ? (size_t)(nl - s) : len;

		if (n && s[n - 1] == '\r')
			n--;
		printf("%s%.*s\n", prefix, (int)n, s);
		n = nl ? (size_t)(nl - s) + 1 : len;
		s += n;
		len -= n;
	}
}

static int send_text(struct mgc *m, const char *buf, size_t len)
{
	if (sendto(m->fd, buf, len, 0, (struct sockaddr *)&m->mg,
		   sizeof(m->mg)) != (ssize_t)len)
		return -errno;
	return 0;
}

/* An empty reply to every command of a request transaction. */
static int answer_request(struct mgc *m, const struct h248_message *req,
			  const struct h248_transaction *t)
{
	struct h248_mid mid = { .kind = H248_MID_IP4, .has_port = true };
	struct h248_message *r;
	struct h248_transaction *rt;
	char out[MSG_MAX];
	ssize_t n;

	mid.addr = (struct h248_str){ m->mid, (uint32_t)strlen(m->mid) };
	mid.port = (uint16_t)m->port;
	r = h248_build_message(&m->arena, req->version, &mid);
	rt = r ? h248_build_transaction(&m->arena, r, H248_TR_REPLY, t->id) :
		 NULL;
	if (!rt)
		return -ENOMEM;
	for (const struct h248_action *a = t->actions; a; a = a->next) {
		struct h248_action *ra;

		ra = h248_build_action(&m->arena, rt, a->ctx_kind, a->ctx_id);
		if (!ra)
			return -ENOMEM;
		for (const struct h248_command *c = a->cmds; c; c = c->next)
			if (!h248_build_command(&m->arena, ra, c->cmd,
						c->ntids ? c->tids[0].s :
							   H248_STR("ROOT")))
				return -ENOMEM;
	}
	n = h248_encode(r, H248_ENC_PRETTY, out, sizeof(out));
	if (n < 0)
		return (int)n;
	return send_text(m, out, (size_t)n);
}

static const char *cmd_name(uint8_t cmd)
{
	switch (cmd) {
	case H248_CMD_SERVICECHANGE:
		return "ServiceChange";
	case H248_CMD_NOTIFY:
		return "Notify";
	case H248_CMD_AUDITVALUE:
		return "AuditValue";
	default:
		return "command";
	}
}

/*
 * One datagram from the MG: requests are answered (and Notify printed);
 * the reply with ID want (if any) is returned in *reply.
 */
static int handle_datagram(struct mgc *m, size_t len, uint32_t want,
			   const struct h248_transaction **reply, bool *pending)
{
	struct h248_message *msg;
	struct h248_error err;
	char etext[160];
	int r;

	h248_arena_reset(&m->arena);
	r = h248_decode(m->rx, len, NULL, &m->arena, &msg, &err);
	if (r) {
		h248_error_format(&err, etext, sizeof(etext));
		return die("undecodable message from the MG: %s", etext);
	}
	for (const struct h248_transaction *t = msg->trans; t; t = t->next) {
		if (t->kind == H248_TR_PENDING && t->id == want) {
			*pending = true;
			continue;
		}
		if (t->kind == H248_TR_REPLY && t->id == want) {
			*reply = t;
			continue;
		}
		if (t->kind != H248_TR_REQUEST)
			continue;
		for (const struct h248_action *a = t->actions; a; a = a->next)
			for (const struct h248_command *c = a->cmds; c;
			     c = c->next) {
				/* agwd sends the long form; a restarted agwd
				 * registers again (Restart), its Graceful
				 * shutdown is no registration */
				if (c->cmd == H248_CMD_SERVICECHANGE &&
				    memmem(m->rx, len, "Restart", 7)) {
					m->registered = true;
					m->version = msg->version;
					printf("registered version %d\n",
					       msg->version);
				}
				if (c->cmd == H248_CMD_NOTIFY)
					print_lines("notify: ", m->rx, len);
				else if (c->cmd != H248_CMD_AUDITVALUE)
					printf("request: %s\n",
					       cmd_name(c->cmd));
			}
		r = answer_request(m, msg, t);
		if (r)
			return die("answering the MG: %s", strerror(-r));
	}
	fflush(stdout);
	return 0;
}

/*
 * Receive and handle datagrams until want's reply (want != 0) or, with
 * want 0, the registration; or the time-out.
 */
static int wait_for(struct mgc *m, uint32_t want,
		    const struct h248_transaction **reply)
{
	int deadline = now_ms() + m->timeout_ms;

	for (;;) {
		struct pollfd p = { .fd = m->fd, .events = POLLIN };
		struct sockaddr_in from;
		socklen_t fl = sizeof(from);
		bool pending = false;
		int left = deadline - now_ms(), r;
		ssize_t n;

		if (left <= 0)
			return die("timed out after %d ms", m->timeout_ms);
		r = poll(&p, 1, left);
		if (r < 0 && errno != EINTR)
			return die("poll: %s", strerror(errno));
		if (r <= 0)
			continue;
		n = recvfrom(m->fd, m->rx, MSG_MAX, 0, (struct sockaddr *)&from,
			     &fl);
		if (n < 0)
			return die("recvfrom: %s", strerror(errno));
		m->rx[n] = 0;
		if (!m->registered)
			m->mg = from;
		*reply = NULL;
		r = handle_datagram(m, (size_t)n, want, reply, &pending);
		if (r)
			return r;
		if (pending)
			deadline = now_ms() + m->timeout_ms;
		if (want ? *reply != NULL : m->registered)
			return 0;
	}
}

/* The file's text with ${NAME} replaced, into sb. */
static int substitute(struct mgc *m, const char *in, struct agw_strbuf *sb)
{
	const char *p = in;

	while (*p) {
		const char *s = strstr(p, "${"), *e, *v;

		if (!s) {
			agw_strbuf_printf(sb, "%s", p);
			break;
		}
		e = strchr(s, '}');
		if (!e)
			return die("unterminated ${ in an action file");
		v = var_get(m, s + 2, (size_t)(e - s - 2));
		if (!v)
			return die("unknown variable ${%.*s}", (int)(e - s - 2),
				   s + 2);
		agw_strbuf_printf(sb, "%.*s%s", (int)(s - p), p, v);
		p = e + 1;
	}
	return 0;
}

static int read_file(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return -errno;
	n = fread(buf, 1, size - 1, f);
	fclose(f);
	if (n == size - 1)
		return -E2BIG;
	buf[n] = 0;
	return 0;
}

/* The value of an SDP line "KEY..." in sdp, up to the end of the line. */
static int sdp_line(struct h248_str sdp, const char *key, char *out,
		    size_t size)
{
	size_t kl = strlen(key);
	const char *p = sdp.ptr, *end = sdp.ptr + sdp.len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

		if (n && p[n - 1] == '\r')
			n--;
		if (n >= kl && !memcmp(p, key, kl)) {
			snprintf(out, size, "%.*s", (int)(n - kl), p + kl);
			return 0;
		}
		p = nl ? nl + 1 : end;
	}
	return -ENOENT;
}

static int keep(struct mgc *m, const char *as, const char *what,
		const char *value)
{
	char name[64];

	snprintf(name, sizeof(name), "%s.%s", as, what);
	printf("var %s=%s\n", name, value);
	return var_set(m, name, strlen(name), value);
}

/* AS.context, AS.term and the first command's Local: addr, port, fp. */
static int extract(struct mgc *m, const char *as,
		   const struct h248_transaction *t)
{
	const struct h248_action *a = t->actions;
	const struct h248_command *c = a ? a->cmds : NULL;
	const struct h248_node *st;
	struct h248_str sdp;
	char v[512], *sp;
	int r;

	if (!a || !c || !c->ntids)
		return die("%s: the reply names no context/termination", as);
	snprintf(v, sizeof(v), "%u", a->ctx_id);
	r = keep(m, as, "context", v);
	snprintf(v, sizeof(v), "%.*s", (int)c->tids[0].s.len, c->tids[0].s.ptr);
	r = r ?: keep(m, as, "term", v);
	st = h248_cmd_stream(c, 1);
	if (r || !st || h248_stream_sdp(st, H248_KW_LOCAL, &sdp))
		return r ? die("%s: too many variables", as) : 0;
	if (!sdp_line(sdp, "c=IN IP4 ", v, sizeof(v)))
		r = keep(m, as, "addr", v);
	if (!sdp_line(sdp, "m=", v, sizeof(v)) && (sp = strchr(v, ' '))) {
		char port[16];

		snprintf(port, sizeof(port), "%u",
			 (unsigned int)strtoul(sp + 1, NULL, 10));
		r = r ?: keep(m, as, "port", port);
	}
	if (!sdp_line(sdp, "a=fingerprint:", v, sizeof(v)))
		r = r ?: keep(m, as, "fingerprint", v);
	return r ? die("%s: too many variables", as) : 0;
}

static int cmd_send(struct mgc *m, const char *file, const char *as)
{
	static char text[MSG_MAX];
	const struct h248_transaction *reply = NULL;
	const struct h248_node *e;
	char path[4096];
	struct agw_strbuf sb;
	uint32_t tid = m->next_tid++;
	int r;

	if (file[0] == '/')
		snprintf(path, sizeof(path), "%s", file);
	else
		snprintf(path, sizeof(path), "%s/%s", m->dir, file);
	r = read_file(path, text, sizeof(text));
	if (r)
		return die("%s: %s", path, strerror(-r));
	agw_strbuf_init(&sb);
	agw_strbuf_printf(&sb, "MEGACO/%d [%s]:%u\nTransaction = %u {\n",
			  m->version, m->mid, m->port, tid);
	r = substitute(m, text, &sb);
	agw_strbuf_printf(&sb, "}\n");
	if (!r && sb.err)
		r = die("out of memory");
	if (!r) {
		printf("sent %s transaction %u\n", file, tid);
		r = send_text(m, sb.buf, sb.len);
		if (r)
			r = die("send: %s", strerror(-r));
	}
	agw_strbuf_free(&sb);
	if (r)
		return r;
	r = wait_for(m, tid, &reply);
	if (r)
		return r;
	print_lines("| ", m->rx, strlen(m->rx));
	e = h248_trans_error(reply);
	if (e)
		return die("%s: error reply %.*s %.*s", file,
			   e->nv ? (int)e->v[0].s.len : 0,
			   e->nv ? e->v[0].s.ptr : "", (int)e->body.len,
			   e->body.ptr);
	return as ? extract(m, as, reply) : 0;
}

static int run_command(struct mgc *m, char *line)
{
	char *cmd = strtok(line, " \t\n"), *a1, *a2, *eq;

	if (!cmd)
		return 0;
	if (!strcmp(cmd, "set")) {
		a1 = strtok(NULL, "\n");
		eq = a1 ? strchr(a1, '=') : NULL;
		if (!eq || var_set(m, a1, (size_t)(eq - a1), eq + 1))
			return die("bad set");
		return 0;
	}
	if (!strcmp(cmd, "send")) {
		a1 = strtok(NULL, " \t\n");
		a2 = strtok(NULL, " \t\n");
		if (!a1)
			return die("send needs a file");
		return cmd_send(m, a1, a2);
	}
	return die("unknown command %s", cmd);
}

static int serve(struct mgc *m)
{
	const struct h248_transaction *unused;
	unsigned int ncmd = 0;
	char line[1024];
	int r;

	r = wait_for(m, 0, &unused);
	if (r)
		return r;
	for (;;) {
		struct pollfd p[2] = { { .fd = 0, .events = POLLIN },
				       { .fd = m->fd, .events = POLLIN } };

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return die("poll: %s", strerror(errno));
		}
		if (p[1].revents & POLLIN) {
			bool pending;
			ssize_t n = recv(m->fd, m->rx, MSG_MAX, 0);

			if (n < 0)
				return die("recv: %s", strerror(errno));
			m->rx[n] = 0;
			unused = NULL;
			r = handle_datagram(m, (size_t)n, 0, &unused, &pending);
			if (r)
				return r;
		}
		if (!(p[0].revents & (POLLIN | POLLHUP)))
			continue;
		if (!fgets(line, sizeof(line), stdin))
			return 0;
		if (!strncmp(line, "quit", 4))
			return 0;
		r = run_command(m, line);
		if (r)
			return r;
		printf("done %u\n", ++ncmd);
		fflush(stdout);
	}
}

int main(int argc, char **argv)
{
	struct mgc *m = calloc(1, sizeof(*m));
	struct sockaddr_in sa = { .sin_family = AF_INET };
	const char *addr = "127.0.0.1";
	unsigned int port = 2945;
	int opt, r = 2;

	if (!m)
		return 2;
	m->fd = -1;
	m->timeout_ms = 15000;
	m->dir = ".";
	m->next_tid = 1;
	m->version = 1;
	h248_arena_init(&m->arena, NULL, 0);
	while ((opt = getopt(argc, argv, "a:p:d:t:s:")) != -1) {
		char *eq;

		switch (opt) {
		case 'a':
			addr = optarg;
			break;
		case 'p':
			port = (unsigned int)strtoul(optarg, NULL, 10);
			break;
		case 'd':
			m->dir = optarg;
			break;
		case 't':
			m->timeout_ms = atoi(optarg) * 1000;
			break;
		case 's':
			eq = strchr(optarg, '=');
			if (!eq ||
			    var_set(m, optarg, (size_t)(eq - optarg), eq + 1))
				goto usage;
			break;
		default:
			goto usage;
		}
	}
	m->mid = addr;
	m->port = port;
	sa.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1 || !port ||
	    port > 65535 || m->timeout_ms <= 0)
		goto usage;
	m->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (m->fd < 0 || bind(m->fd, (struct sockaddr *)&sa, sizeof(sa))) {
		perror("mini_mgc: socket");
		goto out;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* poll() on fd 0 must see every line: no stdio read-ahead. */
	setvbuf(stdin, NULL, _IONBF, 0);
	r = serve(m);
	goto out;
usage:
	fprintf(stderr,
		"usage: %s [-a ADDR] [-p PORT] [-d DIR] [-t SECS] [-s NAME=VALUE]...\n",
		argv[0]);
out:
	if (m->fd >= 0)
		close(m->fd);
	h248_arena_release(&m->arena);
	free(m);
	return r;
}
