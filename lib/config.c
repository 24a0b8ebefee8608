// SPDX-License-Identifier: GPL-2.0-only
/*
 * agwd configuration parser: inih reads the INI syntax, this file checks
 * every key. The embedded default goes through the same parser as a file,
 * so it can never hold a value the file could not.
 */
#include <errno.h>
#include <grp.h>
#include <ini.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "agw/addr.h"
#include "agw/config.h"
#include "agw/gate.h"
#include "agw/log.h"

/*
 * Works on a fresh machine: agwd and an MGC on one host share loopback, so
 * the MGC gets port 2945 (both cannot own 2944 on one address); realm
 * "default" is lo, where only generic XDP attaches.
 */
/* clang-format off */
const char agw_config_default_ini[] =
	"[agwd]\n"
	"mid = [127.0.0.1]:2944\n"
	"state_dir = /var/lib/agw\n"
	"control_socket = /run/agw/agwd.sock\n"
	"control_socket_group =\n"
	"control_socket_mode = 0660\n"
	"gate_pin_dir = /sys/fs/bpf/agw\n"
	"[h248]\n"
	"mgc = 127.0.0.1:2945\n"
	"transport = udp\n"
	"address = 127.0.0.1\n"
	"port = 2944\n"
	"profile = agw/1\n"
	"on_mgc_loss = keep\n"
	"graceful_delay_s = 0\n"
	"active_open_source = announced\n"
	"synlink_default = off\n"
	"[limits]\n"
	"contexts = 65536\n"
	"terminations = 131072\n"
	"[timers]\n"
	"pending_ms = 500\n"
	"long_timer_ms = 30000\n"
	"registration_retry_ms = 1000\n"
	"registration_retry_max_ms = 32000\n"
	"heartbeat_ms = 30000\n"
	"tpkt_timeout_ms = 5000\n"
	"[log]\n"
	"level = info\n"
	"target = stderr\n"
	"[metrics]\n"
	"listen = off\n"
	"[relay]\n"
	"path = auto\n"
	"max_unsent = 0\n"
	"drain_timeout_ms = 30000\n"
	"release_drain_ms = 3000\n"
	"bpf = on\n"
	"[realm default]\n"
	"interface = lo\n"
	"ports = 20000-39999\n"
	"attach = xdp-generic\n";
/* clang-format on */

struct parse_ctx {
	struct agw_config *cfg;
	const char *name; /* file name for messages */
	int line;
	bool is_default;
	/* string reader */
	const char *pos;
	/* file reader */
	FILE *f;
	char *err;
	size_t errlen;
	int rc;
};

static int fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* ---- value parsers: return NULL or a reason -------------------------- */

static const char *parse_u32(const char *v, uint32_t min, uint32_t max,
			     uint32_t *out)
{
	char *end;
	unsigned long long x;

	if (!*v || *v == '-' || *v == '+')
		return "not an unsigned number";
	errno = 0;
	x = strtoull(v, &end, 10);
	if (errno || *end)
		return "not an unsigned number";
	if (x < min || x > max)
		return "out of range";
	*out = x;
	return NULL;
}

static const char *copy_str(const char *v, char *dst, size_t len)
{
	if (strlen(v) >= len)
		return "too long";
	strcpy(dst, v);
	return NULL;
}

static const char *copy_path(const char *v, char *dst, size_t len)
{
	if (v[0] != '/')
		return "must be an absolute path";
	return copy_str(v, dst, len);
}

/* A group name (or number) that exists here; "" for agwd's own. */
static const char *set_group(const char *v, struct agw_config *cfg)
{
	char buf[4096], *end;
	struct group gr, *res = NULL;
	unsigned long n;

	if (!v[0]) {
		cfg->control_socket_group[0] = 0;
		cfg->control_socket_gid = (gid_t)-1;
		return NULL;
	}
	if (strlen(v) >= sizeof(cfg->control_socket_group))
		return "too long";
	if (getgrnam_r(v, &gr, buf, sizeof(buf), &res) || !res) {
		n = strtoul(v, &end, 10);
		if (v[0] < '0' || v[0] > '9' || *end || n >= (gid_t)-1 ||
		    getgrgid_r((gid_t)n, &gr, buf, sizeof(buf), &res) || !res)
			return "no such group";
	}
	strcpy(cfg->control_socket_group, v);
	cfg->control_socket_gid = res->gr_gid;
	return NULL;
}

