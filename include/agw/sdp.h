/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * SDP (RFC 8866) as carried in H.248 Local and Remote descriptors: parse a
 * body into a fixed-size structure, let agwd fill in what the MGC left to
 * it ("$"), and generate the body again. See Documentation/sdp.md.
 *
 * Parsing allocates nothing: strings are slices of the input body, which
 * must outlive the structure. Values set with agw_sdp_set_attr() are copied
 * into the structure's own pool, so copy a structure with agw_sdp_copy(),
 * never by assignment.
 */
#ifndef AGW_SDP_H
#define AGW_SDP_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AGW_SDP_MAX_BODY 16384 /* octets in one body */
#define AGW_SDP_MAX_MEDIA 16 /* m= sections */
#define AGW_SDP_MAX_ATTRS 64 /* a= lines, all levels together */
#define AGW_SDP_MAX_LINES 160 /* lines of any type */
#define AGW_SDP_MAX_TIMES 4 /* t= lines */
#define AGW_SDP_POOL_SIZE 1024 /* octets for values set by agw */

/* H.248 error codes a parse failure maps to. */
#define AGW_SDP_ERR_SYNTAX 474 /* H.248.49: invalid SDP syntax */
#define AGW_SDP_ERR_LIMIT 510 /* H.248.8: insufficient resources */

/* A slice of the body (or of the pool); not NUL-terminated. */
struct agw_sdp_str {
	const char *ptr;
	uint32_t len;
};

/* An address in c= or o=. "$" (choose) leaves kind AGW_SDP_ADDR_CHOOSE. */
enum agw_sdp_addr_kind {
	AGW_SDP_ADDR_CHOOSE = 1,
	AGW_SDP_ADDR_IP4,
	AGW_SDP_ADDR_IP6,
	AGW_SDP_ADDR_FQDN,
};

/* The addrtype field: IP4, IP6 or "$" (let agw choose the family). */
enum agw_sdp_family {
	AGW_SDP_FAMILY_CHOOSE = 1,
	AGW_SDP_FAMILY_IP4,
	AGW_SDP_FAMILY_IP6,
};

struct agw_sdp_addr {
	enum agw_sdp_family family;
	enum agw_sdp_addr_kind kind;
	union {
		struct in_addr v4;
		struct in6_addr v6;
	};
	struct agw_sdp_str fqdn; /* AGW_SDP_ADDR_FQDN only */
	struct agw_sdp_str suffix; /* "/ttl[/n]" of a multicast c=, or empty */
};

struct agw_sdp_origin {
	struct agw_sdp_str username, sess_id, sess_version;
	struct agw_sdp_addr addr; /* nettype is always IN */
};

struct agw_sdp_time {
	struct agw_sdp_str start, stop; /* digits, or "$" */
};

enum agw_sdp_proto {
	AGW_SDP_PROTO_OTHER = 0, /* anything else, e.g. RTP/AVP: kept */
	AGW_SDP_PROTO_TCP,
	AGW_SDP_PROTO_TCP_MSRP,
	AGW_SDP_PROTO_TCP_TLS_MSRP,
	AGW_SDP_PROTO_TCP_BFCP,
	AGW_SDP_PROTO_TCP_TLS_BFCP,
	AGW_SDP_PROTO_TCP_TLS,
};

/* One m= section: the m= line and its c=. */
struct agw_sdp_media {
	struct agw_sdp_str type; /* "message", "application", ... */
	uint16_t port;
	bool port_choose; /* port was "$" and agw has not set one */
	uint16_t num_ports; /* "/n" after the port; 0 when absent */
	enum agw_sdp_proto proto;
	struct agw_sdp_str proto_text;
	struct agw_sdp_str fmts; /* the format list as written, >= 1 item */
	bool has_conn;
	struct agw_sdp_addr conn;
};

