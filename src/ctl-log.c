/* SPDX-License-Identifier: GPL-2.0-or-later */
/* log / metrics: the records of docs/records.md, read back.
 *
 * Where journald runs, from the journal (sd-journal): entries with
 * SYSLOG_IDENTIFIER=sftpjail, and of those only the ones journald's
 * trusted fields vouch for: _EXE is the installed supervisor
 * (SFTPJAIL_SUPERVISE_PATH) or launcher (SFTPJAIL_LAUNCHER_PATH), and
 * _UID is the uid of the user the entry names (both run as that user).
 * Anyone may write an entry with our identifier and any fields; those are
 * skipped and counted.  A record (MESSAGE_ID of ours) is read from its
 * SFTPJAIL_* fields, names with their exact bytes; other entries (the
 * launcher's refusals, which go through syslog(3)) from MESSAGE.
 *
 * Elsewhere, from a syslog file: lines tagged "sftpjail[PID]:", parsed
 * by recparse.c, which rejects whatever is not exactly the contract.  A
 * syslog line carries no proof of origin: anyone who can write to
 * /dev/log can write one that looks like a record.
 *
 * metrics keeps its counters and where it stopped reading (journal
 * cursor, or the file's inode and offset) in SFTPJAIL_STATE_DIR/
 * metrics.state, so that each run counts only what is new and counters
 * never go down. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-journal.h>
#include <time.h>
#include <unistd.h>

#include "build-config.h"
#include "ctl.h"
#include "json.h"
#include "recparse.h"
#include "records.h"
#include "supervisor.h"
#include "util.h"

static void fclosep(FILE **f)
{
        if (*f)
                fclose(*f);
}

/* One entry, from either source, as the outputs see it. */
struct ent {
        uint64_t usec; /* CLOCK_REALTIME, microseconds */
        const char *source;
        long pid;
        const char *event; /* "transfer", ..., "session-start", "session-end", "refused", "seccomp", "sftp-server", "message" */
        struct rp_msg m;
};

struct reader {
        bool journal;
        sd_journal *j;
        FILE *f;
        const char *file;
        /* Entries skipped: not vouched for by journald (journal), or tagged
         * sftpjail but not well-formed (file). */
        unsigned long untrusted, malformed;
        char *arena; /* values of the current entry */
        size_t arena_size;
        char *line;
        size_t line_cap;
};

static bool journal_runs(void)
{
        return sd_booted() > 0 || access("/run/systemd/journal", F_OK) == 0;
}

static int arena_reserve(struct reader *r, size_t n)
{
        if (n <= r->arena_size)
                return 0;
        char *a = realloc(r->arena, n);
        if (!a)
                return -1;
        r->arena = a;
        r->arena_size = n;
        return 0;
}

static const char *event_name(const struct rp_msg *m)
{
        const struct rp_field *ev = rp_get(m, "event");

        switch (m->kind) {
        case RP_RECORD:
                return ev ? ev->value : "?";
        case RP_SESSION_START:
                return "session-start";
        case RP_SESSION_END:
                return "session-end";
        case RP_REFUSED:
                return "refused";
        case RP_SFTP_SERVER:
                return "sftp-server";
        case RP_OTHER:
                break;
        }
        return "message";
}

/* ---- the journal ---- */

/* "FIELD=value" of the current entry, or NULL. */
static const char *jfield(sd_journal *j, const char *name, size_t *len)
{
        const void *d;
        size_t l, n = strlen(name);

        if (sd_journal_get_data(j, name, &d, &l) < 0 || l < n + 1)
                return NULL;
        *len = l - n - 1;
        return (const char *)d + n + 1;
}

/* Is the current entry the supervisor's or the launcher's, for user? */
static bool vouched_for(sd_journal *j, const char *user)
{
        char exe[PATH_MAX], uid[24];
        const char *v;
        size_t l;
        struct passwd *pw;

        if (!(v = jfield(j, "_EXE", &l)) || l >= sizeof(exe))
                return false;
        memcpy(exe, v, l);
        exe[l] = '\0';
        if (!(v = jfield(j, "_UID", &l)) || l >= sizeof(uid))
                return false;
        memcpy(uid, v, l);
        uid[l] = '\0';
        if (!streq(exe, SFTPJAIL_SUPERVISE_PATH) && !streq(exe, SFTPJAIL_LAUNCHER_PATH))
                return false;
        /* "?": the launcher could not name its caller (it refuses them). */
        if (streq(user, "?"))
                return streq(exe, SFTPJAIL_LAUNCHER_PATH);
        pw = getpwnam(user);
        return pw && uid[0] && strspn(uid, "0123456789") == strlen(uid) &&
               strtoull(uid, NULL, 10) == (unsigned long long)pw->pw_uid;
}

