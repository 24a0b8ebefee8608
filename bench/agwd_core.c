// SPDX-License-Identifier: GPL-2.0-only
/*
 * agwd core building blocks, each against a baseline from the same run:
 * - timer start+stop with 100k armed (one per transaction) vs a
 *   malloc+free pair (the allocation the embedded timer avoids);
 * - 100k due timers dispatched through the loop;
 * - TPKT reassembly of a stream in 1400-byte chunks vs memcpy of it;
 * - port allocation in a 90%-full pool vs an empty one (O(1) typical);
 * - a transaction through the reply cache (begin, store a 300-byte reply,
 *   retransmission lookup, ack) with 100k replies cached, vs the same in
 *   an empty cache.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agw/evloop.h"
#include "agw/h248_txn_cache.h"
#include "agw/log.h"
#include "agw/portpool.h"
#include "agw/tpkt.h"

#define NT 100000

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int fired;
static void count_cb(struct agw_timer *t)
{
	fired++;
}

static void bench_timers(void)
{
	struct agw_evloop *l;
	struct agw_timer *t = calloc(NT, sizeof(*t));
	void *volatile sink;
	double a, b, c;
	uint64_t base = agw_now_ms();

	agw_evloop_new(&l);
	for (int i = 0; i < NT; i++) {
		agw_timer_init(&t[i], count_cb, NULL);
		agw_timer_start_at(l, &t[i], base + 60000 + (i * 7919) % 30000);
	}
	/* re-arm and stop a timer while 100k others are armed */
	a = now_s();
	for (int r = 0; r < 10; r++)
		for (int i = 0; i < NT; i++) {
			agw_timer_stop(l, &t[i]);
			agw_timer_start_at(l, &t[i],
					   base + 60000 + (i * 31) % 30000);
		}
	b = now_s();
	for (int r = 0; r < 10; r++)
		for (int i = 0; i < NT; i++) {
			sink = malloc(64);
			free(sink);
		}
	c = now_s();
	printf("bench: timer_restart_100k_armed = %.1f ns\n",
	       (b - a) / (10.0 * NT) * 1e9);
	printf("bench: malloc_free_64 = %.1f ns\n",
	       (c - b) / (10.0 * NT) * 1e9);
	printf("bench: timer_restart_vs_malloc_ratio = %.2f (timer / malloc+free)\n",
	       (b - a) / (c - b));
	/* make all due now and dispatch */
	for (int i = 0; i < NT; i++)
		agw_timer_start_at(l, &t[i], base - 1 - i % 100);
	a = now_s();
	while (fired < NT)
		agw_evloop_run_once(l, 1000);
	b = now_s();
	printf("bench: timer_dispatch = %.1f ns per timer (%d fired)\n",
	       (b - a) / NT * 1e9, fired);
	agw_evloop_free(l);
	free(t);
}

static size_t delivered;
static int count_msg(void *arg, const uint8_t *m, size_t len)
{
	delivered += len;
	return 0;
}

static void bench_tpkt(void)
{
	static struct agw_tpkt_rx rx;
	size_t cap = 32 << 20, len = 0, msgs = 0;
	uint8_t *s = malloc(cap), *dst = malloc(cap);
	double a, b, c;
	const int rounds = 5;

	memset(dst, 0, cap); /* no page faults inside the baseline */
	/* messages of 200..1200 bytes, like H.248 with SDP */
	while (len + 1300 < cap) {
		size_t m = 200 + (msgs * 37) % 1000;

		agw_tpkt_header(s + len, m);
		memset(s + len + 4, 'A' + msgs % 26, m);
		len += m + 4;
		msgs++;
	}
	a = now_s();
	for (int r = 0; r < rounds; r++) {
		agw_tpkt_rx_init(&rx, 0);
		for (size_t off = 0; off < len; off += 1400)
			agw_tpkt_feed(&rx, s + off,
				      len - off < 1400 ? len - off : 1400,
				      count_msg, NULL);
	}
	b = now_s();
	for (int r = 0; r < rounds; r++)
		for (size_t off = 0; off < len; off += 1400)
			memcpy(dst + off, s + off,
			       len - off < 1400 ? len - off : 1400);
	c = now_s();
	if (delivered != rounds * (len - 4 * msgs)) {
		printf("bench: tpkt delivered %zu bytes, expected %zu\n",
		       delivered, rounds * (len - 4 * msgs));
		exit(1);
	}
	printf("bench: tpkt_reassembly = %.0f MB/s (%.0f ns per message)\n",
	       rounds * len / (b - a) / 1e6, (b - a) / (rounds * msgs) * 1e9);
	printf("bench: memcpy_1400 = %.0f MB/s\n",
	       rounds * len / (c - b) / 1e6);
	printf("bench: tpkt_vs_memcpy_ratio = %.2f (tpkt time / memcpy time)\n",
	       (b - a) / (c - b));
	free(s);
	free(dst);
}

