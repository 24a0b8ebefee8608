// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer harness for TPKT reassembly (lib/tpkt.c). Property: feeding a
 * stream in chunks of any sizes gives exactly the messages, the error and
 * the offending header bytes that feeding it whole gives; every message
 * lies within the stream and within max_payload.
 *
 * Input: byte 0 picks max_payload, byte 1 after how many messages the
 * callback refuses (0: never), bytes 2-9 seed the chunk sizes; the rest is
 * the stream.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "agw/tpkt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct record {
	uint8_t *buf; /* message bytes, each preceded by its length */
	size_t len, cap;
	unsigned int n, refuse_after;
	size_t max_payload;
};

static int rec(void *arg, const uint8_t *msg, size_t len)
{
	struct record *r = arg;

	if (!len || len > r->max_payload || r->len + 4 + len > r->cap)
		abort();
	r->buf[r->len++] = len >> 24;
	r->buf[r->len++] = len >> 16;
	r->buf[r->len++] = len >> 8;
	r->buf[r->len++] = len;
	memcpy(r->buf + r->len, msg, len);
	r->len += len;
	if (++r->n == r->refuse_after)
		return -ECANCELED;
	return 0;
}

static uint64_t next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct agw_tpkt_rx a, b;
	static const size_t maxes[] = {
		0, 1, 7, 64, 1000, AGW_TPKT_MAX_PAYLOAD
	};
	struct record ra = { 0 }, rb = { 0 };
	const uint8_t *s;
	size_t n, off = 0, max;
	uint64_t seed = 0x9e3779b97f4a7c15ULL;
	int ea, eb = 0;

	if (size < 10)
		return 0;
	max = maxes[data[0] % 6];
	ra.refuse_after = rb.refuse_after = data[1] % 8;
	for (int i = 0; i < 8; i++)
		seed = seed * 131 + data[2 + i];
	if (!seed)
		seed = 1;
	s = data + 10;
	n = size - 10;
	/* a message costs at least 5 stream bytes and is recorded in at
	 * most 4 + its own */
	ra.cap = rb.cap = 2 * n + 8;
	ra.buf = malloc(ra.cap);
	rb.buf = malloc(rb.cap);
	if (!ra.buf || !rb.buf)
		abort();
	agw_tpkt_rx_init(&a, max);
	agw_tpkt_rx_init(&b, max);
	ra.max_payload = rb.max_payload = a.max_payload;

	ea = agw_tpkt_feed(&a, s, n, rec, &ra);
	while (off < n && !eb) {
		size_t chunk;

		switch (next(&seed) % 4) {
		case 0:
			chunk = 1;
			break;
		case 1:
			chunk = 1 + next(&seed) % 5;
			break;
		case 2:
			chunk = 1 + next(&seed) % 300;
			break;
		default:
			chunk = 1 + next(&seed) % (n - off);
			break;
		}
		if (chunk > n - off)
			chunk = n - off;
		eb = agw_tpkt_feed_at(&b, s + off, chunk, off, rec, &rb);
		off += chunk;
	}
	if (ea != eb || ra.n != rb.n || ra.len != rb.len ||
	    memcmp(ra.buf, rb.buf, ra.len))
		abort();
	if (ea != 0 && ea != -EPROTO && ea != -EMSGSIZE && ea != -ECANCELED)
		abort();
	if ((ea == -EPROTO || ea == -EMSGSIZE) &&
	    memcmp(a.bad_hdr, b.bad_hdr, AGW_TPKT_HDR))
		abort();
	/* a clean end holds exactly the trailing partial packet */
	if (!ea && a.have != b.have)
		abort();
	free(ra.buf);
	free(rb.buf);
	return 0;
}