/* The current journal entry as an ent: 1, 0 (skip it), -1 (error). */
static int journal_entry(struct reader *r, struct ent *e)
{
        const char *msgid, *msg, *v;
        size_t idlen = 0, mlen = 0, l;
        const void *d;
        struct rp_msg *m = &e->m;

        memset(e, 0, sizeof(*e));
        e->source = "journal";
        sd_journal_get_realtime_usec(r->j, &e->usec);
        if ((v = jfield(r->j, "_PID", &l)) && l < 12)
                e->pid = strtol(v, NULL, 10);
        msgid = jfield(r->j, "MESSAGE_ID", &idlen);
        bool ours = msgid && idlen == 32 &&
                    (!memcmp(msgid, SFTPJAIL_MSGID_TRANSFER, 32) || !memcmp(msgid, SFTPJAIL_MSGID_OPERATION, 32) ||
                     !memcmp(msgid, SFTPJAIL_MSGID_SESSION_START, 32) ||
                     !memcmp(msgid, SFTPJAIL_MSGID_SESSION_END, 32) || !memcmp(msgid, SFTPJAIL_MSGID_SECCOMP, 32));
        if (!ours) {
                /* From its text: the launcher's refusals, our other lines. */
                if (!(msg = jfield(r->j, "MESSAGE", &mlen)) || arena_reserve(r, mlen + RP_MAX_FIELDS + 64) < 0)
                        return msg ? -1 : 0;
                char *copy = malloc(mlen + 1);
                if (!copy)
                        return -1;
                memcpy(copy, msg, mlen);
                int rc = rp_parse_message(copy, mlen, r->arena, m);
                /* The values point into the arena; text into copy: keep
                 * text only for messages, where it is a field anyway. */
                m->text = NULL;
                m->text_len = 0;
                free(copy);
                if (rc < 0) {
                        r->malformed++;
                        return 0;
                }
                if (!vouched_for(r->j, m->user)) {
                        r->untrusted++;
                        return 0;
                }
                e->event = event_name(m);
                return 1;
        }
        /* A record: its SFTPJAIL_* fields. */
        size_t need = 0;
        SD_JOURNAL_FOREACH_DATA(r->j, d, l)
        if (l > 9 && !memcmp(d, "SFTPJAIL_", 9))
                need += l + 1;
        if (arena_reserve(r, need + 64) < 0)
                return -1;
        char *a = r->arena;
        bool have_user = false, have_session = false;
        SD_JOURNAL_FOREACH_DATA(r->j, d, l)
        {
                const char *s = d, *eq = memchr(s, '=', l);
                if (l <= 9 || memcmp(s, "SFTPJAIL_", 9) != 0 || !eq)
                        continue;
                size_t nlen = (size_t)(eq - s) - 9, vlen = l - (size_t)(eq - s) - 1;
                if (nlen == 7 && !memcmp(s + 9, "SESSION", 7)) {
                        if (vlen == 0 || vlen >= sizeof(m->session) || memchr(eq + 1, '\0', vlen))
                                return r->malformed++, 0;
                        memcpy(m->session, eq + 1, vlen);
                        have_session = true;
                        continue;
                }
                if (nlen == 4 && !memcmp(s + 9, "USER", 4)) {
                        if (vlen == 0 || vlen >= sizeof(m->user) || memchr(eq + 1, '\0', vlen))
                                return r->malformed++, 0;
                        memcpy(m->user, eq + 1, vlen);
                        have_user = true;
                        continue;
                }
                if (m->nf >= RP_MAX_FIELDS || nlen == 0 || nlen >= sizeof(m->f[0].name))
                        continue;
                struct rp_field *f = &m->f[m->nf++];
                for (size_t i = 0; i < nlen; i++) {
                        char c = s[9 + i];
                        f->name[i] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
                }
                f->name[nlen] = '\0';
                memcpy(a, eq + 1, vlen);
                a[vlen] = '\0';
                f->value = a;
                f->len = vlen;
                a += vlen + 1;
        }
        if (!have_user || !have_session) {
                r->malformed++;
                return 0;
        }
        if (!vouched_for(r->j, m->user)) {
                r->untrusted++;
                return 0;
        }
        if (!memcmp(msgid, SFTPJAIL_MSGID_SESSION_START, 32))
                m->kind = RP_SESSION_START;
        else if (!memcmp(msgid, SFTPJAIL_MSGID_SESSION_END, 32))
                m->kind = RP_SESSION_END;
        else if (!memcmp(msgid, SFTPJAIL_MSGID_SECCOMP, 32))
                m->kind = RP_OTHER;
        else
                m->kind = RP_RECORD;
        const struct rp_field *ev = rp_get(m, "event");
        e->event = m->kind == RP_RECORD ? (ev ? ev->value : "?") : m->kind == RP_OTHER ? "seccomp" : event_name(m);
        return 1;
}

/* ---- a syslog file ---- */

/* The next line of ours: 1, 0 at the end, -1 error. */
static int file_entry(struct reader *r, struct ent *e)
{
        ssize_t n;
        struct rp_line l;

        while ((n = getline(&r->line, &r->line_cap, r->f)) > 0) {
                if (r->line[n - 1] != '\n') {
                        /* A line still being written (--follow): read it whole later. */
                        fseeko(r->f, -(off_t)n, SEEK_CUR);
                        return 0;
                }
                if (rp_parse_syslog_line(r->line, (size_t)n, time(NULL), &l) < 0)
                        continue; /* another program's */
                memset(e, 0, sizeof(*e));
                e->source = "syslog";
                e->usec = (uint64_t)l.when * 1000000;
                e->pid = l.pid;
                if (arena_reserve(r, l.msg_len + RP_MAX_FIELDS + 64) < 0)
                        return -1;
                if (rp_parse_message(l.msg, l.msg_len, r->arena, &e->m) < 0) {
                        r->malformed++;
                        continue;
                }
                e->event = event_name(&e->m);
                return 1;
        }
        /* An error is not the end of the file: the records after it
         * would be missing without a word. */
        if (ferror(r->f)) {
                ctl_error("reading %s: %s", ctl_quote(r->file), strerror(errno));
                return -1;
        }
        clearerr(r->f);
        return 0;
}

/* ---- opening ---- */

