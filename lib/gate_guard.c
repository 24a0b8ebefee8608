// SPDX-License-Identifier: GPL-2.0-only
/*
 * The H.248 guard: which ports the gate protects and which MGCs it admits
 * to them (agw_gate_cfg.h248_port, agw_h248_peers).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>

#include "gate_priv.h"

struct peer_set {
	struct agw_h248_key k[2 * AGW_H248_MGC_MAX];
	struct agw_h248_peer v[2 * AGW_H248_MGC_MAX];
	unsigned int n;
};

static int peer_find(const struct peer_set *s, const struct agw_h248_key *k)
{
	unsigned int i;

	for (i = 0; i < s->n; i++)
		if (!memcmp(&s->k[i], k, sizeof(*k)))
			return i;
	return -1;
}

static void peer_add(struct peer_set *s, const struct agw_addr *a,
		     uint16_t port, bool any_port)
{
	struct agw_h248_key k = {};
	int i;

	memcpy(k.addr, a->a, 16);
	k.port = htons(port);
	i = peer_find(s, &k);
	if (i < 0) {
		i = s->n++;
		s->k[i] = k;
		s->v[i].any_port = 0;
	}
	s->v[i].any_port |= any_port;
}

struct ports_arg {
	const uint16_t *ports;
	unsigned int n;
};

static void edit_ports(struct agw_gate_cfg *cfg, const void *arg)
{
	const struct ports_arg *pa = arg;
	unsigned int i;

	for (i = 0; i < AGW_H248_PORTS_MAX; i++)
		cfg->h248_port[i] = i < pa->n ? htons(pa->ports[i]) : 0;
}

int agw_gate_h248_set(struct agw_gate *g, const uint16_t *ports,
		      unsigned int nports, const struct agw_h248_mgc *mgcs,
		      unsigned int nmgcs)
{
	struct ports_arg pa = { ports, nports };
	struct agw_h248_key key, next, *stale = NULL;
	struct peer_set *want;
	void *prev = NULL;
	unsigned int i, nstale = 0;
	int err = 0;

	if (nports > AGW_H248_PORTS_MAX || nmgcs > AGW_H248_MGC_MAX)
		return -E2BIG;
	for (i = 0; i < nports; i++)
		if (!ports[i])
			return -EINVAL;
	want = calloc(1, sizeof(*want));
	stale = calloc(AGW_H248_PEERS_MAX, sizeof(*stale));
	if (!want || !stale) {
		err = -ENOMEM;
		goto out;
	}
	/* the address entry admits TCP SYNs (and UDP from any port when an
	 * MGC has no port); the (address, port) entry admits UDP */
	for (i = 0; i < nmgcs; i++) {
		peer_add(want, &mgcs[i].addr, 0, !mgcs[i].port);
		if (mgcs[i].port)
			peer_add(want, &mgcs[i].addr, mgcs[i].port, false);
	}
	/* 1. admit the new MGCs, 2. guard the new ports, 3. drop the rest */
	for (i = 0; i < want->n; i++)
		if (bpf_map_update_elem(g->map_fd[GM_H248], &want->k[i],
					&want->v[i], BPF_ANY)) {
			err = -errno;
			goto out;
		}
	err = agw_gate_config_update(g, edit_ports, &pa);
	if (err)
		goto out;
	while (!bpf_map_get_next_key(g->map_fd[GM_H248], prev, &next)) {
		key = next;
		prev = &key;
		if (peer_find(want, &key) < 0 && nstale < AGW_H248_PEERS_MAX)
			stale[nstale++] = key;
	}
	for (i = 0; i < nstale; i++)
		bpf_map_delete_elem(g->map_fd[GM_H248], &stale[i]);
out:
	free(want);
	free(stale);
	return err;
}

int agw_gate_h248_get(struct agw_gate *g, uint16_t *ports, unsigned int *nports,
		      struct agw_h248_mgc *mgcs, unsigned int max,
		      unsigned int *nmgcs)
{
	struct agw_h248_key key, next;
	struct agw_h248_peer v;
	struct agw_gate_cfg cfg;
	void *prev = NULL;
	unsigned int i;
	int err;

	err = agw_gate_config_get(g, &cfg);
	if (err)
		return err;
	*nports = 0;
	for (i = 0; i < AGW_H248_PORTS_MAX; i++)
		if (cfg.h248_port[i])
			ports[(*nports)++] = ntohs(cfg.h248_port[i]);
	*nmgcs = 0;
	while (!bpf_map_get_next_key(g->map_fd[GM_H248], prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(g->map_fd[GM_H248], &key, &v))
			continue;
		/* an address entry stands on its own only with any_port */
		if (!key.port && !v.any_port)
			continue;
		if (*nmgcs < max) {
			memcpy(mgcs[*nmgcs].addr.a, key.addr, 16);
			mgcs[*nmgcs].port = ntohs(key.port);
		}
		(*nmgcs)++;
	}
	return errno == ENOENT ? 0 : -errno;
}
