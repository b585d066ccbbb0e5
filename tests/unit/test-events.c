/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdlib.h>
#include <sys/sysmacros.h>

#include "events.h"
#include "records.h"
#include "tap.h"
#include "util.h"

#define SUP "/usr/libexec/sftpjail/sftpjail-supervise"
#define AREA "/srv/sftp/alice/uploads"

static struct ev_entry upload(const char *path)
{
        struct ev_entry e = {
                .exe = SUP, .uid = "1001", .msgid = SFTPJAIL_MSGID_TRANSFER, .user = "alice",
                .session = "0123456789abcdef", .event = "transfer", .status = "complete", .direction = "upload",
                .exact = "yes", .bytes = "42", .handle = "3", .end = "2026-12-06T01:02:03.456Z",
                .client = "192.0.2.1:5555", .path = path, .path_len = strlen(path),
        };
        return e;
}

static struct ev_entry rename_(const char *from, const char *to)
{
        struct ev_entry e = upload(from);
        e.msgid = SFTPJAIL_MSGID_OPERATION;
        e.event = "rename";
        e.direction = e.bytes = e.handle = NULL;
        e.to = to;
        e.to_len = strlen(to);
        return e;
}

static const struct ev_user alice = { .uid = 1001, .area = AREA, .temp_suffixes = ".filepart .part" };

static enum ev_kind decide(const struct ev_entry *e, struct ev_decision *d)
{
        return ev_decide(e, SUP, &alice, d);
}

