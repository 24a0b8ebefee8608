// SPDX-License-Identifier: GPL-2.0-only
/* Copying and comparing parsed SDP bodies. */
#include <string.h>

#include "sdp_priv.h"

static void rebase(struct agw_sdp_str *s, const struct agw_sdp *src,
		   struct agw_sdp *dst)
{
	if (s->ptr >= src->pool && s->ptr < src->pool + AGW_SDP_POOL_SIZE)
		s->ptr = dst->pool + (s->ptr - src->pool);
}

void agw_sdp_copy(struct agw_sdp *dst, const struct agw_sdp *src)
{
	memcpy(dst, src, sizeof(*dst));
	for (int i = 0; i < dst->n_attrs; i++) {
		struct agw_sdp_attr *a = &dst->attrs[i];

		rebase(&a->name, src, dst);
		rebase(&a->value, src, dst);
		if (a->type == AGW_SDP_ATTR_FINGERPRINT && !a->choose) {
			rebase(&a->fingerprint.hash_name, src, dst);
			rebase(&a->fingerprint.hex, src, dst);
		} else if (a->type == AGW_SDP_ATTR_FLOORID && !a->choose) {
			rebase(&a->floorid.id, src, dst);
			rebase(&a->floorid.mstrm, src, dst);
		}
	}
}

#define SAME(a, b) sdp_str_same(a, b)

static bool addr_equal(const struct agw_sdp_addr *a,
		       const struct agw_sdp_addr *b)
{
	if (a->family != b->family || a->kind != b->kind ||
	    !SAME(a->suffix, b->suffix))
		return false;
	switch (a->kind) {
	case AGW_SDP_ADDR_IP4:
		return a->v4.s_addr == b->v4.s_addr;
	case AGW_SDP_ADDR_IP6:
		return memcmp(&a->v6, &b->v6, sizeof(a->v6)) == 0;
	case AGW_SDP_ADDR_FQDN:
		return SAME(a->fqdn, b->fqdn);
	default:
		return true;
	}
}

static bool attr_equal(const struct agw_sdp_attr *a,
		       const struct agw_sdp_attr *b)
{
	if (a->type != b->type || a->media != b->media ||
	    a->choose != b->choose || a->has_value != b->has_value ||
	    !SAME(a->name, b->name) || !SAME(a->value, b->value))
		return false;
	if (a->choose)
		return true;
	switch (a->type) {
	case AGW_SDP_ATTR_SETUP:
		return a->setup == b->setup;
	case AGW_SDP_ATTR_CONNECTION:
		return a->connection == b->connection;
	case AGW_SDP_ATTR_FINGERPRINT:
		return a->fingerprint.hash == b->fingerprint.hash &&
		       a->fingerprint.len == b->fingerprint.len &&
		       SAME(a->fingerprint.hash_name,
			    b->fingerprint.hash_name) &&
		       SAME(a->fingerprint.hex, b->fingerprint.hex);
	case AGW_SDP_ATTR_PATH:
	case AGW_SDP_ATTR_ACCEPT_TYPES:
		return a->list.count == b->list.count;
	case AGW_SDP_ATTR_FLOORCTRL:
		return a->floorctrl == b->floorctrl;
	case AGW_SDP_ATTR_CONFID:
	case AGW_SDP_ATTR_USERID:
		return a->id == b->id;
	case AGW_SDP_ATTR_FLOORID:
		return SAME(a->floorid.id, b->floorid.id) &&
		       SAME(a->floorid.mstrm, b->floorid.mstrm);
	case AGW_SDP_ATTR_OTHER:
		break;
	}
	return true;
}

static bool media_equal(const struct agw_sdp_media *a,
			const struct agw_sdp_media *b)
{
	return SAME(a->type, b->type) && a->port == b->port &&
	       a->port_choose == b->port_choose &&
	       a->num_ports == b->num_ports && a->proto == b->proto &&
	       SAME(a->proto_text, b->proto_text) && SAME(a->fmts, b->fmts) &&
	       a->has_conn == b->has_conn;
}

static bool line_equal(const struct agw_sdp *a, const struct agw_sdp_line *la,
		       const struct agw_sdp *b, const struct agw_sdp_line *lb)
{
	const struct agw_sdp_origin *oa = &a->origin, *ob = &b->origin;

	if (la->type != lb->type || la->media != lb->media)
		return false;
	switch (la->type) {
	case 'v':
		return true;
	case 'o':
		return SAME(oa->username, ob->username) &&
		       SAME(oa->sess_id, ob->sess_id) &&
		       SAME(oa->sess_version, ob->sess_version) &&
		       addr_equal(&oa->addr, &ob->addr);
	case 's':
		return SAME(a->name, b->name);
	case 'c':
		return la->media < 0 ? addr_equal(&a->conn, &b->conn) :
				       addr_equal(&a->media[la->media].conn,
						  &b->media[lb->media].conn);
	case 't':
		return SAME(a->times[la->index].start,
			    b->times[lb->index].start) &&
		       SAME(a->times[la->index].stop, b->times[lb->index].stop);
	case 'm':
		return media_equal(&a->media[la->index], &b->media[lb->index]);
	case 'a':
		return attr_equal(&a->attrs[la->index], &b->attrs[lb->index]);
	default:
		return SAME(la->text, lb->text);
	}
}

/* The next line that is generated (deleted attributes are not). */
static int next_live(const struct agw_sdp *s, int i)
{
	while (i < s->n_lines && s->lines[i].type == 'a' &&
	       s->attrs[s->lines[i].index].deleted)
		i++;
	return i;
}

bool agw_sdp_equal(const struct agw_sdp *a, const struct agw_sdp *b)
{
	int i = next_live(a, 0), j = next_live(b, 0);

	if (a->n_media != b->n_media || a->has_origin != b->has_origin ||
	    a->has_name != b->has_name || a->has_conn != b->has_conn)
		return false;
	while (i < a->n_lines && j < b->n_lines) {
		if (!line_equal(a, &a->lines[i], b, &b->lines[j]))
			return false;
		i = next_live(a, i + 1);
		j = next_live(b, j + 1);
	}
	return i == a->n_lines && j == b->n_lines;
}
