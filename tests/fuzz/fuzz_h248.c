// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer harness for the H.248 text decoder. Property: any input either
 * fails to decode with a sane error, or decodes into a tree whose pretty
 * and compact encodings both decode into an equal tree (and encode to the
 * same bytes again). Small limits keep each run fast.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "agw/h248.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char out[2][1 << 17], again[1 << 17];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct h248_arena a, b;
	static bool init;
	struct h248_limits lim;
	struct h248_message *m, *m2;
	struct h248_error err;
	ssize_t n, n2;
	unsigned int f;
	int rc;

	if (!init) {
		h248_arena_init(&a, NULL, 0);
		h248_arena_init(&b, NULL, 0);
		init = true;
	}
	h248_limits_default(&lim);
	lim.max_depth = 24;
	lim.max_arena = 1 << 22;
	h248_arena_reset(&a);
	rc = h248_decode((const char *)data, size, &lim, &a, &m, &err);
	if (rc) {
		if (!err.code || err.offset > size || !err.expected ||
		    (rc != -EINVAL && rc != -E2BIG && rc != -ENOMEM))
			abort();
		return 0;
	}
	for (f = 0; f < 2; f++) {
		n = h248_encode(m, f ? H248_ENC_COMPACT : H248_ENC_PRETTY,
				out[f], sizeof(out[f]));
		if (n == -ENOSPC)
			return 0;
		if (n < 0)
			abort();
		lim.max_message = sizeof(out[f]);
		lim.max_depth = 64;
		h248_arena_reset(&b);
		if (h248_decode(out[f], (size_t)n, &lim, &b, &m2, &err))
			abort();
		if (!h248_message_equal(m, m2))
			abort();
		n2 = h248_encode(m2, f ? H248_ENC_COMPACT : H248_ENC_PRETTY,
				 again, sizeof(again));
		if (n2 != n || memcmp(again, out[f], (size_t)n))
			abort();
	}
	return 0;
}