enum agw_sdp_attr_type {
	AGW_SDP_ATTR_OTHER = 0, /* kept as name and value */
	AGW_SDP_ATTR_SETUP, /* RFC 4145 */
	AGW_SDP_ATTR_CONNECTION, /* RFC 4145 */
	AGW_SDP_ATTR_FINGERPRINT, /* RFC 8122 */
	AGW_SDP_ATTR_PATH, /* RFC 4975 */
	AGW_SDP_ATTR_ACCEPT_TYPES, /* RFC 4975 */
	AGW_SDP_ATTR_FLOORCTRL, /* RFC 8856 */
	AGW_SDP_ATTR_CONFID, /* RFC 8856 */
	AGW_SDP_ATTR_USERID, /* RFC 8856 */
	AGW_SDP_ATTR_FLOORID, /* RFC 8856 */
};

enum agw_sdp_setup {
	AGW_SDP_SETUP_ACTIVE = 1,
	AGW_SDP_SETUP_PASSIVE,
	AGW_SDP_SETUP_ACTPASS,
	AGW_SDP_SETUP_HOLDCONN,
};

enum agw_sdp_connection {
	AGW_SDP_CONNECTION_NEW = 1,
	AGW_SDP_CONNECTION_EXISTING,
};

/* RFC 8122 hash function names (Hash Function Textual Names registry). */
enum agw_sdp_hash {
	AGW_SDP_HASH_OTHER = 0, /* a token not in the registry: kept */
	AGW_SDP_HASH_MD2,
	AGW_SDP_HASH_MD5,
	AGW_SDP_HASH_SHA1,
	AGW_SDP_HASH_SHA224,
	AGW_SDP_HASH_SHA256,
	AGW_SDP_HASH_SHA384,
	AGW_SDP_HASH_SHA512,
};

/* a=floorctrl roles, a bit each. */
#define AGW_SDP_FLOORCTRL_C_ONLY 0x1
#define AGW_SDP_FLOORCTRL_S_ONLY 0x2
#define AGW_SDP_FLOORCTRL_C_S 0x4

struct agw_sdp_attr {
	int16_t media; /* index into media[], -1 for session level */
	bool deleted; /* removed by agw_sdp_del_attr(): not generated */
	bool choose; /* the value was exactly "$" */
	bool has_value; /* "a=name:value" rather than "a=name" */
	enum agw_sdp_attr_type type;
	struct agw_sdp_str name, value;
	union {
		enum agw_sdp_setup setup;
		enum agw_sdp_connection connection;
		struct {
			enum agw_sdp_hash hash;
			struct agw_sdp_str hash_name; /* as written */
			struct agw_sdp_str hex; /* "AB:CD:..." as written */
			uint16_t len; /* octets in hex */
		} fingerprint;
		struct {
			uint16_t count; /* URIs (path) or media types */
		} list;
		unsigned int floorctrl; /* AGW_SDP_FLOORCTRL_* */
		uint32_t id; /* confid, userid */
		struct {
			struct agw_sdp_str id;
			struct agw_sdp_str mstrm; /* labels after "mstrm:" */
		} floorid;
	};
};

/* Every line in order, so a body is generated in the order it came in. */
struct agw_sdp_line {
	char type; /* the letter before '=' */
	int16_t media; /* -1 for session level */
	uint16_t index; /* into attrs[], media[] or times[] */
	struct agw_sdp_str text; /* the value as written (other types) */
};

struct agw_sdp {
	bool has_origin, has_name, has_conn;
	struct agw_sdp_origin origin;
	struct agw_sdp_str name; /* s= */
	struct agw_sdp_addr conn; /* session-level c= */
	uint16_t n_times, n_media, n_attrs, n_lines;
	struct agw_sdp_time times[AGW_SDP_MAX_TIMES];
	struct agw_sdp_media media[AGW_SDP_MAX_MEDIA];
	struct agw_sdp_attr attrs[AGW_SDP_MAX_ATTRS];
	struct agw_sdp_line lines[AGW_SDP_MAX_LINES];
	uint32_t pool_used;
	char pool[AGW_SDP_POOL_SIZE];
};

