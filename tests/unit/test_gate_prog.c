// SPDX-License-Identifier: GPL-2.0-only
/*
 * The SYN gate's verdicts through BPF_PROG_TEST_RUN: crafted frames of
 * every shape against every mode and the H.248 guard, on both the XDP and
 * the TC program, with the counters and drop records each verdict must
 * produce; ownership, the instance lock and reconcile after a real crash
 * (a forked owner killed with SIGKILL).
 */
#include <check.h>
#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>
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
	return agw_gate_counter_value(&st, c);
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
	ck_assert_uint_eq(counters(&L4, 20000).drops[AGW_DROP_PARSE], 2);
	ck_assert_uint_eq(counters(&L4, 20000).last_reason, AGW_DROP_PARSE);
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
	/* each drop counted once: the SYN to the termination is its own */
	pe = gcount(AGW_G_PARSE_ERR);
	ck_assert_uint_eq(pe, 7);
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
	ck_assert_uint_eq(gcount(AGW_G_FRAG_SYN_DROP), 0);
	ck_assert_uint_eq(counters(&L4, 20000).syn_dropped, 2);
	ck_assert_uint_eq(counters(&L4, 20000).drops[AGW_DROP_FRAGMENT], 2);
	ck_assert_uint_eq(counters(&L6, 20000).drops[AGW_DROP_FRAGMENT], 2);
	ck_assert_uint_eq(counters(&L4, 20000).syn_admitted, 0);
	/* a fragmented SYN into the media range, no termination */
	s = syn4(&R4, 40000, 25000);
	s.more_frags = true;
	ck_assert_int_eq(run(&s), DROP);
	ck_assert_uint_eq(gcount(AGW_G_FRAG_SYN_DROP), 2);
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

/* ---- the H.248 guard ---------------------------------------------------*/

static struct pkt_spec udp4(const struct agw_addr *src, uint16_t sport,
			    uint16_t dport)
{
	struct pkt_spec s = syn4(src, sport, dport);

	s.l4proto = IPPROTO_UDP;
	s.tcp_flags = 0;
	return s;
}

