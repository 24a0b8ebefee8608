// SPDX-License-Identifier: GPL-2.0-only
/*
 * agwd's transaction layer and context/termination state machine, driven
 * through its real UDP transport by a test MGC socket on loopback, with
 * the real gate maps (own pin directory, not attached): 505 before
 * registration, version negotiation, Add/Modify/Subtract with the gate
 * entry following, identical replies to retransmissions, ResponseAck,
 * 400 with no state change, the H.248.1 rule for a failing command,
 * compact replies to compact requests, limits → 510.
 */
#include <arpa/inet.h>
#include <check.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "agw/log.h"
#include "agw/profile.h"
#include "../../ctl/ctx.h"

static struct agwd d;
static int mgc = -1;
static struct sockaddr_in agwd_sa;
static char pin[64];
static char reply[16384];
static int reply_len;

static void on_msg(void *arg, enum agw_h248_proto proto,
		   const struct agw_sockaddr *peer, const uint8_t *msg,
		   size_t len)
{
	agwd_txn_receive(arg, proto, peer, msg, len);
}

static const struct agw_h248_transport_cbs cbs = { on_msg, NULL };
/* the upward calls of ctl/txn.c, wired as agwd's main does */
static const struct agwd_txn_cbs txn_cbs = { agwd_ctx_execute, agwd_reg_done };
static const struct agwd_cmd_ops cmd_ops = { agwd_audit, agwd_sc_command,
					     agwd_sc_on_term_timer };

/* Run agwd's loop until the test MGC has a datagram; returns it. */
static const char *recv_msg(void)
{
	for (int i = 0; i < 500; i++) {
		struct pollfd p = { mgc, POLLIN, 0 };

		agw_evloop_run_once(d.loop, 10);
		if (poll(&p, 1, 0) == 1) {
			reply_len = (int)recv(mgc, reply, sizeof(reply) - 1, 0);
			ck_assert_int_gt(reply_len, 0);
			reply[reply_len] = 0;
			return reply;
		}
	}
	ck_abort_msg("agwd sent nothing");
	return NULL;
}

static const char *ask(const char *fmt, ...)
{
	char m[4096];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(m, sizeof(m), fmt, ap);
	va_end(ap);
	sendto(mgc, m, (size_t)n, 0, (struct sockaddr *)&agwd_sa,
	       sizeof(agwd_sa));
	return recv_msg();
}

#define HDR "MEGACO/3 [127.0.0.1]:2945\n"
#define ADD_ACCESS                                                     \
	HDR "Transaction = %u { Context = $ { Add = ip/default/$ { Media {" \
	    " Stream = 1 { LocalControl { tcpbcc/synign = %s }, Local {\n"  \
	    "v=0\nc=IN IP4 $\nm=message $ TCP/MSRP *\n} } } } } }"

