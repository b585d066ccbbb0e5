/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Upload events: the pure part of sftpjail-events, unit-tested
 * (tests/unit/test-events.c).  Given a journal entry's fields and what we
 * know of the user it names, decide whether it is an upload event, which
 * file (relative to the user's uploads) and with which checks; the state
 * the daemon keeps across restarts (cursor, queue, done keys, counters);
 * the retry schedule.  No system calls here but stdio on a given FILE.
 *
 * What fires (docs/records.md, "Upload events"):
 *   - a transfer record, direction=upload status=complete exact=yes, with
 *     bytes and a handle, whose name does not end with a temporary suffix;
 *   - a rename record, status=complete exact=yes, from a temporary name to
 *     one without, where the same session's last upload of the temporary
 *     name was complete (the daemon finds it: ev_decide_prior()).
 * Nothing else: not interrupted or failed uploads, not records that are
 * not exact, not names outside the uploads directory or with ".", ".."
 * or empty components, not entries whose _EXE is not the supervisor or
 * whose _UID is not the user's. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

/* The fields of one journal entry (NULL where absent; values without the
 * "NAME=" prefix, not NUL-terminated where a length is given). */
struct ev_entry {
        const char *exe;  /* _EXE (trusted: set by journald) */
        const char *uid;  /* _UID (trusted) */
        const char *msgid;
        const char *user, *session, *event, *status, *direction, *exact, *bytes, *handle, *end, *client, *key;
        const char *inode; /* SFTPJAIL_INODE "MAJOR:MINOR:INO" of a complete upload, or NULL */
        const char *path;
        size_t path_len;
        const char *to;
        size_t to_len;
};

/* What the daemon found out about the user the entry names. */
struct ev_user {
        uid_t uid;
        const char *area;          /* absolute host path of the uploads (or the home for access=home) */
        const char *temp_suffixes; /* space separated */
};

/* The device and inode the supervisor found under the upload's name right
 * after its close (SFTPJAIL_INODE); known = false where the record has
 * none (the name was gone by then; a record of an older supervisor). */
struct ev_inode {
        bool known;
        uint32_t major, minor;
        uint64_t ino;
};

/* "MAJOR:MINOR:INO", decimal -> i.  Returns 0 or -1. */
int ev_parse_inode(const char *s, struct ev_inode *i);

enum ev_kind {
        EV_IGNORE,
        EV_UPLOAD, /* a complete upload under its final name */
        EV_RENAME, /* a temporary name renamed to a final one: needs the upload (ev_decide_prior) */
};

#define EV_KEY_MAX 48
#define EV_REL_MAX 4096

struct ev_decision {
        enum ev_kind kind;
        const char *why;        /* EV_IGNORE: the reason (static text) */
        char key[EV_KEY_MAX];   /* idempotency key: SESSION-HANDLE (of the upload) */
        char rel[EV_REL_MAX];   /* the file, relative to the area (the final name) */
        size_t rel_len;
        uint64_t bytes;         /* the size the file must have */
        uint64_t handle;
        struct timespec end;    /* the record's end: the file's mtime must not be later */
        struct ev_inode inode;  /* the upload's file as its close saw it (if known) */
};

/* Cheap first look, before looking the user up: could this entry be an
 * upload event at all (record kind, event, status, exact)? */
bool ev_relevant(const struct ev_entry *e);

/* Is the entry the supervisor's own record for that user?  _EXE must be
 * supervise_path, _UID the user's uid. */
bool ev_trusted(const struct ev_entry *e, const char *supervise_path, uid_t uid);

/* Decide.  u may be NULL (the user is unknown, has no uploads or no
 * on_upload): then the entry is ignored.  Returns d->kind. */
enum ev_kind ev_decide(const struct ev_entry *e, const char *supervise_path, const struct ev_user *u,
                       struct ev_decision *d);

/* For EV_RENAME: is up (a transfer entry of the same session, the latest
 * one naming the rename's old name) a trusted complete exact upload with
 * bytes?  Then d becomes EV_UPLOAD of the new name with the upload's bytes
 * and key (the rename's end time stays).  up may be NULL (none found). */
enum ev_kind ev_decide_prior(const struct ev_entry *up, const char *supervise_path, const struct ev_user *u,
                             struct ev_decision *d);

/* name (len bytes, absolute) below area: out gets the rest, which must
 * be a clean relative path (no empty, "." or ".." component, no NUL).
 * Returns 0 or -1 with *why set. */
int ev_relpath(const char *area, const char *name, size_t len, char *out, size_t outsize, size_t *outlen,
               const char **why);

/* "2026-12-06T01:02:03.456Z" (SFTPJAIL_END) -> t.  Returns 0 or -1. */
int ev_parse_time(const char *s, struct timespec *t);

/* The file opened for the event is the upload, unchanged since its
 * record: a regular file of the user (uid), the same device and inode as
 * at the close where the record names them, st_size == bytes, and an
 * mtime no later than the record's end (which has millisecond precision,
 * rounded down: the mtime may be up to the end of that millisecond).
 * Returns 0 or -1 with *why set. */
int ev_unchanged(const struct stat *st, uid_t uid, const struct ev_inode *inode, uint64_t bytes,
                 const struct timespec *end, const char **why);

/* Seconds to wait before attempt n+1 (n >= 1 attempts made): base *
 * 2^(n-1), at most cap. */
unsigned ev_backoff(unsigned attempts, unsigned base, unsigned cap);

/* ---- the daemon's state, kept in one file (events.state) ---- */

struct ev_item {
        char key[EV_KEY_MAX];
        char user[64];
        uid_t uid;
        char session[24];
        uint64_t handle, bytes;
        struct timespec end;
        struct ev_inode inode;
        unsigned attempts;     /* hook runs started so far */
        int64_t next_at;       /* CLOCK_REALTIME seconds: not before */
        bool running;          /* a run was started and its end not recorded */
        char rel[EV_REL_MAX];  /* relative to the area: where it was uploaded */
        size_t rel_len;
        char ready[EV_REL_MAX]; /* relative to the area: where it was moved ("" = not moved) */
        size_t ready_len;
        char client[64];
        char fp[160];          /* the key fingerprint, "" if none */
};

#define EV_DONE_MAX 4096

struct ev_state {
        char *cursor;           /* journal cursor of the last entry handled; NULL = none yet */
        struct ev_item *items;  /* the queue, in arrival order */
        size_t n_items, cap_items;
        char (*done)[EV_KEY_MAX]; /* the keys of the last EV_DONE_MAX events done, a ring */
        size_t n_done, done_next;
        uint64_t hook_runs, hook_failures;
};

void ev_state_init(struct ev_state *s);
void ev_state_free(struct ev_state *s);
/* Write / read the state.  Parse returns 0, or -1 on a malformed file
 * (s is then empty). */
int ev_state_write(const struct ev_state *s, FILE *f);
int ev_state_read(struct ev_state *s, FILE *f);
bool ev_state_seen(const struct ev_state *s, const char *key); /* queued or done */
int ev_state_push(struct ev_state *s, const struct ev_item *it);
void ev_state_remove(struct ev_state *s, size_t i);
void ev_state_done(struct ev_state *s, const char *key);
int ev_set_cursor(struct ev_state *s, const char *cursor);
