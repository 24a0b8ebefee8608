// SPDX-License-Identifier: GPL-2.0-only
/*
 * Contexts, termination IDs and the H.248 commands agwd executes. Each
 * command is checked in full before it changes anything (a failing
 * command changes nothing); the first failing command ends the
 * transaction with its error in the action reply, the commands before it
 * stay done (H.248.1 clause 8), and an optional ("O-") command's error is
 * reported in its own reply while processing goes on.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agw/json.h"
#include "agw/log.h"
#include "agw/profile.h"
#include "ctx.h"
#include "metrics.h"
#include "tls.h"

#define WILD_MAX AGWD_WILD_MAX

static struct h248_str str(const char *s)
{
	return (struct h248_str){ s, (uint32_t)strlen(s) };
}

/* ---- tables --------------------------------------------------------- */

int agwd_ctx_init(struct agwd *d)
{
	struct agwd_tables *tb = &d->tab;

	tb->max_ctx = d->cfg.max_contexts;
	tb->max_term = d->term_limit ? d->term_limit : d->cfg.max_terminations;
	tb->ctx = calloc(tb->max_ctx, sizeof(*tb->ctx));
	tb->ctx_free = calloc(tb->max_ctx, sizeof(uint32_t));
	tb->term = calloc(tb->max_term, sizeof(*tb->term));
	tb->term_free = calloc(tb->max_term, sizeof(uint32_t));
	d->sdp_a = malloc(sizeof(struct agw_sdp));
	d->sdp_b = malloc(sizeof(struct agw_sdp));
	if (!tb->ctx || !tb->ctx_free || !tb->term || !tb->term_free ||
	    !d->sdp_a || !d->sdp_b)
		return -ENOMEM;
	/* lowest IDs on top of the stacks */
	for (uint32_t i = 0; i < tb->max_ctx; i++)
		tb->ctx_free[i] = tb->max_ctx - 1 - i;
	tb->nctx_free = tb->max_ctx;
	for (uint32_t i = 0; i < tb->max_term; i++)
		tb->term_free[i] = tb->max_term - 1 - i;
	tb->nterm_free = tb->max_term;
	return 0;
}

static void term_free(struct agwd *d, struct agwd_term *t);

void agwd_ctx_release_all(struct agwd *d)
{
	while (d->all_terms) {
		struct agwd_term *t = d->all_terms;

		if (t->ctx)
			agwd_ctx_stop_relay(d, t->ctx);
		agwd_term_close(d, t);
		term_free(d, t);
	}
	for (uint32_t i = 0; i < d->tab.max_ctx && d->tab.nctx; i++)
		if (d->tab.ctx[i].id) {
			memset(&d->tab.ctx[i], 0, sizeof(d->tab.ctx[i]));
			d->tab.ctx_free[d->tab.nctx_free++] = i;
			d->tab.nctx--;
		}
}

void agwd_ctx_fini(struct agwd *d)
{
	if (d->tab.ctx)
		agwd_ctx_release_all(d);
	free(d->tab.ctx);
	free(d->tab.ctx_free);
	free(d->tab.term);
	free(d->tab.term_free);
	free(d->sdp_a);
	free(d->sdp_b);
}

static struct agwd_ctx *ctx_find(struct agwd *d, uint32_t id)
{
	if (!id || id > d->tab.max_ctx || !d->tab.ctx[id - 1].id)
		return NULL;
	return &d->tab.ctx[id - 1];
}

static struct agwd_ctx *ctx_new(struct agwd *d)
{
	uint32_t i;

	/* a released flow still draining holds a context's relay slot */
	if (!d->tab.nctx_free || d->tab.nctx + d->nreleased >= d->tab.max_ctx)
		return NULL;
	i = d->tab.ctx_free[--d->tab.nctx_free];
	d->tab.ctx[i].id = i + 1;
	d->tab.nctx++;
	return &d->tab.ctx[i];
}

static void ctx_free(struct agwd *d, struct agwd_ctx *c)
{
	uint32_t i = c->id - 1;

	memset(c, 0, sizeof(*c));
	d->tab.ctx_free[d->tab.nctx_free++] = i;
	d->tab.nctx--;
}

static void ctx_attach(struct agwd_ctx *c, struct agwd_term *t)
{
	for (unsigned int i = 0; i < AGWD_TERMS_PER_CTX; i++)
		if (!c->t[i]) {
			c->t[i] = t;
			c->nterm++;
			t->ctx = c;
			return;
		}
}

static void ctx_detach(struct agwd *d, struct agwd_term *t)
{
	struct agwd_ctx *c = t->ctx;

	if (!c)
		return;
	agwd_ctx_stop_relay(d, c);
	for (unsigned int i = 0; i < AGWD_TERMS_PER_CTX; i++)
		if (c->t[i] == t) {
			c->t[i] = NULL;
			c->nterm--;
		}
	t->ctx = NULL;
}

static struct agwd_term *term_new(struct agwd *d, struct agw_realm *r)
{
	struct agwd_term *t;
	uint32_t i;

