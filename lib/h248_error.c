// SPDX-License-Identifier: GPL-2.0-only
/* Text form of an H.248 decoding error. */
#include <stdio.h>

#include "agw/h248.h"

int h248_error_format(const struct h248_error *e, char *buf, size_t size)
{
	if (e->has_tid)
		return snprintf(buf, size,
				"error %d at offset %u (transaction %u): %s",
				e->code, e->offset, e->tid,
				e->expected ? e->expected : "?");
	return snprintf(buf, size, "error %d at offset %u: %s", e->code,
			e->offset, e->expected ? e->expected : "?");
}
