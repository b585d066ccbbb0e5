/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "log.h"

#include <stdio.h>
#include <string.h>
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

void log_msg(int prio, const char *fmt, ...)
{
        /* Room for a forwarded sftp-server message, escaped (supervisor.c
         * LOG_ESCAPED_MAX), and its truncation note. */
        char buf[8192];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(buf, sizeof(buf), fmt, ap);
        va_end(ap);
        syslog(prio, "session=%s user=%s %s", ctx_session, ctx_user, buf);
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
        syslog(LOG_ERR, "session=%s user=%s refused: %s (%s)", ctx_session, ctx_user, line, func);
        _exit(SFTPJAIL_EXIT_REFUSED);
}
