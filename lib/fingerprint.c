// SPDX-License-Identifier: GPL-2.0-only
/*
 * RFC 8122 fingerprints: names, parsing, formatting, constant-time compare.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "agw/fingerprint.h"

struct fp_hash_info {
	const char *name;
	const char *evp_name;
	uint8_t len;
};

static const struct fp_hash_info fp_hashes[AGW_FP_HASH_COUNT] = {
	[AGW_FP_SHA1] = { "sha-1", "SHA1", 20 },
	[AGW_FP_SHA224] = { "sha-224", "SHA224", 28 },
	[AGW_FP_SHA256] = { "sha-256", "SHA256", 32 },
	[AGW_FP_SHA384] = { "sha-384", "SHA384", 48 },
	[AGW_FP_SHA512] = { "sha-512", "SHA512", 64 },
};

/* Names RFC 4572 listed and RFC 8122 forbids: recognised only to refuse
 * them with a precise reason instead of "unknown". */
static const char *const fp_refused[] = { "md5", "md2" };

static void fp_fail(struct agw_fp_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void fp_fail(struct agw_fp_error *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return;
	err->h248_code = code;
	va_start(ap, fmt);
	vsnprintf(err->reason, sizeof(err->reason), fmt, ap);
	va_end(ap);
}

const char *agw_fp_hash_name(enum agw_fp_hash hash)
{
	if ((unsigned int)hash >= AGW_FP_HASH_COUNT)
		return NULL;
	return fp_hashes[hash].name;
}

size_t agw_fp_hash_len(enum agw_fp_hash hash)
{
	if ((unsigned int)hash >= AGW_FP_HASH_COUNT)
		return 0;
	return fp_hashes[hash].len;
}

int agw_fp_hash_from_name(const char *name, size_t len, enum agw_fp_hash *out)
{
	size_t i;

	/* hash-func tokens are ABNF literals: case-insensitive. */
	for (i = 0; i < AGW_FP_HASH_COUNT; i++) {
		if (strlen(fp_hashes[i].name) == len &&
		    !strncasecmp(fp_hashes[i].name, name, len)) {
			*out = i;
			return 0;
		}
	}
	for (i = 0; i < sizeof(fp_refused) / sizeof(fp_refused[0]); i++)
		if (strlen(fp_refused[i]) == len &&
		    !strncasecmp(fp_refused[i], name, len))
			return -EPROTONOSUPPORT;
	return -ENOENT;
}

/* RFC 8122 token characters, to tell a well-formed unknown hash (449)
 * from garbage (474). */
static bool fp_is_token(const char *s, size_t len)
{
	static const char extra[] = "!#$%&'*+-.^_`{|}~";
	size_t i;

	if (!len)
		return false;
	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr(extra, s[i]))
			return false;
	return true;
}

static int fp_hex_val(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	/* RFC 8122 says upper case; lower case is accepted on input because
	 * the digest, not its spelling, is what is compared. */
	c = (char)toupper((unsigned char)c);
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int fp_parse_hex(const char *value, size_t len,
			struct agw_fingerprint *out, struct agw_fp_error *err)
{
	size_t want = fp_hashes[out->hash].len;
	size_t i, n = 0;

	if (!len) {
		fp_fail(err, AGW_FP_ERR_SYNTAX, "empty fingerprint");
		return -EINVAL;
	}
	for (i = 0; i < len; i += 3) {
		int hi, lo;

		if (i + 2 > len) {
			fp_fail(err, AGW_FP_ERR_SYNTAX,
				"fingerprint ends in half a byte");
			return -EINVAL;
		}
		hi = fp_hex_val(value[i]);
		lo = fp_hex_val(value[i + 1]);
		if (hi < 0 || lo < 0) {
			fp_fail(err, AGW_FP_ERR_SYNTAX,
				"fingerprint has a non-hex character at %zu",
				i + (hi < 0 ? 0 : 1));
			return -EINVAL;
		}
		if (i + 2 < len && value[i + 2] != ':') {
			fp_fail(err, AGW_FP_ERR_SYNTAX,
				"fingerprint byte %zu not followed by ':'", n);
			return -EINVAL;
		}
		if (i + 2 < len && i + 3 == len) {
			fp_fail(err, AGW_FP_ERR_SYNTAX,
				"fingerprint ends with ':'");
			return -EINVAL;
		}
		if (n == want) {
			fp_fail(err, AGW_FP_ERR_SYNTAX,
				"fingerprint longer than %zu bytes of %s", want,
				fp_hashes[out->hash].name);
			return -EINVAL;
		}
		out->digest[n++] = (uint8_t)(hi << 4 | lo);
	}
	if (n != want) {
		fp_fail(err, AGW_FP_ERR_SYNTAX,
			"fingerprint has %zu bytes, %s needs %zu", n,
			fp_hashes[out->hash].name, want);
		return -EINVAL;
	}
	out->len = (uint8_t)n;
	return 0;
}

static int fp_parse_n(const char *name, size_t name_len, const char *value,
		      size_t value_len, struct agw_fingerprint *out,
		      struct agw_fp_error *err)
{
	int ret;

	memset(out, 0, sizeof(*out));
	ret = agw_fp_hash_from_name(name, name_len, &out->hash);
	if (ret == -EPROTONOSUPPORT) {
		fp_fail(err, AGW_FP_ERR_UNSUPPORTED,
			"hash function %.*s refused (RFC 8122)", (int)name_len,
			name);
		return -EINVAL;
	}
	if (ret) {
		if (fp_is_token(name, name_len))
			fp_fail(err, AGW_FP_ERR_UNSUPPORTED,
				"unsupported hash function %.*s",
				(int)(name_len > 32 ? 32 : name_len), name);
		else
			fp_fail(err, AGW_FP_ERR_SYNTAX,
				"malformed hash function name");
		return -EINVAL;
	}
	return fp_parse_hex(value, value_len, out, err);
}

int agw_fp_parse(const char *hash_name, const char *value,
		 struct agw_fingerprint *out, struct agw_fp_error *err)
{
	if (!hash_name || !value) {
		fp_fail(err, AGW_FP_ERR_SYNTAX, "missing fingerprint");
		return -EINVAL;
	}
	return fp_parse_n(hash_name, strlen(hash_name), value, strlen(value),
			  out, err);
}

int agw_fp_parse_attr(const char *attr, struct agw_fingerprint *out,
		      struct agw_fp_error *err)
{
	const char *sp, *value, *end;

	if (!attr) {
		fp_fail(err, AGW_FP_ERR_SYNTAX, "missing fingerprint");
		return -EINVAL;
	}
	/* fingerprint-attribute = "fingerprint" ":" hash-func SP fingerprint;
	 * a trailing CR/LF is tolerated since SDP lines carry one. */
	end = attr + strlen(attr);
	while (end > attr && (end[-1] == '\r' || end[-1] == '\n'))
		end--;
	sp = memchr(attr, ' ', (size_t)(end - attr));
	if (!sp) {
		fp_fail(err, AGW_FP_ERR_SYNTAX,
			"fingerprint attribute needs '<hash> <value>'");
		return -EINVAL;
	}
	value = sp + 1;
	return fp_parse_n(attr, (size_t)(sp - attr), value,
			  (size_t)(end - value), out, err);
}

int agw_fp_format(const struct agw_fingerprint *fp, char *buf, size_t size)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i, need;

	if (!fp->len || fp->len > AGW_FP_DIGEST_MAX)
		return -EINVAL;
	need = (size_t)fp->len * 3;
	if (size < need)
		return -ENOSPC;
	for (i = 0; i < fp->len; i++) {
		buf[i * 3] = hex[fp->digest[i] >> 4];
		buf[i * 3 + 1] = hex[fp->digest[i] & 15];
		buf[i * 3 + 2] = ':';
	}
	buf[need - 1] = '\0';
	return (int)(need - 1);
}

