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
_noreturn_ void die_(const char *func, int err, const char *fmt, ...) _printf_(3, 4);

/* die(): refuse with a message.  die_errno(): append strerror(errno). */
#define die(...) die_(__func__, 0, __VA_ARGS__)
#define die_errno(...) die_(__func__, errno ? errno : EIO, __VA_ARGS__)
