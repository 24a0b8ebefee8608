// SPDX-License-Identifier: GPL-2.0-only
/*
 * Attaching the SYN gate to interfaces: XDP as one program of libxdp's
 * multi-program dispatcher, else XDP (native or generic) and tcx through
 * pinned BPF links, or clsact/cls_bpf through netlink. Where it is
 * attached, and by whom, is recorded in agw_ifaces, keyed by (network
 * namespace, ifindex), so that show, detach and unload need nothing but
 * the pins.
 */
#include <dirent.h>
#include <errno.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <string.h>
#include <unistd.h>
#include <linux/capability.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>

#include "agw/log.h"
#include "agw/syn_gate.skel.h"
#include "gate_priv.h"

/* enum bpf_attach_type value of BPF_TCX_INGRESS (Linux 6.6); the uapi
 * headers this builds against may predate it. */
#define AGW_BPF_TCX_INGRESS 46
#define TC_HANDLE 0xa6e7
#define TC_PRIO 1
/* Our place in libxdp's dispatcher (lower runs first; xdp-filter and
 * most programs use the default, 50): the gate runs after them. */
#define XDP_RUN_PRIO 60

enum prog_kind { PK_NONE, PK_OURS, PK_DISPATCHER, PK_FOREIGN };

/* What runs at an XDP hook; name (when given) gets the program's name. */
static enum prog_kind prog_kind(uint32_t id, char *name, size_t len_name)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	enum prog_kind kind = PK_FOREIGN;
	int fd;

	if (!id)
		return PK_NONE;
	fd = bpf_prog_get_fd_by_id(id);
	if (fd < 0)
		return PK_FOREIGN;
	if (!bpf_obj_get_info_by_fd(fd, &info, &len)) {
		if (name)
			snprintf(name, len_name, "%s", info.name);
		if (!strcmp(info.name, "agw_xdp_gate") ||
		    !strcmp(info.name, "agw_tc_gate"))
			kind = PK_OURS;
		else if (!strcmp(info.name, "xdp_dispatcher"))
			kind = PK_DISPATCHER;
	}
	close(fd);
	return kind;
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

/* libxdp's dispatcher needs freplace programs, which some kernels (or
 * their BPF LSM policy) refuse: found once per process. */
static bool dispatcher_refused;

static int libxdp_log(enum libxdp_print_level level, const char *fmt,
		      va_list args)
{
	char buf[512];
	size_t n;

	if (level == LIBXDP_DEBUG && !agw_log_enabled(AGW_LOG_DEBUG))
		return 0;
	vsnprintf(buf, sizeof(buf), fmt, args);
	n = strlen(buf);
	if (n && buf[n - 1] == '\n')
		buf[n - 1] = 0;
	agw_log(level == LIBXDP_WARN ? AGW_LOG_WARNING : AGW_LOG_DEBUG,
		"libxdp: %s", buf);
	return 0;
}

/* libbpf's own messages while libxdp probes its dispatcher: where the
 * kernel refuses it they are expected failures, said once by us. */
static int libbpf_quiet(enum libbpf_print_level level, const char *fmt,
			va_list args)
{
	char buf[512];

	if (!agw_log_enabled(AGW_LOG_DEBUG))
		return 0;
	vsnprintf(buf, sizeof(buf), fmt, args);
	agw_dbg("libbpf (under libxdp): %s", buf);
	return 0;
}

static enum xdp_attach_mode libxdp_mode(const struct agw_iface *rec)
{
	return rec->flags & AGW_IFACE_SKB_MODE ? XDP_MODE_SKB : XDP_MODE_NATIVE;
}

static int detach_multi(const struct agw_iface_key *k,
			const struct agw_iface *rec)
{
	struct xdp_program *xp = xdp_program__from_id(rec->prog_id);
	int err = libxdp_get_error(xp);

	if (err)
		return err == -ENOENT ? 0 : err; /* already gone */
	err = xdp_program__detach(xp, k->ifindex, libxdp_mode(rec), 0);
	xdp_program__close(xp);
	return err == -ENOENT ? 0 : err;
}

