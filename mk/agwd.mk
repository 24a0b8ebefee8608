# SPDX-License-Identifier: GPL-2.0-only
#
# agwd area rules. The top Makefile's link rules for unit tests, helpers and
# benchmarks do not create their output directories; give them one.
$(UNIT_BINS): | $(BUILD)/unit
$(TEST_HELPERS): | $(BUILD)/helpers
$(BENCH_BINS): | $(BUILD)/benchbin
$(BUILD)/unit $(BUILD)/helpers $(BUILD)/benchbin:
	$(Q)mkdir -p $@
