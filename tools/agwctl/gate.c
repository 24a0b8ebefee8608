// SPDX-License-Identifier: GPL-2.0-only
/* agwctl gate: attach the SYN gate and drive its maps directly. */
#include <errno.h>
#include <inttypes.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <netinet/in.h>

#include "agw/gate.h"
#include "agwctl.h"
#include "agw/json.h"

struct gate_cmd {
	struct agwctl *ctl;
	struct agw_gate *g;
	struct agw_json jw; /* -j: one JSON value a line on stdout */
	struct agw_strbuf jb;
	bool force;
};

/* Why a change was refused: who owns the object. */
static int owner_err(struct gate_cmd *c, const char *what, int err)
{
	struct agw_gate_holder h;

	if (err == -EPERM)
		return agwctl_err(c->ctl, "%s: refused (-EPERM)", what);
	if (agw_gate_lock_probe(c->ctl->pin_dir, &h) == 1)
		return agwctl_err(
			c->ctl,
			"%s: owned by the running agwd (generation %u, pid %u): change it through agwd, or use gate --force",
			what, h.generation, h.pid);
	return agwctl_err(
		c->ctl, "%s: owned by a running agwd: use gate --force", what);
}

static int open_gate(struct gate_cmd *c, bool create)
{
	struct agw_gate_opts o = { .pin_dir = c->ctl->pin_dir,
				   .force = c->force };
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
			"usage: gate attach DEV [xdp-multi|xdp|xdp-generic|tc|tcx|clsact]");
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
			"gate attach %s: another XDP program is attached outside libxdp's dispatcher, or a running agwd owns the attachment (attach with tc to run beside an XDP program)",
			argv[0]);
	if (err == -EOPNOTSUPP && want == AGW_ATTACH_XDP_MULTI)
		return agwctl_err(
			c->ctl,
			"gate attach %s: libxdp's dispatcher cannot load on this kernel (freplace programs refused)",
			argv[0]);
	if (err)
		return agwctl_err(c->ctl, "gate attach %s: %s", argv[0],
				  strerror(-err));
	if (c->ctl->json) {
		agw_json_obj_open(&c->jw, NULL);
		agw_json_str(&c->jw, "dev", argv[0]);
		agw_json_str(&c->jw, "mode", agw_attach_mode_name(got));
		agw_json_obj_close(&c->jw);
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
	if (err == -EBUSY)
		return owner_err(c, "gate detach", err);
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
	if (err == -EBUSY)
		return owner_err(c, "gate unload", err);
	if (err == -EXDEV)
		return agwctl_err(
			c->ctl,
			"gate unload: pins removed, but a clsact filter in another network namespace is left (remove it there with tc filter del)");
	if (err)
		return agwctl_err(c->ctl, "gate unload: %s", strerror(-err));
	return 0;
}

static int parse_u32(const char *s, uint32_t *v)
{
	char *end;
	unsigned long n;

	errno = 0;
	n = strtoul(s, &end, 10);
	if (errno || end == s || *end || n > 1000000 || *s == '-')
		return -EINVAL;
	*v = n;
	return 0;
}

static void config_json(struct gate_cmd *c, const struct agw_gate_cfg *cfg)
{
	agw_json_u64(&c->jw, "port_min", cfg->port_min);
	agw_json_u64(&c->jw, "port_max", cfg->port_max);
	agw_json_str(&c->jw, "unmatched",
		     cfg->flags & AGW_CFG_RANGE_OPEN ? "pass" : "drop");
	agw_json_u64(&c->jw, "monitor_rate", cfg->mon_rate);
	agw_json_u64(&c->jw, "monitor_burst", cfg->mon_burst);
}

static void config_text(const struct agw_gate_cfg *cfg)
{
	printf("media range %u-%u unmatched %s", cfg->port_min, cfg->port_max,
	       cfg->flags & AGW_CFG_RANGE_OPEN ? "pass" : "drop");
	if (cfg->mon_rate)
		printf(" monitor %u/s burst %u", cfg->mon_rate, cfg->mon_burst);
	else
		printf(" monitor off");
}

