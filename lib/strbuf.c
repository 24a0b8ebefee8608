// SPDX-License-Identifier: GPL-2.0-only
/* Growable string buffer; see include/agw/strbuf.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agw/strbuf.h"

void agw_strbuf_init(struct agw_strbuf *b)
{
	b->buf = NULL;
	b->len = b->cap = 0;
	b->err = 0;
}

void agw_strbuf_free(struct agw_strbuf *b)
{
	free(b->buf);
	agw_strbuf_init(b);
}

void agw_strbuf_reset(struct agw_strbuf *b)
{
	b->len = 0;
	b->err = 0;
	if (b->buf)
		b->buf[0] = 0;
}

static int reserve(struct agw_strbuf *b, size_t extra)
{
	size_t cap;
	char *n;

	if (b->err)
		return b->err;
	if (b->len + extra + 1 <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 256;
	while (cap < b->len + extra + 1)
		cap *= 2;
	n = realloc(b->buf, cap);
	if (!n)
		return b->err = -ENOMEM;
	b->buf = n;
	b->cap = cap;
	return 0;
}

void agw_strbuf_append(struct agw_strbuf *b, const char *s, size_t n)
{
	if (reserve(b, n))
		return;
	memcpy(b->buf + b->len, s, n);
	b->len += n;
	b->buf[b->len] = 0;
}

void agw_strbuf_printf(struct agw_strbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || reserve(b, n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->buf + b->len, n + 1, fmt, ap);
	va_end(ap);
	b->len += n;
}

void agw_strbuf_json_str(struct agw_strbuf *b, const char *s)
{
	agw_strbuf_append(b, "\"", 1);
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\') {
			char esc[2] = { '\\', c };

			agw_strbuf_append(b, esc, 2);
		} else if (c < 0x20) {
			agw_strbuf_printf(b, "\\u%04x", c);
		} else {
			agw_strbuf_append(b, (const char *)&c, 1);
		}
	}
	agw_strbuf_append(b, "\"", 1);
}
