/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Time several commands interleaved (A B C, B C A, C A B, ...), so that
 * machine noise hits all of them alike; print min/median/max per command.
 *
 *   interleave ROUNDS [--stdin FILE] :NAME CMD [ARG...] :NAME CMD [ARG...] ...
 *
 * Each run: posix_spawn with stdin from FILE (default /dev/null), stdout
 * and stderr to /dev/null, wall time from spawn to exit (CLOCK_MONOTONIC).
 * A run that exits non-zero is reported and counted. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

struct cmd {
        const char *name;
        char **argv;
        double *t;
        int failed;
};

static int cmp(const void *a, const void *b)
{
        double x = *(const double *)a, y = *(const double *)b;
        return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
        struct cmd cmds[16];
        int n = 0, rounds, i = 2;
        const char *in = "/dev/null";

        if (argc < 4)
                return fprintf(stderr, "usage: %s ROUNDS [--stdin FILE] :NAME CMD... \n", argv[0]), 2;
        rounds = atoi(argv[1]);
        if (strcmp(argv[i], "--stdin") == 0) {
                in = argv[i + 1];
                i += 2;
        }
        for (; i < argc; i++) {
                if (argv[i][0] == ':' && n < 16) {
                        cmds[n] = (struct cmd){ .name = argv[i] + 1, .argv = &argv[i + 1] };
                        cmds[n].t = calloc((size_t)rounds, sizeof(double));
                        n++;
                        argv[i] = NULL; /* terminates the previous command's argv */
                }
        }
        for (int r = 0; r < rounds; r++) {
                for (int k = 0; k < n; k++) {
                        struct cmd *c = &cmds[(k + r) % n];
                        posix_spawn_file_actions_t fa;
                        struct timespec a, b;
                        pid_t pid;
                        int st;

                        posix_spawn_file_actions_init(&fa);
                        posix_spawn_file_actions_addopen(&fa, 0, in, O_RDONLY, 0);
                        posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
                        posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
                        clock_gettime(CLOCK_MONOTONIC, &a);
                        if (posix_spawnp(&pid, c->argv[0], &fa, NULL, c->argv, environ) != 0) {
                                perror(c->argv[0]);
                                return 1;
                        }
                        waitpid(pid, &st, 0);
                        clock_gettime(CLOCK_MONOTONIC, &b);
                        posix_spawn_file_actions_destroy(&fa);
                        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
                                c->failed++;
                        c->t[r] = (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6;
                }
        }
        for (int k = 0; k < n; k++) {
                qsort(cmds[k].t, (size_t)rounds, sizeof(double), cmp);
                printf("%s\t%.3f\t%.3f\t%.3f\t%d\n", cmds[k].name, cmds[k].t[0], cmds[k].t[rounds / 2],
                       cmds[k].t[rounds - 1], cmds[k].failed);
        }
        return 0;
}
