/* SPDX-License-Identifier: GPL-2.0-or-later */
/* recparse: the record lines of docs/records.md read back exactly, and
 * every malformed or forged variant rejected. */
#include <stdlib.h>
#include <string.h>

#include "recparse.h"
#include "supervisor.h"
#include "tap.h"
#include "util.h"

static char buf[70000];
static struct rp_msg m;

static int parse(const char *line)
{
        return rp_parse_message(line, strlen(line), buf, &m);
}

static bool field_is(const char *name, const char *val, size_t len)
{
        const struct rp_field *f = rp_get(&m, name);
        return f && f->len == len && memcmp(f->value, val, len) == 0;
}
#define FIELD_IS(name, lit) field_is(name, lit, sizeof(lit) - 1)

/* A transfer record whose path is these bytes, as the supervisor writes it. */
static int roundtrip(const char *path, size_t len)
{
        static char esc[4 * 8192 + 1], line[40000];
        log_escape(path, len, esc, sizeof(esc));
        snprintf(line, sizeof(line),
                 "session=0123456789abcdef user=alice event=transfer direction=upload status=complete bytes=5 "
                 "path=\"%s\" handle=1 client=127.0.0.1:4242 key=\"ssh-ed25519 SHA256:abc\" "
                 "start=2026-12-06T01:02:03.456Z end=2026-12-06T01:02:04.000Z duration=0.544 detail=\"WRITE,CREATE\"",
                 esc);
        if (rp_parse_message(line, strlen(line), buf, &m) < 0)
                return -1;
        return field_is("path", path, len) ? 0 : -2;
}

static void records(void)
{
        CHECK(parse("session=0123456789abcdef user=alice event=transfer direction=upload status=complete bytes=1048576 "
                    "path=\"/srv/sftp/alice/uploads/up\" handle=1 client=127.0.0.1:40000 key=\"ssh-ed25519 SHA256:x/y+z\" "
                    "start=2026-12-06T01:02:03.456Z end=2026-12-06T01:02:04.000Z duration=0.544 "
                    "detail=\"WRITE,CREATE,TRUNCATE\"") == 0,
              "a transfer record parses");
        CHECK(m.kind == RP_RECORD && streq(m.session, "0123456789abcdef") && streq(m.user, "alice"), "kind, session, user");
        CHECK(FIELD_IS("event", "transfer") && FIELD_IS("direction", "upload") && FIELD_IS("status", "complete") &&
                      FIELD_IS("bytes", "1048576") && FIELD_IS("path", "/srv/sftp/alice/uploads/up") &&
                      FIELD_IS("handle", "1") && FIELD_IS("key", "ssh-ed25519 SHA256:x/y+z") &&
                      FIELD_IS("detail", "WRITE,CREATE,TRUNCATE") && FIELD_IS("duration", "0.544"),
              "all fields, exact");
        CHECK(parse("session=0123456789abcdef user=alice event=transfer direction=upload status=complete bytes=5 "
                    "path=\"/h/u\" handle=4 inode=259:1:1234567 client=local start=a end=b duration=0.000") == 0 &&
                      FIELD_IS("inode", "259:1:1234567"),
              "inode=MAJOR:MINOR:INO after handle");
        CHECK(parse("session=0123456789abcdef user=alice event=transfer direction=upload status=complete bytes=5 "
                    "path=\"/h/u\" handle=4 inode=259:1 client=local start=a end=b duration=0.000") < 0 &&
                      parse("session=0123456789abcdef user=alice event=transfer direction=upload status=complete "
                            "bytes=5 path=\"/h/u\" handle=4 inode=259:1:x client=local start=a end=b duration=0.000") < 0 &&
                      parse("session=0123456789abcdef user=alice event=transfer direction=upload status=complete "
                            "bytes=5 path=\"/h/u\" inode=259:1:7 handle=4 client=local start=a end=b duration=0.000") < 0 &&
                      parse("session=0123456789abcdef user=bob event=remove status=complete path=\"/h/d\" "
                            "inode=1:2:3 client=local start=a end=b duration=0.000") < 0,
              "a malformed inode, one out of order, or one on a remove: not a record");
        CHECK(parse("session=0123456789abcdef user=alice event=transfer direction=download status=interrupted "
                    "bytes=unknown path=\"/h/f\" handle=2 client=local start=a end=b duration=0.000") == 0 &&
                      FIELD_IS("bytes", "unknown"),
              "bytes=unknown");
        CHECK(parse("session=0123456789abcdef user=alice event=transfer direction=upload status=failed bytes=0 "
                    "path=\"/h/missing/x\" handle=3 client=local start=a end=b duration=0.001 error=\"No such file\"") == 0 &&
                      FIELD_IS("error", "No such file") && FIELD_IS("status", "failed"),
              "failed with error");
        CHECK(parse("session=0123456789abcdef user=bob event=rename status=complete path=\"/h/a\" to=\"/h/b\" exact=no "
                    "client=local start=a end=b duration=0.000 detail=\"posix-rename\"") == 0 &&
                      FIELD_IS("to", "/h/b") && FIELD_IS("exact", "no"),
              "rename: to, exact=no");
        CHECK(parse("session=0123456789abcdef user=bob event=mkdir status=complete path=\"/h/d\" client=local start=a "
                    "end=b duration=0.000 detail=\"mode 0777\"") == 0,
              "mkdir");
        CHECK(parse("session=0123456789abcdef user=bob event=remove status=complete path=\"/h/d\" client=local "
                    "key=\"ssh-ed25519 SHA256:k\" host=\"sftp-1\" start=a end=b duration=0.000") == 0 &&
                      FIELD_IS("host", "sftp-1"),
              "a record naming the host");
        CHECK(parse("session=0123456789abcdef user=bob event=remove status=complete path=\"/h/d\" client=local "
                    "start=a host=\"sftp-1\" end=b duration=0.000") < 0,
              "a record with host out of order is rejected");
}

