// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for the SDP parser, generator and editing functions. */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agw/sdp.h"

static struct agw_sdp sdp, sdp2;
static struct agw_sdp_error err;
static char out[8192], out2[8192], in[8192];

static const char reserve_msrp[] = "v=0\r\n"
				   "c=IN IP4 $\r\n"
				   "m=message $ TCP/TLS/MSRP *\r\n"
				   "a=accept-types:message/cpim text/plain\r\n"
				   "a=setup:$\r\n";

static const char remote_msrp[] =
	"v=0\r\n"
	"o=- 2890844526 2890842807 IN IP4 192.0.2.10\r\n"
	"s=-\r\n"
	"c=IN IP4 192.0.2.10\r\n"
	"t=0 0\r\n"
	"m=message 7394 TCP/TLS/MSRP *\r\n"
	"a=accept-types:message/cpim text/plain text/html\r\n"
	"a=path:msrps://192.0.2.10:7394/2s93i93idj;tcp\r\n"
	"a=setup:active\r\n"
	"a=connection:new\r\n"
	"a=fingerprint:SHA-256 4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:49:"
	"6B:19:E5:7C:AB:1C:6F:5F:A9:4A:9E:2A:E8:29:3F:1C:60\r\n";

static const char bfcp[] = "v=0\n"
			   "c=IN IP6 2001:db8::5\n"
			   "m=application 50000 TCP/TLS/BFCP *\n"
			   "a=floorctrl:c-only s-only\n"
			   "a=confid:4321\n"
			   "a=userid:1234\n"
			   "a=floorid:1 mstrm:10 11\n"
			   "a=setup:passive\n"
			   "a=connection:existing\n";

static const char multi[] = "v=0\r\n"
			    "o=agw 1 1 IN IP6 2001:db8::1\r\n"
			    "s= \r\n"
			    "i=session info\r\n"
			    "c=IN IP6 2001:db8::1\r\n"
			    "b=AS:64\r\n"
			    "t=0 0\r\n"
			    "r=7d 1h 0 25h\r\n"
			    "a=tool:x\r\n"
			    "m=message 2855 TCP/MSRP *\r\n"
			    "a=path:msrp://[2001:db8::1]:2855/abc;tcp\r\n"
			    "m=application 0 TCP/BFCP *\r\n"
			    "a=floorctrl:c-s\r\n"
			    "m=audio 49170/2 RTP/AVP 0 8 97\r\n"
			    "c=IN IP4 224.2.36.42/127/3\r\n"
			    "a=rtpmap:97 iLBC/8000\r\n"
			    "a=recvonly\r\n";

static void parse_ok(const char *body)
{
	int rc = agw_sdp_parse(&sdp, body, strlen(body), &err);

	ck_assert_msg(rc == 0, "refused at %zu: %s", err.offset, err.reason);
}

/* Refused with code at offset, the reason containing why. */
static void parse_err_len(const char *body, size_t len, int code, long offset,
			  const char *why)
{
	int rc;

	memset(&err, 0, sizeof(err));
	rc = agw_sdp_parse(&sdp, body, len, &err);
	ck_assert_int_eq(rc, code == AGW_SDP_ERR_LIMIT ? -E2BIG : -EBADMSG);
	ck_assert_int_eq(err.code, code);
	if (offset >= 0)
		ck_assert_int_eq(err.offset, offset);
	ck_assert_msg(strstr(err.reason, why), "reason \"%s\" lacks \"%s\"",
		      err.reason, why);
}

static void parse_err(const char *body, int code, long offset, const char *why)
{
	parse_err_len(body, strlen(body), code, offset, why);
}

static bool str_is(struct agw_sdp_str s, const char *lit)
{
	return s.len == strlen(lit) && memcmp(s.ptr, lit, s.len) == 0;
}

/* A body with one media section and the given attribute line. */
static const char *with_attr(const char *line)
{
	static char buf[1024];

	snprintf(
		buf, sizeof(buf),
		"v=0\r\nc=IN IP4 192.0.2.1\r\nm=message 9 TCP/MSRP *\r\n%s\r\n",
		line);
	return buf;
}

static const struct agw_sdp_attr *attr_of(const char *line)
{
	parse_ok(with_attr(line));
	ck_assert_int_eq(sdp.n_attrs, 1);
	ck_assert_int_eq(sdp.attrs[0].media, 0);
	return &sdp.attrs[0];
}

/* Byte offset of the attribute value in with_attr(line). */
static long attr_offset(const char *line, const char *at)
{
	return (long)(strstr(with_attr(line), line) - with_attr(line)) +
	       (long)(strstr(line, at) - line);
}

static void roundtrip(const char *body)
{
	int n, m;

	parse_ok(body);
	n = agw_sdp_generate(&sdp, out, sizeof(out), AGW_SDP_GEN_KEEP_CHOOSE);
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(agw_sdp_parse(&sdp2, out, (size_t)n, &err), 0);
	ck_assert(agw_sdp_equal(&sdp, &sdp2));
	m = agw_sdp_generate(&sdp2, out2, sizeof(out2),
			     AGW_SDP_GEN_KEEP_CHOOSE);
	ck_assert_int_eq(m, n);
	ck_assert_str_eq(out, out2);
}