/*
 * H.248.1 text mId: an IP address in brackets or a domain name in angle
 * brackets, each with an optional port.
 */
static const char *check_mid(const char *v)
{
	const char *close, *p;
	char ip[64];
	struct agw_sockaddr sa;
	uint32_t port;

	if (v[0] == '[') {
		close = strchr(v, ']');
		if (!close || close - v - 1 >= (long)sizeof(ip))
			return "expected [address] or <domain>, optional :port";
		memcpy(ip, v + 1, close - v - 1);
		ip[close - v - 1] = 0;
		if (agw_sockaddr_parse_ip(ip, &sa))
			return "not an IP address in brackets";
	} else if (v[0] == '<') {
		close = strchr(v, '>');
		if (!close || close == v + 1)
			return "expected [address] or <domain>, optional :port";
		for (p = v + 1; p < close; p++)
			if (!(*p == '.' || *p == '-' ||
			      (*p >= '0' && *p <= '9') ||
			      (*p >= 'a' && *p <= 'z') ||
			      (*p >= 'A' && *p <= 'Z')))
				return "bad character in domain name";
	} else {
		return "expected [address] or <domain>, optional :port";
	}
	if (!close[1])
		return NULL;
	if (close[1] != ':' || parse_u32(close + 2, 1, 65535, &port))
		return "bad port after the address";
	return NULL;
}

/* Split a comma/space separated list; calls fn for each item. */
static const char *for_each_item(const char *v, void *arg,
				 const char *(*fn)(const char *item, void *arg))
{
	char buf[512], *save, *tok;
	const char *why;

	if (strlen(v) >= sizeof(buf))
		return "too long";
	strcpy(buf, v);
	for (tok = strtok_r(buf, ", \t", &save); tok;
	     tok = strtok_r(NULL, ", \t", &save)) {
		why = fn(tok, arg);
		if (why)
			return why;
	}
	return NULL;
}

static const char *add_mgc(const char *item, void *arg)
{
	struct agw_config *cfg = arg;

	if (cfg->nmgc == AGW_CFG_MAX_MGC)
		return "too many MGC addresses (at most 4)";
	if (agw_sockaddr_parse(item, 2944, &cfg->mgc[cfg->nmgc]))
		return "not an address[:port] or resolvable host";
	cfg->nmgc++;
	return NULL;
}

static const char *add_transport(const char *item, void *arg)
{
	struct agw_config *cfg = arg;

	if (!strcasecmp(item, "udp"))
		cfg->udp = true;
	else if (!strcasecmp(item, "tcp"))
		cfg->tcp = true;
	else
		return "expected udp, tcp or udp,tcp";
	return NULL;
}

static const char *add_realm_addr(const char *item, void *arg)
{
	struct agw_realm_cfg *r = arg;

	if (r->naddrs == AGW_CFG_MAX_REALM_ADDRS)
		return "too many addresses (at most 8)";
	if (agw_sockaddr_parse_ip(item, &r->addrs[r->naddrs]))
		return "not an IP address";
	r->naddrs++;
	return NULL;
}

static const char *parse_ports(const char *v, struct agw_realm_cfg *r)
{
	uint16_t lo, hi;

	if (agw_port_range_parse(v, &lo, &hi) || !lo)
		return "expected MIN-MAX, ports 1..65535, MIN <= MAX";
	r->port_min = lo;
	r->port_max = hi;
	return NULL;
}

/* The gate's names: xdp, xdp-generic, tc (tcx, else clsact), tcx, clsact,
 * none (lib/gate.c). */
static const char *parse_attach(const char *v, enum agw_attach_mode *m)
{
	if (agw_attach_mode_parse(v, m))
		return "expected xdp, xdp-generic, tc, tcx, clsact or none";
	return NULL;
}

static const char *parse_on_off(const char *v, bool *out)
{
	if (!strcasecmp(v, "on") || !strcasecmp(v, "yes") ||
	    !strcasecmp(v, "true") || !strcmp(v, "1"))
		*out = true;
	else if (!strcasecmp(v, "off") || !strcasecmp(v, "no") ||
		 !strcasecmp(v, "false") || !strcmp(v, "0"))
		*out = false;
	else
		return "expected on or off";
	return NULL;
}

/* ---- keys ------------------------------------------------------------- */

