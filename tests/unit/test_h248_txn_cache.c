// SPDX-License-Identifier: GPL-2.0-only
/* Reply cache: retransmissions, long timer, acks, capacity, big replies. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "agw/evloop.h"
#include "agw/h248_txn_cache.h"
#include "agw/log.h"

static struct agw_evloop *loop;

static void setup(void)
{
	ck_assert_int_eq(agw_evloop_new(&loop), 0);
}

static void teardown(void)
{
	agw_evloop_free(loop);
}

START_TEST(retransmission_gets_pending_then_same_bytes)
{
	struct agw_txn_cache *c;
	struct agw_txn *t, *t2;
	uint64_t mgc = agw_txn_sender_key("[10.0.0.1]:2944", 15);
	const char reply[] = "MEGACO/3 [10.0.0.2]:2944 P=7{C=1{A=ip/1}}";

	ck_assert_int_eq(agw_txn_cache_new(loop, 16, 30000, &c), 0);
	ck_assert_int_eq(agw_txn_cache_begin(c, mgc, 7, &t), AGW_TXN_NEW);
	ck_assert_int_eq(agw_txn_cache_begin(c, mgc, 7, &t2),
			 AGW_TXN_EXECUTING);
	ck_assert_ptr_eq(t, t2);
	ck_assert_int_eq(agw_txn_cache_reply(c, t, reply, sizeof(reply)), 0);
	ck_assert_int_eq(agw_txn_cache_reply(c, t, reply, sizeof(reply)),
			 -EINVAL);
	ck_assert_int_eq(agw_txn_cache_begin(c, mgc, 7, &t2), AGW_TXN_REPLIED);
	ck_assert_uint_eq(t2->reply_len, sizeof(reply));
	ck_assert(!memcmp(t2->reply, reply, sizeof(reply)));
	/* same ID from another sender is another transaction */
	ck_assert_int_eq(agw_txn_cache_begin(c, mgc + 1, 7, &t2), AGW_TXN_NEW);
	ck_assert_ptr_ne(t, t2);
	ck_assert_uint_eq(agw_txn_cache_count(c), 2);
	agw_txn_cache_free(c);
}
END_TEST

START_TEST(long_timer_expires_replies_only)
{
	struct agw_txn_cache *c;
	struct agw_txn *t, *exec;
	uint64_t end;

	ck_assert_int_eq(agw_txn_cache_new(loop, 16, 50, &c), 0);
	ck_assert_int_eq(agw_txn_cache_begin(c, 1, 1, &t), AGW_TXN_NEW);
	ck_assert_int_eq(agw_txn_cache_reply(c, t, "r", 1), 0);
	ck_assert_int_eq(agw_txn_cache_begin(c, 1, 2, &exec), AGW_TXN_NEW);
	end = agw_now_ms() + 20000;
	while (agw_txn_cache_count(c) > 1 && agw_now_ms() < end)
		agw_evloop_run_once(loop, 100);
	ck_assert_uint_eq(agw_txn_cache_count(c), 1);
	/* after the long timer a retransmission is a new request */
	ck_assert_int_eq(agw_txn_cache_begin(c, 1, 1, &t), AGW_TXN_NEW);
	ck_assert_int_eq(agw_txn_cache_begin(c, 1, 2, &t), AGW_TXN_EXECUTING);
	agw_txn_cache_free(c);
}
END_TEST

START_TEST(ack_ranges)
{
	struct agw_txn_cache *c;
	struct agw_txn *t;

	ck_assert_int_eq(agw_txn_cache_new(loop, 64, 30000, &c), 0);
	for (uint32_t id = 10; id < 20; id++) {
		ck_assert_int_eq(agw_txn_cache_begin(c, 5, id, &t),
				 AGW_TXN_NEW);
		if (id != 15) /* 15 is still executing */
			ck_assert_int_eq(agw_txn_cache_reply(c, t, "x", 1), 0);
	}
	ck_assert_int_eq(agw_txn_cache_begin(c, 6, 12, &t), AGW_TXN_NEW);
	ck_assert_int_eq(agw_txn_cache_reply(c, t, "y", 1), 0);
	/* K{12-16}: 12,13,14,16 of sender 5 go; 15 executes; sender 6 stays */
	ck_assert_uint_eq(agw_txn_cache_ack(c, 5, 12, 16), 4);
	ck_assert_int_eq(agw_txn_cache_begin(c, 5, 13, &t), AGW_TXN_NEW);
	agw_txn_cache_drop(c, t);
	ck_assert_int_eq(agw_txn_cache_begin(c, 5, 15, &t), AGW_TXN_EXECUTING);
	ck_assert_int_eq(agw_txn_cache_begin(c, 6, 12, &t), AGW_TXN_REPLIED);
	/* a huge range walks the slab instead of the IDs */
	ck_assert_uint_eq(agw_txn_cache_ack(c, 5, 0, UINT32_MAX), 5);
	ck_assert_uint_eq(agw_txn_cache_ack(c, 5, 9, 3), 0);
	ck_assert_uint_eq(agw_txn_cache_count(c), 2);
	agw_txn_cache_free(c);
}
END_TEST

