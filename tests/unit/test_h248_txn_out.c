// SPDX-License-Identifier: GPL-2.0-only
/*
 * MG-originated requests: UDP retransmission with doubling intervals and
 * never early, stop on reply, Pending, TCP without retransmission,
 * timeouts, cancel, limits.
 */
#include <check.h>
#include <errno.h>
#include <string.h>

#include "agw/evloop.h"
#include "agw/h248_txn_out.h"
#include "agw/log.h"

struct rec {
	int sends;
	uint64_t send_ms[64];
	char last[64];
	int dones;
	uint32_t done_tid;
	enum agw_txn_out_result res;
	void *user;
};

static void on_send(void *arg, uint32_t tid, const uint8_t *m, size_t len,
		    void *user)
{
	struct rec *r = arg;

	ck_assert_int_lt(r->sends, 64);
	r->send_ms[r->sends++] = agw_now_ms();
	ck_assert_uint_lt(len, sizeof(r->last));
	memcpy(r->last, m, len);
	r->last[len] = 0;
}

static void on_done(void *arg, uint32_t tid, enum agw_txn_out_result res,
		    void *user)
{
	struct rec *r = arg;

	r->dones++;
	r->done_tid = tid;
	r->res = res;
	r->user = user;
}

static const struct agw_txn_out_cbs cbs = { on_send, on_done };

static void run_until_done(struct agw_evloop *l, struct rec *r, int n)
{
	uint64_t end = agw_now_ms() + 20000;

	while (r->dones < n && agw_now_ms() < end)
		agw_evloop_run_once(l, 100);
	ck_assert_int_ge(r->dones, n);
}

START_TEST(udp_retransmits_until_give_up)
{
	struct agw_txn_out_cfg cfg = { .retransmit_ms = 20,
				       .retransmit_max_ms = 80,
				       .give_up_ms = 600 };
	struct agw_evloop *l;
	struct agw_txn_out *o;
	struct rec r = { 0 };
	char msg[] = "MEGACO/3 [10.0.0.2] T=1{C=-{SC=ROOT{}}}";
	uint32_t tid;
	uint64_t start;
	int x;

	ck_assert_int_eq(agw_evloop_new(&l), 0);
	ck_assert_int_eq(agw_txn_out_new(l, 4, &cfg, &cbs, &r, &o), 0);
	tid = agw_txn_out_next_tid(o);
	ck_assert_uint_eq(tid, 1);
	start = agw_now_ms();
	ck_assert_int_eq(agw_txn_out_start(o, tid, msg, strlen(msg), true, &x),
			 0);
	msg[0] = 'X'; /* the kept copy is what goes out again */
	ck_assert_int_eq(agw_txn_out_start(o, tid, msg, 3, true, NULL),
			 -EEXIST);
	run_until_done(l, &r, 1);
	ck_assert_int_eq(r.res, AGW_TXN_OUT_TIMEOUT);
	ck_assert_ptr_eq(r.user, &x);
	ck_assert_uint_ge(agw_now_ms() - start, 600);
	ck_assert_int_ge(r.sends, 3);
	ck_assert_str_eq(r.last, "MEGACO/3 [10.0.0.2] T=1{C=-{SC=ROOT{}}}");
	/* never early: 20, 40, 80, 80, ... after the previous send */
	for (int i = 1, want = 20; i < r.sends; i++) {
		ck_assert_uint_ge(r.send_ms[i] - r.send_ms[i - 1], want);
		want = want * 2 > 80 ? 80 : want * 2;
	}
	ck_assert_uint_eq(agw_txn_out_count(o), 0);
	ck_assert_int_eq(agw_txn_out_reply(o, tid), -ENOENT);
	agw_txn_out_free(o);
	agw_evloop_free(l);
}
END_TEST

