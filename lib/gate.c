// SPDX-License-Identifier: GPL-2.0-only
/*
 * SYN gate: map handles, pins, programs, terminations, allow lists and
 * counters. Attachment lives in gate_attach.c, ownership in gate_owner.c,
 * the H.248 guard in gate_guard.c, drop records in gate_monitor.c.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "agw/log.h"
#include "agw/syn_gate.skel.h"
#include "gate_priv.h"

const char *const agw_gate_map_names[GM_MAX] = {
	[GM_TERMS] = AGW_MAP_TERMS,   [GM_ALLOW] = AGW_MAP_ALLOW,
	[GM_TSTATS] = AGW_MAP_TSTATS, [GM_GSTATS] = AGW_MAP_GSTATS,
	[GM_CONFIG] = AGW_MAP_CONFIG, [GM_IFACES] = AGW_MAP_IFACES,
	[GM_SLOTS] = AGW_MAP_SLOTS,   [GM_INSTANCE] = AGW_MAP_INSTANCE,
	[GM_H248] = AGW_MAP_H248,     [GM_DROPS] = AGW_MAP_DROPS,
	[GM_BUCKET] = AGW_MAP_BUCKET,
};

int agw_gate_pin_path(const struct agw_gate *g, const char *name, char *buf,
		      size_t len)
{
	int n = snprintf(buf, len, "%s/%s", g->pin_dir, name);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static struct bpf_map *skel_map(struct agw_syn_gate *s, enum gate_map m)
{
	switch (m) {
	case GM_TERMS:
		return s->maps.agw_terms;
	case GM_ALLOW:
		return s->maps.agw_allow;
	case GM_TSTATS:
		return s->maps.agw_term_stats;
	case GM_GSTATS:
		return s->maps.agw_gate_stats;
	case GM_CONFIG:
		return s->maps.agw_gate_cfg;
	case GM_IFACES:
		return s->maps.agw_ifaces;
	case GM_SLOTS:
		return s->maps.agw_slots;
	case GM_INSTANCE:
		return s->maps.agw_instance;
	case GM_H248:
		return s->maps.agw_h248_peers;
	case GM_DROPS:
		return s->maps.agw_drops;
	case GM_BUCKET:
		return s->maps.agw_mon_bucket;
	default:
		return NULL;
	}
}

static int pinned_capacity(const struct agw_gate *g, uint32_t *cap)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	char path[PATH_MAX];
	int fd, err;

	err = agw_gate_pin_path(g, AGW_MAP_TERMS, path, sizeof(path));
	if (err)
		return err;
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -errno;
	err = bpf_obj_get_info_by_fd(fd, &info, &len);
	if (err)
		err = -errno;
	else
		*cap = info.max_entries;
	close(fd);
	return err;
}

/*
 * Opens the BPF object with every map pinned under pin_dir (libbpf reuses
 * pins that exist and pins the maps it creates) and only one program set
 * to load. Sizes follow the pinned agw_terms when there is one, so reuse
 * never fails on max_entries.
 */
int agw_gate_skel_open(struct agw_gate *g, enum gate_prog which,
		       struct agw_syn_gate **out)
{
	struct agw_syn_gate *s;
	char path[PATH_MAX];
	uint32_t cap = g->capacity;
	int err, m;

	/* absent pins leave the requested capacity in place */
	(void)pinned_capacity(g, &cap);
	s = agw_syn_gate__open();
	if (!s)
		return -errno ?: -ENOMEM;
	for (m = 0; m < GM_MAX; m++) {
		err = agw_gate_pin_path(g, agw_gate_map_names[m], path,
					sizeof(path));
		if (!err)
			err = bpf_map__set_pin_path(skel_map(s, m), path);
		if (err)
			goto fail;
	}
	err = bpf_map__set_max_entries(s->maps.agw_terms, cap);
	if (!err)
		err = bpf_map__set_max_entries(s->maps.agw_term_stats, cap);
	if (!err)
		err = bpf_map__set_max_entries(s->maps.agw_slots, cap);
	if (!err)
		err = bpf_map__set_max_entries(s->maps.agw_allow, 2 * cap);
	if (!err)
		err = bpf_program__set_autoload(s->progs.agw_xdp_gate,
						which == GP_XDP);
	if (!err)
		err = bpf_program__set_autoload(s->progs.agw_tc_gate,
						which == GP_TC);
	if (!err)
		err = bpf_program__set_autoload(s->progs.agw_xdp_clock,
						which == GP_CLOCK);
	if (err)
		goto fail;
	if (mkdir(g->pin_dir, 0700) && errno != EEXIST) {
		err = -errno;
		goto fail;
	}
	g->capacity = cap;
	*out = s;
	return 0;
fail:
	agw_syn_gate__destroy(s);
	return err;
}

