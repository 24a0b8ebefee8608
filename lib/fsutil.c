// SPDX-License-Identifier: GPL-2.0-only
/* Small file-system helpers; see include/agw/fsutil.h. */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>

#include "agw/fsutil.h"

int agw_mkdir_p(const char *path, mode_t mode)
{
	char p[PATH_MAX];

	if (strlen(path) >= sizeof(p))
		return -ENAMETOOLONG;
	strcpy(p, path);
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = 0;
		if (mkdir(p, 0755) && errno != EEXIST)
			return -errno;
		*s = '/';
	}
	if (mkdir(p, mode) && errno != EEXIST)
		return -errno;
	return 0;
}

int agw_mkdir_parent(const char *file, mode_t mode)
{
	char dir[PATH_MAX];
	char *slash;

	if (strlen(file) >= sizeof(dir))
		return -ENAMETOOLONG;
	strcpy(dir, file);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = 0;
	return agw_mkdir_p(dir, mode);
}
