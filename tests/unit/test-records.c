/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Transfer records from sftp-server's messages (records.c): every outcome,
 * and names that try to pass for the messages' own text. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "records.h"
#include "tap.h"

#define MAXREC 16
static struct got {
        enum rec_event event;
        char status[16], direction[16], path[2048], to[2048], error[128], detail[128], inode[48];
        size_t path_len, to_len;
        bool exact, bytes_known;
        unsigned long long bytes, handle;
} got[MAXREC];
static int ngot;

static void collect(void *ctx, const struct rec *r)
{
        (void)ctx;
        if (ngot == MAXREC)
                return;
        struct got *g = &got[ngot++];
        memset(g, 0, sizeof(*g));
        g->event = r->event;
        snprintf(g->status, sizeof(g->status), "%s", r->status);
        snprintf(g->direction, sizeof(g->direction), "%s", r->direction ? r->direction : "");
        memcpy(g->path, r->path, r->path_len);
        g->path_len = r->path_len;
        if (r->to) {
                memcpy(g->to, r->to, r->to_len);
                g->to_len = r->to_len;
        }
        snprintf(g->error, sizeof(g->error), "%s", r->error ? r->error : "");
        snprintf(g->detail, sizeof(g->detail), "%s", r->detail ? r->detail : "");
        snprintf(g->inode, sizeof(g->inode), "%s", r->inode ? r->inode : "");
        g->exact = r->exact;
        g->bytes_known = r->bytes_known;
        g->bytes = r->bytes;
        g->handle = r->handle;
}

static struct records R;
static struct timespec now;

static void start(void)
{
        ngot = 0;
        records_init(&R, collect, NULL);
}
static void feed(const char *m)
{
        now.tv_sec++;
        records_feed(&R, m, strlen(m), false, &now);
}
static void feed_n(const char *m, size_t len, bool cut)
{
        now.tv_sec++;
        records_feed(&R, m, len, cut, &now);
}
static void bye(void)
{
        feed("session closed for local user u from [127.0.0.1]");
}
static void end(void)
{
        now.tv_sec++;
        records_end(&R, &now);
}
static bool path_is(const struct got *g, const char *p)
{
        return g->path_len == strlen(p) && memcmp(g->path, p, g->path_len) == 0;
}

static void uploads_and_downloads(void)
{
        start();
        feed("session opened for local user u from [127.0.0.1]");
        feed("open \"/h/uploads/a\" flags WRITE,CREATE,TRUNCATE mode 0644");
        CHECK(ngot == 0, "an open alone is no record yet");
        feed("close \"/h/uploads/a\" bytes read 0 written 5");
        CHECK(ngot == 0, "a close waits for its outcome");
        feed("open \"/h/f\" flags READ mode 0666");
        CHECK(ngot == 1 && got[0].event == REC_TRANSFER && !strcmp(got[0].status, "complete") &&
                      !strcmp(got[0].direction, "upload") && got[0].bytes == 5 && got[0].bytes_known &&
                      path_is(&got[0], "/h/uploads/a") && got[0].exact && got[0].handle == 1 && !got[0].error[0],
              "upload closed, next message: complete, 5 bytes");
        feed("close \"/h/f\" bytes read 77 written 0");
        feed("session closed for local user u from [127.0.0.1]");
        end();
        CHECK(ngot == 2 && !strcmp(got[1].status, "complete") && !strcmp(got[1].direction, "download") &&
                      got[1].bytes == 77 && got[1].handle == 2,
              "download complete, 77 bytes");
}