START_TEST(h248_guard)
{
	struct agw_h248_mgc mgcs[] = { { R4, 2944 }, { R6, 0 } };
	struct agw_h248_mgc back[4];
	uint16_t ports[] = { 2944, 2945 }, pback[4];
	unsigned int np, nm;
	struct pkt_spec s;
	static const struct {
		const char *what;
		int v6, udp, src_b; /* src_b: R4b (v4) / other v6 */
		uint16_t sport, dport;
		int verdict;
	} cases[] = {
		{ "udp from the MGC", 0, 1, 0, 2944, 2944, PASS },
		{ "udp MGC to 2nd port", 0, 1, 0, 2944, 2945, PASS },
		{ "udp MGC address, other port", 0, 1, 0, 3000, 2944, DROP },
		{ "udp MGC address, port 0", 0, 1, 0, 0, 2944, DROP },
		{ "udp foreign address", 0, 1, 1, 2944, 2944, DROP },
		{ "udp foreign, unguarded port", 0, 1, 1, 2944, 5060, PASS },
		{ "syn from the MGC address", 0, 0, 0, 40000, 2944, PASS },
		{ "syn foreign address", 0, 0, 1, 40000, 2945, DROP },
		{ "v6 udp, MGC with any port", 1, 1, 0, 1234, 2944, PASS },
		{ "v6 syn, MGC", 1, 0, 0, 1234, 2944, PASS },
		{ "v6 udp foreign", 1, 1, 1, 2944, 2944, DROP },
	};
	unsigned int i;

	ck_assert_int_eq(agw_gate_h248_set(g, ports, 2, mgcs, 2), 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (cases[i].v6) {
			s = syn6(cases[i].sport, cases[i].dport);
			if (cases[i].src_b)
				agw_addr_parse("fd00:9::9", &s.src);
		} else {
			s = syn4(cases[i].src_b ? &R4b : &R4, cases[i].sport,
				 cases[i].dport);
		}
		if (cases[i].udp) {
			s.l4proto = IPPROTO_UDP;
			s.tcp_flags = 0;
		}
		ck_assert_msg(run(&s) == cases[i].verdict, "%s", cases[i].what);
	}
	/* each drop once, by reason; XDP and TC both ran */
	ck_assert_uint_eq(gcount(AGW_G_H248_UDP_PORT), 4);
	ck_assert_uint_eq(gcount(AGW_G_H248_UDP_ADDR), 4);
	ck_assert_uint_eq(gcount(AGW_G_H248_SYN_ADDR), 2);
	/* a datagram's first fragment is judged on its header; later
	 * fragments carry none and pass (no reassembly without the first) */
	s = udp4(&R4b, 2944, 2944);
	s.more_frags = true;
	ck_assert_int_eq(run(&s), DROP);
	s.frag_off = 100;
	ck_assert_int_eq(run(&s), PASS);
	/* a UDP header cut short is malformed */
	s = udp4(&R4, 2944, 2944);
	s.truncate = 20 - 6;
	ck_assert_int_eq(run_prog(AGW_ATTACH_XDP_NATIVE, &s), DROP);

	ck_assert_int_eq(agw_gate_h248_get(g, pback, &np, back, 4, &nm), 0);
	ck_assert_uint_eq(np, 2);
	ck_assert_uint_eq(pback[1], 2945);
	ck_assert_uint_eq(nm, 2);
	/* the media range config leaves the guard alone */
	{
		struct agw_gate_cfg cfg = { .port_min = 20000,
					    .port_max = 20999 };

		ck_assert_int_eq(agw_gate_config_set(g, &cfg), 0);
	}
	s = udp4(&R4b, 2944, 2944);
	ck_assert_int_eq(run(&s), DROP);
	/* a new list: R4b in, R4 out; then off */
	mgcs[0].addr = R4b;
	ck_assert_int_eq(agw_gate_h248_set(g, ports, 1, mgcs, 1), 0);
	ck_assert_int_eq(run(&s), PASS);
	s = udp4(&R4, 2944, 2944);
	ck_assert_int_eq(run(&s), DROP);
	ck_assert_int_eq(agw_gate_h248_set(g, NULL, 0, NULL, 0), 0);
	ck_assert_int_eq(run(&s), PASS);
	ck_assert_int_eq(agw_gate_h248_get(g, pback, &np, back, 4, &nm), 0);
	ck_assert_uint_eq(np + nm, 0);
	ports[0] = 0;
	ck_assert_int_eq(agw_gate_h248_set(g, ports, 1, mgcs, 1), -EINVAL);
}
END_TEST

/* ---- drop records --------------------------------------------------------*/

struct recs {
	struct agw_drop_event ev[64];
	int n;
};

static int keep_rec(const struct agw_drop_event *ev, void *arg)
{
	struct recs *r = arg;

	if (r->n < 64)
		r->ev[r->n] = *ev;
	r->n++;
	return 0;
}

/* One CPU: the buckets are per CPU. */
static void pin_cpu(void)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(sched_getcpu(), &set);
	ck_assert_int_eq(sched_setaffinity(0, sizeof(set), &set), 0);
}