/* [relay]: NULL when set, a reason, or "unknown key". */
static const char *set_relay_key(struct agw_config *cfg, const char *key,
				 const char *v)
{
	int p;

	if (!strcmp(key, "path")) {
		p = agw_relay_path_parse(v);
		if (p < 0)
			return "expected auto, sockmap, splice or copy";
		cfg->relay_path = p;
		return NULL;
	}
	if (!strcmp(key, "max_unsent"))
		return parse_u32(v, 0, 1U << 30, &cfg->relay_max_unsent);
	if (!strcmp(key, "drain_timeout_ms"))
		return parse_u32(v, 1, 3600000, &cfg->relay_drain_ms);
	if (!strcmp(key, "release_drain_ms"))
		return parse_u32(v, 1, 3600000, &cfg->relay_release_ms);
	if (!strcmp(key, "bpf"))
		return parse_on_off(v, &cfg->relay_bpf);
	if (!strcmp(key, "pin_dir")) {
		if (!*v) { /* back to the default */
			cfg->relay_pin_dir[0] = 0;
			return NULL;
		}
		return copy_path(v, cfg->relay_pin_dir,
				 sizeof(cfg->relay_pin_dir));
	}
	return "unknown key";
}

static const char *set_realm_key(struct agw_config *cfg, const char *rname,
				 const char *key, const char *v,
				 bool is_default)
{
	struct agw_realm_cfg *r = NULL;
	const char *why;
	unsigned int i;

	if (!*rname || strlen(rname) >= AGW_CFG_NAME_MAX)
		return "realm name missing or too long";
	for (const char *p = rname; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '-' || *p == '_'))
			return "realm name may hold only letters, digits, - and _";
	if (!is_default && cfg->realms_from_default) {
		cfg->nrealms = 0;
		cfg->realms_from_default = false;
	}
	for (i = 0; i < cfg->nrealms; i++)
		if (!strcmp(cfg->realms[i].name, rname))
			r = &cfg->realms[i];
	if (!r && strcmp(key, "interface") && strcmp(key, "addresses") &&
	    strcmp(key, "ports") && strcmp(key, "attach") &&
	    strcmp(key, "synlink_default"))
		return "unknown key";
	if (!r) {
		if (cfg->nrealms == AGW_CFG_MAX_REALMS)
			return "too many realms (at most 8)";
		r = &cfg->realms[cfg->nrealms++];
		memset(r, 0, sizeof(*r));
		strcpy(r->name, rname);
		r->port_min = 20000;
		r->port_max = 39999;
		r->attach = AGW_ATTACH_XDP_NATIVE;
		r->synlink = -1;
	}
	if (!strcmp(key, "interface")) {
		if (!*v)
			return "empty";
		return copy_str(v, r->ifname, sizeof(r->ifname));
	}
	if (!strcmp(key, "addresses")) {
		r->naddrs = 0;
		return for_each_item(v, r, add_realm_addr);
	}
	if (!strcmp(key, "ports"))
		return parse_ports(v, r);
	if (!strcmp(key, "attach"))
		return parse_attach(v, &r->attach);
	if (!strcmp(key, "synlink_default")) {
		bool on;

		if (!strcmp(v, "inherit")) {
			r->synlink = -1;
			return NULL;
		}
		why = parse_on_off(v, &on);
		if (!why)
			r->synlink = on;
		return why ? "expected on, off or inherit" : NULL;
	}
	return "unknown key";
}

/* "NAME/VERSION" (H.248.1 serviceChangeProfile), or "none". */
static const char *parse_profile(const char *v, char *out, size_t size)
{
	const char *slash = strchr(v, '/');

	if (!strcmp(v, "none")) {
		out[0] = 0;
		return NULL;
	}
	if (!slash || slash == v || !slash[1] ||
	    strspn(slash + 1, "0123456789") != strlen(slash + 1) ||
	    strcspn(v, " \t\",{}=") != strlen(v))
		return "NAME/VERSION or none expected";
	return copy_str(v, out, size);
}

#define SEC(a, b) (!strcmp(section, a) && !strcmp(key, b))