static void failures(void)
{
        start();
        feed("open \"/h/nope\" flags READ mode 0666");
        feed("sent status No such file");
        CHECK(ngot == 1 && !strcmp(got[0].status, "failed") && !strcmp(got[0].error, "No such file") &&
                      got[0].bytes == 0,
              "failed open: failed, with sftp-server's reason");
        feed("open \"/h/uploads/big\" flags WRITE,CREATE,TRUNCATE mode 0644");
        feed("process_write: write \"/h/uploads/big\": File too large");
        feed("sent status Failure");
        CHECK(ngot == 1, "the write error is not an outcome of the open");
        feed("close \"/h/uploads/big\" bytes read 0 written 1024");
        bye();
        end();
        CHECK(ngot == 2 && !strcmp(got[1].status, "failed") && !strcmp(got[1].error, "File too large") &&
                      got[1].bytes == 1024,
              "an upload whose write failed is failed even though the client closed it (%s/%s)", got[1].status,
              got[1].error);

        /* A short write (quota, RLIMIT_FSIZE) logs only "sent status". */
        start();
        feed("open \"/h/uploads/q\" flags WRITE,CREATE,TRUNCATE mode 0644");
        feed("open \"/h/x\" flags READ mode 0666");
        feed("sent status Failure"); /* settles /h/x as... ambiguous */
        feed("sent status Failure"); /* nothing pending: a write was cut short */
        feed("close \"/h/uploads/q\" bytes read 0 written 4096");
        feed("remove name \"/h/uploads/q\"");
        end();
        CHECK(ngot >= 1 && !strcmp(got[0].status, "failed") && path_is(&got[0], "/h/uploads/q"),
              "a write cut short fails the upload open for writing (%s)", ngot ? got[0].status : "-");
        bool x_failed = false;
        for (int i = 0; i < ngot; i++)
                if (path_is(&got[i], "/h/x"))
                        x_failed = !strcmp(got[i].status, "failed");
        CHECK(x_failed, "the open answered 'Failure' and never closed: failed");

        /* "Failure" right after an open that worked, then a close. */
        start();
        feed("open \"/h/uploads/w\" flags WRITE,CREATE,TRUNCATE mode 0644");
        feed("sent status Failure");
        feed("close \"/h/uploads/w\" bytes read 0 written 10");
        bye();
        end();
        CHECK(ngot == 1 && !strcmp(got[0].status, "failed") && got[0].bytes == 10,
              "an open followed by 'Failure' then closed: the write failed, one failed record");

        start();
        feed("open \"/h/uploads/s\" flags WRITE,CREATE,TRUNCATE mode 0644");
        feed("close \"/h/uploads/s\" bytes read 0 written 3");
        feed("sent status No such file"); /* the client's stat of another name: not logged at INFO */
        CHECK(ngot == 1 && !strcmp(got[0].status, "complete") && !got[0].error[0],
              "a status other than Failure after a close is a later request's: the close succeeded");

        start();
        feed("close \"/h/uploads/c\" bytes read 0 written 3");
        feed("sent status Failure");
        CHECK(ngot == 1 && !strcmp(got[0].status, "failed") && !strcmp(got[0].error, "Failure"),
              "a close that failed (NFS, EDQUOT at close): failed");
}

static void interruptions(void)
{
        start();
        feed("open \"/h/uploads/i\" flags WRITE,CREATE,TRUNCATE mode 0644");
        feed("forced close \"/h/uploads/i\" bytes read 0 written 65536");
        feed("session closed for local user u from [::1]");
        end();
        CHECK(ngot == 1 && !strcmp(got[0].status, "interrupted") && got[0].bytes == 65536 && got[0].bytes_known,
              "forced close (client left): interrupted, bytes known");

        start();
        feed("open \"/h/uploads/k\" flags WRITE,CREATE,TRUNCATE mode 0644");
        feed("open \"/h/uploads/k2\" flags WRITE,CREATE,TRUNCATE mode 0644");
        end(); /* killed: no forced close, no "session closed" */
        CHECK(ngot == 2 && !strcmp(got[0].status, "interrupted") && !got[0].bytes_known &&
                      !strcmp(got[1].status, "interrupted"),
              "sftp-server killed with files open: interrupted, bytes unknown");

        start();
        feed("open \"/h/uploads/z\" flags WRITE mode 0644");
        feed("close \"/h/uploads/z\" bytes read 0 written 9");
        end(); /* killed right after the close message */
        CHECK(ngot == 1 && !strcmp(got[0].status, "interrupted"), "a close whose outcome nobody saw: interrupted");
}

