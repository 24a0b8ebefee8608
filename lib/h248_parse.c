// SPDX-License-Identifier: GPL-2.0-only
/*
 * H.248 text decoder, the typed upper levels: message header and mId,
 * transactions, actions, commands. Descriptor lists are parsed by the
 * grammar tables in h248_desc.c.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "h248_priv.h"

void h248_limits_default(struct h248_limits *l)
{
	l->max_message = 65536;
	l->max_depth = 32;
	l->max_string = 8192;
	l->max_items = 1024;
	l->max_arena = 4u << 20;
}

static struct h248_str word_kw(struct h248_parser *P, enum h248_kw *kw,
			       const char *what)
{
	return h248_word_kw(P, kw, what);
}

/* ---- mId ---- */

static void parse_port(struct h248_parser *P, struct h248_mid *mid)
{
	const char *s = P->p;
	struct h248_str w;

	if (P->p >= P->end || *P->p != ':')
		return;
	P->p++;
	w.ptr = P->p;
	while (P->p < P->end &&
	       (h248_cclass[(unsigned char)*P->p] & H248_C_DIGIT))
		P->p++;
	w.len = (uint32_t)(P->p - w.ptr);
	if (!w.len)
		h248_fail_at(P, s, 0, "expected a port number");
	mid->port = (uint16_t)h248_uint(P, w, 65535, "port out of range");
	mid->has_port = true;
}

/* dotted quad, each part 0-255 without leading zeros beyond one digit */
static bool ip4(const char *p, const char *end)
{
	unsigned int parts = 0, v, n;

	while (parts < 4) {
		v = 0;
		n = 0;
		while (p < end && *p >= '0' && *p <= '9' && n < 4) {
			v = v * 10 + (unsigned int)(*p++ - '0');
			n++;
		}
		if (!n || n > 3 || v > 255)
			return false;
		if (++parts < 4) {
			if (p >= end || *p != '.')
				return false;
			p++;
		}
	}
	return p == end;
}

void h248_parse_mid(struct h248_parser *P, struct h248_mid *mid)
{
	const char *s, *p;
	char tmp[64];
	struct in6_addr a6;
	int c = h248_peek(P);

	memset(mid, 0, sizeof(*mid));
	s = P->p;
	if (c == '[') {
		p = ++P->p;
		/* IPv4 or IPv6 (hex, ":", "." for an embedded IPv4) */
		while (p < P->end && p - P->p < 60 &&
		       ((h248_cclass[(unsigned char)*p] & H248_C_SAFE) ||
			*p == ':'))
			p++;
		if (p >= P->end || *p != ']')
			h248_fail_at(P, p, 0, "expected an IP address and ']'");
		if (ip4(P->p, p)) {
			mid->kind = H248_MID_IP4;
		} else {
			memcpy(tmp, P->p, (size_t)(p - P->p));
			tmp[p - P->p] = 0;
			if (!memchr(tmp, ':', (size_t)(p - P->p)) ||
			    inet_pton(AF_INET6, tmp, &a6) != 1)
				h248_fail_at(P, s, 0, "invalid IP address");
			mid->kind = H248_MID_IP6;
		}
		mid->addr = (struct h248_str){ P->p, (uint32_t)(p - P->p) };
		P->p = p + 1;
		parse_port(P, mid);
	} else if (c == '<') {
		/* domainName = "<" (ALPHA / DIGIT) *63(ALPHA/DIGIT/"-"/".") ">" */
		p = ++P->p;
		while (p < P->end && (isalnum((unsigned char)*p) ||
				      (p > P->p && (*p == '-' || *p == '.'))))
			p++;
		if (p == P->p || p - P->p > 64 || p >= P->end || *p != '>')
			h248_fail_at(P, p, 0, "expected a domain name and '>'");
		mid->kind = H248_MID_DOMAIN;
		mid->addr = (struct h248_str){ P->p, (uint32_t)(p - P->p) };
		P->p = p + 1;
		parse_port(P, mid);
	} else if (P->end - P->p > 4 && !strncasecmp(P->p, "MTP", 3) &&
		   P->p[3] == '{') {
		/* mtpAddress = MTPToken LBRKT 4*8 (HEXDIG) RBRKT */
		p = P->p += 4;
		while (p < P->end && isxdigit((unsigned char)*p))
			p++;
		if (p - P->p < 4 || p - P->p > 8 || p >= P->end || *p != '}')
			h248_fail_at(P, p, 0,
				     "expected 4 to 8 hex digits and '}'");
		mid->kind = H248_MID_MTP;
		mid->addr = (struct h248_str){ P->p, (uint32_t)(p - P->p) };
		P->p = p + 1;
	} else {
		mid->kind = H248_MID_DEVICE;
		mid->addr = h248_word(P, "expected an mId");
	}
}

