/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The supervisor's pure parts: the close-message parser and the escaping
 * of log messages, fed hostile file names. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "supervisor.h"
#include "tap.h"

static int parse(const char *msg, uint64_t *r, uint64_t *w)
{
        return supervisor_parse_close(msg, strlen(msg), r, w);
}

static void parser(void)
{
        uint64_t r = 0, w = 0;

        CHECK(parse("close \"/home/a/uploads/f\" bytes read 0 written 1048576", &r, &w) == 1 && r == 0 && w == 1048576,
              "close message parsed");
        CHECK(parse("close \"/x/close \\\"y\" bytes read 5 written 6", &r, &w) == 1 && r == 5 && w == 6,
              "path containing quotes and 'close' parsed from the end");
        CHECK(parse("close \"\" bytes read 1 written 2", &r, &w) == 1 && r == 1 && w == 2, "empty path");
        CHECK(parse("close \"x\" bytes read 999 written 999\" bytes read 0 written 5", &r, &w) == 1 && r == 0 && w == 5,
              "a forged tail inside the path does not count: the real one at the end does");
        CHECK(parse("close \"uploads/evil\nsession=deadbeef user=root session end status=0 \"x\" bytes read 0 written 5",
                    &r, &w) == 1 &&
                      r == 0 && w == 5,
              "path with LF and a forged session end: counted once, 5 bytes");
        CHECK(parse("close \"a\r\n<13>forged: hi\" bytes read 7 written 0", &r, &w) == 1 && r == 7 && w == 0,
              "path with CR LF and a syslog priority");
        CHECK(parse("close \"x\" bytes read 18446744073709551615 written 1", &r, &w) == 1 && r == UINT64_MAX,
              "UINT64_MAX");
        r = w = 42;
        CHECK(parse("close \"x\" bytes read 18446744073709551616 written 1", &r, &w) == 0 && r == 42 && w == 42,
              "overflow refused, outputs untouched");
        CHECK(parse("close \"x\" bytes read 1 written 2\r\n", &r, &w) == 0, "trailing CR LF: not the whole message");
        CHECK(parse("close \"x\" bytes read 1 written 2 ", &r, &w) == 0, "trailing text refused");
        CHECK(parse("close \"x\" bytes read  written 2", &r, &w) == 0, "missing number refused");
        CHECK(parse("close \"x\" bytes read -1 written 2", &r, &w) == 0, "sign refused");
        CHECK(parse("close \" bytes read 1 written 2", &r, &w) == 0, "the opening quote is not the closing one");
        CHECK(parse("xclose \"x\" bytes read 1 written 2", &r, &w) == 0, "must start with close");
        CHECK(parse("open \"close \"x\" bytes read 1 written 2", &r, &w) == 0,
              "an open whose path looks like a close is not one");
        CHECK(parse("debug1: close \"x\" bytes read 1 written 2", &r, &w) == 0, "prefixed message is not one");
        CHECK(parse("open \"/x\" flags READ mode 0666", &r, &w) == 0, "open message ignored");
        CHECK(parse("close \"\" bytes read x written y", &r, &w) == 0, "garbage ignored");
        CHECK(parse("session opened for local user a", &r, &w) == 0, "other messages ignored");
        CHECK(parse("", &r, &w) == 0 && parse("close \"", &r, &w) == 0, "empty and short messages ignored");
        static const char nul[] = "close \"a\0b\" bytes read 3 written 4";
        CHECK(supervisor_parse_close(nul, sizeof(nul) - 1, &r, &w) == 1 && r == 3 && w == 4,
              "a NUL in the path does not end the message");
}

static bool escapes_to(const char *in, size_t len, const char *want)
{
        char out[512];
        size_t used = log_escape(in, len, out, sizeof(out));

        if (used != len || strcmp(out, want) != 0) {
                printf("# escaped to '%s' (%zu of %zu bytes), want '%s'\n", out, used, len, want);
                return false;
        }
        return true;
}
#define ESC(lit, want) escapes_to(lit, sizeof(lit) - 1, want)

/* No raw control byte, DEL, or unescaped quote in the output. */
static bool one_safe_line(const char *s)
{
        for (const char *p = s; *p; p++) {
                if ((unsigned char)*p < 0x20 || *p == 0x7f)
                        return false;
                if (*p == '"' && (p == s || p[-1] != '\\'))
                        return false;
        }
        return true;
}