	if (!d->tab.nterm_free)
		return NULL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	i = d->tab.term_free[--d->tab.nterm_free];
	d->tab.term[i] = t;
	d->tab.nterm++;
	t->d = d;
	t->num = i + 1;
	t->realm = r;
	t->lfd = t->cfd = -1;
	t->add_ms = agw_now_ms();
	if (d->cmd_ops)
		agw_timer_init(&t->sc_timer, d->cmd_ops->term_timer, t);
	snprintf(t->id, sizeof(t->id), "ip/%s/%u", r->cfg->name, t->num);
	t->next_all = d->all_terms;
	if (d->all_terms)
		d->all_terms->prev_all = t;
	d->all_terms = t;
	return t;
}

static void term_free(struct agwd *d, struct agwd_term *t)
{
	ctx_detach(d, t);
	agw_timer_stop(d->loop, &t->sc_timer);
	if (t->prev_all)
		t->prev_all->next_all = t->next_all;
	else
		d->all_terms = t->next_all;
	if (t->next_all)
		t->next_all->prev_all = t->prev_all;
	d->tab.term[t->num - 1] = NULL;
	d->tab.term_free[d->tab.nterm_free++] = t->num - 1;
	d->tab.nterm--;
	agwd_tls_term_free(t);
	free(t);
}

/* ---- termination IDs ------------------------------------------------ */

/*
 * ip/REALM/N, ip/REALM/$, ip/$, ip/REALM/(star), ip/(star), (star).
 * realm is NULL when the ID does not name one.
 */
struct tid_parse {
	const struct agw_realm_cfg *realm;
	bool choose, all;
	uint32_t num;
};

static int parse_tid(struct agwd *d, struct h248_str s, struct tid_parse *p,
		     struct agwd_err *e)
{
	const char *q = s.ptr, *end = s.ptr + s.len, *slash;
	uint64_t n = 0;

	memset(p, 0, sizeof(*p));
	if (s.len == 1 && q[0] == '*') {
		p->all = true;
		return 0;
	}
	if (s.len < 4 || strncasecmp(q, "ip/", 3))
		goto unknown;
	q += 3;
	slash = memchr(q, '/', (size_t)(end - q));
	if (slash) {
		for (unsigned int i = 0; i < d->cfg.nrealms; i++)
			if (strlen(d->cfg.realms[i].name) ==
				    (size_t)(slash - q) &&
			    !strncmp(d->cfg.realms[i].name, q,
				     (size_t)(slash - q)))
				p->realm = &d->cfg.realms[i];
		if (!p->realm)
			goto unknown;
		q = slash + 1;
	}
	if (end - q == 1 && *q == '$') {
		p->choose = true;
		return 0;
	}
	if (end - q == 1 && *q == '*') {
		p->all = true;
		return 0;
	}
	if (!slash || q == end || end - q > 9)
		goto unknown;
	for (; q < end; q++) {
		if (*q < '0' || *q > '9')
			goto unknown;
		n = n * 10 + (uint64_t)(*q - '0');
	}
	p->num = (uint32_t)n;
	return 0;
unknown:
	return agwd_errf(e, H248_E_UNKNOWN_TERMID,
			 "unknown termination ID %.*s", (int)s.len, s.ptr);
}

static struct agwd_term *term_by_num(struct agwd *d, const struct tid_parse *p)
{
	struct agwd_term *t;

	if (!p->num || p->num > d->tab.max_term)
		return NULL;
	t = d->tab.term[p->num - 1];
	return t && t->realm->cfg == p->realm ? t : NULL;
}

/*
 * The terminations a non-Add command names: one by ID (unknown
 * TerminationID when it does not exist, not in the specified context when
 * it is in another) or a wildcard's matches in the context (no
 * TerminationID matched when none).
 */
static int resolve(struct agwd_exec *x, const struct h248_termid *tid,
		   struct agwd_term **out, unsigned int *n)
{
	struct tid_parse p;
	struct agwd_term *t;
	int r;

	*n = 0;
	if ((r = parse_tid(x->d, tid->s, &p, &x->e)))
		return r;
	if (p.choose)
		return agwd_errf(&x->e, H248_E_INCORRECT_ID,
				 "$ chooses a termination in Add only");
	if (!p.all) {
		t = term_by_num(x->d, &p);
		if (!t)
			return agwd_errf(&x->e, H248_E_UNKNOWN_TERMID,
					 "unknown termination %.*s",
					 (int)tid->s.len, tid->s.ptr);
		if (x->c && t->ctx != x->c)
			return agwd_errf(&x->e, H248_E_TERMID_NOT_IN_CONTEXT,
					 "termination %s is not in context %u",
					 t->id, x->c->id);
		out[(*n)++] = t;
		return 0;
	}
	if (x->c) {
		for (unsigned int i = 0; i < AGWD_TERMS_PER_CTX; i++) {
			t = x->c->t[i];
			if (t && (!p.realm || t->realm->cfg == p.realm))
				out[(*n)++] = t;
		}
	} else {
		for (t = x->d->all_terms; t && *n < WILD_MAX; t = t->next_all)
			if (!p.realm || t->realm->cfg == p.realm)
				out[(*n)++] = t;
	}
	if (!*n)
		return agwd_errf(&x->e, H248_E_NO_TERMID_MATCHED,
				 "no termination matched the wildcard %.*s",
				 (int)tid->s.len, tid->s.ptr);
	return 0;
}