static int cmd_config(struct gate_cmd *c, int argc, char **argv)
{
	uint32_t rate = 0, burst = 0;
	bool mon = false, burst_set = false;
	struct agw_gate_cfg cfg;
	int i, err;

	if (open_gate(c, true))
		return 1;
	err = agw_gate_config_get(c->g, &cfg);
	if (err)
		return agwctl_err(c->ctl, "gate config: %s", strerror(-err));
	rate = cfg.mon_rate;
	burst = cfg.mon_burst;
	for (i = 0; i < argc; i += 2) {
		if (i + 1 >= argc)
			return agwctl_err(
				c->ctl,
				"usage: gate config [range LO-HI] [unmatched drop|pass] [monitor RATE|off [burst N]]");
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
		} else if (!strcmp(argv[i], "monitor")) {
			if (!strcmp(argv[i + 1], "off"))
				rate = 0;
			else if (parse_u32(argv[i + 1], &rate))
				return agwctl_err(
					c->ctl,
					"gate config: monitor takes a rate (records per second per CPU, at most 1000000) or off, not \"%s\"",
					argv[i + 1]);
			mon = true;
		} else if (!strcmp(argv[i], "burst")) {
			if (parse_u32(argv[i + 1], &burst))
				return agwctl_err(
					c->ctl,
					"gate config: invalid burst \"%s\"",
					argv[i + 1]);
			mon = burst_set = true;
		} else {
			return agwctl_err(c->ctl,
					  "gate config: unknown setting \"%s\"",
					  argv[i]);
		}
	}
	if (argc) {
		if (mon && !burst_set)
			burst = 0; /* the default for the rate */
		err = agw_gate_config_set(c->g, &cfg);
		if (!err && mon)
			err = agw_gate_monitor_set(c->g, rate, burst);
		if (err)
			return agwctl_err(c->ctl, "gate config: %s",
					  strerror(-err));
		return 0;
	}
	if (c->ctl->json) {
		agw_json_obj_open(&c->jw, NULL);
		config_json(c, &cfg);
		agw_json_obj_close(&c->jw);
	} else {
		config_text(&cfg);
		printf("\n");
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
	case -EBUSY:
		return "owned by the running agwd (use gate --force)";
	case -EPERM:
		return "refused";
	default:
		return strerror(-err);
	}
}

static int cmd_term_list(struct gate_cmd *c, int argc, char **argv);

