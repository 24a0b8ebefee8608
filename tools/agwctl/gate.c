// SPDX-License-Identifier: GPL-2.0-only
/* agwctl gate: attach the SYN gate and drive its maps directly. */
#include <errno.h>
#include <inttypes.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "agw/gate.h"
#include "agwctl.h"
#include "json.h"

struct gate_cmd {
	struct agwctl *ctl;
	struct agw_gate *g;
	struct jw jw;
};

static int open_gate(struct gate_cmd *c, bool create)
{
	struct agw_gate_opts o = { .pin_dir = c->ctl->pin_dir };
	int err;

	err = create ? agw_gate_open(&o, &c->g) :
		       agw_gate_open_existing(&o, &c->g);
	if (err == -ENOENT)
		return agwctl_err(
			c->ctl,
			"gate: not loaded (no pins under %s): run \"agwctl gate attach DEV\" first",
			c->ctl->pin_dir ?: AGW_PIN_DIR);
	if (err)
		return agwctl_err(c->ctl, "gate: cannot open the maps: %s",
				  strerror(-err));
	return 0;
}

static int parse_dev(struct gate_cmd *c, const char *dev, int *ifindex)
{
	*ifindex = if_nametoindex(dev);
	if (!*ifindex)
		return agwctl_err(c->ctl, "gate: no interface \"%s\"", dev);
	return 0;
}

static int parse_term(struct gate_cmd *c, char **argv, struct agw_addr *a,
		      uint16_t *port)
{
	if (agw_addr_parse(argv[0], a))
		return agwctl_err(c->ctl, "gate: invalid address \"%s\"",
				  argv[0]);
	if (agw_port_parse(argv[1], port))
		return agwctl_err(c->ctl, "gate: invalid port \"%s\"", argv[1]);
	return 0;
}

static int cmd_attach(struct gate_cmd *c, int argc, char **argv)
{
	enum agw_attach_mode want = AGW_ATTACH_NONE, got;
	int ifindex, err;

	if (argc < 1 || argc > 2)
		return agwctl_err(
			c->ctl,
			"usage: gate attach DEV [xdp|xdp-generic|tc|tcx|clsact]");
	if (parse_dev(c, argv[0], &ifindex))
		return 1;
	if (argc == 2 &&
	    (agw_attach_mode_parse(argv[1], &want) || want == AGW_ATTACH_NONE))
		return agwctl_err(c->ctl, "gate: unknown attach mode \"%s\"",
				  argv[1]);
	if (open_gate(c, true))
		return 1;
	err = agw_gate_attach(c->g, ifindex, want, &got);
	if (err == -EBUSY)
		return agwctl_err(
			c->ctl,
			"gate attach %s: another XDP program is attached",
			argv[0]);
	if (err)
		return agwctl_err(c->ctl, "gate attach %s: %s", argv[0],
				  strerror(-err));
	if (c->ctl->json) {
		jw_obj_open(&c->jw, NULL);
		jw_str(&c->jw, "dev", argv[0]);
		jw_str(&c->jw, "mode", agw_attach_mode_name(got));
		jw_obj_close(&c->jw);
	} else {
		printf("%s: attached (%s)\n", argv[0],
		       agw_attach_mode_name(got));
	}
	return 0;
}

static int cmd_detach(struct gate_cmd *c, int argc, char **argv)
{
	int ifindex, err;

	if (argc != 1)
		return agwctl_err(c->ctl, "usage: gate detach DEV");
	if (parse_dev(c, argv[0], &ifindex) || open_gate(c, false))
		return 1;
	err = agw_gate_detach(c->g, ifindex);
	if (err == -EXDEV)
		return agwctl_err(
			c->ctl,
			"gate detach %s: attached from another network namespace; run agwctl there",
			argv[0]);
	if (err == -ENOENT)
		return agwctl_err(c->ctl, "gate detach %s: not attached",
				  argv[0]);
	if (err)
		return agwctl_err(c->ctl, "gate detach %s: %s", argv[0],
				  strerror(-err));
	return 0;
}

static int cmd_unload(struct gate_cmd *c, int argc, char **argv)
{
	int err;

	if (argc != 0)
		return agwctl_err(c->ctl, "usage: gate unload");
	if (open_gate(c, false))
		return 1;
	err = agw_gate_unload(c->g);
	if (err == -EXDEV)
		return agwctl_err(
			c->ctl,
			"gate unload: pins removed, but a clsact filter in another network namespace is left (remove it there with tc filter del)");
	if (err)
		return agwctl_err(c->ctl, "gate unload: %s", strerror(-err));
	return 0;
}

