/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sessions / kill-session.  A live session is a process named sftp-server
 * whose parent's executable is SFTPJAIL_SUPERVISE_PATH: the launcher's
 * parent half execs that supervisor, which stays the jail's parent for the
 * session (a copy of it elsewhere does not count).  For each one, from
 * /proc: the user is sftp-server's uid in the passwd database; the session
 * id is the jail's UTS hostname ("sftpjail-<id>", set by the launcher),
 * read by joining the jail's UTS namespace for a moment; the start time is
 * the supervisor's; the client is the address the launcher validated and
 * passed on the supervisor's command line ("local" if none); bytes are
 * sftp-server's rchar/wchar from /proc/PID/io (protocol included).  At
 * most 1024 sessions are looked at per run.  kill-session sends SIGTERM to the supervisor, which ends the jail and
 * logs the session's end.  --json writes every string through
 * json_write_string() (json.h), so no field can break the document. */
#include <dirent.h>
#include <fcntl.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "build-config.h"
#include "ctl.h"
#include "json.h"
#include "session-abi.h"
#include "util.h"

struct sess {
        pid_t server, supervisor;
        char user[64], id[72], client[80];
        time_t started;
        unsigned long long rchar, wchar;
};

static int read_small(const char *path, char *buf, size_t len)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        ssize_t n = fd >= 0 ? read(fd, buf, len - 1) : -1;

        if (n < 0)
                return -1;
        buf[n] = '\0';
        return (int)n;
}

/* A session's supervisor is the program the launcher execs, at the path
 * compiled into both (a copy elsewhere is not ours). */
static bool is_supervisor(pid_t pid)
{
        char p[64], exe[PATH_MAX];
        ssize_t n;

        snprintf(p, sizeof(p), "/proc/%d/exe", pid);
        n = readlink(p, exe, sizeof(exe) - 1);
        if (n <= 0)
                return false;
        exe[n] = '\0';
        return streq(exe, SFTPJAIL_SUPERVISE_PATH);
}

static void session_id(pid_t pid, char *out, size_t len)
{
        char p[64];
        _cleanup_close_ int self = open("/proc/self/ns/uts", O_RDONLY | O_CLOEXEC);
        snprintf(p, sizeof(p), "/proc/%d/ns/uts", pid);
        _cleanup_close_ int fd = open(p, O_RDONLY | O_CLOEXEC);
        char host[72] = "";

        snprintf(out, len, "?");
        if (self < 0 || fd < 0 || setns(fd, CLONE_NEWUTS) < 0)
                return;
        gethostname(host, sizeof(host) - 1);
        if (setns(self, CLONE_NEWUTS) < 0) {
                perror("setns back");
                exit(CTL_EXIT_ERROR);
        }
        snprintf(out, len, "%s", strncmp(host, "sftpjail-", 9) == 0 ? host + 9 : host);
}

static time_t start_time(pid_t pid)
{
        char p[64], buf[2048], *s;
        unsigned long long ticks = 0, btime = 0;

        snprintf(p, sizeof(p), "/proc/%d/stat", pid);
        if (read_small(p, buf, sizeof(buf)) < 0 || !(s = strrchr(buf, ')')))
                return 0;
        /* field 22 (starttime) is the 20th after ")" */
        for (int i = 0; i < 20 && s; i++)
                s = strchr(s + 1, ' ');
        if (s)
                ticks = strtoull(s + 1, NULL, 10);
        FILE *f = fopen("/proc/stat", "re");
        char line[256];
        while (f && fgets(line, sizeof(line), f))
                if (sscanf(line, "btime %llu", &btime) == 1) // NOLINT(cert-err34-c): kernel-formatted
                        break;
        if (f)
                fclose(f);
        return (time_t)(btime + ticks / (unsigned long long)sysconf(_SC_CLK_TCK));
}

/* The client as the launcher validated it: the supervisor's argv
 * (session-abi.h), parsed the way the supervisor itself parses it. */