static void hostile(void)
{
        static const struct {
                const char *name;
                size_t len;
                const char *what;
        } names[] = {
#define N(s, w) { s, sizeof(s) - 1, w }
                N("/u/evil\nsession=deadbeef user=root session end status=0 \"x", "LF and a forged line"),
                N("/u/a\r\n<13>forged: hi", "CR LF and a syslog header"),
                N("/u/q\"uo\"te", "quotes"),
                N("/u/k=v a=b", "'=' and spaces"),
                N("/u/back\\slash\\", "backslashes"),
                N("/u/\xff\xfe\x80 bad utf8", "bytes that are not UTF-8"),
                N("/u/\" bytes read 1 written 2", "sftp-server's close text"),
                N("/u/caf\xc3\xa9 \xe2\x80\xae rtl \xc2\x85", "UTF-8 kept, invisible characters escaped"),
                N("/u/tab\there\x01\x7f", "TAB, control, DEL"),
                N("/u/\\x41 not an escape", "a literal backslash-x"),
#undef N
        };
        for (size_t i = 0; i < ELEMENTSOF(names); i++)
                CHECK(roundtrip(names[i].name, names[i].len) == 0, "round trip: %s", names[i].what);
        char *big = malloc(4096);
        for (int i = 0; i < 4096; i++)
                big[i] = (char)(i % 255 + 1);
        CHECK(roundtrip(big, 4096) == 0, "round trip: 4 KiB of every byte value");
        free(big);
}