static int reader_open(struct reader *r, const char *file)
{
        memset(r, 0, sizeof(*r));
        if (!file && journal_runs()) {
                int e = sd_journal_open(&r->j, SD_JOURNAL_LOCAL_ONLY);
                if (e < 0) {
                        ctl_error("cannot open the journal: %s", strerror(-e));
                        return -1;
                }
                sd_journal_set_data_threshold(r->j, 0);
                if ((e = sd_journal_add_match(r->j, "SYSLOG_IDENTIFIER=sftpjail", 0)) < 0) {
                        ctl_error("journal match: %s", strerror(-e));
                        return -1;
                }
                r->journal = true;
                return 0;
        }
        if (!file)
                file = access("/var/log/auth.log", F_OK) == 0 ? "/var/log/auth.log" : "/var/log/syslog";
        r->file = file;
        r->f = fopen(file, "re");
        if (!r->f) {
                ctl_error("cannot read %s: %s (no journal runs here; name the syslog file with --file)",
                          ctl_quote(file), strerror(errno));
                return -1;
        }
        /* fopen() takes a directory, and getline() on it fails at once:
         * read as an empty log, a mistyped --file would say "no records". */
        struct stat st;
        int err = fstat(fileno(r->f), &st) < 0 ? errno : S_ISDIR(st.st_mode) ? EISDIR : 0;
        if (err) {
                ctl_error("cannot read %s: %s", ctl_quote(file), strerror(err));
                return -1;
        }
        return 0;
}

static void reader_close(struct reader *r)
{
        if (r->j)
                sd_journal_close(r->j);
        if (r->f)
                fclose(r->f);
        free(r->arena);
        free(r->line);
}

/* 1 an entry, 0 none (yet), -1 error. */
static int reader_next(struct reader *r, struct ent *e)
{
        if (!r->journal)
                return file_entry(r, e);
        for (;;) {
                int n = sd_journal_next(r->j);
                if (n < 0) {
                        ctl_error("reading the journal: %s", strerror(-n));
                        return -1;
                }
                if (n == 0)
                        return 0;
                n = journal_entry(r, e);
                if (n != 0)
                        return n;
        }
}

/* ---- log ---- */

static bool numeric_key(const char *k)
{
        static const char *const keys[] = { "bytes", "handle", "files", "bytes_read", "bytes_written",
                                            "unmeasured_files", "records_lost", NULL };
        for (const char *const *p = keys; *p; p++)
                if (streq(*p, k))
                        return true;
        return false;
}

static bool is_number(const char *s, size_t n, bool decimal)
{
        size_t i = 0, digits = 0;
        while (i < n && s[i] >= '0' && s[i] <= '9')
                i++, digits++;
        if (decimal && i < n && s[i] == '.' && digits) {
                size_t frac = 0;
                for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++)
                        frac++;
                if (!frac)
                        return false;
        }
        return digits > 0 && digits <= 19 && i == n && !(digits > 1 && s[0] == '0');
}

static void print_time(FILE *out, uint64_t usec, bool iso)
{
        time_t t = (time_t)(usec / 1000000);
        struct tm tm;
        char b[40];

        if (iso) {
                gmtime_r(&t, &tm);
                strftime(b, sizeof(b), "%Y-%m-%dT%H:%M:%S", &tm);
                fprintf(out, "\"%s.%06uZ\"", b, (unsigned)(usec % 1000000));
        } else {
                localtime_r(&t, &tm);
                strftime(b, sizeof(b), "%Y-%m-%d %H:%M:%S", &tm);
                fputs(b, out);
        }
}

static void print_json(FILE *out, const struct ent *e)
{
        fputs("{\"time\": ", out);
        print_time(out, e->usec, true);
        fprintf(out, ", \"source\": \"%s\", \"pid\": %ld, \"user\": ", e->source, e->pid);
        json_write_string(out, e->m.user);
        fputs(", \"session\": ", out);
        json_write_string(out, e->m.session);
        fputs(", \"event\": ", out);
        json_write_string(out, e->event);
        for (size_t i = 0; i < e->m.nf; i++) {
                const struct rp_field *f = &e->m.f[i];
                if (streq(f->name, "event"))
                        continue;
                fputs(", ", out);
                json_write_string(out, f->name);
                fputs(": ", out);
                if ((numeric_key(f->name) && is_number(f->value, f->len, false)) ||
                    (streq(f->name, "duration") && is_number(f->value, f->len, true))) {
                        fwrite(f->value, 1, f->len, out);
                        continue;
                }
                json_write_bytes(out, f->value, f->len);
                if (!json_utf8_valid(f->value, f->len)) {
                        /* Lossless: the exact bytes beside the string. */
                        fprintf(out, ", \"%s_hex\": \"", f->name);
                        for (size_t k = 0; k < f->len; k++)
                                fprintf(out, "%02x", (unsigned char)f->value[k]);
                        fputc('"', out);
                }
        }
        fputs("}\n", out);
}

/* A value as the line contract writes it (escapes kept), quoted. */
static void print_escaped(FILE *out, const struct rp_field *f)
{
        size_t cap = 4 * (f ? f->len : 0) + 1;
        char *b = malloc(cap);

        if (!f || !b) {
                fputs(f ? "\"?\"" : "-", out);
                free(b);
                return;
        }
        log_escape(f->value, f->len, b, cap);
        fprintf(out, "\"%s\"", b);
        free(b);
}

static const char *val(const struct rp_msg *m, const char *name)
{
        const struct rp_field *f = rp_get(m, name);
        return f && !memchr(f->value, '\0', f->len) && strspn(f->value, " ") == 0 ? f->value : "-";
}

