// SPDX-License-Identifier: GPL-2.0-only
/*
 * The attributes agw acts on: a=setup and a=connection (RFC 4145),
 * a=fingerprint (RFC 8122), a=path and a=accept-types (RFC 4975) and the
 * BFCP attributes a=floorctrl, a=confid, a=userid, a=floorid (RFC 8856).
 * Any other attribute is kept as name and value.
 */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "sdp_priv.h"

#define MAX_FINGERPRINT 64 /* octets: SHA-512 is the longest registered */

static const struct {
	const char *name;
	enum agw_sdp_hash hash;
	unsigned int len;
} hashes[] = {
	{ "md2", AGW_SDP_HASH_MD2, 16 },
	{ "md5", AGW_SDP_HASH_MD5, 16 },
	{ "sha-1", AGW_SDP_HASH_SHA1, 20 },
	{ "sha-224", AGW_SDP_HASH_SHA224, 28 },
	{ "sha-256", AGW_SDP_HASH_SHA256, 32 },
	{ "sha-384", AGW_SDP_HASH_SHA384, 48 },
	{ "sha-512", AGW_SDP_HASH_SHA512, 64 },
};

const char *agw_sdp_hash_name(enum agw_sdp_hash hash)
{
	for (size_t i = 0; i < sizeof(hashes) / sizeof(hashes[0]); i++)
		if (hashes[i].hash == hash)
			return hashes[i].name;
	return NULL;
}

unsigned int agw_sdp_hash_len(enum agw_sdp_hash hash)
{
	for (size_t i = 0; i < sizeof(hashes) / sizeof(hashes[0]); i++)
		if (hashes[i].hash == hash)
			return hashes[i].len;
	return 0;
}

static int fail(struct sdp_fail *f, const char *why, const char *at)
{
	f->why = why;
	f->at = at;
	return -EBADMSG;
}

static bool is_hex(char c)
{
	return (c >= '0' && c <= '9') ||
	       ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
}

/* hash-func SP fingerprint; fingerprint = 2HEX *(":" 2HEX). Lower-case hex
 * is accepted although RFC 8122 writes UHEX: peers do send it. */
static int parse_fingerprint(struct agw_sdp_attr *a, struct sdp_fail *f)
{
	struct agw_sdp_str part[3];
	const char *p, *end;
	unsigned int n = 0, want;

	if (sdp_split(a->value, part, 2) != 2)
		return fail(f, "expected hash-func SP fingerprint",
			    a->value.ptr);
	if (!sdp_is_token(part[0]))
		return fail(f, "bad hash function name", part[0].ptr);
	a->fingerprint.hash_name = part[0];
	a->fingerprint.hash = AGW_SDP_HASH_OTHER;
	for (size_t i = 0; i < sizeof(hashes) / sizeof(hashes[0]); i++)
		if (sdp_str_ieq(part[0], hashes[i].name))
			a->fingerprint.hash = hashes[i].hash;
	p = part[1].ptr;
	end = p + part[1].len;
	for (;;) {
		if (end - p < 2 || !is_hex(p[0]) || !is_hex(p[1]))
			return fail(f, "expected two hex digits", p);
		if (++n > MAX_FINGERPRINT)
			return fail(f, "fingerprint longer than 64 octets", p);
		p += 2;
		if (p == end)
			break;
		if (*p != ':')
			return fail(f, "expected ':' between hex pairs", p);
		p++;
	}
	want = agw_sdp_hash_len(a->fingerprint.hash);
	if (want && n != want)
		return fail(f, "fingerprint length does not match its hash",
			    part[1].ptr);
	a->fingerprint.hex = part[1];
	a->fingerprint.len = (uint16_t)n;
	return 0;
}

