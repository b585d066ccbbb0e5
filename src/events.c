/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "events.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>

#include "policy.h"
#include "records.h"
#include "util.h"

static bool is(const char *v, const char *want)
{
        return v && streq(v, want);
}

/* A decimal number without sign, spaces or leading junk. */
static bool parse_u64(const char *s, uint64_t *v)
{
        char *end;

        if (!s || !*s || *s < '0' || *s > '9')
                return false;
        errno = 0;
        unsigned long long x = strtoull(s, &end, 10);
        if (errno || *end)
                return false;
        *v = x;
        return true;
}

static bool session_ok(const char *s)
{
        if (!s || strlen(s) != 16)
                return false;
        for (size_t i = 0; i < 16; i++)
                if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
                        return false;
        return true;
}

bool ev_relevant(const struct ev_entry *e)
{
        if (is(e->msgid, SFTPJAIL_MSGID_TRANSFER))
                return is(e->event, "transfer") && is(e->direction, "upload") && is(e->status, "complete") &&
                       is(e->exact, "yes");
        if (is(e->msgid, SFTPJAIL_MSGID_OPERATION))
                return is(e->event, "rename") && is(e->status, "complete") && is(e->exact, "yes");
        return false;
}

bool ev_trusted(const struct ev_entry *e, const char *supervise_path, uid_t uid)
{
        uint64_t u;

        return is(e->exe, supervise_path) && parse_u64(e->uid, &u) && u == (uint64_t)uid;
}

int ev_relpath(const char *area, const char *name, size_t len, char *out, size_t outsize, size_t *outlen,
               const char **why)
{
        size_t a = strlen(area);

        if (!a || area[0] != '/' || area[a - 1] == '/') {
                *why = "the uploads directory is not a clean absolute path";
                return -1;
        }
        if (len <= a + 1 || memcmp(name, area, a) != 0 || name[a] != '/') {
                *why = "the name is not below the uploads directory";
                return -1;
        }
        const char *r = name + a + 1;
        size_t n = len - a - 1;
        if (n >= outsize) {
                *why = "the name is too long";
                return -1;
        }
        if (memchr(r, '\0', n)) {
                *why = "the name contains a NUL byte";
                return -1;
        }
        for (size_t s = 0; s <= n;) {
                const char *slash = memchr(r + s, '/', n - s);
                size_t e = slash ? (size_t)(slash - r) : n;
                size_t c = e - s;
                if (c == 0 || (c == 1 && r[s] == '.') || (c == 2 && r[s] == '.' && r[s + 1] == '.')) {
                        *why = "the name has an empty, '.' or '..' component";
                        return -1;
                }
                s = e + 1;
        }
        memcpy(out, r, n);
        out[n] = '\0';
        *outlen = n;
        return 0;
}

/* n decimal digits at s. */
static int digits(const char *s, int n)
{
        int v = 0;

        for (int i = 0; i < n; i++) {
                if (s[i] < '0' || s[i] > '9')
                        return -1;
                v = v * 10 + (s[i] - '0');
        }
        return v;
}

int ev_parse_time(const char *s, struct timespec *t)
{
        /* 0123456789012345678901234
         * 2026-12-06T01:02:03.456Z */
        struct tm tm = { 0 };
        int ms;

        if (!s || strlen(s) != 24 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' ||
            s[19] != '.' || s[23] != 'Z')
                return -1;
        tm.tm_year = digits(s, 4) - 1900;
        tm.tm_mon = digits(s + 5, 2) - 1;
        tm.tm_mday = digits(s + 8, 2);
        tm.tm_hour = digits(s + 11, 2);
        tm.tm_min = digits(s + 14, 2);
        tm.tm_sec = digits(s + 17, 2);
        ms = digits(s + 20, 3);
        if (tm.tm_year < 70 || tm.tm_mon < 0 || tm.tm_mday < 1 || tm.tm_hour < 0 || tm.tm_min < 0 || tm.tm_sec < 0 ||
            ms < 0)
                return -1;
        /* The time written, not the one timegm() makes of month 74. */
        time_t sec = tm_exact(timegm, &tm);
        if (sec == (time_t)-1)
                return -1;
        t->tv_sec = sec;
        t->tv_nsec = (long)ms * 1000000L;
        return 0;
}

