/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One address type for IPv4 and IPv6: 16 bytes, IPv4 stored IPv4-mapped,
 * the same representation the gate's maps use.
 */
#ifndef AGW_ADDR_H
#define AGW_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <sys/socket.h>

struct agw_addr {
	uint8_t a[16];
};

#define AGW_ADDR_STRLEN 46 /* INET6_ADDRSTRLEN */

bool agw_addr_is_v4(const struct agw_addr *addr);
/* Parses "1.2.3.4", "::1" or "[::1]"; returns 0 or -EINVAL. */
int agw_addr_parse(const char *s, struct agw_addr *out);
/* Parses ADDR[/PREFIX]; the prefix counts in the address's own family
 * (0..32 for IPv4, 0..128 for IPv6); absent means a host prefix. */
int agw_prefix_parse(const char *s, struct agw_addr *out, int *prefix_len);
/* Writes the address in its family's text form. */
const char *agw_addr_str(const struct agw_addr *addr, char *buf, size_t len);
/* Parses a port "0".."65535"; returns 0 or -EINVAL. */
int agw_port_parse(const char *s, uint16_t *port);
/* Parses "P" or "P1-P2" (P1 <= P2). */
int agw_port_range_parse(const char *s, uint16_t *lo, uint16_t *hi);
void agw_addr_from_sockaddr(const struct sockaddr_storage *ss,
			    struct agw_addr *addr, uint16_t *port);
/* Fills a sockaddr of the address's family; returns its length. */
socklen_t agw_addr_to_sockaddr(const struct agw_addr *addr, uint16_t port,
			       struct sockaddr_storage *ss);

#endif /* AGW_ADDR_H */
