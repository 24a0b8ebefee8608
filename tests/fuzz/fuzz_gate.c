// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer harness for the SYN gate's packet parser and decision
 * (bpf/syn_gate.bpf.c), run in the kernel through BPF_PROG_TEST_RUN on
 * real maps in a private pin directory.
 *
 * Every input becomes one Ethernet frame: raw bytes, or (first byte odd)
 * a frame built by tests/unit/pktbuild.h from the input's choices
 * (VLAN tags, IPv4 options, IPv6 extension chains, fragments, TCP/UDP,
 * addresses and ports that hit the terminations and the H.248 guard,
 * truncation), then corrupted by the input's remaining bytes. The XDP and
 * the TC program must both give the verdict of a reference model written
 * here from Documentation/gate.md; in particular neither may ever admit a
 * SYN (or a guarded datagram) that the maps do not allow. Any difference
 * aborts with the frame.
 *
 * Needs root. Offline: see Documentation/gate.md ("Fuzzing").
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf.h>

#include "agw/gate.h"
#include "../unit/pktbuild.h"

#define FRAME_MAX 512
#define RANGE_MIN 20000
#define RANGE_MAX 29999
#define H248_PORT 2944

enum { PASS = 0, DROP = 1 };

/* The model's copy of what the maps hold. */
struct model_rule {
	const char *addr;
	int prefix;
	uint16_t lo, hi;
};

struct model_term {
	const char *local;
	uint16_t port;
	enum agw_gate_mode mode;
	struct model_rule rules[2];
	int nrules;
	struct agw_addr a;
	struct agw_allow allow[2];
};

static struct model_term terms[] = {
	{ .local = "10.0.0.1", .port = 20000, .mode = AGW_MODE_OPEN },
	{ .local = "10.0.0.1", .port = 20001, .mode = AGW_MODE_IGNORE },
	{ .local = "10.0.0.1",
	  .port = 20002,
	  .mode = AGW_MODE_FILTER,
	  .rules = { { "192.0.2.10", 32, 0, 65535 },
		     { "198.51.100.0", 24, 5000, 5999 } },
	  .nrules = 2 },
	{ .local = "fd00::1",
	  .port = 20000,
	  .mode = AGW_MODE_FILTER,
	  .rules = { { "fd00:1::", 64, 0, 65535 },
		     { "fd00:2::7", 128, 40000, 40000 } },
	  .nrules = 2 },
	{ .local = "fd00::1", .port = 20001, .mode = AGW_MODE_OPEN },
};
#define NTERMS (sizeof(terms) / sizeof(terms[0]))

/* MGCs: 192.0.2.10 from UDP port 2944, fd00:1::2 from any port. */
static struct agw_h248_mgc mgcs[2];
static const char *const mgc_addrs[] = { "192.0.2.10", "fd00:1::2" };
static const uint16_t mgc_ports[] = { 2944, 0 };

/* Choices for built frames: what the maps know, and what they do not. */
static const char *const srcs[] = { "192.0.2.10",   "198.51.100.7",
				    "198.51.101.7", "203.0.113.5",
				    "fd00:1::2",    "fd00:2::7",
				    "fd00:9::9",    "::ffff:192.0.2.10" };
static const char *const dsts[] = { "10.0.0.1", "fd00::1", "10.0.0.2",
				    "fd00::2" };
static const uint16_t sports[] = { 2944, 40000, 5000, 5999, 6000, 0, 1, 65535 };
static const uint16_t dports[] = { 20000, 20001, 20002, 2944,
				   25000, 19999, 30000, 0 };
static struct agw_addr src_a[8], dst_a[4];

static struct agw_gate *g;
static int xdp_fd, tc_fd;
static char pin[256];

static void cleanup(void)
{
	if (g) {
		agw_gate_unload(g);
		agw_gate_close(g);
		g = NULL;
	}
}

