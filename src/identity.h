/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Who a user is, for the policy: name, ids, home and group names.  One
 * set of rules for the launcher (the caller, at login) and sftpjailctl
 * (a user by name): the same name checks, the same group list, the same
 * order, so that explain and doctor resolve the policy a login gets.
 *
 * These call NSS (files, or sssd/LDAP): in the launcher they run with no
 * effective capability.  They return 0, or -1 with err filled; none dies
 * or logs. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "policy.h"

/* Names that end up in the jail's passwd and group files, and in log
 * lines: non-empty, no ':' and no control characters. */
bool identity_name_ok(const char *s);

/* The calling process: getuid()/getgid() and the supplementary groups the
 * kernel holds for it (sshd's initgroups(): the set its Match Group saw). */
int identity_of_caller(struct identity *id, char *err, size_t errlen);

/* The same, looked up in a child process that holds no capability at all,
 * within timeout_s seconds: NSS may wait far longer (a hung sssd: the
 * client gives up after 300 s), and nothing else bounds the launcher,
 * which runs after sshd's LoginGraceTime.  On timeout the child is killed
 * and err says so (docs/deployment.md, "Directory users"). */
#define IDENTITY_LOOKUP_TIMEOUT_S 20
int identity_of_caller_bounded(struct identity *id, int timeout_s, char *err, size_t errlen);

/* A user by name, with the groups initgroups() would give them. */
int identity_by_name(const char *name, struct identity *id, char *err, size_t errlen);

void identity_free(struct identity *id);
