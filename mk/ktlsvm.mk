# SPDX-License-Identifier: GPL-2.0-only
#
# kTLS tests in a qemu guest (tests/vm, Documentation/ktls-testing.md).
#   make check-ktls     run the tests whose name holds "ktls_"
#                       (each boots Debian's kernel with tls.ko under TCG)
#   make vm-kernel      fetch and unpack the guest kernel, build the base
#                       initramfs (done on demand by the tests too)
#   make vm-shell       interactive shell in the guest (Ctrl-A X quits)

KTLS_TESTS ?= ktls_

.PHONY: check-ktls vm-kernel vm-shell

check-ktls: test-bins
	$(Q)BUILD=$(abspath $(BUILD)) ./tests/run $(KTLS_TESTS)

vm-kernel:
	$(Q)BUILD=$(abspath $(BUILD)) ./tests/vm/build-initramfs

vm-shell: test-bins
	$(Q)BUILD=$(abspath $(BUILD)) ./tests/vm/run --shell \
		$(foreach h,$(TEST_HELPERS),--file $(abspath $(h)))

