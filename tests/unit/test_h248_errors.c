// SPDX-License-Identifier: GPL-2.0-only
/*
 * H.248 decoder error paths: truncation at every byte, wrong nesting,
 * unknown tokens, limits (size, depth, strings, items, arena), NUL bytes,
 * huge integers, unterminated strings; error codes, offsets and the
 * transaction an error is attributed to.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>

#include "h248_test_util.h"

static struct h248_arena A;

static void setup(void)
{
	h248_arena_init(&A, NULL, 0);
}

static void teardown(void)
{
	h248_arena_release(&A);
}

static struct h248_error err_of(const char *t)
{
	return decode_err(&A, t, strlen(t), NULL);
}

static uint32_t off_of(const char *t, const char *needle)
{
	const char *p = strstr(t, needle);

	ck_assert_ptr_nonnull(p);
	return (uint32_t)(p - t);
}

static const char *const valid[] = {
	"MEGACO/3 [10.0.0.1]:2944\nTransaction = 10 { Context = $ { Add = ip/$ { Media { Stream = 1 { "
	"LocalControl { Mode = SendReceive, p/q = \"x y\" }, Local {\nv=0\nc=IN IP4 $\n} } }, "
	"Events = 2 { g/sc { Embed { Signals { a/b }, Events = 3 { c/d } } } } } } }",
	"!/2 <mg.example.net>:2944 P=5{C=7{S=ip/1{SA{nt/os=1,nt/or=[1,2]}},N=ip/2{ER=400{\"x\"}}}}",
	"!/3 [2001:db8::1] K{1-4,9}",
	"!/3 [1.2.3.4] T=1{C=-{SC=ROOT{SV{MT=RS,AD=[1.2.3.4]:5,V=3,20260101T00000000}}}}",
};

/* Every proper prefix of a valid message is rejected with an offset
 * inside the prefix, and nothing is left allocated outside the arena. */
START_TEST(truncation_everywhere)
{
	const char *t = valid[_i];
	size_t len = strlen(t), n;
	struct h248_error e;

	h248_arena_reset(&A);
	decode_ok(&A, t);
	for (n = 0; n < len; n++) {
		h248_arena_reset(&A);
		e = decode_err(&A, t, n, NULL);
		ck_assert_uint_le(e.offset, n);
		ck_assert(e.code == 400 || e.code == 403 || e.code == 404 ||
			  e.code == 442 || e.code == 443 || e.code == 444);
		/* inside a transaction the code names its kind */
		ck_assert(!e.has_tid || e.code != 400);
	}
}
END_TEST

START_TEST(wrong_nesting)
{
	static const char *const bad[] = {
		/* Local inside LocalControl */
		"!/3 [1.2.3.4] T=1{C=1{MF=a{M{O{L{v=0}}}}}}",
		/* Events inside Media */
		"!/3 [1.2.3.4] T=1{C=1{MF=a{M{E=1{g/sc}}}}}",
		/* Stream inside Stream */
		"!/3 [1.2.3.4] T=1{C=1{MF=a{M{ST=1{ST=2{O{MO=SR}}}}}}}",
		/* Media in a Notify request */
		"!/3 [1.2.3.4] T=1{C=1{N=a{M{ST=1{O{MO=SR}}}}}}",
		/* ObservedEvents in Add request */
		"!/3 [1.2.3.4] T=1{C=1{A=a{OE=1{g/sc}}}}",
		/* Signals inside Signals */
		"!/3 [1.2.3.4] T=1{C=1{MF=a{SG{SG{a/b}}}}}",
		/* two Audit descriptors in Subtract */
		"!/3 [1.2.3.4] T=1{C=1{S=a{AT{},AT{}}}}",
		/* Events = id without a body */
		"!/3 [1.2.3.4] T=1{C=1{MF=a{E=1}}}",
		/* unbalanced */
		"!/3 [1.2.3.4] T=1{C=1{MF=a{M{ST=1{O{MO=SR}}}}}",
		"!/3 [1.2.3.4] T=1{C=1{MF=a{M{ST=1{O{MO=SR}}}}}}}}",
		"!/3 [1.2.3.4] T=1{C=1{MF=a{M[ST=1]}}}",
	};

	struct h248_error e = err_of(bad[_i]);

	/* index 9 is outside the transaction: 400 */
	ck_assert_msg(e.code == 442 || e.code == 444 ||
			      e.code == (_i == 9 ? 400 : 403),
		      "code %d for %s", e.code, bad[_i]);
	/* index 9: the surplus "}" comes after a complete transaction */
	ck_assert(e.has_tid == (_i != 9));
	if (e.has_tid)
		ck_assert_uint_eq(e.tid, 1);
}
END_TEST