int agwd_ctx_resolve(struct agwd_exec *x, const struct h248_termid *tid,
		     struct agwd_term **out, unsigned int *n)
{
	return resolve(x, tid, out, n);
}

struct agwd_ctx *agwd_ctx_find(struct agwd *d, uint32_t id)
{
	return ctx_find(d, id);
}

/* ---- reply pieces --------------------------------------------------- */

struct h248_command *agwd_reply_cmd(struct agwd_exec *x, enum h248_cmd cmd,
				    const char *id)
{
	/* the builder keeps pointers: the ID must outlive a Subtract */
	return h248_build_command(x->a, x->ra, cmd,
				  h248_arena_strdup(x->a, id, strlen(id)));
}

void agwd_reply_local(struct agwd_exec *x, struct h248_command *rc,
		      const struct agwd_term *t)
{
	struct h248_node *m, *st, *l;

	m = h248_build_node(x->a, &rc->desc, H248_KW_MEDIA, H248_STR(""));
	st = m ? h248_build_node(x->a, &m->child, H248_KW_STREAM,
				 H248_STR("")) :
		 NULL;
	if (!st || h248_build_value(x->a, st, H248_OP_EQ, H248_STR("1"), false))
		return;
	l = h248_build_node(x->a, &st->child, H248_KW_LOCAL, H248_STR(""));
	if (l)
		h248_build_body(l, (struct h248_str){ t->local_sdp,
						      t->local_sdp_len });
}

static void stat_item(struct agwd_exec *x, struct h248_node *s,
		      enum agw_prof_item item, uint64_t v)
{
	const struct agw_prof_entry *pe = agw_profile_item(item);
	struct h248_node *n =
		h248_build_node(x->a, &s->child, H248_KW_NAME, str(pe->full));

	if (n)
		h248_build_value(x->a, n, H248_OP_EQ,
				 h248_arena_printf(x->a, "%llu",
						   (unsigned long long)v),
				 false);
}

void agwd_reply_stats(struct agwd_exec *x, struct h248_command *rc,
		      struct agwd_term *t)
{
	uint64_t oct[2], pkt[2], syn[2];
	struct h248_node *s;

	agwd_term_stats(x->d, t, oct, pkt, syn);
	s = h248_build_node(x->a, &rc->desc, H248_KW_STATISTICS, H248_STR(""));
	if (!s)
		return;
	stat_item(x, s, AGW_PI_ST_OCT_SENT, oct[0]);
	stat_item(x, s, AGW_PI_ST_OCT_RECV, oct[1]);
	stat_item(x, s, AGW_PI_ST_PKT_SENT, pkt[0]);
	stat_item(x, s, AGW_PI_ST_PKT_RECV, pkt[1]);
	stat_item(x, s, AGW_PI_ST_SYN_ADMITTED, syn[0]);
	stat_item(x, s, AGW_PI_ST_SYN_DROPPED, syn[1]);
	stat_item(x, s, AGW_PI_ST_DURATION, agw_now_ms() - t->add_ms);
}

/* ---- commands ------------------------------------------------------- */

static int need_context(struct agwd_exec *x, const char *what)
{
	if (x->c || x->choose)
		return 0;
	if (x->null_ctx)
		return agwd_errf(&x->e, H248_E_UNKNOWN_CONTEXT,
				 "%s needs a context, not -", what);
	return 0;
}

/*
 * The action's context with room for one more termination: the one it
 * names, or a new one for context $ (*created then).
 */
static int ctx_room(struct agwd_exec *x, bool *created)
{
	*created = false;
	if (x->c && x->c->nterm >= AGWD_TERMS_PER_CTX)
		return agwd_errf(&x->e, H248_E_RESOURCES,
				 "context %u already has %d terminations",
				 x->c->id, AGWD_TERMS_PER_CTX);
	if (x->c)
		return 0;
	x->c = ctx_new(x->d);
	if (!x->c)
		return agwd_errf(&x->e, H248_E_RESOURCES,
				 "no context available (limit %u)",
				 x->d->tab.max_ctx);
	*created = true;
	x->reply_ctx = x->c->id;
	agw_log_field_set(AGW_LOG_F_CONTEXT, "%u", x->c->id);
	return 0;
}

/* The Remote as given, for AuditValue (a longer one is not kept). */
static void keep_remote(struct agwd_term *t, const struct agwd_media_req *mr)
{
	if (!mr->has_remote)
		return;
	t->remote_sdp_len = 0;
	if (mr->remote.len <= sizeof(t->remote_sdp)) {
		memcpy(t->remote_sdp, mr->remote.ptr, mr->remote.len);
		t->remote_sdp_len = mr->remote.len;
	}
}

