// SPDX-License-Identifier: GPL-2.0-only
/*
 * e2ae TLS parameters in SDP (include/agw/tls_sdp.h): which transports are
 * TLS, agw's a=setup answer, the Remote's fingerprint set and agw's own
 * a=setup / a=fingerprint in its Local.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "agw/tls_sdp.h"

bool agw_sdp_proto_is_tls(enum agw_sdp_proto proto)
{
	return proto == AGW_SDP_PROTO_TCP_TLS_MSRP ||
	       proto == AGW_SDP_PROTO_TCP_TLS_BFCP ||
	       proto == AGW_SDP_PROTO_TCP_TLS;
}

enum agw_sdp_setup agw_tls_sdp_local_setup(int peer_setup)
{
	switch (peer_setup) {
	case AGW_SDP_SETUP_ACTIVE:
		return AGW_SDP_SETUP_PASSIVE;
	case AGW_SDP_SETUP_PASSIVE:
	case AGW_SDP_SETUP_ACTPASS:
		return AGW_SDP_SETUP_ACTIVE;
	case AGW_SDP_SETUP_HOLDCONN:
		return AGW_SDP_SETUP_HOLDCONN;
	default:
		return AGW_SDP_SETUP_ACTPASS;
	}
}

const char *agw_sdp_setup_name(int setup)
{
	static const char *const n[] = { "none", "active", "passive", "actpass",
					 "holdconn" };

	return setup >= 0 && setup <= AGW_SDP_SETUP_HOLDCONN ? n[setup] : "?";
}

__attribute__((format(printf, 3, 4))) static void
fp_err(struct agw_fp_error *err, int code, const char *fmt, ...)
{
	va_list ap;

	err->h248_code = code;
	va_start(ap, fmt);
	vsnprintf(err->reason, sizeof(err->reason), fmt, ap);
	va_end(ap);
}

/* Media-level lines when the section has any, else session-level ones. */
static int fp_level(const struct agw_sdp *sdp, int media)
{
	return media >= 0 && agw_sdp_find_attr(sdp, media,
					       AGW_SDP_ATTR_FINGERPRINT) ?
		       media :
		       -1;
}

int agw_tls_sdp_remote_fps(const struct agw_sdp *sdp, int media,
			   struct agw_fp_set *set, struct agw_fp_error *err)
{
	struct agw_fp_error first = { 0 };
	int level = fp_level(sdp, media);
	unsigned int seen = 0;

	set->n = 0;
	for (unsigned int i = 0; i < sdp->n_attrs; i++) {
		const struct agw_sdp_attr *a = &sdp->attrs[i];
		struct agw_fingerprint fp;
		struct agw_fp_error e;
		char v[AGW_FP_ATTR_MAX + 32];

		if (a->deleted || a->type != AGW_SDP_ATTR_FINGERPRINT ||
		    a->media != level)
			continue;
		seen++;
		if (a->choose) {
			fp_err(err, AGW_FP_ERR_UNSUPPORTED,
			       "Remote a=fingerprint:%.*s: the UE's fingerprint is needed, not a choice",
			       (int)a->value.len, a->value.ptr);
			return -EINVAL;
		}
		if (a->value.len >= sizeof(v)) {
			fp_err(err, AGW_FP_ERR_SYNTAX,
			       "a=fingerprint too long (%.16s...)",
			       a->value.ptr);
			return -EINVAL;
		}
		memcpy(v, a->value.ptr, a->value.len);
		v[a->value.len] = '\0';
		if (agw_fp_parse_attr(v, &fp, &e)) {
			if (e.h248_code != AGW_FP_ERR_UNSUPPORTED) {
				*err = e;
				return -EINVAL;
			}
			if (!first.h248_code)
				first = e;
			continue;
		}
		if (agw_fp_set_add(set, &fp)) {
			fp_err(err, AGW_FP_ERR_UNSUPPORTED,
			       "more than %d a=fingerprint lines",
			       AGW_FP_SET_MAX);
			return -EINVAL;
		}
	}
	if (seen && !set->n) {
		*err = first;
		return -EINVAL;
	}
	return (int)set->n;
}

int agw_tls_sdp_fill_local(struct agw_sdp *local, int media,
			   enum agw_sdp_setup setup,
			   const struct agw_fingerprint *fp,
			   struct agw_fp_error *err)
{
	bool tls = media >= 0 && media < local->n_media &&
		   agw_sdp_proto_is_tls(local->media[media].proto);
	const struct agw_sdp_attr *su, *fa;
	char v[AGW_FP_ATTR_MAX];
	int level, r;

	su = agw_sdp_find_attr(local, media, AGW_SDP_ATTR_SETUP);
	level = su ? media : -1;
	if (!su)
		su = agw_sdp_find_attr(local, -1, AGW_SDP_ATTR_SETUP);
	if (su && su->choose &&
	    agw_sdp_set_attr(local, level, "setup", agw_sdp_setup_name(setup)) <
		    0)
		goto full;
	level = fp_level(local, media);
	fa = agw_sdp_find_attr(local, level, AGW_SDP_ATTR_FINGERPRINT);
	if (!tls) {
		if (!fa)
			return 0;
		fp_err(err, AGW_FP_ERR_UNSUPPORTED,
		       "Local a=fingerprint:%.*s on a transport without TLS",
		       (int)fa->value.len, fa->value.ptr);
		return -EINVAL;
	}
	if (agw_fp_format_attr(fp, v, sizeof(v)) < 0)
		goto full;
	if (fa && !fa->choose) {
		if (fa->value.len == strlen(v) &&
		    !strncasecmp(fa->value.ptr, v, fa->value.len))
			return 0;
		fp_err(err, AGW_FP_ERR_UNSUPPORTED,
		       "Local a=fingerprint:%.*s is not agw's certificate: use $",
		       (int)fa->value.len, fa->value.ptr);
		return -EINVAL;
	}
	r = agw_sdp_set_attr(local, fa ? level : media, "fingerprint", v);
	if (r >= 0)
		return 0;
full:
	err->h248_code = 510;
	snprintf(err->reason, sizeof(err->reason),
		 "Local SDP: no room for a=setup/a=fingerprint");
	return -E2BIG;
}
