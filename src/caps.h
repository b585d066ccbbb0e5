/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Capabilities.  The launcher's file capabilities (see docs/security.md):
 *   cap_sys_admin  namespaces, mounts, pivot_root, the jail's hostname
 *   cap_chown      make the jail's fresh root and its files root-owned
 *   cap_setpcap    empty the bounding set and lock securebits
 *
 * They are installed permitted-only ("=p"), so that not even the dynamic
 * loader and libc's start-up run with an effective capability, and
 * caps_init_launcher() empties the effective set anyway (an older "=ep"
 * install).  From then on a capability is effective only between
 * caps_raise() and caps_lower(), around the few operations that need it;
 * everything that parses input (NSS, the configuration, ELF headers, the
 * environment, /etc/localtime) runs with an empty effective set.
 * caps_drop_all() leaves nothing, in any set. */
#pragma once

/* What caps_raise() makes effective: a mask of these. */
#define CAPS_SYS_ADMIN (1u << 0)
#define CAPS_CHOWN (1u << 1)
#define CAPS_SETPCAP (1u << 2)

/* Empty the effective set, keeping the permitted one: the launcher's
 * first step, before it reads any input. */
void caps_init_launcher(void);

/* Die unless exactly the expected capabilities are permitted and the
 * process is not set-uid (real == effective == saved ids).  Only reads:
 * called once the log line can name the user. */
void caps_check_launcher(void);

/* Make exactly the capabilities in mask effective (the rest of the
 * permitted set stays off), or none with caps_lower().  Die on failure:
 * we never carry on with a set other than the one we asked for. */
void caps_raise(unsigned mask);
void caps_lower(void);

/* Empty every capability set (bounding, ambient, inheritable, permitted,
 * effective), lock securebits, then verify.  Raises CAP_SETPCAP itself for
 * the bounding set and securebits.  Dies on any failure: a half-dropped
 * state is never used. */
void caps_drop_all(void);

/* The file capability text the launcher must carry, for sftpjailctl and
 * the installers (tools/meson-post-install.sh). */
#define SFTPJAIL_FILE_CAPS "cap_chown,cap_setpcap,cap_sys_admin=p"
