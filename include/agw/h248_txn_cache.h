/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * H.248.1 incoming-transaction table and reply cache (the retransmission
 * rules of Annex D.1): a request seen again while it executes gets
 * TransactionPending; once answered, the encoded reply is kept for
 * LONG-TIMER so that a retransmitted request gets it again byte for byte;
 * a TransactionResponseAck releases replies early. The table holds at most
 * capacity entries; when it is full, a new request evicts the oldest
 * cached reply (logged once per 10 s with the count), so an MGC that
 * never acks cannot lock new transactions out: only requests still
 * executing hold their entry. Codec-independent: it
 * stores bytes, keyed by (sender, transaction ID).
 *
 * Entries come from a slab sized at creation; reply bytes from size-class
 * free lists (128 to 4096 bytes, grown 64 chunks at a time, kept until
 * the cache is freed), so steady traffic allocates nothing. Replies above
 * 4096 bytes are rare and use malloc.
 */
#ifndef AGW_H248_TXN_CACHE_H
#define AGW_H248_TXN_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "agw/evloop.h"

struct agw_txn_cache;

enum agw_txn_state {
	AGW_TXN_NEW, /* first time seen: execute it */
	AGW_TXN_EXECUTING, /* seen before, no reply yet: send Pending */
	AGW_TXN_REPLIED, /* answered: resend the cached reply */
};

struct agw_txn {
	uint64_t sender;
	uint32_t tid;
	uint8_t state; /* enum agw_txn_state, EXECUTING or REPLIED */
	uint32_t next; /* hash chain / free list, index + 1 (0 = none) */
	uint32_t older, newer; /* reply age list, index + 1, while REPLIED */
	struct agw_timer long_timer;
	struct agw_txn_cache *cache;
	uint32_t reply_len;
	uint8_t *reply; /* NULL while executing */
};

/* Sender key from the peer's MID text (FNV-1a; case-insensitive). */
uint64_t agw_txn_sender_key(const char *mid, size_t len);

int agw_txn_cache_new(struct agw_evloop *loop, uint32_t capacity,
		      uint32_t long_timer_ms, struct agw_txn_cache **out);
void agw_txn_cache_free(struct agw_txn_cache *c);

/*
 * Look up (sender, tid). Returns the state and sets *txn: for NEW a fresh
 * entry now EXECUTING; for REPLIED (*txn)->reply holds the bytes to send
 * again. When the table is full the oldest cached reply makes room;
 * -ENOSPC only when every entry is still executing (the caller answers
 * 510).
 */
int agw_txn_cache_begin(struct agw_txn_cache *c, uint64_t sender, uint32_t tid,
			struct agw_txn **txn);
/* Keep a copy of the reply and start the long timer. */
int agw_txn_cache_reply(struct agw_txn_cache *c, struct agw_txn *txn,
			const void *reply, size_t len);
/* Forget a transaction (e.g. its execution was abandoned). */
void agw_txn_cache_drop(struct agw_txn_cache *c, struct agw_txn *txn);
/*
 * TransactionResponseAck first..last from sender: replied entries in the
 * range are released; returns how many. Entries still executing stay.
 */
unsigned int agw_txn_cache_ack(struct agw_txn_cache *c, uint64_t sender,
			       uint32_t first, uint32_t last);
uint32_t agw_txn_cache_count(const struct agw_txn_cache *c);
uint32_t agw_txn_cache_capacity(const struct agw_txn_cache *c);
/* Cached replies evicted to make room, since creation. */
uint64_t agw_txn_cache_evicted(const struct agw_txn_cache *c);

#endif /* AGW_H248_TXN_CACHE_H */
