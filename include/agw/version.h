/* SPDX-License-Identifier: GPL-2.0-only */
/* agw's version: agwd --version, agwctl --version, agwctl status. */
#ifndef AGW_VERSION_H
#define AGW_VERSION_H

#define AGW_VERSION "0.1.0"

#endif /* AGW_VERSION_H */
