/* SPDX-License-Identifier: GPL-2.0-or-later */
/* quota: project quotas from the root side (quota.h).  Setting a user up
 * (add-user --quota, doctor --fix): the project id and inherit flag on the
 * writable area and on everything already below it, then the kernel's
 * limits (Q_SETQUOTA).  Showing them: sftpjailctl quota USER | --report.
 *
 * The filesystem, its type and mount options come from libmount here,
 * for the admin's messages (which mount to remount with prjquota); the
 * launcher never reads the mount table: its check (quota_check()) asks the
 * kernel about the very fd it mounts, which needs no parsing of text a
 * mount could make large, and holds whatever the table says. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <libmount/libmount.h>
#include <linux/fs.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/quota.h>
#include <sys/stat.h>
#include <unistd.h>

#include "build-config.h"
#include "config.h"
#include "ctl.h"
#include "identity.h"
#include "json.h"
#include "quota.h"
#include "util.h"

#ifndef PRJQUOTA
#define PRJQUOTA 2
#endif

/* Deeper trees are left (and reported): fds, one per level, stay bounded. */
#define WALK_MAX_DEPTH 128

struct mount_desc {
        char fstype[32];
        char target[PATH_MAX];
        char source[PATH_MAX];
        bool prjquota; /* prjquota / pquota / pqnoenforce among its options */
};

/* The mount fd lives on, by mount id (statx), from /proc/self/mountinfo. */
static int mount_of(int fd, struct mount_desc *m)
{
        struct statx stx;
        struct libmnt_table *tb = NULL;
        struct libmnt_iter *it = NULL;
        struct libmnt_fs *fs;
        int r = -1;

        if (statx(fd, "", AT_EMPTY_PATH, STATX_MNT_ID, &stx) < 0 || !(stx.stx_mask & STATX_MNT_ID))
                return -1;
        tb = mnt_new_table_from_file("/proc/self/mountinfo");
        it = mnt_new_iter(MNT_ITER_BACKWARD);
        while (tb && it && mnt_table_next_fs(tb, it, &fs) == 0) {
                const char *opts = mnt_fs_get_fs_options(fs);
                if ((uint64_t)mnt_fs_get_id(fs) != stx.stx_mnt_id)
                        continue;
                snprintf(m->fstype, sizeof(m->fstype), "%s", mnt_fs_get_fstype(fs) ?: "?");
                snprintf(m->target, sizeof(m->target), "%s", mnt_fs_get_target(fs) ?: "?");
                snprintf(m->source, sizeof(m->source), "%s", mnt_fs_get_source(fs) ?: "?");
                m->prjquota = opts && (mnt_optstr_get_option(opts, "prjquota", NULL, NULL) == 0 ||
                                       mnt_optstr_get_option(opts, "pquota", NULL, NULL) == 0 ||
                                       mnt_optstr_get_option(opts, "pqnoenforce", NULL, NULL) == 0);
                r = 0;
                break;
        }
        mnt_free_iter(it);
        mnt_unref_table(tb);
        return r;
}

struct walk {
        uint32_t id;
        dev_t dev;
        size_t set, skipped; /* entries changed; entries left (symlinks, devices, too deep, other mounts) */
        const char *err;     /* first failure */
        int err_errno;
};

/* Give fd project id (and the inherit flag to a directory).  Returns 1
 * changed, 0 already right, -1 with errno. */
static int set_project(int fd, uint32_t id, bool dir)
{
        struct fsxattr fsx;

        if (ioctl(fd, FS_IOC_FSGETXATTR, &fsx) < 0)
                return -1;
        if (fsx.fsx_projid == id && (!dir || (fsx.fsx_xflags & FS_XFLAG_PROJINHERIT)))
                return 0;
        fsx.fsx_projid = id;
        if (dir)
                fsx.fsx_xflags |= FS_XFLAG_PROJINHERIT;
        return ioctl(fd, FS_IOC_FSSETXATTR, &fsx) < 0 ? -1 : 1;
}

static void walk_fail(struct walk *w, const char *what)
{
        if (!w->err) {
                w->err = what;
                w->err_errno = errno;
        }
}

/* Everything below dirfd, by fd: each entry is opened with O_NOFOLLOW
 * relative to its parent's fd and checked on the fd it was opened as, so
 * a rename or a symlink planted meanwhile (the user may be logged in) can
 * neither lead us out of the tree nor onto another filesystem.  Symlinks,
 * FIFOs and sockets cannot be opened for the ioctl (they are left: they
 * hold no data; new ones inherit the project). */