static void supervisor_client(pid_t supervisor, char *out, size_t len)
{
        char p[64], buf[4096], *argv[SUPERVISE_ARGC + 1];
        struct supervise_args a;
        char err[128];
        int n, argc = 0;

        snprintf(p, sizeof(p), "/proc/%d/cmdline", supervisor);
        n = read_small(p, buf, sizeof(buf));
        for (int i = 0; i < n && argc <= SUPERVISE_ARGC; i += (int)strlen(buf + i) + 1)
                argv[argc++] = buf + i;
        if (argc == SUPERVISE_ARGC && supervise_argv_parse(argc, argv, &a, err, sizeof(err)) == 0)
                snprintf(out, len, "%s", a.client);
}

static size_t find_sessions(struct sess *out, size_t max)
{
        DIR *d = opendir("/proc");
        struct dirent *e;
        size_t n = 0;

        while (d && (e = readdir(d)) && n < max) {
                char p[300], buf[4096];
                pid_t pid = (pid_t)strtol(e->d_name, NULL, 10);
                if (pid <= 0)
                        continue;
                snprintf(p, sizeof(p), "/proc/%d/comm", pid);
                if (read_small(p, buf, sizeof(buf)) < 0 || strcmp(buf, "sftp-server\n") != 0)
                        continue;
                snprintf(p, sizeof(p), "/proc/%d/status", pid);
                if (read_small(p, buf, sizeof(buf)) < 0)
                        continue;
                char *pp = strstr(buf, "\nPPid:"), *uid = strstr(buf, "\nUid:");
                if (!pp || !uid)
                        continue;
                struct sess *s = &out[n];
                *s = (struct sess){ .server = pid, .supervisor = (pid_t)strtol(pp + 6, NULL, 10) };
                if (!is_supervisor(s->supervisor))
                        continue;
                struct passwd *pw = getpwuid((uid_t)strtoul(uid + 5, NULL, 10));
                snprintf(s->user, sizeof(s->user), "%s", pw ? pw->pw_name : "?");
                session_id(pid, s->id, sizeof(s->id));
                s->started = start_time(s->supervisor);
                snprintf(s->client, sizeof(s->client), "local");
                supervisor_client(s->supervisor, s->client, sizeof(s->client));
                snprintf(p, sizeof(p), "/proc/%d/io", pid);
                if (read_small(p, buf, sizeof(buf)) > 0) {
                        char *r = strstr(buf, "rchar:"), *w = strstr(buf, "wchar:");
                        s->rchar = r ? strtoull(r + 6, NULL, 10) : 0;
                        s->wchar = w ? strtoull(w + 6, NULL, 10) : 0;
                }
                n++;
        }
        if (d)
                closedir(d);
        return n;
}

size_t ctl_live_sessions(struct ctl_live *out, size_t max)
{
        static struct sess s[1024];
        size_t n = find_sessions(s, ELEMENTSOF(s)), k = 0;

        for (size_t i = 0; i < n; i++) {
                size_t j = 0;
                while (j < k && !streq(out[j].user, s[i].user))
                        j++;
                if (j == k) {
                        if (k == max)
                                continue;
                        snprintf(out[k].user, sizeof(out[k].user), "%s", s[i].user);
                        out[k++].count = 0;
                }
                out[j].count++;
        }
        return k;
}

/* One session as a JSON object; strings only through json_write_string(). */
static void print_json(const struct sess *s, const char *when, bool first)
{
        printf("%s\n  {\"user\": ", first ? "" : ",");
        json_write_string(stdout, s->user);
        printf(", \"session\": ");
        json_write_string(stdout, s->id);
        printf(", \"pid\": %d, \"supervisor\": %d, \"started\": ", s->server, s->supervisor);
        json_write_string(stdout, when);
        printf(", \"client\": ");
        json_write_string(stdout, s->client);
        printf(", \"bytes_read\": %llu, \"bytes_written\": %llu}", s->rchar, s->wchar);
}

