# SPDX-License-Identifier: GPL-2.0-only
#
# The control socket's request parser fuzzer: `make fuzz-ctlsock` (also
# part of `make fuzz`) builds build-fuzz/fuzz_ctlsock with libFuzzer, ASan
# and UBSan; tests/integration/fuzz_ctlsock.sh runs it bounded.

FUZZ_BUILD ?= build-fuzz
FUZZ_SAN_FLAGS ?= -g -O1 -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=all -fno-omit-frame-pointer
CTLSOCK_FUZZ_SRCS := tests/fuzz/fuzz_ctlsock.c lib/ctlsock.c lib/strbuf.c lib/json.c \
	lib/evloop.c lib/fsutil.c lib/log.c

.PHONY: fuzz-ctlsock
fuzz: fuzz-ctlsock
fuzz-ctlsock: $(FUZZ_BUILD)/fuzz_ctlsock

$(FUZZ_BUILD)/fuzz_ctlsock: $(CTLSOCK_FUZZ_SRCS) include/agw/ctlsock.h include/agw/strbuf.h include/agw/json.h
	$(call msg,FUZZ,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CLANG) $(ALL_CFLAGS) $(FUZZ_SAN_FLAGS) -Wno-format-nonliteral -o $@ $(CTLSOCK_FUZZ_SRCS) \
		$(PKG_LIBS) -lpthread
