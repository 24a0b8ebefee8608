// SPDX-License-Identifier: GPL-2.0-only
/* Configuration: embedded default, file overlay, errors, print round trip. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agw/config.h"
#include "agw/log.h"

static char err[AGW_CFG_ERR_MAX];

static char *write_tmp(const char *text)
{
	static char path[64];
	int fd;

	strcpy(path, "/tmp/agw-test-config-XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

START_TEST(embedded_default_is_valid)
{
	struct agw_config c;
	char a[AGW_ADDRSTRLEN];

	ck_assert_int_eq(agw_config_load(&c, NULL, err, sizeof(err)), 0);
	ck_assert_int_eq(agw_config_validate(&c, "default", err, sizeof(err)),
			 0);
	ck_assert_str_eq(c.mid, "[127.0.0.1]:2944");
	ck_assert_uint_eq(c.nmgc, 1);
	ck_assert_str_eq(agw_sockaddr_str(&c.mgc[0], true, a, sizeof(a)),
			 "127.0.0.1:2945");
	ck_assert(c.udp && !c.tcp);
	ck_assert_uint_eq(agw_sockaddr_port(&c.local), 2944);
	ck_assert_uint_eq(c.nrealms, 1);
	ck_assert_str_eq(c.realms[0].ifname, "lo");
	ck_assert_uint_eq(c.realms[0].port_min, 20000);
	ck_assert_uint_eq(c.realms[0].port_max, 39999);
	ck_assert_int_eq(c.realms[0].attach, AGW_ATTACH_XDP_GENERIC);
	ck_assert_uint_eq(c.long_timer_ms, 30000);
	ck_assert_int_eq(c.log_level, AGW_LOG_INFO);
	/* the SYN leaves from the announced port; no interlinkage unless
	 * asked; a realm inherits [h248] synlink_default */
	ck_assert(!c.active_open_ephemeral);
	ck_assert(!c.synlink_default);
	ck_assert_int_eq(c.realms[0].synlink, -1);
	ck_assert(!agw_config_synlink_default(&c, &c.realms[0]));
	c.synlink_default = true;
	ck_assert(agw_config_synlink_default(&c, &c.realms[0]));
	c.realms[0].synlink = 0;
	ck_assert(!agw_config_synlink_default(&c, &c.realms[0]));
}
END_TEST

START_TEST(relay_section)
{
	struct agw_config c;
	char pin[AGW_CFG_PATH_MAX];

	ck_assert_int_eq(agw_config_load(&c, NULL, err, sizeof(err)), 0);
	ck_assert_int_eq(c.relay_path, AGW_RELAY_PATH_AUTO);
	ck_assert_uint_eq(c.relay_max_unsent, 0);
	ck_assert_uint_eq(c.relay_drain_ms, 30000);
	ck_assert_uint_eq(c.relay_release_ms, 3000);
	ck_assert(c.relay_bpf);
	ck_assert_int_eq(agw_config_relay_pin_dir(&c, pin, sizeof(pin)), 0);
	ck_assert_str_eq(pin, "/sys/fs/bpf/agw/relay");
	ck_assert(!c.tls_ktls13_tx); /* KeyUpdate: off unless asked for */
	/* the default follows gate_pin_dir, wherever it is set */
	ck_assert_int_eq(agw_config_set(&c, "agwd", "gate_pin_dir",
					"/sys/fs/bpf/t1", "--gate-pin-dir",
					err, sizeof(err)),
			 0);
	ck_assert_int_eq(agw_config_relay_pin_dir(&c, pin, sizeof(pin)), 0);
	ck_assert_str_eq(pin, "/sys/fs/bpf/t1/relay");
	ck_assert_int_eq(agw_config_parse_string(&c,
						 "[relay]\npath = splice\n"
						 "max_unsent = 131072\n"
						 "drain_timeout_ms = 500\n"
						 "bpf = off\n"
						 "pin_dir = /sys/fs/bpf/r\n",
						 "F", err, sizeof(err)),
			 0);
	ck_assert_int_eq(c.relay_path, AGW_RELAY_PATH_SPLICE);
	ck_assert_uint_eq(c.relay_max_unsent, 131072);
	ck_assert_uint_eq(c.relay_drain_ms, 500);
	ck_assert(!c.relay_bpf);
	ck_assert_int_eq(agw_config_relay_pin_dir(&c, pin, sizeof(pin)), 0);
	ck_assert_str_eq(pin, "/sys/fs/bpf/r");
	/* an empty pin_dir goes back to the derived one */
	ck_assert_int_eq(agw_config_parse_string(&c,
						 "[relay]\npin_dir =\n"
						 "path = sockmap\nbpf = on\n",
						 "F", err, sizeof(err)),
			 0);
	ck_assert_int_eq(c.relay_path, AGW_RELAY_PATH_SOCKMAP);
	ck_assert(c.relay_bpf);
	ck_assert_int_eq(agw_config_relay_pin_dir(&c, pin, sizeof(pin)), 0);
	ck_assert_str_eq(pin, "/sys/fs/bpf/t1/relay");
	ck_assert_int_eq(agw_config_validate(&c, "F", err, sizeof(err)), 0);
}
END_TEST

