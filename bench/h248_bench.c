// SPDX-License-Identifier: GPL-2.0-only
/*
 * h248_bench DIR [ROUNDS]: time agw's H.248 codec over every DIR/NAME.txt
 * message: decode, encode pretty, encode compact, decode compact; average
 * nanoseconds per message. One arena is reset and reused for every
 * message, and malloc/calloc/realloc are counted process-wide, so the
 * "heap allocations per message" line is measured, not assumed.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agw/h248.h"

extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t n, size_t m);
extern void *__libc_realloc(void *p, size_t n);

static unsigned long heap_calls;

void *malloc(size_t n)
{
	heap_calls++;
	return __libc_malloc(n);
}

void *calloc(size_t n, size_t m)
{
	heap_calls++;
	return __libc_calloc(n, m);
}

void *realloc(void *p, size_t n)
{
	heap_calls++;
	return __libc_realloc(p, n);
}

#define MAXMSG 512

struct msg {
	char *buf;
	size_t len;
	char compact[65536];
	size_t clen;
};

static double now_ns(void)
{
	struct timespec ts;

	/* CPU time: other jobs on a shared machine do not inflate it */
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int load(const char *dir, struct msg *msgs, int *n)
{
	char path[4200];
	struct dirent *de;
	DIR *d = opendir(dir);
	FILE *f;
	size_t l;

	if (!d)
		return -errno;
	*n = 0;
	while ((de = readdir(d)) && *n < MAXMSG) {
		l = strlen(de->d_name);
		if (l < 5 || strcmp(de->d_name + l - 4, ".txt"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		f = fopen(path, "rb");
		if (!f)
			continue;
		msgs[*n].buf = malloc(65536);
		msgs[*n].len = fread(msgs[*n].buf, 1, 65536, f);
		fclose(f);
		(*n)++;
	}
	closedir(d);
	return *n ? 0 : -ENOENT;
}

/* Decode every message once, resetting the arena each time (steady state). */
static double time_decode(struct msg *msgs, int n, bool compact, long rounds,
			  struct h248_arena *a)
{
	struct h248_message *m;
	struct h248_error err;
	double t0 = now_ns();
	long k;
	int i;

	for (k = 0; k < rounds; k++) {
		for (i = 0; i < n; i++) {
			h248_arena_reset(a);
			if (compact)
				h248_decode(msgs[i].compact, msgs[i].clen, NULL,
					    a, &m, &err);
			else
				h248_decode(msgs[i].buf, msgs[i].len, NULL, a,
					    &m, &err);
		}
	}
	return (now_ns() - t0) / (double)(rounds * n);
}

static double time_encode(struct h248_message **trees, int n,
			  unsigned int flags, long rounds, size_t *sum)
{
	static char out[65536];
	double t0 = now_ns();
	long k;
	int i;

	for (k = 0; k < rounds; k++)
		for (i = 0; i < n; i++)
			*sum += (size_t)h248_encode(trees[i], flags, out,
						    sizeof(out));
	return (now_ns() - t0) / (double)(rounds * n);
}

int main(int argc, char **argv)
{
	static struct msg msgs[MAXMSG];
	static struct h248_message *trees[MAXMSG];
	struct h248_error err;
	struct h248_arena a, keep;
	double t_dec, t_pre, t_com, t_dcom;
	unsigned long heap0, heap1;
	long rounds = argc > 2 ? atol(argv[2]) : 2000;
	size_t bytes = 0, sum = 0;
	ssize_t r;
	int n, i;

	if (argc < 2 || load(argv[1], msgs, &n) || rounds < 1) {
		fprintf(stderr, "usage: %s DIR [ROUNDS]\n", argv[0]);
		return 2;
	}
	h248_arena_init(&a, NULL, 0);
	h248_arena_init(&keep, NULL, 0);
	/* all trees at once for the encode loops; compact form of each */
	for (i = 0; i < n; i++) {
		if (h248_decode(msgs[i].buf, msgs[i].len, NULL, &keep,
				&trees[i], &err)) {
			fprintf(stderr, "message %d does not decode\n", i);
			return 1;
		}
		r = h248_encode(trees[i], H248_ENC_COMPACT, msgs[i].compact,
				sizeof(msgs[i].compact));
		if (r < 0)
			return 1;
		msgs[i].clen = (size_t)r;
		bytes += msgs[i].len;
	}
	time_decode(msgs, n, false, 10, &a); /* warm-up: sizes the arena */
	heap0 = heap_calls;
	t_dec = time_decode(msgs, n, false, rounds, &a);
	t_dcom = time_decode(msgs, n, true, rounds, &a);
	t_pre = time_encode(trees, n, H248_ENC_PRETTY, rounds, &sum);
	t_com = time_encode(trees, n, H248_ENC_COMPACT, rounds, &sum);
	heap1 = heap_calls;
	printf("bench: h248_messages = %d msgs (avg %zu bytes)\n", n,
	       bytes / (size_t)n);
	printf("bench: h248_agw_decode = %.0f ns/msg\n", t_dec);
	printf("bench: h248_agw_encode_pretty = %.0f ns/msg\n", t_pre);
	printf("bench: h248_agw_decode_compact = %.0f ns/msg\n", t_dcom);
	printf("bench: h248_agw_encode_compact = %.0f ns/msg\n", t_com);
	printf("bench: h248_agw_heap_allocs = %.3f allocs/msg (%lu in %ld decodes and encodes, arena chunks %llu)\n",
	       (double)(heap1 - heap0) / (double)(4 * rounds * n),
	       heap1 - heap0, 4 * rounds * n,
	       (unsigned long long)a.heap_allocs);
	h248_arena_release(&a);
	h248_arena_release(&keep);
	for (i = 0; i < n; i++)
		free(msgs[i].buf);
	return sum ? 0 : 1;
}
