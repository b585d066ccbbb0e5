/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "records.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An open file handle of sftp-server, as its log tells it. */
struct rec_handle {
        struct rec_handle *next;
        uint64_t id;
        char *path;
        size_t len;
        bool exact, write;
        /* The open was answered "Failure": either it failed, or it worked
         * and a short write that followed failed (sftp-server logs no
         * message of its own for a short write).  A close for it settles
         * which; else it is recorded as a failed open at the end. */
        bool open_failed;
        bool failed; /* a write or read on it failed */
        bool direction_unknown; /* its open was cut (no flags) and no counts came */
        char error[96];
        char detail[64];
        char inode[48]; /* rec_closed_fn's answer at the close */
        struct timespec start;
};

enum pkind {
        P_OPEN,  /* h: the new handle */
        P_CLOSE, /* h: the closed handle, out of the list */
        P_OP,    /* rec: remove, mkdir, rmdir, rename, link, setstat */
        P_QUIET, /* opendir, closedir, a read/write error line: no record, but a
                  * "sent status" that follows is theirs */
};

struct rec_pending {
        enum pkind kind;
        struct rec_handle *h;
        uint64_t bytes; /* P_CLOSE */
        bool bytes_known;
        struct rec rec; /* P_OP */
        char *path, *to;
        char detail[96];
        int set_order; /* P_OP setstat: the last attribute's rank (size < mode < modtime < owner) */
};

const char *rec_event_name(enum rec_event e)
{
        static const char *const names[] = {
                [REC_TRANSFER] = "transfer", [REC_REMOVE] = "remove", [REC_MKDIR] = "mkdir",
                [REC_RMDIR] = "rmdir",       [REC_RENAME] = "rename", [REC_SETSTAT] = "setstat",
                [REC_LINK] = "link",
        };
        return (unsigned)e < sizeof(names) / sizeof(names[0]) ? names[e] : "?";
}

size_t vis_decode(const char *in, size_t len, char *out)
{
        size_t i = 0, o = 0;

        while (i < len) {
                if (in[i] == '\\' && i + 1 < len && in[i + 1] == '\\') {
                        out[o++] = '\\';
                        i += 2;
                } else if (in[i] == '\\' && i + 3 < len && in[i + 1] >= '0' && in[i + 1] <= '3' &&
                           in[i + 2] >= '0' && in[i + 2] <= '7' && in[i + 3] >= '0' && in[i + 3] <= '7') {
                        out[o++] = (char)((in[i + 1] - '0') << 6 | (in[i + 2] - '0') << 3 | (in[i + 3] - '0'));
                        i += 4;
                } else {
                        out[o++] = in[i++];
                }
        }
        return o;
}

/* ---- parsing one message: fixed text at both ends, the name between ---- */

static bool starts(const char *m, size_t len, const char *head)
{
        size_t n = strlen(head);
        return len >= n && memcmp(m, head, n) == 0;
}

/* Strip a suffix made of `lit` followed by characters of `set` (at least
 * one unless empty_ok) up to the end; returns the new length, or
 * (size_t)-1. */
static size_t strip_tail_(const char *m, size_t len, const char *lit, const char *set, bool empty_ok)
{
        size_t e = len, n = strlen(lit);

        while (e > 0 && m[e - 1] && strchr(set, m[e - 1]))
                e--;
        if ((e == len && !empty_ok) || e < n || memcmp(m + e - n, lit, n) != 0)
                return (size_t)-1;
        return e - n;
}

static size_t strip_tail(const char *m, size_t len, const char *lit, const char *set)
{
        return strip_tail_(m, len, lit, set, false);
}

/* The decimal number in m[from, to) (digits only: strip_tail checked),
 * saturated at UINT64_MAX.  Never reads past to: a message is not
 * NUL-terminated, and what follows it in the buffer may be digits too. */
static uint64_t number_in(const char *m, size_t from, size_t to)
{
        uint64_t v = 0;

        for (size_t i = from; i < to; i++) {
                unsigned d = (unsigned)(m[i] - '0');
                v = v > (UINT64_MAX - d) / 10 ? UINT64_MAX : v * 10 + d;
        }
        return v;
}

