/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Capabilities.  The launcher's file capabilities (see docs/security.md):
 *   cap_sys_admin  namespaces, mounts, pivot_root
 *   cap_chown      make the jail's fresh root and its files root-owned
 *   cap_setpcap    empty the bounding set and lock securebits
 * are held only until exec; caps_drop_all() leaves nothing. */
#pragma once

/* Die unless exactly the expected capabilities are permitted and effective
 * and the process is not set-uid (real == effective ids). */
void caps_check_launcher(void);

/* Empty every capability set (bounding, ambient, inheritable, permitted,
 * effective), lock securebits, then verify.  Dies on any failure: a
 * half-dropped state is never used. */
void caps_drop_all(void);

/* The file capability text the launcher must carry, for sftpjailctl. */
#define SFTPJAIL_FILE_CAPS "cap_chown,cap_setpcap,cap_sys_admin=ep"
