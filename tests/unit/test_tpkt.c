// SPDX-License-Identifier: GPL-2.0-only
/* TPKT framing: every split point, several per chunk, bad headers. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "agw/tpkt.h"

struct got {
	int n;
	char msgs[8][600];
	size_t lens[8];
};

static int collect(void *arg, const uint8_t *msg, size_t len)
{
	struct got *g = arg;

	ck_assert_int_lt(g->n, 8);
	ck_assert_uint_lt(len, sizeof(g->msgs[0]));
	memcpy(g->msgs[g->n], msg, len);
	g->lens[g->n++] = len;
	return 0;
}

/* Three messages of different sizes framed back to back. */
static const char *const msgs[] = {
	"MEGACO/1 [127.0.0.1]:2944 Transaction=1{Context=-{ServiceChange=ROOT{Services{Method=Restart}}}}",
	"!/1 [10.0.0.1] P=2{C=-{AV=ROOT}}",
	"x",
};

static size_t build_stream(uint8_t *out)
{
	size_t off = 0;

	for (size_t i = 0; i < 3; i++) {
		size_t l = strlen(msgs[i]);

		ck_assert_int_eq(agw_tpkt_header(out + off, l), 0);
		memcpy(out + off + 4, msgs[i], l);
		off += 4 + l;
	}
	return off;
}

static void assert_all(const struct got *g)
{
	ck_assert_int_eq(g->n, 3);
	for (int i = 0; i < 3; i++) {
		ck_assert_uint_eq(g->lens[i], strlen(msgs[i]));
		ck_assert(!memcmp(g->msgs[i], msgs[i], g->lens[i]));
	}
}

START_TEST(header_bytes)
{
	uint8_t h[4];

	ck_assert_int_eq(agw_tpkt_header(h, 0x123), 0);
	ck_assert_uint_eq(h[0], 3);
	ck_assert_uint_eq(h[1], 0);
	ck_assert_uint_eq(h[2], 0x01);
	ck_assert_uint_eq(h[3], 0x27);
	ck_assert_int_eq(agw_tpkt_header(h, 65531), 0);
	ck_assert_uint_eq(h[2], 0xff);
	ck_assert_uint_eq(h[3], 0xff);
	ck_assert_int_eq(agw_tpkt_header(h, 65532), -EMSGSIZE);
}
END_TEST

START_TEST(all_in_one_chunk)
{
	static struct agw_tpkt_rx rx;
	uint8_t s[1024];
	size_t n = build_stream(s);
	struct got g = { 0 };

	agw_tpkt_rx_init(&rx, 0);
	ck_assert_int_eq(agw_tpkt_feed(&rx, s, n, collect, &g), 0);
	assert_all(&g);
	ck_assert_uint_eq(rx.have, 0);
}
END_TEST

/* Two chunks, split at every byte position of the stream. */
START_TEST(every_single_split_point)
{
	static struct agw_tpkt_rx rx;
	uint8_t s[1024];
	size_t n = build_stream(s);

	for (size_t cut = 0; cut <= n; cut++) {
		struct got g = { 0 };

		agw_tpkt_rx_init(&rx, 0);
		ck_assert_int_eq(agw_tpkt_feed(&rx, s, cut, collect, &g), 0);
		ck_assert_int_eq(
			agw_tpkt_feed(&rx, s + cut, n - cut, collect, &g), 0);
		assert_all(&g);
	}
}
END_TEST

/* Three chunks: every pair of split points. */
START_TEST(every_pair_of_split_points)
{
	static struct agw_tpkt_rx rx;
	uint8_t s[1024];
	size_t n = build_stream(s);

	for (size_t a = 0; a <= n; a++) {
		for (size_t b = a; b <= n; b++) {
			struct got g = { 0 };

			agw_tpkt_rx_init(&rx, 0);
			ck_assert_int_eq(agw_tpkt_feed(&rx, s, a, collect, &g),
					 0);
			ck_assert_int_eq(agw_tpkt_feed(&rx, s + a, b - a,
						       collect, &g),
					 0);
			ck_assert_int_eq(agw_tpkt_feed(&rx, s + b, n - b,
						       collect, &g),
					 0);
			assert_all(&g);
		}
	}
}
END_TEST

