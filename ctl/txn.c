// SPDX-License-Identifier: GPL-2.0-only
/*
 * agwd's H.248 transaction layer (H.248.1 clause 8 and Annex D.1): decode
 * each message into an arena reset per message, answer every request
 * transaction once (the reply cache resends the same bytes for
 * retransmissions), honour TransactionResponseAck and ImmAckRequired, and
 * hand replies to MG-originated requests to the outgoing table. Requests
 * are executed and replies reported through the callbacks agwd_txn_init()
 * was given (struct agwd_txn_cbs): this file calls no other of ctl/.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "agw/log.h"
#include "agwd.h"
#include "metrics.h"

#define ARENA_BUF 65536

static bool looks_compact(const uint8_t *msg, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (msg[i] == ' ' || msg[i] == '\t' || msg[i] == '\r' ||
		    msg[i] == '\n')
			continue;
		return msg[i] == '!';
	}
	return false;
}

/* "[1.2.3.4]:2944", "[::1]", "<name>:port" or a device name. */
static void parse_own_mid(const char *s, struct h248_mid *m)
{
	const char *end, *p;

	memset(m, 0, sizeof(*m));
	if (s[0] == '[' && (end = strchr(s, ']'))) {
		m->addr = (struct h248_str){ s + 1, (uint32_t)(end - s - 1) };
		m->kind = memchr(s + 1, ':', (size_t)(end - s - 1)) ?
				  H248_MID_IP6 :
				  H248_MID_IP4;
	} else if (s[0] == '<' && (end = strchr(s, '>'))) {
		m->addr = (struct h248_str){ s + 1, (uint32_t)(end - s - 1) };
		m->kind = H248_MID_DOMAIN;
	} else {
		m->addr = (struct h248_str){ s, (uint32_t)strlen(s) };
		m->kind = H248_MID_DEVICE;
		return;
	}
	p = end + 1;
	if (*p == ':') {
		m->has_port = true;
		m->port = (uint16_t)strtoul(p + 1, NULL, 10);
	}
}

/* One line for the log: control characters escaped, length capped. */
static void escape(const uint8_t *m, size_t len, char *out, size_t outlen)
{
	size_t o = 0;

	for (size_t i = 0; i < len && o + 5 < outlen; i++) {
		if (m[i] == '\n') {
			out[o++] = '\\';
			out[o++] = 'n';
		} else if (m[i] == '\r') {
			out[o++] = '\\';
			out[o++] = 'r';
		} else if (m[i] < 0x20 || m[i] >= 0x7f) {
			o += snprintf(out + o, outlen - o, "\\x%02x", m[i]);
		} else {
			out[o++] = m[i];
		}
	}
	out[o] = 0;
}

void agwd_h248_dump(const char *dir, enum agw_h248_proto proto,
		    const struct agw_sockaddr *peer, const void *msg,
		    size_t len)
{
	char a[AGW_ADDRSTRLEN], text[768];

	if (!agw_log_enabled(AGW_LOG_DEBUG))
		return;
	escape(msg, len, text, sizeof(text));
	agw_dbg("h248 %s %s %s %s, %zu bytes: %s", dir,
		agw_h248_proto_name(proto), !strcmp(dir, "rx") ? "from" : "to",
		agw_sockaddr_str(peer, true, a, sizeof(a)), len, text);
}

static void send_bytes(struct agwd *d, enum agw_h248_proto proto,
		       const struct agw_sockaddr *peer, const void *b,
		       size_t len)
{
	int err = agw_h248_send(d->h248, proto, peer, b, len);

	if (err)
		agw_warn("h248: send %zu bytes over %s: %s", len,
			 agw_h248_proto_name(proto), strerror(-err));
	else
		agwd_h248_dump("tx", proto, peer, b, len);
}

/* Encode m in the request's form and send it; *out gets the bytes. */
static int encode_send(struct agwd *d, struct h248_message *m,
		       enum agw_h248_proto proto,
		       const struct agw_sockaddr *peer, struct h248_str *out)
{
	int err = h248_encode_arena(
		m, d->compact ? H248_ENC_COMPACT : H248_ENC_PRETTY, &d->arena,
		out);

	if (err) {
		agw_err("h248: cannot encode a reply: %s", strerror(-err));
		return err;
	}
	send_bytes(d, proto, peer, out->ptr, out->len);
	return 0;
}

/* A reply whose transaction carries only an error (not cached). */
static void send_trans_error(struct agwd *d, enum agw_h248_proto proto,
			     const struct agw_sockaddr *peer, uint32_t tid,
			     int code, const char *text)
{
	struct h248_message *m = h248_build_message(&d->arena, d->version,
						    &d->mid);
	struct h248_transaction *t;
	struct h248_str out;

	if (!m)
		return;
	t = h248_build_transaction(&d->arena, m, H248_TR_REPLY, tid);
	if (!t || !h248_build_error(&d->arena, &t->error, code, text))
		return;
	agwd_metric_error(code);
	encode_send(d, m, proto, peer, &out);
}

