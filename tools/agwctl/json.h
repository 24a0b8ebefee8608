/* SPDX-License-Identifier: GPL-2.0-only */
/* A minimal streaming JSON writer for agwctl -j (iproute2's json_print
 * idea, reduced to what agwctl prints). */
#ifndef AGWCTL_JSON_H
#define AGWCTL_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JW_DEPTH 16

struct jw {
	FILE *f;
	int depth;
	bool need_comma[JW_DEPTH];
};

void jw_init(struct jw *w, FILE *f);
void jw_obj_open(struct jw *w, const char *key);
void jw_obj_close(struct jw *w);
void jw_arr_open(struct jw *w, const char *key);
void jw_arr_close(struct jw *w);
void jw_str(struct jw *w, const char *key, const char *val);
void jw_u64(struct jw *w, const char *key, uint64_t val);
void jw_bool(struct jw *w, const char *key, bool val);
void jw_null(struct jw *w, const char *key);

#endif
