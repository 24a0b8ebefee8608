/* SPDX-License-Identifier: GPL-2.0-only */
/* Helpers shared by the SDP parser, generator and setters (lib only). */
#ifndef AGW_SDP_PRIV_H
#define AGW_SDP_PRIV_H

#include <string.h>
#include <strings.h>

#include "agw/sdp.h"

/* Why a value was refused and where in it (a pointer into the value). */
struct sdp_fail {
	const char *why;
	const char *at;
};

static inline struct agw_sdp_str sdp_str(const char *p, const char *end)
{
	return (struct agw_sdp_str){ .ptr = p, .len = (uint32_t)(end - p) };
}

/* Inline so that strlen() of a literal folds to a constant. */
static inline bool sdp_str_eq(struct agw_sdp_str s, const char *lit)
{
	size_t n = strlen(lit);

	return s.len == n && memcmp(s.ptr, lit, n) == 0;
}

static inline bool sdp_str_ieq(struct agw_sdp_str s, const char *lit)
{
	size_t n = strlen(lit);

	return s.len == n && strncasecmp(s.ptr, lit, n) == 0;
}

bool sdp_str_same(struct agw_sdp_str a, struct agw_sdp_str b);
bool sdp_is_token_char(unsigned char c);
bool sdp_is_token(struct agw_sdp_str s);
bool sdp_is_choose(struct agw_sdp_str s);

/* Split s at runs of spaces into at most max fields; returns the count,
 * or max + 1 when there are more. */
int sdp_split(struct agw_sdp_str s, struct agw_sdp_str *out, int max);

/* Fill a->type and the parsed union from a->name and a->value. */
int sdp_attr_classify(struct agw_sdp_attr *a, struct sdp_fail *f);

/* Parse an addrtype and address field pair (c= or o=). */
int sdp_addr_parse(struct agw_sdp_addr *a, struct agw_sdp_str addrtype,
		   struct agw_sdp_str addr, bool allow_suffix,
		   struct sdp_fail *f);

#endif /* AGW_SDP_PRIV_H */
