// SPDX-License-Identifier: GPL-2.0-only
/*
 * H.248 text lexer: white space and comments, SafeChar words, quoted
 * strings, raw octet bodies (SDP, digit maps) and bounded numbers.
 */
#include <errno.h>
#include <string.h>

#include "h248_priv.h"

#define S H248_C_SAFE
#define W H248_C_WS
#define D H248_C_DIGIT
#define Q H248_C_QUOTED
#define N H248_C_NOTKW
#define X H248_C_WILD
#define M H248_C_NAMECH
#define A H248_C_ALPHA

/* Annex B: SafeChar, LWSP, DIGIT and what a quotedString may hold. */
const uint8_t h248_cclass[256] = {
	0, 0, 0, 0, 0, 0, 0, 0,
	0, W|Q, W, 0, 0, W, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0,
	W|Q, S|Q, 0, Q, S|Q|N|X, S|Q|N, S|Q, S|Q|N,
	S|Q|N, S|Q|N, S|Q|N|X, S|Q|N, Q, S|Q|N, S|Q|N, S|Q|N,
	S|D|Q|M, S|D|Q|M, S|D|Q|M, S|D|Q|M, S|D|Q|M, S|D|Q|M, S|D|Q|M, S|D|Q|M,
	S|D|Q|M, S|D|Q|M, Q, Q, Q, Q, Q, S|Q|N,
	S|Q|N, S|Q|M|A, S|Q|M|A, S|Q|M|A, S|Q|M|A, S|Q|M|A, S|Q|M|A, S|Q|M|A,
	S|Q|M|A, S|Q|M|A, S|Q|M|A, S|Q|M|A, S|Q|M|A, S|Q|M|A, S|Q|M|A, S|Q|M|A,
	S|Q|M|A, S|Q|M|A, S|Q|M|A, S|Q|M|A, S|Q|M|A, S|Q|M|A, S|Q|M|A, S|Q|M|A,
	S|Q|M|A, S|Q|M|A, S|Q|M|A, Q, S|Q|N, Q, S|Q|N, S|Q|N|M,
	S|Q|N, S|Q|M|A, S|Q|M|A, S|Q|M|A, S|Q|M|A, S|Q|M|A, S|Q|M|A, S|Q|M|A,
	S|Q|M|A, S|Q|M|A, S|Q|M|A, S|Q|M|A, S|Q|M|A, S|Q|M|A, S|Q|M|A, S|Q|M|A,
	S|Q|M|A, S|Q|M|A, S|Q|M|A, S|Q|M|A, S|Q|M|A, S|Q|M|A, S|Q|M|A, S|Q|M|A,
	S|Q|M|A, S|Q|M|A, S|Q|M|A, Q, S|Q|N, Q, S|Q|N, 0,
	0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0,
};

#undef S
#undef W
#undef D
#undef Q
#undef N
#undef X
#undef M
#undef A

void h248_fail_at(struct h248_parser *P, const char *at, int code,
		  const char *what)
{
	struct h248_error *e = P->err;

	e->code = code ? code : P->code;
	/* H.248.8 names the transaction kind for errors outside commands */
	if (e->code == H248_E_SYNTAX_MESSAGE && P->in_trans) {
		if (P->trans_kind == H248_TR_REQUEST)
			e->code = H248_E_SYNTAX_TRANS_REQUEST;
		else if (P->trans_kind == H248_TR_REPLY)
			e->code = H248_E_SYNTAX_TRANS_REPLY;
		else if (P->trans_kind == H248_TR_PENDING)
			e->code = H248_E_SYNTAX_TRANS_PENDING;
	}
	e->offset = (uint32_t)(at - P->buf);
	e->expected = what;
	e->has_tid = P->in_trans;
	e->trans_kind = P->trans_kind;
	e->tid = P->tid;
	if (!P->rc)
		P->rc = -EINVAL;
	longjmp(P->fail, 1);
}

void h248_fail(struct h248_parser *P, const char *what)
{
	h248_fail_at(P, P->p, 0, what);
}

void h248_fail_limit(struct h248_parser *P, const char *what)
{
	P->rc = -E2BIG;
	h248_fail_at(P, P->p, 0, what);
}

void h248_fail_nomem(struct h248_parser *P)
{
	P->rc = -ENOMEM;
	h248_fail_at(P, P->p, H248_E_RESOURCES, "arena exhausted");
}

/* LWSP = *(WSP / COMMENT / EOL); COMMENT = ";" *(...) EOL */
/* LWSP = *(WSP / COMMENT / EOL); the inline h248_lwsp() skips the WSP */
void h248_lwsp_slow(struct h248_parser *P)
{
	const char *p = P->p, *end = P->end;

	for (;;) {
		while (p < end && (h248_cclass[(unsigned char)*p] & H248_C_WS))
			p++;
		if (p < end && *p == ';') {
			/* COMMENT = ";" *(SafeChar / RestChar / WSP / DQUOTE) EOL */
			while (p < end && *p != '\n' && *p != '\r') {
				if (!(h248_cclass[(unsigned char)*p] &
				      H248_C_QUOTED) && *p != '"')
					h248_fail_at(P, p, 0,
						     "character not allowed in a comment");
				p++;
			}
			if (p == end)
				h248_fail_at(P, p, 0, "end of line after comment");
			continue;
		}
		break;
	}
	P->p = p;
}

/* quotedString = DQUOTE *(SafeChar / RestChar / WSP) DQUOTE */
struct h248_str h248_quoted(struct h248_parser *P)
{
	const char *s, *p, *end = P->end;

	h248_lwsp(P);
	if (P->p >= end || *P->p != '"')
		h248_fail(P, "expected '\"'");
	s = p = P->p + 1;
	while (p < end && (h248_cclass[(unsigned char)*p] & H248_C_QUOTED))
		p++;
	if (p == end)
		h248_fail_at(P, s - 1, 0, "unterminated quoted string");
	if (*p != '"')
		h248_fail_at(P, p, 0, "character not allowed in quoted string");
	if ((size_t)(p - s) > P->lim->max_string)
		h248_fail_limit(P, "quoted string too long");
	P->p = p + 1;
	return (struct h248_str){ s, (uint32_t)(p - s) };
}

/*
 * octetString = *(nonEscapeChar); nonEscapeChar = ("\}" / %x01-7C / %x7E-FF)
 * The "{" has been consumed; returns the octets up to the closing "}",
 * which is consumed too.
 */
struct h248_str h248_raw_body(struct h248_parser *P)
{
	const char *s = P->p, *p = P->p, *end = P->end, *nul;

	/* find the first "}" not escaped as "\}", with memchr's speed */
	for (;;) {
		p = memchr(p, '}', (size_t)(end - p));
		if (!p)
			h248_fail_at(P, s - 1, 0, "unterminated octet string");
		if (p == s || p[-1] != '\\')
			break;
		p++;
	}
	nul = memchr(s, 0, (size_t)(p - s));
	if (nul)
		h248_fail_at(P, nul, 0, "NUL in octet string");
	if ((size_t)(p - s) > P->lim->max_string)
		h248_fail_limit(P, "octet string too long");
	P->p = p + 1;
	return (struct h248_str){ s, (uint32_t)(p - s) };
}
