// SPDX-License-Identifier: GPL-2.0-only
/* Incoming-transaction table and reply cache; see the header. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "agw/bytepool.h"
#include "agw/h248_txn_cache.h"
#include "agw/log.h"

#define EVICT_LOG_MS 10000

struct agw_txn_cache {
	struct agw_evloop *loop;
	struct agw_bytepool pool;
	uint32_t long_timer_ms;
	uint32_t capacity, used;
	uint32_t nbuckets; /* power of two */
	uint32_t *buckets; /* index + 1 of the first entry, 0 = empty */
	uint32_t free_head; /* index + 1 */
	/* replied entries, oldest reply first: evicted first when full */
	uint32_t old_head, old_tail; /* index + 1 */
	uint64_t evicted; /* total */
	uint32_t evicted_logged; /* evicted when the last log line went out */
	struct agw_timer evict_log;
	struct agw_txn *slab;
};

uint64_t agw_txn_sender_key(const char *mid, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < len; i++) {
		unsigned char ch = mid[i];

		if (ch >= 'A' && ch <= 'Z')
			ch += 'a' - 'A';
		h ^= ch;
		h *= 0x100000001b3ULL;
	}
	return h;
}

static uint32_t bucket_of(const struct agw_txn_cache *c, uint64_t sender,
			  uint32_t tid)
{
	uint64_t h = (sender ^ tid) * 0x9e3779b97f4a7c15ULL;

	return (h >> 32) & (c->nbuckets - 1);
}

static struct agw_txn *at(struct agw_txn_cache *c, uint32_t idx1)
{
	return idx1 ? &c->slab[idx1 - 1] : NULL;
}

static uint32_t idx1_of(const struct agw_txn_cache *c, const struct agw_txn *t)
{
	return (uint32_t)(t - c->slab) + 1;
}

static struct agw_txn *find(struct agw_txn_cache *c, uint64_t sender,
			    uint32_t tid)
{
	for (struct agw_txn *t = at(c, c->buckets[bucket_of(c, sender, tid)]);
	     t; t = at(c, t->next))
		if (t->sender == sender && t->tid == tid)
			return t;
	return NULL;
}

static void old_append(struct agw_txn_cache *c, struct agw_txn *txn)
{
	uint32_t me = idx1_of(c, txn);

	txn->older = c->old_tail;
	txn->newer = 0;
	if (c->old_tail)
		at(c, c->old_tail)->newer = me;
	else
		c->old_head = me;
	c->old_tail = me;
}

static void old_remove(struct agw_txn_cache *c, struct agw_txn *txn)
{
	if (txn->older)
		at(c, txn->older)->newer = txn->newer;
	else
		c->old_head = txn->newer;
	if (txn->newer)
		at(c, txn->newer)->older = txn->older;
	else
		c->old_tail = txn->older;
	txn->older = txn->newer = 0;
}

static void unlink_and_free(struct agw_txn_cache *c, struct agw_txn *txn)
{
	uint32_t *p = &c->buckets[bucket_of(c, txn->sender, txn->tid)];
	uint32_t me = idx1_of(c, txn);

	if (txn->state == AGW_TXN_REPLIED)
		old_remove(c, txn);
	while (*p != me)
		p = &at(c, *p)->next;
	*p = txn->next;
	agw_timer_stop(c->loop, &txn->long_timer);
	if (txn->reply)
		agw_bytepool_free(&c->pool, txn->reply, txn->reply_len);
	txn->reply = NULL;
	txn->reply_len = 0;
	txn->state = AGW_TXN_NEW; /* free */
	txn->next = c->free_head;
	c->free_head = me;
	c->used--;
}

static void on_long_timer(struct agw_timer *tm)
{
	struct agw_txn *txn = tm->arg;

	unlink_and_free(txn->cache, txn);
}

/* Log the evictions since the last line; at most one line per interval. */
static void log_evictions(struct agw_txn_cache *c)
{
	uint32_t n = (uint32_t)c->evicted - c->evicted_logged;

	if (!n)
		return;
	c->evicted_logged = (uint32_t)c->evicted;
	agw_warn(
		"h248: reply cache full (%u entries): evicted %u oldest cached replies (TransactionResponseAck missing? a retransmission of those requests executes again)",
		c->capacity, n);
	agw_timer_start(c->loop, &c->evict_log, EVICT_LOG_MS);
}

static void on_evict_log(struct agw_timer *tm)
{
	log_evictions(tm->arg);
}

static bool evict_oldest(struct agw_txn_cache *c)
{
	struct agw_txn *old = at(c, c->old_head);

	if (!old)
		return false;
	unlink_and_free(c, old);
	c->evicted++;
	if (!agw_timer_armed(&c->evict_log))
		log_evictions(c);
	return true;
}

