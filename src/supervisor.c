/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "supervisor.h"

#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>

#include "log.h"
#include "seccomp-filter.h"
#include "session-abi.h"

#include <linux/seccomp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

int supervisor_parse_close(const char *line, uint64_t *rd, uint64_t *wr)
{
        /* sftp-server (INFO): close "PATH" bytes read R written W.
         * PATH may itself contain that text, so parse from the end. */
        static const char rd_tag[] = "\" bytes read ", wr_tag[] = " written ";
        const char *p = strstr(line, "close \"");
        const char *tail;
        char *end;
        unsigned long long r, w;

        if (!p)
                return 0;
        tail = strrchr(p, '"');
        if (!tail || tail == p + 6 || strncmp(tail, rd_tag, sizeof(rd_tag) - 1) != 0)
                return 0;
        tail += sizeof(rd_tag) - 1;
        errno = 0;
        r = strtoull(tail, &end, 10);
        if (errno || end == tail || strncmp(end, wr_tag, sizeof(wr_tag) - 1) != 0)
                return 0;
        tail = end + sizeof(wr_tag) - 1;
        w = strtoull(tail, &end, 10);
        if (errno || end == tail || *end)
                return 0;
        *rd = r;
        *wr = w;
        return 1;
}

/* The listener the child sends right before exec (send_fd).  Nothing
 * arrives if the jail failed first, or loaded the kill-default filter. */
static void receive_listener(struct session *s)
{
        s->listener_fd = recv_fd(s->notify_fd);
        close(s->notify_fd);
        s->notify_fd = -1;
}

/* A refused syscall: the jailed process is blocked in it; log it by name
 * and end the session (it never runs). */
static void refused_syscall(struct session *s)
{
        struct seccomp_notif n;

        memset(&n, 0, sizeof(n));
        if (ioctl(s->listener_fd, SECCOMP_IOCTL_NOTIF_RECV, &n) < 0) {
                if (errno == EINTR || errno == ENOENT)
                        return;
                close(s->listener_fd); /* the jail is gone */
                s->listener_fd = -1;
                return;
        }
        snprintf(s->refused, sizeof(s->refused), "%s", seccomp_syscall_name(n.data.nr));
        log_msg(LOG_ERR, "seccomp: sftp-server called %s (nr %d), which the policy refuses; ending the session",
                s->refused, n.data.nr);
        kill(s->child, SIGKILL);
}

static double elapsed(const struct timespec *since)
{
        struct timespec now;

        clock_gettime(CLOCK_MONOTONIC, &now);
        return (double)(now.tv_sec - since->tv_sec) + (double)(now.tv_nsec - since->tv_nsec) / 1e9;
}

/* Forward complete lines from buf; keep a partial line for next time. */
static void forward_lines(struct session *s, char *buf, size_t *len, bool flush)
{
        char *start = buf, *nl;

        while ((nl = memchr(start, '\n', *len - (size_t)(start - buf))) || (flush && start < buf + *len)) {
                size_t l = nl ? (size_t)(nl - start) : *len - (size_t)(start - buf);
                char line[4096];
                uint64_t r, w;

                if (l >= sizeof(line))
                        l = sizeof(line) - 1;
                memcpy(line, start, l);
                line[l] = '\0';
                if (l && line[l - 1] == '\r')
                        line[--l] = '\0';
                if (l) {
                        log_msg(LOG_INFO, "%s", line);
                        if (supervisor_parse_close(line, &r, &w)) {
                                s->bytes_read += r;
                                s->bytes_written += w;
                                s->files_opened++;
                        }
                }
                start = nl ? nl + 1 : buf + *len;
        }
        *len -= (size_t)(start - buf);
        memmove(buf, start, *len);
        /* A line longer than the buffer is forwarded in pieces. */
        if (*len == 4096)
                forward_lines(s, buf, len, true);
}

