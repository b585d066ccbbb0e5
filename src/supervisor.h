/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The supervisor: the launcher's parent half after the jail is started,
 * run as a program of its own (sftpjail-supervise.c).  It holds no capability and stays in the host's namespaces, so that it can
 * reach syslog.  It forwards sftp-server's log lines tagged with the user
 * and session, logs the session's start and end (duration, bytes, status),
 * kills the jail on SIGTERM/SIGHUP, and returns the jail's exit status. */
#pragma once

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "channel.h"
#include "records.h"

/* sftp-server's own messages (those no record stands for: "sent status",
 * opendir, session opened...) are forwarded at most FORWARD_BURST per
 * FORWARD_INTERVAL seconds per session; the rest are counted, and the
 * count is logged when the interval ends.  Records are never rate-limited
 * (they are slowed down instead, log.h). */
#define FORWARD_INTERVAL 10
#define FORWARD_BURST 1000
struct ratelimit {
        struct timespec start; /* CLOCK_MONOTONIC: the interval's */
        uint64_t count, suppressed;
};
/* Pure, unit-tested.  true: forward the message now; false: it is
 * counted.  First, if the interval that was running is over, a new one
 * starts and *report is what the old one suppressed (else 0). */
bool ratelimit_take(struct ratelimit *rl, const struct timespec *now, uint64_t *report);
/* An interval that is over and suppressed something: its count (and a new
 * interval starts), else 0; *due_ms: when to ask again (-1: no need). */
uint64_t ratelimit_expired(struct ratelimit *rl, const struct timespec *now, int *due_ms);

struct session {
        const char *user;
        const char *id;      /* random, 16 hex digits */
        const char *client;  /* "addr:port" from SSH_CONNECTION, or "local" */
        pid_t child;         /* pid 1 of the jail, as seen from here */
        int status_fd;       /* read end: error text from the child before exec */
        int log_fd;          /* sftp-server's stderr: SOCK_SEQPACKET, one message per record */
        int notify_fd;       /* socket: the child sends the seccomp listener */
        int listener_fd;     /* seccomp user-notification fd, once received */
        char refused[64];    /* name of the syscall that ended the session */
        uint64_t bytes_read, bytes_written, files_opened;
        uint64_t files_unmeasured; /* closes whose message sftp-server cut short */
        /* The client's half of the channel, relayed (channel.h; the
         * launcher always relays it, CHANNEL-FD -1 is for tests of the
         * supervisor alone).  Limits (sftpjail.conf(5) LIMITS) end a
         * session the way a client ends it: sftp-server sees EOF and
         * closes its handles; SIGKILL follows if it has not ended after
         * SUPERVISE_END_GRACE seconds. */
        bool relay;            /* chan is in use */
        struct channel chan;
        long idle_timeout;     /* seconds without a byte from the client, 0 = none */
        long max_session_time; /* seconds, 0 = none */
        const char *end_reason; /* "idle", "time", "audit", or NULL */
        bool audit_required;    /* end the session when records are lost (log.h) */
        const char *home;       /* sftp-server's working directory: relative names are in it */
        const char *key;        /* the key that authenticated ("SHA256:..."), or NULL */
        const char *host;       /* this host's name (gethostname), escaped for the text, or NULL */
        const char *host_raw;   /* the same, its exact bytes (journal) */
        struct records records; /* file operations from sftp-server's log (records.h) */
        struct ratelimit forward; /* sftp-server's other messages */
        char child_comm[16];    /* the jail child's name before its exec (supervise_prepare) */
};

#define SUPERVISE_END_GRACE 2

/* The host's name (gethostname), escaped for the text: each byte at most
 * four. */
#define HOST_ESCAPED_MAX (4 * HOST_NAME_MAX + 1)

/* Before the ready byte, while the jail child cannot have exec'd yet:
 * note its name, so that supervise() can tell later whether it did. */
void supervise_prepare(struct session *s);

/* Runs until the jail has exited; returns the exit status to pass on.  If
 * the child failed before exec, dies with its message. */
int supervise(struct session *s);

/* Parse one sftp-server log message (without its final "\r\n") for
 * transfer totals; pure, unit-tested.  Returns 1 when the whole message is
 * "close \"PATH\" bytes read R written W", parsed from the end: PATH may
 * contain anything, that text included. */
int supervisor_parse_close(const char *msg, size_t len, uint64_t *read, uint64_t *written);

/* What a bare "Failure" of an upload was.  sftp-server answers a short
 * write with "Failure" and logs no reason (records.h): the kernel cut the
 * write at a limit and returned the bytes it took, the errno of the limit
 * went to no one.  The supervisor asks the kernel, as the user, the moment
 * it reads that "Failure" (before the client's next request reaches
 * sftp-server, unless the client pipelined it: drain_log), and
 * supervisor_explain_failure() decides from what it found.  Each *_known
 * false: that fact could not be learnt. */
struct failure_facts {
        bool file_known;       /* the file's size */
        uint64_t file_size;
        bool fsize_known;      /* sftp-server's RLIMIT_FSIZE (max_file_size) */
        uint64_t fsize_limit;  /* UINT64_MAX: none */
        bool dir_known;        /* statvfs of the file's directory: within a
                                * project (ext4, XFS) the project's limits
                                * as the kernel applies them, else the
                                * filesystem's */
        uint64_t dir_room;     /* bytes an unprivileged write may still use */
        uint64_t dir_files, dir_files_free;
        bool project_known;    /* FS_IOC_FSGETXATTR of the directory */
        bool project;          /* a project id and the inherit flag */
        bool fs_known;         /* statvfs of the nearest ancestor outside
                                * the project, on the same filesystem */
        uint64_t fs_room, fs_files, fs_files_free;
};
/* Less room than this is no room: XFS fails a write that does not fit
 * whole, so up to one write request (OpenSSH: 261120 bytes), rounded up to
 * its blocks, stays free when a project or filesystem is full. */
#define FAILURE_ROOM_MIN (320 * 1024)
/* Pure, unit-tested: the limit that ran out ("File too large", "Disk
 * quota exceeded", "No space left on device", ...), or NULL when none
 * explains it.  The record says "REASON (sftp-server: WHAT IT SAID)". */
const char *supervisor_explain_failure(const struct failure_facts *f);

/* The escaping of a log message for syslog: one message is one line, and
 * nothing in it can pass for another line or for our own fields.
 *
 *   \ -> \\   " -> \"   LF -> \n   CR -> \r   TAB -> \t
 *   every other byte below 0x20, DEL, and every byte that is not part of
 *   valid, shortest-form UTF-8 -> \xNN (two lower-case hex digits)
 *   UTF-8 for C1 controls, U+2028-U+202E and U+2066-U+2069 (line
 *   separators, bidirectional overrides) -> \xNN per byte
 *   anything else (printable ASCII, other UTF-8) as it is.
 *
 * Writes at most outlen - 1 bytes and a NUL; never half an escape.
 * Returns how many input bytes it consumed (len unless out was full). */
size_t log_escape(const char *in, size_t len, char *out, size_t outlen);
