// SPDX-License-Identifier: GPL-2.0-only
/*
 * Realm watch in a private network namespace (unshare, so nothing leaks
 * into the host and nothing needs cleaning up): real veth
 * interfaces are created, addressed, downed and deleted with ip(8), and
 * the callbacks must report each change.
 */
#include <check.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agw/config.h"
#include "agw/evloop.h"
#include "agw/log.h"
#include "agw/realm.h"

struct ev {
	char realm[32];
	enum agw_realm_event ev;
	char addr[AGW_ADDRSTRLEN];
};

static struct ev evs[256];
static int nevs;

static void on_realm(void *arg, const struct agw_realm *r,
		     enum agw_realm_event ev, const struct agw_sockaddr *a)
{
	struct ev *e = &evs[nevs++];

	ck_assert_int_lt(nevs, 256);
	snprintf(e->realm, sizeof(e->realm), "%s", r->cfg->name);
	e->ev = ev;
	e->addr[0] = 0;
	if (a)
		agw_sockaddr_str(a, false, e->addr, sizeof(e->addr));
	/* the realm already shows the new state */
	if (ev == AGW_REALM_ADDR_ADDED)
		ck_assert(agw_realm_has_addr(r, a));
	if (ev == AGW_REALM_ADDR_REMOVED)
		ck_assert(!agw_realm_has_addr(r, a));
	if (ev == AGW_REALM_LINK_UP)
		ck_assert(r->link_up);
	if (ev == AGW_REALM_LINK_DOWN)
		ck_assert(!r->link_up);
}

static void sh(const char *cmd)
{
	ck_assert_msg(system(cmd) == 0, "failed: %s", cmd);
}

static int find(int from, const char *realm, enum agw_realm_event ev,
		const char *addr)
{
	for (int i = from; i < nevs; i++)
		if (!strcmp(evs[i].realm, realm) && evs[i].ev == ev &&
		    !strcmp(evs[i].addr, addr ? addr : ""))
			return i;
	return -1;
}

/* Run the loop until the event shows up (generous: the machine is busy). */
static int wait_ev(struct agw_evloop *l, int from, const char *realm,
		   enum agw_realm_event ev, const char *addr)
{
	uint64_t end = agw_now_ms() + 20000;
	int i;

	while ((i = find(from, realm, ev, addr)) < 0 && agw_now_ms() < end)
		agw_evloop_run_once(l, 100);
	ck_assert_msg(i >= 0, "no %s %s %s", realm, agw_realm_event_name(ev),
		      addr ? addr : "");
	return i;
}

static void setup(void)
{
	ck_assert_msg(unshare(CLONE_NEWNET) == 0, "unshare: %s",
		      strerror(errno));
	sh("ip link set lo up");
	nevs = 0;
}

static const char *conf =
	"[realm a]\ninterface = agwd0\nports = 20000-20099\n"
	"[realm b]\ninterface = agwv0\naddresses = 10.9.0.1, fd09::1\n"
	"ports = 20000-20099\n";

START_TEST(interface_appears_changes_and_goes)
{
	struct agw_config cfg;
	struct agw_evloop *l;
	struct agw_realms *rs;
	struct agw_realm *a;
	char err[256];
	int i;

	ck_assert_int_eq(agw_config_load(&cfg, NULL, err, sizeof(err)), 0);
	ck_assert_int_eq(
		agw_config_parse_string(&cfg, conf, "t", err, sizeof(err)), 0);
	ck_assert_int_eq(agw_evloop_new(&l), 0);
	ck_assert_int_eq(agw_realms_new(l, &cfg, on_realm, NULL, &rs), 0);
	ck_assert_uint_eq(agw_realms_count(rs), 2);
	a = agw_realm_find(rs, "a");
	ck_assert_int_eq(a->ifindex, 0);
	ck_assert(!a->link_up);
	ck_assert_uint_eq(agw_portpool_free_count(&a->ports), 100);

	/* veth, as this kernel has no dummy driver; its peer gives carrier */
	sh("ip link add agwd0 type veth peer name agwd1 && ip link set agwd1 up && "
	   "ip addr add 10.1.0.1/24 dev agwd0 && ip link set agwd0 up");
	i = wait_ev(l, 0, "a", AGW_REALM_LINK_UP, NULL);
	wait_ev(l, i, "a", AGW_REALM_ADDR_ADDED, "10.1.0.1");
	ck_assert_int_gt(a->ifindex, 0);
	ck_assert_str_eq(agw_realm_pick_addr(a, AF_INET) ? "ok" : "none", "ok");

	sh("ip -6 addr add fd01::1/64 dev agwd0 nodad");
	wait_ev(l, 0, "a", AGW_REALM_ADDR_ADDED, "fd01::1");
	/* link-local addresses never count */
	ck_assert_int_lt(find(0, "a", AGW_REALM_ADDR_ADDED, "fe80::"), 0);
	for (unsigned int k = 0; k < a->naddrs; k++)
		ck_assert(a->addrs[k].sa.sa_family == AF_INET ||
			  !IN6_IS_ADDR_LINKLOCAL(&a->addrs[k].in6.sin6_addr));

	i = nevs;
	sh("ip addr del 10.1.0.1/24 dev agwd0");
	wait_ev(l, i, "a", AGW_REALM_ADDR_REMOVED, "10.1.0.1");
	ck_assert(!agw_realm_pick_addr(a, AF_INET));

	i = nevs;
	sh("ip link set agwd0 down");
	i = wait_ev(l, i, "a", AGW_REALM_LINK_DOWN, NULL);
	wait_ev(l, i, "a", AGW_REALM_ADDR_REMOVED, "fd01::1");
	ck_assert_uint_eq(a->naddrs, 0);

	i = nevs;
	sh("ip link set agwd0 up && ip addr add 10.1.0.2/24 dev agwd0");
	i = wait_ev(l, i, "a", AGW_REALM_LINK_UP, NULL);
	wait_ev(l, i, "a", AGW_REALM_ADDR_ADDED, "10.1.0.2");

	i = nevs;
	sh("ip link del agwd0");
	i = wait_ev(l, i, "a", AGW_REALM_LINK_DOWN, NULL);
	wait_ev(l, i, "a", AGW_REALM_ADDR_REMOVED, "10.1.0.2");
	ck_assert_int_eq(a->ifindex, 0);

	/* nothing was reported for realm b, whose interface never existed */
	for (int k = 0; k < nevs; k++)
		ck_assert_str_eq(evs[k].realm, "a");
	agw_realms_free(rs);
	agw_evloop_free(l);
}
END_TEST