START_TEST(file_overlays_default_and_replaces_realms)
{
	struct agw_config c;
	char a[AGW_ADDRSTRLEN];
	char *p = write_tmp("; comment\n"
			    "[agwd]\n"
			    "mid = <agw.example.net>:2944\n"
			    "[h248]\n"
			    "mgc = 10.0.0.1, [fd00::1]:2950\n"
			    "transport = udp, tcp ; both\n"
			    "# another comment\n"
			    "[realm access]\n"
			    "interface = veth0\n"
			    "addresses = 192.0.2.1, 2001:db8::1\n"
			    "ports = 30000-30999\n"
			    "attach = tc\n"
			    "[realm core]\n"
			    "interface = veth1\n"
			    "attach = none\n");

	ck_assert_int_eq(agw_config_load(&c, p, err, sizeof(err)), 0);
	unlink(p);
	ck_assert_int_eq(agw_config_validate(&c, p, err, sizeof(err)), 0);
	ck_assert_str_eq(c.mid, "<agw.example.net>:2944");
	ck_assert_uint_eq(c.nmgc, 2);
	ck_assert_str_eq(agw_sockaddr_str(&c.mgc[0], true, a, sizeof(a)),
			 "10.0.0.1:2944");
	ck_assert_str_eq(agw_sockaddr_str(&c.mgc[1], true, a, sizeof(a)),
			 "[fd00::1]:2950");
	ck_assert(c.udp && c.tcp);
	/* untouched keys keep the default */
	ck_assert_uint_eq(c.pending_ms, 500);
	ck_assert_uint_eq(c.nrealms, 2);
	ck_assert_str_eq(c.realms[0].name, "access");
	ck_assert_uint_eq(c.realms[0].naddrs, 2);
	ck_assert_str_eq(agw_sockaddr_str(&c.realms[0].addrs[1], false, a,
					  sizeof(a)),
			 "2001:db8::1");
	ck_assert_uint_eq(c.realms[0].port_min, 30000);
	ck_assert_int_eq(c.realms[0].attach, AGW_ATTACH_TC_AUTO);
	ck_assert_str_eq(c.realms[1].name, "core");
	ck_assert_int_eq(c.realms[1].attach, AGW_ATTACH_NONE);
	ck_assert(agw_config_realm(&c, "core") == &c.realms[1]);
	ck_assert(!agw_config_realm(&c, "default"));
}
END_TEST

