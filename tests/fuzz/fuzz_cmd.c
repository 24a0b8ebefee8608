// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer harness for agwd's command layer: every input is one H.248
 * message from the MGC, handed to agwd's transaction layer
 * (agwd_txn_receive: decode, reply cache, agwd_ctx_execute against the
 * contexts, terminations, sockets, port pools, relay engine and gate
 * entries of a real agwd core). The core is built once, as
 * tests/unit/test_agwd_core.c builds it: agwd's own objects, the real
 * gate maps in a private pin directory with the program left detached,
 * the realm on the loopback interface of a private network namespace
 * (connects to SDP addresses reach nothing but that namespace), and a
 * test MGC on a UDP socket that answers every request agwd sends it
 * (registration, Notify, heartbeat).
 *
 * After each input:
 * - consistency: every termination in agwd's list is in the tables and
 *   in a context; the gate holds exactly one entry per termination that
 *   says it has one, on its address and port; the realm's pool has
 *   exactly the ports of live terminations taken;
 * - the harness puts agwd back in service as the MGC would (ROOT
 *   ServiceChange Restart after a Forced or Graceful in the input,
 *   answering a re-registration after a HandOff);
 * - cleanup through the protocol: one transaction subtracting every
 *   context left (Context = N { Subtract = * }), answered without error;
 * - then nothing is left: no context, no termination, every port back in
 *   the pool, no gate entry, no relay flow, no outstanding request, and
 *   exactly the file descriptors open before the input.
 * Any difference aborts with what differs.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <dirent.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "agw/h248.h"
#include "agw/log.h"
#include "../../ctl/ctx.h"

