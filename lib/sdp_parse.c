// SPDX-License-Identifier: GPL-2.0-only
/*
 * SDP body parser. One pass over the lines; every line is recorded in
 * sdp->lines so the generator can write the body back in the same order.
 * Strictness choices are listed in Documentation/sdp.md.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sdp_priv.h"

struct parser {
	struct agw_sdp *sdp;
	const char *body;
	struct agw_sdp_error *err;
	int16_t level; /* -1 session, else the current media index */
};

static __attribute__((format(printf, 4, 5))) int
fail_at(struct parser *ps, int code, const char *at, const char *fmt, ...)
{
	va_list ap;

	if (!ps->err)
		return code == AGW_SDP_ERR_LIMIT ? -E2BIG : -EBADMSG;
	ps->err->code = code;
	ps->err->offset = (size_t)(at - ps->body);
	va_start(ap, fmt);
	vsnprintf(ps->err->reason, sizeof(ps->err->reason), fmt, ap);
	va_end(ap);
	return code == AGW_SDP_ERR_LIMIT ? -E2BIG : -EBADMSG;
}

static int fail_value(struct parser *ps, const struct sdp_fail *f, char type)
{
	return fail_at(ps, AGW_SDP_ERR_SYNTAX, f->at, "%c=: %s", type, f->why);
}

static int add_line(struct parser *ps, char type, uint16_t index,
		    struct agw_sdp_str text, const char *at)
{
	struct agw_sdp *sdp = ps->sdp;

	if (sdp->n_lines == AGW_SDP_MAX_LINES)
		return fail_at(ps, AGW_SDP_ERR_LIMIT, at, "more than %d lines",
			       AGW_SDP_MAX_LINES);
	sdp->lines[sdp->n_lines++] = (struct agw_sdp_line){
		.type = type, .media = ps->level, .index = index, .text = text
	};
	return 0;
}

static bool is_digits(struct agw_sdp_str s)
{
	if (s.len == 0)
		return false;
	for (uint32_t i = 0; i < s.len; i++)
		if (s.ptr[i] < '0' || s.ptr[i] > '9')
			return false;
	return true;
}

/* o=<username> <sess-id> <sess-version> IN <addrtype> <unicast-address> */
static int parse_origin(struct parser *ps, struct agw_sdp_str v)
{
	struct agw_sdp_origin *o = &ps->sdp->origin;
	struct agw_sdp_str f[6];
	struct sdp_fail why;

	if (ps->sdp->has_origin)
		return fail_at(ps, AGW_SDP_ERR_SYNTAX, v.ptr - 2,
			       "o= appears twice");
	if (sdp_split(v, f, 6) != 6)
		return fail_at(ps, AGW_SDP_ERR_SYNTAX, v.ptr,
			       "o=: expected 6 fields");
	for (int i = 0; i < 3; i++)
		if (!sdp_is_token(f[i]) && !(i == 0 && sdp_str_eq(f[i], "-")))
			return fail_at(ps, AGW_SDP_ERR_SYNTAX, f[i].ptr,
				       "o=: bad username, sess-id or version");
	if (!sdp_str_eq(f[3], "IN"))
		return fail_at(ps, AGW_SDP_ERR_SYNTAX, f[3].ptr,
			       "o=: expected nettype IN");
	if (sdp_addr_parse(&o->addr, f[4], f[5], false, &why))
		return fail_value(ps, &why, 'o');
	o->username = f[0];
	o->sess_id = f[1];
	o->sess_version = f[2];
	ps->sdp->has_origin = true;
	return add_line(ps, 'o', 0, v, v.ptr);
}

