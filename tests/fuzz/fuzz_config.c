// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer harness for the INI configuration parser (lib/config.c), as
 * agwd reads it: the embedded default, then the input as a file would be.
 * Properties: never crashes, leaks or reads out of bounds (ASan); an error
 * names where ("fuzz:LINE" or "fuzz: [section]"); a configuration that
 * parses and validates prints (--print-config) as INI that parses and
 * validates again and prints the very same bytes.
 */
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agw/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* lib/sockaddr.c resolves host names: no network in a fuzzer. The build
 * renames its getaddrinfo/freeaddrinfo to these. */
int fuzz_getaddrinfo(const char *node, const char *service,
		     const struct addrinfo *hints, struct addrinfo **res);
void fuzz_freeaddrinfo(struct addrinfo *res);

int fuzz_getaddrinfo(const char *node, const char *service,
		     const struct addrinfo *hints, struct addrinfo **res)
{
	return EAI_NONAME;
}

void fuzz_freeaddrinfo(struct addrinfo *res)
{
	abort(); /* never handed out */
}

static char *print(const struct agw_config *cfg, size_t *len)
{
	char *p = NULL;
	FILE *f = open_memstream(&p, len);

	if (!f)
		abort();
	agw_config_print(cfg, f);
	if (fclose(f))
		abort();
	return p;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct agw_config def, a, b;
	static bool init;
	char err[512], *text, *p1, *p2;
	size_t l1, l2;

	if (size > 16384)
		return 0;
	if (!init) {
		/* the embedded default always parses */
		if (agw_config_load(&def, NULL, err, sizeof(err)))
			abort();
		init = true;
	}
	text = malloc(size + 1);
	if (!text)
		abort();
	memcpy(text, data, size);
	text[size] = 0;
	a = def;
	err[0] = 0;
	if (agw_config_parse_string(&a, text, "fuzz", err, sizeof(err)) ||
	    agw_config_validate(&a, "fuzz", err, sizeof(err))) {
		if (strncmp(err, "fuzz", 4))
			abort();
		free(text);
		return 0;
	}
	p1 = print(&a, &l1);
	b = def;
	if (agw_config_parse_string(&b, p1, "printed", err, sizeof(err)) ||
	    agw_config_validate(&b, "printed", err, sizeof(err))) {
		fprintf(stderr, "printed config does not parse: %s\n%s\n", err,
			p1);
		abort();
	}
	p2 = print(&b, &l2);
	if (l1 != l2 || memcmp(p1, p2, l1)) {
		fprintf(stderr, "print/parse/print differs:\n%s\n---\n%s\n", p1,
			p2);
		abort();
	}
	free(p1);
	free(p2);
	free(text);
	return 0;
}
