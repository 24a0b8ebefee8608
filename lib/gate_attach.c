// SPDX-License-Identifier: GPL-2.0-only
/*
 * Attaching the SYN gate to interfaces: XDP (native or generic), tcx links
 * or clsact/cls_bpf. Where it is attached is recorded in agw_ifaces so
 * that show and unload need nothing but the pins.
 */
#include <errno.h>
#include <stdio.h>
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

static int record_get(struct agw_gate *g, int ifindex, struct agw_iface *rec)
{
	uint32_t key = ifindex;

	return bpf_map_lookup_elem(g->map_fd[GM_IFACES], &key, rec) ? -errno :
								      0;
}

static int record_set(struct agw_gate *g, int ifindex,
		      const struct agw_iface *rec)
{
	uint32_t key = ifindex;

	return bpf_map_update_elem(g->map_fd[GM_IFACES], &key, rec, BPF_ANY) ?
		       -errno :
		       0;
}

static void record_del(struct agw_gate *g, int ifindex)
{
	uint32_t key = ifindex;

	bpf_map_delete_elem(g->map_fd[GM_IFACES], &key);
}

static int tcx_pin_path(struct agw_gate *g, int ifindex, char *buf,
			size_t len)
{
	char name[32];

	snprintf(name, sizeof(name), "tcx_%d", ifindex);
	return agw_gate_pin_path(g, name, buf, len);
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

/* Removes whatever the record says we attached; missing pieces are fine. */
static int detach_recorded(struct agw_gate *g, int ifindex,
			   const struct agw_iface *rec)
{
	struct bpf_tc_hook hook;
	struct bpf_tc_opts opts;
	char path[PATH_MAX];
	int err = 0;

	switch (rec->mode) {
	case AGW_ATTACH_XDP_NATIVE:
	case AGW_ATTACH_XDP_GENERIC: {
		LIBBPF_OPTS(bpf_xdp_query_opts, q);
		__u32 flags = rec->mode == AGW_ATTACH_XDP_NATIVE ?
				      XDP_FLAGS_DRV_MODE :
				      XDP_FLAGS_SKB_MODE;
		uint32_t id;

		if (bpf_xdp_query(ifindex, flags, &q))
			return -errno == -ENODEV ? 0 : -errno;
		id = flags == XDP_FLAGS_DRV_MODE ? q.drv_prog_id : q.skb_prog_id;
		/* never remove a program someone put there after us */
		if (prog_is_ours(id))
			err = bpf_xdp_detach(ifindex, flags, NULL);
		break;
	}
	case AGW_ATTACH_TCX:
		err = tcx_pin_path(g, ifindex, path, sizeof(path));
		if (!err && unlink(path) && errno != ENOENT)
			err = -errno;
		break;
	case AGW_ATTACH_TC:
		tc_opts_init(&hook, &opts, ifindex);
		err = bpf_tc_detach(&hook, &opts);
		if (err == -ENOENT || err == -EINVAL || err == -ENODEV)
			err = 0;
		if (!err && (rec->flags & AGW_IFACE_OWN_QDISC)) {
			hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
			bpf_tc_hook_destroy(&hook);
		}
		break;
	default:
		break;
	}
	return err;
}

static int attach_xdp(struct agw_gate *g, int ifindex, uint32_t xdp_flags,
		      struct agw_iface *rec)
{
	int fd = bpf_program__fd(g->skel->progs.agw_xdp_gate);
	int err;

	err = bpf_xdp_attach(ifindex, fd, xdp_flags, NULL);
	if (err)
		return err;
	rec->mode = xdp_flags == XDP_FLAGS_DRV_MODE ? AGW_ATTACH_XDP_NATIVE :
						      AGW_ATTACH_XDP_GENERIC;
	rec->prog_id = prog_id_of(fd);
	return 0;
}

static int attach_tcx(struct agw_gate *g, int ifindex, struct agw_iface *rec)
{
	int fd = bpf_program__fd(g->skel->progs.agw_tc_gate);
	char path[PATH_MAX];
	int link, err;

	err = tcx_pin_path(g, ifindex, path, sizeof(path));
	if (err)
		return err;
	link = bpf_link_create(fd, ifindex, AGW_BPF_TCX_INGRESS, NULL);
	if (link < 0)
		return link;
	err = bpf_obj_pin(link, path) ? -errno : 0;
	close(link); /* the pin keeps the link, and so the attachment */
	if (err)
		return err;
	rec->mode = AGW_ATTACH_TCX;
	rec->prog_id = prog_id_of(fd);
	return 0;
}

static int attach_clsact(struct agw_gate *g, int ifindex,
			 struct agw_iface *rec)
{
	struct bpf_tc_hook hook;
	struct bpf_tc_opts opts;
	int err;

	tc_opts_init(&hook, &opts, ifindex);
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

/* Is the recorded attachment still there and ours? */
static bool still_attached(struct agw_gate *g, int ifindex,
			   const struct agw_iface *rec)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	struct bpf_tc_hook hook;
	struct bpf_tc_opts opts;
	char path[PATH_MAX];

	switch (rec->mode) {
	case AGW_ATTACH_XDP_NATIVE:
		return !bpf_xdp_query(ifindex, XDP_FLAGS_DRV_MODE, &q) &&
		       q.drv_prog_id == rec->prog_id;
	case AGW_ATTACH_XDP_GENERIC:
		return !bpf_xdp_query(ifindex, XDP_FLAGS_SKB_MODE, &q) &&
		       q.skb_prog_id == rec->prog_id;
	case AGW_ATTACH_TCX:
		return !tcx_pin_path(g, ifindex, path, sizeof(path)) &&
		       !access(path, F_OK);
	case AGW_ATTACH_TC:
		tc_opts_init(&hook, &opts, ifindex);
		return !bpf_tc_query(&hook, &opts) &&
		       opts.prog_id == rec->prog_id;
	default:
		return false;
	}
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
	int err;

	if (ifindex <= 0 || want > AGW_ATTACH_TC_AUTO)
		return -EINVAL;
	if (!record_get(g, ifindex, &old) && still_attached(g, ifindex, &old)) {
		if (mode_matches(want, old.mode)) {
			*got = old.mode;
			return 0;
		}
		err = detach_recorded(g, ifindex, &old);
		if (err)
			return err;
		record_del(g, ifindex);
	}
	/* A foreign XDP program is not ours to replace. */
	if (bpf_xdp_query(ifindex, 0, &q))
		return -errno;
	if ((q.drv_prog_id && !prog_is_ours(q.drv_prog_id)) ||
	    (q.skb_prog_id && !prog_is_ours(q.skb_prog_id)))
		if (want != AGW_ATTACH_TC && want != AGW_ATTACH_TCX &&
		    want != AGW_ATTACH_TC_AUTO)
			return -EBUSY;
	err = agw_gate_load_skel(g);
	if (err)
		return err;

	switch (want) {
	case AGW_ATTACH_NONE:
		err = attach_xdp(g, ifindex, XDP_FLAGS_DRV_MODE, &rec);
		if (err)
			err = attach_xdp(g, ifindex, XDP_FLAGS_SKB_MODE, &rec);
		break;
	case AGW_ATTACH_XDP_NATIVE:
		err = attach_xdp(g, ifindex, XDP_FLAGS_DRV_MODE, &rec);
		break;
	case AGW_ATTACH_XDP_GENERIC:
		err = attach_xdp(g, ifindex, XDP_FLAGS_SKB_MODE, &rec);
		break;
	case AGW_ATTACH_TCX:
		err = attach_tcx(g, ifindex, &rec);
		break;
	case AGW_ATTACH_TC:
		err = attach_clsact(g, ifindex, &rec);
		break;
	case AGW_ATTACH_TC_AUTO:
		err = attach_tcx(g, ifindex, &rec);
		if (err)
			err = attach_clsact(g, ifindex, &rec);
		break;
	}
	if (err)
		return err;
	err = record_set(g, ifindex, &rec);
	if (err) {
		detach_recorded(g, ifindex, &rec);
		return err;
	}
	*got = rec.mode;
	return 0;
}

int agw_gate_detach(struct agw_gate *g, int ifindex)
{
	struct agw_iface rec;
	int err;

	err = record_get(g, ifindex, &rec);
	if (err)
		return err;
	err = detach_recorded(g, ifindex, &rec);
	if (err)
		return err;
	record_del(g, ifindex);
	return 0;
}

int agw_gate_iface_foreach(struct agw_gate *g,
			   int (*cb)(const struct agw_gate_iface_info *, void *),
			   void *ctx)
{
	struct agw_gate_iface_info info;
	uint32_t key, next, *prev = NULL;
	struct agw_iface rec;
	int err;

	while (!bpf_map_get_next_key(g->map_fd[GM_IFACES], prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(g->map_fd[GM_IFACES], &key, &rec))
			continue;
		info.ifindex = key;
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
	char path[PATH_MAX];
	uint32_t key, next;
	struct agw_iface rec;
	int m, err, first = 0;

	/* detach everything recorded, deleting as we go */
	while (!bpf_map_get_next_key(g->map_fd[GM_IFACES], NULL, &next)) {
		key = next;
		if (!bpf_map_lookup_elem(g->map_fd[GM_IFACES], &key, &rec)) {
			err = detach_recorded(g, key, &rec);
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
	if (rmdir(g->pin_dir) && errno != ENOENT && errno != ENOTEMPTY &&
	    !first)
		first = -errno;
	return first;
}
