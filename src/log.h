/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Refusals and log lines.
 *
 * Every error in the launcher ends the login through die(): one line on
 * stderr (never stdout, which carries the SFTP stream) and one line to
 * syslog/journal, then exit.  Inside the jail there is no /dev/log, so the
 * child sends its message to the supervisor through a pipe instead
 * (log_set_die_fd()), and the supervisor reports it. */
#pragma once

#include <stdarg.h>
#include <syslog.h>

#include "util.h"

#define SFTPJAIL_EXIT_REFUSED 1

void log_open(void);
void log_set_context(const char *user, const char *session);
void log_set_die_fd(int fd);
void log_msg(int prio, const char *fmt, ...) _printf_(2, 3);
/* The same, queued even past the bound: the session's last line. */
void log_msg_force(int prio, const char *fmt, ...) _printf_(2, 3);
_noreturn_ void die_(const char *func, int err, const char *fmt, ...) _printf_(3, 4);

/* die(): refuse with a message.  die_errno(): append strerror(errno). */
#define die(...) die_(__func__, 0, __VA_ARGS__)
#define die_errno(...) die_(__func__, errno ? errno : EIO, __VA_ARGS__)

/* ---- the audit sink ----
 * Records go to syslog's socket, /dev/log (journald or a syslog daemon).
 * With "audit = required" (the default) a login is refused when nothing
 * listens there, and a session whose records cannot be delivered is ended:
 * no session is served without its log. */

/* Can a record be written to /dev/log now?  0, or -1 with why. */
int log_sink_check(char *why, size_t len);

/* The supervisor's way to log: a non-blocking socket of its own and a
 * bounded queue (LOG_QUEUE_MAX bytes), instead of syslog(3), which blocks
 * on a stalled sink and would stall the supervisor and, through it,
 * sftp-server.  0, or -1 with why (nothing listens). */
#define LOG_QUEUE_MAX (256 * 1024)
int log_queue_open(char *why, size_t len);
/* The fd to poll for POLLOUT while records wait, else -1. */
int log_queue_fd(void);
/* Send what waits: 0 all sent, 1 some still wait, -1 the sink is gone. */
int log_queue_flush(void);
/* Records that did not fit or could not be delivered (0 = none): the
 * supervisor ends the session when this becomes non-zero. */
unsigned long log_queue_lost(void);
/* Wait up to timeout_ms for every queued record to go out; 0 or -1. */
int log_queue_drain(int timeout_ms);
