/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "quota.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/dqblk_xfs.h>
#include <linux/fs.h>
#include <linux/magic.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/quota.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util.h"

#ifndef PRJQUOTA
#define PRJQUOTA 2
#endif
#ifndef SYS_quotactl_fd
#define SYS_quotactl_fd 443
#endif
#ifndef XFS_SUPER_MAGIC
#define XFS_SUPER_MAGIC 0x58465342
#endif

int quota_quotactl_fd(int fd, unsigned int cmd, uint32_t id, void *addr)
{
        return (int)syscall(SYS_quotactl_fd, fd, cmd, id, addr);
}

int quota_project_id(const struct config *c, uid_t uid, uint32_t *id, char *err, size_t errlen)
{
        unsigned long long base = c->quota_project_base ? c->quota_project_base : QUOTA_PROJECT_BASE_DEFAULT;
        unsigned long long v = base + uid;

        /* 2^32-1 is (qid_t)-1, no project. */
        if (v > UINT32_MAX - 1)
                return errorf(err, errlen, "quota_project_base %llu + uid %u = %llu is not a project id (at most "
                              "4294967294); lower quota_project_base", base, (unsigned)uid, v);
        *id = (uint32_t)v;
        return 0;
}

const char *quota_area(enum access a, const char *uploads)
{
        if (uploads)
                return uploads;
        return a == ACCESS_HOME ? "" : NULL;
}

int quota_fs_state(int fd, bool *acct, bool *enforced)
{
        struct fs_quota_statv st = { .qs_version = FS_QSTATV_VERSION1 };

        /* Q_XGETQSTATV is one of the quotactl commands any process may
         * use (fs/quota/quota.c, check_quotactl_permission()); ext4's
         * generic quota code answers it too. */
        if (quota_quotactl_fd(fd, QUOTA_CMD(Q_XGETQSTATV, PRJQUOTA), 0, &st) < 0)
                return -1;
        *acct = st.qs_flags & FS_QUOTA_PDQ_ACCT;
        *enforced = st.qs_flags & FS_QUOTA_PDQ_ENFD;
        return 0;
}

/* Does the kernel's limit, seen as blocks of bsize, match want bytes?  The
 * kernel keeps limits in its own units (1 KiB in quotactl, filesystem
 * blocks in XFS), so a limit that is not a multiple of the block size is
 * rounded up or down by less than one block. */
static bool same_size(uint64_t blocks, uint64_t bsize, int64_t want)
{
        uint64_t have = blocks * bsize;
        uint64_t w = (uint64_t)want;

        return have == w || (have > w ? have - w : w - have) < bsize;
}

int quota_check_fs(int fd, const char *path, char *err, size_t errlen)
{
        struct statfs sf;
        bool acct, enforced;

        /* Only XFS and ext4 are supported: both keep project ids and
         * report a project's limits through statfs (quota_check). */
        if (fstatfs(fd, &sf) < 0)
                return errorf(err, errlen, "quota: statfs %s: %s", path, strerror(errno));
        if (sf.f_type != XFS_SUPER_MAGIC && sf.f_type != EXT4_SUPER_MAGIC)
                return errorf(err, errlen,
                              "quota cannot be enforced: %s is not on XFS or ext4 (filesystem type 0x%llx has "
                              "no project quotas)",
                              path, (unsigned long long)sf.f_type);
        /* XFS without quotas (or a kernel without CONFIG_XFS_QUOTA) has no
         * quotactl operations at all: ENOSYS; no quota of that type: ESRCH. */
        if (quota_fs_state(fd, &acct, &enforced) < 0) {
                if (errno != ENOSYS && errno != ESRCH)
                        return errorf(err, errlen, "quota cannot be enforced: the filesystem of %s: quotactl: %s",
                                      path, strerror(errno));
                acct = enforced = false;
        }
        if (!acct)
                return errorf(err, errlen, "quota cannot be enforced: project quotas are off on the filesystem of "
                              "%s (mount it with -o prjquota; ext4 also needs the project and quota features)",
                              path);
        if (!enforced)
                return errorf(err, errlen, "quota cannot be enforced: project quota limits are not enforced on "
                              "the filesystem of %s (quotas off: mount it with -o prjquota, or quotaon)", path);
        return 0;
}

int quota_check(int fd, const char *path, uint32_t id, const struct limits *l, char *err, size_t errlen)
{
        _cleanup_close_ int dfd = -1;
        struct statfs sf;
        bool inherit;
        uint32_t have_id;
        char a[32], b[32];

        if (quota_check_fs(fd, path, err, errlen) < 0)
                return -1;
        /* FS_IOC_FSGETXATTR needs an fd that is not O_PATH. */
        dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (dfd < 0)
                return errorf(err, errlen, "quota: opening %s: %s", path, strerror(errno));
        if (quota_get_project(dfd, &have_id, &inherit) < 0)
                return errorf(err, errlen, "quota: reading the project of %s: %s", path, strerror(errno));
        if (have_id != id)
                return errorf(err, errlen, "quota cannot be enforced: %s has project id %" PRIu32 ", not %" PRIu32
                              " (sftpjailctl doctor --fix)", path, have_id, id);
        if (!inherit)
                return errorf(err, errlen, "quota cannot be enforced: %s lacks the project-inherit flag "
                              "(sftpjailctl doctor --fix)", path);

        /* The project's limits.  Q_GETQUOTA for a project needs
         * CAP_SYS_ADMIN (only one's own user and groups are exempt), and
         * we hold no capability here.  But statfs of a directory that
         * carries the project-inherit flag on a filesystem that enforces
         * project quotas reports the project's limit as the size (ext4:
         * ext4_statfs_project(); XFS: xfs_qm_statvfs()): min(filesystem,
         * soft limit or else hard limit) in blocks and in inodes, exactly
         * what df shows.  A soft limit below the hard one, or a limit the
         * filesystem is smaller than, differs from the configuration and
         * refuses the login.  A limit the configuration does not set is not
         * checked: it cannot be told from the filesystem's own size. */
        if (fstatfs(dfd, &sf) < 0)
                return errorf(err, errlen, "quota: statfs %s: %s", path, strerror(errno));
        if (l->quota_bytes > 0 && !same_size(sf.f_blocks, (uint64_t)sf.f_bsize, l->quota_bytes))
                return errorf(err, errlen, "quota cannot be enforced: the kernel's space limit of project %" PRIu32
                              " (%s) is %s, the configuration says %s (sftpjailctl doctor --fix)",
                              id, path, limits_format_size((int64_t)(sf.f_blocks * (uint64_t)sf.f_bsize), a, sizeof(a)),
                              limits_format_size(l->quota_bytes, b, sizeof(b)));
        if (l->quota_files > 0 && sf.f_files != (uint64_t)l->quota_files)
                return errorf(err, errlen, "quota cannot be enforced: the kernel's file limit of project %" PRIu32
                              " (%s) is %llu, the configuration says %lld (sftpjailctl doctor --fix)",
                              id, path, (unsigned long long)sf.f_files, (long long)l->quota_files);
        return 0;
}