/* c=IN <addrtype> <connection-address> */
static int parse_conn(struct parser *ps, struct agw_sdp_str v)
{
	struct agw_sdp *sdp = ps->sdp;
	struct agw_sdp_str f[3];
	struct agw_sdp_addr *a;
	struct sdp_fail why;
	bool *has;

	if (ps->level < 0) {
		a = &sdp->conn;
		has = &sdp->has_conn;
	} else {
		a = &sdp->media[ps->level].conn;
		has = &sdp->media[ps->level].has_conn;
	}
	if (*has)
		return fail_at(ps, AGW_SDP_ERR_SYNTAX, v.ptr - 2,
			       "more than one c= at this level");
	if (sdp_split(v, f, 3) != 3)
		return fail_at(ps, AGW_SDP_ERR_SYNTAX, v.ptr,
			       "c=: expected 3 fields");
	if (!sdp_str_eq(f[0], "IN"))
		return fail_at(ps, AGW_SDP_ERR_SYNTAX, f[0].ptr,
			       "c=: expected nettype IN");
	if (sdp_addr_parse(a, f[1], f[2], true, &why))
		return fail_value(ps, &why, 'c');
	*has = true;
	return add_line(ps, 'c', 0, v, v.ptr);
}

/* t=<start-time> <stop-time>, each digits or "$" */
static int parse_time(struct parser *ps, struct agw_sdp_str v)
{
	struct agw_sdp *sdp = ps->sdp;
	struct agw_sdp_str f[2];

	if (sdp->n_times == AGW_SDP_MAX_TIMES)
		return fail_at(ps, AGW_SDP_ERR_LIMIT, v.ptr - 2,
			       "more than %d t= lines", AGW_SDP_MAX_TIMES);
	if (sdp_split(v, f, 2) != 2)
		return fail_at(ps, AGW_SDP_ERR_SYNTAX, v.ptr,
			       "t=: expected start and stop time");
	for (int i = 0; i < 2; i++)
		if (!is_digits(f[i]) && !sdp_is_choose(f[i]))
			return fail_at(ps, AGW_SDP_ERR_SYNTAX, f[i].ptr,
				       "t=: expected digits or $");
	sdp->times[sdp->n_times] =
		(struct agw_sdp_time){ .start = f[0], .stop = f[1] };
	return add_line(ps, 't', sdp->n_times++, v, v.ptr);
}

static const struct {
	const char *name;
	enum agw_sdp_proto proto;
} protos[] = {
	{ "TCP", AGW_SDP_PROTO_TCP },
	{ "TCP/MSRP", AGW_SDP_PROTO_TCP_MSRP },
	{ "TCP/TLS/MSRP", AGW_SDP_PROTO_TCP_TLS_MSRP },
	{ "TCP/BFCP", AGW_SDP_PROTO_TCP_BFCP },
	{ "TCP/TLS/BFCP", AGW_SDP_PROTO_TCP_TLS_BFCP },
	{ "TCP/TLS", AGW_SDP_PROTO_TCP_TLS },
};

const char *agw_sdp_proto_name(enum agw_sdp_proto proto)
{
	for (size_t i = 0; i < sizeof(protos) / sizeof(protos[0]); i++)
		if (protos[i].proto == proto)
			return protos[i].name;
	return NULL;
}

/* proto = token *("/" token) */
static bool is_proto(struct agw_sdp_str s)
{
	const char *p = s.ptr, *end = s.ptr + s.len;

	for (;;) {
		const char *start = p;

		while (p < end && *p != '/')
			p++;
		if (!sdp_is_token(sdp_str(start, p)))
			return false;
		if (p == end)
			return true;
		p++;
	}
}

static int parse_port(struct parser *ps, struct agw_sdp_media *m,
		      struct agw_sdp_str f)
{
	const char *p = f.ptr, *end = f.ptr + f.len, *slash;
	uint32_t v = 0;

	slash = memchr(p, '/', f.len);
	if (slash) {
		struct agw_sdp_str n = sdp_str(slash + 1, end);

		if (!is_digits(n) || n.len > 5)
			return fail_at(ps, AGW_SDP_ERR_SYNTAX, n.ptr,
				       "m=: bad number of ports");
		for (uint32_t i = 0; i < n.len; i++)
			v = v * 10 + (uint32_t)(n.ptr[i] - '0');
		if (v == 0 || v > 65535)
			return fail_at(ps, AGW_SDP_ERR_SYNTAX, n.ptr,
				       "m=: bad number of ports");
		m->num_ports = (uint16_t)v;
		end = slash;
		v = 0;
	}
	if (end - p == 1 && *p == '$') {
		m->port_choose = true;
		return 0;
	}
	if (!is_digits(sdp_str(p, end)) || end - p > 5)
		return fail_at(ps, AGW_SDP_ERR_SYNTAX, p,
			       "m=: expected a port or $");
	for (; p < end; p++)
		v = v * 10 + (uint32_t)(*p - '0');
	if (v > 65535)
		return fail_at(ps, AGW_SDP_ERR_SYNTAX, f.ptr,
			       "m=: port above 65535");
	m->port = (uint16_t)v;
	return 0;
}