/* ---- commands ---- */

static enum h248_cmd cmd_of(enum h248_kw kw)
{
	switch (kw) {
	case H248_KW_ADD:
		return H248_CMD_ADD;
	case H248_KW_MODIFY:
		return H248_CMD_MODIFY;
	case H248_KW_SUBTRACT:
		return H248_CMD_SUBTRACT;
	case H248_KW_MOVE:
		return H248_CMD_MOVE;
	case H248_KW_AUDITVALUE:
		return H248_CMD_AUDITVALUE;
	case H248_KW_AUDITCAP:
		return H248_CMD_AUDITCAP;
	case H248_KW_NOTIFY:
		return H248_CMD_NOTIFY;
	case H248_KW_SERVICECHANGE:
		return H248_CMD_SERVICECHANGE;
	default:
		return 0;
	}
}

/* "O-" and "W-" prefixes (v2+) are read off the command word. */
static enum h248_kw cmd_word(struct h248_parser *P, struct h248_str *w,
			     uint8_t *flags)
{
	for (;;) {
		if (w->len > 2 && w->ptr[1] == '-' &&
		    (w->ptr[0] == 'O' || w->ptr[0] == 'o') &&
		    !(*flags & H248_CMDF_OPTIONAL))
			*flags |= H248_CMDF_OPTIONAL;
		else if (w->len > 2 && w->ptr[1] == '-' &&
			 (w->ptr[0] == 'W' || w->ptr[0] == 'w') &&
			 !(*flags & H248_CMDF_WILDREPLY))
			*flags |= H248_CMDF_WILDREPLY;
		else
			break;
		w->ptr += 2;
		w->len -= 2;
	}
	return h248_kw_lookup(w->ptr, w->len, P->version);
}

static void termid(struct h248_parser *P, struct h248_termid *t)
{
	uint32_t i;

	t->s = h248_word(P, "expected a termination ID");
	t->flags = 0;
	if (t->s.len == 4 && !strncasecmp(t->s.ptr, "ROOT", 4))
		t->flags |= H248_TID_ROOT;
	if (!(P->wclass & H248_C_WILD))
		return;
	for (i = 0; i < t->s.len; i++) {
		if (t->s.ptr[i] == '$')
			t->flags |= H248_TID_CHOOSE;
		else if (t->s.ptr[i] == '*')
			t->flags |= H248_TID_ALL;
	}
}

/* termIDList = terminationID / LSBRKT terminationID *(COMMA ...) RSBRKT */
static void termid_list(struct h248_parser *P, struct h248_command *c,
			char open, char close)
{
	struct h248_termid tmp[64];
	uint32_t n = 0;

	if (!h248_accept(P, open)) {
		c->tids = h248_palloc_fill(P, sizeof(*c->tids));
		termid(P, c->tids);
		c->ntids = 1;
		return;
	}
	h248_enter(P);
	c->flags |= H248_CMDF_TID_LIST;
	do {
		if (n >= 64 || n >= P->lim->max_items)
			h248_fail_limit(P, "too many termination IDs");
		termid(P, &tmp[n++]);
	} while (h248_accept(P, ','));
	h248_expect(P, close,
		    close == ']' ? "expected ',' or ']'" :
				   "expected ',' or '}'");
	h248_leave(P);
	c->tids = h248_palloc_fill(P, n * sizeof(*c->tids));
	memcpy(c->tids, tmp, n * sizeof(*c->tids));
	c->ntids = (uint16_t)n;
}

static void cmd_body(struct h248_parser *P, struct h248_command *c,
		     enum h248_dctx dc, bool required)
{
	if (!h248_accept(P, '{')) {
		if (required)
			h248_fail(P, "expected '{'");
		return;
	}
	c->flags |= H248_CMDF_BODY;
	h248_desc_list(P, dc, &c->desc);
}