static void decisions(void)
{
        struct ev_decision d;
        struct ev_entry e = upload(AREA "/in/report.csv");

        CHECK(decide(&e, &d) == EV_UPLOAD && streq(d.rel, "in/report.csv") && d.bytes == 42 && d.handle == 3 &&
                      streq(d.key, "0123456789abcdef-3") && d.end.tv_sec == 1796518923 &&
                      d.end.tv_nsec == 456000000,
              "a complete exact upload fires: rel, bytes, key, end (%s %s)", d.rel, d.key);
        CHECK(!d.inode.known, "no SFTPJAIL_INODE: no inode to check");
        e.inode = "254:3:77";
        CHECK(decide(&e, &d) == EV_UPLOAD && d.inode.known && d.inode.major == 254 && d.inode.minor == 3 &&
                      d.inode.ino == 77,
              "SFTPJAIL_INODE is carried");
        e.inode = "254:3";
        CHECK(decide(&e, &d) == EV_IGNORE && strstr(d.why, "inode"), "a malformed inode: ignored (%s)", d.why);
        e.inode = NULL;
        e.status = "interrupted";
        CHECK(decide(&e, &d) == EV_IGNORE, "interrupted: ignored (%s)", d.why);
        e.status = "failed";
        CHECK(decide(&e, &d) == EV_IGNORE, "failed: ignored");
        e = upload(AREA "/x");
        e.exact = "no";
        CHECK(decide(&e, &d) == EV_IGNORE, "exact=no: ignored");
        e = upload(AREA "/x");
        e.direction = "download";
        CHECK(decide(&e, &d) == EV_IGNORE, "a download: ignored");
        e = upload(AREA "/x");
        e.bytes = NULL;
        CHECK(decide(&e, &d) == EV_IGNORE, "bytes unknown: ignored");
        e.bytes = "12x";
        CHECK(decide(&e, &d) == EV_IGNORE, "bytes not a number: ignored");
        e = upload(AREA "/x");
        e.msgid = SFTPJAIL_MSGID_OPERATION;
        CHECK(decide(&e, &d) == EV_IGNORE, "a transfer under another MESSAGE_ID: ignored");

        /* trust */
        e = upload(AREA "/x");
        e.exe = "/usr/bin/logger";
        CHECK(decide(&e, &d) == EV_IGNORE && strstr(d.why, "_EXE"), "another _EXE: ignored (%s)", d.why);
        e.exe = NULL;
        CHECK(decide(&e, &d) == EV_IGNORE, "no _EXE: ignored");
        e = upload(AREA "/x");
        e.uid = "0";
        CHECK(decide(&e, &d) == EV_IGNORE, "_UID root (not the user's): ignored");
        e.uid = "1002";
        CHECK(decide(&e, &d) == EV_IGNORE, "_UID of another user: ignored");
        e.uid = NULL;
        CHECK(decide(&e, &d) == EV_IGNORE, "no _UID: ignored");
        e = upload(AREA "/x");
        CHECK(ev_decide(&e, SUP, NULL, &d) == EV_IGNORE, "unknown user / no on_upload: ignored");
        e.session = "0123";
        CHECK(decide(&e, &d) == EV_IGNORE, "a bad session id: ignored");
        e = upload(AREA "/x");
        e.end = "yesterday";
        CHECK(decide(&e, &d) == EV_IGNORE, "a bad end time: ignored");

        /* names */
        static const char *const bad[] = {
                "/etc/shadow", AREA, AREA "/", "/srv/sftp/alice/uploadsX/f", "/srv/sftp/alice/f",
                AREA "/../f", AREA "/a/../../f", AREA "/./f", AREA "//f", AREA "/d/", AREA "/..",
                "/srv/sftp/bob/uploads/f", "uploads/f",
        };
        bool all = true;
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                e = upload(bad[i]);
                if (decide(&e, &d) != EV_IGNORE) {
                        all = false;
                        printf("#   acted on %s\n", bad[i]);
                }
        }
        CHECK(all, "names outside the uploads, with '..', '.', empty components, relative: all ignored");
        char nul[] = AREA "/a\0b";
        e = upload(nul);
        e.path_len = sizeof(nul) - 1;
        CHECK(decide(&e, &d) == EV_IGNORE, "a name with a NUL byte: ignored");
        e = upload(AREA "/new\nline \"q\" \xff");
        CHECK(decide(&e, &d) == EV_UPLOAD && streq(d.rel, "new\nline \"q\" \xff"), "any other byte is kept exactly");

        /* temporary names */
        e = upload(AREA "/big.iso.filepart");
        CHECK(decide(&e, &d) == EV_IGNORE && strstr(d.why, "temporary"), "an upload to *.filepart waits (%s)", d.why);
        e = upload(AREA "/big.iso.part");
        CHECK(decide(&e, &d) == EV_IGNORE, "... and to *.part");
        e = rename_(AREA "/big.iso.part", AREA "/big.iso");
        CHECK(decide(&e, &d) == EV_RENAME && streq(d.rel, "big.iso"), "a rename .part -> final: needs the upload");
        struct ev_entry up = upload(AREA "/big.iso.part");
        up.handle = "7";
        up.bytes = "1000";
        CHECK(ev_decide_prior(&up, SUP, &alice, &d) == EV_UPLOAD && d.bytes == 1000 &&
                      streq(d.key, "0123456789abcdef-7") && streq(d.rel, "big.iso") && d.end.tv_sec == 1796518923,
              "... with a complete upload of the .part: fires for the final name, the upload's key and bytes");
        struct ev_decision d2;
        e = rename_(AREA "/big.iso.part", AREA "/big.iso");
        decide(&e, &d2);
        up.status = "interrupted";
        CHECK(ev_decide_prior(&up, SUP, &alice, &d2) == EV_IGNORE, "... the .part upload interrupted: ignored");
        decide(&e, &d2);
        CHECK(ev_decide_prior(NULL, SUP, &alice, &d2) == EV_IGNORE, "... no upload of it in the session: ignored");
        decide(&e, &d2);
        up = upload(AREA "/big.iso.part");
        up.exe = "/usr/bin/logger";
        CHECK(ev_decide_prior(&up, SUP, &alice, &d2) == EV_IGNORE, "... a forged upload record: ignored");
        e = rename_(AREA "/a.txt", AREA "/b.txt");
        CHECK(decide(&e, &d) == EV_IGNORE, "a rename between final names: ignored");
        e = rename_(AREA "/a.part", AREA "/b.filepart");
        CHECK(decide(&e, &d) == EV_IGNORE, "a rename to another temporary name: ignored");
        e = rename_(AREA "/a.part", "/etc/cron.d/x");
        CHECK(decide(&e, &d) == EV_IGNORE, "a rename out of the uploads: ignored");
        e = rename_(AREA "/a.part", AREA "/../x");
        CHECK(decide(&e, &d) == EV_IGNORE, "a rename to '..': ignored");
        e = rename_(AREA "/a.part", AREA "/a");
        e.status = "failed";
        CHECK(decide(&e, &d) == EV_IGNORE, "a failed rename: ignored");
        e = rename_(AREA "/a.part", AREA "/a");
        e.exact = "no";
        CHECK(decide(&e, &d) == EV_IGNORE, "a rename that is not exact: ignored");
        e = rename_(AREA "/a.part", AREA "/a");
        e.to = NULL;
        CHECK(decide(&e, &d) == EV_IGNORE, "a rename without its new name: ignored");
}

