// SPDX-License-Identifier: GPL-2.0-only
/* Event loop: timer ordering, cancel, re-arm, fds, signals. */
#include <check.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "agw/evloop.h"
#include "agw/log.h"

#define NT 500

struct rec {
	struct agw_timer t;
	int id;
	int *order;
	int *n;
	uint64_t fired_ms;
};

static void rec_cb(struct agw_timer *t)
{
	struct rec *r = t->arg;

	r->fired_ms = agw_now_ms();
	r->order[(*r->n)++] = r->id;
}

static void run_until(struct agw_evloop *l, int *n, int want)
{
	uint64_t end = agw_now_ms() + 20000;

	while (*n < want && agw_now_ms() < end)
		ck_assert_int_ge(agw_evloop_run_once(l, 100), 0);
}

START_TEST(timers_fire_in_expiry_order)
{
	struct agw_evloop *l;
	static struct rec r[NT];
	int order[NT], n = 0;
	uint64_t base;

	ck_assert_int_eq(agw_evloop_new(&l), 0);
	srand(42);
	base = agw_now_ms() + 50;
	for (int i = 0; i < NT; i++) {
		r[i] = (struct rec){ .id = i, .order = order, .n = &n };
		agw_timer_init(&r[i].t, rec_cb, &r[i]);
		ck_assert_int_eq(
			agw_timer_start_at(l, &r[i].t, base + rand() % 300), 0);
	}
	/* Cancel every third one, re-arm every fifth later. */
	for (int i = 0; i < NT; i += 3)
		agw_timer_stop(l, &r[i].t);
	for (int i = 0; i < NT; i += 5)
		ck_assert_int_eq(agw_timer_start_at(l, &r[i].t, base + 400), 0);
	int want = 0;
	for (int i = 0; i < NT; i++)
		want += (i % 3 != 0 || i % 5 == 0);
	ck_assert_uint_eq(agw_evloop_timer_count(l), want);
	run_until(l, &n, want);
	ck_assert_int_eq(n, want);
	for (int i = 1; i < n; i++)
		ck_assert_uint_le(r[order[i - 1]].t.expire_ms,
				  r[order[i]].t.expire_ms);
	for (int i = 0; i < n; i++) {
		ck_assert(!agw_timer_armed(&r[order[i]].t));
		ck_assert_uint_ge(r[order[i]].fired_ms,
				  r[order[i]].t.expire_ms);
		ck_assert(order[i] % 3 != 0 || order[i] % 5 == 0);
	}
	ck_assert_uint_eq(agw_evloop_timer_count(l), 0);
	agw_evloop_free(l);
}
END_TEST

struct self_rearm {
	struct agw_timer t;
	struct agw_evloop *l;
	int count;
};

static void self_rearm_cb(struct agw_timer *t)
{
	struct self_rearm *s = t->arg;

	if (++s->count < 5)
		agw_timer_start(s->l, t, 0);
}

START_TEST(timer_rearms_itself_from_callback)
{
	struct self_rearm s = { .count = 0 };
	ck_assert_int_eq(agw_evloop_new(&s.l), 0);
	agw_timer_init(&s.t, self_rearm_cb, &s);
	ck_assert_int_eq(agw_timer_start(s.l, &s.t, 10), 0);
	for (int i = 0; i < 200 && s.count < 5; i++)
		agw_evloop_run_once(s.l, 100);
	ck_assert_int_eq(s.count, 5);
	ck_assert(!agw_timer_armed(&s.t));
	agw_evloop_free(s.l);
}
END_TEST

static void count_cb(struct agw_timer *t)
{
	++*(int *)t->arg;
}

/*
 * The timerfd is left early when a timer stops or moves later: that may
 * wake the loop, but must never fire a timer early or at all if stopped.
 */