static void setup(void)
{
	struct sockaddr_in m = { .sin_family = AF_INET };
	socklen_t sl = sizeof(m);
	char err[256];
	struct agw_h248_transport_cfg tc = { 0 };

	agw_log_open("test", AGW_LOG_STDERR, AGW_LOG_WARNING);
	memset(&d, 0, sizeof(d));
	mgc = socket(AF_INET, SOCK_DGRAM, 0);
	m.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(mgc, (struct sockaddr *)&m, sizeof(m)), 0);
	getsockname(mgc, (struct sockaddr *)&m, &sl);
	snprintf(pin, sizeof(pin), "/sys/fs/bpf/agw-unit-%d", (int)getpid());
	/* a free UDP port for agwd: take one, let it go */
	struct sockaddr_in f = m;
	int fs = socket(AF_INET, SOCK_DGRAM, 0);
	f.sin_port = 0;
	ck_assert_int_eq(bind(fs, (struct sockaddr *)&f, sizeof(f)), 0);
	sl = sizeof(f);
	getsockname(fs, (struct sockaddr *)&f, &sl);
	close(fs);
	char ini[1024];
	snprintf(ini, sizeof(ini),
		 "[agwd]\nstate_dir = /tmp\ngate_pin_dir = %s\n"
		 "[h248]\nmgc = 127.0.0.1:%u\ntransport = udp\n"
		 "address = 127.0.0.1\nport = %u\n"
		 "[limits]\ncontexts = 2\nterminations = 8\n"
		 "[timers]\nheartbeat_ms = 0\n"
		 "[realm default]\ninterface = lo\nports = 46100-46199\n"
		 "attach = none\n",
		 pin, ntohs(m.sin_port), ntohs(f.sin_port));
	ck_assert_int_eq(agw_config_parse_string(&d.cfg, agw_config_default_ini,
						 "default", err, sizeof(err)),
			 0);
	ck_assert_msg(!agw_config_parse_string(&d.cfg, ini, "test", err,
					       sizeof(err)),
		      "%s", err);
	ck_assert_int_eq(agw_evloop_new(&d.loop), 0);
	ck_assert_int_eq(agw_realms_new(d.loop, &d.cfg, NULL, NULL, &d.realms),
			 0);
	d.cmd_ops = &cmd_ops;
	ck_assert_int_eq(agwd_ctx_init(&d), 0);
	ck_assert_int_eq(agwd_gate_init(&d), 0);
	/* the maps are real, the program stays detached (attach = none at
	 * init); the realm claims a gate so that agwd takes gate requests */
	d.cfg.realms[0].attach = AGW_ATTACH_XDP_GENERIC;
	ck_assert_int_eq(agwd_relay_init(&d), 0);
	ck_assert_int_eq(agwd_txn_init(&d, &txn_cbs), 0);
	agwd_reg_init(&d);
	tc.local = d.cfg.local;
	tc.mgc = d.cfg.mgc;
	tc.nmgc = d.cfg.nmgc;
	tc.udp = true;
	ck_assert_int_eq(agw_h248_transport_new(d.loop, &tc, &cbs, &d, &d.h248),
			 0);
	struct agw_h248_transport_stats st;
	agw_h248_transport_get_stats(d.h248, &st);
	memcpy(&agwd_sa, &st.udp_local.in4, sizeof(agwd_sa));
}

static void teardown(void)
{
	agwd_ctx_fini(&d);
	agwd_relay_fini(&d);
	d.cfg.realms[0].attach = AGW_ATTACH_NONE; /* nothing to detach */
	agwd_gate_fini(&d);
	agwd_txn_fini(&d);
	agw_h248_transport_free(d.h248);
	agw_realms_free(d.realms);
	agw_evloop_free(d.loop);
	close(mgc);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", pin);
	if (system(cmd))
		perror("rm");
}

static void do_register(void)
{
	const char *m;
	unsigned int tid;

	agwd_reg_start(&d);
	m = recv_msg();
	ck_assert_ptr_nonnull(strstr(m, "ServiceChange"));
	ck_assert_ptr_nonnull(strstr(m, "Restart"));
	ck_assert_int_eq(sscanf(strstr(m, "Transaction = "),
				"Transaction = %u", &tid),
			 1);
	/* the MGC speaks version 2: agwd follows */
	char r[256];
	int n = snprintf(r, sizeof(r),
			 HDR "Reply = %u { Context = - { ServiceChange = ROOT {"
			     " Services { Version = 2 } } } }",
			 tid);
	sendto(mgc, r, (size_t)n, 0, (struct sockaddr *)&agwd_sa,
	       sizeof(agwd_sa));
	for (int i = 0; i < 100 && d.reg != AGWD_REGISTERED; i++)
		agw_evloop_run_once(d.loop, 10);
	ck_assert_int_eq(d.reg, AGWD_REGISTERED);
	ck_assert_int_eq(d.version, 2);
}

static struct agwd_term *only_term(void)
{
	ck_assert_ptr_nonnull(d.all_terms);
	return d.all_terms;
}

START_TEST(before_registration_505)
{
	const char *m = ask(ADD_ACCESS, 1u, "OFF");

	ck_assert_ptr_nonnull(strstr(m, "505"));
	ck_assert_uint_eq(d.tab.nterm, 0);
}
END_TEST