static void malformed(void)
{
        static const char *const bad[] = {
                "session=0123456789abcdef user=a event=remove status=complete path=\"/x\ny\"",
                "session=0123456789abcdef user=a event=remove status=complete path=\"/x\\qy\"",
                "session=0123456789abcdef user=a event=remove status=complete path=\"/x\\x4\"",
                "session=0123456789abcdef user=a event=remove status=complete path=\"/x\\x41\"", /* 'A' is written raw */
                "session=0123456789abcdef user=a event=remove status=complete path=\"/x\\xC3\"", /* upper-case hex */
                "session=0123456789abcdef user=a event=remove status=complete path=\"/\xc3\xa9\\xc3\\xa9\"",
                "session=0123456789abcdef user=a event=remove status=complete path=\"/\xff\"", /* raw invalid UTF-8 */
                "session=0123456789abcdef user=a event=remove status=complete path=\"/x",       /* no closing quote */
                "session=0123456789abcdef user=a event=remove status=complete path=\"/x\" ",    /* trailing space */
                "session=0123456789abcdef user=a event=remove status=complete  path=\"/x\"",    /* two spaces */
                "session=0123456789abcdef user=a event=remove status=complete path=\"/x\"y\"",
                "session=0123456789abcdef user=a event=remove status=done path=\"/x\"",
                "session=0123456789abcdef user=a event=remove path=\"/x\" status=complete",     /* order */
                "session=0123456789abcdef user=a event=remove status=complete path=\"/x\" path=\"/y\"",
                "session=0123456789abcdef user=a event=remove status=complete path=\"/x\" owner=root",
                "session=0123456789abcdef user=a event=remove status=complete path=/x",
                "session=0123456789abcdef user=a event=transfer status=complete bytes=1 path=\"/x\"",
                "session=0123456789abcdef user=a event=transfer direction=up status=complete bytes=1 path=\"/x\"",
                "session=0123456789abcdef user=a event=transfer direction=upload status=complete bytes=-1 path=\"/x\"",
                "session=0123456789abcdef user=a event=transfer direction=upload status=complete bytes=1 path=\"/x\" handle=x",
                "session=0123456789abcdef user=a event=format status=complete path=\"/x\"",
                "session=0123456789ABCDEF user=a event=remove status=complete path=\"/x\"",
                "session=0123 user=a event=remove status=complete path=\"/x\"",
                "session=0123456789abcdef user= event=remove status=complete path=\"/x\"",
                "session=0123456789abcdef user=a=b event=remove status=complete path=\"/x\"",
                "user=a session=0123456789abcdef event=remove status=complete path=\"/x\"",
                "session=0123456789abcdef user=a session end exit=0 duration=1s files=0 bytes_read=0",
                "session=0123456789abcdef user=a session end exit=x duration=1s files=0 bytes_read=0 bytes_written=0",
                "session=0123456789abcdef user=a session end exit=0 duration=1s files=0 bytes_read=0 bytes_written=0 x",
                "session=0123456789abcdef user=a session start client=1.2.3.4:5 path=\"/x\"",
                "",
                "<13>forged: hi",
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                CHECK(parse(bad[i]) < 0, "rejected: malformed case %zu", i);
}

static void sessions(void)
{
        CHECK(parse("session=0123456789abcdef user=alice session start client=127.0.0.1:5 key=\"ssh-ed25519 SHA256:k\"") ==
                              0 &&
                      m.kind == RP_SESSION_START && FIELD_IS("client", "127.0.0.1:5") &&
                      FIELD_IS("key", "ssh-ed25519 SHA256:k"),
              "session start");
        CHECK(parse("session=0123456789abcdef user=alice session start client=10.0.0.9:5 key=\"ssh-ed25519 SHA256:k\" "
                    "host=\"sftp-2.example\"") == 0 &&
                      m.kind == RP_SESSION_START && FIELD_IS("host", "sftp-2.example") && FIELD_IS("client", "10.0.0.9:5"),
              "session start naming the host");
        CHECK(parse("session=0123456789abcdef user=alice session start client=local host=\"a b\\\"c\"") == 0 &&
                      FIELD_IS("host", "a b\"c"),
              "session start: a host name with a space and a quote, unescaped");
        CHECK(parse("session=0123456789abcdef user=alice session start client=local host=sftp-2") < 0,
              "session start: host unquoted is rejected");
        CHECK(parse("session=0123456789abcdef user=alice session start host=\"h\" client=local") < 0 ||
                      m.kind != RP_SESSION_START,
              "session start: host before client is no session start");
        CHECK(parse("session=0123456789abcdef user=alice session end exit=0 duration=1.250s files=2 bytes_read=307200 "
                    "bytes_written=1048576") == 0 &&
                      m.kind == RP_SESSION_END && FIELD_IS("exit", "exit=0") && FIELD_IS("duration", "1.250") &&
                      FIELD_IS("bytes_written", "1048576"),
              "session end");
        CHECK(parse("session=0123456789abcdef user=alice session end reason=audit signal=SIGKILL (refused syscall "
                    "openat) duration=0.5s files=0 bytes_read=0 bytes_written=0 unmeasured_files=1 records_lost=3") == 0 &&
                      FIELD_IS("reason", "audit") && FIELD_IS("exit", "signal=SIGKILL (refused syscall openat)") &&
                      FIELD_IS("records_lost", "3"),
              "session end with a reason, a signal and extras");
        CHECK(parse("session=0123456789abcdef user=bob refused: the user already has 2 sessions (max_sessions = 2) "
                    "(main)") == 0 &&
                      m.kind == RP_REFUSED && FIELD_IS("reason", "max_sessions"),
              "refusal: max_sessions");
        CHECK(parse("session=0123456789abcdef user=? refused: no passwd entry for uid 5 (main)") == 0 &&
                      streq(m.user, "?") && FIELD_IS("reason", "other"),
              "refusal of an unknown user");
        CHECK(parse("session=0123456789abcdef user=bob sftp-server: session opened for local user bob") == 0 &&
                      m.kind == RP_SFTP_SERVER,
              "sftp-server message");
        CHECK(parse("session=0123456789abcdef user=bob sftp-server: event=transfer direction=upload status=complete "
                    "bytes=1 path=\"/x\"") == 0 &&
                      m.kind == RP_SFTP_SERVER && !rp_get(&m, "path"),
              "sftp-server text that looks like a record is not one");
}

static void reasons(void)
{
        static const struct {
                const char *text, *reason;
        } r[] = {
                { "the audit log cannot be written (/dev/log: No such file or directory); with audit = required", "audit" },
                { "this account is for SFTP only; rsync is not available", "request" },
                { "configuration error: line 3: unknown key", "config" },
                { "no rule in /etc/sftpjail/sftpjail.conf allows user bob", "config" },
                { "max_sessions is set, but /run/sftpjail/sessions: No such file", "max_sessions" },
                { "quota cannot be enforced: project quotas are off", "quota" },
                { "uploads directory /srv/sftp/bob/uploads does not exist", "uploads" },
                { "home directory /srv/sftp/bob must be owned by root", "home" },
                { "pivot_root: Invalid argument", "other" },
        };
        for (size_t i = 0; i < ELEMENTSOF(r); i++)
                CHECK(streq(rp_refusal_reason(r[i].text, strlen(r[i].text)), r[i].reason), "reason %s", r[i].reason);
}

static void lines(void)
{
        struct rp_line l;
        time_t now = 1765000000; /* 2025-12-06T05:46:40Z */
        const char *s;

        s = "<86>Dec  6 01:02:03 sftpjail[42]: session=- user=? refused: x";
        CHECK(rp_parse_syslog_line(s, strlen(s), now, &l) == 0 && l.pid == 42 && l.msg_len == 27 &&
                      memcmp(l.msg, "session=", 8) == 0 && l.when == 1764982923,
              "a /dev/log datagram (UTC: %ld)", (long)l.when);
        s = "Dec 31 23:59:59 host sftpjail[7]: m\n";
        CHECK(rp_parse_syslog_line(s, strlen(s), now, &l) == 0 && l.when == 1735689599 && l.msg_len == 1,
              "rsyslog's traditional line; a date after now is last year's");
        s = "2025-12-06T01:02:03.123456+01:00 host sftpjail[7]: m";
        CHECK(rp_parse_syslog_line(s, strlen(s), now, &l) == 0 && l.when == 1764979323, "RFC 3339 with an offset");
        s = "Dec  6 01:02:03 host sshd[7]: sftpjail[8]: m";
        CHECK(rp_parse_syslog_line(s, strlen(s), now, &l) < 0, "another program's line naming our tag is not ours");
        s = "Dec  6 01:02:03 host sftpjail: m";
        CHECK(rp_parse_syslog_line(s, strlen(s), now, &l) < 0, "tag without a pid");
        s = "garbage";
        CHECK(rp_parse_syslog_line(s, strlen(s), now, &l) < 0, "garbage");
        /* Found by fuzz-recparse: these passed as another day or hour. */
        static const char *const moved[] = { "<86>Dec  0 01:02:03 sftpjail[42]: m", "Feb 30 01:02:03 h sftpjail[1]: m",
                                             "Dec  6 24:00:00 h sftpjail[1]: m", "Dec  6 01:60:00 h sftpjail[1]: m",
                                             "2025-13-06T01:02:03Z h sftpjail[1]: m",
                                             "2025-12-06T01:02:61+01:00 h sftpjail[1]: m" };
        for (size_t i = 0; i < ELEMENTSOF(moved); i++)
                CHECK(rp_parse_syslog_line(moved[i], strlen(moved[i]), now, &l) < 0, "no such time: '%.15s'", moved[i]);
        s = "D\0c  6 01:02:03 host sftpjail[7]: m"; /* strstr() found "D" in "...Dec" */
        CHECK(rp_parse_syslog_line(s, 35, now, &l) < 0, "a month name with a NUL in it");
        s = "0026-12-06T01:02:03.123456+01:00 host sftpjail[7]: m";
        CHECK(rp_parse_syslog_line(s, strlen(s), now, &l) < 0, "an RFC 3339 time before 1970 is no time of ours");
        {
                time_t t0;
                CHECK(rp_parse_time("0422-04-03", now, &t0) < 0, "--since 0422-04-03: refused (before 1970)");
        }
        s = "Feb 29 01:02:03 host sftpjail[7]: m"; /* none in 2025: the year before's is 2024's */
        CHECK(rp_parse_syslog_line(s, strlen(s), now, &l) == 0 && l.when == 1709168523, "Feb 29 of the leap year before");
}

static void times(void)
{
        time_t now = 1765000000, t;

        CHECK(rp_parse_time("@12345", now, &t) == 0 && t == 12345, "@epoch");
        CHECK(rp_parse_time("-1h", now, &t) == 0 && t == now - 3600, "-1h");
        CHECK(rp_parse_time("-30m", now, &t) == 0 && t == now - 1800, "-30m");
        CHECK(rp_parse_time("-2d", now, &t) == 0 && t == now - 172800, "-2d");
        CHECK(rp_parse_time("today", now, &t) == 0 && t == 1764979200, "today");
        CHECK(rp_parse_time("2025-12-06", now, &t) == 0 && t == 1764979200, "a date");
        CHECK(rp_parse_time("2025-12-06 01:02", now, &t) == 0 && t == 1764982920, "date and time");
        CHECK(rp_parse_time("2025-12-06T01:02:03", now, &t) == 0 && t == 1764982923, "date, T, seconds");
        static const char *const bad[] = { "2025-02-30", "2025-12-06 25:00", "1h", "-h", "-1y", "@", "@x", "tomorrow",
                                           "2025-1-6", "", "-99999999999d" };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                CHECK(rp_parse_time(bad[i], now, &t) < 0, "rejected time '%s'", bad[i]);
}

int main(void)
{
        setenv("TZ", "UTC", 1);
        records();
        hostile();
        malformed();
        sessions();
        reasons();
        lines();
        times();
        return tap_done();
}