static int cmd_term(struct gate_cmd *c, int argc, char **argv)
{
	enum agw_gate_mode mode = AGW_MODE_OPEN;
	struct agw_addr a;
	uint16_t port;
	int err;

	if (argc < 1)
		return agwctl_err(c->ctl,
				  "usage: gate term add|mode|del|list ...");
	if (!strcmp(argv[0], "list"))
		return cmd_term_list(c, argc - 1, argv + 1);
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
	if (err == -EBUSY)
		return agwctl_err(c->ctl, "gate allow %s: %s", argv[0],
				  term_err(err));
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

/* "operator", "agwd#7", "agwd#7 (gone)": whose an entry is. */
static const char *owner_str(const struct agw_owner *o, enum agw_owner_state st,
			     char *buf, size_t len)
{
	if (st == AGW_OWNED_OPERATOR)
		snprintf(buf, len, "operator");
	else if (st == AGW_OWNED_DEAD)
		snprintf(buf, len, "agwd#%u (gone)", o->generation);
	else
		snprintf(buf, len, "agwd#%u", o->generation);
	return buf;
}

static void owner_json(struct agw_json *w, const struct agw_owner *o,
		       enum agw_owner_state st)
{
	char id[24];

	agw_json_obj_open(w, "owner");
	agw_json_str(w, "kind", st == AGW_OWNED_OPERATOR ? "operator" : "agwd");
	if (st != AGW_OWNED_OPERATOR) {
		snprintf(id, sizeof(id), "%016" PRIx64, (uint64_t)o->instance);
		agw_json_str(w, "instance", id);
		agw_json_u64(w, "generation", o->generation);
		agw_json_bool(w, "running", st != AGW_OWNED_DEAD);
	}
	agw_json_obj_close(w);
}

static const enum agw_drop_reason term_reasons[] = {
	AGW_DROP_IGNORE, AGW_DROP_FILTER, AGW_DROP_FRAGMENT, AGW_DROP_PARSE
};
#define N_TERM_REASONS (sizeof(term_reasons) / sizeof(term_reasons[0]))

static int show_term(const struct agw_gate_term_info *t, void *ctx)
{
	struct gate_cmd *c = ctx;
	char local[AGW_ADDR_STRLEN], src[AGW_ADDR_STRLEN], when[32], r[96];
	const struct agw_term_counters *k = &t->counters;
	char own[40];
	unsigned int i;

	agw_addr_str(&t->local, local, sizeof(local));
	agw_addr_str(&k->last_src, src, sizeof(src));
	fmt_time(k->last_syn_ns, when, sizeof(when));
	if (c->ctl->json) {
		struct agw_json *w = &c->jw;

		agw_json_obj_open(w, NULL);
		agw_json_str(w, "local", local);
		agw_json_u64(w, "port", t->port);
		agw_json_str(w, "mode", agw_gate_mode_name(t->mode));
		agw_json_u64(w, "slot", t->slot);
		owner_json(w, &t->owner, t->owner_state);
		agw_json_arr_open(w, "allow");
		for (i = 0; i < t->nallow; i++) {
			const struct agw_allow *a = &t->allow[i];
			char as[AGW_ADDR_STRLEN];

			agw_json_obj_open(w, NULL);
			agw_json_str(w, "remote",
				     agw_addr_str(&a->addr, as, sizeof(as)));
			agw_json_u64(w, "prefix_len", a->prefix_len);
			agw_json_u64(w, "port_lo", a->port_lo);
			agw_json_u64(w, "port_hi", a->port_hi);
			agw_json_obj_close(w);
		}
		agw_json_arr_close(w);
		agw_json_u64(w, "syn_admitted", k->syn_admitted);
		agw_json_u64(w, "syn_dropped", k->syn_dropped);
		agw_json_obj_open(w, "dropped");
		for (i = 0; i < N_TERM_REASONS; i++)
			agw_json_u64(w, agw_drop_reason_name(term_reasons[i]),
				     k->drops[term_reasons[i]]);
		agw_json_obj_close(w);
		if (k->last_syn_ns) {
			agw_json_obj_open(w, "last_syn");
			agw_json_str(w, "src", src);
			agw_json_u64(w, "sport", k->last_sport);
			agw_json_str(w, "time", when);
			agw_json_u64(w, "time_ns",
				     agw_gate_mono_to_real_ns(k->last_syn_ns));
			agw_json_str(w, "verdict",
				     k->last_admitted ? "admitted" : "dropped");
			agw_json_str(w, "reason",
				     agw_drop_reason_name(k->last_reason));
			agw_json_obj_close(w);
		} else {
			agw_json_null(w, "last_syn");
		}
		agw_json_obj_close(w);
		return 0;
	}
	printf("term %s port %u mode %s slot %u owner %s\n", local, t->port,
	       agw_gate_mode_name(t->mode), t->slot,
	       owner_str(&t->owner, t->owner_state, own, sizeof(own)));
	for (i = 0; i < t->nallow; i++) {
		allow_str(&t->allow[i], r, sizeof(r));
		printf("    allow %s\n", r);
	}
	printf("    syn admitted %" PRIu64 " dropped %" PRIu64, k->syn_admitted,
	       k->syn_dropped);
	for (i = 0; i < N_TERM_REASONS; i++)
		if (k->drops[term_reasons[i]])
			printf(" %s %" PRIu64,
			       agw_drop_reason_name(term_reasons[i]),
			       k->drops[term_reasons[i]]);
	if (k->last_syn_ns)
		printf(" last %s port %u %s at %s", src, k->last_sport,
		       k->last_admitted ? "admitted" :
					  agw_drop_reason_name(k->last_reason),
		       when);
	printf("\n");
	return 0;
}

/* term list: one line per termination, no counters read but the SYN
 * totals; --owner selects operator, agwd or gone entries. */
struct list_ctx {
	struct gate_cmd *c;
	const char *owner;
};

static bool owner_selected(const char *want, enum agw_owner_state st)
{
	if (!want)
		return true;
	if (!strcmp(want, "operator"))
		return st == AGW_OWNED_OPERATOR;
	if (!strcmp(want, "gone"))
		return st == AGW_OWNED_DEAD;
	return st == AGW_OWNED_LIVE || st == AGW_OWNED_SELF;
}

static int list_term(const struct agw_gate_term_info *t, void *arg)
{
	struct list_ctx *lc = arg;
	char local[AGW_ADDR_STRLEN], own[40];

	if (!owner_selected(lc->owner, t->owner_state))
		return 0;
	agw_addr_str(&t->local, local, sizeof(local));
	if (lc->c->ctl->json) {
		struct agw_json *w = &lc->c->jw;

		agw_json_obj_open(w, NULL);
		agw_json_str(w, "local", local);
		agw_json_u64(w, "port", t->port);
		agw_json_str(w, "mode", agw_gate_mode_name(t->mode));
		owner_json(w, &t->owner, t->owner_state);
		agw_json_u64(w, "syn_admitted", t->counters.syn_admitted);
		agw_json_u64(w, "syn_dropped", t->counters.syn_dropped);
		agw_json_obj_close(w);
		return 0;
	}
	printf("%-39s %5u %-6s %-16s %10" PRIu64 " %10" PRIu64 "\n", local,
	       t->port, agw_gate_mode_name(t->mode),
	       owner_str(&t->owner, t->owner_state, own, sizeof(own)),
	       t->counters.syn_admitted, t->counters.syn_dropped);
	return 0;
}

static int cmd_term_list(struct gate_cmd *c, int argc, char **argv)
{
	struct list_ctx lc = { .c = c };
	int err;

	if (argc == 2 && !strcmp(argv[0], "--owner") &&
	    (!strcmp(argv[1], "operator") || !strcmp(argv[1], "agwd") ||
	     !strcmp(argv[1], "gone")))
		lc.owner = argv[1];
	else if (argc)
		return agwctl_err(
			c->ctl,
			"usage: gate term list [--owner operator|agwd|gone]");
	if (open_gate(c, false))
		return 1;
	if (c->ctl->json)
		agw_json_arr_open(&c->jw, NULL);
	else
		printf("%-39s %5s %-6s %-16s %10s %10s\n", "LOCAL", "PORT",
		       "MODE", "OWNER", "ADMITTED", "DROPPED");
	err = agw_gate_term_foreach(c->g, list_term, &lc);
	if (c->ctl->json)
		agw_json_arr_close(&c->jw);
	if (err)
		return agwctl_err(c->ctl, "gate term list: %s", strerror(-err));
	return 0;
}

static int show_iface(const struct agw_gate_iface_info *i, void *ctx)
{
	struct gate_cmd *c = ctx;
	char own[40];

	if (c->ctl->json) {
		agw_json_obj_open(&c->jw, NULL);
		agw_json_str(&c->jw, "dev", i->ifname);
		agw_json_u64(&c->jw, "ifindex", i->ifindex);
		agw_json_u64(&c->jw, "netns", i->netns);
		agw_json_bool(&c->jw, "this_netns", i->this_netns);
		agw_json_str(&c->jw, "mode", agw_attach_mode_name(i->mode));
		if (i->mode == AGW_ATTACH_XDP_MULTI)
			agw_json_str(&c->jw, "xdp_mode",
				     i->skb_mode ? "generic" : "native");
		agw_json_u64(&c->jw, "prog_id", i->prog_id);
		owner_json(&c->jw, &i->owner, i->owner_state);
		agw_json_obj_close(&c->jw);
	} else {
		printf("iface %s ifindex %d mode %s%s prog %u owner %s",
		       i->ifname, i->ifindex, agw_attach_mode_name(i->mode),
		       i->mode != AGW_ATTACH_XDP_MULTI ? "" :
		       i->skb_mode		       ? " (generic)" :
							 " (native)",
		       i->prog_id,
		       owner_str(&i->owner, i->owner_state, own, sizeof(own)));
		if (!i->this_netns)
			printf(" netns net:[%llu]",
			       (unsigned long long)i->netns);
		printf("\n");
	}
	return 0;
}

/* The H.248 guard, in show and in "gate h248". */
static int guard_print(struct gate_cmd *c, bool object)
{
	struct agw_h248_mgc mgcs[AGW_H248_MGC_MAX];
	uint16_t ports[AGW_H248_PORTS_MAX];
	unsigned int np, nm, i;
	char a[AGW_ADDR_STRLEN];
	int err;

	err = agw_gate_h248_get(c->g, ports, &np, mgcs, AGW_H248_MGC_MAX, &nm);
	if (err)
		return err;
	if (nm > AGW_H248_MGC_MAX)
		nm = AGW_H248_MGC_MAX;
	if (c->ctl->json) {
		agw_json_obj_open(&c->jw, object ? NULL : "h248_guard");
		agw_json_arr_open(&c->jw, "ports");
		for (i = 0; i < np; i++)
			agw_json_u64(&c->jw, NULL, ports[i]);
		agw_json_arr_close(&c->jw);
		agw_json_arr_open(&c->jw, "mgcs");
		for (i = 0; i < nm; i++) {
			agw_json_obj_open(&c->jw, NULL);
			agw_json_str(&c->jw, "addr",
				     agw_addr_str(&mgcs[i].addr, a, sizeof(a)));
			agw_json_u64(&c->jw, "port", mgcs[i].port);
			agw_json_obj_close(&c->jw);
		}
		agw_json_arr_close(&c->jw);
		agw_json_obj_close(&c->jw);
		return 0;
	}
	if (!np) {
		printf("h248 guard off\n");
		return 0;
	}
	printf("h248 guard ports");
	for (i = 0; i < np; i++)
		printf("%s%u", i ? "," : " ", ports[i]);
	printf(" mgc");
	for (i = 0; i < nm; i++) {
		agw_addr_str(&mgcs[i].addr, a, sizeof(a));
		if (!mgcs[i].port)
			printf(" %s:any", a);
		else if (agw_addr_is_v4(&mgcs[i].addr))
			printf(" %s:%u", a, mgcs[i].port);
		else
			printf(" [%s]:%u", a, mgcs[i].port);
	}
	if (!nm)
		printf(" none (everything to these ports is dropped)");
	printf("\n");
	return 0;
}

static void holder_print(struct gate_cmd *c)
{
	struct agw_gate_holder h;
	int held = agw_gate_lock_probe(c->ctl->pin_dir, &h);

	if (c->ctl->json) {
		agw_json_obj_open(&c->jw, "agwd");
		agw_json_bool(&c->jw, "running", held == 1);
		if (held == 1) {
			agw_json_u64(&c->jw, "generation", h.generation);
			agw_json_u64(&c->jw, "pid", h.pid);
		}
		agw_json_obj_close(&c->jw);
	} else if (held == 1) {
		printf("owner: agwd#%u running (pid %u)\n", h.generation,
		       h.pid);
	} else {
		printf("owner: no agwd running on these pins\n");
	}
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
		agw_json_obj_open(&c->jw, NULL);
		agw_json_obj_open(&c->jw, "config");
		config_json(c, &cfg);
		agw_json_u64(&c->jw, "capacity", agw_gate_capacity(c->g));
		agw_json_obj_close(&c->jw);
		holder_print(c);
		err = guard_print(c, false);
		agw_json_obj_open(&c->jw, "counters");
		for (i = 0; i < AGW_G_MAX; i++)
			agw_json_u64(&c->jw, agw_gate_counter_name(i),
				     agw_gate_counter_value(&gs, i));
		agw_json_obj_close(&c->jw);
		agw_json_arr_open(&c->jw, "interfaces");
	} else {
		printf("gate: ");
		config_text(&cfg);
		printf(" capacity %u\n", agw_gate_capacity(c->g));
		holder_print(c);
		err = guard_print(c, false);
		printf("   ");
		for (i = 0; i < AGW_G_MAX; i++)
			printf(" %s %" PRIu64, agw_gate_counter_name(i),
			       agw_gate_counter_value(&gs, i));
		printf("\n");
	}
	if (!err)
		err = agw_gate_iface_foreach(c->g, show_iface, c);
	if (c->ctl->json) {
		agw_json_arr_close(&c->jw);
		agw_json_arr_open(&c->jw, "terminations");
	}
	if (!err)
		err = agw_gate_term_foreach(c->g, show_term, c);
	if (c->ctl->json) {
		agw_json_arr_close(&c->jw);
		agw_json_obj_close(&c->jw);
	}
	if (err)
		return agwctl_err(c->ctl, "gate show: %s", strerror(-err));
	return 0;
}