static const char *set_key(struct agw_config *cfg, const char *section,
			   const char *key, const char *v, bool is_default)
{
	const char *why;
	uint32_t u;
	int x;

	if (!strncmp(section, "realm ", 6))
		return set_realm_key(cfg, section + 6, key, v, is_default);
	if (!strcmp(section, "relay"))
		return set_relay_key(cfg, key, v);
	if (SEC("agwd", "mid")) {
		why = check_mid(v);
		return why ? why : copy_str(v, cfg->mid, sizeof(cfg->mid));
	}
	if (SEC("agwd", "state_dir"))
		return copy_path(v, cfg->state_dir, sizeof(cfg->state_dir));
	if (SEC("agwd", "control_socket"))
		return copy_path(v, cfg->control_socket,
				 sizeof(cfg->control_socket));
	if (SEC("agwd", "control_socket_group"))
		return set_group(v, cfg);
	if (SEC("agwd", "control_socket_mode")) {
		char *end;
		unsigned long m = strtoul(v, &end, 8);

		if (!v[0] || *end || v[0] == '-' || v[0] == '+' ||
		    strspn(v, "01234567") != strlen(v) || m > 0777)
			return "expected an octal mode up to 0777";
		cfg->control_socket_mode = (unsigned int)m;
		return NULL;
	}
	if (SEC("agwd", "gate_pin_dir"))
		return copy_path(v, cfg->gate_pin_dir,
				 sizeof(cfg->gate_pin_dir));
	if (SEC("h248", "mgc")) {
		cfg->nmgc = 0;
		why = for_each_item(v, cfg, add_mgc);
		return why ? why : cfg->nmgc ? NULL : "empty";
	}
	if (SEC("h248", "transport")) {
		cfg->udp = cfg->tcp = false;
		why = for_each_item(v, cfg, add_transport);
		return why ? why : (cfg->udp || cfg->tcp) ? NULL : "empty";
	}
	if (SEC("h248", "address")) {
		uint16_t port = agw_sockaddr_port(&cfg->local);

		if (agw_sockaddr_parse_ip(v, &cfg->local))
			return "not an IP address";
		agw_sockaddr_set_port(&cfg->local, port);
		return NULL;
	}
	if (SEC("h248", "port")) {
		why = parse_u32(v, 1, 65535, &u);
		if (!why)
			agw_sockaddr_set_port(&cfg->local, u);
		return why;
	}
	if (SEC("h248", "profile"))
		return parse_profile(v, cfg->sc_profile,
				     sizeof(cfg->sc_profile));
	if (SEC("h248", "on_mgc_loss")) {
		if (strcmp(v, "keep") && strcmp(v, "release"))
			return "keep or release expected";
		cfg->mgc_loss_release = !strcmp(v, "release");
		return NULL;
	}
	if (SEC("h248", "graceful_delay_s"))
		return parse_u32(v, 0, 86400, &cfg->graceful_delay_s);
	if (SEC("h248", "active_open_source")) {
		if (!strcmp(v, "announced"))
			cfg->active_open_ephemeral = false;
		else if (!strcmp(v, "ephemeral"))
			cfg->active_open_ephemeral = true;
		else
			return "expected announced or ephemeral";
		return NULL;
	}
	if (SEC("h248", "synlink_default"))
		return parse_on_off(v, &cfg->synlink_default);
	if (SEC("limits", "contexts"))
		return parse_u32(v, 1, 1 << 24, &cfg->max_contexts);
	if (SEC("limits", "terminations"))
		return parse_u32(v, 2, 1 << 24, &cfg->max_terminations);
	if (SEC("timers", "pending_ms"))
		return parse_u32(v, 10, 600000, &cfg->pending_ms);
	if (SEC("timers", "long_timer_ms"))
		return parse_u32(v, 1000, 3600000, &cfg->long_timer_ms);
	if (SEC("timers", "registration_retry_ms"))
		return parse_u32(v, 10, 3600000, &cfg->reg_retry_ms);
	if (SEC("timers", "registration_retry_max_ms"))
		return parse_u32(v, 10, 3600000, &cfg->reg_retry_max_ms);
	if (SEC("timers", "heartbeat_ms"))
		return parse_u32(v, 0, 3600000, &cfg->heartbeat_ms);
	if (SEC("timers", "tpkt_timeout_ms"))
		return parse_u32(v, 100, 600000, &cfg->tpkt_timeout_ms);
	if (SEC("tls", "key"))
		return copy_path(v, cfg->tls_key, sizeof(cfg->tls_key));
	if (SEC("tls", "cert"))
		return copy_path(v, cfg->tls_cert, sizeof(cfg->tls_cert));
	if (SEC("tls", "ktls13_tx"))
		return parse_on_off(v, &cfg->tls_ktls13_tx);
	if (SEC("log", "level")) {
		x = agw_log_level_parse(v);
		if (x < 0)
			return "expected err, warning, notice, info or debug";
		cfg->log_level = x;
		return NULL;
	}
	if (SEC("log", "target")) {
		x = agw_log_target_parse(v);
		if (x < 0)
			return "expected stderr, syslog or journald";
		cfg->log_target = x;
		return NULL;
	}
	if (SEC("metrics", "listen")) {
		cfg->metrics_on = strcmp(v, "off") != 0;
		if (cfg->metrics_on &&
		    (agw_sockaddr_parse(v, 0, &cfg->metrics_listen) ||
		     !agw_sockaddr_port(&cfg->metrics_listen)))
			return "expected off or ADDRESS:PORT";
		return NULL;
	}
	if (strcmp(section, "agwd") && strcmp(section, "h248") &&
	    strcmp(section, "limits") && strcmp(section, "timers") &&
	    strcmp(section, "tls") && strcmp(section, "log") &&
	    strcmp(section, "metrics"))
		return "unknown section";
	return "unknown key";
}

