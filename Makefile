# SPDX-License-Identifier: GPL-2.0-only
#
# agw top-level build. Non-recursive: every component is found by wildcard,
# so adding a file under lib/, bpf/, tools/NAME/, tests/unit/ or tests/fuzz/
# needs no change here. Component-specific rules live in mk/*.mk.

PREFIX ?= /usr/local
DESTDIR ?=
BINDIR ?= $(PREFIX)/bin
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
DOCDIR ?= $(PREFIX)/share/doc/agw
# agwd reads /etc/agw/agwd.conf (AGWD_CONFIG_FILE in ctl/agwd.h)
SYSCONFDIR ?= /etc

BUILD ?= build
V ?= 0
ifeq ($(V),0)
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
else
Q :=
msg =
endif

# The tools and flags ./configure found: CC, CLANG, BPFTOOL, ARCH,
# MULTIARCH, PKG_CFLAGS, PKG_LIBS, CHECK_LIBS, INIH_LIBS. make runs
# configure when $(BUILD)/config.mk is missing or older than configure
# (and stops with its message when something is missing); CC, CLANG and
# BPFTOOL from the command line or the environment reach configure.
# Cleaning needs no configuration.
ifneq ($(filter-out clean deps,$(or $(MAKECMDGOALS),all)),)
include $(BUILD)/config.mk
endif

$(BUILD)/config.mk: configure
	$(Q)mkdir -p $(BUILD)
	$(Q)$(if $(filter-out default,$(origin CC)),CC="$(CC)") \
		$(if $(filter-out undefined,$(origin CLANG)),CLANG="$(CLANG)") \
		$(if $(filter-out undefined,$(origin BPFTOOL)),BPFTOOL="$(BPFTOOL)") \
		./configure --output $@

WARN := -Wall -Wextra -Werror -Wno-unused-parameter -Wshadow -Wformat=2 \
	-Wmissing-prototypes -Wstrict-prototypes
EXTRA_CFLAGS ?=
CFLAGS ?= -O2 -g
ALL_CFLAGS := $(CFLAGS) $(WARN) -std=gnu11 -D_GNU_SOURCE -fno-strict-aliasing \
	-Iinclude -I$(BUILD)/include $(PKG_CFLAGS) $(EXTRA_CFLAGS)
LDLIBS := $(PKG_LIBS) $(INIH_LIBS) -lpthread -lm
EXTRA_LDFLAGS ?=

BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Wall -Wextra -Werror \
	-Wno-unused-parameter -Iinclude -I/usr/include/$(MULTIARCH)

