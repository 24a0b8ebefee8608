// SPDX-License-Identifier: GPL-2.0-only
/*
 * Configuration reload (SIGHUP).
 *
 * The configuration is read again exactly as at start (embedded default,
 * the file, the command line). Keys are compared on their printed form
 * (agw_config_print), so every key is covered without a list to keep in
 * step with lib/config.c. The keys in live_keys[] take effect at once
 * when they differ from what runs; any other key that differs from what
 * was loaded at start is logged as needing a restart and is not applied.
 * A file that does not load or validate changes nothing.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agw/log.h"
#include "agw/strbuf.h"
#include "agwd.h"
#include "ctx.h"

/*
 * Keys that change at run time: the log sink, the registration and
 * heartbeat timers (ctl/reg.c reads them from d->cfg each time it arms a
 * timer), and the MGC list (apply_mgc()). Everything else is held by an
 * object built at start: the tables sized by [limits], the realms' gate
 * attachments and port pools, the relay engine, the TLS context.
 */
static const char *const live_keys[] = {
	"h248.mgc",
	"log.level",
	"log.target",
	"timers.heartbeat_ms",
	"timers.registration_retry_ms",
	"timers.registration_retry_max_ms",
};

static bool is_live(const char *key)
{
	for (size_t i = 0; i < sizeof(live_keys) / sizeof(live_keys[0]); i++)
		if (!strcmp(key, live_keys[i]))
			return true;
	return false;
}

/* The printed configuration as lines "section.key = value". */
static char *flatten(const struct agw_config *cfg)
{
	char *text = NULL, *out = NULL, *save, *line, sect[64] = "";
	size_t len = 0, olen = 0;
	FILE *f = open_memstream(&text, &len);
	FILE *o;

	if (!f)
		return NULL;
	agw_config_print(cfg, f);
	fclose(f);
	o = open_memstream(&out, &olen);
	if (!o) {
		free(text);
		return NULL;
	}
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == ';')
			continue;
		if (line[0] == '[') {
			snprintf(sect, sizeof(sect), "%.*s",
				 (int)strcspn(line + 1, "]"), line + 1);
			continue;
		}
		fprintf(o, "%s.%s\n", sect, line);
	}
	fclose(o);
	free(text);
	return out;
}

/* The key of a flattened line ("log.level = info" -> "log.level"). */
static void line_key(const char *line, char *key, size_t len)
{
	size_t n = strcspn(line, "=\n");

	while (n && line[n - 1] == ' ')
		n--;
	snprintf(key, len, "%.*s", (int)n, line);
}

static bool has_line(const char *text, const char *line, size_t n)
{
	for (const char *p = text; *p;) {
		size_t l = strcspn(p, "\n");

		if (l == n && !memcmp(p, line, n))
			return true;
		p += l + (p[l] == '\n');
	}
	return false;
}

static bool listed(const struct agw_strbuf *sb, const char *key)
{
	size_t n = strlen(key);

	for (const char *p = sb->len ? sb->buf : ""; (p = strstr(p, key));
	     p += n)
		if ((p == sb->buf || p[-1] == ' ') && (!p[n] || p[n] == ','))
			return true;
	return false;
}

/*
 * Append to sb each key whose line is in a but not in b, once; live: only
 * the keys that change at run time, else only the others.
 */
static void changed_keys(const char *a, const char *b, bool live,
			 struct agw_strbuf *sb)
{
	char key[128];

	for (const char *p = a; *p;) {
		size_t l = strcspn(p, "\n");

		line_key(p, key, sizeof(key));
		if (is_live(key) == live && !has_line(b, p, l) &&
		    !listed(sb, key))
			agw_strbuf_printf(sb, "%s%s", sb->len ? ", " : "", key);
		p += l + (p[l] == '\n');
	}
}

/* Drop key from the comma-separated list in sb. */
static void unlist(struct agw_strbuf *sb, const char *key)
{
	struct agw_strbuf out = { 0 };
	char k[128];

	for (const char *p = sb->len ? sb->buf : ""; *p;) {
		size_t l = strcspn(p, ",");

		snprintf(k, sizeof(k), "%.*s", (int)l, p);
		if (strcmp(k, key))
			agw_strbuf_printf(&out, "%s%s", out.len ? ", " : "", k);
		p += l;
		while (*p == ',' || *p == ' ')
			p++;
	}
	agw_strbuf_free(sb);
	*sb = out;
}

static void mgc_list(const struct agw_sockaddr *m, unsigned int n,
		     struct agw_strbuf *sb)
{
	char a[AGW_ADDRSTRLEN];

	for (unsigned int i = 0; i < n; i++)
		agw_strbuf_printf(sb, "%s%s", i ? ", " : "",
				  agw_sockaddr_str(&m[i], true, a, sizeof(a)));
}

/*
 * [h248] mgc: the transport's allow-list and per-MGC UDP sockets, the
 * gate's H.248 guard, and the association: kept when its MGC stays in the
 * list (at its new index), else agwd registers with the first MGC of the
 * new list (agwd_reg_mgc_removed()). -errno when the transport could not
 * take the list: then nothing changed.
 */
