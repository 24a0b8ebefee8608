// SPDX-License-Identifier: GPL-2.0-only
/* H.248 keyword spellings and the case-insensitive keyword lookup. */
#include <string.h>
#include <strings.h>

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

const char *h248_kw_long(enum h248_kw kw)
{
	return (unsigned int)kw < H248_KW_COUNT ? kw_long[kw] : "";
}

const char *h248_kw_short(enum h248_kw kw)
{
	return (unsigned int)kw < H248_KW_COUNT ? kw_short[kw] : "";
}

enum h248_kw h248_kw_lookup(const char *s, size_t len, int version)
{
	uint32_t h = h248_kwtab_seed;
	const struct h248_kwent *e;
	unsigned int i, n;

	/* The longest keyword is 22 octets; names with "/" never match. */
	if (len > 24 || len == 0)
		return H248_KW_NAME;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
		h = (h ^ c) * 16777619u;
	}
	i = h & (H248_KWTAB_SIZE - 1);
	for (n = 0; n <= h248_kwtab_probe; n++) {
		e = &h248_kwtab[(i + n) & (H248_KWTAB_SIZE - 1)];
		if (!e->lower)
			return H248_KW_NAME;
		if (e->len == len && !strncasecmp(e->lower, s, len))
			return e->minver <= version ? e->kw : H248_KW_NAME;
	}
	return H248_KW_NAME;
}