/* A decoded copy of m[from, to) (a name as sftp-server escaped it). */
static char *name_dup(const char *m, size_t from, size_t to, size_t *out_len)
{
        if (to < from)
                to = from;
        char *s = malloc(to - from + 1);

        if (!s)
                abort(); /* the supervisor cannot go on without its records */
        *out_len = vis_decode(m + from, to - from, s);
        s[*out_len] = '\0';
        return s;
}

static bool same_name(const struct rec_handle *h, const char *p, size_t len, bool exact)
{
        if (exact && h->exact)
                return h->len == len && memcmp(h->path, p, len) == 0;
        /* One of them was cut: a prefix of the other. */
        size_t n = h->len < len ? h->len : len;
        return memcmp(h->path, p, n) == 0;
}

/* ---- emitting ---- */

/* A failed record always says why (docs/records.md), if only that
 * sftp-server did not. */
static const char *failure_text(const char *status, const char *error)
{
        if (error && *error)
                return error;
        return strcmp(status, "failed") == 0 ? "(no error text)" : NULL;
}

static void emit_transfer(struct records *r, struct rec_handle *h, const char *status, bool bytes_known,
                          uint64_t bytes, const char *error, const struct timespec *now)
{
        struct rec x = {
                .event = REC_TRANSFER,
                .status = status,
                .direction = h->write ? "upload" : h->direction_unknown ? "unknown" : "download",
                .path = h->path,
                .path_len = h->len,
                .exact = h->exact,
                .bytes_known = bytes_known,
                .bytes = bytes,
                .handle = h->id,
                .start = h->start,
                .end = *now,
                .error = failure_text(status, error),
                .detail = h->detail,
                .inode = h->inode[0] ? h->inode : NULL,
        };
        r->emit(r->ctx, &x);
}

static void free_handle(struct rec_handle *h)
{
        free(h->path);
        free(h);
}

static void unlink_handle(struct records *r, struct rec_handle *h)
{
        for (struct rec_handle **pp = &r->open; *pp; pp = &(*pp)->next)
                if (*pp == h) {
                        *pp = h->next;
                        return;
                }
}

static void append_handle(struct records *r, struct rec_handle *h)
{
        struct rec_handle **pp = &r->open;

        while (*pp)
                pp = &(*pp)->next;
        h->next = NULL;
        *pp = h;
}

static void free_pending(struct records *r)
{
        if (!r->pending)
                return;
        free(r->pending->path);
        free(r->pending->to);
        free(r->pending);
        r->pending = NULL;
}

/* A bare "Failure" of a handle open for writing: what it may have been
 * (rec_explain_fn), asked now, while the cause is still there. */
static void failure_reason(struct records *r, struct rec_handle *h, const char *text)
{
        const char *why = r->explain ? r->explain(r->ctx, h->path, h->len, "Failure") : NULL;

        snprintf(h->error, sizeof(h->error), "%s", why ? why : text);
}

/* The pending operation's outcome: error == NULL means it succeeded,
 * status overrides (interrupted). */
static void settle(struct records *r, const char *error, const char *status, const struct timespec *now)
{
        struct rec_pending *p = r->pending;

        if (!p)
                return;
        r->pending = NULL;
        switch (p->kind) {
        case P_OPEN:
                if (status) {
                        emit_transfer(r, p->h, status, false, 0, NULL, now);
                        free_handle(p->h);
                } else if (!error) {
                        append_handle(r, p->h);
                } else if (strcmp(error, "Failure") == 0) {
                        /* Ambiguous (struct rec_handle): keep it. */
                        p->h->open_failed = true;
                        if (p->h->write)
                                failure_reason(r, p->h, error);
                        else
                                snprintf(p->h->error, sizeof(p->h->error), "%s", error);
                        append_handle(r, p->h);
                } else {
                        emit_transfer(r, p->h, "failed", true, 0, error, now);
                        free_handle(p->h);
                }
                break;
        case P_CLOSE:
                if (status)
                        emit_transfer(r, p->h, status, p->bytes_known, p->bytes, p->h->error, now);
                else if (error)
                        emit_transfer(r, p->h, "failed", p->bytes_known, p->bytes, error, now);
                else
                        emit_transfer(r, p->h, p->h->failed ? "failed" : "complete", p->bytes_known, p->bytes,
                                      p->h->error, now);
                free_handle(p->h);
                break;
        case P_OP:
                p->rec.status = status ? status : error ? "failed" : "complete";
                p->rec.error = status ? NULL : failure_text(p->rec.status, error);
                p->rec.end = *now;
                p->rec.detail = p->detail;
                r->emit(r->ctx, &p->rec);
                break;
        case P_QUIET:
                break;
        }
        free(p->path);
        free(p->to);
        free(p);
}

