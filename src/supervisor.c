/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "supervisor.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>

#include "log.h"
#include "quota.h"
#include "seccomp-filter.h"
#include "session-abi.h"

#include <linux/seccomp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>

/* Parse the decimal number that ends at end (exclusive), backwards;
 * returns where it starts, or NULL.  Digits only, no overflow. */
static const char *number_before(const char *start, const char *end, uint64_t *out)
{
        const char *p = end;
        uint64_t v = 0;

        while (p > start && p[-1] >= '0' && p[-1] <= '9')
                p--;
        if (p == end)
                return NULL;
        for (const char *q = p; q < end; q++) {
                unsigned d = (unsigned)(*q - '0');
                if (v > (UINT64_MAX - d) / 10)
                        return NULL;
                v = v * 10 + d;
        }
        *out = v;
        return p;
}

/* "TAG" right before end: where it starts, or NULL. */
static const char *tag_before(const char *start, const char *end, const char *tag)
{
        size_t n = strlen(tag);

        return (size_t)(end - start) >= n && memcmp(end - n, tag, n) == 0 ? end - n : NULL;
}

int supervisor_parse_close(const char *msg, size_t len, uint64_t *rd, uint64_t *wr)
{
        /* sftp-server (INFO): close "PATH" bytes read R written W, the
         * whole message.  The message's boundaries are known (one record),
         * so its start is sftp-server's own text and so is its end: the
         * path lies between, whatever it contains, and the counts are
         * taken from the end. */
        static const char head[] = "close \"";
        const char *p = msg + len;
        uint64_t r, w;

        if (len < sizeof(head) - 1 || memcmp(msg, head, sizeof(head) - 1) != 0)
                return 0;
        if (!(p = number_before(msg, p, &w)) || !(p = tag_before(msg, p, " written ")) ||
            !(p = number_before(msg, p, &r)) || !(p = tag_before(msg, p, "\" bytes read ")))
                return 0;
        if (p < msg + sizeof(head) - 1) /* the opening quote is not also the closing one */
                return 0;
        *rd = r;
        *wr = w;
        return 1;
}

/* Bytes that some terminal or log viewer renders as something else than
 * one visible character: C1 controls, line and paragraph separators,
 * bidirectional overrides (U+0080-009F, U+2028-202E, U+2066-2069). */
