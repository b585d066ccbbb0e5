/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Who may own a path sftpjail trusts, and with which mode: written once,
 * used by the launcher (config, home, uploads, sftp-server and its
 * libraries) and by sftpjailctl doctor/explain, so that doctor reports
 * exactly what a login would refuse, in the same words.
 *
 * Every function here returns 0, or -1 with a one-line reason in err; none
 * dies, logs or needs a capability. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

enum path_owner {
        PATH_OWNER_ROOT,         /* uid 0 */
        PATH_OWNER_ROOT_OR_USER, /* uid 0 or the user's */
        PATH_OWNER_USER,         /* the user's */
};

struct path_rule {
        const char *what;      /* "home directory", "configuration", ... */
        mode_t type;           /* S_IFDIR, S_IFREG, or 0 for any */
        enum path_owner owner;
        mode_t forbidden;      /* mode bits that must be clear */
};

/* The rules.  Directories above anything we trust, the configuration,
 * sftp-server and its libraries: root's, writable by root alone. */
extern const struct path_rule path_rule_root_dir;
extern const struct path_rule path_rule_config;
extern const struct path_rule path_rule_system_file;
extern const struct path_rule path_rule_keys_file;
/* A program sftpjail runs as root's choice (on_upload). */
extern const struct path_rule path_rule_program;
/* ready_dir: in the user's uploads, the user's or root's, not
 * world-writable. */
extern const struct path_rule path_rule_ready_dir;
/* The home: the user's or root's (access=home needs the user's), never
 * group/world-writable.  Uploads: the user's, never world-writable. */
extern const struct path_rule path_rule_home;
extern const struct path_rule path_rule_uploads;

/* Does st (of path, for the message) satisfy rule for user uid? */
int path_rule_check(const struct path_rule *rule, const char *path, const struct stat *st, uid_t uid, char *err,
                    size_t errlen);

/* Open rel below dirfd without leaving it and without following any
 * symlink or magic link on the way (openat2 RESOLVE_BENEATH |
 * RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS; O_CLOEXEC added): the way
 * every user-controlled path is opened. */
int path_open_beneath(int dirfd, const char *rel, int flags);

/* path_open_beneath(), then rule on what was opened (dirpath names dirfd
 * in the message).  Returns the fd (st filled) or -1 with err filled. */
int path_open_beneath_checked(int dirfd, const char *dirpath, const char *rel, const struct path_rule *rule,
                              uid_t uid, int flags, struct stat *st, char *err, size_t errlen);

/* Open an absolute, canonical path from / without following any symlink:
 * every directory on the way must satisfy path_rule_root_dir, the last
 * component rule (for user uid).  flags are openat(2) flags for the last
 * component (O_NOFOLLOW and O_CLOEXEC are added).  Returns the fd (st
 * filled), or -1 with err filled and errno set. */
int path_open_trusted(const char *path, const struct path_rule *rule, uid_t uid, int flags, struct stat *st,
                      char *err, size_t errlen);
