// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer harness for the SDP parser. Properties checked on every input:
 * - a refused body gives code 474 or 510, an offset inside the body and a
 *   reason;
 * - an accepted body generates, the generated body parses to an equal
 *   structure, and generating that again gives the same octets;
 * - filling every "$" the way agwd does gives a body without "$" that
 *   parses back to what was set;
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
	check_filled();
	return 0;
}