START_TEST(drop_records_rate_limited)
{
	struct agw_allow a = { .addr = R4, .prefix_len = 32, .port_hi = 65535 };
	struct agw_gate_monitor *m;
	struct agw_gate_term_info info;
	struct recs r = { .n = 0 };
	struct pkt_spec s = syn4(&R4b, 41000, 20000);
	uint64_t sup;
	int i;

	pin_cpu();
	ck_assert_int_eq(agw_gate_term_add(g, &L4, 20000, AGW_MODE_FILTER), 0);
	ck_assert_int_eq(agw_gate_allow_add(g, &L4, 20000, &a), 0);
	ck_assert_int_eq(agw_gate_monitor_open(g, keep_rec, &r, &m), 0);
	/* off by default: drops leave no record */
	ck_assert_int_eq(run_prog(AGW_ATTACH_XDP_NATIVE, &s), DROP);
	ck_assert_int_eq(agw_gate_monitor_poll(m, 0), 0);
	/* 1 record a second, 3 at once: a burst of 50 drops gives 3 (4 if
	 * a second passes), the rest counted as suppressed */
	ck_assert_int_eq(agw_gate_monitor_set(g, 1, 3), 0);
	for (i = 0; i < 50; i++)
		ck_assert_int_eq(run_prog(AGW_ATTACH_XDP_NATIVE, &s), DROP);
	ck_assert_int_ge(agw_gate_monitor_poll(m, 0), 3);
	ck_assert_int_ge(r.n, 3);
	ck_assert_int_le(r.n, 4);
	sup = gcount(AGW_G_MON_SUPPRESSED);
	ck_assert_uint_eq(sup + r.n, 50);
	ck_assert_uint_eq(gcount(AGW_G_MON_RECORDS), r.n);
	ck_assert_int_eq(agw_gate_term_get(g, &L4, 20000, &info), 0);
	ck_assert_uint_eq(r.ev[0].reason, AGW_DROP_FILTER);
	ck_assert_mem_eq(r.ev[0].src.a, R4b.a, 16);
	ck_assert_mem_eq(r.ev[0].dst.a, L4.a, 16);
	ck_assert_uint_eq(r.ev[0].sport, 41000);
	ck_assert_uint_eq(r.ev[0].dport, 20000);
	ck_assert_uint_eq(r.ev[0].slot, info.slot);
	ck_assert_uint_eq(r.ev[0].proto, IPPROTO_TCP);
	ck_assert_uint_eq(info.counters.drops[AGW_DROP_FILTER], 51);
	ck_assert_uint_eq(info.counters.last_reason, AGW_DROP_FILTER);
	/* a fast rate: the next record says how many were withheld */
	ck_assert_int_eq(agw_gate_monitor_set(g, 1000000, 1000), 0);
	/* credit accrues per jiffy: 20 ms is one at any HZ >= 50 */
	usleep(20000);
	s = syn4(&R4, 41000, 25000); /* no termination */
	r.n = 0;
	ck_assert_int_eq(run_prog(AGW_ATTACH_XDP_NATIVE, &s), DROP);
	ck_assert_int_eq(agw_gate_monitor_poll(m, 0), 1);
	ck_assert_uint_eq(r.ev[0].reason, AGW_DROP_NO_TERM);
	ck_assert_uint_eq(r.ev[0].slot, UINT32_MAX);
	ck_assert_uint_ge(r.ev[0].suppressed, 1);
	ck_assert_int_eq(agw_gate_monitor_set(g, 2000000, 0), -EINVAL);
	agw_gate_monitor_close(m);
}
END_TEST

/* ---- ownership, the lock, reconcile after a crash ------------------------*/

/* Runs fn in a child that holds the lock; returns its pid once it has
 * said "ready" (fn done). */
static pid_t spawn_owner(void (*fn)(struct agw_gate *gc))
{
	int pfd[2];
	char c;
	pid_t pid;

	ck_assert_int_eq(pipe(pfd), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (!pid) {
		struct agw_gate_opts o = { .pin_dir = pin_dir };
		struct agw_gate_lock *l;
		struct agw_gate *gc;

		close(pfd[0]);
		if (agw_gate_lock(pin_dir, &l, NULL))
			_exit(2);
		o.lock = l;
		if (agw_gate_open(&o, &gc))
			_exit(3);
		fn(gc);
		if (write(pfd[1], "r", 1) != 1)
			_exit(4);
		pause();
		_exit(0);
	}
	close(pfd[1]);
	ck_assert_int_eq(read(pfd[0], &c, 1), 1);
	close(pfd[0]);
	return pid;
}

static void kill_owner(pid_t pid)
{
	int st;

	kill(pid, SIGKILL);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFSIGNALED(st));
}

#define CRASH_TERMS 100

static void owner_adds(struct agw_gate *gc)
{
	struct agw_allow a = { .addr = R4, .prefix_len = 32, .port_hi = 65535 };
	struct agw_slot_claim claim = { .owner = *agw_gate_owner(gc) };
	uint32_t orphan = 1000;
	char path[128];
	int i, fd;

	if (agw_gate_term_add(gc, &L4, 20010, AGW_MODE_OPEN) ||
	    agw_gate_term_add(gc, &L4, 20011, AGW_MODE_FILTER) ||
	    agw_gate_allow_add(gc, &L4, 20011, &a) ||
	    agw_gate_term_add(gc, &L6, 20012, AGW_MODE_IGNORE))
		_exit(5);
	for (i = 0; i < CRASH_TERMS - 3; i++)
		if (agw_gate_term_add(gc, &L4, 21000 + i, i % 3))
			_exit(6);
	/* a crash between claiming a slot and adding the entry */
	snprintf(path, sizeof(path), "%s/%s", pin_dir, AGW_MAP_SLOTS);
	fd = bpf_obj_get(path);
	if (fd < 0 || bpf_map_update_elem(fd, &orphan, &claim, BPF_NOEXIST))
		_exit(7);
	close(fd);
}

