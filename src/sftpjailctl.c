/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sftpjailctl: provision jailed users, check the setup, explain a user's
 * jail, list and end live sessions, print the seccomp filter. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "build-config.h"
#include "ctl.h"
#include "util.h"

static const char usage[] =
        "Usage: sftpjailctl COMMAND [OPTIONS]\n"
        "\n"
        "Commands:\n"
        "  add-user NAME [--key FILE]... [--access MODE] [--umask OCT] [--home-base DIR]\n"
        "                          provision (or update) a jailed SFTP user; idempotent\n"
        "  remove-user NAME [--keep-files]\n"
        "                          end a user's jail access (and delete the account and home)\n"
        "  doctor [--fix]          check configuration, capabilities, sshd, homes, kernel\n"
        "  explain USER            the policy, sftp-server command line and tree a login gets\n"
        "  sessions [--json]       list live jailed sessions\n"
        "  kill-session ID | --user USER\n"
        "                          end one session, or all of a user's\n"
        "  print-filter            the seccomp filter every login gets\n"
        "  netns [status|create|remove]\n"
        "                          the empty network namespace all jails share\n"
        "\n"
        "  --help                  help for a command\n"
        "  --version               print the version\n"
        "\n"
        "Exit status: 0 ok, 1 problems found / nothing matched, 2 usage, 3 error.\n"
        "See sftpjailctl(8).\n";

void ctl_error(const char *fmt, ...)
{
        va_list ap;

        fputs("sftpjailctl: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
}

bool ctl_help_requested(int argc, char **argv, const char *text)
{
        for (int i = 1; i < argc; i++)
                if (streq(argv[i], "--help") || streq(argv[i], "-h")) {
                        fputs(text, stdout);
                        return true;
                }
        return false;
}

/* Names that are safe in passwd, group, sshd patterns, paths and logs. */
bool ctl_valid_user_name(const char *s)
{
        size_t n = strlen(s);

        if (n == 0 || n > 32 || !((s[0] >= 'a' && s[0] <= 'z') || s[0] == '_'))
                return false;
        for (size_t i = 1; i < n; i++)
                if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-'))
                        return false;
        return true;
}

int ctl_run(char *const argv[], char **out)
{
        int pfd[2] = { -1, -1 };
        pid_t pid;
        int status;

        if (out && pipe2(pfd, O_CLOEXEC) < 0)
                return -1;
        pid = fork();
        if (pid < 0)
                return -1;
        if (pid == 0) {
                if (out && dup2(pfd[1], STDOUT_FILENO) < 0)
                        _exit(127);
                execvp(argv[0], argv);
                _exit(127);
        }
        if (out) {
                size_t len = 0, cap = 4096;
                char *buf = malloc(cap);
                ssize_t n;
                close(pfd[1]);
                while (buf && (n = read(pfd[0], buf + len, cap - len - 1)) > 0) {
                        len += (size_t)n;
                        if (cap - len < 2048) {
                                char *nb = realloc(buf, cap *= 2);
                                if (!nb) {
                                        free(buf);
                                        buf = NULL;
                                }
                                buf = nb;
                        }
                }
                close(pfd[0]);
                if (buf)
                        buf[len] = '\0';
                *out = buf;
        }
        if (waitpid(pid, &status, 0) < 0)
                return -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int main(int argc, char **argv)
{
        static const struct {
                const char *name;
                int (*fn)(int, char **);
        } cmds[] = {
                { "add-user", cmd_add_user }, { "remove-user", cmd_remove_user },
                { "doctor", cmd_doctor },     { "explain", cmd_explain },
                { "sessions", cmd_sessions }, { "kill-session", cmd_kill_session },
                { "print-filter", cmd_print_filter }, { "netns", cmd_netns },
        };

        if (argc < 2) {
                fputs(usage, stderr);
                return CTL_EXIT_USAGE;
        }
        if (streq(argv[1], "--help") || streq(argv[1], "-h") || streq(argv[1], "help")) {
                fputs(usage, stdout);
                return CTL_EXIT_OK;
        }
        if (streq(argv[1], "--version")) {
                printf("sftpjailctl %s\n", SFTPJAIL_VERSION);
                return CTL_EXIT_OK;
        }
        for (size_t i = 0; i < ELEMENTSOF(cmds); i++)
                if (streq(argv[1], cmds[i].name))
                        return cmds[i].fn(argc - 1, argv + 1);
        ctl_error("unknown command '%s' (see sftpjailctl --help)", argv[1]);
        return CTL_EXIT_USAGE;
}
