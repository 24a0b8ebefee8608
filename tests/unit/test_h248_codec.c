// SPDX-License-Identifier: GPL-2.0-only
/*
 * H.248 decoder and encoder: every command and reply, every descriptor,
 * mIds, wildcards, long/short tokens, comments; each message is also
 * re-encoded pretty and compact and must decode to an equal tree.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>

#include "../../lib/h248_priv.h"
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

#define HDR "MEGACO/3 [10.0.0.1]:2944\n"

START_TEST(add_with_sdp)
{
	const char *t = HDR
		"Transaction = 10 {\n"
		"  Context = $ {\n"
		"    Add = ip/$ {\n"
		"      Media { Stream = 1 {\n"
		"        LocalControl { Mode = SendReceive, tcpbcc/est = immediate },\n"
		"        Local {\nv=0\nc=IN IP4 $\nm=message $ TCP/MSRP *\n},\n"
		"        Remote {\nv=0\nc=IN IP4 192.0.2.7\nm=message 7394 TCP/TLS/MSRP *\na=setup:active\n}\n"
		"      } }\n"
		"    }\n"
		"  }\n"
		"}\n";
	struct h248_message *m = decode_ok(&A, t);
	struct h248_transaction *tr = m->trans;
	struct h248_command *c;
	struct h248_node *media, *st, *lc, *loc, *rem, *mode, *p;

	ck_assert_int_eq(m->version, 3);
	ck_assert_int_eq(m->mid.kind, H248_MID_IP4);
	ck_assert_str_slice(m->mid.addr, "10.0.0.1");
	ck_assert(m->mid.has_port);
	ck_assert_int_eq(m->mid.port, 2944);
	ck_assert_int_eq(tr->kind, H248_TR_REQUEST);
	ck_assert_uint_eq(tr->id, 10);
	ck_assert_ptr_null(tr->next);
	ck_assert_int_eq(tr->actions->ctx_kind, H248_CTX_CHOOSE);
	c = tr->actions->cmds;
	ck_assert_int_eq(c->cmd, H248_CMD_ADD);
	ck_assert_int_eq(c->ntids, 1);
	ck_assert_str_slice(c->tids[0].s, "ip/$");
	ck_assert_int_eq(c->tids[0].flags, H248_TID_CHOOSE);
	media = h248_node_find(c->desc, H248_KW_MEDIA);
	ck_assert_ptr_nonnull(media);
	st = h248_node_find(media->child, H248_KW_STREAM);
	ck_assert_ptr_nonnull(st);
	ck_assert_str_slice(st->v[0].s, "1");
	lc = h248_node_find(st->child, H248_KW_LOCALCONTROL);
	mode = h248_node_find(lc->child, H248_KW_MODE);
	ck_assert_int_eq(mode->v[0].kw, H248_KW_SENDRECEIVE);
	p = h248_node_find_name(lc->child, "tcpbcc/est");
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(p->op, H248_OP_EQ);
	ck_assert_str_slice(p->v[0].s, "immediate");
	loc = h248_node_find(st->child, H248_KW_LOCAL);
	rem = h248_node_find(st->child, H248_KW_REMOTE);
	ck_assert(loc->flags & H248_NF_RAW);
	ck_assert_str_slice(loc->body,
			    "\nv=0\nc=IN IP4 $\nm=message $ TCP/MSRP *\n");
	ck_assert_str_slice(
		rem->body,
		"\nv=0\nc=IN IP4 192.0.2.7\nm=message 7394 TCP/TLS/MSRP *\na=setup:active\n");
	/* the SDP slices point into the input buffer */
	ck_assert(loc->body.ptr > t && loc->body.ptr < t + strlen(t));
	roundtrip(&A, m);
}
END_TEST