static void print_text(FILE *out, const struct ent *e)
{
        const struct rp_msg *m = &e->m;

        print_time(out, e->usec, false);
        /* user and session are names and hex digits (recparse/journal
         * checks), but a forged syslog line is not checked against passwd. */
        char u[sizeof(m->user) * 4 + 1];
        log_escape(m->user, strlen(m->user), u, sizeof(u));
        fprintf(out, " %-12s %-16s %-13s", u, m->session, e->event);
        switch (m->kind) {
        case RP_RECORD:
                fprintf(out, " %-8s %-11s %10s ", val(m, "direction"), val(m, "status"), val(m, "bytes"));
                print_escaped(out, rp_get(m, "path"));
                if (rp_get(m, "to")) {
                        fputs(" -> ", out);
                        print_escaped(out, rp_get(m, "to"));
                }
                if (rp_get(m, "error")) {
                        fputs(" error=", out);
                        print_escaped(out, rp_get(m, "error"));
                }
                if (rp_get(m, "exact"))
                        fputs(" exact=no", out);
                break;
        case RP_SESSION_START:
                fprintf(out, " client=%s", val(m, "client"));
                if (rp_get(m, "key") && rp_get(m, "key")->len) {
                        fputs(" key=", out);
                        print_escaped(out, rp_get(m, "key"));
                }
                if (rp_get(m, "host")) {
                        fputs(" host=", out);
                        print_escaped(out, rp_get(m, "host"));
                }
                break;
        case RP_SESSION_END: {
                const struct rp_field *x = rp_get(m, "exit"), *rs = rp_get(m, "reason");
                fputc(' ', out);
                print_escaped(out, x);
                if (rs && rs->len)
                        fprintf(out, " reason=%s", val(m, "reason"));
                fprintf(out, " duration=%ss files=%s bytes_read=%s bytes_written=%s", val(m, "duration"), val(m, "files"),
                        val(m, "bytes_read"), val(m, "bytes_written"));
                break;
        }
        case RP_REFUSED:
                fprintf(out, " %s: ", val(m, "reason"));
                print_escaped(out, rp_get(m, "message"));
                break;
        default:
                fputc(' ', out);
                print_escaped(out, rp_get(m, "message") ? rp_get(m, "message") : rp_get(m, "syscall"));
        }
        fputc('\n', out);
}

static const char log_usage[] =
        "Usage: sftpjailctl log [--user USER] [--session ID] [--since TIME] [--until TIME] [--json] [--follow]\n"
        "                       [--all] [--file PATH]\n"
        "\n"
        "The records of sessions (docs/records.md): every file operation with its\n"
        "outcome, sessions' start and end, refused logins.  From the journal where\n"
        "journald runs (only entries journald vouches were written by sftpjail's\n"
        "supervisor or launcher); else from a syslog file (--file, default\n"
        "/var/log/auth.log or /var/log/syslog), whose lines carry no proof of origin.\n"
        "\n"
        "  --user USER      only USER's\n"
        "  --session ID     only that session's (16 hex digits)\n"
        "  --since TIME     from TIME: YYYY-MM-DD[ HH:MM[:SS]], -30m, -1h, -2d, today,\n"
        "                   yesterday, now, @EPOCH\n"
        "  --until TIME     up to TIME\n"
        "  --json           one JSON object per line (JSON Lines)\n"
        "  --follow         wait for new records\n"
        "  --all            also sftp-server's own messages and other lines\n"
        "  --file PATH      read this syslog file, not the journal\n";

struct log_filter {
        const char *user, *session;
        bool have_since, have_until, all;
        time_t since, until;
};

static bool wanted(const struct log_filter *lf, const struct ent *e)
{
        if (lf->user && !streq(lf->user, e->m.user))
                return false;
        if (lf->session && !streq(lf->session, e->m.session))
                return false;
        if (lf->have_since && e->usec < (uint64_t)lf->since * 1000000)
                return false;
        if (lf->have_until && e->usec >= ((uint64_t)lf->until + 1) * 1000000)
                return false;
        return lf->all || (e->m.kind != RP_SFTP_SERVER && (e->m.kind != RP_OTHER || streq(e->event, "seccomp")));
}

static int parse_time_opt(const char *opt, const char *arg, time_t *out)
{
        if (rp_parse_time(arg, time(NULL), out) < 0) {
                ctl_usage_error(log_usage, "%s: '%s' is not a time (YYYY-MM-DD[ HH:MM[:SS]], -1h, -30m, -2d, today, @EPOCH)",
                                opt, ctl_quote(arg));
                return -1;
        }
        return 0;
}

static void report_skipped(const struct reader *r)
{
        if (r->untrusted)
                fprintf(stderr, "sftpjailctl: %lu entries skipped: not written by sftpjail's supervisor\n", r->untrusted);
        if (r->malformed)
                fprintf(stderr, "sftpjailctl: %lu %s tagged sftpjail skipped: not well-formed records\n", r->malformed,
                        r->journal ? "entries" : "lines");
}

