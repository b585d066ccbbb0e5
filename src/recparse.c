/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The record lines of docs/records.md, read back (see recparse.h). */
#include "recparse.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "events.h"     /* ev_parse_inode(): the one reading of inode= */
#include "supervisor.h" /* log_escape(): the one escaping, for the canonical-form check */
#include "util.h"

const struct rp_field *rp_get(const struct rp_msg *m, const char *name)
{
        for (size_t i = 0; i < m->nf; i++)
                if (streq(m->f[i].name, name))
                        return &m->f[i];
        return NULL;
}

static bool starts(const char *p, const char *end, const char *s)
{
        size_t n = strlen(s);
        return (size_t)(end - p) >= n && memcmp(p, s, n) == 0;
}

static bool all_digits(const char *s, size_t n)
{
        if (n == 0 || n > 20)
                return false;
        for (size_t i = 0; i < n; i++)
                if (s[i] < '0' || s[i] > '9')
                        return false;
        return true;
}

/* A bare value: printable ASCII other than space, '"' and '\'. */
static size_t bare_len(const char *p, const char *end)
{
        const char *q = p;
        while (q < end && *q > ' ' && *q < 0x7f && *q != '"' && *q != '\\')
                q++;
        return (size_t)(q - p);
}

struct parser {
        struct rp_msg *m;
        char *buf; /* next free byte for values */
};

static int add_field(struct parser *ps, const char *name, size_t nlen, const char *val, size_t vlen)
{
        struct rp_field *f;

        if (ps->m->nf >= RP_MAX_FIELDS || nlen == 0 || nlen >= sizeof(f->name))
                return -1;
        for (size_t i = 0; i < ps->m->nf; i++)
                if (strlen(ps->m->f[i].name) == nlen && memcmp(ps->m->f[i].name, name, nlen) == 0)
                        return -1; /* each key once */
        f = &ps->m->f[ps->m->nf++];
        memcpy(f->name, name, nlen);
        f->name[nlen] = '\0';
        memmove(ps->buf, val, vlen); /* val may be ps->buf itself (quoted()) */
        ps->buf[vlen] = '\0';
        f->value = ps->buf;
        f->len = vlen;
        ps->buf += vlen + 1;
        return 0;
}

static int hexval(char c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        return -1; /* log_escape() writes lower case only */
}

/* A quoted value at p (after its opening quote): unescaped into ps->buf
 * as a field.  Returns the position after the closing quote, or NULL. */
static const char *quoted(struct parser *ps, const char *name, size_t nlen, const char *p, const char *end)
{
        const char *raw = p;
        char *out = ps->buf, *o = out;

        while (p < end && *p != '"') {
                if (*p != '\\') {
                        *o++ = *p++;
                        continue;
                }
                if (end - p < 2)
                        return NULL;
                switch (p[1]) {
                case '\\':
                case '"':
                        *o++ = p[1];
                        break;
                case 'n':
                        *o++ = '\n';
                        break;
                case 'r':
                        *o++ = '\r';
                        break;
                case 't':
                        *o++ = '\t';
                        break;
                case 'x': {
                        int hi = end - p >= 4 ? hexval(p[2]) : -1, lo = end - p >= 4 ? hexval(p[3]) : -1;
                        if (hi < 0 || lo < 0)
                                return NULL;
                        *o++ = (char)(hi << 4 | lo);
                        p += 2;
                        break;
                }
                default:
                        return NULL;
                }
                p += 2;
        }
        if (p >= end)
                return NULL; /* no closing quote */
        /* The one form: escaped again, the same text.  This also rejects
         * raw control bytes, invalid UTF-8 and the invisible characters
         * log_escape() writes as \xNN. */
        size_t vlen = (size_t)(o - out), rlen = (size_t)(p - raw);
        char *again = malloc(4 * vlen + 2);
        if (!again)
                return NULL;
        size_t used = log_escape(out, vlen, again, 4 * vlen + 2);
        bool same = used == vlen && strlen(again) == rlen && memcmp(again, raw, rlen) == 0;
        free(again);
        if (!same)
                return NULL;
        return add_field(ps, name, nlen, out, vlen) < 0 ? NULL : p + 1;
}

