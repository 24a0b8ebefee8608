#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# agwd building blocks: timers, TPKT reassembly, port pool (see the .c).
set -eu
exec "$BUILD/benchbin/agwd_core"
