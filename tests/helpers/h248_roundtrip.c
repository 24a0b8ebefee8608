// SPDX-License-Identifier: GPL-2.0-only
/*
 * h248_roundtrip IN_DIR OUT_DIR: for every IN_DIR/NAME.txt, decode it,
 * encode it pretty (OUT_DIR/NAME.pretty) and compact (OUT_DIR/NAME.compact),
 * decode both encodings again and require trees equal to the first one.
 * Prints one line per failure and "roundtrip: N ok, N failed".
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agw/h248.h"

static int slurp(const char *path, char **buf, size_t *len)
{
	FILE *f = fopen(path, "rb");
	long n;

	if (!f)
		return -errno;
	if (fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET)) {
		fclose(f);
		return -EIO;
	}
	*buf = malloc((size_t)n + 1);
	if (!*buf || fread(*buf, 1, (size_t)n, f) != (size_t)n) {
		free(*buf);
		fclose(f);
		return -EIO;
	}
	fclose(f);
	*len = (size_t)n;
	return 0;
}

static int spit(const char *path, const char *buf, size_t len)
{
	FILE *f = fopen(path, "wb");
	int rc = 0;

	if (!f)
		return -errno;
	if (fwrite(buf, 1, len, f) != len)
		rc = -EIO;
	if (fclose(f))
		rc = -EIO;
	return rc;
}

static int check_one(const char *in, const char *out_base)
{
	static const char *const ext[] = { "pretty", "compact" };
	struct h248_arena a, b;
	struct h248_message *m, *m2;
	struct h248_error err;
	char path[4200], ebuf[256];
	struct h248_str enc;
	char *buf = NULL;
	size_t len = 0;
	int rc, f;

	rc = slurp(in, &buf, &len);
	if (rc) {
		printf("%s: cannot read: %s\n", in, strerror(-rc));
		return 1;
	}
	h248_arena_init(&a, NULL, 0);
	h248_arena_init(&b, NULL, 0);
	rc = h248_decode(buf, len, NULL, &a, &m, &err);
	if (rc) {
		h248_error_format(&err, ebuf, sizeof(ebuf));
		printf("%s: decode: %s\n", in, ebuf);
		rc = 1;
		goto out;
	}
	for (f = 0; f < 2; f++) {
		h248_arena_reset(&b);
		rc = h248_encode_arena(
			m, f ? H248_ENC_COMPACT : H248_ENC_PRETTY, &b, &enc);
		if (rc) {
			printf("%s: encode %s: %s\n", in, ext[f],
			       strerror(-rc));
			rc = 1;
			goto out;
		}
		snprintf(path, sizeof(path), "%s.%s", out_base, ext[f]);
		if (spit(path, enc.ptr, enc.len)) {
			printf("%s: cannot write\n", path);
			rc = 1;
			goto out;
		}
		rc = h248_decode(enc.ptr, enc.len, NULL, &b, &m2, &err);
		if (rc) {
			h248_error_format(&err, ebuf, sizeof(ebuf));
			printf("%s: re-decode %s: %s\n", in, ext[f], ebuf);
			rc = 1;
			goto out;
		}
		if (!h248_message_equal(m, m2)) {
			printf("%s: %s re-decode differs from the original\n",
			       in, ext[f]);
			rc = 1;
			goto out;
		}
	}
	rc = 0;
out:
	h248_arena_release(&a);
	h248_arena_release(&b);
	free(buf);
	return rc;
}

int main(int argc, char **argv)
{
	struct dirent *de;
	int ok = 0, bad = 0;
	char in[4096], out[4096];
	size_t n;
	DIR *d;

	if (argc != 3) {
		fprintf(stderr, "usage: %s IN_DIR OUT_DIR\n", argv[0]);
		return 2;
	}
	d = opendir(argv[1]);
	if (!d) {
		perror(argv[1]);
		return 2;
	}
	while ((de = readdir(d))) {
		n = strlen(de->d_name);
		if (n < 5 || strcmp(de->d_name + n - 4, ".txt"))
			continue;
		snprintf(in, sizeof(in), "%s/%s", argv[1], de->d_name);
		snprintf(out, sizeof(out), "%s/%.*s", argv[2], (int)(n - 4),
			 de->d_name);
		if (check_one(in, out))
			bad++;
		else
			ok++;
	}
	closedir(d);
	printf("roundtrip: %d ok, %d failed\n", ok, bad);
	return bad || !ok ? 1 : 0;
}
