// SPDX-License-Identifier: GPL-2.0-only
/*
 * The profile table. The ITU texts of H.248.89 (tcpbcc) were not available
 * when it was written, so the tcpbcc item names are agw's choice and say so
 * (std_name = false); the gm, ipdc, hangterm and nt names are the
 * standards'. Documentation/h248-profile.md lists the same rows; the unit
 * test test_profile checks that the two agree.
 */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "agw/profile.h"

#define H24843 "ITU-T H.248.43 (gm, Gate Management)"
#define H24841 "ITU-T H.248.41 (ipdc, IP domain connection)"
#define H24836 "ITU-T H.248.36 (hangterm)"
#define H2481E "ITU-T H.248.1 Annex E.11 (nt, network)"
#define H24889 "ITU-T H.248.89 (tcpbcc) / 3GPP TS 29.334"
#define H24890 "ITU-T H.248.90 (tlsbsc) / 3GPP TS 29.334"

#define ROW(p, n, k, t, lo, hi, it, src, std, w)                          \
	{ p, n, p "/" n, AGW_PROF_##k, AGW_PROF_T_##t, lo, hi, AGW_PI_##it, \
	  src, std, w }

static const struct agw_prof_entry table[] = {
	ROW("ipdc", "realm", PROPERTY, STRING, 0, 0, REALM, H24841, true,
	    "IP realm of the termination (a [realm NAME] of the config)"),
	ROW("tcpbcc", "synign", PROPERTY, BOOL, 0, 1, SYN_IGNORE, H24889,
	    false,
	    "ON: delayed establishment, incoming SYNs dropped in XDP until the remote is known"),
	ROW("gm", "saf", PROPERTY, BOOL, 0, 1, SAF, H24843, true,
	    "remote source address filtering on the Remote (or gm/sam) address"),
	ROW("gm", "sam", PROPERTY, STRING, 0, 0, SAM, H24843, true,
	    "source address (and /prefix) that filtering admits"),
	ROW("gm", "spf", PROPERTY, BOOL, 0, 1, SPF, H24843, true,
	    "remote source port filtering on the Remote (or gm/spr) port"),
	ROW("gm", "spr", PROPERTY, STRING, 0, 0, SPR, H24843, true,
	    "source port or range \"lo-hi\" that filtering admits"),
	ROW("tcpbcc", "synlink", PROPERTY, BOOL, 0, 1, SYN_LINK, H24889, false,
	    "ON: a SYN admitted on the other termination of the context makes agwd open toward this one's Remote"),
	ROW("hangterm", "timerx", PROPERTY, UINT, 0, 86400, HB_TIMER, H24836,
	    true, "termination heartbeat period in seconds (0: off)"),
	ROW("tcpbcc", "cstate", PROPERTY, STRING, 0, 0, TCP_STATE, H24889,
	    false,
	    "read-only (AuditValue): TCP connection state listening, connecting, established, closed or failed"),
	ROW("tlsbsc", "sstate", PROPERTY, STRING, 0, 0, TLS_STATE, H24890,
	    false,
	    "read-only (AuditValue), TLS terminations: session state none, handshaking, awaiting_fingerprint, verified or failed"),
	ROW("tcpbcc", "fail", EVENT, NONE, 0, 0, EV_FAIL, H24889, false,
	    "TCP connection establishment failure (refused, timed out, unreachable)"),
	ROW("tcpbcc", "rel", EVENT, NONE, 0, 0, EV_RELEASED, H24889, false,
	    "released bearer: the TCP connection was closed or reset by a peer"),
	ROW("hangterm", "thb", EVENT, NONE, 0, 0, EV_HEARTBEAT, H24836, true,
	    "termination heartbeat, every hangterm/timerx seconds"),
	ROW("tcpbcc", "estab", SIGNAL, NONE, 0, 0, SIG_ESTABLISH, H24889, false,
	    "establish TCP connection: active open toward the Remote"),
	ROW("tlsbsc", "estab", SIGNAL, NONE, 0, 0, SIG_TLS_ESTABLISH, H24890,
	    false,
	    "Establish (D)TLS session: agwd is TLS client and starts the handshake once TCP is up"),
	ROW("tlsbsc", "fail", EVENT, NONE, 0, 0, EV_TLS_FAIL, H24890, false,
	    "Notify (D)TLS session establishment Failure: handshake, certificate or fingerprint check failed, parameter reason"),
	ROW("nt", "os", STATISTIC, UINT, 0, 0, ST_OCT_SENT, H2481E, true,
	    "octets sent toward this termination's peer"),
	ROW("nt", "or", STATISTIC, UINT, 0, 0, ST_OCT_RECV, H2481E, true,
	    "octets received from this termination's peer"),
	ROW("nt", "dur", STATISTIC, UINT, 0, 0, ST_DURATION, H2481E, true,
	    "time the termination existed, ms"),
	ROW("tcpbcc", "ps", STATISTIC, UINT, 0, 0, ST_PKT_SENT, H24889, false,
	    "TCP data segments sent to the peer (TCP_INFO, every relay path)"),
	ROW("tcpbcc", "pr", STATISTIC, UINT, 0, 0, ST_PKT_RECV, H24889, false,
	    "TCP data segments received from the peer (TCP_INFO, every relay path)"),
	ROW("tcpbcc", "synadm", STATISTIC, UINT, 0, 0, ST_SYN_ADMITTED, H24889,
	    false, "SYNs the gate admitted"),
	ROW("tcpbcc", "syndrop", STATISTIC, UINT, 0, 0, ST_SYN_DROPPED, H24889,
	    false, "SYNs the gate dropped"),
};