static void checks(void)
{
        struct timespec end;
        struct stat st = { .st_mode = S_IFREG | 0644, .st_size = 42, .st_uid = 1001 };
        const char *why = NULL;
        const struct ev_inode noino = { 0 };
        struct ev_inode ino;

        CHECK(ev_parse_time("2026-12-06T01:02:03.456Z", &end) == 0 && end.tv_nsec == 456000000, "end time parsed");
        CHECK(ev_parse_time("2026-12-06T01:02:03.456", &end) < 0 && ev_parse_time("2026-12-06T01:02:03Z", &end) < 0 &&
                      ev_parse_time("2026-12-06T01:02:03.456Zx", &end) < 0,
              "malformed end times refused");
        /* Found by fuzz-events: timegm() made these another time. */
        CHECK(ev_parse_time("2026-74-06T01:02:03.456Z", &end) < 0 && ev_parse_time("2026-02-30T01:02:03.456Z", &end) < 0 &&
                      ev_parse_time("2026-12-06T24:02:03.456Z", &end) < 0 &&
                      ev_parse_time("2026-12-06T01:02:60.456Z", &end) < 0,
              "end times that name no time refused");
        ev_parse_time("2026-12-06T01:02:03.456Z", &end);
        st.st_mtim = end;
        st.st_mtim.tv_nsec = 456999999;
        CHECK(ev_unchanged(&st, 1001, &noino, 42, &end, &why) == 0, "mtime within the record's millisecond: unchanged");
        st.st_mtim.tv_nsec = 457000000;
        CHECK(ev_unchanged(&st, 1001, &noino, 42, &end, &why) < 0 && strstr(why, "modified"), "mtime after it: changed");
        st.st_mtim.tv_sec -= 100;
        CHECK(ev_unchanged(&st, 1001, &noino, 42, &end, &why) == 0, "an older mtime (sftp -p): unchanged");
        CHECK(ev_unchanged(&st, 1001, &noino, 41, &end, &why) < 0 && strstr(why, "size"), "another size: changed");
        CHECK(ev_unchanged(&st, 1002, &noino, 42, &end, &why) < 0 && strstr(why, "owned"), "another owner: refused");
        st.st_mode = S_IFIFO | 0644;
        CHECK(ev_unchanged(&st, 1001, &noino, 42, &end, &why) < 0 && strstr(why, "regular"), "not a regular file");
        end.tv_nsec = 999500000;
        st.st_mode = S_IFREG | 0644;
        st.st_mtim = end;
        st.st_mtim.tv_nsec = 999999999;
        CHECK(ev_unchanged(&st, 1001, &noino, 42, &end, &why) == 0, "the millisecond's end wraps to the next second");

        /* The inode the close saw. */
        st.st_mtim = end;
        st.st_dev = makedev(8, 17);
        st.st_ino = 123456789012ULL;
        CHECK(ev_parse_inode("8:17:123456789012", &ino) == 0 && ino.known && ino.major == 8 && ino.minor == 17 &&
                      ino.ino == 123456789012ULL,
              "inode parsed");
        CHECK(ev_unchanged(&st, 1001, &ino, 42, &end, &why) == 0, "the same device and inode: unchanged");
        st.st_ino++;
        CHECK(ev_unchanged(&st, 1001, &ino, 42, &end, &why) < 0 && strstr(why, "inode"),
              "another inode, same size and mtime: refused (%s)", why);
        st.st_ino--;
        st.st_dev = makedev(8, 18);
        CHECK(ev_unchanged(&st, 1001, &ino, 42, &end, &why) < 0 && strstr(why, "inode"), "another device: refused");
        CHECK(ev_unchanged(&st, 1001, &noino, 42, &end, &why) == 0, "no inode in the record: size and mtime only");
        CHECK(ev_parse_inode("8:17", &ino) < 0 && ev_parse_inode("8:17:", &ino) < 0 && ev_parse_inode("::1", &ino) < 0 &&
                      ev_parse_inode("8:17:1x", &ino) < 0 && ev_parse_inode("-8:17:1", &ino) < 0 &&
                      ev_parse_inode("4294967296:0:1", &ino) < 0 && ev_parse_inode("8:17:1:2", &ino) < 0 &&
                      ev_parse_inode(NULL, &ino) < 0 && !ino.known,
              "malformed inodes refused");

        CHECK(ev_backoff(1, 5, 300) == 5 && ev_backoff(2, 5, 300) == 10 && ev_backoff(4, 5, 300) == 40 &&
                      ev_backoff(10, 5, 300) == 300 && ev_backoff(1000, 5, 300) == 300,
              "backoff doubles from the base up to the cap");
}