int agw_gate_load_prog(struct agw_gate *g, enum gate_prog which)
{
	struct agw_syn_gate *s;
	int err;

	if (which <= GP_NONE || which >= GP_MAX)
		return -EINVAL;
	if (g->prog[which])
		return 0;
	err = agw_gate_skel_open(g, which, &s);
	if (err)
		return err;
	err = agw_syn_gate__load(s);
	if (err) {
		/* pins of another layout (an older agw): say what to do */
		if (err == -EINVAL)
			agw_err("gate: cannot load against the pins in %s (another agw version?): remove them with \"agwctl gate unload\"",
				g->pin_dir);
		agw_syn_gate__destroy(s);
		return err;
	}
	g->prog[which] = s;
	return 0;
}

int agw_gate_prog_fd_of(struct agw_gate *g, enum gate_prog which)
{
	int err = agw_gate_load_prog(g, which);

	if (err)
		return err;
	switch (which) {
	case GP_XDP:
		return bpf_program__fd(g->prog[which]->progs.agw_xdp_gate);
	case GP_TC:
		return bpf_program__fd(g->prog[which]->progs.agw_tc_gate);
	default:
		return bpf_program__fd(g->prog[which]->progs.agw_xdp_clock);
	}
}

/* Creates and pins the maps without loading any program. */
static int create_maps(struct agw_gate *g)
{
	struct agw_syn_gate *s;
	int err = agw_gate_skel_open(g, GP_NONE, &s);

	if (err)
		return err;
	err = agw_syn_gate__load(s);
	agw_syn_gate__destroy(s);
	return err;
}

static int open_pins(struct agw_gate *g)
{
	char path[PATH_MAX];
	int m, err;

	for (m = 0; m < GM_MAX; m++) {
		err = agw_gate_pin_path(g, agw_gate_map_names[m], path,
					sizeof(path));
		if (err)
			return err;
		g->map_fd[m] = bpf_obj_get(path);
		if (g->map_fd[m] < 0)
			return -errno;
	}
	return pinned_capacity(g, &g->capacity);
}

static int slot_scan(struct agw_gate *g);

static int gate_open(const struct agw_gate_opts *opts, bool create,
		     struct agw_gate **out)
{
	struct agw_gate *g;
	int m, err, n;

	g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	for (m = 0; m < GM_MAX; m++)
		g->map_fd[m] = -1;
	n = snprintf(g->pin_dir, sizeof(g->pin_dir), "%s",
		     opts && opts->pin_dir ? opts->pin_dir : AGW_PIN_DIR);
	if (n < 0 || (size_t)n >= sizeof(g->pin_dir)) {
		err = -ENAMETOOLONG;
		goto fail;
	}
	g->capacity = opts && opts->max_terms ? opts->max_terms :
						AGW_TERMS_DEFAULT;
	g->ncpus = libbpf_num_possible_cpus();
	if (g->ncpus <= 0) {
		err = g->ncpus ?: -EINVAL;
		goto fail;
	}
	err = open_pins(g);
	if (err == -ENOENT && create) {
		for (m = 0; m < GM_MAX; m++) {
			if (g->map_fd[m] >= 0)
				close(g->map_fd[m]);
			g->map_fd[m] = -1;
		}
		err = create_maps(g);
		if (!err)
			err = open_pins(g);
	}
	if (err)
		goto fail;
	err = slot_scan(g);
	if (!err)
		err = agw_gate_owner_init(g, opts ? opts->lock : NULL);
	if (err)
		goto fail;
	g->force = opts && opts->force;
	*out = g;
	return 0;
fail:
	agw_gate_close(g);
	return err;
}

int agw_gate_open(const struct agw_gate_opts *opts, struct agw_gate **out)
{
	return gate_open(opts, true, out);
}

int agw_gate_open_existing(const struct agw_gate_opts *opts,
			   struct agw_gate **out)
{
	return gate_open(opts, false, out);
}

void agw_gate_close(struct agw_gate *g)
{
	int m;

	if (!g)
		return;
	for (m = 0; m < GM_MAX; m++)
		if (g->map_fd[m] >= 0)
			close(g->map_fd[m]);
	for (m = 0; m < GP_MAX; m++)
		agw_syn_gate__destroy(g->prog[m]);
	free(g->slot_used);
	free(g);
}

uint32_t agw_gate_capacity(const struct agw_gate *g)
{
	return g->capacity;
}

int agw_gate_prog_fd(struct agw_gate *g, enum agw_attach_mode kind)
{
	bool tc = kind == AGW_ATTACH_TC || kind == AGW_ATTACH_TCX ||
		  kind == AGW_ATTACH_TC_AUTO;

	return agw_gate_prog_fd_of(g, tc ? GP_TC : GP_XDP);
}