/* gate reconcile: what agwd does at start, for the operator. */
static int cmd_reconcile(struct gate_cmd *c, int argc, char **argv)
{
	struct agw_gate_reconcile r;
	int err;

	if (argc)
		return agwctl_err(c->ctl, "usage: gate reconcile");
	if (open_gate(c, false))
		return 1;
	err = agw_gate_reconcile(c->g, &r);
	if (err)
		return agwctl_err(c->ctl, "gate reconcile: %s", strerror(-err));
	if (c->ctl->json) {
		agw_json_obj_open(&c->jw, NULL);
		agw_json_u64(&c->jw, "removed", r.removed);
		agw_json_u64(&c->jw, "removed_open",
			     r.removed_mode[AGW_MODE_OPEN]);
		agw_json_u64(&c->jw, "removed_ignore",
			     r.removed_mode[AGW_MODE_IGNORE]);
		agw_json_u64(&c->jw, "removed_filter",
			     r.removed_mode[AGW_MODE_FILTER]);
		agw_json_u64(&c->jw, "stale_slots", r.stale_slots);
		agw_json_u64(&c->jw, "kept_operator", r.kept_operator);
		agw_json_u64(&c->jw, "kept_running", r.kept_live);
		agw_json_u64(&c->jw, "dead_interfaces", r.dead_ifaces);
		agw_json_obj_close(&c->jw);
	} else {
		printf("removed %u entries of agwd instances that are gone (open %u, ignore %u, filter %u), %u stale slots; kept %u operator and %u running agwd entries; %u interfaces attached by a gone instance\n",
		       r.removed, r.removed_mode[AGW_MODE_OPEN],
		       r.removed_mode[AGW_MODE_IGNORE],
		       r.removed_mode[AGW_MODE_FILTER], r.stale_slots,
		       r.kept_operator, r.kept_live, r.dead_ifaces);
	}
	return 0;
}