/* m=<media> <port>[/<number>] <proto> <fmt> ... */
static int parse_media(struct parser *ps, struct agw_sdp_str v)
{
	struct agw_sdp *sdp = ps->sdp;
	struct agw_sdp_str f[4];
	struct agw_sdp_media *m;
	int err;

	if (sdp->n_media == AGW_SDP_MAX_MEDIA)
		return fail_at(ps, AGW_SDP_ERR_LIMIT, v.ptr - 2,
			       "more than %d m= lines", AGW_SDP_MAX_MEDIA);
	m = &sdp->media[sdp->n_media];
	memset(m, 0, sizeof(*m));
	if (sdp_split(v, f, 3) != 4)
		return fail_at(ps, AGW_SDP_ERR_SYNTAX, v.ptr,
			       "m=: expected media, port, proto and formats");
	if (!sdp_is_token(f[0]))
		return fail_at(ps, AGW_SDP_ERR_SYNTAX, f[0].ptr,
			       "m=: bad media type");
	err = parse_port(ps, m, f[1]);
	if (err)
		return err;
	if (!is_proto(f[2]))
		return fail_at(ps, AGW_SDP_ERR_SYNTAX, f[2].ptr,
			       "m=: bad proto");
	/* The formats are the rest of the line, as written. */
	f[3].ptr = f[2].ptr + f[2].len;
	while (*f[3].ptr == ' ')
		f[3].ptr++;
	f[3].len = (uint32_t)(v.ptr + v.len - f[3].ptr);
	for (uint32_t i = 0; i < f[3].len; i++)
		if (f[3].ptr[i] != ' ' &&
		    !sdp_is_token_char((unsigned char)f[3].ptr[i]))
			return fail_at(ps, AGW_SDP_ERR_SYNTAX, f[3].ptr + i,
				       "m=: bad format");
	m->type = f[0];
	m->proto_text = f[2];
	m->fmts = f[3];
	for (size_t i = 0; i < sizeof(protos) / sizeof(protos[0]); i++)
		if (sdp_str_ieq(f[2], protos[i].name))
			m->proto = protos[i].proto;
	ps->level = (int16_t)sdp->n_media;
	return add_line(ps, 'm', sdp->n_media++, v, v.ptr);
}

/* a=<name>[:<value>] */
static int parse_attr(struct parser *ps, struct agw_sdp_str v)
{
	struct agw_sdp *sdp = ps->sdp;
	struct agw_sdp_attr *a;
	struct sdp_fail why;
	const char *colon;

	if (sdp->n_attrs == AGW_SDP_MAX_ATTRS)
		return fail_at(ps, AGW_SDP_ERR_LIMIT, v.ptr - 2,
			       "more than %d a= lines", AGW_SDP_MAX_ATTRS);
	a = &sdp->attrs[sdp->n_attrs];
	memset(a, 0, sizeof(*a));
	a->media = ps->level;
	colon = memchr(v.ptr, ':', v.len);
	if (colon) {
		a->name = sdp_str(v.ptr, colon);
		a->value = sdp_str(colon + 1, v.ptr + v.len);
		a->has_value = true;
	} else {
		a->name = v;
	}
	if (sdp_attr_classify(a, &why))
		return fail_value(ps, &why, 'a');
	return add_line(ps, 'a', sdp->n_attrs++, v, v.ptr);
}

/* Lines agw keeps as text: where each type may appear (RFC 8866 5). */
static int parse_other(struct parser *ps, char type, struct agw_sdp_str v,
		       const char *at)
{
	if (ps->level >= 0 && strchr("uepzr", type))
		return fail_at(ps, AGW_SDP_ERR_SYNTAX, at,
			       "%c= is not allowed in a media section", type);
	return add_line(ps, type, 0, v, at);
}

