// SPDX-License-Identifier: GPL-2.0-only
/* The descriptor grammar tables (see lib/h248_grammar.h). */
#include "h248_grammar.h"

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

const struct dctx h248_dctx[DC_COUNT] = {
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