#define NROWS (sizeof(table) / sizeof(table[0]))

unsigned int agw_profile_count(void)
{
	return NROWS;
}

const struct agw_prof_entry *agw_profile_at(unsigned int i)
{
	return i < NROWS ? &table[i] : NULL;
}

const struct agw_prof_entry *agw_profile_item(enum agw_prof_item item)
{
	for (unsigned int i = 0; i < NROWS; i++)
		if (table[i].item == item)
			return &table[i];
	return NULL;
}

static bool slice_eq(const char *a, size_t len, const char *lit)
{
	return strlen(lit) == len && !strncasecmp(a, lit, len);
}

enum h248_errcode agw_profile_lookup(const char *name, size_t len,
				     enum agw_prof_kind kind,
				     const struct agw_prof_entry **out)
{
	const char *slash = memchr(name, '/', len);
	bool pkg_known = false;
	size_t plen;

	if (!slash)
		goto unknown;
	plen = (size_t)(slash - name);
	for (unsigned int i = 0; i < NROWS; i++) {
		if (!slice_eq(name, plen, table[i].pkg))
			continue;
		pkg_known = true;
		if (table[i].kind == kind &&
		    slice_eq(slash + 1, len - plen - 1, table[i].name)) {
			*out = &table[i];
			return H248_OK;
		}
	}
unknown:
	switch (kind) {
	case AGW_PROF_PROPERTY:
		return pkg_known ? H248_E_NO_SUCH_PROPERTY :
				   H248_E_UNKNOWN_PROPERTY;
	case AGW_PROF_EVENT:
		return H248_E_NO_SUCH_EVENT;
	case AGW_PROF_SIGNAL:
		return H248_E_NO_SUCH_SIGNAL;
	case AGW_PROF_STATISTIC:
		return H248_E_UNKNOWN_PARAMETER;
	}
	return H248_E_UNKNOWN_PROPERTY;
}