static struct rec_pending *new_pending(struct records *r, enum pkind kind, const struct timespec *now)
{
        struct rec_pending *p = calloc(1, sizeof(*p));

        if (!p)
                abort();
        p->kind = kind;
        p->rec.start = *now;
        p->rec.exact = true;
        r->pending = p;
        return p;
}

/* ---- the messages ---- */

static void on_open(struct records *r, const char *m, size_t len, bool cut, const struct timespec *now)
{
        /* open "PATH" flags FLAGS mode 0MODE */
        static const char head[] = "open \"";
        size_t h0 = sizeof(head) - 1, e = (size_t)-1, f = (size_t)-1;
        struct rec_handle *h = calloc(1, sizeof(*h));

        if (!h)
                abort();
        if (!cut && (e = strip_tail(m, len, " mode ", "01234567")) != (size_t)-1)
                f = strip_tail_(m, e, "\" flags ", "ACDEILNPRTUWX,", true);
        if (f != (size_t)-1 && f >= h0) {
                h->path = name_dup(m, h0, f, &h->len);
                h->exact = true;
                snprintf(h->detail, sizeof(h->detail), "%.*s mode %.*s", (int)(e - f - 8), m + f + 8,
                         (int)(len - e - 6), m + e + 6);
                h->write = strstr(h->detail, "WRITE") || strstr(h->detail, "APPEND");
        } else {
                /* Cut by sftp-server: the flags are lost with the end of the
                 * name.  Direction is told by the close's byte counts. */
                h->path = name_dup(m, h0, len, &h->len);
                h->exact = false;
        }
        h->id = ++r->next_handle;
        h->start = *now;
        struct rec_pending *p = new_pending(r, P_OPEN, now);
        p->h = h;
}

static void on_close(struct records *r, const char *m, size_t len, bool cut, bool forced,
                     const struct timespec *now)
{
        /* [forced ]close "PATH" bytes read R written W */
        const char *head = forced ? "forced close \"" : "close \"";
        size_t h0 = strlen(head), nlen;
        uint64_t rd = 0, wr = 0;
        bool counts = false;
        size_t end = len;

        if (!cut) {
                /* From the end: " written W", "\" bytes read R". */
                size_t w = strip_tail(m, len, " written ", "0123456789");
                size_t rr = w != (size_t)-1 ? strip_tail(m, w, "\" bytes read ", "0123456789") : (size_t)-1;
                if (rr != (size_t)-1 && rr >= h0) {
                        rd = number_in(m, rr + 13, w);
                        wr = number_in(m, w + 9, len);
                        counts = true;
                        end = rr;
                }
        }
        char *name = name_dup(m, h0, end, &nlen);
        bool exact = counts;
        struct rec_handle *h = NULL;
        for (struct rec_handle *x = r->open; x; x = x->next)
                if (same_name(x, name, nlen, exact)) {
                        h = x;
                        break;
                }
        if (h) {
                unlink_handle(r, h);
                free(name);
                if (!exact)
                        h->exact = false;
        } else {
                /* A close whose open we never saw (its message was lost or
                 * could not be read): record what the close says. */
                h = calloc(1, sizeof(*h));
                if (!h)
                        abort();
                h->path = name;
                h->len = nlen;
                h->exact = exact;
                h->id = ++r->next_handle;
                h->start = *now;
                h->write = wr > 0;
        }
        if (!h->detail[0] && !h->write) {
                /* A cut open has no flags: the counts tell, if any came. */
                h->write = wr > 0;
                h->direction_unknown = !counts;
        }
        if (h->open_failed) {
                /* The open's "Failure" was a write's (struct rec_handle). */
                h->failed = true;
        }
        if (forced) {
                emit_transfer(r, h, "interrupted", counts, h->write ? wr : rd, h->error, now);
                free_handle(h);
                return;
        }
        if (h->write && exact && r->closed)
                r->closed(r->ctx, h->path, h->len, h->inode, sizeof(h->inode));
        struct rec_pending *p = new_pending(r, P_CLOSE, now);
        p->h = h;
        p->bytes = counts ? (h->write ? wr : rd) : 0;
        p->bytes_known = counts;
}

