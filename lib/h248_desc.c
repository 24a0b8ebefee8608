// SPDX-License-Identifier: GPL-2.0-only
/*
 * The descriptor item parser: one generic function walks the grammar
 * tables of lib/h248_grammar.c, so every descriptor is checked against the
 * grammar without a hand-written function for each, plus the checks the
 * tables cannot express (names, digit maps, topology triples).
 */
#include <string.h>

#include "h248_grammar.h"

static const struct rule *find_rule(const struct dctx *c, uint16_t kw)
{
	unsigned int i;

	if (kw == H248_KW_NAME)
		return NULL;
	for (i = 0; i < c->nrules; i++)
		if (c->rules[i].kw == kw)
			return &c->rules[i];
	return NULL;
}

static bool kw_in(const uint16_t *set, uint16_t kw)
{
	for (; *set; set++)
		if (*set == kw)
			return true;
	return false;
}

/*
 * NAME = ALPHA *63(ALPHA / DIGIT / "_"), or "*" where wild is allowed, at
 * p; returns the end of it or NULL.
 */
static const char *name_end(const char *p, const char *end, bool wild)
{
	const char *s = p;

	if (p == end)
		return NULL;
	if (wild && *p == '*')
		return p + 1;
	if (!(h248_cclass[(unsigned char)*p] & H248_C_ALPHA))
		return NULL;
	for (p++; p < end && (h248_cclass[(unsigned char)*p] & H248_C_NAMECH);)
		p++;
	return p - s <= 64 ? p : NULL;
}

static void check_name(struct h248_parser *P, uint8_t nform,
		       struct h248_str w)
{
	const char *end = w.ptr + w.len, *p;
	uint32_t n;

	switch (nform) {
	case NF_PKGD: /* (NAME / "*") "/" (NAME / "*") */
		p = name_end(w.ptr, end, true);
		if (!p || p == end || *p != '/')
			break;
		p = name_end(p + 1, end, true);
		if (p == end)
			return;
		break;
	case NF_PKGITEM: /* NAME "-" UINT16 */
		p = name_end(w.ptr, end, false);
		if (!p || p == end || *p != '-' || end - p < 2 || end - p > 6)
			break;
		for (n = 0, p++; p < end && *p >= '0' && *p <= '9'; p++)
			n = n * 10 + (uint32_t)(*p - '0');
		if (p == end && n <= 65535)
			return;
		break;
	default:
		return;
	}
	h248_fail_at(P, w.ptr, 0,
		     nform == NF_PKGD ? "expected package/item" :
					"expected package-version");
}

/*
 * digitMapValue: timers ("T:", "S:", "L:", "Z:" and a number) and a digit
 * map of digits, "#", "*", letters A-K, L, S, T, X, Z in either case, and
 * ". | ( ) [ ] -", with white space.
 */
