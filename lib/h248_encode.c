// SPDX-License-Identifier: GPL-2.0-only
/*
 * H.248 text encoder: the same tree in the pretty form (long tokens, one
 * item a line, tab indentation) or the compact form (short tokens, no
 * optional white space). Raw bodies (SDP, digit maps) are copied verbatim.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "h248_priv.h"

struct enc {
	char *p;
	size_t len, cap;
	bool overflow;
	bool invalid; /* the tree has an item the grammar cannot hold */
	bool compact;
	bool eol; /* H248_ENC_EOL */
	int version;
	unsigned int ind;
};

/*
 * Copy n bytes with two possibly overlapping fixed-size moves, as memcpy()
 * does for short sizes, but inline: most pieces are short tokens and a call
 * costs more than the copy.
 */
static inline void copy_short(char *d, const char *s, size_t n)
{
	uint64_t a, b;
	uint32_t x, y;
	uint16_t u, v;

	if (n >= 8) {
		memcpy(&a, s, 8);
		memcpy(&b, s + n - 8, 8);
		memcpy(d, &a, 8);
		memcpy(d + n - 8, &b, 8);
	} else if (n >= 4) {
		memcpy(&x, s, 4);
		memcpy(&y, s + n - 4, 4);
		memcpy(d, &x, 4);
		memcpy(d + n - 4, &y, 4);
	} else if (n >= 2) {
		memcpy(&u, s, 2);
		memcpy(&v, s + n - 2, 2);
		memcpy(d, &u, 2);
		memcpy(d + n - 2, &v, 2);
	} else if (n) {
		*d = *s;
	}
}

static inline void put(struct enc *e, const char *s, size_t n)
{
	char *d;

	if (e->len + n > e->cap) {
		e->overflow = true;
		return;
	}
	d = e->p + e->len;
	e->len += n;
	if (n <= 16)
		copy_short(d, s, n);
	else
		memcpy(d, s, n);
}

/* Literals only: the length is a compile-time constant. */
#define puts_(e, s) put((e), (s), strlen(s))

static inline void putc_(struct enc *e, char c)
{
	if (e->len + 1 > e->cap) {
		e->overflow = true;
		return;
	}
	e->p[e->len++] = c;
}

static inline void putstr(struct enc *e, struct h248_str s)
{
	put(e, s.ptr, s.len);
}

static inline void putu(struct enc *e, uint32_t v)
{
	char tmp[10];
	unsigned int i = sizeof(tmp);

	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v && i);
	while (i < sizeof(tmp))
		putc_(e, tmp[i++]);
}

static inline void kw(struct enc *e, uint16_t k)
{
	/* v2's ABNF spells it "EmergencyOffToken"; "EmergencyOff" is v3 */
	if (k == H248_KW_EMERGENCYOFF && !e->compact && e->version < 3)
		puts_(e, "EmergencyOffToken");
	else
		putstr(e, k < H248_KW_COUNT ? h248_kw_spelling[e->compact][k] :
					      h248_kw_spelling[0][0]);
}

static inline void nl(struct enc *e)
{
	static const char tabs[] = "\n\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t";
	unsigned int i = e->ind;

	if (e->compact)
		return;
	if (i <= 16) {
		put(e, tabs, i + 1);
		return;
	}
	put(e, tabs, sizeof(tabs) - 1);
	for (i -= 16; i; i--)
		putc_(e, '\t');
}

static inline void eq(struct enc *e)
{
	puts_(e, e->compact ? "=" : " = ");
}

static inline void open_(struct enc *e)
{
	puts_(e, e->compact ? "{" : " {");
	e->ind++;
}

static inline void close_(struct enc *e)
{
	e->ind--;
	nl(e);
	putc_(e, '}');
}

static inline void sepr(struct enc *e, bool *first)
{
	if (!*first)
		putc_(e, ',');
	*first = false;
	nl(e);
}

