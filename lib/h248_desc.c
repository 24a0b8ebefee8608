// SPDX-License-Identifier: GPL-2.0-only
/*
 * The descriptor grammar of H.248.1 Annex B v1-v3 as tables: for each
 * place an item list can appear (a "context": the body of a command, Media,
 * LocalControl, Events, an Audit descriptor...) which keywords may appear,
 * whether each takes "= value" and of what type, whether it takes a
 * "{ ... }" body and which context that body is, and what non-keyword
 * names (package items, termination IDs, time-stamped events) may appear.
 * One generic item parser walks these tables, so every descriptor is
 * checked against the grammar without a hand-written function for each.
 */
#include <string.h>

#include "h248_int.h"

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

#define KWS(...) ((const uint16_t[]){ __VA_ARGS__, 0 })
#define K(x) H248_KW_##x
#define RULES(...) .rules = (const struct rule[]){ __VA_ARGS__ }, \
	.nrules = sizeof((const struct rule[]){ __VA_ARGS__ }) / sizeof(struct rule)

/* A descriptor keyword that is just a keyword: "KeepActive" */
#define BARE(k) { K(k), VAL_NO, VT_NONE, B_NO, 0, 0, NULL }

#define STREAMMODES KWS(K(SENDONLY), K(RECEIVEONLY), K(SENDRECEIVE), \
			K(INACTIVE), K(LOOPBACK))
#define ONOFF KWS(K(ON), K(OFF))
#define SVCSTATES KWS(K(TEST), K(OUTOFSERVICE), K(INSERVICE))

/* Descriptors allowed in termination audits and AMM replies. */
#define TERM_AUDIT_RULES \
	{ K(MEDIA), VAL_NO, VT_NONE, B_OPT, 0, DC_MEDIA, NULL }, \
	{ K(MODEM), VAL_OPT, VT_MODEM, B_OPT, 0, DC_PROPS, NULL }, \
	{ K(MUX), VAL_OPT, VT_TOKEN, B_OPT, R_IFF, H248_DC_TERMLIST, NULL }, \
	{ K(EVENTS), VAL_OPT, VT_REQID, B_OPT, R_IFF, DC_EVENTS, NULL }, \
	{ K(SIGNALS), VAL_NO, VT_NONE, B_OPT, 0, DC_SIGNALS, NULL }, \
	{ K(DIGITMAP), VAL_OPT, VT_TOKEN, B_RAW_OPT, 0, 0, NULL }, \
	{ K(OBSERVEDEVENTS), VAL_OPT, VT_REQID, B_OPT, R_IFF, DC_OBSEVENTS, NULL }, \
	{ K(EVENTBUFFER), VAL_NO, VT_NONE, B_OPT, 0, DC_OBSEVENTS, NULL }, \
	{ K(STATISTICS), VAL_NO, VT_NONE, B_OPT, 0, DC_STATS, NULL }, \
	{ K(PACKAGES), VAL_NO, VT_NONE, B_OPT, 0, DC_PACKAGES, NULL }, \
	{ K(ERROR), VAL_REQ, VT_UINT16, B_ERRTEXT, 0, 0, NULL }

/* auditItem: in Audit descriptors and (v3) ServiceChange parameters */
#define AUDIT_ITEM_RULES \
	{ K(MEDIA), VAL_NO, VT_NONE, B_OPT, 0, DC_IA_MEDIA, NULL }, \
	BARE(MUX), BARE(MODEM), BARE(OBSERVEDEVENTS), \
	{ K(PACKAGES), VAL_NO, VT_NONE, B_OPT, 0, DC_IA_PKG, NULL }, \
	{ K(STATISTICS), VAL_NO, VT_NONE, B_OPT, 0, DC_IA_NAME, NULL }, \
	{ K(SIGNALS), VAL_NO, VT_NONE, B_OPT, 0, DC_IA_SIGNALS, NULL }, \
	{ K(EVENTBUFFER), VAL_NO, VT_NONE, B_OPT, 0, DC_IA_EVBUF, NULL }, \
	{ K(EVENTS), VAL_OPT, VT_REQID, B_OPT, 0, DC_IA_NAME, NULL }, \
	{ K(DIGITMAP), VAL_OPT, VT_TOKEN, B_NO, 0, 0, NULL }

/*
 * eventParameter; an embedded (second) event may embed only signals, so
 * the two differ in what Embed holds.
 */
