# SPDX-License-Identifier: GPL-2.0-only
#
# Fuzzers of the H.248 transport side (libFuzzer + ASan + UBSan), also part
# of `make fuzz`: build-fuzz/fuzz_tpkt (TPKT reassembly, split feeding
# equals whole feeding) and build-fuzz/fuzz_config (the INI configuration
# parser, print/parse round trip). tests/integration/fuzz_tpkt.sh and
# fuzz_config.sh run them bounded; Documentation/building-and-testing.md
# has the offline commands.

NET_FUZZ_DIR := build-fuzz
NET_FUZZ_FLAGS := -g -O1 -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=all -fno-omit-frame-pointer -std=gnu11 \
	-D_GNU_SOURCE -Wall -Wextra -Werror -Wno-unused-parameter -Iinclude

.PHONY: fuzz-tpkt fuzz-config
fuzz: fuzz-tpkt fuzz-config
fuzz-tpkt: $(NET_FUZZ_DIR)/fuzz_tpkt
fuzz-config: $(NET_FUZZ_DIR)/fuzz_config

$(NET_FUZZ_DIR)/fuzz_tpkt: tests/fuzz/fuzz_tpkt.c lib/tpkt.c include/agw/tpkt.h
	$(call msg,FUZZ,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CLANG) $(NET_FUZZ_FLAGS) -o $@ $(filter %.c,$^)

# The parser and the address code it calls are instrumented; the name
# tables (gate attach modes, relay paths, log levels) come from libagw.
# Host names resolve through the harness's stub, never the network.
NET_CONFIG_SRCS := tests/fuzz/fuzz_config.c lib/config.c lib/sockaddr.c \
	lib/addr.c
$(NET_FUZZ_DIR)/fuzz_config: $(NET_CONFIG_SRCS) include/agw/config.h $(LIBAGW)
	$(call msg,FUZZ,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CLANG) $(NET_FUZZ_FLAGS) $(PKG_CFLAGS) -I$(BUILD)/include \
		-Dgetaddrinfo=fuzz_getaddrinfo -Dfreeaddrinfo=fuzz_freeaddrinfo \
		-o $@ $(NET_CONFIG_SRCS) $(LIBAGW) $(LDLIBS)
