/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * e2ae TLS parameters from and into the SDP of H.248 Local and Remote
 * descriptors: is a transport TLS, agw's a=setup answer, the Remote's
 * a=fingerprint set, and agw's own a=setup/a=fingerprint in its Local.
 * Pure functions: agwd (ctl/tls.c) applies the results.
 */
#ifndef AGW_TLS_SDP_H
#define AGW_TLS_SDP_H

#include <stdbool.h>

#include "agw/fingerprint.h"
#include "agw/sdp.h"

/* TCP/TLS/MSRP, TCP/TLS/BFCP, TCP/TLS. */
bool agw_sdp_proto_is_tls(enum agw_sdp_proto proto);

/*
 * agw's a=setup for its Local from the peer's (0: no Remote yet), RFC 4145
 * section 4.1: active -> passive, passive -> active, actpass -> active
 * (agw opens, as in the seed's originating flows), holdconn -> holdconn,
 * none -> actpass (agw listens and can also open on tcpbcc/estab).
 */
enum agw_sdp_setup agw_tls_sdp_local_setup(int peer_setup);

/*
 * The a=fingerprint lines of media section media (the session-level ones
 * when the section has none) into set. Lines whose hash agw does not use
 * are skipped when another line is usable (RFC 8122 section 5: the peer
 * may offer several). Returns the number of fingerprints (0: none given),
 * or -EINVAL with err: 474 for a malformed value, 449 when every line
 * names an unknown or refused hash (the reason names it).
 */
int agw_tls_sdp_remote_fps(const struct agw_sdp *sdp, int media,
			   struct agw_fp_set *set, struct agw_fp_error *err);

/*
 * Fill agw's Local for a termination: a=setup:$ gets setup; for a TLS
 * transport a=fingerprint:$ (or no a=fingerprint line at all) gets
 * "HASH HEX" of fp. A concrete a=fingerprint other than fp is refused
 * (449: agw's certificate is what it is), and so is a=fingerprint on a
 * plain transport (449). Returns 0 or -EINVAL with err; -E2BIG when the
 * SDP is full (err code 510).
 */
int agw_tls_sdp_fill_local(struct agw_sdp *local, int media,
			   enum agw_sdp_setup setup,
			   const struct agw_fingerprint *fp,
			   struct agw_fp_error *err);

/* "active", "passive", ... for an enum agw_sdp_setup; "none" for 0. */
const char *agw_sdp_setup_name(int setup);

#endif /* AGW_TLS_SDP_H */
