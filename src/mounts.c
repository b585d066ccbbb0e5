/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "mounts.h"

#include <fcntl.h>
#include <linux/openat2.h>
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

#ifndef MULTIARCH_TRIPLET
#error "MULTIARCH_TRIPLET must be defined by the build"
#endif

/* Library directories the dynamic loader searches when there is no
 * ld.so.cache (the jail has none): glibc's system search path. */
static const char *const lib_dirs[] = {
        "/lib/" MULTIARCH_TRIPLET, "/usr/lib/" MULTIARCH_TRIPLET, "/lib", "/usr/lib",
};

static int sys_openat2(int dirfd, const char *path, int flags, unsigned long long resolve)
{
        struct open_how how = { .flags = (unsigned long long)flags, .resolve = resolve };
        return (int)syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
}

/* Open a path below dirfd that must stay below it and contain no symlink:
 * the way every user-controlled path is opened. */
static int open_beneath(int dirfd, const char *path, int flags)
{
        return sys_openat2(dirfd, path, flags | O_CLOEXEC,
                           RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
}

static void set_attr(int tree, const char *what, unsigned long long set, bool recursive)
{
        struct mount_attr attr = { .attr_set = set, .propagation = MS_PRIVATE };

        if (mount_setattr(tree, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &attr, sizeof(attr)) < 0)
                die_errno("setting mount flags on %s", what);
}

static int clone_tree(int fd, const char *what, bool recursive)
{
        int t = open_tree(fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH |
                                          (recursive ? AT_RECURSIVE : 0));
        if (t < 0)
                die_errno("cloning %s", what);
        return t;
}

/* ---- the user's home: every ancestor root-owned, no symlinks ---- */

static int open_home(const char *home, const char *home_base, uid_t uid)
{
        _cleanup_close_ int dir = -1;
        char buf[PATH_MAX];
        struct stat st;
        char *s, *slash;

        if (home[0] != '/' || strlen(home) >= sizeof(buf) || streq(home, "/"))
                die("home directory '%s' must be an absolute path below /", home);
        if (home_base) {
                size_t n = strlen(home_base);
                if (strncmp(home, home_base, n) != 0 || home[n] != '/')
                        die("home directory '%s' is not below home_base %s", home, home_base);
        }
        strcpy(buf, home + 1);
        dir = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (dir < 0)
                die_errno("open /");
        for (s = buf;; s = slash + 1) {
                slash = strchr(s, '/');
                if (slash)
                        *slash = '\0';
                if (!*s || streq(s, ".") || streq(s, ".."))
                        die("home directory '%s' is not a canonical path", home);
                /* O_NOFOLLOW: a symlink anywhere in the path is refused. */
                int next = openat(dir, s, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (next < 0) {
                        if (errno == ENOTDIR || errno == ELOOP)
                                die("home directory '%s': component '%s' is a symlink or not a directory", home, s);
                        die_errno("home directory '%s' (at '%s')", home, s);
                }
                close(dir);
                dir = next;
                if (fstat(dir, &st) < 0)
                        die_errno("fstat %s", s);
                if (!slash)
                        break;
                if (st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH)))
                        die("home directory '%s': '%s' must be owned by root and not group/world-writable", home, s);
        }
        if (st.st_uid != 0 && st.st_uid != uid)
                die("home directory '%s' is owned by uid %u, not by root or the user", home, st.st_uid);
        if (st.st_mode & (S_IWGRP | S_IWOTH))
                die("home directory '%s' must not be group/world-writable (mode %04o)", home, st.st_mode & 07777);
        return steal_fd(&dir);
}

/* uploads / start_dir: below the home, no symlinks, a directory. */
static int open_subdir(int home_fd, const char *home, const char *rel, const char *what, struct stat *st)
{
        int fd = open_beneath(home_fd, rel, O_PATH | O_DIRECTORY);

        if (fd < 0) {
                if (errno == ENOENT)
                        die("%s directory %s/%s does not exist", what, home, rel);
                if (errno == ELOOP || errno == EXDEV || errno == ENOTDIR)
                        die("%s directory %s/%s is a symlink or not a directory", what, home, rel);
                die_errno("%s directory %s/%s", what, home, rel);
        }
        if (fstat(fd, st) < 0)
                die_errno("fstat %s/%s", home, rel);
        return fd;
}

/* ---- sftp-server, its loader and libraries ---- */

static void add_file(struct jail *j, const char *jail_path, int fd, bool device)
{
        struct jail_file *f;

        for (size_t i = 0; i < j->n_files; i++)
                if (streq(j->files[i].path, jail_path))
                        return;
        if (j->n_files >= JAIL_MAX_FILES)
                die("too many files to bind into the jail");
        f = &j->files[j->n_files++];
        snprintf(f->path, sizeof(f->path), "%s", jail_path);
        f->tree = clone_tree(fd, jail_path, false);
        /* Binaries and libraries: read-only, executable, no devices or
         * set-id.  /dev/null: read-only mount (writes to a device still
         * work), no exec, no set-id, devices allowed. */
        f->attr = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | (device ? MOUNT_ATTR_NOEXEC : MOUNT_ATTR_NODEV);
        set_attr(f->tree, jail_path, f->attr, false);
}

/* Open a system file: root-owned, not writable by others, regular. */
static int open_system_file(const char *path)
{
        struct stat st;
        int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

        if (fd < 0)
                return -1;
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH)))
                die("%s must be a regular file owned by root and not group/world-writable", path);
        return fd;
}