#define EVPARM_RULES(embed) \
	BARE(KEEPACTIVE), \
	{ K(EMBED), VAL_NO, VT_NONE, B_REQ, 0, (embed), NULL }, \
	{ K(DIGITMAP), VAL_OPT, VT_TOKEN, B_RAW_OPT, R_ONE, 0, NULL }, \
	{ K(STREAM), VAL_REQ, VT_UINT16, B_NO, 0, 0, NULL }, \
	BARE(IMMEDIATENOTIFY), BARE(NEVERNOTIFY), \
	{ K(REGULATEDNOTIFY), VAL_NO, VT_NONE, B_OPT, 0, DC_REGNOTIFY, NULL }, \
	BARE(RESETEVENTS)

#define CTX_PROP_RULES \
	{ K(PRIORITY), VAL_REQ, VT_UINT16, B_NO, 0, 0, NULL }, \
	BARE(EMERGENCY), BARE(EMERGENCYOFF), \
	{ K(TOPOLOGY), VAL_NO, VT_NONE, B_REQ, 0, DC_TOPOLOGY, NULL }, \
	{ K(IEPS), VAL_REQ, VT_KW, B_NO, 0, 0, ONOFF }, \
	{ K(CONTEXTATTR), VAL_NO, VT_NONE, B_REQ, 0, DC_CTXATTR, NULL }

