// SPDX-License-Identifier: GPL-2.0-only
/*
 * The JSON writer of agwd's control socket and agwctl, and the reader of
 * agwctl (include/agw/json.h). The writer appends to an agw_strbuf and
 * keeps one comma flag and one closing bracket per open level; the reader
 * is a recursive descent that builds each scalar's path.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "agw/json.h"

/* ---- writer --------------------------------------------------------- */

static void init(struct agw_json *w, struct agw_strbuf *b, FILE *f)
{
	memset(w, 0, sizeof(*w));
	w->b = b;
	w->f = f;
}

void agw_json_init(struct agw_json *w, struct agw_strbuf *b)
{
	init(w, b, NULL);
}

void agw_json_init_members(struct agw_json *w, struct agw_strbuf *b)
{
	init(w, b, NULL);
	w->depth = w->base = 1;
	w->close[1] = '}';
	w->comma[1] = true;
}

void agw_json_init_file(struct agw_json *w, struct agw_strbuf *b, FILE *f)
{
	init(w, b, f);
}

void agw_json_set_pretty(struct agw_json *w, bool pretty)
{
	w->pretty = pretty;
}

/* Pretty: a new line indented for the level (four blanks a level). */
static void newline(struct agw_json *w, unsigned int depth)
{
	agw_strbuf_append(w->b, "\n", 1);
	for (unsigned int i = 0; i < depth; i++)
		agw_strbuf_append(w->b, "    ", 4);
}

static void fail(struct agw_json *w, int err)
{
	if (!w->err)
		w->err = err;
}

/*
 * Before a value: its comma and key. False (nothing written) when the
 * key does not fit the level or a top-level value was written already.
 */
static bool begin(struct agw_json *w, const char *key)
{
	bool in_obj = w->depth && w->close[w->depth] == '}';

	if (w->err)
		return false;
	if (!key != !in_obj || (!w->depth && w->comma[0])) {
		fail(w, -EINVAL);
		return false;
	}
	if (w->comma[w->depth])
		agw_strbuf_append(w->b, ",", 1);
	w->comma[w->depth] = true;
	if (w->pretty && w->depth)
		newline(w, w->depth);
	if (key) {
		agw_strbuf_json_str(w->b, key);
		agw_strbuf_append(w->b, w->pretty ? ": " : ":",
				  w->pretty ? 2 : 1);
	}
	return true;
}

/* After a value: a complete top-level value goes to the file. */
static void done(struct agw_json *w)
{
	if (w->depth || !w->f)
		return;
	if (!w->b->err) {
		fwrite(w->b->buf, 1, w->b->len, w->f);
		fputc('\n', w->f);
	}
	agw_strbuf_reset(w->b);
	w->comma[0] = false;
}

static void open_level(struct agw_json *w, const char *key, char open,
		       char close)
{
	if (w->depth == AGW_JSON_DEPTH) {
		fail(w, -E2BIG);
		return;
	}
	if (!begin(w, key))
		return;
	agw_strbuf_append(w->b, &open, 1);
	w->depth++;
	w->close[w->depth] = close;
	w->comma[w->depth] = false;
}

static void close_level(struct agw_json *w, char close)
{
	if (w->err)
		return;
	if (w->depth == w->base || w->close[w->depth] != close) {
		fail(w, -EINVAL);
		return;
	}
	/* an empty level stays on its line: [] and {} */
	if (w->pretty && w->comma[w->depth])
		newline(w, w->depth - 1);
	agw_strbuf_append(w->b, &close, 1);
	w->depth--;
	done(w);
}

void agw_json_obj_open(struct agw_json *w, const char *key)
{
	open_level(w, key, '{', '}');
}

void agw_json_obj_close(struct agw_json *w)
{
	close_level(w, '}');
}

void agw_json_arr_open(struct agw_json *w, const char *key)
{
	open_level(w, key, '[', ']');
}

void agw_json_arr_close(struct agw_json *w)
{
	close_level(w, ']');
}

void agw_json_str(struct agw_json *w, const char *key, const char *val)
{
	if (!begin(w, key))
		return;
	if (val)
		agw_strbuf_json_str(w->b, val);
	else
		agw_strbuf_append(w->b, "null", 4);
	done(w);
}

void agw_json_u64(struct agw_json *w, const char *key, uint64_t val)
{
	if (!begin(w, key))
		return;
	agw_strbuf_printf(w->b, "%" PRIu64, val);
	done(w);
}

void agw_json_i64(struct agw_json *w, const char *key, int64_t val)
{
	if (!begin(w, key))
		return;
	agw_strbuf_printf(w->b, "%" PRId64, val);
	done(w);
}