static int cmd_add(struct agwd_exec *x, const struct h248_command *c)
{
	struct agwd *d = x->d;
	struct agwd_media_req mr;
	struct tid_parse p;
	struct agw_realm *realm;
	struct agwd_term *t;
	struct h248_command *rc;
	bool new_ctx = false;
	int r;

	if ((r = need_context(x, "Add")))
		return r;
	if (d->out_of_service || d->draining)
		return agwd_errf(&x->e, H248_E_SERVICE_UNAVAILABLE,
				 "agwd is %s: no new termination",
				 d->draining ?
					 "draining (Graceful)" :
					 "out of service (ServiceChange)");
	if ((r = parse_tid(d, c->tids[0].s, &p, &x->e)))
		return r;
	if (!p.choose) {
		t = p.all ? NULL : term_by_num(d, &p);
		if (t)
			return agwd_errf(
				&x->e, H248_E_TERMID_IN_CONTEXT,
				"termination %s is already in context %u",
				t->id, t->ctx ? t->ctx->id : 0);
		return agwd_errf(
			&x->e,
			p.all ? H248_E_NO_TERMID_MATCHED :
				H248_E_UNKNOWN_TERMID,
			"Add of %.*s: agwd's terminations are created by Add ip/<realm>/$",
			(int)c->tids[0].s.len, c->tids[0].s.ptr);
	}
	if ((r = agwd_media_parse(d, c, NULL, &mr, &x->e)))
		return r;
	if (p.realm && mr.realm && p.realm != mr.realm)
		return agwd_errf(
			&x->e, H248_E_CONFLICTING_VALUES,
			"ipdc/realm \"%s\" conflicts with the termination ID's realm %s",
			mr.realm->name, p.realm->name);
	if (!p.realm)
		p.realm = mr.realm ? mr.realm : &d->cfg.realms[0];
	realm = agw_realm_find(d->realms, p.realm->name);
	if (!realm)
		return agwd_errf(&x->e, H248_E_INTERNAL, "realm %s not found",
				 p.realm->name);
	if ((r = ctx_room(x, &new_ctx)))
		return r;
	t = term_new(d, realm);
	if (!t) {
		r = agwd_errf(
			&x->e, H248_E_RESOURCES,
			"no termination available (limit %u%s)",
			d->tab.max_term,
			d->tab.max_term < d->cfg.max_terminations ?
				", lowered to fit RLIMIT_NOFILE: out of file descriptors" :
				"");
		goto undo_ctx;
	}
	ctx_attach(x->c, t);
	if ((r = agwd_term_open(d, t, &mr, d->sdp_a, d->sdp_b, &x->e))) {
		term_free(d, t);
		goto undo_ctx;
	}
	keep_remote(t, &mr);
	agw_log_field_set(AGW_LOG_F_TERMINATION, "%s", t->id);
	agw_info("context %u: Add %s (%s:%u, gate %s)", x->c->id, t->id,
		 t->realm->cfg->name, t->port, agw_gate_mode_name(t->gmode));
	agwd_term_event(d, (struct agwd_event){ .kind = AGWD_EV_ADD }, t);
	rc = agwd_reply_cmd(x, H248_CMD_ADD, t->id);
	if (rc)
		agwd_reply_local(x, rc, t);
	return 0;
undo_ctx:
	if (new_ctx) {
		ctx_free(d, x->c);
		x->c = NULL;
		x->reply_ctx = 0;
	}
	return r;
}

static int cmd_modify(struct agwd_exec *x, const struct h248_command *c)
{
	struct agwd_term *ts[WILD_MAX];
	struct agwd_media_req mr;
	unsigned int n;
	int r;

	if ((r = need_context(x, "Modify")) ||
	    (r = resolve(x, &c->tids[0], ts, &n)))
		return r;
	for (unsigned int i = 0; i < n; i++) {
		if (ts[i]->oos)
			return agwd_errf(
				&x->e, H248_E_TERM_SERVICE_CHANGING,
				"%s is out of service (ServiceChange Forced): Subtract it",
				ts[i]->id);
		if ((r = agwd_media_parse(x->d, c, &ts[i]->p, &mr, &x->e)))
			return r;
		if (mr.realm && mr.realm != ts[i]->realm->cfg)
			return agwd_errf(&x->e, H248_E_CONFLICTING_VALUES,
					 "ipdc/realm cannot change on Modify");
	}
	for (unsigned int i = 0; i < n; i++) {
		agwd_media_parse(x->d, c, &ts[i]->p, &mr, &x->e);
		if ((r = agwd_term_modify(x->d, ts[i], &mr, x->d->sdp_b,
					  &x->e)))
			return r;
		keep_remote(ts[i], &mr);
		agw_info("%s: Modify (gate %s)", ts[i]->id,
			 agw_gate_mode_name(ts[i]->gmode));
		agwd_term_event(x->d,
				(struct agwd_event){ .kind = AGWD_EV_MODIFY },
				ts[i]);
		agwd_reply_cmd(x, H248_CMD_MODIFY, ts[i]->id);
	}
	return 0;
}

