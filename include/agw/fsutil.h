/* SPDX-License-Identifier: GPL-2.0-only */
/* Small file-system helpers. */
#ifndef AGW_FSUTIL_H
#define AGW_FSUTIL_H

#include <sys/types.h>

/*
 * mkdir -p: missing parents are created 0755, path itself with mode.
 * An existing directory is fine. Returns 0 or -errno.
 */
int agw_mkdir_p(const char *path, mode_t mode);
/* agw_mkdir_p() of the directory that holds file. */
int agw_mkdir_parent(const char *file, mode_t mode);

#endif /* AGW_FSUTIL_H */
