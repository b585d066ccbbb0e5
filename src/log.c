/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "log.h"

#include <endian.h>
#include <errno.h>
#include <stdint.h>
#include <fcntl.h>
#include <paths.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
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
        struct timespec progress; /* the last record sent, or the first queued */
        pid_t pid; /* ours, for each record (getpid() is a system call) */
} q = { .fd = -1 };

/* Where the supervisor's queue sends: journald's native socket where it
 * runs (records keep their fields, and names their exact bytes), else
 * syslog's.  The launcher's few lines always go through syslog(3). */
static const char *sink_path = _PATH_LOG;
static bool journal;

static int sink_connect_to(const char *path, int flags)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | flags, 0);

        snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
        if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
                int e = errno;
                close(fd);
                errno = e;
                return -1;
        }
        return fd;
}

static int sink_connect(int flags)
{
        return sink_connect_to(sink_path, flags);
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
        q.fd = sink_connect_to(LOG_JOURNAL_SOCKET, SOCK_NONBLOCK);
        if (q.fd >= 0) {
                sink_path = LOG_JOURNAL_SOCKET;
                journal = true;
        } else
                q.fd = sink_connect(SOCK_NONBLOCK);
        if (q.fd < 0) {
                snprintf(why, len, "%s: %s", sink_path, strerror(errno));
                return -1;
        }
        q.tail = &q.head;
        q.pid = getpid();
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

static void mark_progress(void)
{
        clock_gettime(CLOCK_MONOTONIC, &q.progress);
}

bool log_queue_busy(void)
{
        return q.on && q.bytes >= LOG_QUEUE_MAX / 2;
}

long log_queue_stalled_ms(void)
{
        struct timespec now;

        if (!q.on || !q.head)
                return 0;
        clock_gettime(CLOCK_MONOTONIC, &now);
        return (now.tv_sec - q.progress.tv_sec) * 1000 + (now.tv_nsec - q.progress.tv_nsec) / 1000000;
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
                mark_progress();
        }
        return 0;
}

void log_queue_wait_room(void)
{
        while (log_queue_busy() && !log_queue_lost()) {
                long left = LOG_STALL_SECONDS * 1000L - log_queue_stalled_ms();
                if (left <= 0 || log_queue_flush() <= 0)
                        return;
                struct pollfd p = { .fd = q.fd, .events = POLLOUT };
                poll(&p, 1, (int)left);
        }
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
        if (!q.head)
                mark_progress(); /* the stall clock starts now */
        *q.tail = r;
        q.tail = &r->next;
        q.bytes += len;
        log_queue_flush();
}

/* journald takes a sender's _EXE (the field readers trust, records.md)
 * from /proc/PID when it reads the entry: if we have exited by then, the
 * entry has none.  So before we exit, wait (up to 1 s) until journald has
 * read every datagram we sent (nothing left in our send queue), and a
 * moment more for it to look at /proc. */
static void wait_journal_read(void)
{
        for (int i = 0; i < 200; i++) {
                int pending = 0;
                if (ioctl(q.fd, SIOCOUTQ, &pending) < 0 || pending == 0)
                        break;
                poll(NULL, 0, 5);
        }
        poll(NULL, 0, 20);
}

