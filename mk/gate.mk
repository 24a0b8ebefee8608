# SPDX-License-Identifier: GPL-2.0-only
#
# The SYN gate's fuzzer (libFuzzer + ASan + UBSan): `make fuzz-gate` (also
# part of `make fuzz`). It drives the real BPF program through
# BPF_PROG_TEST_RUN and links libagw like any other user.

GATE_FUZZ_DIR := build-fuzz
GATE_FUZZ_FLAGS := -g -O1 -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=all -fno-omit-frame-pointer -Wno-format-nonliteral
GATE_FUZZ_SRCS := tests/fuzz/fuzz_gate.c $(wildcard lib/gate*.c) lib/addr.c \
	lib/log.c lib/fsutil.c lib/json.c lib/strbuf.c

.PHONY: fuzz-gate
fuzz: fuzz-gate
fuzz-gate: $(GATE_FUZZ_DIR)/fuzz_gate

$(GATE_FUZZ_DIR)/fuzz_gate: $(GATE_FUZZ_SRCS) lib/gate_priv.h include/agw/gate.h \
		include/agw/gate_maps.h include/agw/json.h tests/unit/pktbuild.h \
		$(BUILD)/include/agw/syn_gate.skel.h
	$(call msg,FUZZ,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CLANG) $(ALL_CFLAGS) $(GATE_FUZZ_FLAGS) -o $@ $(GATE_FUZZ_SRCS) \
		$(PKG_LIBS) -lpthread
