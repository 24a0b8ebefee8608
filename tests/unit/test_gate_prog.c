// SPDX-License-Identifier: GPL-2.0-only
/*
 * The SYN gate's verdicts through BPF_PROG_TEST_RUN: crafted frames of
 * every shape against every mode, on both the XDP and the TC program,
 * with the counters each verdict must move.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf.h>

#include "agw/gate.h"
#include "pktbuild.h"

static struct agw_gate *g;
static char pin_dir[64];
static struct agw_addr L4, L6, R4, R4b, R6;

enum { PASS = 1, DROP = 0 };

static void setup(void)
{
	struct agw_gate_opts o = { .pin_dir = pin_dir, .max_terms = 1024 };
	struct agw_gate_cfg cfg = { .port_min = 20000, .port_max = 29999 };

	snprintf(pin_dir, sizeof(pin_dir), "/sys/fs/bpf/agw-unit-%d-%d",
		 getppid(), getpid());
	ck_assert_int_eq(agw_gate_open(&o, &g), 0);
	ck_assert_int_eq(agw_gate_config_set(g, &cfg), 0);
	agw_addr_parse("10.0.0.1", &L4);
	agw_addr_parse("fd00::1", &L6);
	agw_addr_parse("192.0.2.10", &R4);
	agw_addr_parse("198.51.100.7", &R4b);
	agw_addr_parse("fd00:1::2", &R6);
}

static void teardown(void)
{
	agw_gate_unload(g);
	agw_gate_close(g);
}

/* Runs the frame through one program; returns PASS or DROP. */
static int run_prog(enum agw_attach_mode kind, const struct pkt_spec *s)
{
	uint8_t pkt[PKT_MAX];
	int len = pkt_build(s, pkt);
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = pkt, .data_size_in = len,
		    .repeat = 1);
	int fd = agw_gate_prog_fd(g, kind);

	ck_assert_int_ge(fd, 0);
	ck_assert_msg(bpf_prog_test_run_opts(fd, &o) == 0,
		      "test_run kind %d len %d: %s", kind, len,
		      strerror(errno));
	if (kind == AGW_ATTACH_TC) {
		ck_assert(o.retval == TC_ACT_OK || o.retval == TC_ACT_SHOT);
		return o.retval == TC_ACT_OK ? PASS : DROP;
	}
	ck_assert(o.retval == XDP_PASS || o.retval == XDP_DROP);
	return o.retval == XDP_PASS ? PASS : DROP;
}

/* Both programs must agree; returns the common verdict. */
static int run(const struct pkt_spec *s)
{
	int x = run_prog(AGW_ATTACH_XDP_NATIVE, s);
	int t = run_prog(AGW_ATTACH_TC, s);

	ck_assert_msg(x == t, "XDP said %d, TC said %d", x, t);
	return x;
}

static struct pkt_spec syn4(const struct agw_addr *src, uint16_t sport,
			    uint16_t dport)
{
	struct pkt_spec s = { .src = *src,
			      .dst = L4,
			      .sport = sport,
			      .dport = dport,
			      .tcp_flags = PKT_SYN };
	return s;
}

static struct pkt_spec syn6(uint16_t sport, uint16_t dport)
{
	struct pkt_spec s = { .v6 = true,
			      .src = R6,
			      .dst = L6,
			      .sport = sport,
			      .dport = dport,
			      .tcp_flags = PKT_SYN };
	return s;
}

static struct agw_term_counters counters(const struct agw_addr *a,
					 uint16_t port)
{
	struct agw_gate_term_info info;

	ck_assert_int_eq(agw_gate_term_get(g, a, port, &info), 0);
	return info.counters;
}

static uint64_t gcount(enum agw_gate_counter c)
{
	struct agw_gate_stats st;

	ck_assert_int_eq(agw_gate_global_stats(g, &st), 0);
	return st.c[c];
}