# ---- sources ---------------------------------------------------------------
BPF_SRCS := $(wildcard bpf/*.bpf.c)
BPF_OBJS := $(patsubst bpf/%.bpf.c,$(BUILD)/bpf/%.bpf.o,$(BPF_SRCS))
SKELS := $(patsubst bpf/%.bpf.c,$(BUILD)/include/agw/%.skel.h,$(BPF_SRCS))

LIB_SRCS := $(wildcard lib/*.c)
LIB_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(LIB_SRCS))
LIBAGW := $(BUILD)/libagw.a

# tools/NAME/*.c -> $(BUILD)/NAME ; ctl/*.c -> $(BUILD)/agwd
TOOL_DIRS := $(patsubst tools/%/,%,$(sort $(dir $(wildcard tools/*/*.c))))
TOOLS := $(addprefix $(BUILD)/,$(TOOL_DIRS))
CTL_SRCS := $(wildcard ctl/*.c)
AGWD := $(if $(CTL_SRCS),$(BUILD)/agwd)

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/unit/%,$(UNIT_SRCS))
TEST_HELPER_SRCS := $(wildcard tests/helpers/*.c)
TEST_HELPERS := $(patsubst tests/helpers/%.c,$(BUILD)/helpers/%,$(TEST_HELPER_SRCS))
BENCH_SRCS := $(wildcard bench/*.c)
BENCH_BINS := $(patsubst bench/%.c,$(BUILD)/benchbin/%,$(BENCH_SRCS))

ALL_TARGETS := $(LIBAGW) $(TOOLS) $(AGWD)

.PHONY: all clean check asan-check bench install fuzz deps test-bins unit-bins
.DEFAULT_GOAL := all
.SECONDARY: $(BPF_OBJS)
# a recipe that fails leaves no half-written target behind
.DELETE_ON_ERROR:

all: $(SKELS) $(ALL_TARGETS)

deps:
	$(Q)./scripts/install-deps

# ---- BPF -------------------------------------------------------------------
# the headers it includes come from its .d file, as for user space; an
# object that has none yet is built again once to write it
$(BUILD)/bpf/%.bpf.o: bpf/%.bpf.c
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -MMD -MP -c $< -o $@
$(foreach o,$(BPF_OBJS),$(if $(wildcard $(o:.o=.d)),,$(eval $(o): FORCE)))
.PHONY: FORCE
FORCE:

$(BUILD)/include/agw/%.skel.h: $(BUILD)/bpf/%.bpf.o
	$(call msg,SKEL,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(BPFTOOL) gen skeleton $< name agw_$(subst -,_,$*) > $@.tmp && mv $@.tmp $@

# ---- user space ------------------------------------------------------------
# A source that includes a skeleton ("agw/NAME.skel.h") needs it generated
# before its first compile, when there is no .d file yet to say so: that
# object, and only that one, depends on the skeleton.
SKEL_INCLUDES := $(shell grep -Ho '^\#include "agw/[A-Za-z0-9_-]*\.skel\.h"' \
	$(wildcard lib/*.c ctl/*.c tools/*/*.c tests/*/*.c bench/*.c) 2>/dev/null | \
	sed 's/:\#include "agw\// /; s/"$$//; s/ /:/')
$(foreach i,$(SKEL_INCLUDES),$(eval $(BUILD)/$(basename $(firstword \
	$(subst :, ,$(i)))).o: $(BUILD)/include/agw/$(lastword $(subst :, ,$(i)))))

$(BUILD)/%.o: %.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(LIBAGW): $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@
	$(Q)ar rcs $@ $^

.SECONDEXPANSION:
$(TOOLS): $(BUILD)/%: $$(patsubst %.c,$(BUILD)/%.o,$$(wildcard tools/$$*/*.c)) $(LIBAGW)
	$(call msg,LD,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_CFLAGS) $(EXTRA_LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/agwd: $(patsubst %.c,$(BUILD)/%.o,$(CTL_SRCS)) $(LIBAGW)
	$(call msg,LD,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_CFLAGS) $(EXTRA_LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/unit/%: $(BUILD)/tests/unit/%.o $(LIBAGW)
	$(call msg,LD,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_CFLAGS) $(EXTRA_LDFLAGS) -o $@ $^ $(LDLIBS) $(CHECK_LIBS)

$(BUILD)/helpers/%: $(BUILD)/tests/helpers/%.o $(LIBAGW)
	$(call msg,LD,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_CFLAGS) $(EXTRA_LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/benchbin/%: $(BUILD)/bench/%.o $(LIBAGW)
	$(call msg,LD,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_CFLAGS) $(EXTRA_LDFLAGS) -o $@ $^ $(LDLIBS)

test-bins: all $(UNIT_BINS) $(TEST_HELPERS) $(BENCH_BINS)
unit-bins: $(BUILD)/config.mk $(SKELS) $(UNIT_BINS)

# ---- checks ----------------------------------------------------------------
# tests/run executes every unit binary and integration script and prints
# one summary line "check: N passed, N failed, N skipped".
check: test-bins
	$(Q)BUILD=$(abspath $(BUILD)) ./tests/run $(subst |, ,$(TESTS))

# Every test against a build with ASan/UBSan (integration scripts marked
# "# asan: no" excepted). ASAN_BUILD=unit-bins builds only what the unit
# tests need (scripts/test: make asan-check TESTS=unit ASAN_BUILD=unit-bins).
ASAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=all
ASAN_BUILD ?= test-bins
asan-check:
	$(Q)$(MAKE) --no-print-directory BUILD=build-asan CFLAGS="$(ASAN_FLAGS)" \
		EXTRA_LDFLAGS="-fsanitize=address,undefined" $(ASAN_BUILD)
	$(Q)BUILD=$(abspath build-asan) AGW_ASAN=1 ./tests/run $(subst |, ,$(TESTS))

bench: test-bins
	$(Q)BUILD=$(abspath $(BUILD)) ./bench/run $(BENCHES)

install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man8 \
		$(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(DOCDIR) $(DESTDIR)$(SYSCONFDIR)/agw
	$(if $(AGWD),install -m 0755 $(AGWD) $(DESTDIR)$(SBINDIR)/agwd)
	install -m 0755 $(TOOLS) $(DESTDIR)$(BINDIR)/
	$(if $(wildcard Documentation/man/*.8),install -m 0644 $(wildcard Documentation/man/*.8) $(DESTDIR)$(MANDIR)/man8/)
	$(if $(wildcard Documentation/man/*.5),install -m 0644 $(wildcard Documentation/man/*.5) $(DESTDIR)$(MANDIR)/man5/)
	$(if $(wildcard Documentation/*.md),install -m 0644 $(wildcard Documentation/*.md) $(DESTDIR)$(DOCDIR)/)
	install -m 0644 etc/agw/agwd.conf $(DESTDIR)$(SYSCONFDIR)/agw/agwd.conf

clean:
	rm -rf build build-asan build-fuzz build-deb

-include $(wildcard mk/*.mk)
-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