static bool invisible(uint32_t cp)
{
        return (cp >= 0x80 && cp <= 0x9f) || (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

/* The length of the valid, shortest-form UTF-8 sequence at s (not a
 * surrogate, at most U+10FFFF, not invisible()), or 0. */
static size_t utf8_char(const unsigned char *s, size_t len)
{
        uint32_t cp, min;
        size_t n;

        if (s[0] >= 0xc2 && s[0] <= 0xdf)
                n = 2, cp = s[0] & 0x1fu, min = 0x80;
        else if (s[0] >= 0xe0 && s[0] <= 0xef)
                n = 3, cp = s[0] & 0x0fu, min = 0x800;
        else if (s[0] >= 0xf0 && s[0] <= 0xf4)
                n = 4, cp = s[0] & 0x07u, min = 0x10000;
        else
                return 0;
        if (len < n)
                return 0;
        for (size_t i = 1; i < n; i++) {
                if ((s[i] & 0xc0) != 0x80)
                        return 0;
                cp = cp << 6 | (s[i] & 0x3fu);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) || invisible(cp))
                return 0;
        return n;
}

size_t log_escape(const char *in, size_t len, char *out, size_t outlen)
{
        static const char hex[] = "0123456789abcdef";
        const unsigned char *s = (const unsigned char *)in;
        size_t i = 0, o = 0;

        if (!outlen)
                return 0;
        while (i < len) {
                char e[4];
                size_t elen = 0, ulen = 0;
                unsigned char c = s[i];

                if (c == '\\' || c == '"')
                        e[0] = '\\', e[1] = (char)c, elen = 2;
                else if (c == '\n')
                        e[0] = '\\', e[1] = 'n', elen = 2;
                else if (c == '\r')
                        e[0] = '\\', e[1] = 'r', elen = 2;
                else if (c == '\t')
                        e[0] = '\\', e[1] = 't', elen = 2;
                else if (c >= 0x20 && c < 0x7f)
                        e[0] = (char)c, elen = 1;
                else if (c >= 0x80 && (ulen = utf8_char(s + i, len - i)) > 0)
                        elen = 0; /* copied whole below */
                else
                        e[0] = '\\', e[1] = 'x', e[2] = hex[c >> 4], e[3] = hex[c & 15], elen = 4;
                size_t need = ulen ? ulen : elen;
                /* Stop before an escape that does not fit: never half of
                 * one, so that a cut line cannot end in a forged one. */
                if (o + need >= outlen)
                        break;
                memcpy(out + o, ulen ? in + i : e, need);
                o += need;
                i += ulen ? ulen : 1;
        }
        out[o] = '\0';
        return i;
}

/* The listener the child sends right before exec (send_fd).  Nothing
 * arrives if the jail failed first, or loaded the kill-default filter. */
static void receive_listener(struct session *s)
{
        s->listener_fd = recv_fd(s->notify_fd);
        close(s->notify_fd);
        s->notify_fd = -1;
}

/* A refused syscall: the jailed process is blocked in it; log it by name
 * and end the session (it never runs). */
static void refused_syscall(struct session *s)
{
        struct seccomp_notif n;

        memset(&n, 0, sizeof(n));
        if (ioctl(s->listener_fd, SECCOMP_IOCTL_NOTIF_RECV, &n) < 0) {
                if (errno == EINTR || errno == ENOENT)
                        return;
                close(s->listener_fd); /* the jail is gone */
                s->listener_fd = -1;
                return;
        }
        snprintf(s->refused, sizeof(s->refused), "%s", seccomp_syscall_name(n.data.nr));
        struct log_field f[] = {
                { "MESSAGE_ID", SFTPJAIL_MSGID_SECCOMP, 32 },
                { "SFTPJAIL_EVENT", "seccomp", 7 },
                { "SFTPJAIL_SYSCALL", s->refused, strlen(s->refused) },
        };
        log_record(LOG_ERR, f, 3, "seccomp: sftp-server called %s (nr %d), which the policy refuses; ending the session",
                   s->refused, n.data.nr);
        kill(s->child, SIGKILL);
}

static double elapsed(const struct timespec *since)
{
        struct timespec now;

        clock_gettime(CLOCK_MONOTONIC, &now);
        return (double)(now.tv_sec - since->tv_sec) + (double)(now.tv_nsec - since->tv_nsec) / 1e9;
}

/* The most an escaped message takes in syslog: a message of sftp-server
 * (at most SESSION_SFTP_SERVER_MSG_MAX bytes, each at most two once
 * escaped, since sftp-server's log.c has already octal-escaped all but
 * tab, CR and LF) always fits whole. */
#define LOG_ESCAPED_MAX 4096

/* "2026-12-06T01:02:03.456Z" */
static void iso_time(const struct timespec *t, char *out, size_t len)
{
        struct tm tm;
        char ymd[32];

        gmtime_r(&t->tv_sec, &tm);
        strftime(ymd, sizeof(ymd), "%Y-%m-%dT%H:%M:%S", &tm);
        snprintf(out, len, "%.20s.%03dZ", ymd, (int)(t->tv_nsec / 1000000) % 1000);
}

/* A record's names, absolute, in bytes; escaped for the text. */
#define NAME_MAX_BYTES (PATH_MAX + SESSION_SFTP_SERVER_MSG_MAX)
#define NAME_ESCAPED_MAX (4 * NAME_MAX_BYTES + 1)

/* sftp-server names files as the client did: a relative name is in its
 * working directory, the home, which the jail shows at its host path; so
 * home + "/" + name is the host's path for it. */
static size_t absolute(const char *home, const char *name, size_t len, char *out, size_t size)
{
        size_t h = strlen(home), n = 0;

        if (len && name[0] == '/') {
                n = len < size ? len : size;
                memcpy(out, name, n);
                return n;
        }
        if (h + 2 + len > size)
                len = size - h - 2; /* cannot happen: size is home's max + a name's */
        /* home, "/" unless home is "/", the name: */
        n = (size_t)snprintf(out, size, "%s%s", home, h == 1 && home[0] == '/' ? "" : "/");
        memcpy(out + n, name, len);
        return n + len;
}

const char *supervisor_explain_failure(const struct failure_facts *f)
{
        bool space, files;

        /* max_file_size first: the file ends at the limit, whatever room
         * the filesystem has (a quota full at the same moment did not cut
         * this write: the limit did). */
        if (f->file_known && f->fsize_known && f->fsize_limit != UINT64_MAX && f->file_size >= f->fsize_limit)
                return "File too large";
        if (!f->dir_known)
                return NULL;
        space = f->dir_room < FAILURE_ROOM_MIN;
        files = f->dir_files > 0 && f->dir_files_free == 0;
        if (!space && !files)
                return NULL;
        if (f->project_known && !f->project)
                return space ? "No space left on device"
                             : "No space left on device: no free inodes";
        /* Within a project the directory's numbers are the lesser of the
         * project's and the filesystem's: the filesystem's own, from
         * outside the project, tell which one ran out. */
        if (f->project_known && f->fs_known) {
                if (space)
                        return f->fs_room < FAILURE_ROOM_MIN ? "No space left on device"
                                                             : "Disk quota exceeded";
                return f->fs_files > 0 && f->fs_files_free == 0
                               ? "No space left on device: no free inodes"
                               : "Disk quota exceeded: file limit";
        }
        return "No space left on device or disk quota exceeded";
}

static void room_of(const struct statvfs *st, uint64_t *room, uint64_t *files, uint64_t *files_free)
{
        *room = (uint64_t)st->f_bavail * (st->f_frsize ? st->f_frsize : st->f_bsize);
        *files = st->f_files;
        *files_free = st->f_favail;
}

/* The nearest ancestor of dir outside its project, on its filesystem:
 * its statvfs is the filesystem's own.  Looked up as the user; at most a
 * path's depth of steps. */
static void filesystem_room(int dir, struct failure_facts *f)
{
        struct stat top, st;
        int fd = dir;

        if (fstat(dir, &top) < 0)
                return;
        for (int depth = 0; depth < PATH_MAX / 2; depth++) {
                int up = openat(fd, "..", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                uint32_t id;
                bool inherit;
                struct statvfs sv;

                if (fd != dir)
                        close(fd);
                fd = up;
                /* Unreadable, another filesystem, or the top of this one
                 * (".." of a mount's root is itself): not known. */
                if (fd < 0 || fstat(fd, &st) < 0 || st.st_dev != top.st_dev)
                        break;
                if (quota_get_project(fd, &id, &inherit) < 0)
                        break;
                if (!(id && inherit)) {
                        if (fstatvfs(fd, &sv) == 0) {
                                room_of(&sv, &f->fs_room, &f->fs_files, &f->fs_files_free);
                                f->fs_known = true;
                        }
                        break;
                }
                if (st.st_ino == top.st_ino)
                        break;
                top.st_ino = st.st_ino;
        }
        if (fd >= 0 && fd != dir)
                close(fd);
}

/* rec_explain_fn: sftp-server said only "Failure" of a file open for
 * writing (a short write, or an open that failed), or "No space left on
 * device" of a write.  Gathers what
 * supervisor_explain_failure() decides on: asked when the "Failure" is
 * read, before any request the client sent after hearing of it has
 * reached sftp-server (drain_log), so the client itself cannot have freed
 * space since.  As the user (whose ids we run with), the last component
 * not followed. */
static const char *explain_failure(void *ctx, const char *name, size_t len, const char *said)
{
        const struct session *s = ctx;
        static char path[NAME_MAX_BYTES];
        struct failure_facts f = { 0 };
        struct rlimit rl;
        struct statvfs sv;
        struct stat st;
        size_t plen = absolute(s->home, name, len, path, sizeof(path) - 1);
        static char base[NAME_MAX + 1];
        char *slash;
        uint32_t id;
        bool inherit;

        path[plen] = '\0';
        if (strlen(path) != plen || !(slash = strrchr(path, '/')) || strlen(slash + 1) > NAME_MAX)
                return NULL;
        snprintf(base, sizeof(base), "%s", slash + 1);
        *(slash == path ? slash + 1 : slash) = '\0';
        /* Readable for FS_IOC_FSGETXATTR; an uploads directory the user
         * may not list (write and search only) still has its statvfs. */
        _cleanup_close_ int dir = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (dir < 0 && (dir = open(path, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
                return NULL;
        if (base[0] && fstatat(dir, base, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode)) {
                f.file_known = true;
                f.file_size = (uint64_t)st.st_size;
        }
        /* sftp-server's own limit (sftpjail.c, set_file_size_limit): the
         * jail's pid 1 is sftp-server, ours by uid. */
        if (prlimit(s->child, RLIMIT_FSIZE, NULL, &rl) == 0) {
                f.fsize_known = true;
                f.fsize_limit = rl.rlim_cur == RLIM_INFINITY ? UINT64_MAX : (uint64_t)rl.rlim_cur;
        }
        if (fstatvfs(dir, &sv) == 0) {
                f.dir_known = true;
                room_of(&sv, &f.dir_room, &f.dir_files, &f.dir_files_free);
        }
        if (quota_get_project(dir, &id, &inherit) == 0) {
                f.project_known = true;
                f.project = id && inherit;
                if (f.project)
                        filesystem_room(dir, &f);
        } else if (errno == ENOTTY || errno == EOPNOTSUPP || errno == EINVAL) {
                f.project_known = true; /* a filesystem without projects */
        }
        const char *why = supervisor_explain_failure(&f);
        /* sftp-server's own "No space left on device" stands unless the
         * project's quota is what ran out (XFS's errno for it). */
        if (!why || (strcmp(said, "Failure") != 0 && strncmp(why, "No space left on device", 23) == 0))
                return NULL;
        static char text[128];
        snprintf(text, sizeof(text), "%s (sftp-server: %s)", why, said);
        return text;
}

/* rec_closed_fn: the device and inode under the name of a file open for
 * writing, "MAJOR:MINOR:INO", for sftpjail-events' "the same file as at
 * the close".  Asked when the close is read, before the relay passes on
 * what the client sent after the close's answer (drain_log), so a client
 * that waits for that answer cannot have replaced the file yet.  One that
 * pipelines a rename behind the close can (docs/records.md, "What this
 * does not cover").  As the user, the last component not followed; "" if
 * it is not a regular file there. */
static void closed_inode(void *ctx, const char *name, size_t len, char *out, size_t size)
{
        const struct session *s = ctx;
        static char path[NAME_MAX_BYTES];
        size_t plen = absolute(s->home, name, len, path, sizeof(path) - 1);
        struct stat st;

        out[0] = '\0';
        path[plen] = '\0';
        if (strlen(path) != plen || fstatat(AT_FDCWD, path, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
                return;
        snprintf(out, size, "%u:%u:%" PRIu64, major(st.st_dev), minor(st.st_dev), (uint64_t)st.st_ino);
}

/* One record of records.c: a line of key=value pairs after our
 * "session=S user=U" (the contract of docs/records.md: the first keys in
 * this order, values that may hold anything quoted and escaped as
 * log_escape() does), and in the journal the same as SFTPJAIL_* fields,
 * names with their exact bytes. */
static void emit_record(void *ctx, const struct rec *r)
{
        struct session *s = ctx;
        static char apath[NAME_MAX_BYTES], ato[NAME_MAX_BYTES], path[NAME_ESCAPED_MAX], to[NAME_ESCAPED_MAX],
                extra[NAME_ESCAPED_MAX + 512 + HOST_ESCAPED_MAX];
        char start[64], end[64], bytes[24] = "", dur[32], handle[24] = "", inode[72] = "";
        double d = (double)(r->end.tv_sec - r->start.tv_sec) + (double)(r->end.tv_nsec - r->start.tv_nsec) / 1e9;
        const char *event = rec_event_name(r->event);
        struct log_field f[20];
        size_t n = 0, l, plen, tlen = 0;

#define FIELD(name_, val_, len_) (f[n++] = (struct log_field){ (name_), (val_), (len_) })
        plen = absolute(s->home, r->path, r->path_len, apath, sizeof(apath));
        log_escape(apath, plen, path, sizeof(path));
        to[0] = '\0';
        if (r->to) {
                /* A symlink's target is text for the link, not a path here. */
                if (r->event == REC_LINK && streq(r->detail, "symlink"))
                        memcpy(ato, r->to, tlen = r->to_len < sizeof(ato) ? r->to_len : sizeof(ato));
                else
                        tlen = absolute(s->home, r->to, r->to_len, ato, sizeof(ato));
                log_escape(ato, tlen, to, sizeof(to));
        }
        iso_time(&r->start, start, sizeof(start));
        iso_time(&r->end, end, sizeof(end));
        snprintf(dur, sizeof(dur), "%.3f", d < 0 ? 0.0 : d);
        if (r->bytes_known)
                snprintf(bytes, sizeof(bytes), "%" PRIu64, r->bytes);
        FIELD("MESSAGE_ID", r->event == REC_TRANSFER ? SFTPJAIL_MSGID_TRANSFER : SFTPJAIL_MSGID_OPERATION, 32);
        FIELD("SFTPJAIL_EVENT", event, strlen(event));
        if (r->direction)
                FIELD("SFTPJAIL_DIRECTION", r->direction, strlen(r->direction));
        FIELD("SFTPJAIL_STATUS", r->status, strlen(r->status));
        if (r->event == REC_TRANSFER && r->bytes_known)
                FIELD("SFTPJAIL_BYTES", bytes, strlen(bytes));
        FIELD("SFTPJAIL_PATH", apath, plen);
        if (r->to)
                FIELD("SFTPJAIL_TO", ato, tlen);
        FIELD("SFTPJAIL_EXACT", r->exact ? "yes" : "no", r->exact ? 3 : 2);
        FIELD("SFTPJAIL_CLIENT", s->client, strlen(s->client));
        if (s->key)
                FIELD("SFTPJAIL_KEY", s->key, strlen(s->key));
        if (s->host)
                FIELD("SFTPJAIL_HOST", s->host_raw, strlen(s->host_raw));
        if (r->event == REC_TRANSFER) {
                snprintf(handle, sizeof(handle), "%" PRIu64, r->handle);
                FIELD("SFTPJAIL_HANDLE", handle, strlen(handle));
                /* Only a complete upload's: what sftpjail-events checks. */
                if (r->inode && streq(r->status, "complete") && r->direction && streq(r->direction, "upload"))
                        snprintf(inode, sizeof(inode), "%s", r->inode);
                if (inode[0])
                        FIELD("SFTPJAIL_INODE", inode, strlen(inode));
        }
        FIELD("SFTPJAIL_START", start, strlen(start));
        FIELD("SFTPJAIL_END", end, strlen(end));
        FIELD("SFTPJAIL_DURATION", dur, strlen(dur));
        if (r->error)
                FIELD("SFTPJAIL_ERROR", r->error, strlen(r->error));
        if (r->detail && *r->detail)
                FIELD("SFTPJAIL_DETAIL", r->detail, strlen(r->detail));
#undef FIELD

        /* The text: the fixed keys first, then the rest. */
        l = 0;
#define APPEND(...)                                                                      \
        do {                                                                             \
                if (l < sizeof(extra))                                                   \
                        l += (size_t)snprintf(extra + l, sizeof(extra) - l, __VA_ARGS__); \
        } while (0)
        extra[0] = '\0';
        if (r->to)
                APPEND(" to=\"%s\"", to);
        if (!r->exact)
                APPEND(" exact=no");
        if (r->event == REC_TRANSFER)
                APPEND(" handle=%s", handle);
        if (inode[0])
                APPEND(" inode=%s", inode);
        APPEND(" client=%s", s->client);
        if (s->key)
                APPEND(" key=\"%s\"", s->key);
        if (s->host)
                APPEND(" host=\"%s\"", s->host);
        APPEND(" start=%s end=%s duration=%s", start, end, dur);
        if (r->error) {
                char e[256];
                log_escape(r->error, strlen(r->error), e, sizeof(e));
                APPEND(" error=\"%s\"", e);
        }
        if (r->detail && *r->detail) {
                char e[256];
                log_escape(r->detail, strlen(r->detail), e, sizeof(e));
                APPEND(" detail=\"%s\"", e);
        }
#undef APPEND
        /* Never dropped for want of room: wait for the sink (the records
         * of the session's end come all at once). */
        log_queue_wait_room();
        if (r->event == REC_TRANSFER)
                log_record(LOG_INFO, f, n, "event=transfer direction=%s status=%s bytes=%s path=\"%s\"%s",
                           r->direction, r->status, r->bytes_known ? bytes : "unknown", path, extra);
        else
                log_record(LOG_INFO, f, n, "event=%s status=%s path=\"%s\"%s", event, r->status, path, extra);
}

static long ms_between(const struct timespec *a, const struct timespec *b)
{
        return (b->tv_sec - a->tv_sec) * 1000 + (b->tv_nsec - a->tv_nsec) / 1000000;
}

uint64_t ratelimit_expired(struct ratelimit *rl, const struct timespec *now, int *due_ms)
{
        long left = FORWARD_INTERVAL * 1000L - ms_between(&rl->start, now);
        uint64_t n = rl->suppressed;

        if (left > 0) {
                *due_ms = n ? (int)left : -1;
                return 0;
        }
        rl->start = *now;
        rl->count = rl->suppressed = 0;
        *due_ms = -1;
        return n;
}

bool ratelimit_take(struct ratelimit *rl, const struct timespec *now, uint64_t *report)
{
        int due;

        *report = ratelimit_expired(rl, now, &due);
        if (rl->count < FORWARD_BURST) {
                rl->count++;
                return true;
        }
        rl->suppressed++;
        return false;
}

static void log_suppressed(uint64_t n)
{
        if (!n)
                return;
        /* Our own line ("sftp-server: " starts every forwarded one), and
         * never dropped: it is what accounts for the dropped ones. */
        log_msg_force(LOG_WARNING,
                      "suppressed %" PRIu64 " messages of sftp-server (more than %d in %d s; records are never "
                      "suppressed)",
                      n, FORWARD_BURST, FORWARD_INTERVAL);
}

/* A message no record stands for: forwarded, unless the session sends
 * too many (struct ratelimit). */
static void forward_message(struct session *s, const char *rec, size_t len, size_t full, bool cut)
{
        char out[LOG_ESCAPED_MAX];
        struct timespec mono;
        uint64_t report;
        size_t used;

        clock_gettime(CLOCK_MONOTONIC, &mono);
        bool take = ratelimit_take(&s->forward, &mono, &report);
        log_suppressed(report);
        if (!take)
                return;
        used = log_escape(rec, len, out, sizeof(out));
        if (cut || used < len)
                log_msg(LOG_INFO, "sftp-server: %s [truncated: message of %zu bytes]", out, full);
        else
                log_msg(LOG_INFO, "sftp-server: %s", out);
}

/* One record from sftp-server's stderr: one message of its log.c (one
 * write()), whatever bytes it contains, is one syslog line, "sftp-server: "
 * and the message escaped: whatever a subverted sftp-server writes, it
 * can never pass for one of our own lines (records start "event=").  full is its
 * length as sent (MSG_TRUNC), len what we got of it. */
static void forward_record(struct session *s, const char *rec, size_t len, size_t full)
{
        static const char close_head[] = "close \"";
        uint64_t r, w;
        bool cut = len < full; /* by us: longer than any message of log.c */

        /* log.c ends each message with "\r\n" (and our own notes before
         * exec with "\n"): the line ends there.  Only that one; a CR or LF
         * inside is part of the message (a file name) and is escaped. */
        if (!cut) {
                if (len >= 2 && rec[len - 2] == '\r' && rec[len - 1] == '\n')
                        len -= 2;
                else if (len >= 1 && rec[len - 1] == '\n')
                        len--;
        }
        if (!len)
                return;
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        /* An operation's message becomes its record (records.h), which
         * says all it said: not logged twice. */
        if (!records_feed(&s->records, rec, len, cut || full >= SESSION_SFTP_SERVER_MSG_MAX, &now))
                forward_message(s, rec, len, full, cut);

        if (len < sizeof(close_head) - 1 || memcmp(rec, close_head, sizeof(close_head) - 1) != 0)
                return;
        s->files_opened++;
        /* A message of log.c's maximum length may be one it cut short
         * (a long path): its end is then part of the path, which the
         * client chose, and its counts are not trusted. */
        if (full < SESSION_SFTP_SERVER_MSG_MAX && supervisor_parse_close(rec, len, &r, &w)) {
                s->bytes_read += r;
                s->bytes_written += w;
        } else
                s->files_unmeasured++;
}

/* Whether a message came with SCM_CREDENTIALS (read_log). */
static bool has_credentials(struct msghdr *msg)
{
        for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c))
                if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS)
                        return true;
        return false;
}

/* Records read by one recvmmsg(), at most.  Two: the common case is one
 * record waiting, and asking for two tells "that was all" without a
 * second call that only hears EAGAIN (one system call less per logged
 * operation: the metadata bench, docs/performance.md). */
#define LOG_READ_BATCH 2

/* Read sftp-server's records: the socket keeps its message boundaries
 * (SOCK_SEQPACKET), one record per message.  Returns 1 when it read as
 * many as it asked for (more may wait), 0 when none is left, -1 at EOF.
 *
 * Two at once only while none of ours waits for the sink: each record
 * read may queue records of ours, and the queue's bound (LOG_QUEUE_MAX)
 * must hold what two reads can add once log_paused() says stop; one at a
 * time otherwise, as log_paused() is asked before each read.
 *
 * A read of 0 bytes is either EOF or an empty record (which only a
 * subverted sftp-server sends, to make us stop reading).  With SO_PASSCRED
 * set on our end, every record, empty or not, comes with SCM_CREDENTIALS
 * and EOF with nothing: that tells them apart. */
static int read_log(struct session *s)
{
        char rec[LOG_READ_BATCH][SESSION_LOG_RECORD_MAX];
        struct iovec iov[LOG_READ_BATCH];
        union {
                char buf[CMSG_SPACE(sizeof(struct ucred))];
                struct cmsghdr align;
        } u[LOG_READ_BATCH];
        struct mmsghdr m[LOG_READ_BATCH];
        unsigned int want = log_queue_fd() < 0 ? LOG_READ_BATCH : 1;

        for (unsigned int i = 0; i < want; i++) {
                iov[i] = (struct iovec){ .iov_base = rec[i], .iov_len = sizeof(rec[i]) };
                m[i] = (struct mmsghdr){ .msg_hdr = { .msg_iov = &iov[i], .msg_iovlen = 1, .msg_control = u[i].buf,
                                                      .msg_controllen = sizeof(u[i].buf) } };
        }
        int n = recvmmsg(s->log_fd, m, want, MSG_TRUNC | MSG_DONTWAIT | MSG_CMSG_CLOEXEC, NULL);
        if (n < 0)
                return errno == EAGAIN || errno == EINTR ? 0 : -1;
        for (int i = 0; i < n; i++) {
                size_t full = m[i].msg_len;
                if (full > 0)
                        forward_record(s, rec[i], full < sizeof(rec[i]) ? full : sizeof(rec[i]), full);
                else if (!has_credentials(&m[i].msg_hdr))
                        return -1;
        }
        return (unsigned int)n == want ? 1 : 0;
}

/* The sink has taken nothing for LOG_STALL_SECONDS while the session
 * waits for it. */
static bool sink_stalled(void)
{
        return log_queue_busy() && log_queue_stalled_ms() >= LOG_STALL_SECONDS * 1000L;
}

/* Read sftp-server's log now?  Not while the sink is behind (log.h):
 * sftp-server then waits in its next log write, and so does its client.
 * A sink that stalled is waited for no longer: the session has been ended
 * (audit = required) or goes on without its records (best-effort); what
 * does not fit is dropped, and counted. */
static bool log_paused(void)
{
        return log_queue_busy() && !log_queue_lost() && !sink_stalled();
}

/* Read what sftp-server has logged, at most LOG_DRAIN_MAX records (then
 * poll() comes back at once for the rest).  True when nothing it logged
 * is left unread: the log is at EOF, or no record waits.
 *
 * sftp-server logs a request's outcome before it answers it, and a
 * client that waits for answers sends its next request to us (the relay,
 * channel.h) only after that answer: so a request passed on only when this
 * is true reaches sftp-server after the supervisor has taken in everything
 * said about the ones before it (a bare "Failure" is explained while its
 * cause is still there, records.h).  What a client pipelines behind a
 * request is passed on with it (docs/records.md). */
#define LOG_DRAIN_MAX 64
static bool drain_log(struct session *s)
{
        for (int i = 0; i < LOG_DRAIN_MAX; i++) {
                if (s->log_fd < 0)
                        return true;
                if (log_paused())
                        return false;
                int r = read_log(s);
                if (r == 0)
                        return true;
                if (r < 0) {
                        close(s->log_fd);
                        s->log_fd = -1;
                }
        }
        return false;
}

/* -1 (no timeout) or the sooner of a and b. */
static int sooner(int a, int b)
{
        return a < 0 ? b : b < 0 ? a : a < b ? a : b;
}

/* Milliseconds until the next limit is due (-1: none), and end the
 * session if one is due now. */
static int limits_due(struct session *s, const struct timespec *start, struct timespec *kill_at, bool child_done)
{
        double wait = -1, now_s = elapsed(start);

        if (child_done)
                return -1;
        if (s->end_reason) {
                /* Ending: SIGKILL once the grace period is over. */
                double left = -elapsed(kill_at);
                if (left <= 0) {
                        kill(s->child, SIGKILL);
                        return -1;
                }
                return (int)(left * 1000) + 1;
        }
        if (s->audit_required && (log_queue_lost() || sink_stalled())) {
                /* The sink is gone, or stalled with the session waiting
                 * for it (log.h): stop the session now, its records would
                 * be lost. */
                s->end_reason = "audit";
                if (log_queue_lost())
                        log_msg_force(LOG_ERR, "ending session: the audit log is not taking records (%lu lost)",
                                      log_queue_lost());
                else
                        log_msg_force(LOG_ERR,
                                      "ending session: the audit log is not taking records (none for %d s, 0 lost)",
                                      LOG_STALL_SECONDS);
                clock_gettime(CLOCK_MONOTONIC, kill_at);
                kill(s->child, SIGKILL);
                return -1;
        }
        if (s->max_session_time) {
                double left = (double)s->max_session_time - now_s;
                if (left <= 0)
                        s->end_reason = "time";
                else
                        wait = left;
        }
        if (!s->end_reason && s->idle_timeout && s->relay && s->chan.from_client >= 0) {
                double left = (double)s->idle_timeout - channel_idle(&s->chan);
                if (left <= 0)
                        s->end_reason = "idle";
                else if (wait < 0 || left < wait)
                        wait = left;
        }
        if (s->end_reason) {
                log_msg(LOG_INFO, "ending session: %s", streq(s->end_reason, "idle")
                                                                 ? "idle_timeout reached (no data from the client)"
                                                                 : "max_session_time reached");
                clock_gettime(CLOCK_MONOTONIC, kill_at);
                kill_at->tv_sec += SUPERVISE_END_GRACE;
                if (s->relay)
                        channel_close(&s->chan); /* EOF, as when the client leaves */
                else
                        kill(s->child, SIGKILL);
                return SUPERVISE_END_GRACE * 1000;
        }
        return wait < 0 ? -1 : (int)(wait * 1000) + 1;
}

static void log_session_start(const struct session *s)
{
        struct log_field f[5] = {
                { "MESSAGE_ID", SFTPJAIL_MSGID_SESSION_START, 32 },
                { "SFTPJAIL_EVENT", "session-start", 13 },
                { "SFTPJAIL_CLIENT", s->client, strlen(s->client) },
        };
        char key[160] = "", host[HOST_ESCAPED_MAX + 16] = "";
        size_t n = 3;

        if (s->key) {
                f[n++] = (struct log_field){ "SFTPJAIL_KEY", s->key, strlen(s->key) };
                snprintf(key, sizeof(key), " key=\"%s\"", s->key);
        }
        if (s->host) {
                f[n++] = (struct log_field){ "SFTPJAIL_HOST", s->host_raw, strlen(s->host_raw) };
                snprintf(host, sizeof(host), " host=\"%s\"", s->host);
        }
        log_record(LOG_INFO, f, n, "session start client=%s%s%s", s->client, key, host);
}

/* The child's name (comm): readable while it runs and while it is a
 * zombie, and set by the kernel to the program's name at exec. */
static void child_comm(pid_t pid, char out[16])
{
        char path[64];
        _cleanup_close_ int fd = -1;
        ssize_t n;

        snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        n = fd >= 0 ? read(fd, out, 15) : -1;
        out[n > 0 ? n : 0] = '\0';
}

void supervise_prepare(struct session *s)
{
        child_comm(s->child, s->child_comm);
}

/* Whether the jail child has exec'd sftp-server.  The status pipe's EOF
 * says only that its write end closed: by the exec (close-on-exec) or by
 * the child's death before it, a SIGKILL included, which writes no error
 * text (and a dying process closes its fds well before it can be waited
 * for).  Its name tells: the kernel gives it sftp-server's at exec, and it
 * stays readable while the child is a zombie.  Until it changes or the
 * child has exited, the start is pending.  (A SIGKILL inside execve,
 * between the closing of its fds and the new name, counts as not
 * started: nothing of sftp-server ran.) */
static bool child_execd(const struct session *s)
{
        char now[16];

        if (!s->child_comm[0])
                return true; /* unknown: as before, EOF without text */
        child_comm(s->child, now);
        return !streq(now, s->child_comm);
}

static bool child_exited(const struct session *s)
{
        siginfo_t si = { 0 };

        return waitid(P_PID, (id_t)s->child, &si, WEXITED | WNOHANG | WNOWAIT) < 0 || si.si_pid == s->child;
}

/* While the start is pending (child_execd), look again this often. */
#define SUPERVISE_START_POLL_MS 5

int supervise(struct session *s)
{
        sigset_t mask;
        struct timespec start;
        char errmsg[1024] = "";
        size_t errlen = 0;
        bool started = false, start_pending = false, child_done = false, killed = false, execd_at_exit = false;
        int status = 0, sfd;

        clock_gettime(CLOCK_MONOTONIC, &start);
        session_signals(&mask);
        sfd = signalfd(-1, &mask, SFD_CLOEXEC);
        if (sfd < 0)
                die_errno("signalfd");

        s->listener_fd = -1;
        records_init(&s->records, emit_record, s);
        s->records.explain = explain_failure;
        s->records.closed = closed_inode;
        s->forward = (struct ratelimit){ .start = start };
        /* Tells an empty record from EOF (read_log); and the log fd must
         * be the socket the launcher made (session-abi.h). */
        int one = 1;
        if (setsockopt(s->log_fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) < 0)
                die_errno("the log fd is not a socket");
        struct timespec kill_at = { 0 };
        while (!child_done || s->log_fd >= 0 || s->status_fd >= 0) {
                short chan_events = 0;
                /* While the sink is behind, the client waits too (drain_log). */
                int chan_fd = s->relay && !child_done && !log_paused() ? channel_poll_fd(&s->chan, &chan_events) : -1;
                struct pollfd p[7] = {
                        { .fd = sfd, .events = POLLIN },
                        { .fd = s->status_fd, .events = POLLIN },
                        { .fd = log_paused() ? -1 : s->log_fd, .events = POLLIN },
                        { .fd = s->notify_fd, .events = POLLIN },
                        { .fd = s->listener_fd, .events = POLLIN },
                        { .fd = chan_fd, .events = chan_events },
                        { .fd = log_queue_fd(), .events = POLLOUT },
                };
                /* Before anything sftp-server said: its start. */
                if (start_pending && (child_done ? execd_at_exit : child_execd(s))) {
                        started = true;
                        log_session_start(s);
                }
                if (child_done || started)
                        start_pending = false;
                int timeout = limits_due(s, &start, &kill_at, child_done), due;
                struct timespec mono;
                clock_gettime(CLOCK_MONOTONIC, &mono);
                log_suppressed(ratelimit_expired(&s->forward, &mono, &due));
                timeout = sooner(timeout, due);
                if (log_paused()) /* wake up to see whether it stalled */
                        timeout = sooner(timeout, (int)(LOG_STALL_SECONDS * 1000L - log_queue_stalled_ms()) + 1);
                if (start_pending)
                        timeout = sooner(timeout, SUPERVISE_START_POLL_MS);
                if (poll(p, 7, timeout) < 0) {
                        if (errno == EINTR)
                                continue;
                        die_errno("poll");
                }
                if (p[0].revents & POLLIN) {
                        struct signalfd_siginfo si;
                        if (read(sfd, &si, sizeof(si)) == sizeof(si) && si.ssi_signo != SIGCHLD &&
                            si.ssi_signo != SIGPIPE && !killed) {
                                /* pid 1 of a pid namespace only takes
                                 * SIGKILL from outside: use it. */
                                log_msg(LOG_INFO, "ending session on %s", strsignal((int)si.ssi_signo));
                                kill(s->child, SIGKILL);
                                killed = true;
                        }
                        if (!child_done && child_exited(s)) {
                                /* Its name while it is a zombie, for the
                                 * status pipe's EOF (child_execd). */
                                execd_at_exit = child_execd(s);
                                if (waitpid(s->child, &status, WNOHANG) == s->child)
                                        child_done = true;
                        }
                }
                if (p[1].revents & (POLLIN | POLLHUP)) {
                        ssize_t n = read(s->status_fd, errmsg + errlen, sizeof(errmsg) - 1 - errlen);
                        if (n > 0) {
                                errlen += (size_t)n;
                        } else {
                                /* EOF: the exec closed it (O_CLOEXEC), or
                                 * the child died.  waitpid tells which. */
                                close(s->status_fd);
                                s->status_fd = -1;
                                if (!errlen && (child_done ? execd_at_exit : child_execd(s))) {
                                        started = true;
                                        log_session_start(s);
                                } else if (!errlen && !child_done) {
                                        start_pending = true;
                                }
                        }
                }
                if (p[3].revents & (POLLIN | POLLHUP))
                        receive_listener(s);
                if (p[4].revents & POLLIN)
                        refused_syscall(s);
                else if (p[4].revents & (POLLHUP | POLLERR)) {
                        close(s->listener_fd);
                        s->listener_fd = -1;
                }
                if (p[6].revents)
                        log_queue_flush(); /* a sink gone for good counts as lost */
                /* The log before the channel, and all of it (drain_log);
                 * read when poll() says so, or a request waits. */
                if ((p[2].revents || p[5].revents) && drain_log(s) && p[5].revents)
                        channel_pump(&s->chan);
        }

        if (start_pending && execd_at_exit) {
                started = true;
                log_session_start(s);
        }
        if (s->listener_fd >= 0)
                close(s->listener_fd);
        if (s->notify_fd >= 0)
                close(s->notify_fd);
        if (s->relay)
                channel_close(&s->chan);
        if (errlen) {
                errmsg[errlen] = '\0';
                die("%s", errmsg);
        }

        int code;
        char how[128];
        if (WIFEXITED(status)) {
                code = WEXITSTATUS(status);
                snprintf(how, sizeof(how), "exit=%d", code);
        } else {
                int sig = WIFSIGNALED(status) ? WTERMSIG(status) : SIGKILL;
                code = 128 + sig;
                if (s->refused[0]) {
                        /* We sent the SIGKILL; report it as a seccomp
                         * kill (159), as the filter's own kill would be. */
                        code = 128 + SIGSYS;
                        snprintf(how, sizeof(how), "signal=SIGKILL (refused syscall %s)", s->refused);
                } else
                        snprintf(how, sizeof(how), "signal=SIG%s%s", sigabbrev_np(sig) ? sigabbrev_np(sig) : "?",
                                 sig == SIGSYS ? " (killed by the seccomp filter)" : "");
        }
        if (!started) {
                log_msg(LOG_ERR, "refused: the jail ended before sftp-server started (%s)", how);
                dprintf(STDERR_FILENO, "sftpjail: login refused: the jail could not be started\n");
                return SFTPJAIL_EXIT_REFUSED;
        }
        /* The records of what sftp-server left open or unanswered. */
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        records_end(&s->records, &now);
        log_suppressed(s->forward.suppressed);
        char unmeasured[64] = "";
        if (s->files_unmeasured)
                snprintf(unmeasured, sizeof(unmeasured), " unmeasured_files=%" PRIu64, s->files_unmeasured);
        char reason[32] = "";
        if (s->end_reason)
                snprintf(reason, sizeof(reason), "reason=%s ", s->end_reason);
        if (log_queue_lost() || (s->end_reason && streq(s->end_reason, "audit"))) {
                size_t l = strlen(unmeasured);
                snprintf(unmeasured + l, sizeof(unmeasured) - l, " records_lost=%lu", log_queue_lost());
        }
        char dur[32], rd[24], wr[24], files[24];
        snprintf(dur, sizeof(dur), "%.3f", elapsed(&start));
        snprintf(rd, sizeof(rd), "%" PRIu64, s->bytes_read);
        snprintf(wr, sizeof(wr), "%" PRIu64, s->bytes_written);
        snprintf(files, sizeof(files), "%" PRIu64, s->files_opened);
        struct log_field f[] = {
                { "MESSAGE_ID", SFTPJAIL_MSGID_SESSION_END, 32 },
                { "SFTPJAIL_EVENT", "session-end", 11 },
                { "SFTPJAIL_CLIENT", s->client, strlen(s->client) },
                { "SFTPJAIL_EXIT", how, strlen(how) },
                { "SFTPJAIL_DURATION", dur, strlen(dur) },
                { "SFTPJAIL_FILES", files, strlen(files) },
                { "SFTPJAIL_BYTES_READ", rd, strlen(rd) },
                { "SFTPJAIL_BYTES_WRITTEN", wr, strlen(wr) },
                { "SFTPJAIL_REASON", s->end_reason ? s->end_reason : "", s->end_reason ? strlen(s->end_reason) : 0 },
        };
        log_record_force(LOG_INFO, f, s->end_reason ? 9 : 8,
                         "session end %s%s duration=%ss files=%s bytes_read=%s bytes_written=%s%s", reason, how, dur,
                         files, rd, wr, unmeasured);
        return code;
}
