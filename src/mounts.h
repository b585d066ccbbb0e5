/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The jail's mount tree.
 *
 * Two phases, because the hostile part (the user's paths) must be resolved
 * where we can check it and the building must happen in the new mount
 * namespace:
 *
 *  jail_prepare()  runs in the host mount namespace with the launcher's
 *                  privilege and the user's filesystem identity.  It opens
 *                  every source by fd (home, uploads, sftp-server, its
 *                  loader and libraries, /dev/null), checks owners and types
 *                  on the fds, and clones each into a detached mount
 *                  (open_tree) with its final flags (mount_setattr).
 *  jail_build()    runs in the child's fresh mount namespace: a new tmpfs
 *                  root, the detached mounts moved into place by fd
 *                  (move_mount), the root made read-only, pivot_root.
 *
 * No step resolves a user-controlled path by name while mounting. */
#pragma once

#include <limits.h>
#include <sys/stat.h>

#include "elfdeps.h"
#include "policy.h"

#define JAIL_MAX_FILES (ELF_MAX_NEEDED + 4)

struct jail_file {
        char path[PATH_MAX];     /* where it appears in the jail */
        int tree;                /* detached mount of the source file */
        unsigned long long attr; /* MOUNT_ATTR_* it carries */
};

struct jail {
        const struct identity *id;
        const struct policy *policy;
        int home_tree;       /* detached mount of the home */
        int uploads_tree;    /* detached mount of uploads, or -1 */
        unsigned long long home_attr, uploads_attr; /* MOUNT_ATTR_* */
        struct stat uploads_st;
        size_t n_files;
        struct jail_file files[JAIL_MAX_FILES];
        char sftp_server[PATH_MAX];
};

void jail_prepare(struct jail *j, const struct config *c, const struct identity *id, const struct policy *p);

/* In the child: build the tree and pivot into it.  passwd/group are the
 * contents of the jail's /etc files. */
void jail_build(struct jail *j, const char *passwd, const char *group);
