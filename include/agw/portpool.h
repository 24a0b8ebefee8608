/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Media port pool of one realm: a bitmap over [min, max] with a next-fit
 * cursor, so allocation is O(1) while the pool is not nearly full and a
 * just-released port is the last to be reused (its old connection may
 * still be in TIME_WAIT at the peer).
 */
#ifndef AGW_PORTPOOL_H
#define AGW_PORTPOOL_H

#include <stdbool.h>
#include <stdint.h>

#include "agw/sockaddr.h"

struct agw_portpool {
	uint16_t min, max;
	uint32_t nfree;
	uint32_t cursor; /* bit index where the next search starts */
	uint64_t *used; /* bit i set: port min + i is taken */
	/* Asked by agw_portpool_alloc_bound before it binds a port: true
	 * when someone else holds the port on addr (agwd: a gate entry
	 * it does not own). NULL: nobody does. */
	bool (*held)(void *arg, const struct agw_sockaddr *addr,
		     uint16_t port);
	void *held_arg;
};

int agw_portpool_init(struct agw_portpool *p, uint16_t min, uint16_t max);
void agw_portpool_fini(struct agw_portpool *p);

/* Take any free port: returns the port or -ENOSPC. */
int agw_portpool_alloc(struct agw_portpool *p);
/* Take a given port: 0, -ERANGE outside the pool, -EBUSY when taken. */
int agw_portpool_reserve(struct agw_portpool *p, uint16_t port);
/* Give a port back: 0, -ERANGE, or -EINVAL when it was not taken. */
int agw_portpool_release(struct agw_portpool *p, uint16_t port);
bool agw_portpool_in_use(const struct agw_portpool *p, uint16_t port);
static inline uint32_t agw_portpool_free_count(const struct agw_portpool *p)
{
	return p->nfree;
}

/*
 * Take a port that a TCP socket can really bind on addr (something
 * outside agw may hold a port of the range): returns the port and the
 * bound, non-blocking socket in *fd; -ENOSPC when no free port binds
 * (within 64 tries), other -errno from socket() (-EMFILE, -ENFILE:
 * out of file descriptors). Ports found busy, or held (p->held), are
 * skipped and stay free in the pool for a later try.
 */
int agw_portpool_alloc_bound(struct agw_portpool *p,
			     const struct agw_sockaddr *addr, int *fd);

#endif /* AGW_PORTPOOL_H */
