/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Upload events (events.c, sftpjail-events): which journal entries fire
 * an on_upload hook, for which file, and the daemon's state file.  The
 * first byte chooses what the rest is:
 *   even: journal fields separated by 0x1e, in this order: _EXE _UID
 *         MESSAGE_ID SFTPJAIL_USER _SESSION _EVENT _STATUS _DIRECTION
 *         _EXACT _BYTES _HANDLE _END _CLIENT _KEY _PATH _TO of the entry,
 *         then the user's area, temp suffixes and uid, then the same 16
 *         fields of the upload a rename is matched with (ev_decide_prior),
 *         then SFTPJAIL_INODE of the entry and of that upload;
 *         a field that is the one byte 0xff (or missing at the end) is
 *         absent;
 *   odd:  a state file (ev_state_read).
 * Invariants:
 *   - an event fires only for the supervisor's own (_EXE, _UID) complete,
 *     exact upload, or a complete exact rename from a temporary name that
 *     a trusted complete exact upload of the same session wrote; its file
 *     is area + "/" + rel, the entry's name (the rename's new name), with
 *     rel clean (no NUL, no empty, "." or ".." component), not temporary;
 *     its key is SESSION-HANDLE, its bytes the upload's, its end time the
 *     one the entry wrote (ev_parse_time normalises nothing); it checks
 *     an inode exactly when the transfer's entry names one;
 *   - an ignored entry says why;
 *   - a state file that reads, written and read again, is the same state
 *     (the second writing is byte for byte the first), every queued key
 *     is seen; one that does not read leaves the state empty;
 *   - ev_backoff stays within [min(base, cap), cap] and never decreases. */
#include <time.h>

#include "events.h"
#include "fuzz.h"
#include "policy.h"
#include "records.h"
#include "util.h"

#define SEP 0x1e
#define SUP "/usr/libexec/sftpjail/sftpjail-supervise"
#define NFIELDS 16
#define NPIECES (2 * NFIELDS + 5)

struct piece {
        char *s; /* NUL-terminated copy, NULL when absent */
        size_t len;
};

static size_t split(const uint8_t *data, size_t size, struct piece *out, size_t max)
{
        size_t n = 0, start = 0;

        for (size_t i = 0; i <= size && n < max; i++)
                if (i == size || data[i] == SEP) {
                        size_t len = i - start;
                        if (len == 1 && data[start] == 0xff)
                                out[n] = (struct piece){ NULL, 0 };
                        else
                                out[n] = (struct piece){ fuzz_strndup(data + start, len), len };
                        n++;
                        start = i + 1;
                }
        for (size_t i = n; i < max; i++)
                out[i] = (struct piece){ NULL, 0 };
        return n;
}

/* The daemon copies each field NUL-terminated: a string field ends at its
 * first NUL; only the names have a length. */
static void entry(struct ev_entry *e, const struct piece *p)
{
        *e = (struct ev_entry){
                .exe = p[0].s, .uid = p[1].s, .msgid = p[2].s, .user = p[3].s, .session = p[4].s, .event = p[5].s,
                .status = p[6].s, .direction = p[7].s, .exact = p[8].s, .bytes = p[9].s, .handle = p[10].s,
                .end = p[11].s, .client = p[12].s, .key = p[13].s, .path = p[14].s, .path_len = p[14].len,
                .to = p[15].s, .to_len = p[15].len,
        };
}

static bool is(const char *v, const char *want)
{
        return v && streq(v, want);
}

/* "2026-12-06T01:02:03.456Z" from t: what the supervisor writes. */
static void iso(const struct timespec *t, char *out, size_t size)
{
        struct tm tm;
        char ymd[32];

        FUZZ_CHECK(gmtime_r(&t->tv_sec, &tm) != NULL);
        strftime(ymd, sizeof(ymd), "%Y-%m-%dT%H:%M:%S", &tm);
        snprintf(out, size, "%s.%03ldZ", ymd, t->tv_nsec / 1000000);
}

static void check_rel(const struct ev_decision *d, const struct ev_user *u, const char *name, size_t len)
{
        size_t a = strlen(u->area);

        FUZZ_CHECK(d->rel_len > 0 && d->rel_len < sizeof(d->rel) && strlen(d->rel) == d->rel_len);
        FUZZ_CHECK(len == a + 1 + d->rel_len && memcmp(name, u->area, a) == 0 && name[a] == '/' &&
                   memcmp(name + a + 1, d->rel, d->rel_len) == 0);
        FUZZ_CHECK(d->rel[0] != '/' && d->rel[d->rel_len - 1] != '/' && !strstr(d->rel, "//"));
        char *copy = strdup(d->rel), *save = NULL;
        FUZZ_CHECK(copy != NULL);
        for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save))
                FUZZ_CHECK(!streq(c, ".") && !streq(c, ".."));
        free(copy);
        FUZZ_CHECK(!policy_temp_name(u->temp_suffixes, d->rel, d->rel_len));
}

