// SPDX-License-Identifier: GPL-2.0-only
/* Relay enum names, for logs, agwctl and configuration. */
#include <errno.h>
#include <string.h>

#include "agw/relay.h"

static const char *const path_names[AGW_RELAY_PATH_MAX] = {
	[AGW_RELAY_PATH_AUTO] = "auto",
	[AGW_RELAY_PATH_SOCKMAP] = "sockmap",
	[AGW_RELAY_PATH_SPLICE] = "splice",
	[AGW_RELAY_PATH_COPY] = "copy",
};

static const char *const why_names[AGW_RELAY_WHY_MAX] = {
	[AGW_RELAY_WHY_REQUESTED] = "requested",
	[AGW_RELAY_WHY_DEFAULT] = "default",
	[AGW_RELAY_WHY_NO_BPF] = "no-bpf",
	[AGW_RELAY_WHY_SOCKMAP_REFUSED] = "sockmap-refused",
	[AGW_RELAY_WHY_NO_PIPE] = "no-pipe",
};

const char *agw_relay_path_name(enum agw_relay_path p)
{
	return (unsigned int)p < AGW_RELAY_PATH_MAX ? path_names[p] : "?";
}

const char *agw_relay_why_name(enum agw_relay_why w)
{
	return (unsigned int)w < AGW_RELAY_WHY_MAX ? why_names[w] : "?";
}

const char *agw_relay_event_name(enum agw_relay_event ev)
{
	switch (ev) {
	case AGW_RELAY_EV_CLOSED:
		return "closed";
	case AGW_RELAY_EV_RESET:
		return "reset";
	case AGW_RELAY_EV_ERROR:
		return "error";
	}
	return "?";
}

int agw_relay_path_parse(const char *s)
{
	int p;

	for (p = 0; p < AGW_RELAY_PATH_MAX; p++)
		if (!strcmp(s, path_names[p]))
			return p;
	return -EINVAL;
}
