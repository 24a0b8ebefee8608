// SPDX-License-Identifier: GPL-2.0-only
/*
 * SDP body generator: writes the lines in their recorded order, the
 * structured ones (v o c t m a) from the parsed fields so that what agw
 * filled in replaces the "$" placeholders.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "sdp_priv.h"

struct out {
	char *buf;
	size_t size, len;
	bool keep_choose;
	bool choose_left; /* a "$" had to be written */
};

static void put(struct out *o, const char *p, size_t n)
{
	if (n && o->len < o->size)
		memcpy(o->buf + o->len, p,
		       n <= o->size - o->len ? n : o->size - o->len);
	o->len += n;
}

static void put_s(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

static void put_str(struct out *o, struct agw_sdp_str s)
{
	put(o, s.ptr, s.len);
}

static void put_choose(struct out *o)
{
	o->choose_left = true;
	put(o, "$", 1);
}

static void put_u(struct out *o, unsigned int v)
{
	char tmp[12];
	int i = sizeof(tmp);

	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	put(o, tmp + i, sizeof(tmp) - (size_t)i);
}

/* "<addrtype> <address>" */
static void put_addr(struct out *o, const struct agw_sdp_addr *a)
{
	char text[INET6_ADDRSTRLEN];

	if (a->family == AGW_SDP_FAMILY_IP4)
		put_s(o, "IP4 ");
	else if (a->family == AGW_SDP_FAMILY_IP6)
		put_s(o, "IP6 ");
	else {
		put_choose(o);
		put(o, " ", 1);
	}
	switch (a->kind) {
	case AGW_SDP_ADDR_IP4:
		put_s(o, inet_ntop(AF_INET, &a->v4, text, sizeof(text)));
		break;
	case AGW_SDP_ADDR_IP6:
		put_s(o, inet_ntop(AF_INET6, &a->v6, text, sizeof(text)));
		break;
	case AGW_SDP_ADDR_FQDN:
		put_str(o, a->fqdn);
		break;
	default:
		put_choose(o);
		break;
	}
	put_str(o, a->suffix);
}

static void put_media(struct out *o, const struct agw_sdp_media *m)
{
	put_str(o, m->type);
	put(o, " ", 1);
	if (m->port_choose)
		put_choose(o);
	else
		put_u(o, m->port);
	if (m->num_ports) {
		put(o, "/", 1);
		put_u(o, m->num_ports);
	}
	put(o, " ", 1);
	put_str(o, m->proto_text);
	put(o, " ", 1);
	put_str(o, m->fmts);
}

static void put_attr(struct out *o, const struct agw_sdp_attr *a)
{
	put_str(o, a->name);
	if (a->has_value) {
		put(o, ":", 1);
		if (a->choose)
			o->choose_left = true;
		put_str(o, a->value);
	}
}

static void put_line(struct out *o, const struct agw_sdp *sdp,
		     const struct agw_sdp_line *l)
{
	const struct agw_sdp_origin *og = &sdp->origin;

	put(o, &l->type, 1);
	put(o, "=", 1);
	switch (l->type) {
	case 'v':
		put(o, "0", 1);
		break;
	case 'o':
		put_str(o, og->username);
		put(o, " ", 1);
		put_str(o, og->sess_id);
		put(o, " ", 1);
		put_str(o, og->sess_version);
		put_s(o, " IN ");
		put_addr(o, &og->addr);
		break;
	case 'c':
		put_s(o, "IN ");
		put_addr(o, l->media < 0 ? &sdp->conn :
					   &sdp->media[l->media].conn);
		break;
	case 't':
		put_str(o, sdp->times[l->index].start);
		put(o, " ", 1);
		put_str(o, sdp->times[l->index].stop);
		break;
	case 'm':
		put_media(o, &sdp->media[l->index]);
		break;
	case 'a':
		put_attr(o, &sdp->attrs[l->index]);
		break;
	default: /* s= and the lines kept as text */
		put_str(o, l->type == 's' ? sdp->name : l->text);
		break;
	}
}

int agw_sdp_generate(const struct agw_sdp *sdp, char *buf, size_t size,
		     unsigned int flags)
{
	struct out o = { .buf = buf,
			 .size = size,
			 .keep_choose = flags & AGW_SDP_GEN_KEEP_CHOOSE };
	const char *eol = flags & AGW_SDP_GEN_LF ? "\n" : "\r\n";

	for (uint16_t i = 0; i < sdp->n_lines; i++) {
		const struct agw_sdp_line *l = &sdp->lines[i];

		if (l->type == 'a' && sdp->attrs[l->index].deleted)
			continue;
		put_line(&o, sdp, l);
		put_s(&o, eol);
	}
	if (o.choose_left && !o.keep_choose)
		return -EINVAL;
	if (o.len >= size || o.len > INT32_MAX)
		return -ENOSPC;
	buf[o.len] = '\0';
	return (int)o.len;
}