/* ---- slots ---------------------------------------------------------------*/

static void slot_set(struct agw_gate *g, uint32_t s, bool used)
{
	if (used)
		g->slot_used[s / 64] |= 1ULL << (s % 64);
	else
		g->slot_used[s / 64] &= ~(1ULL << (s % 64));
}

/* The local bitmap is a hint built from agw_slots; the claim in the map
 * is what counts, so concurrent handles never hand out the same slot. */
static int slot_scan(struct agw_gate *g)
{
	uint32_t key, next, *prev = NULL;

	g->slot_used = calloc((g->capacity + 63) / 64, sizeof(uint64_t));
	if (!g->slot_used)
		return -ENOMEM;
	while (!bpf_map_get_next_key(g->map_fd[GM_SLOTS], prev, &next)) {
		if (next < g->capacity)
			slot_set(g, next, true);
		key = next;
		prev = &key;
	}
	return errno == ENOENT ? 0 : -errno;
}

static int slot_alloc(struct agw_gate *g, const struct agw_term_key *key,
		      uint32_t *slot)
{
	struct agw_slot_claim claim = { .key = *key, .owner = g->owner };
	uint32_t words = (g->capacity + 63) / 64;
	uint32_t w = g->slot_hint / 64, i;

	for (i = 0; i <= 2 * words;) {
		uint64_t free_bits = ~g->slot_used[w];
		uint32_t s;

		if (!free_bits ||
		    w * 64 + __builtin_ctzll(free_bits) >= g->capacity) {
			w = (w + 1) % words;
			i++;
			continue;
		}
		s = w * 64 + __builtin_ctzll(free_bits);
		slot_set(g, s, true);
		if (bpf_map_update_elem(g->map_fd[GM_SLOTS], &s, &claim,
					BPF_NOEXIST)) {
			if (errno == EEXIST)
				continue; /* another handle took it */
			return errno == E2BIG ? -ENOSPC : -errno;
		}
		g->slot_hint = s;
		*slot = s;
		return 0;
	}
	return -ENOSPC;
}

/* Frees slot s when key claimed it (another entry may have it now). */
static void slot_free(struct agw_gate *g, uint32_t s,
		      const struct agw_term_key *key)
{
	struct agw_slot_claim claim;

	if (s >= g->capacity)
		return;
	/* one operation: the claim goes, and comes back in the rare case
	 * that it was another entry's */
	if (key &&
	    !bpf_map_lookup_and_delete_elem(g->map_fd[GM_SLOTS], &s, &claim) &&
	    memcmp(&claim.key, key, sizeof(*key))) {
		bpf_map_update_elem(g->map_fd[GM_SLOTS], &s, &claim,
				    BPF_NOEXIST);
		return;
	}
	if (!key)
		bpf_map_delete_elem(g->map_fd[GM_SLOTS], &s);
	slot_set(g, s, false);
}

/* ---- terminations ---------------------------------------------------------*/

static void term_key(struct agw_term_key *k, const struct agw_addr *local,
		     uint16_t port)
{
	memset(k, 0, sizeof(*k));
	memcpy(k->addr, local->a, sizeof(k->addr));
	k->port = htons(port);
}

static int percpu_zero(struct agw_gate *g, int fd, uint32_t idx, size_t size)
{
	size_t stride = (size + 7) & ~(size_t)7;
	void *vals = calloc(g->ncpus, stride);
	int err;

	if (!vals)
		return -ENOMEM;
	err = bpf_map_update_elem(fd, &idx, vals, BPF_ANY) ? -errno : 0;
	free(vals);
	return err;
}

static int allow_list_from(const struct agw_allow *rules, unsigned int n,
			   struct agw_allow_list *al);

/*
 * The entry's first state in four map writes: the slot claim, its
 * counters zeroed, its allow list, the entry itself. An entry in place
 * makes the last write fail (BPF_NOEXIST): -EEXIST, the slot goes back.
 */
