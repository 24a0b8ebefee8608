// SPDX-License-Identifier: GPL-2.0-only
/*
 * SDP field syntax shared by the parser and the setters: tokens, field
 * splitting and the addrtype/address pair of c= and o= lines.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "sdp_priv.h"

bool sdp_str_same(struct agw_sdp_str a, struct agw_sdp_str b)
{
	return a.len == b.len &&
	       (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

/* RFC 8866 token-char: %x21 / %x23-27 / %x2A-2B / %x2D-2E / %x30-39 /
 * %x41-5A / %x5E-7E. */
bool sdp_is_token_char(unsigned char c)
{
	return c == 0x21 || (c >= 0x23 && c <= 0x27) || c == 0x2a ||
	       c == 0x2b || c == 0x2d || c == 0x2e ||
	       (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) ||
	       (c >= 0x5e && c <= 0x7e);
}

bool sdp_is_token(struct agw_sdp_str s)
{
	if (s.len == 0)
		return false;
	for (uint32_t i = 0; i < s.len; i++)
		if (!sdp_is_token_char((unsigned char)s.ptr[i]))
			return false;
	return true;
}

bool sdp_is_choose(struct agw_sdp_str s)
{
	return s.len == 1 && s.ptr[0] == '$';
}

int sdp_split(struct agw_sdp_str s, struct agw_sdp_str *out, int max)
{
	const char *p = s.ptr, *end = s.ptr + s.len;
	int n = 0;

	for (;;) {
		while (p < end && *p == ' ')
			p++;
		if (p == end)
			return n;
		if (n == max)
			return max + 1;
		const char *start = p;

		while (p < end && *p != ' ')
			p++;
		out[n++] = sdp_str(start, p);
	}
}

static bool is_digits(const char *p, const char *end)
{
	if (p == end)
		return false;
	for (; p < end; p++)
		if (*p < '0' || *p > '9')
			return false;
	return true;
}

/* A domain name as RFC 8866 allows in c= (FQDN): letters, digits, '-' and
 * '.', with at least one letter so it cannot be a mangled IPv4 address. */
static bool is_fqdn(const char *p, const char *end)
{
	bool letter = false;

	if (p == end || end - p > 255)
		return false;
	for (; p < end; p++) {
		unsigned char c = (unsigned char)*p;

		if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')
			letter = true;
		else if (!(c >= '0' && c <= '9') && c != '-' && c != '.')
			return false;
	}
	return letter;
}

/* "/ttl" or "/ttl/n" after a multicast address (RFC 8866 5.7). */
static bool is_addr_suffix(const char *p, const char *end)
{
	const char *slash;

	if (p == end || *p != '/')
		return false;
	p++;
	slash = memchr(p, '/', (size_t)(end - p));
	if (!slash)
		return is_digits(p, end);
	return is_digits(p, slash) && is_digits(slash + 1, end);
}

int sdp_addr_parse(struct agw_sdp_addr *a, struct agw_sdp_str addrtype,
		   struct agw_sdp_str addr, bool allow_suffix,
		   struct sdp_fail *f)
{
	const char *p = addr.ptr, *end = addr.ptr + addr.len, *slash;
	char text[INET6_ADDRSTRLEN];
	size_t n;

	memset(a, 0, sizeof(*a));
	if (sdp_str_eq(addrtype, "IP4")) {
		a->family = AGW_SDP_FAMILY_IP4;
	} else if (sdp_str_eq(addrtype, "IP6")) {
		a->family = AGW_SDP_FAMILY_IP6;
	} else if (sdp_is_choose(addrtype)) {
		a->family = AGW_SDP_FAMILY_CHOOSE;
	} else {
		f->why = "expected addrtype IP4, IP6 or $";
		f->at = addrtype.ptr;
		return -EBADMSG;
	}
	if (sdp_is_choose(addr)) {
		a->kind = AGW_SDP_ADDR_CHOOSE;
		return 0;
	}
	slash = memchr(p, '/', addr.len);
	if (slash) {
		if (!allow_suffix || !is_addr_suffix(slash, end)) {
			f->why = "bad address suffix, expected /ttl[/count]";
			f->at = slash;
			return -EBADMSG;
		}
		a->suffix = sdp_str(slash, end);
		end = slash;
	}
	n = (size_t)(end - p);
	if (n > 0 && n < sizeof(text)) {
		memcpy(text, p, n);
		text[n] = '\0';
		if (a->family != AGW_SDP_FAMILY_IP6 &&
		    inet_pton(AF_INET, text, &a->v4) == 1) {
			a->kind = AGW_SDP_ADDR_IP4;
			return 0;
		}
		if (a->family != AGW_SDP_FAMILY_IP4 &&
		    inet_pton(AF_INET6, text, &a->v6) == 1) {
			a->kind = AGW_SDP_ADDR_IP6;
			return 0;
		}
	}
	memset(&a->v6, 0, sizeof(a->v6));
	if (is_fqdn(p, end)) {
		a->kind = AGW_SDP_ADDR_FQDN;
		a->fqdn = sdp_str(p, end);
		return 0;
	}
	f->why = a->family == AGW_SDP_FAMILY_IP4 ? "expected an IPv4 address" :
		 a->family == AGW_SDP_FAMILY_IP6 ? "expected an IPv6 address" :
						   "expected an address";
	f->at = p;
	return -EBADMSG;
}
