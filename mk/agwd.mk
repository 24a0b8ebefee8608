# SPDX-License-Identifier: GPL-2.0-only
#
# agwd's unit test links agwd's own objects (all of ctl/ but main, the
# command line and the reload that re-reads it) next to libagw.
AGWD_TEST_OBJS := $(patsubst ctl/%.c,$(BUILD)/ctl/%.o,\
	$(filter-out ctl/agwd.c ctl/options.c ctl/reload.c,$(wildcard ctl/*.c)))
$(BUILD)/unit/test_agwd_core: $(AGWD_TEST_OBJS)
# $^ lists libagw before these objects: name it again after them
$(BUILD)/unit/test_agwd_core: LDLIBS := $(LIBAGW) $(LDLIBS)