/* The typed views agwd uses: streams, their SDP and mode. */
START_TEST(stream_access)
{
	const char *t = HDR
		"T=1{C=1{"
		"MF=a{M{ST=1{O{MO=SO},R{\nv=0\n}},ST=2{L{\nv=1\n}}}},"
		"MF=b{M{O{MO=RC},L{\nv=2\n}}},MF=c{E=1{g/sc}}}}";
	struct h248_message *m = decode_ok(&A, t);
	struct h248_command *c = m->trans->actions->cmds;
	const struct h248_node *s;
	struct h248_str sdp;
	enum h248_kw mode;

	s = h248_cmd_stream(c, 1);
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(h248_stream_sdp(s, H248_KW_REMOTE, &sdp), 0);
	ck_assert_str_slice(sdp, "\nv=0\n");
	ck_assert_int_eq(h248_stream_sdp(s, H248_KW_LOCAL, &sdp), -ENOENT);
	ck_assert_int_eq(h248_stream_mode(s, &mode), 0);
	ck_assert_int_eq(mode, H248_KW_SENDONLY);
	s = h248_cmd_stream(c, 2);
	ck_assert_int_eq(h248_stream_sdp(s, H248_KW_LOCAL, &sdp), 0);
	ck_assert_str_slice(sdp, "\nv=1\n");
	ck_assert_int_eq(h248_stream_mode(s, &mode), -ENOENT);
	ck_assert_ptr_null(h248_cmd_stream(c, 3));
	/* single stream directly in Media */
	s = h248_cmd_stream(c->next, 1);
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(h248_stream_sdp(s, H248_KW_LOCAL, &sdp), 0);
	ck_assert_str_slice(sdp, "\nv=2\n");
	ck_assert_int_eq(h248_stream_mode(s, &mode), 0);
	ck_assert_int_eq(mode, H248_KW_RECEIVEONLY);
	ck_assert_ptr_null(h248_cmd_stream(c->next, 2));
	ck_assert_ptr_null(h248_cmd_stream(c->next->next, 1));
	ck_assert_int_eq(h248_stream_sdp(NULL, H248_KW_LOCAL, &sdp), -EINVAL);
}
END_TEST

START_TEST(all_commands)
{
	const char *t = HDR
		"T=1{C=7{MF=a/1{E=5{tcpbcc/ef}},S=a/2{AT{SA}},MV=a/3,"
		"AV=a/4{AT{M,E,SG,DM,SA,PG,OE,MX,MD,EB}},AC=*,"
		"N=a/5{OE=5{20260101T10000000:tcpbcc/ef{tcpbcc/cause=3}}},"
		"SC=ROOT{SV{MT=RS,RE=\"901 Cold Boot\",AD=2944,PF=agw/1,V=3,DL=10}},"
		"O-A=a/6,W-S=*}}";
	static const int want[] = {
		H248_CMD_MODIFY,	H248_CMD_SUBTRACT, H248_CMD_MOVE,
		H248_CMD_AUDITVALUE,	H248_CMD_AUDITCAP, H248_CMD_NOTIFY,
		H248_CMD_SERVICECHANGE, H248_CMD_ADD,	   H248_CMD_SUBTRACT,
	};
	struct h248_message *m = decode_ok(&A, t);
	struct h248_command *c = m->trans->actions->cmds;
	struct h248_node *oe, *sv;
	unsigned int i;

	ck_assert_uint_eq(m->trans->actions->ctx_id, 7);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++, c = c->next) {
		ck_assert_ptr_nonnull(c);
		ck_assert_int_eq(c->cmd, want[i]);
		if (c->cmd == H248_CMD_NOTIFY) {
			oe = h248_node_find(c->desc, H248_KW_OBSERVEDEVENTS);
			ck_assert(oe->child->flags & H248_NF_TS);
			ck_assert_str_slice(oe->child->ts, "20260101T10000000");
			ck_assert_str_slice(oe->child->name, "tcpbcc/ef");
		}
		if (c->cmd == H248_CMD_SERVICECHANGE) {
			ck_assert(c->tids[0].flags & H248_TID_ROOT);
			sv = h248_node_find(c->desc, H248_KW_SERVICES);
			ck_assert_int_eq(h248_node_find(sv->child,
							H248_KW_METHOD)
						 ->v[0]
						 .kw,
					 H248_KW_RESTART);
			ck_assert(h248_node_find(sv->child, H248_KW_REASON)
					  ->v[0]
					  .quoted);
		}
	}
	ck_assert_ptr_null(c);
	c = m->trans->actions->cmds;
	for (i = 0; i < 7; i++)
		c = c->next;
	ck_assert_int_eq(c->flags & H248_CMDF_OPTIONAL, H248_CMDF_OPTIONAL);
	ck_assert_int_eq(c->next->flags & H248_CMDF_WILDREPLY,
			 H248_CMDF_WILDREPLY);
	ck_assert_int_eq(c->next->tids[0].flags, H248_TID_ALL);
	roundtrip(&A, m);
}
END_TEST