static int cmd_subtract(struct agwd_exec *x, const struct h248_command *c)
{
	struct agwd_term *ts[WILD_MAX];
	struct h248_command *rc;
	unsigned int n;
	int r;

	if ((r = need_context(x, "Subtract")) ||
	    (r = resolve(x, &c->tids[0], ts, &n)))
		return r;
	for (unsigned int i = 0; i < n; i++) {
		struct agwd_term *t = ts[i];
		struct agwd_ctx *cx = t->ctx;

		rc = agwd_reply_cmd(x, H248_CMD_SUBTRACT, t->id);
		if (rc)
			agwd_reply_stats(x, rc, t);
		agw_info("context %u: Subtract %s", cx ? cx->id : 0, t->id);
		agwd_term_event(x->d,
				(struct agwd_event){ .kind = AGWD_EV_SUBTRACT },
				t);
		if (cx)
			agwd_ctx_release_relay(x->d, cx);
		agwd_term_close(x->d, t);
		term_free(x->d, t);
		/* Context = $ reaches terminations of other contexts: one it
		 * empties goes, as end_action() frees the action's own */
		if (cx && cx != x->c && !cx->nterm)
			ctx_free(x->d, cx);
	}
	return 0;
}

static int cmd_move(struct agwd_exec *x, const struct h248_command *c)
{
	struct agwd_term *ts[WILD_MAX];
	struct agwd_ctx *from;
	unsigned int n;
	int r;
	struct agwd_ctx *save = x->c;
	bool new_ctx;

	if ((r = need_context(x, "Move")))
		return r;
	/* the termination is looked up anywhere, then must be elsewhere */
	x->c = NULL;
	r = resolve(x, &c->tids[0], ts, &n);
	x->c = save;
	if (r)
		return r;
	if (n != 1)
		return agwd_errf(&x->e, H248_E_SYNTAX_COMMAND,
				 "Move takes one termination");
	from = ts[0]->ctx;
	if (from == x->c)
		return agwd_errf(&x->e, H248_E_TERMID_IN_CONTEXT,
				 "%s is already in context %u", ts[0]->id,
				 from->id);
	if ((r = ctx_room(x, &new_ctx)))
		return r;
	ctx_detach(x->d, ts[0]);
	if (from && !from->nterm)
		ctx_free(x->d, from);
	ctx_attach(x->c, ts[0]);
	agw_info("context %u: Move %s", x->c->id, ts[0]->id);
	agwd_reply_cmd(x, H248_CMD_MOVE, ts[0]->id);
	return 0;
}

/* An Add, Modify or Subtract refused: the monitor's event. */
static int refused_event(struct agwd_exec *x, const struct h248_command *c,
			 enum agwd_event_kind kind, int r)
{
	char id[AGWD_TERMID_MAX + 16];

	if (!r)
		return 0;
	snprintf(id, sizeof(id), "%.*s", (int)c->tids[0].s.len,
		 c->tids[0].s.ptr);
	agwd_event(x->d, &(struct agwd_event){ .kind = kind,
					       .term = id,
					       .ctx = x->c ? x->c->id : 0,
					       .error = x->e.code,
					       .text = x->e.text });
	return r;
}

static int run_command(struct agwd_exec *x, const struct h248_command *c)
{
	agwd_metric_command(c->cmd);
	if (c->ntids)
		agw_log_field_set(AGW_LOG_F_TERMINATION, "%.*s",
				  (int)c->tids[0].s.len, c->tids[0].s.ptr);
	else
		agw_log_field_set(AGW_LOG_F_TERMINATION, NULL);
	if (!c->ntids)
		return agwd_errf(&x->e, H248_E_SYNTAX_COMMAND,
				 "command without termination ID");
	if (c->ntids > 1)
		return agwd_errf(&x->e, H248_E_NOT_IMPLEMENTED,
				 "termination ID lists are not supported");
	switch (c->cmd) {
	case H248_CMD_ADD:
		return refused_event(x, c, AGWD_EV_ADD, cmd_add(x, c));
	case H248_CMD_MODIFY:
		return refused_event(x, c, AGWD_EV_MODIFY, cmd_modify(x, c));
	case H248_CMD_SUBTRACT:
		return refused_event(x, c, AGWD_EV_SUBTRACT,
				     cmd_subtract(x, c));
	case H248_CMD_MOVE:
		return cmd_move(x, c);
	case H248_CMD_AUDITVALUE:
	case H248_CMD_AUDITCAP:
		if (!x->d->cmd_ops)
			break;
		return x->d->cmd_ops->audit(x, c);
	case H248_CMD_SERVICECHANGE:
		if (!x->d->cmd_ops)
			break;
		return x->d->cmd_ops->service_change(x, c);
	case H248_CMD_NOTIFY:
		return agwd_errf(&x->e, H248_E_NOT_IMPLEMENTED,
				 "agwd does not take Notify from the MGC");
	default:
		break;
	}
	return agwd_errf(&x->e, H248_E_NOT_IMPLEMENTED,
			 "command not implemented by the MG");
}

