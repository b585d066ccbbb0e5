/* SPDX-License-Identifier: GPL-2.0-or-later */
/* An NSS module for test-caps-window: every lookup a process makes
 * through NSS (passwd and group) appends "FUNCTION EXE CapEff" to a log file,
 * read from /proc/self/status at that moment, then says "not found" so
 * that the next source ("files") answers.  With SSSD or LDAP this is where
 * a lot of foreign code would run: it must see no effective capability. */
#include <fcntl.h>
#include <grp.h>
#include <nss.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#ifndef CAPCHECK_LOG
#error "CAPCHECK_LOG must be defined by the build"
#endif

static void note(const char *func)
{
        char buf[4096], exe[256], line[512];
        ssize_t x = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
        int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
        ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
        const char *eff = NULL;

        if (fd >= 0)
                close(fd);
        if (n > 0) {
                buf[n] = '\0';
                eff = strstr(buf, "CapEff:\t");
        }
        exe[x > 0 ? x : 0] = '\0';
        snprintf(line, sizeof(line), "%s %s %.16s\n", func, exe, eff ? eff + 8 : "unknown");
        fd = open(CAPCHECK_LOG, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW);
        if (fd >= 0) {
                ssize_t w = write(fd, line, strlen(line));
                (void)w;
                close(fd);
        }
}

enum nss_status _nss_capcheck_getpwuid_r(uid_t, struct passwd *, char *, size_t, int *);
enum nss_status _nss_capcheck_getpwnam_r(const char *, struct passwd *, char *, size_t, int *);
enum nss_status _nss_capcheck_getgrgid_r(gid_t, struct group *, char *, size_t, int *);
enum nss_status _nss_capcheck_getgrnam_r(const char *, struct group *, char *, size_t, int *);
enum nss_status _nss_capcheck_initgroups_dyn(const char *, gid_t, long *, long *, gid_t **, long, int *);

enum nss_status _nss_capcheck_getpwuid_r(uid_t uid, struct passwd *pw, char *b, size_t l, int *e)
{
        (void)uid, (void)pw, (void)b, (void)l, (void)e;
        note("getpwuid");
        return NSS_STATUS_NOTFOUND;
}

enum nss_status _nss_capcheck_getpwnam_r(const char *name, struct passwd *pw, char *b, size_t l, int *e)
{
        (void)name, (void)pw, (void)b, (void)l, (void)e;
        note("getpwnam");
        return NSS_STATUS_NOTFOUND;
}

enum nss_status _nss_capcheck_getgrgid_r(gid_t gid, struct group *gr, char *b, size_t l, int *e)
{
        (void)gid, (void)gr, (void)b, (void)l, (void)e;
        note("getgrgid");
        return NSS_STATUS_NOTFOUND;
}

enum nss_status _nss_capcheck_getgrnam_r(const char *name, struct group *gr, char *b, size_t l, int *e)
{
        (void)name, (void)gr, (void)b, (void)l, (void)e;
        note("getgrnam");
        return NSS_STATUS_NOTFOUND;
}

enum nss_status _nss_capcheck_initgroups_dyn(const char *user, gid_t group, long *start, long *size, gid_t **groups,
                                             long limit, int *e)
{
        (void)user, (void)group, (void)start, (void)size, (void)groups, (void)limit, (void)e;
        note("initgroups");
        return NSS_STATUS_NOTFOUND;
}