static inline void value(struct enc *e, const struct h248_value *v)
{
	if (v->quoted) {
		putc_(e, '"');
		putstr(e, v->s);
		putc_(e, '"');
	} else if (v->kw) {
		kw(e, v->kw);
	} else {
		putstr(e, v->s);
	}
}

static inline void values(struct enc *e, const struct h248_node *n)
{
	static const char *const ops[] = { "", "=", "#", "<", ">" };
	char open = '[', close = ']', sep = ',';
	unsigned int i;

	if (!n->nv)
		return;
	if (n->flags & H248_NF_BRACKET) {
		open = '[';
	} else {
		if (n->kw != H248_KW_NAME && n->op == H248_OP_EQ)
			eq(e);
		else
			puts_(e, ops[n->op < 5 ? n->op : 1]);
		if (n->vform == H248_VF_ONE || n->vform == H248_VF_NONE) {
			value(e, &n->v[0]);
			return;
		}
		if (n->vform == H248_VF_ALT)
			open = '{', close = '}';
		if (n->vform == H248_VF_RANGE)
			sep = ':';
	}
	putc_(e, open);
	for (i = 0; i < n->nv; i++) {
		if (i)
			putc_(e, sep);
		value(e, &n->v[i]);
	}
	putc_(e, close);
}

static void nodes(struct enc *e, const struct h248_node *n, bool *first);

static void node(struct enc *e, const struct h248_node *n)
{
	if (n->kw != H248_KW_NAME) {
		kw(e, n->kw);
	} else if (n->flags & H248_NF_TS) {
		putstr(e, n->ts);
		if (n->name.len) {
			putc_(e, ':');
			putstr(e, n->name);
		}
	} else {
		if (!n->name.len)
			e->invalid = true;
		putstr(e, n->name);
	}
	if (n->nv &&
	    (!n->v || (n->op == H248_OP_NONE && !(n->flags & H248_NF_BRACKET))))
		e->invalid = true;
	values(e, n);
	if (n->kw == H248_KW_ERROR) {
		puts_(e, e->compact ? "{" : " {");
		if (n->flags & H248_NF_RAW) {
			putc_(e, '"');
			putstr(e, n->body);
			putc_(e, '"');
		}
		putc_(e, '}');
	} else if (n->flags & H248_NF_RAW) {
		puts_(e, e->compact ? "{" : " {");
		putstr(e, n->body);
		putc_(e, '}');
	} else if (n->child || (n->flags & H248_NF_BODY)) {
		bool first = true;

		open_(e);
		nodes(e, n->child, &first);
		close_(e);
	}
}

static void nodes(struct enc *e, const struct h248_node *n, bool *first)
{
	for (; n; n = n->next) {
		sepr(e, first);
		node(e, n);
	}
}

static void mid(struct enc *e, const struct h248_mid *m)
{
	switch (m->kind) {
	case H248_MID_IP4:
	case H248_MID_IP6:
		putc_(e, '[');
		putstr(e, m->addr);
		putc_(e, ']');
		break;
	case H248_MID_DOMAIN:
		putc_(e, '<');
		putstr(e, m->addr);
		putc_(e, '>');
		break;
	case H248_MID_MTP:
		puts_(e, "MTP{");
		putstr(e, m->addr);
		putc_(e, '}');
		return;
	default:
		putstr(e, m->addr);
		return;
	}
	if (m->has_port) {
		putc_(e, ':');
		putu(e, m->port);
	}
}

static const uint16_t cmd_kw[] = {
	[H248_CMD_ADD] = H248_KW_ADD,
	[H248_CMD_MODIFY] = H248_KW_MODIFY,
	[H248_CMD_SUBTRACT] = H248_KW_SUBTRACT,
	[H248_CMD_MOVE] = H248_KW_MOVE,
	[H248_CMD_AUDITVALUE] = H248_KW_AUDITVALUE,
	[H248_CMD_AUDITCAP] = H248_KW_AUDITCAP,
	[H248_CMD_NOTIFY] = H248_KW_NOTIFY,
	[H248_CMD_SERVICECHANGE] = H248_KW_SERVICECHANGE,
};