START_TEST(test_reserve_choose_filled)
{
	struct in_addr a4;
	const struct agw_sdp_attr *a;
	int rc;

	parse_ok(reserve_msrp);
	ck_assert(sdp.has_conn);
	ck_assert_int_eq(sdp.conn.kind, AGW_SDP_ADDR_CHOOSE);
	ck_assert_int_eq(sdp.conn.family, AGW_SDP_FAMILY_IP4);
	ck_assert_int_eq(sdp.n_media, 1);
	ck_assert(sdp.media[0].port_choose);
	ck_assert_int_eq(sdp.media[0].proto, AGW_SDP_PROTO_TCP_TLS_MSRP);
	ck_assert(str_is(sdp.media[0].type, "message"));
	ck_assert(str_is(sdp.media[0].fmts, "*"));
	a = agw_sdp_find_attr(&sdp, 0, AGW_SDP_ATTR_SETUP);
	ck_assert_ptr_nonnull(a);
	ck_assert(a->choose);
	ck_assert(agw_sdp_has_choose(&sdp));

	/* Not filled: refused unless the caller keeps the "$". */
	ck_assert_int_eq(agw_sdp_generate(&sdp, out, sizeof(out), 0), -EINVAL);
	rc = agw_sdp_generate(&sdp, out, sizeof(out), AGW_SDP_GEN_KEEP_CHOOSE);
	ck_assert_int_eq(rc, (int)strlen(reserve_msrp));
	ck_assert_str_eq(out, reserve_msrp);

	inet_pton(AF_INET, "198.51.100.7", &a4);
	ck_assert_int_eq(agw_sdp_set_conn(&sdp, -1, AF_INET, &a4), 0);
	ck_assert_int_eq(agw_sdp_set_port(&sdp, 0, 40001), 0);
	ck_assert_int_ge(agw_sdp_set_attr(&sdp, 0, "setup", "passive"), 0);
	ck_assert_int_ge(agw_sdp_set_attr(&sdp, 0, "fingerprint",
					  "sha-1 00:11:22:33:44:55:66:77:88:99:"
					  "AA:BB:CC:DD:EE:FF:00:11:22:33"),
			 0);
	ck_assert(!agw_sdp_has_choose(&sdp));
	rc = agw_sdp_generate(&sdp, out, sizeof(out), 0);
	ck_assert_int_gt(rc, 0);
	ck_assert_str_eq(out,
			 "v=0\r\n"
			 "c=IN IP4 198.51.100.7\r\n"
			 "m=message 40001 TCP/TLS/MSRP *\r\n"
			 "a=accept-types:message/cpim text/plain\r\n"
			 "a=setup:passive\r\n"
			 "a=fingerprint:sha-1 00:11:22:33:44:55:66:77:88:99:"
			 "AA:BB:CC:DD:EE:FF:00:11:22:33\r\n");
	ck_assert_int_eq(agw_sdp_parse(&sdp2, out, (size_t)rc, &err), 0);
	ck_assert(agw_sdp_equal(&sdp, &sdp2));
	a = agw_sdp_find_attr(&sdp2, 0, AGW_SDP_ATTR_SETUP);
	ck_assert_int_eq(a->setup, AGW_SDP_SETUP_PASSIVE);
	ck_assert_int_eq(sdp2.media[0].port, 40001);
}
END_TEST

START_TEST(test_remote_msrp)
{
	const struct agw_sdp_attr *a;
	struct in_addr want;

	parse_ok(remote_msrp);
	ck_assert(sdp.has_origin && sdp.has_name && sdp.has_conn);
	ck_assert(str_is(sdp.origin.username, "-"));
	ck_assert(str_is(sdp.origin.sess_id, "2890844526"));
	ck_assert(str_is(sdp.origin.sess_version, "2890842807"));
	ck_assert_int_eq(sdp.origin.addr.kind, AGW_SDP_ADDR_IP4);
	ck_assert(str_is(sdp.name, "-"));
	ck_assert_int_eq(sdp.n_times, 1);
	ck_assert(str_is(sdp.times[0].start, "0"));
	inet_pton(AF_INET, "192.0.2.10", &want);
	ck_assert_int_eq(sdp.conn.v4.s_addr, want.s_addr);
	ck_assert_int_eq(sdp.media[0].port, 7394);
	ck_assert(!agw_sdp_has_choose(&sdp));

	a = agw_sdp_find_attr(&sdp, 0, AGW_SDP_ATTR_PATH);
	ck_assert_int_eq(a->list.count, 1);
	a = agw_sdp_find_attr(&sdp, 0, AGW_SDP_ATTR_ACCEPT_TYPES);
	ck_assert_int_eq(a->list.count, 3);
	a = agw_sdp_find_attr(&sdp, 0, AGW_SDP_ATTR_CONNECTION);
	ck_assert_int_eq(a->connection, AGW_SDP_CONNECTION_NEW);
	a = agw_sdp_find_attr(&sdp, 0, AGW_SDP_ATTR_FINGERPRINT);
	ck_assert_int_eq(a->fingerprint.hash, AGW_SDP_HASH_SHA256);
	ck_assert(str_is(a->fingerprint.hash_name, "SHA-256"));
	ck_assert_int_eq(a->fingerprint.len, 32);
	ck_assert_int_eq(a->fingerprint.hex.len, 95);
	ck_assert(agw_sdp_find_attr(&sdp, -1, AGW_SDP_ATTR_FINGERPRINT) ==
		  NULL);
	roundtrip(remote_msrp);
}
END_TEST

START_TEST(test_bfcp)
{
	const struct agw_sdp_attr *a;

	parse_ok(bfcp);
	ck_assert_int_eq(sdp.conn.kind, AGW_SDP_ADDR_IP6);
	ck_assert_int_eq(sdp.media[0].proto, AGW_SDP_PROTO_TCP_TLS_BFCP);
	a = agw_sdp_find_attr(&sdp, 0, AGW_SDP_ATTR_FLOORCTRL);
	ck_assert_uint_eq(a->floorctrl,
			  AGW_SDP_FLOORCTRL_C_ONLY | AGW_SDP_FLOORCTRL_S_ONLY);
	a = agw_sdp_find_attr(&sdp, 0, AGW_SDP_ATTR_CONFID);
	ck_assert_uint_eq(a->id, 4321);
	a = agw_sdp_find_attr(&sdp, 0, AGW_SDP_ATTR_USERID);
	ck_assert_uint_eq(a->id, 1234);
	a = agw_sdp_find_attr(&sdp, 0, AGW_SDP_ATTR_FLOORID);
	ck_assert(str_is(a->floorid.id, "1"));
	ck_assert(str_is(a->floorid.mstrm, "10 11"));
	a = agw_sdp_find_attr(&sdp, 0, AGW_SDP_ATTR_SETUP);
	ck_assert_int_eq(a->setup, AGW_SDP_SETUP_PASSIVE);
	a = agw_sdp_find_attr(&sdp, 0, AGW_SDP_ATTR_CONNECTION);
	ck_assert_int_eq(a->connection, AGW_SDP_CONNECTION_EXISTING);
	roundtrip(bfcp);
	/* LF in, LF out on request. */
	ck_assert_int_gt(
		agw_sdp_generate(&sdp, out, sizeof(out), AGW_SDP_GEN_LF), 0);
	ck_assert_str_eq(out, bfcp);
}
END_TEST