static void state(void)
{
        struct ev_state s, t;
        struct ev_item it = { .key = "0123456789abcdef-3", .user = "alice", .uid = 1001,
                              .session = "0123456789abcdef", .handle = 3, .bytes = 42, .attempts = 2,
                              .next_at = 1796518999, .running = true, .client = "192.0.2.1:5555",
                              .fp = "ssh-ed25519 SHA256:abc" };
        char *buf = NULL;
        size_t len = 0;

        it.end.tv_sec = 1796518923;
        it.end.tv_nsec = 456000000;
        it.inode = (struct ev_inode){ .known = true, .major = 259, .minor = 1, .ino = 18446744073709551615ULL };
        memcpy(it.rel, "a b\n\"c\"\xff", it.rel_len = 9);
        ev_state_init(&s);
        CHECK(ev_state_push(&s, &it) == 0, "push");
        it.running = false;
        strcpy(it.key, "0123456789abcdef-4");
        memcpy(it.ready, "ready/x", it.ready_len = 7);
        it.fp[0] = '\0';
        it.inode.known = false;
        ev_state_push(&s, &it);
        ev_set_cursor(&s, "s=abc;i=12;b=x y");
        s.hook_runs = 17;
        s.hook_failures = 2;
        for (int i = 0; i < EV_DONE_MAX + 5; i++) {
                char k[EV_KEY_MAX];
                snprintf(k, sizeof(k), "fedcba9876543210-%d", i);
                ev_state_done(&s, k);
        }
        CHECK(ev_state_seen(&s, "0123456789abcdef-4") && ev_state_seen(&s, "fedcba9876543210-4100") &&
                      !ev_state_seen(&s, "fedcba9876543210-4") && !ev_state_seen(&s, "fedcba9876543210-99999"),
              "seen: queued and the last %d done keys", EV_DONE_MAX);
        FILE *f = open_memstream(&buf, &len);
        CHECK(ev_state_write(&s, f) == 0, "written");
        fclose(f);
        f = fmemopen(buf, len, "r");
        CHECK(ev_state_read(&t, f) == 0, "read back");
        fclose(f);
        CHECK(t.n_items == 2 && streq(t.items[0].key, "0123456789abcdef-3") && t.items[0].rel_len == 9 &&
                      memcmp(t.items[0].rel, "a b\n\"c\"\xff", 9) == 0 && t.items[0].running && !t.items[1].running &&
                      t.items[0].end.tv_nsec == 456000000 && t.items[0].attempts == 2 &&
                      t.items[0].next_at == 1796518999 && streq(t.items[0].fp, "ssh-ed25519 SHA256:abc") &&
                      streq(t.items[1].ready, "ready/x") && !t.items[1].fp[0] && streq(t.items[1].client, "192.0.2.1:5555"),
              "the queue round-trips, names with any byte");
        CHECK(t.items[0].inode.known && t.items[0].inode.major == 259 && t.items[0].inode.minor == 1 &&
                      t.items[0].inode.ino == 18446744073709551615ULL && !t.items[1].inode.known,
              "the inode round-trips, and its absence");
        CHECK(t.cursor && streq(t.cursor, "s=abc;i=12;b=x y") && t.hook_runs == 17 && t.hook_failures == 2 &&
                      t.n_done == EV_DONE_MAX && ev_state_seen(&t, "fedcba9876543210-4100") &&
                      !ev_state_seen(&t, "fedcba9876543210-4"),
              "cursor, counters and done keys round-trip");
        ev_state_remove(&t, 0);
        CHECK(t.n_items == 1 && streq(t.items[0].key, "0123456789abcdef-4"), "remove");
        ev_state_free(&t);

        /* Cut short, or not ours: refused, never half read. */
        f = fmemopen(buf, len - 3, "r");
        CHECK(ev_state_read(&t, f) < 0 && t.n_items == 0 && !t.cursor, "a state file cut short is refused");
        fclose(f);
        /* Version 1 (before the inode): an upgrade keeps its queue. */
        static const char v1[] = "sftpjail-events-state 1\ncursor -\ncounters 3 1\n"
                                 "item 0123456789abcdef-3 alice 1001 0123456789abcdef 3 42 1796518923 456000000 0 0 0 "
                                 "612f62 - - -\n";
        f = fmemopen((char *)v1, sizeof(v1) - 1, "r");
        CHECK(ev_state_read(&t, f) == 0 && t.n_items == 1 && !t.items[0].inode.known && t.items[0].bytes == 42 &&
                      streq(t.items[0].rel, "a/b") && t.hook_runs == 3,
              "a version 1 state file is read (no inode)");
        fclose(f);
        ev_state_free(&t);
        static const char v1x[] = "sftpjail-events-state 1\ncursor -\ncounters 3 1\n"
                                  "item 0123456789abcdef-3 alice 1001 0123456789abcdef 3 42 1796518923 456000000 0 0 0 "
                                  "612f62 - - - 8:1:2\n";
        f = fmemopen((char *)v1x, sizeof(v1x) - 1, "r");
        CHECK(ev_state_read(&t, f) < 0, "version 1 with an inode is not ours");
        fclose(f);
        f = fmemopen((char *)"something else\n", 15, "r");
        CHECK(ev_state_read(&t, f) < 0, "a foreign file is refused");
        fclose(f);
        free(buf);
        ev_state_free(&s);
}

int main(void)
{
        decisions();
        checks();
        state();
        return tap_done();
}
