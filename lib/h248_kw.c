// SPDX-License-Identifier: GPL-2.0-only
/* H.248 keyword spellings and the case-insensitive keyword lookup. */
#include <string.h>

#include "h248_priv.h"

static const char *const kw_long[H248_KW_COUNT] = {
	[H248_KW_NAME] = "",
#define H248_KW(id, l, s, v) [H248_KW_##id] = l,
#include "agw/h248_kw.h"
#undef H248_KW
};

static const char *const kw_short[H248_KW_COUNT] = {
	[H248_KW_NAME] = "",
#define H248_KW(id, l, s, v) [H248_KW_##id] = s,
#include "agw/h248_kw.h"
#undef H248_KW
};

/* [0] long, [1] short: the encoder's view, lengths precomputed */
const struct h248_str h248_kw_spelling[2][H248_KW_COUNT] = {
	{
		[H248_KW_NAME] = { "", 0 },
#define H248_KW(id, l, s, v) [H248_KW_##id] = { l, sizeof(l) - 1 },
#include "agw/h248_kw.h"
#undef H248_KW
	},
	{
		[H248_KW_NAME] = { "", 0 },
#define H248_KW(id, l, s, v) [H248_KW_##id] = { s, sizeof(s) - 1 },
#include "agw/h248_kw.h"
#undef H248_KW
	},
};

const char *h248_kw_long(enum h248_kw kw)
{
	return (unsigned int)kw < H248_KW_COUNT ? kw_long[kw] : "";
}

const char *h248_kw_short(enum h248_kw kw)
{
	return (unsigned int)kw < H248_KW_COUNT ? kw_short[kw] : "";
}