START_TEST(test_multi_media_and_other_lines)
{
	parse_ok(multi);
	ck_assert_int_eq(sdp.n_media, 3);
	ck_assert(str_is(sdp.name, " "));
	ck_assert_int_eq(sdp.media[1].port, 0);
	ck_assert_int_eq(sdp.media[1].proto, AGW_SDP_PROTO_TCP_BFCP);
	ck_assert_int_eq(sdp.media[2].proto, AGW_SDP_PROTO_OTHER);
	ck_assert(str_is(sdp.media[2].proto_text, "RTP/AVP"));
	ck_assert(str_is(sdp.media[2].fmts, "0 8 97"));
	ck_assert_int_eq(sdp.media[2].num_ports, 2);
	ck_assert(sdp.media[2].has_conn && !sdp.media[0].has_conn);
	ck_assert(str_is(sdp.media[2].conn.suffix, "/127/3"));
	ck_assert_int_eq(sdp.n_attrs, 5);
	ck_assert_int_eq(sdp.attrs[0].media, -1);
	ck_assert(str_is(sdp.attrs[0].name, "tool"));
	ck_assert_int_eq(sdp.attrs[4].type, AGW_SDP_ATTR_OTHER);
	ck_assert(!sdp.attrs[4].has_value);
	ck_assert(str_is(sdp.attrs[4].name, "recvonly"));
	ck_assert_int_eq(sdp.attrs[4].media, 2);
	/* Lines agw does not interpret are kept in place. */
	ck_assert_int_eq(sdp.lines[3].type, 'i');
	ck_assert(str_is(sdp.lines[3].text, "session info"));
	roundtrip(multi);
	ck_assert_str_eq(out, multi);
}
END_TEST

START_TEST(test_all_protocols)
{
	static const struct {
		const char *text;
		enum agw_sdp_proto proto;
	} t[] = {
		{ "TCP", AGW_SDP_PROTO_TCP },
		{ "TCP/MSRP", AGW_SDP_PROTO_TCP_MSRP },
		{ "TCP/TLS/MSRP", AGW_SDP_PROTO_TCP_TLS_MSRP },
		{ "TCP/BFCP", AGW_SDP_PROTO_TCP_BFCP },
		{ "TCP/TLS/BFCP", AGW_SDP_PROTO_TCP_TLS_BFCP },
		{ "TCP/TLS", AGW_SDP_PROTO_TCP_TLS },
		{ "tcp/tls/msrp", AGW_SDP_PROTO_TCP_TLS_MSRP },
		{ "UDP/TLS/RTP/SAVP", AGW_SDP_PROTO_OTHER },
	};
	char body[128];

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(body, sizeof(body), "v=0\nm=message 1 %s *\n",
			 t[i].text);
		parse_ok(body);
		ck_assert_int_eq(sdp.media[0].proto, t[i].proto);
		ck_assert(str_is(sdp.media[0].proto_text, t[i].text));
		if (i < 6)
			ck_assert_str_eq(agw_sdp_proto_name(t[i].proto),
					 t[i].text);
	}
	ck_assert_ptr_null(agw_sdp_proto_name(AGW_SDP_PROTO_OTHER));
}
END_TEST

START_TEST(test_media_line_errors)
{
	parse_ok("v=0\nm=message 65535 TCP *\n");
	ck_assert_int_eq(sdp.media[0].port, 65535);
	parse_ok("v=0\nm=message $/2 TCP *\n");
	ck_assert(sdp.media[0].port_choose);
	ck_assert_int_eq(sdp.media[0].num_ports, 2);
	parse_err("v=0\nm=message 65536 TCP *\n", 474, 14, "port above");
	parse_err("v=0\nm=message 123456 TCP *\n", 474, 14, "expected a port");
	parse_err("v=0\nm=message x TCP *\n", 474, 14, "expected a port");
	parse_err("v=0\nm=message 9/0 TCP *\n", 474, 16, "number of ports");
	parse_err("v=0\nm=message 9/ TCP *\n", 474, 16, "number of ports");
	parse_err("v=0\nm=message 9 TCP\n", 474, 6, "expected media");
	parse_err("v=0\nm=message 9 TCP//MSRP *\n", 474, 16, "bad proto");
	parse_err("v=0\nm=mess@ge 9 TCP *\n", 474, 6, "bad media type");
	parse_err("v=0\nm=message 9 TCP * \"x\n", 474, 22, "bad format");
}
END_TEST