/* Each bad line, and the exact message it must produce. */
static const struct {
	const char *text;
	const char *msg;
} bad[] = {
	{ "[h248]\nport = 2944\nbogus = 1\n",
	  "F:3: [h248] bogus = '1': unknown key" },
	{ "[nosuch]\nx = 1\n", "F:2: unknown section [nosuch]" },
	{ "[h248]\nactive_open_source = any\n",
	  "F:2: [h248] active_open_source = 'any': expected announced or ephemeral" },
	{ "[realm a]\ninterface = x\nsynlink_default = maybe\n",
	  "F:3: [realm a] synlink_default = 'maybe': expected on, off or inherit" },
	{ "[h248]\n\nport = 70000\n",
	  "F:3: [h248] port = '70000': out of range" },
	{ "[h248]\nport = -1\n",
	  "F:2: [h248] port = '-1': not an unsigned number" },
	{ "[h248]\ntransport = sctp\n",
	  "F:2: [h248] transport = 'sctp': expected udp, tcp or udp,tcp" },
	{ "[h248]\nmgc = 1.2.3.4:99999\n",
	  "F:2: [h248] mgc = '1.2.3.4:99999': not an address[:port] or resolvable host" },
	{ "[agwd]\nmid = 127.0.0.1\n",
	  "F:2: [agwd] mid = '127.0.0.1': expected [address] or <domain>, optional :port" },
	{ "[agwd]\nmid = [1.2.3]:1\n",
	  "F:2: [agwd] mid = '[1.2.3]:1': not an IP address in brackets" },
	{ "[agwd]\nstate_dir = relative\n",
	  "F:2: [agwd] state_dir = 'relative': must be an absolute path" },
	{ "[realm a]\ninterface = x\nports = 5-4\n",
	  "F:3: [realm a] ports = '5-4': expected MIN-MAX, ports 1..65535, MIN <= MAX" },
	{ "[realm a]\ninterface = x\nports = 0-4\n",
	  "F:3: [realm a] ports = '0-4': expected MIN-MAX, ports 1..65535, MIN <= MAX" },
	{ "[realm a]\nattach = ebpf\n",
	  "F:2: [realm a] attach = 'ebpf': expected xdp, xdp-generic, tc, tcx, clsact or none" },
	{ "[realm a]\nname = a\n", "F:2: [realm a] name = 'a': unknown key" },
	{ "[realm a!]\ninterface = x\n",
	  "F:2: [realm a!] interface = 'x': realm name may hold only letters, digits, - and _" },
	{ "[log]\nlevel = loud\n",
	  "F:2: [log] level = 'loud': expected err, warning, notice, info or debug" },
	{ "[timers]\nlong_timer_ms = 5\n",
	  "F:2: [timers] long_timer_ms = '5': out of range" },
	{ "[relay]\npath = fast\n",
	  "F:2: [relay] path = 'fast': expected auto, sockmap, splice or copy" },
	{ "[relay]\nbpf = maybe\n",
	  "F:2: [relay] bpf = 'maybe': expected on or off" },
	{ "[tls]\nktls13_tx = sometimes\n",
	  "F:2: [tls] ktls13_tx = 'sometimes': expected on or off" },
	{ "[relay]\nmax_unsent = 2000000000\n",
	  "F:2: [relay] max_unsent = '2000000000': out of range" },
	{ "[relay]\ndrain_timeout_ms = 0\n",
	  "F:2: [relay] drain_timeout_ms = '0': out of range" },
	{ "[relay]\npin_dir = relay\n",
	  "F:2: [relay] pin_dir = 'relay': must be an absolute path" },
	{ "[relay]\nmax_flows = 1\n",
	  "F:2: [relay] max_flows = '1': unknown key" },
	{ "[h248]\nport 2944\n",
	  "F:2: syntax error (expected [section] or key = value)" },
};

START_TEST(errors_name_file_line_and_key)
{
	struct agw_config c;

	ck_assert_int_eq(agw_config_load(&c, NULL, err, sizeof(err)), 0);
	err[0] = 0;
	ck_assert_int_eq(agw_config_parse_string(&c, bad[_i].text, "F", err,
						 sizeof(err)),
			 -EINVAL);
	ck_assert_str_eq(err, bad[_i].msg);
}
END_TEST

