/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "mounts.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "build-config.h"
#include "log.h"
#include "pathrule.h"
#include "quota.h"

#ifndef MULTIARCH_TRIPLET
#error "MULTIARCH_TRIPLET must be defined by the build"
#endif

/* Library directories the dynamic loader searches when there is no
 * ld.so.cache (the jail has none): glibc's system search path. */
static const char *const lib_dirs[] = {
        "/lib/" MULTIARCH_TRIPLET, "/usr/lib/" MULTIARCH_TRIPLET, "/lib", "/usr/lib",
};

/* Open a path below dirfd that must stay below it and contain no symlink:
 * the way every user-controlled path is opened (pathrule.h). */
static int open_beneath(int dirfd, const char *path, int flags)
{
        return path_open_beneath(dirfd, path, flags);
}

static int fail(struct jail *j, const char *fmt, ...) _printf_(2, 3);
static int fail(struct jail *j, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(j->err, sizeof(j->err), fmt, ap);
        va_end(ap);
        return -1;
}

/* ---- jail_resolve(): open and check every source, no capability ---- */

/* The user's home: every ancestor root's, the home itself root's or the
 * user's, no symlink anywhere (pathrule.c). */
static int open_home(struct jail *j, const char *home_base)
{
        const char *home = j->id->home;
        struct stat st;

        if (home_base) {
                size_t n = strlen(home_base);
                if (strncmp(home, home_base, n) != 0 || home[n] != '/')
                        return fail(j, "home directory '%s' is not below home_base %s", home, home_base);
        }
        j->home_src = path_open_trusted(home, &path_rule_home, j->id->uid, O_PATH | O_DIRECTORY, &st, j->err,
                                        sizeof(j->err));
        return j->home_src < 0 ? -1 : 0;
}

/* uploads / start_dir: below the home, no symlinks, a directory. */
static int open_subdir(struct jail *j, const char *rel, const char *what, struct stat *st)
{
        const char *home = j->id->home;
        int fd = open_beneath(j->home_src, rel, O_PATH | O_DIRECTORY);

        if (fd < 0) {
                if (errno == ENOENT)
                        return fail(j, "%s directory %s/%s does not exist", what, home, rel);
                if (errno == ELOOP || errno == EXDEV || errno == ENOTDIR)
                        return fail(j, "%s directory %s/%s is a symlink or not a directory", what, home, rel);
                return fail(j, "%s directory %s/%s: %s", what, home, rel, strerror(errno));
        }
        if (fstat(fd, st) < 0) {
                close(fd);
                return fail(j, "fstat %s/%s: %s", home, rel, strerror(errno));
        }
        return fd;
}

/* ---- sftp-server, its loader and libraries ---- */

/* Keep fd (ours from now on) as the source of jail_path. */
static int add_file(struct jail *j, const char *jail_path, int fd, bool device)
{
        struct jail_file *f;

        for (size_t i = 0; i < j->n_files; i++)
                if (streq(j->files[i].path, jail_path)) {
                        close(fd);
                        return 0;
                }
        if (j->n_files >= JAIL_MAX_FILES) {
                close(fd);
                return fail(j, "too many files to bind into the jail");
        }
        f = &j->files[j->n_files++];
        snprintf(f->path, sizeof(f->path), "%s", jail_path);
        f->src = fd;
        f->tree = -1;
        /* Binaries and libraries: read-only, executable, no devices or
         * set-id.  /dev/null: read-only mount (writes to a device still
         * work), no exec, no set-id, devices allowed. */
        f->attr = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | (device ? MOUNT_ATTR_NOEXEC : MOUNT_ATTR_NODEV);
        return 0;
}

/* Open a system file (following the system's own root-owned symlinks,
 * such as /lib -> usr/lib): the file must be root's and writable by root
 * alone.  Returns the fd, -1 with errno ENOENT if absent, -2 refused. */
static int open_system_file(struct jail *j, const char *what, const char *path)
{
        struct path_rule rule = path_rule_system_file;
        struct stat st;
        int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

        if (fd < 0)
                return -1;
        rule.what = what;
        if (fstat(fd, &st) < 0 || path_rule_check(&rule, path, &st, 0, j->err, sizeof(j->err)) < 0) {
                close(fd);
                return -2;
        }
        return fd;
}