static void escaper(void)
{
        char out[64];

        CHECK(ESC("plain /home/a/uploads/f.txt", "plain /home/a/uploads/f.txt"), "printable ASCII unchanged");
        CHECK(ESC("close \"a\"", "close \\\"a\\\""), "double quote -> \\\"");
        CHECK(ESC("a\\nb", "a\\\\nb"), "backslash doubled: a literal backslash-n is not a newline");
        CHECK(ESC("evil\nsession=deadbeef user=root session end status=0 \"x",
                  "evil\\nsession=deadbeef user=root session end status=0 \\\"x"),
              "LF -> \\n: a forged session line stays inside the message");
        CHECK(ESC("a\r\n<13>forged: hi", "a\\r\\n<13>forged: hi"), "CR LF and a syslog priority");
        CHECK(ESC("t\tab", "t\\tab"), "tab -> \\t");
        CHECK(ESC("\x1b[31mred\x7f\x01", "\\x1b[31mred\\x7f\\x01"), "ESC, DEL, SOH -> \\xNN");
        CHECK(ESC("nul\0x", "nul\\x00x"), "NUL -> \\x00, does not end the message");
        CHECK(ESC("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"),
              "valid UTF-8 unchanged");
        CHECK(ESC("\xff\xfe", "\\xff\\xfe"), "bytes never in UTF-8 -> \\xNN");
        CHECK(ESC("\xc3(", "\\xc3("), "truncated sequence -> \\xNN, next byte as it is");
        CHECK(ESC("\xc0\xaf", "\\xc0\\xaf"), "overlong '/' -> \\xNN");
        CHECK(ESC("\xe0\x80\xaf", "\\xe0\\x80\\xaf"), "3-byte overlong -> \\xNN");
        CHECK(ESC("\xed\xa0\x80", "\\xed\\xa0\\x80"), "UTF-16 surrogate -> \\xNN");
        CHECK(ESC("\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80"), "above U+10FFFF -> \\xNN");
        CHECK(ESC("\xc2\x85", "\\xc2\\x85"), "C1 NEL (U+0085) -> \\xNN");
        CHECK(ESC("\xe2\x80\xa8x\xe2\x80\xae", "\\xe2\\x80\\xa8x\\xe2\\x80\\xae"),
              "U+2028 line separator, U+202E right-to-left override -> \\xNN");
        CHECK(ESC("ab\xe2\x82", "ab\\xe2\\x82"), "sequence cut at the end of the message -> \\xNN");
        CHECK(ESC("", ""), "empty");

        /* A full output buffer: never half an escape. */
        size_t used = log_escape("abc\n", 4, out, 5);
        CHECK(used == 3 && strcmp(out, "abc") == 0, "no room for \\n: stops before it (%zu consumed)", used);
        used = log_escape("\xff\xff", 2, out, 6);
        CHECK(used == 1 && strcmp(out, "\\xff") == 0, "no room for a second \\xNN: one");
        used = log_escape("\xc3\xa9", 2, out, 2);
        CHECK(used == 0 && out[0] == '\0', "no room for a whole UTF-8 character: none of it");
        CHECK(log_escape("x", 1, out, 0) == 0, "zero-size output");

        /* Every byte value, alone and in hostile company: one safe line. */
        bool all = true;
        for (int c = 0; c < 256; c++) {
                char in[3] = { 'a', (char)c, '"' }, big[32];
                log_escape(in, 3, big, sizeof(big));
                all = all && one_safe_line(big);
        }
        CHECK(all, "every byte value escapes to one line without raw controls or bare quotes");
}

/* The forwarding limit: FORWARD_BURST per interval, the rest counted and
 * reported once, when the interval is over. */
static void ratelimit(void)
{
        struct ratelimit rl = { .start = { 100, 0 } };
        struct timespec t = { 100, 0 };
        uint64_t report, reported = 0, forwarded = 0;
        int due;
        bool ok = true;

        for (int i = 0; i < FORWARD_BURST + 500; i++) {
                forwarded += ratelimit_take(&rl, &t, &report);
                reported += report;
        }
        CHECK(forwarded == FORWARD_BURST && reported == 0, "a burst: %d forwarded, the rest held",
              FORWARD_BURST);
        CHECK(ratelimit_expired(&rl, &t, &due) == 0 && due == FORWARD_INTERVAL * 1000,
              "the count waits for the interval's end (due in %d ms)", due);
        t.tv_sec += FORWARD_INTERVAL;
        ok = ratelimit_take(&rl, &t, &report);
        CHECK(ok && report == 500, "the next interval: forwards again, and the 500 suppressed are reported");
        CHECK(ratelimit_expired(&rl, &t, &due) == 0 && due == -1, "nothing suppressed: no wake-up needed");
        for (int i = 0; i < FORWARD_BURST + 7; i++)
                ratelimit_take(&rl, &t, &report);
        t.tv_sec += FORWARD_INTERVAL + 1;
        CHECK(ratelimit_expired(&rl, &t, &due) == 8, "an interval that ended is reported without a new message");
        CHECK(ratelimit_expired(&rl, &t, &due) == 0, "... once");
}