static void walk(int dirfd, struct walk *w, int depth)
{
        int dup_fd = fcntl(dirfd, F_DUPFD_CLOEXEC, 3);
        DIR *d = dup_fd >= 0 ? fdopendir(dup_fd) : NULL;
        struct dirent *de;

        if (!d) {
                if (dup_fd >= 0)
                        close(dup_fd);
                walk_fail(w, "reading a directory");
                return;
        }
        while ((errno = 0, de = readdir(d))) {
                struct stat st;
                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                _cleanup_close_ int fd = openat(dirfd, de->d_name,
                                                O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
                if (fd < 0) {
                        if (errno == ELOOP || errno == ENXIO || errno == ENOENT || errno == EOPNOTSUPP)
                                w->skipped++; /* a symlink, socket, or gone */
                        else
                                walk_fail(w, de->d_name);
                        continue;
                }
                if (fstat(fd, &st) < 0) {
                        walk_fail(w, de->d_name);
                        continue;
                }
                bool dir = S_ISDIR(st.st_mode);
                if (st.st_dev != w->dev || (!dir && !S_ISREG(st.st_mode)) || (dir && depth >= WALK_MAX_DEPTH)) {
                        w->skipped++;
                        continue;
                }
                int r = set_project(fd, w->id, dir);
                if (r < 0)
                        walk_fail(w, de->d_name);
                else
                        w->set += (size_t)r;
                if (dir)
                        walk(fd, w, depth + 1);
        }
        if (errno)
                walk_fail(w, "reading a directory");
        closedir(d);
}

/* The writable area of a user, opened as a directory (no symlink in the
 * last component; the launcher's path rules are doctor's business).
 * Returns the fd or -1 (with a message); *path gets its name. */
static int open_area(const struct identity *id, const struct policy *p, char *path, size_t len)
{
        const char *rel = quota_area(p->access, p->uploads);
        int fd;

        if (!rel) {
                ctl_error("user %s: access=readonly has no writable area: a quota is ignored", id->name);
                return -1;
        }
        snprintf(path, len, "%s%s%s", id->home, *rel ? "/" : "", rel);
        fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                ctl_error("user %s: %s: %s", id->name, path, strerror(errno));
        return fd;
}

static int quotactl_fd_get(int fd, uint32_t id, struct dqblk *q)
{
        return quota_quotactl_fd(fd, QUOTA_CMD(Q_GETQUOTA, PRJQUOTA), id, q);
}

/* The kernel's limits of the project, as the configuration says. */
static int set_limits(int fd, uint32_t id, const struct limits *l)
{
        struct dqblk q = { 0 };

        if (quotactl_fd_get(fd, id, &q) == 0 && q.dqb_bsoftlimit == 0 && q.dqb_isoftlimit == 0 &&
            q.dqb_bhardlimit == (uint64_t)(l->quota_bytes + 1023) / 1024 && q.dqb_ihardlimit == (uint64_t)l->quota_files)
                return 0;
        q = (struct dqblk){ 0 };
        /* 1 KiB blocks (QIF_DQBLKSIZE), rounded up; no soft limits: the
         * launcher checks what statfs reports, the soft limit if set. */
        q.dqb_bhardlimit = (uint64_t)(l->quota_bytes + 1023) / 1024;
        q.dqb_ihardlimit = (uint64_t)l->quota_files;
        q.dqb_valid = QIF_LIMITS;
        return quota_quotactl_fd(fd, QUOTA_CMD(Q_SETQUOTA, PRJQUOTA), id, &q) < 0 ? -1 : 1;
}

int ctl_quota_setup(const struct config *c, const struct identity *id, const struct policy *p, bool quiet)
{
        _cleanup_close_ int fd = -1;
        char path[PATH_MAX * 2], err[256];
        struct mount_desc m = { 0 };
        struct stat st;
        uint32_t proj;
        bool acct, enforced;
        int r;

        if (!limits_have_quota(&p->limits))
                return 0;
        if (quota_project_id(c, id->uid, &proj, err, sizeof(err)) < 0) {
                ctl_error("user %s: %s", id->name, err);
                return -1;
        }
        fd = open_area(id, p, path, sizeof(path));
        if (fd < 0 || fstat(fd, &st) < 0)
                return -1;
        if (mount_of(fd, &m) < 0)
                snprintf(m.fstype, sizeof(m.fstype), "?");
        if (!streq(m.fstype, "xfs") && !streq(m.fstype, "ext4")) {
                ctl_error("user %s: %s is on %s (%s): project quotas need XFS or ext4 (docs/deployment.md)",
                          id->name, path, m.target, m.fstype);
                return -1;
        }
        /* The directory first: what is created from now on inherits. */
        int dir_set = set_project(fd, proj, true);
        if (dir_set < 0) {
                bool feature = errno == EOPNOTSUPP && streq(m.fstype, "ext4");
                ctl_error("user %s: setting project %" PRIu32 " on %s: %s%s", id->name, proj, path, strerror(errno),
                          feature ? " (ext4 needs the project and quota features: tune2fs -O project,quota, "
                                    "see docs/deployment.md)" : "");
                return -1;
        }
        struct walk w = { .id = proj, .dev = st.st_dev };
        walk(fd, &w, 1);
        if (w.err) {
                ctl_error("user %s: setting project %" PRIu32 " below %s: %s: %s", id->name, proj, path,
                          ctl_quote(w.err), strerror(w.err_errno));
                return -1;
        }
        if (!quiet && (dir_set > 0 || w.set))
                printf("%s: project %" PRIu32 " set (the directory and %zu entries below it)\n", path, proj, w.set);
        if (!quiet && w.skipped)
                printf("%s: %zu entries left as they are (symlinks, FIFOs, sockets, devices, other filesystems, deeper than %d)\n",
                       path, w.skipped, WALK_MAX_DEPTH);
        /* The ids are in place whether or not quotas are on (both
         * filesystems keep them regardless): the admin can remount with
         * prjquota afterwards and run this again. */
        if (quota_fs_state(fd, &acct, &enforced) < 0)
                acct = enforced = false; /* ENOSYS: XFS without quotas */
        if (!acct || !enforced) {
                ctl_error("user %s: %s: project quotas are %s on %s (%s %s%s): mount it with -o prjquota "
                          "(docs/deployment.md)", id->name, path, acct ? "not enforced" : "off", m.target, m.source,
                          m.fstype, m.prjquota ? ", mounted prjquota" : "");
                return -1;
        }
        r = set_limits(fd, proj, &p->limits);
        if (r < 0) {
                ctl_error("user %s: setting the limits of project %" PRIu32 ": %s", id->name, proj, strerror(errno));
                return -1;
        }
        if (!quiet && r > 0) {
                char a[32], b[32];
                printf("%s: kernel limits of project %" PRIu32 " set: quota %s, quota_files %s\n", path, proj,
                       limits_format_size(p->limits.quota_bytes, a, sizeof(a)),
                       p->limits.quota_files > 0 ? (snprintf(b, sizeof(b), "%" PRId64, p->limits.quota_files), b)
                                                 : "none");
        }
        return r > 0 || dir_set > 0 || w.set ? 1 : 0;
}

/* ---- sftpjailctl quota ---- */

struct usage {
        const char *user;
        uid_t uid;
        uint32_t project;
        char path[PATH_MAX * 2];
        struct mount_desc m;
        bool have_usage;
        uint64_t space, files, space_limit, files_limit; /* the kernel's */
        int64_t want_space, want_files;                  /* the configuration's */
        char problem[1024];                              /* the launcher's refusal, or "" */
};

/* Returns 1 with u filled, 0 no quota (or, with quiet, a user that cannot
 * be looked up: doctor reports those), -1 after a message. */
static int collect(const struct config *c, const char *name, struct usage *u, bool quiet)
{
        struct identity id;
        struct policy p;
        struct dqblk q;
        char err[512];
        _cleanup_close_ int fd = -1;

        *u = (struct usage){ .user = name };
        if (identity_by_name(name, &id, err, sizeof(err)) < 0) {
                if (quiet)
                        return 0;
                ctl_error("%s: %s", name, err);
                return -1;
        }
        if (policy_resolve(c, &id, &p) < 0 || !limits_have_quota(&p.limits) || !quota_area(p.access, p.uploads)) {
                identity_free(&id);
                return 0;
        }
        u->uid = id.uid;
        u->want_space = p.limits.quota_bytes;
        u->want_files = p.limits.quota_files;
        if (quota_project_id(c, id.uid, &u->project, u->problem, sizeof(u->problem)) == 0 &&
            (fd = open_area(&id, &p, u->path, sizeof(u->path))) >= 0) {
                if (mount_of(fd, &u->m) < 0)
                        snprintf(u->m.fstype, sizeof(u->m.fstype), "?");
                if (quota_quotactl_fd(fd, QUOTA_CMD(Q_GETQUOTA, PRJQUOTA), u->project, &q) == 0) {
                        u->have_usage = true;
                        u->space = q.dqb_curspace;
                        u->files = q.dqb_curinodes;
                        u->space_limit = q.dqb_bhardlimit * 1024;
                        u->files_limit = q.dqb_ihardlimit;
                }
                /* The launcher's very check, so the verdict is the login's. */
                quota_check(fd, u->path, u->project, &p.limits, u->problem, sizeof(u->problem));
        } else if (!u->problem[0]) {
                snprintf(u->problem, sizeof(u->problem), "%.900s: %s", u->path, strerror(errno));
        }
        identity_free(&id);
        return 1;
}

static void print_text(const struct usage *u)
{
        char a[32], b[32];

        printf("%s: project %" PRIu32 " on %s (%s, %s)\n", u->user, u->project, u->path, u->m.fstype, u->m.target);
        if (u->have_usage) {
                printf("  space: %" PRIu64 " bytes used, limit %s (configured %s)\n", u->space,
                       limits_format_size((int64_t)u->space_limit, a, sizeof(a)),
                       limits_format_size(u->want_space, b, sizeof(b)));
                printf("  files: %" PRIu64 " used, limit %" PRIu64 " (configured %" PRId64 ")\n", u->files,
                       u->files_limit, u->want_files);
        }
        printf("  %s%s\n", u->problem[0] ? "logins refused: " : "enforced", u->problem);
}

static void print_json(const struct usage *u)
{
        printf("{\"user\":");
        json_write_string(stdout, u->user);
        printf(",\"uid\":%u,\"project\":%" PRIu32 ",\"path\":", (unsigned)u->uid, u->project);
        json_write_string(stdout, u->path);
        printf(",\"fstype\":");
        json_write_string(stdout, u->m.fstype);
        printf(",\"mountpoint\":");
        json_write_string(stdout, u->m.target);
        if (u->have_usage)
                printf(",\"space_used\":%" PRIu64 ",\"space_limit\":%" PRIu64 ",\"files_used\":%" PRIu64
                       ",\"files_limit\":%" PRIu64, u->space, u->space_limit, u->files, u->files_limit);
        printf(",\"quota\":%" PRId64 ",\"quota_files\":%" PRId64 ",\"enforced\":%s,\"problem\":", u->want_space,
               u->want_files, u->problem[0] ? "false" : "true");
        if (u->problem[0])
                json_write_string(stdout, u->problem);
        else
                printf("null");
        printf("}");
}

static const char quota_usage[] =
        "Usage: sftpjailctl quota USER [--json]\n"
        "       sftpjailctl quota --report [--json]\n"
        "\n"
        "The project quota of USER (quota, quota_files in " SFTPJAIL_CONFIG_FILE "):\n"
        "project id, directory, filesystem, space and files used and the kernel's\n"
        "limits, and whether logins are refused because the quota cannot be\n"
        "enforced (the launcher's own check).  --report: every user with a quota.\n";

int cmd_quota(int argc, char **argv)
{
        bool json = false, report = false;
        const char *name = NULL;
        struct config c;
        char err[1024];
        const char *names[1024];
        size_t n = 0, n_members = 0, shown = 0;
        int rc = CTL_EXIT_OK;

        if (ctl_help_requested(argc, argv, quota_usage))
                return CTL_EXIT_OK;
        for (int i = 1; i < argc; i++) {
                const char *a = argv[i];
                if ((streq(a, "--json") && json) || (streq(a, "--report") && report)) {
                        ctl_usage_error(quota_usage, "%s given twice", a);
                        return CTL_EXIT_USAGE;
                } else if (streq(a, "--json")) {
                        json = true;
                } else if (streq(a, "--report")) {
                        report = true;
                } else if (a[0] == '-') {
                        ctl_usage_error(quota_usage, "unknown option '%s'", ctl_quote(a));
                        return CTL_EXIT_USAGE;
                } else if (name) {
                        ctl_usage_error(quota_usage, "one user name only");
                        return CTL_EXIT_USAGE;
                } else {
                        name = a;
                }
        }
        if (!!name == report) {
                ctl_usage_error(quota_usage, "%s", report ? "--report takes no user name" : "a user name or --report is required");
                return CTL_EXIT_USAGE;
        }
        if (name && !ctl_valid_user_name(name)) {
                ctl_error("invalid user name '%s'", ctl_quote(name));
                return CTL_EXIT_USAGE;
        }
        if (config_load(SFTPJAIL_CONFIG_FILE, &c, err, sizeof(err)) < 0) {
                ctl_error("%s", err);
                return CTL_EXIT_ERROR;
        }
        if (name) {
                names[n++] = name;
        } else {
                n = ctl_jailed_users(&c, names, ELEMENTSOF(names), &n_members);
        }
        if (json && report)
                printf("[");
        for (size_t i = 0; i < n; i++) {
                struct usage u;
                int r = collect(&c, names[i], &u, report);
                if (r < 0) {
                        rc = CTL_EXIT_ERROR;
                        continue;
                }
                if (r == 0) {
                        if (name) {
                                ctl_error("user %s has no quota (or access=readonly: nothing to limit)", name);
                                rc = CTL_EXIT_PROBLEMS;
                        }
                        continue;
                }
                if (json) {
                        if (report && shown)
                                printf(",");
                        print_json(&u);
                } else {
                        print_text(&u);
                }
                shown++;
                if (u.problem[0] && rc == CTL_EXIT_OK)
                        rc = CTL_EXIT_PROBLEMS;
        }
        if (json && report)
                printf("]");
        if (json && (report || shown))
                printf("\n");
        for (size_t i = 0; i < n_members; i++)
                free((char *)names[i]);
        config_free(&c);
        return rc;
}