/* gate h248 [off | ports P[,P...] mgc ADDR[:PORT] ...] */
static int parse_ports(struct gate_cmd *c, const char *s, uint16_t *ports,
		       unsigned int *n)
{
	char buf[128], *tok, *save = NULL;

	snprintf(buf, sizeof(buf), "%s", s);
	*n = 0;
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (*n >= AGW_H248_PORTS_MAX)
			return agwctl_err(c->ctl, "gate h248: at most %d ports",
					  AGW_H248_PORTS_MAX);
		if (agw_port_parse(tok, &ports[*n]) || !ports[*n])
			return agwctl_err(
				c->ctl, "gate h248: invalid port \"%s\"", tok);
		(*n)++;
	}
	return *n ? 0 :
		    agwctl_err(c->ctl, "gate h248: invalid port list \"%s\"",
			       s);
}

/* ADDR, ADDR:PORT, [V6ADDR]:PORT or V6ADDR; port 0 or none: any */
static int parse_mgc(struct gate_cmd *c, const char *s, struct agw_h248_mgc *m)
{
	char buf[AGW_ADDR_STRLEN + 16], *colon, *addr = buf;

	snprintf(buf, sizeof(buf), "%s", s);
	m->port = 0;
	if (buf[0] == '[') {
		char *close = strchr(buf, ']');

		if (!close || (close[1] && close[1] != ':'))
			goto bad;
		*close = 0;
		addr = buf + 1;
		if (close[1] && agw_port_parse(close + 2, &m->port))
			goto bad;
	} else if ((colon = strchr(buf, ':')) && !strchr(colon + 1, ':')) {
		*colon = 0;
		if (agw_port_parse(colon + 1, &m->port))
			goto bad;
	}
	if (agw_addr_parse(addr, &m->addr))
		goto bad;
	return 0;
bad:
	return agwctl_err(c->ctl, "gate h248: invalid MGC \"%s\"", s);
}