int agw_txn_cache_new(struct agw_evloop *loop, uint32_t capacity,
		      uint32_t long_timer_ms, struct agw_txn_cache **out)
{
	struct agw_txn_cache *c;

	if (!capacity || capacity > (1u << 28))
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->loop = loop;
	agw_bytepool_init(&c->pool);
	c->long_timer_ms = long_timer_ms;
	c->capacity = capacity;
	agw_timer_init(&c->evict_log, on_evict_log, c);
	c->nbuckets = 16;
	while (c->nbuckets < capacity)
		c->nbuckets *= 2;
	c->buckets = calloc(c->nbuckets, sizeof(*c->buckets));
	c->slab = calloc(capacity, sizeof(*c->slab));
	if (!c->buckets || !c->slab) {
		agw_txn_cache_free(c);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < capacity; i++) {
		c->slab[i].cache = c;
		c->slab[i].next = i + 2 <= capacity ? i + 2 : 0;
		agw_timer_init(&c->slab[i].long_timer, on_long_timer,
			       &c->slab[i]);
	}
	c->free_head = 1;
	*out = c;
	return 0;
}

void agw_txn_cache_free(struct agw_txn_cache *c)
{
	if (!c)
		return;
	agw_timer_stop(c->loop, &c->evict_log);
	if (c->slab && c->buckets) {
		for (uint32_t b = 0; b < c->nbuckets; b++)
			while (c->buckets[b])
				unlink_and_free(c, at(c, c->buckets[b]));
	}
	agw_bytepool_fini(&c->pool);
	free(c->slab);
	free(c->buckets);
	free(c);
}

int agw_txn_cache_begin(struct agw_txn_cache *c, uint64_t sender, uint32_t tid,
			struct agw_txn **txn)
{
	struct agw_txn *t = find(c, sender, tid);
	uint32_t b;

	if (t) {
		*txn = t;
		return t->state;
	}
	/* old replies never stand in the way of a new request */
	if (!c->free_head && !evict_oldest(c))
		return -ENOSPC;
	t = at(c, c->free_head);
	c->free_head = t->next;
	t->sender = sender;
	t->tid = tid;
	t->state = AGW_TXN_EXECUTING;
	t->reply = NULL;
	t->reply_len = 0;
	b = bucket_of(c, sender, tid);
	t->next = c->buckets[b];
	c->buckets[b] = idx1_of(c, t);
	c->used++;
	*txn = t;
	return AGW_TXN_NEW;
}

int agw_txn_cache_reply(struct agw_txn_cache *c, struct agw_txn *txn,
			const void *reply, size_t len)
{
	uint8_t *buf;

	if (txn->state != AGW_TXN_EXECUTING || !len || len > UINT32_MAX)
		return -EINVAL;
	buf = agw_bytepool_alloc(&c->pool, len);
	if (!buf)
		return -ENOMEM;
	memcpy(buf, reply, len);
	txn->reply = buf;
	txn->reply_len = len;
	txn->state = AGW_TXN_REPLIED;
	old_append(c, txn);
	return agw_timer_start(c->loop, &txn->long_timer, c->long_timer_ms);
}

void agw_txn_cache_drop(struct agw_txn_cache *c, struct agw_txn *txn)
{
	unlink_and_free(c, txn);
}

unsigned int agw_txn_cache_ack(struct agw_txn_cache *c, uint64_t sender,
			       uint32_t first, uint32_t last)
{
	unsigned int n = 0;

	if (first > last)
		return 0;
	/*
	 * A range can be huge (K{1-4294967295}) while the cache holds at
	 * most capacity entries: walk whichever is smaller.
	 */
	if ((uint64_t)last - first < c->capacity) {
		for (uint64_t tid = first; tid <= last; tid++) {
			struct agw_txn *t = find(c, sender, tid);

			if (t && t->state == AGW_TXN_REPLIED) {
				unlink_and_free(c, t);
				n++;
			}
		}
		return n;
	}
	for (uint32_t i = 0; i < c->capacity; i++) {
		struct agw_txn *t = &c->slab[i];

		if (t->reply && t->state == AGW_TXN_REPLIED &&
		    t->sender == sender && t->tid >= first && t->tid <= last) {
			unlink_and_free(c, t);
			n++;
		}
	}
	return n;
}

uint32_t agw_txn_cache_count(const struct agw_txn_cache *c)
{
	return c->used;
}

uint32_t agw_txn_cache_capacity(const struct agw_txn_cache *c)
{
	return c->capacity;
}

uint64_t agw_txn_cache_evicted(const struct agw_txn_cache *c)
{
	return c->evicted;
}