START_TEST(test_connection_addresses)
{
	struct in6_addr want6;

	parse_ok("v=0\nc=IN IP6 ::1\n");
	inet_pton(AF_INET6, "::1", &want6);
	ck_assert_int_eq(sdp.conn.kind, AGW_SDP_ADDR_IP6);
	ck_assert_mem_eq(&sdp.conn.v6, &want6, sizeof(want6));
	parse_ok("v=0\nc=IN IP4 mgw.example.net\n");
	ck_assert_int_eq(sdp.conn.kind, AGW_SDP_ADDR_FQDN);
	ck_assert(str_is(sdp.conn.fqdn, "mgw.example.net"));
	parse_ok("v=0\nc=IN $ $\n");
	ck_assert_int_eq(sdp.conn.family, AGW_SDP_FAMILY_CHOOSE);
	ck_assert_int_eq(sdp.conn.kind, AGW_SDP_ADDR_CHOOSE);
	parse_ok("v=0\nc=IN $ 192.0.2.1\n");
	ck_assert_int_eq(sdp.conn.family, AGW_SDP_FAMILY_CHOOSE);
	ck_assert_int_eq(sdp.conn.kind, AGW_SDP_ADDR_IP4);
	ck_assert(agw_sdp_has_choose(&sdp));
	roundtrip("v=0\nc=IN $ 192.0.2.1\n");
	parse_ok("v=0\nc=IN IP4 224.2.1.1/127\n");
	ck_assert(str_is(sdp.conn.suffix, "/127"));

	parse_err("v=0\nc=IN IP4 192.0.2.256\n", 474, 13, "IPv4");
	parse_err("v=0\nc=IN IP4 ::1\n", 474, 13, "IPv4");
	parse_err("v=0\nc=IN IP6 192.0.2.1\n", 474, 13, "IPv6");
	parse_err("v=0\nc=IN IP4 1.2.3.4/x\n", 474, 20, "suffix");
	parse_err("v=0\nc=IN IP5 1.2.3.4\n", 474, 9, "addrtype");
	parse_err("v=0\nc=ATM NSAP 1\n", 474, 6, "nettype IN");
	parse_err("v=0\nc=IN IP4\n", 474, 6, "3 fields");
	parse_err("v=0\nc=IN IP4 1.2.3.4 x\n", 474, 6, "3 fields");
	parse_err("v=0\nc=IN IP4 1.2.3.4\nc=IN IP4 1.2.3.4\n", 474, 21,
		  "more than one c=");
	parse_err("v=0\nm=message 9 TCP *\nc=IN IP4 $\nc=IN IP4 $\n", 474, 33,
		  "more than one c=");
}
END_TEST

START_TEST(test_origin_and_time)
{
	parse_ok("v=0\no=- 1 2 IN IP4 $\ns=x\nt=$ $\n");
	ck_assert_int_eq(sdp.origin.addr.kind, AGW_SDP_ADDR_CHOOSE);
	ck_assert(agw_sdp_has_choose(&sdp));
	ck_assert(str_is(sdp.times[0].stop, "$"));
	/* Several spaces between fields are accepted and normalised. */
	parse_ok("v=0\no=a  1 2 IN IP4 192.0.2.1\n");
	ck_assert_int_gt(agw_sdp_generate(&sdp, out, sizeof(out), 0), 0);
	ck_assert_str_eq(out, "v=0\r\no=a 1 2 IN IP4 192.0.2.1\r\n");

	parse_err("v=0\no=- 1 2 IN IP4\n", 474, 6, "6 fields");
	parse_err("v=0\no=- 1 2 XX IP4 1.2.3.4\n", 474, 12, "nettype");
	parse_err("v=0\no=- 1 2 IN IP4 1.2.3.4/5\n", 474, 26, "suffix");
	parse_err("v=0\no=- \"1 2 IN IP4 1.2.3.4\n", 474, 8, "sess-id");
	parse_err("v=0\no=- 1 2 IN IP4 1.2.3.4\no=- 1 2 IN IP4 1.2.3.4\n", 474,
		  27, "o= appears twice");
	parse_err("v=0\ns=a\ns=b\n", 474, 8, "s= appears twice");
	parse_err("v=0\nt=0\n", 474, 6, "start and stop");
	parse_err("v=0\nt=0 x\n", 474, 8, "digits or $");
	parse_err("v=0\nt=0 0\nt=0 0\nt=0 0\nt=0 0\nt=0 0\n", 510, 28,
		  "more than 4 t=");
	parse_err("v=0\nm=message 9 TCP *\no=- 1 2 IN IP4 1.2.3.4\n", 474, 22,
		  "not allowed in a media section");
	parse_err("v=0\nm=message 9 TCP *\nt=0 0\n", 474, 22,
		  "not allowed in a media section");
	parse_err("v=0\nm=message 9 TCP *\nu=http://x/\n", 474, 22,
		  "not allowed in a media section");
}
END_TEST

START_TEST(test_setup_and_connection)
{
	static const char *const roles[] = { "active", "passive", "actpass",
					     "holdconn" };
	char line[64];

	for (int i = 0; i < 4; i++) {
		snprintf(line, sizeof(line), "a=setup:%s", roles[i]);
		ck_assert_int_eq(attr_of(line)->setup, i + 1);
		ck_assert_int_eq(attr_of(line)->type, AGW_SDP_ATTR_SETUP);
	}
	ck_assert_int_eq(attr_of("a=SETUP:ActPass")->setup,
			 AGW_SDP_SETUP_ACTPASS);
	ck_assert(attr_of("a=setup:$")->choose);
	ck_assert_int_eq(attr_of("a=connection:new")->connection,
			 AGW_SDP_CONNECTION_NEW);
	ck_assert_int_eq(attr_of("a=connection:existing")->connection,
			 AGW_SDP_CONNECTION_EXISTING);
	parse_err(with_attr("a=setup:sideways"), 474,
		  attr_offset("a=setup:sideways", "sideways"), "actpass");
	parse_err(with_attr("a=setup"), 474, -1, "needs a value");
	parse_err(with_attr("a=connection:old"), 474,
		  attr_offset("a=connection:old", "old"), "new or existing");
}
END_TEST