static int cmd_h248(struct gate_cmd *c, int argc, char **argv)
{
	struct agw_h248_mgc mgcs[AGW_H248_MGC_MAX];
	uint16_t ports[AGW_H248_PORTS_MAX];
	unsigned int np = 0, nm = 0;
	int i, err;

	if (argc == 1 && !strcmp(argv[0], "off")) {
		/* nothing guarded, nobody listed */
	} else if (argc >= 2 && !strcmp(argv[0], "ports")) {
		if (parse_ports(c, argv[1], ports, &np))
			return 1;
		if (argc > 2 && strcmp(argv[2], "mgc"))
			return agwctl_err(c->ctl,
					  "gate h248: expected mgc, not \"%s\"",
					  argv[2]);
		for (i = 3; i < argc; i++) {
			if (nm >= AGW_H248_MGC_MAX)
				return agwctl_err(c->ctl,
						  "gate h248: at most %d MGCs",
						  AGW_H248_MGC_MAX);
			if (parse_mgc(c, argv[i], &mgcs[nm++]))
				return 1;
		}
	} else if (argc) {
		return agwctl_err(
			c->ctl,
			"usage: gate h248 [off | ports P[,P...] mgc ADDR[:PORT]...]");
	}
	if (open_gate(c, argc != 0))
		return 1;
	if (argc) {
		err = agw_gate_h248_set(c->g, ports, np, mgcs, nm);
		if (err)
			return agwctl_err(c->ctl, "gate h248: %s",
					  strerror(-err));
		return 0;
	}
	err = guard_print(c, true);
	if (err)
		return agwctl_err(c->ctl, "gate h248: %s", strerror(-err));
	return 0;
}

