// SPDX-License-Identifier: GPL-2.0-only
/*
 * Changing a parsed SDP body: what agwd fills in for the MGC's "$"
 * (address, port) and the attributes it adds or replaces (a=fingerprint,
 * a=setup, ...). Values are copied into the structure's pool.
 */
#include <errno.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "sdp_priv.h"

int agw_sdp_addr_set(struct agw_sdp_addr *addr, int af, const void *bin)
{
	if (af == AF_INET) {
		memset(addr, 0, sizeof(*addr));
		addr->family = AGW_SDP_FAMILY_IP4;
		addr->kind = AGW_SDP_ADDR_IP4;
		memcpy(&addr->v4, bin, sizeof(addr->v4));
		return 0;
	}
	if (af == AF_INET6) {
		memset(addr, 0, sizeof(*addr));
		addr->family = AGW_SDP_FAMILY_IP6;
		addr->kind = AGW_SDP_ADDR_IP6;
		memcpy(&addr->v6, bin, sizeof(addr->v6));
		return 0;
	}
	return -EAFNOSUPPORT;
}

static bool level_ok(const struct agw_sdp *sdp, int media)
{
	return media >= -1 && media < (int)sdp->n_media;
}

/* Lines of one level are contiguous: session lines come before the first
 * m=, a media section runs from its m= to the next. */
static uint16_t level_end(const struct agw_sdp *sdp, int media)
{
	uint16_t i = 0;

	while (i < sdp->n_lines && sdp->lines[i].media <= media)
		i++;
	return i;
}

static int insert_line(struct agw_sdp *sdp, uint16_t at, char type, int media,
		       uint16_t index)
{
	if (sdp->n_lines == AGW_SDP_MAX_LINES)
		return -E2BIG;
	memmove(&sdp->lines[at + 1], &sdp->lines[at],
		(size_t)(sdp->n_lines - at) * sizeof(sdp->lines[0]));
	sdp->lines[at] = (struct agw_sdp_line){ .type = type,
						.media = (int16_t)media,
						.index = index };
	sdp->n_lines++;
	return 0;
}

/* Where a new c= goes: RFC 8866 orders it after i= (and o, s, u, e, p at
 * session level) and before b=, t=, k= and a=. */
static uint16_t conn_position(const struct agw_sdp *sdp, int media)
{
	const char *before = media < 0 ? "btrzkam" : "bka";
	uint16_t i = 0;

	while (i < sdp->n_lines && sdp->lines[i].media < media)
		i++;
	if (media >= 0)
		i++; /* the m= line itself */
	while (i < sdp->n_lines && sdp->lines[i].media == media &&
	       !strchr(before, sdp->lines[i].type))
		i++;
	return i;
}

int agw_sdp_set_conn(struct agw_sdp *sdp, int media, int af, const void *bin)
{
	struct agw_sdp_addr *a, tmp;
	bool *has;
	int err;

	if (!level_ok(sdp, media))
		return -EINVAL;
	err = agw_sdp_addr_set(&tmp, af, bin);
	if (err)
		return err;
	a = media < 0 ? &sdp->conn : &sdp->media[media].conn;
	has = media < 0 ? &sdp->has_conn : &sdp->media[media].has_conn;
	if (!*has) {
		err = insert_line(sdp, conn_position(sdp, media), 'c', media,
				  0);
		if (err)
			return err;
		*has = true;
	}
	*a = tmp;
	return 0;
}

int agw_sdp_set_port(struct agw_sdp *sdp, unsigned int media, uint16_t port)
{
	if (media >= sdp->n_media)
		return -EINVAL;
	sdp->media[media].port = port;
	sdp->media[media].port_choose = false;
	return 0;
}