int cmd_log(int argc, char **argv)
{
        static const struct option opts[] = {
                { "user", required_argument, NULL, 'u' }, { "session", required_argument, NULL, 's' },
                { "since", required_argument, NULL, 'S' }, { "until", required_argument, NULL, 'U' },
                { "json", no_argument, NULL, 'j' },         { "follow", no_argument, NULL, 'f' },
                { "all", no_argument, NULL, 'a' },          { "file", required_argument, NULL, 'F' },
                { NULL, 0, NULL, 0 },
        };
        struct log_filter lf = { 0 };
        bool json = false, follow = false;
        const char *file = NULL;
        unsigned seen = 0;
        int c, li = -1;

        if (ctl_help_requested(argc, argv, log_usage))
                return CTL_EXIT_OK;
        optind = 1;
        opterr = 0;
        while ((c = getopt_long(argc, argv, "+:", opts, &li)) != -1) {
                /* Each at most once: a second --user would not widen the
                 * filter but replace it, unsaid. */
                if (c != '?' && c != ':' && ctl_option_repeated(log_usage, opts, li, &seen))
                        return CTL_EXIT_USAGE;
                li = -1;
                switch (c) {
                case 'u':
                        if (!ctl_valid_user_name(optarg) && !streq(optarg, "?")) {
                                ctl_usage_error(log_usage, "--user: '%s' is not a user name", ctl_quote(optarg));
                                return CTL_EXIT_USAGE;
                        }
                        lf.user = optarg;
                        break;
                case 's':
                        if (strlen(optarg) != 16 || strspn(optarg, "0123456789abcdef") != 16) {
                                ctl_usage_error(log_usage, "--session: a session id is 16 hex digits, not '%s'",
                                                ctl_quote(optarg));
                                return CTL_EXIT_USAGE;
                        }
                        lf.session = optarg;
                        break;
                case 'S':
                        if (parse_time_opt("--since", optarg, &lf.since) < 0)
                                return CTL_EXIT_USAGE;
                        lf.have_since = true;
                        break;
                case 'U':
                        if (parse_time_opt("--until", optarg, &lf.until) < 0)
                                return CTL_EXIT_USAGE;
                        lf.have_until = true;
                        break;
                case 'j':
                        json = true;
                        break;
                case 'f':
                        follow = true;
                        break;
                case 'a':
                        lf.all = true;
                        break;
                case 'F':
                        if (!ctl_valid_path_arg(optarg)) {
                                ctl_usage_error(log_usage, "--file: '%s' is not a file name", ctl_quote(optarg));
                                return CTL_EXIT_USAGE;
                        }
                        file = optarg;
                        break;
                default:
                        ctl_option_error(log_usage, argv, c);
                        return CTL_EXIT_USAGE;
                }
        }
        if (optind < argc) {
                ctl_usage_error(log_usage, "unexpected argument '%s'", ctl_quote(argv[optind]));
                return CTL_EXIT_USAGE;
        }
        if (lf.have_since && lf.have_until && lf.until < lf.since) {
                ctl_usage_error(log_usage, "--until is before --since");
                return CTL_EXIT_USAGE;
        }

        struct reader r;
        struct ent e;
        if (reader_open(&r, file) < 0) {
                reader_close(&r);
                return CTL_EXIT_ERROR;
        }
        if (!r.journal)
                fprintf(stderr, "sftpjailctl: reading %s: syslog lines carry no proof of origin (anyone who can write "
                                "to /dev/log can write one)\n",
                        ctl_quote(r.file));
        if (r.journal) {
                int rc = lf.have_since ? sd_journal_seek_realtime_usec(r.j, (uint64_t)lf.since * 1000000)
                                       : sd_journal_seek_head(r.j);
                if (rc < 0) {
                        ctl_error("seeking in the journal: %s", strerror(-rc));
                        reader_close(&r);
                        return CTL_EXIT_ERROR;
                }
        }
        int rc = CTL_EXIT_OK;
        for (;;) {
                int n = reader_next(&r, &e);
                if (n < 0) {
                        rc = CTL_EXIT_ERROR;
                        break;
                }
                if (n > 0) {
                        if (lf.have_until && e.usec >= ((uint64_t)lf.until + 1) * 1000000 && r.journal)
                                break; /* the journal is in time order */
                        if (wanted(&lf, &e)) {
                                if (json)
                                        print_json(stdout, &e);
                                else
                                        print_text(stdout, &e);
                        }
                        continue;
                }
                if (!follow)
                        break;
                fflush(stdout);
                if (ferror(stdout))
                        break;
                if (r.journal)
                        sd_journal_wait(r.j, (uint64_t)-1);
                else
                        usleep(200 * 1000);
        }
        report_skipped(&r);
        reader_close(&r);
        if (fflush(stdout) != 0 || ferror(stdout)) {
                ctl_error("writing the output: %s", strerror(errno));
                return CTL_EXIT_ERROR;
        }
        return rc;
}

/* ---- metrics ---- */

struct counter {
        char name[24], a[72], b[16];
        uint64_t v;
};

struct counters {
        struct counter *c;
        size_t n, cap;
};

static struct counter *counter(struct counters *cs, const char *name, const char *a, const char *b)
{
        for (size_t i = 0; i < cs->n; i++)
                if (streq(cs->c[i].name, name) && streq(cs->c[i].a, a) && streq(cs->c[i].b, b))
                        return &cs->c[i];
        if (strlen(name) >= sizeof(cs->c->name) || strlen(a) >= sizeof(cs->c->a) || strlen(b) >= sizeof(cs->c->b))
                return NULL;
        if (cs->n == cs->cap) {
                size_t cap = cs->cap ? cs->cap * 2 : 64;
                struct counter *nc = realloc(cs->c, cap * sizeof(*nc));
                if (!nc)
                        return NULL;
                cs->c = nc;
                cs->cap = cap;
        }
        struct counter *c = &cs->c[cs->n++];
        memset(c, 0, sizeof(*c));
        snprintf(c->name, sizeof(c->name), "%s", name);
        snprintf(c->a, sizeof(c->a), "%s", a);
        snprintf(c->b, sizeof(c->b), "%s", b);
        return c;
}

static void add(struct counters *cs, const char *name, const char *a, const char *b, uint64_t v)
{
        struct counter *c = counter(cs, name, a, b);
        if (c)
                c->v += v;
}

/* A label value we keep: a name of printable ASCII without space, quote
 * or backslash (user names, fixed words).  Anything else is "?". */
