// SPDX-License-Identifier: GPL-2.0-only
/*
 * Who owns the gate's state: the single-instance lock of a pin directory,
 * the agwd instance that holds it, ownership checks, and the reconcile
 * that removes what a dead instance left behind.
 *
 * The lock is flock(LOCK_EX) on the pin directory itself. The kernel
 * releases it when its holder dies, however it dies, so "an agwd
 * instance is alive" is exactly "it holds the lock", and agw_instance
 * tells which instance that is. Everything owned by another agwd
 * instance belongs to a dead one.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>

#include "agw/fsutil.h"
#include "gate_priv.h"

/* A probe (agw_gate_lock_probe) holds LOCK_SH for microseconds: a start
 * that meets one retries for this long before calling the lock busy. */
#define LOCK_TRIES 25
#define LOCK_RETRY_US 20000

static void read_holder(const char *pin_dir, struct agw_gate_holder *h)
{
	struct agw_instance rec = {};
	char path[PATH_MAX];
	uint32_t zero = 0;
	int fd;

	memset(h, 0, sizeof(*h));
	if (snprintf(path, sizeof(path), "%s/%s", pin_dir, AGW_MAP_INSTANCE) >=
	    (int)sizeof(path))
		return;
	fd = bpf_obj_get(path);
	if (fd < 0)
		return;
	if (!bpf_map_lookup_elem(fd, &zero, &rec)) {
		h->instance = rec.instance;
		h->generation = rec.generation;
		h->pid = rec.pid;
		h->started_ns = rec.started_ns;
	}
	close(fd);
}

static bool same_inode(int fd, const char *path)
{
	struct stat a, b;

	return !fstat(fd, &a) && !stat(path, &b) && a.st_dev == b.st_dev &&
	       a.st_ino == b.st_ino;
}

static int draw_instance(uint64_t *id)
{
	do {
		if (getrandom(id, sizeof(*id), 0) != sizeof(*id))
			return -errno ?: -EIO;
	} while (!*id);
	return 0;
}