START_TEST(all_replies)
{
	const char *t = HDR
		"Reply = 1 { ImmAckRequired, Context = 7 {\n"
		" Add = ip/1 { Media { Stream = 1 { Local {\nv=0\n} } } },\n"
		" Modify = ip/2, Subtract = ip/3 { Statistics { nt/os = 100, nt/or = [1, 2] } },\n"
		" Move = ip/4, Notify = ip/5 { Error = 412 { \"no ID\" } },\n"
		" AuditValue = ip/6 { Packages { tcpbcc-1, nt-1 }, Events = 4 { g/sc }, ObservedEvents = 4 { g/sc } },\n"
		" AuditCapability = [ip/7, ip/8] { Modem = V90, Mux = H221 { ip/9 } },\n"
		" AuditValue = Context { ip/1, ip/2 }, AuditCapability = Context { Error = 411 { } },\n"
		" ServiceChange = ROOT { Services { ServiceChangeAddress = [10.0.0.2]:2945, Profile = agw/1, 20260101T00000000 } },\n"
		" Priority = 3, Error = 501 { \"not implemented\" } } }\n"
		"Reply = 2 { Error = 400 { } }\n"
		"Reply = 3 { Context = - }\n"
		"Pending = 4 { }\n"
		"TransactionResponseAck { 1, 2-3, 4294967295 }\n"
		"Segment = 5/2/END\n";
	struct h248_message *m = decode_ok(&A, t);
	struct h248_transaction *tr = m->trans;
	struct h248_action *a = tr->actions;
	struct h248_command *c;
	int n = 0;

	ck_assert(tr->imm_ack);
	ck_assert_ptr_nonnull(a->error);
	ck_assert_str_slice(a->error->body, "not implemented");
	ck_assert_int_eq(a->props->kw, H248_KW_PRIORITY);
	for (c = a->cmds; c; c = c->next)
		n++;
	ck_assert_int_eq(n, 10);
	c = a->cmds;
	while (!(c->flags & H248_CMDF_CTX_AUDIT))
		c = c->next;
	ck_assert_int_eq(c->ntids, 2);
	tr = tr->next;
	ck_assert_ptr_nonnull(tr->error);
	ck_assert_int_eq(tr->error->flags & H248_NF_RAW, 0);
	tr = tr->next;
	ck_assert_int_eq(tr->actions->ctx_kind, H248_CTX_NULL);
	ck_assert(!tr->actions->has_body);
	tr = tr->next;
	ck_assert_int_eq(tr->kind, H248_TR_PENDING);
	ck_assert_uint_eq(tr->id, 4);
	tr = tr->next;
	ck_assert_int_eq(tr->kind, H248_TR_RESPONSE_ACK);
	ck_assert_int_eq(tr->nacks, 3);
	ck_assert_uint_eq(tr->acks[1].first, 2);
	ck_assert_uint_eq(tr->acks[1].last, 3);
	ck_assert_uint_eq(tr->acks[2].first, 4294967295u);
	tr = tr->next;
	ck_assert_int_eq(tr->kind, H248_TR_SEGMENT_REPLY);
	ck_assert_uint_eq(tr->segment, 2);
	ck_assert(tr->segment_complete);
	ck_assert_ptr_null(tr->next);
	roundtrip(&A, m);
}
END_TEST

