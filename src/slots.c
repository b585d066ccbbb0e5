/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "slots.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

static int open_dir(const char *dir, char *err, size_t errlen)
{
        struct stat st;
        int fd = open(dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

        if (fd < 0)
                return errorf(err, errlen, "max_sessions is set, but %s: %s (sftpjailctl doctor --fix creates it)",
                              dir, strerror(errno));
        /* Root's, and sticky: else a user could remove or replace the
         * file another user's sessions lock. */
        if (fstat(fd, &st) < 0 || st.st_uid != 0 || !(st.st_mode & S_ISVTX)) {
                close(fd);
                return errorf(err, errlen, "%s must be owned by root and sticky (mode 1733)", dir);
        }
        return fd;
}

static int open_user_file(int dirfd, const char *dir, uid_t uid, int flags, char *err, size_t errlen)
{
        char name[16];
        struct stat st;
        int fd;

        snprintf(name, sizeof(name), "%u", (unsigned)uid);
        fd = openat(dirfd, name, flags | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600);
        if (fd < 0)
                return errorf(err, errlen, "session slots %s/%s: %s", dir, name, strerror(errno));
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != uid || st.st_nlink != 1) {
                close(fd);
                return errorf(err, errlen, "session slots %s/%s is not the user's own regular file; remove it", dir,
                              name);
        }
        return fd;
}

int slots_take(const char *dir, uid_t uid, int64_t max, int *slot, char *err, size_t errlen)
{
        _cleanup_close_ int dirfd = open_dir(dir, err, errlen);
        _cleanup_close_ int fd = -1;

        if (dirfd < 0)
                return -1;
        fd = open_user_file(dirfd, dir, uid, O_RDWR | O_CREAT, err, errlen);
        if (fd < 0)
                return -1;
        for (int64_t k = 0; k < max; k++) {
                struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = (off_t)k, .l_len = 1 };
                if (fcntl(fd, F_OFD_SETLK, &fl) == 0) {
                        *slot = (int)k;
                        return steal_fd(&fd);
                }
                if (errno != EAGAIN && errno != EACCES)
                        return errorf(err, errlen, "locking a session slot: %s", strerror(errno));
        }
        errno = EBUSY;
        return errorf(err, errlen, "the user already has %lld session%s (max_sessions = %lld)", (long long)max,
                      max == 1 ? "" : "s", (long long)max);
}

int slots_count(const char *dir, uid_t uid, int64_t max)
{
        char err[256];
        _cleanup_close_ int dirfd = open_dir(dir, err, sizeof(err));
        _cleanup_close_ int fd = -1;
        int n = 0;

        if (dirfd < 0)
                return -1;
        fd = open_user_file(dirfd, dir, uid, O_RDONLY, err, sizeof(err));
        if (fd < 0)
                return errno == ENOENT ? 0 : -1;
        for (int64_t k = 0; k < max; k++) {
                struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = (off_t)k, .l_len = 1 };
                if (fcntl(fd, F_OFD_GETLK, &fl) < 0)
                        return -1;
                n += fl.l_type != F_UNLCK;
        }
        return n;
}
