/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Landlock, where the kernel has it: a second, independent fence inside the
 * jail.  The session may execute only sftp-server and its loader and
 * libraries, write only where the policy allows writes, bind or connect no
 * TCP socket (ABI 4), and signal nothing outside itself (ABI 6).
 *
 * A kernel without Landlock still gets the complete namespace + seccomp
 * jail; the login then logs that Landlock was not applied.  Any other
 * failure refuses the login. */
#pragma once

#include "mounts.h"

/* In the jail, after no_new_privs and before seccomp.  Returns the ABI
 * version applied, or 0 if the kernel has no Landlock. */
int landlock_apply(const struct jail *j);