/* The reason of a bare "Failure" of an upload (supervisor_explain_failure):
 * each limit named from what the kernel shows, nothing named where nothing
 * ran out. */
static void explainer(void)
{
        const uint64_t big = 1ULL << 40, little = FAILURE_ROOM_MIN - 1;
        /* A plain filesystem with room, no max_file_size. */
        const struct failure_facts roomy = {
                .file_known = true, .file_size = 1000, .fsize_known = true, .fsize_limit = UINT64_MAX,
                .dir_known = true, .dir_room = big, .dir_files = 1000, .dir_files_free = 500,
                .project_known = true, .project = false,
        };
        struct failure_facts f = roomy;
        const char *r;

#define IS(want, what) CHECK((r = supervisor_explain_failure(&f)) && strcmp(r, want) == 0, "%s: %s", what, r ? r : "(none)")
#define NONE(what) CHECK(!(r = supervisor_explain_failure(&f)), "%s: no reason (%s)", what, r ? r : "none")
        NONE("room, no limit");
        f.fsize_limit = 65536;
        NONE("below max_file_size");
        f.file_size = 65536;
        IS("File too large", "the file ends at max_file_size");
        f.file_size = 70000;
        IS("File too large", "the file is past max_file_size");
        f.dir_room = 0;
        IS("File too large", "max_file_size reached on a full filesystem: the limit cut it");
        f.fsize_known = false;
        IS("No space left on device", "limit unknown, filesystem full");
        f = roomy;
        f.file_known = false;
        f.fsize_limit = 10;
        NONE("an open that failed (no file), with room");
        f = roomy;
        f.dir_room = little;
        IS("No space left on device", "less room than one write request");
        f.dir_room = FAILURE_ROOM_MIN;
        NONE("exactly the room of one request");
        f = roomy;
        f.dir_files_free = 0;
        IS("No space left on device: no free inodes", "no free inodes");
        f.dir_files = 0;
        NONE("a filesystem that counts no inodes (f_files 0)");
        f = roomy;
        f.dir_known = false;
        f.dir_room = 0;
        NONE("the directory could not be looked at");

        /* Within a project: the filesystem's numbers decide. */
        const struct failure_facts proj = {
                .file_known = true, .file_size = 1000, .fsize_known = true, .fsize_limit = UINT64_MAX,
                .dir_known = true, .dir_room = 4096, .dir_files = 20, .dir_files_free = 3,
                .project_known = true, .project = true,
                .fs_known = true, .fs_room = big, .fs_files = 1000, .fs_files_free = 900,
        };
        f = proj;
        IS("Disk quota exceeded", "project full, filesystem roomy");
        f.dir_room = 261120 - 4096; /* XFS: a whole request failed */
        IS("Disk quota exceeded", "project with less than a request left (XFS)");
        f.fs_room = little;
        IS("No space left on device", "project and filesystem both full: the filesystem");
        f = proj;
        f.dir_room = big;
        NONE("project with room");
        f.dir_files_free = 0;
        IS("Disk quota exceeded: file limit", "project's file limit reached");
        f.fs_files_free = 0;
        IS("No space left on device: no free inodes", "and the filesystem's inodes too");
        f = proj;
        f.fs_known = false;
        IS("No space left on device or disk quota exceeded",
           "project full, filesystem not known: both named");
        f = proj;
        f.project_known = false;
        IS("No space left on device or disk quota exceeded",
           "project not known (directory unreadable): both named");
        f.file_size = 1ULL << 20;
        f.fsize_limit = 1ULL << 20;
        IS("File too large", "max_file_size within a full project");
#undef IS
#undef NONE
}

int main(void)
{
        parser();
        escaper();
        ratelimit();
        explainer();
        return tap_done();
}
