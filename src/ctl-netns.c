/* SPDX-License-Identifier: GPL-2.0-or-later */
/* netns: the empty network namespace every jail shares (see netns.h).
 *
 *   create   make it (idempotent): a new namespace bind-mounted at
 *            SFTPJAIL_NETNS_PATH, in the host's mount namespace
 *   remove   unmount and delete it; later logins create their own again
 *   status   say which of the two logins get, and whether it is sound */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "build-config.h"
#include "ctl.h"
#include "netns.h"
#include "pathrule.h"
#include "util.h"

static const char netns_usage[] =
        "Usage: sftpjailctl netns [status|create|remove]\n"
        "\n"
        "The network namespace all jails share: one empty namespace (only a\n"
        "loopback that is down), bind-mounted at " SFTPJAIL_NETNS_PATH ",\n"
        "saves each login creating and destroying one of its own.\n"
        "\n"
        "  status   (default) what logins get now; exit 1 if the file is unusable\n"
        "  create   create it; nothing to do if a sound one is there\n"
        "  remove   unmount and delete it (running sessions keep theirs)\n";

/* Check the namespace the file holds the way the launcher does: by the fd,
 * then from inside (in a child, so that we stay where we are). */
static int check_shared(char *why, size_t len)
{
        _cleanup_close_ int fd = netns_open_shared(SFTPJAIL_NETNS_PATH, why, len);
        int pfd[2], status;
        ssize_t n;
        pid_t pid;

        if (fd < 0)
                return fd;
        if (pipe2(pfd, O_CLOEXEC) < 0) {
                snprintf(why, len, "pipe: %s", strerror(errno));
                return -2;
        }
        pid = fork();
        if (pid < 0) {
                snprintf(why, len, "fork: %s", strerror(errno));
                close(pfd[0]);
                close(pfd[1]);
                return -2;
        }
        if (pid == 0) {
                char w[256] = "";
                close(pfd[0]);
                if (setns(fd, CLONE_NEWNET) < 0)
                        snprintf(w, sizeof(w), "cannot join it: %s", strerror(errno));
                else
                        (void)netns_is_empty(w, sizeof(w));
                if (write(pfd[1], w, strlen(w)) < 0)
                        _exit(1);
                _exit(0);
        }
        close(pfd[1]);
        n = read(pfd[0], why, len - 1);
        close(pfd[0]);
        why[n > 0 ? n : 0] = '\0';
        if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                snprintf(why, len, "could not check it");
                return -2;
        }
        return why[0] ? -2 : 0;
}

/* The directory above the file: root's, and nobody else may write to it
 * (it decides what every login joins). */
static int ensure_parent(void)
{
        char dir[sizeof(SFTPJAIL_NETNS_PATH)], why[sizeof(SFTPJAIL_NETNS_PATH) + 256];
        char *slash;
        struct stat st;

        memcpy(dir, SFTPJAIL_NETNS_PATH, sizeof(dir));
        slash = strrchr(dir, '/');
        if (!slash || slash == dir)
                return 0;
        *slash = '\0';
        if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
                ctl_error("cannot create %s: %s", dir, strerror(errno));
                return -1;
        }
        if (lstat(dir, &st) < 0) {
                ctl_error("%s: %s", dir, strerror(errno));
                return -1;
        }
        if (path_rule_check(&path_rule_root_dir, dir, &st, 0, why, sizeof(why)) < 0) {
                ctl_error("%s", why);
                return -1;
        }
        return ctl_slots_dir_create();
}

