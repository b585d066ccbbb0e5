/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Attack helper for test-seccomp-attacks.sh.  The test configures the
 * launcher to exec this program in place of sftp-server, so it runs in a
 * jail identical to a real login's (namespaces, capabilities, Landlock,
 * seccomp).  It reads one attack from stdin, tries it, and prints
 * "errno N" or "ok".  If the policy refuses it, the session is killed and
 * the launcher exits 159 (the supervisor names the syscall in the log).
 *
 * Attacks pass arguments that would fail with a different, known error if
 * the syscall were allowed (fd -1, bad pointers), so that EPERM, ENOSYS or
 * a kill can only come from the filter (as bubblewrap's try-syscall does). */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef __X32_SYSCALL_BIT
#define __X32_SYSCALL_BIT 0x40000000
#endif

static void report(long r)
{
        if (r < 0)
                printf("errno %d\n", errno);
        else
                printf("ok\n");
        fflush(stdout);
}

static long int80_getpid(void)
{
        long r;
        /* i386 getpid is 20.  The bad-arch action must kill before it runs. */
        __asm__ volatile("int $0x80" : "=a"(r) : "a"(20L) : "memory");
        if (r < 0) {
                errno = (int)-r;
                return -1;
        }
        return r;
}

int main(void)
{
        char line[128];
        char *const noargs[] = { NULL };

        if (!fgets(line, sizeof(line), stdin))
                return 2;
        line[strcspn(line, "\n")] = '\0';

        if (strncmp(line, "nr ", 3) == 0) {
                /* A raw syscall by number, every argument invalid. */
                long nr = strtol(line + 3, NULL, 10);
                report(syscall(nr, -1L, -1L, -1L, -1L, -1L, -1L));
        } else if (strncmp(line, "args ", 5) == 0) {
                /* "args NR A0 ... A5": a raw syscall with these arguments
                 * (for the argument filters; pick ones that fail with a
                 * known errno, EFAULT or EINVAL, should the call run). */
                long v[7] = { 0 };
                char *p = line + 5;
                for (int i = 0; i < 7 && *p; i++)
                        v[i] = (long)strtoul(p, &p, 0);
                report(syscall(v[0], v[1], v[2], v[3], v[4], v[5], v[6]));
        } else if (strcmp(line, "getpid") == 0) {
                report(syscall(SYS_getpid));
        } else if (strcmp(line, "write") == 0) {
                report(syscall(SYS_write, -1, "", 0)); /* allowed: EBADF */
        } else if (strcmp(line, "x32-getpid") == 0) {
                report(syscall(__X32_SYSCALL_BIT + 39));
        } else if (strcmp(line, "x32-write") == 0) {
                report(syscall(__X32_SYSCALL_BIT + 1, -1, "", 0));
        } else if (strcmp(line, "int80-getpid") == 0) {
                report(int80_getpid());
        } else if (strcmp(line, "tiocsti") == 0) {
                char c = 'x';
                report(syscall(SYS_ioctl, 0, (unsigned long)TIOCSTI, &c));
        } else if (strcmp(line, "tiocsti-high") == 0) {
                char c = 'x';
                report(syscall(SYS_ioctl, 0, 0xdeadbeef00000000UL | TIOCSTI, &c));
        } else if (strcmp(line, "tioclinux") == 0) {
                char c = 3;
                report(syscall(SYS_ioctl, 0, (unsigned long)TIOCLINUX, &c));
        } else if (strcmp(line, "clone-newuser") == 0) {
                report(syscall(SYS_clone, CLONE_NEWUSER | CLONE_NEWNS | SIGCHLD, NULL, NULL, NULL, NULL));
        } else if (strcmp(line, "clone3") == 0) {
                report(syscall(SYS_clone3, NULL, 0));
        } else if (strcmp(line, "socket-unix") == 0) {
                report(socket(AF_UNIX, SOCK_STREAM, 0));
        } else if (strcmp(line, "socket-inet") == 0) {
                report(socket(AF_INET, SOCK_STREAM, 0));
        } else if (strcmp(line, "exec-devnull") == 0) {
                report(execve("/dev/null", noargs, noargs));
        } else if (strncmp(line, "exec ", 5) == 0) {
                report(execve(line + 5, noargs, noargs));
        } else if (strncmp(line, "open-write ", 11) == 0) {
                report(open(line + 11, O_WRONLY | O_CREAT, 0644));
        } else if (strncmp(line, "open-read ", 10) == 0) {
                report(open(line + 10, O_RDONLY));
        } else if (strcmp(line, "sendmsg-3") == 0) {
                /* The one allowed sendmsg: fd 3, not open here (EBADF). */
                report(syscall(SYS_sendmsg, 3, NULL, 0));
        } else if (strcmp(line, "prctl-dumpable") == 0) {
                report(syscall(SYS_prctl, PR_SET_DUMPABLE, 0L, 0L, 0L, 0L));
        } else if (strcmp(line, "prctl-dumpable-high") == 0) {
                /* The kernel reads an int: this would be PR_SET_DUMPABLE. */
                report(syscall(SYS_prctl, 0xdeadbeef00000000UL | PR_SET_DUMPABLE, 0L, 0L, 0L, 0L));
        } else if (strcmp(line, "prctl-other") == 0) {
                report(syscall(SYS_prctl, PR_CAPBSET_READ, 0L, 0L, 0L, 0L));
        } else if (strcmp(line, "mmap-rw") == 0) {
                void *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
                report(m == MAP_FAILED ? -1 : 0);
        } else if (strcmp(line, "mmap-wx") == 0) {
                report((long)syscall(SYS_mmap, NULL, 4096L, PROT_READ | PROT_WRITE | PROT_EXEC,
                                     MAP_PRIVATE | MAP_ANONYMOUS, -1L, 0L));
        } else if (strcmp(line, "mprotect-r") == 0 || strcmp(line, "mprotect-x") == 0) {
                void *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
                if (m == MAP_FAILED) {
                        report(-1);
                        return 0;
                }
                report(syscall(SYS_mprotect, m, 4096L, line[9] == 'x' ? PROT_READ | PROT_EXEC : PROT_READ));
        } else if (strcmp(line, "kill-1") == 0) {
                report(kill(1, 0));
        } else {
                printf("unknown attack '%s'\n", line);
                return 2;
        }
        return 0;
}