START_TEST(unknown_tokens)
{
	const char *t;
	struct h248_error e;

	t = "!/3 [1.2.3.4] T=1{C=1{Frobnicate=a}}";
	e = err_of(t);
	ck_assert_int_eq(e.code, 443);
	ck_assert_uint_eq(e.offset, off_of(t, "Frob"));
	t = "!/3 [1.2.3.4] T=1{C=1{MF=a{Bogus{}}}}";
	e = err_of(t);
	ck_assert_int_eq(e.code, 444);
	ck_assert_uint_eq(e.offset, off_of(t, "Bogus"));
	t = "!/3 [1.2.3.4] T=1{C=1{MF=a{M{ST=1{O{MO=Sideways}}}}}}";
	e = err_of(t);
	ck_assert_int_eq(e.code, 442);
	ck_assert_uint_eq(e.offset, off_of(t, "Sideways"));
	t = "!/3 [1.2.3.4] Transactio=1{C=1{MF=a}}";
	e = err_of(t);
	ck_assert_int_eq(e.code, 400);
	ck_assert_uint_eq(e.offset, off_of(t, "Transactio"));
	ck_assert(!e.has_tid);
	t = "!/3 [1.2.3.4] T=1{C=1{MF=a{SG{a/b{SY=Forever}}}}}";
	e = err_of(t);
	ck_assert_int_eq(e.code, 442);
	t = "BOGUS/3 [1.2.3.4] T=1{C=1{MF=a}}";
	e = err_of(t);
	ck_assert_int_eq(e.code, 400);
	ck_assert_uint_eq(e.offset, 0);
	t = "!/4 [1.2.3.4] T=1{C=1{MF=a}}";
	e = err_of(t);
	ck_assert_int_eq(e.code, 406);
	t = "!/3 [1.2.3] T=1{C=1{MF=a}}";
	e = err_of(t);
	ck_assert_int_eq(e.code, 400);
	t = "!/3 [1.2.3.4]T=1{C=1{MF=a}}";
	e = err_of(t);
	ck_assert_int_eq(e.code, 400);
	ck_assert_str_eq(e.expected, "expected white space after the mId");
}
END_TEST

START_TEST(huge_integers)
{
	static const char *const bad[] = {
		"!/3 [1.2.3.4] T=4294967296{C=1{MF=a}}",
		"!/3 [1.2.3.4] T=99999999999999999999999{C=1{MF=a}}",
		"!/3 [1.2.3.4] T=1{C=4294967296{MF=a}}",
		"!/3 [1.2.3.4] T=1{C=1{MF=a{M{ST=65536{O{MO=SR}}}}}}",
		"!/3 [1.2.3.4]:65536 T=1{C=1{MF=a}}",
		"!/3 [1.2.3.4] K{1-4294967296}",
		"!/3 [1.2.3.4] T=1{C=1{MF=a{E=4294967296{g/sc}}}}",
		"!/3 [1.2.3.4] P=1{C=1{A=a{ER=65536{}}}}",
		"!/3 [1.2.3.4] P=1/65536{C=1}",
		"!/3 [1.2.3.4] T=1{C=1{PR=70000,MF=a}}",
	};
	static const int code[] = { 400, 400, 403, 442, 400,
				    400, 442, 442, 404, 403 };
	struct h248_error e = err_of(bad[_i]);

	ck_assert_int_eq(e.code, code[_i]);
}
END_TEST

START_TEST(nul_bytes)
{
	const char *t = valid[0];
	size_t len = strlen(t), i;
	char *buf = malloc(len);
	struct h248_error e;

	ck_assert_ptr_nonnull(buf);
	/* a NUL anywhere is an error at or before its position */
	for (i = 0; i < len; i++) {
		memcpy(buf, t, len);
		buf[i] = 0;
		h248_arena_reset(&A);
		e = decode_err(&A, buf, len, NULL);
		ck_assert_uint_le(e.offset, i);
	}
	free(buf);
}
END_TEST