int agw_config_set(struct agw_config *cfg, const char *section, const char *key,
		   const char *value, const char *where, char *err,
		   size_t errlen)
{
	const char *why = set_key(cfg, section, key, value, false);

	if (why)
		return fail(err, errlen, "%s: [%s] %s = '%s': %s", where,
			    section, key, value, why);
	return 0;
}

/* ---- inih glue -------------------------------------------------------- */

static int on_key(void *user, const char *section, const char *key,
		  const char *value)
{
	struct parse_ctx *c = user;
	const char *why;

	/* What --print-config writes must read back: inih takes " ;" as
	 * the start of a comment, and reads lines of INI_MAX_LINE - 1 bytes
	 * at most ("key = value\n"). */
	if (value[0] == ';')
		why = "a value may not begin with ';' (read back as a comment)";
	else if (strlen(key) + strlen(value) + 4 >= INI_MAX_LINE)
		why = "too long: 'key = value' must fit in a line of the INI reader";
	else
		why = set_key(c->cfg, section, key, value, c->is_default);

	if (why && !c->rc) {
		if (!strcmp(why, "unknown section"))
			fail(c->err, c->errlen, "%s:%d: unknown section [%s]",
			     c->name, c->line, section);
		else
			fail(c->err, c->errlen, "%s:%d: [%s] %s = '%s': %s",
			     c->name, c->line, section, key, value, why);
		c->rc = -EINVAL;
	}
	return !why;
}

/* inih reads one line per call: counting calls gives the line number. */
static char *read_string_line(char *str, int num, void *stream)
{
	struct parse_ctx *c = stream;
	int n = 0;

	if (!*c->pos)
		return NULL;
	while (n < num - 1 && c->pos[n] && c->pos[n] != '\n')
		n++;
	if (c->pos[n] == '\n' && n < num - 1)
		n++;
	memcpy(str, c->pos, n);
	str[n] = 0;
	c->pos += n;
	c->line++;
	return str;
}

static char *read_file_line(char *str, int num, void *stream)
{
	struct parse_ctx *c = stream;
	char *r = fgets(str, num, c->f);

	if (r)
		c->line++;
	return r;
}

static int finish_parse(struct parse_ctx *c, int r)
{
	if (c->rc)
		return c->rc;
	if (r > 0)
		return fail(
			c->err, c->errlen,
			"%s:%d: syntax error (expected [section] or key = value)",
			c->name, r);
	if (r < 0)
		return fail(c->err, c->errlen, "%s: out of memory", c->name);
	return 0;
}

int agw_config_parse_string(struct agw_config *cfg, const char *text,
			    const char *name, char *err, size_t errlen)
{
	struct parse_ctx c = { .cfg = cfg,
			       .name = name,
			       .pos = text,
			       .err = err,
			       .errlen = errlen };

	return finish_parse(&c,
			    ini_parse_stream(read_string_line, &c, on_key, &c));
}

static int parse_default(struct agw_config *cfg, char *err, size_t errlen)
{
	struct parse_ctx c = { .cfg = cfg,
			       .name = "(embedded default)",
			       .pos = agw_config_default_ini,
			       .is_default = true,
			       .err = err,
			       .errlen = errlen };
	int r;

	memset(cfg, 0, sizeof(*cfg));
	r = finish_parse(&c,
			 ini_parse_stream(read_string_line, &c, on_key, &c));
	cfg->realms_from_default = true;
	return r;
}

