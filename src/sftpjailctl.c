/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sftpjailctl: provision jailed users, check the setup, explain a user's
 * jail, list and end live sessions, print the seccomp filter. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "build-config.h"
#include "ctl.h"
#include "mounts.h"
#include "util.h"

static const char usage[] =
        "Usage: sftpjailctl COMMAND [OPTIONS]\n"
        "\n"
        "Commands:\n"
        "  add-user NAME [--key FILE]... [--access MODE] [--umask OCT] [--home-base DIR]\n"
        "           [--quota SIZE] [--quota-files N]\n"
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
        "  quota USER | --report [--json]\n"
        "                          project quota usage, limits and whether it is enforced\n"
        "  log [--user U] [--session ID] [--since T] [--until T] [--json] [--follow] [--all] [--file PATH]\n"
        "                          transfer records, sessions and refusals, read back\n"
        "  metrics [--textfile DIR] [--file PATH] [--state FILE]\n"
        "                          counters in the Prometheus text format\n"
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

/* A usage mistake: one line, the problem and the command's synopsis (the
 * first line of its usage text). */
void ctl_usage_error(const char *usage_text, const char *fmt, ...)
{
        va_list ap;
        const char *nl = strchr(usage_text, '\n');

        fputs("sftpjailctl: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fprintf(stderr, " (%.*s)\n", nl ? (int)(nl - usage_text) : (int)strlen(usage_text), usage_text);
}

/* getopt_long(3) with optstring ":" and opterr 0 returned '?' or ':': say
 * which argument was wrong, in one line. */
void ctl_option_error(const char *usage_text, char **argv, int c)
{
        const char *arg = argv[optind - 1];
        char short_opt[3] = { '-', (char)optopt, '\0' };

        /* An unknown short option may sit inside "-xyz": name the letter. */
        if (c == '?' && optopt > 0 && optopt < 0x100 && strncmp(arg, "--", 2) != 0)
                arg = short_opt;
        if (c == ':')
                ctl_usage_error(usage_text, "option '%s' needs a value", ctl_quote(arg));
        else
                ctl_usage_error(usage_text, "unknown option '%s'", ctl_quote(arg));
}

bool ctl_option_repeated(const char *usage_text, const struct option *opts, int li, unsigned *seen)
{
        if (li < 0 || li >= 32)
                return false;
        if (*seen & (1u << li)) {
                ctl_usage_error(usage_text, "--%s given twice", opts[li].name);
                return true;
        }
        *seen |= 1u << li;
        return false;
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

/* Users are found without enumerating the directory: SSSD does not
 * enumerate by default (enumerate = false), and an estate's directory may
 * hold far more accounts than the jail.  So the groups come by name
 * (getgrnam(): JAIL_GROUP and every [group] rule) with their members, and
 * the local passwd file (getpwent(): whatever NSS enumerates) adds those
 * whose primary group it is.  A directory user whose primary group is a
 * jailed group but who is not listed as its member is found only where the
 * directory enumerates: name them in the group's members or in a [user]
 * rule (docs/deployment.md, "Directory users"). */
struct jailed_groups {
        gid_t gids[64];
        size_t n;
};

static bool add_name(const char **names, size_t *n, size_t max, const char *name, bool copy)
{
        for (size_t k = 0; k < *n; k++)
                if (streq(names[k], name))
                        return false;
        if (*n >= max)
                return false;
        if (!copy) {
                names[(*n)++] = name;
                return true;
        }
        if (!(names[*n] = strdup(name)))
                return false;
        (*n)++;
        return true;
}

static void group_members(const char *group, struct jailed_groups *g, const char **names, size_t *n, size_t max)
{
        struct group *gr = getgrnam(group);

        if (!gr)
                return;
        if (g->n < ELEMENTSOF(g->gids))
                g->gids[g->n++] = gr->gr_gid;
        for (char **m = gr->gr_mem; m && *m; m++)
                add_name(names, n, max, *m, true);
}

size_t ctl_jailed_users(const struct config *c, const char **names, size_t max, size_t *n_owned)
{
        struct jailed_groups g = { .n = 0 };
        struct passwd *pw;
        size_t n = 0;

        /* Members of the jailed group and of every [group] rule's group
         * (strdup'd: the first *n_owned) ... */
        group_members(JAIL_GROUP, &g, names, &n, max);
        for (size_t i = 0; i < c->n_rules; i++)
                if (c->rules[i].kind == RULE_GROUP && !streq(c->rules[i].name, JAIL_GROUP))
                        group_members(c->rules[i].name, &g, names, &n, max);
        /* ... those whose primary group one of them is ... */
        setpwent();
        while ((pw = getpwent()) && n < max)
                for (size_t k = 0; k < g.n; k++)
                        if (pw->pw_gid == g.gids[k]) {
                                add_name(names, &n, max, pw->pw_name, true);
                                break;
                        }
        endpwent();
        *n_owned = n;
        /* ... then every [user] rule not seen yet (the config's strings). */
        for (size_t i = 0; i < c->n_rules && n < max; i++)
                if (c->rules[i].kind == RULE_USER)
                        add_name(names, &n, max, c->rules[i].name, false);
        return n;
}

bool ctl_local_account(const char *name)
{
        FILE *f = fopen("/etc/passwd", "re");
        struct passwd *pw;
        bool found = false;

        if (!f)
                return false;
        while (!found && (pw = fgetpwent(f)))
                found = streq(pw->pw_name, name);
        fclose(f);
        return found;
}

/* Set the effective ids of the process to id's uid, gid and groups (the
 * groups sshd's initgroups() gives a login), or back to root's.  Only the
 * effective ids change: the real and saved uid stay 0, which is how root
 * comes back.  While euid is not 0 the kernel keeps the effective
 * capability set empty, as the launcher's is while it checks the tree.
 * A failed switch back would leave root acting as the user: nothing is
 * worth going on for then, so it exits. */
static gid_t *saved_groups;
static int n_saved_groups;

static int become_user(const struct identity *id)
{
        int n = 64;
        gid_t *groups = NULL;

        for (;;) {
                gid_t *g = realloc(groups, (size_t)n * sizeof(*g));
                int want = n;

                if (!g)
                        goto fail;
                groups = g;
                if (getgrouplist(id->name, id->gid, groups, &want) >= 0) {
                        n = want;
                        break;
                }
                if (want <= n || want > NGROUPS_MAX)
                        goto fail;
                n = want;
        }
        n_saved_groups = getgroups(0, NULL);
        saved_groups = n_saved_groups > 0 ? calloc((size_t)n_saved_groups, sizeof(gid_t)) : NULL;
        if (n_saved_groups < 0 || (n_saved_groups > 0 && !saved_groups) ||
            getgroups(n_saved_groups, saved_groups) != n_saved_groups)
                goto fail;
        if (setgroups((size_t)n, groups) < 0 || setegid(id->gid) < 0 || seteuid(id->uid) < 0) {
                int e = errno;

                ctl_error("cannot take the identity of user %s (uid %u): %s", id->name, (unsigned)id->uid,
                          strerror(e));
                exit(CTL_EXIT_ERROR);
        }
        free(groups);
        return 0;
fail:
        ctl_error("cannot find the groups of user %s: %s", id->name, errno ? strerror(errno) : "too many");
        exit(CTL_EXIT_ERROR);
}

static void become_root(void)
{
        if (seteuid(0) < 0 || setegid(0) < 0 || setgroups((size_t)n_saved_groups, saved_groups) < 0) {
                ctl_error("cannot return to root after acting as a user: %s", strerror(errno));
                exit(CTL_EXIT_ERROR);
        }
        free(saved_groups);
        saved_groups = NULL;
}

int ctl_jail_resolve_as_user(struct jail *j, const struct config *c, const struct identity *id,
                             const struct policy *p)
{
        int r;

        if (geteuid() != 0)
                return jail_resolve(j, c, id, p);
        become_user(id);
        r = jail_resolve(j, c, id, p);
        become_root();
        return r;
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
                { "quota", cmd_quota },       { "log", cmd_log },
                { "metrics", cmd_metrics },
        };

        if (argc < 2) {
                ctl_usage_error(usage, "a command is required; see sftpjailctl --help");
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
        ctl_error("unknown command '%s' (see sftpjailctl --help)", ctl_quote(argv[1]));
        return CTL_EXIT_USAGE;
}
