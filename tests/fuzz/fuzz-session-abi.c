/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sftpjail-supervise's argv (session-abi.c).  The input: NUL-separated
 * arguments.  Invariants: what supervise_argv_parse() accepts, rebuilt by
 * supervise_argv_build() and parsed again, is the same session; the fds
 * are above the standard ones. */
#include <limits.h>

#include "fuzz.h"
#include "session-abi.h"

#define MAXARGS (SUPERVISE_ARGC + 4)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *args[MAXARGS];
        size_t n = fuzz_split(data, size, 0, args, MAXARGS);
        struct supervise_args a, b;
        char err[256];

        if (supervise_argv_parse((int)n, args, &a, err, sizeof(err)) == 0) {
                FUZZ_CHECK(n == SUPERVISE_ARGC);
                FUZZ_CHECK(a.child > 0);
                FUZZ_CHECK(a.notify_fd > 2 && a.status_fd > 2 && a.log_fd > 2 && a.ready_fd > 2);
                FUZZ_CHECK(a.slot_fd == -1 || a.slot_fd > 2);
                FUZZ_CHECK(a.channel_fd == -1 || a.channel_fd > 2);
                FUZZ_CHECK(a.idle_timeout >= 0 && a.max_session_time >= 0);
                FUZZ_CHECK(!a.idle_timeout || a.channel_fd >= 0);
                FUZZ_CHECK(a.home[0] == '/');
                char buf[SUPERVISE_ARGV_BUF];
                const char *argv[SUPERVISE_ARGC + 1];
                FUZZ_CHECK(supervise_argv_build(&a, args[0], buf, argv) == 0);
                FUZZ_CHECK(argv[SUPERVISE_ARGC] == NULL);
                FUZZ_CHECK(supervise_argv_parse(SUPERVISE_ARGC, (char *const *)argv, &b, err, sizeof(err)) == 0);
                FUZZ_CHECK(strcmp(a.session, b.session) == 0 && strcmp(a.user, b.user) == 0 &&
                           strcmp(a.client, b.client) == 0 && a.child == b.child && a.notify_fd == b.notify_fd &&
                           a.status_fd == b.status_fd && a.log_fd == b.log_fd && a.ready_fd == b.ready_fd &&
                           a.slot_fd == b.slot_fd && a.channel_fd == b.channel_fd &&
                           a.idle_timeout == b.idle_timeout && a.max_session_time == b.max_session_time &&
                           a.audit_best_effort == b.audit_best_effort && strcmp(a.home, b.home) == 0 &&
                           strcmp(a.auth_info, b.auth_info) == 0);
        } else {
                FUZZ_CHECK(memchr(err, '\0', sizeof(err)) && err[0]);
        }
        for (size_t i = 0; i < n; i++)
                free(args[i]);
        return 0;
}
