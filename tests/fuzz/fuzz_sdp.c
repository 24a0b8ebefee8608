// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer harness for the SDP parser. Properties checked on every input:
 * - a refused body gives code 474 or 510, an offset inside the body and a
 *   reason;
 * - an accepted body generates, the generated body parses to an equal
 *   structure, and generating that again gives the same octets;
 * - filling every "$" the way agwd does gives a body without "$" that
 *   parses back to what was set;
 * - agw_sdp_set_attr() with a value from the input either refuses it and
 *   changes nothing, or the value survives generate -> parse;
 * - agw_sdp_copy() gives an equal structure.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agw/sdp.h"

#define GEN_SIZE (2 * AGW_SDP_MAX_BODY + 4096)

#define CHECK(cond)                                                     \
	do {                                                            \
		if (!(cond)) {                                          \
			fprintf(stderr, "%s:%d: property failed: %s\n", \
				__FILE__, __LINE__, #cond);             \
			abort();                                        \
		}                                                       \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct agw_sdp a, b, c;
static char gen1[GEN_SIZE], gen2[GEN_SIZE];

/* A regenerated body may only be refused for a limit (it can grow). */
static void rc_or_limit(int rc, const struct agw_sdp_error *err)
{
	CHECK(rc == 0 || (rc == -E2BIG && err->code == AGW_SDP_ERR_LIMIT));
}

static void check_filled(void)
{
	static const char fp[] =
		"sha-256 4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:49:6B:"
		"19:E5:7C:AB:1C:6F:5F:A9:4A:9E:2A:E8:29:3F:1C:60";
	struct in_addr v4 = { htonl(0xc0000201) };
	struct agw_sdp_error err = { 0 };
	int n;

	if (a.has_origin && (a.origin.addr.kind == AGW_SDP_ADDR_CHOOSE ||
			     a.origin.addr.family == AGW_SDP_FAMILY_CHOOSE))
		CHECK(agw_sdp_addr_set(&a.origin.addr, AF_INET, &v4) == 0);
	if (a.has_conn)
		CHECK(agw_sdp_set_conn(&a, -1, AF_INET, &v4) == 0);
	for (int i = 0; i < a.n_media; i++) {
		int rc;

		if (a.media[i].port_choose)
			CHECK(agw_sdp_set_port(&a, (unsigned int)i, 9) == 0);
		rc = agw_sdp_set_conn(&a, i, AF_INET, &v4);
		CHECK(rc == 0 || rc == -E2BIG);
		rc = agw_sdp_set_attr(&a, i, "fingerprint", fp);
		CHECK(rc >= 0 || rc == -E2BIG);
		rc = agw_sdp_set_attr(&a, i, "setup", "passive");
		CHECK(rc >= 0 || rc == -E2BIG);
	}
	for (int i = 0; i < a.n_attrs; i++)
		if (a.attrs[i].choose)
			a.attrs[i].deleted = true;
	CHECK(!agw_sdp_has_choose(&a));
	n = agw_sdp_generate(&a, gen1, sizeof(gen1), 0);
	CHECK(n >= 0);
	CHECK(memchr(gen1, '\0', (size_t)n) == NULL);
	CHECK(agw_sdp_parse(&b, gen1, (size_t)n, &err) == 0 ||
	      err.code == AGW_SDP_ERR_LIMIT);
	if (err.code != AGW_SDP_ERR_LIMIT)
		CHECK(agw_sdp_equal(&a, &b));
}

/*
 * agw_sdp_set_attr() with a value taken from the input (its first line):
 * a value it accepts must come back from generate -> parse unchanged, one
 * it refuses must change nothing.
 */
static void check_set_attr(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "setup",	     "connection",
					     "fingerprint",  "path",
					     "accept-types", "floorctrl",
					     "confid",	     "userid",
					     "floorid",	     "x-other" };
	struct agw_sdp_error err = { 0 };
	const char *name;
	char value[256];
	size_t n = 0;
	int idx, len;

	if (size < 2 || a.n_media == 0)
		return;
	name = names[data[0] % (sizeof(names) / sizeof(names[0]))];
	while (n + 1 < size && n < sizeof(value) - 1 && data[n + 1] != '\n' &&
	       data[n + 1] != '\0') {
		value[n] = (char)data[n + 1];
		n++;
	}
	value[n] = '\0';
	agw_sdp_copy(&c, &a);
	idx = agw_sdp_set_attr(&a, 0, name, value);
	if (idx < 0) {
		CHECK(idx == -EINVAL || idx == -E2BIG);
		CHECK(agw_sdp_equal(&a, &c));
		return;
	}
	CHECK(a.attrs[idx].media == 0 && !a.attrs[idx].deleted);
	len = agw_sdp_generate(&a, gen1, sizeof(gen1), AGW_SDP_GEN_KEEP_CHOOSE);
	CHECK(len >= 0);
	rc_or_limit(agw_sdp_parse(&b, gen1, (size_t)len, &err), &err);
	if (err.code == 0) {
		CHECK(agw_sdp_equal(&a, &b));
		CHECK(agw_sdp_find_attr(&b, 0, a.attrs[idx].type) != NULL);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct agw_sdp_error err = { 0 };
	int rc, n, m;

	rc = agw_sdp_parse(&a, (const char *)data, size, &err);
	if (rc) {
		CHECK(rc == -EBADMSG || rc == -E2BIG);
		CHECK(err.code == (rc == -EBADMSG ? AGW_SDP_ERR_SYNTAX :
						    AGW_SDP_ERR_LIMIT));
		CHECK(err.offset <= size);
		CHECK(err.reason[0] != '\0');
		return 0;
	}
	n = agw_sdp_generate(&a, gen1, sizeof(gen1), AGW_SDP_GEN_KEEP_CHOOSE);
	CHECK(n >= 0);
	rc = agw_sdp_parse(&b, gen1, (size_t)n, &err);
	if (rc) {
		fprintf(stderr, "regenerated body refused at %zu: %s\n%.*s\n",
			err.offset, err.reason, n, gen1);
		CHECK(rc == 0);
	}
	CHECK(agw_sdp_equal(&a, &b));
	m = agw_sdp_generate(&b, gen2, sizeof(gen2), AGW_SDP_GEN_KEEP_CHOOSE);
	CHECK(m == n && memcmp(gen1, gen2, (size_t)n) == 0);
	CHECK(agw_sdp_generate(&a, gen2, sizeof(gen2), 0) ==
	      (agw_sdp_has_choose(&a) ? -EINVAL : n));

	agw_sdp_copy(&c, &a);
	CHECK(agw_sdp_equal(&a, &c));
	check_set_attr(data, size);
	/* check_set_attr() may have changed a: start again from the input. */
	CHECK(agw_sdp_parse(&a, (const char *)data, size, &err) == 0);
	check_filled();
	return 0;
}
