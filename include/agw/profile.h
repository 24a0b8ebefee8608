/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * agw's H.248 profile: every package item agwd understands, in one table
 * (lib/profile.c, documented in Documentation/h248-profile.md). The
 * command layer looks every property, event, signal and statistic up
 * here; an item that is not in the table is refused with the H.248.8
 * code the lookup returns.
 */
#ifndef AGW_PROFILE_H
#define AGW_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agw/h248.h"

enum agw_prof_kind {
	AGW_PROF_PROPERTY,
	AGW_PROF_EVENT,
	AGW_PROF_SIGNAL,
	AGW_PROF_STATISTIC,
};

enum agw_prof_type {
	AGW_PROF_T_NONE, /* events, signals: no value */
	AGW_PROF_T_BOOL, /* ON / OFF (also TRUE/FALSE, 1/0) */
	AGW_PROF_T_UINT, /* decimal, within [min, max] */
	AGW_PROF_T_STRING, /* quoted or plain text, checked by the user */
};

/* What an item does in agwd; the command layer switches on this. */
enum agw_prof_item {
	AGW_PI_REALM, /* ipdc/realm */
	AGW_PI_SYN_IGNORE, /* delayed establishment: gate IGNORE */
	AGW_PI_SAF, /* gm/saf: source address filtering on */
	AGW_PI_SAM, /* gm/sam: source address / mask */
	AGW_PI_SPF, /* gm/spf: source port filtering on */
	AGW_PI_SPR, /* gm/spr: source port range */
	AGW_PI_SYN_LINK, /* SYN interlinkage toward the other termination */
	AGW_PI_HB_TIMER, /* hangterm/timerx: heartbeat period, s */
	AGW_PI_TCP_STATE, /* read-only: the TCP connection's state */
	AGW_PI_TLS_STATE, /* read-only: the TLS session's state */
	AGW_PI_EV_FAIL, /* TCP connection establishment failure */
	AGW_PI_EV_RELEASED, /* released bearer: the peer closed */
	AGW_PI_EV_HEARTBEAT, /* hangterm/thb: termination heartbeat */
	AGW_PI_SIG_ESTABLISH, /* establish TCP connection (active open) */
	AGW_PI_SIG_TLS_ESTABLISH, /* tlsbsc: establish TLS session (client) */
	AGW_PI_EV_TLS_FAIL, /* tlsbsc: TLS session establishment failure */
	AGW_PI_ST_OCT_SENT, /* nt/os */
	AGW_PI_ST_OCT_RECV, /* nt/or */
	AGW_PI_ST_DURATION, /* nt/dur, ms */
	AGW_PI_ST_PKT_SENT, /* segments written toward the peer */
	AGW_PI_ST_PKT_RECV, /* segments read from the peer */
	AGW_PI_ST_SYN_ADMITTED,
	AGW_PI_ST_SYN_DROPPED,
	AGW_PI_COUNT,
};

struct agw_prof_entry {
	const char *pkg; /* "tcpbcc" */
	const char *name; /* "synign" */
	const char *full; /* "tcpbcc/synign" */
	enum agw_prof_kind kind;
	enum agw_prof_type type;
	uint32_t min, max; /* AGW_PROF_T_UINT */
	enum agw_prof_item item;
	const char *source; /* "ITU-T H.248.43 clause ..." */
	bool std_name; /* the name is the standard's; false: agw chose it */
	const char *what; /* one line for the documentation */
};

unsigned int agw_profile_count(void);
const struct agw_prof_entry *agw_profile_at(unsigned int i);
/*
 * The item's role key ("syn_ignore"): AGW_PI_ in lower case. Tests and
 * documents name items by key (${item.KEY}), so a name change to the
 * standard's touches only the table.
 */
const char *agw_profile_item_key(enum agw_prof_item item);
/* The entry whose key is key (klen bytes), or NULL. */
const struct agw_prof_entry *agw_profile_by_key(const char *key, size_t klen);
/* The entry of an item (always present). */
const struct agw_prof_entry *agw_profile_item(enum agw_prof_item item);

/*
 * Look "pkg/name" (len bytes, case-insensitive) up as an item of kind.
 * Returns H248_OK and *out, or the H.248.8 code to answer with:
 * H248_E_UNKNOWN_PROPERTY (unknown package or property; a property of a
 * known package not in it: H248_E_NO_SUCH_PROPERTY), H248_E_NO_SUCH_EVENT,
 * H248_E_NO_SUCH_SIGNAL, H248_E_UNKNOWN_PARAMETER for an unknown statistic.
 */
enum h248_errcode agw_profile_lookup(const char *name, size_t len,
				     enum agw_prof_kind kind,
				     const struct agw_prof_entry **out);

/*
 * Check a property value: BOOL → *num 0/1, UINT → *num; STRING is left to
 * the caller. Returns H248_OK or H248_E_UNKNOWN_VALUE (unsupported value).
 */
enum h248_errcode agw_profile_value(const struct agw_prof_entry *e,
				    const char *v, size_t len, uint32_t *num);

const char *agw_profile_kind_name(enum agw_prof_kind k);
const char *agw_profile_type_name(enum agw_prof_type t);

#endif /* AGW_PROFILE_H */