/* remove name "P", rmdir name "P", mkdir name "P" mode 0M */
static void on_one_name(struct records *r, enum rec_event ev, const char *head, const char *m, size_t len,
                        bool cut, const struct timespec *now)
{
        size_t h0 = strlen(head), e = len;
        struct rec_pending *p = new_pending(r, P_OP, now);

        p->rec.event = ev;
        if (!cut && ev == REC_MKDIR) {
                size_t x = strip_tail(m, len, " mode ", "01234567");
                if (x != (size_t)-1) {
                        snprintf(p->detail, sizeof(p->detail), "mode %.*s", (int)(len - x - 6), m + x + 6);
                        e = x;
                }
        }
        if (!cut && e > h0 && m[e - 1] == '"')
                e--;
        else
                p->rec.exact = false;
        p->path = name_dup(m, h0, e, &p->rec.path_len);
        p->rec.path = p->path;
}

/* rename old "A" new "B", symlink old "A" new "B", ... */
static void on_two_names(struct records *r, enum rec_event ev, const char *kind, const char *head, const char *m,
                         size_t len, bool cut, const struct timespec *now)
{
        static const char sep[] = "\" new \"";
        size_t h0 = strlen(head), s = (size_t)-1, count = 0;
        struct rec_pending *p = new_pending(r, P_OP, now);

        p->rec.event = ev;
        snprintf(p->detail, sizeof(p->detail), "%s", kind);
        for (size_t i = h0; i + sizeof(sep) - 1 <= len; i++)
                if (memcmp(m + i, sep, sizeof(sep) - 1) == 0) {
                        if (s == (size_t)-1)
                                s = i;
                        count++;
                }
        size_t e = len;
        if (!cut && len > 0 && m[len - 1] == '"')
                e = len - 1;
        if (s == (size_t)-1 || s + sizeof(sep) - 1 > e) {
                p->path = name_dup(m, h0, e, &p->rec.path_len);
                p->to = name_dup(m, e, e, &p->rec.to_len);
                p->rec.exact = false;
        } else {
                p->path = name_dup(m, h0, s, &p->rec.path_len);
                p->to = name_dup(m, s + sizeof(sep) - 1, e, &p->rec.to_len);
                /* The separator twice: either name may hold it. */
                p->rec.exact = !cut && e < len && count == 1;
        }
        p->rec.path = p->path;
        p->rec.to = p->to;
}

/* set "P" size N | mode MMMM | modtime T | owner U group G: one message
 * per attribute of one request, in this order; one status at the end. */
