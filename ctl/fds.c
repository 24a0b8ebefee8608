// SPDX-License-Identifier: GPL-2.0-only
/*
 * agwd's file descriptors (Documentation/robustness.md): the soft
 * RLIMIT_NOFILE raised to what [limits] needs, the effective termination
 * limit where the hard limit is lower, the fds terminations never take
 * (kept for agwctl and H.248), and accept at EMFILE: a reserve fd makes
 * room to accept and close the pending connection, then the listeners
 * rest a moment, so that nothing spins.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "agw/log.h"
#include "ctx.h"

/*
 * File descriptors agwd needs besides one per termination (its listener
 * or its connection; a termination opening the connection itself holds
 * both only until it is connected): H.248 sockets, BPF maps, programs
 * and links, the relay's maps, epoll, timer, signal and netlink fds,
 * TLS, the control socket and its clients, the reserve fd, and
 * AGWD_FD_HEADROOM that terminations never take
 * (Documentation/robustness.md).
 */
#define AGWD_FD_OVERHEAD 128
/* How long listeners rest after an accept found no fd. */
#define AGWD_ACCEPT_BACKOFF_MS 100

/* The soft limit, read again when the last reading is 100 ms old (a
 * prlimit from outside counts within that; an Add does not pay a system
 * call for it). */
#define NOFILE_REREAD_MS 100

static uint64_t soft, read_ms;

static uint64_t nofile_soft(void)
{
	uint64_t now = agw_now_ms();
	struct rlimit rl;

	if (!read_ms || now - read_ms >= NOFILE_REREAD_MS) {
		soft = getrlimit(RLIMIT_NOFILE, &rl) ? 1024 :
						       (uint64_t)rl.rlim_cur;
		read_ms = now;
	}
	return soft;
}

bool agwd_fd_scarce(int fd)
{
	if (fd < 0)
		return errno == EMFILE || errno == ENFILE;
	return (uint64_t)fd + AGWD_FD_HEADROOM >= nofile_soft();
}

unsigned int agwd_fds_open(void)
{
	unsigned int n = 0;
	struct dirent *e;
	DIR *dir = opendir("/proc/self/fd");

	if (!dir)
		return 0;
	while ((e = readdir(dir)))
		n += e->d_name[0] != '.';
	closedir(dir);
	return n ? n - 1 : 0; /* not the directory's own fd */
}

/*
 * Raises the soft RLIMIT_NOFILE to what [limits] needs, up to the hard
 * limit. Where that is not enough, the termination limit comes down to
 * what fits, and the log says so once.
 */
void agwd_fd_budget(struct agwd *d)
{
	uint64_t t = d->cfg.max_terminations, budget, eff;
	struct rlimit rl, want;

	read_ms = 0; /* agwd's own setrlimit below */
	d->term_limit = d->cfg.max_terminations;
	d->nofile_need = t + AGWD_FD_OVERHEAD;
	if (getrlimit(RLIMIT_NOFILE, &rl)) {
		agw_warn("getrlimit(RLIMIT_NOFILE): %s", strerror(errno));
		return;
	}
	if (rl.rlim_cur < d->nofile_need) {
		want = rl;
		want.rlim_cur = rl.rlim_max < d->nofile_need ? rl.rlim_max :
							       d->nofile_need;
		if (!setrlimit(RLIMIT_NOFILE, &want))
			rl = want;
		else
			agw_warn("setrlimit(RLIMIT_NOFILE, %llu): %s",
				 (unsigned long long)want.rlim_cur,
				 strerror(errno));
	}
	d->nofile_soft = rl.rlim_cur;
	d->nofile_hard = rl.rlim_max;
	if (rl.rlim_cur >= d->nofile_need) {
		agw_info("file descriptors: limit %llu, [limits] need %llu",
			 (unsigned long long)rl.rlim_cur,
			 (unsigned long long)d->nofile_need);
		return;
	}
	budget = rl.rlim_cur > AGWD_FD_OVERHEAD ?
			 rl.rlim_cur - AGWD_FD_OVERHEAD :
			 0;
	eff = budget < t ? budget : t;
	d->term_limit = (uint32_t)eff;
	agw_warn(
		"file descriptors: [limits] terminations %llu + %u for agwd need %llu, RLIMIT_NOFILE allows %llu (hard limit %llu): at most %u terminations",
		(unsigned long long)t, AGWD_FD_OVERHEAD,
		(unsigned long long)d->nofile_need,
		(unsigned long long)rl.rlim_cur,
		(unsigned long long)rl.rlim_max, d->term_limit);
}

/* Listeners paused by agwd_accept_exhausted() watch again. */
static void on_accept_timer(struct agw_timer *tm)
{
	struct agwd *d = tm->arg;

	d->accept_paused = false;
	for (struct agwd_term *t = d->all_terms; t; t = t->next_all)
		if (t->lfd >= 0 && t->state == AGWD_TS_LISTENING &&
		    !t->lev.registered && t->lev.cb)
			agw_evloop_add_fd(d->loop, &t->lev, t->lfd, EPOLLIN,
					  t->lev.cb, t->lev.arg);
}

void agwd_accept_exhausted(struct agwd *d, int lfd, struct agw_evfd *h)
{
	unsigned int open_fds;
	int fd;

	/* the pending connection goes (closed), so that the listener is
	 * not readable again at once: the reserve fd makes room for it */
	if (d->reserve_fd >= 0) {
		close(d->reserve_fd);
		d->reserve_fd = -1;
	}
	fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (fd >= 0)
		close(fd);
	open_fds = agwd_fds_open();
	d->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	d->fd_exhausted++;
	agw_evloop_del_fd(d->loop, h);
	if (!agw_timer_armed(&d->accept_timer))
		agw_timer_start(d->loop, &d->accept_timer,
				AGWD_ACCEPT_BACKOFF_MS);
	d->accept_paused = true;
	agw_log_ratelimited(
		&d->fd_rl, AGW_LOG_WARNING,
		"out of file descriptors (%u open, limit %llu, %u kept for agwctl and H.248): a connection to a termination closed, listeners paused %d ms (%llu so far)",
		open_fds, (unsigned long long)nofile_soft(), AGWD_FD_HEADROOM,
		AGWD_ACCEPT_BACKOFF_MS, (unsigned long long)d->fd_exhausted);
}

void agwd_fds_init(struct agwd *d)
{
	agw_timer_init(&d->accept_timer, on_accept_timer, d);
	d->fd_rl = (struct agw_ratelimit)AGW_RATELIMIT_INIT(10000, 3);
	d->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
}

void agwd_fds_fini(struct agwd *d)
{
	if (d->loop)
		agw_timer_stop(d->loop, &d->accept_timer);
	if (d->reserve_fd >= 0)
		close(d->reserve_fd);
	d->reserve_fd = -1;
}
