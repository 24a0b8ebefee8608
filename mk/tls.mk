# SPDX-License-Identifier: GPL-2.0-only
#
# TLS area rules. The generic link rules do not create their output
# directories, so the TLS programs depend on a stamp that does.

TLS_BINS := $(filter $(BUILD)/unit/test_fingerprint $(BUILD)/unit/test_tls%,$(UNIT_BINS)) \
	$(filter $(BUILD)/helpers/tls%,$(TEST_HELPERS)) \
	$(filter $(BUILD)/benchbin/tls%,$(BENCH_BINS))

$(TLS_BINS): | $(BUILD)/.tls-dirs

$(BUILD)/.tls-dirs:
	$(Q)mkdir -p $(BUILD)/unit $(BUILD)/helpers $(BUILD)/benchbin
	$(Q)touch $@