int log_queue_drain(int timeout_ms)
{
        struct timespec start, now;

        if (!q.on)
                return 0;
        clock_gettime(CLOCK_MONOTONIC, &start);
        for (;;) {
                int r = log_queue_flush();
                if (r == 0 && journal)
                        wait_journal_read();
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

/* One field of journald's native protocol: NAME=value, or, where the
 * value holds a newline, NAME, LF, its length (64-bit little endian), the
 * bytes, LF.  Returns the new offset, or (size_t)-1 when it does not fit. */
static size_t put_field(char *buf, size_t off, size_t size, const char *name, const void *val, size_t len)
{
        size_t n = strlen(name);
        bool binary = memchr(val, '\n', len) != NULL;

        if (off + n + 1 + (binary ? 8 : 0) + len + 1 > size)
                return (size_t)-1;
        snprintf(buf + off, size - off, "%s", name); /* its NUL is overwritten below */
        off += n;
        if (binary) {
                uint64_t le = htole64((uint64_t)len);
                buf[off++] = '\n';
                memcpy(buf + off, &le, 8);
                off += 8;
        } else
                buf[off++] = '=';
        memcpy(buf + off, val, len);
        off += len;
        buf[off++] = '\n';
        return off;
}

static void emit_journal(int prio, const char *text, const struct log_field *f, size_t nf, bool force)
{
        char rec[LOG_RECORD_MAX], num[32];
        size_t off = 0;

        snprintf(num, sizeof(num), "%d", LOG_PRI(prio));
        off = put_field(rec, off, sizeof(rec), "PRIORITY", num, strlen(num));
        off = put_field(rec, off, sizeof(rec), "SYSLOG_FACILITY", "10", 2); /* authpriv */
        off = put_field(rec, off, sizeof(rec), "SYSLOG_IDENTIFIER", "sftpjail", 8);
        snprintf(num, sizeof(num), "%d", (int)q.pid);
        off = put_field(rec, off, sizeof(rec), "SYSLOG_PID", num, strlen(num));
        off = put_field(rec, off, sizeof(rec), "SFTPJAIL_SESSION", ctx_session, strlen(ctx_session));
        off = put_field(rec, off, sizeof(rec), "SFTPJAIL_USER", ctx_user, strlen(ctx_user));
        for (size_t i = 0; i < nf && off != (size_t)-1; i++)
                off = put_field(rec, off, sizeof(rec), f[i].name, f[i].value, f[i].len);
        if (off != (size_t)-1)
                off = put_field(rec, off, sizeof(rec), "MESSAGE", text, strlen(text));
        if (off == (size_t)-1) {
                /* Cannot happen with the sizes we send (LOG_RECORD_MAX);
                 * never send half a record. */
                q.lost++;
                return;
        }
        queue_push(rec, off, force);
}

/* One record as syslog(3) would send it: "<PRI>Mmm dd hh:mm:ss TAG[PID]: text". */
static void emit(int prio, const char *text, const struct log_field *f, size_t nf, bool force)
{
        char rec[LOG_RECORD_MAX], ts[32];
        struct tm tm;
        time_t now;
        int n;

        if (!q.on) {
                syslog(prio, "%s", text);
                return;
        }
        if (journal) {
                emit_journal(prio, text, f, nf, force);
                return;
        }
        now = time(NULL);
        localtime_r(&now, &tm);
        strftime(ts, sizeof(ts), "%b %e %T", &tm);
        n = snprintf(rec, sizeof(rec), "<%d>%s sftpjail[%d]: %s", LOG_AUTHPRIV | LOG_PRI(prio), ts, (int)q.pid,
                     text);
        if (n < 0)
                return;
        queue_push(rec, (size_t)n < sizeof(rec) ? (size_t)n : sizeof(rec) - 1, force);
}

/* "session=S user=U " and the message. */
static _printf_(3, 0) void vformat(char *text, size_t size, const char *fmt, va_list ap)
{
        int n = snprintf(text, size, "session=%s user=%s ", ctx_session, ctx_user);

        if (n > 0 && (size_t)n < size)
                vsnprintf(text + n, size - (size_t)n, fmt, ap);
}

void log_emit(int prio, bool force, const struct log_field *f, size_t nf, const char *fmt, ...)
{
        char text[LOG_TEXT_MAX];
        va_list ap;

        va_start(ap, fmt);
        vformat(text, sizeof(text), fmt, ap);
        va_end(ap);
        emit(prio, text, f, nf, force);
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
        emit(LOG_ERR, text, NULL, 0, true);
        log_queue_drain(5000);
        _exit(SFTPJAIL_EXIT_REFUSED);
}