int agw_gate_term_add_rules(struct agw_gate *g, const struct agw_addr *local,
			    uint16_t port, enum agw_gate_mode mode,
			    const struct agw_allow *rules, unsigned int n,
			    uint32_t *slot_out)
{
	struct agw_allow_list al = {};
	struct agw_term_key k;
	struct agw_term t = {};
	uint32_t slot = 0, idx;
	int err;

	if (mode >= AGW_MODE_MAX)
		return -EINVAL;
	err = allow_list_from(rules, n, &al);
	if (err)
		return err;
	term_key(&k, local, port);
	err = slot_alloc(g, &k, &slot);
	if (err)
		return err;
	/* Counters and lists start empty: the slot may have been used. */
	err = percpu_zero(g, g->map_fd[GM_TSTATS], slot,
			  sizeof(struct agw_term_stats));
	idx = 2 * slot;
	if (!err &&
	    bpf_map_update_elem(g->map_fd[GM_ALLOW], &idx, &al, BPF_ANY))
		err = -errno;
	if (err)
		goto fail;
	t.mode = mode;
	t.slot = slot;
	t.allow_idx = idx;
	t.owner = g->owner;
	if (bpf_map_update_elem(g->map_fd[GM_TERMS], &k, &t, BPF_NOEXIST)) {
		err = -errno;
		goto fail;
	}
	if (slot_out)
		*slot_out = slot;
	return 0;
fail:
	slot_free(g, slot, &k);
	return err;
}

int agw_gate_term_add(struct agw_gate *g, const struct agw_addr *local,
		      uint16_t port, enum agw_gate_mode mode)
{
	return agw_gate_term_add_rules(g, local, port, mode, NULL, 0, NULL);
}

static int term_lookup(struct agw_gate *g, const struct agw_addr *local,
		       uint16_t port, struct agw_term_key *k,
		       struct agw_term *t)
{
	term_key(k, local, port);
	if (bpf_map_lookup_elem(g->map_fd[GM_TERMS], k, t))
		return -errno;
	return 0;
}

/* term_lookup for a change: the handle must be allowed to make it. */
static int term_lookup_owned(struct agw_gate *g, const struct agw_addr *local,
			     uint16_t port, struct agw_term_key *k,
			     struct agw_term *t)
{
	int err = term_lookup(g, local, port, k, t);

	return err ? err : agw_gate_owner_check(g, &t->owner);
}

int agw_gate_term_set_mode(struct agw_gate *g, const struct agw_addr *local,
			   uint16_t port, enum agw_gate_mode mode)
{
	struct agw_term_key k;
	struct agw_term t;
	int err;

	if (mode >= AGW_MODE_MAX)
		return -EINVAL;
	err = term_lookup_owned(g, local, port, &k, &t);
	if (err)
		return err;
	t.mode = mode;
	if (bpf_map_update_elem(g->map_fd[GM_TERMS], &k, &t, BPF_EXIST))
		return -errno;
	return 0;
}

static int term_counters(struct agw_gate *g, uint32_t slot,
			 struct agw_term_counters *c);

int agw_gate_term_del_counters(struct agw_gate *g, const struct agw_addr *local,
			       uint16_t port, struct agw_term_counters *c)
{
	struct agw_term_key k;
	struct agw_term t;
	int err;

	err = term_lookup_owned(g, local, port, &k, &t);
	if (err)
		return err;
	if (c && term_counters(g, t.slot, c))
		memset(c, 0, sizeof(*c));
	return agw_gate_term_remove(g, &k, &t);
}

int agw_gate_term_del(struct agw_gate *g, const struct agw_addr *local,
		      uint16_t port)
{
	return agw_gate_term_del_counters(g, local, port, NULL);
}

int agw_gate_term_remove(struct agw_gate *g, const struct agw_term_key *k,
			 const struct agw_term *t)
{
	if (bpf_map_delete_elem(g->map_fd[GM_TERMS], k))
		return -errno;
	slot_free(g, t->slot, k);
	return 0;
}

/* ---- allow lists ----------------------------------------------------------*/

static void prefix_mask(int bits, uint8_t mask[16])
{
	int i;

	for (i = 0; i < 16; i++, bits -= 8)
		mask[i] = bits >= 8 ? 0xff : bits <= 0 ? 0 : 0xff << (8 - bits);
}

static int rule_from_allow(const struct agw_allow *a, struct agw_allow_rule *r)
{
	bool v4 = agw_addr_is_v4(&a->addr);
	int max = v4 ? 32 : 128, i;
	uint8_t mask[16], addr[16];

	if (a->prefix_len < 0 || a->prefix_len > max || a->port_lo > a->port_hi)
		return -EINVAL;
	prefix_mask(a->prefix_len + (v4 ? 96 : 0), mask);
	for (i = 0; i < 16; i++)
		addr[i] = a->addr.a[i] & mask[i];
	memset(r, 0, sizeof(*r));
	memcpy(r->addr, addr, 16);
	memcpy(r->mask, mask, 16);
	r->port_lo = a->port_lo;
	r->port_hi = a->port_hi;
	return 0;
}

