/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The descriptor grammar of H.248.1 Annex B v1-v3 as data (internal to
 * lib/h248_*.c): for each place an item list can appear (a "context": the
 * body of a command, Media, LocalControl, Events, an Audit descriptor...)
 * which keywords may appear, whether each takes "= value" and of what
 * type, whether it takes a "{ ... }" body and which context that body is,
 * and what non-keyword names may appear. The tables are in
 * lib/h248_grammar.c; lib/h248_desc.c walks them.
 */
#ifndef AGW_H248_GRAMMAR_H
#define AGW_H248_GRAMMAR_H

#include "h248_priv.h"

enum vtype {
	VT_NONE,
	VT_UINT,       /* UINT32 */
	VT_UINT16,
	VT_TOKEN,      /* one SafeChar word */
	VT_VALUE,      /* quotedString or word */
	VT_KW,         /* one of the keywords in kws */
	VT_KW_OR_TOKEN,/* a keyword in kws or an extension name */
	VT_MID,        /* mId or a port number */
	VT_PARM,       /* parmValue: =v, ={a,b}, =[a,b], =[a:b], #v, <v, >v */
	VT_KWALT,      /* = { kw, kw } */
	VT_UINTALT,    /* = { id, id } */
	VT_STAT,       /* = v or = [v, v] */
	VT_REQID,      /* UINT32 or "*" */
	VT_MODEM,      /* = type or [type, type] */
};

enum { VAL_NO, VAL_OPT, VAL_REQ };
enum { B_NO, B_OPT, B_REQ, B_RAW_OPT, B_RAW_REQ, B_ERRTEXT };

enum rule_flags {
	R_IFF = 1 << 0, /* value present if and only if body present */
	R_ONE = 1 << 1, /* value or body (or both) required */
	R_NE = 1 << 2,  /* "#" allowed in place of "=" */
	R_ALONE = 1 << 3, /* must be the only item of its list */
};

enum name_form {
	NF_ANY,     /* eventParameterName, extensions: any word */
	NF_PKGD,    /* pkgdName: (NAME / "*") "/" (NAME / "*") */
	NF_PKGITEM, /* packagesItem: NAME "-" UINT16 */
};

enum names_mode {
	N_NO,
	N_BARE,     /* pkgdName */
	N_PARM,     /* pkgdName parmValue */
	N_PARM_OPT, /* pkgdName [parmValue] */
	N_EVENT,    /* pkgdName [{ params }] */
	N_OBS,      /* [timeStamp ":"] pkgdName [{ params }] */
	N_STAT,     /* pkgdName [= value | = [v, ...]] */
	N_TERMID,   /* terminationID */
};

/* Inner contexts continue the numbering of enum h248_dctx. */
enum {
	DC_MEDIA = H248_DC_TERMLIST + 1,
	DC_STREAM,
	DC_LC,
	DC_TS,
	DC_EVENTS,
	DC_EVPARM,
	DC_EMBED,
	DC_EVENTS2,
	DC_EVPARM2,
	DC_EMBED_SIG,
	DC_REGNOTIFY,
	DC_SIGNALS,
	DC_SIGLIST,
	DC_SIGPARM,
	DC_OBSEVENTS,
	DC_OBSPARM,
	DC_STATS,
	DC_PACKAGES,
	DC_AUDIT,
	DC_IA_MEDIA,
	DC_IA_STREAM,
	DC_IA_LC,
	DC_IA_TS,
	DC_IA_NAME,
	DC_IA_PKG,
	DC_IA_EVBUF,
	DC_IA_EVSPEC,
	DC_IA_SIGNALS,
	DC_SERVICES,
	DC_SC_REPLY_PARMS,
	DC_TOPOLOGY,
	DC_CTXATTR,
	DC_CTXAUDIT,
	DC_PROPS,
	DC_COUNT,
};

struct rule {
	uint16_t kw;
	uint8_t val;
	uint8_t vt;
	uint8_t body;
	uint8_t flags;
	uint8_t sub;             /* context of the body */
	const uint16_t *kws;     /* VT_KW*: allowed values, 0-terminated */
};

struct dctx {
	const char *what;        /* error text for an unexpected item */
	const struct rule *rules;
	uint8_t nrules;
	uint8_t names;           /* enum names_mode */
	uint8_t name_sub;        /* body context of name items */
	bool ts;                 /* bare time stamps allowed (Services) */
	bool empty_ok;           /* "{ }" allowed */
	bool one;                /* exactly one item */
	uint8_t nform;           /* enum name_form of name items */
	uint16_t code;           /* error code for unknown items */
};

extern const struct dctx h248_dctx[DC_COUNT];

#endif /* AGW_H248_GRAMMAR_H */