START_TEST(unterminated)
{
	const char *t;
	struct h248_error e;

	t = "!/3 [1.2.3.4] T=1{C=-{SC=ROOT{SV{RE=\"901 cold}}}}";
	e = err_of(t);
	ck_assert_uint_eq(e.offset, off_of(t, "\"901"));
	ck_assert_str_eq(e.expected, "unterminated quoted string");
	t = "!/3 [1.2.3.4] T=1{C=1{MF=a{M{L{\nv=0\n";
	e = err_of(t);
	ck_assert_uint_eq(e.offset, off_of(t, "{\nv=0"));
	ck_assert_str_eq(e.expected, "unterminated octet string");
	t = "!/3 [1.2.3.4] T=1{C=1{MF=a{DM=x{(0s|1x)";
	e = err_of(t);
	ck_assert_str_eq(e.expected, "unterminated octet string");
	t = "!/3 [1.2.3.4] T=1{C=-{SC=ROOT{SV{RE=\"a\nb\"}}}}";
	e = err_of(t);
	ck_assert_str_eq(e.expected, "character not allowed in quoted string");
	t = "!/3 [1.2.3.4] T=1{C=1{CT{a/b=1,CLT={1,2}},MF=x}}";
	e = err_of(t);
	ck_assert_str_eq(e.expected,
			 "ContextList must be alone in ContextAttr");
	t = "Authentication = 0x1234:0x00000001:0x0123456789abcdef01234567 !/3 [1.2.3.4] T=1{C=1{MF=x}}";
	e = err_of(t);
	ck_assert_uint_eq(e.offset, off_of(t, "0x1234"));
	t = "!/3 [1.2.3.4] ; comment without end of line";
	e = err_of(t);
	ck_assert_int_eq(e.code, 400);
}
END_TEST

START_TEST(limits)
{
	struct h248_limits lim;
	struct h248_message *m;
	struct h248_error e;
	char *big;
	size_t n, i;
	int rc;

	/* message size */
	h248_limits_default(&lim);
	lim.max_message = 40;
	e = decode_err(&A, valid[0], strlen(valid[0]), &lim);
	ck_assert_int_eq(e.code, 400);
	ck_assert_str_eq(e.expected, "message too large");

	/* depth: events nest through RegulatedNotify/Embed without end */
	big = malloc(1 << 16);
	ck_assert_ptr_nonnull(big);
	n = (size_t)sprintf(big, "!/3 [1.2.3.4] T=1{C=1{MF=a{E=1{");
	for (i = 0; i < 200; i++)
		n += (size_t)sprintf(big + n, "a/b{NBRN{EM{E=1{");
	n += (size_t)sprintf(big + n, "x/y");
	for (i = 0; i < 200; i++)
		n += (size_t)sprintf(big + n, "}}}}");
	n += (size_t)sprintf(big + n, "}}}}");
	h248_limits_default(&lim);
	rc = h248_decode(big, n, &lim, &A, &m, &e);
	ck_assert_int_eq(rc, -E2BIG);
	ck_assert_str_eq(e.expected, "nesting too deep");
	ck_assert_uint_eq(e.tid, 1);
	lim.max_depth = 1000;
	lim.max_string = 1 << 16;
	h248_arena_reset(&A);
	rc = h248_decode(big, n, &lim, &A, &m, &e);
	ck_assert_int_eq(rc, 0);

	/* string length */
	n = (size_t)sprintf(big, "!/3 [1.2.3.4] T=1{C=1{MF=");
	memset(big + n, 'x', 9000);
	n += 9000;
	n += (size_t)sprintf(big + n, "}}");
	h248_limits_default(&lim);
	rc = h248_decode(big, n, &lim, &A, &m, &e);
	ck_assert_int_eq(rc, -E2BIG);
	ck_assert_str_eq(e.expected, "name too long");

	/* items in a list */
	n = (size_t)sprintf(big, "!/3 [1.2.3.4] T=1{C=1{MF=a{SA{");
	for (i = 0; i < 2000; i++)
		n += (size_t)sprintf(big + n, "%sn/s%zu", i ? "," : "", i);
	n += (size_t)sprintf(big + n, "}}}}");
	rc = h248_decode(big, n, &lim, &A, &m, &e);
	ck_assert_int_eq(rc, -E2BIG);
	ck_assert_str_eq(e.expected, "too many items in a list");
	lim.max_items = 4000;
	h248_arena_reset(&A);
	ck_assert_int_eq(h248_decode(big, n, &lim, &A, &m, &e), 0);

	/* arena */
	lim.max_arena = 1024;
	h248_arena_reset(&A);
	rc = h248_decode(big, n, &lim, &A, &m, &e);
	ck_assert_int_eq(rc, -ENOMEM);
	ck_assert_int_eq(e.code, 510);
	free(big);
}
END_TEST

