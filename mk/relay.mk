# SPDX-License-Identifier: GPL-2.0-only
#
# Relay: the top Makefile's link rules for unit tests and benchmark
# programs do not create their output directories.
RELAY_BINS := $(BUILD)/unit/test_relay $(BUILD)/benchbin/relay_bench
$(RELAY_BINS): | $(BUILD)/.relay-dirs
$(BUILD)/.relay-dirs:
	$(Q)mkdir -p $(BUILD)/unit $(BUILD)/benchbin
	$(Q)touch $@