static int cmd_config(struct gate_cmd *c, int argc, char **argv)
{
	struct agw_gate_cfg cfg;
	int i, err;

	if (open_gate(c, true))
		return 1;
	err = agw_gate_config_get(c->g, &cfg);
	if (err)
		return agwctl_err(c->ctl, "gate config: %s", strerror(-err));
	for (i = 0; i < argc; i += 2) {
		if (i + 1 >= argc)
			return agwctl_err(
				c->ctl,
				"usage: gate config [range LO-HI] [unmatched drop|pass]");
		if (!strcmp(argv[i], "range")) {
			if (agw_port_range_parse(argv[i + 1], &cfg.port_min,
						 &cfg.port_max))
				return agwctl_err(
					c->ctl,
					"gate config: invalid port range \"%s\"",
					argv[i + 1]);
		} else if (!strcmp(argv[i], "unmatched")) {
			if (!strcmp(argv[i + 1], "drop"))
				cfg.flags &= ~AGW_CFG_RANGE_OPEN;
			else if (!strcmp(argv[i + 1], "pass"))
				cfg.flags |= AGW_CFG_RANGE_OPEN;
			else
				return agwctl_err(
					c->ctl,
					"gate config: unmatched takes drop or pass, not \"%s\"",
					argv[i + 1]);
		} else {
			return agwctl_err(c->ctl,
					  "gate config: unknown setting \"%s\"",
					  argv[i]);
		}
	}
	if (argc) {
		err = agw_gate_config_set(c->g, &cfg);
		if (err)
			return agwctl_err(c->ctl, "gate config: %s",
					  strerror(-err));
		return 0;
	}
	if (c->ctl->json) {
		jw_obj_open(&c->jw, NULL);
		jw_u64(&c->jw, "port_min", cfg.port_min);
		jw_u64(&c->jw, "port_max", cfg.port_max);
		jw_str(&c->jw, "unmatched",
		       cfg.flags & AGW_CFG_RANGE_OPEN ? "pass" : "drop");
		jw_obj_close(&c->jw);
	} else {
		printf("media range %u-%u unmatched %s\n", cfg.port_min,
		       cfg.port_max,
		       cfg.flags & AGW_CFG_RANGE_OPEN ? "pass" : "drop");
	}
	return 0;
}

static const char *term_err(int err)
{
	switch (err) {
	case -EEXIST:
		return "termination exists";
	case -ENOENT:
		return "no such termination";
	case -ENOSPC:
		return "table full";
	default:
		return strerror(-err);
	}
}

static int cmd_term(struct gate_cmd *c, int argc, char **argv)
{
	enum agw_gate_mode mode = AGW_MODE_OPEN;
	struct agw_addr a;
	uint16_t port;
	int err;

	if (argc < 1)
		return agwctl_err(c->ctl, "usage: gate term add|mode|del ...");
	if (!strcmp(argv[0], "del")) {
		if (argc != 3)
			return agwctl_err(c->ctl,
					  "usage: gate term del ADDR PORT");
	} else if (!strcmp(argv[0], "add") || !strcmp(argv[0], "mode")) {
		if (argc != 4)
			return agwctl_err(
				c->ctl,
				"usage: gate term %s ADDR PORT open|ignore|filter",
				argv[0]);
		if (agw_gate_mode_parse(argv[3], &mode))
			return agwctl_err(
				c->ctl,
				"gate term: mode must be open, ignore or filter, not \"%s\"",
				argv[3]);
	} else {
		return agwctl_err(c->ctl, "gate term: unknown command \"%s\"",
				  argv[0]);
	}
	if (parse_term(c, argv + 1, &a, &port))
		return 1;
	if (open_gate(c, argv[0][0] == 'a'))
		return 1;
	if (argv[0][0] == 'a')
		err = agw_gate_term_add(c->g, &a, port, mode);
	else if (argv[0][0] == 'm')
		err = agw_gate_term_set_mode(c->g, &a, port, mode);
	else
		err = agw_gate_term_del(c->g, &a, port);
	if (err)
		return agwctl_err(c->ctl, "gate term %s %s %s: %s", argv[0],
				  argv[1], argv[2], term_err(err));
	return 0;
}

