// SPDX-License-Identifier: GPL-2.0-only
/*
 * IP realms over rtnetlink; see include/agw/realm.h.
 *
 * A notification socket subscribed to link and address groups only says
 * "something changed": after draining it, the state is re-read with one
 * link dump and one address dump and compared with what each realm held.
 * That is immune to lost notifications (ENOBUFS) and to their ordering,
 * and changes are rare enough for a dump each time.
 */
#include <errno.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "agw/evloop.h"
#include "agw/log.h"
#include "agw/realm.h"

#ifndef IFF_LOWER_UP /* <net/if.h> and <linux/if.h> cannot both be used */
#define IFF_LOWER_UP 0x10000
#endif

struct agw_realms {
	struct agw_evloop *loop;
	agw_realm_cb cb;
	void *arg;
	struct nl_sock *events; /* notifications */
	struct nl_sock *query; /* dumps */
	struct agw_evfd events_h;
	unsigned int n;
	struct agw_realm realms[AGW_CFG_MAX_REALMS];
};

const char *agw_realm_event_name(enum agw_realm_event ev)
{
	switch (ev) {
	case AGW_REALM_LINK_UP:
		return "link-up";
	case AGW_REALM_LINK_DOWN:
		return "link-down";
	case AGW_REALM_ADDR_ADDED:
		return "addr-added";
	case AGW_REALM_ADDR_REMOVED:
		return "addr-removed";
	}
	return "?";
}

static bool same_addr(const struct agw_sockaddr *a,
		      const struct agw_sockaddr *b)
{
	return a->sa.sa_family == b->sa.sa_family &&
	       agw_sockaddr_same_host(a, b);
}

bool agw_realm_has_addr(const struct agw_realm *r, const struct agw_sockaddr *a)
{
	for (unsigned int i = 0; i < r->naddrs; i++)
		if (same_addr(&r->addrs[i], a))
			return true;
	return false;
}

const struct agw_sockaddr *agw_realm_pick_addr(const struct agw_realm *r,
					       int family)
{
	for (unsigned int i = 0; i < r->naddrs; i++)
		if (family == AF_UNSPEC || r->addrs[i].sa.sa_family == family)
			return &r->addrs[i];
	return NULL;
}

static bool nl_to_sockaddr(struct nl_addr *na, struct agw_sockaddr *out)
{
	memset(out, 0, sizeof(*out));
	if (nl_addr_get_family(na) == AF_INET && nl_addr_get_len(na) == 4) {
		out->in4.sin_family = AF_INET;
		memcpy(&out->in4.sin_addr, nl_addr_get_binary_addr(na), 4);
		out->len = sizeof(out->in4);
		return true;
	}
	if (nl_addr_get_family(na) == AF_INET6 && nl_addr_get_len(na) == 16) {
		out->in6.sin6_family = AF_INET6;
		memcpy(&out->in6.sin6_addr, nl_addr_get_binary_addr(na), 16);
		out->len = sizeof(out->in6);
		return !IN6_IS_ADDR_LINKLOCAL(&out->in6.sin6_addr);
	}
	return false;
}

/* Addresses of this realm usable according to the kernel's dump. */
static unsigned int usable_addrs(const struct agw_realm *r,
				 struct nl_cache *addrs,
				 struct agw_sockaddr *out)
{
	unsigned int n = 0;

	for (struct nl_object *o = nl_cache_get_first(addrs); o;
	     o = nl_cache_get_next(o)) {
		struct rtnl_addr *a = (struct rtnl_addr *)o;
		struct nl_addr *local = rtnl_addr_get_local(a);
		struct agw_sockaddr sa;
		bool listed = !r->cfg->naddrs;

		if (rtnl_addr_get_ifindex(a) != r->ifindex || !local ||
		    rtnl_addr_get_flags(a) &
			    (IFA_F_TENTATIVE | IFA_F_DADFAILED))
			continue;
		if (!nl_to_sockaddr(local, &sa))
			continue;
		for (unsigned int i = 0; i < r->cfg->naddrs; i++)
			listed |= same_addr(&r->cfg->addrs[i], &sa);
		if (listed && n < AGW_REALM_MAX_ADDRS)
			out[n++] = sa;
	}
	return n;
}

static void emit(struct agw_realms *rs, struct agw_realm *r,
		 enum agw_realm_event ev, const struct agw_sockaddr *a)
{
	char s[AGW_ADDRSTRLEN];

	agw_notice("realm %s (%s): %s%s%s", r->cfg->name, r->cfg->ifname,
		   agw_realm_event_name(ev), a ? " " : "",
		   a ? agw_sockaddr_str(a, false, s, sizeof(s)) : "");
	if (rs->cb)
		rs->cb(rs->arg, r, ev, a);
}

/* Move realm r to the new state, reporting each difference. */
static void update_realm(struct agw_realms *rs, struct agw_realm *r,
			 int ifindex, bool up, struct nl_cache *addrs,
			 bool report)
{
	struct agw_sockaddr now[AGW_REALM_MAX_ADDRS];
	unsigned int n = 0;

	r->ifindex = ifindex;
	if (up)
		n = usable_addrs(r, addrs, now);
	if (r->link_up && !up) {
		r->link_up = false;
		if (report)
			emit(rs, r, AGW_REALM_LINK_DOWN, NULL);
	}
	/* removals first: the old list shrinks in place */
	for (unsigned int i = 0; i < r->naddrs;) {
		bool kept = false;

		for (unsigned int j = 0; j < n; j++)
			kept |= same_addr(&r->addrs[i], &now[j]);
		if (kept) {
			i++;
			continue;
		}
		struct agw_sockaddr gone = r->addrs[i];

		r->addrs[i] = r->addrs[--r->naddrs];
		if (report)
			emit(rs, r, AGW_REALM_ADDR_REMOVED, &gone);
	}
	if (!r->link_up && up) {
		r->link_up = true;
		if (report)
			emit(rs, r, AGW_REALM_LINK_UP, NULL);
	}
	for (unsigned int j = 0; j < n; j++) {
		if (agw_realm_has_addr(r, &now[j]))
			continue;
		r->addrs[r->naddrs++] = now[j];
		if (report)
			emit(rs, r, AGW_REALM_ADDR_ADDED, &now[j]);
	}
}