/*
 * contextTerminationAudit = EQUAL CtxToken ( terminationIDList /
 *			     LBRKT errorDescriptor RBRKT )
 * Returns false (nothing consumed) if the reply is not of that form.
 */
static bool context_audit(struct h248_parser *P, struct h248_command *c)
{
	const char *s, *open;
	enum h248_kw kw;

	h248_lwsp(P);
	s = P->p;
	if (h248_peek(P) == '[')
		return false;
	h248_word_kw(P, &kw, "expected a termination ID");
	if (kw != H248_KW_CONTEXT) {
		P->p = s;
		return false;
	}
	c->flags |= H248_CMDF_CTX_AUDIT;
	h248_lwsp(P);
	open = P->p;
	h248_expect(P, '{', "expected '{'");
	h248_lwsp(P);
	s = P->p;
	h248_word_kw(P, &kw, "expected a termination ID or Error");
	P->p = s;
	if (kw == H248_KW_ERROR) {
		c->flags |= H248_CMDF_BODY;
		h248_desc_list(P, H248_DC_ERROR_ONLY, &c->desc);
	} else {
		P->p = open; /* termid_list wants its "{" */
		termid_list(P, c, '{', '}');
	}
	return true;
}

static struct h248_command *command(struct h248_parser *P, struct h248_str w,
				    uint8_t flags, enum h248_kw kw, bool reply)
{
	struct h248_command *c = h248_palloc(P, sizeof(*c));
	enum h248_dctx dc;

	c->cmd = cmd_of(kw);
	c->flags = flags;
	c->offset = (uint32_t)(w.ptr - P->buf);
	P->code = H248_E_SYNTAX_COMMAND;
	h248_expect(P, '=', "expected '=' after the command");
	if (reply &&
	    (c->cmd == H248_CMD_AUDITVALUE || c->cmd == H248_CMD_AUDITCAP) &&
	    context_audit(P, c)) {
		P->code = H248_E_SYNTAX_MESSAGE;
		return c;
	}
	termid_list(P, c, '[', ']');
	switch (c->cmd) {
	case H248_CMD_ADD:
	case H248_CMD_MODIFY:
	case H248_CMD_MOVE:
		dc = reply ? H248_DC_TERM_AUDIT : H248_DC_AMM_REQ;
		cmd_body(P, c, dc, false);
		break;
	case H248_CMD_SUBTRACT:
	case H248_CMD_AUDITVALUE:
	case H248_CMD_AUDITCAP:
		dc = reply ? H248_DC_TERM_AUDIT : H248_DC_AUDIT_REQ;
		cmd_body(P, c, dc, false);
		break;
	case H248_CMD_NOTIFY:
		dc = reply ? H248_DC_ERROR_ONLY : H248_DC_NOTIFY_REQ;
		cmd_body(P, c, dc, !reply);
		break;
	case H248_CMD_SERVICECHANGE:
		dc = reply ? H248_DC_SC_REPLY : H248_DC_SC_REQ;
		cmd_body(P, c, dc, !reply);
		break;
	}
	P->code = H248_E_SYNTAX_MESSAGE;
	return c;
}

/* ---- actions ---- */

static void context_id(struct h248_parser *P, struct h248_action *a)
{
	struct h248_str w = h248_word(P, "expected a context ID");

	if (w.len == 1 && w.ptr[0] == '-')
		a->ctx_kind = H248_CTX_NULL;
	else if (w.len == 1 && w.ptr[0] == '$')
		a->ctx_kind = H248_CTX_CHOOSE;
	else if (w.len == 1 && w.ptr[0] == '*')
		a->ctx_kind = H248_CTX_ALL;
	else
		a->ctx_id =
			h248_uint(P, w, UINT32_MAX, "expected a context ID");
}

static struct h248_action *action(struct h248_parser *P, bool reply)
{
	struct h248_action *a = h248_palloc(P, sizeof(*a));
	struct h248_command **ctail = &a->cmds;
	struct h248_node **ptail = &a->props;
	enum h248_kw kw;
	struct h248_str w;
	uint32_t count = 0;
	uint8_t flags;