static int cmd_allow(struct gate_cmd *c, int argc, char **argv)
{
	struct agw_allow rule = { .port_lo = 0, .port_hi = 65535 };
	struct agw_addr a;
	uint16_t port;
	int err;

	if (argc < 4 || argc > 5 ||
	    (strcmp(argv[0], "add") && strcmp(argv[0], "del")))
		return agwctl_err(
			c->ctl,
			"usage: gate allow add|del ADDR PORT REMOTE[/PREFIXLEN] [RPORT[-RPORT2]]");
	if (parse_term(c, argv + 1, &a, &port))
		return 1;
	if (agw_prefix_parse(argv[3], &rule.addr, &rule.prefix_len))
		return agwctl_err(c->ctl, "gate allow: invalid remote \"%s\"",
				  argv[3]);
	if (argc == 5 &&
	    agw_port_range_parse(argv[4], &rule.port_lo, &rule.port_hi))
		return agwctl_err(
			c->ctl,
			"gate allow: invalid remote port or range \"%s\"",
			argv[4]);
	if (open_gate(c, false))
		return 1;
	if (argv[0][0] == 'a')
		err = agw_gate_allow_add(c->g, &a, port, &rule);
	else
		err = agw_gate_allow_del(c->g, &a, port, &rule);
	if (err == -ENOSPC)
		return agwctl_err(
			c->ctl,
			"gate allow add: termination has %d rules already",
			AGW_ALLOW_MAX);
	if (err == -EEXIST)
		return agwctl_err(c->ctl, "gate allow add: rule exists");
	if (err == -ENOENT)
		return agwctl_err(c->ctl, "gate allow %s: no such %s", argv[0],
				  argv[0][0] == 'a' ? "termination" :
						      "termination or rule");
	if (err)
		return agwctl_err(c->ctl, "gate allow %s: %s", argv[0],
				  strerror(-err));
	return 0;
}