static int parse_line(struct parser *ps, const char *line, const char *end)
{
	struct agw_sdp *sdp = ps->sdp;
	char type = line[0];
	struct agw_sdp_str v;
	bool structured = strchr("voctma", type) != NULL;

	if (end - line < 2 || type < 'a' || type > 'z' || line[1] != '=')
		return fail_at(ps, AGW_SDP_ERR_SYNTAX, line,
			       "expected <letter>= at the start of a line");
	v = sdp_str(line + 2, end);
	/* Trailing blanks carry no meaning in structured lines. */
	while (structured && v.len > 0 &&
	       (v.ptr[v.len - 1] == ' ' || v.ptr[v.len - 1] == '\t'))
		v.len--;
	if (sdp->n_lines == 0 && type != 'v')
		return fail_at(ps, AGW_SDP_ERR_SYNTAX, line,
			       "expected v=0 as the first line");

	switch (type) {
	case 'v':
		if (sdp->n_lines != 0)
			return fail_at(ps, AGW_SDP_ERR_SYNTAX, line,
				       "v= only as the first line");
		if (!sdp_str_eq(v, "0"))
			return fail_at(ps, AGW_SDP_ERR_SYNTAX, v.ptr,
				       "v=: expected version 0");
		return add_line(ps, 'v', 0, v, line);
	case 'o':
	case 's':
	case 't':
		if (ps->level >= 0)
			return fail_at(ps, AGW_SDP_ERR_SYNTAX, line,
				       "%c= is not allowed in a media section",
				       type);
		if (type == 'o')
			return parse_origin(ps, v);
		if (type == 't')
			return parse_time(ps, v);
		if (sdp->has_name)
			return fail_at(ps, AGW_SDP_ERR_SYNTAX, line,
				       "s= appears twice");
		sdp->has_name = true;
		sdp->name = v;
		return add_line(ps, 's', 0, v, line);
	case 'c':
		return parse_conn(ps, v);
	case 'm':
		return parse_media(ps, v);
	case 'a':
		return parse_attr(ps, v);
	default:
		return parse_other(ps, type, v, line);
	}
}

static bool only_blank(const char *p, const char *end)
{
	for (; p < end; p++)
		if (*p != ' ' && *p != '\t' && *p != '\r' && *p != '\n')
			return false;
	return true;
}

int agw_sdp_parse(struct agw_sdp *sdp, const char *body, size_t len,
		  struct agw_sdp_error *err)
{
	struct parser ps = { .sdp = sdp, .body = body, .err = err, .level = -1 };
	const char *p = body, *end = body + len;

	memset(sdp, 0, offsetof(struct agw_sdp, times));
	sdp->pool_used = 0;
	if (len > AGW_SDP_MAX_BODY)
		return fail_at(&ps, AGW_SDP_ERR_LIMIT, body + AGW_SDP_MAX_BODY,
			       "body longer than %d octets", AGW_SDP_MAX_BODY);
	/* H.248 puts the body between braces, often after a newline. */
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
		p++;
	if (p == end)
		return fail_at(&ps, AGW_SDP_ERR_SYNTAX, p,
			       "empty SDP, expected v=0");
	while (p < end) {
		const char *line = p, *eol, *stop;
		int rc;

		eol = memchr(p, '\n', (size_t)(end - p));
		stop = eol ? eol : end;
		p = eol ? eol + 1 : end;
		if (stop > line && stop[-1] == '\r')
			stop--;
		for (const char *q = line; q < stop; q++) {
			if (*q == '\0')
				return fail_at(&ps, AGW_SDP_ERR_SYNTAX, q,
					       "NUL octet");
			if (*q == '\r')
				return fail_at(&ps, AGW_SDP_ERR_SYNTAX, q,
					       "CR not followed by LF");
		}
		/* Indented lines are accepted: some MGCs indent the body. */
		while (line < stop && (*line == ' ' || *line == '\t'))
			line++;
		if (line == stop) {
			if (only_blank(p, end))
				break;
			return fail_at(&ps, AGW_SDP_ERR_SYNTAX, line,
				       "empty line");
		}
		rc = parse_line(&ps, line, stop);
		if (rc)
			return rc;
	}
	return 0;
}