START_TEST(non_syn_passes_untouched)
{
	static const uint8_t flags[] = { PKT_ACK, PKT_SYN | PKT_ACK, PKT_RST,
					 PKT_FIN | PKT_ACK, 0 };
	struct pkt_spec s = syn4(&R4, 40000, 20000);
	unsigned int i;

	ck_assert_int_eq(agw_gate_term_add(g, &L4, 20000, AGW_MODE_IGNORE), 0);
	for (i = 0; i < sizeof(flags); i++) {
		s.tcp_flags = flags[i];
		ck_assert_int_eq(run(&s), PASS);
	}
	ck_assert_uint_eq(counters(&L4, 20000).syn_dropped, 0);
}
END_TEST

START_TEST(modes_v4)
{
	struct pkt_spec s = syn4(&R4, 40000, 20000);
	struct agw_term_counters c;
	struct agw_allow exact = {
		.addr = R4, .prefix_len = 32, .port_lo = 40000, .port_hi = 40000
	};

	ck_assert_int_eq(agw_gate_term_add(g, &L4, 20000, AGW_MODE_OPEN), 0);
	ck_assert_int_eq(run(&s), PASS);
	c = counters(&L4, 20000);
	ck_assert_uint_eq(c.syn_admitted, 2); /* XDP and TC */
	ck_assert_uint_eq(c.syn_dropped, 0);
	ck_assert(c.last_admitted);
	ck_assert_uint_eq(c.last_sport, 40000);
	ck_assert_mem_eq(c.last_src.a, R4.a, 16);
	{
		struct timespec ts;
		uint64_t now;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		now = ts.tv_sec * 1000000000ULL + ts.tv_nsec;
		/* jiffies resolution: within a second of now, not after it */
		ck_assert_uint_gt(c.last_syn_ns, now - 1000000000ULL);
		ck_assert_uint_le(c.last_syn_ns, now + 20000000ULL);
	}

	/* a mode change keeps the counters */
	ck_assert_int_eq(agw_gate_term_set_mode(g, &L4, 20000, AGW_MODE_IGNORE),
			 0);
	ck_assert_int_eq(run(&s), DROP);
	c = counters(&L4, 20000);
	ck_assert_uint_eq(c.syn_admitted, 2);
	ck_assert_uint_eq(c.syn_dropped, 2);
	ck_assert(!c.last_admitted);

	/* filter with an empty list admits nobody */
	ck_assert_int_eq(agw_gate_term_set_mode(g, &L4, 20000, AGW_MODE_FILTER),
			 0);
	ck_assert_int_eq(run(&s), DROP);
	ck_assert_int_eq(agw_gate_allow_add(g, &L4, 20000, &exact), 0);
	ck_assert_int_eq(run(&s), PASS);
	s.sport = 40001;
	ck_assert_int_eq(run(&s), DROP);
	s = syn4(&R4b, 40000, 20000);
	ck_assert_int_eq(run(&s), DROP);
	c = counters(&L4, 20000);
	ck_assert_uint_eq(c.syn_admitted, 4);
	ck_assert_uint_eq(c.syn_dropped, 8);
	ck_assert_mem_eq(c.last_src.a, R4b.a, 16);
}
END_TEST

START_TEST(filter_prefix_and_ports)
{
	struct agw_allow net = { .prefix_len = 24,
				 .port_lo = 0,
				 .port_hi = 65535 };
	struct agw_allow range = {
		.addr = R4b, .prefix_len = 32, .port_lo = 5000, .port_hi = 5999
	};
	struct agw_addr near, far;
	struct pkt_spec s;

	agw_addr_parse("192.0.2.0", &net.addr);
	agw_addr_parse("192.0.2.200", &near);
	agw_addr_parse("192.0.3.1", &far);
	ck_assert_int_eq(agw_gate_term_add(g, &L4, 20002, AGW_MODE_FILTER), 0);
	ck_assert_int_eq(agw_gate_allow_add(g, &L4, 20002, &net), 0);
	ck_assert_int_eq(agw_gate_allow_add(g, &L4, 20002, &range), 0);
	s = syn4(&near, 1234, 20002);
	ck_assert_int_eq(run(&s), PASS);
	s = syn4(&far, 1234, 20002);
	ck_assert_int_eq(run(&s), DROP);
	s = syn4(&R4b, 5000, 20002);
	ck_assert_int_eq(run(&s), PASS);
	s.sport = 5999;
	ck_assert_int_eq(run(&s), PASS);
	s.sport = 6000;
	ck_assert_int_eq(run(&s), DROP);
	s.sport = 4999;
	ck_assert_int_eq(run(&s), DROP);

	/* an IPv4 /0 admits every IPv4 source but no IPv6 one */
	ck_assert_int_eq(agw_gate_allow_del(g, &L4, 20002, &net), 0);
	net.prefix_len = 0;
	ck_assert_int_eq(agw_gate_allow_add(g, &L4, 20002, &net), 0);
	s = syn4(&far, 1, 20002);
	ck_assert_int_eq(run(&s), PASS);
	s.v6 = true;
	s.src = R6;
	ck_assert_int_eq(run(&s), DROP);
}
END_TEST