static const char sessions_usage[] =
        "Usage: sftpjailctl sessions [--json]\n"
        "\n"
        "List live jailed sessions: user, session id (as in the log lines),\n"
        "pid of the jail's sftp-server and of its supervisor, start time, client\n"
        "address, and bytes read and written by sftp-server so far (protocol\n"
        "included).\n";

int cmd_sessions(int argc, char **argv)
{
        struct sess s[1024];
        bool json = false;

        if (ctl_help_requested(argc, argv, sessions_usage))
                return CTL_EXIT_OK;
        for (int i = 1; i < argc; i++) {
                if (streq(argv[i], "--json") && json) {
                        ctl_usage_error(sessions_usage, "--json given twice");
                        return CTL_EXIT_USAGE;
                } else if (streq(argv[i], "--json")) {
                        json = true;
                } else {
                        ctl_usage_error(sessions_usage, "unexpected argument '%s'", ctl_quote(argv[i]));
                        return CTL_EXIT_USAGE;
                }
        }
        size_t n = find_sessions(s, ELEMENTSOF(s));
        if (json)
                printf("[");
        else
                printf("%-16s %-16s %8s %8s %-20s %-22s %12s %12s\n", "USER", "SESSION", "PID", "SUPERVISOR",
                       "STARTED", "CLIENT", "READ", "WRITTEN");
        for (size_t i = 0; i < n; i++) {
                char when[32];
                struct tm tm;
                strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", localtime_r(&s[i].started, &tm));
                if (json)
                        print_json(&s[i], when, i == 0);
                else
                        printf("%-16s %-16s %8d %8d %-20s %-22s %12llu %12llu\n", s[i].user, s[i].id, s[i].server,
                               s[i].supervisor, when, s[i].client, s[i].rchar, s[i].wchar);
        }
        if (json)
                printf("%s]\n", n ? "\n" : "");
        return CTL_EXIT_OK;
}

static const char kill_usage[] =
        "Usage: sftpjailctl kill-session SESSION-ID\n"
        "       sftpjailctl kill-session --user USER\n"
        "\n"
        "End a live session (or all of USER's): its supervisor gets SIGTERM, kills\n"
        "the jail and logs the session's end.  Exit status 1 if none matched.\n";

int cmd_kill_session(int argc, char **argv)
{
        struct sess s[1024];
        const char *id = NULL, *user = NULL;
        int killed = 0;

        if (ctl_help_requested(argc, argv, kill_usage))
                return CTL_EXIT_OK;
        if (argc == 2 && argv[1][0] != '-')
                id = argv[1];
        else if (argc == 3 && streq(argv[1], "--user"))
                user = argv[2];
        else {
                ctl_usage_error(kill_usage, "%s", argc == 1 ? "a session id or --user USER is required"
                                                            : "one session id, or --user and one user name");
                return CTL_EXIT_USAGE;
        }
        /* Ids are the launcher's 16 hex digits; users are accounts. */
        if (id && (strlen(id) != 16 || strspn(id, "0123456789abcdef") != 16)) {
                ctl_error("a session id is 16 hex digits as 'sftpjailctl sessions' shows it, not '%s'", ctl_quote(id));
                return CTL_EXIT_USAGE;
        }
        if (user && !getpwnam(user)) {
                ctl_error("no such user '%s'", ctl_quote(user));
                return CTL_EXIT_USAGE;
        }
        size_t n = find_sessions(s, ELEMENTSOF(s));
        for (size_t i = 0; i < n; i++) {
                if ((id && !streq(id, s[i].id)) || (user && !streq(user, s[i].user)))
                        continue;
                if (kill(s[i].supervisor, SIGTERM) == 0) {
                        printf("ended session %s of %s (pid %d)\n", s[i].id, s[i].user, s[i].server);
                        killed++;
                }
        }
        if (!killed) {
                ctl_error("no live session %s%s", id ? id : "of user ", id ? "" : user);
                return CTL_EXIT_PROBLEMS;
        }
        return CTL_EXIT_OK;
}