static int parse_elf(struct jail *j, int fd, const char *path, struct elf_info *info)
{
        struct stat st;
        const char *why = NULL;
        void *map;

        if (fstat(fd, &st) < 0)
                return fail(j, "fstat %s: %s", path, strerror(errno));
        map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (map == MAP_FAILED)
                return fail(j, "mmap %s: %s", path, strerror(errno));
        int r = elf_parse(map, (size_t)st.st_size, info, &why);
        munmap(map, (size_t)st.st_size);
        if (r < 0)
                return fail(j, "%s: %s", path, why);
        if (info->has_runpath)
                return fail(j, "%s: RPATH/RUNPATH is not supported in the jail", path);
        return 0;
}

static int add_libraries(struct jail *j, const struct elf_info *info, const char *interp, int depth)
{
        const char *interp_base = strrchr(interp, '/');

        interp_base = interp_base ? interp_base + 1 : interp;
        if (depth > 4)
                return fail(j, "library dependencies nest too deeply");
        for (size_t i = 0; i < info->n_needed; i++) {
                const char *name = info->needed[i];
                char path[PATH_MAX];
                struct elf_info sub = { 0 };
                int fd = -1;

                if (streq(name, interp_base))
                        continue; /* the loader is already there */
                for (size_t d = 0; d < ELEMENTSOF(lib_dirs) && fd == -1; d++) {
                        snprintf(path, sizeof(path), "%s/%s", lib_dirs[d], name);
                        fd = open_system_file(j, "library", path);
                }
                if (fd == -2)
                        return -1;
                if (fd < 0)
                        return fail(j, "library %s needed by sftp-server not found in the system library path",
                                    name);
                if (parse_elf(j, fd, path, &sub) < 0) {
                        close(fd);
                        return -1;
                }
                if (add_file(j, path, fd, false) < 0 || add_libraries(j, &sub, interp, depth + 1) < 0)
                        return -1;
        }
        return 0;
}

static int resolve_binaries(struct jail *j, const char *sftp_server)
{
        struct elf_info info = { 0 };
        int fd, ifd;

        if (sftp_server[0] != '/')
                return fail(j, "sftp_server '%s' must be an absolute path", sftp_server);
        fd = open_system_file(j, "sftp-server", sftp_server);
        if (fd == -2)
                return -1;
        if (fd < 0)
                return fail(j, "sftp-server %s: %s", sftp_server, strerror(errno));
        snprintf(j->sftp_server, sizeof(j->sftp_server), "%s", sftp_server);
        if (parse_elf(j, fd, sftp_server, &info) < 0) {
                close(fd);
                return -1;
        }
        if (add_file(j, sftp_server, fd, false) < 0)
                return -1;
        if (info.interp[0]) {
                ifd = open_system_file(j, "dynamic loader", info.interp);
                if (ifd == -2)
                        return -1;
                if (ifd < 0)
                        return fail(j, "dynamic loader %s: %s", info.interp, strerror(errno));
                if (add_file(j, info.interp, ifd, false) < 0)
                        return -1;
        }
        return add_libraries(j, &info, info.interp, 0);
}

static int resolve_dev_null(struct jail *j)
{
        int fd = open("/dev/null", O_PATH | O_CLOEXEC | O_NOFOLLOW);
        struct stat st;

        if (fd < 0 || fstat(fd, &st) < 0) {
                int e = errno;
                if (fd >= 0)
                        close(fd);
                return fail(j, "/dev/null: %s", strerror(e));
        }
        if (!S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3)) {
                close(fd);
                return fail(j, "/dev/null is not the null device");
        }
        return add_file(j, "/dev/null", fd, true);
}

/* Is a equal to b or an ancestor directory of it? */
static bool path_covers(const char *a, const char *b)
{
        size_t n = strlen(a);
        return strncmp(a, b, n) == 0 && (b[n] == '\0' || b[n] == '/');
}

/* The home is mounted over the jail's own tree: it must not hide or
 * contain /etc, /dev or the binaries we place, or be placed inside them. */
