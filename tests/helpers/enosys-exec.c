/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Run a program as another user under a seccomp filter that makes the named
 * syscalls fail with ENOSYS, as on a kernel without them (like crun's
 * no_openat2 test):
 *
 *   enosys-exec [--hold-listener] USER SYSCALL[=ERRNO][,...]|- PROGRAM [ARG...]
 *
 * Run as root: the filter is loaded without no_new_privs (allowed with
 * CAP_SYS_ADMIN), so the program's file capabilities still apply after the
 * switch to USER.  Filters are inherited across execve.
 *
 * --hold-listener: the filter also gets a user-notification listener (for
 * uselib, which nothing calls), held open by a child process for as long as
 * this one lives, as a container manager that intercepts syscalls would.
 * The kernel allows one listener per filter chain, so the program cannot
 * create its own (EBUSY). */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

static int drop_to(const struct passwd *pw)
{
        if (initgroups(pw->pw_name, pw->pw_gid) < 0 || setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) < 0 ||
            setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) < 0) {
                perror("dropping to the user");
                return -1;
        }
        return 0;
}

int main(int argc, char **argv)
{
        int hold = argc > 1 && strcmp(argv[1], "--hold-listener") == 0;

        argv += hold;
        argc -= hold;
        if (argc < 4) {
                fprintf(stderr, "usage: enosys-exec [--hold-listener] USER SYSCALL[,SYSCALL...]|- PROGRAM [ARG...]\n");
                return 2;
        }
        struct passwd *pw = getpwnam(argv[1]);
        if (!pw) {
                fprintf(stderr, "no user %s\n", argv[1]);
                return 2;
        }
        scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
        if (!ctx || seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0) < 0)
                return 2;
        for (char *s = strtok(argv[2], ","); s && strcmp(s, "-") != 0; s = strtok(NULL, ",")) {
                /* NAME or NAME=ERRNO (a number: another failure than
                 * ENOSYS, e.g. 95 for Landlock disabled at boot). */
                char *eq = strchr(s, '=');
                unsigned err = ENOSYS;
                if (eq) {
                        *eq = '\0';
                        err = (unsigned)strtoul(eq + 1, NULL, 10);
                }
                int nr = seccomp_syscall_resolve_name(s);
                if (nr == __NR_SCMP_ERROR || err == 0 || seccomp_rule_add(ctx, SCMP_ACT_ERRNO(err), nr, 0) < 0) {
                        fprintf(stderr, "bad syscall %s\n", s);
                        return 2;
                }
        }
        if (hold && seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, SCMP_SYS(uselib), 0) < 0)
                return 2;
        if (seccomp_load(ctx) < 0) {
                perror("seccomp_load");
                return 2;
        }
        if (hold) {
                int fd = seccomp_notify_fd(ctx);
                if (fd < 0) {
                        fprintf(stderr, "no listener\n");
                        return 2;
                }
                pid_t pid = fork();
                if (pid < 0) {
                        perror("fork");
                        return 2;
                }
                if (pid == 0) {
                        /* Holds the listener until the program ends (and
                         * not the caller's pipes).  As the user: the death
                         * signal is sent with the parent's credentials,
                         * and set after the switch, which resets it. */
                        close(STDIN_FILENO);
                        close(STDOUT_FILENO);
                        close(STDERR_FILENO);
                        if (drop_to(pw) < 0)
                                _exit(2);
                        prctl(PR_SET_PDEATHSIG, SIGKILL);
                        if (getppid() == 1)
                                _exit(0);
                        for (;;)
                                pause();
                }
                close(fd);
        }
        if (drop_to(pw) < 0)
                return 2;
        execv(argv[3], argv + 3);
        perror(argv[3]);
        return 127;
}