/* The keys of a record and of a session's start, in the order they come. */
static const struct {
        const char *name;
        bool quoted;
} record_keys[] = {
        { "event", false }, { "direction", false }, { "status", false }, { "bytes", false },
        { "path", true },   { "to", true },         { "exact", false },  { "handle", false },
        { "inode", false }, { "client", false }, { "key", true },       { "host", true },    { "start", false },  { "end", false },
        { "duration", false }, { "error", true },   { "detail", true },
};

static int key_rank(const char *k, size_t n)
{
        for (size_t i = 0; i < ELEMENTSOF(record_keys); i++)
                if (strlen(record_keys[i].name) == n && memcmp(record_keys[i].name, k, n) == 0)
                        return (int)i;
        return -1;
}

/* "key=value key=\"value\" ..." to the end, keys known and in order. */
static int pairs(struct parser *ps, const char *p, const char *end)
{
        int last = -1;

        while (p < end) {
                const char *k = p;
                while (p < end && ((*p >= 'a' && *p <= 'z') || *p == '_'))
                        p++;
                size_t klen = (size_t)(p - k);
                int rank = key_rank(k, klen);
                if (rank <= last || p >= end || *p != '=')
                        return -1;
                last = rank;
                p++;
                if (record_keys[rank].quoted) {
                        if (p >= end || *p != '"' || !(p = quoted(ps, k, klen, p + 1, end)))
                                return -1;
                } else {
                        size_t n = bare_len(p, end);
                        if (n == 0 || add_field(ps, k, klen, p, n) < 0)
                                return -1;
                        p += n;
                }
                if (p < end && (*p != ' ' || ++p == end))
                        return -1; /* one space between pairs, none at the end */
        }
        return 0;
}

static bool value_in(const struct rp_field *f, const char *const *set)
{
        for (; f && *set; set++)
                if (streq(f->value, *set))
                        return true;
        return false;
}

static int check_record(const struct rp_msg *m)
{
        static const char *const events[] = { "transfer", "remove", "mkdir", "rmdir", "rename", "setstat", "link", NULL };
        static const char *const statuses[] = { "complete", "failed", "interrupted", NULL };
        static const char *const directions[] = { "upload", "download", NULL };
        const struct rp_field *ev = rp_get(m, "event"), *b = rp_get(m, "bytes"), *h = rp_get(m, "handle");
        bool transfer = ev && streq(ev->value, "transfer");

        if (m->nf < 3 || !value_in(ev, events) || !value_in(rp_get(m, "status"), statuses) || !rp_get(m, "path"))
                return -1;
        /* The first keys: event direction status bytes path, or event status path. */
        if (transfer && (m->nf < 5 || !streq(m->f[1].name, "direction") || !value_in(&m->f[1], directions) ||
                         !streq(m->f[2].name, "status") || !streq(m->f[3].name, "bytes") ||
                         !streq(m->f[4].name, "path")))
                return -1;
        if (!transfer && (!streq(m->f[1].name, "status") || !streq(m->f[2].name, "path") || rp_get(m, "direction") ||
                          b || h))
                return -1;
        if (b && !streq(b->value, "unknown") && !all_digits(b->value, b->len))
                return -1;
        if (h && !all_digits(h->value, h->len))
                return -1;
        /* MAJOR:MINOR:INO, as sftpjail-events reads it (a bare value: no NUL). */
        struct ev_inode ino;
        if (rp_get(m, "inode") && (!transfer || ev_parse_inode(rp_get(m, "inode")->value, &ino) < 0))
                return -1;
        if (rp_get(m, "exact") && !streq(rp_get(m, "exact")->value, "no"))
                return -1;
        return 0;
}

/* "session end [reason=R ]exit=N|signal=SIG[ (TEXT)] duration=Ds files=N
 * bytes_read=N bytes_written=N[ unmeasured_files=N][ records_lost=N]" */