static int check_home_overlap(struct jail *j)
{
        static const char *const fixed[] = { "/etc", "/dev" };
        const char *home = j->id->home;

        for (size_t i = 0; i < ELEMENTSOF(fixed); i++)
                if (path_covers(home, fixed[i]) || path_covers(fixed[i], home))
                        return fail(j, "home directory %s overlaps the jail's %s; move the home", home, fixed[i]);
        for (size_t i = 0; i < j->n_files; i++)
                if (path_covers(home, j->files[i].path) || path_covers(j->files[i].path, home))
                        return fail(j, "home directory %s overlaps the jail's %s; move the home", home,
                                    j->files[i].path);
        return 0;
}

/* quota / quota_files: a session is never served without its limit, so
 * a quota the kernel would not enforce refuses the login (quota.h).  By
 * fd, without privilege and without reading the mount table: the fd is the
 * very directory that gets mounted.  A readonly user has nothing to limit. */
static int resolve_quota(struct jail *j, const struct config *c)
{
        const struct policy *p = j->policy;
        int fd = p->uploads ? j->uploads_src : p->access == ACCESS_HOME ? j->home_src : -1;
        char path[PATH_MAX * 2];
        uint32_t id;

        if (!limits_have_quota(&p->limits) || fd < 0)
                return 0;
        snprintf(path, sizeof(path), "%s%s%s", j->id->home, p->uploads ? "/" : "", p->uploads ? p->uploads : "");
        if (quota_project_id(c, j->id->uid, &id, j->err, sizeof(j->err)) < 0)
                return -1;
        return quota_check(fd, path, id, &p->limits, j->err, sizeof(j->err));
}

/* The home and the uploads directory, checked. */
static int resolve_writable(struct jail *j, const struct config *c)
{
        const struct policy *p = j->policy;
        const unsigned long long flags = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC;
        char path[PATH_MAX * 2];

        if (open_home(j, c->home_base) < 0)
                return -1;
        j->home_attr = flags | (p->access == ACCESS_HOME ? 0 : MOUNT_ATTR_RDONLY);
        if (p->uploads) {
                j->uploads_src = open_subdir(j, p->uploads, "uploads", &j->uploads_st);
                if (j->uploads_src < 0)
                        return -1;
                snprintf(path, sizeof(path), "%s/%s", j->id->home, p->uploads);
                if (path_rule_check(&path_rule_uploads, path, &j->uploads_st, j->id->uid, j->err,
                                    sizeof(j->err)) < 0)
                        return -1;
                j->uploads_attr = flags;
        }
        return 0;
}

static int resolve(struct jail *j, const struct config *c)
{
        const struct policy *p = j->policy;
        struct stat st;

        if (resolve_writable(j, c) < 0)
                return -1;
        if (resolve_quota(j, c) < 0)
                return -1;
        /* The start directory only has to exist: sftp-server chdirs there. */
        if (*p->start_dir) {
                int fd = open_subdir(j, p->start_dir, "start", &st);
                if (fd < 0)
                        return -1;
                close(fd);
        }
        if (resolve_binaries(j, c->sftp_server) < 0 || resolve_dev_null(j) < 0)
                return -1;
        return check_home_overlap(j);
}

int jail_resolve(struct jail *j, const struct config *c, const struct identity *id, const struct policy *p)
{
        *j = (struct jail){ .id = id, .policy = p, .home_src = -1, .uploads_src = -1, .home_tree = -1,
                            .uploads_tree = -1 };
        if (resolve(j, c) < 0) {
                jail_close(j);
                return -1;
        }
        return 0;
}

int jail_resolve_uploads(struct jail *j, const struct config *c, const struct identity *id, const struct policy *p)
{
        *j = (struct jail){ .id = id, .policy = p, .home_src = -1, .uploads_src = -1, .home_tree = -1,
                            .uploads_tree = -1 };
        if (resolve_writable(j, c) < 0) {
                jail_close(j);
                return -1;
        }
        return 0;
}

/* ---- jail_clone(): detached copies with their final flags ---- */

static int clone_tree(int fd, const char *what, bool recursive, unsigned long long attr_set)
{
        struct mount_attr attr = { .attr_set = attr_set, .propagation = MS_PRIVATE };
        int t = open_tree(fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH |
                                          (recursive ? AT_RECURSIVE : 0));

        if (t < 0)
                die_errno("cloning %s", what);
        if (mount_setattr(t, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &attr, sizeof(attr)) < 0)
                die_errno("setting mount flags on %s", what);
        return t;
}