START_TEST(test_fingerprint)
{
	static const struct {
		const char *name;
		enum agw_sdp_hash hash;
		int len;
	} t[] = {
		{ "md2", AGW_SDP_HASH_MD2, 16 },
		{ "md5", AGW_SDP_HASH_MD5, 16 },
		{ "sha-1", AGW_SDP_HASH_SHA1, 20 },
		{ "sha-224", AGW_SDP_HASH_SHA224, 28 },
		{ "sha-256", AGW_SDP_HASH_SHA256, 32 },
		{ "sha-384", AGW_SDP_HASH_SHA384, 48 },
		{ "sha-512", AGW_SDP_HASH_SHA512, 64 },
	};
	char line[512];
	const struct agw_sdp_attr *a;

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		int n = snprintf(line, sizeof(line), "a=fingerprint:%s ",
				 t[i].name);

		for (int k = 0; k < t[i].len; k++)
			n += snprintf(line + n, sizeof(line) - (size_t)n,
				      k ? ":%02X" : "%02X", (k * 7) & 0xff);
		a = attr_of(line);
		ck_assert_int_eq(a->type, AGW_SDP_ATTR_FINGERPRINT);
		ck_assert_int_eq(a->fingerprint.hash, t[i].hash);
		ck_assert_int_eq(a->fingerprint.len, t[i].len);
		ck_assert_str_eq(agw_sdp_hash_name(t[i].hash), t[i].name);
		ck_assert_int_eq(agw_sdp_hash_len(t[i].hash), t[i].len);
		/* One octet short of the hash's length is refused. */
		line[strlen(line) - 3] = '\0';
		parse_err(with_attr(line), 474, -1, "does not match its hash");
	}
	/* Lower-case hex is accepted; an unregistered hash is kept. */
	a = attr_of("a=fingerprint:sha-1 aa:bb:cc:dd:ee:ff:00:11:22:33:44:55:"
		    "66:77:88:99:aa:bb:cc:dd");
	ck_assert_int_eq(a->fingerprint.hash, AGW_SDP_HASH_SHA1);
	a = attr_of("a=fingerprint:blake2 AB:CD");
	ck_assert_int_eq(a->fingerprint.hash, AGW_SDP_HASH_OTHER);
	ck_assert(str_is(a->fingerprint.hash_name, "blake2"));
	ck_assert_int_eq(a->fingerprint.len, 2);
	ck_assert_uint_eq(agw_sdp_hash_len(AGW_SDP_HASH_OTHER), 0);
	ck_assert(attr_of("a=fingerprint:$")->choose);

	parse_err(with_attr("a=fingerprint:sha-1"), 474, -1,
		  "hash-func SP fingerprint");
	parse_err(with_attr("a=fingerprint:sha-1 AB CD"), 474, -1,
		  "hash-func SP fingerprint");
	parse_err(with_attr("a=fingerprint:x AB:C"), 474,
		  attr_offset("a=fingerprint:x AB:C", "C"), "two hex digits");
	parse_err(with_attr("a=fingerprint:x AB:CG"), 474, -1,
		  "two hex digits");
	parse_err(with_attr("a=fingerprint:x ABC"), 474,
		  attr_offset("a=fingerprint:x ABC", "C"), "expected ':'");
	parse_err(with_attr("a=fingerprint:x AB:"), 474, -1, "two hex digits");
	parse_err(with_attr("a=fingerprint:s\"a AB"), 474, -1,
		  "bad hash function name");
	/* 65 octets is above any registered hash. */
	memcpy(line, "a=fingerprint:x AB", 19);
	for (int k = 1; k < 65; k++)
		strcat(line, ":AB");
	parse_err(with_attr(line), 474, -1, "longer than 64");
}
END_TEST

START_TEST(test_path_and_accept_types)
{
	const struct agw_sdp_attr *a;

	a = attr_of("a=path:msrp://a.example:1/x;tcp msrps://b:2/y;tcp");
	ck_assert_int_eq(a->type, AGW_SDP_ATTR_PATH);
	ck_assert_int_eq(a->list.count, 2);
	ck_assert_int_eq(attr_of("a=accept-types:*")->list.count, 1);
	ck_assert_int_eq(
		attr_of("a=accept-types:message/cpim text/*")->list.count, 2);
	parse_err(with_attr("a=path:http://x/"), 474,
		  attr_offset("a=path:http://x/", "http"), "msrp:");
	parse_err(with_attr("a=path:msrp://"), 474, -1, "msrp:");
	parse_err(with_attr("a=path:msrp://a/1  msrp://b/2"), 474, -1, "msrp:");
	parse_err(with_attr("a=accept-types:text"), 474, -1, "media type");
	parse_err(with_attr("a=accept-types:text/"), 474, -1, "media type");
	/* Trailing blanks are not part of the list. */
	ck_assert_int_eq(attr_of("a=accept-types:text/plain ")->list.count, 1);
}
END_TEST

START_TEST(test_bfcp_attributes)
{
	const struct agw_sdp_attr *a;

	ck_assert_uint_eq(attr_of("a=floorctrl:c-s")->floorctrl,
			  AGW_SDP_FLOORCTRL_C_S);
	ck_assert_uint_eq(attr_of("a=floorctrl:s-only c-only c-s")->floorctrl,
			  7);
	ck_assert_uint_eq(attr_of("a=confid:4294967295")->id, 4294967295u);
	ck_assert_uint_eq(attr_of("a=userid:65535")->id, 65535);
	a = attr_of("a=floorid:2 m-stream:10");
	ck_assert(str_is(a->floorid.id, "2"));
	ck_assert(str_is(a->floorid.mstrm, "10"));
	a = attr_of("a=floorid:7");
	ck_assert_int_eq(a->floorid.mstrm.len, 0);

	parse_err(with_attr("a=floorctrl:c-only x"), 474,
		  attr_offset("a=floorctrl:c-only x", " x") + 1, "role");
	parse_err(with_attr("a=confid:4294967296"), 474, -1, "too large");
	parse_err(with_attr("a=confid:12345678901"), 474, -1, "too large");
	parse_err(with_attr("a=confid:12a"), 474,
		  attr_offset("a=confid:12a", "12a") + 2, "digits");
	parse_err(with_attr("a=userid:65536"), 474, -1, "too large");
	parse_err(with_attr("a=floorid:1 foo:2"), 474, -1, "mstrm:");
	parse_err(with_attr("a=floorid:1 mstrm:"), 474, -1, "mstrm:");
	parse_err(with_attr("a=floorid:\"1"), 474, -1, "floor id");
}
END_TEST

