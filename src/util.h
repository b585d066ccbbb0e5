/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Small helpers shared by every part of sftpjail: cleanup attributes in the
 * style of systemd and bubblewrap, so that error paths cannot leak fds or
 * memory, and a few string helpers. */
#pragma once

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _unused_ __attribute__((unused))
#define _noreturn_ __attribute__((noreturn))
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))

static inline void closep(int *fd)
{
        if (*fd >= 0) {
                int saved = errno;
                close(*fd);
                errno = saved;
        }
}
#define _cleanup_close_ _cleanup_(closep)

static inline void freep(void *p)
{
        free(*(void **)p);
}
#define _cleanup_free_ _cleanup_(freep)

/* Hand ownership of an fd out of a _cleanup_close_ variable. */
static inline int steal_fd(int *fd)
{
        int r = *fd;
        *fd = -1;
        return r;
}

static inline bool streq(const char *a, const char *b)
{
        return strcmp(a, b) == 0;
}

/* A broken-down time as seconds, only if it names a real time:
 * mktime()/timegm() (conv) normalise, so that "Feb 30" or 25:00 would
 * otherwise pass for another day or hour.  (time_t)-1 if it moved. */
static inline time_t tm_exact(time_t (*conv)(struct tm *), struct tm *tm)
{
        struct tm want = *tm;
        time_t t = conv(tm);

        if (t == (time_t)-1 || tm->tm_year != want.tm_year || tm->tm_mon != want.tm_mon ||
            tm->tm_mday != want.tm_mday || tm->tm_hour != want.tm_hour || tm->tm_min != want.tm_min ||
            tm->tm_sec != want.tm_sec)
                return (time_t)-1;
        return t;
}

/* Write a one-line reason into err and return -1: the error style of the
 * parts that return errors instead of dying (pathrule.c, identity.c). */
static inline int errorf(char *err, size_t errlen, const char *fmt, ...) _printf_(3, 4);
static inline int errorf(char *err, size_t errlen, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
        return -1;
}
