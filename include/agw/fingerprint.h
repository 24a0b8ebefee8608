/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Certificate fingerprints as SDP carries them (RFC 8122 a=fingerprint):
 * a hash function name and upper-case hex pairs joined by colons.
 *
 * Parsing reports what H.248 error the MGC gets for a bad value:
 *   474 (invalid SDP syntax, H.248.49) - the value is not a fingerprint:
 *        bad hex, bad separators, a digest length that does not fit the
 *        hash, an empty or over-long value;
 *   449 (unsupported parameter or property value, TS 29.334) - the value is
 *        well-formed but names a hash agw does not use: an unknown token,
 *        or md5/md2, which RFC 8122 forbids and agw rejects by name.
 * Comparison is constant time: a fingerprint is the trust anchor for a
 * self-signed peer certificate.
 */
#ifndef AGW_FINGERPRINT_H
#define AGW_FINGERPRINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum agw_fp_hash {
	AGW_FP_SHA1,
	AGW_FP_SHA224,
	AGW_FP_SHA256,
	AGW_FP_SHA384,
	AGW_FP_SHA512,
	AGW_FP_HASH_COUNT,
};

#define AGW_FP_HASH_DEFAULT AGW_FP_SHA256
#define AGW_FP_DIGEST_MAX 64
/* "XX:" per byte, the last ':' becomes the NUL. */
#define AGW_FP_HEX_MAX (AGW_FP_DIGEST_MAX * 3)
/* "sha-512 " + hex */
#define AGW_FP_ATTR_MAX (8 + AGW_FP_HEX_MAX)
/* RFC 8122 allows several a=fingerprint lines; more than this is abuse. */
#define AGW_FP_SET_MAX 8

/* H.248 error codes a parse failure maps to. */
#define AGW_FP_ERR_SYNTAX 474
#define AGW_FP_ERR_UNSUPPORTED 449

struct agw_fingerprint {
	enum agw_fp_hash hash;
	uint8_t len;
	uint8_t digest[AGW_FP_DIGEST_MAX];
};

struct agw_fp_set {
	size_t n;
	struct agw_fingerprint fp[AGW_FP_SET_MAX];
};

/* Why a value was refused: the H.248 error code and a reason for ER{}. */
struct agw_fp_error {
	int h248_code;
	char reason[96];
};

const char *agw_fp_hash_name(enum agw_fp_hash hash);
size_t agw_fp_hash_len(enum agw_fp_hash hash);
/* 0, -ENOENT (unknown token) or -EPROTONOSUPPORT (md5/md2, refused). */
int agw_fp_hash_from_name(const char *name, size_t len, enum agw_fp_hash *out);

/* Parse (hash name, hex value); 0 or -EINVAL with *err filled (err may be
 * NULL). */
int agw_fp_parse(const char *hash_name, const char *value,
		 struct agw_fingerprint *out, struct agw_fp_error *err);
/* Parse a whole attribute value "sha-256 AB:CD:...". */
int agw_fp_parse_attr(const char *attr, struct agw_fingerprint *out,
		      struct agw_fp_error *err);

/* Format hex pairs / "hash hex"; return the length or -ENOSPC. */
int agw_fp_format(const struct agw_fingerprint *fp, char *buf, size_t size);
int agw_fp_format_attr(const struct agw_fingerprint *fp, char *buf,
		       size_t size);

/* Constant-time equality (hash and digest). */
bool agw_fp_equal(const struct agw_fingerprint *a,
		  const struct agw_fingerprint *b);

/* Digest of a DER certificate. */
int agw_fp_of_der(enum agw_fp_hash hash, const uint8_t *der, size_t len,
		  struct agw_fingerprint *out);

/* Add to a set; -ENOSPC when full. */
int agw_fp_set_add(struct agw_fp_set *set, const struct agw_fingerprint *fp);
/* The hash to answer with: the strongest one the peer used, else SHA-256. */
enum agw_fp_hash agw_fp_set_answer_hash(const struct agw_fp_set *set);
/* Does the DER certificate match any member? Every member is checked,
 * match or not, so timing says nothing about which one matched. */
bool agw_fp_set_match_der(const struct agw_fp_set *set, const uint8_t *der,
			  size_t len);

#endif