static int pool_dup(struct agw_sdp *sdp, const char *s, struct agw_sdp_str *out)
{
	size_t n = strlen(s);

	if (n > AGW_SDP_POOL_SIZE - sdp->pool_used)
		return -E2BIG;
	memcpy(sdp->pool + sdp->pool_used, s, n);
	*out = (struct agw_sdp_str){ .ptr = sdp->pool + sdp->pool_used,
				     .len = (uint32_t)n };
	sdp->pool_used += (uint32_t)n;
	return 0;
}

/* A value the parser could not give back as is: a line break, or
 * trailing blanks, which the parser strips. */
static bool unparsable(const char *s)
{
	size_t n = strlen(s);

	if (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		return true;
	return strpbrk(s, "\r\n") != NULL;
}

int agw_sdp_set_attr(struct agw_sdp *sdp, int media, const char *name,
		     const char *value)
{
	uint32_t mark = sdp->pool_used;
	struct agw_sdp_attr a = { .media = (int16_t)media };
	struct sdp_fail why;
	int slot = -1, err;

	if (!level_ok(sdp, media) || unparsable(name) ||
	    (value && unparsable(value)))
		return -EINVAL;
	err = pool_dup(sdp, name, &a.name);
	if (!err && value) {
		a.has_value = true;
		err = pool_dup(sdp, value, &a.value);
	}
	if (!err && sdp_attr_classify(&a, &why))
		err = -EINVAL;
	for (int i = 0; !err && i < sdp->n_attrs; i++) {
		if (sdp->attrs[i].media == media && !sdp->attrs[i].deleted &&
		    sdp_str_same(sdp->attrs[i].name, a.name)) {
			slot = i;
			break;
		}
	}
	if (!err && slot < 0) {
		if (sdp->n_attrs == AGW_SDP_MAX_ATTRS)
			err = -E2BIG;
		else
			err = insert_line(sdp, level_end(sdp, media), 'a',
					  media, sdp->n_attrs);
		if (!err)
			slot = sdp->n_attrs++;
	}
	if (err) {
		sdp->pool_used = mark;
		return err;
	}
	sdp->attrs[slot] = a;
	return slot;
}

int agw_sdp_del_attr(struct agw_sdp *sdp, int media, const char *name)
{
	int n = 0;

	for (int i = 0; i < sdp->n_attrs; i++) {
		struct agw_sdp_attr *a = &sdp->attrs[i];

		if (a->media == media && !a->deleted &&
		    sdp_str_eq(a->name, name)) {
			a->deleted = true;
			n++;
		}
	}
	return n;
}

const struct agw_sdp_attr *agw_sdp_find_attr(const struct agw_sdp *sdp,
					     int media,
					     enum agw_sdp_attr_type type)
{
	for (int i = 0; i < sdp->n_attrs; i++) {
		const struct agw_sdp_attr *a = &sdp->attrs[i];

		if (a->media == media && !a->deleted && a->type == type)
			return a;
	}
	return NULL;
}

const struct agw_sdp_addr *agw_sdp_media_conn(const struct agw_sdp *sdp,
					      int media)
{
	if (media >= 0 && media < sdp->n_media && sdp->media[media].has_conn)
		return &sdp->media[media].conn;
	return sdp->has_conn ? &sdp->conn : NULL;
}

static bool addr_choose(const struct agw_sdp_addr *a)
{
	return a->family == AGW_SDP_FAMILY_CHOOSE ||
	       a->kind == AGW_SDP_ADDR_CHOOSE;
}

bool agw_sdp_has_choose(const struct agw_sdp *sdp)
{
	if ((sdp->has_origin && addr_choose(&sdp->origin.addr)) ||
	    (sdp->has_conn && addr_choose(&sdp->conn)))
		return true;
	for (int i = 0; i < sdp->n_media; i++) {
		const struct agw_sdp_media *m = &sdp->media[i];

		if (m->port_choose || (m->has_conn && addr_choose(&m->conn)))
			return true;
	}
	for (int i = 0; i < sdp->n_attrs; i++)
		if (sdp->attrs[i].choose && !sdp->attrs[i].deleted)
			return true;
	return false;
}
