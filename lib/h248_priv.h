/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Internals shared by the lib/h248_*.c files: keyword table, lexer and
 * parser state, descriptor grammar entry points.
 */
#ifndef AGW_H248_PRIV_H
#define AGW_H248_PRIV_H

#include <setjmp.h>
#include <string.h>

#include "agw/h248.h"

/* ---- arena fast path ---- */

struct h248_arena_chunk {
	struct h248_arena_chunk *next;
	size_t size;
	bool heap;
	char *mem;
};

#define H248_ALIGN 16

/* Uncleared memory; NULL when the arena limit is reached. */
void *h248_arena_slow(struct h248_arena *a, size_t size);

static inline void *h248_arena_fast(struct h248_arena *a, size_t size)
{
	void *p;

	size = (size + H248_ALIGN - 1) & ~(size_t)(H248_ALIGN - 1);
	if (!a->cur || a->used + size > a->cur->size ||
	    (a->limit && a->total + size > a->limit))
		return h248_arena_slow(a, size);
	p = a->cur->mem + a->used;
	a->used += size;
	a->total += size;
	return p;
}

/* ---- keyword hash table (lib/h248_kwtab.c, generated) ---- */

#define H248_KWTAB_SIZE 1024

struct h248_kwent {
	const char *lower; /* spelling in lower case; NULL = empty slot */
	uint8_t len;
	uint16_t kw;
	uint8_t minver;
};

extern const uint32_t h248_kwtab_seed;
extern const unsigned int h248_kwtab_probe;
extern const struct h248_kwent h248_kwtab[H248_KWTAB_SIZE];

/* Spelling of each keyword with its length: [0] long, [1] short. */
extern const struct h248_str h248_kw_spelling[2][H248_KW_COUNT];

/* ---- character classes ---- */

enum {
	H248_C_SAFE = 1 << 0, /* SafeChar of the ABNF */
	H248_C_WS = 1 << 1, /* SP, HTAB, CR, LF */
	H248_C_DIGIT = 1 << 2,
	H248_C_QUOTED = 1 << 3, /* allowed inside a quotedString */
	H248_C_NOTKW = 1 << 4, /* never inside a keyword ("/", "$", ...) */
	H248_C_WILD = 1 << 5, /* "$" and "*" */
	H248_C_NAMECH = 1 << 6, /* ALPHA / DIGIT / "_": NAME after its first */
	H248_C_ALPHA = 1 << 7,
};

extern const uint8_t h248_cclass[256];

/* ---- parser state ---- */

struct h248_parser {
	const char *buf;
	const char *p;
	const char *end;
	const struct h248_limits *lim;
	struct h248_arena *a;
	struct h248_error *err;
	jmp_buf fail; /* every syntax error unwinds to h248_decode */
	int rc; /* -errno for the unwind */
	int version;
	unsigned int depth;
	int code; /* error code for the current location */
	bool in_trans;
	uint8_t trans_kind;
	uint32_t tid;
	uint8_t wclass; /* OR of the classes of the last word's octets */
	bool alone; /* the current list holds an R_ALONE item */
};

/*
 * Failure unwinds with longjmp: the tree lives in the arena, so nothing
 * needs freeing on the way out and every parse function stays a straight
 * line of grammar instead of a ladder of error checks.
 */
__attribute__((noreturn)) void
h248_fail_at(struct h248_parser *P, const char *at, int code, const char *what);
__attribute__((noreturn)) void h248_fail(struct h248_parser *P,
					 const char *what);
__attribute__((noreturn)) void h248_fail_limit(struct h248_parser *P,
					       const char *what);

__attribute__((noreturn)) void h248_fail_nomem(struct h248_parser *P);

/* Uncleared arena memory for arrays the caller fills completely. */
static inline void *h248_palloc_fill(struct h248_parser *P, size_t size)
{
	void *p = h248_arena_fast(P->a, size);

	if (!p)
		h248_fail_nomem(P);
	return p;
}

typedef uint64_t h248_v16 __attribute__((vector_size(16)));

/*
 * Zeroed arena memory for the tree; unwinds when the arena is full. The
 * blocks are 16-byte aligned and small, and 16-byte stores clear them
 * faster than the "rep stos" GCC picks for memset() of a node.
 */
