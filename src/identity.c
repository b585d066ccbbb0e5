/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "identity.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

bool identity_name_ok(const char *s)
{
        if (!*s)
                return false;
        for (; *s; s++)
                if (*s == ':' || (unsigned char)*s < 0x20 || *s == 0x7f)
                        return false;
        return true;
}

static int add_group(struct identity *id, const char *name)
{
        for (size_t k = 0; k < id->n_groups; k++)
                if (streq(id->groups[k], name))
                        return 0;
        if (id->n_groups >= POLICY_MAX_GROUPS)
                return 0;
        if (!(id->groups[id->n_groups] = strdup(name)))
                return -1;
        id->n_groups++;
        return 0;
}

/* The one rule: the passwd entry's name and home must be usable, the
 * primary group comes first, then the others in the order given, each
 * once; a group without a usable name is left out (no rule can name it). */
static int fill(struct identity *id, const struct passwd *pw, uid_t uid, gid_t gid, const gid_t *gids, int n,
                char *err, size_t errlen)
{
        struct group *gr;

        *id = (struct identity){ .uid = uid, .gid = gid };
        if (!identity_name_ok(pw->pw_name) || !identity_name_ok(pw->pw_dir)) {
                errorf(err, errlen, "user name or home of uid %u contains unsupported characters", uid);
                return -1;
        }
        if (!(id->name = strdup(pw->pw_name)) || !(id->home = strdup(pw->pw_dir)))
                goto oom;
        errno = 0;
        gr = getgrgid(gid);
        if (gr && identity_name_ok(gr->gr_name)) {
                if (!(id->group = strdup(gr->gr_name)) || add_group(id, gr->gr_name) < 0)
                        goto oom;
        }
        for (int i = 0; i < n; i++) {
                if (gids[i] == gid)
                        continue;
                gr = getgrgid(gids[i]);
                if (gr && identity_name_ok(gr->gr_name) && add_group(id, gr->gr_name) < 0)
                        goto oom;
        }
        return 0;
oom:
        identity_free(id);
        return errorf(err, errlen, "out of memory");
}

int identity_of_caller(struct identity *id, char *err, size_t errlen)
{
        _cleanup_free_ gid_t *gids = NULL;
        struct passwd *pw;
        int n;

        /* The kernel's ids, not a name from the environment. */
        errno = 0;
        pw = getpwuid(getuid());
        if (!pw)
                return errorf(err, errlen, "no passwd entry for uid %u%s%s", getuid(), errno ? ": " : "",
                            errno ? strerror(errno) : "");
        n = getgroups(0, NULL);
        if (n < 0 || !(gids = calloc((size_t)n + 1, sizeof(*gids))) || (n = getgroups(n, gids)) < 0)
                return errorf(err, errlen, "getgroups: %s", strerror(errno));
        return fill(id, pw, getuid(), getgid(), gids, n, err, errlen);
}

/* ---- the caller, looked up in a child, within a bound ---- */
#define LOOKUP_REPLY_MAX (64 * 1024 + POLICY_MAX_GROUPS * 1024)

int identity_encode(const struct identity *id, char **buf, size_t *len)
{
        FILE *f = open_memstream(buf, len);

        if (!f)
                return -1;
        fprintf(f, "O%s%c%s%c%s%c", id->name, 0, id->home, 0, id->group ? id->group : "", 0);
        for (size_t i = 0; i < id->n_groups; i++)
                fprintf(f, "%s%c", id->groups[i], 0);
        fputc(0, f); /* the end */
        if (fclose(f) != 0) {
                free(*buf);
                *buf = NULL;
                return -1;
        }
        return 0;
}

static int malformed(char *err, size_t errlen)
{
        return errorf(err, errlen, "the user and group lookup gave a malformed answer");
}

int identity_decode(const char *buf, size_t len, struct identity *id, char *err, size_t errlen)
{
        const char *p = buf + 1, *end = buf + len;
        const char *f[3];

        *id = (struct identity){ .uid = getuid(), .gid = getgid() };
        if (len == 0)
                return malformed(err, errlen);
        if (buf[0] == 'E') {
                /* Our own errorf() text: printable, or not ours. */
                for (size_t i = 1; i < len; i++)
                        if ((unsigned char)buf[i] < 0x20 || buf[i] == 0x7f)
                                return malformed(err, errlen);
                return errorf(err, errlen, "%.*s", (int)(len - 1), buf + 1);
        }
        if (buf[0] != 'O' || buf[len - 1] != '\0')
                return malformed(err, errlen);
        for (size_t i = 0; i < 3; i++) {
                if (p >= end)
                        return malformed(err, errlen);
                f[i] = p;
                p += strlen(p) + 1; /* within: the last byte is a NUL */
        }
        if (!identity_name_ok(f[0]) || !identity_name_ok(f[1]) || (*f[2] && !identity_name_ok(f[2])))
                return malformed(err, errlen);
        if (!(id->name = strdup(f[0])) || !(id->home = strdup(f[1])) || (*f[2] && !(id->group = strdup(f[2]))))
                goto oom;
        /* The groups, up to the empty name that ends them, the last byte. */
        for (; p < end - 1; p += strlen(p) + 1) {
                if (!identity_name_ok(p)) {
                        identity_free(id);
                        return malformed(err, errlen);
                }
                if (add_group(id, p) < 0)
                        goto oom;
        }
        if (p != end - 1) { /* the third field was the last: no end */
                identity_free(id);
                return malformed(err, errlen);
        }
        return 0;
oom:
        identity_free(id);
        return errorf(err, errlen, "out of memory");
}