int supervise(struct session *s)
{
        sigset_t mask;
        struct timespec start;
        char errmsg[1024] = "", logbuf[4096];
        size_t errlen = 0, loglen = 0;
        bool started = false, child_done = false, killed = false;
        int status = 0, sfd;

        clock_gettime(CLOCK_MONOTONIC, &start);
        session_signals(&mask);
        sfd = signalfd(-1, &mask, SFD_CLOEXEC);
        if (sfd < 0)
                die_errno("signalfd");

        s->listener_fd = -1;
        while (!child_done || s->log_fd >= 0 || s->status_fd >= 0) {
                struct pollfd p[5] = {
                        { .fd = sfd, .events = POLLIN },
                        { .fd = s->status_fd, .events = POLLIN },
                        { .fd = s->log_fd, .events = POLLIN },
                        { .fd = s->notify_fd, .events = POLLIN },
                        { .fd = s->listener_fd, .events = POLLIN },
                };
                if (poll(p, 5, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        die_errno("poll");
                }
                if (p[0].revents & POLLIN) {
                        struct signalfd_siginfo si;
                        if (read(sfd, &si, sizeof(si)) == sizeof(si) && si.ssi_signo != SIGCHLD &&
                            si.ssi_signo != SIGPIPE && !killed) {
                                /* pid 1 of a pid namespace only takes
                                 * SIGKILL from outside: use it. */
                                log_msg(LOG_INFO, "ending session on %s", strsignal((int)si.ssi_signo));
                                kill(s->child, SIGKILL);
                                killed = true;
                        }
                        if (!child_done && waitpid(s->child, &status, WNOHANG) == s->child)
                                child_done = true;
                }
                if (p[1].revents & (POLLIN | POLLHUP)) {
                        ssize_t n = read(s->status_fd, errmsg + errlen, sizeof(errmsg) - 1 - errlen);
                        if (n > 0) {
                                errlen += (size_t)n;
                        } else {
                                /* EOF: the exec closed it (O_CLOEXEC), or
                                 * the child died.  waitpid tells which. */
                                close(s->status_fd);
                                s->status_fd = -1;
                                if (!errlen) {
                                        started = true;
                                        log_msg(LOG_INFO, "session start client=%s", s->client);
                                }
                        }
                }
                if (p[3].revents & (POLLIN | POLLHUP))
                        receive_listener(s);
                if (p[4].revents & POLLIN)
                        refused_syscall(s);
                else if (p[4].revents & (POLLHUP | POLLERR)) {
                        close(s->listener_fd);
                        s->listener_fd = -1;
                }
                if (p[2].revents & (POLLIN | POLLHUP)) {
                        ssize_t n = read(s->log_fd, logbuf + loglen, sizeof(logbuf) - loglen);
                        if (n > 0) {
                                loglen += (size_t)n;
                                forward_lines(s, logbuf, &loglen, false);
                        } else {
                                forward_lines(s, logbuf, &loglen, true);
                                close(s->log_fd);
                                s->log_fd = -1;
                        }
                }
        }

        if (s->listener_fd >= 0)
                close(s->listener_fd);
        if (s->notify_fd >= 0)
                close(s->notify_fd);
        if (errlen) {
                errmsg[errlen] = '\0';
                die("%s", errmsg);
        }

        int code;
        char how[128];
        if (WIFEXITED(status)) {
                code = WEXITSTATUS(status);
                snprintf(how, sizeof(how), "exit=%d", code);
        } else {
                int sig = WIFSIGNALED(status) ? WTERMSIG(status) : SIGKILL;
                code = 128 + sig;
                if (s->refused[0]) {
                        /* We sent the SIGKILL; report it as a seccomp
                         * kill (159), as the filter's own kill would be. */
                        code = 128 + SIGSYS;
                        snprintf(how, sizeof(how), "signal=SIGKILL (refused syscall %s)", s->refused);
                } else
                        snprintf(how, sizeof(how), "signal=SIG%s%s", sigabbrev_np(sig) ? sigabbrev_np(sig) : "?",
                                 sig == SIGSYS ? " (killed by the seccomp filter)" : "");
        }
        if (!started) {
                log_msg(LOG_ERR, "refused: the jail ended before sftp-server started (%s)", how);
                dprintf(STDERR_FILENO, "sftpjail: login refused: the jail could not be started\n");
                return SFTPJAIL_EXIT_REFUSED;
        }
        log_msg(LOG_INFO,
                "session end %s duration=%.3fs files=%" PRIu64 " bytes_read=%" PRIu64 " bytes_written=%" PRIu64,
                how, elapsed(&start), s->files_opened, s->bytes_read, s->bytes_written);
        return code;
}