START_TEST(modes_v6_and_ext_headers)
{
	static const uint8_t chain[] = { IPPROTO_HOPOPTS, IPPROTO_ROUTING,
					 IPPROTO_DSTOPTS };
	struct agw_allow a = {
		.addr = R6, .prefix_len = 64, .port_lo = 0, .port_hi = 65535
	};
	struct pkt_spec s = syn6(40000, 20000);

	ck_assert_int_eq(agw_gate_term_add(g, &L6, 20000, AGW_MODE_IGNORE), 0);
	ck_assert_int_eq(run(&s), DROP);
	s.ext = chain;
	s.ext_n = sizeof(chain);
	ck_assert_int_eq(run(&s), DROP);
	ck_assert_int_eq(agw_gate_term_set_mode(g, &L6, 20000, AGW_MODE_FILTER),
			 0);
	ck_assert_int_eq(agw_gate_allow_add(g, &L6, 20000, &a), 0);
	ck_assert_int_eq(run(&s), PASS);
	s.ext_n = 0;
	ck_assert_int_eq(run(&s), PASS);
	agw_addr_parse("fd00:2::2", &s.src);
	ck_assert_int_eq(run(&s), DROP);
	ck_assert_uint_eq(counters(&L6, 20000).syn_admitted, 4);
	ck_assert_uint_eq(counters(&L6, 20000).syn_dropped, 6);
}
END_TEST

START_TEST(vlan_and_ip_options)
{
	struct pkt_spec s = syn4(&R4, 40000, 20000);

	ck_assert_int_eq(agw_gate_term_add(g, &L4, 20000, AGW_MODE_IGNORE), 0);
	s.vlans = 1;
	ck_assert_int_eq(run(&s), DROP);
	s.vlans = 2;
	ck_assert_int_eq(run(&s), DROP);
	s.ip_opt_len = 40;
	ck_assert_int_eq(run(&s), DROP);
	s = syn6(1, 20000);
	s.vlans = 2;
	ck_assert_int_eq(agw_gate_term_add(g, &L6, 20000, AGW_MODE_OPEN), 0);
	ck_assert_int_eq(run(&s), PASS);
	ck_assert_uint_eq(counters(&L4, 20000).syn_dropped, 6);
	ck_assert_uint_eq(counters(&L6, 20000).syn_admitted, 2);
}
END_TEST

START_TEST(media_range_without_termination)
{
	struct agw_gate_cfg cfg = { .port_min = 20000,
				    .port_max = 29999,
				    .flags = AGW_CFG_RANGE_OPEN };
	struct pkt_spec s = syn4(&R4, 40000, 25000);

	ck_assert_int_eq(run(&s), DROP);
	ck_assert_uint_eq(gcount(AGW_G_NO_TERM_DROP), 2);
	s.dport = 22; /* outside the range: the host's own services */
	ck_assert_int_eq(run(&s), PASS);
	ck_assert_uint_eq(gcount(AGW_G_SYN_PASS_OTHER), 2);
	s = syn6(1, 29999);
	ck_assert_int_eq(run(&s), DROP);
	ck_assert_int_eq(agw_gate_config_set(g, &cfg), 0);
	ck_assert_int_eq(run(&s), PASS);
	ck_assert_uint_eq(gcount(AGW_G_NO_TERM_DROP), 4);
}
END_TEST