/* gate monitor: drop records as they come, until interrupted. */
static volatile sig_atomic_t monitor_stop;

static void on_monitor_signal(int sig)
{
	(void)sig;
	monitor_stop = 1;
}

struct monitor_ctx {
	struct gate_cmd *c;
	long left; /* records still to print; <0: no limit */
	uint64_t since_ns; /* CLOCK_MONOTONIC of the start */
};

static void endpoint_str(const struct agw_addr *a, uint16_t port, char *buf,
			 size_t len)
{
	char s[AGW_ADDR_STRLEN];

	agw_addr_str(a, s, sizeof(s));
	snprintf(buf, len, agw_addr_is_v4(a) ? "%s:%u" : "[%s]:%u", s, port);
}

void agwctl_time_str(uint64_t real_ns, char *buf, size_t len)
{
	time_t secs = real_ns / 1000000000ULL;
	char when[40];
	struct tm tm;

	gmtime_r(&secs, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%06uZ", when,
		 (unsigned int)(real_ns % 1000000000ULL / 1000));
}

void agwctl_drop_line(uint64_t real_ns, const char *reason, const char *proto,
		      const char *src, const char *dst, const char *slot,
		      unsigned long suppressed)
{
	char when[64];

	agwctl_time_str(real_ns, when, sizeof(when));
	printf("%s drop %s %s %s -> %s", when, reason, proto, src, dst);
	if (slot)
		printf(" slot %s", slot);
	if (suppressed)
		printf(" (+%lu not shown)", suppressed);
	printf("\n");
}

static int print_drop(const struct agw_drop_event *ev, void *arg)
{
	struct monitor_ctx *m = arg;
	char src[AGW_ADDR_STRLEN + 8], dst[AGW_ADDR_STRLEN + 8], slot[16];
	const char *proto = ev->proto == IPPROTO_TCP ? "tcp" :
			    ev->proto == IPPROTO_UDP ? "udp" :
						       "-";

	/* what waited in the ring from before the start is history */
	if (!m->left || ev->time_ns < m->since_ns)
		return 0;
	if (m->c->ctl->json) {
		struct agw_json *w = &m->c->jw;

		agw_json_obj_open(w, NULL);
		agw_drop_event_json(w, ev);
		agw_json_obj_close(w);
	} else {
		endpoint_str(&ev->src, ev->sport, src, sizeof(src));
		endpoint_str(&ev->dst, ev->dport, dst, sizeof(dst));
		snprintf(slot, sizeof(slot), "%u", ev->slot);
		agwctl_drop_line(agw_gate_mono_to_real_ns(ev->time_ns),
				 agw_drop_reason_name(ev->reason), proto, src,
				 dst, ev->slot != UINT32_MAX ? slot : NULL,
				 ev->suppressed);
	}
	fflush(stdout);
	if (m->left > 0)
		m->left--;
	return 0;
}