START_TEST(reply_stops_and_pending_extends)
{
	struct agw_txn_out_cfg cfg = { .retransmit_ms = 20,
				       .retransmit_max_ms = 40,
				       .give_up_ms = 60000,
				       .pending_ms = 200 };
	struct agw_evloop *l;
	struct agw_txn_out *o;
	struct rec r = { 0 };
	uint32_t a, b;
	int sends;
	uint64_t t0;

	ck_assert_int_eq(agw_evloop_new(&l), 0);
	ck_assert_int_eq(agw_txn_out_new(l, 4, &cfg, &cbs, &r, &o), 0);
	a = agw_txn_out_next_tid(o);
	b = agw_txn_out_next_tid(o);
	ck_assert_uint_ne(a, b);
	ck_assert_int_eq(agw_txn_out_start(o, a, "a", 1, true, NULL), 0);
	ck_assert_int_eq(agw_txn_out_start(o, b, "b", 1, true, NULL), 0);
	/* a gets its reply at once */
	ck_assert_int_eq(agw_txn_out_reply(o, a), 0);
	ck_assert_int_eq(r.dones, 1);
	ck_assert_uint_eq(r.done_tid, a);
	ck_assert_int_eq(r.res, AGW_TXN_OUT_REPLY);
	/* b: Pending, then no retransmission while the MGC works on it */
	ck_assert_int_eq(agw_txn_out_pending(o, b), 0);
	sends = r.sends;
	t0 = agw_now_ms();
	while (agw_now_ms() - t0 < 100)
		agw_evloop_run_once(l, 10);
	ck_assert_int_eq(r.sends, sends);
	ck_assert_int_eq(r.dones, 1);
	/* another Pending re-arms; without more, it times out */
	ck_assert_int_eq(agw_txn_out_pending(o, b), 0);
	run_until_done(l, &r, 2);
	ck_assert_uint_eq(r.done_tid, b);
	ck_assert_int_eq(r.res, AGW_TXN_OUT_TIMEOUT);
	ck_assert_int_eq(r.sends, sends);
	ck_assert_int_eq(agw_txn_out_pending(o, b), -ENOENT);
	agw_txn_out_free(o);
	agw_evloop_free(l);
}
END_TEST

START_TEST(tcp_sends_once)
{
	struct agw_txn_out_cfg cfg = { .retransmit_ms = 10, .give_up_ms = 200 };
	struct agw_evloop *l;
	struct agw_txn_out *o;
	struct rec r = { 0 };

	ck_assert_int_eq(agw_evloop_new(&l), 0);
	ck_assert_int_eq(agw_txn_out_new(l, 4, &cfg, &cbs, &r, &o), 0);
	ck_assert_int_eq(agw_txn_out_start(o, 9, "n", 1, false, NULL), 0);
	run_until_done(l, &r, 1);
	ck_assert_int_eq(r.sends, 1);
	ck_assert_int_eq(r.res, AGW_TXN_OUT_TIMEOUT);
	agw_txn_out_free(o);
	agw_evloop_free(l);
}
END_TEST

START_TEST(cancel_limits_and_ids)
{
	struct agw_txn_out_cfg cfg = { .retransmit_ms = 1000,
				       .give_up_ms = 60000 };
	struct agw_evloop *l;
	struct agw_txn_out *o;
	struct rec r = { 0 };

	ck_assert_int_eq(agw_evloop_new(&l), 0);
	ck_assert_int_eq(agw_txn_out_new(l, 2, &cfg, &cbs, &r, &o), 0);
	ck_assert_int_eq(agw_txn_out_start(o, 1, "x", 1, true, NULL), 0);
	ck_assert_int_eq(agw_txn_out_start(o, 2, "y", 1, true, NULL), 0);
	ck_assert_int_eq(agw_txn_out_start(o, 3, "z", 1, true, NULL), -ENOSPC);
	ck_assert_int_eq(agw_txn_out_start(o, 0, "z", 1, true, NULL), -EINVAL);
	/* next_tid skips the IDs in flight */
	ck_assert_uint_eq(agw_txn_out_next_tid(o), 3);
	agw_txn_out_cancel_all(o);
	ck_assert_int_eq(r.dones, 2);
	ck_assert_int_eq(r.res, AGW_TXN_OUT_CANCELLED);
	ck_assert_uint_eq(agw_txn_out_count(o), 0);
	/* still armed timers must not fire for cancelled requests */
	for (int i = 0; i < 5; i++)
		agw_evloop_run_once(l, 10);
	ck_assert_int_eq(r.dones, 2);
	ck_assert_uint_eq(agw_evloop_timer_count(l), 0);
	agw_txn_out_free(o);
	agw_evloop_free(l);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("h248_txn_out");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	agw_log_open("test", AGW_LOG_STDERR, AGW_LOG_INFO);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, udp_retransmits_until_give_up);
	tcase_add_test(tc, reply_stops_and_pending_extends);
	tcase_add_test(tc, tcp_sends_once);
	tcase_add_test(tc, cancel_limits_and_ids);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