static void operations(void)
{
        start();
        feed("mkdir name \"/h/uploads/d\" mode 0777");
        feed("rename old \"/h/uploads/a.part\" new \"/h/uploads/a\"");
        feed("sent status Permission denied");
        feed("remove name \"/h/uploads/b\"");
        feed("rmdir name \"/h/uploads/d\"");
        feed("posix-rename old \"/h/uploads/x\" new \"/h/uploads/y\"");
        feed("symlink old \"t\" new \"/h/uploads/l\"");
        feed("hardlink old \"/h/uploads/y\" new \"/h/uploads/h\"");
        feed("set \"/h/uploads/y\" mode 0600");
        feed("set \"/h/uploads/y\" modtime 20261206-01:02:03");
        feed("set \"/h/uploads/y\" size 0");
        feed("sent status Permission denied");
        feed("opendir \"/h\"");
        feed("sent status Permission denied");
        end();
        CHECK(ngot == 9, "9 records (setstat of two requests, opendir none): %d", ngot);
        CHECK(got[0].event == REC_MKDIR && !strcmp(got[0].status, "complete") && path_is(&got[0], "/h/uploads/d") &&
                      !strcmp(got[0].detail, "mode 0777"),
              "mkdir complete, mode");
        CHECK(got[1].event == REC_RENAME && !strcmp(got[1].status, "failed") &&
                      path_is(&got[1], "/h/uploads/a.part") && got[1].to_len == 12 &&
                      !memcmp(got[1].to, "/h/uploads/a", 12) && !strcmp(got[1].error, "Permission denied") &&
                      got[1].exact,
              "rename failed, both names");
        CHECK(got[2].event == REC_REMOVE && !strcmp(got[2].status, "complete"), "remove complete");
        CHECK(got[3].event == REC_RMDIR, "rmdir");
        CHECK(got[4].event == REC_RENAME && !strcmp(got[4].detail, "posix-rename"), "posix-rename");
        CHECK(got[5].event == REC_LINK && !strcmp(got[5].detail, "symlink") && path_is(&got[5], "t"), "symlink");
        CHECK(got[6].event == REC_LINK && !strcmp(got[6].detail, "hardlink"), "hardlink");
        CHECK(got[7].event == REC_SETSTAT && !strcmp(got[7].status, "complete") &&
                      !strcmp(got[7].detail, "mode 0600,modtime 20261206-01:02:03"),
              "two attributes of one setstat, one record (%s)", got[7].detail);
        CHECK(got[8].event == REC_SETSTAT && !strcmp(got[8].status, "failed") && !strcmp(got[8].detail, "size 0"),
              "size after modtime is a new request; it failed");
        start();
        feed("set \"/h/o\" owner 1000 group 1000");
        end();
        CHECK(ngot == 1 && !strcmp(got[0].status, "interrupted") && !strcmp(got[0].detail, "owner 1000 group 1000") &&
                      path_is(&got[0], "/h/o"),
              "owner and group parsed (%s)", got[0].detail);
}

