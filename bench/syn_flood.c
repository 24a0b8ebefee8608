// SPDX-License-Identifier: GPL-2.0-only
/*
 * A SYN flood source for bench/gate_flood.sh: valid TCP SYNs (checksums
 * right, so that the TCP stack does its full work) from one source address
 * and rotating source ports, for a given time.
 *
 * The frames leave as xdp_frames: bench/bpf/syn_gen.bpf.o runs through
 * BPF_PROG_TEST_RUN in live-frames mode and redirects each one out of
 * IFNAME (a veth), so its peer receives them as a NIC's driver would,
 * with no skb until XDP has passed them. A full ring drops frames at the
 * sender (the veth's xdp_xmit errors) without slowing it: the receiver
 * runs at saturation.
 *
 * Usage: syn_flood BPF_OBJ IFNAME DST_MAC SRC_IP DST_IP DST_PORT SECONDS
 * Prints "sent N".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#define FRAME_LEN (14 + 20 + 20)
#define REPEAT 65536 /* frames per test run */

static uint16_t csum(const void *p, size_t len, uint32_t sum)
{
	const uint8_t *b = p;

	for (; len > 1; len -= 2, b += 2)
		sum += b[0] << 8 | b[1];
	if (len)
		sum += b[0] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum;
}

static void build(uint8_t *f, const uint8_t *dmac, const uint8_t *smac,
		  uint32_t saddr, uint32_t daddr, uint16_t sport,
		  uint16_t dport)
{
	struct iphdr *ip = (void *)(f + 14);
	struct tcphdr *th = (void *)(f + 34);
	uint8_t pseudo[12];
	uint32_t sum = 0;
	size_t i;

	memcpy(f, dmac, 6);
	memcpy(f + 6, smac, 6);
	f[12] = 0x08;
	f[13] = 0x00;
	ip->version = 4;
	ip->ihl = 5;
	ip->tot_len = htons(40);
	ip->frag_off = htons(0x4000);
	ip->ttl = 64;
	ip->protocol = IPPROTO_TCP;
	ip->saddr = saddr;
	ip->daddr = daddr;
	ip->check = htons(csum(ip, 20, 0));
	th->source = htons(sport);
	th->dest = htons(dport);
	th->seq = htonl((uint32_t)random());
	th->doff = 5;
	th->syn = 1;
	th->window = htons(64240);
	memcpy(pseudo, &saddr, 4);
	memcpy(pseudo + 4, &daddr, 4);
	pseudo[8] = 0;
	pseudo[9] = IPPROTO_TCP;
	pseudo[10] = 0;
	pseudo[11] = 20;
	for (i = 0; i < 12; i += 2)
		sum += pseudo[i] << 8 | pseudo[i + 1];
	th->check = htons(csum(th, 20, sum));
}

static int parse_mac(const char *s, uint8_t *mac)
{
	return sscanf(s, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &mac[0], &mac[1],
		      &mac[2], &mac[3], &mac[4], &mac[5]) == 6 ?
		       0 :
		       -1;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	uint8_t frame[FRAME_LEN] = { 0 }, dmac[6],
		smac[6] = { 2, 0, 0, 0, 0, 2 };
	struct bpf_object *obj;
	struct bpf_program *prog;
	uint32_t saddr, daddr, zero = 0, ifindex;
	unsigned long sent = 0;
	double end;
	int fd;

	if (argc != 8 || parse_mac(argv[3], dmac) ||
	    inet_pton(AF_INET, argv[4], &saddr) != 1 ||
	    inet_pton(AF_INET, argv[5], &daddr) != 1) {
		fprintf(stderr,
			"usage: syn_flood BPF_OBJ IFNAME DST_MAC SRC_IP DST_IP DST_PORT SECONDS\n");
		return 2;
	}
	ifindex = if_nametoindex(argv[2]);
	obj = bpf_object__open_file(argv[1], NULL);
	if (!ifindex || !obj || bpf_object__load(obj)) {
		fprintf(stderr, "syn_flood: %s / %s: %s\n", argv[1], argv[2],
			strerror(errno));
		return 1;
	}
	prog = bpf_object__find_program_by_name(obj, "agw_bench_syn_gen");
	fd = bpf_map__fd(bpf_object__find_map_by_name(obj, "agw_bench_tx"));
	if (!prog || fd < 0 || bpf_map_update_elem(fd, &zero, &ifindex, 0)) {
		fprintf(stderr, "syn_flood: program or map: %s\n",
			strerror(errno));
		return 1;
	}
	build(frame, dmac, smac, saddr, daddr, 1024, atoi(argv[6]));
	end = now() + atof(argv[7]);
	while (now() < end) {
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame,
			    .data_size_in = sizeof(frame), .repeat = REPEAT,
			    .flags = BPF_F_TEST_XDP_LIVE_FRAMES,
			    .batch_size = 64);

		if (bpf_prog_test_run_opts(bpf_program__fd(prog), &o)) {
			perror("syn_flood: live frames");
			return 1;
		}
		sent += REPEAT;
	}
	printf("sent %lu\n", sent);
	bpf_object__close(obj);
	return 0;
}
