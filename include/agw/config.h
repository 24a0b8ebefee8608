/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * agwd configuration: one INI file over an embedded default. The reference
 * for every key is Documentation/configuration.md.
 */
#ifndef AGW_CONFIG_H
#define AGW_CONFIG_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "agw/gate_maps.h" /* enum agw_attach_mode */
#include "agw/relay.h" /* enum agw_relay_path */
#include "agw/sockaddr.h"

#define AGW_CFG_MAX_MGC 4
#define AGW_CFG_MAX_REALMS 8
#define AGW_CFG_MAX_REALM_ADDRS 8
#define AGW_CFG_NAME_MAX 32
#define AGW_CFG_PATH_MAX 256
#define AGW_CFG_MID_MAX 128
#define AGW_CFG_ERR_MAX 512

struct agw_realm_cfg {
	char name[AGW_CFG_NAME_MAX];
	char ifname[IF_NAMESIZE];
	/* Explicit addresses; none means every address of the interface. */
	struct agw_sockaddr addrs[AGW_CFG_MAX_REALM_ADDRS];
	unsigned int naddrs;
	uint16_t port_min, port_max;
	enum agw_attach_mode attach;
	int8_t synlink; /* -1: [h248] synlink_default, else 0 off / 1 on */
};

#define AGW_CFG_PROFILE_MAX 64

struct agw_config {
	/* [agwd] */
	char mid[AGW_CFG_MID_MAX];
	char state_dir[AGW_CFG_PATH_MAX];
	char control_socket[AGW_CFG_PATH_MAX];
	/* the socket's group ("": agwd's own, not changed) and mode; the
	 * group is looked up when the file is read (an unknown one is an
	 * error there) */
	char control_socket_group[64];
	gid_t control_socket_gid;
	unsigned int control_socket_mode;
	char gate_pin_dir[AGW_CFG_PATH_MAX]; /* bpffs directory of the gate */
	/* [h248] */
	struct agw_sockaddr mgc[AGW_CFG_MAX_MGC]; /* also the allow-list */
	unsigned int nmgc;
	bool udp, tcp;
	struct agw_sockaddr local; /* address and port agwd binds */
	/* ServiceChangeProfile announced ("" for none: profile = none) */
	char sc_profile[AGW_CFG_PROFILE_MAX];
	bool mgc_loss_release; /* on_mgc_loss = release (default keep) */
	uint32_t graceful_delay_s; /* ServiceChangeDelay on SIGTERM */
	/* active open from an ephemeral port, not the announced one */
	bool active_open_ephemeral;
	bool synlink_default; /* tcpbcc/synlink when the MGC sets none */
	/* [limits] */
	uint32_t max_contexts, max_terminations;
	/* [timers], all in milliseconds */
	uint32_t pending_ms, long_timer_ms;
	uint32_t reg_retry_ms, reg_retry_max_ms;
	uint32_t heartbeat_ms;
	uint32_t tpkt_timeout_ms; /* a partial TPKT frame waits this long */
	/* [relay] */
	enum agw_relay_path relay_path; /* AUTO: the engine's default */
	uint32_t relay_max_unsent; /* bytes per direction, 0: the engine's */
	uint32_t relay_drain_ms;
	uint32_t relay_release_ms; /* a released flow's drain (Subtract) */
	bool relay_bpf; /* load the sockmap program */
	char relay_pin_dir[AGW_CFG_PATH_MAX]; /* "": gate_pin_dir/relay */
	/* [tls]; empty: state_dir/tls-{key,cert}.pem (ctl/tls.c) */
	char tls_key[AGW_CFG_PATH_MAX], tls_cert[AGW_CFG_PATH_MAX];
	/* TLS 1.3 send offload (Documentation/tls.md: KeyUpdate) */
	bool tls_ktls13_tx;
	/* [log] */
	int log_level, log_target;
	/* [metrics]: the HTTP endpoint, off unless listen is set */
	bool metrics_on;
	struct agw_sockaddr metrics_listen;
	/* [realm NAME] */
	struct agw_realm_cfg realms[AGW_CFG_MAX_REALMS];
	unsigned int nrealms;
	bool realms_from_default; /* a file's first realm replaces them */
};

/* The compiled-in default, as INI text (also what --print-config starts
 * from on a fresh machine). */
extern const char agw_config_default_ini[];

/*
 * Fill cfg from the embedded default, then from path when not NULL.
 * On error returns -EINVAL (or -errno for I/O) and writes one line naming
 * file:line and the key into err.
 */
int agw_config_load(struct agw_config *cfg, const char *path, char *err,
		    size_t errlen);
/* Parse INI text; name is used in error messages. */
int agw_config_parse_string(struct agw_config *cfg, const char *text,
			    const char *name, char *err, size_t errlen);
/*
 * Set one key as the file would ("h248", "mgc", "10.0.0.1:2944"); where
 * names the origin for errors (e.g. "--mgc"). For command-line overrides.
 */
int agw_config_set(struct agw_config *cfg, const char *section, const char *key,
		   const char *value, const char *where, char *err,
		   size_t errlen);
/* Checks across keys (at least one MGC and realm, ranges disjoint...). */
int agw_config_validate(const struct agw_config *cfg, const char *where,
			char *err, size_t errlen);
/* Print the effective configuration as INI that parses back the same. */
void agw_config_print(const struct agw_config *cfg, FILE *f);

/* The relay's bpffs pin directory: relay_pin_dir, else gate_pin_dir/relay.
 * Returns 0 or -ENAMETOOLONG. */
int agw_config_relay_pin_dir(const struct agw_config *cfg, char *buf,
			     size_t len);

const struct agw_realm_cfg *agw_config_realm(const struct agw_config *cfg,
					     const char *name);
/* tcpbcc/synlink of a new termination in realm r when the MGC sets none */
bool agw_config_synlink_default(const struct agw_config *cfg,
				const struct agw_realm_cfg *r);

#endif /* AGW_CONFIG_H */