static void check_fired(const struct ev_decision *d, const struct ev_entry *e, const struct ev_entry *up,
                        const struct ev_user *u)
{
        char key[EV_KEY_MAX], end[64];
        const struct ev_entry *t = up ? up : e; /* the transfer */

        FUZZ_CHECK(ev_trusted(e, SUP, u->uid) && ev_trusted(t, SUP, u->uid));
        FUZZ_CHECK(is(e->status, "complete") && is(e->exact, "yes"));
        FUZZ_CHECK(is(t->msgid, SFTPJAIL_MSGID_TRANSFER) && is(t->direction, "upload") && is(t->status, "complete") &&
                   is(t->exact, "yes"));
        FUZZ_CHECK(t->bytes && t->handle && d->bytes == strtoull(t->bytes, NULL, 10) &&
                   d->handle == strtoull(t->handle, NULL, 10));
        FUZZ_CHECK(t->session && strlen(t->session) == 16 && strspn(t->session, "0123456789abcdef") == 16);
        /* The handle as parsed ("007" is handle 7). */
        snprintf(key, sizeof(key), "%s-%llu", t->session, (unsigned long long)d->handle);
        FUZZ_CHECK(streq(d->key, key));
        if (up) {
                FUZZ_CHECK(is(e->event, "rename") && e->to);
                check_rel(d, u, e->to, e->to_len);
        } else {
                FUZZ_CHECK(is(e->event, "transfer"));
                check_rel(d, u, e->path, e->path_len);
        }
        /* An inode to check exactly when the transfer names one (a
         * malformed one ignores the entry). */
        FUZZ_CHECK(d->inode.known == (t->inode != NULL));
        /* The end time is the entry's, not another. */
        iso(&d->end, end, sizeof(end));
        FUZZ_CHECK(e->end && streq(end, e->end));
}

static void decide(const uint8_t *data, size_t size)
{
        struct piece p[NPIECES];
        struct ev_entry e, up;
        struct ev_decision d;

        split(data, size, p, NPIECES);
        entry(&e, p);
        entry(&up, p + NFIELDS + 3);
        e.inode = p[2 * NFIELDS + 3].s;
        up.inode = p[2 * NFIELDS + 4].s;
        struct ev_user u = {
                .uid = p[NFIELDS + 2].s ? (uid_t)strtoul(p[NFIELDS + 2].s, NULL, 10) : 1001,
                .area = p[NFIELDS].s,
                .temp_suffixes = p[NFIELDS + 1].s ? p[NFIELDS + 1].s : ".part",
        };
        bool no_user = u.area == NULL;

        enum ev_kind k = ev_decide(&e, SUP, no_user ? NULL : &u, &d);
        FUZZ_CHECK(k == d.kind);
        if (!ev_relevant(&e) || no_user)
                FUZZ_CHECK(k == EV_IGNORE);
        if (k == EV_IGNORE)
                FUZZ_CHECK(d.why != NULL);
        if (k == EV_UPLOAD)
                check_fired(&d, &e, NULL, &u);
        if (k == EV_RENAME) {
                size_t a = strlen(u.area);
                FUZZ_CHECK(is(e.event, "rename") && e.path && e.path_len > a + 1);
                FUZZ_CHECK(policy_temp_name(u.temp_suffixes, e.path + a + 1, e.path_len - a - 1));
                /* Matched with the upload, or with none. */
                struct ev_decision d2 = d;
                FUZZ_CHECK(ev_decide_prior(NULL, SUP, &u, &d2) == EV_IGNORE && d2.why);
                k = ev_decide_prior(p[NFIELDS + 3].s || p[NFIELDS + 4].s ? &up : NULL, SUP, &u, &d);
                FUZZ_CHECK(k == d.kind && k != EV_RENAME);
                if (k == EV_UPLOAD)
                        check_fired(&d, &e, &up, &u);
                else
                        FUZZ_CHECK(d.why != NULL);
        }
        for (size_t i = 0; i < NPIECES; i++)
                free(p[i].s);
}

static char *write_state(const struct ev_state *s, size_t *len)
{
        char *out = NULL;
        FILE *f = open_memstream(&out, len);

        FUZZ_CHECK(f != NULL);
        FUZZ_CHECK(ev_state_write(s, f) == 0);
        fclose(f);
        return out;
}

static void state(const uint8_t *data, size_t size)
{
        struct ev_state s, again;
        char *text = malloc(size ? size : 1);

        FUZZ_CHECK(text != NULL);
        if (size)
                memcpy(text, data, size);
        FILE *f = fmemopen(text, size, "r");
        if (!f) { /* size 0 */
                free(text);
                return;
        }
        int r = ev_state_read(&s, f);
        fclose(f);
        if (r < 0) {
                FUZZ_CHECK(s.n_items == 0 && s.n_done == 0 && s.cursor == NULL && s.items == NULL && s.done == NULL);
        } else {
                size_t l1, l2;
                char *w1 = write_state(&s, &l1);
                for (size_t i = 0; i < s.n_items; i++)
                        FUZZ_CHECK(ev_state_seen(&s, s.items[i].key));
                FILE *g = fmemopen(w1, l1, "r");
                FUZZ_CHECK(g != NULL);
                FUZZ_CHECK(ev_state_read(&again, g) == 0);
                fclose(g);
                FUZZ_CHECK(again.n_items == s.n_items && again.n_done == s.n_done &&
                           again.hook_runs == s.hook_runs && again.hook_failures == s.hook_failures);
                char *w2 = write_state(&again, &l2);
                FUZZ_CHECK(l1 == l2 && memcmp(w1, w2, l1) == 0);
                free(w1);
                free(w2);
                ev_state_free(&again);
                ev_state_free(&s);
        }
        free(text);
}

static void backoff(const uint8_t *data, size_t size)
{
        unsigned base = size > 1 ? data[1] : 1, cap = size > 2 ? (unsigned)data[2] << 8 | (size > 3 ? data[3] : 0) : 0;
        unsigned prev = 0;

        for (unsigned n = 1; n <= 40; n++) {
                unsigned b = ev_backoff(n, base, cap);
                FUZZ_CHECK(b <= cap && b >= (base < cap ? base : cap) && b >= prev);
                prev = b;
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        if (size < 1)
                return 0;
        backoff(data, size);
        if (data[0] & 1)
                state(data + 1, size - 1);
        else
                decide(data + 1, size - 1);
        return 0;
}