static void reply_undecodable(struct agwd *d, enum agw_h248_proto proto,
			      const struct agw_sockaddr *peer,
			      const struct h248_error *e)
{
	char text[160];
	struct h248_message *m;
	struct h248_str out;

	h248_error_format(e, text, sizeof(text));
	agw_info("h248: undecodable message from peer: %s", text);
	d->rx_errors++;
	h248_arena_reset(&d->arena);
	if (e->has_tid && e->trans_kind == H248_TR_REQUEST) {
		send_trans_error(d, proto, peer, e->tid,
				 H248_E_SYNTAX_MESSAGE, text);
		return;
	}
	if (e->has_tid)
		return; /* a broken reply or ack: nothing to answer */
	m = h248_build_message(&d->arena, d->version, &d->mid);
	if (!m || !h248_build_error(&d->arena, &m->error,
				    e->code == H248_E_VERSION ?
					    H248_E_VERSION :
					    H248_E_SYNTAX_MESSAGE,
				    text))
		return;
	encode_send(d, m, proto, peer, &out);
}

static void send_pending(struct agwd *d, enum agw_h248_proto proto,
			 const struct agw_sockaddr *peer, uint32_t tid)
{
	struct h248_message *m = h248_build_message(&d->arena, d->version,
						    &d->mid);
	struct h248_str out;

	if (m && h248_build_transaction(&d->arena, m, H248_TR_PENDING, tid))
		encode_send(d, m, proto, peer, &out);
}

static void handle_request(struct agwd *d, enum agw_h248_proto proto,
			   const struct agw_sockaddr *peer, uint64_t sender,
			   const struct h248_transaction *t)
{
	struct h248_message *rm;
	struct h248_transaction *rt;
	struct agw_txn *txn;
	struct h248_str out;
	int st;
	uint64_t t0 = agwd_metric_now_ns();

	d->rx_requests++;
	if (d->reg != AGWD_REGISTERED) {
		/* not cached: the MGC's next association starts afresh */
		send_trans_error(
			d, proto, peer, t->id, H248_E_NOT_REGISTERED,
			"Transaction Request Received before a ServiceChange Reply has been received");
		return;
	}
	st = agw_txn_cache_begin(d->cache, sender, t->id, &txn);
	if (st < 0) {
		send_trans_error(d, proto, peer, t->id, H248_E_RESOURCES,
				 "transaction table full");
		return;
	}
	if (st == AGW_TXN_REPLIED) {
		agw_dbg("h248: T=%u again: cached reply", t->id);
		send_bytes(d, proto, peer, txn->reply, txn->reply_len);
		return;
	}
	if (st == AGW_TXN_EXECUTING) {
		send_pending(d, proto, peer, t->id);
		return;
	}
	rm = h248_build_message(&d->arena, d->version, &d->mid);
	rt = rm ? h248_build_transaction(&d->arena, rm, H248_TR_REPLY, t->id) :
		  NULL;
	if (!rt) {
		agw_txn_cache_drop(d->cache, txn);
		return;
	}
	{
		char a[AGW_ADDRSTRLEN];

		agw_log_field_set(AGW_LOG_F_PEER, "%s",
				  agw_sockaddr_str(peer, true, a, sizeof(a)));
		agw_log_field_set(AGW_LOG_F_TRANSACTION, "%u", t->id);
		d->txn_cbs->execute(d, t, rt);
		agw_log_fields_clear();
	}
	if (!rt->actions && !rt->error)
		h248_build_error(&d->arena, &rt->error, H248_E_INTERNAL,
				 "internal error: empty reply");
	if (encode_send(d, rm, proto, peer, &out)) {
		agw_txn_cache_drop(d->cache, txn);
		return;
	}
	agwd_metric_txn_done(t0);
	if (agw_txn_cache_reply(d->cache, txn, out.ptr, out.len))
		agw_txn_cache_drop(d->cache, txn);
}

static void send_response_ack(struct agwd *d, enum agw_h248_proto proto,
			      const struct agw_sockaddr *peer, uint32_t tid)
{
	struct h248_message *m = h248_build_message(&d->arena, d->version,
						    &d->mid);
	struct h248_transaction *t;
	struct h248_str out;

	t = m ? h248_build_transaction(&d->arena, m, H248_TR_RESPONSE_ACK, 0) :
		NULL;
	if (!t)
		return;
	t->acks = h248_arena_alloc(&d->arena, sizeof(*t->acks));
	if (!t->acks)
		return;
	t->nacks = 1;
	t->acks[0].first = t->acks[0].last = tid;
	encode_send(d, m, proto, peer, &out);
}

static void handle_reply(struct agwd *d, enum agw_h248_proto proto,
			 const struct agw_sockaddr *peer, uint64_t sender,
			 const struct h248_transaction *t)
{
	d->mgc_sender = sender;
	if (t->imm_ack)
		send_response_ack(d, proto, peer, t->id);
	d->hb_missed = 0;
	/* done() runs inside and sees the reply through d->last_reply */
	d->last_reply = t;
	if (agw_txn_out_reply(d->out, t->id))
		agw_dbg("h248: late or unknown reply T=%u", t->id);
	d->last_reply = NULL;
}