START_TEST(stopped_and_moved_timers)
{
	struct agw_evloop *l;
	struct agw_timer a, b;
	int na = 0, nb = 0;
	uint64_t start, end;

	ck_assert_int_eq(agw_evloop_new(&l), 0);
	agw_timer_init(&a, count_cb, &na);
	agw_timer_init(&b, count_cb, &nb);
	start = agw_now_ms();
	ck_assert_int_eq(agw_timer_start(l, &a, 30), 0);
	agw_timer_stop(l, &a);
	ck_assert_int_eq(agw_timer_start(l, &b, 40), 0);
	ck_assert_int_eq(agw_timer_start(l, &b, 60000), 0); /* later */
	while (agw_now_ms() - start < 150)
		agw_evloop_run_once(l, 20);
	ck_assert_int_eq(na, 0);
	ck_assert_int_eq(nb, 0);
	ck_assert(agw_timer_armed(&b));
	/* moving it earlier again takes effect (well before the minute) */
	ck_assert_int_eq(agw_timer_start(l, &b, 10), 0);
	end = agw_now_ms() + 20000;
	while (!nb && agw_now_ms() < end)
		agw_evloop_run_once(l, 1000);
	ck_assert_int_eq(nb, 1);
	agw_evloop_free(l);
}
END_TEST

struct pipe_pair {
	struct agw_evfd a, b;
	struct agw_evloop *l;
	int fds_a[2], fds_b[2];
	int a_calls, b_calls;
};

static void pipe_a_cb(struct agw_evfd *h, uint32_t ev)
{
	struct pipe_pair *p = h->arg;

	p->a_calls++;
	/* Removing b while its event is queued in this same round. */
	agw_evloop_del_fd(p->l, &p->b);
	agw_evloop_del_fd(p->l, &p->a);
}

static void pipe_b_cb(struct agw_evfd *h, uint32_t ev)
{
	struct pipe_pair *p = h->arg;

	p->b_calls++;
	agw_evloop_del_fd(p->l, &p->a);
	agw_evloop_del_fd(p->l, &p->b);
}

START_TEST(del_fd_cancels_queued_events)
{
	struct pipe_pair p = { 0 };

	ck_assert_int_eq(agw_evloop_new(&p.l), 0);
	ck_assert_int_eq(pipe(p.fds_a), 0);
	ck_assert_int_eq(pipe(p.fds_b), 0);
	ck_assert_int_eq(write(p.fds_a[1], "x", 1), 1);
	ck_assert_int_eq(write(p.fds_b[1], "x", 1), 1);
	ck_assert_int_eq(agw_evloop_add_fd(p.l, &p.a, p.fds_a[0], EPOLLIN,
					   pipe_a_cb, &p),
			 0);
	ck_assert_int_eq(agw_evloop_add_fd(p.l, &p.b, p.fds_b[0], EPOLLIN,
					   pipe_b_cb, &p),
			 0);
	ck_assert_int_eq(agw_evloop_run_once(p.l, 1000), 2);
	/* Exactly one handler ran; the other's event was cancelled. */
	ck_assert_int_eq(p.a_calls + p.b_calls, 1);
	ck_assert_int_eq(agw_evloop_run_once(p.l, 50), 0);
	for (int i = 0; i < 2; i++) {
		close(p.fds_a[i]);
		close(p.fds_b[i]);
	}
	agw_evloop_free(p.l);
}
END_TEST

static void on_usr1(struct agw_evloop *l, int signo, void *arg)
{
	*(int *)arg = signo;
	agw_evloop_stop(l);
}

START_TEST(signal_arrives_through_signalfd)
{
	struct agw_evloop *l;
	int got = 0;

	ck_assert_int_eq(agw_evloop_new(&l), 0);
	/* as a shell leaves SIGINT for background jobs: still delivered */
	signal(SIGUSR1, SIG_IGN);
	ck_assert_int_eq(agw_evloop_add_signal(l, SIGUSR1, on_usr1, &got), 0);
	ck_assert_int_eq(agw_evloop_add_signal(l, SIGUSR2, on_usr1, &got), 0);
	raise(SIGUSR2);
	ck_assert_int_eq(agw_evloop_run(l), 0);
	ck_assert_int_eq(got, SIGUSR2);
	raise(SIGUSR1);
	ck_assert_int_eq(agw_evloop_run(l), 0);
	ck_assert_int_eq(got, SIGUSR1);
	agw_evloop_free(l);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("evloop");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, timers_fire_in_expiry_order);
	tcase_add_test(tc, timer_rearms_itself_from_callback);
	tcase_add_test(tc, stopped_and_moved_timers);
	tcase_add_test(tc, del_fd_cancels_queued_events);
	tcase_add_test(tc, signal_arrives_through_signalfd);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
