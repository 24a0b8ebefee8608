// SPDX-License-Identifier: GPL-2.0-only
/*
 * h248_profile: prints agw's H.248 profile table (lib/profile.c, through
 * its public API) for the tests and the documentation, so that no test
 * file or document spells an item name itself:
 *   --erl          {item, Key, Package, Name, Kind, StdName}. per row
 *                  (agw_mgc --profile, agw_test_mg --profile)
 *   --sh           ITEM_KEY='pkg/name' PKG_KEY='pkg' NAME_KEY='name' lines
 *                  and PROFILE_PACKAGES (eval in test scripts)
 *   --json         one array of row objects
 *   --md           the table of Documentation/h248-profile.md
 *   --check-doc F  exit 1 when F's generated table differs from --md
 *   --update-doc F rewrite F's generated table from the profile
 * Key is the row's role (the AGW_PI_ item in lower case, e.g. syn_ignore):
 * it stays when a name changes to the standard's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agw/json.h"
#include "agw/profile.h"
#include "agw/strbuf.h"


#define BEGIN_MARK \
	"<!-- generated from lib/profile.c by h248_profile --update-doc -->"
#define END_MARK "<!-- end of the generated table -->"

static const char *key_of(const struct agw_prof_entry *e)
{
	const char *k = agw_profile_item_key(e->item);

	if (!k) {
		fprintf(stderr,
			"h248_profile: %s has no key: add its item to keys[] in lib/profile.c\n",
			e->full);
		exit(1);
	}
	return k;
}

static void upper(char *d, const char *s, size_t size)
{
	size_t i;

	for (i = 0; s[i] && i + 1 < size; i++)
		d[i] = (char)(s[i] >= 'a' && s[i] <= 'z' ? s[i] - 32 : s[i]);
	d[i] = 0;
}

/* The values column: what the item takes. */
static void values(const struct agw_prof_entry *e, char *buf, size_t size)
{
	switch (e->type) {
	case AGW_PROF_T_NONE:
		snprintf(buf, size, "-");
		break;
	case AGW_PROF_T_BOOL:
		snprintf(buf, size, "ON, OFF");
		break;
	case AGW_PROF_T_UINT:
		if (e->kind == AGW_PROF_STATISTIC)
			snprintf(buf, size, "counter");
		else
			snprintf(buf, size, "%u..%u", e->min, e->max);
		break;
	case AGW_PROF_T_STRING:
		snprintf(buf, size, "string");
		break;
	}
}

static void md_table(struct agw_strbuf *b)
{
	char v[64];

	agw_strbuf_printf(
		b,
		"| item | kind | values | source | name | meaning in agwd |\n");
	agw_strbuf_printf(b, "|---|---|---|---|---|---|\n");
	for (unsigned int i = 0; i < agw_profile_count(); i++) {
		const struct agw_prof_entry *e = agw_profile_at(i);

		values(e, v, sizeof(v));
		agw_strbuf_printf(b, "| `%s` | %s | %s | %s | %s | %s |\n",
				  e->full, agw_profile_kind_name(e->kind), v,
				  e->source,
				  e->std_name ? "standard" : "**agw's choice**",
				  e->what);
	}
}

static void erl(void)
{
	for (unsigned int i = 0; i < agw_profile_count(); i++) {
		const struct agw_prof_entry *e = agw_profile_at(i);

		printf("{item, \"%s\", \"%s\", \"%s\", %s, %s}.\n", key_of(e),
		       e->pkg, e->name, agw_profile_kind_name(e->kind),
		       e->std_name ? "true" : "false");
	}
}

static void sh(void)
{
	char k[64];
	const char *sep = "";

	for (unsigned int i = 0; i < agw_profile_count(); i++) {
		const struct agw_prof_entry *e = agw_profile_at(i);

		upper(k, key_of(e), sizeof(k));
		printf("ITEM_%s='%s'\nPKG_%s='%s'\nNAME_%s='%s'\n", k, e->full,
		       k, e->pkg, k, e->name);
	}
	printf("PROFILE_PACKAGES='");
	for (unsigned int i = 0; i < agw_profile_count(); i++) {
		const struct agw_prof_entry *e = agw_profile_at(i);
		unsigned int j;

		for (j = 0; j < i; j++)
			if (!strcmp(agw_profile_at(j)->pkg, e->pkg))
				break;
		if (j == i) {
			printf("%s%s", sep, e->pkg);
			sep = ",";
		}
	}
	printf("'\n");
}