START_TEST(explicit_addresses_and_carrier)
{
	struct agw_config cfg;
	struct agw_evloop *l;
	struct agw_realms *rs;
	struct agw_realm *b;
	char err[256];
	int i;

	/* present before start: found without any callback */
	sh("ip link add agwv0 type veth peer name agwv1 && "
	   "ip addr add 10.9.0.1/24 dev agwv0 && ip addr add 10.9.0.2/24 dev agwv0 && "
	   "ip link set agwv0 up && ip link set agwv1 up");
	ck_assert_int_eq(agw_config_load(&cfg, NULL, err, sizeof(err)), 0);
	ck_assert_int_eq(
		agw_config_parse_string(&cfg, conf, "t", err, sizeof(err)), 0);
	ck_assert_int_eq(agw_evloop_new(&l), 0);
	/* carrier on a veth comes when both ends are up: wait for it */
	for (int k = 0; k < 200; k++) {
		ck_assert_int_eq(agw_realms_new(l, &cfg, on_realm, NULL, &rs),
				 0);
		b = agw_realm_find(rs, "b");
		if (b->naddrs)
			break;
		agw_realms_free(rs);
		agw_evloop_run_once(l, 50);
	}
	ck_assert(b->link_up);
	ck_assert_uint_eq(b->naddrs, 1); /* 10.9.0.2 is not in the list */
	ck_assert_int_eq(nevs, 0);

	/* the peer going down takes the carrier away */
	sh("ip link set agwv1 down");
	i = wait_ev(l, 0, "b", AGW_REALM_LINK_DOWN, NULL);
	wait_ev(l, i, "b", AGW_REALM_ADDR_REMOVED, "10.9.0.1");
	i = nevs;
	sh("ip link set agwv1 up");
	i = wait_ev(l, i, "b", AGW_REALM_LINK_UP, NULL);
	wait_ev(l, i, "b", AGW_REALM_ADDR_ADDED, "10.9.0.1");

	/* a listed address added later counts, an unlisted one does not */
	i = nevs;
	sh("ip addr add 10.9.0.3/24 dev agwv0 && ip -6 addr add fd09::1/64 dev agwv0 nodad");
	wait_ev(l, i, "b", AGW_REALM_ADDR_ADDED, "fd09::1");
	ck_assert_int_lt(find(i, "b", AGW_REALM_ADDR_ADDED, "10.9.0.3"), 0);
	ck_assert_uint_eq(b->naddrs, 2);

	/* a burst of changes: the final state is what counts */
	sh("for n in 1 2 3 4 5 6 7 8; do ip addr add 10.9.1.$n/24 dev agwv0; done; "
	   "ip addr del 10.9.0.1/24 dev agwv0");
	wait_ev(l, i, "b", AGW_REALM_ADDR_REMOVED, "10.9.0.1");
	ck_assert_uint_eq(b->naddrs, 1);
	agw_realms_free(rs);
	agw_evloop_free(l);
	sh("ip link del agwv0");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("realm");
	TCase *tc = tcase_create("netns");
	SRunner *sr;
	int failed;

	agw_log_open("test", AGW_LOG_STDERR, AGW_LOG_DEBUG);
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, interface_appears_changes_and_goes);
	tcase_add_test(tc, explicit_addresses_and_carrier);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
