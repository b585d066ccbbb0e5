/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Project quotas (quota = SIZE, quota_files = N; sftpjail.conf(5) LIMITS).
 *
 * Each user's writable area (uploads, or the home with access=home) is a
 * filesystem project: the directory carries the user's project id and the
 * project-inherit flag, so everything created below counts, and the
 * kernel enforces the project's limits (XFS or ext4, mounted prjquota).
 * The project id is quota_project_base + uid ([global], default 2000000).
 *
 * quota_check() is the launcher's fail-closed check, part of
 * jail_resolve(): it needs no capability and reads no mount table.  The
 * changes (ids, flags, kernel limits) are sftpjailctl's (ctl-quota.c). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "config.h"
#include "limit.h"

#define QUOTA_PROJECT_BASE_DEFAULT 2000000UL

/* The user's project id.  Returns 0, or -1 with err set when base + uid
 * would not fit in a project id (at most 2^32-2). */
int quota_project_id(const struct config *c, uid_t uid, uint32_t *id, char *err, size_t errlen);

/* The directory whose project is limited: the uploads directory, or the
 * home with access=home; NULL for access=readonly (nothing is writable,
 * so a quota there is ignored; doctor notes it). */
const char *quota_area(enum access a, const char *uploads);

/* Can the kernel enforce limits l for project id on the directory fd (any
 * fd, O_PATH included) named path?  Checks, without privilege: project
 * quotas accounted and enforced on its filesystem (Q_XGETQSTATV), the
 * directory's project id and inherit flag (FS_IOC_FSGETXATTR), and the
 * project's limits as the kernel applies them to the directory (statfs,
 * see quota.c).  Returns 0, or -1 with a one-line reason in err. */
int quota_check(int fd, const char *path, uint32_t id, const struct limits *l, char *err, size_t errlen);

/* The filesystem half of quota_check(): fd's filesystem is XFS or ext4
 * and accounts and enforces project quotas.  sftpjailctl add-user asks it
 * of the nearest existing directory before it creates anything, so that a
 * quota the filesystem cannot enforce changes nothing.  Returns 0, or -1
 * with the same one-line reason the launcher gives. */
int quota_check_fs(int fd, const char *path, char *err, size_t errlen);

/* Project quota state of the filesystem of fd (Q_XGETQSTATV; no
 * privilege).  Returns 0 with *acct / *enforced, or -1 with errno. */
int quota_fs_state(int fd, bool *acct, bool *enforced);

/* The project id and inherit flag of a directory or file (fd not O_PATH).
 * Returns 0 or -1 with errno. */
int quota_get_project(int fd, uint32_t *id, bool *inherit);

/* glibc's QCMD() shifts an int: Q_GETQUOTA (0x800007) << 8 overflows. */
#define QUOTA_CMD(cmd, type) (((unsigned int)(cmd) << 8) | ((unsigned int)(type) & 0xffU))

/* quotactl_fd(2): Linux 5.14; glibc has no wrapper. */
int quota_quotactl_fd(int fd, unsigned int cmd, uint32_t id, void *addr);