static int command(struct enc *e, const struct h248_command *c)
{
	bool first = true;
	unsigned int i;

	if (!c->cmd || c->cmd > H248_CMD_SERVICECHANGE ||
	    (!c->ntids && !(c->flags & H248_CMDF_CTX_AUDIT && c->desc)))
		return -EINVAL;
	if (c->flags & H248_CMDF_OPTIONAL)
		puts_(e, "O-");
	if (c->flags & H248_CMDF_WILDREPLY)
		puts_(e, "W-");
	kw(e, cmd_kw[c->cmd]);
	eq(e);
	if (c->flags & H248_CMDF_CTX_AUDIT) {
		kw(e, H248_KW_CONTEXT);
		open_(e);
		if (c->desc) {
			nodes(e, c->desc, &first);
		} else {
			for (i = 0; i < c->ntids; i++) {
				sepr(e, &first);
				putstr(e, c->tids[i].s);
			}
		}
		close_(e);
		return 0;
	}
	if (c->ntids > 1 || (c->flags & H248_CMDF_TID_LIST)) {
		putc_(e, '[');
		for (i = 0; i < c->ntids; i++) {
			if (i)
				putc_(e, ',');
			putstr(e, c->tids[i].s);
		}
		putc_(e, ']');
	} else {
		putstr(e, c->tids[0].s);
	}
	if (c->desc || (c->flags & H248_CMDF_BODY)) {
		open_(e);
		nodes(e, c->desc, &first);
		close_(e);
	}
	return 0;
}

static int action(struct enc *e, const struct h248_action *a, bool request)
{
	const struct h248_command *c;
	bool first = true;

	kw(e, H248_KW_CONTEXT);
	eq(e);
	switch (a->ctx_kind) {
	case H248_CTX_NULL:
		putc_(e, '-');
		break;
	case H248_CTX_CHOOSE:
		putc_(e, '$');
		break;
	case H248_CTX_ALL:
		putc_(e, '*');
		break;
	default:
		putu(e, a->ctx_id);
	}
	if (!a->props && !a->cmds && !a->error)
		return request ? -EINVAL : 0;
	open_(e);
	nodes(e, a->props, &first);
	for (c = a->cmds; c; c = c->next) {
		sepr(e, &first);
		if (command(e, c))
			return -EINVAL;
	}
	nodes(e, a->error, &first);
	close_(e);
	return 0;
}

static void trans_id(struct enc *e, const struct h248_transaction *t)
{
	eq(e);
	putu(e, t->id);
	if (t->has_segment) {
		putc_(e, '/');
		putu(e, t->segment);
		if (t->segment_complete) {
			putc_(e, '/');
			kw(e, H248_KW_END);
		}
	}
}