int agw_fp_format_attr(const struct agw_fingerprint *fp, char *buf, size_t size)
{
	const char *name = agw_fp_hash_name(fp->hash);
	size_t nl;
	int ret;

	if (!name)
		return -EINVAL;
	nl = strlen(name);
	if (size < nl + 1)
		return -ENOSPC;
	memcpy(buf, name, nl);
	buf[nl] = ' ';
	ret = agw_fp_format(fp, buf + nl + 1, size - nl - 1);
	if (ret < 0)
		return ret;
	return (int)nl + 1 + ret;
}

bool agw_fp_equal(const struct agw_fingerprint *a,
		  const struct agw_fingerprint *b)
{
	int diff = (a->hash != b->hash) | (a->len != b->len);

	/* Whole buffers, so the time does not depend on where they differ. */
	diff |= CRYPTO_memcmp(a->digest, b->digest, sizeof(a->digest)) != 0;
	return !diff;
}

int agw_fp_of_der(enum agw_fp_hash hash, const uint8_t *der, size_t len,
		  struct agw_fingerprint *out)
{
	unsigned int dlen = 0;
	EVP_MD *md;
	int ret = 0;

	if ((unsigned int)hash >= AGW_FP_HASH_COUNT)
		return -EINVAL;
	md = EVP_MD_fetch(NULL, fp_hashes[hash].evp_name, NULL);
	if (!md)
		return -ENOSYS;
	memset(out, 0, sizeof(*out));
	if (!EVP_Digest(der, len, out->digest, &dlen, md, NULL) ||
	    dlen != fp_hashes[hash].len)
		ret = -EIO;
	out->hash = hash;
	out->len = (uint8_t)dlen;
	EVP_MD_free(md);
	return ret;
}

int agw_fp_set_add(struct agw_fp_set *set, const struct agw_fingerprint *fp)
{
	if (set->n >= AGW_FP_SET_MAX)
		return -ENOSPC;
	set->fp[set->n++] = *fp;
	return 0;
}

enum agw_fp_hash agw_fp_set_answer_hash(const struct agw_fp_set *set)
{
	enum agw_fp_hash best = AGW_FP_HASH_COUNT;
	size_t i;

	/* The enum is ordered by strength. */
	for (i = 0; set && i < set->n; i++)
		if (best == AGW_FP_HASH_COUNT || set->fp[i].hash > best)
			best = set->fp[i].hash;
	return best == AGW_FP_HASH_COUNT ? AGW_FP_HASH_DEFAULT : best;
}

bool agw_fp_set_match_der(const struct agw_fp_set *set, const uint8_t *der,
			  size_t len)
{
	struct agw_fingerprint have[AGW_FP_HASH_COUNT];
	bool done[AGW_FP_HASH_COUNT] = { false };
	int match = 0;
	size_t i;

	for (i = 0; i < set->n; i++) {
		enum agw_fp_hash h = set->fp[i].hash;

		if ((unsigned int)h >= AGW_FP_HASH_COUNT)
			continue;
		if (!done[h]) {
			if (agw_fp_of_der(h, der, len, &have[h]))
				return false;
			done[h] = true;
		}
		match |= agw_fp_equal(&have[h], &set->fp[i]);
	}
	return match;
}