static void allow_from_rule(const struct agw_allow_rule *r, struct agw_allow *a)
{
	uint8_t mask[16];
	int bits = 0, i;

	memcpy(a->addr.a, r->addr, 16);
	memcpy(mask, r->mask, 16);
	for (i = 0; i < 16; i++)
		bits += __builtin_popcount(mask[i]);
	a->prefix_len = agw_addr_is_v4(&a->addr) && bits >= 96 ? bits - 96 :
								 bits;
	a->port_lo = r->port_lo;
	a->port_hi = r->port_hi;
}

static int allow_read(struct agw_gate *g, const struct agw_term *t,
		      struct agw_allow_list *al)
{
	uint32_t idx = t->allow_idx;

	if (bpf_map_lookup_elem(g->map_fd[GM_ALLOW], &idx, al))
		return -errno;
	if (al->count > AGW_ALLOW_MAX)
		return -EUCLEAN;
	return 0;
}

/* Writes the idle copy, then points the termination at it. */
static int allow_publish(struct agw_gate *g, struct agw_term_key *k,
			 struct agw_term *t, const struct agw_allow_list *al)
{
	uint32_t idx = 2 * t->slot + !(t->allow_idx & 1);

	if (bpf_map_update_elem(g->map_fd[GM_ALLOW], &idx, al, BPF_ANY))
		return -errno;
	t->allow_idx = idx;
	if (bpf_map_update_elem(g->map_fd[GM_TERMS], k, t, BPF_EXIST))
		return -errno;
	return 0;
}

static int allow_list_from(const struct agw_allow *rules, unsigned int n,
			   struct agw_allow_list *al)
{
	unsigned int i;
	int err;

	memset(al, 0, sizeof(*al));
	if (n > AGW_ALLOW_MAX)
		return -ENOSPC;
	for (i = 0; i < n; i++) {
		err = rule_from_allow(&rules[i], &al->rules[i]);
		if (err)
			return err;
	}
	al->count = n;
	return 0;
}

int agw_gate_allow_set(struct agw_gate *g, const struct agw_addr *local,
		       uint16_t port, const struct agw_allow *rules,
		       unsigned int n)
{
	struct agw_allow_list al;
	struct agw_term_key k;
	struct agw_term t;
	int err;

	err = allow_list_from(rules, n, &al);
	if (!err)
		err = term_lookup_owned(g, local, port, &k, &t);
	if (err)
		return err;
	return allow_publish(g, &k, &t, &al);
}

int agw_gate_term_apply(struct agw_gate *g, const struct agw_addr *local,
			uint16_t port, enum agw_gate_mode mode,
			const struct agw_allow *rules, unsigned int n)
{
	struct agw_allow_list al;
	struct agw_term_key k;
	struct agw_term t;
	uint32_t idx;
	int err;

	if (mode >= AGW_MODE_MAX)
		return -EINVAL;
	err = mode == AGW_MODE_FILTER ? allow_list_from(rules, n, &al) : 0;
	if (!err)
		err = term_lookup_owned(g, local, port, &k, &t);
	if (err)
		return err;
	if (mode != AGW_MODE_FILTER && mode == t.mode)
		return 0;
	if (mode == AGW_MODE_FILTER) {
		/* the idle copy; the entry points at it with its new mode */
		idx = 2 * t.slot + !(t.allow_idx & 1);
		if (bpf_map_update_elem(g->map_fd[GM_ALLOW], &idx, &al,
					BPF_ANY))
			return -errno;
		t.allow_idx = idx;
	}
	t.mode = mode;
	if (bpf_map_update_elem(g->map_fd[GM_TERMS], &k, &t, BPF_EXIST))
		return -errno;
	return 0;
}

/* One rule change: read the current list, let edit() change it, publish. */
static int allow_edit(struct agw_gate *g, const struct agw_addr *local,
		      uint16_t port, const struct agw_allow *rule,
		      int (*edit)(struct agw_allow_list *al,
				  const struct agw_allow_rule *r, int found))
{
	struct agw_allow_list al;
	struct agw_allow_rule r;
	struct agw_term_key k;
	struct agw_term t;
	unsigned int i;
	int err;

	err = rule_from_allow(rule, &r);
	if (!err)
		err = term_lookup_owned(g, local, port, &k, &t);
	if (!err)
		err = allow_read(g, &t, &al);
	if (err)
		return err;
	for (i = 0; i < al.count; i++)
		if (!memcmp(&al.rules[i], &r, sizeof(r)))
			break;
	err = edit(&al, &r, i < al.count ? (int)i : -1);
	if (err)
		return err;
	return allow_publish(g, &k, &t, &al);
}

static int rule_append(struct agw_allow_list *al,
		       const struct agw_allow_rule *r, int found)
{
	if (found >= 0)
		return -EEXIST;
	if (al->count >= AGW_ALLOW_MAX)
		return -ENOSPC;
	al->rules[al->count++] = *r;
	return 0;
}