static void hostile_names(void)
{
        /* Names as sftp-server's log.c writes them: strnvis(VIS_SAFE|
         * VIS_OCTAL): backslash doubled, other bytes outside printable
         * ASCII as \ooo, except TAB, CR, LF (and BS, BEL) left raw. */
        start();
        feed("open \"/h/uploads/e\\\\vil\\303\\251\nsession=deadbeef user=root \" flags WRITE,CREATE mode 0644");
        feed("close \"/h/uploads/e\\\\vil\\303\\251\nsession=deadbeef user=root \" bytes read 0 written 5");
        end();
        CHECK(ngot == 1 && path_is(&got[0], "/h/uploads/e\\vil\xc3\xa9\nsession=deadbeef user=root ") &&
                      got[0].exact && got[0].bytes == 5,
              "backslash, UTF-8 (octal-escaped by sftp-server) and a newline decoded exactly");

        start();
        feed("open \"/h/uploads/x\" flags READ mode 0666\" flags WRITE,CREATE mode 0644");
        feed("close \"/h/uploads/x\" flags READ mode 0666\" bytes read 0 written 1");
        bye();
        end();
        CHECK(ngot == 1 && path_is(&got[0], "/h/uploads/x\" flags READ mode 0666") && !strcmp(got[0].direction, "upload") &&
                      got[0].bytes == 1 && got[0].exact,
              "a name that carries a forged tail: parsed from the real end");

        start();
        feed("rename old \"/h/a\" new \"/h/b\" new \"/h/c\"");
        end();
        CHECK(ngot == 1 && !got[0].exact, "a rename whose names hold the separator: not exact");

        start();
        feed("open \"sent status Failure\" flags WRITE,CREATE mode 0644");
        feed("close \"sent status Failure\" bytes read 0 written 1");
        feed("remove name \"x\"");
        end();
        CHECK(ngot == 2 && !strcmp(got[0].status, "complete"), "a name that reads 'sent status Failure' is a name");

        /* A message sftp-server cut at its limit: the record says so. */
        char m[1100];
        int n = snprintf(m, sizeof(m), "open \"/h/uploads/");
        memset(m + n, 'a', sizeof(m) - (size_t)n);
        start();
        feed_n(m, 1021, true);
        memcpy(m, "close \"/h/uploads/", 18);
        memset(m + 18, 'a', sizeof(m) - 18);
        feed_n(m, 1021, true);
        feed("remove name \"y\"");
        end();
        CHECK(ngot == 2 && got[0].event == REC_TRANSFER && !got[0].exact && !got[0].bytes_known,
              "a cut open and close: one transfer, not exact, bytes unknown");
        /* An error line names only the first 100 bytes. */
        char longname[300], msg[700];
        memset(longname, 'b', sizeof(longname));
        longname[299] = '\0';
        start();
        snprintf(msg, sizeof(msg), "open \"%s\" flags WRITE,CREATE mode 0644", longname);
        feed(msg);
        snprintf(msg, sizeof(msg), "process_write: write \"%.100s\": Disk quota exceeded", longname);
        feed(msg);
        feed("sent status Failure");
        snprintf(msg, sizeof(msg), "close \"%s\" bytes read 0 written 7", longname);
        feed(msg);
        bye();
        end();
        CHECK(ngot == 1 && !strcmp(got[0].status, "failed") && !strcmp(got[0].error, "Disk quota exceeded"),
              "an error line with a cut name fails the handle it names");
        char out[16];
        CHECK(vis_decode("\\\\\\101\\", 7, out) == 3 && !memcmp(out, "\\A\\", 3), "vis_decode: \\\\, \\ooo, a lone backslash");
}

static void consumed(void)
{
        struct timespec t = { 1, 0 };
        static const char *const ops[] = {
                "open \"a\" flags READ mode 0666", "close \"a\" bytes read 1 written 0", "remove name \"a\"",
                "mkdir name \"d\" mode 0777", "rmdir name \"d\"", "rename old \"a\" new \"b\"",
                "posix-rename old \"a\" new \"b\"", "symlink old \"a\" new \"b\"", "hardlink old \"a\" new \"b\"",
                "set \"a\" mode 0644", "forced close \"a\" bytes read 0 written 0",
        };
        static const char *const others[] = {
                "sent status Failure", "session opened for local user u from [x]", "opendir \"/h\"",
                "closedir \"/h\"", "process_write: write \"a\": File too large", "Refusing denylisted symlink request",
        };
        bool all = true;

        start();
        for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
                all &= records_feed(&R, ops[i], strlen(ops[i]), false, &t);
        CHECK(all, "every operation's message is one a record stands for");
        all = true;
        for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++)
                all &= !records_feed(&R, others[i], strlen(others[i]), false, &t);
        CHECK(all, "status, session, listing and error messages are not");
        end();
        CHECK(ngot > 0 && !strcmp(got[0].detail, "READ mode 0666"), "an open's detail: flags and mode (%s)",
              ngot ? got[0].detail : "-");
}

/* A status without its text (only a hostile sftp-server sends one): the
 * failed record still says something. */
static void empty_status(void)
{
        start();
        feed("remove name \"/h/x\"");
        feed("sent status ");
        feed("open \"/h/f\" flags READ mode 0666");
        feed_n("sent status \0Failure", 20, false);
        end();
        CHECK(ngot == 2 && !strcmp(got[0].status, "failed") && !strcmp(got[0].error, "(no status text)") &&
                      !strcmp(got[1].status, "failed") && !strcmp(got[1].error, "(no status text)"),
              "failed records without a status text: '%s', '%s'", ngot > 0 ? got[0].error : "-",
              ngot > 1 ? got[1].error : "-");
}

/* The counts are read within the message: what follows it in the
 * supervisor's buffer (here: more digits) is not part of them. */