static void json(void)
{
	struct agw_strbuf b;
	struct agw_json w;

	agw_strbuf_init(&b);
	agw_json_init_file(&w, &b, stdout);
	agw_json_arr_open(&w, NULL);
	for (unsigned int i = 0; i < agw_profile_count(); i++) {
		const struct agw_prof_entry *e = agw_profile_at(i);
		const char *f[][2] = {
			{ "key", key_of(e) },	 { "item", e->full },
			{ "pkg", e->pkg },	 { "name", e->name },
			{ "source", e->source }, { "what", e->what },
		};

		agw_json_obj_open(&w, NULL);
		for (unsigned int j = 0; j < sizeof(f) / sizeof(f[0]); j++)
			agw_json_str(&w, f[j][0], f[j][1]);
		agw_json_str(&w, "kind", agw_profile_kind_name(e->kind));
		agw_json_str(&w, "type", agw_profile_type_name(e->type));
		agw_json_bool(&w, "std_name", e->std_name);
		agw_json_obj_close(&w);
	}
	agw_json_arr_close(&w);
	agw_strbuf_free(&b);
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (!fseek(f, 0, SEEK_END) && (n = ftell(f)) >= 0 &&
	    !fseek(f, 0, SEEK_SET) && (buf = malloc((size_t)n + 1)) &&
	    fread(buf, 1, (size_t)n, f) == (size_t)n) {
		buf[n] = 0;
		*len = (size_t)n;
	} else {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

/* F's text between the two marks against the generated table. */
static int doc(const char *path, bool update)
{
	struct agw_strbuf t;
	char *text, *b, *e;
	size_t len;
	int rc = 1;
	FILE *f;

	text = slurp(path, &len);
	if (!text) {
		fprintf(stderr, "h248_profile: %s: %s\n", path,
			strerror(errno ? errno : EIO));
		return 1;
	}
	b = strstr(text, BEGIN_MARK "\n");
	e = b ? strstr(b, END_MARK) : NULL;
	if (!b || !e) {
		fprintf(stderr, "h248_profile: %s: no \"%s\" ... \"%s\"\n",
			path, BEGIN_MARK, END_MARK);
		goto out;
	}
	b += strlen(BEGIN_MARK "\n");
	agw_strbuf_init(&t);
	md_table(&t);
	if (!update) {
		rc = (size_t)(e - b) != t.len || memcmp(b, t.buf, t.len);
		if (rc)
			fprintf(stderr,
				"h248_profile: %s: the table differs from lib/profile.c; run h248_profile --update-doc %s\n",
				path, path);
	} else {
		f = fopen(path, "wb");
		if (f) {
			fwrite(text, 1, (size_t)(b - text), f);
			fwrite(t.buf, 1, t.len, f);
			fwrite(e, 1, len - (size_t)(e - text), f);
			rc = fclose(f) ? 1 : 0;
		}
	}
	agw_strbuf_free(&t);
out:
	free(text);
	return rc;
}

int main(int argc, char **argv)
{
	struct agw_strbuf t;

	if (argc == 2 && !strcmp(argv[1], "--erl")) {
		erl();
	} else if (argc == 2 && !strcmp(argv[1], "--sh")) {
		sh();
	} else if (argc == 2 && !strcmp(argv[1], "--json")) {
		json();
	} else if (argc == 2 && !strcmp(argv[1], "--md")) {
		agw_strbuf_init(&t);
		md_table(&t);
		fwrite(t.buf, 1, t.len, stdout);
		agw_strbuf_free(&t);
	} else if (argc == 3 && !strcmp(argv[1], "--check-doc")) {
		return doc(argv[2], false);
	} else if (argc == 3 && !strcmp(argv[1], "--update-doc")) {
		return doc(argv[2], true);
	} else {
		fprintf(stderr,
			"usage: %s --erl | --sh | --json | --md | --check-doc FILE | --update-doc FILE\n",
			argv[0]);
		return 2;
	}
	return fflush(stdout) ? 1 : 0;
}
