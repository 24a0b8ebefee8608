// SPDX-License-Identifier: GPL-2.0-only
/* Size-class byte pool; see include/agw/bytepool.h. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "agw/bytepool.h"

#define MIN_SHIFT 7
#define GROW 64

/* A free chunk holds the link to the next free chunk of its class. */
struct agw_bytepool_chunk {
	struct agw_bytepool_chunk *next;
};

static int class_of(size_t len)
{
	for (int k = 0; k < AGW_BYTEPOOL_CLASSES; k++)
		if (len <= (size_t)1 << (MIN_SHIFT + k))
			return k;
	return -1;
}

void agw_bytepool_init(struct agw_bytepool *p)
{
	memset(p, 0, sizeof(*p));
}

void agw_bytepool_fini(struct agw_bytepool *p)
{
	for (size_t i = 0; i < p->nblocks; i++)
		free(p->blocks[i]);
	free(p->blocks);
	agw_bytepool_init(p);
}

static int grow(struct agw_bytepool *p, int k)
{
	size_t sz = (size_t)1 << (MIN_SHIFT + k);
	uint8_t *block;

	if (p->nblocks == p->cap_blocks) {
		size_t cap = p->cap_blocks ? 2 * p->cap_blocks : 16;
		void **b = realloc(p->blocks, cap * sizeof(*b));

		if (!b)
			return -1;
		p->blocks = b;
		p->cap_blocks = cap;
	}
	block = malloc(sz * GROW);
	if (!block)
		return -1;
	p->blocks[p->nblocks++] = block;
	for (int i = GROW - 1; i >= 0; i--) {
		struct agw_bytepool_chunk *c = (void *)(block + i * sz);

		c->next = p->free[k];
		p->free[k] = c;
	}
	return 0;
}

void *agw_bytepool_alloc(struct agw_bytepool *p, size_t len)
{
	int k = class_of(len);
	struct agw_bytepool_chunk *c;

	if (k < 0)
		return malloc(len);
	if (!p->free[k] && grow(p, k))
		return NULL;
	c = p->free[k];
	p->free[k] = c->next;
	return c;
}

void agw_bytepool_free(struct agw_bytepool *p, void *ptr, size_t len)
{
	int k = class_of(len);
	struct agw_bytepool_chunk *c = ptr;

	if (!ptr)
		return;
	if (k < 0) {
		free(ptr);
		return;
	}
	c->next = p->free[k];
	p->free[k] = c;
}