START_TEST(descriptors)
{
	const char *t = HDR
		"Transaction = 2 { Context = 3 {\n"
		" Priority = 15, Emergency, IEPSCall = ON,\n"
		" Topology { ip/1, ip/2, OnewayExternal, ip/3, ip/4, Stream = 2, Isolate },\n"
		" ContextAttr { tdmc/gain = 2 }, ContextAttr { ContextList = { 1, 2 } },\n"
		" ContextAudit { Topology, Emergency, IEPSCall, Priority = 2, EmergencyValue = EmergencyOff, ORLgc, ContextAttr { a/b = 1 } },\n"
		" Modify = ip/1 {\n"
		"  Media { TerminationState { ServiceStates = InService, Buffer = LockStep, tcprm/x = 1 },\n"
		"          Stream = 1 { LocalControl { Mode = Inactive, ReservedGroup = OFF, ReservedValue = ON,\n"
		"                     p/a # 3, p/b < 4, p/c > 5, p/d = [1, 2], p/e = [1 : 9], p/f = { x, y }, p/g = \"q s\" },\n"
		"                     Statistics { nt/os } } },\n"
		"  Modem [V18, V22] { p/x = 1 },\n"
		"  Mux = H223 { ip/5, ip/6 },\n"
		"  Events = 77 { g/sc { KeepActive, Stream = 1, ResetEventsDescriptor, ImmediateNotify },\n"
		"    dd/ce { DigitMap = dm1, Embed { Signals { cg/rt }, Events = 78 { al/on { NeverNotify } } } },\n"
		"    al/of { RegulatedNotify { Embed { Signals { al/ri } } }, DigitMap { (0s|1x) } } },\n"
		"  EventBuffer { g/sc, al/on { Stream = 3 } },\n"
		"  Signals { SignalList = 9 { cg/rt { SignalType = OnOff, Duration = 100 }, cg/bt },\n"
		"    al/ri { Stream = 1, SignalType = Brief, NotifyCompletion = { TimeOut, IntByEvent, IntBySigDescr, OtherReason, Iteration },\n"
		"            KeepActive, SPADirection = Both, SPARequestID = 4, Intersignal = 5, al/cad = 1 } },\n"
		"  DigitMap = dm1 { T:1, S:23, (0s|[1-7]xxx) },\n"
		"  Statistics { nt/dur }\n"
		" },\n"
		" Subtract = ip/9 { Audit { } },\n"
		" AuditValue = ip/8 { Audit { Media { Stream = 2 { LocalControl { Mode, ReservedGroup, p/a, p/b = 1 } } },\n"
		"   Media { TerminationState { ServiceStates # Test } }, Events = 3 { g/sc }, EventBuffer { g/sc { Stream = 1 } },\n"
		"   Signals { SignalList = 3 }, DigitMap = dm1, Statistics { nt/os }, Packages { nt-1 } } }\n"
		"} }";
	struct h248_message *m = decode_ok(&A, t);
	struct h248_action *a = m->trans->actions;
	struct h248_command *c = a->cmds;
	struct h248_node *n, *lc;

	n = h248_node_find(a->props, H248_KW_TOPOLOGY);
	ck_assert_ptr_nonnull(n);
	ck_assert_int_eq(n->child->next->next->kw, H248_KW_ONEWAYEXTERNAL);
	n = h248_node_find(a->props, H248_KW_CONTEXTATTR);
	n = h248_node_find(n->next, H248_KW_CONTEXTATTR);
	ck_assert_int_eq(n->child->kw, H248_KW_CONTEXTLIST);
	ck_assert_int_eq(n->child->vform, H248_VF_ALT);
	ck_assert_int_eq(n->child->nv, 2);
	n = h248_node_find(c->desc, H248_KW_MEDIA);
	lc = h248_node_find(n->child->next->child, H248_KW_LOCALCONTROL);
	ck_assert_int_eq(h248_node_find_name(lc->child, "p/a")->op, H248_OP_NE);
	ck_assert_int_eq(h248_node_find_name(lc->child, "p/b")->op, H248_OP_LT);
	ck_assert_int_eq(h248_node_find_name(lc->child, "p/c")->op, H248_OP_GT);
	ck_assert_int_eq(h248_node_find_name(lc->child, "p/d")->vform,
			 H248_VF_ALL);
	ck_assert_int_eq(h248_node_find_name(lc->child, "p/e")->vform,
			 H248_VF_RANGE);
	ck_assert_int_eq(h248_node_find_name(lc->child, "p/f")->vform,
			 H248_VF_ALT);
	ck_assert(h248_node_find_name(lc->child, "p/g")->v[0].quoted);
	n = h248_node_find(c->desc, H248_KW_MODEM);
	ck_assert(n->flags & H248_NF_BRACKET);
	ck_assert_int_eq(n->nv, 2);
	n = h248_node_find(c->desc, H248_KW_DIGITMAP);
	ck_assert_str_slice(n->v[0].s, "dm1");
	ck_assert_str_slice(n->body, " T:1, S:23, (0s|[1-7]xxx) ");
	n = h248_node_find(c->desc, H248_KW_SIGNALS);
	ck_assert_int_eq(n->child->kw, H248_KW_SIGNALLIST);
	ck_assert_int_eq(h248_node_find(n->child->next->child,
					H248_KW_NOTIFYCOMPLETION)
				 ->nv,
			 5);
	ck_assert(c->next->desc->flags & H248_NF_BODY);
	ck_assert_ptr_null(c->next->desc->child);
	roundtrip(&A, m);
}
END_TEST

