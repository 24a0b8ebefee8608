// SPDX-License-Identifier: GPL-2.0-only
/*
 * H.248 builder and arena: replies built the way agwd builds them encode
 * in both forms and decode back to what was built; arenas reuse memory.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>

#include "h248_test_util.h"

static const struct h248_mid MID = {
	.kind = H248_MID_IP4,
	.has_port = true,
	.port = 2944,
	.addr = { "192.0.2.10", 10 },
};

START_TEST(build_add_reply)
{
	static char mem[16384];
	struct h248_arena a, b;
	struct h248_message *m, *d;
	struct h248_transaction *t;
	struct h248_action *act;
	struct h248_command *c;
	struct h248_node *media = NULL, *st, *loc, *n;
	struct h248_error err;
	const char *sdp =
		"\nv=0\nc=IN IP4 192.0.2.10\nm=message 40000 TCP/MSRP *\n";
	char out[2048];
	ssize_t len;
	unsigned int f;

	h248_arena_init(&a, mem, sizeof(mem));
	m = h248_build_message(&a, 3, &MID);
	t = h248_build_transaction(&a, m, H248_TR_REPLY, 12);
	act = h248_build_action(&a, t, H248_CTX_ID, 5);
	c = h248_build_command(&a, act, H248_CMD_ADD, H248_STR("ip/17"));
	ck_assert_ptr_nonnull(c);
	media = h248_build_node(&a, &c->desc, H248_KW_MEDIA, H248_STR(""));
	st = h248_build_node(&a, &media->child, H248_KW_STREAM, H248_STR(""));
	ck_assert_int_eq(
		h248_build_value(&a, st, H248_OP_EQ, H248_STR("1"), false), 0);
	loc = h248_build_node(&a, &st->child, H248_KW_LOCAL, H248_STR(""));
	h248_build_body(loc, (struct h248_str){ sdp, (uint32_t)strlen(sdp) });
	n = h248_build_node(&a, &c->desc, H248_KW_NAME, H248_STR(""));
	(void)n;
	/* a statistics descriptor with a package property */
	n = h248_build_node(&a, &c->desc, H248_KW_STATISTICS, H248_STR(""));
	n = h248_build_node(&a, &n->child, H248_KW_NAME, H248_STR("nt/os"));
	h248_build_value(&a, n, H248_OP_EQ, h248_arena_printf(&a, "%u", 1234u),
			 false);
	/* the caller buffer was enough: no heap */
	ck_assert_uint_eq(a.heap_allocs, 0);

	/* the stray empty NAME node is refused by the encoder */
	len = h248_encode(m, H248_ENC_PRETTY, out, sizeof(out));
	ck_assert_int_eq(len, -EINVAL);
	h248_arena_init(&b, NULL, 0);
	/* drop it and encode again */
	c->desc->next = c->desc->next->next;
	for (f = 0; f < 2; f++) {
		len = h248_encode(m, f ? H248_ENC_COMPACT : H248_ENC_PRETTY,
				  out, sizeof(out));
		ck_assert_int_gt(len, 0);
		h248_arena_reset(&b);
		ck_assert_int_eq(
			h248_decode(out, (size_t)len, NULL, &b, &d, &err), 0);
		ck_assert_int_eq(d->trans->kind, H248_TR_REPLY);
		ck_assert_uint_eq(d->trans->id, 12);
		ck_assert_uint_eq(d->trans->actions->ctx_id, 5);
		c = d->trans->actions->cmds;
		ck_assert_str_slice(c->tids[0].s, "ip/17");
		loc = h248_node_find(
			h248_node_find(
				h248_node_find(c->desc, H248_KW_MEDIA)->child,
				H248_KW_STREAM)
				->child,
			H248_KW_LOCAL);
		ck_assert_str_slice(loc->body, sdp);
		n = h248_node_find(c->desc, H248_KW_STATISTICS);
		ck_assert_str_slice(n->child->v[0].s, "1234");
		ck_assert(h248_message_equal(m, d));
	}
	ck_assert_str_slice(((struct h248_str){ out, 6 }), "!/3 [1");
	h248_arena_release(&a);
	h248_arena_release(&b);
}
END_TEST

