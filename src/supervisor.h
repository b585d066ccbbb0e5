/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The supervisor: the launcher's parent half after the jail is started,
 * run as a program of its own (sftpjail-supervise.c).  It holds no capability and stays in the host's namespaces, so that it can
 * reach syslog.  It forwards sftp-server's log lines tagged with the user
 * and session, logs the session's start and end (duration, bytes, status),
 * kills the jail on SIGTERM/SIGHUP, and returns the jail's exit status. */
#pragma once

#include <stdint.h>
#include <sys/types.h>

struct session {
        const char *user;
        const char *id;      /* random, 16 hex digits */
        const char *client;  /* "addr:port" from SSH_CONNECTION, or "local" */
        pid_t child;         /* pid 1 of the jail, as seen from here */
        int status_fd;       /* read end: error text from the child before exec */
        int log_fd;          /* read end: sftp-server's stderr */
        int notify_fd;       /* socket: the child sends the seccomp listener */
        int listener_fd;     /* seccomp user-notification fd, once received */
        char refused[64];    /* name of the syscall that ended the session */
        uint64_t bytes_read, bytes_written, files_opened;
};

/* Runs until the jail has exited; returns the exit status to pass on.  If
 * the child failed before exec, dies with its message. */
int supervise(struct session *s);

/* Parse one sftp-server log line for transfer totals; pure, unit-tested.
 * Returns 1 for a "close ... bytes read R written W" line. */
int supervisor_parse_close(const char *line, uint64_t *read, uint64_t *written);
