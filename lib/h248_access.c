// SPDX-License-Identifier: GPL-2.0-only
/*
 * Typed views of the descriptors agwd reads most: streams of a command's
 * Media descriptor, their Local/Remote SDP and their LocalControl mode;
 * the first error of a reply.
 */
#include <errno.h>

#include "agw/h248.h"

/*
 * A Media descriptor holds either Stream = N { ... } items, or the
 * stream parameters of a single stream directly (stream 1 then).
 */
const struct h248_node *h248_cmd_stream(const struct h248_command *c,
					uint32_t stream_id)
{
	const struct h248_node *media = h248_node_find(c->desc, H248_KW_MEDIA);
	const struct h248_node *n;
	uint32_t id;
	bool streams = false;

	if (!media)
		return NULL;
	for (n = media->child; n; n = n->next) {
		if (n->kw != H248_KW_STREAM)
			continue;
		streams = true;
		if (!h248_node_uint(n, &id) && id == stream_id)
			return n;
	}
	if (streams || stream_id != 1)
		return NULL;
	for (n = media->child; n; n = n->next)
		if (n->kw == H248_KW_LOCAL || n->kw == H248_KW_REMOTE ||
		    n->kw == H248_KW_LOCALCONTROL)
			return media;
	return NULL;
}

int h248_stream_sdp(const struct h248_node *stream, enum h248_kw which,
		    struct h248_str *sdp)
{
	const struct h248_node *n;

	if (!stream || (which != H248_KW_LOCAL && which != H248_KW_REMOTE))
		return -EINVAL;
	n = h248_node_find(stream->child, which);
	if (!n)
		return -ENOENT;
	*sdp = n->body;
	return 0;
}

int h248_stream_mode(const struct h248_node *stream, enum h248_kw *mode)
{
	const struct h248_node *lc, *m;

	if (!stream)
		return -EINVAL;
	lc = h248_node_find(stream->child, H248_KW_LOCALCONTROL);
	m = lc ? h248_node_find(lc->child, H248_KW_MODE) : NULL;
	if (!m || !m->nv || !m->v[0].kw)
		return -ENOENT;
	*mode = (enum h248_kw)m->v[0].kw;
	return 0;
}

const struct h248_node *h248_trans_error(const struct h248_transaction *t)
{
	if (t->error)
		return t->error;
	for (const struct h248_action *a = t->actions; a; a = a->next) {
		if (a->error)
			return a->error;
		for (const struct h248_command *c = a->cmds; c; c = c->next) {
			const struct h248_node *e;

			e = h248_node_find(c->desc, H248_KW_ERROR);
			if (e)
				return e;
		}
	}
	return NULL;
}
