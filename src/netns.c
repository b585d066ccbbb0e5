/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "netns.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <linux/nsfs.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include "util.h"

#ifndef NSFS_MAGIC
#define NSFS_MAGIC 0x6e736673
#endif

static bool same_inode(int fd, const char *path)
{
        struct stat a, b;

        return fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

int netns_open_shared(const char *path, char *why, size_t len)
{
        _cleanup_close_ int fd = -1, owner = -1;
        struct statfs sfs;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
        if (fd < 0 && errno == ENOENT)
                return -1;
        if (fd < 0) {
                snprintf(why, len, "cannot open it: %s", strerror(errno));
                return -2;
        }
        /* By the fd: a bind mount of a namespace file, of the net type. */
        if (fstatfs(fd, &sfs) < 0 || sfs.f_type != NSFS_MAGIC || ioctl(fd, NS_GET_NSTYPE) != CLONE_NEWNET) {
                snprintf(why, len, "it is not a network namespace");
                return -2;
        }
        /* Owned by the user namespace our privilege counts in: a namespace
         * an unprivileged user made in a user namespace of their own is
         * theirs to change. */
        owner = ioctl(fd, NS_GET_USERNS);
        if (owner < 0 || !same_inode(owner, "/proc/self/ns/user")) {
                snprintf(why, len, "it belongs to another user namespace");
                return -2;
        }
        if (same_inode(fd, "/proc/self/ns/net")) {
                snprintf(why, len, "it is the host's own network namespace");
                return -2;
        }
        return steal_fd(&fd);
}

bool netns_is_empty(char *why, size_t len)
{
        struct if_nameindex *ifs = if_nameindex();
        _cleanup_close_ int sock = -1;
        struct ifreq ifr = { 0 };
        bool ok = true;

        if (!ifs) {
                snprintf(why, len, "cannot list its interfaces: %s", strerror(errno));
                return false;
        }
        for (struct if_nameindex *i = ifs; i->if_index != 0; i++)
                if (!streq(i->if_name, "lo")) {
                        snprintf(why, len, "it has an interface '%s'", i->if_name);
                        ok = false;
                        break;
                }
        if_freenameindex(ifs);
        if (!ok)
                return false;

        /* Any socket reaches the device ioctls; a unix one needs no
         * protocol module. */
        sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
        if (sock < 0 || ioctl(sock, SIOCGIFFLAGS, &ifr) < 0) {
                snprintf(why, len, "cannot read the loopback's state: %s", strerror(errno));
                return false;
        }
        if (ifr.ifr_flags & IFF_UP) {
                snprintf(why, len, "its loopback interface is up");
                return false;
        }
        return true;
}