static void die(const char *what, int err)
{
	fprintf(stderr, "fuzz_gate: %s: %s\n", what, strerror(-err));
	cleanup();
	exit(1);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct agw_gate_opts o = { .max_terms = 64 };
	struct agw_gate_cfg cfg = { .port_min = RANGE_MIN,
				    .port_max = RANGE_MAX };
	uint16_t port = H248_PORT;
	unsigned int i;
	int j, err;

	(void)argc;
	(void)argv;
	if (geteuid()) {
		fprintf(stderr, "fuzz_gate: needs root (BPF)\n");
		exit(77);
	}
	/* tests/integration/fuzz_gate.sh names (and removes) the pins */
	if (getenv("AGW_FUZZ_PIN"))
		snprintf(pin, sizeof(pin), "%s", getenv("AGW_FUZZ_PIN"));
	else
		snprintf(pin, sizeof(pin), "/sys/fs/bpf/agw-fuzz-%d", getpid());
	o.pin_dir = pin;
	err = agw_gate_open(&o, &g);
	if (err)
		die("open", err);
	atexit(cleanup);
	err = agw_gate_config_set(g, &cfg);
	if (err)
		die("config", err);
	for (i = 0; i < NTERMS; i++) {
		struct model_term *t = &terms[i];

		agw_addr_parse(t->local, &t->a);
		err = agw_gate_term_add(g, &t->a, t->port, t->mode);
		for (j = 0; !err && j < t->nrules; j++) {
			struct agw_allow *a = &t->allow[j];

			agw_addr_parse(t->rules[j].addr, &a->addr);
			a->prefix_len = t->rules[j].prefix;
			a->port_lo = t->rules[j].lo;
			a->port_hi = t->rules[j].hi;
			err = agw_gate_allow_add(g, &t->a, t->port, a);
		}
		if (err)
			die("terminations", err);
	}
	for (i = 0; i < 2; i++) {
		agw_addr_parse(mgc_addrs[i], &mgcs[i].addr);
		mgcs[i].port = mgc_ports[i];
	}
	err = agw_gate_h248_set(g, &port, 1, mgcs, 2);
	if (err)
		die("guard", err);
	for (i = 0; i < 8; i++)
		agw_addr_parse(srcs[i], &src_a[i]);
	for (i = 0; i < 4; i++)
		agw_addr_parse(dsts[i], &dst_a[i]);
	xdp_fd = agw_gate_prog_fd(g, AGW_ATTACH_XDP_NATIVE);
	tc_fd = agw_gate_prog_fd(g, AGW_ATTACH_TC);
	if (xdp_fd < 0 || tc_fd < 0)
		die("programs", xdp_fd < 0 ? xdp_fd : tc_fd);
	return 0;
}

/* ---- the reference model (Documentation/gate.md, "What is judged") ----*/

struct pk {
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
	int proto; /* 6 or 17 */
	bool frag, l4err;
	uint8_t flags;
};

static uint16_t be16(const uint8_t *p)
{
	return p[0] << 8 | p[1];
}

static bool prefix_match(const uint8_t *src, const struct agw_allow *a)
{
	int bits = a->prefix_len + (agw_addr_is_v4(&a->addr) ? 96 : 0), i;

	for (i = 0; i < 16 && bits > 0; i++, bits -= 8) {
		uint8_t m = bits >= 8 ? 0xff : (uint8_t)(0xff << (8 - bits));

		if ((src[i] & m) != (a->addr.a[i] & m))
			return false;
	}
	return true;
}

static int model_term(const struct pk *k, const struct model_term *t)
{
	int j;

	if (k->frag || k->l4err)
		return DROP;
	if (t->mode == AGW_MODE_OPEN)
		return PASS;
	if (t->mode == AGW_MODE_IGNORE)
		return DROP;
	for (j = 0; j < t->nrules; j++)
		if (prefix_match(k->src, &t->allow[j]) &&
		    k->sport >= t->allow[j].port_lo &&
		    k->sport <= t->allow[j].port_hi)
			return PASS;
	return DROP;
}