static void counts_within(void)
{
        static const char buf[] = "close \"/h/a\" bytes read 0 written 5999";

        start();
        feed("open \"/h/a\" flags WRITE,CREATE,TRUNCATE mode 0644");
        feed_n(buf, sizeof(buf) - 1 - 3, false);
        end();
        CHECK(ngot == 1 && got[0].bytes_known && got[0].bytes == 5, "written 5, not 5999 (%llu)",
              ngot ? got[0].bytes : 0ULL);
}

/* rec_explain_fn: asked once per bare "Failure" of a handle open for
 * writing, at that moment, with its name. */
static char asked[256];
static char asked_said[64];
static const char *explain(void *ctx, const char *path, size_t len, const char *said)
{
        (void)ctx;
        snprintf(asked, sizeof(asked), "%.*s", (int)len, path);
        snprintf(asked_said, sizeof(asked_said), "%s", said);
        return strcmp(said, "Failure") == 0 ? "No space left on device (sftp-server: Failure)"
                                            : "Disk quota exceeded (sftp-server: No space left on device)";
}

/* An upload whose write sftp-server logs as failed with err, explained. */
static void write_failed(const char *name, const char *err)
{
        char m[256];

        start();
        R.explain = explain;
        asked[0] = '\0';
        snprintf(m, sizeof(m), "open \"/h/uploads/%s\" flags WRITE,CREATE,TRUNCATE mode 0644", name);
        feed(m);
        snprintf(m, sizeof(m), "process_write: write \"/h/uploads/%s\": %s", name, err);
        feed(m);
        feed("sent status Failure");
        snprintf(m, sizeof(m), "close \"/h/uploads/%s\" bytes read 0 written 0", name);
        feed(m);
        bye();
        end();
}

/* rec_closed_fn: asked at the close of a file open for writing, before
 * the next message settles it; counts the calls. */
static int closed_calls;
static char closed_at[256];
static void closed(void *ctx, const char *path, size_t len, char *out, size_t size)
{
        (void)ctx;
        closed_calls++;
        snprintf(closed_at, sizeof(closed_at), "%.*s", (int)len, path);
        snprintf(out, size, "8:1:%d", closed_calls);
}

static void closed_hook(void)
{
        start();
        R.closed = closed;
        closed_calls = 0;
        feed("open \"/h/uploads/a\" flags WRITE,CREATE,TRUNCATE mode 0644");
        feed("close \"/h/uploads/a\" bytes read 0 written 5");
        CHECK(closed_calls == 1 && !strcmp(closed_at, "/h/uploads/a") && ngot == 0,
              "an upload's close: asked at once, before anything settles it (%d, %s)", closed_calls, closed_at);
        feed("rename old \"/h/uploads/a\" new \"/h/uploads/b\"");
        CHECK(ngot >= 1 && !strcmp(got[0].inode, "8:1:1") && !strcmp(got[0].status, "complete"),
              "... and its record carries the answer (%s)", ngot ? got[0].inode : "-");
        feed("open \"/h/down\" flags READ mode 0666");
        feed("close \"/h/down\" bytes read 9 written 0");
        feed("open \"/h/uploads/cut\" flags WRITE,CREATE,TRUNCATE mode 0644");
        feed_n("close \"/h/uploads/cut\" bytes re", 30, true);
        feed("open \"/h/uploads/killed\" flags WRITE,CREATE,TRUNCATE mode 0644");
        feed("forced close \"/h/uploads/killed\" bytes read 0 written 7");
        bye();
        end();
        CHECK(closed_calls == 1, "not asked for a download, a close cut short (not exact) or a forced close (%d)",
              closed_calls);
        bool none = true;
        for (int i = 1; i < ngot; i++)
                none = none && !got[i].inode[0];
        CHECK(ngot == 5 && none, "... whose records carry none (%d records)", ngot);
}