START_TEST(mids_and_header)
{
	static const char *const ok[] = {
		"MEGACO/1 [192.0.2.1]:2944\nTransaction = 1 { Context = - { Notify = root { ObservedEvents = 1 { g/sc } } } }",
		"MEGACO/2 [2001:db8::1]:2944 T=1{C=-{N=root{OE=1{g/sc}}}}",
		"MEGACO/3 [::ffff:192.0.2.1] T=1{C=-{N=root{OE=1{g/sc}}}}",
		"!/3 <mgc.example.net>:2944 T=1{C=-{N=root{OE=1{g/sc}}}}",
		"!/3 <mg1> T=1{C=-{N=root{OE=1{g/sc}}}}",
		"!/3 mg/device_1 T=1{C=-{N=root{OE=1{g/sc}}}}",
		"!/3 MTP{0a1B} T=1{C=-{N=root{OE=1{g/sc}}}}",
		"Authentication = 0x12345678:0x00000005:0x0123456789abcdef01234567\n!/3 [1.2.3.4] T=1{C=-{N=root{OE=1{g/sc}}}}",
		"  ; leading comment\n!/3 [1.2.3.4] ; comment after mId\n T ; c\n = 1 { C=-{N=root{OE=1{g/sc}}} }  ; trailing\n",
		"!/1 [1.2.3.4] ER=400{\"bad message\"}",
		"!/1 [1.2.3.4] Transaction = { Context = * { AuditValue = * } }",
	};
	static const int kinds[] = {
		H248_MID_IP4,	 H248_MID_IP6,	  H248_MID_IP6, H248_MID_DOMAIN,
		H248_MID_DOMAIN, H248_MID_DEVICE, H248_MID_MTP, H248_MID_IP4,
		H248_MID_IP4,	 H248_MID_IP4,	  H248_MID_IP4,
	};
	struct h248_message *m;
	unsigned int i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		h248_arena_reset(&A);
		m = decode_ok(&A, ok[i]);
		ck_assert_int_eq(m->mid.kind, kinds[i]);
		roundtrip(&A, m);
	}
	m = decode_ok(&A, ok[3]);
	ck_assert_str_slice(m->mid.addr, "mgc.example.net");
	ck_assert_int_eq(m->mid.port, 2944);
	m = decode_ok(&A, ok[7]);
	ck_assert(m->has_auth);
	ck_assert_str_slice(m->auth.data, "0x0123456789abcdef01234567");
	m = decode_ok(&A, ok[9]);
	ck_assert_ptr_nonnull(m->error);
	ck_assert_ptr_null(m->trans);
	m = decode_ok(&A, ok[10]);
	ck_assert(!m->trans->has_id);
	ck_assert_int_eq(m->trans->actions->ctx_kind, H248_CTX_ALL);
}
END_TEST