int agw_config_load(struct agw_config *cfg, const char *path, char *err,
		    size_t errlen)
{
	struct parse_ctx c = {
		.cfg = cfg, .name = path, .err = err, .errlen = errlen
	};
	int r = parse_default(cfg, err, errlen);

	if (r || !path)
		return r;
	c.f = fopen(path, "r");
	if (!c.f) {
		r = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(-r));
		return r;
	}
	r = finish_parse(&c, ini_parse_stream(read_file_line, &c, on_key, &c));
	fclose(c.f);
	return r;
}

int agw_config_validate(const struct agw_config *cfg, const char *where,
			char *err, size_t errlen)
{
	char pin[AGW_CFG_PATH_MAX];

	if (!cfg->nmgc)
		return fail(err, errlen, "%s: [h248] mgc: no MGC address",
			    where);
	if (!cfg->udp && !cfg->tcp)
		return fail(err, errlen, "%s: [h248] transport: none", where);
	if (cfg->reg_retry_max_ms < cfg->reg_retry_ms)
		return fail(
			err, errlen,
			"%s: [timers] registration_retry_max_ms is below registration_retry_ms",
			where);
	if (agw_config_relay_pin_dir(cfg, pin, sizeof(pin)))
		return fail(err, errlen, "%s: [relay] pin_dir: too long",
			    where);
	if (!cfg->nrealms)
		return fail(err, errlen, "%s: no [realm NAME] section", where);
	for (unsigned int i = 0; i < cfg->nrealms; i++) {
		const struct agw_realm_cfg *r = &cfg->realms[i];

		if (!r->ifname[0])
			return fail(err, errlen,
				    "%s: [realm %s] interface: missing", where,
				    r->name);
		for (unsigned int j = 0; j < i; j++) {
			const struct agw_realm_cfg *o = &cfg->realms[j];

			if (!strcmp(r->ifname, o->ifname) &&
			    r->port_min <= o->port_max &&
			    o->port_min <= r->port_max)
				return fail(
					err, errlen,
					"%s: [realm %s] ports: %u-%u overlap realm %s on the same interface %s",
					where, r->name, r->port_min,
					r->port_max, o->name, r->ifname);
		}
	}
	return 0;
}