/* Finish an action reply: its context ID, and free an emptied context. */
static void end_action(struct agwd_exec *x)
{
	if (x->reply_ctx) {
		x->ra->ctx_kind = H248_CTX_ID;
		x->ra->ctx_id = x->reply_ctx;
	} else {
		x->ra->ctx_kind = H248_CTX_NULL;
	}
	if (x->c && !x->c->nterm) {
		ctx_free(x->d, x->c);
		x->c = NULL;
	}
}

/*
 * Context = *: the commands (AuditValue, AuditCapability, ServiceChange)
 * run once per context, each context answered by its own action reply;
 * no context at all is 431 in a "Context = *" reply. x's action reply is
 * the first one. Returns -1 when an error ended the transaction.
 */
static int run_all_contexts(struct agwd *d, const struct h248_action *act,
			    struct h248_transaction *rt, struct agwd_exec *x)
{
	struct h248_action *ra = x->ra;
	bool first = true;

	for (const struct h248_command *c = act->cmds; c; c = c->next)
		if (c->cmd != H248_CMD_AUDITVALUE &&
		    c->cmd != H248_CMD_AUDITCAP &&
		    c->cmd != H248_CMD_SERVICECHANGE) {
			agwd_errf(
				&x->e, H248_E_UNKNOWN_CONTEXT,
				"Context = * takes AuditValue, AuditCapability and ServiceChange only");
			goto error;
		}
	for (uint32_t i = 0; i < d->tab.max_ctx && d->tab.nctx; i++) {
		struct agwd_ctx *cx = &d->tab.ctx[i];

		if (!cx->id)
			continue;
		if (!first) {
			ra = h248_build_action(&d->arena, rt, H248_CTX_ID, 0);
			if (!ra)
				return -1;
		}
		first = false;
		*x = (struct agwd_exec){ .d = d,
					 .a = &d->arena,
					 .c = cx,
					 .all_ctx = true,
					 .reply_ctx = cx->id,
					 .ra = ra };
		for (const struct h248_command *c = act->cmds; c; c = c->next) {
			x->e.code = 0;
			if (!run_command(x, c))
				continue;
			if (c->flags & H248_CMDF_OPTIONAL)
				continue;
			goto error;
		}
		ra->ctx_kind = H248_CTX_ID;
		ra->ctx_id = cx->id;
		/* a Forced ServiceChange may have emptied it */
		if (!x->c->nterm)
			ctx_free(d, x->c);
	}
	if (!first)
		return 0;
	agwd_errf(&x->e, H248_E_NO_TERMID_MATCHED, "Context = *: no context");
error:
	agw_info("h248: error %d: %s", x->e.code, x->e.text);
	ra->ctx_kind = x->c ? H248_CTX_ID : H248_CTX_ALL;
	ra->ctx_id = x->c ? x->c->id : 0;
	h248_build_error(&d->arena, &ra->error, x->e.code, x->e.text);
	return -1;
}

/* AGW_CONTEXT of the messages logged while act runs (include/agw/log.h). */
static void log_context(const struct h248_action *act)
{
	switch (act->ctx_kind) {
	case H248_CTX_ID:
		agw_log_field_set(AGW_LOG_F_CONTEXT, "%u", act->ctx_id);
		return;
	case H248_CTX_CHOOSE:
		agw_log_field_set(AGW_LOG_F_CONTEXT, "$");
		return;
	case H248_CTX_NULL:
		agw_log_field_set(AGW_LOG_F_CONTEXT, "-");
		return;
	case H248_CTX_ALL:
		agw_log_field_set(AGW_LOG_F_CONTEXT, "*");
		return;
	default:
		agw_log_field_set(AGW_LOG_F_CONTEXT, NULL);
	}
}

void agwd_ctx_execute(struct agwd *d, const struct h248_transaction *req,
		      struct h248_transaction *rt)
{
	for (const struct h248_action *act = req->actions; act;
	     act = act->next) {
		struct agwd_exec x = { .d = d, .a = &d->arena };

		x.ra = h248_build_action(&d->arena, rt, H248_CTX_NULL, 0);
		if (!x.ra)
			return;
		agw_log_field_set(AGW_LOG_F_TERMINATION, NULL);
		log_context(act);
		switch (act->ctx_kind) {
		case H248_CTX_ID:
			x.reply_ctx = act->ctx_id;
			x.c = ctx_find(d, act->ctx_id);
			if (!x.c) {
				agwd_errf(&x.e, H248_E_UNKNOWN_CONTEXT,
					  "unknown context %u", act->ctx_id);
				goto error;
			}
			break;
		case H248_CTX_CHOOSE:
			x.choose = true;
			break;
		case H248_CTX_NULL:
			x.null_ctx = true;
			break;
		case H248_CTX_ALL:
			if (run_all_contexts(d, act, rt, &x))
				return;
			continue;
		default:
			agwd_errf(&x.e, H248_E_NOT_IMPLEMENTED,
				  "context kind not supported");
			goto error;
		}
		for (const struct h248_command *c = act->cmds; c; c = c->next) {
			x.e.code = H248_OK;
			if (!run_command(&x, c))
				continue;
			if (c->flags & H248_CMDF_OPTIONAL) {
				struct h248_command *rc = h248_build_command(
					&d->arena, x.ra, c->cmd,
					c->ntids ? c->tids[0].s :
						   H248_STR("-"));

				if (rc)
					h248_build_error(&d->arena, &rc->desc,
							 x.e.code, x.e.text);
				agwd_metric_error(x.e.code);
				continue;
			}
			goto error;
		}
		end_action(&x);
		continue;
error:
		agw_info("h248: error %d: %s", x.e.code, x.e.text);
		agwd_metric_error(x.e.code);
		h248_build_error(&d->arena, &x.ra->error, x.e.code, x.e.text);
		end_action(&x);
		return; /* the rest of the transaction is not executed */
	}
}

