/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * JSON for agwd's control socket and agwctl: a streaming writer over an
 * agw_strbuf (iproute2's json_writer is the model) and a reader that
 * walks a JSON text's scalars.
 *
 * Writer. The writer puts the commas, quotes and escapes strings
 * (agw_strbuf_json_str: '"', '\\' and control characters escaped, UTF-8
 * passed through) and checks the nesting. Every call takes the member's
 * key inside an object and NULL inside an array or at the top level.
 * Misuse (a key where none belongs or the reverse, a close that does not
 * match, more than AGW_JSON_DEPTH levels, a second top-level value) is
 * remembered, and agw_json_end() reports the first error:
 *
 *	struct agw_strbuf b;
 *	struct agw_json w;
 *
 *	agw_strbuf_init(&b);
 *	agw_json_init(&w, &b);
 *	agw_json_obj_open(&w, NULL);
 *	agw_json_str(&w, "id", "ip/a/1");
 *	agw_json_arr_open(&w, "ports");
 *	agw_json_u64(&w, NULL, 5060);
 *	agw_json_arr_close(&w);
 *	agw_json_obj_close(&w);
 *	err = agw_json_end(&w);		// b: {"id":"ip/a/1","ports":[5060]}
 *
 * A control socket command (struct agw_ctl_cmd) writes the members that
 * follow "ok":true: it starts with agw_json_init_members(), and every
 * member it writes is preceded by a comma.
 *
 * Reader. agw_json_walk() hands every scalar of a JSON text to a callback
 * with its path and its value; strings are unescaped.
 */
#ifndef AGW_JSON_H
#define AGW_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "agw/strbuf.h"

#define AGW_JSON_DEPTH 32 /* nested objects and arrays */

struct agw_json {
	struct agw_strbuf *b;
	FILE *f; /* agw_json_init_file(); else NULL */
	unsigned int depth, base; /* open levels; base: not ours to close */
	bool comma[AGW_JSON_DEPTH + 1]; /* the level holds a value already */
	char close[AGW_JSON_DEPTH + 1]; /* '}' or ']' of each open level */
	int err; /* first error, -EINVAL or -E2BIG */
	bool pretty; /* agw_json_set_pretty() */
};

/* Write one JSON value into b (appended to what b holds). */
void agw_json_init(struct agw_json *w, struct agw_strbuf *b);
/*
 * Write members into an object whose '{' and first member are in b
 * already (a control socket reply): each member gets its comma, and the
 * object is not closed here.
 */
void agw_json_init_members(struct agw_json *w, struct agw_strbuf *b);
/*
 * Write one JSON value per line to f (agwctl -j): each complete
 * top-level value goes to f with a newline, then b is emptied.
 */
void agw_json_init_file(struct agw_json *w, struct agw_strbuf *b, FILE *f);
/*
 * Pretty (agwctl -p): each member and element on its own line, indented
 * four blanks a level, a blank after each key's colon; an empty object
 * or array stays {} or []. Set right after init.
 */
void agw_json_set_pretty(struct agw_json *w, bool pretty);

void agw_json_obj_open(struct agw_json *w, const char *key);
void agw_json_obj_close(struct agw_json *w);
void agw_json_arr_open(struct agw_json *w, const char *key);
void agw_json_arr_close(struct agw_json *w);
/* A string value; val NULL writes null. */
void agw_json_str(struct agw_json *w, const char *key, const char *val);
void agw_json_u64(struct agw_json *w, const char *key, uint64_t val);
void agw_json_i64(struct agw_json *w, const char *key, int64_t val);
void agw_json_bool(struct agw_json *w, const char *key, bool val);
void agw_json_null(struct agw_json *w, const char *key);

/*
 * 0 when every level the writer opened is closed and no call was
 * misused; else the first error (-EINVAL, -E2BIG, or the strbuf's
 * -ENOMEM).
 */
int agw_json_end(const struct agw_json *w);

/* ---- reader --------------------------------------------------------- */

enum agw_json_type {
	AGW_JSON_STRING, /* val unescaped (UTF-8), NUL-terminated */
	AGW_JSON_NUMBER, /* val as written */
	AGW_JSON_BOOL, /* "true" or "false" */
	AGW_JSON_NULL, /* "null" */
};

#define AGW_JSON_PATH_MAX 512

/*
 * path: the members' keys joined by '.', array elements as [N]
 * ("flows[0].a_to_b.bytes"; "" for a top-level scalar). val is
 * NUL-terminated and holds len bytes (a string may hold a NUL byte only
 * if the text escaped one, which the reader refuses).
 */
typedef void (*agw_json_scalar_fn)(void *arg, const char *path,
				   enum agw_json_type type, const char *val,
				   size_t len);

/*
 * Walk the JSON value in text[0..len) (one value, whitespace around it)
 * and hand each scalar to fn in document order. Strings are unescaped:
 * \" \\ \/ \b \f \n \r \t, \uXXXX as UTF-8 (surrogate pairs joined).
 * Returns 0, -EINVAL when the text is not JSON (a lone surrogate or
 * \u0000 included), -E2BIG when a path exceeds AGW_JSON_PATH_MAX or the
 * nesting AGW_JSON_DEPTH, -ENOMEM.
 */
int agw_json_walk(const char *text, size_t len, agw_json_scalar_fn fn,
		  void *arg);

/*
 * Write the JSON value in text[0..len) to w as the writer writes it
 * (agwctl -p: w pretty): strings unescaped and escaped again, numbers as
 * written. Returns 0, the reader's error (as agw_json_walk()) or the
 * writer's (agw_json_end()).
 */
int agw_json_copy(const char *text, size_t len, struct agw_json *w);

#endif /* AGW_JSON_H */
