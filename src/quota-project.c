/* SPDX-License-Identifier: GPL-2.0-or-later */
/* quota_get_project() (quota.h), on its own: the supervisor, which links
 * nothing of the configuration, asks it too (supervisor.c,
 * explain_failure). */
#include "quota.h"

#include <linux/fs.h>
#include <sys/ioctl.h>

int quota_get_project(int fd, uint32_t *id, bool *inherit)
{
        struct fsxattr fsx;

        if (ioctl(fd, FS_IOC_FSGETXATTR, &fsx) < 0)
                return -1;
        *id = fsx.fsx_projid;
        *inherit = fsx.fsx_xflags & FS_XFLAG_PROJINHERIT;
        return 0;
}
