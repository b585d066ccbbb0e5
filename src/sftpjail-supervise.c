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
 * The argv and the fds are the session ABI (session-abi.h); on READY-FD we write one byte
 * once we run, which the jail waits for before it starts sftp-server.
 * Nothing but the launcher runs this usefully: it must be the jail's
 * parent to wait for it. */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "authinfo.h"
#include "build-config.h"
#include "log.h"
#include "session-abi.h"
#include "supervisor.h"

/* The launcher opened it for us: it must be open, and is ours alone. */
static int inherited_fd(int fd)
{
        if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
                die("fd %d was not handed over", fd);
        return fd;
}

int main(int argc, char **argv)
{
        struct session sess = { 0 };
        struct supervise_args a;
        char err[256];
        int ok = supervise_argv_parse(argc, argv, &a, err, sizeof(err));

        log_open();
        if (ok == 0)
                log_set_context(a.user, a.session);
        /* The user must not ptrace us (and forge or drop the session's log
         * lines): exec of a binary the user cannot read leaves the process
         * non-dumpable from its first instruction, with no window. */
        if (prctl(PR_GET_DUMPABLE) != 0)
                die("%s can be read by the user; it must be mode 0711, so that the user cannot ptrace "
                    "the supervisor",
                    SFTPJAIL_SUPERVISE_PATH);
        if (ok < 0)
                die("%s; usage: sftpjail-supervise SESSION USER CLIENT CHILD-PID NOTIFY-FD STATUS-FD LOG-FD "
                    "READY-FD SLOT-FD CHANNEL-FD IDLE MAX-TIME AUDIT HOME AUTH-INFO (run by the launcher only)",
                    err);
        sess.id = a.session;
        sess.user = a.user;
        sess.client = a.client;
        sess.child = a.child;
        sess.notify_fd = inherited_fd(a.notify_fd);
        sess.status_fd = inherited_fd(a.status_fd);
        sess.log_fd = inherited_fd(a.log_fd);
        /* Ready: the jail waits for this byte before it starts
         * sftp-server (and dies with us from then on: PDEATHSIG). */
        int ready_fd = inherited_fd(a.ready_fd);
        /* Held, never touched: the slot is ours until we end. */
        if (a.slot_fd >= 0)
                inherited_fd(a.slot_fd);
        /* Our own queue to the sink, never a blocking syslog(3): see
         * log.h.  Without a sink, audit = required refuses the login
         * (the jail, waiting for our ready byte, ends). */
        if (log_queue_open(err, sizeof(err)) < 0 && !a.audit_best_effort)
                die("the audit log cannot be written (%s); with audit = required no session is served", err);
        sess.audit_required = !a.audit_best_effort;
        /* The key that authenticated (sshd's ExposeAuthInfo), read as the
         * user: a record without it is still a record. */
        static char key[AUTHINFO_KEY_MAX];
        if (*a.auth_info && authinfo_read(a.auth_info, key) == 0)
                sess.key = key;
        sess.home = a.home;
        /* This host's name, in every record: sessions of many hosts end up
         * in one place (docs/scale-out.md).  Read here, in the host's UTS
         * namespace (the jail has its own). */
        static char host_raw[HOST_NAME_MAX + 1], host[HOST_ESCAPED_MAX];
        if (gethostname(host_raw, sizeof(host_raw) - 1) == 0 && host_raw[0]) {
                log_escape(host_raw, strlen(host_raw), host, sizeof(host));
                sess.host_raw = host_raw;
                sess.host = host;
        }
        sess.idle_timeout = a.idle_timeout;
        sess.max_session_time = a.max_session_time;
        if (a.channel_fd >= 0) {
                sess.relay = true;
                if (channel_init(&sess.chan, STDIN_FILENO, inherited_fd(a.channel_fd)) < 0)
                        die_errno("setting up the channel relay");
        }
        supervise_prepare(&sess);
        /* EPIPE: the jail already ended (refused before it waited for
         * us); supervise() reports its message. */
        if (write(ready_fd, "R", 1) != 1 && errno != EPIPE)
                die_errno("telling the jail we are ready");
        close(ready_fd);
        int rc = supervise(&sess);
        /* The last records (the session's end) go out before we do: a
         * sink that stalled may take them late, and we wait for it (the
         * client's connection closes when we exit). */
        if (log_queue_drain(30000) < 0)
                dprintf(STDERR_FILENO, "sftpjail: the audit log did not take the session's last records\n");
        return rc;
}
