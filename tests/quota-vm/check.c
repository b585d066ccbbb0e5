/* VM check of the launcher's quota check (tests/quota-vm/run.sh): run as root inside a VM whose kernel
 * enforces project quotas.  argv[1] = a directory on a prjquota mount. */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/quota.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "quota.h"
#include <linux/dqblk_xfs.h>

static uint32_t P = 2001000;
static int setproj(int fd, uint32_t id, int inherit) {
        struct fsxattr x;
        if (ioctl(fd, FS_IOC_FSGETXATTR, &x) < 0) return -1;
        x.fsx_projid = id;
        if (inherit) x.fsx_xflags |= FS_XFLAG_PROJINHERIT; else x.fsx_xflags &= ~FS_XFLAG_PROJINHERIT;
        return ioctl(fd, FS_IOC_FSSETXATTR, &x);
}
static void check_as_user(const char *dir, int64_t q, int64_t f, const char *what) {
        pid_t p = fork();
        if (p == 0) {
                if (setresgid(1000, 1000, 1000) || setresuid(1000, 1000, 1000)) { perror("setuid"); _exit(2); }
                int fd = open(dir, O_PATH | O_DIRECTORY);
                struct limits l = { .quota_bytes = q, .quota_files = f };
                char err[1024] = "";
                int r = quota_check(fd, dir, P, &l, err, sizeof(err));
                printf("CHECK %-28s -> %s %s\n", what, r == 0 ? "OK     " : "REFUSED", err);
                _exit(0);
        }
        waitpid(p, NULL, 0);
}
int main(int argc, char **argv) {
        const char *dir = argv[1];
        setvbuf(stdout, NULL, _IONBF, 0);
        char path[4096];
        mkdir(dir, 0755); chown(dir, 1000, 1000);
        int fd = open(dir, O_RDONLY | O_DIRECTORY);
        check_as_user(dir, 1 << 20, 20, "no project yet");
        if (setproj(fd, P, 1) < 0) { perror("FSSETXATTR"); return 1; }
        check_as_user(dir, 1 << 20, 20, "project set, no limits");
        struct dqblk d = { .dqb_bhardlimit = 1024, .dqb_ihardlimit = 20, .dqb_valid = QIF_LIMITS };
        if (quota_quotactl_fd(fd, QUOTA_CMD(Q_SETQUOTA, 2), P, &d) < 0) { perror("Q_SETQUOTA"); return 1; }
        check_as_user(dir, 1 << 20, 20, "limits 1M/20 set");
        check_as_user(dir, 2 << 20, 20, "config says 2M");
        check_as_user(dir, 1 << 20, 30, "config says 30 files");
        check_as_user(dir, 1 << 20, 0, "config: no file limit");
        setproj(fd, P, 0);
        check_as_user(dir, 1 << 20, 20, "inherit flag cleared");
        setproj(fd, 7, 1);
        check_as_user(dir, 1 << 20, 20, "project id 7");
        setproj(fd, P, 1);
        /* Fill as the user: bytes and files at the boundary. */
        pid_t p = fork();
        if (p == 0) {
                setresgid(1000, 1000, 1000); setresuid(1000, 1000, 1000);
                static char buf[65536]; long total = 0; ssize_t n;
                snprintf(path, sizeof(path), "%s/big", dir);
                int w = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
                while ((n = write(w, buf, sizeof(buf))) > 0) total += n;
                printf("FILL bytes written %ld, then: %s\n", total, n < 0 ? strerror(errno) : "eof");
                fsync(w); close(w);
                int files = 0;
                for (;; files++) {
                        snprintf(path, sizeof(path), "%s/f%d", dir, files);
                        int c = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
                        if (c < 0) { printf("FILES created %d more, then: %s\n", files, strerror(errno)); break; }
                        close(c);
                }
                _exit(0);
        }
        waitpid(p, NULL, 0);
        sync();
        struct dqblk g;
        quota_quotactl_fd(fd, QUOTA_CMD(Q_GETQUOTA, 2), P, &g);
        printf("USAGE space %llu bytes (limit %llu KiB), inodes %llu (limit %llu)\n", (unsigned long long)g.dqb_curspace,
               (unsigned long long)g.dqb_bhardlimit, (unsigned long long)g.dqb_curinodes, (unsigned long long)g.dqb_ihardlimit);
        /* Empty it, then 30 writers race past the quota. */
        char cmd[4200]; snprintf(cmd, sizeof(cmd), "rm -f %s/*", dir); system(cmd);
        for (int i = 0; i < 30; i++) {
                if (fork() == 0) {
                        setresgid(1000, 1000, 1000); setresuid(1000, 1000, 1000);
                        static char buf[16384]; ssize_t n;
                        snprintf(path, sizeof(path), "%s/race%d", dir, i);
                        int w = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
                        for (int k = 0; k < 8 && (n = write(w, buf, sizeof(buf))) > 0; k++) ;
                        _exit(0);
                }
        }
        unsigned long long maxseen = 0;
        for (int live = 30; live > 0;) {
                if (waitpid(-1, NULL, WNOHANG) > 0) { live--; continue; }
                quota_quotactl_fd(fd, QUOTA_CMD(Q_GETQUOTA, 2), P, &g);
                if (g.dqb_curspace > maxseen) maxseen = g.dqb_curspace;
        }
        sync();
        quota_quotactl_fd(fd, QUOTA_CMD(Q_GETQUOTA, 2), P, &g);
        if (g.dqb_curspace > maxseen) maxseen = g.dqb_curspace;
        printf("RACE 30 writers x 128K: max usage seen %llu, final %llu (limit %llu)\n", maxseen,
               (unsigned long long)g.dqb_curspace, (unsigned long long)g.dqb_bhardlimit * 1024);
        /* Enforcement off, accounting on. */
        unsigned int flags = FS_QUOTA_PDQ_ENFD;
        if (quota_quotactl_fd(fd, QUOTA_CMD(Q_XQUOTAOFF, 2), 0, &flags) < 0) perror("Q_XQUOTAOFF");
        check_as_user(dir, 1 << 20, 20, "enforcement off");
        return 0;
}