START_TEST(add_modify_subtract)
{
	struct agw_gate_term_info gi;
	struct agwd_term *t;
	char first[16384];
	const char *m;

	do_register();
	m = ask(ADD_ACCESS, 10u, "ON");
	ck_assert_msg(strstr(m, "MEGACO/2"), "%s", m);
	ck_assert_ptr_nonnull(strstr(m, "Add = ip/default/1"));
	ck_assert_ptr_nonnull(strstr(m, "m=message 461"));
	t = only_term();
	ck_assert_int_eq(t->state, AGWD_TS_LISTENING);
	ck_assert_int_eq(agw_gate_term_get(d.gate, &t->local_addr, t->port,
					   &gi),
			 0);
	ck_assert_int_eq(gi.mode, AGW_MODE_IGNORE);
	/* retransmission: the same bytes, nothing executed again */
	memcpy(first, m, (size_t)reply_len + 1);
	m = ask(ADD_ACCESS, 10u, "ON");
	ck_assert_str_eq(m, first);
	ck_assert_uint_eq(d.tab.nterm, 1);
	/* Modify with the Remote and filtering: gate FILTER */
	m = ask(HDR "Transaction = 11 { Context = 1 { Modify = ip/default/1 {"
		    " Media { Stream = 1 { LocalControl { tcpbcc/synign = OFF,"
		    " gm/saf = ON }, Remote {\nv=0\nc=IN IP4 192.0.2.7\n"
		    "m=message 4000 TCP/MSRP *\n} } } } } }");
	ck_assert_msg(strstr(m, "Modify = ip/default/1") && !strstr(m, "Error"),
		      "%s", m);
	agw_gate_term_get(d.gate, &t->local_addr, t->port, &gi);
	ck_assert_int_eq(gi.mode, AGW_MODE_FILTER);
	ck_assert_uint_eq(gi.nallow, 1);
	ck_assert_int_eq(gi.allow[0].prefix_len, 32);
	/* a failing second command: the first stays done (H.248.1 8.2) */
	m = ask(HDR "Transaction = 12 { Context = 1 { Modify = ip/default/1 {"
		    " Media { Stream = 1 { LocalControl { tcpbcc/synign = ON"
		    " } } } }, Modify = ip/default/7 } }");
	ck_assert_ptr_nonnull(strstr(m, "Error = 430"));
	ck_assert_ptr_nonnull(strstr(m, "Modify = ip/default/1"));
	agw_gate_term_get(d.gate, &t->local_addr, t->port, &gi);
	ck_assert_int_eq(gi.mode, AGW_MODE_IGNORE);
	/* a failing command changes nothing: bad value in the first */
	m = ask(HDR "Transaction = 13 { Context = 1 { Modify = ip/default/1 {"
		    " Media { Stream = 1 { LocalControl { tcpbcc/synign = OFF,"
		    " gm/spr = x } } } } } }");
	ck_assert_ptr_nonnull(strstr(m, "Error = 449"));
	agw_gate_term_get(d.gate, &t->local_addr, t->port, &gi);
	ck_assert_int_eq(gi.mode, AGW_MODE_IGNORE);
	/* malformed: 400 and no state change */
	m = ask(HDR "Transaction = 14 { Context = 1 { Subtract = ip/default/1");
	ck_assert_ptr_nonnull(strstr(m, "Error = 400"));
	ck_assert_uint_eq(d.tab.nterm, 1);
	/* a=setup:active peers connect themselves: no active open */
	m = ask(HDR "Transaction = 18 { Context = 1 { Modify = ip/default/1 {"
		    " Media { Stream = 1 { Remote {\nv=0\nc=IN IP4 192.0.2.7\n"
		    "m=message 4000 TCP/MSRP *\na=setup:active\n} } },"
		    " Signals { tcpbcc/estab } } } }");
	ck_assert_msg(strstr(m, "Error = 473"), "%s", m);
	/* termination heartbeat: hangterm/timerx = 1 s, Notify thb */
	m = ask(HDR "Transaction = 17 { Context = 1 { Modify = ip/default/1 {"
		    " Media { Stream = 1 { LocalControl { hangterm/timerx = 1"
		    " } } }, Events = 9 { hangterm/thb } } } }");
	ck_assert_msg(!strstr(m, "Error"), "%s", m);
	m = recv_msg();
	ck_assert_msg(strstr(m, "Notify = ip/default/1") &&
			      strstr(m, "hangterm/thb"),
		      "%s", m);
	/* compact request, compact reply; Subtract removes everything */
	uint16_t port = t->port;
	struct agw_addr la = t->local_addr;
	m = ask("!/3 [127.0.0.1]:2945 T=15{C=1{S=ip/default/1}}");
	ck_assert_msg(!strncmp(m, "!/2", 3), "%s", m);
	ck_assert_ptr_nonnull(strstr(m, "nt/dur="));
	ck_assert_uint_eq(d.tab.nterm, 0);
	ck_assert_uint_eq(d.tab.nctx, 0);
	ck_assert_int_ne(agw_gate_term_get(d.gate, &la, port, &gi), 0);
	/* unknown context now */
	m = ask(HDR "Transaction = 16 { Context = 1 { Modify = ip/default/1 } }");
	ck_assert_ptr_nonnull(strstr(m, "Error = 411"));
	/* ResponseAck releases the cached replies */
	uint32_t before = agw_txn_cache_count(d.cache);
	char k[128];
	int n = snprintf(k, sizeof(k), HDR "TransactionResponseAck { 10-16 }");
	sendto(mgc, k, (size_t)n, 0, (struct sockaddr *)&agwd_sa,
	       sizeof(agwd_sa));
	for (int i = 0; i < 50; i++)
		agw_evloop_run_once(d.loop, 10);
	ck_assert_uint_lt(agw_txn_cache_count(d.cache), before);
}
END_TEST

