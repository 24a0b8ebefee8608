// SPDX-License-Identifier: GPL-2.0-only
/* Socket address parsing and printing; see include/agw/sockaddr.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agw/addr.h"
#include "agw/sockaddr.h"

int agw_sockaddr_parse_ip(const char *s, struct agw_sockaddr *out)
{
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, s, &out->in4.sin_addr) == 1) {
		out->in4.sin_family = AF_INET;
		out->len = sizeof(out->in4);
		return 0;
	}
	if (inet_pton(AF_INET6, s, &out->in6.sin6_addr) == 1) {
		out->in6.sin6_family = AF_INET6;
		out->len = sizeof(out->in6);
		return 0;
	}
	return -EINVAL;
}

static int resolve(const char *host, struct agw_sockaddr *out)
{
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM }, *res;

	if (getaddrinfo(host, NULL, &hints, &res))
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	memcpy(&out->ss, res->ai_addr, res->ai_addrlen);
	out->len = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

int agw_sockaddr_parse(const char *s, uint16_t default_port,
		       struct agw_sockaddr *out)
{
	char host[256];
	const char *colon, *port_s = NULL;
	uint16_t port = default_port;
	size_t hl;

	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (!close)
			return -EINVAL;
		hl = close - s - 1;
		if (close[1] == ':')
			port_s = close + 2;
		else if (close[1])
			return -EINVAL;
		s++;
	} else {
		colon = strchr(s, ':');
		if (colon && strchr(colon + 1, ':'))
			colon = NULL; /* bare IPv6 address, no port */
		hl = colon ? (size_t)(colon - s) : strlen(s);
		if (colon)
			port_s = colon + 1;
	}
	if (!hl || hl >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, hl);
	host[hl] = 0;
	if (port_s && agw_port_parse(port_s, &port))
		return -EINVAL;
	if (agw_sockaddr_parse_ip(host, out) && resolve(host, out))
		return -EINVAL;
	agw_sockaddr_set_port(out, port);
	return 0;
}

uint16_t agw_sockaddr_port(const struct agw_sockaddr *a)
{
	if (a->sa.sa_family == AF_INET)
		return ntohs(a->in4.sin_port);
	if (a->sa.sa_family == AF_INET6)
		return ntohs(a->in6.sin6_port);
	return 0;
}

void agw_sockaddr_set_port(struct agw_sockaddr *a, uint16_t port)
{
	if (a->sa.sa_family == AF_INET)
		a->in4.sin_port = htons(port);
	else if (a->sa.sa_family == AF_INET6)
		a->in6.sin6_port = htons(port);
}

const char *agw_sockaddr_str(const struct agw_sockaddr *a, bool with_port,
			     char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN] = "?";

	if (a->sa.sa_family == AF_INET)
		inet_ntop(AF_INET, &a->in4.sin_addr, ip, sizeof(ip));
	else if (a->sa.sa_family == AF_INET6)
		inet_ntop(AF_INET6, &a->in6.sin6_addr, ip, sizeof(ip));
	if (!with_port)
		snprintf(buf, len, "%s", ip);
	else if (a->sa.sa_family == AF_INET6)
		snprintf(buf, len, "[%s]:%u", ip, agw_sockaddr_port(a));
	else
		snprintf(buf, len, "%s:%u", ip, agw_sockaddr_port(a));
	return buf;
}

/* Through the IPv4-mapped form of lib/addr.c, so families compare as one. */
bool agw_sockaddr_same_host(const struct agw_sockaddr *a,
			    const struct agw_sockaddr *b)
{
	struct agw_addr x, y;
	uint16_t port;

	if ((a->sa.sa_family != AF_INET && a->sa.sa_family != AF_INET6) ||
	    (b->sa.sa_family != AF_INET && b->sa.sa_family != AF_INET6))
		return false;
	agw_addr_from_sockaddr(&a->ss, &x, &port);
	agw_addr_from_sockaddr(&b->ss, &y, &port);
	return !memcmp(&x, &y, sizeof(x));
}

void agw_sockaddr_from(struct agw_sockaddr *a, const void *sa, socklen_t len)
{
	memset(a, 0, sizeof(*a));
	if (len > sizeof(a->ss))
		len = sizeof(a->ss);
	memcpy(&a->ss, sa, len);
	a->len = len;
}
