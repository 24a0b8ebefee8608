// SPDX-License-Identifier: GPL-2.0-only
/*
 * A command's error: the H.248.8 code (enum h248_errcode, by name) and
 * the text the reply's ErrorDescriptor carries. The lowest file of ctl/:
 * it calls no other.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "ctx.h"

int agwd_errf(struct agwd_err *e, enum h248_errcode code, const char *fmt, ...)
{
	va_list ap;

	e->code = code;
	va_start(ap, fmt);
	vsnprintf(e->text, sizeof(e->text), fmt, ap);
	va_end(ap);
	return -EINVAL;
}
