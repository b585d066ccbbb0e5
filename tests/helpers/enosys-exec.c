/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Run a program as another user under a seccomp filter that makes the named
 * syscalls fail with ENOSYS, as on a kernel without them (like crun's
 * no_openat2 test):
 *
 *   enosys-exec USER SYSCALL[,SYSCALL...] PROGRAM [ARG...]
 *
 * Run as root: the filter is loaded without no_new_privs (allowed with
 * CAP_SYS_ADMIN), so the program's file capabilities still apply after the
 * switch to USER.  Filters are inherited across execve. */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
        if (argc < 4) {
                fprintf(stderr, "usage: %s USER SYSCALL[,SYSCALL...] PROGRAM [ARG...]\n", argv[0]);
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
        for (char *s = strtok(argv[2], ","); s; s = strtok(NULL, ",")) {
                int nr = seccomp_syscall_resolve_name(s);
                if (nr == __NR_SCMP_ERROR || seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), nr, 0) < 0) {
                        fprintf(stderr, "bad syscall %s\n", s);
                        return 2;
                }
        }
        if (seccomp_load(ctx) < 0) {
                perror("seccomp_load");
                return 2;
        }
        if (initgroups(pw->pw_name, pw->pw_gid) < 0 || setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) < 0 ||
            setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) < 0) {
                perror("dropping to the user");
                return 2;
        }
        execv(argv[3], argv + 3);
        perror(argv[3]);
        return 127;
}