/* Space-separated items, each checked by ok(); counts them. */
static int parse_list(struct agw_sdp_attr *a, bool (*ok)(struct agw_sdp_str),
		      const char *why, struct sdp_fail *f)
{
	const char *p = a->value.ptr, *end = p + a->value.len;
	unsigned int n = 0;

	while (p < end) {
		const char *start = p;

		while (p < end && *p != ' ')
			p++;
		if (p == start || !ok(sdp_str(start, p)))
			return fail(f, why, start);
		n++;
		if (p < end)
			p++; /* exactly one SP between items */
		if (p == end && p[-1] == ' ')
			return fail(f, why, p);
	}
	a->list.count = (uint16_t)n;
	return 0;
}

static bool is_msrp_uri(struct agw_sdp_str s)
{
	size_t skip;

	if (s.len > 7 && strncasecmp(s.ptr, "msrp://", 7) == 0)
		skip = 7;
	else if (s.len > 8 && strncasecmp(s.ptr, "msrps://", 8) == 0)
		skip = 8;
	else
		return false;
	for (size_t i = skip; i < s.len; i++)
		if ((unsigned char)s.ptr[i] <= 0x20 || s.ptr[i] == 0x7f)
			return false;
	return true;
}

/* "*", type/subtype or type/"*" (RFC 4975 accept-types format-entry). */
static bool is_media_type(struct agw_sdp_str s)
{
	const char *slash;

	if (sdp_str_eq(s, "*"))
		return true;
	slash = memchr(s.ptr, '/', s.len);
	return slash && sdp_is_token(sdp_str(s.ptr, slash)) &&
	       sdp_is_token(sdp_str(slash + 1, s.ptr + s.len));
}

static bool is_floorctrl_role(struct agw_sdp_str s)
{
	return sdp_str_ieq(s, "c-only") || sdp_str_ieq(s, "s-only") ||
	       sdp_str_ieq(s, "c-s");
}

static int parse_floorctrl(struct agw_sdp_attr *a, struct sdp_fail *f)
{
	struct agw_sdp_str role[8];
	int n, err;

	err = parse_list(a, is_floorctrl_role,
			 "expected floorctrl role c-only, s-only or c-s", f);
	if (err)
		return err;
	n = sdp_split(a->value, role, 8);
	if (n > 8)
		return fail(f, "too many floorctrl roles", a->value.ptr);
	a->floorctrl = 0;
	for (int i = 0; i < n; i++)
		a->floorctrl |= sdp_str_ieq(role[i], "c-only") ?
					AGW_SDP_FLOORCTRL_C_ONLY :
				sdp_str_ieq(role[i], "s-only") ?
					AGW_SDP_FLOORCTRL_S_ONLY :
					AGW_SDP_FLOORCTRL_C_S;
	return 0;
}

static int parse_id(struct agw_sdp_attr *a, uint32_t max, struct sdp_fail *f)
{
	uint64_t v = 0;

	if (a->value.len > 10)
		return fail(f, "number too large", a->value.ptr);
	for (uint32_t i = 0; i < a->value.len; i++) {
		char c = a->value.ptr[i];

		if (c < '0' || c > '9')
			return fail(f, "expected digits", a->value.ptr + i);
		v = v * 10 + (uint64_t)(c - '0');
	}
	if (v > max)
		return fail(f, "number too large", a->value.ptr);
	a->id = (uint32_t)v;
	return 0;
}

/* floor-id [SP "mstrm:" token *(SP token)]; RFC 8856 also names the
 * label list "m-stream:". */
static int parse_floorid(struct agw_sdp_attr *a, struct sdp_fail *f)
{
	const char *p = a->value.ptr, *end = p + a->value.len, *sp;
	struct agw_sdp_attr labels = *a;
	size_t skip;

	sp = memchr(p, ' ', a->value.len);
	a->floorid.id = sdp_str(p, sp ? sp : end);
	a->floorid.mstrm = sdp_str(end, end);
	if (!sdp_is_token(a->floorid.id))
		return fail(f, "expected a floor id", p);
	if (!sp)
		return 0;
	p = sp + 1;
	if (end - p > 6 && strncasecmp(p, "mstrm:", 6) == 0)
		skip = 6;
	else if (end - p > 9 && strncasecmp(p, "m-stream:", 9) == 0)
		skip = 9;
	else
		return fail(f, "expected mstrm: after the floor id", p);
	labels.value = sdp_str(p + skip, end);
	if (parse_list(&labels, sdp_is_token, "expected a stream label", f))
		return -EBADMSG;
	a->floorid.mstrm = labels.value;
	return 0;
}