static int rule_remove(struct agw_allow_list *al,
		       const struct agw_allow_rule *r, int found)
{
	if (found < 0)
		return -ENOENT;
	memmove(&al->rules[found], &al->rules[found + 1],
		(al->count - found - 1) * sizeof(al->rules[0]));
	al->count--;
	memset(&al->rules[al->count], 0, sizeof(al->rules[0]));
	return 0;
}

int agw_gate_allow_add(struct agw_gate *g, const struct agw_addr *local,
		       uint16_t port, const struct agw_allow *rule)
{
	return allow_edit(g, local, port, rule, rule_append);
}

int agw_gate_allow_del(struct agw_gate *g, const struct agw_addr *local,
		       uint16_t port, const struct agw_allow *rule)
{
	return allow_edit(g, local, port, rule, rule_remove);
}

/* ---- counters -------------------------------------------------------------*/

static int term_counters(struct agw_gate *g, uint32_t slot,
			 struct agw_term_counters *c)
{
	size_t stride = (sizeof(struct agw_term_stats) + 7) & ~(size_t)7;
	char *vals = calloc(g->ncpus, stride);
	uint64_t last = 0;
	int cpu, err = 0;

	if (!vals)
		return -ENOMEM;
	memset(c, 0, sizeof(*c));
	if (bpf_map_lookup_elem(g->map_fd[GM_TSTATS], &slot, vals)) {
		err = -errno;
		goto out;
	}
	for (cpu = 0; cpu < g->ncpus; cpu++) {
		const struct agw_term_stats *s = (void *)(vals + cpu * stride);

		c->syn_admitted += s->syn_admitted;
		c->drops[AGW_DROP_IGNORE] += s->drop_ignore;
		c->drops[AGW_DROP_FILTER] += s->drop_filter;
		c->drops[AGW_DROP_FRAGMENT] += s->drop_fragment;
		c->drops[AGW_DROP_PARSE] += s->drop_parse;
		if (s->last_syn_jiffies > last) {
			last = s->last_syn_jiffies;
			memcpy(c->last_src.a, s->last_src, 16);
			c->last_sport = ntohs(s->last_sport);
			c->last_admitted = s->last_admitted;
			c->last_reason = s->last_reason < AGW_DROP_MAX ?
						 s->last_reason :
						 AGW_DROP_NONE;
		}
	}
	c->syn_dropped = c->drops[AGW_DROP_IGNORE] + c->drops[AGW_DROP_FILTER] +
			 c->drops[AGW_DROP_FRAGMENT] + c->drops[AGW_DROP_PARSE];
	err = agw_gate_jiffies_to_mono(g, last, &c->last_syn_ns);
out:
	free(vals);
	return err;
}

static int term_info(struct agw_gate *g, const struct owner_view *v,
		     const struct agw_term_key *k, const struct agw_term *t,
		     struct agw_gate_term_info *info)
{
	struct agw_allow_list al;
	unsigned int i;
	int err;

	memset(info, 0, sizeof(*info));
	memcpy(info->local.a, k->addr, 16);
	info->port = ntohs(k->port);
	info->mode = t->mode;
	info->slot = t->slot;
	info->owner = t->owner;
	info->owner_state = agw_gate_owner_state(g, v, &t->owner);
	err = allow_read(g, t, &al);
	if (err)
		return err;
	info->nallow = al.count;
	for (i = 0; i < al.count; i++)
		allow_from_rule(&al.rules[i], &info->allow[i]);
	return term_counters(g, t->slot, &info->counters);
}

int agw_gate_term_get(struct agw_gate *g, const struct agw_addr *local,
		      uint16_t port, struct agw_gate_term_info *info)
{
	struct owner_view v;
	struct agw_term_key k;
	struct agw_term t;
	int err;

	err = term_lookup(g, local, port, &k, &t);
	if (!err)
		err = agw_gate_owner_view(g, &v);
	if (err)
		return err;
	return term_info(g, &v, &k, &t, info);
}

int agw_gate_slot_counters(struct agw_gate *g, uint32_t slot,
			   struct agw_term_counters *c)
{
	if (slot >= g->capacity)
		return -EINVAL;
	return term_counters(g, slot, c);
}

int agw_gate_terms_walk(struct agw_gate *g,
			int (*cb)(struct agw_gate *g,
				  const struct agw_term_key *,
				  const struct agw_term *, void *),
			void *ctx)
{
	struct agw_term_key key, next;
	struct agw_term t;
	void *prev = NULL;
	int err;

	while (!bpf_map_get_next_key(g->map_fd[GM_TERMS], prev, &next)) {
		key = next;
		prev = &key;
		/* deleted between get_next_key and lookup: skip it */
		if (bpf_map_lookup_elem(g->map_fd[GM_TERMS], &key, &t))
			continue;
		err = cb(g, &key, &t, ctx);
		if (err)
			return err;
	}
	return errno == ENOENT ? 0 : -errno;
}