static int resync(struct agw_realms *rs, bool report)
{
	struct nl_cache *links = NULL, *addrs = NULL;
	int err;

	err = rtnl_link_alloc_cache(rs->query, AF_UNSPEC, &links);
	if (!err)
		err = rtnl_addr_alloc_cache(rs->query, &addrs);
	if (err) {
		agw_err("realm: netlink dump failed: %s", nl_geterror(err));
		err = -EIO;
		goto out;
	}
	for (unsigned int i = 0; i < rs->n; i++) {
		struct agw_realm *r = &rs->realms[i];
		struct rtnl_link *l =
			rtnl_link_get_by_name(links, r->cfg->ifname);
		int ifindex = l ? rtnl_link_get_ifindex(l) : 0;
		unsigned int fl = l ? rtnl_link_get_flags(l) : 0;

		update_realm(rs, r, ifindex,
			     (fl & IFF_UP) && (fl & IFF_LOWER_UP), addrs,
			     report);
		if (l)
			rtnl_link_put(l);
	}
out:
	if (addrs)
		nl_cache_free(addrs);
	if (links)
		nl_cache_free(links);
	return err;
}

int agw_realms_resync(struct agw_realms *rs)
{
	return resync(rs, true);
}

static void on_events(struct agw_evfd *h, uint32_t events)
{
	struct agw_realms *rs = h->arg;
	char buf[8192];
	ssize_t n;

	/* Drain; content does not matter (ENOBUFS: we missed some, fine). */
	do
		n = recv(h->fd, buf, sizeof(buf), MSG_DONTWAIT);
	while (n > 0 || (n < 0 && (errno == ENOBUFS || errno == EINTR)));
	resync(rs, true);
}

int agw_realms_new(struct agw_evloop *loop, const struct agw_config *cfg,
		   agw_realm_cb cb, void *arg, struct agw_realms **out)
{
	struct agw_realms *rs = calloc(1, sizeof(*rs));
	int err = -ENOMEM;

	if (!rs)
		return -ENOMEM;
	rs->loop = loop;
	rs->cb = cb;
	rs->arg = arg;
	for (unsigned int i = 0; i < cfg->nrealms; i++) {
		struct agw_realm *r = &rs->realms[i];

		r->cfg = &cfg->realms[i];
		err = agw_portpool_init(&r->ports, r->cfg->port_min,
					r->cfg->port_max);
		if (err)
			goto err;
		rs->n++;
	}
	rs->events = nl_socket_alloc();
	rs->query = nl_socket_alloc();
	if (!rs->events || !rs->query) {
		err = -ENOMEM;
		goto err;
	}
	nl_socket_disable_seq_check(rs->events);
	if (nl_connect(rs->events, NETLINK_ROUTE) ||
	    nl_connect(rs->query, NETLINK_ROUTE) ||
	    nl_socket_add_memberships(rs->events, RTNLGRP_LINK,
				      RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR,
				      0) ||
	    nl_socket_set_nonblocking(rs->events)) {
		err = -EIO;
		goto err;
	}
	/* Subscribed before the first dump, so no change falls between. */
	err = resync(rs, false);
	if (err)
		goto err;
	err = agw_evloop_add_fd(loop, &rs->events_h,
				nl_socket_get_fd(rs->events), EPOLLIN,
				on_events, rs);
	if (err)
		goto err;
	for (unsigned int i = 0; i < rs->n; i++) {
		struct agw_realm *r = &rs->realms[i];

		if (!r->ifindex)
			agw_warn(
				"realm %s: interface %s not found; waiting for it",
				r->cfg->name, r->cfg->ifname);
		else if (!r->naddrs)
			agw_warn("realm %s: no usable address on %s yet",
				 r->cfg->name, r->cfg->ifname);
	}
	*out = rs;
	return 0;
err:
	agw_realms_free(rs);
	return err;
}

void agw_realms_free(struct agw_realms *rs)
{
	if (!rs)
		return;
	agw_evloop_del_fd(rs->loop, &rs->events_h);
	if (rs->events)
		nl_socket_free(rs->events);
	if (rs->query)
		nl_socket_free(rs->query);
	for (unsigned int i = 0; i < rs->n; i++)
		agw_portpool_fini(&rs->realms[i].ports);
	free(rs);
}

unsigned int agw_realms_count(const struct agw_realms *rs)
{
	return rs->n;
}

struct agw_realm *agw_realms_get(struct agw_realms *rs, unsigned int i)
{
	return i < rs->n ? &rs->realms[i] : NULL;
}

struct agw_realm *agw_realm_find(struct agw_realms *rs, const char *name)
{
	for (unsigned int i = 0; i < rs->n; i++)
		if (!strcmp(rs->realms[i].cfg->name, name))
			return &rs->realms[i];
	return NULL;
}
