/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Internals shared by the lib/h248_*.c files: keyword table, lexer and
 * parser state, descriptor grammar entry points.
 */
#ifndef AGW_H248_INT_H
#define AGW_H248_INT_H

#include <setjmp.h>

#include "agw/h248.h"

/* ---- keyword hash table (lib/h248_kwtab.c, generated) ---- */

#define H248_KWTAB_SIZE 1024

struct h248_kwent {
	const char *lower;  /* spelling in lower case; NULL = empty slot */
	uint8_t len;
	uint16_t kw;
	uint8_t minver;
};

extern const uint32_t h248_kwtab_seed;
extern const unsigned int h248_kwtab_probe;
extern const struct h248_kwent h248_kwtab[H248_KWTAB_SIZE];

/* Keyword for s[0..len) in a message of this version, or H248_KW_NAME. */
enum h248_kw h248_kw_lookup(const char *s, size_t len, int version);

/* ---- character classes ---- */

enum {
	H248_C_SAFE = 1 << 0,   /* SafeChar of the ABNF */
	H248_C_WS = 1 << 1,     /* SP, HTAB, CR, LF */
	H248_C_DIGIT = 1 << 2,
	H248_C_QUOTED = 1 << 3, /* allowed inside a quotedString */
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
	jmp_buf fail;          /* every syntax error unwinds to h248_decode */
	int rc;                /* -errno for the unwind */
	int version;
	unsigned int depth;
	int code;              /* error code for the current location */
	bool in_trans;
	uint8_t trans_kind;
	uint32_t tid;
};

/*
 * Failure unwinds with longjmp: the tree lives in the arena, so nothing
 * needs freeing on the way out and every parse function stays a straight
 * line of grammar instead of a ladder of error checks.
 */
__attribute__((noreturn)) void h248_fail_at(struct h248_parser *P,
					     const char *at, int code,
					     const char *what);
__attribute__((noreturn)) void h248_fail(struct h248_parser *P,
					  const char *what);
__attribute__((noreturn)) void h248_fail_limit(struct h248_parser *P,
						const char *what);

void *h248_palloc(struct h248_parser *P, size_t size);

/* lexer (lib/h248_lex.c) */
void h248_lwsp(struct h248_parser *P);
int h248_peek(struct h248_parser *P);  /* next char after LWSP; -1 at end */
bool h248_accept(struct h248_parser *P, char c);
void h248_expect(struct h248_parser *P, char c, const char *what);
struct h248_str h248_word(struct h248_parser *P, const char *what);
struct h248_str h248_quoted(struct h248_parser *P);
struct h248_str h248_raw_body(struct h248_parser *P);
uint32_t h248_uint(struct h248_parser *P, struct h248_str s, uint32_t max,
		   const char *what);
void h248_enter(struct h248_parser *P);
void h248_leave(struct h248_parser *P);
void h248_count(struct h248_parser *P, uint32_t *n);

/* descriptor grammar (lib/h248_desc.c): the item lists inside commands */
enum h248_dctx {
	H248_DC_AMM_REQ,      /* Add, Modify, Move request */
	H248_DC_AUDIT_REQ,    /* Subtract, AuditValue, AuditCapability req */
	H248_DC_NOTIFY_REQ,
	H248_DC_SC_REQ,
	H248_DC_TERM_AUDIT,   /* reply of Add..AuditCapability */
	H248_DC_ERROR_ONLY,   /* Notify reply, AuditValue = Context {Error} */
	H248_DC_SC_REPLY,
	H248_DC_ACTION_PROPS, /* context properties and ContextAudit */
	H248_DC_REPLY_PROPS,  /* context properties in an action reply */
	H248_DC_TERMLIST,     /* termination IDs (AuditValue = Context {}) */
};

/*
 * If the word w (just read, keyword kw) starts an item of context dc,
 * parse the rest of the item, append it at **tail and return true;
 * otherwise return false having consumed nothing more.
 */
bool h248_desc_item(struct h248_parser *P, enum h248_dctx dc,
		    struct h248_str w, enum h248_kw kw,
		    struct h248_node ***tail);
/* Parse "item, item ... }" of dc (the "{" is consumed) into *list. */
void h248_desc_list(struct h248_parser *P, enum h248_dctx dc,
		    struct h248_node **list);

/* mId (lib/h248_parse.c), also the ServiceChangeAddress/MgcIdToTry value */
void h248_parse_mid(struct h248_parser *P, struct h248_mid *mid);

#endif /* AGW_H248_INT_H */