static __attribute__((noinline)) void
check_digitmap(struct h248_parser *P, struct h248_str b)
{
	static const uint8_t digitmap_ok[256] = {
		['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1,
		['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1, ['#'] = 1, ['*'] = 1,
		['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1,
		['g'] = 1, ['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1,
		['s'] = 1, ['t'] = 1, ['x'] = 1, ['z'] = 1, ['A'] = 1, ['B'] = 1,
		['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1, ['G'] = 1, ['H'] = 1,
		['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1, ['S'] = 1, ['T'] = 1,
		['X'] = 1, ['Z'] = 1, ['.'] = 1, ['|'] = 1, ['('] = 1, [')'] = 1,
		['['] = 1, [']'] = 1, ['-'] = 1, [':'] = 1, [','] = 1, [' '] = 1,
		['\t'] = 1, ['\r'] = 1, ['\n'] = 1
	};
	uint32_t i;

	for (i = 0; i < b.len; i++)
		if (!digitmap_ok[(unsigned char)b.ptr[i]])
			h248_fail_at(P, b.ptr + i, 0,
				     "character not allowed in a digit map");
}

/*
 * topologyTriple = terminationA COMMA terminationB COMMA topologyDirection
 * followed (v3) by an optional OnewayExternal/OnewayBoth extension and an
 * optional eventStream, the triple repeated.
 */
static __attribute__((noinline)) void
check_topology(struct h248_parser *P, const struct h248_node *n)
{
	bool dir;

	while (n) {
		if (n->kw != H248_KW_NAME || !n->next ||
		    n->next->kw != H248_KW_NAME)
			goto bad;
		dir = false;
		for (n = n->next->next; n && n->kw != H248_KW_NAME; n = n->next)
			if (n->kw != H248_KW_STREAM)
				dir = true;
		if (!dir)
			goto bad;
	}
	return;
bad:
	h248_fail_at(P, n ? P->buf + n->offset : P->p, 0,
		     "expected terminationA, terminationB, direction");
}

static bool is_timestamp(struct h248_str w)
{
	static const char pat[] = "DDDDDDDDTDDDDDDDD";
	uint32_t i;

	if (w.len != sizeof(pat) - 1)
		return false;
	for (i = 0; i < w.len; i++) {
		if (pat[i] == 'T') {
			if (w.ptr[i] != 'T' && w.ptr[i] != 't')
				return false;
		} else if (!(h248_cclass[(unsigned char)w.ptr[i]] &
			     H248_C_DIGIT)) {
			return false;
		}
	}
	return true;
}

/*
 * Values are collected in a small array in the parser's frame (most items
 * have at most one) and spill to an arena array for long lists; the final
 * array is copied to the arena once the item is complete.
 */
#define NV_INLINE 4
#define NV_MAX 256

struct vals {
	struct h248_value in[NV_INLINE];
	struct h248_value *v;
	uint32_t n, cap;
};

static void push(struct h248_parser *P, struct vals *vs, struct h248_str s,
		 uint16_t kw, bool quoted)
{
	struct h248_value *nv;

	if (vs->n == vs->cap) {
		if (vs->n >= NV_MAX || vs->n >= P->lim->max_items)
			h248_fail_limit(P, "too many values");
		nv = h248_palloc_fill(P, NV_MAX * sizeof(*nv));
		memcpy(nv, vs->v, vs->n * sizeof(*nv));
		vs->v = nv;
		vs->cap = NV_MAX;
	}
	vs->v[vs->n].s = s;
	vs->v[vs->n].kw = kw;
	vs->v[vs->n].quoted = quoted;
	vs->n++;
}

static void store(struct h248_parser *P, struct h248_node *n,
		  struct vals *vs)
{
	if (vs->v == vs->in) {
		n->v = h248_palloc_fill(P, vs->n * sizeof(*n->v));
		memcpy(n->v, vs->v, vs->n * sizeof(*n->v));
	} else {
		n->v = vs->v; /* already in the arena */
	}
	n->nv = (uint16_t)vs->n;
}

static void value(struct h248_parser *P, struct vals *vs)
{
	if (h248_peek(P) == '"')
		push(P, vs, h248_quoted(P), 0, true);
	else
		push(P, vs, h248_word(P, "expected a value"), 0, false);
}

static void kw_value(struct h248_parser *P, struct vals *vs,
		     const uint16_t *set, bool token_ok)
{
	enum h248_kw kw;
	struct h248_str w = h248_word_kw(P, &kw, "expected a keyword value");

	if (kw == H248_KW_NAME || !kw_in(set, kw)) {
		if (!token_ok)
			h248_fail_at(P, w.ptr, 0, "value not allowed here");
		kw = H248_KW_NAME;
	}
	push(P, vs, w, kw, false);
}

static void uint_value(struct h248_parser *P, struct vals *vs, uint32_t max)
{
	struct h248_str w = h248_word(P, "expected a number");

	h248_uint(P, w, max, "expected a number in range");
	push(P, vs, w, 0, false);
}

/* "{ a, b }" or "[ a, b ]" value lists; the opener is consumed. */
static void value_list(struct h248_parser *P, struct vals *vs, char close,
		       int vt, const uint16_t *set)
{
	h248_enter(P);
	do {
		if (vt == VT_KWALT)
			kw_value(P, vs, set, false);
		else if (vt == VT_UINTALT)
			uint_value(P, vs, UINT32_MAX);
		else
			value(P, vs);
	} while (h248_accept(P, ','));
	h248_expect(P, close, close == '}' ? "expected ',' or '}'" :
					      "expected ',' or ']'");
	h248_leave(P);
}

/* parmValue: the operator has not been consumed yet. */
static void parm_value(struct h248_parser *P, struct h248_node *n,
		       struct vals *vs)
{
	int c = h248_peek(P);

	P->p++;
	switch (c) {
	case '#':
		n->op = H248_OP_NE;
		break;
	case '<':
		n->op = H248_OP_LT;
		break;
	case '>':
		n->op = H248_OP_GT;
		break;
	default:
		n->op = H248_OP_EQ;
		c = h248_peek(P);
		if (c == '{') {
			P->p++;
			n->vform = H248_VF_ALT;
			value_list(P, vs, '}', VT_VALUE, NULL);
			return;
		}
		if (c == '[') {
			P->p++;
			h248_enter(P);
			value(P, vs);
			if (h248_accept(P, ':')) {
				n->vform = H248_VF_RANGE;
				value(P, vs);
				h248_expect(P, ']', "expected ']'");
			} else {
				n->vform = H248_VF_ALL;
				while (h248_accept(P, ','))
					value(P, vs);
				h248_expect(P, ']', "expected ',' or ']'");
			}
			h248_leave(P);
			return;
		}
		break;
	}
	n->vform = H248_VF_ONE;
	value(P, vs);
}

static bool is_op(int c)
{
	return c == '=' || c == '#' || c == '<' || c == '>';
}

static void rule_value(struct h248_parser *P, const struct rule *r,
		       struct h248_node *n, struct vals *vs)
{
	const char *s;

	if (r->vt == VT_MODEM && h248_peek(P) == '[') {
		P->p++;
		n->flags |= H248_NF_BRACKET;
		n->vform = H248_VF_ALL;
		value_list(P, vs, ']', VT_TOKEN, NULL);
		return;
	}
	if (h248_accept(P, '#'))
		n->op = H248_OP_NE;
	else
		n->op = H248_OP_EQ, P->p++;
	n->vform = H248_VF_ONE;
	switch (r->vt) {
	case VT_UINT:
		uint_value(P, vs, UINT32_MAX);
		break;
	case VT_UINT16:
		uint_value(P, vs, UINT16_MAX);
		break;
	case VT_REQID:
		if (h248_peek(P) == '*') {
			push(P, vs, h248_word(P, "expected a request ID"), 0,
			     false);
			if (vs->v[vs->n - 1].s.len != 1)
				h248_fail_at(P, vs->v[vs->n - 1].s.ptr, 0,
					     "expected a request ID");
		} else {
			uint_value(P, vs, UINT32_MAX);
		}
		break;
	case VT_TOKEN:
	case VT_MODEM:
		push(P, vs, h248_word(P, "expected a name"), 0, false);
		break;
	case VT_VALUE:
		value(P, vs);
		break;
	case VT_KW:
	case VT_KW_OR_TOKEN:
		kw_value(P, vs, r->kws, r->vt == VT_KW_OR_TOKEN);
		break;
	case VT_MID: {
		struct h248_mid mid;
		int c = h248_peek(P);

		s = P->p;
		if (c == '[' || c == '<')
			h248_parse_mid(P, &mid);
		else
			h248_word(P, "expected an address or port");
		push(P, vs, (struct h248_str){ s, (uint32_t)(P->p - s) }, 0,
		     false);
		break;
	}
	case VT_KWALT:
	case VT_UINTALT:
		h248_expect(P, '{', "expected '{'");
		n->vform = H248_VF_ALT;
		value_list(P, vs, '}', r->vt, r->kws);
		break;
	case VT_STAT:
	default:
		h248_fail(P, "internal: bad rule");
	}
}

static void error_text(struct h248_parser *P, struct h248_node *n)
{
	if (h248_peek(P) == '"') {
		n->body = h248_quoted(P);
		n->flags |= H248_NF_RAW;
	}
	h248_expect(P, '}', "expected '}' after error text");
}

static void list(struct h248_parser *P, unsigned int dc,
		 struct h248_node **head);

static bool item(struct h248_parser *P, unsigned int dc, struct h248_str w,
		 enum h248_kw kw, struct h248_node ***tail)
{
	const struct dctx *c = &h248_dctx[dc];
	const struct rule *r = find_rule(c, kw);
	struct h248_node *n;
	struct vals vs;
	int ch;

	vs.n = 0;
	vs.v = vs.in;
	vs.cap = NV_INLINE;
	if (!r && !c->names && !(c->ts && is_timestamp(w)))
		return false;
	n = h248_palloc(P, sizeof(*n));
	n->name = w;
	n->offset = (uint32_t)(w.ptr - P->buf);
	**tail = n;
	*tail = &n->next;

	if (r) {
		n->kw = kw;
		if (r->flags & R_ALONE)
			P->alone = true;
		ch = h248_peek(P);
		if (r->val != VAL_NO &&
		    (ch == '=' || (ch == '#' && (r->flags & R_NE)) ||
		     (ch == '[' && r->vt == VT_MODEM)))
			rule_value(P, r, n, &vs);
		else if (r->val == VAL_REQ)
			h248_fail(P, "expected '='");
		ch = h248_peek(P);
		if (ch == '{' && r->body != B_NO) {
			P->p++;
			h248_enter(P);
			n->flags |= H248_NF_BODY;
			if (r->body == B_RAW_OPT || r->body == B_RAW_REQ) {
				n->body = h248_raw_body(P);
				n->flags |= H248_NF_RAW;
				if (kw == H248_KW_DIGITMAP)
					check_digitmap(P, n->body);
			} else if (r->body == B_ERRTEXT) {
				error_text(P, n);
			} else {
				list(P, r->sub, &n->child);
				if (kw == H248_KW_TOPOLOGY)
					check_topology(P, n->child);
			}
			h248_leave(P);
		} else if (r->body == B_REQ || r->body == B_RAW_REQ ||
			   r->body == B_ERRTEXT) {
			h248_fail(P, "expected '{'");
		}
		if ((r->flags & R_IFF) && !vs.n != !(n->flags & H248_NF_BODY))
			h248_fail_at(P, w.ptr, 0,
				     "'= ID' and '{ }' go together here");
		if ((r->flags & R_ONE) && !vs.n && !(n->flags & H248_NF_BODY))
			h248_fail(P, "expected '=' or '{'");
		if (vs.n)
			store(P, n, &vs);
		return true;
	}

	if (c->ts && is_timestamp(w)) {
		n->ts = w;
		n->name = (struct h248_str){ NULL, 0 };
		n->flags |= H248_NF_TS;
		return true;
	}
	if (c->nform && c->names != N_OBS)
		check_name(P, c->nform, w);
	switch (c->names) {
	case N_OBS:
		if (h248_peek(P) == ':') {
			if (!is_timestamp(w))
				h248_fail_at(P, w.ptr, 0,
					     "expected a time stamp");
			P->p++;
			n->ts = w;
			n->flags |= H248_NF_TS;
			n->name = h248_word(P, "expected an event name");
			n->offset = (uint32_t)(n->name.ptr - P->buf);
		}
		check_name(P, c->nform, n->name);
		/* fall through */
	case N_EVENT:
		if (h248_accept(P, '{')) {
			h248_enter(P);
			n->flags |= H248_NF_BODY;
			list(P, c->name_sub, &n->child);
			h248_leave(P);
		}
		break;
	case N_PARM:
		if (!is_op(h248_peek(P)))
			h248_fail(P, "expected '=', '#', '<' or '>'");
		parm_value(P, n, &vs);
		break;
	case N_PARM_OPT:
		if (is_op(h248_peek(P)))
			parm_value(P, n, &vs);
		break;
	case N_STAT:
		if (h248_accept(P, '=')) {
			n->op = H248_OP_EQ;
			if (h248_accept(P, '[')) {
				n->vform = H248_VF_ALL;
				value_list(P, &vs, ']', VT_VALUE, NULL);
			} else {
				n->vform = H248_VF_ONE;
				value(P, &vs);
			}
		}
		break;
	default:
		break;
	}
	if (vs.n)
		store(P, n, &vs);
	return true;
}

/* "item, item }" with the "{" consumed */
static void list(struct h248_parser *P, unsigned int dc,
		 struct h248_node **head)
{
	const struct dctx *c = &h248_dctx[dc];
	struct h248_node **tail = head;
	uint32_t count = 0;
	struct h248_str w;
	enum h248_kw kw;

	if (h248_peek(P) == '}') {
		if (!c->empty_ok)
			h248_fail(P, "empty list");
		P->p++;
		return;
	}
	do {
		h248_count(P, &count);
		if (count > 1 && c->one)
			h248_fail_at(P, P->p - 1, 0, "only one item allowed");
		if (c->nrules) {
			w = h248_word_kw(P, &kw, c->what);
		} else {
			/* only names here: no keyword lookup */
			w = h248_word(P, c->what);
			kw = H248_KW_NAME;
		}
		if (!item(P, dc, w, kw, &tail))
			h248_fail_at(P, w.ptr, c->code, c->what);
		if (P->alone && count > 1)
			h248_fail_at(P, w.ptr, 0,
				     "ContextList must be alone in ContextAttr");
	} while (h248_accept(P, ','));
	h248_expect(P, '}', "expected ',' or '}'");
	P->alone = false;
}

bool h248_desc_item(struct h248_parser *P, enum h248_dctx dc,
		    struct h248_str w, enum h248_kw kw,
		    struct h248_node ***tail)
{
	return item(P, dc, w, kw, tail);
}

void h248_desc_list(struct h248_parser *P, enum h248_dctx dc,
		    struct h248_node **list_head)
{
	h248_enter(P);
	list(P, dc, list_head);
	h248_leave(P);
}