void agw_json_bool(struct agw_json *w, const char *key, bool val)
{
	if (!begin(w, key))
		return;
	agw_strbuf_append(w->b, val ? "true" : "false", val ? 4 : 5);
	done(w);
}

void agw_json_null(struct agw_json *w, const char *key)
{
	agw_json_str(w, key, NULL);
}

int agw_json_end(const struct agw_json *w)
{
	if (w->err)
		return w->err;
	if (w->b->err)
		return w->b->err;
	return w->depth == w->base ? 0 : -EINVAL;
}

/* ---- reader --------------------------------------------------------- */

struct walk {
	const char *p, *end;
	agw_json_scalar_fn fn; /* NULL when copying */
	void *arg;
	struct agw_json *out; /* agw_json_copy(): written here */
	const char *key; /* the member's key of the value being read */
	char path[AGW_JSON_PATH_MAX];
	struct agw_strbuf val;
	unsigned int depth;
};

static void skip_ws(struct walk *k)
{
	while (k->p < k->end && (*k->p == ' ' || *k->p == '\t' ||
				 *k->p == '\n' || *k->p == '\r'))
		k->p++;
}

static int hex4(struct walk *k, uint32_t *out)
{
	uint32_t v = 0;

	if (k->end - k->p < 4)
		return -EINVAL;
	for (int i = 0; i < 4; i++) {
		char c = *k->p++;

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (uint32_t)(c - 'A' + 10);
		else
			return -EINVAL;
	}
	*out = v;
	return 0;
}

