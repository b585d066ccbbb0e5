/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sftpjail-events: runs the on_upload hook of sftpjail.conf when an upload
 * is complete (docs/records.md, "Upload events").  Started by
 * sftpjail-events.service, as root with a small capability set.
 *
 * It follows the supervisor's records in the journal (sd-journal), and
 * for each one events.c says fires:
 *   1. opens the file by fd beneath the user's uploads (openat2
 *      RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS, the
 *      last component O_NOFOLLOW), and checks it is the user's regular
 *      file, of the size the record counted, not modified since;
 *   2. moves it into ready_dir (renameat2 RENAME_NOREPLACE, the same
 *      filesystem), if configured;
 *   3. runs the hook in a transient unit: systemd-run --wait --pipe, the
 *      file as the unit's stdin, which a /bin/sh trampoline moves to fd 3
 *      (systemd 252 has no OpenFile=); DynamicUser= (or hook_user),
 *      sandboxed, no network unless hook_network = yes;
 *   4. records the result in the journal (SFTPJAIL_MSGID_HOOK).
 * Delivery is at least once, keyed by session and handle: the journal
 * cursor, the queue and the keys done are one state file, replaced
 * atomically (write, fsync, rename, fsync the directory) after each
 * step, so a restart neither loses an event nor runs one twice (a crash,
 * SIGKILL, during a hook's run re-runs that hook).  Failed hooks are
 * retried with exponential backoff. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/fs.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <systemd/sd-journal.h>
#include <time.h>
#include <unistd.h>

#include "build-config.h"
#include "config.h"
#include "events.h"
#include "identity.h"
#include "mounts.h"
#include "pathrule.h"
#include "policy.h"
#include "records.h"
#include "supervisor.h"
#include "util.h"

#define QUEUE_MAX 4096 /* stop reading the journal while this many wait */

static struct {
        const char *state_dir, *config, *systemd_run, *supervise;
        unsigned parallel, retry_base, retry_cap, max_attempts, hook_timeout;
} opt = {
        .state_dir = "/var/lib/sftpjail/events",
        .config = SFTPJAIL_CONFIG_FILE,
        .systemd_run = "/usr/bin/systemd-run",
        .supervise = SFTPJAIL_SUPERVISE_PATH,
        .parallel = 4,
        .retry_base = 5,
        .retry_cap = 300,
        .max_attempts = 6,
        .hook_timeout = 300,
};

struct run {
        pid_t pid;
        char key[EV_KEY_MAX];
        struct timespec start; /* CLOCK_MONOTONIC */
};

static struct ev_state st;
static struct run *runs;
static size_t n_runs;
static bool dirty; /* the cursor moved past entries not yet saved */
static int state_dir_fd = -1;

static void say(const char *fmt, ...) _printf_(1, 2);
static void say(const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
}

static int64_t now_real(void)
{
        struct timespec t;
        clock_gettime(CLOCK_REALTIME, &t);
        return t.tv_sec;
}

/* ---- state on disk ---- */

static int replace_file(const char *name, int (*write_fn)(FILE *))
{
        char tmp[NAME_MAX];
        int fd, r;
        FILE *f;

        snprintf(tmp, sizeof(tmp), ".%s.tmp", name);
        fd = openat(state_dir_fd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0 || !(f = fdopen(fd, "w"))) {
                if (fd >= 0)
                        close(fd);
                say("cannot write %s/%s: %s", opt.state_dir, tmp, strerror(errno));
                return -1;
        }
        r = write_fn(f);
        if (r == 0 && (fflush(f) != 0 || fsync(fileno(f)) != 0))
                r = -1;
        if (fclose(f) != 0)
                r = -1;
        if (r == 0 && renameat(state_dir_fd, tmp, state_dir_fd, name) != 0)
                r = -1;
        if (r == 0 && fsync(state_dir_fd) != 0)
                r = -1;
        if (r < 0)
                say("cannot save %s/%s: %s", opt.state_dir, name, strerror(errno));
        return r;
}

static int write_state(FILE *f)
{
        return ev_state_write(&st, f);
}

static int write_stats(FILE *f)
{
        fprintf(f, "hook_runs %" PRIu64 "\nhook_failures %" PRIu64 "\nbacklog %zu\n", st.hook_runs, st.hook_failures,
                st.n_items);
        return ferror(f) ? -1 : 0;
}

/* Nothing goes on until the state is safe: a state that cannot be saved
 * is fatal (systemd restarts us; the journal still has everything). */
static void save(void)
{
        if (replace_file("events.state", write_state) < 0 || replace_file("events.stats", write_stats) < 0)
                exit(1);
        dirty = false;
}

static void load_state(void)
{
        int fd = openat(state_dir_fd, "events.state", O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        FILE *f;

        if (fd < 0 && errno == ENOENT) {
                ev_state_init(&st);
                return;
        }
        if (fd < 0 || !(f = fdopen(fd, "r"))) {
                say("cannot read %s/events.state: %s", opt.state_dir, strerror(errno));
                exit(1);
        }
        if (ev_state_read(&st, f) < 0) {
                say("%s/events.state is malformed; move it away to start afresh (from the journal's end)",
                    opt.state_dir);
                exit(1);
        }
        fclose(f);
        for (size_t i = 0; i < st.n_items; i++)
                if (st.items[i].running) {
                        /* We died during its run: at least once means again. */
                        say("event %s: its hook was running when sftpjail-events stopped; running it again",
                            st.items[i].key);
                        st.items[i].running = false;
                }
}

/* ---- the journal ---- */

/* The fields we read, copied (sd_journal_get_data's pointer lasts until
 * the next call). */
struct fields {
        char exe[PATH_MAX], uid[32], msgid[40], user[256], session[40], event[32], status[32], direction[32],
                exact[8], bytes[32], handle[32], end[40], client[128], key[256], inode[72];
        char path[EV_REL_MAX * 2], to[EV_REL_MAX * 2];
        size_t path_len, to_len;
        bool has[16];
        struct ev_entry e;
};

static const char *get(sd_journal *j, const char *name, char *buf, size_t size, size_t *len)
{
        const void *d;
        size_t l, n = strlen(name);

        if (sd_journal_get_data(j, name, &d, &l) < 0 || l <= n || l - n - 1 >= size)
                return NULL;
        memcpy(buf, (const char *)d + n + 1, l - n - 1);
        buf[l - n - 1] = '\0';
        if (len)
                *len = l - n - 1;
        return buf;
}

static void read_fields(sd_journal *j, struct fields *f)
{
        memset(&f->e, 0, sizeof(f->e));
#define G(field, name) f->e.field = get(j, name, f->field, sizeof(f->field), NULL)
        G(exe, "_EXE");
        G(uid, "_UID");
        G(msgid, "MESSAGE_ID");
        G(user, "SFTPJAIL_USER");
        G(session, "SFTPJAIL_SESSION");
        G(event, "SFTPJAIL_EVENT");
        G(status, "SFTPJAIL_STATUS");
        G(direction, "SFTPJAIL_DIRECTION");
        G(exact, "SFTPJAIL_EXACT");
        G(bytes, "SFTPJAIL_BYTES");
        G(handle, "SFTPJAIL_HANDLE");
        G(end, "SFTPJAIL_END");
        G(client, "SFTPJAIL_CLIENT");
        G(key, "SFTPJAIL_KEY");
        G(inode, "SFTPJAIL_INODE");
#undef G
        f->e.path = get(j, "SFTPJAIL_PATH", f->path, sizeof(f->path), &f->path_len);
        f->e.path_len = f->path_len;
        f->e.to = get(j, "SFTPJAIL_TO", f->to, sizeof(f->to), &f->to_len);
        f->e.to_len = f->to_len;
}

static int match_records(sd_journal *j)
{
        if (sd_journal_add_match(j, "MESSAGE_ID=" SFTPJAIL_MSGID_TRANSFER, 0) < 0 ||
            sd_journal_add_match(j, "MESSAGE_ID=" SFTPJAIL_MSGID_OPERATION, 0) < 0)
                return -1;
        /* Only a pre-filter: every entry is checked again (events.c). */
        char m[PATH_MAX + 8];
        snprintf(m, sizeof(m), "_EXE=%s", opt.supervise);
        return sd_journal_add_match(j, m, 0);
}

/* ---- the user ---- */

struct user_ctx {
        struct config c;
        struct identity id;
        struct policy p;
        char area[PATH_MAX * 2];
        struct ev_user u;
        bool have_config, have_id;
};

static void user_free(struct user_ctx *x)
{
        if (x->have_id)
                identity_free(&x->id);
        if (x->have_config)
                config_free(&x->c);
        x->have_id = x->have_config = false;
}

/* The user's policy and uploads path.  Returns 0, 1 when the user has no
 * upload events (unknown, no on_upload, nothing writable), -1 when the
 * configuration cannot be read (try again later). */
static int user_load(struct user_ctx *x, const char *name)
{
        char err[1024];

        memset(x, 0, sizeof(*x));
        if (config_load(opt.config, &x->c, err, sizeof(err)) < 0) {
                say("%s", err);
                return -1;
        }
        x->have_config = true;
        if (!name || identity_by_name(name, &x->id, err, sizeof(err)) < 0)
                return 1;
        x->have_id = true;
        if (policy_resolve(&x->c, &x->id, &x->p) < 0 || !x->p.on_upload ||
            (x->p.access != ACCESS_HOME && !x->p.uploads))
                return 1;
        if (x->p.uploads)
                snprintf(x->area, sizeof(x->area), "%s/%s", x->id.home, x->p.uploads);
        else
                snprintf(x->area, sizeof(x->area), "%s", x->id.home);
        x->u = (struct ev_user){ .uid = x->id.uid, .area = x->area, .temp_suffixes = x->p.temp_suffixes };
        return 0;
}

/* ---- deciding ---- */

static sd_journal *jb; /* a second reader, for the uploads renames refer to */

/* The same session's latest upload record naming e's old name. */
static bool find_upload(sd_journal *j, const struct ev_entry *e, struct fields *up)
{
        char m[128];
        char *cursor = NULL;
        bool found = false;

        if (sd_journal_get_cursor(j, &cursor) < 0)
                return false;
        /* Take in journal files made since (a user's user-UID.journal,
         * made at the user's first record): jb is not polled. */
        sd_journal_process(jb);
        sd_journal_flush_matches(jb);
        snprintf(m, sizeof(m), "SFTPJAIL_SESSION=%s", e->session);
        if (sd_journal_add_match(jb, "MESSAGE_ID=" SFTPJAIL_MSGID_TRANSFER, 0) < 0 ||
            sd_journal_add_match(jb, m, 0) < 0 || sd_journal_add_match(jb, "SFTPJAIL_DIRECTION=upload", 0) < 0 ||
            sd_journal_seek_cursor(jb, cursor) < 0) {
                free(cursor);
                return false;
        }
        free(cursor);
        for (int i = 0; i < 100000 && sd_journal_previous(jb) > 0; i++) {
                read_fields(jb, up);
                if (up->e.path && up->e.path_len == e->path_len && memcmp(up->e.path, e->path, e->path_len) == 0 &&
                    up->e.session && streq(up->e.session, e->session)) {
                        found = true;
                        break;
                }
        }
        return found;
}

static void escape(const char *in, size_t len, char *out, size_t size)
{
        log_escape(in, len, out, size);
}

/* 1: handled (or ignored), 0: try again later (the configuration). */
static int handle_entry(sd_journal *j)
{
        static struct fields f, up;
        struct user_ctx x;
        struct ev_decision d;
        char esc[EV_REL_MAX * 4 + 1];
        int r;

        read_fields(j, &f);
        if (!ev_relevant(&f.e))
                return 1;
        r = user_load(&x, f.e.user);
        if (r < 0) {
                user_free(&x);
                return 0;
        }
        ev_decide(&f.e, opt.supervise, r == 0 ? &x.u : NULL, &d);
        if (d.kind == EV_RENAME)
                ev_decide_prior(find_upload(j, &f.e, &up) ? &up.e : NULL, opt.supervise, &x.u, &d);
        escape(f.e.path ? f.e.path : "", f.e.path ? f.e.path_len : 0, esc, sizeof(esc));
        if (d.kind == EV_IGNORE) {
                /* Only worth a line when the user has upload events. */
                if (r == 0)
                        say("ignored: user=%s session=%s event=%s path=\"%s\": %s", f.e.user ? f.e.user : "?",
                            f.e.session ? f.e.session : "?", f.e.event, esc, d.why);
        } else if (ev_state_seen(&st, d.key)) {
                say("ignored: event %s (path=\"%s\") is already queued or done", d.key, esc);
        } else {
                struct ev_item it = {
                        .uid = x.id.uid, .handle = d.handle, .bytes = d.bytes, .end = d.end, .inode = d.inode
                };
                snprintf(it.key, sizeof(it.key), "%s", d.key);
                snprintf(it.user, sizeof(it.user), "%s", x.id.name);
                snprintf(it.session, sizeof(it.session), "%s", f.e.session);
                memcpy(it.rel, d.rel, d.rel_len + 1);
                it.rel_len = d.rel_len;
                snprintf(it.client, sizeof(it.client), "%s", f.e.client ? f.e.client : "");
                snprintf(it.fp, sizeof(it.fp), "%s", f.e.key ? f.e.key : "");
                escape(d.rel, d.rel_len, esc, sizeof(esc));
                if (ev_state_push(&st, &it) < 0) {
                        user_free(&x);
                        return 0;
                }
                say("queued: event %s user=%s path=\"%s\" bytes=%" PRIu64, it.key, it.user, esc, it.bytes);
                char *c = NULL;
                if (sd_journal_get_cursor(j, &c) >= 0) {
                        ev_set_cursor(&st, c);
                        free(c);
                }
                save(); /* queued and past it, in one step */
        }
        user_free(&x);
        return 1;
}

/* ---- running a hook ---- */

static void record_result(const struct ev_item *it, const char *status, int code, double dur, const char *why)
{
        char msg[EV_REL_MAX * 4 + 512], esc[EV_REL_MAX * 4 + 1], f[16][256];
        struct iovec iov[24];
        size_t n = 0;

#define F(i, ...) (snprintf(f[i], sizeof(f[i]), __VA_ARGS__), iov[n++] = (struct iovec){ f[i], strlen(f[i]) })
        escape(it->rel, it->rel_len, esc, sizeof(esc));
        snprintf(msg, sizeof(msg),
                 "session=%s user=%s event=hook status=%s event_id=%s attempt=%u exit=%d duration=%.3f path=\"%s\"%s%s%s",
                 it->session, it->user, status, it->key, it->attempts, code, dur, esc, why ? " error=\"" : "",
                 why ? why : "", why ? "\"" : "");
        char *m = NULL;
        if (asprintf(&m, "MESSAGE=%s", msg) < 0)
                return;
        iov[n++] = (struct iovec){ m, strlen(m) };
        F(0, "MESSAGE_ID=%s", SFTPJAIL_MSGID_HOOK);
        F(1, "PRIORITY=%d", streq(status, "ok") ? 6 : 4);
        F(2, "SYSLOG_IDENTIFIER=sftpjail-events");
        F(3, "SFTPJAIL_EVENT=hook");
        F(4, "SFTPJAIL_STATUS=%s", status);
        F(5, "SFTPJAIL_USER=%s", it->user);
        F(6, "SFTPJAIL_SESSION=%s", it->session);
        F(7, "SFTPJAIL_HANDLE=%" PRIu64, it->handle);
        F(8, "SFTPJAIL_EVENT_ID=%s", it->key);
        F(9, "SFTPJAIL_ATTEMPT=%u", it->attempts);
        F(10, "SFTPJAIL_EXIT=%d", code);
        F(11, "SFTPJAIL_DURATION=%.3f", dur);
        F(12, "SFTPJAIL_BYTES=%" PRIu64, it->bytes);
        static const char path_field[] = "SFTPJAIL_PATH=";
        char *p = malloc(sizeof(path_field) + it->rel_len);
        if (p) {
                strcpy(p, path_field);
                memcpy(p + sizeof(path_field) - 1, it->rel, it->rel_len + 1);
                iov[n++] = (struct iovec){ p, sizeof(path_field) - 1 + it->rel_len };
        }
        if (why)
                F(13, "SFTPJAIL_ERROR=%s", why);
#undef F
        sd_journal_sendv(iov, (int)n);
        free(p);
        free(m);
}

/* The event is over: done (ok, refused, given up) or to be retried. */
static void finish(size_t i, bool ok, bool final, const char *status, int code, double dur, const char *why)
{
        struct ev_item *it = &st.items[i];

        record_result(it, status, code, dur, why);
        if (ok || final) {
                ev_state_done(&st, it->key);
                ev_state_remove(&st, i);
        } else {
                it->running = false;
                it->next_at = now_real() + ev_backoff(it->attempts, opt.retry_base, opt.retry_cap);
        }
        save();
}

static size_t item_index(const char *key)
{
        for (size_t i = 0; i < st.n_items; i++)
                if (streq(st.items[i].key, key))
                        return i;
        return (size_t)-1;
}

/* Split rel into its directory (opened beneath area) and last name. */
static int open_parent(int area, const char *rel, const char **base)
{
        const char *slash = strrchr(rel, '/');
        char dir[EV_REL_MAX];

        if (!slash) {
                *base = rel;
                return fcntl(area, F_DUPFD_CLOEXEC, 3);
        }
        *base = slash + 1;
        snprintf(dir, sizeof(dir), "%.*s", (int)(slash - rel), rel);
        return path_open_beneath(area, dir, O_PATH | O_DIRECTORY);
}

static int open_file(int dir, const char *name)
{
        return path_open_beneath(dir, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
}

/* Start item i's hook.  Returns 0 (running), or the event is finished
 * (refused, or a failed attempt) and -1 returned. */
static int start(size_t i)
{
        struct ev_item *it = &st.items[i];
        struct user_ctx x;
        struct jail jl;
        char err[1024], unit[128], esc[EV_REL_MAX * 4 + 1];
        _cleanup_close_ int prog = -1, dir = -1, fd = -1, ready = -1;
        const char *base, *why;
        struct stat s;
        int r;

        r = user_load(&x, it->user);
        if (r != 0 || x.id.uid != it->uid) {
                user_free(&x);
                it->attempts++;
                finish(i, false, r > 0 || it->attempts >= opt.max_attempts, r > 0 ? "refused" : "failed", -1, 0,
                       r > 0 ? "the user no longer has on_upload" : "the configuration cannot be read");
                return -1;
        }
        prog = config_open_program(x.p.on_upload, err, sizeof(err));
        if (prog < 0 || jail_resolve_uploads(&jl, &x.c, &x.id, &x.p) < 0) {
                it->attempts++;
                st.hook_failures++;
                finish(i, false, it->attempts >= opt.max_attempts, it->attempts >= opt.max_attempts ? "gave-up" : "failed",
                       -1, 0, prog < 0 ? err : jl.err);
                user_free(&x);
                return -1;
        }
        int area = x.p.uploads ? jl.uploads_src : jl.home_src;
        /* Where it is: moved already, or where it was uploaded (or moved
         * by a run that died before it could save that). */
        const char *rel = it->ready_len ? it->ready : it->rel;
        dir = open_parent(area, rel, &base);
        fd = dir >= 0 ? open_file(dir, base) : -1;
        if (fd < 0 && errno == ENOENT && !it->ready_len && x.p.ready_dir) {
                /* Moved by a run that died before it could save that. */
                char alt[EV_REL_MAX + EV_KEY_MAX + 2];
                const char *cand[2] = { base, alt };
                snprintf(alt, sizeof(alt), "%s~%s", base, it->key);
                closep(&dir);
                dir = path_open_beneath(area, x.p.ready_dir, O_PATH | O_DIRECTORY);
                for (size_t k = 0; k < 2 && dir >= 0 && fd < 0; k++)
                        if ((fd = open_file(dir, cand[k])) >= 0) {
                                int l = snprintf(it->ready, sizeof(it->ready), "%s/%s", x.p.ready_dir, cand[k]);
                                it->ready_len = l < 0 || (size_t)l >= sizeof(it->ready) ? 0 : (size_t)l;
                        }
                if (fd < 0)
                        errno = ENOENT;
        }
        why = NULL;
        if (fd < 0)
                why = errno == ENOENT ? "the file is gone" : "the name leads out of the uploads, through a symlink, or cannot be opened";
        else if (fstat(fd, &s) < 0)
                why = "fstat failed";
        else
                ev_unchanged(&s, x.id.uid, &it->inode, it->bytes, &it->end, &why);
        if (why) {
                escape(rel, strlen(rel), esc, sizeof(esc));
                say("refused: event %s path=\"%s\": %s (%s)", it->key, esc, why, fd < 0 ? strerror(errno) : "checked by fd");
                finish(i, false, true, "refused", -1, 0, why);
                jail_close(&jl);
                user_free(&x);
                return -1;
        }
        if (x.p.ready_dir && !it->ready_len) {
                struct stat rs, after;
                char name[NAME_MAX + EV_KEY_MAX + 2];
                ready = path_open_beneath_checked(area, x.area, x.p.ready_dir, &path_rule_ready_dir, x.id.uid,
                                                  O_PATH | O_DIRECTORY, &rs, err, sizeof(err));
                snprintf(name, sizeof(name), "%s", base);
                r = ready < 0 ? -1 : renameat2(dir, base, ready, name, RENAME_NOREPLACE);
                if (r < 0 && ready >= 0 && errno == EEXIST) {
                        snprintf(name, sizeof(name), "%s~%s", base, it->key);
                        r = renameat2(dir, base, ready, name, RENAME_NOREPLACE);
                }
                if (r < 0) {
                        if (ready >= 0)
                                snprintf(err, sizeof(err), "moving it into ready_dir %s: %s", x.p.ready_dir,
                                         errno == EXDEV ? "ready_dir is on another filesystem" : strerror(errno));
                        it->attempts++;
                        st.hook_failures++;
                        finish(i, false, it->attempts >= opt.max_attempts,
                               it->attempts >= opt.max_attempts ? "gave-up" : "failed", -1, 0, err);
                        jail_close(&jl);
                        user_free(&x);
                        return -1;
                }
                /* The name may have been swapped between our open and the
                 * move: what was moved must be what we checked. */
                if (fstatat(ready, name, &after, AT_SYMLINK_NOFOLLOW) < 0 || after.st_ino != s.st_ino ||
                    after.st_dev != s.st_dev) {
                        finish(i, false, true, "refused", -1, 0, "the file was replaced while it was moved");
                        jail_close(&jl);
                        user_free(&x);
                        return -1;
                }
                snprintf(it->ready, sizeof(it->ready), "%s/%s", x.p.ready_dir, name);
                it->ready_len = strlen(it->ready);
        }

        /* The run, recorded before it starts: a crash re-runs it. */
        it->attempts++;
        it->running = true;
        save();
        snprintf(unit, sizeof(unit), "sftpjail-hook-%s-%u.service", it->key, it->attempts);
        char env[12][EV_REL_MAX * 4 + 64], rt[32];
        size_t ne = 0;
        escape(it->rel, it->rel_len, esc, sizeof(esc));
#define ENV(...) snprintf(env[ne++], sizeof(env[0]), __VA_ARGS__)
        ENV("SFTPJAIL_USER=%s", it->user);
        ENV("SFTPJAIL_SESSION=%s", it->session);
        ENV("SFTPJAIL_HANDLE=%" PRIu64, it->handle);
        ENV("SFTPJAIL_EVENT_ID=%s", it->key);
        ENV("SFTPJAIL_ATTEMPT=%u", it->attempts);
        ENV("SFTPJAIL_PATH=%s", esc);
        ENV("SFTPJAIL_BYTES=%" PRIu64, it->bytes);
        ENV("SFTPJAIL_CLIENT=%s", it->client);
        ENV("SFTPJAIL_KEY=%s", it->fp);
        if (it->ready_len) {
                escape(it->ready, it->ready_len, esc, sizeof(esc));
                ENV("SFTPJAIL_READY_PATH=%s", esc);
        }
#undef ENV
        snprintf(rt, sizeof(rt), "RuntimeMaxSec=%u", opt.hook_timeout);
        const char *argv[96];
        size_t n = 0;
        argv[n++] = opt.systemd_run;
        argv[n++] = "--quiet";
        argv[n++] = "--wait";
        argv[n++] = "--pipe";
        argv[n++] = "--collect";
        argv[n++] = "--service-type=exec";
        argv[n++] = "--unit";
        argv[n++] = unit;
        char user_prop[128];
        if (x.p.hook_user) {
                snprintf(user_prop, sizeof(user_prop), "User=%s", x.p.hook_user);
                argv[n++] = "-p";
                argv[n++] = user_prop;
        } else {
                argv[n++] = "-p";
                argv[n++] = "DynamicUser=yes";
        }
        /* The sandbox (docs/records.md): the hook reads fd 3 and writes
         * only where a drop-in or its own program opens for it. */
        static const char *const props[] = {
                "ProtectSystem=strict", "ProtectHome=yes", "PrivateTmp=yes", "PrivateDevices=yes", "PrivateIPC=yes",
                "NoNewPrivileges=yes", "CapabilityBoundingSet=", "AmbientCapabilities=", "ProtectKernelTunables=yes",
                "ProtectKernelModules=yes", "ProtectKernelLogs=yes", "ProtectControlGroups=yes", "ProtectClock=yes",
                "ProtectHostname=yes", "ProtectProc=invisible", "RestrictNamespaces=yes", "RestrictRealtime=yes",
                "RestrictSUIDSGID=yes", "LockPersonality=yes", "SystemCallArchitectures=native",
                "SystemCallFilter=@system-service", "UMask=0077", "TasksMax=64",
        };
        for (size_t k = 0; k < ELEMENTSOF(props); k++) {
                argv[n++] = "-p";
                argv[n++] = props[k];
        }
        if (!x.p.hook_network) {
                argv[n++] = "-p";
                argv[n++] = "PrivateNetwork=yes";
                argv[n++] = "-p";
                argv[n++] = "RestrictAddressFamilies=AF_UNIX";
        }
        argv[n++] = "-p";
        argv[n++] = rt;
        for (size_t k = 0; k < ne; k++) {
                argv[n++] = "-E";
                argv[n++] = env[k];
        }
        /* systemd-run --pipe hands our stdin (the file) to the unit as its
         * stdin; the trampoline makes it fd 3 and stdin /dev/null.  It
         * also gives the hook a journal stream of its own (systemd-cat):
         * with --pipe the hook would write into our stream, and journald
         * would file its lines under whichever unit it found for that
         * stream, ours or none, not the hook's. */
        argv[n++] = "/bin/sh";
        argv[n++] = "-c";
        argv[n++] = "exec 3<&0 0</dev/null; exec /usr/bin/systemd-cat -t sftpjail-hook -- \"$0\"";
        argv[n++] = x.p.on_upload;
        argv[n] = NULL;

        pid_t pid = fork();
        if (pid == 0) {
                if (dup2(fd, 0) < 0 || lseek(0, 0, SEEK_SET) < 0)
                        _exit(127);
                close_range(3, ~0U, 0);
                sigset_t none;
                sigemptyset(&none);
                sigprocmask(SIG_SETMASK, &none, NULL);
                execv(argv[0], (char *const *)argv);
                _exit(127);
        }
        jail_close(&jl);
        user_free(&x);
        if (pid < 0) {
                it->running = false;
                st.hook_failures++;
                finish(i, false, it->attempts >= opt.max_attempts, "failed", -1, 0, strerror(errno));
                return -1;
        }
        struct run *nr = reallocarray(runs, n_runs + 1, sizeof(*runs));
        if (!nr)
                abort();
        runs = nr;
        runs[n_runs] = (struct run){ .pid = pid };
        snprintf(runs[n_runs].key, sizeof(runs[n_runs].key), "%s", it->key);
        clock_gettime(CLOCK_MONOTONIC, &runs[n_runs].start);
        n_runs++;
        say("started: event %s attempt %u (%s)", it->key, it->attempts, unit);
        return 0;
}

static void reap(void)
{
        int status;
        pid_t pid;

        while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
                for (size_t k = 0; k < n_runs; k++) {
                        if (runs[k].pid != pid)
                                continue;
                        struct timespec now;
                        clock_gettime(CLOCK_MONOTONIC, &now);
                        double dur = (double)(now.tv_sec - runs[k].start.tv_sec) +
                                     (double)(now.tv_nsec - runs[k].start.tv_nsec) / 1e9;
                        size_t i = item_index(runs[k].key);
                        runs[k] = runs[--n_runs];
                        if (i == (size_t)-1)
                                break;
                        int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
                        bool ok = WIFEXITED(status) && code == 0;
                        bool last = st.items[i].attempts >= opt.max_attempts;
                        st.hook_runs++;
                        if (!ok)
                                st.hook_failures++;
                        say("%s: event %s attempt %u: exit status %d after %.3fs%s", ok ? "done" : "failed",
                            st.items[i].key, st.items[i].attempts, code, dur,
                            ok ? "" : last ? "; giving up" : "; will retry");
                        finish(i, ok, last, ok ? "ok" : last ? "gave-up" : "failed", code, dur,
                               ok ? NULL : "the hook failed");
                        break;
                }
        }
}

/* Start what may start; returns the ms until the next retry is due, or -1. */
static int dispatch(bool stopping)
{
        int64_t now = now_real(), next = -1;

        for (size_t i = 0; i < st.n_items;) {
                struct ev_item *it = &st.items[i];
                if (it->running) {
                        i++;
                        continue;
                }
                if (it->next_at > now) {
                        if (next < 0 || it->next_at < next)
                                next = it->next_at;
                        i++;
                        continue;
                }
                if (stopping || n_runs >= opt.parallel)
                        break;
                size_t before = st.n_items;
                if (start(i) == 0 || st.n_items == before)
                        i++; /* started, or kept for a retry */
        }
        return next < 0 ? -1 : (int)((next - now) * 1000 + 1);
}

static const char usage[] =
        "Usage: sftpjail-events [--state-dir=DIR] [--parallel=N] [--retry-base=SECONDS] [--retry-cap=SECONDS]\n"
        "                       [--max-attempts=N] [--hook-timeout=SECONDS]\n"
        "Runs the on_upload hooks of " SFTPJAIL_CONFIG_FILE " (started by sftpjail-events.service).\n";

static unsigned num(const char *s, const char *what, unsigned min)
{
        char *end;
        unsigned long v;

        errno = 0;
        v = strtoul(s, &end, 10);
        if (errno || !*s || *end || v < min || v > 86400) {
                fprintf(stderr, "sftpjail-events: %s must be a number from %u to 86400\n", what, min);
                exit(2);
        }
        return (unsigned)v;
}

int main(int argc, char **argv)
{
        static const struct option lo[] = {
                { "state-dir", required_argument, NULL, 'd' },   { "parallel", required_argument, NULL, 'p' },
                { "retry-base", required_argument, NULL, 'b' },  { "retry-cap", required_argument, NULL, 'c' },
                { "max-attempts", required_argument, NULL, 'm' }, { "hook-timeout", required_argument, NULL, 't' },
                { "help", no_argument, NULL, 'h' },              { 0 },
        };
        sd_journal *j;
        sigset_t mask;
        int o, sfd, r;
        bool stopping = false, hold = false;

        while ((o = getopt_long(argc, argv, "", lo, NULL)) != -1) {
                switch (o) {
                case 'd': opt.state_dir = optarg; break;
                case 'p': opt.parallel = num(optarg, "--parallel", 1); break;
                case 'b': opt.retry_base = num(optarg, "--retry-base", 1); break;
                case 'c': opt.retry_cap = num(optarg, "--retry-cap", 1); break;
                case 'm': opt.max_attempts = num(optarg, "--max-attempts", 1); break;
                case 't': opt.hook_timeout = num(optarg, "--hook-timeout", 1); break;
                case 'h': fputs(usage, stdout); return 0;
                default: fputs(usage, stderr); return 2;
                }
        }
        if (optind != argc) {
                fputs(usage, stderr);
                return 2;
        }
        setvbuf(stderr, NULL, _IOLBF, 0);
        state_dir_fd = open(opt.state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (state_dir_fd < 0) {
                say("state directory %s: %s", opt.state_dir, strerror(errno));
                return 1;
        }
        load_state();

        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGCHLD);
        sigaddset(&mask, SIGHUP);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);

        /* Not SD_JOURNAL_SYSTEM: the supervisor runs as the jailed user,
         * and journald keeps a user's entries in user-UID.journal. */
        if ((r = sd_journal_open(&j, SD_JOURNAL_LOCAL_ONLY)) < 0 ||
            (r = sd_journal_open(&jb, SD_JOURNAL_LOCAL_ONLY)) < 0) {
                say("cannot open the journal: %s", strerror(-r));
                return 1;
        }
        sd_journal_set_data_threshold(j, 0);
        sd_journal_set_data_threshold(jb, 0);
        /* jb's inotify watch, for sd_journal_process() in find_upload(). */
        if ((r = sd_journal_get_fd(jb)) < 0) {
                say("cannot watch the journal: %s", strerror(-r));
                return 1;
        }
        if (match_records(j) < 0) {
                say("cannot filter the journal");
                return 1;
        }
        if (st.cursor) {
                /* Go on after the last entry handled.  If the journal no
                 * longer has it (rotated away), from the oldest kept. */
                if (sd_journal_seek_cursor(j, st.cursor) < 0)
                        sd_journal_seek_head(j);
                else if (sd_journal_next(j) > 0 && sd_journal_test_cursor(j, st.cursor) <= 0)
                        sd_journal_previous(j);
                say("started: %zu event(s) queued, going on from the saved journal position", st.n_items);
        } else {
                /* The first start: from now on, not the journal's past. */
                char *c = NULL;
                struct timespec now;
                sd_journal_seek_tail(j);
                if (sd_journal_previous(j) > 0 && sd_journal_get_cursor(j, &c) >= 0) {
                        ev_set_cursor(&st, c);
                        free(c);
                } else {
                        /* No record yet.  A position "at the tail" does not
                         * move on to entries of journal files made later
                         * (a user's user-UID.journal, made at their first
                         * record: systemd 252): a position in time does. */
                        clock_gettime(CLOCK_REALTIME, &now);
                        sd_journal_seek_realtime_usec(j, (uint64_t)now.tv_sec * 1000000 + (uint64_t)now.tv_nsec / 1000);
                }
                save();
                say("started: no saved state, following the journal from its end");
        }

        for (;;) {
                /* Read what is new, unless the queue is full. */
                while (!stopping && !hold && st.n_items < QUEUE_MAX) {
                        r = sd_journal_next(j);
                        if (r <= 0)
                                break;
                        if (!handle_entry(j)) {
                                hold = true; /* the configuration: again in 5 s */
                                sd_journal_previous(j);
                                break;
                        }
                        char *c = NULL;
                        if (sd_journal_get_cursor(j, &c) >= 0) {
                                if (!st.cursor || !streq(st.cursor, c)) {
                                        ev_set_cursor(&st, c);
                                        dirty = true;
                                }
                                free(c);
                        }
                }
                int wait_ms = dispatch(stopping);
                if (dirty)
                        save();
                if (stopping && n_runs == 0)
                        break;
                if (hold && (wait_ms < 0 || wait_ms > 5000))
                        wait_ms = 5000;
                struct pollfd p[2] = {
                        { .fd = sfd, .events = POLLIN },
                        { .fd = stopping ? -1 : sd_journal_get_fd(j), .events = (short)sd_journal_get_events(j) },
                };
                uint64_t jt;
                if (!stopping && sd_journal_get_timeout(j, &jt) >= 0 && jt != (uint64_t)-1) {
                        struct timespec mono;
                        clock_gettime(CLOCK_MONOTONIC, &mono);
                        uint64_t nowus = (uint64_t)mono.tv_sec * 1000000 + (uint64_t)mono.tv_nsec / 1000;
                        int ms = jt > nowus ? (int)((jt - nowus) / 1000 + 1) : 0;
                        if (wait_ms < 0 || ms < wait_ms)
                                wait_ms = ms;
                }
                if (poll(p, 2, wait_ms) < 0 && errno != EINTR) {
                        say("poll: %s", strerror(errno));
                        return 1;
                }
                hold = false;
                struct signalfd_siginfo si;
                while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
                        if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT) {
                                if (!stopping)
                                        say("stopping: waiting for %zu running hook(s)", n_runs);
                                stopping = true;
                        }
                }
                reap();
                if (!stopping)
                        sd_journal_process(j);
        }
        save();
        say("stopped: %zu event(s) queued", st.n_items);
        sd_journal_close(j);
        sd_journal_close(jb);
        ev_state_free(&st);
        free(runs);
        return 0;
}