static bool multi_attached(const struct agw_iface_key *k,
			   const struct agw_iface *rec)
{
	struct xdp_multiprog *mp = xdp_multiprog__get_from_ifindex(k->ifindex);
	struct xdp_program *p = NULL;
	bool found = false;

	if (libxdp_get_error(mp) || !mp)
		return false;
	while ((p = xdp_multiprog__next_prog(p, mp)))
		if (xdp_program__id(p) == rec->prog_id)
			found = true;
	xdp_multiprog__close(mp);
	return found;
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
	if (rec->mode != AGW_ATTACH_TC && rec->mode != AGW_ATTACH_XDP_MULTI)
		return 0;
	if (!here)
		return -EXDEV;
	if (rec->mode == AGW_ATTACH_XDP_MULTI)
		return detach_multi(k, rec);
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

/*
 * The program for one attachment, loaded for it and released once
 * attached (the link, the dispatcher or the tc filter holds it), so that
 * no program stays loaded that nothing runs.
 */
static int load_for_attach(struct agw_gate *g, enum gate_prog which,
			   struct agw_syn_gate **s)
{
	int err = agw_gate_skel_open(g, which, s);

	if (err)
		return err;
	err = agw_syn_gate__load(*s);
	if (err) {
		agw_syn_gate__destroy(*s);
		*s = NULL;
	}
	return err;
}

static int attach_link(struct agw_gate *g, const struct agw_iface_key *k,
		       int fd, int attach_type, uint32_t flags,
		       struct agw_iface *rec)
{
	LIBBPF_OPTS(bpf_link_create_opts, lo, .flags = flags);
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
	struct agw_syn_gate *s;
	int err = load_for_attach(g, GP_XDP, &s);

	if (err)
		return err;
	err = attach_link(g, k, bpf_program__fd(s->progs.agw_xdp_gate), BPF_XDP,
			  xdp_flags, rec);
	agw_syn_gate__destroy(s);
	if (!err)
		rec->mode = xdp_flags == XDP_FLAGS_DRV_MODE ?
				    AGW_ATTACH_XDP_NATIVE :
				    AGW_ATTACH_XDP_GENERIC;
	return err;
}

/*
 * libxdp finds the dispatcher's programs by id (BPF_PROG_GET_FD_BY_ID),
 * which needs CAP_SYS_ADMIN. Without it (agwd as a service with CAP_BPF,
 * CAP_NET_ADMIN and CAP_PERFMON only) libxdp attaches the program alone
 * and then cannot detach it: take the link instead.
 */
static bool can_manage_dispatcher(void)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct c[_LINUX_CAPABILITY_U32S_3] = {};

	if (syscall(SYS_capget, &h, c))
		return true; /* let libxdp find out */
	return c[CAP_SYS_ADMIN / 32].effective & (1U << (CAP_SYS_ADMIN % 32));
}

/*
 * One program of libxdp's dispatcher, beside xdp-filter or any other
 * libxdp user. libxdp loads the object itself (as an freplace program of
 * the dispatcher). Where the kernel refuses freplace, libxdp falls back
 * to attaching the program alone, which is not what was asked: that is
 * undone, and -EOPNOTSUPP lets the caller take an XDP link instead.
 */
static int attach_multi(struct agw_gate *g, const struct agw_iface_key *k,
			bool skb, struct agw_iface *rec)
{
	enum xdp_attach_mode mode = skb ? XDP_MODE_SKB : XDP_MODE_NATIVE;
	DECLARE_LIBXDP_OPTS(xdp_program_opts, xo, .prog_name = "agw_xdp_gate");
	libbpf_print_fn_t old_print;
	struct xdp_multiprog *mp;
	struct xdp_program *xp;
	struct agw_syn_gate *s;
	bool legacy;
	int err;

	if (dispatcher_refused)
		return -EOPNOTSUPP;
	if (!can_manage_dispatcher()) {
		dispatcher_refused = true;
		agw_notice(
			"gate: no CAP_SYS_ADMIN for libxdp's dispatcher: XDP is attached through a link, alone on the interface");
		return -EOPNOTSUPP;
	}
	libxdp_set_print(libxdp_log);
	err = agw_gate_skel_open(g, GP_XDP, &s);
	if (err)
		return err;
	xo.obj = s->obj;
	xp = xdp_program__create(&xo);
	err = libxdp_get_error(xp);
	if (err) {
		agw_syn_gate__destroy(s);
		return err;
	}
	xdp_program__set_run_prio(xp, XDP_RUN_PRIO);
	old_print = libbpf_set_print(libbpf_quiet);
	err = xdp_program__attach(xp, k->ifindex, mode, 0);
	libbpf_set_print(old_print);
	if (!err) {
		mp = xdp_multiprog__get_from_ifindex(k->ifindex);
		legacy = !libxdp_get_error(mp) && mp &&
			 xdp_multiprog__is_legacy(mp);
		xdp_multiprog__close(mp);
		if (legacy) {
			xdp_program__detach(xp, k->ifindex, mode, 0);
			dispatcher_refused = true;
			agw_notice(
				"gate: libxdp's dispatcher cannot load here (the kernel refuses freplace programs): XDP is attached through a link, alone on the interface");
			err = -EOPNOTSUPP;
		} else {
			rec->prog_id = xdp_program__id(xp);
			rec->mode = AGW_ATTACH_XDP_MULTI;
			if (skb)
				rec->flags |= AGW_IFACE_SKB_MODE;
		}
	}
	xdp_program__close(xp);
	agw_syn_gate__destroy(s);
	return err;
}