int ev_parse_inode(const char *s, struct ev_inode *i)
{
        char buf[72], *mi, *ino;
        uint64_t ma, mn;

        memset(i, 0, sizeof(*i));
        if (!s || strlen(s) >= sizeof(buf))
                return -1;
        strcpy(buf, s);
        if (!(mi = strchr(buf, ':')) || !(ino = strchr(mi + 1, ':')))
                return -1;
        *mi++ = '\0';
        *ino++ = '\0';
        /* parse_u64: digits only, so a fourth ':' fails the inode. */
        if (!parse_u64(buf, &ma) || !parse_u64(mi, &mn) || !parse_u64(ino, &i->ino) || ma > UINT32_MAX ||
            mn > UINT32_MAX)
                return -1;
        i->major = (uint32_t)ma;
        i->minor = (uint32_t)mn;
        i->known = true;
        return 0;
}

int ev_unchanged(const struct stat *st, uid_t uid, const struct ev_inode *inode, uint64_t bytes,
                 const struct timespec *end, const char **why)
{
        /* The end of the record's millisecond: mtime must be before it. */
        struct timespec lim = *end;

        lim.tv_nsec += 1000000L;
        if (lim.tv_nsec >= 1000000000L) {
                lim.tv_sec++;
                lim.tv_nsec -= 1000000000L;
        }
        if (!S_ISREG(st->st_mode)) {
                *why = "not a regular file";
                return -1;
        }
        if (st->st_uid != uid) {
                *why = "not owned by the user";
                return -1;
        }
        if (inode->known && (major(st->st_dev) != inode->major || minor(st->st_dev) != inode->minor ||
                             (uint64_t)st->st_ino != inode->ino)) {
                *why = "it is not the file that was closed (another inode)";
                return -1;
        }
        if ((uint64_t)st->st_size != bytes) {
                *why = "its size is not the bytes the record counted";
                return -1;
        }
        if (st->st_mtim.tv_sec > lim.tv_sec || (st->st_mtim.tv_sec == lim.tv_sec && st->st_mtim.tv_nsec >= lim.tv_nsec)) {
                *why = "it was modified after the record";
                return -1;
        }
        return 0;
}

unsigned ev_backoff(unsigned attempts, unsigned base, unsigned cap)
{
        unsigned long long d = base;

        for (unsigned i = 1; i < attempts && d < cap; i++)
                d *= 2;
        return d > cap ? cap : (unsigned)d;
}

static enum ev_kind ignore(struct ev_decision *d, const char *why)
{
        d->kind = EV_IGNORE;
        d->why = why;
        return EV_IGNORE;
}

enum ev_kind ev_decide(const struct ev_entry *e, const char *supervise_path, const struct ev_user *u,
                       struct ev_decision *d)
{
        const char *why;
        char old[EV_REL_MAX];
        size_t old_len;

