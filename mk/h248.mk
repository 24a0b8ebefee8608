# SPDX-License-Identifier: GPL-2.0-only
#
# H.248 codec: keyword table generation, output directories of the test
# and bench binaries, libFuzzer harnesses (make fuzz).

# lib/h248_kwtab.c is generated from the keyword list and checked in, so a
# build needs no python; it is regenerated when the list changes.
lib/h248_kwtab.c: include/agw/h248_kw.h mk/h248-kwgen.py
	$(call msg,GEN,$@)
	$(Q)python3 mk/h248-kwgen.py $< $@

# The top Makefile links unit/helper/bench binaries into directories it
# does not create; make sure ours exist.
H248_BINS := $(filter %/test_h248_codec %/test_h248_errors %/test_h248_build \
	%/h248_roundtrip %/h248_bench,$(UNIT_BINS) $(TEST_HELPERS) $(BENCH_BINS))
$(H248_BINS): | $(BUILD)/.h248-dirs
$(BUILD)/.h248-dirs:
	$(Q)mkdir -p $(BUILD)/unit $(BUILD)/helpers $(BUILD)/benchbin
	$(Q)touch $@

# ---- fuzzing ---------------------------------------------------------------
# make fuzz builds build-fuzz/fuzz_h248 (libFuzzer + ASan + UBSan) straight
# from the codec sources; tests/integration/h248_fuzz.sh runs it bounded.
H248_FUZZ_DIR := build-fuzz
H248_FUZZ_FLAGS := -g -O1 -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=all -fno-omit-frame-pointer -std=gnu11 \
	-D_GNU_SOURCE -Wall -Wextra -Werror -Wno-unused-parameter -Iinclude
H248_FUZZ_SRCS := $(filter-out lib/h248_transport.c lib/h248_txn_cache.c \
	lib/h248_txn_out.c,$(wildcard lib/h248_*.c))

$(H248_FUZZ_DIR)/fuzz_h248: tests/fuzz/fuzz_h248.c $(H248_FUZZ_SRCS) \
		$(wildcard lib/h248_*.h) include/agw/h248.h include/agw/h248_kw.h
	$(call msg,FUZZ,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CLANG) $(H248_FUZZ_FLAGS) -o $@ $(filter %.c,$^)

fuzz: $(H248_FUZZ_DIR)/fuzz_h248
