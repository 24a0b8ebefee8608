/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Byte buffers from size-class free lists (128 B to 4 KiB, powers of two),
 * grown 64 chunks at a time and kept until the pool is freed: steady
 * traffic of encoded messages allocates nothing. Larger sizes fall back to
 * malloc. The caller passes the length back on free.
 */
#ifndef AGW_BYTEPOOL_H
#define AGW_BYTEPOOL_H

#include <stddef.h>

#define AGW_BYTEPOOL_CLASSES 6

struct agw_bytepool_chunk;

struct agw_bytepool {
	struct agw_bytepool_chunk *free[AGW_BYTEPOOL_CLASSES];
	void **blocks;
	size_t nblocks, cap_blocks;
};

void agw_bytepool_init(struct agw_bytepool *p);
void agw_bytepool_fini(struct agw_bytepool *p);
void *agw_bytepool_alloc(struct agw_bytepool *p, size_t len);
void agw_bytepool_free(struct agw_bytepool *p, void *ptr, size_t len);

#endif /* AGW_BYTEPOOL_H */
