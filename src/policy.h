/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Policy resolution: which rules apply to a user, and the sftp-server
 * command line that follows.  Pure functions of (config, identity): no
 * system calls, so they are unit-tested and reused by sftpjailctl explain. */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "config.h"

#define POLICY_MAX_GROUPS 256
#define POLICY_MAX_MATCHES 64

struct identity {
        const char *name;
        uid_t uid;
        gid_t gid;
        const char *home;
        const char *group; /* name of the primary group, or NULL */
        size_t n_groups;
        const char *groups[POLICY_MAX_GROUPS]; /* names: the primary group first, then the others */
};

struct policy {
        enum access access;
        const char *uploads;   /* relative to home; NULL for access=readonly/home */
        const char *start_dir; /* relative to home; "" = home */
        int umask;
        const char *allow_requests; /* NULL = all */
        const char *deny_requests;  /* NULL = none */
        const char *log_level;
        struct limits limits; /* LIMIT_NONE (0) where no rule sets one */
        /* Upload events (sftpjail-events): NULL on_upload = none. */
        const char *on_upload;
        const char *ready_dir;     /* relative to uploads; NULL = none */
        const char *temp_suffixes; /* space separated; default ".filepart .part" */
        const char *hook_user;     /* NULL = DynamicUser */
        bool hook_network;
        size_t n_matched;
        const struct rule *matched[POLICY_MAX_MATCHES]; /* in order of application */
};

/* Resolve the policy of a user.  Returns 0, or -1 when no [user]/[group]
 * rule names them (they are refused; [default] alone grants nothing). */
int policy_resolve(const struct config *c, const struct identity *id, struct policy *p);

#define POLICY_TEMP_SUFFIXES_DEFAULT ".filepart .part"

/* Does the last component of name (len bytes) end with one of the
 * space-separated suffixes of list, after at least one other byte? */
bool policy_temp_name(const char *list, const char *name, size_t len);

/* Requests denied implicitly by an access mode (dropbox: nothing can be
 * read back or removed).  Returns NULL when none. */
const char *policy_implicit_deny(enum access a);

/* Build sftp-server's argv into argv[] (at most POLICY_ARGV_MAX entries
 * incl. the NULL), using buf as storage.  Returns 0 or -1 if buf is short. */
#define POLICY_ARGV_MAX 24
int policy_sftp_argv(const struct config *c, const struct identity *id, const struct policy *p,
                     const char *argv[POLICY_ARGV_MAX], char *buf, size_t buflen);

/* sftp-server's -l for a configured log_level: at least VERBOSE (records). */
const char *policy_server_log_level(const char *configured);