START_TEST(byte_by_byte)
{
	static struct agw_tpkt_rx rx;
	uint8_t s[1024];
	size_t n = build_stream(s);
	struct got g = { 0 };

	agw_tpkt_rx_init(&rx, 0);
	for (size_t i = 0; i < n; i++) {
		ck_assert_int_eq(agw_tpkt_feed(&rx, s + i, 1, collect, &g), 0);
		/* a message is delivered exactly when its last byte arrives */
		ck_assert_int_eq(g.n,
				 (i + 1 >= 4 + strlen(msgs[0])) +
					 (i + 1 >= 8 + strlen(msgs[0]) +
							   strlen(msgs[1])) +
					 (i + 1 == n));
	}
	assert_all(&g);
}
END_TEST

static const struct {
	uint8_t hdr[4];
	int err;
} bad[] = {
	{ { 2, 0, 0, 10 }, -EPROTO }, /* version */
	{ { 3, 1, 0, 10 }, -EPROTO }, /* reserved */
	{ { 3, 0, 0, 4 }, -EPROTO }, /* empty payload */
	{ { 3, 0, 0, 0 }, -EPROTO }, /* shorter than the header */
	{ { 'M', 'E', 'G', 'A' }, -EPROTO }, /* unframed text */
	{ { 3, 0, 0x01, 0x05 }, -EMSGSIZE }, /* 257 > max 256 */
};

START_TEST(bad_headers_fail_at_any_split)
{
	static struct agw_tpkt_rx rx;

	for (size_t cut = 0; cut <= 4; cut++) {
		struct got g = { 0 };
		int r;

		agw_tpkt_rx_init(&rx, 256);
		r = agw_tpkt_feed(&rx, bad[_i].hdr, cut, collect, &g);
		if (cut < 4) {
			ck_assert_int_eq(r, 0);
			r = agw_tpkt_feed(&rx, bad[_i].hdr + cut, 4 - cut,
					  collect, &g);
		}
		ck_assert_int_eq(r, bad[_i].err);
		ck_assert_int_eq(g.n, 0);
	}
}
END_TEST

START_TEST(bad_header_after_good_message)
{
	static struct agw_tpkt_rx rx;
	uint8_t s[64] = { 3, 0, 0, 6, 'o', 'k', 2, 0, 0, 9 };
	struct got g = { 0 };

	agw_tpkt_rx_init(&rx, 0);
	ck_assert_int_eq(agw_tpkt_feed(&rx, s, 10, collect, &g), -EPROTO);
	ck_assert_int_eq(g.n, 1);
	ck_assert_uint_eq(g.lens[0], 2);
}
END_TEST

static int refuse(void *arg, const uint8_t *msg, size_t len)
{
	++*(int *)arg;
	return -ECANCELED;
}

/* Stray bytes before a frame: the error names the header bytes seen. */
START_TEST(stray_bytes_named)
{
	static struct agw_tpkt_rx rx;
	struct got g = { 0 };
	uint8_t s[32] = { '\r', '\n', 3, 0, 0, 7, 'a', 'b', 'c' };
	char hx[16];

	agw_tpkt_rx_init(&rx, 0);
	ck_assert_int_eq(agw_tpkt_feed(&rx, s, 9, collect, &g), -EPROTO);
	ck_assert_str_eq(agw_tpkt_bad_hdr_str(&rx, hx, sizeof(hx)),
			 "0d 0a 03 00");
	/* the same split after the stray bytes */
	agw_tpkt_rx_init(&rx, 0);
	ck_assert_int_eq(agw_tpkt_feed(&rx, s, 2, collect, &g), 0);
	ck_assert_int_eq(agw_tpkt_feed(&rx, s + 2, 7, collect, &g), -EPROTO);
	ck_assert_str_eq(agw_tpkt_bad_hdr_str(&rx, hx, sizeof(hx)),
			 "0d 0a 03 00");
	/* above the limit */
	agw_tpkt_rx_init(&rx, 10);
	s[0] = 3, s[1] = 0, s[2] = 0x01, s[3] = 0x00;
	ck_assert_int_eq(agw_tpkt_feed(&rx, s, 4, collect, &g), -EMSGSIZE);
	ck_assert_str_eq(agw_tpkt_bad_hdr_str(&rx, hx, sizeof(hx)),
			 "03 00 01 00");
	ck_assert_int_eq(g.n, 0);
}
END_TEST