	w = word_kw(P, &kw, "expected Context");
	if (kw != H248_KW_CONTEXT)
		h248_fail_at(P, w.ptr, 0, "expected Context");
	a->offset = (uint32_t)(w.ptr - P->buf);
	h248_expect(P, '=', "expected '=' after Context");
	context_id(P, a);
	if (h248_peek(P) != '{') {
		if (!reply)
			h248_fail(P, "expected '{'");
		return a;
	}
	P->p++;
	a->has_body = true;
	h248_enter(P);
	do {
		h248_count(P, &count);
		w = h248_word(P, reply ? "expected a command reply" :
					 "expected a command");
		flags = 0;
		kw = cmd_word(P, &w, &flags);
		if (cmd_of(kw) && (!flags || !reply)) {
			*ctail = command(P, w, flags, kw, reply);
			ctail = &(*ctail)->next;
			continue;
		}
		if (flags)
			h248_fail_at(P, w.ptr, H248_E_UNKNOWN_COMMAND,
				     "unknown command");
		if (reply && kw == H248_KW_ERROR) {
			struct h248_node *e = NULL, **et = &e;

			/* the error ends the action reply */
			h248_desc_item(P, H248_DC_ERROR_ONLY, w, kw, &et);
			a->error = e;
			break;
		}
		if (h248_desc_item(P,
				   reply ? H248_DC_REPLY_PROPS :
					   H248_DC_ACTION_PROPS,
				   w, kw, &ptail))
			continue;
		h248_fail_at(P, w.ptr, H248_E_UNKNOWN_COMMAND,
			     reply ? "expected a command reply" :
				     "expected a command or context property");
	} while (h248_accept(P, ','));
	h248_expect(P, '}', "expected ',' or '}'");
	h248_leave(P);
	return a;
}

/* ---- transactions ---- */

static void trans_id(struct h248_parser *P, struct h248_transaction *t,
		     bool segments)
{
	struct h248_str w = h248_word(P, "expected a transaction ID");
	struct h248_str part = w;
	const char *slash = memchr(w.ptr, '/', w.len);

	if (slash && segments && P->version >= 3) {
		part.len = (uint32_t)(slash - w.ptr);
	}
	t->id = h248_uint(P, part, UINT32_MAX, "expected a transaction ID");
	t->has_id = true;
	P->in_trans = true;
	P->tid = t->id;
	if (part.len == w.len)
		return;
	/* transactionID "/" segmentNumber ["/" SegmentationCompleteToken] */
	part.ptr = slash + 1;
	part.len = (uint32_t)(w.ptr + w.len - part.ptr);
	slash = memchr(part.ptr, '/', part.len);
	if (slash)
		part.len = (uint32_t)(slash - part.ptr);
	t->segment =
		h248_uint(P, part, UINT16_MAX, "expected a segment number");
	t->has_segment = true;
	if (slash) {
		part.ptr = slash + 1;
		part.len = (uint32_t)(w.ptr + w.len - part.ptr);
		if (h248_kw_lookup(part.ptr, part.len, P->version) !=
		    H248_KW_END)
			h248_fail_at(P, part.ptr, 0, "expected END or '&'");
		t->segment_complete = true;
	}
}

/* actionRequest/actionReply *(COMMA ...) */
static void actions(struct h248_parser *P, struct h248_transaction *t,
		    bool reply)
{
	struct h248_action **tail = &t->actions;
	uint32_t count = 0;

	do {
		h248_count(P, &count);
		*tail = action(P, reply);
		tail = &(*tail)->next;
	} while (h248_accept(P, ','));
}

static void request(struct h248_parser *P, struct h248_transaction *t)
{
	if (h248_accept(P, '=')) {
		if (h248_peek(P) != '{')
			trans_id(P, t, false);
	}
	h248_expect(P, '{', "expected '{'");
	h248_enter(P);
	actions(P, t, false);
	h248_expect(P, '}', "expected ',' or '}'");
	h248_leave(P);
}

static void reply(struct h248_parser *P, struct h248_transaction *t)
{
	enum h248_kw kw;
	struct h248_str w;
	const char *s;

	h248_expect(P, '=', "expected '='");
	trans_id(P, t, true);
	h248_expect(P, '{', "expected '{'");
	h248_enter(P);
	h248_lwsp(P);
	s = P->p;
	w = word_kw(P, &kw, "expected Context or Error");
	if (kw == H248_KW_IMMACKREQUIRED) {
		t->imm_ack = true;
		h248_expect(P, ',', "expected ','");
		h248_lwsp(P);
		s = P->p;
		w = word_kw(P, &kw, "expected Context or Error");
	}
	if (kw == H248_KW_ERROR) {
		struct h248_node **et = &t->error;

		h248_desc_item(P, H248_DC_ERROR_ONLY, w, kw, &et);
	} else {
		P->p = s;
		actions(P, t, true);
	}
	h248_expect(P, '}', "expected ',' or '}'");
	h248_leave(P);
}