START_TEST(malformed_and_truncated)
{
	struct pkt_spec s = syn4(&R4, 40000, 20000);
	uint64_t pe;

	ck_assert_int_eq(agw_gate_term_add(g, &L4, 20000, AGW_MODE_OPEN), 0);
	/* TCP header cut short of its flags */
	s.truncate = 12;
	ck_assert_int_eq(run(&s), DROP);
	/* data offset below 5 words */
	s.truncate = 0;
	s.tcp_doff = 4;
	ck_assert_int_eq(run(&s), DROP);
	/* options announced but missing: a malformed SYN to a termination */
	s.tcp_doff = 15;
	s.truncate = 40;
	ck_assert_int_eq(run(&s), DROP);
	ck_assert_uint_eq(counters(&L4, 20000).syn_dropped, 2);
	ck_assert_uint_eq(counters(&L4, 20000).syn_admitted, 0);
	/* IPv4 header cut: XDP only, the kernel refuses such an skb for a
	 * TC test run (and the stack drops it before TC in real life) */
	s = syn4(&R4, 40000, 20000);
	s.truncate = 20 + 10;
	ck_assert_int_eq(run_prog(AGW_ATTACH_XDP_NATIVE, &s), DROP);
	/* IPv6 extension header cut */
	{
		static const uint8_t chain[] = { IPPROTO_HOPOPTS,
						 IPPROTO_DSTOPTS };
		s = syn6(1, 20000);
		s.ext = chain;
		s.ext_n = sizeof(chain);
		s.truncate = 20 + 12;
		ck_assert_int_eq(run(&s), DROP);
	}
	pe = gcount(AGW_G_PARSE_ERR);
	ck_assert_uint_eq(pe, 9);
	/* a SYN with options cut but outside the media range: not ours */
	s = syn4(&R4, 40000, 80);
	s.tcp_doff = 15;
	s.truncate = 40;
	ck_assert_int_eq(run(&s), PASS);
}
END_TEST

START_TEST(fragments)
{
	static const uint8_t frag6[] = { IPPROTO_FRAGMENT };
	struct pkt_spec s = syn4(&R4, 40000, 20000);

	ck_assert_int_eq(agw_gate_term_add(g, &L4, 20000, AGW_MODE_OPEN), 0);
	ck_assert_int_eq(agw_gate_term_add(g, &L6, 20000, AGW_MODE_OPEN), 0);
	/* first fragment carrying a SYN to a termination */
	s.more_frags = true;
	ck_assert_int_eq(run(&s), DROP);
	/* non-first fragment: no TCP header to judge */
	s.frag_off = 100;
	ck_assert_int_eq(run(&s), PASS);
	s = syn6(1, 20000);
	s.ext = frag6;
	s.ext_n = 1;
	s.more_frags = true;
	ck_assert_int_eq(run(&s), DROP);
	s.frag_off = 100;
	ck_assert_int_eq(run(&s), PASS);
	ck_assert_uint_eq(gcount(AGW_G_FRAGMENTS), 8);
	ck_assert_uint_eq(gcount(AGW_G_FRAG_SYN_DROP), 4);
	ck_assert_uint_eq(counters(&L4, 20000).syn_dropped, 2);
	ck_assert_uint_eq(counters(&L6, 20000).syn_dropped, 2);
	ck_assert_uint_eq(counters(&L4, 20000).syn_admitted, 0);
}
END_TEST

START_TEST(other_protocols_pass)
{
	struct pkt_spec s = syn4(&R4, 40000, 20000);
	uint8_t arp[64] = { [12] = 0x08, [13] = 0x06 };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = arp,
		    .data_size_in = sizeof(arp), .repeat = 1);

	ck_assert_int_eq(agw_gate_term_add(g, &L4, 20000, AGW_MODE_IGNORE), 0);
	s.l4proto = IPPROTO_UDP;
	ck_assert_int_eq(run(&s), PASS);
	ck_assert_int_eq(bpf_prog_test_run_opts(
				 agw_gate_prog_fd(g, AGW_ATTACH_XDP_NATIVE),
				 &o),
			 0);
	ck_assert_int_eq(o.retval, XDP_PASS);
	ck_assert_uint_eq(counters(&L4, 20000).syn_dropped, 0);
	ck_assert_uint_eq(counters(&L4, 20000).last_syn_ns, 0);
}
END_TEST

