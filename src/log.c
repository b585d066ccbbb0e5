/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <paths.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static const char *ctx_user = "?";
static const char *ctx_session = "-";
static int die_fd = -1;

void log_open(void)
{
        /* LOG_NDELAY: connect to /dev/log now, so that a later failure
         * path does not depend on the filesystem. */
        openlog("sftpjail", LOG_PID | LOG_NDELAY, LOG_AUTHPRIV);
}

void log_set_context(const char *user, const char *session)
{
        ctx_user = user;
        ctx_session = session;
}

void log_set_die_fd(int fd)
{
        die_fd = fd;
}

/* ---- the supervisor's queue ---- */

struct record {
        struct record *next;
        size_t len;
        char data[];
};

static struct {
        bool on;
        int fd;
        struct record *head, **tail;
        size_t bytes;
        unsigned long lost;
        bool gone; /* the sink went away and did not come back */
} q = { .fd = -1 };

static int sink_connect(int flags)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | flags, 0);

        snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", _PATH_LOG);
        if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
                int e = errno;
                close(fd);
                errno = e;
                return -1;
        }
        return fd;
}

int log_sink_check(char *why, size_t len)
{
        int fd = sink_connect(0);

        if (fd < 0) {
                snprintf(why, len, "%s: %s", _PATH_LOG, strerror(errno));
                return -1;
        }
        close(fd);
        return 0;
}

int log_queue_open(char *why, size_t len)
{
        q.fd = sink_connect(SOCK_NONBLOCK);
        if (q.fd < 0) {
                snprintf(why, len, "%s: %s", _PATH_LOG, strerror(errno));
                return -1;
        }
        q.tail = &q.head;
        q.on = true;
        return 0;
}

int log_queue_fd(void)
{
        return q.on && q.head ? q.fd : -1;
}

unsigned long log_queue_lost(void)
{
        return q.lost + (q.gone ? 1 : 0);
}

int log_queue_flush(void)
{
        while (q.head) {
                struct record *r = q.head;
                if (send(q.fd, r->data, r->len, MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
                        if (errno == EAGAIN || errno == EINTR || errno == ENOBUFS)
                                return 1;
                        /* The daemon went away (restarted: our socket is
                         * dead): connect again, once per record. */
                        int fd = sink_connect(SOCK_NONBLOCK);
                        if (fd < 0 || dup3(fd, q.fd, O_CLOEXEC) < 0) {
                                if (fd >= 0)
                                        close(fd);
                                q.gone = true;
                                return -1;
                        }
                        q.gone = false;
                        close(fd);
                        continue;
                }
                q.head = r->next;
                if (!q.head)
                        q.tail = &q.head;
                q.bytes -= r->len;
                free(r);
        }
        return 0;
}

/* Queue one formatted record (force: even past the bound, for the
 * session's last line), then try to send. */
static void queue_push(const char *text, size_t len, bool force)
{
        struct record *r;

        if (!force && (log_queue_lost() || q.bytes + len > LOG_QUEUE_MAX)) {
                q.lost++;
                return;
        }
        r = malloc(sizeof(*r) + len);
        if (!r) {
                q.lost++;
                return;
        }
        r->next = NULL;
        r->len = len;
        memcpy(r->data, text, len);
        *q.tail = r;
        q.tail = &r->next;
        q.bytes += len;
        log_queue_flush();
}

int log_queue_drain(int timeout_ms)
{
        struct timespec start, now;

        if (!q.on)
                return 0;
        clock_gettime(CLOCK_MONOTONIC, &start);
        for (;;) {
                int r = log_queue_flush();
                if (r <= 0)
                        return r;
                clock_gettime(CLOCK_MONOTONIC, &now);
                long spent = (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
                if (spent >= timeout_ms)
                        return -1;
                struct pollfd p = { .fd = q.fd, .events = POLLOUT };
                poll(&p, 1, (int)(timeout_ms - spent));
        }
}

/* One record as syslog(3) would send it: "<PRI>Mmm dd hh:mm:ss TAG[PID]: text". */
static void emit(int prio, const char *text, bool force)
{
        char rec[9000], ts[32];
        struct tm tm;
        time_t now;
        int n;

        if (!q.on) {
                syslog(prio, "%s", text);
                return;
        }
        now = time(NULL);
        localtime_r(&now, &tm);
        strftime(ts, sizeof(ts), "%b %e %T", &tm);
        n = snprintf(rec, sizeof(rec), "<%d>%s sftpjail[%d]: %s", LOG_AUTHPRIV | LOG_PRI(prio), ts, (int)getpid(),
                     text);
        if (n < 0)
                return;
        queue_push(rec, (size_t)n < sizeof(rec) ? (size_t)n : sizeof(rec) - 1, force);
}

void log_msg_force(int prio, const char *fmt, ...)
{
        char buf[8192], text[8400];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(buf, sizeof(buf), fmt, ap);
        va_end(ap);
        snprintf(text, sizeof(text), "session=%s user=%s %s", ctx_session, ctx_user, buf);
        emit(prio, text, true);
}

void log_msg(int prio, const char *fmt, ...)
{
        /* Room for a forwarded sftp-server message, escaped (supervisor.c
         * LOG_ESCAPED_MAX), and its truncation note. */
        char buf[8192];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(buf, sizeof(buf), fmt, ap);
        va_end(ap);
        char text[8400];
        snprintf(text, sizeof(text), "session=%s user=%s %s", ctx_session, ctx_user, buf);
        emit(prio, text, false);
}

_noreturn_ void die_(const char *func, int err, const char *fmt, ...)
{
        char msg[1024], line[1400];
        va_list ap;
        int n;

        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        if (err)
                n = snprintf(line, sizeof(line), "%s: %s", msg, strerror(err));
        else
                n = snprintf(line, sizeof(line), "%s", msg);
        if (n < 0)
                _exit(SFTPJAIL_EXIT_REFUSED);
        if ((size_t)n >= sizeof(line))
                n = sizeof(line) - 1;

        if (die_fd >= 0) {
                /* In the jail: the supervisor reports the message.  A
                 * single write() on a pipe of < PIPE_BUF bytes is atomic. */
                ssize_t _unused_ w = write(die_fd, line, (size_t)n);
                _exit(SFTPJAIL_EXIT_REFUSED);
        }
        dprintf(STDERR_FILENO, "sftpjail: login refused: %s\n", line);
        char text[1600];
        snprintf(text, sizeof(text), "session=%s user=%s refused: %s (%s)", ctx_session, ctx_user, line, func);
        emit(LOG_ERR, text, true);
        log_queue_drain(5000);
        _exit(SFTPJAIL_EXIT_REFUSED);
}
