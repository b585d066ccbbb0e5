/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "pathrule.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util.h"

const struct path_rule path_rule_root_dir = { "directory", S_IFDIR, PATH_OWNER_ROOT, S_IWGRP | S_IWOTH };
const struct path_rule path_rule_config = { "configuration", S_IFREG, PATH_OWNER_ROOT, S_IWGRP | S_IWOTH };
const struct path_rule path_rule_system_file = { "file", S_IFREG, PATH_OWNER_ROOT, S_IWGRP | S_IWOTH };
const struct path_rule path_rule_keys_file = { "keys file", S_IFREG, PATH_OWNER_ROOT, S_IWGRP | S_IWOTH };
const struct path_rule path_rule_program = { "on_upload program", S_IFREG, PATH_OWNER_ROOT, S_IWGRP | S_IWOTH };
const struct path_rule path_rule_ready_dir = { "ready_dir", S_IFDIR, PATH_OWNER_ROOT_OR_USER, S_IWOTH };
const struct path_rule path_rule_home = { "home directory", S_IFDIR, PATH_OWNER_ROOT_OR_USER, S_IWGRP | S_IWOTH };
const struct path_rule path_rule_uploads = { "uploads directory", S_IFDIR, PATH_OWNER_USER, S_IWOTH };

static const char *type_name(mode_t type)
{
        return type == S_IFDIR ? "a directory" : type == S_IFREG ? "a regular file" : "a file";
}

static const char *mode_words(mode_t forbidden)
{
        return (forbidden & S_IWGRP) ? "group/world-writable" : "world-writable";
}

int path_rule_check(const struct path_rule *r, const char *path, const struct stat *st, uid_t uid, char *err,
                    size_t errlen)
{
        unsigned mode = st->st_mode & 07777;
        bool owner_ok = st->st_uid == 0 ? r->owner != PATH_OWNER_USER
                                        : st->st_uid == uid && r->owner != PATH_OWNER_ROOT;

        if (r->type && (st->st_mode & S_IFMT) != r->type)
                return errorf(err, errlen, "%s %s is not %s", r->what, path, type_name(r->type));
        if (r->owner == PATH_OWNER_ROOT && (!owner_ok || (st->st_mode & r->forbidden)))
                return errorf(err, errlen, "%s %s must be %s owned by root and not %s (owner uid %u, mode %04o)",
                            r->what, path, type_name(r->type), mode_words(r->forbidden), st->st_uid, mode);
        if (!owner_ok)
                return errorf(err, errlen, "%s %s must be owned by %s (owned by uid %u)", r->what, path,
                            r->owner == PATH_OWNER_USER ? "the user" : "root or the user", st->st_uid);
        if (st->st_mode & r->forbidden)
                return errorf(err, errlen, "%s %s must not be %s (mode %04o)", r->what, path,
                            mode_words(r->forbidden), mode);
        return 0;
}

int path_open_beneath(int dirfd, const char *rel, int flags)
{
        struct open_how how = {
                .flags = (unsigned long long)(flags | O_CLOEXEC),
                .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
        };
        return (int)syscall(SYS_openat2, dirfd, rel, &how, sizeof(how));
}

int path_open_beneath_checked(int dirfd, const char *dirpath, const char *rel, const struct path_rule *rule,
                              uid_t uid, int flags, struct stat *st, char *err, size_t errlen)
{
        char path[PATH_MAX * 2];
        int fd = path_open_beneath(dirfd, rel, flags);

        snprintf(path, sizeof(path), "%s/%s", dirpath, rel);
        if (fd < 0) {
                int e = errno;
                if (e == ELOOP || e == EXDEV || e == ENOTDIR)
                        errorf(err, errlen, "%s %s is a symlink, leads out of %s or is not %s", rule->what, path,
                               dirpath, type_name(rule->type));
                else
                        errorf(err, errlen, "%s %s: %s", rule->what, path, strerror(e));
                errno = e;
                return -1;
        }
        if (fstat(fd, st) < 0 || path_rule_check(rule, path, st, uid, err, errlen) < 0) {
                close(fd);
                errno = EPERM;
                return -1;
        }
        return fd;
}

int path_open_trusted(const char *path, const struct path_rule *rule, uid_t uid, int flags, struct stat *st,
                      char *err, size_t errlen)
{
        _cleanup_close_ int dir = -1;
        char buf[PATH_MAX];
        char *s, *slash;

        if (path[0] != '/' || strlen(path) >= sizeof(buf) || streq(path, "/")) {
                errno = EINVAL;
                return errorf(err, errlen, "%s '%s' must be an absolute path below /", rule->what, path);
        }
        /* Walk from / one component at a time, never following a symlink,
         * so that every directory we trust is one we checked, by fd. */
        dir = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (dir < 0 || fstat(dir, st) < 0)
                return errorf(err, errlen, "/: %s", strerror(errno));
        if (path_rule_check(&path_rule_root_dir, "/", st, uid, err, errlen) < 0) {
                errno = EPERM;
                return -1;
        }
        strcpy(buf, path + 1);
        for (s = buf;; s = slash + 1) {
                slash = strchr(s, '/');
                if (slash)
                        *slash = '\0';
                if (!*s || streq(s, ".") || streq(s, "..")) {
                        errno = EINVAL;
                        return errorf(err, errlen, "%s '%s' is not a canonical path", rule->what, path);
                }
                int next = openat(dir, s, (slash ? O_PATH | O_DIRECTORY : flags) | O_NOFOLLOW | O_CLOEXEC);
                if (next < 0) {
                        int e = errno;
                        struct stat lst;
                        /* O_DIRECTORY|O_NOFOLLOW gives ENOTDIR for a
                         * symlink too: say which it is. */
                        if (e == ENOTDIR || e == ELOOP)
                                errorf(err, errlen, "%s '%s': component '%s' is %s", rule->what, path, s,
                                     e == ELOOP || (fstatat(dir, s, &lst, AT_SYMLINK_NOFOLLOW) == 0 &&
                                                    S_ISLNK(lst.st_mode))
                                             ? "a symlink"
                                             : "not a directory");
                        else
                                errorf(err, errlen, "%s '%s' (at '%s'): %s", rule->what, path, s, strerror(e));
                        errno = e;
                        return -1;
                }
                close(dir);
                dir = next;
                if (fstat(dir, st) < 0)
                        return errorf(err, errlen, "fstat %s: %s", s, strerror(errno));
                if (!slash)
                        break;
                if (path_rule_check(&path_rule_root_dir, path, st, uid, err, errlen) < 0) {
                        /* Name the component: "/srv/sftp/x: directory 'sftp' ..." */
                        errorf(err, errlen, "%s '%s': directory '%s' must be owned by root and not "
                             "group/world-writable (owner uid %u, mode %04o)",
                             rule->what, path, s, st->st_uid, st->st_mode & 07777);
                        errno = EPERM;
                        return -1;
                }
                *slash = '/';
        }
        if (path_rule_check(rule, path, st, uid, err, errlen) < 0) {
                errno = EPERM;
                return -1;
        }
        return steal_fd(&dir);
}