static void fmt_time(uint64_t mono_ns, char *buf, size_t len)
{
	uint64_t real = agw_gate_mono_to_real_ns(mono_ns);
	time_t secs = real / 1000000000ULL;
	struct tm tm;

	if (!real) {
		snprintf(buf, len, "never");
		return;
	}
	gmtime_r(&secs, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void allow_str(const struct agw_allow *r, char *buf, size_t len)
{
	char a[AGW_ADDR_STRLEN];
	int full = agw_addr_is_v4(&r->addr) ? 32 : 128;

	agw_addr_str(&r->addr, a, sizeof(a));
	if (r->prefix_len != full)
		snprintf(buf, len, "%s/%d port %u-%u", a, r->prefix_len,
			 r->port_lo, r->port_hi);
	else
		snprintf(buf, len, "%s port %u-%u", a, r->port_lo, r->port_hi);
}

static int show_term(const struct agw_gate_term_info *t, void *ctx)
{
	struct gate_cmd *c = ctx;
	char local[AGW_ADDR_STRLEN], src[AGW_ADDR_STRLEN], when[32], r[96];
	const struct agw_term_counters *k = &t->counters;
	unsigned int i;

	agw_addr_str(&t->local, local, sizeof(local));
	agw_addr_str(&k->last_src, src, sizeof(src));
	fmt_time(k->last_syn_ns, when, sizeof(when));
	if (c->ctl->json) {
		struct jw *w = &c->jw;

		jw_obj_open(w, NULL);
		jw_str(w, "local", local);
		jw_u64(w, "port", t->port);
		jw_str(w, "mode", agw_gate_mode_name(t->mode));
		jw_u64(w, "slot", t->slot);
		jw_arr_open(w, "allow");
		for (i = 0; i < t->nallow; i++) {
			const struct agw_allow *a = &t->allow[i];
			char as[AGW_ADDR_STRLEN];

			jw_obj_open(w, NULL);
			jw_str(w, "remote",
			       agw_addr_str(&a->addr, as, sizeof(as)));
			jw_u64(w, "prefix_len", a->prefix_len);
			jw_u64(w, "port_lo", a->port_lo);
			jw_u64(w, "port_hi", a->port_hi);
			jw_obj_close(w);
		}
		jw_arr_close(w);
		jw_u64(w, "syn_admitted", k->syn_admitted);
		jw_u64(w, "syn_dropped", k->syn_dropped);
		if (k->last_syn_ns) {
			jw_obj_open(w, "last_syn");
			jw_str(w, "src", src);
			jw_u64(w, "sport", k->last_sport);
			jw_str(w, "time", when);
			jw_u64(w, "time_ns",
			       agw_gate_mono_to_real_ns(k->last_syn_ns));
			jw_str(w, "verdict",
			       k->last_admitted ? "admitted" : "dropped");
			jw_obj_close(w);
		} else {
			jw_null(w, "last_syn");
		}
		jw_obj_close(w);
		return 0;
	}
	printf("term %s port %u mode %s slot %u\n", local, t->port,
	       agw_gate_mode_name(t->mode), t->slot);
	for (i = 0; i < t->nallow; i++) {
		allow_str(&t->allow[i], r, sizeof(r));
		printf("    allow %s\n", r);
	}
	printf("    syn admitted %" PRIu64 " dropped %" PRIu64, k->syn_admitted,
	       k->syn_dropped);
	if (k->last_syn_ns)
		printf(" last %s port %u %s at %s", src, k->last_sport,
		       k->last_admitted ? "admitted" : "dropped", when);
	printf("\n");
	return 0;
}

static int show_iface(const struct agw_gate_iface_info *i, void *ctx)
{
	struct gate_cmd *c = ctx;

	if (c->ctl->json) {
		jw_obj_open(&c->jw, NULL);
		jw_str(&c->jw, "dev", i->ifname);
		jw_u64(&c->jw, "ifindex", i->ifindex);
		jw_u64(&c->jw, "netns", i->netns);
		jw_bool(&c->jw, "this_netns", i->this_netns);
		jw_str(&c->jw, "mode", agw_attach_mode_name(i->mode));
		jw_u64(&c->jw, "prog_id", i->prog_id);
		jw_obj_close(&c->jw);
	} else {
		printf("iface %s ifindex %d mode %s prog %u", i->ifname,
		       i->ifindex, agw_attach_mode_name(i->mode), i->prog_id);
		if (!i->this_netns)
			printf(" netns net:[%llu]",
			       (unsigned long long)i->netns);
		printf("\n");
	}
	return 0;
}

static int cmd_show(struct gate_cmd *c, int argc, char **argv)
{
	struct agw_gate_term_info info;
	struct agw_gate_stats gs;
	struct agw_gate_cfg cfg;
	struct agw_addr a;
	uint16_t port;
	int i, err;

	if (argc != 0 && argc != 2)
		return agwctl_err(c->ctl, "usage: gate show [ADDR PORT]");
	if (argc == 2 && parse_term(c, argv, &a, &port))
		return 1;
	if (open_gate(c, false))
		return 1;
	if (argc == 2) {
		err = agw_gate_term_get(c->g, &a, port, &info);
		if (err)
			return agwctl_err(c->ctl, "gate show %s %s: %s",
					  argv[0], argv[1], term_err(err));
		show_term(&info, c);
		return 0;
	}
	err = agw_gate_global_stats(c->g, &gs);
	if (!err)
		err = agw_gate_config_get(c->g, &cfg);
	if (err)
		return agwctl_err(c->ctl, "gate show: %s", strerror(-err));
	if (c->ctl->json) {
		jw_obj_open(&c->jw, NULL);
		jw_obj_open(&c->jw, "config");
		jw_u64(&c->jw, "port_min", cfg.port_min);
		jw_u64(&c->jw, "port_max", cfg.port_max);
		jw_str(&c->jw, "unmatched",
		       cfg.flags & AGW_CFG_RANGE_OPEN ? "pass" : "drop");
		jw_u64(&c->jw, "capacity", agw_gate_capacity(c->g));
		jw_obj_close(&c->jw);
		jw_obj_open(&c->jw, "counters");
		for (i = 0; i < AGW_G_MAX; i++)
			jw_u64(&c->jw, agw_gate_counter_name(i), gs.c[i]);
		jw_obj_close(&c->jw);
		jw_arr_open(&c->jw, "interfaces");
	} else {
		printf("gate: media range %u-%u unmatched %s capacity %u\n",
		       cfg.port_min, cfg.port_max,
		       cfg.flags & AGW_CFG_RANGE_OPEN ? "pass" : "drop",
		       agw_gate_capacity(c->g));
		printf("   ");
		for (i = 0; i < AGW_G_MAX; i++)
			printf(" %s %" PRIu64, agw_gate_counter_name(i),
			       (uint64_t)gs.c[i]);
		printf("\n");
	}
	err = agw_gate_iface_foreach(c->g, show_iface, c);
	if (c->ctl->json) {
		jw_arr_close(&c->jw);
		jw_arr_open(&c->jw, "terminations");
	}
	if (!err)
		err = agw_gate_term_foreach(c->g, show_term, c);
	if (c->ctl->json) {
		jw_arr_close(&c->jw);
		jw_obj_close(&c->jw);
	}
	if (err)
		return agwctl_err(c->ctl, "gate show: %s", strerror(-err));
	return 0;
}

int agwctl_gate(struct agwctl *ctl, int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(struct gate_cmd *c, int argc, char **argv);
	} cmds[] = {
		{ "attach", cmd_attach }, { "detach", cmd_detach },
		{ "unload", cmd_unload }, { "config", cmd_config },
		{ "term", cmd_term },	  { "allow", cmd_allow },
		{ "show", cmd_show },
	};
	struct gate_cmd c = { .ctl = ctl };
	const char *name = argc ? argv[0] : "show";
	unsigned int i;
	int rc = -1;

	jw_init(&c.jw, stdout);
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(name, cmds[i].name)) {
			rc = cmds[i].fn(&c, argc ? argc - 1 : 0,
					argc ? argv + 1 : argv);
			break;
		}
	if (rc < 0)
		rc = agwctl_err(ctl, "gate: unknown command \"%s\"", name);
	agw_gate_close(c.g);
	return rc;
}
