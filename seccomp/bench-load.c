/* SPDX-License-Identifier: GPL-2.0-or-later */
/* How much would compiling the filter at each login cost, compared with
 * loading the program compiled at build time?  (Not installed; run by hand
 * or by bench/run.sh.)
 *
 *   sftpjail-seccomp-bench [ITERATIONS]
 *
 * (a) what a login would do with libseccomp: parse the policy, build the
 *     filter, generate BPF (seccomp_export_bpf into a memfd);
 * (b) what the launcher does: nothing but hand the embedded program to
 *     seccomp(2) -- measured here as the load itself, in a child;
 * (c) the only other work the prebuilt program needs: a copy of it (the
 *     launcher does not even copy; this bounds any "preparation"). */
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "seccomp-build.h"
#include "seccomp-filter.h"

extern const char sftpjail_policy_text[];

static double now_us(void)
{
        struct timespec t;
        clock_gettime(CLOCK_MONOTONIC, &t);
        return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

int main(int argc, char **argv)
{
        int n = argc > 1 ? (int)strtol(argv[1], NULL, 10) : 200;
        if (n <= 0)
                n = 200;
        char err[256];
        double t0 = now_us();

        for (int i = 0; i < n; i++) {
                struct sp_policy p;
                if (sp_parse(sftpjail_policy_text, &p, err, sizeof(err)) < 0)
                        return fprintf(stderr, "%s\n", err), 1;
                scmp_filter_ctx ctx = sp_build(&p, err, sizeof(err));
                int fd = memfd_create("bpf", MFD_CLOEXEC);
                if (!ctx || fd < 0 || seccomp_export_bpf(ctx, fd) < 0)
                        return fprintf(stderr, "build failed\n"), 1;
                close(fd);
                seccomp_release(ctx);
                sp_free(&p);
        }
        double compile = (now_us() - t0) / n;

        double load = 0;
        for (int i = 0; i < n; i++) {
                int pfd[2];
                if (pipe(pfd) < 0)
                        return 1;
                pid_t pid = fork();
                if (pid == 0) {
                        struct sock_fprog prog = { .len = sftpjail_filter_len,
                                                   .filter = (struct sock_filter *)sftpjail_filter };
                        double a = now_us();
                        prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
                        syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog);
                        double d = now_us() - a;
                        ssize_t w = write(pfd[1], &d, sizeof(d));
                        _exit(w == sizeof(d) ? 0 : 1);
                }
                double d = 0;
                if (read(pfd[0], &d, sizeof(d)) != sizeof(d))
                        return 1;
                waitpid(pid, NULL, 0);
                close(pfd[0]);
                close(pfd[1]);
                load += d;
        }
        load /= n;

        static struct sock_filter copy[BPF_MAXINSNS];
        t0 = now_us();
        for (int i = 0; i < n * 100; i++) {
                memcpy(copy, sftpjail_filter, sftpjail_filter_len * sizeof(*copy));
                __asm__ volatile("" : : "r"(copy) : "memory"); /* keep the copy */
        }
        double copied = (now_us() - t0) / (n * 100);
        printf("filter: %u BPF instructions\n", (unsigned)sftpjail_filter_len);
        printf("(a) compiling with libseccomp (parse + build + export): %8.1f us per login, on top of (b)\n",
               compile);
        printf("(b) loading the program (no_new_privs + seccomp()):    %8.1f us per login, either way\n", load);
        printf("(c) copying the prebuilt program:                      %8.3f us per login\n", copied);
        return 0;
}