static int attach_tcx(struct agw_gate *g, const struct agw_iface_key *k,
		      struct agw_iface *rec)
{
	struct agw_syn_gate *s;
	int err = load_for_attach(g, GP_TC, &s);

	if (err)
		return err;
	err = attach_link(g, k, bpf_program__fd(s->progs.agw_tc_gate),
			  AGW_BPF_TCX_INGRESS, 0, rec);
	agw_syn_gate__destroy(s);
	if (!err)
		rec->mode = AGW_ATTACH_TCX;
	return err;
}

static int attach_clsact(struct agw_gate *g, const struct agw_iface_key *k,
			 struct agw_iface *rec)
{
	struct agw_syn_gate *s;
	struct bpf_tc_hook hook;
	struct bpf_tc_opts opts;
	int err;

	err = load_for_attach(g, GP_TC, &s);
	if (err)
		return err;
	tc_opts_init(&hook, &opts, k->ifindex);
	err = bpf_tc_hook_create(&hook);
	if (!err)
		rec->flags |= AGW_IFACE_OWN_QDISC;
	else if (err != -EEXIST)
		goto out;
	opts.prog_fd = bpf_program__fd(s->progs.agw_tc_gate);
	opts.flags = BPF_TC_F_REPLACE;
	err = bpf_tc_attach(&hook, &opts);
out:
	agw_syn_gate__destroy(s);
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
	if (rec->mode == AGW_ATTACH_XDP_MULTI)
		return multi_attached(k, rec);
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

static bool mode_matches(enum agw_attach_mode want,
			 const struct agw_iface *have)
{
	bool skb = have->flags & AGW_IFACE_SKB_MODE;

	switch (want) {
	case AGW_ATTACH_NONE:
		return have->mode == AGW_ATTACH_XDP_NATIVE ||
		       have->mode == AGW_ATTACH_XDP_GENERIC ||
		       have->mode == AGW_ATTACH_XDP_MULTI;
	case AGW_ATTACH_TC_AUTO:
		return have->mode == AGW_ATTACH_TC ||
		       have->mode == AGW_ATTACH_TCX;
	case AGW_ATTACH_XDP_NATIVE:
		return have->mode == want ||
		       (have->mode == AGW_ATTACH_XDP_MULTI && !skb);
	case AGW_ATTACH_XDP_GENERIC:
		return have->mode == want ||
		       (have->mode == AGW_ATTACH_XDP_MULTI && skb);
	default:
		return want == have->mode;
	}
}

/* XDP: libxdp's dispatcher in the asked mode, else a link in it. */
static int attach_xdp_mode(struct agw_gate *g, const struct agw_iface_key *k,
			   bool skb, bool link_allowed, struct agw_iface *rec)
{
	int err = attach_multi(g, k, skb, rec);

	if (!err || !link_allowed)
		return err;
	agw_info("gate: %s: libxdp dispatcher (%s): %s; trying an XDP link",
		 rec->ifname, skb ? "generic" : "native", strerror(-err));
	return attach_xdp(g, k, skb ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE,
			  rec);
}

/* The same attachment asked for again: an agwd handle takes over what a
 * dead instance attached; otherwise the owner stays. */
static int adopt(struct agw_gate *g, const struct agw_iface_key *k,
		 struct agw_iface *rec)
{
	struct owner_view v;
	int err;