/* ---- realm events --------------------------------------------------- */

void agwd_ctx_realm_addr_gone(struct agwd *d, const struct agw_sockaddr *a)
{
	for (struct agwd_term *t = d->all_terms; t; t = t->next_all) {
		if (t->state == AGWD_TS_FAILED || !t->port ||
		    !agw_sockaddr_same_host(&t->local, a))
			continue;
		agw_warn("%s: local address gone: failed safe", t->id);
		agwd_term_fail(d, t, true);
	}
}

/* ---- agwctl --------------------------------------------------------- */

/* ---- agwctl contexts, terminations ----------------------------------- */

/* A listing refused: out holds the message instead of members. */
static int refuse(struct agw_strbuf *out, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int refuse(struct agw_strbuf *out, int err, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	agw_strbuf_reset(out);
	agw_strbuf_append(out, msg, strlen(msg));
	return err;
}

/* A writer's error: the partial members go, the reply is strerror's. */
static int listing_end(const struct agw_json *w, struct agw_strbuf *out)
{
	int err = agw_json_end(w);

	if (err)
		agw_strbuf_reset(out);
	return err;
}

static int parse_ctx_id(const char *s, uint32_t *id)
{
	char *end;
	unsigned long v;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	v = strtoul(s, &end, 10);
	if (*end || !v || v > UINT32_MAX)
		return -EINVAL;
	*id = (uint32_t)v;
	return 0;
}

static void ctx_json(struct agwd *d, struct agwd_ctx *c, struct agw_json *w)
{
	struct agw_relay_flow_stats st;

	agw_json_obj_open(w, NULL);
	agw_json_u64(w, "id", c->id);
	agw_json_bool(w, "relaying", c->relaying);
	/* the relay path (agwctl flows has the rest) */
	if (c->relaying && !agw_relay_stats(d->relay, c->relay_id, &st))
		agw_json_str(w, "relay_path", agw_relay_path_name(st.path));
	agw_json_arr_open(w, "terminations");
	for (unsigned int j = 0; j < AGWD_TERMS_PER_CTX; j++)
		if (c->t[j])
			agw_json_str(w, NULL, c->t[j]->id);
	agw_json_arr_close(w);
	agw_json_obj_close(w);
}

/* contexts [ID] */
int agwd_ctl_contexts(struct agwd *d, const char *args, struct agw_strbuf *out)
{
	struct agwd_ctx *one = NULL;
	struct agw_json w;
	uint32_t id;

	if (*args) {
		if (parse_ctx_id(args, &id))
			return refuse(
				out, -EINVAL,
				"contexts: \"%.64s\" is not a context ID (a number from 1)",
				args);
		one = ctx_find(d, id);
		if (!one)
			return refuse(out, -ENOENT, "no context %u", id);
	}
	agw_json_init_members(&w, out);
	agw_json_u64(&w, "count", one ? 1 : d->tab.nctx);
	agw_json_arr_open(&w, "contexts");
	if (one)
		ctx_json(d, one, &w);
	for (uint32_t i = 0; !one && i < d->tab.max_ctx; i++)
		if (d->tab.ctx[i].id)
			ctx_json(d, &d->tab.ctx[i], &w);
	agw_json_arr_close(&w);
	return listing_end(&w, out);
}

static void term_json(struct agwd *d, struct agwd_term *t, struct agw_json *w)
{
	uint64_t oct[2], pkt[2], syn[2];
	char a[AGW_ADDRSTRLEN];

	agwd_term_stats(d, t, oct, pkt, syn);
	agw_json_str(w, "id", t->id);
	agw_json_u64(w, "context", t->ctx ? t->ctx->id : 0);
	agw_json_str(w, "realm", t->realm->cfg->name);
	agw_json_str(w, "state", agwd_term_state_name(t->state));
	agw_json_str(w, "gate_mode",
		     t->gate_added ? agw_gate_mode_name(t->gmode) : "none");
	agw_json_str(w, "local",
		     agw_sockaddr_str(&t->local, true, a, sizeof(a)));
	agw_json_str(w, "remote",
		     t->has_remote ?
			     agw_sockaddr_str(&t->remote, true, a, sizeof(a)) :
			     NULL);
	agw_json_u64(w, "syn_admitted", syn[0]);
	agw_json_u64(w, "syn_dropped", syn[1]);
	agw_json_u64(w, "octets_sent", oct[0]);
	agw_json_u64(w, "octets_received", oct[1]);
	agw_json_u64(w, "age_ms", agw_now_ms() - t->add_ms);
}

/* What terminations [ID | context N | realm R | state S ...] keeps (each
 * filter given must match). */
struct term_filter {
	bool any;
	struct agwd_term *one;
	struct agwd_ctx *ctx;
	const char *realm;
	int state; /* -1: any */
};

static int term_filter_value(struct agwd *d, const char *key, const char *val,
			     struct term_filter *f, struct agw_strbuf *out)
{
	uint32_t id;

	if (!strcmp(key, "context")) {
		if (parse_ctx_id(val, &id))
			return refuse(
				out, -EINVAL,
				"terminations: context \"%.64s\" is not a context ID (a number from 1)",
				val);
		f->ctx = ctx_find(d, id);
		if (!f->ctx)
			return refuse(out, -ENOENT, "no context %u", id);
		return 0;
	}
	if (!strcmp(key, "realm")) {
		for (unsigned int i = 0; i < d->cfg.nrealms; i++)
			if (!strcmp(d->cfg.realms[i].name, val))
				f->realm = d->cfg.realms[i].name;
		if (!f->realm)
			return refuse(out, -ENOENT, "no realm \"%.64s\"", val);
		return 0;
	}
	for (int s = 0; s <= AGWD_TS_FAILED; s++)
		if (!strcmp(agwd_term_state_name(s), val))
			f->state = s;
	if (f->state < 0)
		return refuse(
			out, -EINVAL,
			"terminations: unknown state \"%.64s\" (listening, connecting, connected, relaying, closed or failed)",
			val);
	return 0;
}

static int term_filter_parse(struct agwd *d, const char *args,
			     struct term_filter *f, struct agw_strbuf *out)
{
	char buf[AGW_CTL_REQ_MAX], *save = NULL, *tok;
	struct tid_parse p;
	struct agwd_err e;
	int err;

	memset(f, 0, sizeof(*f));
	f->state = -1;
	snprintf(buf, sizeof(buf), "%s", args);
	for (tok = strtok_r(buf, " \t", &save); tok;
	     tok = strtok_r(NULL, " \t", &save)) {
		const char *key = tok + (strncmp(tok, "--", 2) ? 0 : 2);
		const char *val;

		f->any = true;
		if (!strcmp(key, "context") || !strcmp(key, "realm") ||
		    !strcmp(key, "state")) {
			val = strtok_r(NULL, " \t", &save);
			if (!val)
				return refuse(out, -EINVAL,
					      "terminations: %s takes a value",
					      key);
			err = term_filter_value(d, key, val, f, out);
			if (err)
				return err;
			continue;
		}
		if (key != tok || f->one)
			return refuse(
				out, -EINVAL,
				"terminations: unexpected \"%.64s\" (filters: ID, context N, realm R, state S)",
				tok);
		if (parse_tid(d,
			      (struct h248_str){ tok, (uint32_t)strlen(tok) },
			      &p, &e) ||
		    p.choose || p.all || !(f->one = term_by_num(d, &p)))
			return refuse(out, -ENOENT, "no termination %.64s",
				      tok);
	}
	return 0;
}

static bool term_match(const struct term_filter *f, const struct agwd_term *t)
{
	return (!f->one || t == f->one) && (!f->ctx || t->ctx == f->ctx) &&
	       (!f->realm || !strcmp(t->realm->cfg->name, f->realm)) &&
	       (f->state < 0 || (int)t->state == f->state);
}

/* The terminations f keeps, written to w (NULL: only counted). */
static uint32_t term_list(struct agwd *d, const struct term_filter *f,
			  struct agw_json *w, struct agw_strbuf *out)
{
	struct agwd_term *c[AGWD_TERMS_PER_CTX + 1] = {}, *t;
	uint32_t n = 0;
	unsigned int j = 0;

	/* an ID or a context names its few candidates */
	if (f->one)
		c[0] = f->one;
	else if (f->ctx)
		for (unsigned int i = 0; i < AGWD_TERMS_PER_CTX; i++)
			if (f->ctx->t[i])
				c[j++] = f->ctx->t[i];
	j = 0;
	t = f->one || f->ctx ? c[0] : d->all_terms;
	while (t) {
		if (term_match(f, t)) {
			n++;
			if (w) {
				agw_json_obj_open(w, NULL);
				term_json(d, t, w);
				agwd_tls_term_json(t, w); /* ctl/tls.c */
				agw_json_obj_close(w);
			}
		}
		t = f->one || f->ctx ? c[++j] : t->next_all;
	}
	return n;
}

int agwd_ctl_terminations(struct agwd *d, const char *args,
			  struct agw_strbuf *out)
{
	struct term_filter f;
	struct agw_json w;
	int err;

	err = term_filter_parse(d, args, &f, out);
	if (err)
		return err;
	agw_json_init_members(&w, out);
	agw_json_u64(&w, "count",
		     f.any ? term_list(d, &f, NULL, NULL) : d->tab.nterm);
	agw_json_arr_open(&w, "terminations");
	term_list(d, &f, &w, out);
	agw_json_arr_close(&w);
	return listing_end(&w, out);
}
