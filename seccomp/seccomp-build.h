/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Turn a parsed policy into a libseccomp filter.  Used at build time to
 * produce the launcher's BPF, and by sftpjailctl to print it for audits.
 * Never linked into the launcher. */
#pragma once

#include <seccomp.h>

#include "seccomp-policy.h"

/* Returns a filter context or NULL with err filled.  The default action
 * (anything not allowed or refused with an errno) is SCMP_ACT_NOTIFY. */
scmp_filter_ctx sp_build(const struct sp_policy *p, char *err, size_t errlen);

/* The same policy with another default action: SCMP_ACT_KILL_PROCESS for
 * the launcher's fallback program (when a seccomp listener above it makes
 * SECCOMP_FILTER_FLAG_NEW_LISTENER fail with EBUSY). */
scmp_filter_ctx sp_build_default(const struct sp_policy *p, uint32_t default_action, char *err, size_t errlen);
