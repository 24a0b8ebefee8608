# SPDX-License-Identifier: GPL-2.0-only
#
# The Erlang/OTP megaco MGC test harness (tests/mgc/): `make mgc` compiles
# it into $(BUILD)/mgc; test scripts run `make mgc` themselves.

ERLC ?= erlc
MGC_SRCS := $(wildcard tests/mgc/*.erl)
MGC_BEAMS := $(patsubst tests/mgc/%.erl,$(BUILD)/mgc/%.beam,$(MGC_SRCS))

.PHONY: mgc
mgc: $(MGC_BEAMS)

$(BUILD)/mgc/%.beam: tests/mgc/%.erl
	$(call msg,ERLC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(ERLC) -Werror -o $(dir $@) $<