static void put_utf8(struct agw_strbuf *b, uint32_t cp)
{
	char u[4];
	size_t n;

	if (cp < 0x80) {
		u[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xc0 | cp >> 6);
		u[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xe0 | cp >> 12);
		u[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		u[0] = (char)(0xf0 | cp >> 18);
		u[1] = (char)(0x80 | (cp >> 12 & 0x3f));
		u[2] = (char)(0x80 | (cp >> 6 & 0x3f));
		u[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	agw_strbuf_append(b, u, n);
}

/* \uXXXX (the "\u" read): a code point, a surrogate pair joined. */
static int unicode_escape(struct walk *k, struct agw_strbuf *b)
{
	uint32_t cp, lo;

	if (hex4(k, &cp))
		return -EINVAL;
	if (cp >= 0xdc00 && cp <= 0xdfff)
		return -EINVAL;
	if (cp >= 0xd800 && cp <= 0xdbff) {
		if (k->end - k->p < 6 || k->p[0] != '\\' || k->p[1] != 'u')
			return -EINVAL;
		k->p += 2;
		if (hex4(k, &lo) || lo < 0xdc00 || lo > 0xdfff)
			return -EINVAL;
		cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
	}
	if (!cp)
		return -EINVAL;
	put_utf8(b, cp);
	return 0;
}

/* A string (at its opening quote) unescaped into b, which is reset. */
static int string(struct walk *k, struct agw_strbuf *b)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";

	agw_strbuf_reset(b);
	agw_strbuf_append(b, "", 0);
	for (k->p++; k->p < k->end && *k->p != '"';) {
		unsigned char c = (unsigned char)*k->p++;
		const char *e;

		if (c < 0x20)
			return -EINVAL;
		if (c != '\\') {
			agw_strbuf_append(b, (const char *)&c, 1);
			continue;
		}
		if (k->p == k->end)
			return -EINVAL;
		c = (unsigned char)*k->p++;
		if (c == 'u') {
			if (unicode_escape(k, b))
				return -EINVAL;
		} else if (c && (e = strchr(from, c))) {
			agw_strbuf_append(b, &to[e - from], 1);
		} else {
			return -EINVAL;
		}
	}
	if (k->p == k->end)
		return -EINVAL;
	k->p++;
	return b->err;
}

static bool literal(struct walk *k, const char *lit)
{
	size_t n = strlen(lit);

	if ((size_t)(k->end - k->p) < n || memcmp(k->p, lit, n))
		return false;
	k->p += n;
	return true;
}

static int number(struct walk *k)
{
	const char *s = k->p;

	if (k->p < k->end && *k->p == '-')
		k->p++;
	if (k->p == k->end || *k->p < '0' || *k->p > '9')
		return -EINVAL;
	while (k->p < k->end &&
	       ((*k->p >= '0' && *k->p <= '9') || *k->p == '.' ||
		*k->p == 'e' || *k->p == 'E' || *k->p == '+' || *k->p == '-'))
		k->p++;
	agw_strbuf_reset(&k->val);
	agw_strbuf_append(&k->val, s, (size_t)(k->p - s));
	return k->val.err;
}

/* Copying: the scalar as the reader saw it, into the writer. */
static void copy_scalar(struct walk *k, enum agw_json_type type,
			const char *val, size_t len)
{
	struct agw_json *w = k->out;

	if (type == AGW_JSON_STRING) {
		agw_json_str(w, k->key, val);
		return;
	}
	if (!begin(w, k->key))
		return;
	agw_strbuf_append(w->b, val, len);
	done(w);
}

static void emit(struct walk *k, enum agw_json_type type, const char *val,
		 size_t len)
{
	if (k->out)
		copy_scalar(k, type, val, len);
	else
		k->fn(k->arg, k->path, type, val, len);
}

static int scalar(struct walk *k)
{
	enum agw_json_type type;
	const char *lit;
	int err;

	if (*k->p == '"') {
		if ((err = string(k, &k->val)))
			return err;
		emit(k, AGW_JSON_STRING, k->val.buf, k->val.len);
		return 0;
	}
	if (literal(k, "true")) {
		type = AGW_JSON_BOOL;
		lit = "true";
	} else if (literal(k, "false")) {
		type = AGW_JSON_BOOL;
		lit = "false";
	} else if (literal(k, "null")) {
		type = AGW_JSON_NULL;
		lit = "null";
	} else {
		if ((err = number(k)))
			return err;
		emit(k, AGW_JSON_NUMBER, k->val.buf, k->val.len);
		return 0;
	}
	emit(k, type, lit, strlen(lit));
	return 0;
}

static int value(struct walk *k);

/* Append ".key" or "[i]" to the path; -E2BIG when it does not fit. */
static int path_push(struct walk *k, size_t used, const char *key,
		     unsigned int idx)
{
	int n;

	if (key)
		n = snprintf(k->path + used, sizeof(k->path) - used, "%s%s",
			     used ? "." : "", key);
	else
		n = snprintf(k->path + used, sizeof(k->path) - used, "[%u]",
			     idx);
	return n < 0 || (size_t)n >= sizeof(k->path) - used ? -E2BIG : 0;
}

static int container(struct walk *k)
{
	char close = *k->p == '{' ? '}' : ']';
	size_t used = strlen(k->path);
	struct agw_strbuf key;
	unsigned int idx = 0;
	int err = 0;

	if (++k->depth > AGW_JSON_DEPTH)
		return -E2BIG;
	if (k->out)
		open_level(k->out, k->key, *k->p, close);
	agw_strbuf_init(&key);
	k->p++;
	skip_ws(k);
	if (k->p < k->end && *k->p == close)
		goto end;
	for (;;) {
		skip_ws(k);
		if (close == '}') {
			if (k->p == k->end || *k->p != '"' ||
			    (err = string(k, &key)))
				goto fail;
			skip_ws(k);
			if (k->p == k->end || *k->p++ != ':')
				goto fail;
		}
		k->key = close == '}' ? key.buf : NULL;
		if ((err = path_push(k, used, k->key, idx++)) ||
		    (err = value(k)))
			goto out;
		k->path[used] = 0;
		skip_ws(k);
		if (k->p < k->end && *k->p == ',') {
			k->p++;
			continue;
		}
		if (k->p < k->end && *k->p == close)
			goto end;
		goto fail;
	}
end:
	k->p++;
	k->depth--;
	if (k->out)
		close_level(k->out, close);
	goto out;
fail:
	err = err ? err : -EINVAL;
out:
	agw_strbuf_free(&key);
	return err;
}

static int value(struct walk *k)
{
	skip_ws(k);
	if (k->p == k->end)
		return -EINVAL;
	if (*k->p == '{' || *k->p == '[')
		return container(k);
	return scalar(k);
}

static int walk(struct walk *k)
{
	int err;

	agw_strbuf_init(&k->val);
	err = value(k);
	skip_ws(k);
	if (!err && k->p != k->end)
		err = -EINVAL;
	agw_strbuf_free(&k->val);
	return err;
}

int agw_json_walk(const char *text, size_t len, agw_json_scalar_fn fn,
		  void *arg)
{
	struct walk k = { .p = text, .end = text + len, .fn = fn, .arg = arg };

	return walk(&k);
}

int agw_json_copy(const char *text, size_t len, struct agw_json *w)
{
	struct walk k = { .p = text, .end = text + len, .out = w };
	int err = walk(&k);

	return err ? err : agw_json_end(w);
}