#define CHECK(cond, ...)                                                   \
	do {                                                               \
		if (!(cond)) {                                             \
			fprintf(stderr,                                    \
				"%s:%d: invariant failed: %s: ", __FILE__, \
				__LINE__, #cond);                          \
			fprintf(stderr, __VA_ARGS__);                      \
			fputc('\n', stderr);                               \
			abort();                                           \
		}                                                          \
	} while (0)

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define AGWD_PORT 2944
#define MGC_PORT 2945
#define HDR "MEGACO/3 [127.0.0.1]:2945\n"

static struct agwd d;
static int mgc = -1;
static struct agw_sockaddr mgc_peer;
static struct sockaddr_in agwd_sa;
static char pin[64];
static unsigned int base_fds;
static uint32_t base_free;
static char emu_mem[1 << 16];

static void on_msg(void *arg, enum agw_h248_proto proto,
		   const struct agw_sockaddr *peer, const uint8_t *msg,
		   size_t len)
{
	agwd_txn_receive(arg, proto, peer, msg, len);
}

static const struct agw_h248_transport_cbs cbs = { on_msg, NULL };
static const struct agwd_txn_cbs txn_cbs = { agwd_ctx_execute, agwd_reg_done };
static const struct agwd_cmd_ops cmd_ops = { agwd_audit, agwd_sc_command,
					     agwd_sc_on_term_timer };

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "fuzz_cmd: ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static void mgc_send(const char *m, size_t len)
{
	if (sendto(mgc, m, len, 0, (struct sockaddr *)&agwd_sa,
		   sizeof(agwd_sa)) != (ssize_t)len)
		die("test MGC send: %s", strerror(errno));
}

/*
 * The test MGC: reads what agwd sent, answers each request transaction
 * (ServiceChange, Notify, heartbeat AuditValue) with an empty reply and
 * keeps the last reply to a transaction of its own (tid) in *own.
 * Returns the number of datagrams read.
 */
static unsigned int mgc_serve(uint32_t own_tid, int *own_err)
{
	static char buf[65536];
	unsigned int n = 0;
	ssize_t len;

	while ((len = recv(mgc, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
		struct h248_arena a;
		struct h248_message *m;
		struct h248_error e;

		n++;
		h248_arena_init(&a, emu_mem, sizeof(emu_mem));
		if (h248_decode(buf, (size_t)len, NULL, &a, &m, &e))
			CHECK(0, "agwd sent an undecodable message: %.*s",
			      (int)len, buf);
		for (const struct h248_transaction *t = m->trans; t;
		     t = t->next) {
			char r[256];
			int rl;

			if (t->kind == H248_TR_REPLY && own_err &&
			    t->id == own_tid) {
				*own_err = 0;
				if (t->error)
					*own_err = 1;
				for (const struct h248_action *ac = t->actions;
				     ac; ac = ac->next)
					if (ac->error)
						*own_err = 1;
				if (*own_err)
					fprintf(stderr, "%.*s\n", (int)len,
						buf);
			}
			if (t->kind != H248_TR_REQUEST)
				continue;
			rl = snprintf(r, sizeof(r),
				      HDR "Reply = %u { Context = - {"
					  " ServiceChange = ROOT } }",
				      t->id);
			mgc_send(r, (size_t)rl);
		}
	}
	return n;
}

/* Run agwd's loop and the test MGC until neither has anything to do. */
static void settle(uint32_t own_tid, int *own_err)
{
	int idle = 0;

	for (int i = 0; i < 200 && idle < 2; i++) {
		int ev = agw_evloop_run_once(d.loop, 0);

		idle = mgc_serve(own_tid, own_err) || ev > 0 ? 0 : idle + 1;
	}
}

static void lo_up(void)
{
	struct ifreq ifr = { 0 };
	int s = socket(AF_INET, SOCK_DGRAM, 0);

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (s < 0 || ioctl(s, SIOCGIFFLAGS, &ifr))
		die("lo: %s", strerror(errno));
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr))
		die("lo up: %s", strerror(errno));
	close(s);
}

static void cleanup_pin(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", pin);
	if (system(cmd))
		fprintf(stderr, "fuzz_cmd: %s not removed\n", pin);
}

/* A fresh reply cache: a transaction ID of an earlier input executes. */
static void fresh_cache(void)
{
	if (!agw_txn_cache_count(d.cache))
		return;
	agw_txn_cache_free(d.cache);
	if (agw_txn_cache_new(d.loop, d.cfg.max_terminations + 1024,
			      d.cfg.long_timer_ms, &d.cache))
		die("reply cache");
}

static void register_with_mgc(void)
{
	if (d.reg == AGWD_UNREGISTERED)
		agwd_reg_start(&d);
	for (int i = 0; i < 10 && d.reg != AGWD_REGISTERED; i++)
		settle(0, NULL);
	CHECK(d.reg == AGWD_REGISTERED, "registration state %s",
	      agwd_reg_state_name(d.reg));
}

static uint32_t pool_free(void)
{
	uint32_t n = 0;

	for (unsigned int i = 0; i < agw_realms_count(d.realms); i++)
		n += agw_portpool_free_count(
			&agw_realms_get(d.realms, i)->ports);
	return n;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct sockaddr_in m = { .sin_family = AF_INET,
				 .sin_port = htons(MGC_PORT),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct agw_h248_transport_cfg tc = { 0 };
	char err[256], ini[1024];
	const char *lvl = getenv("AGW_FUZZ_LOG");

	if (unshare(CLONE_NEWNET))
		die("unshare(CLONE_NEWNET): %s (run as root)", strerror(errno));
	lo_up();
	agw_log_open("fuzz_cmd", AGW_LOG_STDERR,
		     lvl ? atoi(lvl) : AGW_LOG_ERR - 1);
	mgc = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (mgc < 0 || bind(mgc, (struct sockaddr *)&m, sizeof(m)))
		die("test MGC socket: %s", strerror(errno));
	memcpy(&mgc_peer.in4, &m, sizeof(m));
	agwd_sa = m;
	agwd_sa.sin_port = htons(AGWD_PORT);
	if (getenv("AGW_FUZZ_PIN"))
		snprintf(pin, sizeof(pin), "%s", getenv("AGW_FUZZ_PIN"));
	else
		snprintf(pin, sizeof(pin), "/sys/fs/bpf/agw-fuzzcmd-%d",
			 (int)getpid());
	snprintf(ini, sizeof(ini),
		 "[agwd]\nstate_dir = /tmp\ngate_pin_dir = %s\n"
		 "[h248]\nmgc = 127.0.0.1:%u\ntransport = udp\n"
		 "address = 127.0.0.1\nport = %u\n"
		 "[limits]\ncontexts = 8\nterminations = 16\n"
		 "[timers]\nheartbeat_ms = 0\n"
		 "[realm default]\ninterface = lo\nports = 46300-46307\n"
		 "attach = none\n"
		 "[realm access]\ninterface = lo\nports = 46100-46163\n"
		 "attach = none\n"
		 "[realm core]\ninterface = lo\nports = 46200-46207\n"
		 "attach = none\n",
		 pin, MGC_PORT, AGWD_PORT);
	if (agw_config_parse_string(&d.cfg, agw_config_default_ini, "default",
				    err, sizeof(err)) ||
	    agw_config_parse_string(&d.cfg, ini, "fuzz", err, sizeof(err)))
		die("configuration: %s", err);
	agwd_ensure_bpffs(pin);
	if (agw_evloop_new(&d.loop) ||
	    agw_realms_new(d.loop, &d.cfg, NULL, NULL, &d.realms))
		die("loop or realms");
	d.cmd_ops = &cmd_ops;
	if (agwd_ctx_init(&d) || agwd_gate_init(&d))
		die("tables or gate (bpffs on /sys/fs/bpf? root?)");
	atexit(cleanup_pin);
	/* the maps are real, the program stays detached (attach = none at
	 * init); the realm claims a gate so that agwd takes gate requests */
	for (unsigned int i = 0; i < d.cfg.nrealms; i++)
		d.cfg.realms[i].attach = AGW_ATTACH_XDP_GENERIC;
	if (agwd_relay_init(&d) || agwd_txn_init(&d, &txn_cbs))
		die("relay or transaction layer");
	agwd_reg_init(&d);
	tc.local = d.cfg.local;
	tc.mgc = d.cfg.mgc;
	tc.nmgc = d.cfg.nmgc;
	tc.udp = true;
	if (agw_h248_transport_new(d.loop, &tc, &cbs, &d, &d.h248))
		die("H.248 transport");
	register_with_mgc();
	base_free = pool_free();
	return 0;
}

/* ---- invariants --------------------------------------------------------- */

struct gate_walk {
	unsigned int n;
};

static int count_entry(const struct agw_gate_entry *gi, void *arg)
{
	struct gate_walk *w = arg;
	bool found = false;

	w->n++;
	for (struct agwd_term *t = d.all_terms; t; t = t->next_all)
		if (t->gate_added && t->port == gi->port &&
		    !memcmp(&t->local_addr, &gi->local, sizeof(gi->local)))
			found = true;
	CHECK(found, "gate entry for port %u that no termination owns",
	      gi->port);
	return 0;
}

static void check_consistent(void)
{
	struct gate_walk w = { 0 };
	unsigned int nterm = 0, ngate = 0, nport = 0;

	for (struct agwd_term *t = d.all_terms; t; t = t->next_all) {
		nterm++;
		CHECK(t->num >= 1 && t->num <= d.tab.max_term &&
			      d.tab.term[t->num - 1] == t,
		      "termination %s not in the table", t->id);
		CHECK(t->ctx && t->ctx->id, "termination %s in no context",
		      t->id);
		ngate += t->gate_added;
		if (t->port) {
			nport++;
			CHECK(agw_portpool_in_use(&t->realm->ports, t->port),
			      "%s: port %u not taken in the pool", t->id,
			      t->port);
		}
	}
	CHECK(nterm == d.tab.nterm, "%u terminations listed, %u counted", nterm,
	      d.tab.nterm);
	agw_gate_entry_foreach(d.gate, count_entry, &w);
	CHECK(w.n == ngate, "%u gate entries, %u terminations have one", w.n,
	      ngate);
	CHECK(base_free - pool_free() == nport,
	      "%u ports taken, %u terminations hold one",
	      base_free - pool_free(), nport);
}

/* Open file descriptors, as agwd_fds_open() counts them, without
 * opening /proc/self/fd each time. */
static unsigned int fds_open(void)
{
	static int dfd = -1;
	char buf[4096];
	unsigned int n = 0;
	long len;

	if (dfd < 0) {
		dfd = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd < 0)
			die("/proc/self/fd: %s", strerror(errno));
	}
	lseek(dfd, 0, SEEK_SET);
	while ((len = syscall(SYS_getdents64, dfd, buf, sizeof(buf))) > 0) {
		for (long off = 0; off < len;) {
			struct dirent64 *e = (struct dirent64 *)(buf + off);

			n += e->d_name[0] != '.';
			off += e->d_reclen;
		}
	}
	return n;
}

/* What is open (after a leak, before aborting). */
static void list_fds(void)
{
	char path[64], link[256];

	for (int fd = 0; fd < 1024; fd++) {
		ssize_t n;

		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		n = readlink(path, link, sizeof(link) - 1);
		if (n < 0)
			continue;
		link[n] = 0;
		fprintf(stderr, "fd %d: %s\n", fd, link);
	}
}

static void check_empty(void)
{
	struct gate_walk w = { 0 };
	unsigned int fds;

	CHECK(d.tab.nctx == 0 && d.tab.nterm == 0 && !d.all_terms,
	      "%u contexts, %u terminations left", d.tab.nctx, d.tab.nterm);
	CHECK(pool_free() == base_free, "%u ports not returned",
	      base_free - pool_free());
	agw_gate_entry_foreach(d.gate, count_entry, &w);
	CHECK(w.n == 0, "%u gate entries left", w.n);
	CHECK(agw_relay_count(d.relay) == 0, "%u relay flows left",
	      agw_relay_count(d.relay));
	CHECK(agw_txn_out_count(d.out) == 0, "%u requests outstanding",
	      agw_txn_out_count(d.out));
	fds = fds_open();
	if (fds != base_fds)
		list_fds();
	CHECK(fds == base_fds, "%u file descriptors open, %u before", fds,
	      base_fds);
}

/* Back in service as the MGC would put it: Restart on ROOT after its
 * Forced or Graceful, a registration answered after a HandOff. */
static void restore_service(void)
{
	static const char restart[] = HDR
		"Transaction = 4000000001 { Context = - { ServiceChange ="
		" ROOT { Services { Method = Restart,"
		" Reason = \"901 Cold Boot\" } } } }";
	int own = -1;

	if (agw_timer_armed(&d.handoff_timer)) {
		/* the HandOff's re-registration, at once */
		agw_timer_stop(d.loop, &d.handoff_timer);
		d.handoff = true;
		agwd_reg_switch(&d, d.handoff_idx);
	}
	register_with_mgc();
	if (d.out_of_service || d.draining) {
		fresh_cache();
		mgc_send(restart, sizeof(restart) - 1);
		settle(4000000001u, &own);
		CHECK(own == 0, "ROOT Restart not answered or refused");
		CHECK(!d.out_of_service && !d.draining, "still out of service");
	}
}

/* Subtract every context left, in one transaction. */
static void subtract_all(void)
{
	static char m[4096];
	const char *sep = "";
	int n, own = -1;

	if (!d.tab.nctx)
		return;
	n = snprintf(m, sizeof(m), HDR "Transaction = 4000000002 {");
	for (uint32_t i = 0; i < d.tab.max_ctx; i++)
		if (d.tab.ctx[i].id) {
			n += snprintf(m + n, sizeof(m) - (size_t)n,
				      "%s Context = %u { Subtract = * }", sep,
				      d.tab.ctx[i].id);
			sep = ",";
		}
	n += snprintf(m + n, sizeof(m) - (size_t)n, " }");
	fresh_cache();
	mgc_send(m, (size_t)n);
	settle(4000000002u, &own);
	CHECK(own == 0, "Subtract of every context not answered or refused");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 8192)
		return -1;
	/* per input: libFuzzer's symbolizer may open pipes between inputs */
	base_fds = fds_open();
	fresh_cache();
	agwd_txn_receive(&d, AGW_H248_UDP, &mgc_peer, data, size);
	settle(0, NULL);
	check_consistent();
	restore_service();
	subtract_all();
	/* whatever the MGC had not answered yet */
	settle(0, NULL);
	if (agw_txn_out_count(d.out)) {
		d.cancelling = true;
		agw_txn_out_cancel_all(d.out);
		d.cancelling = false;
	}
	check_empty();
	/* the next input starts from the same IDs and ports as this one:
	 * the free stacks as agwd_ctx_init() leaves them (all free now) */
	for (uint32_t i = 0; i < d.tab.max_ctx; i++)
		d.tab.ctx_free[i] = d.tab.max_ctx - 1 - i;
	for (uint32_t i = 0; i < d.tab.max_term; i++)
		d.tab.term_free[i] = d.tab.max_term - 1 - i;
	for (unsigned int i = 0; i < agw_realms_count(d.realms); i++)
		agw_realms_get(d.realms, i)->ports.cursor = 0;
	return 0;
}