static void response_ack(struct h248_parser *P, struct h248_transaction *t)
{
	struct h248_ack_range tmp[256];
	struct h248_str w, part;
	const char *dash;
	uint32_t n = 0;

	h248_expect(P, '{', "expected '{'");
	h248_enter(P);
	do {
		if (n >= 256 || n >= P->lim->max_items)
			h248_fail_limit(P, "too many acknowledged IDs");
		/* transactionAck = transactionID / (transactionID "-" ID) */
		w = h248_word(P, "expected a transaction ID");
		dash = memchr(w.ptr, '-', w.len);
		part = w;
		if (dash)
			part.len = (uint32_t)(dash - w.ptr);
		tmp[n].first = h248_uint(P, part, UINT32_MAX,
					 "expected a transaction ID");
		tmp[n].last = tmp[n].first;
		if (dash) {
			part.ptr = dash + 1;
			part.len = (uint32_t)(w.ptr + w.len - part.ptr);
			tmp[n].last = h248_uint(P, part, UINT32_MAX,
						"expected a transaction ID");
		}
		n++;
	} while (h248_accept(P, ','));
	h248_expect(P, '}', "expected ',' or '}'");
	h248_leave(P);
	t->acks = h248_palloc_fill(P, n * sizeof(*t->acks));
	memcpy(t->acks, tmp, n * sizeof(*t->acks));
	t->nacks = (uint16_t)n;
}

static struct h248_transaction *transaction(struct h248_parser *P,
					    struct h248_str w, enum h248_kw kw)
{
	struct h248_transaction *t = h248_palloc(P, sizeof(*t));

	t->offset = (uint32_t)(w.ptr - P->buf);
	P->in_trans = false;
	switch (kw) {
	case H248_KW_TRANSACTION:
		t->kind = P->trans_kind = H248_TR_REQUEST;
		request(P, t);
		break;
	case H248_KW_REPLY:
		t->kind = P->trans_kind = H248_TR_REPLY;
		reply(P, t);
		break;
	case H248_KW_PENDING:
		t->kind = P->trans_kind = H248_TR_PENDING;
		h248_expect(P, '=', "expected '='");
		trans_id(P, t, false);
		h248_expect(P, '{', "expected '{'");
		h248_expect(P, '}', "expected '}'");
		break;
	case H248_KW_RESPONSEACK:
		t->kind = P->trans_kind = H248_TR_RESPONSE_ACK;
		response_ack(P, t);
		break;
	case H248_KW_SEGMENT:
		t->kind = P->trans_kind = H248_TR_SEGMENT_REPLY;
		h248_expect(P, '=', "expected '='");
		trans_id(P, t, true);
		if (!t->has_segment)
			h248_fail(P, "expected '/' and a segment number");
		break;
	default:
		h248_fail_at(P, w.ptr, 0, "expected a transaction");
	}
	P->in_trans = false;
	return t;
}

/* ---- message ---- */

/* "0x" min..max HEXDIG, as the authentication header's fields are */
static struct h248_str hex_word(struct h248_parser *P, uint32_t min,
				uint32_t max, const char *what)
{
	struct h248_str w = h248_word(P, what);
	uint32_t i;

	if (w.len < 2 + min || w.len > 2 + max || w.ptr[0] != '0' ||
	    (w.ptr[1] != 'x' && w.ptr[1] != 'X'))
		h248_fail_at(P, w.ptr, 0, what);
	for (i = 2; i < w.len; i++)
		if (!isxdigit((unsigned char)w.ptr[i]))
			h248_fail_at(P, w.ptr, 0, what);
	return w;
}

