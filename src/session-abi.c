/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "session-abi.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "seccomp-filter.h"
#include "util.h"

_Static_assert(SESSION_NOTIFY_FD == SECCOMP_NOTIFY_FD, "the notify fd is the one the seccomp policy allows");
_Static_assert(SESSION_LOG_RECORD_MAX > SESSION_SFTP_SERVER_MSG_MAX, "a record buffer holds any log.c message");

void session_signals(sigset_t *set)
{
        sigemptyset(set);
        sigaddset(set, SIGCHLD); /* the jail ended */
        sigaddset(set, SIGTERM); /* sftpjailctl kill-session, shutdown */
        sigaddset(set, SIGHUP);  /* sshd's session ended */
        sigaddset(set, SIGINT);
        sigaddset(set, SIGPIPE); /* a write to a gone peer fails with EPIPE instead */
}

int supervise_argv_build(const struct supervise_args *a, const char *program, char buf[SUPERVISE_ARGV_BUF],
                         const char *argv[SUPERVISE_ARGC + 1])
{
        const long nums[] = { (long)a->child, a->notify_fd,  a->status_fd,    a->log_fd,
                              a->ready_fd,    a->slot_fd,    a->channel_fd,   a->idle_timeout,
                              a->max_session_time };
        size_t used = 0;
        struct supervise_args check;
        char err[128];

        argv[SUPERVISE_ARG_PROGRAM] = program;
        argv[SUPERVISE_ARG_SESSION] = a->session;
        argv[SUPERVISE_ARG_USER] = a->user;
        argv[SUPERVISE_ARG_CLIENT] = a->client;
        for (size_t i = 0; i < ELEMENTSOF(nums); i++) {
                int n = snprintf(buf + used, SUPERVISE_ARGV_BUF - used, "%ld", nums[i]);
                if (n < 0 || (size_t)n >= SUPERVISE_ARGV_BUF - used) {
                        errno = EINVAL;
                        return -1;
                }
                argv[SUPERVISE_ARG_CHILD + i] = buf + used;
                used += (size_t)n + 1;
        }
        argv[SUPERVISE_ARG_AUDIT] = a->audit_best_effort ? "best-effort" : "required";
        argv[SUPERVISE_ARG_HOME] = a->home;
        argv[SUPERVISE_ARG_AUTH_INFO] = a->auth_info ? a->auth_info : "";
        argv[SUPERVISE_ARGC] = NULL;
        /* What we hand over is exactly what the other side accepts. */
        if (supervise_argv_parse(SUPERVISE_ARGC, (char *const *)argv, &check, err, sizeof(err)) < 0) {
                errno = EINVAL;
                return -1;
        }
        return 0;
}

static _printf_(3, 4) int fail(char *err, size_t len, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(err, len, fmt, ap);
        va_end(ap);
        return -1;
}

static int number(const char *s, long min, long max, long *out)
{
        char *end;
        long v;

        if (!s || *s < '0' || *s > '9') /* no sign, no space */
                return -1;
        errno = 0;
        v = strtol(s, &end, 10);
        if (errno || end == s || *end || v < min || v > max)
                return -1;
        *out = v;
        return 0;
}

/* Printable ASCII other than space: one token in a log line. */
static bool token_ok(const char *s, size_t max)
{
        size_t n = 0;

        for (; s && *s; s++, n++)
                if (*s <= ' ' || *s >= 0x7f)
                        return false;
        return s && n > 0 && n <= max;
}