int agw_gate_lock(const char *pin_dir, struct agw_gate_lock **out,
		  struct agw_gate_holder *holder)
{
	struct agw_gate_lock *l;
	int err = 0, i, n;

	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->fd = -1;
	n = snprintf(l->pin_dir, sizeof(l->pin_dir), "%s",
		     pin_dir ?: AGW_PIN_DIR);
	if (n < 0 || (size_t)n >= sizeof(l->pin_dir)) {
		err = -ENAMETOOLONG;
		goto fail;
	}
	for (i = 0; i < LOCK_TRIES; i++) {
		err = agw_mkdir_p(l->pin_dir, 0700);
		if (err)
			goto fail;
		l->fd = open(l->pin_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (l->fd < 0) {
			if (errno == ENOENT)
				continue; /* removed under us: again */
			err = -errno;
			goto fail;
		}
		if (!flock(l->fd, LOCK_EX | LOCK_NB)) {
			/* an unload may have replaced the directory between
			 * open and flock: hold the one the path names */
			if (same_inode(l->fd, l->pin_dir))
				break;
		} else if (errno != EWOULDBLOCK) {
			err = -errno;
			goto fail;
		} else {
			usleep(LOCK_RETRY_US);
		}
		close(l->fd);
		l->fd = -1;
	}
	if (l->fd < 0) {
		if (holder)
			read_holder(l->pin_dir, holder);
		err = -EBUSY;
		goto fail;
	}
	err = draw_instance(&l->instance);
	if (err)
		goto fail;
	*out = l;
	return 0;
fail:
	agw_gate_unlock(l);
	return err;
}

void agw_gate_unlock(struct agw_gate_lock *l)
{
	if (!l)
		return;
	if (l->fd >= 0)
		close(l->fd); /* the last reference drops the flock */
	free(l);
}

uint64_t agw_gate_lock_instance(const struct agw_gate_lock *l)
{
	return l->instance;
}

int agw_gate_lock_probe(const char *pin_dir, struct agw_gate_holder *holder)
{
	int fd, held;

	if (holder)
		memset(holder, 0, sizeof(*holder));
	fd = open(pin_dir ?: AGW_PIN_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!flock(fd, LOCK_SH | LOCK_NB)) {
		held = 0;
	} else if (errno == EWOULDBLOCK) {
		held = 1;
	} else {
		held = -errno;
	}
	close(fd);
	if (held == 1 && holder)
		read_holder(pin_dir ?: AGW_PIN_DIR, holder);
	return held;
}

/* ---- the handle's owner -----------------------------------------------*/

/* Records the lock holder in agw_instance, a new generation per start. */
int agw_gate_owner_init(struct agw_gate *g, struct agw_gate_lock *lock)
{
	struct agw_instance rec = {};
	struct timespec now;
	uint32_t zero = 0;

	if (!lock) {
		g->owner = (struct agw_owner){ .kind = AGW_OWNER_OPERATOR };
		g->locked = false;
		return 0;
	}
	if (!same_inode(lock->fd, g->pin_dir))
		return -EINVAL; /* the lock of another pin directory */
	if (bpf_map_lookup_elem(g->map_fd[GM_INSTANCE], &zero, &rec))
		return -errno;
	if (rec.instance != lock->instance) {
		clock_gettime(CLOCK_REALTIME, &now);
		rec.instance = lock->instance;
		rec.generation++;
		rec.pid = getpid();
		rec.started_ns = now.tv_sec * 1000000000ULL + now.tv_nsec;
		if (bpf_map_update_elem(g->map_fd[GM_INSTANCE], &zero, &rec,
					BPF_ANY))
			return -errno;
	}
	g->owner = (struct agw_owner){ .kind = AGW_OWNER_AGWD,
				       .instance = rec.instance,
				       .generation = rec.generation };
	g->locked = true;
	return 0;
}

const struct agw_owner *agw_gate_owner(const struct agw_gate *g)
{
	return &g->owner;
}

int agw_gate_owner_view(struct agw_gate *g, struct owner_view *v)
{
	struct agw_gate_holder h;
	int held;

	if (g->locked) {
		v->live_instance = g->owner.instance;
		return 0;
	}
	held = agw_gate_lock_probe(g->pin_dir, &h);
	if (held < 0)
		return held;
	v->live_instance = held ? h.instance : 0;
	return 0;
}

enum agw_owner_state agw_gate_owner_state(const struct agw_gate *g,
					  const struct owner_view *v,
					  const struct agw_owner *o)
{
	if (o->kind != AGW_OWNER_AGWD)
		return AGW_OWNED_OPERATOR;
	if (g->locked && o->instance == g->owner.instance)
		return AGW_OWNED_SELF;
	if (v->live_instance && o->instance == v->live_instance)
		return AGW_OWNED_LIVE;
	return AGW_OWNED_DEAD;
}

int agw_gate_owner_check(struct agw_gate *g, const struct agw_owner *o)
{
	struct owner_view v;
	int err;

	if (g->force)
		return 0;
	err = agw_gate_owner_view(g, &v);
	if (err)
		return err;
	switch (agw_gate_owner_state(g, &v, o)) {
	case AGW_OWNED_LIVE:
		return -EBUSY;
	case AGW_OWNED_OPERATOR:
		/* agwd never changes what the operator made */
		return g->locked ? -EPERM : 0;
	default:
		return 0;
	}
}

const char *agw_owner_state_name(enum agw_owner_state s)
{
	static const char *const names[] = {
		[AGW_OWNED_OPERATOR] = "operator",
		[AGW_OWNED_SELF] = "self",
		[AGW_OWNED_LIVE] = "running",
		[AGW_OWNED_DEAD] = "gone",
	};

	return s <= AGW_OWNED_DEAD ? names[s] : "invalid";
}

/* ---- walking and removing -----------------------------------------------*/

struct keyvec {
	struct agw_term_key *k;
	size_t n, cap;
};

static int keyvec_push(struct keyvec *v, const struct agw_term_key *k)
{
	if (v->n == v->cap) {
		size_t cap = v->cap ? 2 * v->cap : 256;
		void *p = realloc(v->k, cap * sizeof(*v->k));

		if (!p)
			return -ENOMEM;
		v->k = p;
		v->cap = cap;
	}
	v->k[v->n++] = *k;
	return 0;
}

struct pick_walk {
	struct keyvec kv;
	const struct owner_view *v;
	bool (*pick)(struct agw_gate *, const struct owner_view *,
		     const struct agw_term *);
};

static int pick_step(struct agw_gate *g, const struct agw_term_key *k,
		     const struct agw_term *t, void *arg)
{
	struct pick_walk *w = arg;

	return w->pick(g, w->v, t) ? keyvec_push(&w->kv, k) : 0;
}

/*
 * Collects the keys of the entries pick() selects (deleting while walking
 * a hash would restart the walk), then removes each one that pick() still
 * selects. Returns how many went.
 */
static int remove_where(struct agw_gate *g, const struct owner_view *v,
			bool (*pick)(struct agw_gate *,
				     const struct owner_view *,
				     const struct agw_term *),
			unsigned int *by_mode)
{
	struct pick_walk w = { .v = v, .pick = pick };
	struct agw_term t;
	int err, removed = 0;
	size_t i;

	err = agw_gate_terms_walk(g, pick_step, &w);
	for (i = 0; !err && i < w.kv.n; i++) {
		if (bpf_map_lookup_elem(g->map_fd[GM_TERMS], &w.kv.k[i], &t) ||
		    !pick(g, v, &t))
			continue;
		err = agw_gate_term_remove(g, &w.kv.k[i], &t);
		if (err == -ENOENT) {
			err = 0;
			continue;
		}
		if (!err && by_mode && t.mode < AGW_MODE_MAX)
			by_mode[t.mode]++;
		removed += !err;
	}
	free(w.kv.k);
	return err ? err : removed;
}

/* Frees slot claims pick() selects whose entry is not there (a process
 * that died between claiming a slot and adding its entry). */
static int free_orphan_slots(struct agw_gate *g, const struct owner_view *v,
			     bool (*pick)(struct agw_gate *,
					  const struct owner_view *,
					  const struct agw_term *))
{
	uint32_t key, next, *prev = NULL, *orphans = NULL;
	size_t n = 0, cap = 0, i;
	struct agw_slot_claim c;
	struct agw_term t, as_term;
	int err = 0;

	while (!bpf_map_get_next_key(g->map_fd[GM_SLOTS], prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(g->map_fd[GM_SLOTS], &key, &c))
			continue;
		as_term = (struct agw_term){ .owner = c.owner };
		if (!pick(g, v, &as_term))
			continue;
		if (!bpf_map_lookup_elem(g->map_fd[GM_TERMS], &c.key, &t) &&
		    t.slot == key)
			continue;
		if (n == cap) {
			void *p = realloc(orphans, (cap = cap ? 2 * cap : 64) *
							   sizeof(*orphans));
			if (!p) {
				err = -ENOMEM;
				goto out;
			}
			orphans = p;
		}
		orphans[n++] = key;
	}
	for (i = 0; i < n; i++) {
		if (!bpf_map_delete_elem(g->map_fd[GM_SLOTS], &orphans[i]) &&
		    orphans[i] < g->capacity)
			g->slot_used[orphans[i] / 64] &=
				~(1ULL << (orphans[i] % 64));
	}
out:
	free(orphans);
	return err ? err : (int)n;
}

static bool is_dead(struct agw_gate *g, const struct owner_view *v,
		    const struct agw_term *t)
{
	return agw_gate_owner_state(g, v, &t->owner) == AGW_OWNED_DEAD;
}

static bool is_self(struct agw_gate *g, const struct owner_view *v,
		    const struct agw_term *t)
{
	return agw_gate_owner_state(g, v, &t->owner) == AGW_OWNED_SELF;
}

static int count_entry(const struct agw_gate_entry *e, void *ctx)
{
	struct agw_gate_reconcile *r = ctx;

	if (e->owner_state == AGW_OWNED_OPERATOR)
		r->kept_operator++;
	else if (e->owner_state == AGW_OWNED_LIVE)
		r->kept_live++;
	return 0;
}

int agw_gate_reconcile(struct agw_gate *g, struct agw_gate_reconcile *out)
{
	struct agw_iface_key key, next, *prev = NULL;
	struct agw_iface rec;
	struct owner_view v;
	int n;

	memset(out, 0, sizeof(*out));
	n = agw_gate_owner_view(g, &v);
	if (n)
		return n;
	n = remove_where(g, &v, is_dead, out->removed_mode);
	if (n < 0)
		return n;
	out->removed = n;
	n = free_orphan_slots(g, &v, is_dead);
	if (n < 0)
		return n;
	out->stale_slots = n;
	n = agw_gate_entry_foreach(g, count_entry, out);
	if (n)
		return n;
	while (!bpf_map_get_next_key(g->map_fd[GM_IFACES], prev, &next)) {
		key = next;
		prev = &key;
		if (!bpf_map_lookup_elem(g->map_fd[GM_IFACES], &key, &rec) &&
		    agw_gate_owner_state(g, &v, &rec.owner) == AGW_OWNED_DEAD)
			out->dead_ifaces++;
	}
	return 0;
}

int agw_gate_release_own(struct agw_gate *g)
{
	struct owner_view v;
	int n, orphans;

	if (!g->locked)
		return -EINVAL;
	n = agw_gate_owner_view(g, &v);
	if (n)
		return n;
	n = remove_where(g, &v, is_self, NULL);
	if (n < 0)
		return n;
	orphans = free_orphan_slots(g, &v, is_self);
	return orphans < 0 ? orphans : n;
}

struct entry_walk {
	struct owner_view v;
	int (*cb)(const struct agw_gate_entry *, void *);
	void *ctx;
};

static int entry_step(struct agw_gate *g, const struct agw_term_key *k,
		      const struct agw_term *t, void *arg)
{
	struct entry_walk *w = arg;
	struct agw_gate_entry e;

	memset(&e, 0, sizeof(e));
	memcpy(e.local.a, k->addr, 16);
	e.port = ntohs(k->port);
	e.mode = t->mode;
	e.owner = t->owner;
	e.owner_state = agw_gate_owner_state(g, &w->v, &t->owner);
	return w->cb(&e, w->ctx);
}

int agw_gate_entry_foreach(struct agw_gate *g,
			   int (*cb)(const struct agw_gate_entry *, void *),
			   void *ctx)
{
	struct entry_walk w = { .cb = cb, .ctx = ctx };
	int err = agw_gate_owner_view(g, &w.v);

	return err ? err : agw_gate_terms_walk(g, entry_step, &w);
}
