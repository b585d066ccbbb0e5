/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The jail's network namespace.
 *
 * A jail needs a network namespace with nothing in it: no interface but a
 * loopback that is down.  Creating one per login is the most expensive
 * namespace there is (loopback registration under the RTNL lock, and an
 * asynchronous cleanup_net per session that competes with the next
 * logins), so sftpjail shares one empty namespace between all jails,
 * created once by "sftpjailctl netns create" (sftpjail-netns.service) and
 * bind-mounted at SFTPJAIL_NETNS_PATH.
 *
 * Sharing it gives away nothing the jail promised: sftp-server may not
 * create sockets at all (seccomp), Landlock scopes abstract unix sockets
 * to each jail, and an empty namespace has nothing to reach.  The launcher
 * checks the namespace on every login (below) and refuses one that is not
 * empty; without the file, each login gets a new namespace of its own. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* Open the shared namespace and check, by the fd, that it is a network
 * namespace owned by our own user namespace and not the one we run in.
 * Returns the fd, -1 if there is no such file (the caller then creates a
 * private namespace), or -2 with why filled. */
int netns_open_shared(const char *path, char *why, size_t len);

/* Is the calling thread's network namespace empty: only "lo", and lo down?
 * Returns true, or false with why filled. */
bool netns_is_empty(char *why, size_t len);