START_TEST(test_other_attributes)
{
	const struct agw_sdp_attr *a;

	a = attr_of("a=label:1");
	ck_assert_int_eq(a->type, AGW_SDP_ATTR_OTHER);
	ck_assert(str_is(a->name, "label") && str_is(a->value, "1"));
	a = attr_of("a=3ge2ae:requested");
	ck_assert(str_is(a->value, "requested"));
	a = attr_of("a=sendrecv");
	ck_assert(!a->has_value);
	/* Trailing blanks are dropped, inner ones kept. */
	a = attr_of("a=x-note:two  words \t");
	ck_assert(str_is(a->value, "two  words"));
	parse_err(with_attr("a=x:"), 474, -1, "empty attribute value");
	parse_err(with_attr("a=:x"), 474, -1, "attribute name");
	parse_err(with_attr("a=b@d:x"), 474, -1, "attribute name");
}
END_TEST

START_TEST(test_line_structure)
{
	static const char nul[] = "v=0\nc=IN IP4 1.2.3.4\0\n";

	/* LF only, no final newline, H.248 indentation and blank edges. */
	parse_ok("v=0\nm=message 9 TCP *");
	ck_assert_int_eq(sdp.n_media, 1);
	parse_ok("\r\n\t  v=0\r\n  c=IN IP4 $\r\n \r\n\t\r\n");
	ck_assert(sdp.has_conn);

	parse_err("", 474, 0, "empty SDP");
	parse_err(" \r\n \n", 474, 5, "empty SDP");
	parse_err("c=IN IP4 1.2.3.4\n", 474, 0, "expected v=0");
	parse_err("v=1\n", 474, 2, "version 0");
	parse_err("v=0\nv=0\n", 474, 4, "only as the first");
	parse_err("v=0\nc IN IP4 $\n", 474, 4, "<letter>=");
	parse_err("v=0\nC=IN IP4 $\n", 474, 4, "<letter>=");
	parse_err("v=0\nc\n", 474, 4, "<letter>=");
	parse_err("v=0\rc=IN IP4 $\r\n", 474, 3, "CR not followed by LF");
	parse_err("v=0\n\nc=IN IP4 $\n", 474, 4, "empty line");
	parse_err_len(nul, sizeof(nul) - 1, 474, 20, "NUL");
}
END_TEST

START_TEST(test_limits)
{
	static char body[AGW_SDP_MAX_BODY + 64];
	int n;

	n = sprintf(body, "v=0\n");
	for (int i = 0; i <= AGW_SDP_MAX_MEDIA; i++)
		n += sprintf(body + n, "m=message %d TCP *\n", i);
	parse_err(body, 510, -1, "more than 16 m=");

	n = sprintf(body, "v=0\nm=message 1 TCP *\n");
	for (int i = 0; i <= AGW_SDP_MAX_ATTRS; i++)
		n += sprintf(body + n, "a=x:%d\n", i);
	parse_err(body, 510, -1, "more than 64 a=");

	n = sprintf(body, "v=0\n");
	for (int i = 0; i < AGW_SDP_MAX_LINES; i++)
		n += sprintf(body + n, "b=AS:%d\n", i);
	parse_err(body, 510, (long)n - 9, "more than 160 lines");

	memset(body, 'x', sizeof(body));
	memcpy(body, "v=0\ns=", 6);
	ck_assert_int_eq(agw_sdp_parse(&sdp, body, AGW_SDP_MAX_BODY, &err), 0);
	parse_err_len(body, AGW_SDP_MAX_BODY + 1, 510, AGW_SDP_MAX_BODY,
		      "longer than");
}
END_TEST

/* Every prefix of valid bodies: no crash, and an error is well formed. */
START_TEST(test_truncation)
{
	const char *bodies[] = { reserve_msrp, remote_msrp, bfcp, multi };

	for (size_t b = 0; b < 4; b++) {
		size_t len = strlen(bodies[b]);
		char *copy = malloc(len);

		ck_assert_ptr_nonnull(copy);
		for (size_t cut = 0; cut <= len; cut++) {
			/* A heap copy of exactly cut octets lets ASan see
			 * any read past the end. */
			memcpy(copy, bodies[b], cut);
			memset(&err, 0, sizeof(err));
			int rc = agw_sdp_parse(&sdp, copy, cut, &err);

			if (rc) {
				ck_assert_int_eq(rc, -EBADMSG);
				ck_assert_int_eq(err.code, 474);
				ck_assert_uint_le(err.offset, cut);
				ck_assert(err.reason[0]);
			}
		}
		free(copy);
	}
}
END_TEST

START_TEST(test_generate_buffer_sizes)
{
	int n;

	parse_ok(remote_msrp);
	n = agw_sdp_generate(&sdp, out, sizeof(out), 0);
	ck_assert_int_eq(n, (int)strlen(remote_msrp));
	for (size_t size = 0; size <= (size_t)n; size++) {
		memset(out2, '#', sizeof(out2));
		ck_assert_int_eq(agw_sdp_generate(&sdp, out2, size, 0),
				 -ENOSPC);
		ck_assert_int_eq(out2[size], '#');
	}
	ck_assert_int_eq(agw_sdp_generate(&sdp, out2, (size_t)n + 1, 0), n);
	ck_assert_str_eq(out2, out);
}
END_TEST