static int write_all(int fd, const char *buf, size_t len)
{
        while (len) {
                ssize_t n = write(fd, buf, len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        return -1;
                buf += n;
                len -= (size_t)n;
        }
        return 0;
}

static _noreturn_ void lookup_child(int fd)
{
        struct identity id = { 0 };
        char err[1024];
        char *buf = NULL;
        size_t len = 0;
        struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
        struct __user_cap_data_struct none[_LINUX_CAPABILITY_U32S_3] = { { 0 } };

        /* Nothing waits for us once the launcher is gone; and no
         * capability, not even a permitted one, in the NSS modules (the
         * raw capset(2): identity.c links no libcap). */
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || syscall(SYS_capset, &hdr, none) < 0)
                _exit(2);
        if (identity_of_caller(&id, err, sizeof(err)) < 0) {
                char e[sizeof(err) + 1];
                int n = snprintf(e, sizeof(e), "E%s", err);
                /* Printable only (identity_decode): strerror() texts are. */
                for (int i = 1; i < n; i++)
                        if ((unsigned char)e[i] < 0x20 || e[i] == 0x7f)
                                e[i] = '?';
                if (write_all(fd, e, (size_t)n) < 0)
                        _exit(2);
                _exit(0);
        }
        if (identity_encode(&id, &buf, &len) < 0 || write_all(fd, buf, len) < 0)
                _exit(2);
        _exit(0);
}

static long long now_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int identity_of_caller_bounded(struct identity *id, int timeout_s, char *err, size_t errlen)
{
        /* Once a login: a buffer of its own, not the stack's. */
        static char buf[LOOKUP_REPLY_MAX];
        _cleanup_close_ int rd = -1;
        long long deadline = now_ms() + (long long)timeout_s * 1000;
        size_t len = 0;
        int p[2], status;
        pid_t pid;

        if (pipe2(p, O_CLOEXEC) < 0)
                return errorf(err, errlen, "pipe: %s", strerror(errno));
        pid = fork();
        if (pid < 0) {
                int e = errno;
                close(p[0]);
                close(p[1]);
                return errorf(err, errlen, "fork: %s", strerror(e));
        }
        if (pid == 0) {
                close(p[0]);
                lookup_child(p[1]);
        }
        close(p[1]);
        rd = p[0];
        for (;;) {
                struct pollfd pfd = { .fd = rd, .events = POLLIN };
                long long left = deadline - now_ms();
                ssize_t n;
                int r = left > 0 ? poll(&pfd, 1, (int)left) : 0;
                if (r < 0 && errno == EINTR)
                        continue;
                if (r <= 0) {
                        kill(pid, SIGKILL);
                        waitpid(pid, NULL, 0);
                        if (r < 0)
                                return errorf(err, errlen, "poll: %s", strerror(errno));
                        return errorf(err, errlen,
                                      "the user and group lookup (NSS) of uid %u did not answer within %d s; "
                                      "is the directory service (sssd) running?",
                                      getuid(), timeout_s);
                }
                n = read(rd, buf + len, LOOKUP_REPLY_MAX - len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        break;
                len += (size_t)n;
                if (len == LOOKUP_REPLY_MAX) {
                        kill(pid, SIGKILL);
                        break;
                }
        }
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return errorf(err, errlen, "waitpid: %s", strerror(errno));
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || len == 0 || len == LOOKUP_REPLY_MAX)
                return errorf(err, errlen, "the user and group lookup of uid %u failed (%s %d)", getuid(),
                              WIFEXITED(status) ? "exit status" : "signal",
                              WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
        return identity_decode(buf, len, id, err, errlen);
}

int identity_by_name(const char *name, struct identity *id, char *err, size_t errlen)
{
        gid_t gids[POLICY_MAX_GROUPS];
        int n = POLICY_MAX_GROUPS;
        struct passwd *pw;

        errno = 0;
        pw = getpwnam(name);
        if (!pw)
                return errorf(err, errlen, "no such user");
        /* getgrouplist() includes the primary group; fill() skips it.  A
         * member of more groups than we keep is cut at the limit, as
         * getgroups() above would be. */
        if (getgrouplist(pw->pw_name, pw->pw_gid, gids, &n) < 0)
                n = POLICY_MAX_GROUPS;
        return fill(id, pw, pw->pw_uid, pw->pw_gid, gids, n, err, errlen);
}

void identity_free(struct identity *id)
{
        free((char *)id->name);
        free((char *)id->home);
        free((char *)id->group);
        for (size_t i = 0; i < id->n_groups; i++)
                free((char *)id->groups[i]);
        *id = (struct identity){ 0 };
}
