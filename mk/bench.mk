# SPDX-License-Identifier: GPL-2.0-only
# BPF objects used only by benchmarks (loaded with ip(8), no skeleton).
BENCH_BPF_OBJS := $(patsubst bench/bpf/%.bpf.c,$(BUILD)/bench/bpf/%.bpf.o,$(wildcard bench/bpf/*.bpf.c))

$(BUILD)/bench/bpf/%.bpf.o: bench/bpf/%.bpf.c
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

test-bins: $(BENCH_BPF_OBJS)
