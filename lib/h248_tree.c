// SPDX-License-Identifier: GPL-2.0-only
/* H.248 trees: equality, lookup helpers and the builder for replies. */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "h248_priv.h"

bool h248_str_eq(struct h248_str a, struct h248_str b)
{
	return a.len == b.len && (!a.len || !memcmp(a.ptr, b.ptr, a.len));
}

bool h248_str_eq_lit(struct h248_str a, const char *lit)
{
	size_t n = strlen(lit);

	return a.len == n && !strncasecmp(a.ptr, lit, n);
}

/* ---- equality ---- */

static bool value_eq(const struct h248_value *a, const struct h248_value *b)
{
	if (a->kw != b->kw || a->quoted != b->quoted)
		return false;
	return a->kw ? true : h248_str_eq(a->s, b->s);
}

/* "{ }" is implied by children, so built and decoded trees compare equal */
static uint8_t node_flags(const struct h248_node *n)
{
	return n->child ? n->flags | H248_NF_BODY : n->flags;
}

static uint8_t cmd_flags(const struct h248_command *c)
{
	return c->desc ? c->flags | H248_CMDF_BODY : c->flags;
}

static bool nodes_eq(const struct h248_node *a, const struct h248_node *b)
{
	unsigned int i;

	for (; a && b; a = a->next, b = b->next) {
		if (a->kw != b->kw || a->op != b->op || a->vform != b->vform ||
		    node_flags(a) != node_flags(b) || a->nv != b->nv)
			return false;
		if (!a->kw && !h248_str_eq(a->name, b->name))
			return false;
		if (!h248_str_eq(a->ts, b->ts) ||
		    !h248_str_eq(a->body, b->body))
			return false;
		for (i = 0; i < a->nv; i++)
			if (!value_eq(&a->v[i], &b->v[i]))
				return false;
		if (!nodes_eq(a->child, b->child))
			return false;
	}
	return !a && !b;
}

static bool cmds_eq(const struct h248_command *a, const struct h248_command *b)
{
	unsigned int i;

	for (; a && b; a = a->next, b = b->next) {
		if (a->cmd != b->cmd || cmd_flags(a) != cmd_flags(b) ||
		    a->ntids != b->ntids)
			return false;
		for (i = 0; i < a->ntids; i++)
			if (!h248_str_eq(a->tids[i].s, b->tids[i].s) ||
			    a->tids[i].flags != b->tids[i].flags)
				return false;
		if (!nodes_eq(a->desc, b->desc))
			return false;
	}
	return !a && !b;
}

static bool actions_eq(const struct h248_action *a, const struct h248_action *b)
{
	for (; a && b; a = a->next, b = b->next) {
		if (a->ctx_kind != b->ctx_kind || a->ctx_id != b->ctx_id ||
		    a->has_body != b->has_body)
			return false;
		if (!nodes_eq(a->props, b->props) ||
		    !cmds_eq(a->cmds, b->cmds) || !nodes_eq(a->error, b->error))
			return false;
	}
	return !a && !b;
}

bool h248_message_equal(const struct h248_message *a,
			const struct h248_message *b)
{
	const struct h248_transaction *s, *t;

	if (a->version != b->version || a->has_auth != b->has_auth ||
	    a->mid.kind != b->mid.kind || a->mid.has_port != b->mid.has_port ||
	    a->mid.port != b->mid.port ||
	    !h248_str_eq(a->mid.addr, b->mid.addr) ||
	    !nodes_eq(a->error, b->error))
		return false;
	if (a->has_auth && (!h248_str_eq(a->auth.spi, b->auth.spi) ||
			    !h248_str_eq(a->auth.seq, b->auth.seq) ||
			    !h248_str_eq(a->auth.data, b->auth.data)))
		return false;
	for (s = a->trans, t = b->trans; s && t; s = s->next, t = t->next) {
		if (s->kind != t->kind || s->has_id != t->has_id ||
		    s->id != t->id || s->imm_ack != t->imm_ack ||
		    s->has_segment != t->has_segment ||
		    s->segment != t->segment ||
		    s->segment_complete != t->segment_complete ||
		    s->nacks != t->nacks)
			return false;
		if (s->nacks &&
		    memcmp(s->acks, t->acks, s->nacks * sizeof(*s->acks)))
			return false;
		if (!actions_eq(s->actions, t->actions) ||
		    !nodes_eq(s->error, t->error))
			return false;
	}
	return !s && !t;
}

/* ---- lookup ---- */

struct h248_node *h248_node_find(const struct h248_node *list, enum h248_kw kw)
{
	for (; list; list = list->next)
		if (list->kw == kw)
			return (struct h248_node *)list;
	return NULL;
}

struct h248_node *h248_node_find_name(const struct h248_node *list,
				      const char *name)
{
	for (; list; list = list->next)
		if (list->kw == H248_KW_NAME &&
		    h248_str_eq_lit(list->name, name))
			return (struct h248_node *)list;
	return NULL;
}