static const struct {
	const char *name;
	enum agw_sdp_attr_type type;
} known[] = {
	{ "setup", AGW_SDP_ATTR_SETUP },
	{ "connection", AGW_SDP_ATTR_CONNECTION },
	{ "fingerprint", AGW_SDP_ATTR_FINGERPRINT },
	{ "path", AGW_SDP_ATTR_PATH },
	{ "accept-types", AGW_SDP_ATTR_ACCEPT_TYPES },
	{ "floorctrl", AGW_SDP_ATTR_FLOORCTRL },
	{ "confid", AGW_SDP_ATTR_CONFID },
	{ "userid", AGW_SDP_ATTR_USERID },
	{ "floorid", AGW_SDP_ATTR_FLOORID },
};

static int parse_keyword(struct agw_sdp_str v, const char *const *words,
			 int *out)
{
	for (int i = 0; words[i]; i++) {
		if (sdp_str_ieq(v, words[i])) {
			*out = i + 1;
			return 0;
		}
	}
	return -EBADMSG;
}

int sdp_attr_classify(struct agw_sdp_attr *a, struct sdp_fail *f)
{
	static const char *const setups[] = { "active", "passive", "actpass",
					      "holdconn", NULL };
	static const char *const connections[] = { "new", "existing", NULL };
	int k;

	memset(&a->fingerprint, 0, sizeof(a->fingerprint));
	a->type = AGW_SDP_ATTR_OTHER;
	a->choose = a->has_value && sdp_is_choose(a->value);
	if (!sdp_is_token(a->name))
		return fail(f, "expected an attribute name", a->name.ptr);
	if (a->has_value && a->value.len == 0)
		return fail(f, "empty attribute value", a->value.ptr);
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (sdp_str_ieq(a->name, known[i].name))
			a->type = known[i].type;
	if (a->type == AGW_SDP_ATTR_OTHER || a->choose)
		return 0;
	if (!a->has_value)
		return fail(f, "this attribute needs a value",
			    a->name.ptr + a->name.len);

	switch (a->type) {
	case AGW_SDP_ATTR_SETUP:
		if (parse_keyword(a->value, setups, &k))
			return fail(
				f,
				"expected active, passive, actpass or holdconn",
				a->value.ptr);
		a->setup = (enum agw_sdp_setup)k;
		return 0;
	case AGW_SDP_ATTR_CONNECTION:
		if (parse_keyword(a->value, connections, &k))
			return fail(f, "expected new or existing",
				    a->value.ptr);
		a->connection = (enum agw_sdp_connection)k;
		return 0;
	case AGW_SDP_ATTR_FINGERPRINT:
		return parse_fingerprint(a, f);
	case AGW_SDP_ATTR_PATH:
		return parse_list(a, is_msrp_uri,
				  "expected an msrp: or msrps: URI", f);
	case AGW_SDP_ATTR_ACCEPT_TYPES:
		return parse_list(a, is_media_type,
				  "expected a media type or *", f);
	case AGW_SDP_ATTR_FLOORCTRL:
		return parse_floorctrl(a, f);
	case AGW_SDP_ATTR_CONFID:
		return parse_id(a, UINT32_MAX, f);
	case AGW_SDP_ATTR_USERID:
		return parse_id(a, UINT16_MAX, f);
	case AGW_SDP_ATTR_FLOORID:
		return parse_floorid(a, f);
	case AGW_SDP_ATTR_OTHER:
		break;
	}
	return 0;
}