struct info_walk {
	struct owner_view v;
	int (*cb)(const struct agw_gate_term_info *, void *);
	void *ctx;
};

static int info_step(struct agw_gate *g, const struct agw_term_key *k,
		     const struct agw_term *t, void *arg)
{
	struct info_walk *w = arg;
	struct agw_gate_term_info info;
	int err = term_info(g, &w->v, k, t, &info);

	return err ? err : w->cb(&info, w->ctx);
}

int agw_gate_term_foreach(struct agw_gate *g,
			  int (*cb)(const struct agw_gate_term_info *, void *),
			  void *ctx)
{
	struct info_walk w = { .cb = cb, .ctx = ctx };
	int err = agw_gate_owner_view(g, &w.v);

	return err ? err : agw_gate_terms_walk(g, info_step, &w);
}

/* struct agw_gate_stats is all __u64, in enum agw_gate_counter's order */
static const size_t counter_off[AGW_G_MAX] = {
	[AGW_G_PARSE_ERR] = offsetof(struct agw_gate_stats, parse_errors),
	[AGW_G_NO_TERM_DROP] = offsetof(struct agw_gate_stats, no_term_drops),
	[AGW_G_FRAGMENTS] = offsetof(struct agw_gate_stats, fragments),
	[AGW_G_FRAG_SYN_DROP] =
		offsetof(struct agw_gate_stats, fragmented_syn_drops),
	[AGW_G_SYN_PASS_OTHER] =
		offsetof(struct agw_gate_stats, syns_outside_range),
	[AGW_G_H248_UDP_ADDR] =
		offsetof(struct agw_gate_stats, h248_udp_foreign_addr),
	[AGW_G_H248_UDP_PORT] =
		offsetof(struct agw_gate_stats, h248_udp_foreign_port),
	[AGW_G_H248_SYN_ADDR] =
		offsetof(struct agw_gate_stats, h248_syn_foreign_addr),
	[AGW_G_MON_RECORDS] = offsetof(struct agw_gate_stats, mon_records),
	[AGW_G_MON_SUPPRESSED] =
		offsetof(struct agw_gate_stats, mon_suppressed),
	[AGW_G_MON_RING_FULL] = offsetof(struct agw_gate_stats, mon_ring_full),
};
_Static_assert(sizeof(struct agw_gate_stats) == AGW_G_MAX * sizeof(__u64),
	       "a name for every global counter");

uint64_t agw_gate_counter_value(const struct agw_gate_stats *st,
				enum agw_gate_counter c)
{
	uint64_t v;

	if (c >= AGW_G_MAX)
		return 0;
	memcpy(&v, (const char *)st + counter_off[c], sizeof(v));
	return v;
}

int agw_gate_global_stats(struct agw_gate *g, struct agw_gate_stats *out)
{
	size_t stride = sizeof(struct agw_gate_stats);
	uint64_t *vals = calloc(g->ncpus, stride), sum[AGW_G_MAX] = { 0 };
	uint32_t zero = 0;
	int cpu, i, err = 0;

	if (!vals)
		return -ENOMEM;
	if (bpf_map_lookup_elem(g->map_fd[GM_GSTATS], &zero, vals)) {
		err = -errno;
		goto out;
	}
	for (cpu = 0; cpu < g->ncpus; cpu++)
		for (i = 0; i < AGW_G_MAX; i++)
			sum[i] += vals[cpu * AGW_G_MAX + i];
	memcpy(out, sum, sizeof(*out));
out:
	free(vals);
	return err;
}

int agw_gate_config_get(struct agw_gate *g, struct agw_gate_cfg *cfg)
{
	uint32_t zero = 0;

	return bpf_map_lookup_elem(g->map_fd[GM_CONFIG], &zero, cfg) ? -errno :
								       0;
}

/* Every writer of agw_gate_cfg goes through here: read, change, write
 * back with HZ filled in for the drop records' bucket. */
int agw_gate_config_update(struct agw_gate *g,
			   void (*edit)(struct agw_gate_cfg *, const void *),
			   const void *arg)
{
	struct agw_gate_cfg cfg;
	uint32_t zero = 0, hz = 0;
	int err;

	err = agw_gate_config_get(g, &cfg);
	if (!err)
		err = agw_gate_clock_hz(g, &hz);
	if (err)
		return err;
	edit(&cfg, arg);
	cfg.hz = hz;
	return bpf_map_update_elem(g->map_fd[GM_CONFIG], &zero, &cfg, BPF_ANY) ?
		       -errno :
		       0;
}

