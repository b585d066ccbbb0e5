/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "seccomp-filter.h"

#include <errno.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "log.h"

const char *seccomp_syscall_name(int nr)
{
        if (nr < 0 || (unsigned)nr >= sftpjail_syscall_names_len || !sftpjail_syscall_names[nr][0])
                return "?";
        return sftpjail_syscall_names[nr];
}

int seccomp_load_filter(void)
{
        int listener;
        struct sock_fprog prog = {
                .len = sftpjail_filter_len,
                .filter = (struct sock_filter *)sftpjail_filter,
        };

        /* no_new_privs is set by the caller; without it the kernel would
         * refuse an unprivileged filter anyway.  FLAG_LOG: every refused or
         * killed syscall goes to the audit log with its number. */
        if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
                die("no_new_privs is not set");
        listener = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
                                SECCOMP_FILTER_FLAG_LOG | SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
        if (listener < 0 && errno == EBUSY) {
                /* Only one listener per filter chain: something above us
                 * (a container manager intercepting syscalls) holds one.
                 * The same policy with KILL_PROCESS as its default refuses
                 * exactly the same calls; only the supervisor's log line
                 * with the name is lost (the audit log keeps the number). */
                prog.len = sftpjail_filter_kill_len;
                prog.filter = (struct sock_filter *)sftpjail_filter_kill;
                if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_LOG, &prog) < 0)
                        die_errno("loading the seccomp filter");
                return -1;
        }
        if (listener < 0)
                die_errno("loading the seccomp filter");
        return listener;
}