static bool mgc_addr(const uint8_t *src)
{
	return !memcmp(src, mgcs[0].addr.a, 16) ||
	       !memcmp(src, mgcs[1].addr.a, 16);
}

static int model_decide(const struct pk *k)
{
	unsigned int i;

	if (k->proto == 17) {
		if (k->dport != H248_PORT)
			return PASS;
		/* UDP: (address, port) of an MGC, or an any-port MGC */
		if (k->sport && !memcmp(k->src, mgcs[0].addr.a, 16) &&
		    k->sport == mgcs[0].port)
			return PASS;
		return !memcmp(k->src, mgcs[1].addr.a, 16) ? PASS : DROP;
	}
	if ((k->flags & 0x12) != 0x02)
		return PASS; /* not a SYN */
	for (i = 0; i < NTERMS; i++)
		if (terms[i].port == k->dport &&
		    !memcmp(terms[i].a.a, k->dst, 16))
			return model_term(k, &terms[i]);
	if (k->dport == H248_PORT)
		return mgc_addr(k->src) ? PASS : DROP;
	if (k->dport < RANGE_MIN || k->dport > RANGE_MAX)
		return PASS;
	return DROP;
}

static int model(const uint8_t *p, size_t len)
{
	struct pk k = {};
	size_t off = 14;
	uint16_t proto;
	int i, nh;

	if (len < 14)
		return PASS;
	proto = be16(p + 12);
	for (i = 0; i < 2; i++) {
		if (proto != 0x8100 && proto != 0x88a8)
			break;
		if (off + 4 > len)
			return DROP;
		proto = be16(p + off + 2);
		off += 4;
	}
	if (proto == 0x0800) {
		size_t ihl;
		uint16_t fo;

		if (off + 20 > len)
			return DROP;
		nh = p[off + 9];
		if (nh != 6 && nh != 17)
			return PASS;
		ihl = (p[off] & 15) * 4;
		if (p[off] >> 4 != 4 || ihl < 20)
			return DROP;
		fo = be16(p + off + 6);
		if (fo & 0x3fff) {
			if (fo & 0x1fff)
				return PASS;
			k.frag = true;
		}
		if (off + ihl > len)
			return DROP;
		k.src[10] = k.src[11] = k.dst[10] = k.dst[11] = 0xff;
		memcpy(k.src + 12, p + off + 12, 4);
		memcpy(k.dst + 12, p + off + 16, 4);
		off += ihl;
	} else if (proto == 0x86dd) {
		if (off + 40 > len)
			return DROP;
		nh = p[off + 6];
		memcpy(k.src, p + off + 8, 16);
		memcpy(k.dst, p + off + 24, 16);
		off += 40;
		for (i = 0; i < 6 && nh != 6 && nh != 17; i++) {
			if (nh == 44) {
				if (off + 8 > len)
					return DROP;
				if (be16(p + off + 2) & 0xfff8)
					return PASS;
				k.frag = true;
				nh = p[off];
				off += 8;
			} else if (nh == 0 || nh == 43 || nh == 60) {
				if (off + 2 > len)
					return DROP;
				nh = p[off];
				off += (p[off + 1] + 1) * 8;
			} else {
				return PASS;
			}
		}
		if (nh != 6 && nh != 17)
			return PASS;
	} else {
		return PASS;
	}
	if (off > 512)
		return DROP; /* headers this long are malformed */
	k.proto = nh;
	if (nh == 17) {
		if (off + 8 > len)
			return DROP;
	} else {
		if (off + 20 > len || p[off + 12] >> 4 < 5)
			return DROP;
		k.flags = p[off + 13];
		k.l4err = off + (p[off + 12] >> 4) * 4 > len;
	}
	k.sport = be16(p + off);
	k.dport = be16(p + off + 2);
	return model_decide(&k);
}

/* ---- building frames from the input ------------------------------------*/

static uint16_t pick_port(const uint8_t *b, const uint16_t *table)
{
	return b[0] & 0x80 ? table[b[1] & 7] : (uint16_t)(b[0] << 8 | b[1]);
}