static int apply_mgc(struct agwd *d, const struct agw_config *n)
{
	struct agw_strbuf was = { 0 }, now = { 0 };
	struct agw_sockaddr gone = d->mgc_addr;
	char a[AGW_ADDRSTRLEN], b[AGW_ADDRSTRLEN];
	int cur = -ENOENT, err;

	err = agw_h248_transport_set_mgc(d->h248, n->mgc, n->nmgc, NULL);
	if (err) {
		agw_err("SIGHUP: h248.mgc not applied (the MGC sockets): %s",
			strerror(-err));
		return err;
	}
	mgc_list(d->cfg.mgc, d->cfg.nmgc, &was);
	mgc_list(n->mgc, n->nmgc, &now);
	memcpy(d->cfg.mgc, n->mgc, sizeof(d->cfg.mgc));
	d->cfg.nmgc = n->nmgc;
	memcpy(d->loaded.mgc, n->mgc, sizeof(d->loaded.mgc));
	d->loaded.nmgc = n->nmgc;
	for (unsigned int i = 0; i < n->nmgc; i++)
		if (agw_sockaddr_same_host(&n->mgc[i], &gone) &&
		    agw_sockaddr_port(&n->mgc[i]) == agw_sockaddr_port(&gone))
			cur = (int)i;
	agw_notice(
		"SIGHUP: h248.mgc: [%s] -> [%s]: allow-list and per-MGC UDP sockets replaced",
		was.len ? was.buf : "", now.len ? now.buf : "");
	err = agwd_gate_h248_guard(d);
	if (!err)
		agw_notice(
			"SIGHUP: h248.mgc: gate H.248 guard on port %u: %u MGC%s",
			agw_sockaddr_port(&d->cfg.local), d->cfg.nmgc,
			d->cfg.nmgc == 1 ? "" : "s");
	agw_sockaddr_str(&gone, true, a, sizeof(a));
	if (agw_timer_armed(&d->handoff_timer)) {
		/* it names its MGC by an index of the old list */
		agw_timer_stop(d->loop, &d->handoff_timer);
		agw_notice(
			"SIGHUP: h248.mgc: the MGC's pending HandOff is dropped");
	}
	if (cur >= 0) {
		d->mgc_idx = (unsigned int)cur;
		agw_notice("SIGHUP: h248.mgc: the association (%s, %s) stays",
			   a, agwd_reg_state_name(d->reg));
	} else {
		agw_notice(
			"SIGHUP: h248.mgc: %s (%s) left the list: registering with %s",
			a, agwd_reg_state_name(d->reg),
			agw_sockaddr_str(&n->mgc[0], true, b, sizeof(b)));
		agwd_reg_mgc_removed(d, &gone);
	}
	agw_strbuf_free(&was);
	agw_strbuf_free(&now);
	return 0;
}

static void apply_log(struct agwd *d, const struct agw_config *n)
{
	int target = n->log_target;

	if (target != d->cfg.log_target)
		agw_log_open("agwd", target, n->log_level);
	else
		agw_log_set_level(n->log_level);
	d->cfg.log_target = target;
	d->cfg.log_level = n->log_level;
}

void agwd_reload(struct agwd *d)
{
	struct agw_config *n = calloc(1, sizeof(*n));
	struct agw_strbuf live = { 0 }, restart = { 0 };
	char err[AGW_CFG_ERR_MAX], *now = NULL, *then = NULL, *loaded = NULL;

	agw_log_reopen();
	if (!n) {
		agw_err("SIGHUP: reload: %s", strerror(ENOMEM));
		return;
	}
	if (agwd_load_config(d, n, err, sizeof(err))) {
		agw_err("SIGHUP: configuration not reloaded, nothing changed: %s",
			err);
		goto out;
	}
	if (!d->opt.foreground && n->log_target == AGW_LOG_STDERR)
		n->log_target = AGW_LOG_SYSLOG; /* as at start: no stderr */
	/* live keys against what runs (agwctl loglevel may have changed
	 * it), the others against what was loaded at start (agwd fills
	 * some in, e.g. the TLS paths) */
	now = flatten(&d->cfg);
	then = flatten(n);
	loaded = flatten(&d->loaded);
	if (!now || !then || !loaded) {
		agw_err("SIGHUP: reload: %s", strerror(ENOMEM));
		goto out;
	}
	changed_keys(then, now, true, &live);
	changed_keys(then, loaded, false, &restart);
	changed_keys(loaded, then, false, &restart); /* keys that went away */
	if (restart.len)
		agw_warn("SIGHUP: %s: changed, not applied until a restart: %s",
			 agwd_config_source(d), restart.buf);
	if (listed(&live, "h248.mgc") && apply_mgc(d, n))
		unlist(&live, "h248.mgc");
	if (live.len) {
		apply_log(d, n);
		d->cfg.heartbeat_ms = n->heartbeat_ms;
		d->cfg.reg_retry_ms = n->reg_retry_ms;
		d->cfg.reg_retry_max_ms = n->reg_retry_max_ms;
		d->loaded.log_level = n->log_level;
		d->loaded.log_target = n->log_target;
		d->loaded.heartbeat_ms = n->heartbeat_ms;
		d->loaded.reg_retry_ms = n->reg_retry_ms;
		d->loaded.reg_retry_max_ms = n->reg_retry_max_ms;
		agw_notice("SIGHUP: %s: applied %s", agwd_config_source(d),
			   live.buf);
	} else if (!restart.len) {
		agw_notice("SIGHUP: %s: reloaded, no change",
			   agwd_config_source(d));
	}
out:
	agw_strbuf_free(&live);
	agw_strbuf_free(&restart);
	free(now);
	free(then);
	free(loaded);
	free(n);
}