	if (!g->locked)
		return 0;
	err = agw_gate_owner_view(g, &v);
	if (err || agw_gate_owner_state(g, &v, &rec->owner) != AGW_OWNED_DEAD)
		return err;
	rec->owner = g->owner;
	return record_set(g, k, rec);
}

int agw_gate_attach(struct agw_gate *g, int ifindex, enum agw_attach_mode want,
		    enum agw_attach_mode *got)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	struct agw_iface rec = {}, old;
	enum prog_kind drv, skb;
	struct agw_iface_key k;
	char name[BPF_OBJ_NAME_LEN] = "";
	bool xdp, link_ok;
	int err;

	if (ifindex <= 0 || want > AGW_ATTACH_XDP_MULTI)
		return -EINVAL;
	err = iface_key(ifindex, &k);
	if (err)
		return err;
	if (!record_get(g, &k, &old)) {
		if (still_attached(g, &k, &old) && mode_matches(want, &old)) {
			err = adopt(g, &k, &old);
			if (err)
				return err;
			*got = old.mode;
			return 0;
		}
		/* another mode, or a stale record: clear it first, if it
		 * is ours to clear */
		err = agw_gate_owner_check(g, &old.owner);
		if (err)
			return err;
		err = detach_recorded(g, &k, &old, true);
		if (err)
			return err;
		record_del(g, &k);
	}
	xdp = want == AGW_ATTACH_NONE || want == AGW_ATTACH_XDP_NATIVE ||
	      want == AGW_ATTACH_XDP_GENERIC || want == AGW_ATTACH_XDP_MULTI;
	/* A foreign XDP program is not ours to replace; a dispatcher takes
	 * us in, but only through libxdp. */
	if (bpf_xdp_query(ifindex, 0, &q))
		return -errno;
	drv = prog_kind(q.drv_prog_id, name, sizeof(name));
	skb = prog_kind(q.skb_prog_id, drv == PK_FOREIGN ? NULL : name,
			sizeof(name));
	if (xdp && (drv == PK_FOREIGN || skb == PK_FOREIGN)) {
		agw_notice(
			"gate: ifindex %d: XDP program %s (id %u) runs there outside libxdp's dispatcher: not ours to replace",
			ifindex, name,
			drv == PK_FOREIGN ? q.drv_prog_id : q.skb_prog_id);
		return -EBUSY;
	}
	link_ok = drv != PK_DISPATCHER && skb != PK_DISPATCHER;
	if (!if_indextoname(ifindex, rec.ifname))
		return -errno;
	rec.owner = g->owner;

	switch (want) {
	case AGW_ATTACH_NONE:
		err = attach_xdp_mode(g, &k, false, link_ok, &rec);
		if (err) {
			agw_info("gate: %s: native XDP: %s; trying generic XDP",
				 rec.ifname, strerror(-err));
			err = attach_xdp_mode(g, &k, true, link_ok, &rec);
		}
		break;
	case AGW_ATTACH_XDP_MULTI:
		err = attach_multi(g, &k, false, &rec);
		if (err && err != -EOPNOTSUPP)
			err = attach_multi(g, &k, true, &rec);
		break;
	case AGW_ATTACH_XDP_NATIVE:
	case AGW_ATTACH_XDP_GENERIC:
		err = attach_xdp_mode(g, &k, want == AGW_ATTACH_XDP_GENERIC,
				      link_ok, &rec);
		break;
	case AGW_ATTACH_TCX:
		err = attach_tcx(g, &k, &rec);
		break;
	case AGW_ATTACH_TC:
		err = attach_clsact(g, &k, &rec);
		break;
	case AGW_ATTACH_TC_AUTO:
		err = attach_tcx(g, &k, &rec);
		if (err) {
			agw_info("gate: %s: tcx: %s; trying clsact", rec.ifname,
				 strerror(-err));
			err = attach_clsact(g, &k, &rec);
		}
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
		err = agw_gate_owner_check(g, &rec.owner);
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
	struct owner_view v;
	struct agw_iface rec;
	uint64_t here = 0;
	int err;

	err = agw_gate_owner_view(g, &v);
	if (err)
		return err;
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
		info.skb_mode = rec.flags & AGW_IFACE_SKB_MODE;
		info.prog_id = rec.prog_id;
		info.owner = rec.owner;
		info.owner_state = agw_gate_owner_state(g, &v, &rec.owner);
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
	struct agw_gate_holder h;
	struct dirent *de;
	int m, err, first = 0;
	DIR *dir;

	/* a running agwd's gate is not the operator's to take down */
	if (!g->locked && !g->force) {
		err = agw_gate_lock_probe(g->pin_dir, &h);
		if (err)
			return err < 0 ? err : -EBUSY;
	}
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
