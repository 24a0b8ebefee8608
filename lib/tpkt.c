// SPDX-License-Identifier: GPL-2.0-only
/* TPKT (RFC 1006) framing; see include/agw/tpkt.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "agw/tpkt.h"

int agw_tpkt_header(uint8_t hdr[AGW_TPKT_HDR], size_t len)
{
	size_t total = len + AGW_TPKT_HDR;

	if (len > AGW_TPKT_MAX_PAYLOAD)
		return -EMSGSIZE;
	hdr[0] = AGW_TPKT_VERSION;
	hdr[1] = 0;
	hdr[2] = total >> 8;
	hdr[3] = total & 0xff;
	return 0;
}

void agw_tpkt_rx_init(struct agw_tpkt_rx *rx, size_t max_payload)
{
	if (!max_payload || max_payload > AGW_TPKT_MAX_PAYLOAD)
		max_payload = AGW_TPKT_MAX_PAYLOAD;
	rx->max_payload = max_payload;
	rx->have = 0;
	rx->partial_since_ms = 0;
	memset(rx->bad_hdr, 0, sizeof(rx->bad_hdr));
}

/* Packet length from a header, or a negative error for a bad one. */
static long check_header(struct agw_tpkt_rx *rx, const uint8_t *h)
{
	size_t total = (size_t)h[2] << 8 | h[3];
	long err = 0;

	if (h[0] != AGW_TPKT_VERSION || h[1] != 0 || total <= AGW_TPKT_HDR)
		err = -EPROTO;
	else if (total - AGW_TPKT_HDR > rx->max_payload)
		err = -EMSGSIZE;
	if (err) {
		memcpy(rx->bad_hdr, h, AGW_TPKT_HDR);
		return err;
	}
	return total;
}

bool agw_tpkt_rx_expired(const struct agw_tpkt_rx *rx, uint64_t now_ms,
			 uint32_t timeout_ms)
{
	return rx->have && now_ms - rx->partial_since_ms >= timeout_ms;
}

const char *agw_tpkt_bad_hdr_str(const struct agw_tpkt_rx *rx, char *buf,
				 size_t len)
{
	const uint8_t *h = rx->bad_hdr;

	snprintf(buf, len, "%02x %02x %02x %02x", h[0], h[1], h[2], h[3]);
	return buf;
}

int agw_tpkt_feed(struct agw_tpkt_rx *rx, const uint8_t *data, size_t len,
		  agw_tpkt_msg_cb cb, void *arg)
{
	return agw_tpkt_feed_at(rx, data, len, 0, cb, arg);
}

int agw_tpkt_feed_at(struct agw_tpkt_rx *rx, const uint8_t *data, size_t len,
		     uint64_t now_ms, agw_tpkt_msg_cb cb, void *arg)
{
	long total;
	size_t take;
	int err;

	while (len) {
		if (rx->have == 0 && len >= AGW_TPKT_HDR) {
			/* Fast path: whole packets straight from data. */
			total = check_header(rx, data);
			if (total < 0)
				return total;
			if (len >= (size_t)total) {
				err = cb(arg, data + AGW_TPKT_HDR,
					 total - AGW_TPKT_HDR);
				if (err < 0)
					return err;
				data += total;
				len -= total;
				continue;
			}
		}
		/* Reassemble: first the header, then the rest. */
		if (rx->have < AGW_TPKT_HDR) {
			if (!rx->have)
				rx->partial_since_ms = now_ms;
			take = AGW_TPKT_HDR - rx->have;
			if (take > len)
				take = len;
			memcpy(rx->buf + rx->have, data, take);
			rx->have += take;
			data += take;
			len -= take;
			if (rx->have < AGW_TPKT_HDR)
				return 0;
		}
		total = check_header(rx, rx->buf);
		if (total < 0)
			return total;
		take = total - rx->have;
		if (take > len)
			take = len;
		memcpy(rx->buf + rx->have, data, take);
		rx->have += take;
		data += take;
		len -= take;
		if (rx->have == (size_t)total) {
			rx->have = 0;
			err = cb(arg, rx->buf + AGW_TPKT_HDR,
				 total - AGW_TPKT_HDR);
			if (err < 0)
				return err;
		}
	}
	return 0;
}