static int check_no_dead(const struct agw_gate_entry *e, void *arg)
{
	int *bad = arg;

	if (e->owner_state != AGW_OWNED_SELF &&
	    e->owner_state != AGW_OWNED_OPERATOR)
		(*bad)++;
	return 0;
}

START_TEST(reconcile_after_crash)
{
	struct agw_gate_opts o = { .pin_dir = pin_dir };
	struct agw_gate_reconcile rec;
	struct agw_gate_term_info info;
	struct agw_gate_holder h;
	struct agw_gate_lock *l, *l2;
	struct agw_allow a = { .addr = R4b,
			       .prefix_len = 32,
			       .port_hi = 65535 };
	struct pkt_spec s = syn4(&R4, 40000, 20010);
	struct agw_gate *gb;
	int i, bad = 0;
	pid_t pid;

	pid = spawn_owner(owner_adds);
	/* a second instance gets a clear answer and touches nothing */
	ck_assert_int_eq(agw_gate_lock(pin_dir, &l, &h), -EBUSY);
	ck_assert_uint_eq(h.pid, pid);
	ck_assert_uint_eq(h.generation, 1);
	ck_assert_int_eq(agw_gate_lock_probe(pin_dir, &h), 1);
	/* the operator cannot change a running instance's entries */
	ck_assert_int_eq(agw_gate_term_get(g, &L4, 20010, &info), 0);
	ck_assert_int_eq(info.owner_state, AGW_OWNED_LIVE);
	ck_assert_int_eq(info.owner.kind, AGW_OWNER_AGWD);
	ck_assert_int_eq(agw_gate_term_del(g, &L4, 20010), -EBUSY);
	ck_assert_int_eq(agw_gate_term_set_mode(g, &L4, 20010, AGW_MODE_IGNORE),
			 -EBUSY);
	ck_assert_int_eq(agw_gate_allow_add(g, &L4, 20011, &a), -EBUSY);
	ck_assert_int_eq(agw_gate_reconcile(g, &rec), 0);
	ck_assert_uint_eq(rec.removed, 0);
	ck_assert_uint_eq(rec.kept_live, CRASH_TERMS);
	ck_assert_int_eq(agw_gate_unload(g), -EBUSY);
	ck_assert_int_eq(agw_gate_term_add(g, &L4, 20020, AGW_MODE_OPEN), 0);

	kill_owner(pid);
	/* the stale OPEN entry still admits: what reconcile is for */
	ck_assert_int_eq(run(&s), PASS);
	ck_assert_int_eq(agw_gate_lock_probe(pin_dir, &h), 0);
	ck_assert_int_eq(agw_gate_lock(pin_dir, &l, NULL), 0);
	o.lock = l;
	ck_assert_int_eq(agw_gate_open(&o, &gb), 0);
	ck_assert_uint_eq(agw_gate_owner(gb)->generation, 2);
	ck_assert_int_eq(agw_gate_lock(pin_dir, &l2, NULL), -EBUSY);
	ck_assert_int_eq(agw_gate_reconcile(gb, &rec), 0);
	ck_assert_uint_eq(rec.removed, CRASH_TERMS);
	ck_assert_uint_eq(rec.removed_mode[AGW_MODE_OPEN], 1 + 33);
	ck_assert_uint_eq(rec.removed_mode[AGW_MODE_FILTER], 1 + 32);
	ck_assert_uint_eq(rec.removed_mode[AGW_MODE_IGNORE], 1 + 32);
	ck_assert_uint_eq(rec.stale_slots, 1);
	ck_assert_uint_eq(rec.kept_operator, 1);
	/* no entry admits a SYN to a port no live owner holds */
	ck_assert_int_eq(agw_gate_entry_foreach(gb, check_no_dead, &bad), 0);
	ck_assert_int_eq(bad, 0);
	ck_assert_int_eq(run(&s), DROP);
	s.dport = 20011;
	ck_assert_int_eq(run(&s), DROP);
	for (i = 0; i < CRASH_TERMS - 3; i++) {
		s.dport = 21000 + i;
		ck_assert_int_eq(run(&s), DROP);
	}
	s.dport = 20020; /* the operator's, kept */
	ck_assert_int_eq(run(&s), PASS);
	/* the whole range is free again: every port can be added */
	ck_assert_int_eq(agw_gate_term_add(gb, &L4, 20010, AGW_MODE_IGNORE), 0);
	ck_assert_int_eq(agw_gate_term_add(gb, &L4, 20011, AGW_MODE_OPEN), 0);
	ck_assert_int_eq(agw_gate_term_add(gb, &L6, 20012, AGW_MODE_OPEN), 0);
	for (i = 0; i < CRASH_TERMS - 3; i++)
		ck_assert_int_eq(agw_gate_term_add(gb, &L4, 21000 + i,
						   AGW_MODE_OPEN),
				 0);
	ck_assert_int_eq(agw_gate_term_get(g, &L4, 20010, &info), 0);
	ck_assert_int_eq(info.owner_state, AGW_OWNED_LIVE);
	ck_assert_uint_eq(info.counters.syn_admitted, 0); /* a fresh slot */
	/* agwd never touches the operator's entry */
	ck_assert_int_eq(agw_gate_term_del(gb, &L4, 20020), -EPERM);
	/* a clean stop removes its own, and only those */
	ck_assert_int_eq(agw_gate_release_own(gb), CRASH_TERMS);
	ck_assert_int_eq(agw_gate_term_get(g, &L4, 20020, &info), 0);
	ck_assert_int_eq(agw_gate_term_get(g, &L4, 20010, &info), -ENOENT);
	ck_assert_int_eq(agw_gate_release_own(g), -EINVAL);
	agw_gate_close(gb);
	agw_gate_unlock(l);
}
END_TEST

