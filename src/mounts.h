/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The jail's mount tree.
 *
 * Three steps, because the hostile part (the user's paths) must be
 * resolved where we can check it, without privilege, and the building must
 * happen in the new mount namespace:
 *
 *  jail_resolve()  runs in the host mount namespace with no effective
 *                  capability, as the user (filesystem identity).  It opens
 *                  every source by fd (home, uploads, sftp-server, its
 *                  loader and libraries, /dev/null), checks owners and
 *                  types on the fds (pathrule.h) and parses the ELF
 *                  headers.  It returns errors instead of dying, so that
 *                  sftpjailctl explain and doctor use it as it is.
 *  jail_clone()    the short privileged step (CAP_SYS_ADMIN): clone each
 *                  source into a detached mount (open_tree) with its final
 *                  flags (mount_setattr).
 *  jail_build()    runs in the child's fresh mount namespace (CAP_SYS_ADMIN,
 *                  CAP_CHOWN): a new tmpfs root, the detached mounts moved
 *                  into place by fd (move_mount), the root made read-only,
 *                  pivot_root.
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
        int src;                 /* the checked source (jail_resolve), or -1 */
        int tree;                /* detached mount of it (jail_clone), or -1 */
        unsigned long long attr; /* MOUNT_ATTR_* it carries */
};

struct jail {
        const struct identity *id;
        const struct policy *policy;
        int home_src, uploads_src;   /* checked sources, or -1 */
        int home_tree, uploads_tree; /* detached mounts, or -1 */
        unsigned long long home_attr, uploads_attr; /* MOUNT_ATTR_* */
        struct stat uploads_st;
        size_t n_files;
        struct jail_file files[JAIL_MAX_FILES];
        char sftp_server[PATH_MAX];
        char err[1024]; /* why jail_resolve() refused */
};

/* Open and check every source.  Returns 0, or -1 with j->err set (every
 * fd closed).  Needs no capability; never dies or logs. */
int jail_resolve(struct jail *j, const struct config *c, const struct identity *id, const struct policy *p);

/* Only the home and the uploads directory of jail_resolve(), with the
 * same checks and words: home_src, uploads_src (-1 where the access mode
 * has none), uploads_st.  For sftpjail-events, which acts on uploads. */
int jail_resolve_uploads(struct jail *j, const struct config *c, const struct identity *id, const struct policy *p);

/* Clone every source into a detached mount and close the sources.  Needs
 * CAP_SYS_ADMIN effective; dies on failure. */
void jail_clone(struct jail *j);

/* Close every fd the jail holds. */
void jail_close(struct jail *j);

/* In the child: build the tree and pivot into it.  passwd/group are the
 * contents of the jail's /etc files.  Needs CAP_SYS_ADMIN and CAP_CHOWN. */
void jail_build(struct jail *j, const char *passwd, const char *group);
