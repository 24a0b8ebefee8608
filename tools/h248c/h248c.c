// SPDX-License-Identifier: GPL-2.0-only
/*
 * h248c: decode H.248 text messages (one per file, "-" for stdin) and
 * print them pretty (default) or --compact; --check only validates.
 * On error: "FILE:OFFSET: error CODE: TEXT" on stderr and exit status 1.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agw/h248.h"

static int read_all(FILE *f, char **out, size_t *len)
{
	size_t cap = 65536, n = 0, r;
	char *buf = malloc(cap), *nb;

	if (!buf)
		return -ENOMEM;
	while ((r = fread(buf + n, 1, cap - n, f)) > 0) {
		n += r;
		if (n == cap) {
			nb = realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				return -ENOMEM;
			}
			buf = nb;
			cap *= 2;
		}
	}
	if (ferror(f)) {
		free(buf);
		return -EIO;
	}
	*out = buf;
	*len = n;
	return 0;
}

static int one(const char *path, unsigned int flags, bool check,
	       struct h248_arena *a)
{
	struct h248_message *m;
	struct h248_error err;
	struct h248_str out;
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	char *buf = NULL;
	size_t len;
	int rc;

	if (!f) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return 1;
	}
	rc = read_all(f, &buf, &len);
	if (f != stdin)
		fclose(f);
	if (rc) {
		fprintf(stderr, "%s: %s\n", path, strerror(-rc));
		return 1;
	}
	h248_arena_reset(a);
	rc = h248_decode(buf, len, NULL, a, &m, &err);
	if (rc) {
		fprintf(stderr, "%s:%u: error %d: %s\n", path, err.offset,
			err.code, err.expected ? err.expected : "?");
		rc = 1;
		goto out;
	}
	if (!check) {
		rc = h248_encode_arena(m, flags | H248_ENC_EOL, a, &out);
		if (rc) {
			fprintf(stderr, "%s: encode: %s\n", path,
				strerror(-rc));
			rc = 1;
			goto out;
		}
		/* the message exactly as sent, ending in a line break only
		 * where the grammar allows one */
		fwrite(out.ptr, 1, out.len, stdout);
	}
out:
	free(buf);
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "compact", no_argument, NULL, 'c' },
		{ "check", no_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned int flags = H248_ENC_PRETTY;
	struct h248_arena a;
	bool check = false;
	int c, i, rc = 0;

	while ((c = getopt_long(argc, argv, "ckh", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			flags = H248_ENC_COMPACT;
			break;
		case 'k':
			check = true;
			break;
		default:
			fprintf(stderr,
				"usage: %s [--compact | --check] FILE|- ...\n",
				argv[0]);
			return c == 'h' ? 0 : 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "usage: %s [--compact | --check] FILE|- ...\n",
			argv[0]);
		return 2;
	}
	h248_arena_init(&a, NULL, 0);
	for (i = optind; i < argc; i++)
		rc |= one(argv[i], flags, check, &a);
	h248_arena_release(&a);
	return rc;
}