static void on_set(struct records *r, const char *m, size_t len, bool cut, const struct timespec *now)
{
        static const char head[] = "set \"";
        static const struct {
                const char *lit, *set;
        } attrs[] = {
                { "\" size ", "0123456789" },
                { "\" mode ", "01234567" },
                { "\" modtime ", "0123456789-:" },
                { " group ", "0123456789" }, /* then "\" owner U" */
        };
        size_t h0 = sizeof(head) - 1, e = (size_t)-1;
        int rank = -1;

        for (int i = 0; !cut && i < 4 && rank < 0; i++) {
                e = strip_tail(m, len, attrs[i].lit, attrs[i].set);
                if (i == 3 && e != (size_t)-1)
                        e = strip_tail(m, e, "\" owner ", "0123456789");
                if (e != (size_t)-1 && e >= h0)
                        rank = i;
                else
                        e = (size_t)-1;
        }
        size_t nlen;
        char *name = name_dup(m, h0, e != (size_t)-1 ? e : len, &nlen);
        const char *attr = e != (size_t)-1 ? m + e + 2 : "";
        size_t alen = e != (size_t)-1 ? len - e - 2 : 0;
        struct rec_pending *p = r->pending;

        if (p && p->kind == P_OP && p->rec.event == REC_SETSTAT && rank > p->set_order &&
            p->rec.path_len == nlen && memcmp(p->path, name, nlen) == 0) {
                /* The same request's next attribute. */
                size_t l = strlen(p->detail);
                snprintf(p->detail + l, sizeof(p->detail) - l, ",%.*s", (int)alen, attr);
                p->set_order = rank;
                free(name);
                return;
        }
        settle(r, NULL, NULL, now);
        p = new_pending(r, P_OP, now);
        p->rec.event = REC_SETSTAT;
        p->path = name;
        p->rec.path = name;
        p->rec.path_len = nlen;
        p->rec.exact = rank >= 0;
        p->set_order = rank;
        snprintf(p->detail, sizeof(p->detail), "%.*s", (int)alen, attr);
}

/* process_write: write "NAME": ERR (NAME cut at 100 bytes by sftp-server) */
static void on_io_error(struct records *r, const char *m, size_t len, size_t h0, const struct timespec *now)
{
        size_t q = (size_t)-1, nlen;

        for (size_t i = len; i >= h0 + 3; i--)
                if (memcmp(m + i - 3, "\": ", 3) == 0) {
                        q = i - 3;
                        break;
                }
        if (q == (size_t)-1)
                return;
        char *name = name_dup(m, h0, q, &nlen);
        for (struct rec_handle *h = r->open; h; h = h->next) {
                bool match = nlen < 100 ? h->len == nlen && memcmp(h->path, name, nlen) == 0
                                        : h->len >= nlen && memcmp(h->path, name, nlen) == 0;
                if (match && !h->failed) {
                        h->failed = true;
                        snprintf(h->error, sizeof(h->error), "%.*s", (int)(len - q - 3), m + q + 3);
                        if (h->write && r->explain && strcmp(h->error, "No space left on device") == 0) {
                                const char *why = r->explain(r->ctx, h->path, h->len, h->error);
                                if (why)
                                        snprintf(h->error, sizeof(h->error), "%s", why);
                        }
                }
        }
        free(name);
        new_pending(r, P_QUIET, now);
}

/* The requests sftp-server names only at VERBOSE (policy.c runs it there):
 * no record of their own, but a "sent status" after one is theirs. */
static bool quiet_request(const char *m, size_t len)
{
        static const char *const heads[] = {
                "stat name \"", "lstat name \"", "realpath \"", "readlink \"", "fsync \"", "expand \"",
                "home-directory \"",
        };

        for (size_t i = 0; i < sizeof(heads) / sizeof(heads[0]); i++)
                if (starts(m, len, heads[i]))
                        return true;
        return false;
}

/* The messages a record stands for: true if m was one. */
static bool feed_operation(struct records *r, const char *m, size_t len, bool cut, const struct timespec *now)
{
        static const struct {
                const char *head;
                enum rec_event ev;
                const char *kind; /* two names: rename, links */
        } one[] = {
                { "remove name \"", REC_REMOVE, NULL },         { "mkdir name \"", REC_MKDIR, NULL },
                { "rmdir name \"", REC_RMDIR, NULL },           { "rename old \"", REC_RENAME, "rename" },
                { "posix-rename old \"", REC_RENAME, "posix-rename" }, { "symlink old \"", REC_LINK, "symlink" },
                { "hardlink old \"", REC_LINK, "hardlink" },
        };

        if (starts(m, len, "open \""))
                on_open(r, m, len, cut, now);
        else if (starts(m, len, "close \""))
                on_close(r, m, len, cut, false, now);
        else if (starts(m, len, "forced close \""))
                on_close(r, m, len, cut, true, now);
        else {
                for (size_t i = 0; i < sizeof(one) / sizeof(one[0]); i++)
                        if (starts(m, len, one[i].head)) {
                                if (one[i].kind)
                                        on_two_names(r, one[i].ev, one[i].kind, one[i].head, m, len, cut, now);
                                else
                                        on_one_name(r, one[i].ev, one[i].head, m, len, cut, now);
                                return true;
                        }
                return false;
        }
        return true;
}

