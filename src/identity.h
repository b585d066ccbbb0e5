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

/* The lookup child's answer (identity_of_caller_bounded), both ways; pure,
 * for the unit test and fuzz-identity.  The child runs NSS modules,
 * foreign code, so its answer is checked like any input: decode accepts
 * only what encode writes.  Encoding: "O" then name, home, primary group
 * ("" = none) and the groups, each NUL-terminated, and an empty name to
 * end them (so that no answer cut short reads as one with fewer groups);
 * or "E" then an error text (printable, no NUL).  encode returns 0 and a malloc'd buffer, or -1
 * (out of memory); decode 0 with id filled (uid and gid: the caller's
 * own, getuid()/getgid()), or -1 with err filled. */
int identity_encode(const struct identity *id, char **buf, size_t *len);
int identity_decode(const char *buf, size_t len, struct identity *id, char *err, size_t errlen);

void identity_free(struct identity *id);