int h248_node_uint(const struct h248_node *n, uint32_t *out)
{
	uint64_t v = 0;
	uint32_t i;

	if (!n || !n->nv || n->v[0].quoted || !n->v[0].s.len ||
	    n->v[0].s.len > 10)
		return -EINVAL;
	for (i = 0; i < n->v[0].s.len; i++) {
		char c = n->v[0].s.ptr[i];

		if (c < '0' || c > '9')
			return -EINVAL;
		v = v * 10 + (uint64_t)(c - '0');
	}
	if (v > UINT32_MAX)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

/* ---- builder ---- */

struct h248_message *h248_build_message(struct h248_arena *a, int version,
					const struct h248_mid *mid)
{
	struct h248_message *m = h248_arena_alloc(a, sizeof(*m));

	if (!m)
		return NULL;
	m->version = (uint8_t)version;
	m->mid = *mid;
	return m;
}

struct h248_transaction *h248_build_transaction(struct h248_arena *a,
						struct h248_message *m,
						enum h248_trans_kind kind,
						uint32_t id)
{
	struct h248_transaction *t = h248_arena_alloc(a, sizeof(*t)), **p;

	if (!t)
		return NULL;
	t->kind = (uint8_t)kind;
	t->id = id;
	t->has_id = true;
	for (p = &m->trans; *p; p = &(*p)->next)
		;
	*p = t;
	return t;
}

struct h248_action *h248_build_action(struct h248_arena *a,
				      struct h248_transaction *t,
				      enum h248_ctx_kind kind, uint32_t id)
{
	struct h248_action *act = h248_arena_alloc(a, sizeof(*act)), **p;

	if (!act)
		return NULL;
	act->ctx_kind = (uint8_t)kind;
	act->ctx_id = id;
	for (p = &t->actions; *p; p = &(*p)->next)
		;
	*p = act;
	return act;
}

struct h248_command *h248_build_command(struct h248_arena *a,
					struct h248_action *act,
					enum h248_cmd cmd,
					struct h248_str termid)
{
	struct h248_command *c = h248_arena_alloc(a, sizeof(*c)), **p;

	if (!c)
		return NULL;
	c->tids = h248_arena_alloc(a, sizeof(*c->tids));
	if (!c->tids)
		return NULL;
	c->cmd = (uint8_t)cmd;
	c->ntids = 1;
	c->tids[0].s = termid;
	act->has_body = true;
	for (p = &act->cmds; *p; p = &(*p)->next)
		;
	*p = c;
	return c;
}

struct h248_node *h248_build_node(struct h248_arena *a, struct h248_node **list,
				  enum h248_kw kw, struct h248_str name)
{
	struct h248_node *n = h248_arena_alloc(a, sizeof(*n)), **p;

	if (!n)
		return NULL;
	n->kw = (uint16_t)kw;
	n->name =
		kw == H248_KW_NAME ?
			name :
			(struct h248_str){ h248_kw_long(kw),
					   (uint32_t)strlen(h248_kw_long(kw)) };
	for (p = list; *p; p = &(*p)->next)
		;
	*p = n;
	return n;
}

int h248_build_value(struct h248_arena *a, struct h248_node *n, enum h248_op op,
		     struct h248_str value, bool quoted)
{
	struct h248_value *v = h248_arena_alloc(a, sizeof(*v));

	if (!v)
		return -ENOMEM;
	v->s = value;
	v->quoted = quoted;
	if (!quoted)
		v->kw = (uint16_t)h248_kw_lookup(value.ptr, value.len, 3);
	n->v = v;
	n->nv = 1;
	n->op = (uint8_t)op;
	n->vform = H248_VF_ONE;
	return 0;
}

void h248_build_body(struct h248_node *n, struct h248_str body)
{
	n->body = body;
	n->flags |= H248_NF_BODY | H248_NF_RAW;
}

/*
 * The error text goes out as a quotedString (H.248.1 Annex B): no '"',
 * no control character but a tab. Texts naming what the MGC sent (a
 * realm "x", a quoted value) keep their meaning with ' for ".
 */
static void quoted_safe(char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"')
			s[i] = '\'';
		else if ((c < 0x20 && c != '\t') || c >= 0x7f)
			s[i] = '?';
	}
}

struct h248_node *h248_build_error(struct h248_arena *a,
				   struct h248_node **list, int code,
				   const char *text)
{
	struct h248_node *n = h248_build_node(a, list, H248_KW_ERROR,
					      (struct h248_str){ NULL, 0 });

	if (!n || h248_build_value(a, n, H248_OP_EQ,
				   h248_arena_printf(a, "%d", code), false))
		return NULL;
	n->flags |= H248_NF_BODY;
	if (text) {
		n->body = h248_arena_strdup(a, text, strlen(text));
		if (!n->body.ptr)
			return NULL;
		quoted_safe((char *)n->body.ptr, n->body.len);
		n->flags |= H248_NF_RAW;
	}
	return n;
}