/* What d.on_event reported last (agwctl monitor's events). */
static struct {
	unsigned int n;
	enum agwd_event_kind kind;
	char term[64], state[16];
	uint32_t ctx;
	int error;
} ev;

static void record_event(struct agwd *dd, const struct agwd_event *e)
{
	ev.n++;
	ev.kind = e->kind;
	snprintf(ev.term, sizeof(ev.term), "%s", e->term);
	snprintf(ev.state, sizeof(ev.state), "%s", e->state ? e->state : "");
	ev.ctx = e->ctx;
	ev.error = e->error;
}

START_TEST(limits_510)
{
	const char *m;

	do_register();
	d.on_event = record_event;
	memset(&ev, 0, sizeof(ev));
	ck_assert_ptr_null(strstr(ask(ADD_ACCESS, 20u, "OFF"), "Error"));
	/* each Add reported upward, with the termination's state */
	ck_assert_uint_eq(ev.n, 1);
	ck_assert_int_eq(ev.kind, AGWD_EV_ADD);
	ck_assert_str_eq(ev.term, "ip/default/1");
	ck_assert_str_eq(ev.state, "listening");
	ck_assert_uint_eq(ev.ctx, 1);
	ck_assert_int_eq(ev.error, 0);
	ck_assert_ptr_null(strstr(ask(ADD_ACCESS, 21u, "OFF"), "Error"));
	m = ask(ADD_ACCESS, 22u, "OFF"); /* contexts = 2 */
	ck_assert_ptr_nonnull(strstr(m, "Error = 510"));
	/* a refused Add too: the ID as the MGC wrote it, the error */
	ck_assert_uint_eq(ev.n, 3);
	ck_assert_int_eq(ev.kind, AGWD_EV_ADD);
	ck_assert_str_eq(ev.term, "ip/default/$");
	ck_assert_int_eq(ev.error, H248_E_RESOURCES);
	ck_assert_uint_eq(d.tab.nctx, 2);
	ck_assert_uint_eq(d.tab.nterm, 2);
	/* a second termination fits, a third does not */
	m = ask(HDR "Transaction = 23 { Context = 1 { Add = ip/$ } }");
	ck_assert_ptr_nonnull(strstr(m, "Add = ip/default/"));
	m = ask(HDR "Transaction = 24 { Context = 1 { Add = ip/$ } }");
	ck_assert_ptr_nonnull(strstr(m, "Error = 510"));
	ck_assert_uint_eq(d.tab.nterm, 3);
	/* Move: into a full context 510, else the termination changes
	 * context */
	m = ask(HDR "Transaction = 25 { Context = 1 { Move = ip/default/2 } }");
	ck_assert_ptr_nonnull(strstr(m, "Error = 510"));
	m = ask(HDR "Transaction = 26 { Context = 2 { Move = ip/default/1 } }");
	ck_assert_msg(strstr(m, "Move = ip/default/1") && !strstr(m, "Error"),
		      "%s", m);
	ck_assert_uint_eq(d.tab.ctx[1].nterm, 2);
	ck_assert_uint_eq(d.tab.ctx[0].nterm, 1);
	/* wildcard Subtract empties and frees the context */
	m = ask(HDR "Transaction = 27 { Context = 1 { Subtract = * } }");
	ck_assert_ptr_nonnull(strstr(m, "Subtract = ip/default/3"));
	ck_assert_int_eq(ev.kind, AGWD_EV_SUBTRACT);
	ck_assert_int_eq(ev.error, 0);
	ck_assert_uint_eq(d.tab.nctx, 1);
	m = ask(HDR "Transaction = 28 { Context = 2 { Subtract = ip/zz/* } }");
	ck_assert_ptr_nonnull(strstr(m, "Error = 430"));
}
END_TEST