static const char *label(const char *s)
{
        if (!*s || strlen(s) >= 72)
                return "?";
        for (const char *p = s; *p; p++)
                if (*p <= ' ' || *p >= 0x7f || *p == '"' || *p == '\\')
                        return "?";
        return s;
}

static const char *const refusal_reasons[] = { "config", "home", "uploads", "quota", "max_sessions",
                                               "audit", "request", "other" };
static const char *const statuses[] = { "complete", "failed", "interrupted" };
static const char *const directions[] = { "upload", "download" };

static void count(struct counters *cs, const struct ent *e)
{
        const struct rp_msg *m = &e->m;
        const struct rp_field *f;

        switch (m->kind) {
        case RP_SESSION_START:
                add(cs, "logins", label(m->user), "", 1);
                break;
        case RP_REFUSED:
                f = rp_get(m, "reason");
                add(cs, "refusals", f ? label(f->value) : "other", "", 1);
                break;
        case RP_SESSION_END:
                /* killed by the filter, or by the supervisor for a
                 * refused syscall (docs/records.md) */
                f = rp_get(m, "exit");
                if (f && (memmem(f->value, f->len, "SIGSYS", 6) || memmem(f->value, f->len, "(refused syscall ", 17)))
                        add(cs, "seccomp_kills", "", "", 1);
                break;
        case RP_RECORD: {
                const struct rp_field *ev = rp_get(m, "event"), *st = rp_get(m, "status"), *dir = rp_get(m, "direction"),
                                      *b = rp_get(m, "bytes");
                if (!ev || !streq(ev->value, "transfer") || !st || !dir)
                        break;
                add(cs, "transfers", label(st->value), label(dir->value), 1);
                if (b && is_number(b->value, b->len, false))
                        add(cs, "bytes", label(m->user), label(dir->value), strtoull(b->value, NULL, 10));
                break;
        }
        default:
                break;
        }
}

/* Where the last run stopped. */
struct position {
        char *cursor;       /* journal */
        unsigned long long ino, off; /* syslog file */
        char *file;
};

static void state_load(const char *path, struct counters *cs, struct position *pos)
{
        _cleanup_(fclosep) FILE *f = fopen(path, "re");
        char *line = NULL;
        size_t cap = 0;
        ssize_t n;

        while (f && (n = getline(&line, &cap, f)) > 0) {
                char name[24], a[72], b[16];
                unsigned long long v, ino, off;
                int used = 0;
                if (line[n - 1] == '\n')
                        line[--n] = '\0';
                if (!strncmp(line, "cursor ", 7)) {
                        free(pos->cursor);
                        pos->cursor = strdup(line + 7);
                } else if (sscanf(line, "file %llu %llu %n", &ino, &off, &used) == 2 && used > 0) { // NOLINT(cert-err34-c): our own file
                        pos->ino = ino;
                        pos->off = off;
                        free(pos->file);
                        pos->file = strdup(line + used);
                } else if (sscanf(line, "c %23s %71s %15s %llu", name, a, b, &v) == 4) { // NOLINT(cert-err34-c): our own file
                        add(cs, name, streq(a, "-") ? "" : a, streq(b, "-") ? "" : b, v);
                }
        }
        free(line);
}

/* Atomically: a temporary file beside, fsync, rename. */
static int write_atomic(const char *path, const char *data, size_t len, mode_t mode)
{
        char tmp[PATH_MAX];
        if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= (int)sizeof(tmp))
                return -1;
        _cleanup_close_ int fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0)
                return -1;
        if (fchmod(fd, mode) < 0 || write(fd, data, len) != (ssize_t)len || fsync(fd) < 0 || rename(tmp, path) < 0) {
                int e = errno;
                unlink(tmp);
                errno = e;
                return -1;
        }
        return 0;
}

static int state_save(const char *path, const struct counters *cs, const struct position *pos)
{
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);

        if (!f)
                return -1;
        fputs("# sftpjailctl metrics: counters and where reading stopped; do not edit\n", f);
        if (pos->cursor)
                fprintf(f, "cursor %s\n", pos->cursor);
        if (pos->file)
                fprintf(f, "file %llu %llu %s\n", pos->ino, pos->off, pos->file);
        for (size_t i = 0; i < cs->n; i++)
                fprintf(f, "c %s %s %s %" PRIu64 "\n", cs->c[i].name, cs->c[i].a[0] ? cs->c[i].a : "-",
                        cs->c[i].b[0] ? cs->c[i].b : "-", cs->c[i].v);
        fclose(f);
        int r = write_atomic(path, buf, len, 0600);
        free(buf);
        return r;
}

/* The events service's numbers (docs/records.md, Metrics). */
static void events_stats(uint64_t *runs, uint64_t *failures, uint64_t *backlog, bool *present)
{
        _cleanup_(fclosep) FILE *f = fopen(SFTPJAIL_STATE_DIR "/events/events.stats", "re");
        char line[128];

        *runs = *failures = *backlog = 0;
        *present = f != NULL;
        while (f && fgets(line, sizeof(line), f)) {
                char key[32];
                unsigned long long v;
                if (sscanf(line, "%31s %llu", key, &v) != 2) // NOLINT(cert-err34-c): root's own file
                        continue;
                if (streq(key, "hook_runs"))
                        *runs = v;
                else if (streq(key, "hook_failures"))
                        *failures = v;
                else if (streq(key, "backlog"))
                        *backlog = v;
        }
}

