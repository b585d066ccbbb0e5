/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The session ABI (src/session-abi.h): the supervisor's argv built by the
 * launcher's builder and read back by the supervisor's parser; fd passing
 * over a real socketpair. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "session-abi.h"
#include "tap.h"

static const struct supervise_args good = {
        .session = "0123456789abcdef", .user = "sftp demo", .client = "2001:db8::1:50022", .child = 4242,
        .notify_fd = 4, .status_fd = 5, .log_fd = 6, .ready_fd = 2147483647,
        .slot_fd = 7, .channel_fd = 8, .idle_timeout = 900, .max_session_time = 86400,
        .audit_best_effort = true, .home = "/srv/sftp/sftp demo", .auth_info = "/tmp/sshauth.abc",
};

static bool same(const struct supervise_args *a, const struct supervise_args *b)
{
        return strcmp(a->session, b->session) == 0 && strcmp(a->user, b->user) == 0 &&
               strcmp(a->client, b->client) == 0 && a->child == b->child && a->notify_fd == b->notify_fd &&
               a->status_fd == b->status_fd && a->log_fd == b->log_fd && a->ready_fd == b->ready_fd &&
               a->slot_fd == b->slot_fd && a->channel_fd == b->channel_fd && a->idle_timeout == b->idle_timeout &&
               a->max_session_time == b->max_session_time && a->audit_best_effort == b->audit_best_effort &&
               strcmp(a->home, b->home) == 0 && strcmp(a->auth_info, b->auth_info) == 0;
}

static int parse(const char *const *argv, int argc, struct supervise_args *out)
{
        char err[128];
        return supervise_argv_parse(argc, (char *const *)argv, out, err, sizeof(err));
}

static void argv_round_trip(void)
{
        const char *argv[SUPERVISE_ARGC + 1];
        char buf[SUPERVISE_ARGV_BUF];
        struct supervise_args back, bad;

        CHECK(supervise_argv_build(&good, "/x/sftpjail-supervise", buf, argv) == 0, "argv built");
        CHECK(argv[SUPERVISE_ARGC] == NULL && strcmp(argv[SUPERVISE_ARG_PROGRAM], "/x/sftpjail-supervise") == 0,
              "argv is NULL-terminated after %d entries", SUPERVISE_ARGC);
        CHECK(strcmp(argv[SUPERVISE_ARG_CLIENT], "2001:db8::1:50022") == 0 &&
                      strcmp(argv[SUPERVISE_ARG_CHILD], "4242") == 0 &&
                      strcmp(argv[SUPERVISE_ARG_READY_FD], "2147483647") == 0,
              "named indices hold what they name");
        memset(&back, 0, sizeof(back));
        CHECK(parse(argv, SUPERVISE_ARGC, &back) == 0 && same(&good, &back), "parse(build(x)) == x");
        CHECK(parse(argv, SUPERVISE_ARGC - 1, &back) < 0, "one argument short: refused");

        struct {
                enum supervise_arg i;
                const char *v, *why;
        } cases[] = {
                { SUPERVISE_ARG_SESSION, "0123456789ABCDEF", "upper-case session id" },
                { SUPERVISE_ARG_SESSION, "0123456789abcde", "15-digit session id" },
                { SUPERVISE_ARG_USER, "", "empty user" },
                { SUPERVISE_ARG_USER, "a\nb", "user with a newline" },
                { SUPERVISE_ARG_CLIENT, "1.2.3.4 5", "client with a space" },
                { SUPERVISE_ARG_CLIENT, "", "empty client" },
                { SUPERVISE_ARG_CHILD, "0", "child pid 0" },
                { SUPERVISE_ARG_CHILD, "-1", "child pid -1" },
                { SUPERVISE_ARG_CHILD, "+5", "child pid with a sign" },
                { SUPERVISE_ARG_CHILD, "2147483648", "child pid above INT_MAX" },
                { SUPERVISE_ARG_NOTIFY_FD, "2", "stderr as an inherited fd" },
                { SUPERVISE_ARG_LOG_FD, " 7", "fd with a space" },
                { SUPERVISE_ARG_READY_FD, "7x", "fd with trailing text" },
                { SUPERVISE_ARG_SLOT_FD, "-2", "slot fd -2" },
                { SUPERVISE_ARG_SLOT_FD, "1", "stdout as the slot fd" },
                { SUPERVISE_ARG_CHANNEL_FD, "", "empty channel fd" },
                { SUPERVISE_ARG_IDLE, "-1", "negative idle timeout" },
                { SUPERVISE_ARG_MAX_TIME, "1h", "max time with a unit" },
                { SUPERVISE_ARG_AUDIT, "optional", "an unknown audit mode" },
        };
        for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
                const char *copy[SUPERVISE_ARGC + 1];
                memcpy(copy, argv, sizeof(copy));
                copy[cases[k].i] = cases[k].v;
                CHECK(parse(copy, SUPERVISE_ARGC, &back) < 0, "parser refuses %s", cases[k].why);
        }

        bad = good;
        bad.slot_fd = bad.channel_fd = -1;
        bad.idle_timeout = bad.max_session_time = 0;
        CHECK(supervise_argv_build(&bad, "p", buf, argv) == 0 && parse(argv, SUPERVISE_ARGC, &back) == 0 &&
                      back.slot_fd == -1 && back.channel_fd == -1 && back.idle_timeout == 0,
              "no slot, no relay, no limits: -1 -1 0 0 round-trip");
        bad.idle_timeout = 60;
        CHECK(supervise_argv_build(&bad, "p", buf, argv) < 0, "an idle timeout without the relay is refused");
        bad = good;
        bad.child = 0;
        CHECK(supervise_argv_build(&bad, "p", buf, argv) < 0, "builder refuses what the parser would (pid 0)");
        bad = good;
        bad.client = "a b";
        CHECK(supervise_argv_build(&bad, "p", buf, argv) < 0, "builder refuses a client with a space");
}

