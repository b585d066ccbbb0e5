/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Loading the prebuilt filter (generated at build time from
 * seccomp/sftp-server.policy by seccomp/compile.c). */
#pragma once

#include <linux/filter.h>

extern const struct sock_filter sftpjail_filter[];
extern const unsigned short sftpjail_filter_len;

/* Load the filter; the very last step before execve.  Dies on failure. */
void seccomp_load_filter(void);