int supervise_argv_parse(int argc, char *const *argv, struct supervise_args *a, char *err, size_t errlen)
{
        static const char *const fd_names[] = { "NOTIFY-FD", "STATUS-FD", "LOG-FD", "READY-FD" };
        int *fds[] = { &a->notify_fd, &a->status_fd, &a->log_fd, &a->ready_fd };
        long v;

        if (argc != SUPERVISE_ARGC)
                return fail(err, errlen, "%d arguments, expected %d", argc - 1, SUPERVISE_ARGC - 1);
        a->session = argv[SUPERVISE_ARG_SESSION];
        a->user = argv[SUPERVISE_ARG_USER];
        a->client = argv[SUPERVISE_ARG_CLIENT];
        if (strlen(a->session) != 16 || strspn(a->session, "0123456789abcdef") != 16)
                return fail(err, errlen, "invalid session id '%s'", a->session);
        /* The launcher refuses names with control characters or ':'
         * (sftpjail.c name_ok); spaces are allowed in passwd names. */
        if (!*a->user || strlen(a->user) > 256)
                return fail(err, errlen, "invalid user name");
        for (const char *p = a->user; *p; p++)
                if ((unsigned char)*p < 0x20 || *p == 0x7f || *p == ':')
                        return fail(err, errlen, "invalid user name");
        if (!token_ok(a->client, 127))
                return fail(err, errlen, "invalid client '%s'", a->client);
        if (number(argv[SUPERVISE_ARG_CHILD], 1, INT_MAX, &v) < 0)
                return fail(err, errlen, "invalid child pid '%s'", argv[SUPERVISE_ARG_CHILD]);
        a->child = (pid_t)v;
        for (size_t i = 0; i < ELEMENTSOF(fds); i++) {
                const char *s = argv[SUPERVISE_ARG_NOTIFY_FD + i];
                if (number(s, STDERR_FILENO + 1, INT_MAX, &v) < 0)
                        return fail(err, errlen, "invalid %s '%s'", fd_names[i], s);
                *fds[i] = (int)v;
        }
        /* Optional fds: -1 or a number above the standard ones. */
        const char *opt[] = { argv[SUPERVISE_ARG_SLOT_FD], argv[SUPERVISE_ARG_CHANNEL_FD] };
        int *ofds[] = { &a->slot_fd, &a->channel_fd };
        for (size_t i = 0; i < ELEMENTSOF(opt); i++) {
                if (streq(opt[i], "-1"))
                        v = -1;
                else if (number(opt[i], STDERR_FILENO + 1, INT_MAX, &v) < 0)
                        return fail(err, errlen, "invalid %s '%s'", i ? "CHANNEL-FD" : "SLOT-FD", opt[i]);
                *ofds[i] = (int)v;
        }
        if (number(argv[SUPERVISE_ARG_IDLE], 0, INT_MAX, &v) < 0)
                return fail(err, errlen, "invalid IDLE '%s'", argv[SUPERVISE_ARG_IDLE]);
        a->idle_timeout = v;
        if (number(argv[SUPERVISE_ARG_MAX_TIME], 0, INT_MAX, &v) < 0)
                return fail(err, errlen, "invalid MAX-TIME '%s'", argv[SUPERVISE_ARG_MAX_TIME]);
        a->max_session_time = v;
        if (streq(argv[SUPERVISE_ARG_AUDIT], "required") || streq(argv[SUPERVISE_ARG_AUDIT], "best-effort"))
                a->audit_best_effort = streq(argv[SUPERVISE_ARG_AUDIT], "best-effort");
        else
                return fail(err, errlen, "invalid AUDIT '%s'", argv[SUPERVISE_ARG_AUDIT]);
        if (a->idle_timeout && a->channel_fd < 0)
                return fail(err, errlen, "an idle timeout needs the channel relay (CHANNEL-FD)");
        a->home = argv[SUPERVISE_ARG_HOME];
        if (a->home[0] != '/' || strlen(a->home) >= PATH_MAX)
                return fail(err, errlen, "invalid HOME (not an absolute path)");
        a->auth_info = argv[SUPERVISE_ARG_AUTH_INFO];
        if (*a->auth_info && (a->auth_info[0] != '/' || strlen(a->auth_info) >= PATH_MAX))
                return fail(err, errlen, "invalid AUTH-INFO (not empty, not an absolute path)");
        return 0;
}

/* One byte with room for one fd: the message both sides use. */
struct fd_msg {
        char data;
        struct iovec iov;
        struct msghdr msg;
        /* Last: clang takes CMSG_SPACE() for a variable size (a GNU
         * extension it accepts only at the end). */
        union {
                char buf[CMSG_SPACE(sizeof(int))];
                struct cmsghdr align;
        } u;
};

static void fd_msg_init(struct fd_msg *m)
{
        memset(m, 0, sizeof(*m));
        m->data = 'F';
        m->iov = (struct iovec){ .iov_base = &m->data, .iov_len = 1 };
        m->msg = (struct msghdr){ .msg_iov = &m->iov, .msg_iovlen = 1, .msg_control = m->u.buf,
                                  .msg_controllen = sizeof(m->u.buf) };
}

int send_fd(int sock, int fd)
{
        struct fd_msg m;
        struct cmsghdr *c;

        fd_msg_init(&m);
        c = CMSG_FIRSTHDR(&m.msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &fd, sizeof(int));
        /* MSG_NOSIGNAL: a gone supervisor is an error here, not SIGPIPE. */
        ssize_t n = sendmsg(sock, &m.msg, MSG_NOSIGNAL);
        if (n == 1)
                return 0;
        if (n >= 0)
                errno = EIO;
        return -1;
}

int recv_fd(int sock)
{
        struct fd_msg m;
        struct cmsghdr *c;
        int fd = -1;
        ssize_t n;

        fd_msg_init(&m);
        do
                n = recvmsg(sock, &m.msg, MSG_CMSG_CLOEXEC);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return -1;
        c = CMSG_FIRSTHDR(&m.msg);
        if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS && c->cmsg_len == CMSG_LEN(sizeof(int)))
                memcpy(&fd, CMSG_DATA(c), sizeof(int));
        /* More fds than the one we asked for were cut off by the kernel
         * (MSG_CTRUNC) and never installed; what did arrive is closed. */
        if (n != 1 || fd < 0 || (m.msg.msg_flags & MSG_CTRUNC)) {
                if (fd >= 0)
                        close(fd);
                errno = EBADMSG;
                return -1;
        }
        return fd;
}