/* A decode error attributed to a transaction becomes its error reply. */
START_TEST(error_reply)
{
	const char *bad = "!/3 [1.2.3.4] T=41{C=1{MF=a{M{ST=1{O{MO=Up}}}}}}";
	struct h248_arena a;
	struct h248_message *m, *d;
	struct h248_transaction *t;
	struct h248_error err;
	struct h248_str out;

	h248_arena_init(&a, NULL, 0);
	ck_assert_int_eq(h248_decode(bad, strlen(bad), NULL, &a, &m, &err),
			 -EINVAL);
	ck_assert(err.has_tid);
	m = h248_build_message(&a, 3, &MID);
	t = h248_build_transaction(&a, m, H248_TR_REPLY, err.tid);
	ck_assert_ptr_nonnull(
		h248_build_error(&a, &t->error, err.code, err.expected));
	ck_assert_int_eq(h248_encode_arena(m, H248_ENC_COMPACT, &a, &out), 0);
	ck_assert_str_slice(
		out,
		"!/3 [192.0.2.10]:2944 P=41{ER=442{\"value not allowed here\"}}");
	ck_assert_int_eq(h248_decode(out.ptr, out.len, NULL, &a, &d, &err), 0);
	ck_assert(h248_message_equal(m, d));
	h248_arena_release(&a);
}
END_TEST

/* The first error of a reply, wherever it sits; none in a clean reply. */
START_TEST(trans_error)
{
	static const char *const in[] = {
		"!/3 [1.2.3.4] P=7{ER=402{\"gone\"}}",
		"!/3 [1.2.3.4] P=7{C=1{ER=411{\"ctx\"}}}",
		"!/3 [1.2.3.4] P=7{C=1{MF=a,MF=b{ER=449{\"sdp\"}}}}",
		"!/3 [1.2.3.4] P=7{C=1{MF=a{M{ST=1{L{\nv=0\n}}}}}}",
	};
	static const char *const want[] = { "402", "411", "449", NULL };
	struct h248_arena a;
	struct h248_message *m;
	struct h248_error err;

	h248_arena_init(&a, NULL, 0);
	for (unsigned int i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		const struct h248_node *e;

		ck_assert_int_eq(
			h248_decode(in[i], strlen(in[i]), NULL, &a, &m, &err),
			0);
		e = h248_trans_error(m->trans);
		if (!want[i]) {
			ck_assert_ptr_null(e);
			continue;
		}
		ck_assert_ptr_nonnull(e);
		ck_assert_uint_eq(e->nv, 1);
		ck_assert(h248_str_eq_lit(e->v[0].s, want[i]));
	}
	h248_arena_release(&a);
}
END_TEST

START_TEST(encode_invalid_trees)
{
	struct h248_arena a;
	struct h248_message *m;
	struct h248_transaction *t;
	char out[256];

	h248_arena_init(&a, NULL, 0);
	m = h248_build_message(&a, 3, &MID);
	/* no transaction */
	ck_assert_int_eq(h248_encode(m, 0, out, sizeof(out)), -EINVAL);
	/* a request without actions */
	t = h248_build_transaction(&a, m, H248_TR_REQUEST, 1);
	ck_assert_int_eq(h248_encode(m, 0, out, sizeof(out)), -EINVAL);
	/* a request action without commands */
	h248_build_action(&a, t, H248_CTX_NULL, 0);
	ck_assert_int_eq(h248_encode(m, 0, out, sizeof(out)), -EINVAL);
	m->version = 4;
	ck_assert_int_eq(h248_encode(m, 0, out, sizeof(out)), -EINVAL);
	h248_arena_release(&a);
}
END_TEST

START_TEST(arena_reuse)
{
	const char *t = "!/3 [1.2.3.4] T=1{C=1{MF=a{M{ST=1{O{MO=SR}}}}}}";
	struct h248_arena a;
	struct h248_message *m;
	struct h248_error err;
	uint64_t chunks;
	void *p;
	int i;

	h248_arena_init(&a, NULL, 0);
	ck_assert_int_eq(h248_decode(t, strlen(t), NULL, &a, &m, &err), 0);
	chunks = a.heap_allocs;
	ck_assert_uint_ge(chunks, 1);
	for (i = 0; i < 1000; i++) {
		h248_arena_reset(&a);
		ck_assert_int_eq(h248_decode(t, strlen(t), NULL, &a, &m, &err),
				 0);
	}
	ck_assert_uint_eq(a.heap_allocs, chunks);
	/* a large block gets its own chunk, kept for the next round */
	p = h248_arena_alloc(&a, 100000);
	ck_assert_ptr_nonnull(p);
	chunks = a.heap_allocs;
	h248_arena_reset(&a);
	ck_assert_ptr_nonnull(h248_arena_alloc(&a, 1000));
	ck_assert_ptr_nonnull(h248_arena_alloc(&a, 100000));
	ck_assert_uint_eq(a.heap_allocs, chunks);
	/* limit */
	a.limit = 4096;
	h248_arena_reset(&a);
	ck_assert_ptr_null(h248_arena_alloc(&a, 8192));
	h248_arena_release(&a);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("h248_build");
	TCase *tc = tcase_create("build");

	tcase_add_test(tc, build_add_reply);
	tcase_add_test(tc, error_reply);
	tcase_add_test(tc, trans_error);
	tcase_add_test(tc, encode_invalid_trees);
	tcase_add_test(tc, arena_reuse);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(suite());
}