        memset(d, 0, sizeof(*d));
        if (!ev_relevant(e))
                return ignore(d, "not a complete exact upload or rename");
        if (!u)
                return ignore(d, "the user is unknown, has no uploads or no on_upload");
        if (!ev_trusted(e, supervise_path, u->uid))
                return ignore(d, "not the supervisor's record for that user (_EXE or _UID)");
        if (!session_ok(e->session))
                return ignore(d, "no valid session id");
        if (!e->path || !u->area || ev_parse_time(e->end, &d->end) < 0)
                return ignore(d, "no path or end time");
        if (is(e->event, "transfer")) {
                if (!parse_u64(e->bytes, &d->bytes) || !parse_u64(e->handle, &d->handle))
                        return ignore(d, "no byte count or handle");
                if (ev_relpath(u->area, e->path, e->path_len, d->rel, sizeof(d->rel), &d->rel_len, &why) < 0)
                        return ignore(d, why);
                if (policy_temp_name(u->temp_suffixes, d->rel, d->rel_len))
                        return ignore(d, "a temporary name: fires when renamed to its final name");
                if (e->inode && ev_parse_inode(e->inode, &d->inode) < 0)
                        return ignore(d, "a malformed inode");
                snprintf(d->key, sizeof(d->key), "%s-%" PRIu64, e->session, d->handle);
                d->kind = EV_UPLOAD;
                return EV_UPLOAD;
        }
        /* rename */
        if (!e->to)
                return ignore(d, "a rename without its new name");
        if (ev_relpath(u->area, e->path, e->path_len, old, sizeof(old), &old_len, &why) < 0)
                return ignore(d, why);
        if (!policy_temp_name(u->temp_suffixes, old, old_len))
                return ignore(d, "a rename from a name that is not temporary");
        if (ev_relpath(u->area, e->to, e->to_len, d->rel, sizeof(d->rel), &d->rel_len, &why) < 0)
                return ignore(d, why);
        if (policy_temp_name(u->temp_suffixes, d->rel, d->rel_len))
                return ignore(d, "a rename to another temporary name");
        d->kind = EV_RENAME;
        return EV_RENAME;
}

enum ev_kind ev_decide_prior(const struct ev_entry *up, const char *supervise_path, const struct ev_user *u,
                             struct ev_decision *d)
{
        if (d->kind != EV_RENAME)
                return d->kind;
        if (!up)
                return ignore(d, "no upload of the temporary name in this session");
        if (!is(up->msgid, SFTPJAIL_MSGID_TRANSFER) || !is(up->direction, "upload") ||
            !ev_trusted(up, supervise_path, u->uid))
                return ignore(d, "the temporary name's last record is not a trusted upload");
        if (!is(up->status, "complete") || !is(up->exact, "yes"))
                return ignore(d, "the upload of the temporary name was not complete");
        if (!parse_u64(up->bytes, &d->bytes) || !parse_u64(up->handle, &d->handle) || !session_ok(up->session))
                return ignore(d, "the upload of the temporary name has no byte count or handle");
        if (up->inode && ev_parse_inode(up->inode, &d->inode) < 0)
                return ignore(d, "the upload of the temporary name has a malformed inode");
        snprintf(d->key, sizeof(d->key), "%s-%" PRIu64, up->session, d->handle);
        d->kind = EV_UPLOAD;
        return EV_UPLOAD;
}

/* ---- state ---- */

void ev_state_init(struct ev_state *s)
{
        memset(s, 0, sizeof(*s));
}

void ev_state_free(struct ev_state *s)
{
        free(s->cursor);
        free(s->items);
        free(s->done);
        memset(s, 0, sizeof(*s));
}

int ev_set_cursor(struct ev_state *s, const char *cursor)
{
        char *c = strdup(cursor);

        if (!c)
                return -1;
        free(s->cursor);
        s->cursor = c;
        return 0;
}

bool ev_state_seen(const struct ev_state *s, const char *key)
{
        for (size_t i = 0; i < s->n_items; i++)
                if (streq(s->items[i].key, key))
                        return true;
        for (size_t i = 0; i < s->n_done; i++)
                if (streq(s->done[i], key))
                        return true;
        return false;
}

int ev_state_push(struct ev_state *s, const struct ev_item *it)
{
        if (s->n_items == s->cap_items) {
                size_t n = s->cap_items ? s->cap_items * 2 : 16;
                struct ev_item *p = reallocarray(s->items, n, sizeof(*p));
                if (!p)
                        return -1;
                s->items = p;
                s->cap_items = n;
        }
        s->items[s->n_items++] = *it;
        return 0;
}

void ev_state_remove(struct ev_state *s, size_t i)
{
        memmove(&s->items[i], &s->items[i + 1], (s->n_items - i - 1) * sizeof(*s->items));
        s->n_items--;
}

void ev_state_done(struct ev_state *s, const char *key)
{
        if (!s->done && !(s->done = calloc(EV_DONE_MAX, sizeof(*s->done))))
                return; /* the queue no longer has it either way */
        snprintf(s->done[s->done_next], EV_KEY_MAX, "%s", key);
        s->done_next = (s->done_next + 1) % EV_DONE_MAX;
        if (s->n_done < EV_DONE_MAX)
                s->n_done++;
}

