// SPDX-License-Identifier: GPL-2.0-only
/* Port pool: exhaustion, uniqueness, next-fit reuse, bounds, real bind. */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <sched.h>
#include <string.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "agw/portpool.h"

static void drain_and_check(uint16_t min, uint16_t max)
{
	struct agw_portpool p;
	uint32_t n = (uint32_t)max - min + 1;
	uint8_t *seen = calloc(65536, 1);
	int port;

	ck_assert_int_eq(agw_portpool_init(&p, min, max), 0);
	ck_assert_uint_eq(agw_portpool_free_count(&p), n);
	for (uint32_t i = 0; i < n; i++) {
		port = agw_portpool_alloc(&p);
		ck_assert_int_ge(port, min);
		ck_assert_int_le(port, max);
		ck_assert(!seen[port]);
		seen[port] = 1;
		ck_assert(agw_portpool_in_use(&p, port));
	}
	ck_assert_int_eq(agw_portpool_alloc(&p), -ENOSPC);
	ck_assert_uint_eq(agw_portpool_free_count(&p), 0);
	/* free one in the middle: it is the only one to come back */
	port = min + n / 2;
	ck_assert_int_eq(agw_portpool_release(&p, port), 0);
	ck_assert_int_eq(agw_portpool_alloc(&p), port);
	ck_assert_int_eq(agw_portpool_alloc(&p), -ENOSPC);
	agw_portpool_fini(&p);
	free(seen);
}

/* Sizes around the 64-bit word boundaries. */
static const uint16_t sizes[][2] = {
	{ 1000, 1000 }, { 1000, 1062 },	  { 1000, 1063 }, { 1000, 1064 },
	{ 1000, 1127 }, { 20000, 39999 }, { 1, 65535 },
};

START_TEST(drain_every_size)
{
	drain_and_check(sizes[_i][0], sizes[_i][1]);
}
END_TEST

START_TEST(next_fit_delays_reuse)
{
	struct agw_portpool p;

	ck_assert_int_eq(agw_portpool_init(&p, 5000, 5009), 0);
	ck_assert_int_eq(agw_portpool_alloc(&p), 5000);
	ck_assert_int_eq(agw_portpool_alloc(&p), 5001);
	ck_assert_int_eq(agw_portpool_release(&p, 5000), 0);
	/* 5000 is free again but the cursor moves on first */
	for (int i = 5002; i <= 5009; i++)
		ck_assert_int_eq(agw_portpool_alloc(&p), i);
	ck_assert_int_eq(agw_portpool_alloc(&p), 5000);
	ck_assert_int_eq(agw_portpool_alloc(&p), -ENOSPC);
	agw_portpool_fini(&p);
}
END_TEST

START_TEST(reserve_release_bounds)
{
	struct agw_portpool p;

	ck_assert_int_eq(agw_portpool_init(&p, 100, 199), 0);
	ck_assert_int_eq(agw_portpool_reserve(&p, 150), 0);
	ck_assert_int_eq(agw_portpool_reserve(&p, 150), -EBUSY);
	ck_assert_int_eq(agw_portpool_reserve(&p, 99), -ERANGE);
	ck_assert_int_eq(agw_portpool_reserve(&p, 200), -ERANGE);
	ck_assert_int_eq(agw_portpool_release(&p, 151), -EINVAL);
	ck_assert_int_eq(agw_portpool_release(&p, 300), -ERANGE);
	ck_assert(!agw_portpool_in_use(&p, 99));
	ck_assert_uint_eq(agw_portpool_free_count(&p), 99);
	ck_assert_int_eq(agw_portpool_release(&p, 150), 0);
	ck_assert_int_eq(agw_portpool_release(&p, 150), -EINVAL);
	ck_assert_uint_eq(agw_portpool_free_count(&p), 100);
	agw_portpool_fini(&p);
	ck_assert_int_eq(agw_portpool_init(&p, 10, 9), -EINVAL);
	ck_assert_int_eq(agw_portpool_init(&p, 0, 9), -EINVAL);
}
END_TEST

