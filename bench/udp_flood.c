// SPDX-License-Identifier: GPL-2.0-only
/*
 * A UDP junk source for bench/h248_flood.sh and
 * tests/integration/agwd_h248_flood.sh: datagrams with any source address
 * and port (a raw IP_HDRINCL socket, so it can forge the MGC's), sent in
 * batches of 64 with sendmmsg at a given rate for a given time. The
 * payload is an H.248 request that agwd would answer if it executed it,
 * padded to SIZE bytes.
 *
 * Usage: udp_flood SRC_IP SRC_PORT DST_IP DST_PORT PPS SECONDS [SIZE]
 * PPS 0 sends nothing for SECONDS (a quiet phase with the same output).
 * Prints "start T", "end T" (CLOCK_MONOTONIC seconds) and "sent N".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64
#define MAX_SIZE 1400

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	static uint8_t pkt[BATCH][sizeof(struct iphdr) + sizeof(struct udphdr) +
				  MAX_SIZE];
	struct sockaddr_in dst = { .sin_family = AF_INET };
	struct in_addr src;
	struct mmsghdr mm[BATCH];
	struct iovec iov[BATCH];
	double pps, secs, t0, t;
	size_t size = 200, len;
	unsigned long long sent = 0;
	int fd, one = 1;
	char body[MAX_SIZE + 1];

	if (argc < 7 || argc > 8) {
		fprintf(stderr,
			"usage: udp_flood SRC_IP SRC_PORT DST_IP DST_PORT PPS SECONDS [SIZE]\n");
		return 2;
	}
	if (argc == 8)
		size = strtoul(argv[7], NULL, 10);
	if (inet_pton(AF_INET, argv[1], &src) != 1 ||
	    inet_pton(AF_INET, argv[3], &dst.sin_addr) != 1 || size < 64 ||
	    size > MAX_SIZE) {
		fprintf(stderr, "udp_flood: bad address or size\n");
		return 2;
	}
	pps = atof(argv[5]);
	secs = atof(argv[6]);
	fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
	if (fd < 0 ||
	    setsockopt(fd, IPPROTO_IP, IP_HDRINCL, &one, sizeof(one))) {
		perror("udp_flood: raw socket");
		return 1;
	}
	snprintf(
		body, sizeof(body),
		"MEGACO/1 [%s]:%s\nTransaction = 4242 { Context = - { AuditValue = ROOT { Audit { } } } }\n",
		argv[1], argv[2]);
	len = strlen(body);
	if (len < size)
		memset(body + len, ' ', size - len);
	len = size;
	for (int i = 0; i < BATCH; i++) {
		struct iphdr *ip = (struct iphdr *)pkt[i];
		struct udphdr *udp = (struct udphdr *)(ip + 1);

		ip->version = 4;
		ip->ihl = 5;
		ip->ttl = 64;
		ip->protocol = IPPROTO_UDP;
		ip->saddr = src.s_addr;
		ip->daddr = dst.sin_addr.s_addr;
		ip->tot_len = htons(sizeof(*ip) + sizeof(*udp) + len);
		udp->source = htons(atoi(argv[2]));
		udp->dest = htons(atoi(argv[4]));
		udp->len = htons(sizeof(*udp) + len);
		udp->check = 0; /* none: allowed for IPv4 */
		memcpy(udp + 1, body, len);
		iov[i] = (struct iovec){ pkt[i],
					 sizeof(*ip) + sizeof(*udp) + len };
		mm[i].msg_hdr = (struct msghdr){ .msg_name = &dst,
						 .msg_namelen = sizeof(dst),
						 .msg_iov = &iov[i],
						 .msg_iovlen = 1 };
	}
	t0 = now();
	for (t = t0; pps <= 0 && t - t0 < secs; t = now())
		usleep(10000);
	for (t = t0; t - t0 < secs; t = now()) {
		/* behind schedule: a batch; ahead: wait a little */
		if (pps <= 0)
			break;
		if (sent < (t - t0) * pps) {
			int n = sendmmsg(fd, mm, BATCH, 0);

			if (n > 0)
				sent += n;
			else if (errno != ENOBUFS && errno != EAGAIN &&
				 errno != EPERM) {
				perror("udp_flood: sendmmsg");
				return 1;
			}
		} else {
			usleep(50);
		}
	}
	printf("start %.6f\nend %.6f\nsent %llu\n", t0, now(), sent);
	return 0;
}