static void fd_passing(void)
{
        int sv[2], p[2], got;
        struct stat a, b;
        char c;

        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0 || pipe(p) < 0) {
                CHECK(0, "socketpair/pipe");
                return;
        }
        CHECK(send_fd(sv[0], p[0]) == 0, "send_fd");
        got = recv_fd(sv[1]);
        CHECK(got >= 0 && got != p[0], "recv_fd returns a new fd");
        CHECK(got >= 0 && fstat(got, &a) == 0 && fstat(p[0], &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev,
              "it is the same open file");
        CHECK(got >= 0 && (fcntl(got, F_GETFD) & FD_CLOEXEC), "received close-on-exec");
        CHECK(write(p[1], "x", 1) == 1 && got >= 0 && read(got, &c, 1) == 1 && c == 'x', "data flows through it");
        if (got >= 0)
                close(got);

        /* A byte without an fd is refused, not mistaken for fd 0. */
        CHECK(write(sv[0], "L", 1) == 1 && recv_fd(sv[1]) < 0 && errno == EBADMSG, "byte without an fd: EBADMSG");
        /* The peer gone: an error, not a hang, not SIGPIPE. */
        close(sv[1]);
        CHECK(send_fd(sv[0], p[0]) < 0 && errno == EPIPE, "send_fd to a closed peer: EPIPE, no SIGPIPE");
        close(sv[0]);
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == 0) {
                close(sv[0]);
                CHECK(recv_fd(sv[1]) < 0, "recv_fd at EOF: -1");
                close(sv[1]);
        }
        close(p[0]);
        close(p[1]);
}

static void signals(void)
{
        sigset_t s;

        session_signals(&s);
        CHECK(sigismember(&s, SIGCHLD) == 1 && sigismember(&s, SIGTERM) == 1 && sigismember(&s, SIGHUP) == 1 &&
                      sigismember(&s, SIGPIPE) == 1 && sigismember(&s, SIGKILL) == 0,
              "session_signals: CHLD, TERM, HUP, PIPE (not KILL)");
}

int main(void)
{
        argv_round_trip();
        fd_passing();
        signals();
        return tap_done();
}