int agw_config_relay_pin_dir(const struct agw_config *cfg, char *buf,
			     size_t len)
{
	int n = cfg->relay_pin_dir[0] ?
			snprintf(buf, len, "%s", cfg->relay_pin_dir) :
			snprintf(buf, len, "%s/relay", cfg->gate_pin_dir);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* The bytes of the relay pin_dir comment line besides the path. */
#define PIN_COMMENT_FIXED "; pin_dir =  (gate_pin_dir/relay)\n"

static void print_relay(const struct agw_config *cfg, FILE *f)
{
	char pin[AGW_CFG_PATH_MAX];

	fprintf(f,
		"\n[relay]\npath = %s\nmax_unsent = %u\n"
		"drain_timeout_ms = %u\nrelease_drain_ms = %u\nbpf = %s\n",
		agw_relay_path_name(cfg->relay_path), cfg->relay_max_unsent,
		cfg->relay_drain_ms, cfg->relay_release_ms,
		cfg->relay_bpf ? "on" : "off");
	/* The derived default stays derived (a comment) so that the
	 * printed file still follows gate_pin_dir; the comment names the
	 * path only where its line fits the INI reader's (a longer line
	 * would be read back as two, the second not a comment). */
	if (cfg->relay_pin_dir[0])
		fprintf(f, "pin_dir = %s\n", cfg->relay_pin_dir);
	else if (!agw_config_relay_pin_dir(cfg, pin, sizeof(pin)) &&
		 strlen(pin) + sizeof(PIN_COMMENT_FIXED) <= INI_MAX_LINE)
		fprintf(f, "; pin_dir = %s (gate_pin_dir/relay)\n", pin);
	else
		fputs("; pin_dir = gate_pin_dir/relay\n", f);
}

void agw_config_print(const struct agw_config *cfg, FILE *f)
{
	char a[AGW_ADDRSTRLEN];

	fprintf(f,
		"[agwd]\nmid = %s\nstate_dir = %s\ncontrol_socket = %s\n"
		"control_socket_group =%s%s\ncontrol_socket_mode = %04o\n"
		"gate_pin_dir = %s\n",
		cfg->mid, cfg->state_dir, cfg->control_socket,
		cfg->control_socket_group[0] ? " " : "",
		cfg->control_socket_group, cfg->control_socket_mode,
		cfg->gate_pin_dir);
	fprintf(f, "\n[h248]\nmgc =");
	for (unsigned int i = 0; i < cfg->nmgc; i++)
		fprintf(f, "%s %s", i ? "," : "",
			agw_sockaddr_str(&cfg->mgc[i], true, a, sizeof(a)));
	fprintf(f, "\ntransport = %s\n",
		cfg->udp && cfg->tcp ? "udp,tcp" :
		cfg->udp	     ? "udp" :
				       "tcp");
	fprintf(f, "address = %s\nport = %u\n",
		agw_sockaddr_str(&cfg->local, false, a, sizeof(a)),
		agw_sockaddr_port(&cfg->local));
	fprintf(f, "profile = %s\non_mgc_loss = %s\ngraceful_delay_s = %u\n",
		cfg->sc_profile[0] ? cfg->sc_profile : "none",
		cfg->mgc_loss_release ? "release" : "keep",
		cfg->graceful_delay_s);
	fprintf(f, "active_open_source = %s\nsynlink_default = %s\n",
		cfg->active_open_ephemeral ? "ephemeral" : "announced",
		cfg->synlink_default ? "on" : "off");
	fprintf(f, "\n[limits]\ncontexts = %u\nterminations = %u\n",
		cfg->max_contexts, cfg->max_terminations);
	fprintf(f,
		"\n[timers]\npending_ms = %u\nlong_timer_ms = %u\n"
		"registration_retry_ms = %u\nregistration_retry_max_ms = %u\n"
		"heartbeat_ms = %u\ntpkt_timeout_ms = %u\n",
		cfg->pending_ms, cfg->long_timer_ms, cfg->reg_retry_ms,
		cfg->reg_retry_max_ms, cfg->heartbeat_ms, cfg->tpkt_timeout_ms);
	/* unset: state_dir/tls-{key,cert}.pem, created at first start */
	fprintf(f, "\n[tls]\n");
	if (*cfg->tls_key)
		fprintf(f, "key = %s\n", cfg->tls_key);
	if (*cfg->tls_cert)
		fprintf(f, "cert = %s\n", cfg->tls_cert);
	fprintf(f, "ktls13_tx = %s\n", cfg->tls_ktls13_tx ? "on" : "off");
	fprintf(f, "\n[log]\nlevel = %s\ntarget = %s\n",
		agw_log_level_name(cfg->log_level),
		agw_log_target_name(cfg->log_target));
	fprintf(f, "\n[metrics]\nlisten = %s\n",
		cfg->metrics_on ? agw_sockaddr_str(&cfg->metrics_listen, true,
						   a, sizeof(a)) :
				  "off");
	print_relay(cfg, f);
	for (unsigned int i = 0; i < cfg->nrealms; i++) {
		const struct agw_realm_cfg *r = &cfg->realms[i];

		fprintf(f, "\n[realm %s]\ninterface = %s\n", r->name,
			r->ifname);
		if (r->naddrs) {
			fprintf(f, "addresses =");
			for (unsigned int j = 0; j < r->naddrs; j++)
				fprintf(f, "%s %s", j ? "," : "",
					agw_sockaddr_str(&r->addrs[j], false, a,
							 sizeof(a)));
			fprintf(f, "\n");
		}
		fprintf(f, "ports = %u-%u\nattach = %s\n", r->port_min,
			r->port_max, agw_attach_mode_name(r->attach));
		if (r->synlink >= 0)
			fprintf(f, "synlink_default = %s\n",
				r->synlink ? "on" : "off");
	}
}

const struct agw_realm_cfg *agw_config_realm(const struct agw_config *cfg,
					     const char *name)
{
	for (unsigned int i = 0; i < cfg->nrealms; i++)
		if (!strcmp(cfg->realms[i].name, name))
			return &cfg->realms[i];
	return NULL;
}

bool agw_config_synlink_default(const struct agw_config *cfg,
				const struct agw_realm_cfg *r)
{
	return r && r->synlink >= 0 ? r->synlink : cfg->synlink_default;
}
