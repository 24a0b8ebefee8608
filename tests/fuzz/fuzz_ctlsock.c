// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer harness for the control socket's request parser and
 * dispatcher (agw_ctl_dispatch, the code agwd runs for every request
 * line). The input is split into lines as the server splits its input
 * (at '\n', at most AGW_CTL_REQ_MAX - 1 bytes, a NUL ends the line's
 * text); each line runs at level read and at level admin. Properties:
 * - every reply is one line: it ends with its only '\n' and holds no
 *   other control character;
 * - it is valid JSON (checked by a strict reader here), an object that
 *   starts with "ok":true or "ok":false,"error":"...";
 * - the command word and the arguments are what the protocol says
 *   (leading blanks skipped, the word ends at a blank or CR, the
 *   arguments end at the first CR): "echo" returns its arguments, which
 *   decode back to exactly those bytes;
 * - an admin command at level read is refused with "permission denied"
 *   and not run; at level admin it runs;
 * - an unknown word gets "unknown command"; "help" lists every command.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agw/ctlsock.h"

#define CHECK(cond)                                                     \
	do {                                                            \
		if (!(cond)) {                                          \
			fprintf(stderr, "%s:%d: property failed: %s\n", \
				__FILE__, __LINE__, #cond);             \
			abort();                                        \
		}                                                       \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
const char *__asan_default_options(void);

/*
 * Speed: the per-line work is a few small allocations, and ASan's
 * default quarantine (256 MB) turned every one of them into fresh,
 * page-faulting memory (RSS grew by 20 MB a second). A small quarantine
 * keeps use-after-free detection within an input; ASAN_OPTIONS still
 * overrides it.
 */
const char *__asan_default_options(void)
{
	return "quarantine_size_mb=16";
}

static char last_args[AGW_CTL_REQ_MAX];
static int admin_runs;

static int cmd_echo(void *arg, const char *args, struct agw_strbuf *out)
{
	snprintf(last_args, sizeof(last_args), "%s", args);
	agw_strbuf_printf(out, ",\"args\":");
	agw_strbuf_json_str(out, args);
	return 0;
}

static int cmd_fail(void *arg, const char *args, struct agw_strbuf *out)
{
	admin_runs++;
	if (*args)
		agw_strbuf_printf(out, "bad: %s", args);
	return -22;
}

static const struct agw_ctl_cmd cmds[] = {
	{ "echo", "echo the arguments", cmd_echo },
	{ "fail", "fails with its arguments as the message", cmd_fail },
	{ NULL, NULL, NULL },
};
static const char *const read_cmds[] = { "echo", NULL };

/* ---- a strict JSON reader -------------------------------------------- */

/* The checker is not what is fuzzed: no coverage feedback from it (its
 * comparisons cost more than the code under test and steer nothing). */
#define CHECKER __attribute__((no_sanitize("coverage")))

struct jr {
	const char *p, *end;
	char *str; /* the last string decoded (UTF-8), when not NULL */
	size_t slen;
};

CHECKER static void ws(struct jr *r)
{
	while (r->p < r->end && (*r->p == ' ' || *r->p == '\t'))
		r->p++;
}

CHECKER static int hex4(const char *p, unsigned int *u)
{
	*u = 0;
	for (int i = 0; i < 4; i++) {
		char c = p[i];

		*u <<= 4;
		if (c >= '0' && c <= '9')
			*u |= c - '0';
		else if (c >= 'a' && c <= 'f')
			*u |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			*u |= c - 'A' + 10;
		else
			return -1;
	}
	return 0;
}

CHECKER static void put(struct jr *r, char c)
{
	if (r->str)
		r->str[r->slen] = c;
	r->slen++;
}

CHECKER static bool string(struct jr *r)
{
	unsigned int u;

	r->slen = 0;
	if (r->p >= r->end || *r->p++ != '"')
		return false;
	while (r->p < r->end && *r->p != '"') {
		unsigned char c = *r->p++;

		if (c < 0x20)
			return false;
		if (c != '\\') {
			put(r, c);
			continue;
		}
		if (r->p >= r->end)
			return false;
		switch (*r->p++) {
		case '"':
			put(r, '"');
			break;
		case '\\':
			put(r, '\\');
			break;
		case '/':
			put(r, '/');
			break;
		case 'b':
			put(r, '\b');
			break;
		case 'f':
			put(r, '\f');
			break;
		case 'n':
			put(r, '\n');
			break;
		case 'r':
			put(r, '\r');
			break;
		case 't':
			put(r, '\t');
			break;
		case 'u':
			if (r->end - r->p < 4 || hex4(r->p, &u) || u >= 0x80)
				return false; /* agw escapes control bytes only */
			r->p += 4;
			put(r, u);
			break;
		default:
			return false;
		}
	}
	if (r->p >= r->end)
		return false;
	r->p++;
	return true;
}

static bool value(struct jr *r, int depth);

CHECKER static bool compound(struct jr *r, int depth, char close)
{
	bool first = true;

	r->p++;
	for (;;) {
		ws(r);
		if (r->p < r->end && *r->p == close && first) {
			r->p++;
			return true;
		}
		if (close == '}') {
			char *keep = r->str;

			r->str = NULL;
			if (!string(r))
				return false;
			r->str = keep;
			ws(r);
			if (r->p >= r->end || *r->p++ != ':')
				return false;
		}
		if (!value(r, depth + 1))
			return false;
		ws(r);
		first = false;
		if (r->p < r->end && *r->p == ',') {
			r->p++;
			continue;
		}
		if (r->p < r->end && *r->p == close) {
			r->p++;
			return true;
		}
		return false;
	}
}

CHECKER static bool value(struct jr *r, int depth)
{
	ws(r);
	if (depth > 32 || r->p >= r->end)
		return false;
	switch (*r->p) {
	case '{':
		return compound(r, depth, '}');
	case '[':
		return compound(r, depth, ']');
	case '"': {
		char *keep = r->str;
		bool ok;

		r->str = NULL;
		ok = string(r);
		r->str = keep;
		return ok;
	}
	}
	if (r->end - r->p >= 4 && !memcmp(r->p, "true", 4)) {
		r->p += 4;
		return true;
	}
	if (r->end - r->p >= 5 && !memcmp(r->p, "false", 5)) {
		r->p += 5;
		return true;
	}
	if (*r->p == '-' || (*r->p >= '0' && *r->p <= '9')) {
		while (r->p < r->end &&
		       (*r->p == '-' || (*r->p >= '0' && *r->p <= '9')))
			r->p++;
		return true;
	}
	return false;
}

/* The decoded string value of "key":"..." at the top level of reply. */
CHECKER static bool field(const char *reply, size_t len, const char *key,
			  char *out, size_t *olen)
{
	char pat[32];
	const char *k;
	struct jr r;

	snprintf(pat, sizeof(pat), ",\"%s\":\"", key);
	k = strstr(reply, pat);
	if (!k)
		return false;
	r = (struct jr){ .p = k + strlen(pat) - 1,
			 .end = reply + len,
			 .str = out };
	if (!string(&r))
		return false;
	*olen = r.slen;
	return true;
}

/* ---- the properties --------------------------------------------------- */

/* What the protocol says the line means, computed independently. */
CHECKER static void expected(const char *line, char *word, char *args)
{
	const char *p = line;
	size_t n;

	while (*p == ' ' || *p == '\t')
		p++;
	n = strcspn(p, " \t\r");
	memcpy(word, p, n);
	word[n] = 0;
	p += n;
	if (*p)
		p++;
	n = strcspn(p, "\r");
	memcpy(args, p, n);
	args[n] = 0;
}

static void run_line(const char *line, enum agw_ctl_level level)
{
	static char copy[AGW_CTL_REQ_MAX], word[AGW_CTL_REQ_MAX],
		args[AGW_CTL_REQ_MAX], dec[8 * AGW_CTL_REQ_MAX];
	static struct agw_strbuf out;
	struct jr r;
	size_t dlen;
	int rc, before = admin_runs;

	snprintf(copy, sizeof(copy), "%s", line);
	expected(line, word, args);
	agw_strbuf_reset(&out); /* its buffer serves every line */
	last_args[0] = 0;
	rc = agw_ctl_dispatch(cmds, read_cmds, NULL, level, copy, &out);
	CHECK(!out.err && out.len >= 2);
	CHECK(out.buf[out.len - 1] == '\n');
	for (size_t i = 0; i + 1 < out.len; i++)
		CHECK((unsigned char)out.buf[i] >= 0x20);
	r = (struct jr){ .p = out.buf, .end = out.buf + out.len - 1 };
	CHECK(*r.p == '{' && value(&r, 0) && r.p == r.end);
	if (!rc) {
		CHECK(!strncmp(out.buf, "{\"ok\":true", 10));
	} else {
		CHECK(!strncmp(out.buf, "{\"ok\":false,\"error\":\"", 21));
		CHECK(field(out.buf, out.len, "error", dec, &dlen));
	}
	if (!strcmp(word, "echo")) {
		CHECK(!rc && !strcmp(last_args, args));
		CHECK(field(out.buf, out.len, "args", dec, &dlen));
		CHECK(dlen == strlen(args) && !memcmp(dec, args, dlen));
	} else if (!strcmp(word, "fail")) {
		CHECK(rc < 0);
		if (level == AGW_CTL_READ) {
			CHECK(admin_runs == before);
			CHECK(strstr(out.buf, "permission denied"));
		} else {
			CHECK(admin_runs == before + 1);
			if (*args) {
				CHECK(dlen == strlen(args) + 5 &&
				      !memcmp(dec + 5, args, dlen - 5));
			}
		}
	} else if (!strcmp(word, "help")) {
		CHECK(!rc && strstr(out.buf, "\"name\":\"echo\"") &&
		      strstr(out.buf, "\"name\":\"fail\""));
	} else {
		CHECK(rc < 0 && strstr(out.buf, "unknown command"));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char line[AGW_CTL_REQ_MAX];
	size_t start = 0;

	while (start < size) {
		const uint8_t *nl = memchr(data + start, '\n', size - start);
		size_t n = (nl ? (size_t)(nl - data) : size) - start;

		if (n >= AGW_CTL_REQ_MAX)
			break; /* the server refuses it and hangs up */
		memcpy(line, data + start, n);
		line[n] = 0; /* a NUL inside ends the text, as in agwd */
		run_line(line, AGW_CTL_READ);
		run_line(line, AGW_CTL_ADMIN);
		start += n + 1;
		if (!nl)
			break;
	}
	return 0;
}