START_TEST(test_set_attr)
{
	uint32_t pool;
	char big[AGW_SDP_POOL_SIZE];
	int idx;

	parse_ok(multi);
	/* Replacing keeps the attribute's place. */
	idx = agw_sdp_set_attr(&sdp, 1, "floorctrl", "s-only");
	ck_assert_int_eq(idx, 2);
	ck_assert_uint_eq(sdp.attrs[2].floorctrl, AGW_SDP_FLOORCTRL_S_ONLY);
	/* Appending goes to the end of that media section. */
	idx = agw_sdp_set_attr(&sdp, 0, "setup", "actpass");
	ck_assert_int_eq(idx, 5);
	idx = agw_sdp_set_attr(&sdp, -1, "x-session", NULL);
	ck_assert_int_eq(idx, 6);
	ck_assert_int_gt(agw_sdp_generate(&sdp, out, sizeof(out), 0), 0);
	ck_assert_ptr_nonnull(
		strstr(out, "a=tool:x\r\na=x-session\r\n"
			    "m=message 2855 TCP/MSRP *\r\n"
			    "a=path:msrp://[2001:db8::1]:2855/abc;tcp\r\n"
			    "a=setup:actpass\r\n"
			    "m=application 0 TCP/BFCP *\r\n"
			    "a=floorctrl:s-only\r\n"));

	/* Refused values change nothing. */
	pool = sdp.pool_used;
	ck_assert_int_eq(agw_sdp_set_attr(&sdp, 0, "setup", "bogus"), -EINVAL);
	ck_assert_int_eq(agw_sdp_set_attr(&sdp, 0, "fingerprint", "sha-1 AB"),
			 -EINVAL);
	ck_assert_int_eq(agw_sdp_set_attr(&sdp, 0, "x", "a\r\nb"), -EINVAL);
	ck_assert_int_eq(agw_sdp_set_attr(&sdp, 0, "x", "trailing "), -EINVAL);
	ck_assert_int_eq(agw_sdp_set_attr(&sdp, 0, "x", ""), -EINVAL);
	ck_assert_int_eq(agw_sdp_set_attr(&sdp, 0, "a:b", "c"), -EINVAL);
	ck_assert_int_eq(agw_sdp_set_attr(&sdp, 3, "x", "y"), -EINVAL);
	ck_assert_int_eq(agw_sdp_set_attr(&sdp, -2, "x", "y"), -EINVAL);
	ck_assert_uint_eq(sdp.pool_used, pool);
	ck_assert_uint_eq(agw_sdp_find_attr(&sdp, 0, AGW_SDP_ATTR_SETUP)->setup,
			  AGW_SDP_SETUP_ACTPASS);

	/* The pool is bounded. */
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ck_assert_int_eq(agw_sdp_set_attr(&sdp, 0, "x", big), -E2BIG);
	ck_assert_uint_eq(sdp.pool_used, pool);

	/* Deleting. */
	ck_assert_int_eq(agw_sdp_del_attr(&sdp, 0, "setup"), 1);
	ck_assert_ptr_null(agw_sdp_find_attr(&sdp, 0, AGW_SDP_ATTR_SETUP));
	ck_assert_int_eq(agw_sdp_del_attr(&sdp, 0, "setup"), 0);
	ck_assert_int_eq(agw_sdp_del_attr(&sdp, 2, "recvonly"), 1);
	ck_assert_int_gt(agw_sdp_generate(&sdp, out, sizeof(out), 0), 0);
	ck_assert_ptr_null(strstr(out, "a=setup"));
	ck_assert_ptr_null(strstr(out, "a=recvonly"));
	ck_assert_int_eq(agw_sdp_parse(&sdp2, out, strlen(out), &err), 0);
	ck_assert(agw_sdp_equal(&sdp, &sdp2));
}
END_TEST

START_TEST(test_set_attr_table_full)
{
	static char body[4096];
	int n = sprintf(body, "v=0\nm=message 1 TCP *\n");

	for (int i = 0; i < AGW_SDP_MAX_ATTRS; i++)
		n += sprintf(body + n, "a=x%d\n", i);
	parse_ok(body);
	ck_assert_int_eq(agw_sdp_set_attr(&sdp, 0, "setup", "active"), -E2BIG);
	ck_assert_int_eq(agw_sdp_set_attr(&sdp, 0, "x1", "v"), 1);
}
END_TEST

START_TEST(test_set_conn_table_full)
{
	static char body[4096];
	struct in_addr a4 = { htonl(0xc0000201) };
	int n = sprintf(body, "v=0\n");

	for (int i = 1; i < AGW_SDP_MAX_LINES; i++)
		n += sprintf(body + n, "b=AS:%d\n", i);
	parse_ok(body);
	ck_assert_int_eq(agw_sdp_set_conn(&sdp, -1, AF_INET, &a4), -E2BIG);
	ck_assert(!sdp.has_conn);
	/* Without an error structure the result is the same. */
	ck_assert_int_eq(agw_sdp_parse(&sdp, "v=1", 3, NULL), -EBADMSG);
	ck_assert_int_eq(agw_sdp_parse(&sdp, body, AGW_SDP_MAX_BODY + 1, NULL),
			 -E2BIG);
}
END_TEST

/* The layout megaco's text encoder puts around a Local body. */
START_TEST(test_h248_layout)
{
	static const char local[] = " \nv=0\r\nc=IN IP4 192.0.2.1\r\n"
				    "m=message 40001 TCP/MSRP *\r\n"
				    "a=setup:passive\r\n\n\t\t\t\t\t";

	parse_ok(local);
	ck_assert_int_eq(sdp.n_lines, 4);
	ck_assert_int_gt(agw_sdp_generate(&sdp, out, sizeof(out), 0), 0);
	ck_assert_str_eq(out, "v=0\r\nc=IN IP4 192.0.2.1\r\n"
			      "m=message 40001 TCP/MSRP *\r\n"
			      "a=setup:passive\r\n");
}
END_TEST

