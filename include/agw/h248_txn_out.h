/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * MG-originated H.248 requests (ServiceChange, Notify): the encoded
 * request is kept and, over UDP, retransmitted with doubling intervals
 * until a reply arrives; a TransactionPending from the MGC stops the
 * retransmissions and extends the wait; no answer within give_up_ms ends
 * the transaction as TIMEOUT (for registration and heartbeat: the MGC is
 * lost). Codec-independent: it stores and resends bytes.
 */
#ifndef AGW_H248_TXN_OUT_H
#define AGW_H248_TXN_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agw/evloop.h"

struct agw_txn_out;

enum agw_txn_out_result {
	AGW_TXN_OUT_REPLY,
	AGW_TXN_OUT_TIMEOUT,
	AGW_TXN_OUT_CANCELLED,
};

struct agw_txn_out_cfg {
	uint32_t retransmit_ms; /* first UDP retransmission after this */
	uint32_t retransmit_max_ms; /* doubling stops here */
	uint32_t give_up_ms; /* no reply (or Pending) within: TIMEOUT */
	uint32_t pending_ms; /* after a Pending, wait this for the next */
};

struct agw_txn_out_cbs {
	/* Put the bytes on the wire (first time and every retransmission);
	 * it must not start or end requests itself. */
	void (*send)(void *arg, uint32_t tid, const uint8_t *msg, size_t len,
		     void *user);
	/* The transaction is over; it is already forgotten when this runs. */
	void (*done)(void *arg, uint32_t tid, enum agw_txn_out_result res,
		     void *user);
};

int agw_txn_out_new(struct agw_evloop *loop, uint32_t capacity,
		    const struct agw_txn_out_cfg *cfg,
		    const struct agw_txn_out_cbs *cbs, void *arg,
		    struct agw_txn_out **out);
/* Frees without calling done. */
void agw_txn_out_free(struct agw_txn_out *o);

/* The next transaction ID to encode into a request (never 0). */
uint32_t agw_txn_out_next_tid(struct agw_txn_out *o);
/*
 * Send the encoded request msg (a copy is kept) and track it.
 * retransmit: true over UDP, false over TCP. -EEXIST when tid is in
 * flight, -ENOSPC when capacity requests are.
 */
int agw_txn_out_start(struct agw_txn_out *o, uint32_t tid, const void *msg,
		      size_t len, bool retransmit, void *user);
/* A reply (or error reply) for tid arrived: done(REPLY). -ENOENT if late. */
int agw_txn_out_reply(struct agw_txn_out *o, uint32_t tid);
/* A TransactionPending for tid arrived. -ENOENT if unknown. */
int agw_txn_out_pending(struct agw_txn_out *o, uint32_t tid);
/* End every request with done(CANCELLED) (MGC lost, shutdown). */
void agw_txn_out_cancel_all(struct agw_txn_out *o);
uint32_t agw_txn_out_count(const struct agw_txn_out *o);

#endif /* AGW_H248_TXN_OUT_H */
