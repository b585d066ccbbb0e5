/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Loading the prebuilt filter (generated at build time from
 * seccomp/sftp-server.policy by seccomp/compile.c). */
#pragma once

#include <linux/filter.h>

extern const struct sock_filter sftpjail_filter[];
extern const unsigned short sftpjail_filter_len;
/* The same policy with KILL_PROCESS as the default action: loaded when a
 * listener already exists further up (seccomp_load_filter). */
extern const struct sock_filter sftpjail_filter_kill[];
extern const unsigned short sftpjail_filter_kill_len;
extern const char *const sftpjail_syscall_names[];
extern const unsigned sftpjail_syscall_names_len;

/* The fd over which the child hands the filter's listener to the
 * supervisor: reserved at start-up, and the only fd sendmsg() is allowed
 * on (seccomp/sftp-server.policy, group "notify"). */
#define SECCOMP_NOTIFY_FD 3

/* Load the filter; the last step before execve.  Returns the listener fd
 * (SECCOMP_RET_USER_NOTIF), or -1 when a filter above us already has a
 * listener and the kill-default program was loaded instead.  Dies on
 * failure. */
int seccomp_load_filter(void);

/* Name of a syscall number of this architecture, or "?". */
const char *seccomp_syscall_name(int nr);
