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
#include <stdbool.h>
#include <syslog.h>

#include "util.h"

#define SFTPJAIL_EXIT_REFUSED 1

void log_open(void);
void log_set_context(const char *user, const char *session);
void log_set_die_fd(int fd);
/* A record with fields of its own: in the journal they are fields
 * (SFTPJAIL_*, MESSAGE_ID; any bytes), in syslog only the text is sent,
 * which must carry them too.  Names: upper case, digits, '_'. */
struct log_field {
        const char *name;
        const void *value;
        size_t len;
};
/* One line, "session=S user=U " and the message, with nf fields f (none:
 * NULL, 0).  force: queued even past the queue's bound (a session's last
 * lines). */
void log_emit(int prio, bool force, const struct log_field *f, size_t nf, const char *fmt, ...) _printf_(5, 6);
#define log_msg(prio, ...) log_emit((prio), false, NULL, 0, __VA_ARGS__)
#define log_msg_force(prio, ...) log_emit((prio), true, NULL, 0, __VA_ARGS__)
#define log_record(prio, f, nf, ...) log_emit((prio), false, (f), (nf), __VA_ARGS__)
#define log_record_force(prio, f, nf, ...) log_emit((prio), true, (f), (nf), __VA_ARGS__)
/* The longest text of one line (a record with two names of sftp-server's
 * longest, escaped) and of one datagram (the text and its fields). */
#define LOG_TEXT_MAX 16384
#define LOG_RECORD_MAX 40960
#define LOG_JOURNAL_SOCKET "/run/systemd/journal/socket"
_noreturn_ void die_(const char *func, int err, const char *fmt, ...) _printf_(3, 4);

/* die(): refuse with a message.  die_errno(): append strerror(errno). */
#define die(...) die_(__func__, 0, __VA_ARGS__)
#define die_errno(...) die_(__func__, errno ? errno : EIO, __VA_ARGS__)

/* ---- the audit sink ----
 * The launcher's records go to syslog's socket, /dev/log (journald or a
 * syslog daemon); the supervisor's go to journald's native socket where it
 * runs (LOG_JOURNAL_SOCKET), else to /dev/log.
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
/* Back-pressure (docs/reliability.md, "Operation flood"): a session
 * whose records come faster than the sink takes them is slowed down to
 * the sink's pace, never served past its log.  Past half the bound the
 * supervisor stops reading sftp-server's log socket, which then blocks
 * sftp-server in its next log write; so the bound itself is reached only
 * by a sink that takes nothing at all. */
bool log_queue_busy(void);
/* Milliseconds since the sink last took a record while records wait (0:
 * none waits).  LOG_STALL_SECONDS of it is a stalled sink: the supervisor
 * ends the session (audit = required), or stops waiting for it. */
#define LOG_STALL_SECONDS 10
long log_queue_stalled_ms(void);
/* Wait while the queue is busy, until the sink takes enough or has
 * stalled (for records that arrive all at once: the session's end). */
void log_queue_wait_room(void);
/* Wait up to timeout_ms for every queued record to go out; 0 or -1. */
int log_queue_drain(int timeout_ms);