static void header(struct h248_parser *P, struct h248_message *m)
{
	enum h248_kw kw;
	struct h248_str w;
	const char *s;

	P->version = 3; /* any keyword may appear before the version */
	w = word_kw(P, &kw, "expected MEGACO");
	if (kw == H248_KW_AUTH) {
		/* AuthenticationHeader = AuthToken EQUAL SecurityParmIndex
		 * COLON SequenceNum COLON AuthData SEP */
		h248_expect(P, '=', "expected '='");
		m->auth.spi =
			hex_word(P, 8, 8, "expected 0x and 8 hex digits (SPI)");
		h248_expect(P, ':', "expected ':'");
		m->auth.seq = hex_word(
			P, 8, 8, "expected 0x and 8 hex digits (sequence)");
		h248_expect(P, ':', "expected ':'");
		m->auth.data = hex_word(P, 24, 64,
					"expected 0x and 24 to 64 hex digits");
		m->has_auth = true;
		w = word_kw(P, &kw, "expected MEGACO");
	}
	/* "MEGACO/1" and "!/1" are one word: SafeChar includes "!" and "/" */
	s = memchr(w.ptr, '/', w.len);
	if (!s ||
	    h248_kw_lookup(w.ptr, (size_t)(s - w.ptr), 3) != H248_KW_MEGACO)
		h248_fail_at(P, w.ptr, 0, "expected MEGACO/version");
	s++;
	if (w.ptr + w.len - s != 1 || s[0] < '1' || s[0] > '9')
		h248_fail_at(P, s, 0, "expected a one-digit version");
	if (s[0] > '3')
		h248_fail_at(P, s, H248_E_VERSION, "version not supported");
	m->version = (uint8_t)(s[0] - '0');
	P->version = m->version;
	s = P->p;
	h248_lwsp(P);
	if (P->p == s)
		h248_fail(P, "expected white space after the version");
	h248_parse_mid(P, &m->mid);
	s = P->p;
	h248_lwsp(P);
	if (P->p == s)
		h248_fail(P, "expected white space after the mId");
}

static void message(struct h248_parser *P, struct h248_message *m)
{
	struct h248_transaction **tail = &m->trans, *last;
	uint32_t count = 0;
	enum h248_kw kw;
	struct h248_str w;

	header(P, m);
	w = word_kw(P, &kw, "expected a transaction or Error");
	if (kw == H248_KW_ERROR) {
		struct h248_node **et = &m->error;

		h248_desc_item(P, H248_DC_ERROR_ONLY, w, kw, &et);
	} else {
		for (;;) {
			h248_count(P, &count);
			*tail = transaction(P, w, kw);
			last = *tail;
			tail = &(*tail)->next;
			if (h248_peek(P) < 0)
				break;
			/* segmentReply ends in a word and the ABNF has no
			 * separator after it: it can only end the message
			 * (white space after it, at the very end, is let
			 * through) */
			if (last->kind == H248_TR_SEGMENT_REPLY)
				h248_fail(P,
					  "a segment reply ends the message");
			w = word_kw(P, &kw, "expected a transaction");
		}
	}
	if (h248_peek(P) >= 0)
		h248_fail(P, "expected the end of the message");
}

int h248_decode(const char *buf, size_t len, const struct h248_limits *lim,
		struct h248_arena *a, struct h248_message **out,
		struct h248_error *err)
{
	struct h248_limits def;
	struct h248_parser P;
	struct h248_message *m;
	size_t saved_limit = a->limit;

	if (!lim) {
		h248_limits_default(&def);
		lim = &def;
	}
	memset(err, 0, sizeof(*err));
	*out = NULL;
	if (len > lim->max_message) {
		err->code = H248_E_SYNTAX_MESSAGE;
		err->offset = lim->max_message;
		err->expected = "message too large";
		return -E2BIG;
	}
	/* field by field: P holds a jmp_buf not worth clearing */
	P.buf = P.p = buf;
	P.rc = 0;
	P.version = 3;
	P.depth = 0;
	P.in_trans = false;
	P.trans_kind = 0;
	P.tid = 0;
	P.wclass = 0;
	P.alone = false;
	P.end = buf + len;
	P.lim = lim;
	P.a = a;
	P.err = err;
	P.code = H248_E_SYNTAX_MESSAGE;
	if (lim->max_arena)
		a->limit = a->total + lim->max_arena;
	if (setjmp(P.fail)) {
		a->limit = saved_limit;
		return P.rc;
	}
	m = h248_palloc(&P, sizeof(*m));
	message(&P, m);
	a->limit = saved_limit;
	*out = m;
	return 0;
}
