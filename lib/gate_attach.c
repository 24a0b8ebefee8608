// SPDX-License-Identifier: GPL-2.0-only
/*
 * Attaching the SYN gate to interfaces: XDP (native or generic) and tcx
 * through pinned BPF links, or clsact/cls_bpf through netlink. Where it is
 * attached is recorded in agw_ifaces, keyed by (network namespace,
 * ifindex), so that show, detach and unload need nothing but the pins.
 */
#include <dirent.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <sys/stat.h>
#include <string.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "agw/syn_gate.skel.h"
#include "gate_priv.h"

/* enum bpf_attach_type value of BPF_TCX_INGRESS (Linux 6.6); the uapi
 * headers this builds against may predate it. */
#define AGW_BPF_TCX_INGRESS 46
#define TC_HANDLE 0xa6e7
#define TC_PRIO 1

static bool prog_is_ours(uint32_t id)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	bool ours = false;
	int fd;

	if (!id)
		return false;
	fd = bpf_prog_get_fd_by_id(id);
	if (fd < 0)
		return false;
	if (!bpf_obj_get_info_by_fd(fd, &info, &len))
		ours = !strcmp(info.name, "agw_xdp_gate") ||
		       !strcmp(info.name, "agw_tc_gate");
	close(fd);
	return ours;
}

static uint32_t prog_id_of(int fd)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	return bpf_obj_get_info_by_fd(fd, &info, &len) ? 0 : info.id;
}

static int netns_ino(uint64_t *ino)
{
	struct stat st;

	if (stat("/proc/self/ns/net", &st))
		return -errno;
	*ino = st.st_ino;
	return 0;
}

static int iface_key(int ifindex, struct agw_iface_key *k)
{
	uint64_t ino = 0;
	int err = netns_ino(&ino);

	memset(k, 0, sizeof(*k));
	k->ifindex = ifindex;
	k->netns = ino;
	return err;
}

static int record_get(struct agw_gate *g, const struct agw_iface_key *k,
		      struct agw_iface *rec)
{
	return bpf_map_lookup_elem(g->map_fd[GM_IFACES], k, rec) ? -errno : 0;
}

static int record_set(struct agw_gate *g, const struct agw_iface_key *k,
		      const struct agw_iface *rec)
{
	return bpf_map_update_elem(g->map_fd[GM_IFACES], k, rec, BPF_ANY) ?
		       -errno :
		       0;
}

static void record_del(struct agw_gate *g, const struct agw_iface_key *k)
{
	bpf_map_delete_elem(g->map_fd[GM_IFACES], k);
}

/* Links are pinned per (namespace, ifindex): the pin, not a process,
 * keeps the attachment, and unpinning detaches from any namespace. */
static int link_pin_path(struct agw_gate *g, const struct agw_iface_key *k,
			 char *buf, size_t len)
{
	char name[64];

	snprintf(name, sizeof(name), "link_%llu_%u",
		 (unsigned long long)k->netns, k->ifindex);
	return agw_gate_pin_path(g, name, buf, len);
}

static bool is_link_mode(uint32_t mode)
{
	return mode == AGW_ATTACH_XDP_NATIVE ||
	       mode == AGW_ATTACH_XDP_GENERIC || mode == AGW_ATTACH_TCX;
}

static void tc_opts_init(struct bpf_tc_hook *hook, struct bpf_tc_opts *opts,
			 int ifindex)
{
	memset(hook, 0, sizeof(*hook));
	hook->sz = sizeof(*hook);
	hook->ifindex = ifindex;
	hook->attach_point = BPF_TC_INGRESS;
	memset(opts, 0, sizeof(*opts));
	opts->sz = sizeof(*opts);
	opts->handle = TC_HANDLE;
	opts->priority = TC_PRIO;
}

/*
 * Removes whatever the record says we attached; missing pieces are fine.
 * A clsact filter is reached through its ifindex, which only means
 * something in its own namespace: -EXDEV elsewhere.
 */
static int detach_recorded(struct agw_gate *g, const struct agw_iface_key *k,
			   const struct agw_iface *rec, bool here)
{
	struct bpf_tc_hook hook;
	struct bpf_tc_opts opts;
	char path[PATH_MAX];
	int err;

	if (is_link_mode(rec->mode)) {
		err = link_pin_path(g, k, path, sizeof(path));
		if (!err && unlink(path) && errno != ENOENT)
			err = -errno;
		return err;
	}
	if (rec->mode != AGW_ATTACH_TC)
		return 0;
	if (!here)
		return -EXDEV;
	tc_opts_init(&hook, &opts, k->ifindex);
	err = bpf_tc_detach(&hook, &opts);
	if (err == -ENOENT || err == -EINVAL || err == -ENODEV)
		err = 0;
	if (!err && (rec->flags & AGW_IFACE_OWN_QDISC)) {
		hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
		bpf_tc_hook_destroy(&hook);
	}
	return err;
}

