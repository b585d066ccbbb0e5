/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The named stages of a login, and the two test builds that use them.
 *
 * -Dstage_timings=true (benchmark builds): lines to a copy of the
 * launcher's original stderr, from both halves:
 *   sftpjail-stage <name> <µs since the previous stage> <µs since start>
 *
 * -Dstage_pause=true (tests/integration/test-kill.sh only; meson.build
 * refuses a release, packaged or installed build of it): a login whose
 * environment has SFTPJAIL_TEST_PAUSE_AT=<name> waits at that stage,
 * blocked in read(2) on STAGE_PAUSE_FD (a pipe of its own, whose write end
 * it holds at STAGE_PAUSE_FD + 1), until someone writes a byte into that
 * pipe (root, through /proc/PID/fd/STAGE_PAUSE_FD+1) or kills it.  A test
 * sees it waiting in /proc/PID/syscall (read on STAGE_PAUSE_FD).  read(2)
 * because it is all the jail's seccomp filter allows at child:seccomp, and
 * a pipe rather than SIGSTOP because pid 1 of a pid namespace (the jail
 * child) cannot stop itself.  The environment is read before
 * take_environment() clears it; a name that is no stage refuses the login.
 * In every other build none of this exists, and the variable is cleared
 * unread with the rest of the environment.
 *
 * In every build without either option STAGE() is nothing. */
#pragma once

#include "build-config.h"
#include "log.h" /* SFTPJAIL_EXIT_REFUSED */

/* Every stage, in the order a login passes them: the one list (the test
 * reads the names from here). */
#define SFTPJAIL_STAGES(X)                                                  \
        X(STAGE_IDENTITY, "identity+request+caps-check")                    \
        X(STAGE_CONFIG, "config+policy")                                    \
        X(STAGE_RESOLVE, "resolve-sources")                                 \
        X(STAGE_CLONE_SOURCES, "clone-sources")                             \
        X(STAGE_CHILD_CLONE, "child:clone-namespaces")                      \
        X(STAGE_CHILD_NETNS, "child:join-netns")                            \
        X(STAGE_CHILD_TREE, "child:build-tree+pivot")                       \
        X(STAGE_CHILD_DROP, "child:setsid+rlimits+drop-caps")               \
        X(STAGE_CHILD_LANDLOCK, "child:nnp+landlock")                       \
        X(STAGE_CHILD_SECCOMP, "child:seccomp")                             \
        X(STAGE_PARENT_CLONE, "parent:clone-namespaces")                    \
        X(STAGE_PARENT_DROP, "parent:drop-caps")

#define STAGE_ENUM_(id, name) id,
enum stage { SFTPJAIL_STAGES(STAGE_ENUM_) STAGE_COUNT };

#if SFTPJAIL_STAGE_TIMINGS || SFTPJAIL_STAGE_PAUSE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define STAGE_NAME_(id, name) name,
static const char *const stage_names[STAGE_COUNT] = { SFTPJAIL_STAGES(STAGE_NAME_) };
#endif

#if SFTPJAIL_STAGE_TIMINGS
static int timing_fd = -1;
static struct timespec timing_t0, timing_prev;

static inline long timing_us(const struct timespec *a, const struct timespec *b)
{
        return (b->tv_sec - a->tv_sec) * 1000000L + (b->tv_nsec - a->tv_nsec) / 1000L;
}

static inline void timing_init(void)
{
        clock_gettime(CLOCK_MONOTONIC, &timing_t0);
        timing_prev = timing_t0;
        timing_fd = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
}

static inline void timing_stage(enum stage s)
{
        struct timespec now;

        clock_gettime(CLOCK_MONOTONIC, &now);
        if (timing_fd >= 0)
                dprintf(timing_fd, "sftpjail-stage %s %ld %ld\n", stage_names[s], timing_us(&timing_prev, &now),
                        timing_us(&timing_t0, &now));
        timing_prev = now;
}
#else
static inline void timing_init(void) { }
static inline void timing_stage(enum stage s) { (void)s; }
#endif

#if SFTPJAIL_STAGE_PAUSE
#define STAGE_PAUSE_FD 900
static int pause_at = -1;

static inline void pause_init(void)
{
        const char *at = getenv("SFTPJAIL_TEST_PAUSE_AT");
        int p[2];

        if (!at)
                return;
        for (int i = 0; i < STAGE_COUNT; i++)
                if (strcmp(at, stage_names[i]) == 0)
                        pause_at = i;
        if (pause_at < 0) {
                dprintf(STDERR_FILENO, "sftpjail: login refused: SFTPJAIL_TEST_PAUSE_AT=%.64s names no stage\n", at);
                _exit(SFTPJAIL_EXIT_REFUSED);
        }
        /* Both ends, so that the read blocks rather than sees EOF;
         * close-on-exec, so that neither sftp-server nor the supervisor
         * holds them. */
        if (pipe2(p, O_CLOEXEC) < 0 || dup3(p[0], STAGE_PAUSE_FD, O_CLOEXEC) < 0 ||
            dup3(p[1], STAGE_PAUSE_FD + 1, O_CLOEXEC) < 0) {
                dprintf(STDERR_FILENO, "sftpjail: login refused: stage pause: %s\n", strerror(errno));
                _exit(SFTPJAIL_EXIT_REFUSED);
        }
        close(p[0]);
        close(p[1]);
}

static inline void pause_stage(enum stage s)
{
        char c;

        if ((int)s != pause_at)
                return;
        while (read(STAGE_PAUSE_FD, &c, 1) < 0 && errno == EINTR)
                ;
}
#else
static inline void pause_init(void) { }
static inline void pause_stage(enum stage s) { (void)s; }
#endif

#define STAGE_INIT()            \
        do {                    \
                timing_init();  \
                pause_init();   \
        } while (0)
#define STAGE(s)                \
        do {                    \
                timing_stage(s); \
                pause_stage(s); \
        } while (0)