static inline void *h248_palloc(struct h248_parser *P, size_t size)
{
	const h248_v16 z = { 0, 0 };
	char *p = h248_arena_fast(P->a, size);

	if (!p)
		h248_fail_nomem(P);
	if (!__builtin_constant_p(size) || size > 128) {
		memset(p, 0, size);
		return p;
	}
	/* straight-line stores: a loop here is turned back into memset() */
#define H248_Z(off)       \
	if (size > (off)) \
	*(h248_v16 *)(void *)(p + (off)) = z
	H248_Z(0);
	H248_Z(16);
	H248_Z(32);
	H248_Z(48);
	H248_Z(64);
	H248_Z(80);
	H248_Z(96);
	H248_Z(112);
#undef H248_Z
	return p;
}

/* lexer (lib/h248_lex.c) */
void h248_lwsp_slow(struct h248_parser *P);

static inline void h248_lwsp(struct h248_parser *P)
{
	const char *p = P->p;

	while (p < P->end && (h248_cclass[(unsigned char)*p] & H248_C_WS))
		p++;
	P->p = p;
	if (p < P->end && *p == ';')
		h248_lwsp_slow(P);
}

/* next char after LWSP; -1 at end */
static inline int h248_peek(struct h248_parser *P)
{
	h248_lwsp(P);
	return P->p < P->end ? (unsigned char)*P->p : -1;
}

static inline bool h248_accept(struct h248_parser *P, char c)
{
	if (h248_peek(P) != (unsigned char)c)
		return false;
	P->p++;
	return true;
}

/*
 * The hot lexer functions are inline: the decoder calls them for every
 * token, and across files (no LTO) a call costs as much as the work.
 */
static inline void h248_expect(struct h248_parser *P, char c, const char *what)
{
	if (!h248_accept(P, c))
		h248_fail(P, what);
}

static inline struct h248_str h248_word(struct h248_parser *P, const char *what)
{
	const char *s, *p, *end = P->end;
	uint8_t acc = 0, cl;

	h248_lwsp(P);
	s = p = P->p;
	while (p < end &&
	       ((cl = h248_cclass[(unsigned char)*p]) & H248_C_SAFE)) {
		acc |= cl;
		p++;
	}
	P->wclass = acc;
	if (p == s)
		h248_fail(P, what);
	if ((size_t)(p - s) > P->lim->max_string)
		h248_fail_limit(P, "name too long");
	P->p = p;
	return (struct h248_str){ s, (uint32_t)(p - s) };
}

/*
 * s[0..n) OR 0x20 equals the lower-case k[0..n), compared a word at a time
 * with overlapping loads (n is at most 22; both sides have n readable bytes).
 */
static inline bool h248_fold_eq(const char *s, const char *k, size_t n)
{
	uint64_t a, b, c, d;
	uint32_t x, y, z, w;

	if (n >= 8) {
		size_t i;

		for (i = 0; i + 8 < n; i += 8) {
			memcpy(&a, s + i, 8);
			memcpy(&b, k + i, 8);
			if ((a | 0x2020202020202020ull) != b)
				return false;
		}
		memcpy(&c, s + n - 8, 8);
		memcpy(&d, k + n - 8, 8);
		return (c | 0x2020202020202020ull) == d;
	}
	if (n >= 4) {
		memcpy(&x, s, 4);
		memcpy(&y, k, 4);
		memcpy(&z, s + n - 4, 4);
		memcpy(&w, k + n - 4, 4);
		return (x | 0x20202020u) == y && (z | 0x20202020u) == w;
	}
	for (; n; n--, s++, k++)
		if (((unsigned char)*s | 0x20) != (unsigned char)*k)
			return false;
	return true;
}