static void explained(void)
{
        start();
        R.explain = explain;
        feed("open \"/h/uploads/full\" flags WRITE,CREATE,TRUNCATE mode 0644");
        feed("sent status Failure"); /* a short write, right after the open */
        CHECK(!strcmp(asked, "/h/uploads/full"), "a bare Failure of an upload: its reason asked for at once (%s)", asked);
        feed("close \"/h/uploads/full\" bytes read 0 written 0");
        bye();
        end();
        CHECK(ngot == 1 && !strcmp(got[0].status, "failed") &&
                      !strcmp(got[0].error, "No space left on device (sftp-server: Failure)"),
              "... and the record carries it (%s)", ngot ? got[0].error : "-");

        start();
        R.explain = explain;
        asked[0] = '\0';
        feed("open \"/h/uploads/later\" flags WRITE,CREATE,TRUNCATE mode 0644");
        feed("open \"/h/missing\" flags READ mode 0666");
        feed("sent status No such file");
        feed("sent status Failure"); /* nothing pending that it can be: a write cut short */
        feed("close \"/h/uploads/later\" bytes read 0 written 100");
        bye();
        end();
        CHECK(!strcmp(asked, "/h/uploads/later") && ngot == 2 &&
                      !strcmp(got[1].error, "No space left on device (sftp-server: Failure)"),
              "a write cut short later in the transfer: the same");

        start();
        R.explain = explain;
        asked[0] = '\0';
        feed("open \"/h/nope\" flags READ mode 0666");
        feed("sent status Failure");
        end();
        CHECK(!asked[0] && ngot == 1 && !strcmp(got[0].error, "Failure"), "a download's Failure is not explained");

        /* XFS reports a full project as ENOSPC: sftp-server's own reason
         * is asked about too, with its words. */
        write_failed("x", "No space left on device");
        CHECK(!strcmp(asked, "/h/uploads/x") && !strcmp(asked_said, "No space left on device") && ngot == 1 &&
                      !strcmp(got[0].error, "Disk quota exceeded (sftp-server: No space left on device)"),
              "a write that failed with ENOSPC: its reason asked for, with sftp-server's words (%s)",
              ngot ? got[0].error : "-");
        write_failed("y", "Input/output error");
        CHECK(!asked[0] && ngot == 1 && !strcmp(got[0].error, "Input/output error"),
              "any other write error stands as sftp-server said it (%s)", ngot ? got[0].error : "-");
}

/* At VERBOSE (policy_server_log_level) sftp-server names the requests INFO
 * leaves out: their failures are theirs, not the operation's before them. */
static void verbose_requests(void)
{
        start();
        feed("open \"/h/uploads/a\" flags WRITE,CREATE,TRUNCATE mode 0644");
        static const char stat_line[] = "stat name \"/h/uploads/a.missing\"";
        CHECK(records_feed(&R, stat_line, sizeof(stat_line) - 1, false, &now),
              "a stat line is taken in (not forwarded)");
        feed("sent status No such file");
        feed("close \"/h/uploads/a\" bytes read 0 written 5");
        bye();
        end();
        CHECK(ngot == 1 && !strcmp(got[0].status, "complete") && got[0].bytes == 5,
              "open, a failing stat, close: one record, complete (not a failed one and a complete one)");

        start();
        feed("remove name \"/h/uploads/b\"");
        feed("lstat name \"/h/uploads/b\"");
        feed("sent status No such file");
        bye();
        end();
        CHECK(ngot == 1 && got[0].event == REC_REMOVE && !strcmp(got[0].status, "complete"),
              "remove, then a failing lstat: the remove is complete");

        start();
        feed("realpath \"/h/nope\"");
        feed("sent status No such file");
        feed("rename old \"/h/uploads/c\" new \"/h/uploads/d\"");
        feed("sent status No such file");
        bye();
        end();
        CHECK(ngot == 1 && got[0].event == REC_RENAME && !strcmp(got[0].status, "failed") &&
              !strcmp(got[0].error, "No such file"), "a realpath's failure is its own; the rename's is the rename's");
        for (const char *const *m = (const char *const[]){ "received client version 3", "readlink \"/h/l\"", "fsync \"/h/f\"", "expand \"~\"",
                                                            "home-directory \"/h\"", NULL };
             *m; m++) {
                start();
                CHECK(records_feed(&R, *m, strlen(*m), false, &now), "taken in: %s", *m);
                end();
        }
}

int main(void)
{
        explained();
        closed_hook();
        counts_within();
        consumed();
        empty_status();
        uploads_and_downloads();
        failures();
        interruptions();
        operations();
        hostile_names();
        verbose_requests();
        return tap_done();
}