START_TEST(transaction_attribution)
{
	const char *t;
	struct h248_error e;
	char buf[128];

	t = "!/3 [1.2.3.4] T=77{C=1{MF=a{M{ST=1{O{MO=XX}}}}}}";
	e = err_of(t);
	ck_assert(e.has_tid);
	ck_assert_uint_eq(e.tid, 77);
	ck_assert_int_eq(e.trans_kind, H248_TR_REQUEST);
	ck_assert_uint_eq(e.offset, off_of(t, "XX"));
	h248_error_format(&e, buf, sizeof(buf));
	ck_assert_str_eq(
		buf,
		"error 442 at offset 40 (transaction 77): value not allowed here");
	/* the second transaction is blamed, not the first */
	t = "!/3 [1.2.3.4] T=1{C=1{MF=a}} P=9{C=1{MF=a{M{ST=x}}}}";
	e = err_of(t);
	ck_assert_uint_eq(e.tid, 9);
	ck_assert_int_eq(e.trans_kind, H248_TR_REPLY);
	/* an error between transactions is not attributed */
	t = "!/3 [1.2.3.4] T=1{C=1{MF=a}} XX";
	e = err_of(t);
	ck_assert(!e.has_tid);
	ck_assert_uint_eq(e.offset, off_of(t, "XX"));
	/* unreadable ID: no transaction */
	t = "!/3 [1.2.3.4] T=x1{C=1{MF=a}}";
	e = err_of(t);
	ck_assert(!e.has_tid);
}
END_TEST

/* Names, digit maps, topology and comments are checked against the ABNF. */
START_TEST(grammar_details)
{
	static const struct {
		const char *msg, *at, *what;
	} bad[] = {
		{ "!/3 [1.2.3.4] T=1{C=1{MF=a{E=1{alof}}}}", "alof",
		  "expected package/item" },
		{ "!/3 [1.2.3.4] T=1{C=1{MF=a{E=1{al/o-f}}}}", "al/o-f",
		  "expected package/item" },
		{ "!/3 [1.2.3.4] T=1{C=1{MF=a{M{O{1x/y=2}}}}}", "1x/y",
		  "expected package/item" },
		{ "!/3 [1.2.3.4] P=1{C=1{AV=a{PG{nt}}}}", "nt}",
		  "expected package-version" },
		{ "!/3 [1.2.3.4] P=1{C=1{AV=a{PG{nt-x}}}}", "nt-x",
		  "expected package-version" },
		{ "!/3 [1.2.3.4] T=1{C=1{MF=a{DM=d{(0s|1y)}}}}", "y)",
		  "character not allowed in a digit map" },
		{ "!/3 [1.2.3.4] T=1{C=1{TP{a,b},MF=a}}", "b}",
		  "expected terminationA, terminationB, direction" },
		{ "!/3 [1.2.3.4] T=1{C=1{TP{a,BW,b},MF=a}}", "a,BW",
		  "expected terminationA, terminationB, direction" },
		{ "!/3 [1.2.3.4] ; caf\xc3\xa9\n T=1{C=1{MF=a}}", "\xc3",
		  "character not allowed in a comment" },
	};
	struct h248_error e;
	const char *t = bad[_i].msg;

	e = err_of(t);
	ck_assert_str_eq(e.expected, bad[_i].what);
	if (strcmp(bad[_i].at, "b}"))
		ck_assert_uint_eq(e.offset, off_of(t, bad[_i].at));
	/* the same shapes, valid */
	decode_ok(&A, "!/3 [1.2.3.4] T=1{C=1{TP{a,b,OW,OWE,ST=1,c,d,IS},"
		      "MF=a{E=1{*/*,al/*},DM=d{T:1,(0s|[1-7]xx|#E.)}}}}");
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("h248_errors");
	TCase *tc = tcase_create("errors");

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, truncation_everywhere, 0,
			    sizeof(valid) / sizeof(valid[0]));
	tcase_add_loop_test(tc, wrong_nesting, 0, 11);
	tcase_add_test(tc, unknown_tokens);
	tcase_add_loop_test(tc, huge_integers, 0, 10);
	tcase_add_test(tc, nul_bytes);
	tcase_add_test(tc, unterminated);
	tcase_add_test(tc, limits);
	tcase_add_test(tc, transaction_attribution);
	tcase_add_loop_test(tc, grammar_details, 0, 9);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(suite());
}
