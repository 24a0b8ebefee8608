/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * H.248 (Megaco) text codec: H.248.1 Annex B, versions 1 to 3, long and
 * short tokens.
 *
 * Decoding turns one message into a tree allocated from a caller-owned
 * arena; every name and value in the tree is a (ptr, len) slice into the
 * input buffer (which must outlive the tree) or into the arena. The tree is
 * freed all at once by resetting the arena, which keeps its memory, so a
 * decoder reusing one arena allocates nothing from the heap in steady state.
 *
 * The top of the tree is typed (message, transaction, action, command);
 * descriptors and everything inside them are struct h248_node, a uniform
 * "keyword-or-name [op value] [{ children }]" item whose kw field says what
 * it is (H248_KW_MEDIA, H248_KW_LOCAL, ..., or H248_KW_NAME for a package
 * item such as "tdmc/gain"). Local and Remote keep their SDP as raw octets
 * (node->body). The encoder prints the same tree in pretty or compact form,
 * and the builder functions below construct trees for replies.
 */
#ifndef AGW_H248_H
#define AGW_H248_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* ---- keywords ------------------------------------------------------- */

enum h248_kw {
	H248_KW_NAME = 0, /* not a keyword: a package/property/event name */
#define H248_KW(id, l, s, v) H248_KW_##id,
#include "agw/h248_kw.h"
#undef H248_KW
	H248_KW_COUNT,
};

const char *h248_kw_long(enum h248_kw kw);
const char *h248_kw_short(enum h248_kw kw);

/* ---- slices --------------------------------------------------------- */

struct h248_str {
	const char *ptr;
	uint32_t len;
};

#define H248_STR(lit) ((struct h248_str){ (lit), sizeof(lit) - 1 })

bool h248_str_eq(struct h248_str a, struct h248_str b);
bool h248_str_eq_lit(struct h248_str a, const char *lit); /* case-insens. */

/* ---- limits --------------------------------------------------------- */

struct h248_limits {
	uint32_t max_message;  /* bytes of input accepted */
	uint32_t max_depth;    /* nesting of { } and [ ] */
	uint32_t max_string;   /* bytes in one name, value or body */
	uint32_t max_items;    /* items in one list (transactions, nodes...) */
	uint32_t max_arena;    /* bytes the decoder may take from the arena */
};

/* 64 KiB message, depth 32, 4 KiB strings, 1024 items, 4 MiB arena. */
void h248_limits_default(struct h248_limits *l);

/* ---- arena ---------------------------------------------------------- */

struct h248_arena_chunk;

struct h248_arena {
	struct h248_arena_chunk *head;  /* chunks kept across resets */
	struct h248_arena_chunk *cur;
	size_t used;                    /* bytes used in cur */
	size_t total;                   /* bytes handed out since reset */
	size_t limit;                   /* max bytes handed out; 0 = none */
	uint64_t heap_allocs;           /* chunks ever malloc'ed (a counter) */
	char *fixed;                    /* caller buffer, first chunk */
	size_t fixed_size;
};

/*
 * buf/size: optional caller memory used first (may be NULL/0). Further
 * chunks come from malloc and are kept by h248_arena_reset() for reuse.
 */
void h248_arena_init(struct h248_arena *a, void *buf, size_t size);
void h248_arena_reset(struct h248_arena *a);
void h248_arena_release(struct h248_arena *a); /* frees the heap chunks */
void *h248_arena_alloc(struct h248_arena *a, size_t size); /* zeroed */
struct h248_str h248_arena_strdup(struct h248_arena *a, const char *s,
				  size_t len);