void agwd_txn_receive(struct agwd *d, enum agw_h248_proto proto,
		      const struct agw_sockaddr *peer, const uint8_t *msg,
		      size_t len)
{
	struct h248_message *m;
	struct h248_error e;
	uint64_t sender;

	h248_arena_reset(&d->arena);
	d->compact = looks_compact(msg, len);
	d->in_receive = true;
	if (h248_decode((const char *)msg, len, &d->limits, &d->arena, &m,
			&e)) {
		reply_undecodable(d, proto, peer, &e);
		goto out;
	}
	if (m->error) {
		agw_warn("h248: message-level error from the MGC: %.*s",
			 (int)m->error->body.len, m->error->body.ptr);
		goto out;
	}
	sender = agw_txn_sender_key(m->mid.addr.ptr, m->mid.addr.len) ^
		 m->mid.port;
	for (const struct h248_transaction *t = m->trans; t; t = t->next) {
		switch (t->kind) {
		case H248_TR_REQUEST:
			handle_request(d, proto, peer, sender, t);
			break;
		case H248_TR_REPLY:
			handle_reply(d, proto, peer, sender, t);
			break;
		case H248_TR_PENDING:
			agw_txn_out_pending(d->out, t->id);
			break;
		case H248_TR_RESPONSE_ACK:
			for (unsigned int i = 0; i < t->nacks; i++)
				agw_txn_cache_ack(d->cache, sender,
						  t->acks[i].first,
						  t->acks[i].last);
			break;
		default:
			break;
		}
	}
out:
	d->in_receive = false;
}

void agwd_txn_prepare(struct agwd *d)
{
	if (!d->in_receive)
		h248_arena_reset(&d->arena);
}

/* ---- MG-originated requests ----------------------------------------- */

static void out_send(void *arg, uint32_t tid, const uint8_t *msg, size_t len,
		     void *user)
{
	struct agwd *d = arg;

	send_bytes(d, d->out_proto, &d->mgc_addr, msg, len);
}

static void out_done(void *arg, uint32_t tid, enum agw_txn_out_result res,
		     void *user)
{
	struct agwd *d = arg;
	enum agwd_out_kind kind = (enum agwd_out_kind)(uintptr_t)user;

	d->txn_cbs->done(d, kind, tid, res == AGW_TXN_OUT_REPLY,
			 res == AGW_TXN_OUT_REPLY ? d->last_reply : NULL);
}

struct h248_transaction *agwd_txn_new_request(struct agwd *d,
					      struct h248_message **m,
					      uint32_t *tid)
{
	*tid = agw_txn_out_next_tid(d->out);
	*m = h248_build_message(&d->arena, d->version, &d->mid);
	return *m ? h248_build_transaction(&d->arena, *m, H248_TR_REQUEST,
					   *tid) :
		    NULL;
}

int agwd_txn_request(struct agwd *d, struct h248_message *m, uint32_t tid,
		     enum agwd_out_kind kind)
{
	struct h248_str out;
	int err;

	err = h248_encode_arena(m, H248_ENC_PRETTY, &d->arena, &out);
	if (err)
		return err;
	return agw_txn_out_start(d->out, tid, out.ptr, out.len,
				 d->out_proto == AGW_H248_UDP,
				 (void *)(uintptr_t)kind);
}

int agwd_txn_init(struct agwd *d, const struct agwd_txn_cbs *cbs)
{
	static const struct agw_txn_out_cbs ocbs = { out_send, out_done };
	struct agw_txn_out_cfg oc = {
		.retransmit_ms = AGWD_MGC_EXEC_MS,
		.retransmit_max_ms = 4000,
		.give_up_ms = 10000,
		.pending_ms = d->cfg.long_timer_ms,
	};
	int err;

	d->txn_cbs = cbs;
	h248_limits_default(&d->limits);
	d->arena_mem = malloc(ARENA_BUF);
	if (!d->arena_mem)
		return -ENOMEM;
	h248_arena_init(&d->arena, d->arena_mem, ARENA_BUF);
	parse_own_mid(d->cfg.mid, &d->mid);
	d->version = AGWD_H248_VERSION;
	d->out_proto = d->cfg.tcp ? AGW_H248_TCP : AGW_H248_UDP;
	d->mgc_addr = d->cfg.mgc[0];
	err = agw_txn_cache_new(d->loop, d->cfg.max_terminations + 1024,
				d->cfg.long_timer_ms, &d->cache);
	if (err)
		return err;
	return agw_txn_out_new(d->loop, 4096, &oc, &ocbs, d, &d->out);
}

void agwd_txn_fini(struct agwd *d)
{
	agw_txn_out_free(d->out);
	agw_txn_cache_free(d->cache);
	h248_arena_release(&d->arena);
	free(d->arena_mem);
}
