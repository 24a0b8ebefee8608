/* SPDX-License-Identifier: GPL-2.0-only */
/* Socket address parsing and printing shared by config, transport, ctl. */
#ifndef AGW_SOCKADDR_H
#define AGW_SOCKADDR_H

#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>
#include <sys/socket.h>

/* Long enough for "[ffff:...:ffff%ifname]:65535". */
#define AGW_ADDRSTRLEN 72

struct agw_sockaddr {
	union {
		struct sockaddr sa;
		struct sockaddr_in in4;
		struct sockaddr_in6 in6;
		struct sockaddr_storage ss;
	};
	socklen_t len;
};

/*
 * Parse "1.2.3.4", "1.2.3.4:5", "::1", "[::1]:5" or "host:5" (host names
 * resolved with getaddrinfo, first result). A missing port gives
 * default_port. Returns 0 or -EINVAL.
 */
int agw_sockaddr_parse(const char *s, uint16_t default_port,
		       struct agw_sockaddr *out);
/* Parse a numeric address without port. */
int agw_sockaddr_parse_ip(const char *s, struct agw_sockaddr *out);
/* "1.2.3.4:5" or "[::1]:5"; with_port false gives the address alone. */
const char *agw_sockaddr_str(const struct agw_sockaddr *a, bool with_port,
			     char *buf, size_t len);
uint16_t agw_sockaddr_port(const struct agw_sockaddr *a);
void agw_sockaddr_set_port(struct agw_sockaddr *a, uint16_t port);
/* Same address, ignoring port; IPv4 and IPv4-mapped IPv6 compare equal. */
bool agw_sockaddr_same_host(const struct agw_sockaddr *a,
			    const struct agw_sockaddr *b);
void agw_sockaddr_from(struct agw_sockaddr *a, const void *sa, socklen_t len);

#endif /* AGW_SOCKADDR_H */