static int attach_link(struct agw_gate *g, const struct agw_iface_key *k,
		       struct bpf_program *prog, int attach_type,
		       uint32_t flags, struct agw_iface *rec)
{
	LIBBPF_OPTS(bpf_link_create_opts, lo, .flags = flags);
	int fd = bpf_program__fd(prog);
	char path[PATH_MAX];
	int link, err;

	err = link_pin_path(g, k, path, sizeof(path));
	if (err)
		return err;
	link = bpf_link_create(fd, k->ifindex, attach_type, &lo);
	if (link < 0)
		return link;
	err = bpf_obj_pin(link, path) ? -errno : 0;
	close(link);
	if (err)
		return err;
	rec->prog_id = prog_id_of(fd);
	return 0;
}

static int attach_xdp(struct agw_gate *g, const struct agw_iface_key *k,
		      uint32_t xdp_flags, struct agw_iface *rec)
{
	int err = attach_link(g, k, g->skel->progs.agw_xdp_gate, BPF_XDP,
			      xdp_flags, rec);

	if (!err)
		rec->mode = xdp_flags == XDP_FLAGS_DRV_MODE ?
				    AGW_ATTACH_XDP_NATIVE :
				    AGW_ATTACH_XDP_GENERIC;
	return err;
}

static int attach_tcx(struct agw_gate *g, const struct agw_iface_key *k,
		      struct agw_iface *rec)
{
	int err = attach_link(g, k, g->skel->progs.agw_tc_gate,
			      AGW_BPF_TCX_INGRESS, 0, rec);

	if (!err)
		rec->mode = AGW_ATTACH_TCX;
	return err;
}

static int attach_clsact(struct agw_gate *g, const struct agw_iface_key *k,
			 struct agw_iface *rec)
{
	struct bpf_tc_hook hook;
	struct bpf_tc_opts opts;
	int err;

	tc_opts_init(&hook, &opts, k->ifindex);
	err = bpf_tc_hook_create(&hook);
	if (!err)
		rec->flags |= AGW_IFACE_OWN_QDISC;
	else if (err != -EEXIST)
		return err;
	opts.prog_fd = bpf_program__fd(g->skel->progs.agw_tc_gate);
	opts.flags = BPF_TC_F_REPLACE;
	err = bpf_tc_attach(&hook, &opts);
	if (err)
		return err;
	rec->mode = AGW_ATTACH_TC;
	rec->prog_id = opts.prog_id;
	return 0;
}

/* Is the recorded attachment still in place? */
static bool still_attached(struct agw_gate *g, const struct agw_iface_key *k,
			   const struct agw_iface *rec)
{
	struct bpf_link_info info = {};
	__u32 len = sizeof(info);
	struct bpf_tc_hook hook;
	struct bpf_tc_opts opts;
	char path[PATH_MAX];
	bool alive;
	int fd;

	if (rec->mode == AGW_ATTACH_TC) {
		tc_opts_init(&hook, &opts, k->ifindex);
		return !bpf_tc_query(&hook, &opts) &&
		       opts.prog_id == rec->prog_id;
	}
	if (link_pin_path(g, k, path, sizeof(path)))
		return false;
	fd = bpf_obj_get(path);
	if (fd < 0)
		return false;
	/* a link whose device went away stays pinned but is defunct */
	alive = !bpf_obj_get_info_by_fd(fd, &info, &len) &&
		info.prog_id == rec->prog_id &&
		(rec->mode == AGW_ATTACH_TCX || info.xdp.ifindex == k->ifindex);
	close(fd);
	return alive;
}

static bool mode_matches(enum agw_attach_mode want, enum agw_attach_mode have)
{
	if (want == AGW_ATTACH_NONE)
		return have == AGW_ATTACH_XDP_NATIVE ||
		       have == AGW_ATTACH_XDP_GENERIC;
	if (want == AGW_ATTACH_TC_AUTO)
		return have == AGW_ATTACH_TC || have == AGW_ATTACH_TCX;
	return want == have;
}

