# SPDX-License-Identifier: GPL-2.0-only
#
# H.248 codec: keyword table generation, libFuzzer harnesses (make fuzz).

# lib/h248_kwtab.c is generated from the keyword list and checked in, so a
# build needs no python; it is regenerated when the list changes.
lib/h248_kwtab.c: include/agw/h248_kw.h mk/h248-kwgen.py
	$(call msg,GEN,$@)
	$(Q)python3 mk/h248-kwgen.py $< $@

# ---- fuzzing ---------------------------------------------------------------
# make fuzz builds build-fuzz/fuzz_h248 (libFuzzer + ASan + UBSan) straight
# from the codec sources; tests/integration/fuzz_h248.sh runs it bounded.
H248_FUZZ_DIR := build-fuzz
H248_FUZZ_FLAGS := -g -O1 -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=all -fno-omit-frame-pointer -std=gnu11 \
	-D_GNU_SOURCE -Wall -Wextra -Werror -Wno-unused-parameter -Iinclude
# the codec's own files: agwd's lib/h248_transport.c and lib/h248_txn_*.c
# share the prefix but not the job
H248_FUZZ_SRCS := $(filter-out lib/h248_transport.c lib/h248_txn_%.c,\
	$(wildcard lib/h248_*.c))

$(H248_FUZZ_DIR)/fuzz_h248: tests/fuzz/fuzz_h248.c $(H248_FUZZ_SRCS) \
		$(wildcard lib/h248_*.h) include/agw/h248.h include/agw/h248_kw.h
	$(call msg,FUZZ,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CLANG) $(H248_FUZZ_FLAGS) -o $@ $(filter %.c,$^)

fuzz: $(H248_FUZZ_DIR)/fuzz_h248
