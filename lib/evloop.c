// SPDX-License-Identifier: GPL-2.0-only
/*
 * epoll + timerfd/min-heap + signalfd event loop; see include/agw/evloop.h.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "agw/evloop.h"
#include "agw/log.h"

#define MAX_EVENTS 64
#define MAX_SIGNALS 8

struct signal_handler {
	int signo;
	agw_signal_cb cb;
	void *arg;
};

struct agw_evloop {
	int epfd;
	struct agw_evfd timer_h;
	struct agw_evfd signal_h;
	struct agw_timer **heap;
	size_t heap_len, heap_cap;
	uint64_t armed_ms; /* what the timerfd is set to; 0 = disarmed */
	sigset_t sigmask;
	struct signal_handler sig[MAX_SIGNALS];
	size_t nsig;
	/* The batch being dispatched, so del_fd can cancel its events. */
	struct epoll_event events[MAX_EVENTS];
	int nevents, cur;
	bool stop;
};

/* ---- min-heap of timers by expire_ms ---------------------------------- */

static void heap_set(struct agw_evloop *l, size_t i, struct agw_timer *t)
{
	l->heap[i] = t;
	t->heap_idx = i;
}

static void heap_up(struct agw_evloop *l, size_t i)
{
	struct agw_timer *t = l->heap[i];

	while (i > 0) {
		size_t p = (i - 1) / 2;

		if (l->heap[p]->expire_ms <= t->expire_ms)
			break;
		heap_set(l, i, l->heap[p]);
		i = p;
	}
	heap_set(l, i, t);
}

static void heap_down(struct agw_evloop *l, size_t i)
{
	struct agw_timer *t = l->heap[i];

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= l->heap_len)
			break;
		if (c + 1 < l->heap_len &&
		    l->heap[c + 1]->expire_ms < l->heap[c]->expire_ms)
			c++;
		if (t->expire_ms <= l->heap[c]->expire_ms)
			break;
		heap_set(l, i, l->heap[c]);
		i = c;
	}
	heap_set(l, i, t);
}

static void heap_remove(struct agw_evloop *l, struct agw_timer *t)
{
	size_t i = t->heap_idx;
	struct agw_timer *last = l->heap[--l->heap_len];

	t->heap_idx = SIZE_MAX;
	if (last == t)
		return;
	heap_set(l, i, last);
	heap_up(l, i);
	heap_down(l, last->heap_idx);
}

/*
 * Program the timerfd only when the earliest timer comes before what it is
 * set to. A stopped or postponed timer leaves it early: it then fires once
 * for nothing and is set again. That saves two syscalls per transaction
 * whose timer is started and stopped before it expires (the usual case).
 */
static int rearm_timerfd(struct agw_evloop *l)
{
	struct itimerspec its = { 0 };
	uint64_t want = l->heap_len ? l->heap[0]->expire_ms : 0;

	if (!want || (l->armed_ms && l->armed_ms <= want))
		return 0;
	/* an expiry in the past fires at once */
	its.it_value.tv_sec = want / 1000;
	its.it_value.tv_nsec = (want % 1000) * 1000000;
	if (timerfd_settime(l->timer_h.fd, TFD_TIMER_ABSTIME, &its, NULL))
		return -errno;
	l->armed_ms = want;
	return 0;
}

void agw_timer_init(struct agw_timer *t, agw_timer_cb cb, void *arg)
{
	t->expire_ms = 0;
	t->heap_idx = SIZE_MAX;
	t->cb = cb;
	t->arg = arg;
}

int agw_timer_start_at(struct agw_evloop *l, struct agw_timer *t,
		       uint64_t expire_ms)
{
	if (!expire_ms)
		expire_ms = 1;
	if (agw_timer_armed(t)) {
		t->expire_ms = expire_ms;
		heap_up(l, t->heap_idx);
		heap_down(l, t->heap_idx);
		return rearm_timerfd(l);
	}
	if (l->heap_len == l->heap_cap) {
		size_t cap = l->heap_cap ? 2 * l->heap_cap : 64;
		struct agw_timer **h = realloc(l->heap, cap * sizeof(*h));

		if (!h)
			return -ENOMEM;
		l->heap = h;
		l->heap_cap = cap;
	}
	t->expire_ms = expire_ms;
	heap_set(l, l->heap_len++, t);
	heap_up(l, t->heap_idx);
	return rearm_timerfd(l);
}

int agw_timer_start(struct agw_evloop *l, struct agw_timer *t,
		    uint64_t delay_ms)
{
	return agw_timer_start_at(l, t, agw_now_ms() + delay_ms);
}

void agw_timer_stop(struct agw_evloop *l, struct agw_timer *t)
{
	if (!agw_timer_armed(t))
		return;
	heap_remove(l, t);
	rearm_timerfd(l);
}

size_t agw_evloop_timer_count(const struct agw_evloop *l)
{
	return l->heap_len;
}