int ctl_slots_dir_create(void)
{
        const char *dir = SFTPJAIL_SLOTS_DIR;
        struct stat st;

        /* 1733: every user creates their own slot file, nobody lists or
         * removes another's (slots.h). */
        if (mkdir(dir, 01733) < 0 && errno != EEXIST) {
                ctl_error("cannot create %s: %s", dir, strerror(errno));
                return -1;
        }
        if (lstat(dir, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != 0) {
                ctl_error("%s must be a root-owned directory", dir);
                return -1;
        }
        if ((st.st_mode & 07777) != 01733 && chmod(dir, 01733) < 0) {
                ctl_error("chmod %s: %s", dir, strerror(errno));
                return -1;
        }
        return 0;
}

int ctl_netns_create(void)
{
        char why[256];
        int r = check_shared(why, sizeof(why));
        _cleanup_close_ int fd = -1;

        if (r == 0) {
                printf("%s: present and empty; nothing to do\n", SFTPJAIL_NETNS_PATH);
                return CTL_EXIT_OK;
        }
        if (r == -2) {
                ctl_error("%s: %s; remove it first (sftpjailctl netns remove)", SFTPJAIL_NETNS_PATH, why);
                return CTL_EXIT_ERROR;
        }
        if (ensure_parent() < 0)
                return CTL_EXIT_ERROR;
        fd = open(SFTPJAIL_NETNS_PATH, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0444);
        if (fd < 0) {
                ctl_error("cannot create %s: %s", SFTPJAIL_NETNS_PATH, strerror(errno));
                return CTL_EXIT_ERROR;
        }
        /* In a child, which leaves our network namespace for the new one;
         * the mount happens in the host's mount namespace, where sshd and
         * the launcher look. */
        pid_t pid = fork();
        int status = 0;
        if (pid == 0)
                _exit(unshare(CLONE_NEWNET) < 0 || mount("/proc/self/ns/net", SFTPJAIL_NETNS_PATH, NULL, MS_BIND, NULL) < 0
                              ? errno
                              : 0);
        if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                ctl_error("cannot create the namespace at %s: %s", SFTPJAIL_NETNS_PATH,
                          pid > 0 && WIFEXITED(status) ? strerror(WEXITSTATUS(status)) : "fork failed");
                unlink(SFTPJAIL_NETNS_PATH);
                return CTL_EXIT_ERROR;
        }
        if (check_shared(why, sizeof(why)) != 0) {
                ctl_error("%s: created, but %s", SFTPJAIL_NETNS_PATH, why);
                return CTL_EXIT_ERROR;
        }
        printf("%s: created; jails share it from the next login\n", SFTPJAIL_NETNS_PATH);
        return CTL_EXIT_OK;
}

static int netns_remove(void)
{
        struct stat st;

        if (lstat(SFTPJAIL_NETNS_PATH, &st) < 0 && errno == ENOENT) {
                printf("%s: not present; nothing to do\n", SFTPJAIL_NETNS_PATH);
                return CTL_EXIT_OK;
        }
        /* Every mount stacked there (a second "create" by other means). */
        while (umount2(SFTPJAIL_NETNS_PATH, MNT_DETACH | UMOUNT_NOFOLLOW) == 0)
                ;
        if (errno != EINVAL) {
                ctl_error("cannot unmount %s: %s", SFTPJAIL_NETNS_PATH, strerror(errno));
                return CTL_EXIT_ERROR;
        }
        if (unlink(SFTPJAIL_NETNS_PATH) < 0 && errno != ENOENT) {
                ctl_error("cannot remove %s: %s", SFTPJAIL_NETNS_PATH, strerror(errno));
                return CTL_EXIT_ERROR;
        }
        printf("%s: removed; each login creates its own network namespace\n", SFTPJAIL_NETNS_PATH);
        return CTL_EXIT_OK;
}

bool ctl_netns_present(void)
{
        struct stat st;

        return lstat(SFTPJAIL_NETNS_PATH, &st) == 0;
}

int ctl_netns_status(bool quiet_ok)
{
        char why[256];
        int r = check_shared(why, sizeof(why));

        if (r == 0) {
                if (!quiet_ok)
                        printf("%s: shared by every jail (empty: only lo, down)\n", SFTPJAIL_NETNS_PATH);
                return CTL_EXIT_OK;
        }
        if (r == -1) {
                printf("%s%s: not present; each login creates its own network namespace "
                       "(slower: sftpjailctl netns create)\n",
                       quiet_ok ? "note: " : "", SFTPJAIL_NETNS_PATH);
                return CTL_EXIT_OK;
        }
        printf("problem: shared network namespace %s: %s; every login is refused until it is fixed "
               "(sftpjailctl netns remove; sftpjailctl netns create)\n",
               SFTPJAIL_NETNS_PATH, why);
        return CTL_EXIT_PROBLEMS;
}

int cmd_netns(int argc, char **argv)
{
        if (ctl_help_requested(argc, argv, netns_usage))
                return CTL_EXIT_OK;
        if (argc > 2) {
                ctl_usage_error(netns_usage, "one action only");
                return CTL_EXIT_USAGE;
        }
        if (argc == 1 || streq(argv[1], "status"))
                return ctl_netns_status(false);
        if (streq(argv[1], "create"))
                return ctl_netns_create();
        if (streq(argv[1], "remove"))
                return netns_remove();
        ctl_error("netns: unknown action '%s' (status, create or remove)", ctl_quote(argv[1]));
        return CTL_EXIT_USAGE;
}