static void metric_head(FILE *o, const char *name, const char *type, const char *help)
{
        fprintf(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static uint64_t get(const struct counters *cs, const char *name, const char *a, const char *b)
{
        for (size_t i = 0; i < cs->n; i++)
                if (streq(cs->c[i].name, name) && streq(cs->c[i].a, a) && streq(cs->c[i].b, b))
                        return cs->c[i].v;
        return 0;
}

static void print_metrics(FILE *o, const struct counters *cs, const char *source)
{
        struct ctl_live live[1024];
        size_t nlive = ctl_live_sessions(live, ELEMENTSOF(live));
        uint64_t runs, failures, backlog;
        bool present;

        fprintf(o, "# sftpjail metrics from %s\n", source);
        metric_head(o, "sftpjail_sessions_live", "gauge", "Live jailed sessions per user (as sftpjailctl sessions lists them).");
        for (size_t i = 0; i < nlive; i++)
                fprintf(o, "sftpjail_sessions_live{user=\"%s\"} %u\n", label(live[i].user), live[i].count);
        for (size_t i = 0; i < cs->n; i++) {
                bool seen = false;
                if (!streq(cs->c[i].name, "logins"))
                        continue;
                for (size_t k = 0; k < nlive; k++)
                        seen |= streq(live[k].user, cs->c[i].a);
                if (!seen)
                        fprintf(o, "sftpjail_sessions_live{user=\"%s\"} 0\n", cs->c[i].a);
        }
        metric_head(o, "sftpjail_logins_total", "counter", "Sessions started (session start records) per user.");
        for (size_t i = 0; i < cs->n; i++)
                if (streq(cs->c[i].name, "logins"))
                        fprintf(o, "sftpjail_logins_total{user=\"%s\"} %" PRIu64 "\n", cs->c[i].a, cs->c[i].v);
        metric_head(o, "sftpjail_refusals_total", "counter",
                    "Logins refused, by reason (config, home, uploads, quota, max_sessions, audit, request, other; see "
                    "sftpjailctl(8)).");
        for (size_t i = 0; i < ELEMENTSOF(refusal_reasons); i++)
                fprintf(o, "sftpjail_refusals_total{reason=\"%s\"} %" PRIu64 "\n", refusal_reasons[i],
                        get(cs, "refusals", refusal_reasons[i], ""));
        metric_head(o, "sftpjail_seccomp_kills_total", "counter", "Sessions ended for a syscall the seccomp policy refuses.");
        fprintf(o, "sftpjail_seccomp_kills_total %" PRIu64 "\n", get(cs, "seccomp_kills", "", ""));
        metric_head(o, "sftpjail_bytes_total", "counter",
                    "Bytes of files uploaded and downloaded per user, as transfer records count them.");
        for (size_t i = 0; i < cs->n; i++)
                if (streq(cs->c[i].name, "bytes"))
                        fprintf(o, "sftpjail_bytes_total{user=\"%s\",direction=\"%s\"} %" PRIu64 "\n", cs->c[i].a,
                                cs->c[i].b, cs->c[i].v);
        metric_head(o, "sftpjail_transfers_total", "counter", "Transfer records by status and direction.");
        for (size_t s = 0; s < ELEMENTSOF(statuses); s++)
                for (size_t d = 0; d < ELEMENTSOF(directions); d++)
                        fprintf(o, "sftpjail_transfers_total{status=\"%s\",direction=\"%s\"} %" PRIu64 "\n", statuses[s],
                                directions[d], get(cs, "transfers", statuses[s], directions[d]));
        metric_head(o, "sftpjail_untrusted_entries_total", "counter",
                    "Journal entries tagged sftpjail that journald does not vouch were written by sftpjail, skipped.");
        fprintf(o, "sftpjail_untrusted_entries_total %" PRIu64 "\n", get(cs, "untrusted", "", ""));
        events_stats(&runs, &failures, &backlog, &present);
        const char *absent = present ? "" : " (0: " SFTPJAIL_STATE_DIR "/events/events.stats is absent)";
        char help[256];
        snprintf(help, sizeof(help), "Upload hooks run by sftpjail-events%s.", absent);
        metric_head(o, "sftpjail_hook_runs_total", "counter", help);
        fprintf(o, "sftpjail_hook_runs_total %" PRIu64 "\n", runs);
        snprintf(help, sizeof(help), "Upload hook runs that failed%s.", absent);
        metric_head(o, "sftpjail_hook_failures_total", "counter", help);
        fprintf(o, "sftpjail_hook_failures_total %" PRIu64 "\n", failures);
        snprintf(help, sizeof(help), "Completed uploads waiting for their hook%s.", absent);
        metric_head(o, "sftpjail_hook_backlog", "gauge", help);
        fprintf(o, "sftpjail_hook_backlog %" PRIu64 "\n", backlog);
}

static const char metrics_usage[] =
        "Usage: sftpjailctl metrics [--textfile DIR] [--file PATH] [--state FILE]\n"
        "\n"
        "Counters from the records in the Prometheus text format: live sessions,\n"
        "logins, refusals by reason, seccomp kills, bytes and transfers, and the\n"
        "upload hooks' runs, failures and backlog.  Counters are kept in --state\n"
        "(default " SFTPJAIL_STATE_DIR "/metrics.state) with where reading stopped, so\n"
        "each run reads only new records and counters never go down.\n"
        "\n"
        "  --textfile DIR   write DIR/sftpjail.prom (atomically) instead of printing,\n"
        "                   for node-exporter's textfile collector\n"
        "  --file PATH      read this syslog file, not the journal\n"
        "  --state FILE     keep the counters in FILE\n";

int cmd_metrics(int argc, char **argv)
{
        static const struct option opts[] = {
                { "textfile", required_argument, NULL, 't' },
                { "file", required_argument, NULL, 'F' },
                { "state", required_argument, NULL, 's' },
                { NULL, 0, NULL, 0 },
        };
        const char *textfile = NULL, *file = NULL, *state = SFTPJAIL_STATE_DIR "/metrics.state";
        unsigned seen = 0;
        int c, li = -1;

        if (ctl_help_requested(argc, argv, metrics_usage))
                return CTL_EXIT_OK;
        optind = 1;
        opterr = 0;
        while ((c = getopt_long(argc, argv, "+:", opts, &li)) != -1) {
                const char **dst = c == 't' ? &textfile : c == 'F' ? &file : c == 's' ? &state : NULL;
                if (!dst) {
                        ctl_option_error(metrics_usage, argv, c);
                        return CTL_EXIT_USAGE;
                }
                if (ctl_option_repeated(metrics_usage, opts, li, &seen))
                        return CTL_EXIT_USAGE;
                li = -1;
                if (!ctl_valid_path_arg(optarg) || optarg[0] != '/') {
                        ctl_usage_error(metrics_usage, "--%s: '%s' is not an absolute path",
                                        c == 't' ? "textfile" : c == 'F' ? "file" : "state", ctl_quote(optarg));
                        return CTL_EXIT_USAGE;
                }
                *dst = optarg;
        }
        if (optind < argc) {
                ctl_usage_error(metrics_usage, "unexpected argument '%s'", ctl_quote(argv[optind]));
                return CTL_EXIT_USAGE;
        }
        if (textfile) {
                struct stat st;
                if (stat(textfile, &st) < 0 || !S_ISDIR(st.st_mode)) {
                        ctl_error("--textfile: %s is not a directory", ctl_quote(textfile));
                        return CTL_EXIT_USAGE;
                }
        }

        /* One run at a time: the state is read, added to and replaced. */
        char lockpath[PATH_MAX];
        snprintf(lockpath, sizeof(lockpath), "%s.lock", state);
        if (!strncmp(state, SFTPJAIL_STATE_DIR "/", strlen(SFTPJAIL_STATE_DIR) + 1))
                mkdir(SFTPJAIL_STATE_DIR, 0755);
        _cleanup_close_ int lock = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (lock < 0 || flock(lock, LOCK_EX) < 0) {
                ctl_error("cannot lock %s: %s", ctl_quote(lockpath), strerror(errno));
                return CTL_EXIT_ERROR;
        }

        struct counters cs = { 0 };
        struct position pos = { 0 };
        struct reader r;
        struct ent e;
        char source[PATH_MAX + 64];
        int rc = CTL_EXIT_OK;

        state_load(state, &cs, &pos);
        if (reader_open(&r, file) < 0) {
                reader_close(&r);
                free(cs.c);
                return CTL_EXIT_ERROR;
        }
        if (r.journal) {
                snprintf(source, sizeof(source), "the journal (entries journald vouches were written by sftpjail)");
                bool resumed = pos.cursor && sd_journal_seek_cursor(r.j, pos.cursor) >= 0;
                if (!resumed)
                        sd_journal_seek_head(r.j);
                else if (sd_journal_next(r.j) > 0 && sd_journal_test_cursor(r.j, pos.cursor) <= 0)
                        sd_journal_previous(r.j); /* that entry is gone: count from here */
        } else {
                struct stat st;
                snprintf(source, sizeof(source), "syslog file %s (lines carry no proof of origin)", r.file);
                if (fstat(fileno(r.f), &st) == 0 && pos.file && streq(pos.file, r.file) &&
                    (unsigned long long)st.st_ino == pos.ino && (unsigned long long)st.st_size >= pos.off)
                        fseeko(r.f, (off_t)pos.off, SEEK_SET);
                /* else: a new or rotated file, read from its start */
                free(pos.file);
                pos.file = strdup(r.file);
                pos.ino = (unsigned long long)st.st_ino;
        }
        int n;
        while ((n = reader_next(&r, &e)) > 0)
                count(&cs, &e);
        if (n < 0)
                rc = CTL_EXIT_ERROR;
        if (r.journal) {
                char *cur = NULL;
                /* Past the end: back to the last entry, where we stopped. */
                if (sd_journal_previous(r.j) > 0 && sd_journal_get_cursor(r.j, &cur) >= 0) {
                        free(pos.cursor);
                        pos.cursor = cur;
                }
        } else {
                off_t o = ftello(r.f);
                if (o >= 0)
                        pos.off = (unsigned long long)o;
        }
        add(&cs, "untrusted", "", "", r.untrusted);
        report_skipped(&r);
        reader_close(&r);

        if (rc == CTL_EXIT_OK && state_save(state, &cs, &pos) < 0) {
                ctl_error("cannot write %s: %s", ctl_quote(state), strerror(errno));
                rc = CTL_EXIT_ERROR;
        }
        char *out = NULL;
        size_t outlen = 0;
        FILE *o = open_memstream(&out, &outlen);
        if (o) {
                print_metrics(o, &cs, source);
                fclose(o);
        }
        if (!out) {
                ctl_error("out of memory");
                rc = CTL_EXIT_ERROR;
        } else if (textfile) {
                char path[PATH_MAX];
                snprintf(path, sizeof(path), "%s/sftpjail.prom", textfile);
                if (write_atomic(path, out, outlen, 0644) < 0) {
                        ctl_error("cannot write %s: %s", ctl_quote(path), strerror(errno));
                        rc = CTL_EXIT_ERROR;
                }
        } else if (fwrite(out, 1, outlen, stdout) != outlen || fflush(stdout) != 0) {
                ctl_error("writing the output: %s", strerror(errno));
                rc = CTL_EXIT_ERROR;
        }
        free(out);
        free(cs.c);
        free(pos.cursor);
        free(pos.file);
        return rc;
}
