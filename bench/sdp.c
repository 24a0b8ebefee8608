// SPDX-License-Identifier: GPL-2.0-only
/*
 * SDP parse and generate time per body, over the bodies named on the
 * command line. The baseline is a plain line scan of the same bytes
 * (memchr for each end of line and a check of the "x=" prefix): the least
 * any parser has to do.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agw/sdp.h"

#define MAX_BODIES 32

static char bodies[MAX_BODIES][AGW_SDP_MAX_BODY];
static size_t lens[MAX_BODIES];
static struct agw_sdp sdp, parsed[MAX_BODIES];
static char out[2 * AGW_SDP_MAX_BODY];

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static unsigned int scan_lines(const char *p, size_t len)
{
	const char *end = p + len;
	unsigned int good = 0;

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));

		if (end - p >= 2 && p[1] == '=')
			good++;
		p = eol ? eol + 1 : end;
	}
	return good;
}

int main(int argc, char **argv)
{
	volatile unsigned int sink = 0;
	int n = 0, iters = 20000;
	double t, scan_ns, parse_ns, gen_ns;
	size_t total = 0;

	for (int i = 1; i < argc && n < MAX_BODIES; i++) {
		FILE *f = fopen(argv[i], "rb");

		if (!f) {
			perror(argv[i]);
			return 1;
		}
		lens[n] = fread(bodies[n], 1, sizeof(bodies[n]), f);
		fclose(f);
		if (agw_sdp_parse(&parsed[n], bodies[n], lens[n], NULL)) {
			fprintf(stderr, "%s: not valid SDP\n", argv[i]);
			return 1;
		}
		total += lens[n++];
	}
	if (n == 0) {
		fprintf(stderr, "usage: sdp BODY...\n");
		return 1;
	}

	t = now_ns();
	for (int k = 0; k < iters; k++)
		for (int i = 0; i < n; i++)
			sink += scan_lines(bodies[i], lens[i]);
	scan_ns = (now_ns() - t) / ((double)iters * n);

	t = now_ns();
	for (int k = 0; k < iters; k++)
		for (int i = 0; i < n; i++)
			sink += (unsigned int)agw_sdp_parse(&sdp, bodies[i],
							    lens[i], NULL);
	parse_ns = (now_ns() - t) / ((double)iters * n);

	t = now_ns();
	for (int k = 0; k < iters; k++)
		for (int i = 0; i < n; i++)
			sink += (unsigned int)agw_sdp_generate(
				&parsed[i], out, sizeof(out),
				AGW_SDP_GEN_KEEP_CHOOSE);
	gen_ns = (now_ns() - t) / ((double)iters * n);

	printf("bench: sdp_bodies = %d (average %zu octets)\n", n,
	       total / (size_t)n);
	printf("bench: sdp_line_scan = %.0f ns/body\n", scan_ns);
	printf("bench: sdp_parse = %.0f ns/body\n", parse_ns);
	printf("bench: sdp_generate = %.0f ns/body\n", gen_ns);
	printf("bench: sdp_parse_ratio = %.1f (sdp_parse / sdp_line_scan)\n",
	       parse_ns / scan_ns);
	return sink == 0xdeadbeef;
}
