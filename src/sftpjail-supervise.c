/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sftpjail-supervise: the long-lived half of a login.
 *
 * The launcher execs this right after it has started the jail, dropped
 * every capability and set no_new_privs, so that what lives for the whole
 * session is a fresh, small program: none of the launcher's memory (its
 * configuration, the identity lookups, the paths and buffers of building
 * the jail, the dirty pages of the libraries it needed) stays resident
 * per session.  Built statically where the toolchain allows, so that not
 * even the dynamic loader's relocations are paid again.
 *
 *   sftpjail-supervise SESSION USER CLIENT CHILD-PID NOTIFY-FD STATUS-FD LOG-FD READY-FD
 *
 * The fds are the launcher's (supervisor.h); on READY-FD we write one byte
 * once we run, which the jail waits for before it starts sftp-server.
 * Nothing but the launcher runs this usefully: it must be the jail's
 * parent to wait for it. */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>

#include "build-config.h"
#include "log.h"
#include "supervisor.h"

#define SUPERVISE_ARGS 9

static int number(const char *s, long min, long max)
{
        char *end;
        long v;

        errno = 0;
        v = strtol(s, &end, 10);
        if (errno || end == s || *end || v < min || v > max)
                die("invalid argument '%s'", s);
        return (int)v;
}

static int inherited_fd(const char *s)
{
        int fd = number(s, STDERR_FILENO + 1, INT_MAX);

        if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
                die("fd %s was not handed over", s);
        return fd;
}

int main(int argc, char **argv)
{
        struct session sess = { 0 };

        log_open();
        if (argc == SUPERVISE_ARGS)
                log_set_context(argv[2], argv[1]);
        /* The user must not ptrace us (and forge or drop the session's log
         * lines): exec of a binary the user cannot read leaves the process
         * non-dumpable from its first instruction, with no window. */
        if (prctl(PR_GET_DUMPABLE) != 0)
                die("%s can be read by the user; it must be mode 0711, so that the user cannot ptrace "
                    "the supervisor",
                    SFTPJAIL_SUPERVISE_PATH);
        if (argc != SUPERVISE_ARGS)
                die("usage: sftpjail-supervise SESSION USER CLIENT CHILD-PID NOTIFY-FD STATUS-FD LOG-FD READY-FD "
                    "(run by the launcher only)");
        sess.id = argv[1];
        sess.user = argv[2];
        sess.client = argv[3];
        sess.child = number(argv[4], 1, INT_MAX);
        sess.notify_fd = inherited_fd(argv[5]);
        sess.status_fd = inherited_fd(argv[6]);
        sess.log_fd = inherited_fd(argv[7]);
        /* Ready: the jail waits for this byte before it starts
         * sftp-server (and dies with us from then on: PDEATHSIG). */
        int ready_fd = inherited_fd(argv[8]);
        /* EPIPE: the jail already ended (refused before it waited for
         * us); supervise() reports its message. */
        if (write(ready_fd, "R", 1) != 1 && errno != EPIPE)
                die_errno("telling the jail we are ready");
        close(ready_fd);
        return supervise(&sess);
}