/* A port held by someone else is skipped; the socket returned is bound. */
START_TEST(bound_alloc_skips_busy_port)
{
	struct agw_portpool p;
	struct agw_sockaddr lo;
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t al = sizeof(a);
	int holder, fd = -1, port, base;

	/* a private network namespace: no other process owns base + 1 */
	ck_assert_msg(unshare(CLONE_NEWNET) == 0, "unshare: %s",
		      strerror(errno));
	ck_assert_int_eq(system("ip link set lo up"), 0);
	ck_assert_int_eq(agw_sockaddr_parse_ip("127.0.0.1", &lo), 0);
	/* someone else listens on an ephemeral port: use it as the pool start */
	holder = socket(AF_INET, SOCK_STREAM, 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(holder, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(listen(holder, 1), 0);
	getsockname(holder, (struct sockaddr *)&a, &al);
	base = ntohs(a.sin_port);
	ck_assert_int_eq(agw_portpool_init(&p, base, base + 1), 0);
	port = agw_portpool_alloc_bound(&p, &lo, &fd);
	ck_assert_int_eq(port, base + 1);
	ck_assert_int_ge(fd, 0);
	al = sizeof(a);
	getsockname(fd, (struct sockaddr *)&a, &al);
	ck_assert_int_eq(ntohs(a.sin_port), base + 1);
	ck_assert(!agw_portpool_in_use(&p, base));
	ck_assert(agw_portpool_in_use(&p, base + 1));
	/* only the busy one is left: nothing bindable */
	ck_assert_int_eq(agw_portpool_alloc_bound(&p, &lo, &fd), -ENOSPC);
	ck_assert_uint_eq(agw_portpool_free_count(&p), 1);
	close(holder);
	close(fd);
	agw_portpool_fini(&p);
}
END_TEST

/* Ports p->held names (another owner's gate entry) are skipped and stay
 * free in the pool; held everywhere: -ENOSPC, nothing left taken. */
static bool held_even(void *arg, const struct agw_sockaddr *addr,
		      uint16_t port)
{
	unsigned int *asked = arg;

	(*asked)++;
	return port % 2 == 0 || *asked > 1000;
}

START_TEST(bound_alloc_skips_held_port)
{
	struct agw_portpool p;
	struct agw_sockaddr lo;
	unsigned int asked = 0;
	int fd = -1, port;

	ck_assert_int_eq(unshare(CLONE_NEWNET), 0);
	ck_assert_int_eq(system("ip link set lo up"), 0);
	ck_assert_int_eq(agw_sockaddr_parse_ip("127.0.0.1", &lo), 0);
	ck_assert_int_eq(agw_portpool_init(&p, 30000, 30003), 0);
	p.held = held_even;
	p.held_arg = &asked;
	for (int i = 0; i < 2; i++) {
		port = agw_portpool_alloc_bound(&p, &lo, &fd);
		ck_assert_int_eq(port % 2, 1);
		ck_assert(!agw_portpool_in_use(&p, port - 1));
		close(fd);
	}
	ck_assert_int_eq(agw_portpool_alloc_bound(&p, &lo, &fd), -ENOSPC);
	ck_assert_uint_eq(agw_portpool_free_count(&p), 2);
	ck_assert(!agw_portpool_in_use(&p, 30000));
	ck_assert(!agw_portpool_in_use(&p, 30002));
	agw_portpool_fini(&p);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("portpool");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, drain_every_size, 0,
			    sizeof(sizes) / sizeof(sizes[0]));
	tcase_add_test(tc, next_fit_delays_reuse);
	tcase_add_test(tc, reserve_release_bounds);
	tcase_add_test(tc, bound_alloc_skips_busy_port);
	tcase_add_test(tc, bound_alloc_skips_held_port);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