int agw_gate_attach(struct agw_gate *g, int ifindex, enum agw_attach_mode want,
		    enum agw_attach_mode *got)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	struct agw_iface rec = {}, old;
	struct agw_iface_key k;
	bool xdp;
	int err;

	if (ifindex <= 0 || want > AGW_ATTACH_TC_AUTO)
		return -EINVAL;
	err = iface_key(ifindex, &k);
	if (err)
		return err;
	if (!record_get(g, &k, &old)) {
		if (still_attached(g, &k, &old) &&
		    mode_matches(want, old.mode)) {
			*got = old.mode;
			return 0;
		}
		/* another mode, or a stale record: clear it first */
		err = detach_recorded(g, &k, &old, true);
		if (err)
			return err;
		record_del(g, &k);
	}
	xdp = want == AGW_ATTACH_NONE || want == AGW_ATTACH_XDP_NATIVE ||
	      want == AGW_ATTACH_XDP_GENERIC;
	/* A foreign XDP program is not ours to replace. */
	if (bpf_xdp_query(ifindex, 0, &q))
		return -errno;
	if (xdp && ((q.drv_prog_id && !prog_is_ours(q.drv_prog_id)) ||
		    (q.skb_prog_id && !prog_is_ours(q.skb_prog_id))))
		return -EBUSY;
	err = agw_gate_load_skel(g);
	if (err)
		return err;
	if (!if_indextoname(ifindex, rec.ifname))
		return -errno;

	switch (want) {
	case AGW_ATTACH_NONE:
		err = attach_xdp(g, &k, XDP_FLAGS_DRV_MODE, &rec);
		if (err)
			err = attach_xdp(g, &k, XDP_FLAGS_SKB_MODE, &rec);
		break;
	case AGW_ATTACH_XDP_NATIVE:
		err = attach_xdp(g, &k, XDP_FLAGS_DRV_MODE, &rec);
		break;
	case AGW_ATTACH_XDP_GENERIC:
		err = attach_xdp(g, &k, XDP_FLAGS_SKB_MODE, &rec);
		break;
	case AGW_ATTACH_TCX:
		err = attach_tcx(g, &k, &rec);
		break;
	case AGW_ATTACH_TC:
		err = attach_clsact(g, &k, &rec);
		break;
	case AGW_ATTACH_TC_AUTO:
		err = attach_tcx(g, &k, &rec);
		if (err)
			err = attach_clsact(g, &k, &rec);
		break;
	}
	if (err)
		return err;
	err = record_set(g, &k, &rec);
	if (err) {
		detach_recorded(g, &k, &rec, true);
		return err;
	}
	*got = rec.mode;
	return 0;
}

int agw_gate_detach(struct agw_gate *g, int ifindex)
{
	struct agw_iface_key k;
	struct agw_iface rec;
	int err;

	err = iface_key(ifindex, &k);
	if (!err)
		err = record_get(g, &k, &rec);
	if (!err)
		err = detach_recorded(g, &k, &rec, true);
	if (err)
		return err;
	record_del(g, &k);
	return 0;
}

int agw_gate_iface_foreach(struct agw_gate *g,
			   int (*cb)(const struct agw_gate_iface_info *,
				     void *),
			   void *ctx)
{
	struct agw_iface_key key, next, *prev = NULL;
	struct agw_gate_iface_info info;
	struct agw_iface rec;
	uint64_t here = 0;
	int err;

	netns_ino(&here);
	while (!bpf_map_get_next_key(g->map_fd[GM_IFACES], prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(g->map_fd[GM_IFACES], &key, &rec))
			continue;
		memset(&info, 0, sizeof(info));
		info.ifindex = key.ifindex;
		info.netns = key.netns;
		info.this_netns = key.netns == here;
		memcpy(info.ifname, rec.ifname, sizeof(info.ifname) - 1);
		info.mode = rec.mode;
		info.prog_id = rec.prog_id;
		err = cb(&info, ctx);
		if (err)
			return err;
	}
	return errno == ENOENT ? 0 : -errno;
}

int agw_gate_unload(struct agw_gate *g)
{
	struct agw_iface_key key, next;
	char path[PATH_MAX];
	struct agw_iface rec;
	uint64_t here = 0;
	struct dirent *de;
	int m, err, first = 0;
	DIR *dir;

	netns_ino(&here);
	/* detach everything recorded, deleting as we go */
	while (!bpf_map_get_next_key(g->map_fd[GM_IFACES], NULL, &next)) {
		key = next;
		if (!bpf_map_lookup_elem(g->map_fd[GM_IFACES], &key, &rec)) {
			err = detach_recorded(g, &key, &rec, key.netns == here);
			if (err && !first)
				first = err;
		}
		bpf_map_delete_elem(g->map_fd[GM_IFACES], &key);
	}
	for (m = 0; m < GM_MAX; m++) {
		if (agw_gate_pin_path(g, agw_gate_map_names[m], path,
				      sizeof(path)))
			continue;
		if (unlink(path) && errno != ENOENT && !first)
			first = -errno;
	}
	/* links whose record was lost */
	dir = opendir(g->pin_dir);
	while (dir && (de = readdir(dir))) {
		if (strncmp(de->d_name, "link_", 5) ||
		    agw_gate_pin_path(g, de->d_name, path, sizeof(path)))
			continue;
		unlink(path);
	}
	if (dir)
		closedir(dir);
	if (rmdir(g->pin_dir) && errno != ENOENT && !first)
		first = -errno;
	return first;
}
