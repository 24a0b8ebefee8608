// SPDX-License-Identifier: GPL-2.0-only
/* Bitmap port allocator; see include/agw/portpool.h. */
#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "agw/portpool.h"

#define BIND_TRIES 64

static uint32_t span(const struct agw_portpool *p)
{
	return (uint32_t)p->max - p->min + 1;
}

int agw_portpool_init(struct agw_portpool *p, uint16_t min, uint16_t max)
{
	uint32_t words, bits;

	if (!min || min > max)
		return -EINVAL;
	p->min = min;
	p->max = max;
	bits = span(p);
	words = (bits + 63) / 64;
	p->used = calloc(words, sizeof(*p->used));
	if (!p->used)
		return -ENOMEM;
	/* bits past max in the last word are "used" so no search finds them */
	if (bits % 64)
		p->used[words - 1] = ~0ULL << (bits % 64);
	p->nfree = bits;
	p->cursor = 0;
	p->held = NULL;
	p->held_arg = NULL;
	return 0;
}

void agw_portpool_fini(struct agw_portpool *p)
{
	free(p->used);
	p->used = NULL;
	p->nfree = 0;
}

bool agw_portpool_in_use(const struct agw_portpool *p, uint16_t port)
{
	uint32_t i = port - p->min;

	if (port < p->min || port > p->max)
		return false;
	return p->used[i / 64] >> (i % 64) & 1;
}

int agw_portpool_alloc(struct agw_portpool *p)
{
	uint32_t words = (span(p) + 63) / 64;
	uint32_t w = p->cursor / 64;
	/* first word: only bits at or after the cursor */
	uint64_t free_bits = ~p->used[w] & (~0ULL << (p->cursor % 64));

	if (!p->nfree)
		return -ENOSPC;
	for (uint32_t n = 0; n <= words; n++) {
		if (free_bits) {
			uint32_t i = w * 64 + __builtin_ctzll(free_bits);

			p->used[w] |= 1ULL << (i % 64);
			p->nfree--;
			p->cursor = i + 1 < span(p) ? i + 1 : 0;
			return p->min + i;
		}
		w = w + 1 < words ? w + 1 : 0;
		free_bits = ~p->used[w];
	}
	return -ENOSPC; /* unreachable while nfree is right */
}

int agw_portpool_reserve(struct agw_portpool *p, uint16_t port)
{
	uint32_t i = port - p->min;

	if (port < p->min || port > p->max)
		return -ERANGE;
	if (agw_portpool_in_use(p, port))
		return -EBUSY;
	p->used[i / 64] |= 1ULL << (i % 64);
	p->nfree--;
	return 0;
}

int agw_portpool_release(struct agw_portpool *p, uint16_t port)
{
	uint32_t i = port - p->min;

	if (port < p->min || port > p->max)
		return -ERANGE;
	if (!agw_portpool_in_use(p, port))
		return -EINVAL;
	p->used[i / 64] &= ~(1ULL << (i % 64));
	p->nfree++;
	return 0;
}

static int try_bind(const struct agw_sockaddr *addr, uint16_t port)
{
	struct agw_sockaddr a = *addr;
	int fd, one = 1, err;

	fd = socket(a.sa.sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    0);
	if (fd < 0)
		return -errno;
	/* agw's own earlier connection on this port may be in TIME_WAIT */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	agw_sockaddr_set_port(&a, port);
	if (bind(fd, &a.sa, a.len)) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

int agw_portpool_alloc_bound(struct agw_portpool *p,
			     const struct agw_sockaddr *addr, int *fd)
{
	uint16_t busy[BIND_TRIES];
	int n = 0, port, r = -ENOSPC;

	while (n < BIND_TRIES) {
		port = agw_portpool_alloc(p);
		if (port < 0) {
			r = port;
			break;
		}
		if (p->held && p->held(p->held_arg, addr, port)) {
			busy[n++] = port;
			r = -ENOSPC;
			continue;
		}
		r = try_bind(addr, port);
		if (r >= 0) {
			*fd = r;
			r = port;
			break;
		}
		busy[n++] = port;
		if (r != -EADDRINUSE)
			break;
	}
	/* busy ports go back: whoever holds them may let go later */
	for (int i = 0; i < n; i++)
		agw_portpool_release(p, busy[i]);
	return r;
}