static int cmd_monitor(struct gate_cmd *c, int argc, char **argv)
{
	struct monitor_ctx m = { .c = c, .left = -1 };
	struct agw_gate_monitor *mon = NULL;
	uint32_t rate = 0, burst = 0;
	struct agw_gate_cfg cfg;
	struct sigaction sa = { .sa_handler = on_monitor_signal };
	bool turned_on = false;
	uint64_t deadline = 0;
	uint32_t v;
	int i, err;

	for (i = 0; i < argc; i += 2) {
		if (i + 1 >= argc || parse_u32(argv[i + 1], &v))
			return agwctl_err(
				c->ctl,
				"usage: gate monitor [count N] [timeout SECONDS] [rate R [burst B]]");
		if (!strcmp(argv[i], "count"))
			m.left = v;
		else if (!strcmp(argv[i], "timeout"))
			deadline = v;
		else if (!strcmp(argv[i], "rate"))
			rate = v;
		else if (!strcmp(argv[i], "burst"))
			burst = v;
		else
			return agwctl_err(
				c->ctl,
				"usage: gate monitor [count N] [timeout SECONDS] [rate R [burst B]]");
	}
	if (open_gate(c, false))
		return 1;
	err = agw_gate_config_get(c->g, &cfg);
	if (err)
		return agwctl_err(c->ctl, "gate monitor: %s", strerror(-err));
	/* records are off: turn them on for as long as we read */
	if (!cfg.mon_rate || rate) {
		err = agw_gate_monitor_set(c->g, rate ?: 100, burst);
		if (err)
			return agwctl_err(c->ctl, "gate monitor: %s",
					  strerror(-err));
		turned_on = !cfg.mon_rate;
		fprintf(stderr, "agwctl: drop records on at %u/s per CPU%s\n",
			rate ?: 100,
			turned_on ? " until this monitor stops" : "");
	}
	err = agw_gate_monitor_open(c->g, print_drop, &m, &mon);
	if (err) {
		agwctl_err(c->ctl, "gate monitor: %s", strerror(-err));
		goto out;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	{
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		m.since_ns = ts.tv_sec * 1000000000ULL + ts.tv_nsec;
		if (deadline)
			deadline += ts.tv_sec;
	}
	/* ready: a test (or a human) may now make drops happen */
	fprintf(stderr, "agwctl: monitoring drops\n");
	while (!monitor_stop && m.left) {
		struct timespec ts;

		err = agw_gate_monitor_poll(mon, 200);
		if (err < 0) {
			agwctl_err(c->ctl, "gate monitor: %s", strerror(-err));
			break;
		}
		err = 0;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		if (deadline && (uint64_t)ts.tv_sec >= deadline)
			break;
	}
out:
	agw_gate_monitor_close(mon);
	if (turned_on)
		agw_gate_monitor_set(c->g, 0, 0);
	return err ? 1 : 0;
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
		{ "show", cmd_show },	  { "reconcile", cmd_reconcile },
		{ "h248", cmd_h248 },	  { "monitor", cmd_monitor },
	};
	struct gate_cmd c = { .ctl = ctl };
	const char *name;
	unsigned int i;
	int rc = -1;

	if (argc && !strcmp(argv[0], "--force")) {
		c.force = true;
		argc--;
		argv++;
	}
	name = argc ? argv[0] : "show";
	agw_strbuf_init(&c.jb);
	agw_json_init_file(&c.jw, &c.jb, stdout);
	agw_json_set_pretty(&c.jw, ctl->pretty);
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(name, cmds[i].name)) {
			rc = cmds[i].fn(&c, argc ? argc - 1 : 0,
					argc ? argv + 1 : argv);
			break;
		}
	if (rc < 0)
		rc = agwctl_err(ctl, "gate: unknown command \"%s\"", name);
	agw_gate_close(c.g);
	agw_strbuf_free(&c.jb);
	return rc;
}