static size_t build(const uint8_t *d, size_t n, uint8_t *out)
{
	static const uint8_t ext_types[] = { 0, 43, 60, 44 };
	uint8_t ext[6];
	struct pkt_spec s = {};
	int len, i;

	if (n < 13)
		return 0;
	s.vlans = d[1] % 3;
	s.v6 = d[1] & 4;
	s.l4proto = (d[1] >> 3 & 3) == 1 ? IPPROTO_UDP :
		    (d[1] >> 3 & 3) == 2 ? IPPROTO_ICMP :
		    (d[1] >> 3 & 3) == 3 ? d[9] :
					   0;
	s.more_frags = d[1] & 0x20;
	s.src = src_a[d[2] & 7];
	s.dst = dst_a[d[3] & 3];
	if (!s.v6 != agw_addr_is_v4(&s.src) && !(d[2] & 0x80))
		s.src = src_a[(d[2] & 3) + (s.v6 ? 4 : 0)];
	if (!s.v6 != agw_addr_is_v4(&s.dst))
		s.dst = dst_a[(d[3] & 2) + (s.v6 ? 1 : 0)];
	s.sport = pick_port(d + 4, sports);
	s.dport = pick_port(d + 6, dports);
	s.tcp_flags = d[8];
	s.tcp_doff = d[9] & 15;
	if (!s.v6)
		s.ip_opt_len = (d[9] >> 4 & 7) * 4 > 40 ? 40 :
							  (d[9] >> 4 & 7) * 4;
	s.ext_n = s.v6 ? d[10] % 7 : 0;
	for (i = 0; i < s.ext_n; i++)
		ext[i] = ext_types[(d[11] >> (i % 4 * 2)) & 3];
	s.ext = ext;
	s.frag_off = (d[12] & 3) == 3 ? 100 : 0;
	len = pkt_build(&s, out);
	s.truncate = d[12] >> 2;
	if (s.truncate >= len)
		s.truncate = len - 1;
	len = pkt_build(&s, out);
	/* the rest: (offset, xor) pairs */
	for (i = 13; i + 1 < (int)n; i += 2)
		if (d[i] < len)
			out[d[i]] ^= d[i + 1];
	return len;
}

static int run(int fd, const uint8_t *pkt, size_t len, bool tc, int *verdict)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = pkt, .data_size_in = len,
		    .repeat = 1);

	if (bpf_prog_test_run_opts(fd, &o))
		return -errno;
	if (tc)
		*verdict = o.retval == TC_ACT_SHOT ? DROP : PASS;
	else
		*verdict = o.retval == XDP_DROP ? DROP : PASS;
	return 0;
}

static void report(const char *who, int got, int want, const uint8_t *p,
		   size_t len)
{
	size_t i;

	fprintf(stderr, "fuzz_gate: %s said %s, the model %s%s; frame:", who,
		got == PASS ? "PASS" : "DROP", want == PASS ? "PASS" : "DROP",
		got == PASS ? " (admitted what the maps do not allow)" : "");
	for (i = 0; i < len; i++)
		fprintf(stderr, "%s%02x", i % 16 ? " " : "\n  ", p[i]);
	fprintf(stderr, "\n");
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t frame[FRAME_MAX];
	size_t len;
	int want, v;

	if (!size)
		return 0;
	if (data[0] & 1) {
		len = build(data, size, frame);
	} else {
		len = size - 1 > FRAME_MAX ? FRAME_MAX : size - 1;
		memcpy(frame, data + 1, len);
	}
	if (len < 14) /* the kernel takes no shorter frame */
		return 0;
	want = model(frame, len);
	if (run(xdp_fd, frame, len, false, &v))
		die("XDP test run", -errno);
	if (v != want)
		report("XDP", v, want, frame, len);
	/* the kernel refuses some malformed skbs for TC: those it takes
	 * must agree */
	if (!run(tc_fd, frame, len, true, &v) && v != want)
		report("TC", v, want, frame, len);
	return 0;
}
