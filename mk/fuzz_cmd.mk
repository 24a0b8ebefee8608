# SPDX-License-Identifier: GPL-2.0-only
#
# The command layer's fuzzer: `make fuzz-cmd` (also part of `make fuzz`)
# builds build-fuzz/fuzz_cmd, agwd's own objects (all of ctl/ but main, the
# command line and the reload) and every lib/ file, all with libFuzzer,
# ASan and UBSan. tests/integration/fuzz_cmd.sh runs it bounded;
# Documentation/robustness.md has the offline command.

CMD_FUZZ_DIR := build-fuzz/cmd
CMD_FUZZ_FLAGS := -g -O1 -fsanitize=fuzzer-no-link,address,undefined \
	-fno-sanitize-recover=all -fno-omit-frame-pointer -Wno-format-nonliteral \
	-Wno-string-concatenation
CMD_FUZZ_SRCS := tests/fuzz/fuzz_cmd.c $(LIB_SRCS) \
	$(filter-out ctl/agwd.c ctl/options.c ctl/reload.c,$(CTL_SRCS))
CMD_FUZZ_OBJS := $(patsubst %.c,$(CMD_FUZZ_DIR)/%.o,$(CMD_FUZZ_SRCS))

.PHONY: fuzz-cmd
fuzz: fuzz-cmd
fuzz-cmd: build-fuzz/fuzz_cmd

$(CMD_FUZZ_DIR)/%.o: %.c $(SKELS) | $(BUILD)/config.mk
	$(call msg,FUZZCC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CLANG) $(ALL_CFLAGS) $(CMD_FUZZ_FLAGS) -MMD -MP -c $< -o $@

build-fuzz/fuzz_cmd: $(CMD_FUZZ_OBJS)
	$(call msg,FUZZ,$@)
	$(Q)$(CLANG) -fsanitize=fuzzer,address,undefined -o $@ $^ $(LDLIBS)

-include $(wildcard $(CMD_FUZZ_DIR)/*/*.d $(CMD_FUZZ_DIR)/*/*/*.d)
