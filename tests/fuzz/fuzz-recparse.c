/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Reading records back (recparse.c: sftpjailctl log and metrics): anyone
 * who can write to syslog controls these lines.  The first byte chooses
 * what the rest is:
 *   0: a syslog line (rp_parse_syslog_line, then rp_parse_message on its
 *      message, as sftpjailctl log reads a file);
 *   1: a message (rp_parse_message, as it reads the journal's MESSAGE);
 *   2: the names and texts of a record, separated by 0x1e (path, to,
 *      error, detail, key; the first byte of the path chooses the event
 *      and status), written as the supervisor writes them (log_escape);
 *   3: a --since/--until argument (rp_parse_time).
 * Invariants:
 *   - what rp_parse_message accepts is canonical: formatted again from
 *     its fields (docs/records.md) it gives back the message byte for
 *     byte, and that text parses to the same fields; values are in the
 *     buffer of the documented size (len + RP_MAX_FIELDS, exactly: ASan);
 *   - a record written from any bytes parses, and each quoted value
 *     unescapes to exactly those bytes (unescape of escape = identity);
 *   - a syslog line's message lies within the line; its time, taken
 *     apart again, is the one the line wrote (nothing normalised: no
 *     "Feb 30" or 25:00 taken for another time);
 *   - a --since time written as YYYY-MM-DD[ HH:MM[:SS]] is that local
 *     time; @N is N. */
#include <time.h>

#include "fuzz.h"
#include "recparse.h"
#include "supervisor.h"
#include "util.h"

#define SEP 0x1e

/* A growing text. */
struct text {
        char *p;
        size_t len, cap;
};

static void put(struct text *t, const char *s, size_t n)
{
        if (t->len + n + 1 > t->cap) {
                t->cap = (t->len + n + 1) * 2;
                t->p = realloc(t->p, t->cap);
                FUZZ_CHECK(t->p != NULL);
        }
        memcpy(t->p + t->len, s, n);
        t->len += n;
        t->p[t->len] = '\0';
}

static void puts_(struct text *t, const char *s)
{
        put(t, s, strlen(s));
}

static void put_escaped(struct text *t, const char *s, size_t n)
{
        size_t room = 4 * n + 1;
        char *e = malloc(room);

        FUZZ_CHECK(e != NULL);
        FUZZ_CHECK(log_escape(s, n, e, room) == n);
        puts_(t, e);
        free(e);
}

static bool quoted_key(const char *name)
{
        return streq(name, "path") || streq(name, "to") || streq(name, "key") || streq(name, "host") ||
               streq(name, "error") || streq(name, "detail");
}

/* key=value pairs from field i on, as the supervisor writes them. */
static void put_pairs(struct text *t, const struct rp_msg *m, size_t i)
{
        for (; i < m->nf; i++) {
                if (t->len && t->p[t->len - 1] != ' ')
                        puts_(t, " ");
                puts_(t, m->f[i].name);
                puts_(t, "=");
                if (quoted_key(m->f[i].name)) {
                        puts_(t, "\"");
                        put_escaped(t, m->f[i].value, m->f[i].len);
                        puts_(t, "\"");
                } else {
                        put(t, m->f[i].value, m->f[i].len);
                }
        }
}

/* The message again, from what the parser kept (docs/records.md). */
static void format(struct text *t, const struct rp_msg *m)
{
        puts_(t, "session=");
        puts_(t, m->session);
        puts_(t, " user=");
        puts_(t, m->user);
        puts_(t, " ");
        switch (m->kind) {
        case RP_RECORD:
                put_pairs(t, m, 0);
                break;
        case RP_SESSION_START:
                puts_(t, "session start ");
                put_pairs(t, m, 0);
                break;
        case RP_SESSION_END: {
                size_t i = 0;
                puts_(t, "session end ");
                if (m->nf && streq(m->f[0].name, "reason")) {
                        puts_(t, "reason=");
                        put(t, m->f[0].value, m->f[0].len);
                        puts_(t, " ");
                        i++;
                }
                FUZZ_CHECK(i < m->nf && streq(m->f[i].name, "exit"));
                put(t, m->f[i].value, m->f[i].len); /* "exit=N" or "signal=..." as written */
                for (i++; i < m->nf; i++) {
                        puts_(t, " ");
                        puts_(t, m->f[i].name);
                        puts_(t, "=");
                        put(t, m->f[i].value, m->f[i].len);
                        if (streq(m->f[i].name, "duration"))
                                puts_(t, "s");
                }
                break;
        }
        case RP_REFUSED:
                FUZZ_CHECK(m->nf == 2 && streq(m->f[1].name, "message"));
                puts_(t, "refused: ");
                put(t, m->f[1].value, m->f[1].len);
                break;
        case RP_SFTP_SERVER:
        case RP_OTHER:
                FUZZ_CHECK(m->nf == 1 && streq(m->f[0].name, "message"));
                put(t, m->f[0].value, m->f[0].len);
                break;
        }
}

static bool same_fields(const struct rp_msg *a, const struct rp_msg *b)
{
        if (a->kind != b->kind || a->nf != b->nf || !streq(a->session, b->session) || !streq(a->user, b->user))
                return false;
        for (size_t i = 0; i < a->nf; i++)
                if (!streq(a->f[i].name, b->f[i].name) || a->f[i].len != b->f[i].len ||
                    memcmp(a->f[i].value, b->f[i].value, a->f[i].len) != 0)
                        return false;
        return true;
}

/* Parse msg (len bytes, a copy of exactly that size); check what it
 * accepts.  Returns rp_parse_message's result; m's values stay valid
 * until the next call. */
static int check_message(const char *msg, size_t len, struct rp_msg *m)
{
        static char *kept;

        free(kept);
        kept = NULL;
        char *copy = malloc(len ? len : 1), *buf = malloc(len + RP_MAX_FIELDS);

        FUZZ_CHECK(copy && buf);
        if (len)
                memcpy(copy, msg, len);
        int r = rp_parse_message(copy, len, buf, m);
        if (r == 0) {
                static struct rp_msg again;
                struct text t = { 0 };

                FUZZ_CHECK(m->nf <= RP_MAX_FIELDS);
                FUZZ_CHECK(m->text >= copy && m->text + m->text_len == copy + len);
                for (size_t i = 0; i < m->nf; i++) {
                        FUZZ_CHECK(m->f[i].value >= buf && m->f[i].value + m->f[i].len < buf + len + RP_MAX_FIELDS);
                        FUZZ_CHECK(m->f[i].value[m->f[i].len] == '\0');
                }
                if (m->kind == RP_REFUSED) {
                        const char *why = rp_get(m, "reason")->value;
                        static const char *const known[] = { "audit", "request", "config", "max_sessions", "quota",
                                                             "uploads", "home", "other" };
                        bool found = false;
                        for (size_t i = 0; i < ELEMENTSOF(known); i++)
                                found |= streq(why, known[i]);
                        FUZZ_CHECK(found);
                }
                format(&t, m);
                FUZZ_CHECK(t.len == len && memcmp(t.p, copy, len) == 0);
                char *buf2 = malloc(t.len + RP_MAX_FIELDS);
                FUZZ_CHECK(buf2 != NULL);
                FUZZ_CHECK(rp_parse_message(t.p, t.len, buf2, &again) == 0 && same_fields(m, &again));
                free(buf2);
                free(t.p);
        }
        kept = buf; /* freed by the next call (LeakSanitizer ignores what a static holds) */
        free(copy);
        return r;
}

/* Mode 0. */
static void syslog_line(const uint8_t *data, size_t size)
{
        char *line = malloc(size ? size : 1);
        struct rp_line l;
        static struct rp_msg m;
        const time_t now = 1765000000; /* 2025-12-06T05:46:40Z */

        FUZZ_CHECK(line != NULL);
        if (size)
                memcpy(line, data, size);
        if (rp_parse_syslog_line(line, size, now, &l) == 0) {
                FUZZ_CHECK(l.msg >= line && l.msg + l.msg_len <= line + size);
                FUZZ_CHECK(l.pid >= 0 && l.msg >= line + 3 && memcmp(l.msg - 3, "]: ", 3) == 0);
                /* The time as written. */
                const char *p = line;
                if (*p == '<')
                        p = memchr(p, '>', size) + 1;
                struct tm tm;
                if (p[4] == '-') {
                        /* RFC 3339: the UTC time plus its offset is the local time it wrote. */
                        long off = 0;
                        const char *z = p + 19;
                        while (*z == '.' || (*z >= '0' && *z <= '9'))
                                z++;
                        if (*z != 'Z')
                                off = ((z[1] - '0') * 10 + (z[2] - '0')) * 3600L + ((z[4] - '0') * 10 + (z[5] - '0')) * 60L;
                        if (*z == '-')
                                off = -off;
                        time_t w = l.when + off;
                        char want[20];
                        FUZZ_CHECK(gmtime_r(&w, &tm) && strftime(want, sizeof(want), "%Y-%m-%dT%H:%M:%S", &tm) == 19);
                        FUZZ_CHECK(memcmp(want, p, 19) == 0);
                } else {
                        char want[16];
                        FUZZ_CHECK(localtime_r(&l.when, &tm) && strftime(want, sizeof(want), "%b %e %H:%M:%S", &tm) == 15);
                        FUZZ_CHECK(memcmp(want, p, 15) == 0);
                }
                check_message(l.msg, l.msg_len, &m);
        }
        free(line);
}

/* Mode 2: a record from any names, as the supervisor writes it. */
static void written_record(const uint8_t *data, size_t size)
{
        static const char *const events[] = { "transfer", "remove", "mkdir", "rmdir", "rename", "setstat", "link" };
        static const char *const statuses[] = { "complete", "failed", "interrupted" };
        static struct rp_msg m;
        char *part[5] = { 0 };
        size_t n = fuzz_split(data, size, SEP, part, ELEMENTSOF(part)), plen[5] = { 0 };

        for (size_t i = 0; i < n; i++)
                plen[i] = strlen(part[i]); /* the split is at SEP; a NUL ends a piece here */
        unsigned sel = n && plen[0] ? (unsigned char)part[0][0] : 0;
        const char *event = events[sel % ELEMENTSOF(events)], *status = statuses[(sel >> 3) % ELEMENTSOF(statuses)];
        bool transfer = streq(event, "transfer");
        struct text t = { 0 };

        puts_(&t, "session=0123456789abcdef user=alice event=");
        puts_(&t, event);
        if (transfer) {
                puts_(&t, " direction=");
                puts_(&t, sel & 0x40 ? "download" : "upload");
        }
        puts_(&t, " status=");
        puts_(&t, status);
        if (transfer)
                puts_(&t, sel & 0x80 ? " bytes=unknown" : " bytes=18446744073709551615");
        puts_(&t, " path=\"");
        put_escaped(&t, n ? part[0] : "", plen[0]);
        puts_(&t, "\"");
        if (n > 1 && plen[1]) {
                puts_(&t, " to=\"");
                put_escaped(&t, part[1], plen[1]);
                puts_(&t, "\"");
        }
        if (transfer)
                puts_(&t, " handle=1");
        puts_(&t, " client=local");
        if (n > 4) {
                puts_(&t, " key=\"");
                put_escaped(&t, part[4], plen[4]);
                puts_(&t, "\"");
        }
        puts_(&t, " start=2026-12-06T01:02:03.456Z end=2026-12-06T01:02:04.000Z duration=0.544");
        for (size_t i = 2; i < 4 && i < n; i++) {
                puts_(&t, i == 2 ? " error=\"" : " detail=\"");
                put_escaped(&t, part[i], plen[i]);
                puts_(&t, "\"");
        }
        FUZZ_CHECK(check_message(t.p, t.len, &m) == 0);
        static const char *const names[] = { "path", "to", "error", "detail", "key" };
        for (size_t i = 0; i < n; i++) {
                const struct rp_field *f = rp_get(&m, names[i]);
                if (i == 1 && !plen[1]) {
                        FUZZ_CHECK(f == NULL);
                        continue;
                }
                FUZZ_CHECK(f && f->len == plen[i] && memcmp(f->value, part[i], plen[i]) == 0);
        }
        for (size_t i = 0; i < n; i++)
                free(part[i]);
        free(t.p);
}

/* Mode 3. */
static void time_arg(const uint8_t *data, size_t size)
{
        char *s = fuzz_strndup(data, size);
        time_t t, now = 1765000000;

        if (strlen(s) == size && rp_parse_time(s, now, &t) == 0) {
                struct tm tm;
                char back[32];
                if (s[0] == '@') {
                        FUZZ_CHECK(t == (time_t)strtoll(s + 1, NULL, 10));
                } else if (s[0] >= '0' && s[0] <= '9') {
                        FUZZ_CHECK(localtime_r(&t, &tm) != NULL);
                        strftime(back, sizeof(back), size == 10 ? "%Y-%m-%d" : size == 16 ? "%Y-%m-%d %H:%M" : "%Y-%m-%d %H:%M:%S",
                                 &tm);
                        if (size > 10)
                                back[10] = s[10]; /* ' ' or 'T' */
                        FUZZ_CHECK(strcmp(back, s) == 0);
                } else if (s[0] == '-') {
                        FUZZ_CHECK(t <= now);
                }
        }
        free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static struct rp_msg m;

        if (size < 1)
                return 0;
        switch (data[0] & 3) {
        case 0:
                syslog_line(data + 1, size - 1);
                break;
        case 1:
                check_message((const char *)data + 1, size - 1, &m);
                break;
        case 2:
                written_record(data + 1, size - 1);
                break;
        case 3:
                time_arg(data + 1, size - 1);
                break;
        }
        return 0;
}
