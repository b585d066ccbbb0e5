/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Turn a parsed policy into a libseccomp filter.  Used at build time to
 * produce the launcher's BPF, and by sftpjailctl to print it for audits.
 * Never linked into the launcher. */
#pragma once

#include <seccomp.h>

#include "seccomp-policy.h"

/* Returns a filter context or NULL with err filled. */
scmp_filter_ctx sp_build(const struct sp_policy *p, char *err, size_t errlen);
