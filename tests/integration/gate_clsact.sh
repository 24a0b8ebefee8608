#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# timeout: 480
# The SYN gate attached as clsact: immediate and delayed establishment,
# source filters, a termination deleted under a retrying client; IPv4
# and IPv6 through the real TCP stack.
. "$AGW_SRC/tests/integration/lib/gate_scenarios.sh"
gate_run_all clsact gclsct
