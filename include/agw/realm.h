/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * IP realms: each names an interface, the addresses terminations may use
 * on it and a media port pool. The interface and its addresses are found
 * and watched with rtnetlink (libnl-route): when an address or the link
 * goes away or comes back, the owner is called back so it can fail the
 * affected terminations safe and report.
 *
 * A usable address is one present on the interface (and in the realm's
 * explicit list, when it has one), not tentative, not IPv6 link-local, on
 * a link that is up with carrier. Link down therefore reports LINK_DOWN
 * and then ADDR_REMOVED for each address; link up the reverse.
 */
#ifndef AGW_REALM_H
#define AGW_REALM_H

#include <stdbool.h>

#include "agw/config.h"
#include "agw/portpool.h"
#include "agw/sockaddr.h"

#define AGW_REALM_MAX_ADDRS 16

struct agw_evloop;
struct agw_realms;

struct agw_realm {
	const struct agw_realm_cfg *cfg; /* name, ifname, ports, attach */
	int ifindex; /* 0 while the interface does not exist */
	bool link_up;
	unsigned int naddrs;
	struct agw_sockaddr addrs[AGW_REALM_MAX_ADDRS]; /* usable now */
	struct agw_portpool ports;
};

enum agw_realm_event {
	AGW_REALM_LINK_UP,
	AGW_REALM_LINK_DOWN,
	AGW_REALM_ADDR_ADDED,
	AGW_REALM_ADDR_REMOVED,
};

/* addr is NULL for link events; realm shows the state after the event. */
typedef void (*agw_realm_cb)(void *arg, const struct agw_realm *realm,
			     enum agw_realm_event ev,
			     const struct agw_sockaddr *addr);

/*
 * Resolve every realm of cfg (cfg must outlive the result) and watch for
 * changes in loop. A missing interface is not an error: the realm stays
 * down until it appears. No callbacks are made for the initial state.
 */
int agw_realms_new(struct agw_evloop *loop, const struct agw_config *cfg,
		   agw_realm_cb cb, void *arg, struct agw_realms **out);
void agw_realms_free(struct agw_realms *rs);

unsigned int agw_realms_count(const struct agw_realms *rs);
struct agw_realm *agw_realms_get(struct agw_realms *rs, unsigned int i);
struct agw_realm *agw_realm_find(struct agw_realms *rs, const char *name);
/* First usable address of a family (AF_INET, AF_INET6 or AF_UNSPEC). */
const struct agw_sockaddr *agw_realm_pick_addr(const struct agw_realm *r,
					       int family);
bool agw_realm_has_addr(const struct agw_realm *r,
			const struct agw_sockaddr *a);
/* Re-read the kernel state now (the watch calls this on every change). */
int agw_realms_resync(struct agw_realms *rs);
const char *agw_realm_event_name(enum agw_realm_event ev);

#endif /* AGW_REALM_H */