static void on_timerfd(struct agw_evfd *h, uint32_t events)
{
	struct agw_evloop *l = h->arg;
	uint64_t ticks, now;

	if (read(h->fd, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN)
		agw_warn("timerfd read: %s", strerror(errno));
	l->armed_ms = 0;
	now = agw_now_ms();
	/* A callback may re-arm its own timer in the past: bound the round
	 * by what was due when it started so it cannot spin forever. */
	for (size_t n = l->heap_len; n && l->heap_len && !l->stop; n--) {
		struct agw_timer *t = l->heap[0];

		if (t->expire_ms > now)
			break;
		heap_remove(l, t);
		t->cb(t);
	}
	rearm_timerfd(l);
}

/* ---- signals ------------------------------------------------------------ */

static void on_signalfd(struct agw_evfd *h, uint32_t events)
{
	struct agw_evloop *l = h->arg;
	struct signalfd_siginfo si;

	while (read(h->fd, &si, sizeof(si)) == sizeof(si)) {
		for (size_t i = 0; i < l->nsig; i++)
			if (l->sig[i].signo == (int)si.ssi_signo)
				l->sig[i].cb(l, si.ssi_signo, l->sig[i].arg);
	}
}

int agw_evloop_add_signal(struct agw_evloop *l, int signo, agw_signal_cb cb,
			  void *arg)
{
	int fd;

	if (l->nsig == MAX_SIGNALS)
		return -ENOSPC;
	sigaddset(&l->sigmask, signo);
	if (sigprocmask(SIG_BLOCK, &l->sigmask, NULL))
		return -errno;
	/*
	 * An ignored signal is discarded before signalfd can see it, and a
	 * shell starts background jobs with SIGINT ignored: take the default
	 * back (it never runs while the signal is blocked).
	 */
	if (signal(signo, SIG_DFL) == SIG_ERR)
		return -errno;
	fd = signalfd(l->signal_h.registered ? l->signal_h.fd : -1, &l->sigmask,
		      SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	l->sig[l->nsig++] = (struct signal_handler){ signo, cb, arg };
	if (!l->signal_h.registered)
		return agw_evloop_add_fd(l, &l->signal_h, fd, EPOLLIN,
					 on_signalfd, l);
	return 0;
}

/* ---- file descriptors --------------------------------------------------- */

int agw_evloop_add_fd(struct agw_evloop *l, struct agw_evfd *h, int fd,
		      uint32_t events, agw_evfd_cb cb, void *arg)
{
	struct epoll_event ev = { .events = events, .data.ptr = h };

	h->fd = fd;
	h->cb = cb;
	h->arg = arg;
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev))
		return -errno;
	h->registered = true;
	return 0;
}

int agw_evloop_mod_fd(struct agw_evloop *l, struct agw_evfd *h, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = h };

	if (epoll_ctl(l->epfd, EPOLL_CTL_MOD, h->fd, &ev))
		return -errno;
	return 0;
}

static void forget(struct agw_evloop *l, struct agw_evfd *h)
{
	h->registered = false;
	for (int i = l->cur + 1; i < l->nevents; i++)
		if (l->events[i].data.ptr == h)
			l->events[i].data.ptr = NULL;
}

void agw_evloop_del_fd(struct agw_evloop *l, struct agw_evfd *h)
{
	if (!h->registered)
		return;
	epoll_ctl(l->epfd, EPOLL_CTL_DEL, h->fd, NULL);
	forget(l, h);
}

void agw_evloop_close_fd(struct agw_evloop *l, struct agw_evfd *h)
{
	if (h->registered)
		forget(l, h);
	close(h->fd);
}

/* ---- loop ---------------------------------------------------------------- */

int agw_evloop_new(struct agw_evloop **out)
{
	struct agw_evloop *l = calloc(1, sizeof(*l));
	int fd, err;

	if (!l)
		return -ENOMEM;
	sigemptyset(&l->sigmask);
	l->cur = l->nevents = 0;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0) {
		err = -errno;
		goto err_free;
	}
	fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		goto err_epoll;
	}
	err = agw_evloop_add_fd(l, &l->timer_h, fd, EPOLLIN, on_timerfd, l);
	if (err) {
		close(fd);
		goto err_epoll;
	}
	*out = l;
	return 0;
err_epoll:
	close(l->epfd);
err_free:
	free(l);
	return err;
}

void agw_evloop_free(struct agw_evloop *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->heap_len; i++)
		l->heap[i]->heap_idx = SIZE_MAX;
	if (l->signal_h.registered) {
		close(l->signal_h.fd);
		sigprocmask(SIG_UNBLOCK, &l->sigmask, NULL);
	}
	close(l->timer_h.fd);
	close(l->epfd);
	free(l->heap);
	free(l);
}

int agw_evloop_run_once(struct agw_evloop *l, int timeout_ms)
{
	int n = epoll_wait(l->epfd, l->events, MAX_EVENTS, timeout_ms);

	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	l->nevents = n;
	for (l->cur = 0; l->cur < n; l->cur++) {
		struct agw_evfd *h = l->events[l->cur].data.ptr;

		if (h)
			h->cb(h, l->events[l->cur].events);
	}
	l->nevents = l->cur = 0;
	return n;
}

int agw_evloop_run(struct agw_evloop *l)
{
	int err = 0;

	l->stop = false;
	while (!l->stop) {
		err = agw_evloop_run_once(l, -1);
		if (err < 0)
			return err;
	}
	return 0;
}

void agw_evloop_stop(struct agw_evloop *l)
{
	l->stop = true;
}
