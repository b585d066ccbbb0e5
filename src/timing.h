/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Per-stage timings of a login, for the benchmark build only
 * (meson -Dstage_timings=true).  In every other build STAGE() is nothing.
 * Lines go to a copy of the launcher's original stderr, from both halves:
 *   sftpjail-stage <name> <µs since the previous stage> <µs since start> */
#pragma once

#include "build-config.h"

#if SFTPJAIL_STAGE_TIMINGS
#include <fcntl.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

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

static inline void timing_stage(const char *name)
{
        struct timespec now;

        clock_gettime(CLOCK_MONOTONIC, &now);
        if (timing_fd >= 0)
                dprintf(timing_fd, "sftpjail-stage %s %ld %ld\n", name, timing_us(&timing_prev, &now),
                        timing_us(&timing_t0, &now));
        timing_prev = now;
}
#define STAGE_INIT() timing_init()
#define STAGE(name) timing_stage(name)
#else
#define STAGE_INIT() do { } while (0)
#define STAGE(name) do { } while (0)
#endif