/* Long and short tokens, any case, give the same tree. */
START_TEST(long_short_case)
{
	const char *l =
		"MEGACO/3 [1.2.3.4]:5 Transaction = 9 { Context = 1 { "
		"Modify = t/1 { Media { Stream = 1 { LocalControl { Mode = SendOnly } } }, "
		"Signals { SignalList = 1 { a/b { SignalType = TimeOut } } } } } }";
	const char *s =
		"!/3 [1.2.3.4]:5 t=9{c=1{mf=t/1{m{st=1{o{mo=so}}},sg{sl=1{a/b{sy=to}}}}}}";
	const char *u =
		"megaco/3 [1.2.3.4]:5 TRANSACTION=9{CONTEXT=1{MODIFY=t/1{MEDIA{STREAM=1{LOCALCONTROL{MODE=SENDONLY}}},SIGNALS{SIGNALLIST=1{a/b{SIGNALTYPE=TIMEOUT}}}}}}";
	struct h248_message *a = decode_ok(&A, l), *b = decode_ok(&A, s),
			    *c = decode_ok(&A, u);

	ck_assert(h248_message_equal(a, b));
	ck_assert(h248_message_equal(a, c));
}
END_TEST

/* Version-3-only keywords are names (and errors where a keyword is due)
 * in a version 1 message; EmergencyOffToken is v2's spelling. */
START_TEST(versions)
{
	struct h248_message *m;
	struct h248_error e;
	const char *v1 = "!/1 [1.2.3.4] T=1{C=1{IEPSCall=ON,N=t{OE=1{g/sc}}}}";

	e = decode_err(&A, v1, strlen(v1), NULL);
	ck_assert_int_eq(e.code, 443);
	m = decode_ok(&A,
		      "!/3 [1.2.3.4] T=1{C=1{IEPSCall=ON,N=t{OE=1{g/sc}}}}");
	ck_assert_int_eq(m->trans->actions->props->kw, H248_KW_IEPS);
	m = decode_ok(
		&A,
		"MEGACO/2 [1.2.3.4] T=1{C=1{EmergencyOffToken,N=t{OE=1{g/sc}}}}");
	ck_assert_int_eq(m->trans->actions->props->kw, H248_KW_EMERGENCYOFF);
	roundtrip(&A, m);
}
END_TEST

/* The encoder's two forms, byte for byte, for a small message. */
START_TEST(encode_forms)
{
	const char *t = "!/3 [1.2.3.4]:5 P=7{C=1{A=ip/1{M{ST=1{L{\nv=0\n}}}}}}";
	const char *pretty =
		"MEGACO/3 [1.2.3.4]:5\nReply = 7 {\n\tContext = 1 {\n"
		"\t\tAdd = ip/1 {\n\t\t\tMedia {\n\t\t\t\tStream = 1 {\n"
		"\t\t\t\t\tLocal {\nv=0\n}\n\t\t\t\t}\n\t\t\t}\n\t\t}\n\t}\n}";
	struct h248_message *m = decode_ok(&A, t);
	char buf[512];
	ssize_t n;

	n = h248_encode(m, H248_ENC_COMPACT, buf, sizeof(buf));
	ck_assert_int_eq(n, (ssize_t)strlen(t));
	ck_assert(!memcmp(buf, t, (size_t)n));
	n = h248_encode(m, H248_ENC_PRETTY, buf, sizeof(buf));
	ck_assert_int_eq(n, (ssize_t)strlen(pretty));
	ck_assert(!memcmp(buf, pretty, (size_t)n));
	ck_assert_int_eq(h248_encode(m, H248_ENC_PRETTY, buf, 20), -ENOSPC);
}
END_TEST

/*
 * segmentReply ends in a word and H.248.1 Annex B allows nothing after
 * it (megaco rejects even white space there): it ends the message, and
 * the encoder writes nothing after it, also with H248_ENC_EOL.
 */
