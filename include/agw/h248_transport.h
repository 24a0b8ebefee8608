/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * H.248 transport for the MG side (H.248.1 Annex D): UDP, one message per
 * datagram; TCP to the MGC with TPKT framing, reconnected with backoff.
 * Only MGCs on the allow-list (address and port) are heard; everything
 * else is dropped without a reply, counted and logged (rate-limited).
 * Each MGC's datagrams arrive on a UDP socket connect()ed to it, bound to
 * the same local address and port as the shared socket, so a flood from
 * elsewhere fills only the shared socket, which is read at most 64
 * datagrams per loop turn. TCP: a bad TPKT header or a packet left
 * partial for tpkt_timeout_ms resets the connection (logged with the
 * header bytes). No H.248 parsing happens here.
 */
#ifndef AGW_H248_TRANSPORT_H
#define AGW_H248_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agw/sockaddr.h"

struct agw_evloop;
struct agw_h248_transport;

enum agw_h248_proto {
	AGW_H248_UDP,
	AGW_H248_TCP,
};

struct agw_h248_transport_cfg {
	struct agw_sockaddr local; /* UDP bind address and port */
	const struct agw_sockaddr *mgc; /* allow-list; TCP tries in order */
	unsigned int nmgc;
	bool udp, tcp;
	uint32_t retry_ms, retry_max_ms; /* TCP reconnect backoff */
	uint32_t connect_timeout_ms; /* 0: 10 s */
	size_t max_msg; /* 0: the TPKT maximum */
	uint32_t tpkt_timeout_ms; /* a partial TPKT packet; 0: 5 s */
};

/* Callbacks may send, but must not free the transport. */
struct agw_h248_transport_cbs {
	/* One complete H.248 message; msg is valid during the call only. */
	void (*on_message)(void *arg, enum agw_h248_proto proto,
			   const struct agw_sockaddr *peer, const uint8_t *msg,
			   size_t len);
	/*
	 * TCP connection to an MGC established (up) or lost (!up: the
	 * caller restarts registration). Optional.
	 */
	void (*on_mgc_link)(void *arg, bool up, const struct agw_sockaddr *mgc);
};

struct agw_h248_transport_stats {
	uint64_t rx_msgs, tx_msgs;
	uint64_t dropped_not_allowed; /* datagrams from outside the list */
	uint64_t tcp_framing_errors;
	uint64_t tcp_connects, tcp_losses;
	uint64_t tcp_queued; /* bytes waiting for the MGC to read */
	bool tcp_up;
	struct agw_sockaddr tcp_peer; /* valid when tcp_up */
	struct agw_sockaddr udp_local; /* the bound UDP address */
};

int agw_h248_transport_new(struct agw_evloop *loop,
			   const struct agw_h248_transport_cfg *cfg,
			   const struct agw_h248_transport_cbs *cbs, void *arg,
			   struct agw_h248_transport **out);
void agw_h248_transport_free(struct agw_h248_transport *t);

/*
 * Send one message. UDP: to peer; sent from an on_message callback of a
 * datagram, it is queued and the replies of the burst of datagrams read
 * in one recvmmsg go out together with sendmmsg when the callbacks are
 * done (0 is returned; a failure is logged then). TCP: on the MGC connection (peer is
 * ignored); -ENOTCONN while it is down. Output that the socket does not
 * take at once is queued in order.
 */
int agw_h248_send(struct agw_h248_transport *t, enum agw_h248_proto proto,
		  const struct agw_sockaddr *peer, const void *msg, size_t len);
/* peer (address and port) is on the allow-list. */
bool agw_h248_mgc_allowed(const struct agw_h248_transport *t,
			  const struct agw_sockaddr *peer);
/*
 * Go to the MGC cfg.mgc[idx] (a redirect or HandOff): UDP sends there from
 * now on (the caller's peer); TCP closes the connection without calling
 * on_mgc_link(down) and connects to that MGC (on_mgc_link(up) follows).
 */
void agw_h248_transport_use_mgc(struct agw_h248_transport *t,
				unsigned int idx);
/*
 * Replace the MGC list (allow-list and per-MGC UDP sockets): sockets of
 * MGCs that stay are kept, those of MGCs that went are closed, new ones
 * opened; on error (-errno) nothing changed. *cur (if cur) is the new
 * index of the MGC the transport was using, or -ENOENT when it went; then
 * the transport's MGC is the first of the list, and a caller using TCP
 * moves its connection there with agw_h248_transport_use_mgc().
 */
int agw_h248_transport_set_mgc(struct agw_h248_transport *t,
			       const struct agw_sockaddr *mgc,
			       unsigned int nmgc, int *cur);
void agw_h248_transport_get_stats(const struct agw_h248_transport *t,
				  struct agw_h248_transport_stats *st);
const char *agw_h248_proto_name(enum agw_h248_proto p);

#endif /* AGW_H248_TRANSPORT_H */
