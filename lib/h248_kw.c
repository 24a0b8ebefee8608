// SPDX-License-Identifier: GPL-2.0-only
/* H.248 keyword spellings and the case-insensitive keyword lookup. */
#include <string.h>

#include "h248_int.h"

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

static const uint8_t kw_long_len[H248_KW_COUNT] = {
#define H248_KW(id, l, s, v) [H248_KW_##id] = sizeof(l) - 1,
#include "agw/h248_kw.h"
#undef H248_KW
};

static const uint8_t kw_short_len[H248_KW_COUNT] = {
#define H248_KW(id, l, s, v) [H248_KW_##id] = sizeof(s) - 1,
#include "agw/h248_kw.h"
#undef H248_KW
};

struct h248_str h248_kw_str(enum h248_kw kw, bool compact)
{
	if ((unsigned int)kw >= H248_KW_COUNT)
		return (struct h248_str){ "", 0 };
	if (compact)
		return (struct h248_str){ kw_short[kw], kw_short_len[kw] };
	return (struct h248_str){ kw_long[kw], kw_long_len[kw] };
}

const char *h248_kw_long(enum h248_kw kw)
{
	return (unsigned int)kw < H248_KW_COUNT ? kw_long[kw] : "";
}

const char *h248_kw_short(enum h248_kw kw)
{
	return (unsigned int)kw < H248_KW_COUNT ? kw_short[kw] : "";
}