START_TEST(table_rules)
{
	struct agw_allow a = {
		.addr = R4, .prefix_len = 32, .port_lo = 1, .port_hi = 1
	};
	struct agw_gate_term_info info;
	struct pkt_spec s = syn4(&R4, 40000, 20000);
	int i;

	ck_assert_int_eq(agw_gate_term_add(g, &L4, 20000, AGW_MODE_OPEN), 0);
	ck_assert_int_eq(agw_gate_term_add(g, &L4, 20000, AGW_MODE_OPEN),
			 -EEXIST);
	ck_assert_int_eq(agw_gate_term_set_mode(g, &L4, 1, AGW_MODE_OPEN),
			 -ENOENT);
	ck_assert_int_eq(agw_gate_term_add(g, &L4, 1, AGW_MODE_MAX), -EINVAL);
	for (i = 0; i < AGW_ALLOW_MAX; i++) {
		a.port_lo = a.port_hi = i + 1;
		ck_assert_int_eq(agw_gate_allow_add(g, &L4, 20000, &a), 0);
	}
	ck_assert_int_eq(agw_gate_allow_add(g, &L4, 20000, &a), -EEXIST);
	a.port_lo = a.port_hi = 99;
	ck_assert_int_eq(agw_gate_allow_add(g, &L4, 20000, &a), -ENOSPC);
	ck_assert_int_eq(agw_gate_allow_del(g, &L4, 20000, &a), -ENOENT);
	a.prefix_len = 33;
	ck_assert_int_eq(agw_gate_allow_add(g, &L4, 20000, &a), -EINVAL);
	ck_assert_int_eq(agw_gate_term_get(g, &L4, 20000, &info), 0);
	ck_assert_uint_eq(info.nallow, AGW_ALLOW_MAX);
	ck_assert_int_eq(info.allow[1].port_lo, 2);
	ck_assert_int_eq(info.allow[1].prefix_len, 32);

	/* a deleted termination's slot comes back with zeroed counters */
	ck_assert_int_eq(run(&s), PASS);
	ck_assert_int_eq(agw_gate_term_del(g, &L4, 20000), 0);
	ck_assert_int_eq(agw_gate_term_del(g, &L4, 20000), -ENOENT);
	ck_assert_int_eq(agw_gate_term_add(g, &L4, 20001, AGW_MODE_OPEN), 0);
	ck_assert_int_eq(agw_gate_term_get(g, &L4, 20001, &info), 0);
	ck_assert_uint_eq(info.counters.syn_admitted, 0);
	ck_assert_uint_eq(info.nallow, 0);
}
END_TEST

START_TEST(capacity_is_enforced)
{
	struct agw_addr a;
	char buf[32];
	int i, err = 0;

	for (i = 0; i < 1100 && !err; i++) {
		snprintf(buf, sizeof(buf), "10.1.%d.%d", i / 250, i % 250);
		agw_addr_parse(buf, &a);
		err = agw_gate_term_add(g, &a, 20000, AGW_MODE_OPEN);
	}
	ck_assert_int_eq(err, -ENOSPC);
	ck_assert_int_eq(i, 1025);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("gate_prog");
	TCase *tc = tcase_create("verdicts");
	SRunner *sr;
	int failed;

	if (geteuid() != 0) {
		printf("SKIP: needs root for BPF\n");
		return 77;
	}
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, non_syn_passes_untouched);
	tcase_add_test(tc, modes_v4);
	tcase_add_test(tc, filter_prefix_and_ports);
	tcase_add_test(tc, modes_v6_and_ext_headers);
	tcase_add_test(tc, vlan_and_ip_options);
	tcase_add_test(tc, media_range_without_termination);
	tcase_add_test(tc, malformed_and_truncated);
	tcase_add_test(tc, fragments);
	tcase_add_test(tc, other_protocols_pass);
	tcase_add_test(tc, table_rules);
	tcase_add_test(tc, capacity_is_enforced);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	/* a failed test exits before its teardown: remove what it left */
	snprintf(pin_dir, sizeof(pin_dir), "rm -rf /sys/fs/bpf/agw-unit-%d-*",
		 getpid());
	if (system(pin_dir))
		failed++;
	return failed ? 1 : 0;
}
