// SPDX-License-Identifier: GPL-2.0-only
/*
 * Bump allocator for H.248 trees. Chunks are kept across resets, so once
 * an arena has seen the largest message of a workload it stops touching
 * the heap; heap_allocs counts the chunks ever taken from malloc.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agw/h248.h"

#include "h248_priv.h"

#define H248_CHUNK_MIN 16384

void h248_arena_init(struct h248_arena *a, void *buf, size_t size)
{
	memset(a, 0, sizeof(*a));
	a->fixed = buf;
	a->fixed_size = size;
}

void h248_arena_reset(struct h248_arena *a)
{
	a->cur = a->head;
	a->used = 0;
	a->total = 0;
}

void h248_arena_release(struct h248_arena *a)
{
	struct h248_arena_chunk *c = a->head, *n;

	for (; c; c = n) {
		n = c->next;
		if (c->heap)
			free(c);
	}
	a->head = a->cur = NULL;
	a->used = a->total = 0;
}

static struct h248_arena_chunk *chunk_new(struct h248_arena *a, size_t need)
{
	struct h248_arena_chunk *c;
	size_t size = H248_CHUNK_MIN;

	/* The caller buffer becomes the first chunk, header carved from it. */
	if (!a->head && a->fixed && a->fixed_size > sizeof(*c) + H248_ALIGN) {
		c = (struct h248_arena_chunk *)(((uintptr_t)a->fixed +
						 H248_ALIGN - 1) &
						~(uintptr_t)(H248_ALIGN - 1));
		c->mem = (char *)(c + 1);
		c->size = a->fixed_size - (size_t)(c->mem - a->fixed);
		c->heap = false;
		c->next = NULL;
		if (c->size >= need)
			return c;
		a->head = a->cur = c;
	}
	while (size < need + H248_ALIGN)
		size *= 2;
	c = malloc(sizeof(*c) + size + H248_ALIGN);
	if (!c)
		return NULL;
	a->heap_allocs++;
	c->mem = (char *)(((uintptr_t)(c + 1) + H248_ALIGN - 1) &
			  ~(uintptr_t)(H248_ALIGN - 1));
	c->size = size;
	c->heap = true;
	c->next = NULL;
	return c;
}

void *h248_arena_alloc(struct h248_arena *a, size_t size)
{
	void *p = h248_arena_fast(a, size);

	if (p)
		memset(p, 0, size);
	return p;
}

void *h248_arena_slow(struct h248_arena *a, size_t size)
{
	struct h248_arena_chunk *c;
	void *p;

	size = (size + H248_ALIGN - 1) & ~(size_t)(H248_ALIGN - 1);
	if (a->limit && a->total + size > a->limit)
		return NULL;
	while (!a->cur || a->used + size > a->cur->size) {
		if (a->cur && a->cur->next) {
			a->cur = a->cur->next;
			a->used = 0;
			continue;
		}
		c = chunk_new(a, size);
		if (!c)
			return NULL;
		if (!a->head)
			a->head = c;
		else if (a->cur)
			a->cur->next = c;
		else {
			/* head exists but cur is NULL: append at the end */
			struct h248_arena_chunk *t = a->head;

			while (t->next)
				t = t->next;
			t->next = c;
		}
		a->cur = c;
		a->used = 0;
	}
	p = a->cur->mem + a->used;
	a->used += size;
	a->total += size;
	return p;
}

struct h248_str h248_arena_strdup(struct h248_arena *a, const char *s,
				  size_t len)
{
	char *p = h248_arena_alloc(a, len + 1);

	if (!p)
		return (struct h248_str){ NULL, 0 };
	memcpy(p, s, len);
	return (struct h248_str){ p, (uint32_t)len };
}

struct h248_str h248_arena_printf(struct h248_arena *a, const char *fmt, ...)
{
	va_list ap;
	char tmp[512];
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0)
		return (struct h248_str){ NULL, 0 };
	if ((size_t)n >= sizeof(tmp))
		n = sizeof(tmp) - 1;
	return h248_arena_strdup(a, tmp, (size_t)n);
}