void jail_clone(struct jail *j)
{
        /* The clones are taken from the fds jail_resolve() checked: a
         * rename or a symlink planted from then on cannot change what
         * gets mounted. */
        j->home_tree = clone_tree(j->home_src, j->id->home, true, j->home_attr);
        if (j->uploads_src >= 0)
                j->uploads_tree = clone_tree(j->uploads_src, j->policy->uploads, true, j->uploads_attr);
        for (size_t i = 0; i < j->n_files; i++)
                j->files[i].tree = clone_tree(j->files[i].src, j->files[i].path, false, j->files[i].attr);
        /* The sources are done with: the child gets the clones only. */
        closep(&j->home_src);
        closep(&j->uploads_src);
        j->home_src = j->uploads_src = -1;
        for (size_t i = 0; i < j->n_files; i++) {
                closep(&j->files[i].src);
                j->files[i].src = -1;
        }
}

void jail_close(struct jail *j)
{
        closep(&j->home_src);
        closep(&j->uploads_src);
        closep(&j->home_tree);
        closep(&j->uploads_tree);
        j->home_src = j->uploads_src = j->home_tree = j->uploads_tree = -1;
        for (size_t i = 0; i < j->n_files; i++) {
                closep(&j->files[i].src);
                closep(&j->files[i].tree);
                j->files[i].src = j->files[i].tree = -1;
        }
}

/* ---- building the tree in the new mount namespace ---- */

/* Entries we create in the fresh tmpfs, made root-owned before mounting. */
struct created {
        size_t n;
        char path[64][PATH_MAX];
};

static void note_created(struct created *cr, const char *rel)
{
        if (cr->n >= ELEMENTSOF(cr->path))
                die("jail tree too large");
        snprintf(cr->path[cr->n++], PATH_MAX, "%s", rel);
}

/* mkdir -p of rel (no leading '/') below root with mode for new dirs. */
static void mkdirs(int root, const char *rel, mode_t mode, struct created *cr)
{
        char buf[PATH_MAX];

        snprintf(buf, sizeof(buf), "%s", rel);
        for (char *s = buf; *s;) {
                char *slash = strchr(s, '/');
                if (slash)
                        *slash = '\0';
                if (mkdirat(root, buf, mode) == 0)
                        note_created(cr, buf);
                else if (errno != EEXIST)
                        die_errno("creating /%s in the jail", buf);
                else if (mode == 0755 && fchmodat(root, buf, 0755, 0) < 0)
                        die_errno("chmod /%s in the jail", buf);
                if (!slash)
                        break;
                *slash = '/';
                s = slash + 1;
        }
}

static void mkparents(int root, const char *rel, mode_t mode, struct created *cr)
{
        char buf[PATH_MAX];
        char *slash;

        snprintf(buf, sizeof(buf), "%s", rel);
        slash = strrchr(buf, '/');
        if (slash) {
                *slash = '\0';
                mkdirs(root, buf, mode, cr);
        }
}

