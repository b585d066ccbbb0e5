/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "landlock.h"

#include <fcntl.h>
#include <linux/landlock.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "log.h"

/* Debian 12's headers stop at ABI 1; the values are kernel ABI. */
#define LL_FS_EXECUTE (1ULL << 0)
#define LL_FS_WRITE_FILE (1ULL << 1)
#define LL_FS_READ_FILE (1ULL << 2)
#define LL_FS_READ_DIR (1ULL << 3)
#define LL_FS_REMOVE_DIR (1ULL << 4)
#define LL_FS_REMOVE_FILE (1ULL << 5)
#define LL_FS_MAKE_CHAR (1ULL << 6)
#define LL_FS_MAKE_DIR (1ULL << 7)
#define LL_FS_MAKE_REG (1ULL << 8)
#define LL_FS_MAKE_SOCK (1ULL << 9)
#define LL_FS_MAKE_FIFO (1ULL << 10)
#define LL_FS_MAKE_BLOCK (1ULL << 11)
#define LL_FS_MAKE_SYM (1ULL << 12)
#define LL_FS_REFER (1ULL << 13)    /* ABI 2 */
#define LL_FS_TRUNCATE (1ULL << 14) /* ABI 3 */
#define LL_FS_IOCTL_DEV (1ULL << 15) /* ABI 5 */
#define LL_NET_BIND_TCP (1ULL << 0) /* ABI 4 */
#define LL_NET_CONNECT_TCP (1ULL << 1)
#define LL_SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0) /* ABI 6 */
#define LL_SCOPE_SIGNAL (1ULL << 1)

struct ll_ruleset_attr {
        uint64_t handled_access_fs;
        uint64_t handled_access_net;
        uint64_t scoped;
};

struct ll_path_beneath {
        uint64_t allowed_access;
        int32_t parent_fd;
} __attribute__((packed));

#define LL_FS_V1                                                                                     \
        (LL_FS_EXECUTE | LL_FS_WRITE_FILE | LL_FS_READ_FILE | LL_FS_READ_DIR | LL_FS_REMOVE_DIR |   \
         LL_FS_REMOVE_FILE | LL_FS_MAKE_CHAR | LL_FS_MAKE_DIR | LL_FS_MAKE_REG | LL_FS_MAKE_SOCK |  \
         LL_FS_MAKE_FIFO | LL_FS_MAKE_BLOCK | LL_FS_MAKE_SYM)

/* What a writable directory grants: files and directories, nothing else
 * (no devices, fifos or sockets). */
#define LL_WRITE_DIR                                                                                 \
        (LL_FS_WRITE_FILE | LL_FS_REMOVE_DIR | LL_FS_REMOVE_FILE | LL_FS_MAKE_DIR | LL_FS_MAKE_REG | \
         LL_FS_MAKE_SYM | LL_FS_REFER | LL_FS_TRUNCATE)
#define LL_READ (LL_FS_READ_FILE | LL_FS_READ_DIR)

static uint64_t handled_fs(int abi)
{
        uint64_t fs = LL_FS_V1;

        if (abi >= 2)
                fs |= LL_FS_REFER;
        if (abi >= 3)
                fs |= LL_FS_TRUNCATE;
        if (abi >= 5)
                fs |= LL_FS_IOCTL_DEV;
        return fs;
}

static void add_rule(int ruleset, int fd, uint64_t access, uint64_t handled, const char *what)
{
        struct ll_path_beneath pb = { .allowed_access = access & handled, .parent_fd = fd };

        if (syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &pb, 0) < 0)
                die_errno("landlock rule for %s", what);
}

int landlock_apply(const struct jail *j)
{
        _cleanup_close_ int ruleset = -1, root = -1;
        struct ll_ruleset_attr attr = { 0 };
        size_t attr_size;
        int abi;
        uint64_t fs, home_access = LL_READ;

        abi = (int)syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
        if (abi < 0) {
                if (errno == ENOSYS || errno == EOPNOTSUPP)
                        return 0; /* not built in, or disabled at boot */
                die_errno("landlock ABI query");
        }
        fs = handled_fs(abi);
        attr.handled_access_fs = fs;
        attr_size = sizeof(attr.handled_access_fs);
        if (abi >= 4) {
                /* No TCP at all: sftp-server never uses the network. */
                attr.handled_access_net = LL_NET_BIND_TCP | LL_NET_CONNECT_TCP;
                attr_size = offsetof(struct ll_ruleset_attr, scoped);
        }
        if (abi >= 6) {
                attr.scoped = LL_SCOPE_ABSTRACT_UNIX_SOCKET | LL_SCOPE_SIGNAL;
                attr_size = sizeof(attr);
        }
        ruleset = (int)syscall(SYS_landlock_create_ruleset, &attr, attr_size, 0);
        if (ruleset < 0)
                die_errno("landlock_create_ruleset");

        /* The jail's own tree is readable; it holds nothing of the host. */
        root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (root < 0)
                die_errno("landlock: opening /");
        add_rule(ruleset, root, LL_READ, fs, "/");
        /* The rest by the mounts' own fds (open_tree clones, now attached):
         * no name is looked up again, so nothing the user renames in the
         * meantime can move a rule. */
        for (size_t i = 0; i < j->n_files; i++) {
                bool dev = streq(j->files[i].path, "/dev/null");
                add_rule(ruleset, j->files[i].tree,
                         dev ? (LL_FS_READ_FILE | LL_FS_WRITE_FILE) : (LL_FS_READ_FILE | LL_FS_EXECUTE), fs,
                         j->files[i].path);
        }
        /* Writable: the home for access=home, else only uploads. */
        if (j->policy->access == ACCESS_HOME)
                home_access |= LL_WRITE_DIR;
        add_rule(ruleset, j->home_tree, home_access, fs, j->id->home);
        if (j->uploads_tree >= 0)
                add_rule(ruleset, j->uploads_tree, LL_READ | LL_WRITE_DIR, fs, j->policy->uploads);

        if (syscall(SYS_landlock_restrict_self, ruleset, 0) < 0)
                die_errno("landlock_restrict_self");
        return abi;
}