/* ServiceChange from the MGC and Audit (Documentation/h248-profile.md). */
START_TEST(servicechange_audit)
{
	const char *cstate = agw_profile_item(AGW_PI_TCP_STATE)->full;
	const char *m;

	do_register();
	m = ask(HDR "Transaction = 30 { Context = * { AuditValue = * {"
		    " Audit { Media } } } }");
	ck_assert_msg(strstr(m, "Error = 431"), "%s", m);
	ck_assert_ptr_null(strstr(ask(ADD_ACCESS, 31u, "ON"), "Error"));
	/* every descriptor, the read-only state among the properties */
	m = ask(HDR "Transaction = 32 { Context = 1 { AuditValue = * {"
		    " Audit { Media, Events, Signals, Statistics, Packages } } } }");
	ck_assert_msg(strstr(m, "ServiceStates = InService") &&
			      strstr(m, cstate) && strstr(m, "Packages") &&
			      !strstr(m, "Error"),
		      "%s", m);
	m = ask(HDR "Transaction = 33 { Context = 1 { AuditValue = * {"
		    " Audit { DigitMap } } } }");
	ck_assert_msg(strstr(m, "Error = 444"), "%s", m);
	/* the read-only property cannot be written */
	m = ask(HDR "Transaction = 34 { Context = 1 { Modify = ip/default/1 {"
		    " Media { Stream = 1 { LocalControl { %s = closed } } } } } }",
		cstate);
	ck_assert_msg(strstr(m, "Error = 534"), "%s", m);
	/* Forced on the termination: out of service, Modify 521 */
	m = ask(HDR "Transaction = 35 { Context = 1 { ServiceChange ="
		    " ip/default/1 { Services { Method = Forced,"
		    " Reason = \"905 x\" } } } }");
	ck_assert_msg(!strstr(m, "Error"), "%s", m);
	ck_assert(only_term()->oos);
	m = ask(HDR "Transaction = 36 { Context = 1 { Modify = ip/default/1 } }");
	ck_assert_msg(strstr(m, "Error = 521"), "%s", m);
	/* HandOff needs MgcIdToTry; Disconnected is not the MGC's */
	m = ask(HDR "Transaction = 37 { Context = - { ServiceChange = ROOT {"
		    " Services { Method = HandOff } } } }");
	ck_assert_msg(strstr(m, "Error = 472"), "%s", m);
	m = ask(HDR "Transaction = 38 { Context = - { ServiceChange = ROOT {"
		    " Services { Method = Disconnected } } } }");
	ck_assert_msg(strstr(m, "Error = 449"), "%s", m);
	/* Forced on ROOT: everything released, Adds 503 until Restart */
	m = ask(HDR "Transaction = 39 { Context = - { ServiceChange = ROOT {"
		    " Services { Method = Forced } } } }");
	ck_assert_msg(!strstr(m, "Error"), "%s", m);
	ck_assert_uint_eq(d.tab.nctx, 0);
	ck_assert_uint_eq(d.tab.nterm, 0);
	ck_assert_ptr_nonnull(strstr(ask(ADD_ACCESS, 40u, "OFF"), "Error = 503"));
	m = ask(HDR "Transaction = 41 { Context = - { ServiceChange = ROOT {"
		    " Services { Method = Restart } } } }");
	ck_assert_msg(!strstr(m, "Error"), "%s", m);
	ck_assert_ptr_null(strstr(ask(ADD_ACCESS, 42u, "OFF"), "Error"));
}
END_TEST