static void edit_range(struct agw_gate_cfg *cfg, const void *arg)
{
	const struct agw_gate_cfg *want = arg;

	cfg->port_min = want->port_min;
	cfg->port_max = want->port_max;
	cfg->flags = want->flags;
}

int agw_gate_config_set(struct agw_gate *g, const struct agw_gate_cfg *cfg)
{
	if (cfg->port_min > cfg->port_max)
		return -EINVAL;
	return agw_gate_config_update(g, edit_range, cfg);
}

/* ---- names ----------------------------------------------------------------*/

static const char *const mode_names[AGW_MODE_MAX] = {
	[AGW_MODE_OPEN] = "open",
	[AGW_MODE_IGNORE] = "ignore",
	[AGW_MODE_FILTER] = "filter",
};

const char *agw_gate_mode_name(enum agw_gate_mode mode)
{
	return mode < AGW_MODE_MAX ? mode_names[mode] : "invalid";
}

int agw_gate_mode_parse(const char *s, enum agw_gate_mode *mode)
{
	int i;

	for (i = 0; i < AGW_MODE_MAX; i++)
		if (!strcmp(s, mode_names[i])) {
			*mode = i;
			return 0;
		}
	return -EINVAL;
}

static const char *const attach_names[] = {
	[AGW_ATTACH_NONE] = "none",
	[AGW_ATTACH_XDP_NATIVE] = "xdp",
	[AGW_ATTACH_XDP_GENERIC] = "xdp-generic",
	[AGW_ATTACH_TC] = "clsact",
	[AGW_ATTACH_TCX] = "tcx",
	[AGW_ATTACH_TC_AUTO] = "tc",
	[AGW_ATTACH_XDP_MULTI] = "xdp-multi",
};

const char *agw_attach_mode_name(enum agw_attach_mode mode)
{
	return mode <= AGW_ATTACH_XDP_MULTI ? attach_names[mode] : "invalid";
}

int agw_attach_mode_parse(const char *s, enum agw_attach_mode *mode)
{
	int i;

	for (i = 0; i <= AGW_ATTACH_XDP_MULTI; i++)
		if (!strcmp(s, attach_names[i])) {
			*mode = i;
			return 0;
		}
	return -EINVAL;
}

static const char *const counter_names[AGW_G_MAX] = {
	[AGW_G_PARSE_ERR] = "parse_errors",
	[AGW_G_NO_TERM_DROP] = "no_term_drops",
	[AGW_G_FRAGMENTS] = "fragments",
	[AGW_G_FRAG_SYN_DROP] = "fragmented_syn_drops",
	[AGW_G_SYN_PASS_OTHER] = "syns_outside_range",
	[AGW_G_H248_UDP_ADDR] = "h248_udp_foreign_addr",
	[AGW_G_H248_UDP_PORT] = "h248_udp_foreign_port",
	[AGW_G_H248_SYN_ADDR] = "h248_syn_foreign_addr",
	[AGW_G_MON_RECORDS] = "mon_records",
	[AGW_G_MON_SUPPRESSED] = "mon_suppressed",
	[AGW_G_MON_RING_FULL] = "mon_ring_full",
};

static const char *const reason_names[AGW_DROP_MAX] = {
	[AGW_DROP_NONE] = "admitted",
	[AGW_DROP_NO_TERM] = "no-termination",
	[AGW_DROP_IGNORE] = "ignore-mode",
	[AGW_DROP_FILTER] = "filter-mismatch",
	[AGW_DROP_FRAGMENT] = "fragment",
	[AGW_DROP_PARSE] = "parse-error",
	[AGW_DROP_H248_ADDR] = "h248-foreign-addr",
	[AGW_DROP_H248_PORT] = "h248-foreign-port",
};

const char *agw_drop_reason_name(enum agw_drop_reason r)
{
	return r < AGW_DROP_MAX ? reason_names[r] : "invalid";
}

const char *agw_gate_counter_name(enum agw_gate_counter c)
{
	return c < AGW_G_MAX ? counter_names[c] : "invalid";
}

uint64_t agw_gate_mono_to_real_ns(uint64_t mono_ns)
{
	struct timespec mono, real;
	uint64_t now_mono, now_real;

	if (!mono_ns)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_REALTIME, &real);
	now_mono = mono.tv_sec * 1000000000ULL + mono.tv_nsec;
	now_real = real.tv_sec * 1000000000ULL + real.tv_nsec;
	return now_real - (now_mono > mono_ns ? now_mono - mono_ns : 0);
}
