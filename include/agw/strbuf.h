/* SPDX-License-Identifier: GPL-2.0-only */
/* Growable string buffer with JSON string escaping, for replies. */
#ifndef AGW_STRBUF_H
#define AGW_STRBUF_H

#include <stddef.h>

struct agw_strbuf {
	char *buf; /* NUL-terminated while len > 0 */
	size_t len, cap;
	int err; /* first -ENOMEM; later appends are no-ops */
};

void agw_strbuf_init(struct agw_strbuf *b);
void agw_strbuf_free(struct agw_strbuf *b);
void agw_strbuf_reset(struct agw_strbuf *b);
void agw_strbuf_printf(struct agw_strbuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void agw_strbuf_append(struct agw_strbuf *b, const char *s, size_t n);
/* Append s as a JSON string literal, quotes included. */
void agw_strbuf_json_str(struct agw_strbuf *b, const char *s);

#endif /* AGW_STRBUF_H */
