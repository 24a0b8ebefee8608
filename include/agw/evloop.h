/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Event loop: epoll for file descriptors, one timerfd driving a min-heap of
 * timers (H.248 transaction timers: pending, long timer, retransmission),
 * and one signalfd for the signals the daemon handles.
 *
 * Handles (struct agw_evfd, struct agw_timer) are embedded by the caller in
 * its own objects, so starting a timer for a transaction allocates nothing.
 * Callbacks may add, remove or free any handle, including their own.
 */
#ifndef AGW_EVLOOP_H
#define AGW_EVLOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct agw_evloop;
struct agw_evfd;
struct agw_timer;

typedef void (*agw_evfd_cb)(struct agw_evfd *h, uint32_t events);
typedef void (*agw_timer_cb)(struct agw_timer *t);
typedef void (*agw_signal_cb)(struct agw_evloop *loop, int signo, void *arg);

struct agw_evfd {
	int fd;
	agw_evfd_cb cb;
	void *arg;
	bool registered;
};

struct agw_timer {
	uint64_t expire_ms; /* CLOCK_MONOTONIC, see agw_now_ms() */
	size_t heap_idx; /* SIZE_MAX when not armed */
	agw_timer_cb cb;
	void *arg;
};

int agw_evloop_new(struct agw_evloop **out);
void agw_evloop_free(struct agw_evloop *loop);

/* events: EPOLLIN, EPOLLOUT, ... The handle must outlive its registration. */
int agw_evloop_add_fd(struct agw_evloop *loop, struct agw_evfd *h, int fd,
		      uint32_t events, agw_evfd_cb cb, void *arg);
int agw_evloop_mod_fd(struct agw_evloop *loop, struct agw_evfd *h,
		      uint32_t events);
/* Safe from any callback: pending events for h in this round are dropped. */
void agw_evloop_del_fd(struct agw_evloop *loop, struct agw_evfd *h);
/*
 * agw_evloop_del_fd and close(h->fd) in one system call: the close takes
 * the fd out of the epoll set. Only for an fd that is the file's only
 * reference (no dup, no fork child holding it).
 */
void agw_evloop_close_fd(struct agw_evloop *loop, struct agw_evfd *h);

void agw_timer_init(struct agw_timer *t, agw_timer_cb cb, void *arg);
/* (Re)arm t to fire delay_ms from now. */
int agw_timer_start(struct agw_evloop *loop, struct agw_timer *t,
		    uint64_t delay_ms);
/* Arm at an absolute agw_now_ms() time. */
int agw_timer_start_at(struct agw_evloop *loop, struct agw_timer *t,
		       uint64_t expire_ms);
void agw_timer_stop(struct agw_evloop *loop, struct agw_timer *t);
static inline bool agw_timer_armed(const struct agw_timer *t)
{
	return t->heap_idx != SIZE_MAX;
}
size_t agw_evloop_timer_count(const struct agw_evloop *loop);

/*
 * Handle signo through the signalfd: the signal is blocked in the calling
 * thread (call before starting threads so they inherit the mask).
 */
int agw_evloop_add_signal(struct agw_evloop *loop, int signo, agw_signal_cb cb,
			  void *arg);

/* Run one round: wait up to timeout_ms (-1: until an event), dispatch. */
int agw_evloop_run_once(struct agw_evloop *loop, int timeout_ms);
/* Run until agw_evloop_stop(); returns 0 or -errno. */
int agw_evloop_run(struct agw_evloop *loop);
void agw_evloop_stop(struct agw_evloop *loop);

#endif /* AGW_EVLOOP_H */