static char veth[IF_NAMESIZE];

static void owner_attaches(struct agw_gate *gc)
{
	enum agw_attach_mode got;

	if (agw_gate_attach(gc, if_nametoindex(veth), AGW_ATTACH_XDP_GENERIC,
			    &got))
		_exit(8);
}

START_TEST(attachment_of_a_running_instance)
{
	struct agw_gate_opts o = { .pin_dir = pin_dir };
	enum agw_attach_mode got;
	struct agw_gate_lock *l;
	struct agw_gate *gb;
	char cmd[128];
	int ifindex;
	pid_t pid;

	/* a private network namespace for this test process */
	ck_assert_int_eq(unshare(CLONE_NEWNET), 0);
	snprintf(veth, sizeof(veth), "gt%d", getpid() % 100000);
	snprintf(cmd, sizeof(cmd),
		 "ip link add %s type veth peer name %sp && ip link set %s up",
		 veth, veth, veth);
	ck_assert_int_eq(system(cmd), 0);
	ifindex = if_nametoindex(veth);
	pid = spawn_owner(owner_attaches);
	/* what a second agwd's failed start did: it must not work */
	ck_assert_int_eq(agw_gate_detach(g, ifindex), -EBUSY);
	ck_assert_int_eq(agw_gate_attach(g, ifindex, AGW_ATTACH_TC, &got),
			 -EBUSY);
	ck_assert_int_eq(agw_gate_unload(g), -EBUSY);
	/* asking for what is there is fine and changes nothing */
	ck_assert_int_eq(
		agw_gate_attach(g, ifindex, AGW_ATTACH_XDP_GENERIC, &got), 0);
	kill_owner(pid);
	/* the link pin outlived its owner; the next instance adopts it */
	ck_assert_int_eq(agw_gate_lock(pin_dir, &l, NULL), 0);
	o.lock = l;
	ck_assert_int_eq(agw_gate_open(&o, &gb), 0);
	ck_assert_int_eq(
		agw_gate_attach(gb, ifindex, AGW_ATTACH_XDP_GENERIC, &got), 0);
	ck_assert_int_eq(got, AGW_ATTACH_XDP_GENERIC);
	ck_assert_int_eq(agw_gate_detach(g, ifindex), -EBUSY);
	ck_assert_int_eq(agw_gate_detach(gb, ifindex), 0);
	agw_gate_close(gb);
	agw_gate_unlock(l);
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
	tcase_add_test(tc, h248_guard);
	tcase_add_test(tc, drop_records_rate_limited);
	tcase_add_test(tc, reconcile_after_crash);
	tcase_add_test(tc, attachment_of_a_running_instance);
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