static const struct dctx dctx[DC_COUNT] = {
	[H248_DC_AMM_REQ] = {
		"descriptor of Add/Modify/Move",
		RULES({ K(MEDIA), VAL_NO, VT_NONE, B_REQ, 0, DC_MEDIA, NULL },
		      { K(MODEM), VAL_REQ, VT_MODEM, B_OPT, 0, DC_PROPS, NULL },
		      { K(MUX), VAL_REQ, VT_TOKEN, B_REQ, 0, H248_DC_TERMLIST, NULL },
		      { K(EVENTS), VAL_OPT, VT_REQID, B_OPT, R_IFF, DC_EVENTS, NULL },
		      { K(EVENTBUFFER), VAL_NO, VT_NONE, B_OPT, 0, DC_OBSEVENTS, NULL },
		      { K(SIGNALS), VAL_NO, VT_NONE, B_OPT, 0, DC_SIGNALS, NULL },
		      { K(DIGITMAP), VAL_OPT, VT_TOKEN, B_RAW_OPT, R_ONE, 0, NULL },
		      { K(AUDIT), VAL_NO, VT_NONE, B_REQ, 0, DC_AUDIT, NULL },
		      { K(STATISTICS), VAL_NO, VT_NONE, B_OPT, 0, DC_STATS, NULL }),
		.code = H248_E_UNKNOWN_DESCRIPTOR,
	},
	[H248_DC_AUDIT_REQ] = {
		"Audit descriptor",
		RULES({ K(AUDIT), VAL_NO, VT_NONE, B_REQ, 0, DC_AUDIT, NULL }),
		.one = true, .code = H248_E_UNKNOWN_DESCRIPTOR,
	},
	[H248_DC_NOTIFY_REQ] = {
		"ObservedEvents or Error descriptor",
		RULES({ K(OBSERVEDEVENTS), VAL_REQ, VT_REQID, B_REQ, 0, DC_OBSEVENTS, NULL },
		      { K(ERROR), VAL_REQ, VT_UINT16, B_ERRTEXT, 0, 0, NULL }),
		.one = true, .code = H248_E_UNKNOWN_DESCRIPTOR,
	},
	[H248_DC_SC_REQ] = {
		"Services descriptor",
		RULES({ K(SERVICES), VAL_NO, VT_NONE, B_REQ, 0, DC_SERVICES, NULL }),
		.one = true, .code = H248_E_UNKNOWN_DESCRIPTOR,
	},
	[H248_DC_TERM_AUDIT] = {
		"descriptor in a command reply",
		RULES(TERM_AUDIT_RULES),
		.code = H248_E_UNKNOWN_DESCRIPTOR,
	},
	[H248_DC_ERROR_ONLY] = {
		"Error descriptor",
		RULES({ K(ERROR), VAL_REQ, VT_UINT16, B_ERRTEXT, 0, 0, NULL }),
		.one = true, .code = H248_E_UNKNOWN_DESCRIPTOR,
	},
	[H248_DC_SC_REPLY] = {
		"Services or Error descriptor",
		RULES({ K(SERVICES), VAL_NO, VT_NONE, B_REQ, 0, DC_SC_REPLY_PARMS, NULL },
		      { K(ERROR), VAL_REQ, VT_UINT16, B_ERRTEXT, 0, 0, NULL }),
		.one = true, .code = H248_E_UNKNOWN_DESCRIPTOR,
	},
	[H248_DC_ACTION_PROPS] = {
		"context property",
		RULES(CTX_PROP_RULES,
		      { K(CONTEXTAUDIT), VAL_NO, VT_NONE, B_REQ, 0, DC_CTXAUDIT, NULL }),
	},
	[H248_DC_REPLY_PROPS] = {
		"context property",
		RULES(CTX_PROP_RULES),
	},
	[H248_DC_TERMLIST] = {
		"termination ID", .names = N_TERMID,
	},
	[DC_MEDIA] = {
		"Media descriptor item",
		RULES({ K(LOCAL), VAL_NO, VT_NONE, B_RAW_REQ, 0, 0, NULL },
		      { K(REMOTE), VAL_NO, VT_NONE, B_RAW_REQ, 0, 0, NULL },
		      { K(LOCALCONTROL), VAL_NO, VT_NONE, B_REQ, 0, DC_LC, NULL },
		      { K(STATISTICS), VAL_NO, VT_NONE, B_OPT, 0, DC_STATS, NULL },
		      { K(STREAM), VAL_REQ, VT_UINT16, B_REQ, 0, DC_STREAM, NULL },
		      { K(TERMINATIONSTATE), VAL_NO, VT_NONE, B_REQ, 0, DC_TS, NULL }),
	},
	[DC_STREAM] = {
		"Stream descriptor item",
		RULES({ K(LOCAL), VAL_NO, VT_NONE, B_RAW_REQ, 0, 0, NULL },
		      { K(REMOTE), VAL_NO, VT_NONE, B_RAW_REQ, 0, 0, NULL },
		      { K(LOCALCONTROL), VAL_NO, VT_NONE, B_REQ, 0, DC_LC, NULL },
		      { K(STATISTICS), VAL_NO, VT_NONE, B_OPT, 0, DC_STATS, NULL }),
	},
	[DC_LC] = {
		"LocalControl item",
		RULES({ K(MODE), VAL_REQ, VT_KW, B_NO, 0, 0, STREAMMODES },
		      { K(RESERVEDGROUP), VAL_REQ, VT_KW, B_NO, 0, 0, ONOFF },
		      { K(RESERVEDVALUE), VAL_REQ, VT_KW, B_NO, 0, 0, ONOFF }),
		.names = N_PARM,
		.nform = NF_PKGD,
	},
	[DC_TS] = {
		"TerminationState item",
		RULES({ K(SERVICESTATES), VAL_REQ, VT_KW, B_NO, 0, 0, SVCSTATES },
		      { K(BUFFER), VAL_REQ, VT_KW, B_NO, 0, 0,
			KWS(K(OFF), K(LOCKSTEP)) }),
		.names = N_PARM,
		.nform = NF_PKGD,
	},
	[DC_EVENTS] = {
		"requested event", .names = N_EVENT, .name_sub = DC_EVPARM,
		.nform = NF_PKGD,
	},
	[DC_EVPARM] = {
		"event parameter", RULES(EVPARM_RULES(DC_EMBED)), .names = N_PARM,
	},
	[DC_EMBED] = {
		"Signals or Events in Embed",
		RULES({ K(SIGNALS), VAL_NO, VT_NONE, B_OPT, 0, DC_SIGNALS, NULL },
		      { K(EVENTS), VAL_OPT, VT_REQID, B_OPT, R_IFF, DC_EVENTS2, NULL }),
	},
	[DC_EVENTS2] = {
		"requested event", .names = N_EVENT, .name_sub = DC_EVPARM2,
		.nform = NF_PKGD,
	},
	[DC_EVPARM2] = {
		"event parameter", RULES(EVPARM_RULES(DC_EMBED_SIG)),
		.names = N_PARM,
	},
	[DC_EMBED_SIG] = {
		"Signals in Embed",
		RULES({ K(SIGNALS), VAL_NO, VT_NONE, B_OPT, 0, DC_SIGNALS, NULL }),
		.one = true,
	},
	[DC_REGNOTIFY] = {
		"Embed",
		RULES({ K(EMBED), VAL_NO, VT_NONE, B_REQ, 0, DC_EMBED, NULL }),
		.one = true,
	},
	[DC_SIGNALS] = {
		"signal",
		RULES({ K(SIGNALLIST), VAL_REQ, VT_UINT16, B_REQ, 0, DC_SIGLIST, NULL }),
		.names = N_EVENT, .name_sub = DC_SIGPARM, .empty_ok = true,
		.nform = NF_PKGD,
	},
	[DC_SIGLIST] = {
		"signal", .names = N_EVENT, .name_sub = DC_SIGPARM,
		.nform = NF_PKGD,
	},
	[DC_SIGPARM] = {
		"signal parameter",
		RULES({ K(STREAM), VAL_REQ, VT_UINT16, B_NO, 0, 0, NULL },
		      { K(SIGNALTYPE), VAL_REQ, VT_KW, B_NO, 0, 0,
			KWS(K(ONOFF), K(TIMEOUT), K(BRIEF)) },
		      { K(DURATION), VAL_REQ, VT_UINT16, B_NO, 0, 0, NULL },
		      { K(NOTIFYCOMPLETION), VAL_REQ, VT_KWALT, B_NO, 0, 0,
			KWS(K(TIMEOUT), K(INTBYEVENT), K(INTBYSIGDESCR),
			    K(OTHERREASON), K(ITERATION)) },
		      BARE(KEEPACTIVE),
		      { K(DIRECTION), VAL_REQ, VT_KW, B_NO, 0, 0,
			KWS(K(EXTERNAL), K(INTERNAL), K(BOTH)) },
		      { K(REQUESTID), VAL_REQ, VT_REQID, B_NO, 0, 0, NULL },
		      { K(INTERSIGNAL), VAL_REQ, VT_UINT16, B_NO, 0, 0, NULL }),
		.names = N_PARM,
	},
	[DC_OBSEVENTS] = {
		"observed event", .names = N_OBS, .name_sub = DC_OBSPARM,
		.nform = NF_PKGD,
	},
	[DC_OBSPARM] = {
		"observed event parameter",
		RULES({ K(STREAM), VAL_REQ, VT_UINT16, B_NO, 0, 0, NULL }),
		.names = N_PARM,
	},
	[DC_STATS] = {
		"statistic", .names = N_STAT,
		.nform = NF_PKGD,
	},
	[DC_PACKAGES] = {
		"package", .names = N_BARE,
		.nform = NF_PKGITEM,
	},
	[DC_AUDIT] = {
		"audit item",
		RULES(AUDIT_ITEM_RULES),
		.empty_ok = true, .code = H248_E_UNKNOWN_DESCRIPTOR,
	},
	[DC_IA_MEDIA] = {
		"audited Media item",
		RULES(BARE(LOCAL), BARE(REMOTE),
		      { K(LOCALCONTROL), VAL_NO, VT_NONE, B_REQ, 0, DC_IA_LC, NULL },
		      { K(STATISTICS), VAL_NO, VT_NONE, B_REQ, 0, DC_IA_NAME, NULL },
		      { K(STREAM), VAL_REQ, VT_UINT16, B_REQ, 0, DC_IA_STREAM, NULL },
		      { K(TERMINATIONSTATE), VAL_NO, VT_NONE, B_REQ, 0, DC_IA_TS, NULL }),
	},
	[DC_IA_STREAM] = {
		"audited Stream item",
		RULES(BARE(LOCAL), BARE(REMOTE),
		      { K(LOCALCONTROL), VAL_NO, VT_NONE, B_REQ, 0, DC_IA_LC, NULL },
		      { K(STATISTICS), VAL_NO, VT_NONE, B_REQ, 0, DC_IA_NAME, NULL }),
		.one = true,
	},
	[DC_IA_LC] = {
		"audited LocalControl item",
		RULES({ K(MODE), VAL_OPT, VT_KW, B_NO, R_NE, 0, STREAMMODES },
		      BARE(RESERVEDGROUP), BARE(RESERVEDVALUE)),
		.names = N_PARM_OPT,
		.nform = NF_PKGD,
	},
	[DC_IA_TS] = {
		"audited TerminationState item",
		RULES({ K(SERVICESTATES), VAL_OPT, VT_KW, B_NO, R_NE, 0, SVCSTATES },
		      BARE(BUFFER)),
		.names = N_PARM_OPT, .one = true,
		.nform = NF_PKGD,
	},
	[DC_IA_NAME] = {
		"package item name", .names = N_BARE, .one = true,
		.nform = NF_PKGD,
	},
	[DC_IA_PKG] = {
		"package", .names = N_BARE, .one = true, .nform = NF_PKGITEM,
	},
	[DC_IA_EVBUF] = {
		"event name", .names = N_EVENT, .name_sub = DC_IA_EVSPEC,
		.one = true,
		.nform = NF_PKGD,
	},
	[DC_IA_EVSPEC] = {
		"Stream or event parameter name",
		RULES({ K(STREAM), VAL_REQ, VT_UINT16, B_NO, 0, 0, NULL }),
		.names = N_BARE, .one = true,
	},
	[DC_IA_SIGNALS] = {
		"signal",
		RULES({ K(SIGNALLIST), VAL_REQ, VT_UINT16, B_OPT, 0, DC_SIGLIST, NULL }),
		.names = N_EVENT, .name_sub = DC_SIGPARM, .empty_ok = true,
		.one = true,
		.nform = NF_PKGD,
	},
	[DC_SERVICES] = {
		"ServiceChange parameter",
		RULES({ K(METHOD), VAL_REQ, VT_KW_OR_TOKEN, B_NO, 0, 0,
			KWS(K(FAILOVER), K(FORCED), K(GRACEFUL), K(RESTART),
			    K(DISCONNECTED), K(HANDOFF)) },
		      { K(REASON), VAL_REQ, VT_VALUE, B_NO, 0, 0, NULL },
		      { K(DELAY), VAL_REQ, VT_UINT, B_NO, 0, 0, NULL },
		      { K(SERVICECHANGEADDRESS), VAL_REQ, VT_MID, B_NO, 0, 0, NULL },
		      { K(PROFILE), VAL_REQ, VT_TOKEN, B_NO, 0, 0, NULL },
		      { K(VERSION), VAL_REQ, VT_UINT, B_NO, 0, 0, NULL },
		      { K(MGCIDTOTRY), VAL_REQ, VT_MID, B_NO, 0, 0, NULL },
		      BARE(SERVICECHANGEINC),
		      AUDIT_ITEM_RULES),
		.names = N_PARM, .ts = true,
	},
	[DC_SC_REPLY_PARMS] = {
		"ServiceChange reply parameter",
		RULES({ K(SERVICECHANGEADDRESS), VAL_REQ, VT_MID, B_NO, 0, 0, NULL },
		      { K(MGCIDTOTRY), VAL_REQ, VT_MID, B_NO, 0, 0, NULL },
		      { K(PROFILE), VAL_REQ, VT_TOKEN, B_NO, 0, 0, NULL },
		      { K(VERSION), VAL_REQ, VT_UINT, B_NO, 0, 0, NULL }),
		.ts = true,
	},
	[DC_TOPOLOGY] = {
		"topology item",
		RULES({ K(STREAM), VAL_REQ, VT_UINT16, B_NO, 0, 0, NULL },
		      BARE(BOTHWAY), BARE(ISOLATE), BARE(ONEWAY),
		      BARE(ONEWAYEXTERNAL), BARE(ONEWAYBOTH)),
		.names = N_TERMID,
	},
	[DC_CTXATTR] = {
		"context attribute",
		RULES({ K(CONTEXTLIST), VAL_REQ, VT_UINTALT, B_NO, R_ALONE, 0, NULL }),
		.names = N_PARM,
		.nform = NF_PKGD,
	},
	[DC_CTXAUDIT] = {
		"context audit item",
		RULES({ K(TOPOLOGY), VAL_NO, VT_NONE, B_NO, 0, 0, NULL },
		      BARE(EMERGENCY),
		      { K(PRIORITY), VAL_OPT, VT_UINT16, B_NO, 0, 0, NULL },
		      { K(IEPS), VAL_OPT, VT_KW, B_NO, 0, 0, ONOFF },
		      { K(EMERGENCYVALUE), VAL_REQ, VT_KW, B_NO, 0, 0,
			KWS(K(EMERGENCY), K(EMERGENCYOFF)) },
		      BARE(ANDLGC), BARE(ORLGC),
		      { K(CONTEXTATTR), VAL_NO, VT_NONE, B_REQ, 0, DC_CTXATTR, NULL }),
		.names = N_PARM_OPT,
		.nform = NF_PKGD,
	},
	[DC_PROPS] = {
		"property", .names = N_PARM,
		.nform = NF_PKGD,
	},
};

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
	const struct dctx *c = &dctx[dc];
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
	const struct dctx *c = &dctx[dc];
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
