// SPDX-License-Identifier: GPL-2.0-only
/* Byte pool: chunks never overlap, freed chunks are reused, big = malloc. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "agw/bytepool.h"

START_TEST(chunks_are_disjoint_and_reused)
{
	struct agw_bytepool p;
	enum { N = 1000 };
	static uint8_t *ptr[N];
	static size_t len[N];
	void *again;

	agw_bytepool_init(&p);
	for (int i = 0; i < N; i++) {
		len[i] = 1 + (i * 97) % 6000; /* all classes and > 4096 */
		ptr[i] = agw_bytepool_alloc(&p, len[i]);
		ck_assert_ptr_nonnull(ptr[i]);
		memset(ptr[i], i & 0xff, len[i]);
	}
	for (int i = 0; i < N; i++) {
		size_t bad = 0;

		for (size_t j = 0; j < len[i]; j++)
			bad += ptr[i][j] != (i & 0xff);
		ck_assert_msg(!bad, "chunk %d overwritten", i);
	}
	/* a freed chunk comes back for the next request of its class */
	agw_bytepool_free(&p, ptr[5], len[5]);
	again = agw_bytepool_alloc(&p, len[5] <= 128 ? 100 : len[5]);
	if (len[5] <= 4096)
		ck_assert_ptr_eq(again, ptr[5]);
	ptr[5] = again;
	for (int i = 0; i < N; i++)
		agw_bytepool_free(&p, ptr[i], len[i]);
	agw_bytepool_free(&p, NULL, 10);
	agw_bytepool_fini(&p);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("bytepool");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, chunks_are_disjoint_and_reused);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