struct h248_str h248_arena_printf(struct h248_arena *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* ---- tree ----------------------------------------------------------- */

enum h248_op {
	H248_OP_NONE = 0, /* bare item: "KeepActive", "tdmc/gain" */
	H248_OP_EQ,       /* "=" */
	H248_OP_NE,       /* "#" */
	H248_OP_LT,       /* "<" */
	H248_OP_GT,       /* ">" */
};

enum h248_vform {
	H248_VF_NONE = 0, /* no value */
	H248_VF_ONE,      /* one value */
	H248_VF_ALT,      /* "{a, b}"  one of (also NotifyCompletion,
			   * ContextList) */
	H248_VF_ALL,      /* "[a, b]"  all of (and statistics lists) */
	H248_VF_RANGE,    /* "[a : b]" */
};

struct h248_value {
	struct h248_str s;  /* the text, without quotes */
	uint16_t kw;        /* enum h248_kw if the value is a keyword */
	uint8_t quoted;     /* was a quoted string */
};

enum h248_node_flags {
	H248_NF_BODY = 1 << 0,   /* had a "{ ... }" part (maybe raw body) */
	H248_NF_RAW = 1 << 1,    /* body is raw octets (Local, Remote,
				  * DigitMap, Error text) in node->body */
	H248_NF_TS = 1 << 2,     /* node->ts holds a time stamp */
	H248_NF_BRACKET = 1 << 3,/* Modem [t1,t2] form */
};

/*
 * One descriptor, parameter or item. Examples of the mapping:
 *   Media { ... }             kw=MEDIA, child=...
 *   Stream = 1 { ... }        kw=STREAM, op=EQ, v[0]="1", child=...
 *   Mode = SendReceive        kw=MODE, op=EQ, v[0]={"SendReceive", SENDRECEIVE}
 *   tdmc/gain=2               kw=NAME, name="tdmc/gain", op=EQ, v[0]="2"
 *   Local { <sdp> }           kw=LOCAL, flags=BODY|RAW, body=<sdp>
 *   Error = 502 { "text" }    kw=ERROR, op=EQ, v[0]="502", body="text"
 *   19990729T22000000:al/of   kw=NAME, name="al/of", ts=..., flags=TS
 *   ServiceChangeAddress=[1.2.3.4]:2944  value text "[1.2.3.4]:2944"
 */
struct h248_node {
	struct h248_node *next;
	struct h248_node *child;   /* first item inside "{ }" */
	uint16_t kw;               /* enum h248_kw */
	uint8_t op;                /* enum h248_op */
	uint8_t vform;             /* enum h248_vform */
	uint8_t flags;             /* enum h248_node_flags */
	uint16_t nv;               /* number of values in v */
	struct h248_str name;      /* text of the item as written */
	struct h248_str ts;        /* time stamp (observed events, services) */
	struct h248_str body;      /* raw octets (SDP, digit map, error text) */
	struct h248_value *v;      /* nv values */
	uint32_t offset;           /* byte offset in the input (0 if built) */
};

enum h248_cmd {
	H248_CMD_ADD = 1,
	H248_CMD_MODIFY,
	H248_CMD_SUBTRACT,
	H248_CMD_MOVE,
	H248_CMD_AUDITVALUE,
	H248_CMD_AUDITCAP,
	H248_CMD_NOTIFY,
	H248_CMD_SERVICECHANGE,
};

enum h248_tid_flags {
	H248_TID_ROOT = 1 << 0,     /* "ROOT" */
	H248_TID_CHOOSE = 1 << 1,   /* contains "$" */
	H248_TID_ALL = 1 << 2,      /* contains "*" */
};

struct h248_termid {
	struct h248_str s;
	uint8_t flags;              /* enum h248_tid_flags */
};

enum h248_cmd_flags {
	H248_CMDF_OPTIONAL = 1 << 0,  /* "O-" prefix */
	H248_CMDF_WILDREPLY = 1 << 1, /* "W-" prefix */
	H248_CMDF_TID_LIST = 1 << 2,  /* "[t1, t2]" termination ID list */
	H248_CMDF_CTX_AUDIT = 1 << 3, /* reply "AuditValue = Context {...}" */
	H248_CMDF_BODY = 1 << 4,      /* had a "{ }" part */
};

struct h248_command {
	struct h248_command *next;
	uint8_t cmd;                /* enum h248_cmd */
	uint8_t flags;              /* enum h248_cmd_flags */
	uint16_t ntids;
	struct h248_termid *tids;   /* ntids termination IDs */
	struct h248_node *desc;     /* descriptors (Media, Events, Error...) */
	uint32_t offset;
};

enum h248_ctx_kind {
	H248_CTX_ID = 0,     /* a number in id */
	H248_CTX_NULL,       /* "-" */
	H248_CTX_CHOOSE,     /* "$" */
	H248_CTX_ALL,        /* "*" */
};

struct h248_action {
	struct h248_action *next;
	uint8_t ctx_kind;           /* enum h248_ctx_kind */
	uint32_t ctx_id;
	/*
	 * Context properties and audit in the order written: Priority,
	 * Emergency, EmergencyOff, Topology, IEPSCall, ContextAttr,
	 * ContextAudit nodes.
	 */
	struct h248_node *props;
	struct h248_command *cmds;
	struct h248_node *error;    /* ErrorDescriptor of an action reply */
	bool has_body;              /* reply "Context = 1" has none */
	uint32_t offset;
};

enum h248_trans_kind {
	H248_TR_REQUEST = 1,
	H248_TR_REPLY,
	H248_TR_PENDING,
	H248_TR_RESPONSE_ACK,
	H248_TR_SEGMENT_REPLY,
};

struct h248_ack_range {
	uint32_t first, last;       /* last == first for a single ID */
};

struct h248_transaction {
	struct h248_transaction *next;
	uint8_t kind;               /* enum h248_trans_kind */
	bool has_id;                /* "Transaction {" may omit the ID */
	bool imm_ack;               /* ImmAckRequired in a reply */
	bool has_segment;           /* "Reply = 12/3" (v3 segmentation) */
	bool segment_complete;      /* "/END" */
	uint32_t id;
	uint32_t segment;
	struct h248_action *actions;
	struct h248_node *error;    /* reply body that is an ErrorDescriptor */
	uint16_t nacks;
	struct h248_ack_range *acks;
	uint32_t offset;
};

enum h248_mid_kind {
	H248_MID_IP4 = 1,      /* "[1.2.3.4]" */
	H248_MID_IP6,          /* "[2001:db8::1]" */
	H248_MID_DOMAIN,       /* "<example.net>" */
	H248_MID_DEVICE,       /* a path name */
	H248_MID_MTP,          /* "MTP{...}" */
};

struct h248_mid {
	uint8_t kind;          /* enum h248_mid_kind */
	bool has_port;
	uint16_t port;
	struct h248_str addr;  /* without brackets / MTP{} */
};

struct h248_auth {
	struct h248_str spi, seq, data; /* "Authentication = spi:seq:data" */
};

struct h248_message {
	uint8_t version;
	bool has_auth;
	struct h248_auth auth;
	struct h248_mid mid;
	struct h248_node *error;          /* message-level ErrorDescriptor */
	struct h248_transaction *trans;   /* or a list of transactions */
};

/* ---- decoding ------------------------------------------------------- */

/* H.248.8 error codes the decoder reports. */
enum h248_errcode {
	H248_E_SYNTAX_MESSAGE = 400,
	H248_E_SYNTAX_TRANS_REQUEST = 403,
	H248_E_SYNTAX_TRANS_REPLY = 404,
	H248_E_SYNTAX_TRANS_PENDING = 405,
	H248_E_VERSION = 406,
	H248_E_SYNTAX_COMMAND = 442,
	H248_E_UNKNOWN_COMMAND = 443,
	H248_E_UNKNOWN_DESCRIPTOR = 444,
	/* and the command errors agwd answers (H.248.8 names) */
	H248_E_MISSING_DESCRIPTOR = 441, /* missing Remote or Local */
	H248_E_UNSUPPORTED_VALUE = 449, /* parameter or property value */
	H248_E_CONFLICTING_PROPERTY = 473, /* conflicting property values */
	H248_E_INVALID_SDP = 474,
	H248_E_INTERNAL = 500, /* internal software failure in the MG */
	H248_E_RESOURCES = 510,
	H248_E_UNSUPPORTED_MODE = 517, /* unsupported or invalid mode */
};

struct h248_error {
	int code;               /* enum h248_errcode, 0 when no error */
	uint32_t offset;        /* byte offset of the offending input */
	const char *expected;   /* static text: what was expected/wrong */
	bool has_tid;           /* the error is inside transaction tid */
	uint8_t trans_kind;     /* enum h248_trans_kind of that transaction */
	uint32_t tid;
};

/*
 * Decode buf[0..len). Returns 0 and *out, or -EINVAL (syntax; err filled)
 * or -E2BIG (a limit; err filled, code 400/510) or -ENOMEM (arena limit).
 * lim may be NULL for the defaults. The tree points into buf.
 */
int h248_decode(const char *buf, size_t len, const struct h248_limits *lim,
		struct h248_arena *a, struct h248_message **out,
		struct h248_error *err);

/* "error 442 at offset 17: expected '}'" into a caller buffer. */
int h248_error_format(const struct h248_error *e, char *buf, size_t size);

/* ---- encoding ------------------------------------------------------- */

enum h248_enc_flags {
	H248_ENC_PRETTY = 0,   /* long tokens, one item a line, tab indent */
	H248_ENC_COMPACT = 1,  /* short tokens, no optional white space */
	H248_ENC_EOL = 2,      /* end with a line break where the grammar
				* allows one (not after a segment reply) */
};

/*
 * Encode into buf[0..size). Returns the length (no NUL is written), or
 * -ENOSPC when the output does not fit (nothing useful in buf), or
 * -EINVAL for a tree the grammar cannot express (also a segment reply
 * that is not the last transaction: nothing may follow it in text).
 */
ssize_t h248_encode(const struct h248_message *m, unsigned int flags,
		    char *buf, size_t size);

/* Encode into arena memory (grows as needed). */
int h248_encode_arena(const struct h248_message *m, unsigned int flags,
		      struct h248_arena *a, struct h248_str *out);

/* ---- tree helpers --------------------------------------------------- */

/* Deep equality: keywords by id, names/values/bodies byte for byte. */
bool h248_message_equal(const struct h248_message *a,
			const struct h248_message *b);

/* First child of n (or item of a list) with keyword kw; NULL if none. */
struct h248_node *h248_node_find(const struct h248_node *list,
				 enum h248_kw kw);
/* First H248_KW_NAME item whose name equals name (case-insensitive). */
struct h248_node *h248_node_find_name(const struct h248_node *list,
				      const char *name);
/* Value 0 of n as an unsigned number; -EINVAL if absent/not a number. */
int h248_node_uint(const struct h248_node *n, uint32_t *out);

/*
 * Stream stream_id of command c's Media descriptor: the Stream node, or the
 * Media node itself when it holds one stream's parameters directly (then
 * only stream 1 exists). NULL if absent.
 */
const struct h248_node *h248_cmd_stream(const struct h248_command *c,
					uint32_t stream_id);
/* The SDP octets of the stream's Local or Remote (which = H248_KW_LOCAL or
 * H248_KW_REMOTE): 0, -ENOENT if the stream has none, -EINVAL. */
int h248_stream_sdp(const struct h248_node *stream, enum h248_kw which,
		    struct h248_str *sdp);
/* LocalControl Mode of the stream (H248_KW_SENDRECEIVE, ...), -ENOENT. */
int h248_stream_mode(const struct h248_node *stream, enum h248_kw *mode);
/*
 * The first ErrorDescriptor of a reply: the transaction's, an action's or
 * a command's (in that order); NULL when the reply reports none.
 */
const struct h248_node *h248_trans_error(const struct h248_transaction *t);

/* ---- builder -------------------------------------------------------- */
/*
 * Build a message (typically a reply) in an arena, then h248_encode() it.
 * Strings passed in are referenced, not copied: use h248_arena_strdup()
 * for temporaries. Every function returns NULL when the arena is full.
 */
struct h248_message *h248_build_message(struct h248_arena *a, int version,
					const struct h248_mid *mid);
struct h248_transaction *h248_build_transaction(struct h248_arena *a,
						struct h248_message *m,
						enum h248_trans_kind kind,
						uint32_t id);
struct h248_action *h248_build_action(struct h248_arena *a,
				      struct h248_transaction *t,
				      enum h248_ctx_kind kind, uint32_t id);
struct h248_command *h248_build_command(struct h248_arena *a,
					struct h248_action *act,
					enum h248_cmd cmd,
					struct h248_str termid);
/* Append a node to *list (a descriptor list or a node's children). */
struct h248_node *h248_build_node(struct h248_arena *a,
				  struct h248_node **list, enum h248_kw kw,
				  struct h248_str name);
/* Set "op value" on n; value keyword-ness is looked up by the encoder. */
int h248_build_value(struct h248_arena *a, struct h248_node *n,
		     enum h248_op op, struct h248_str value, bool quoted);
/* Set a raw body (SDP for Local/Remote): encoded as "{" body "}". */
void h248_build_body(struct h248_node *n, struct h248_str body);
/* "Error = code { "text" }" appended to *list. */
struct h248_node *h248_build_error(struct h248_arena *a,
				   struct h248_node **list, int code,
				   const char *text);

#endif /* AGW_H248_H */
