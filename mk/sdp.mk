# SPDX-License-Identifier: GPL-2.0-only
#
# SDP parser fuzzer: `make fuzz-sdp` (also part of `make fuzz`) builds
# build-fuzz/fuzz_sdp with libFuzzer, ASan and UBSan. The SDP sources are
# compiled into it directly so they carry the fuzzer's coverage hooks.

FUZZ_BUILD ?= build-fuzz
FUZZ_SAN_FLAGS ?= -g -O1 -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=all -fno-omit-frame-pointer
SDP_FUZZ_SRCS := tests/fuzz/fuzz_sdp.c $(wildcard lib/sdp_*.c)

.PHONY: fuzz-sdp
fuzz: fuzz-sdp
fuzz-sdp: $(FUZZ_BUILD)/fuzz_sdp

$(FUZZ_BUILD)/fuzz_sdp: $(SDP_FUZZ_SRCS) $(wildcard lib/sdp_*.h) include/agw/sdp.h
	$(call msg,FUZZ,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CLANG) $(ALL_CFLAGS) $(FUZZ_SAN_FLAGS) -Ilib -o $@ $(SDP_FUZZ_SRCS)
