/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * TPKT framing (RFC 1006 section 6), which H.248.1 Annex D.2 uses for TCP:
 *   byte 0: version 3, byte 1: reserved 0, bytes 2-3: big-endian length of
 *   the whole packet including this 4-byte header.
 * Pure functions, no I/O: the reassembly state is the caller's.
 */
#ifndef AGW_TPKT_H
#define AGW_TPKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AGW_TPKT_HDR 4
#define AGW_TPKT_VERSION 3
#define AGW_TPKT_MAX_PACKET 65535
#define AGW_TPKT_MAX_PAYLOAD (AGW_TPKT_MAX_PACKET - AGW_TPKT_HDR)

/* Write the header for a payload of len bytes; -EMSGSIZE when too big. */
int agw_tpkt_header(uint8_t hdr[AGW_TPKT_HDR], size_t len);

typedef int (*agw_tpkt_msg_cb)(void *arg, const uint8_t *msg, size_t len);

struct agw_tpkt_rx {
	size_t max_payload; /* messages above this are an error */
	size_t have; /* bytes of the current packet held in buf */
	/* when the first byte of the packet in buf arrived (the now_ms given
	 * to agw_tpkt_feed_at); meaningful while have > 0 */
	uint64_t partial_since_ms;
	/* the offending header after -EPROTO or -EMSGSIZE */
	uint8_t bad_hdr[AGW_TPKT_HDR];
	uint8_t buf[AGW_TPKT_MAX_PACKET];
};

void agw_tpkt_rx_init(struct agw_tpkt_rx *rx, size_t max_payload);
/*
 * Consume a chunk of the byte stream; cb gets every complete message (a
 * pointer into data when a packet lies whole in it, else into rx->buf).
 * Returns 0, -EPROTO for a bad version/reserved byte or a length below one
 * payload byte, -EMSGSIZE for a packet above max_payload (both with the
 * header in rx->bad_hdr), or the first negative value cb returns. After an
 * error the stream is unusable: TPKT has no marker to resynchronise on,
 * so the connection must be closed. Splitting a stream into chunks in any
 * way gives the same messages and the same error as feeding it whole.
 */
int agw_tpkt_feed(struct agw_tpkt_rx *rx, const uint8_t *data, size_t len,
		  agw_tpkt_msg_cb cb, void *arg);
/* The same, noting now_ms as the start of a packet left partial. */
int agw_tpkt_feed_at(struct agw_tpkt_rx *rx, const uint8_t *data, size_t len,
		     uint64_t now_ms, agw_tpkt_msg_cb cb, void *arg);
/* A packet has been partial since before now_ms - timeout_ms. */
bool agw_tpkt_rx_expired(const struct agw_tpkt_rx *rx, uint64_t now_ms,
			 uint32_t timeout_ms);
/* "03 00 00 04" for the header in rx->bad_hdr; buf of at least 12. */
const char *agw_tpkt_bad_hdr_str(const struct agw_tpkt_rx *rx, char *buf,
				 size_t len);

#endif /* AGW_TPKT_H */
