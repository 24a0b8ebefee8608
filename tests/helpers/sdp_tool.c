// SPDX-License-Identifier: GPL-2.0-only
/*
 * sdp_tool: the SDP parser and generator from the command line, for tests
 * that check agw's SDP against another implementation.
 *
 *   sdp_tool parse FILE         print what was parsed, one item a line
 *   sdp_tool fill FILE ADDR PORT [FINGERPRINT]
 *                               fill every "$" as agwd would (ADDR, ports
 *                               PORT, PORT+1, ...; a=setup:$ -> passive;
 *                               a=fingerprint set to FINGERPRINT when
 *                               given) and print the generated body
 *
 * A refused body prints "error CODE at OFFSET: REASON" and exits 1.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agw/sdp.h"

static char body[AGW_SDP_MAX_BODY + 2];
static char out[2 * AGW_SDP_MAX_BODY];
static struct agw_sdp sdp;

static size_t read_file(const char *path)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	size_t n;

	if (!f) {
		perror(path);
		exit(2);
	}
	n = fread(body, 1, sizeof(body), f);
	if (f != stdin)
		fclose(f);
	return n;
}

static void print_addr(const char *label, const struct agw_sdp_addr *a)
{
	char text[INET6_ADDRSTRLEN] = "$";

	if (a->kind == AGW_SDP_ADDR_IP4)
		inet_ntop(AF_INET, &a->v4, text, sizeof(text));
	else if (a->kind == AGW_SDP_ADDR_IP6)
		inet_ntop(AF_INET6, &a->v6, text, sizeof(text));
	else if (a->kind == AGW_SDP_ADDR_FQDN)
		snprintf(text, sizeof(text), "%.*s", (int)a->fqdn.len,
			 a->fqdn.ptr);
	printf("%s %s\n", label, text);
}

static void print_parsed(void)
{
	if (sdp.has_origin)
		print_addr("origin", &sdp.origin.addr);
	if (sdp.has_conn)
		print_addr("conn", &sdp.conn);
	for (int i = 0; i < sdp.n_media; i++) {
		const struct agw_sdp_media *m = &sdp.media[i];
		const char *proto = agw_sdp_proto_name(m->proto);

		if (m->port_choose)
			printf("media %d port $", i);
		else
			printf("media %d port %u", i, m->port);
		printf(" proto %s\n", proto ? proto : "other");
		if (m->has_conn)
			print_addr("  conn", &m->conn);
	}
	for (int i = 0; i < sdp.n_attrs; i++) {
		const struct agw_sdp_attr *a = &sdp.attrs[i];

		printf("attr %d %.*s type %d%s", a->media, (int)a->name.len,
		       a->name.ptr, a->type, a->choose ? " $" : "");
		if (a->type == AGW_SDP_ATTR_FINGERPRINT && !a->choose)
			printf(" hash %.*s octets %u",
			       (int)a->fingerprint.hash_name.len,
			       a->fingerprint.hash_name.ptr,
			       a->fingerprint.len);
		printf("\n");
	}
}

static bool is_choose(const struct agw_sdp_addr *a)
{
	return a->kind == AGW_SDP_ADDR_CHOOSE ||
	       a->family == AGW_SDP_FAMILY_CHOOSE;
}

static int fill(const char *addr_text, int port, const char *fingerprint)
{
	unsigned char bin[sizeof(struct in6_addr)];
	int af = strchr(addr_text, ':') ? AF_INET6 : AF_INET;

	if (inet_pton(af, addr_text, bin) != 1) {
		fprintf(stderr, "bad address %s\n", addr_text);
		return 2;
	}
	if (sdp.has_origin && is_choose(&sdp.origin.addr))
		agw_sdp_addr_set(&sdp.origin.addr, af, bin);
	if (sdp.has_conn && is_choose(&sdp.conn))
		agw_sdp_set_conn(&sdp, -1, af, bin);
	for (int i = 0; i < sdp.n_media; i++) {
		const struct agw_sdp_attr *setup;

		if (sdp.media[i].port_choose)
			agw_sdp_set_port(&sdp, (unsigned int)i,
					 (uint16_t)(port + i));
		if (sdp.media[i].has_conn && is_choose(&sdp.media[i].conn))
			agw_sdp_set_conn(&sdp, i, af, bin);
		setup = agw_sdp_find_attr(&sdp, i, AGW_SDP_ATTR_SETUP);
		if (setup && setup->choose &&
		    agw_sdp_set_attr(&sdp, i, "setup", "passive") < 0)
			return 2;
		if (fingerprint &&
		    agw_sdp_set_attr(&sdp, i, "fingerprint", fingerprint) < 0) {
			fprintf(stderr, "bad fingerprint %s\n", fingerprint);
			return 2;
		}
	}
	int n = agw_sdp_generate(&sdp, out, sizeof(out), 0);

	if (n < 0) {
		fprintf(stderr, "generate: %s\n", strerror(-n));
		return 1;
	}
	fwrite(out, 1, (size_t)n, stdout);
	return 0;
}

int main(int argc, char **argv)
{
	struct agw_sdp_error err;
	size_t len;

	if (argc < 3 || (strcmp(argv[1], "parse") && strcmp(argv[1], "fill")) ||
	    (!strcmp(argv[1], "fill") && argc < 5)) {
		fprintf(stderr,
			"usage: sdp_tool parse FILE\n"
			"       sdp_tool fill FILE ADDR PORT [FINGERPRINT]\n");
		return 2;
	}
	len = read_file(argv[2]);
	if (agw_sdp_parse(&sdp, body, len, &err)) {
		printf("error %d at %zu: %s\n", err.code, err.offset,
		       err.reason);
		return 1;
	}
	if (!strcmp(argv[1], "parse")) {
		print_parsed();
		return 0;
	}
	return fill(argv[3], atoi(argv[4]), argc > 5 ? argv[5] : NULL);
}
