// SPDX-License-Identifier: GPL-2.0-only
/*
 * Who connects and who is TLS server, from the UE's a=setup (RFC 4145,
 * RFC 4572 section 6.2 as applied by 3GPP TS 23.334 e2ae flows). This table
 * is the single source the H.248 profile and the documentation quote.
 */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "agw/tls.h"

static const struct agw_tls_role_rule role_rules[AGW_SETUP_COUNT] = {
	[AGW_SETUP_ACTIVE] = {
		.peer_setup = AGW_SETUP_ACTIVE,
		.peer_setup_name = "active",
		.agw_connects = false,
		.role = AGW_TLS_SERVER,
		.handshake_on_establish = false,
		.why = "UE opens TCP and starts TLS: agw accepts and is "
		       "TLS server",
	},
	[AGW_SETUP_PASSIVE] = {
		.peer_setup = AGW_SETUP_PASSIVE,
		.peer_setup_name = "passive",
		.agw_connects = true,
		.role = AGW_TLS_CLIENT,
		.handshake_on_establish = true,
		.why = "UE listens: agw connects and, on the MGC's Establish TLS "
		       "session, starts the handshake as TLS client",
	},
	[AGW_SETUP_ACTPASS] = {
		.peer_setup = AGW_SETUP_ACTPASS,
		.peer_setup_name = "actpass",
		.role = AGW_TLS_ROLE_NONE,
		.why = "offer not answered yet: the MGC picks the direction",
	},
	[AGW_SETUP_HOLDCONN] = {
		.peer_setup = AGW_SETUP_HOLDCONN,
		.peer_setup_name = "holdconn",
		.role = AGW_TLS_ROLE_NONE,
		.why = "no connection wanted yet",
	},
};

const struct agw_tls_role_rule *agw_tls_role_rules(size_t *n)
{
	*n = AGW_SETUP_COUNT;
	return role_rules;
}

int agw_tls_role_for_peer(enum agw_setup peer_setup,
			  const struct agw_tls_role_rule **out)
{
	if ((unsigned int)peer_setup >= AGW_SETUP_COUNT)
		return -EINVAL;
	*out = &role_rules[peer_setup];
	return role_rules[peer_setup].role == AGW_TLS_ROLE_NONE ? -EAGAIN : 0;
}

int agw_setup_from_name(const char *name, enum agw_setup *out)
{
	size_t i;

	for (i = 0; i < AGW_SETUP_COUNT; i++) {
		if (!strcasecmp(name, role_rules[i].peer_setup_name)) {
			*out = role_rules[i].peer_setup;
			return 0;
		}
	}
	return -EINVAL;
}

const char *agw_tls_role_name(enum agw_tls_role role)
{
	switch (role) {
	case AGW_TLS_SERVER:
		return "server";
	case AGW_TLS_CLIENT:
		return "client";
	default:
		return "none";
	}
}