static double alloc_ns(struct agw_portpool *p, int n)
{
	double a = now_s();

	for (int i = 0; i < n; i++) {
		int port = agw_portpool_alloc(p);

		agw_portpool_release(p, port);
	}
	return (now_s() - a) / n * 1e9;
}

static void bench_portpool(void)
{
	struct agw_portpool p;
	double empty, full;
	int n = 60000 * 9 / 10;

	agw_portpool_init(&p, 2000, 61999);
	empty = alloc_ns(&p, 2000000);
	/* 90% taken, scattered: every 10th port stays free */
	for (int port = 2000; port <= 61999; port++)
		if (port % 10)
			agw_portpool_reserve(&p, port);
	full = alloc_ns(&p, 2000000);
	printf("bench: portpool_alloc_release_empty = %.1f ns\n", empty);
	printf("bench: portpool_alloc_release_90pct = %.1f ns (%d of 60000 taken)\n",
	       full, n);
	printf("bench: portpool_90pct_vs_empty_ratio = %.2f (90%% full / empty)\n",
	       full / empty);
	agw_portpool_fini(&p);
}

static double txn_cycle_ns(struct agw_txn_cache *c, uint32_t base, int n)
{
	static const char reply[300] = "MEGACO/3 [10.0.0.2]:2944 P=1{}";
	struct agw_txn *t;
	double a = now_s();

	for (int i = 0; i < n; i++) {
		uint32_t tid = base + i;

		agw_txn_cache_begin(c, 42, tid, &t);
		agw_txn_cache_reply(c, t, reply, sizeof(reply));
		if (agw_txn_cache_begin(c, 42, tid, &t) != AGW_TXN_REPLIED)
			exit(1);
		agw_txn_cache_ack(c, 42, tid, tid);
	}
	return (now_s() - a) / n * 1e9;
}

static void bench_txn_cache(void)
{
	struct agw_evloop *l;
	struct agw_txn_cache *c;
	struct agw_txn *t;
	double empty, loaded;

	agw_evloop_new(&l);
	agw_txn_cache_new(l, 200000, 30000, &c);
	txn_cycle_ns(c, 1u << 29, 500000); /* warm: pages and pool */
	empty = txn_cycle_ns(c, 1u << 30, 500000);
	for (uint32_t i = 0; i < 100000; i++) {
		agw_txn_cache_begin(c, 7, i, &t);
		agw_txn_cache_reply(c, t, "cached", 6);
	}
	loaded = txn_cycle_ns(c, 1u << 31, 500000);
	printf("bench: txn_cache_cycle_empty = %.1f ns\n", empty);
	printf("bench: txn_cache_cycle_100k_cached = %.1f ns\n", loaded);
	printf("bench: txn_cache_100k_vs_empty_ratio = %.2f (100k cached / empty)\n",
	       loaded / empty);
	agw_txn_cache_free(c);
	agw_evloop_free(l);
}

int main(void)
{
	agw_log_open("bench", AGW_LOG_STDERR, AGW_LOG_ERR);
	bench_timers();
	bench_tpkt();
	bench_portpool();
	bench_txn_cache();
	return 0;
}