/* Keyword for s[0..len) in a message of this version, or H248_KW_NAME. */
static inline enum h248_kw h248_kw_lookup(const char *s, size_t len,
					  int version)
{
	uint32_t h = h248_kwtab_seed;
	const struct h248_kwent *e;
	unsigned int i, n;

	/*
	 * The longest keyword has 22 octets and none starts with a digit,
	 * which rules out IDs and numbers before hashing. OR-ing 0x20 folds
	 * letters to lower case; the other octets of keywords (digits, "!",
	 * "&") already have that bit, and no other SafeChar folds onto a
	 * letter, so the folded compare below is exact. The hash is the
	 * sampled FNV-1a of mk/h248-kwgen.py.
	 */
	if (len > 22 || len == 0 || (s[0] >= '0' && s[0] <= '9'))
		return H248_KW_NAME;
	h = (h ^ (uint32_t)len) * 16777619u;
	h = (h ^ ((unsigned char)s[0] | 0x20)) * 16777619u;
	h = (h ^ ((unsigned char)s[len > 1] | 0x20)) * 16777619u;
	h = (h ^ ((unsigned char)s[len / 2] | 0x20)) * 16777619u;
	h = (h ^ ((unsigned char)s[len - 1] | 0x20)) * 16777619u;
	i = h & (H248_KWTAB_SIZE - 1);
	for (n = 0; n <= h248_kwtab_probe; n++) {
		e = &h248_kwtab[(i + n) & (H248_KWTAB_SIZE - 1)];
		if (!e->lower)
			return H248_KW_NAME;
		if (e->len != len)
			continue;
		if (h248_fold_eq(s, e->lower, len))
			return e->minver <= version ? (enum h248_kw)e->kw :
						      H248_KW_NAME;
	}
	return H248_KW_NAME;
}

/* h248_word() and its keyword, skipping the lookup when it cannot be one */
static inline struct h248_str h248_word_kw(struct h248_parser *P,
					   enum h248_kw *kw, const char *what)
{
	struct h248_str w = h248_word(P, what);

	*kw = (P->wclass & H248_C_NOTKW) ?
		      H248_KW_NAME :
		      h248_kw_lookup(w.ptr, w.len, P->version);
	return w;
}
struct h248_str h248_quoted(struct h248_parser *P);
struct h248_str h248_raw_body(struct h248_parser *P);

/* s as a decimal number <= max, or fail with what at s */
static inline uint32_t h248_uint(struct h248_parser *P, struct h248_str s,
				 uint32_t max, const char *what)
{
	uint64_t v = 0;
	uint32_t i;

	if (!s.len || s.len > 10)
		h248_fail_at(P, s.ptr, 0, what);
	for (i = 0; i < s.len; i++) {
		if (!(h248_cclass[(unsigned char)s.ptr[i]] & H248_C_DIGIT))
			h248_fail_at(P, s.ptr, 0, what);
		v = v * 10 + (uint64_t)(s.ptr[i] - '0');
	}
	if (v > max)
		h248_fail_at(P, s.ptr, 0, what);
	return (uint32_t)v;
}

static inline void h248_enter(struct h248_parser *P)
{
	if (++P->depth > P->lim->max_depth)
		h248_fail_limit(P, "nesting too deep");
}

static inline void h248_leave(struct h248_parser *P)
{
	P->depth--;
}

static inline void h248_count(struct h248_parser *P, uint32_t *n)
{
	if (++*n > P->lim->max_items)
		h248_fail_limit(P, "too many items in a list");
}

/* descriptor grammar (lib/h248_desc.c): the item lists inside commands */
enum h248_dctx {
	H248_DC_AMM_REQ, /* Add, Modify, Move request */
	H248_DC_AUDIT_REQ, /* Subtract, AuditValue, AuditCapability req */
	H248_DC_NOTIFY_REQ,
	H248_DC_SC_REQ,
	H248_DC_TERM_AUDIT, /* reply of Add..AuditCapability */
	H248_DC_ERROR_ONLY, /* Notify reply, AuditValue = Context {Error} */
	H248_DC_SC_REPLY,
	H248_DC_ACTION_PROPS, /* context properties and ContextAudit */
	H248_DC_REPLY_PROPS, /* context properties in an action reply */
	H248_DC_TERMLIST, /* termination IDs (AuditValue = Context {}) */
};

/*
 * If the word w (just read, keyword kw) starts an item of context dc,
 * parse the rest of the item, append it at **tail and return true;
 * otherwise return false having consumed nothing more.
 */
bool h248_desc_item(struct h248_parser *P, enum h248_dctx dc, struct h248_str w,
		    enum h248_kw kw, struct h248_node ***tail);
/* Parse "item, item ... }" of dc (the "{" is consumed) into *list. */
void h248_desc_list(struct h248_parser *P, enum h248_dctx dc,
		    struct h248_node **list);

/* mId (lib/h248_parse.c), also the ServiceChangeAddress/MgcIdToTry value */
void h248_parse_mid(struct h248_parser *P, struct h248_mid *mid);

#endif /* AGW_H248_PRIV_H */