static int session_end(struct parser *ps, const char *p, const char *end)
{
        static const char *const tail[] = { " duration=", " files=", " bytes_read=", " bytes_written=",
                                            " unmeasured_files=", " records_lost=" };
        size_t n;

        if (starts(p, end, "reason=")) {
                p += 7;
                for (n = 0; p + n < end && p[n] >= 'a' && p[n] <= 'z';)
                        n++;
                if (n == 0 || p + n >= end || p[n] != ' ' || add_field(ps, "reason", 6, p, n) < 0)
                        return -1;
                p += n + 1;
        }
        const char *how = p;
        if (starts(p, end, "exit=")) {
                p += 5;
                n = bare_len(p, end);
                if (!all_digits(p, n))
                        return -1;
                p += n;
        } else if (starts(p, end, "signal=SIG")) {
                p += 10;
                while (p < end && ((*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '?'))
                        p++;
                if (starts(p, end, " (")) {
                        const char *c = memchr(p, ')', (size_t)(end - p));
                        if (!c || memchr(p + 2, '(', (size_t)(c - p - 2)))
                                return -1;
                        p = c + 1;
                }
        } else
                return -1;
        if (add_field(ps, "exit", 4, how, (size_t)(p - how)) < 0)
                return -1;
        for (size_t i = 0; i < ELEMENTSOF(tail); i++) {
                if (!starts(p, end, tail[i])) {
                        if (i < 4)
                                return -1;
                        continue;
                }
                p += strlen(tail[i]);
                n = bare_len(p, end);
                size_t digits = n;
                if (i == 0) { /* "1.234s" */
                        if (n < 2 || p[n - 1] != 's')
                                return -1;
                        digits = n - 1;
                        const char *dot = memchr(p, '.', digits);
                        if (!all_digits(p, dot ? (size_t)(dot - p) : digits) ||
                            (dot && !all_digits(dot + 1, digits - (size_t)(dot + 1 - p))))
                                return -1;
                } else if (!all_digits(p, n))
                        return -1;
                if (add_field(ps, tail[i] + 1, strlen(tail[i]) - 2, p, digits) < 0)
                        return -1;
                p += n;
        }
        return p == end ? 0 : -1;
}

int rp_parse_message(const char *msg, size_t len, char *buf, struct rp_msg *m)
{
        const char *p = msg, *end = msg + len, *sp;
        struct parser ps = { .m = m, .buf = buf };
        size_t n;

        memset(m, 0, sizeof(*m));
        /* No raw control byte anywhere: one line is one message. */
        for (size_t i = 0; i < len; i++)
                if ((unsigned char)msg[i] < 0x20 || msg[i] == 0x7f)
                        return -1;
        if (!starts(p, end, "session="))
                return -1;
        p += 8;
        sp = memchr(p, ' ', (size_t)(end - p));
        if (!sp)
                return -1;
        n = (size_t)(sp - p);
        if (!((n == 1 && *p == '-') || (n == 16 && strspn(p, "0123456789abcdef") >= 16)))
                return -1;
        memcpy(m->session, p, n);
        p = sp + 1;
        if (!starts(p, end, "user="))
                return -1;
        p += 5;
        n = bare_len(p, end);
        if (n == 0 || n >= sizeof(m->user) || memchr(p, '=', n) || p + n >= end || p[n] != ' ')
                return -1;
        memcpy(m->user, p, n);
        p += n + 1;
        m->text = p;
        m->text_len = (size_t)(end - p);

        if (starts(p, end, "event=")) {
                m->kind = RP_RECORD;
                return pairs(&ps, p, end) < 0 || check_record(m) < 0 ? -1 : 0;
        }
        if (starts(p, end, "session start client=")) {
                m->kind = RP_SESSION_START;
                if (pairs(&ps, p + 14, end) < 0)
                        return -1;
                for (size_t i = 0; i < m->nf; i++)
                        if (!streq(m->f[i].name, "client") && !streq(m->f[i].name, "key") &&
                            !streq(m->f[i].name, "host"))
                                return -1;
                return 0;
        }
        if (starts(p, end, "session end ")) {
                m->kind = RP_SESSION_END;
                return session_end(&ps, p + 12, end);
        }
        if (starts(p, end, "refused: ")) {
                const char *r = rp_refusal_reason(p + 9, (size_t)(end - p - 9));
                m->kind = RP_REFUSED;
                return add_field(&ps, "reason", 6, r, strlen(r)) < 0 ||
                                       add_field(&ps, "message", 7, p + 9, (size_t)(end - p - 9)) < 0
                               ? -1
                               : 0;
        }
        m->kind = starts(p, end, "sftp-server: ") ? RP_SFTP_SERVER : RP_OTHER;
        return add_field(&ps, "message", 7, p, (size_t)(end - p));
}

/* ---- syslog lines ---- */

static bool num(const char *p, int n, int *out)
{
        int v = 0;
        for (int i = 0; i < n; i++) {
                if (p[i] < '0' || p[i] > '9')
                        return false;
                v = v * 10 + (p[i] - '0');
        }
        *out = v;
        return true;
}

/* "sftpjail[PID]: " at p; the message follows. */
static const char *tag(const char *p, const char *end, long *pid)
{
        const char *q;

        if (!starts(p, end, "sftpjail["))
                return NULL;
        p += 9;
        for (q = p; q < end && *q >= '0' && *q <= '9';)
                q++;
        if (q == p || q - p > 9 || !starts(q, end, "]: "))
                return NULL;
        *pid = strtol(p, NULL, 10);
        return q + 3;
}

/* The month named by the 3 bytes at p ("Jan".."Dec"), in months; NULL if none. */
static const char *month(const char *months, const char *p)
{
        for (const char *m = months; *m; m += 3)
                if (memcmp(m, p, 3) == 0)
                        return m;
        return NULL;
}

int rp_parse_syslog_line(const char *line, size_t len, time_t now, struct rp_line *out)
{
        static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
        const char *p = line, *end = line + len, *m;
        struct tm tm = { .tm_isdst = -1 };
        int v;

        memset(out, 0, sizeof(*out));
        while (end > p && (end[-1] == '\n' || end[-1] == '\r'))
                end--;
        if (p < end && *p == '<') {
                const char *c = memchr(p, '>', (size_t)(end - p));
                if (!c || c - p < 2 || c - p > 4 || !num(p + 1, (int)(c - p - 1), &v))
                        return -1;
                p = c + 1;
        }
        if (end - p >= 20 && p[4] == '-' && num(p, 4, &tm.tm_year) && num(p + 5, 2, &tm.tm_mon) && p[7] == '-' &&
            num(p + 8, 2, &tm.tm_mday) && p[10] == 'T' && num(p + 11, 2, &tm.tm_hour) && p[13] == ':' &&
            num(p + 14, 2, &tm.tm_min) && p[16] == ':' && num(p + 17, 2, &tm.tm_sec)) {
                /* RFC 3339: 2026-12-06T01:02:03[.frac](Z|+hh:mm) */
                long off = 0;
                if (tm.tm_year < 1970) /* no log line of ours is older */
                        return -1;
                tm.tm_year -= 1900;
                tm.tm_mon -= 1;
                p += 19;
                if (p < end && *p == '.')
                        for (p++; p < end && *p >= '0' && *p <= '9';)
                                p++;
                if (p < end && *p == 'Z')
                        p++;
                else if (end - p >= 6 && (*p == '+' || *p == '-') && p[3] == ':') {
                        int oh, om;
                        if (!num(p + 1, 2, &oh) || !num(p + 4, 2, &om))
                                return -1;
                        off = (oh * 3600L + om * 60L) * (*p == '-' ? -1 : 1);
                        p += 6;
                } else
                        return -1;
                tm.tm_isdst = 0;
                if ((out->when = tm_exact(timegm, &tm)) == (time_t)-1)
                        return -1;
                out->when -= off;
        } else if (end - p >= 16 && (m = month(months, p)) &&
                   p[3] == ' ' && (p[4] == ' ' || (p[4] >= '1' && p[4] <= '3')) && p[5] >= '0' && p[5] <= '9' &&
                   p[6] == ' ' && num(p + 7, 2, &tm.tm_hour) && p[9] == ':' && num(p + 10, 2, &tm.tm_min) &&
                   p[12] == ':' && num(p + 13, 2, &tm.tm_sec) && p[15] == ' ') {
                /* Traditional: "Dec  6 01:02:03", local time, no year. */
                struct tm nt;
                localtime_r(&now, &nt);
                tm.tm_mon = (int)(m - months) / 3;
                tm.tm_mday = (p[4] == ' ' ? 0 : p[4] - '0') * 10 + (p[5] - '0');
                tm.tm_year = nt.tm_year;
                struct tm prev = tm;
                /* "Dec  0" or "Feb 30" is no time; nor 25:00. */
                out->when = tm_exact(mktime, &tm);
                if (out->when == (time_t)-1 || out->when > now + 86400) {
                        prev.tm_year--;
                        if ((out->when = tm_exact(mktime, &prev)) == (time_t)-1)
                                return -1;
                }
                p += 15;
        } else
                return -1;
        if (p >= end || *p != ' ')
                return -1;
        p++;
        /* Our tag right away (as /dev/log gets it), or after the host. */
        if (!(out->msg = tag(p, end, &out->pid))) {
                const char *sp = memchr(p, ' ', (size_t)(end - p));
                if (!sp || sp == p || !(out->msg = tag(sp + 1, end, &out->pid)))
                        return -1;
        }
        out->msg_len = (size_t)(end - out->msg);
        return 0;
}

/* ---- times ---- */

int rp_parse_time(const char *s, time_t now, time_t *out)
{
        struct tm tm;
        size_t n = strlen(s);
        int y, mo, d, h = 0, mi = 0, sec = 0;

        if (streq(s, "now")) {
                *out = now;
                return 0;
        }
        if (streq(s, "today") || streq(s, "yesterday")) {
                localtime_r(&now, &tm);
                tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
                tm.tm_isdst = -1;
                if (s[0] == 'y')
                        tm.tm_mday--;
                *out = mktime(&tm);
                return 0;
        }
        if (s[0] == '@' && all_digits(s + 1, n - 1) && n - 1 <= 12) {
                *out = (time_t)strtoll(s + 1, NULL, 10);
                return 0;
        }
        if (s[0] == '-' && n >= 3 && n <= 10 && all_digits(s + 1, n - 2) && strchr("smhd", s[n - 1])) {
                long long v = strtoll(s + 1, NULL, 10);
                long long unit = s[n - 1] == 's' ? 1 : s[n - 1] == 'm' ? 60 : s[n - 1] == 'h' ? 3600 : 86400;
                *out = now - (time_t)(v * unit);
                return 0;
        }
        if (n != 10 && n != 16 && n != 19)
                return -1;
        /* Years before 1970: no record of ours is older, and strftime()
         * would not write them back as four digits. */
        if (!num(s, 4, &y) || y < 1970 || s[4] != '-' || !num(s + 5, 2, &mo) || s[7] != '-' || !num(s + 8, 2, &d))
                return -1;
        if (n >= 16 && ((s[10] != ' ' && s[10] != 'T') || !num(s + 11, 2, &h) || s[13] != ':' || !num(s + 14, 2, &mi)))
                return -1;
        if (n == 19 && (s[16] != ':' || !num(s + 17, 2, &sec)))
                return -1;
        tm = (struct tm){ .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi,
                          .tm_sec = sec, .tm_isdst = -1 };
        *out = tm_exact(mktime, &tm); /* not 2026-02-30 as March 2 */
        return *out == (time_t)-1 ? -1 : 0;
}

const char *rp_refusal_reason(const char *t, size_t len)
{
        const char *end = t + len;

        if (starts(t, end, "the audit log cannot be written"))
                return "audit";
        if (starts(t, end, "this account is for SFTP only") || starts(t, end, "unexpected arguments"))
                return "request";
        if (starts(t, end, "configuration error") || starts(t, end, "no rule in "))
                return "config";
        if (starts(t, end, "max_sessions is set") || (memmem(t, len, "(max_sessions = ", 16) && starts(t, end, "the user already has ")))
                return "max_sessions";
        if (starts(t, end, "quota"))
                return "quota";
        if (starts(t, end, "uploads directory"))
                return "uploads";
        if (starts(t, end, "home directory"))
                return "home";
        return "other";
}
