// SPDX-License-Identifier: GPL-2.0-only
/*
 * The profile table: lookups give the item or the right H.248.8 code,
 * values are checked, every item is present once, and
 * Documentation/h248-profile.md lists exactly the table's rows.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agw/profile.h"

static enum h248_errcode look(const char *n, enum agw_prof_kind k)
{
	const struct agw_prof_entry *e = NULL;

	return agw_profile_lookup(n, strlen(n), k, &e);
}

START_TEST(lookup_codes)
{
	const struct agw_prof_entry *e = NULL;

	ck_assert_int_eq(agw_profile_lookup("gm/saf", 6, AGW_PROF_PROPERTY, &e),
			 H248_OK);
	ck_assert_int_eq(e->item, AGW_PI_SAF);
	ck_assert(e->std_name);
	ck_assert_int_eq(look("TCPBCC/SYNIGN", AGW_PROF_PROPERTY), H248_OK);
	ck_assert_int_eq(look("tcpbcc/nothing", AGW_PROF_PROPERTY),
			 H248_E_NO_SUCH_PROPERTY);
	ck_assert_int_eq(look("zz/x", AGW_PROF_PROPERTY),
			 H248_E_UNKNOWN_PROPERTY);
	ck_assert_int_eq(look("noslash", AGW_PROF_PROPERTY),
			 H248_E_UNKNOWN_PROPERTY);
	ck_assert_int_eq(look("tcpbcc/fail", AGW_PROF_EVENT), H248_OK);
	ck_assert_int_eq(look("tcpbcc/fail", AGW_PROF_PROPERTY),
			 H248_E_NO_SUCH_PROPERTY);
	ck_assert_int_eq(look("tcpbcc/nosuch", AGW_PROF_EVENT),
			 H248_E_NO_SUCH_EVENT);
	ck_assert_int_eq(look("tcpbcc/estab", AGW_PROF_SIGNAL), H248_OK);
	ck_assert_int_eq(look("tcpbcc/fail", AGW_PROF_SIGNAL),
			 H248_E_NO_SUCH_SIGNAL);
	ck_assert_int_eq(look("nt/os", AGW_PROF_STATISTIC), H248_OK);
	ck_assert_int_eq(look("nt/zz", AGW_PROF_STATISTIC),
			 H248_E_UNKNOWN_PARAMETER);
	/* a prefix of a name is not the name */
	ck_assert_int_eq(look("gm/sa", AGW_PROF_PROPERTY),
			 H248_E_NO_SUCH_PROPERTY);
}
END_TEST

START_TEST(values)
{
	const struct agw_prof_entry *b = agw_profile_item(AGW_PI_SYN_IGNORE);
	const struct agw_prof_entry *u = agw_profile_item(AGW_PI_HB_TIMER);
	const struct agw_prof_entry *s = agw_profile_item(AGW_PI_SAM);
	uint32_t n = 7;

	ck_assert_int_eq(agw_profile_value(b, "ON", 2, &n), H248_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(agw_profile_value(b, "off", 3, &n), H248_OK);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(agw_profile_value(b, "MAYBE", 5, &n),
			 H248_E_UNKNOWN_VALUE);
	ck_assert_int_eq(agw_profile_value(u, "30", 2, &n), H248_OK);
	ck_assert_uint_eq(n, 30);
	ck_assert_int_eq(agw_profile_value(u, "86401", 5, &n),
			 H248_E_UNKNOWN_VALUE);
	ck_assert_int_eq(agw_profile_value(u, "3x", 2, &n),
			 H248_E_UNKNOWN_VALUE);
	ck_assert_int_eq(agw_profile_value(u, "99999999999", 11, &n),
			 H248_E_UNKNOWN_VALUE);
	ck_assert_int_eq(agw_profile_value(s, "10.0.0.1/24", 11, &n), H248_OK);
	ck_assert_int_eq(agw_profile_value(s, "", 0, &n), H248_E_UNKNOWN_VALUE);
}
END_TEST

START_TEST(every_item_once)
{
	unsigned int seen[AGW_PI_COUNT] = { 0 };

	for (unsigned int i = 0; i < agw_profile_count(); i++) {
		const struct agw_prof_entry *e = agw_profile_at(i);
		char full[64];

		seen[e->item]++;
		snprintf(full, sizeof(full), "%s/%s", e->pkg, e->name);
		ck_assert_str_eq(full, e->full);
		ck_assert_ptr_nonnull(e->source);
		ck_assert_ptr_nonnull(e->what);
		/* the same name twice with the same kind would shadow */
		for (unsigned int j = 0; j < i; j++)
			ck_assert(strcmp(agw_profile_at(j)->full, e->full) ||
				  agw_profile_at(j)->kind != e->kind);
	}
	for (unsigned int i = 0; i < AGW_PI_COUNT; i++)
		ck_assert_uint_eq(seen[i], 1);
	ck_assert_ptr_null(agw_profile_at(agw_profile_count()));
}
END_TEST

/* The documentation's table rows are "| `pkg/name` | kind | ...". */
START_TEST(documentation_matches)
{
	const char *src = getenv("AGW_SRC");
	char path[512], line[512];
	unsigned int rows = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/Documentation/h248-profile.md",
		 src ? src : ".");
	f = fopen(path, "r");
	if (!f) {
		snprintf(path, sizeof(path),
			 "../Documentation/h248-profile.md");
		f = fopen(path, "r");
	}
	ck_assert_msg(f, "cannot open Documentation/h248-profile.md");
	while (fgets(line, sizeof(line), f)) {
		const struct agw_prof_entry *e = NULL;
		char name[64], kind[32];
		bool found = false;

		if (sscanf(line, "| `%63[^`]` | %31[a-z] |", name, kind) != 2)
			continue;
		for (unsigned int i = 0; i < agw_profile_count(); i++) {
			e = agw_profile_at(i);
			if (!strcmp(e->full, name) &&
			    !strcmp(agw_profile_kind_name(e->kind), kind)) {
				found = true;
				break;
			}
		}
		ck_assert_msg(found, "documented %s %s is not in the table",
			      kind, name);
		rows++;
	}
	fclose(f);
	ck_assert_uint_eq(rows, agw_profile_count());
}
END_TEST

int main(void)
{
	Suite *s = suite_create("profile");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, lookup_codes);
	tcase_add_test(tc, values);
	tcase_add_test(tc, every_item_once);
	tcase_add_test(tc, documentation_matches);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