static void write_file(int root, const char *rel, const char *content, struct created *cr)
{
        _cleanup_close_ int fd = openat(root, rel, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
        size_t len = strlen(content);

        if (fd < 0)
                die_errno("creating /%s in the jail", rel);
        if (write(fd, content, len) != (ssize_t)len)
                die_errno("writing /%s in the jail", rel);
        note_created(cr, rel);
}

static void mount_at(int tree, int root, const char *rel)
{
        if (move_mount(tree, "", root, rel, MOVE_MOUNT_F_EMPTY_PATH) < 0)
                die_errno("mounting /%s in the jail", rel);
}

static int new_tmpfs(const struct identity *id)
{
        _cleanup_close_ int fs = fsopen("tmpfs", FSOPEN_CLOEXEC);
        char uid[16], gid[16];

        snprintf(uid, sizeof(uid), "%u", id->uid);
        snprintf(gid, sizeof(gid), "%u", id->gid);
        /* Owned by the user while we populate it (we have no
         * CAP_DAC_OVERRIDE), chowned to root before it is used. */
        if (fs < 0 || fsconfig(fs, FSCONFIG_SET_STRING, "size", "256k", 0) < 0 ||
            fsconfig(fs, FSCONFIG_SET_STRING, "nr_inodes", "128", 0) < 0 ||
            fsconfig(fs, FSCONFIG_SET_STRING, "mode", "0755", 0) < 0 ||
            fsconfig(fs, FSCONFIG_SET_STRING, "uid", uid, 0) < 0 ||
            fsconfig(fs, FSCONFIG_SET_STRING, "gid", gid, 0) < 0 ||
            fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
                die_errno("creating the jail's tmpfs");
        int m = fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
        if (m < 0)
                die_errno("fsmount");
        return m;
}

static void place_uploads(struct jail *j, int root)
{
        _cleanup_close_ int home = -1, target = -1;
        struct stat st;

        home = openat(root, j->id->home + 1, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (home < 0)
                die_errno("opening the jailed home");
        target = open_beneath(home, j->policy->uploads, O_PATH | O_DIRECTORY);
        if (target < 0 || fstat(target, &st) < 0)
                die_errno("uploads directory %s/%s changed during login", j->id->home, j->policy->uploads);
        /* Same directory as the one we checked and cloned?  Anything else
         * was swapped in while we worked. */
        if (st.st_dev != j->uploads_st.st_dev || st.st_ino != j->uploads_st.st_ino)
                die("uploads directory %s/%s changed during login", j->id->home, j->policy->uploads);
        if (move_mount(j->uploads_tree, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
                die_errno("mounting uploads");
}

void jail_build(struct jail *j, const char *passwd, const char *group)
{
        _cleanup_close_ int root = -1;
        struct created cr = { 0 };
        const char *home = j->id->home + 1;
        struct mount_attr ro = { .attr_set = MOUNT_ATTR_RDONLY };

        /* Before any mount: nothing we do may propagate to the host. */
        if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                die_errno("making / private");

        /* The new root is a fresh tmpfs, attached at /tmp of our private
         * namespace only (no host path is involved, CVE-2019-12439). */
        root = new_tmpfs(j->id);
        if (move_mount(root, "", AT_FDCWD, "/tmp", MOVE_MOUNT_F_EMPTY_PATH) < 0)
                die_errno("attaching the jail root");

        /* Skeleton.  The home's ancestors are listable (0755); directories
         * that only hold the loader and libraries are 0711, so they work
         * but cannot be listed. */
        mkdirs(root, home, 0755, &cr);
        mkdirs(root, "etc", 0755, &cr);
        mkdirs(root, "dev", 0755, &cr);
        for (size_t i = 0; i < j->n_files; i++) {
                const char *rel = j->files[i].path + 1;
                mkparents(root, rel, 0711, &cr);
                _cleanup_close_ int fd = openat(root, rel, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0);
                if (fd < 0)
                        die_errno("creating /%s in the jail", rel);
                note_created(&cr, rel);
        }
        write_file(root, "etc/passwd", passwd, &cr);
        write_file(root, "etc/group", group, &cr);

        /* Root-owned, all of it, before anything is mounted over it. */
        for (size_t i = 0; i < cr.n; i++)
                if (fchownat(root, cr.path[i], 0, 0, AT_SYMLINK_NOFOLLOW) < 0)
                        die_errno("chown /%s in the jail", cr.path[i]);
        if (fchownat(root, "", 0, 0, AT_EMPTY_PATH) < 0)
                die_errno("chown of the jail root");

        mount_at(j->home_tree, root, home);
        if (j->uploads_tree >= 0)
                place_uploads(j, root);
        for (size_t i = 0; i < j->n_files; i++)
                mount_at(j->files[i].tree, root, j->files[i].path + 1);

        /* Built: the root itself becomes read-only. */
        if (mount_setattr(root, "", AT_EMPTY_PATH, &ro, sizeof(ro)) < 0)
                die_errno("making the jail root read-only");

        /* pivot_root(".", ".") stacks the old root on the new one; the
         * detach removes it (pivot_root(2), NOTES). */
        if (fchdir(root) < 0 || syscall(SYS_pivot_root, ".", ".") < 0)
                die_errno("pivot_root");
        if (umount2(".", MNT_DETACH) < 0)
                die_errno("detaching the host's root");
        if (chdir("/") < 0 || chdir(j->id->home) < 0)
                die_errno("chdir %s", j->id->home);
}
