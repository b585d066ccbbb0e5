/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The floor of any relay: the least a process that stands between the
 * client and sftp-server can cost.  It runs sftp-server with its stdin a
 * pipe and moves what arrives on its own stdin into that pipe with
 * splice(2), one poll() and one splice() per request, and does nothing
 * else: no log, no records, no limits.  bench/run.sh times it in the
 * metadata row beside plain sftp-server and the jail, so that the cost of
 * the jail's relay (src/channel.c: ordering of requests after the log,
 * idle_timeout) is told apart from what the supervisor does on top of it.
 *
 * Usage: relay-floor SFTP-SERVER [ARG...] */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
        int p[2], status;
        pid_t pid;

        if (argc < 2) {
                fprintf(stderr, "usage: relay-floor SFTP-SERVER [ARG...]\n");
                return 2;
        }
        if (pipe2(p, O_CLOEXEC) < 0 || (pid = fork()) < 0) {
                perror("relay-floor");
                return 1;
        }
        if (pid == 0) {
                if (dup2(p[0], STDIN_FILENO) < 0)
                        _exit(127);
                execv(argv[1], argv + 1);
                perror(argv[1]);
                _exit(127);
        }
        close(p[0]);
        for (;;) {
                struct pollfd f = { .fd = STDIN_FILENO, .events = POLLIN };
                if (poll(&f, 1, -1) < 0 && errno != EINTR)
                        break;
                ssize_t n = splice(STDIN_FILENO, NULL, p[1], NULL, 65536, SPLICE_F_MOVE);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        break; /* the client closed the channel, or sftp-server is gone */
        }
        close(p[1]); /* sftp-server sees EOF, as from sshd */
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return 1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
