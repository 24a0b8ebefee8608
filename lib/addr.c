// SPDX-License-Identifier: GPL-2.0-only
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "agw/addr.h"

static const uint8_t v4_prefix[12] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
};

bool agw_addr_is_v4(const struct agw_addr *addr)
{
	return !memcmp(addr->a, v4_prefix, sizeof(v4_prefix));
}

int agw_addr_parse(const char *s, struct agw_addr *out)
{
	char buf[AGW_ADDR_STRLEN + 2];
	size_t n = strlen(s);
	struct in_addr v4;

	if (n >= 2 && s[0] == '[' && s[n - 1] == ']') {
		if (n - 2 >= sizeof(buf))
			return -EINVAL;
		memcpy(buf, s + 1, n - 2);
		buf[n - 2] = '\0';
		return inet_pton(AF_INET6, buf, out->a) == 1 ? 0 : -EINVAL;
	}
	if (inet_pton(AF_INET, s, &v4) == 1) {
		memcpy(out->a, v4_prefix, sizeof(v4_prefix));
		memcpy(out->a + 12, &v4, 4);
		return 0;
	}
	return inet_pton(AF_INET6, s, out->a) == 1 ? 0 : -EINVAL;
}

static int parse_uint(const char *s, unsigned long max, unsigned long *v)
{
	char *end;

	if (!*s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	*v = strtoul(s, &end, 10);
	if (errno || *end || *v > max)
		return -EINVAL;
	return 0;
}

int agw_prefix_parse(const char *s, struct agw_addr *out, int *prefix_len)
{
	char buf[AGW_ADDR_STRLEN + 8];
	const char *slash = strchr(s, '/');
	unsigned long plen;
	int err;

	if (!slash) {
		err = agw_addr_parse(s, out);
		if (!err)
			*prefix_len = agw_addr_is_v4(out) ? 32 : 128;
		return err;
	}
	if ((size_t)(slash - s) >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, slash - s);
	buf[slash - s] = '\0';
	err = agw_addr_parse(buf, out);
	if (err)
		return err;
	if (parse_uint(slash + 1, agw_addr_is_v4(out) ? 32 : 128, &plen))
		return -EINVAL;
	*prefix_len = (int)plen;
	return 0;
}

const char *agw_addr_str(const struct agw_addr *addr, char *buf, size_t len)
{
	if (agw_addr_is_v4(addr))
		return inet_ntop(AF_INET, addr->a + 12, buf, len);
	return inet_ntop(AF_INET6, addr->a, buf, len);
}

int agw_port_parse(const char *s, uint16_t *port)
{
	unsigned long v;

	if (parse_uint(s, 65535, &v))
		return -EINVAL;
	*port = (uint16_t)v;
	return 0;
}

int agw_port_range_parse(const char *s, uint16_t *lo, uint16_t *hi)
{
	char buf[16];
	const char *dash = strchr(s, '-');

	if (!dash) {
		if (agw_port_parse(s, lo))
			return -EINVAL;
		*hi = *lo;
		return 0;
	}
	if ((size_t)(dash - s) >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, dash - s);
	buf[dash - s] = '\0';
	if (agw_port_parse(buf, lo) || agw_port_parse(dash + 1, hi) ||
	    *lo > *hi)
		return -EINVAL;
	return 0;
}

void agw_addr_from_sockaddr(const struct sockaddr_storage *ss,
			    struct agw_addr *addr, uint16_t *port)
{
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const void *)ss;

		memcpy(addr->a, v4_prefix, sizeof(v4_prefix));
		memcpy(addr->a + 12, &sin->sin_addr, 4);
		*port = ntohs(sin->sin_port);
	} else {
		const struct sockaddr_in6 *sin6 = (const void *)ss;

		memcpy(addr->a, &sin6->sin6_addr, 16);
		*port = ntohs(sin6->sin6_port);
	}
}

socklen_t agw_addr_to_sockaddr(const struct agw_addr *addr, uint16_t port,
			       struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (agw_addr_is_v4(addr)) {
		struct sockaddr_in *sin = (void *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		memcpy(&sin->sin_addr, addr->a + 12, 4);
		return sizeof(*sin);
	}
	struct sockaddr_in6 *sin6 = (void *)ss;

	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(port);
	memcpy(&sin6->sin6_addr, addr->a, 16);
	return sizeof(*sin6);
}