START_TEST(segment_reply_ends_message)
{
	const char *seg = "!/3 [1.2.3.4]:5 SM=7/2/&";
	const char *reply = "!/3 [1.2.3.4]:5 P=7{C=-}";
	struct h248_message *m = decode_ok(&A, seg);
	struct h248_transaction *t;
	struct h248_error err;
	char buf[256];
	ssize_t n;

	n = h248_encode(m, H248_ENC_COMPACT | H248_ENC_EOL, buf, sizeof(buf));
	ck_assert_int_eq(n, (ssize_t)strlen(seg));
	ck_assert(!memcmp(buf, seg, (size_t)n));
	n = h248_encode(m, H248_ENC_PRETTY | H248_ENC_EOL, buf, sizeof(buf));
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(buf[n - 1], 'D'); /* ".../END", no line break */
	/* white space at the very end is let through on input */
	decode_ok(&A, "!/3 [1.2.3.4]:5 SM=7/2/END\n");
	/* a transaction after it: 400, and the encoder refuses the tree */
	err = decode_err(&A, "!/3 [1.2.3.4]:5 SM=7/2\nP=8{C=-}", 30, NULL);
	ck_assert_int_eq(err.code, 400);
	ck_assert_uint_eq(err.offset, 23);
	m = decode_ok(&A, seg);
	t = h248_build_transaction(&A, m, H248_TR_PENDING, 8);
	ck_assert_ptr_eq(m->trans->next, t);
	ck_assert_int_eq(h248_encode(m, H248_ENC_PRETTY, buf, sizeof(buf)),
			 -EINVAL);
	ck_assert_int_eq(h248_encode(m, H248_ENC_COMPACT, buf, sizeof(buf)),
			 -EINVAL);
	/* after "}" a line break is grammar (RBRKT = LWSP "}" LWSP) */
	m = decode_ok(&A, reply);
	n = h248_encode(m, H248_ENC_COMPACT | H248_ENC_EOL, buf, sizeof(buf));
	ck_assert_int_eq(n, (ssize_t)strlen(reply) + 1);
	ck_assert_int_eq(buf[n - 1], '\n');
}
END_TEST

/* The generated hash table knows every spelling of h248_kw.h, any case. */
START_TEST(keyword_table)
{
	static const char *const alias[][2] = {
		{ "EmergencyOffToken", "EmergencyOff" },
		{ "Direction", "SPADirection" },
		{ "DI", "SPADirection" },
		{ "RequestID", "SPARequestID" },
		{ "RQ", "SPARequestID" },
		{ "IterationToken", "Iteration" },
	};
	char up[32];
	unsigned int k, i, f;

	for (k = 1; k < H248_KW_COUNT; k++) {
		for (f = 0; f < 2; f++) {
			const char *sp = f ? h248_kw_short(k) : h248_kw_long(k);
			size_t n = strlen(sp);

			ck_assert_int_eq(h248_kw_lookup(sp, n, 3), k);
			for (i = 0; i <= n; i++)
				up[i] = (char)((sp[i] >= 'a' && sp[i] <= 'z') ?
						       sp[i] - 32 :
						       sp[i]);
			ck_assert_int_eq(h248_kw_lookup(up, n, 3), k);
		}
	}
	for (i = 0; i < sizeof(alias) / sizeof(alias[0]); i++)
		ck_assert_int_eq(
			h248_kw_lookup(alias[i][0], strlen(alias[i][0]), 3),
			h248_kw_lookup(alias[i][1], strlen(alias[i][1]), 3));
	ck_assert_int_eq(h248_kw_lookup("tdmc/gain", 9, 3), H248_KW_NAME);
	ck_assert_int_eq(h248_kw_lookup("Adds", 4, 3), H248_KW_NAME);
	ck_assert_int_eq(h248_kw_lookup("Ad", 2, 3),
			 H248_KW_SERVICECHANGEADDRESS);
	ck_assert_int_eq(h248_kw_lookup("IEPSCall", 8, 2), H248_KW_NAME);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("h248_codec");
	TCase *tc = tcase_create("codec");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, keyword_table);
	tcase_add_test(tc, add_with_sdp);
	tcase_add_test(tc, stream_access);
	tcase_add_test(tc, all_commands);
	tcase_add_test(tc, all_replies);
	tcase_add_test(tc, descriptors);
	tcase_add_test(tc, mids_and_header);
	tcase_add_test(tc, long_short_case);
	tcase_add_test(tc, versions);
	tcase_add_test(tc, encode_forms);
	tcase_add_test(tc, segment_reply_ends_message);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(suite());
}