START_TEST(test_set_conn_and_port)
{
	struct in6_addr a6;
	struct in_addr a4;

	inet_pton(AF_INET6, "2001:db8::7", &a6);
	inet_pton(AF_INET, "192.0.2.7", &a4);
	parse_ok("v=0\no=- 1 1 IN IP4 $\ns=-\nt=0 0\n"
		 "m=message $ TCP/MSRP *\ni=x\na=setup:active\n"
		 "m=message $ TCP/MSRP *\n");
	ck_assert_int_eq(agw_sdp_addr_set(&sdp.origin.addr, AF_INET, &a4), 0);
	ck_assert_int_eq(agw_sdp_set_conn(&sdp, 0, AF_INET6, &a6), 0);
	ck_assert_int_eq(agw_sdp_set_conn(&sdp, -1, AF_INET, &a4), 0);
	ck_assert_int_eq(agw_sdp_set_conn(&sdp, 1, AF_INET, &a4), 0);
	ck_assert_int_eq(agw_sdp_set_port(&sdp, 0, 1), 0);
	ck_assert(agw_sdp_has_choose(&sdp));
	ck_assert_int_eq(agw_sdp_set_port(&sdp, 1, 2), 0);
	ck_assert(!agw_sdp_has_choose(&sdp));
	ck_assert_int_eq(agw_sdp_set_port(&sdp, 2, 3), -EINVAL);
	ck_assert_int_eq(agw_sdp_set_conn(&sdp, 2, AF_INET, &a4), -EINVAL);
	ck_assert_int_eq(agw_sdp_set_conn(&sdp, 0, AF_UNIX, &a4),
			 -EAFNOSUPPORT);
	ck_assert_int_gt(
		agw_sdp_generate(&sdp, out, sizeof(out), AGW_SDP_GEN_LF), 0);
	ck_assert_str_eq(out, "v=0\no=- 1 1 IN IP4 192.0.2.7\ns=-\n"
			      "c=IN IP4 192.0.2.7\nt=0 0\n"
			      "m=message 1 TCP/MSRP *\ni=x\n"
			      "c=IN IP6 2001:db8::7\na=setup:active\n"
			      "m=message 2 TCP/MSRP *\nc=IN IP4 192.0.2.7\n");
	/* roundtrip() writes to out and out2: parse a copy. */
	memcpy(in, out, sizeof(in));
	roundtrip(in);
}
END_TEST

START_TEST(test_copy_and_equal)
{
	static struct agw_sdp copy;

	parse_ok(remote_msrp);
	ck_assert_int_ge(agw_sdp_set_attr(&sdp, 0, "setup", "holdconn"), 0);
	ck_assert_int_ge(agw_sdp_set_attr(&sdp, 0, "floorid", "3 mstrm:4"), 0);
	agw_sdp_copy(&copy, &sdp);
	ck_assert(agw_sdp_equal(&copy, &sdp));
	ck_assert_int_gt(agw_sdp_generate(&sdp, out, sizeof(out), 0), 0);
	/* The copy does not point into the original's pool. */
	memset(&sdp, 0, sizeof(sdp));
	ck_assert_int_gt(agw_sdp_generate(&copy, out2, sizeof(out2), 0), 0);
	ck_assert_str_eq(out, out2);

	/* equal() notices each kind of difference. */
	parse_ok(remote_msrp);
	agw_sdp_copy(&copy, &sdp);
	copy.media[0].port++;
	ck_assert(!agw_sdp_equal(&copy, &sdp));
	agw_sdp_copy(&copy, &sdp);
	copy.conn.v4.s_addr ^= 1;
	ck_assert(!agw_sdp_equal(&copy, &sdp));
	agw_sdp_copy(&copy, &sdp);
	ck_assert_int_ge(agw_sdp_set_attr(&copy, 0, "setup", "passive"), 0);
	ck_assert(!agw_sdp_equal(&copy, &sdp));
	agw_sdp_copy(&copy, &sdp);
	ck_assert_int_eq(agw_sdp_del_attr(&copy, 0, "connection"), 1);
	ck_assert(!agw_sdp_equal(&copy, &sdp));
	ck_assert_int_eq(agw_sdp_del_attr(&sdp, 0, "connection"), 1);
	ck_assert(agw_sdp_equal(&copy, &sdp));
}
END_TEST

START_TEST(test_roundtrip_corpus)
{
	roundtrip(reserve_msrp);
	roundtrip(remote_msrp);
	roundtrip(bfcp);
	roundtrip(multi);
	roundtrip("\n v=0\n c=IN $ $\n m=message $/2 TCP/TLS *\n a=path:$\n\n");
	ck_assert_str_eq(out, "v=0\r\nc=IN $ $\r\nm=message $/2 TCP/TLS *\r\n"
			      "a=path:$\r\n");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("sdp");
	TCase *tc = tcase_create("sdp");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_reserve_choose_filled);
	tcase_add_test(tc, test_remote_msrp);
	tcase_add_test(tc, test_bfcp);
	tcase_add_test(tc, test_multi_media_and_other_lines);
	tcase_add_test(tc, test_all_protocols);
	tcase_add_test(tc, test_media_line_errors);
	tcase_add_test(tc, test_connection_addresses);
	tcase_add_test(tc, test_origin_and_time);
	tcase_add_test(tc, test_setup_and_connection);
	tcase_add_test(tc, test_fingerprint);
	tcase_add_test(tc, test_path_and_accept_types);
	tcase_add_test(tc, test_bfcp_attributes);
	tcase_add_test(tc, test_other_attributes);
	tcase_add_test(tc, test_line_structure);
	tcase_add_test(tc, test_limits);
	tcase_add_test(tc, test_truncation);
	tcase_add_test(tc, test_generate_buffer_sizes);
	tcase_add_test(tc, test_set_attr);
	tcase_add_test(tc, test_set_attr_table_full);
	tcase_add_test(tc, test_set_conn_table_full);
	tcase_add_test(tc, test_h248_layout);
	tcase_add_test(tc, test_set_conn_and_port);
	tcase_add_test(tc, test_copy_and_equal);
	tcase_add_test(tc, test_roundtrip_corpus);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
