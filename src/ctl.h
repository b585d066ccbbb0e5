/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sftpjailctl: the admin CLI (run by root).  One file per command group:
 * ctl-user.c (add-user, remove-user), ctl-doctor.c, ctl-explain.c,
 * ctl-sessions.c (sessions, kill-session), ctl-filter.c (print-filter),
 * ctl-netns.c (netns), ctl-quota.c (quota), ctl-log.c (log, metrics). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include "policy.h"

#define CTL_EXIT_OK 0
#define CTL_EXIT_PROBLEMS 1 /* doctor found problems; a session was not found */
#define CTL_EXIT_USAGE 2
#define CTL_EXIT_ERROR 3

#define JAIL_GROUP "sftpjail"
#define DEFAULT_HOME_BASE "/srv/sftp"
#define KEYS_DIR SFTPJAIL_CONFDIR "/authorized_keys"

int cmd_add_user(int argc, char **argv);
int cmd_remove_user(int argc, char **argv);
int cmd_doctor(int argc, char **argv);
int cmd_explain(int argc, char **argv);
int cmd_sessions(int argc, char **argv);
int cmd_kill_session(int argc, char **argv);
int cmd_print_filter(int argc, char **argv);
int cmd_netns(int argc, char **argv);
int cmd_quota(int argc, char **argv);
int cmd_log(int argc, char **argv);     /* ctl-log.c */
int cmd_metrics(int argc, char **argv); /* ctl-log.c */
/* Live sessions per user, as "sessions" finds them (ctl-sessions.c). */
struct ctl_live {
        char user[64];
        unsigned count;
};
size_t ctl_live_sessions(struct ctl_live *out, size_t max);
/* Project quota of a user with quota/quota_files (ctl-quota.c): project id
 * and inherit flag on the writable area and everything below it, then the
 * kernel's limits.  Returns 1 changed, 0 nothing to do, -1 (message out). */
int ctl_quota_setup(const struct config *c, const struct identity *id, const struct policy *p, bool quiet);
/* The shared network namespace, for doctor: one line unless quiet_ok and
 * all is well (a missing one is a note); CTL_EXIT_PROBLEMS if logins would be refused. */
int ctl_netns_status(bool quiet_ok);
bool ctl_netns_present(void);
int ctl_netns_create(void);
/* The session slots directory (slots.h), root's, mode 1733; 0 or -1. */
int ctl_slots_dir_create(void);

/* Helpers (sftpjailctl.c). */
void ctl_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Run argv (no shell); returns the exit status, -1 if it could not run.
 * With out != NULL, stdout is captured (NUL-terminated, malloc'd). */
int ctl_run(char *const argv[], char **out);
bool ctl_help_requested(int argc, char **argv, const char *usage);
bool ctl_valid_user_name(const char *s);
/* Validation of command-line arguments, documented in sftpjailctl(8). */
bool ctl_valid_umask(const char *s);
bool ctl_valid_home_base(const char *s);
bool ctl_valid_path_arg(const char *s);
/* s made safe for a one-line message (escaped, cut; see sftpjailctl.c). */
const char *ctl_quote(const char *s);
/* A usage mistake in one line: "sftpjailctl: MESSAGE (Usage: ...)". */
void ctl_usage_error(const char *usage_text, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void ctl_option_error(const char *usage_text, char **argv, int c);
/* getopt_long(3) returned opts[li], an option that may be given once: true
 * (and the usage error written) if it was given before.  seen is the
 * caller's mask of the options given so far, by index in opts. */
struct option;
bool ctl_option_repeated(const char *usage_text, const struct option *opts, int li, unsigned *seen);
/* Identities: identity.h (the launcher's own rules). */

/* Public key files (add-user --key): the text has no control character
 * but tab (and a CR right before a newline).  Returns 0 with the number
 * of lines that hold a key (neither blank nor a comment), or -1 with the
 * 1-based number of the first offending line. */
int ctl_key_text_check(const char *text, size_t *key_lines, size_t *bad_line);
/* Append the key lines of a checked text to keys, one per line, without
 * indentation or CR (text is modified). */
void ctl_key_text_write(char *text, FILE *keys);

/* The keys add-user writes into [user NAME]; NULL = left as it is. */
struct ctl_user_keys {
        const char *access, *umask, *quota, *quota_files;
};
/* Return the config text with [user NAME] holding key=value for each
 * given key (other keys of the section kept); remove it if remove.  Built
 * in a memory stream, so its size is bounded only by memory, never by a
 * guess; NULL with errno on failure.  The caller validates the result
 * with config_parse_string() before writing it. */
char *ctl_edit_config(const char *text, const char *name, const struct ctl_user_keys *keys, bool remove);

/* The users doctor and quota look at: members of group JAIL_GROUP and of
 * every [group] rule's group (getgrnam(): no enumeration of a directory),
 * users whose primary group one of them is (getpwent()), then every [user]
 * rule of c, each once.  The first *n_owned names are
 * malloc'd (free them); the rest point into c.  Returns how many. */
struct config;
size_t ctl_jailed_users(const struct config *c, const char **names, size_t max, size_t *n_owned);
/* Is name an account of the local passwd file (/etc/passwd, which
 * useradd and usermod change), rather than one NSS finds elsewhere (a
 * directory through sssd)? */
bool ctl_local_account(const char *name);
/* jail_resolve() as the launcher runs it: with the user's uid, gid and
 * groups and no effective capability.  Run as root, it would pass a home
 * the user cannot enter (0700 root:root on the way) and refuse one that
 * root cannot (NFS root_squash, a FUSE volume's server.root-squash).  The
 * fds it opens stay valid after root's ids are back. */
struct jail;
int ctl_jail_resolve_as_user(struct jail *j, const struct config *c, const struct identity *id,
                             const struct policy *p);