START_TEST(capacity_and_reuse)
{
	struct agw_txn_cache *c;
	struct agw_txn *t;

	ck_assert_int_eq(agw_txn_cache_new(loop, 100, 30000, &c), 0);
	ck_assert_uint_eq(agw_txn_cache_capacity(c), 100);
	for (uint32_t id = 0; id < 100; id++) {
		ck_assert_int_eq(agw_txn_cache_begin(c, 9, id, &t),
				 AGW_TXN_NEW);
		ck_assert_int_eq(agw_txn_cache_reply(c, t, &id, sizeof(id)), 0);
	}
	/* every entry still answers with its own bytes */
	for (uint32_t id = 0; id < 100; id++) {
		ck_assert_int_eq(agw_txn_cache_begin(c, 9, id, &t),
				 AGW_TXN_REPLIED);
		ck_assert(!memcmp(t->reply, &id, sizeof(id)));
	}
	ck_assert_uint_eq(agw_txn_cache_ack(c, 9, 50, 50), 1);
	ck_assert_int_eq(agw_txn_cache_begin(c, 9, 100, &t), AGW_TXN_NEW);
	ck_assert_uint_eq(agw_txn_cache_evicted(c), 0);
	/* full: the oldest reply (T=0) makes room for T=101 */
	ck_assert_int_eq(agw_txn_cache_begin(c, 9, 101, &t), AGW_TXN_NEW);
	ck_assert_uint_eq(agw_txn_cache_evicted(c), 1);
	ck_assert_uint_eq(agw_txn_cache_count(c), 100);
	ck_assert_int_eq(agw_txn_cache_begin(c, 9, 1, &t), AGW_TXN_REPLIED);
	ck_assert_int_eq(agw_txn_cache_begin(c, 9, 0, &t), AGW_TXN_NEW);
	ck_assert_uint_eq(agw_txn_cache_evicted(c), 2); /* T=1 went */
	ck_assert_int_eq(agw_txn_cache_new(loop, 0, 1, &c), -EINVAL);
	agw_txn_cache_free(c);
}
END_TEST

/* An MGC that never acks: thousands of requests through a small table,
 * each one admitted; only executing entries can fill it. */
START_TEST(no_ack_evicts_oldest)
{
	struct agw_txn_cache *c;
	struct agw_txn *t, *exec[8];

	ck_assert_int_eq(agw_txn_cache_new(loop, 8, 30000, &c), 0);
	for (uint32_t id = 1; id <= 5000; id++) {
		ck_assert_int_eq(agw_txn_cache_begin(c, 3, id, &t),
				 AGW_TXN_NEW);
		ck_assert_int_eq(agw_txn_cache_reply(c, t, "r", 1), 0);
		ck_assert_uint_le(agw_txn_cache_count(c), 8);
	}
	ck_assert_uint_eq(agw_txn_cache_evicted(c), 5000 - 8);
	/* the newest 8 replies are the ones kept, in order of age */
	for (uint32_t id = 4993; id <= 5000; id++)
		ck_assert_int_eq(agw_txn_cache_begin(c, 3, id, &t),
				 AGW_TXN_REPLIED);
	/* an ack in the middle of the age list keeps it consistent */
	ck_assert_uint_eq(agw_txn_cache_ack(c, 3, 4995, 4996), 2);
	for (int i = 0; i < 8; i++)
		ck_assert_int_eq(agw_txn_cache_begin(c, 4, i, &exec[i]),
				 AGW_TXN_NEW);
	/* all executing: nothing to evict */
	ck_assert_int_eq(agw_txn_cache_begin(c, 4, 99, &t), -ENOSPC);
	ck_assert_int_eq(agw_txn_cache_begin(c, 4, 3, &t), AGW_TXN_EXECUTING);
	agw_txn_cache_drop(c, exec[0]);
	ck_assert_int_eq(agw_txn_cache_begin(c, 4, 99, &t), AGW_TXN_NEW);
	agw_txn_cache_free(c);
}
END_TEST

START_TEST(large_reply_outside_the_entry)
{
	struct agw_txn_cache *c;
	struct agw_txn *t;
	size_t n = 60000;
	char *big = malloc(n);

	for (size_t i = 0; i < n; i++)
		big[i] = 'a' + i % 26;
	ck_assert_int_eq(agw_txn_cache_new(loop, 4, 30000, &c), 0);
	ck_assert_int_eq(agw_txn_cache_begin(c, 1, 1, &t), AGW_TXN_NEW);
	ck_assert_int_eq(agw_txn_cache_reply(c, t, big, n), 0);
	memset(big, 0, n);
	ck_assert_int_eq(agw_txn_cache_begin(c, 1, 1, &t), AGW_TXN_REPLIED);
	ck_assert_uint_eq(t->reply_len, n);
	ck_assert_int_eq(t->reply[n - 1], 'a' + (n - 1) % 26);
	free(big);
	/* freed with the cache (ASan checks the leak) */
	agw_txn_cache_free(c);
}
END_TEST

START_TEST(sender_key_ignores_case)
{
	ck_assert_uint_eq(agw_txn_sender_key("<MGC.example>", 13),
			  agw_txn_sender_key("<mgc.EXAMPLE>", 13));
	ck_assert_uint_ne(agw_txn_sender_key("[10.0.0.1]", 10),
			  agw_txn_sender_key("[10.0.0.2]", 10));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("h248_txn_cache");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, retransmission_gets_pending_then_same_bytes);
	tcase_add_test(tc, long_timer_expires_replies_only);
	tcase_add_test(tc, ack_ranges);
	tcase_add_test(tc, capacity_and_reuse);
	tcase_add_test(tc, no_ack_evicts_oldest);
	tcase_add_test(tc, large_reply_outside_the_entry);
	tcase_add_test(tc, sender_key_ignores_case);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
