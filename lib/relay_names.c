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
	[AGW_RELAY_PATH_TLS_USER] = "tls-user",
	[AGW_RELAY_PATH_TLS_KTLS_TX] = "tls-ktls-tx",
	[AGW_RELAY_PATH_TLS_KTLS] = "tls-ktls-splice",
};

static const char *const why_names[AGW_RELAY_WHY_MAX] = {
	[AGW_RELAY_WHY_REQUESTED] = "requested",
	[AGW_RELAY_WHY_DEFAULT] = "default",
	[AGW_RELAY_WHY_NO_BPF] = "no-bpf",
	[AGW_RELAY_WHY_SOCKMAP_REFUSED] = "sockmap-refused",
	[AGW_RELAY_WHY_NO_PIPE] = "no-pipe",
	[AGW_RELAY_WHY_KTLS] = "ktls",
	[AGW_RELAY_WHY_KTLS13_RX] = "ktls13-rx",
	[AGW_RELAY_WHY_KTLS_RX_REFUSED] = "ktls-rx-refused",
	[AGW_RELAY_WHY_KTLS_OFF] = "ktls-off",
	[AGW_RELAY_WHY_NO_KERNEL_TLS] = "no-kernel-tls",
	[AGW_RELAY_WHY_KTLS13_TX_OFF] = "ktls13-tx-off",
	[AGW_RELAY_WHY_KTLS_REFUSED] = "ktls-refused",
};

static const char *const why_texts[AGW_RELAY_WHY_MAX] = {
	[AGW_RELAY_WHY_REQUESTED] = "the flow asked for it",
	[AGW_RELAY_WHY_DEFAULT] = "the engine's default",
	[AGW_RELAY_WHY_NO_BPF] =
		"sockmap wanted, its BPF program is not loaded",
	[AGW_RELAY_WHY_SOCKMAP_REFUSED] =
		"sockmap wanted, the socket insert was refused",
	[AGW_RELAY_WHY_NO_PIPE] = "splice wanted, pipe() failed",
	[AGW_RELAY_WHY_KTLS] = "kTLS send and receive: splice both ways",
	[AGW_RELAY_WHY_KTLS13_RX] =
		"kTLS send only: OpenSSL 3.0 does not offload TLS 1.3 receive",
	[AGW_RELAY_WHY_KTLS_RX_REFUSED] =
		"kTLS send only: kernel refused the receive key",
	[AGW_RELAY_WHY_KTLS_OFF] = "kTLS disabled by configuration",
	[AGW_RELAY_WHY_NO_KERNEL_TLS] =
		"kernel has no TLS (no /proc/net/tls_stat)",
	[AGW_RELAY_WHY_KTLS13_TX_OFF] =
		"TLS 1.3: kTLS send not opted in (OpenSSL 3.0 cannot rekey it "
		"on a peer KeyUpdate), receive needs OpenSSL 3.2",
	[AGW_RELAY_WHY_KTLS_REFUSED] = "kernel refused the keys",
};

const char *agw_relay_path_name(enum agw_relay_path p)
{
	return (unsigned int)p < AGW_RELAY_PATH_MAX ? path_names[p] : "?";
}

const char *agw_relay_why_name(enum agw_relay_why w)
{
	return (unsigned int)w < AGW_RELAY_WHY_MAX ? why_names[w] : "?";
}

const char *agw_relay_why_text(enum agw_relay_why w)
{
	return (unsigned int)w < AGW_RELAY_WHY_MAX ? why_texts[w] : "?";
}

bool agw_relay_path_is_tls(enum agw_relay_path p)
{
	return p >= AGW_RELAY_PATH_TLS_USER && p < AGW_RELAY_PATH_MAX;
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

	for (p = 0; p < AGW_RELAY_PATH_PLAIN_MAX; p++)
		if (!strcmp(s, path_names[p]))
			return p;
	return -EINVAL;
}