struct agw_sdp_error {
	int code; /* AGW_SDP_ERR_SYNTAX or AGW_SDP_ERR_LIMIT */
	size_t offset; /* byte offset into the body */
	char reason[96]; /* what was wrong or expected */
};

/*
 * Parse body[0..len). Returns 0, or -EBADMSG (syntax, err->code 474) or
 * -E2BIG (a limit, err->code 510) with err filled when err is not NULL.
 */
int agw_sdp_parse(struct agw_sdp *sdp, const char *body, size_t len,
		  struct agw_sdp_error *err);

/* Does any c=, o= address, m= port or attribute still say "$"? */
bool agw_sdp_has_choose(const struct agw_sdp *sdp);

/*
 * Fill in an address: af is AF_INET or AF_INET6, bin a struct in_addr or
 * struct in6_addr. Use on &sdp->conn, &sdp->media[i].conn or
 * &sdp->origin.addr. Returns 0 or -EAFNOSUPPORT.
 */
int agw_sdp_addr_set(struct agw_sdp_addr *addr, int af, const void *bin);

/*
 * Set the connection address of media section i (-1: session level),
 * adding a c= line when there is none. Returns 0, -EINVAL or -E2BIG.
 */
int agw_sdp_set_conn(struct agw_sdp *sdp, int media, int af, const void *bin);

/* Set media section i's port (clears port_choose). Returns 0 or -EINVAL. */
int agw_sdp_set_port(struct agw_sdp *sdp, unsigned int media, uint16_t port);

/*
 * Replace the value of the first attribute called name at level media
 * (-1: session), or append one to that level. value NULL makes a property
 * attribute ("a=name"). The value is checked as a parsed one would be.
 * Returns the attribute's index, -EINVAL (bad name or value: nothing
 * changed) or -E2BIG (pool or table full).
 */
int agw_sdp_set_attr(struct agw_sdp *sdp, int media, const char *name,
		     const char *value);

/* Remove every attribute called name at level media. Returns how many. */
int agw_sdp_del_attr(struct agw_sdp *sdp, int media, const char *name);

/* The first live attribute of a type at a level, or NULL. */
const struct agw_sdp_attr *agw_sdp_find_attr(const struct agw_sdp *sdp,
					     int media,
					     enum agw_sdp_attr_type type);

/*
 * The connection data (c=) that applies to media line media: its own,
 * else the session's (RFC 4566 5.7); NULL when there is neither.
 */
const struct agw_sdp_addr *agw_sdp_media_conn(const struct agw_sdp *sdp,
					      int media);

#define AGW_SDP_GEN_LF 0x1 /* end lines with LF instead of CRLF */
#define AGW_SDP_GEN_KEEP_CHOOSE 0x2 /* emit remaining "$" instead of failing */

/*
 * Write the body to buf (NUL-terminated when there is room). Returns the
 * length, -ENOSPC when size is too small, or -EINVAL when a "$" remains
 * and AGW_SDP_GEN_KEEP_CHOOSE is not set.
 */
int agw_sdp_generate(const struct agw_sdp *sdp, char *buf, size_t size,
		     unsigned int flags);

/* Deep copy, rebasing pool slices onto dst's pool. */
void agw_sdp_copy(struct agw_sdp *dst, const struct agw_sdp *src);

/* Same structure and values (slices compared by content)? */
bool agw_sdp_equal(const struct agw_sdp *a, const struct agw_sdp *b);

const char *agw_sdp_proto_name(enum agw_sdp_proto proto);
const char *agw_sdp_hash_name(enum agw_sdp_hash hash);
/* Octets of a digest with this hash, 0 for AGW_SDP_HASH_OTHER. */
unsigned int agw_sdp_hash_len(enum agw_sdp_hash hash);

#endif /* AGW_SDP_H */