/* Requests the gate alone would carry out, and contradictory ones. */
START_TEST(refused_requests)
{
	struct agw_gate_term_info gi;
	struct agwd_term *t;
	const char *m;

	do_register();
	/* ignore ON and filter ON in one command: 473, nothing created */
	m = ask(HDR
		"Transaction = 30 { Context = $ { Add = ip/$ { Media {"
		" LocalControl { tcpbcc/synign = ON, gm/saf = ON } } } } }");
	ck_assert_msg(strstr(m, "Error = 473") && strstr(m, "gm/saf"), "%s", m);
	ck_assert_uint_eq(d.tab.nterm, 0);
	/* Mode Inactive is refused, not ignored */
	m = ask(HDR "Transaction = 31 { Context = $ { Add = ip/$ { Media {"
		    " LocalControl { Mode = Inactive } } } } }");
	ck_assert_msg(strstr(m, "Error = 517") && strstr(m, "Inactive"), "%s",
		      m);
	ck_assert_uint_eq(d.tab.nterm, 0);
	/* indication 5: filtering on ends the ignoring (synign not named) */
	ck_assert_ptr_null(strstr(ask(ADD_ACCESS, 32u, "ON"), "Error"));
	t = only_term();
	m = ask(HDR "Transaction = 33 { Context = 1 { Modify = ip/default/1 {"
		    " Media { LocalControl { gm/saf = ON, gm/spf = ON },"
		    " Remote {\nv=0\nc=IN IP4 192.0.2.7\n"
		    "m=message 4000 TCP/MSRP *\n} } } } }");
	ck_assert_msg(!strstr(m, "Error"), "%s", m);
	ck_assert(!t->p.synign);
	agw_gate_term_get(d.gate, &t->local_addr, t->port, &gi);
	ck_assert_int_eq(gi.mode, AGW_MODE_FILTER);
	ck_assert_uint_eq(gi.allow[0].port_lo, 4000);
	ck_assert_uint_eq(gi.allow[0].port_hi, 4000);
	/* a realm without a gate: synign, saf, spf ON refused (449) */
	d.cfg.realms[0].attach = AGW_ATTACH_NONE;
	m = ask(ADD_ACCESS, 34u, "ON");
	ck_assert_msg(strstr(m, "Error = 449") && strstr(m, "attach = none"),
		      "%s", m);
	ck_assert_uint_eq(d.tab.nterm, 1);
	m = ask(HDR
		"Transaction = 35 { Context = 1 { Modify = ip/default/1 {"
		" Media { LocalControl { gm/saf = OFF, gm/spf = OFF } } } } }");
	ck_assert_msg(!strstr(m, "Error"), "%s", m);
	m = ask(HDR "Transaction = 36 { Context = 1 { Modify = ip/default/1 {"
		    " Media { LocalControl { gm/spf = ON } } } } }");
	ck_assert_msg(strstr(m, "Error = 449") && strstr(m, "gm/spf"), "%s", m);
	ck_assert(!t->p.spf);
	d.cfg.realms[0].attach = AGW_ATTACH_XDP_GENERIC;
}
END_TEST

int main(void)
{
	Suite *s = suite_create("agwd_core");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, before_registration_505);
	tcase_add_test(tc, add_modify_subtract);
	tcase_add_test(tc, limits_510);
	tcase_add_test(tc, servicechange_audit);
	tcase_add_test(tc, refused_requests);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