static void put_hex(FILE *f, const char *b, size_t n)
{
        if (!n)
                fputc('-', f);
        for (size_t i = 0; i < n; i++)
                fprintf(f, "%02x", (unsigned char)b[i]);
}

static int hexval(char c)
{
        return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* A signed decimal number (times). */
static bool parse_i64(const char *s, int64_t *v)
{
        uint64_t u;

        if (s[0] == '-') {
                if (!parse_u64(s + 1, &u) || u > (uint64_t)INT64_MAX)
                        return false;
                *v = -(int64_t)u;
                return true;
        }
        if (!parse_u64(s, &u) || u > (uint64_t)INT64_MAX)
                return false;
        *v = (int64_t)u;
        return true;
}

static int get_hex(const char *h, char *out, size_t size, size_t *len)
{
        size_t n = strlen(h);

        if (streq(h, "-")) {
                out[0] = '\0';
                *len = 0;
                return 0;
        }
        if (n % 2 || n / 2 >= size)
                return -1;
        for (size_t i = 0; i < n / 2; i++) {
                int hi = hexval(h[2 * i]), lo = hexval(h[2 * i + 1]);
                if (hi < 0 || lo < 0)
                        return -1;
                out[i] = (char)(hi << 4 | lo);
        }
        out[n / 2] = '\0';
        *len = n / 2;
        return 0;
}

/* Version 2:
 *   sftpjail-events-state 2
 *   cursor HEX | cursor -
 *   counters RUNS FAILURES
 *   item KEY USER UID SESSION HANDLE BYTES END_S END_NS ATTEMPTS NEXT_AT RUNNING REL READY CLIENT FP INODE
 *   done KEY                 (oldest first)
 * Names and free text in hex ("-" for empty): any byte fits.  INODE is
 * MAJOR:MINOR:INO or "-".  Version 1 (read, so that an upgrade keeps its
 * queue) has no INODE. */
int ev_state_write(const struct ev_state *s, FILE *f)
{
        fprintf(f, "sftpjail-events-state 2\ncursor ");
        put_hex(f, s->cursor ? s->cursor : "", s->cursor ? strlen(s->cursor) : 0);
        fprintf(f, "\ncounters %" PRIu64 " %" PRIu64 "\n", s->hook_runs, s->hook_failures);
        for (size_t i = 0; i < s->n_items; i++) {
                const struct ev_item *it = &s->items[i];
                fprintf(f, "item %s %s %u %s %" PRIu64 " %" PRIu64 " %lld %ld %u %lld %d ", it->key, it->user,
                        (unsigned)it->uid, it->session, it->handle, it->bytes, (long long)it->end.tv_sec,
                        it->end.tv_nsec, it->attempts, (long long)it->next_at, it->running ? 1 : 0);
                put_hex(f, it->rel, it->rel_len);
                fputc(' ', f);
                put_hex(f, it->ready, it->ready_len);
                fputc(' ', f);
                put_hex(f, it->client, strlen(it->client));
                fputc(' ', f);
                put_hex(f, it->fp, strlen(it->fp));
                if (it->inode.known)
                        fprintf(f, " %" PRIu32 ":%" PRIu32 ":%" PRIu64 "\n", it->inode.major, it->inode.minor,
                                it->inode.ino);
                else
                        fputs(" -\n", f);
        }
        for (size_t k = 0; k < s->n_done; k++) {
                size_t i = (s->done_next + EV_DONE_MAX - s->n_done + k) % EV_DONE_MAX;
                fprintf(f, "done %s\n", s->done[i]);
        }
        return fflush(f) == 0 && !ferror(f) ? 0 : -1;
}

static bool word_ok(const char *w)
{
        for (; *w; w++)
                if ((unsigned char)*w <= 0x20 || *w == 0x7f)
                        return false;
        return true;
}

static int read_item(struct ev_state *s, char *line, int version)
{
        struct ev_item it = { 0 };
        char *tok[16], *save = NULL;
        size_t want = version == 1 ? 15 : 16;
        size_t n = 0, len;
        uint64_t uid, handle, bytes, attempts, running;
        int64_t sec, nsec, next;

        for (char *t = strtok_r(line, " ", &save); t && n < ELEMENTSOF(tok); t = strtok_r(NULL, " ", &save))
                tok[n++] = t;
        if (n != want || strtok_r(NULL, " ", &save))
                return -1;
        if (want == 16 && !streq(tok[15], "-") && ev_parse_inode(tok[15], &it.inode) < 0)
                return -1;
        if (strlen(tok[0]) >= sizeof(it.key) || strlen(tok[1]) >= sizeof(it.user) ||
            strlen(tok[3]) >= sizeof(it.session) || !word_ok(tok[0]) || !word_ok(tok[1]))
                return -1;
        strcpy(it.key, tok[0]);
        strcpy(it.user, tok[1]);
        strcpy(it.session, tok[3]);
        if (!parse_u64(tok[2], &uid) || !parse_u64(tok[4], &handle) || !parse_u64(tok[5], &bytes) ||
            !parse_i64(tok[6], &sec) || !parse_i64(tok[7], &nsec) || !parse_u64(tok[8], &attempts) ||
            !parse_i64(tok[9], &next) || !parse_u64(tok[10], &running) || uid > UINT32_MAX || nsec < 0 ||
            nsec > 999999999 || attempts > UINT32_MAX)
                return -1;
        it.uid = (uid_t)uid;
        it.handle = handle;
        it.bytes = bytes;
        it.end.tv_sec = (time_t)sec;
        it.end.tv_nsec = (long)nsec;
        it.attempts = (unsigned)attempts;
        it.next_at = next;
        it.running = running != 0;
        if (get_hex(tok[11], it.rel, sizeof(it.rel), &it.rel_len) < 0 ||
            get_hex(tok[12], it.ready, sizeof(it.ready), &it.ready_len) < 0 ||
            get_hex(tok[13], it.client, sizeof(it.client), &len) < 0 || get_hex(tok[14], it.fp, sizeof(it.fp), &len) < 0 ||
            !it.rel_len)
                return -1;
        return ev_state_push(s, &it);
}

int ev_state_read(struct ev_state *s, FILE *f)
{
        char *line = NULL;
        size_t size = 0;
        ssize_t n;
        int first = 1, r = 0, version = 0;

        ev_state_init(s);
        while (r == 0 && (n = getline(&line, &size, f)) > 0) {
                if (line[n - 1] != '\n') {
                        r = -1; /* cut short: not ours */
                        break;
                }
                line[n - 1] = '\0';
                if (first) {
                        version = streq(line, "sftpjail-events-state 1") ? 1
                                  : streq(line, "sftpjail-events-state 2") ? 2
                                                                          : 0;
                        r = version ? 0 : -1;
                        first = 0;
                } else if (strncmp(line, "cursor ", 7) == 0) {
                        char c[4096];
                        size_t len;
                        if (get_hex(line + 7, c, sizeof(c), &len) < 0 || strlen(c) != len)
                                r = -1;
                        else if (len)
                                r = ev_set_cursor(s, c);
                } else if (strncmp(line, "counters ", 9) == 0) {
                        char *sp = strchr(line + 9, ' ');
                        uint64_t a, b;
                        if (sp)
                                *sp = '\0';
                        if (!sp || !parse_u64(line + 9, &a) || !parse_u64(sp + 1, &b)) {
                                r = -1;
                        } else {
                                s->hook_runs = a;
                                s->hook_failures = b;
                        }
                } else if (strncmp(line, "item ", 5) == 0) {
                        r = read_item(s, line + 5, version);
                } else if (strncmp(line, "done ", 5) == 0) {
                        if (strlen(line + 5) >= EV_KEY_MAX || !word_ok(line + 5))
                                r = -1;
                        else
                                ev_state_done(s, line + 5);
                } else {
                        r = -1;
                }
        }
        free(line);
        if (first)
                r = -1;
        if (r < 0)
                ev_state_free(s);
        return r;
}