enum h248_errcode agw_profile_value(const struct agw_prof_entry *e,
				    const char *v, size_t len, uint32_t *num)
{
	uint64_t n = 0;

	switch (e->type) {
	case AGW_PROF_T_NONE:
		return len ? H248_E_UNKNOWN_VALUE : H248_OK;
	case AGW_PROF_T_BOOL:
		if (slice_eq(v, len, "ON") || slice_eq(v, len, "TRUE") ||
		    slice_eq(v, len, "1"))
			*num = 1;
		else if (slice_eq(v, len, "OFF") || slice_eq(v, len, "FALSE") ||
			 slice_eq(v, len, "0"))
			*num = 0;
		else
			return H248_E_UNKNOWN_VALUE;
		return H248_OK;
	case AGW_PROF_T_UINT:
		if (!len || len > 10)
			return H248_E_UNKNOWN_VALUE;
		for (size_t i = 0; i < len; i++) {
			if (v[i] < '0' || v[i] > '9')
				return H248_E_UNKNOWN_VALUE;
			n = n * 10 + (uint64_t)(v[i] - '0');
		}
		if (n < e->min || n > e->max)
			return H248_E_UNKNOWN_VALUE;
		*num = (uint32_t)n;
		return H248_OK;
	case AGW_PROF_T_STRING:
		return len ? H248_OK : H248_E_UNKNOWN_VALUE;
	}
	return H248_E_UNKNOWN_VALUE;
}

const char *agw_profile_kind_name(enum agw_prof_kind k)
{
	static const char *const n[] = { "property", "event", "signal",
					 "statistic" };

	return (unsigned int)k < 4 ? n[k] : "?";
}

const char *agw_profile_type_name(enum agw_prof_type t)
{
	static const char *const n[] = { "none", "boolean", "integer",
					 "string" };

	return (unsigned int)t < 4 ? n[t] : "?";
}

/* Role keys, by item (see agw_profile_item_key()). */
static const char *const keys[AGW_PI_COUNT] = {
	[AGW_PI_REALM] = "realm",
	[AGW_PI_SYN_IGNORE] = "syn_ignore",
	[AGW_PI_SAF] = "saf",
	[AGW_PI_SAM] = "sam",
	[AGW_PI_SPF] = "spf",
	[AGW_PI_SPR] = "spr",
	[AGW_PI_SYN_LINK] = "syn_link",
	[AGW_PI_HB_TIMER] = "hb_timer",
	[AGW_PI_TCP_STATE] = "tcp_state",
	[AGW_PI_TLS_STATE] = "tls_state",
	[AGW_PI_EV_FAIL] = "ev_fail",
	[AGW_PI_EV_RELEASED] = "ev_released",
	[AGW_PI_EV_HEARTBEAT] = "ev_heartbeat",
	[AGW_PI_SIG_ESTABLISH] = "sig_establish",
	[AGW_PI_SIG_TLS_ESTABLISH] = "sig_tls_establish",
	[AGW_PI_EV_TLS_FAIL] = "ev_tls_fail",
	[AGW_PI_ST_OCT_SENT] = "st_oct_sent",
	[AGW_PI_ST_OCT_RECV] = "st_oct_recv",
	[AGW_PI_ST_DURATION] = "st_duration",
	[AGW_PI_ST_PKT_SENT] = "st_pkt_sent",
	[AGW_PI_ST_PKT_RECV] = "st_pkt_recv",
	[AGW_PI_ST_SYN_ADMITTED] = "st_syn_admitted",
	[AGW_PI_ST_SYN_DROPPED] = "st_syn_dropped",
};

const char *agw_profile_item_key(enum agw_prof_item item)
{
	if ((unsigned int)item >= AGW_PI_COUNT)
		return NULL;
	return keys[item];
}

const struct agw_prof_entry *agw_profile_by_key(const char *key, size_t klen)
{
	for (unsigned int i = 0; i < AGW_PI_COUNT; i++)
		if (keys[i] && strlen(keys[i]) == klen &&
		    !memcmp(keys[i], key, klen))
			return agw_profile_item((enum agw_prof_item)i);
	return NULL;
}