START_TEST(validation_across_keys)
{
	struct agw_config c;

	ck_assert_int_eq(agw_config_load(&c, NULL, err, sizeof(err)), 0);
	ck_assert_int_eq(agw_config_parse_string(
				 &c,
				 "[realm a]\ninterface = e0\nports = 100-200\n"
				 "[realm b]\ninterface = e0\nports = 200-300\n",
				 "F", err, sizeof(err)),
			 0);
	ck_assert_int_eq(agw_config_validate(&c, "F", err, sizeof(err)),
			 -EINVAL);
	ck_assert_str_eq(
		err,
		"F: [realm b] ports: 200-300 overlap realm a on the same interface e0");

	ck_assert_int_eq(agw_config_load(&c, NULL, err, sizeof(err)), 0);
	ck_assert_int_eq(agw_config_parse_string(&c, "[realm x]\nports = 1-2\n",
						 "F", err, sizeof(err)),
			 0);
	ck_assert_int_eq(agw_config_validate(&c, "F", err, sizeof(err)),
			 -EINVAL);
	ck_assert_str_eq(err, "F: [realm x] interface: missing");

	ck_assert_int_eq(agw_config_load(&c, NULL, err, sizeof(err)), 0);
	ck_assert_int_eq(agw_config_parse_string(
				 &c,
				 "[timers]\nregistration_retry_ms = 5000\n"
				 "registration_retry_max_ms = 100\n",
				 "F", err, sizeof(err)),
			 0);
	ck_assert_int_eq(agw_config_validate(&c, "F", err, sizeof(err)),
			 -EINVAL);
}
END_TEST

START_TEST(missing_file_is_reported)
{
	struct agw_config c;

	ck_assert_int_eq(agw_config_load(&c, "/nonexistent/agwd.conf", err,
					 sizeof(err)),
			 -ENOENT);
	ck_assert_str_eq(err,
			 "/nonexistent/agwd.conf: No such file or directory");
}
END_TEST

START_TEST(command_line_override)
{
	struct agw_config c;

	ck_assert_int_eq(agw_config_load(&c, NULL, err, sizeof(err)), 0);
	ck_assert_int_eq(agw_config_set(&c, "h248", "port", "3000", "--port",
					err, sizeof(err)),
			 0);
	ck_assert_uint_eq(agw_sockaddr_port(&c.local), 3000);
	ck_assert_int_eq(agw_config_set(&c, "h248", "port", "x", "--port", err,
					sizeof(err)),
			 -EINVAL);
	ck_assert_str_eq(err,
			 "--port: [h248] port = 'x': not an unsigned number");
}
END_TEST

static const char *const printed[] = {
	"[h248]\nmgc = 10.1.1.1:1, [::1]:2\n"
	"transport = tcp\naddress = ::\n"
	"[realm r1]\ninterface = eth9\n"
	"addresses = 10.9.9.9\n"
	"[log]\nlevel = debug\ntarget = syslog\n",
	"[agwd]\ngate_pin_dir = /sys/fs/bpf/x\n"
	"[relay]\npath = copy\nmax_unsent = 65536\n"
	"drain_timeout_ms = 1000\nbpf = off\n",
	"[relay]\npath = sockmap\npin_dir = /sys/fs/bpf/y\n",
	"[tls]\nktls13_tx = on\n",
	"[h248]\nactive_open_source = ephemeral\nsynlink_default = on\n"
	"[realm a]\ninterface = x\nsynlink_default = off\n"
	"[realm b]\ninterface = y\nports = 1-2\n",
};

START_TEST(print_parses_back_identically)
{
	struct agw_config a, b;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	ck_assert_int_eq(agw_config_load(&a, NULL, err, sizeof(err)), 0);
	ck_assert_int_eq(agw_config_parse_string(&a, printed[_i], "F", err,
						 sizeof(err)),
			 0);
	f = open_memstream(&buf, &len);
	agw_config_print(&a, f);
	fclose(f);
	ck_assert_int_eq(agw_config_load(&b, NULL, err, sizeof(err)), 0);
	ck_assert_msg(!agw_config_parse_string(&b, buf, "printed", err,
					       sizeof(err)),
		      "%s", err);
	free(buf);
	b.realms_from_default = a.realms_from_default;
	ck_assert_int_eq(memcmp(&a, &b, sizeof(a)), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, embedded_default_is_valid);
	tcase_add_test(tc, file_overlays_default_and_replaces_realms);
	tcase_add_loop_test(tc, errors_name_file_line_and_key, 0,
			    sizeof(bad) / sizeof(bad[0]));
	tcase_add_test(tc, validation_across_keys);
	tcase_add_test(tc, missing_file_is_reported);
	tcase_add_test(tc, command_line_override);
	tcase_add_loop_test(tc, print_parses_back_identically, 0,
			    sizeof(printed) / sizeof(printed[0]));
	tcase_add_test(tc, relay_section);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