static void parse_elf(int fd, const char *path, struct elf_info *info)
{
        struct stat st;
        const char *why = NULL;
        void *map;

        if (fstat(fd, &st) < 0)
                die_errno("fstat %s", path);
        map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (map == MAP_FAILED)
                die_errno("mmap %s", path);
        int r = elf_parse(map, (size_t)st.st_size, info, &why);
        munmap(map, (size_t)st.st_size);
        if (r < 0)
                die("%s: %s", path, why);
        if (info->has_runpath)
                die("%s: RPATH/RUNPATH is not supported in the jail", path);
}

static void add_libraries(struct jail *j, const struct elf_info *info, const char *interp, int depth)
{
        const char *interp_base = strrchr(interp, '/');

        interp_base = interp_base ? interp_base + 1 : interp;
        if (depth > 4)
                die("library dependencies nest too deeply");
        for (size_t i = 0; i < info->n_needed; i++) {
                const char *name = info->needed[i];
                char path[PATH_MAX];
                int fd = -1;

                if (streq(name, interp_base))
                        continue; /* the loader is already there */
                for (size_t d = 0; d < ELEMENTSOF(lib_dirs) && fd < 0; d++) {
                        snprintf(path, sizeof(path), "%s/%s", lib_dirs[d], name);
                        fd = open_system_file(path);
                }
                if (fd < 0)
                        die("library %s needed by sftp-server not found in the system library path", name);
                struct elf_info sub;
                parse_elf(fd, path, &sub);
                add_file(j, path, fd, false);
                close(fd);
                add_libraries(j, &sub, interp, depth + 1);
        }
}

static void prepare_binaries(struct jail *j, const char *sftp_server)
{
        _cleanup_close_ int fd = -1, ifd = -1;
        struct elf_info info;

        if (sftp_server[0] != '/')
                die("sftp_server '%s' must be an absolute path", sftp_server);
        fd = open_system_file(sftp_server);
        if (fd < 0)
                die_errno("sftp-server %s", sftp_server);
        snprintf(j->sftp_server, sizeof(j->sftp_server), "%s", sftp_server);
        parse_elf(fd, sftp_server, &info);
        add_file(j, sftp_server, fd, false);
        if (info.interp[0]) {
                ifd = open_system_file(info.interp);
                if (ifd < 0)
                        die_errno("dynamic loader %s", info.interp);
                add_file(j, info.interp, ifd, false);
        }
        add_libraries(j, &info, info.interp, 0);
}

static void prepare_dev_null(struct jail *j)
{
        _cleanup_close_ int fd = open("/dev/null", O_PATH | O_CLOEXEC | O_NOFOLLOW);
        struct stat st;

        if (fd < 0 || fstat(fd, &st) < 0)
                die_errno("/dev/null");
        if (!S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3))
                die("/dev/null is not the null device");
        add_file(j, "/dev/null", fd, true);
}

/* Is a equal to b or an ancestor directory of it? */
static bool path_covers(const char *a, const char *b)
{
        size_t n = strlen(a);
        return strncmp(a, b, n) == 0 && (b[n] == '\0' || b[n] == '/');
}

/* The home is mounted over the jail's own tree: it must not hide or
 * contain /etc, /dev or the binaries we place, or be placed inside them. */
static void check_home_overlap(const struct jail *j, const char *home)
{
        static const char *const fixed[] = { "/etc", "/dev" };

        for (size_t i = 0; i < ELEMENTSOF(fixed); i++)
                if (path_covers(home, fixed[i]) || path_covers(fixed[i], home))
                        die("home directory %s overlaps the jail's %s; move the home", home, fixed[i]);
        for (size_t i = 0; i < j->n_files; i++)
                if (path_covers(home, j->files[i].path) || path_covers(j->files[i].path, home))
                        die("home directory %s overlaps the jail's %s; move the home", home, j->files[i].path);
}

void jail_prepare(struct jail *j, const struct config *c, const struct identity *id, const struct policy *p)
{
        _cleanup_close_ int home_fd = -1, uploads_fd = -1;
        struct stat st;
        unsigned long long flags = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC;

        *j = (struct jail){ .id = id, .policy = p, .home_tree = -1, .uploads_tree = -1 };

        home_fd = open_home(id->home, c->home_base, id->uid);
        if (p->uploads) {
                uploads_fd = open_subdir(home_fd, id->home, p->uploads, "uploads", &j->uploads_st);
                if (j->uploads_st.st_uid != id->uid)
                        die("uploads directory %s/%s must be owned by %s (owned by uid %u)", id->home, p->uploads,
                            id->name, j->uploads_st.st_uid);
                if (j->uploads_st.st_mode & S_IWOTH)
                        die("uploads directory %s/%s must not be world-writable", id->home, p->uploads);
        }
        /* The start directory only has to exist: sftp-server chdirs there. */
        if (*p->start_dir)
                close(open_subdir(home_fd, id->home, p->start_dir, "start", &st));

        /* The clones are taken from the fds we checked: a rename or a
         * symlink planted from now on cannot change what gets mounted. */
        j->home_tree = clone_tree(home_fd, id->home, true);
        j->home_attr = flags | (p->access == ACCESS_HOME ? 0 : MOUNT_ATTR_RDONLY);
        set_attr(j->home_tree, id->home, j->home_attr, true);
        if (uploads_fd >= 0) {
                j->uploads_tree = clone_tree(uploads_fd, p->uploads, true);
                j->uploads_attr = flags;
                set_attr(j->uploads_tree, p->uploads, j->uploads_attr, true);
        }
        prepare_binaries(j, c->sftp_server);
        prepare_dev_null(j);
        check_home_overlap(j, id->home);
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