void records_init(struct records *r, rec_emit_fn emit, void *ctx)
{
        memset(r, 0, sizeof(*r));
        r->emit = emit;
        r->ctx = ctx;
}

bool records_feed(struct records *r, const char *m, size_t len, bool cut, const struct timespec *now)
{
        static const char status_head[] = "sent status ";

        if (starts(m, len, status_head)) {
                char text[64];
                snprintf(text, sizeof(text), "%.*s", (int)(len - (sizeof(status_head) - 1)),
                         m + sizeof(status_head) - 1);
                /* sftp-server always names the status; a failure without
                 * a text would be a failed record that says nothing. */
                if (!text[0])
                        snprintf(text, sizeof(text), "(no status text)");
                /* A close fails only as "Failure" (close(2): EIO, ENOSPC,
                 * EDQUOT); any other status after it is a later request
                 * that logs nothing at INFO (a stat of a missing name):
                 * the close succeeded. */
                if (r->pending && r->pending->kind == P_CLOSE && strcmp(text, "Failure") != 0)
                        settle(r, NULL, NULL, now);
                if (r->pending) {
                        settle(r, text, NULL, now);
                } else if (strcmp(text, "Failure") == 0) {
                        /* Nothing pending: a request that logs nothing
                         * failed.  Of those, only a write cut short (no
                         * message of its own) fails a transfer: every
                         * handle open for writing may be the one. */
                        for (struct rec_handle *h = r->open; h; h = h->next)
                                if (h->write && !h->failed) {
                                        h->failed = true;
                                        failure_reason(r, h, "a write failed (Failure)");
                                }
                }
                return false;
        }
        if (starts(m, len, "set \"")) {
                on_set(r, m, len, cut, now); /* settles or extends the pending one */
                return true;
        }
        settle(r, NULL, NULL, now);
        if (feed_operation(r, m, len, cut, now))
                return true;
        /* VERBOSE's note of the protocol version: not a request. */
        if (starts(m, len, "received client version "))
                return true;
        if (quiet_request(m, len)) {
                /* Its status, if it fails, is its own. */
                new_pending(r, P_QUIET, now);
                return true;
        }
        if (starts(m, len, "process_write: write \""))
                on_io_error(r, m, len, sizeof("process_write: write \"") - 1, now);
        else if (starts(m, len, "process_write: seek \""))
                on_io_error(r, m, len, sizeof("process_write: seek \"") - 1, now);
        else if (starts(m, len, "process_read: read \""))
                on_io_error(r, m, len, sizeof("process_read: read \"") - 1, now);
        else if (starts(m, len, "process_read: seek \""))
                on_io_error(r, m, len, sizeof("process_read: seek \"") - 1, now);
        else if (starts(m, len, "opendir \"") || starts(m, len, "closedir \"") ||
                 starts(m, len, "forced closedir \""))
                new_pending(r, P_QUIET, now);
        return false;
}

void records_end(struct records *r, const struct timespec *now)
{
        /* What was pending when sftp-server ended: nobody saw its outcome
         * (after its own "session closed" nothing is pending). */
        settle(r, NULL, "interrupted", now);
        while (r->open) {
                struct rec_handle *h = r->open;
                r->open = h->next;
                if (h->open_failed)
                        emit_transfer(r, h, "failed", true, 0, h->error, now);
                else
                        emit_transfer(r, h, "interrupted", false, 0, h->error, now);
                free_handle(h);
        }
        free_pending(r);
}
