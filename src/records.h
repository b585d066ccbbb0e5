/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Transfer records from sftp-server's log: pure, unit-tested
 * (tests/unit/test-records.c).  The supervisor feeds every message
 * sftp-server writes (one message per record of its stderr socket) and
 * gets back one record per file operation, with an outcome.
 *
 * What sftp-server (OpenSSH 9.x, "-e -l INFO") tells, and what we make of
 * it.  It serves one request at a time, and logs, in this order:
 *   - the operation, before doing it: open, close, remove, mkdir, rmdir,
 *     rename, posix-rename, symlink, hardlink, set (setstat/fsetstat, one
 *     message per attribute), opendir;
 *   - "sent status MSG" only when the request failed;
 *   - "process_write: write \"NAME\": ERR" (and read/seek) when a write
 *     or read on a handle failed, then "sent status Failure";
 *   - "forced close ..." for each handle still open when it exits (the
 *     client left without closing), then "session closed ...".
 * So an operation's outcome is known when the next message arrives: a
 * "sent status" means it failed, anything else that it succeeded.  Until
 * then it is pending; at the end of the session a pending operation is
 * settled by how sftp-server ended (records_end()).
 *
 * Statuses: "complete" (an upload or download the client closed, with no
 * error on its handle; an operation that succeeded), "failed" (the
 * operation returned an error, or a write or read on the handle failed)
 * and "interrupted" (the session ended with the file still open: forced
 * close, or sftp-server killed; or an operation whose outcome nobody
 * saw).
 *
 * Names are exact: sftp-server's log.c escapes names with strnvis()
 * (\ooo and \\; tab, CR, LF left raw), which records decode; the
 * message's own boundaries are kept by the socket.  Two cases are not
 * exact and say so (exact=false): a message sftp-server cut at its 1 KiB
 * limit (a name of more than about 1000 bytes once escaped), and a
 * two-name message (rename, links) whose first name contains the text
 * that separates the two.  Consumers never act on a record that is not
 * exact. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

enum rec_event {
        REC_TRANSFER, /* open ... close of a file */
        REC_REMOVE,
        REC_MKDIR,
        REC_RMDIR,
        REC_RENAME,
        REC_SETSTAT,
        REC_LINK, /* symlink or hardlink: detail says which */
};

struct rec {
        enum rec_event event;
        const char *status;    /* "complete", "failed", "interrupted" */
        const char *direction; /* transfers: "upload" (opened for writing) or "download" */
        const char *path;      /* as sftp-server names it, decoded (may hold any byte) */
        size_t path_len;
        const char *to; /* rename/link: the new name; else NULL */
        size_t to_len;
        bool exact;          /* false: a name may be cut or ambiguous (see above) */
        bool bytes_known;    /* false: sftp-server never reported them (killed) */
        uint64_t bytes;      /* transfers: written (upload) or read (download) */
        uint64_t handle;     /* transfers: 1, 2, ... per session, in open order */
        struct timespec start, end; /* CLOCK_REALTIME */
        const char *error;   /* failed: sftp-server's status text or errno text */
        const char *detail;  /* open flags, mode, "symlink"/"hardlink", the set attribute */
        const char *inode;   /* transfers: what rec_closed_fn said at the close, or NULL */
};

typedef void (*rec_emit_fn)(void *ctx, const struct rec *r);
/* Optional (NULL: none): asked, the moment sftp-server reports a bare
 * "Failure" for a file open for writing (its answer to a short write, for
 * which it logs no reason; or an open that failed), or a write of it that
 * failed with "No space left on device" (XFS's errno for a full project
 * quota too), why it may have failed.  path as sftp-server names it; said:
 * sftp-server's own text.  A text (kept as the record's error), or NULL:
 * sftp-server's text stands. */
typedef const char *(*rec_explain_fn)(void *ctx, const char *path, size_t len, const char *said);

/* Optional (NULL: none): asked the moment sftp-server's close of a file
 * open for writing is read, with its exact name, before a later message
 * settles it: what identifies the file there now (the supervisor: its
 * device and inode), written to out ("" for nothing).  sftp-server logs a
 * close before it answers it, so at that moment the client that wrote the
 * file has not yet been able to change it; a request that logs nothing at
 * INFO (an OK close) is settled by the next message only, which may come
 * after that request has run. */
typedef void (*rec_closed_fn)(void *ctx, const char *path, size_t len, char *out, size_t size);

struct rec_handle;

struct records {
        rec_emit_fn emit;
        rec_explain_fn explain;
        rec_closed_fn closed;
        void *ctx;
        struct rec_handle *open; /* file handles, oldest first */
        struct rec_pending *pending;
        uint64_t next_handle;
};

void records_init(struct records *r, rec_emit_fn emit, void *ctx);
/* One message of sftp-server, without its "\r\n"; cut: sftp-server may
 * have cut it at its limit.  now: CLOCK_REALTIME.  Returns true when the
 * message is one a record stands for (an operation: open, close, remove,
 * ...): the supervisor does not log it a second time. */
bool records_feed(struct records *r, const char *msg, size_t len, bool cut, const struct timespec *now);
/* The session is over (sftp-server's log socket is closed): what is
 * pending or open was not seen to end, and is "interrupted" (after
 * sftp-server's own "session closed" nothing is pending, and "forced
 * close" has reported every open handle).  Frees everything. */
void records_end(struct records *r, const struct timespec *now);

/* Decode strnvis(VIS_SAFE|VIS_OCTAL) text: "\\" -> "\", "\ooo" -> byte.
 * out has room for len bytes; returns the decoded length. */
size_t vis_decode(const char *in, size_t len, char *out);

const char *rec_event_name(enum rec_event e);

/* The journal's MESSAGE_ID of each kind of record (docs/records.md);
 * fixed forever, since consumers filter on them. */
#define SFTPJAIL_MSGID_SESSION_START "3f9f68c56f104cab9dcbb20d0d291096"
#define SFTPJAIL_MSGID_SESSION_END "a10f6bf508324aaeb7af88afec941fa9"
#define SFTPJAIL_MSGID_TRANSFER "f53082d27e904777b12f5dde998696ee"
#define SFTPJAIL_MSGID_OPERATION "6a2be18de739483cb697f81b89d4f4e9" /* remove, mkdir, rmdir, rename, setstat, link */
#define SFTPJAIL_MSGID_REFUSED "be8a06dfd5fb4f5bb4da6cb3e0c340a2"  /* a login refused */
#define SFTPJAIL_MSGID_SECCOMP "f2883736dd0a4b82be577a4ecfaf16be"  /* a session ended for a refused syscall */
#define SFTPJAIL_MSGID_HOOK "3cf1e5cc79d7d953cd8b6af3de103e43"     /* sftpjail-events: an on_upload hook's outcome */
