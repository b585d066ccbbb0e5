/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The session ABI: what the launcher (sftpjail.c), the jail it starts,
 * the supervisor program it execs (sftpjail-supervise.c, supervisor.c) and
 * "sftpjailctl sessions" (ctl-sessions.c) must agree on.  These programs
 * are built from one tree but are separate executables talking through
 * fd numbers, an argv and a signal mask; every part of that contract is
 * defined here once, so that no side can drift from the others.
 *
 *   launcher                         jail (pid 1, then sftp-server)
 *   --------                         ------------------------------
 *   notify socket, its end ------>   fd SESSION_NOTIFY_FD: sends the
 *                                    seccomp listener (send_fd) before exec
 *   status pipe, read end  <------   error text before exec (close-on-exec:
 *                                    EOF means sftp-server started)
 *   log socket, its end    <------   fd SESSION_LOG_FD (stderr): one
 *                                    sftp-server log message per record
 *   ready pipe, write end  ------>   one byte once the supervisor runs
 *   channel pipe, write end ----->   stdin: the supervisor relays what
 *   (the client's channel stays      the client sends (channel.h)
 *   the supervisor's stdin)
 *   session slot fd (max_sessions): held by the supervisor, closed in the jail
 *
 * The launcher then execs the supervisor with the argv built by
 * supervise_argv_build(), the read/write ends above as its fds, and the
 * signals of session_signals() blocked (taken through a signalfd). */
#pragma once

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <unistd.h>

/* Reserved fd numbers in the jail.  SESSION_NOTIFY_FD is taken first
 * thing at start-up, and is the only fd the seccomp policy allows
 * sendmsg() on (seccomp/sftp-server.policy, group "notify"; the same
 * number as SECCOMP_NOTIFY_FD, checked at build time in session-abi.c).
 * SESSION_LOG_FD is sftp-server's stderr, where -e writes its log. */
#define SESSION_NOTIFY_FD 3
#define SESSION_LOG_FD STDERR_FILENO

/* The largest record the supervisor reads from SESSION_LOG_FD in one
 * recv().  OpenSSH's log.c formats each message into a 1024-byte buffer
 * (MSGBUFSIZ) and write()s it at once, ending in "\r\n": at most 1023
 * bytes.  A larger record did not come from log.c and is cut (and marked
 * so), never split into several lines. */
#define SESSION_LOG_RECORD_MAX 4096
/* The longest message sftp-server's log.c writes (text plus "\r\n"): one
 * of exactly this length may have been truncated by sftp-server itself. */
#define SESSION_SFTP_SERVER_MSG_MAX 1023

/* sftpjail-supervise's argv, by index. */
enum supervise_arg {
        SUPERVISE_ARG_PROGRAM,
        SUPERVISE_ARG_SESSION,   /* 16 hex digits */
        SUPERVISE_ARG_USER,      /* the login's user name */
        SUPERVISE_ARG_CLIENT,    /* "addr:port" from SSH_CONNECTION, or "local" */
        SUPERVISE_ARG_CHILD,     /* pid of the jail's pid 1, > 0 */
        SUPERVISE_ARG_NOTIFY_FD, /* socket: the seccomp listener arrives on it */
        SUPERVISE_ARG_STATUS_FD, /* pipe: the jail's error text before exec */
        SUPERVISE_ARG_LOG_FD,    /* SOCK_SEQPACKET: sftp-server's stderr */
        SUPERVISE_ARG_READY_FD,  /* pipe: we write one byte once running */
        SUPERVISE_ARG_SLOT_FD,   /* the session slot (max_sessions, slots.h), held for the
                                  * session's life, or -1 */
        SUPERVISE_ARG_CHANNEL_FD, /* pipe to sftp-server's stdin: the supervisor relays the
                                   * client's half of the channel (its own stdin: channel.h); the
                                   * launcher always passes one, -1 (no relay) is for tests */
        SUPERVISE_ARG_IDLE,      /* idle_timeout in seconds, 0 = none (needs CHANNEL-FD) */
        SUPERVISE_ARG_MAX_TIME,  /* max_session_time in seconds, 0 = none */
        SUPERVISE_ARG_AUDIT,     /* "required" (end the session when its records cannot be
                                  * delivered) or "best-effort" */
        SUPERVISE_ARG_HOME,      /* the user's home, absolute: sftp-server's working directory,
                                  * against which records make its relative names absolute */
        SUPERVISE_ARG_AUTH_INFO, /* sshd's SSH_USER_AUTH file (ExposeAuthInfo), or "": the key
                                  * that authenticated, for the records (authinfo.h) */
        SUPERVISE_ARGC
};

struct supervise_args {
        const char *session, *user, *client;
        pid_t child;
        int notify_fd, status_fd, log_fd, ready_fd;
        int slot_fd, channel_fd; /* -1 when not used */
        long idle_timeout, max_session_time; /* seconds, 0 = none */
        bool audit_best_effort;
        const char *home, *auth_info;
};

/* Room for the numbers supervise_argv_build() formats. */
#define SUPERVISE_ARGV_BUF 160

/* Fill argv[0..SUPERVISE_ARGC] (NULL-terminated) for exec; the numbers
 * are formatted into buf.  Strings are not copied.  Returns 0, or -1
 * (EINVAL) if an argument would not survive supervise_argv_parse(). */
int supervise_argv_build(const struct supervise_args *a, const char *program, char buf[SUPERVISE_ARGV_BUF],
                         const char *argv[SUPERVISE_ARGC + 1]);

/* Parse and validate sftpjail-supervise's argv (pure: the fds are numbers
 * here; whether they are open is the caller's business).  Returns 0, or -1
 * with a message in err. */
int supervise_argv_parse(int argc, char *const *argv, struct supervise_args *a, char *err, size_t errlen);

/* The signals the supervisor takes through a signalfd.  The launcher
 * blocks them before the jail is cloned, so none is lost before the
 * supervisor's signalfd exists (the jail unblocks them). */
void session_signals(sigset_t *set);

/* Pass one fd over a Unix socket (SCM_RIGHTS with one data byte), with
 * sendmsg() only: it runs under the jail's seccomp filter.  0, or -1 with
 * errno. */
int send_fd(int sock, int fd);
/* Receive one fd sent by send_fd(), close-on-exec.  The fd, or -1 with
 * errno (EBADMSG: no fd, or more than one, came with the byte). */
int recv_fd(int sock);