static int transaction(struct enc *e, const struct h248_transaction *t)
{
	const struct h248_action *a;
	bool first = true;
	unsigned int i;

	switch (t->kind) {
	case H248_TR_REQUEST:
		kw(e, H248_KW_TRANSACTION);
		if (t->has_id) {
			eq(e);
			putu(e, t->id);
		}
		if (!t->actions)
			return -EINVAL;
		break;
	case H248_TR_REPLY:
		kw(e, H248_KW_REPLY);
		trans_id(e, t);
		if (!t->actions && !t->error)
			return -EINVAL;
		break;
	case H248_TR_PENDING:
		kw(e, H248_KW_PENDING);
		eq(e);
		putu(e, t->id);
		puts_(e, e->compact ? "{}" : " { }");
		return 0;
	case H248_TR_RESPONSE_ACK:
		if (!t->nacks)
			return -EINVAL;
		kw(e, H248_KW_RESPONSEACK);
		open_(e);
		for (i = 0; i < t->nacks; i++) {
			sepr(e, &first);
			putu(e, t->acks[i].first);
			if (t->acks[i].last != t->acks[i].first) {
				putc_(e, '-');
				putu(e, t->acks[i].last);
			}
		}
		close_(e);
		return 0;
	case H248_TR_SEGMENT_REPLY:
		kw(e, H248_KW_SEGMENT);
		trans_id(e, t);
		return 0;
	default:
		return -EINVAL;
	}
	open_(e);
	if (t->imm_ack) {
		sepr(e, &first);
		kw(e, H248_KW_IMMACKREQUIRED);
	}
	if (t->error) {
		nodes(e, t->error, &first);
	} else {
		for (a = t->actions; a; a = a->next) {
			sepr(e, &first);
			if (action(e, a, t->kind == H248_TR_REQUEST))
				return -EINVAL;
		}
	}
	close_(e);
	return 0;
}

static int message(struct enc *e, const struct h248_message *m)
{
	const struct h248_transaction *t;
	int prev_kind = 0;

	if (m->version < 1 || m->version > 3 || (!m->trans && !m->error))
		return -EINVAL;
	e->version = m->version;
	if (m->has_auth) {
		kw(e, H248_KW_AUTH);
		eq(e);
		putstr(e, m->auth.spi);
		putc_(e, ':');
		putstr(e, m->auth.seq);
		putc_(e, ':');
		putstr(e, m->auth.data);
		putc_(e, e->compact ? ' ' : '\n');
	}
	kw(e, H248_KW_MEGACO);
	putc_(e, '/');
	putu(e, m->version);
	putc_(e, ' ');
	mid(e, &m->mid);
	putc_(e, e->compact ? ' ' : '\n');
	if (m->error) {
		bool first = true;

		e->ind = 0;
		nodes(e, m->error, &first);
		if (e->eol)
			putc_(e, '\n');
		return 0;
	}
	for (t = m->trans; t; t = t->next) {
		/*
		 * segmentReply = SegmentReplyToken EQUAL TransactionID SLASH
		 * SegmentNumber [SLASH SegmentationCompleteToken] ends in a
		 * word with no LWSP after it: any separator is outside the
		 * grammar, and without one the next transaction's token runs
		 * into the word. A segment reply can only end a message.
		 */
		if (prev_kind == H248_TR_SEGMENT_REPLY)
			return -EINVAL;
		if (t != m->trans && !e->compact)
			nl(e);
		prev_kind = t->kind;
		if (transaction(e, t))
			return -EINVAL;
	}
	/* RBRKT = LWSP "}" LWSP: a line break may follow a "}" */
	if (e->eol && prev_kind != H248_TR_SEGMENT_REPLY)
		putc_(e, '\n');
	return 0;
}

ssize_t h248_encode(const struct h248_message *m, unsigned int flags, char *buf,
		    size_t size)
{
	struct enc e = {
		.p = buf,
		.cap = size,
		.compact = flags & H248_ENC_COMPACT,
		.eol = flags & H248_ENC_EOL,
	};

	if (message(&e, m) || e.invalid)
		return -EINVAL;
	if (e.overflow)
		return -ENOSPC;
	return (ssize_t)e.len;
}

int h248_encode_arena(const struct h248_message *m, unsigned int flags,
		      struct h248_arena *a, struct h248_str *out)
{
	size_t size = 4096;
	ssize_t n;
	char *buf;

	for (;;) {
		buf = h248_arena_alloc(a, size);
		if (!buf)
			return -ENOMEM;
		n = h248_encode(m, flags, buf, size);
		if (n >= 0)
			break;
		if (n != -ENOSPC || size >= (64u << 20))
			return (int)n;
		size *= 4;
	}
	out->ptr = buf;
	out->len = (uint32_t)n;
	return 0;
}