/* The partial packet's age: from its first byte, not its last. */
START_TEST(partial_packet_expires)
{
	static struct agw_tpkt_rx rx;
	struct got g = { 0 };
	uint8_t s[16];

	agw_tpkt_header(s, 3);
	memcpy(s + 4, "abc", 3);
	agw_tpkt_header(s + 7, 3);
	memcpy(s + 11, "def", 3);
	agw_tpkt_rx_init(&rx, 0);
	ck_assert(!agw_tpkt_rx_expired(&rx, 100000, 1000));
	ck_assert_int_eq(agw_tpkt_feed_at(&rx, s, 2, 1000, collect, &g), 0);
	ck_assert(!agw_tpkt_rx_expired(&rx, 1999, 1000));
	ck_assert_int_eq(agw_tpkt_feed_at(&rx, s + 2, 2, 1900, collect, &g),
			 0);
	ck_assert(agw_tpkt_rx_expired(&rx, 2000, 1000));
	/* complete: nothing partial; the next packet's clock starts anew */
	ck_assert_int_eq(agw_tpkt_feed_at(&rx, s + 4, 5, 2500, collect, &g),
			 0);
	ck_assert_int_eq(g.n, 1);
	ck_assert(!agw_tpkt_rx_expired(&rx, 3400, 1000));
	ck_assert(agw_tpkt_rx_expired(&rx, 3500, 1000));
	ck_assert_int_eq(agw_tpkt_feed_at(&rx, s + 9, 5, 3600, collect, &g),
			 0);
	ck_assert_int_eq(g.n, 2);
	ck_assert(!agw_tpkt_rx_expired(&rx, 99999, 1000));
}
END_TEST

START_TEST(callback_error_stops_feed)
{
	static struct agw_tpkt_rx rx;
	uint8_t s[1024];
	size_t n = build_stream(s);
	int calls = 0;

	agw_tpkt_rx_init(&rx, 0);
	ck_assert_int_eq(agw_tpkt_feed(&rx, s, n, refuse, &calls), -ECANCELED);
	ck_assert_int_eq(calls, 1);
}
END_TEST

static uint8_t seen[AGW_TPKT_MAX_PACKET];
static size_t seen_len;
static int calls;

static int cb(void *arg, const uint8_t *m, size_t l)
{
	memcpy(seen, m, l);
	seen_len = l;
	calls++;
	return 0;
}

START_TEST(largest_packet)
{
	static struct agw_tpkt_rx rx;
	static uint8_t s[AGW_TPKT_MAX_PACKET];
	for (size_t i = 4; i < sizeof(s); i++)
		s[i] = i * 7;
	ck_assert_int_eq(agw_tpkt_header(s, AGW_TPKT_MAX_PAYLOAD), 0);
	agw_tpkt_rx_init(&rx, 0);
	ck_assert_int_eq(agw_tpkt_feed(&rx, s, 1000, cb, NULL), 0);
	ck_assert_int_eq(
		agw_tpkt_feed(&rx, s + 1000, sizeof(s) - 1000, cb, NULL), 0);
	ck_assert_int_eq(calls, 1);
	ck_assert_uint_eq(seen_len, AGW_TPKT_MAX_PAYLOAD);
	ck_assert(!memcmp(seen, s + 4, seen_len));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("tpkt");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, header_bytes);
	tcase_add_test(tc, all_in_one_chunk);
	tcase_add_test(tc, every_single_split_point);
	tcase_add_test(tc, every_pair_of_split_points);
	tcase_add_test(tc, byte_by_byte);
	tcase_add_loop_test(tc, bad_headers_fail_at_any_split, 0,
			    sizeof(bad) / sizeof(bad[0]));
	tcase_add_test(tc, bad_header_after_good_message);
	tcase_add_test(tc, callback_error_stops_feed);
	tcase_add_test(tc, stray_bytes_named);
	tcase_add_test(tc, partial_packet_expires);
	tcase_add_test(tc, largest_packet);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
